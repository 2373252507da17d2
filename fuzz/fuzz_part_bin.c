/* fuzz_part_bin.c - the binary partition table parser on arbitrary bytes.
 * Whatever it accepts must check cleanly, and survive binary and CSV round
 * trips unchanged. */
#include <stdlib.h>
#include <string.h>

#include "image/part_table.h"
#include "same_tables.h"

static void binary_round_trip(const struct part_table *t)
{
    bytes bin = { 0 };
    struct part_table back;
    if (pt_to_bin(t, &bin, NULL))
        return; /* too many partitions for the MD5 row */
    if (bin.len != PT_MAX_LEN || pt_parse_bin(bin.data, bin.len, &back, NULL) || !back.md5_ok ||
        !back.has_end || back.bad_row != -1)
        abort();
    same_tables(t, &back);
    bytes_free(&bin);
}

/* In CSV, bootloader and partition table rows get their place and size
 * from the tool, so only tables without them must come back unchanged. */
static bool has_fixed_rows(const struct part_table *t)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->p[i].type == PT_TYPE_BOOTLOADER || t->p[i].type == PT_TYPE_PARTITION_TABLE)
            return true;
    return false;
}

static void csv_round_trip(const struct part_table *t)
{
    if (has_fixed_rows(t))
        return;
    bytes csv = { 0 };
    struct part_table back;
    if (pt_to_csv(t, &csv, NULL) == 0 && pt_parse_csv((const char *)csv.data, csv.len, 0, &back, NULL) == 0)
        same_tables(t, &back);
    bytes_free(&csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct part_table t;
    if (pt_parse_bin(data, size, &t, NULL))
        return 0;
    struct pt_issue issues[PT_MAX_ISSUES];
    unsigned n = pt_check(&t, PT_DEFAULT_OFFSET, issues, PT_MAX_ISSUES);
    for (unsigned i = 0; i < n; i++)
        if (strlen(issues[i].text) == 0)
            abort();
    (void)pt_find_addr(&t, 0x10000), (void)pt_boot_app(&t), (void)pt_end(&t);
    binary_round_trip(&t);
    csv_round_trip(&t);
    return 0;
}
