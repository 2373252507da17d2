/* fault.c - --fault SPEC parsing: one table of fault names. */
#include "sim/fault.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum fault_kind {
    F_COUNT64,
    F_COUNT32,
    F_FLAG
};

struct fault_row {
    const char *name;
    enum fault_kind kind;
    size_t field; /* offsetof in struct sim_faults */
};

#define ROW(n, k, f)                         \
    {                                        \
        n, k, offsetof(struct sim_faults, f) \
    }
static const struct fault_row fault_rows[] = {
    ROW("drop-byte", F_COUNT64, drop_byte),
    ROW("corrupt-byte", F_COUNT64, corrupt_byte),
    ROW("stop-after", F_COUNT32, stop_after),
    ROW("disconnect-write", F_COUNT32, disconnect_write),
    ROW("brownout-write", F_COUNT32, brownout_write),
    ROW("gpio0-stuck-high", F_FLAG, gpio0_stuck_high),
    ROW("tx-dead", F_FLAG, tx_dead),
    ROW("brownout-at-boot", F_FLAG, brownout_at_boot),
    ROW("psram-missing", F_FLAG, psram_missing),
};

const char sim_fault_help[] =
    "  drop-byte:N         the Nth byte the board receives is lost\n"
    "  corrupt-byte:N      the Nth byte the board receives has its bits flipped\n"
    "  stop-after:N        the board answers its first N requests, then nothing\n"
    "  disconnect-write:N  the cable drops during the Nth flash data packet\n"
    "  brownout-write:N    brown-out reset during the Nth flash data packet\n"
    "  gpio0-stuck-high    GPIO0 never goes low: the board never enters download mode\n"
    "  tx-dead             the board's TX line is dead: it receives but never answers\n"
    "  brownout-at-boot    booting from flash, the supply droops when the app starts: brownout reset loop\n"
    "  psram-missing       booting from flash, the board has no PSRAM (a PSRAM build fails to start it)\n";

int sim_fault_parse(struct sim_faults *f, const char *spec, eb_err *err)
{
    const char *colon = strchr(spec, ':');
    size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
    for (size_t i = 0; i < sizeof fault_rows / sizeof fault_rows[0]; i++) {
        const struct fault_row *r = &fault_rows[i];
        if (strlen(r->name) != name_len || strncmp(r->name, spec, name_len) != 0)
            continue;
        char *field = (char *)f + r->field;
        if (r->kind == F_FLAG) {
            if (colon)
                return eb_fail(err, EB_USAGE, "fault %s takes no number", r->name);
            *(bool *)field = true;
            return 0;
        }
        char *end;
        errno = 0;
        unsigned long long n = colon ? strtoull(colon + 1, &end, 10) : 0;
        if (!colon || *end || end == colon + 1 || errno || n == 0 || (r->kind == F_COUNT32 && n > UINT32_MAX))
            return eb_fail(err, EB_USAGE, "fault %s needs a count from 1, as in %s:3", r->name, r->name);
        if (r->kind == F_COUNT64)
            *(uint64_t *)field = n;
        else
            *(uint32_t *)field = (uint32_t)n;
        return 0;
    }
    return eb_fail(err, EB_USAGE, "unknown fault '%s'; the faults are:\n%s", spec, sim_fault_help);
}
