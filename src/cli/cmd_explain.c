/* cmd_explain.c - `espburn explain [LOGFILE|-] [--plan SOURCE...] [--elf APP.elf]
 * [--chip CHIP] [--json]`: what went wrong in a saved boot log, one block
 * per finding (what happened, why, what to do), tied to the files of a
 * flash plan when one is given. The analysis is src/boot/ (shared with
 * `espburn monitor`); this file reads the inputs and prints. */
#include <stdio.h>
#include <string.h>

#include "boot/bootlog_plan.h"
#include "boot/bootlog.h"
#include "cli/cli_bootreport.h"
#include "cli/cli.h"
#include "cli/cli_options.h"
#include "common/file.h"
#include "plan/plan.h"

#define MAX_LOG          (64u << 20)
#define MAX_PLAN_SOURCES 32

static const char usage[] =
    "usage: espburn explain [LOGFILE|-] [--plan SOURCE...] [--elf APP.elf] [--chip CHIP] [--json]\n\n"
    "Explain a saved boot log (or standard input): the ROM stage, the second-stage\n"
    "bootloader and the application, boot loops, download mode, strapping pins,\n"
    "known failures, brown-outs and crashes; one block per finding with what\n"
    "happened, why, and what to do.\n\n"
    "  --plan SOURCE...  what was flashed (as for espburn plan: a folder, FILE@ADDR,\n"
    "                    ADDR FILE, a manifest): names the files behind a failure\n"
    "                    and where each belongs; takes every argument up to the\n"
    "                    next option\n"
    "  --elf APP.elf     the application's ELF: names the functions of a backtrace\n"
    "  --chip CHIP       the board's chip, when the log does not show the ROM banner\n"
    "  --json            the findings as one JSON document\n\n"
    "exit: 0 the boot looks healthy, 1 a failure was found, 2 usage error, 3 a file cannot be read\n";

struct explain_args {
    const char *log;
    const char *elf;
    struct plan_opts plan_opts; /* --chip, for the log and the plan */
    bool json;
    int nplan;
    char *plan[MAX_PLAN_SOURCES];
};

static int parse_args(int argc, char **argv, struct explain_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            cli_print_help(usage);
            return -1;
        } else if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (strcmp(s, "--elf") == 0 || strcmp(s, "--chip") == 0) {
            if (i + 1 >= argc)
                return cli_usage("explain", "%s needs a value", s);
            const char *v = argv[++i];
            if (strcmp(s, "--elf") == 0)
                a->elf = v;
            else if (cli_plan_option("explain", 'c', v, &a->plan_opts))
                return EB_USAGE;
        } else if (strcmp(s, "--plan") == 0) {
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                if (a->nplan >= MAX_PLAN_SOURCES)
                    return cli_usage("explain", "too many --plan sources (at most %d)", MAX_PLAN_SOURCES);
                a->plan[a->nplan++] = argv[++i];
            }
            if (a->nplan == 0)
                return cli_usage("explain", "--plan needs at least one source");
        } else if (s[0] == '-' && s[1] != '\0') {
            return cli_usage("explain", "unknown option '%s'", s);
        } else if (a->log) {
            return cli_usage("explain", "one log at a time ('%s' and '%s')", a->log, s);
        } else {
            a->log = s;
        }
    }
    if (!a->log)
        return cli_usage("explain", "give the log file to explain (before --plan, which takes every "
                                    "argument after it), or - for standard input");
    return 0;
}

/* ---- output ------------------------------------------------------------ */

static void print_text(const char *log, const struct bootlog *bl, const struct plan *p)
{
    struct bootlog_summary s;
    bootlog_summary(bl, &s);
    printf("%s: %u line%s, %u boot%s", strcmp(log, "-") ? log : "standard input", s.lines,
           s.lines == 1 ? "" : "s", s.boots, s.boots == 1 ? "" : "s");
    if (s.chip)
        printf(", %s", s.chip->display);
    if (s.rom)
        printf(" (%s)", s.rom);
    if (s.boot_mode[0])
        printf(", boot mode %s", s.boot_mode);
    printf(", furthest stage: %s\n\n", bootlog_stage_name(s.stage));
    for (int level = BOOTLOG_FAIL; level >= BOOTLOG_INFO; level--)
        for (unsigned i = 0; i < bootlog_count(bl); i++)
            if (bootlog_finding(bl, i)->level == (enum bootlog_level)level)
                bootreport_block(stdout, bootlog_finding(bl, i), cli_use_color());
    if (p && p->nfindings) {
        printf("The plan itself:\n");
        cli_print_findings(stdout, p, FIND_INFO);
        printf("\n");
    }
    printf("%s\n", bootlog_failed(bl)
                       ? "Result: the boot failed; the FAIL blocks above say why and what to do."
                       : "Result: no boot failure found.");
}

/* The --json error message of a failed boot: its first failure. */
static void note_failure(const struct bootlog *bl)
{
    const struct bootlog_finding *f;
    for (unsigned i = 0; (f = bootlog_finding(bl, i)); i++)
        if (f->level == BOOTLOG_FAIL) {
            char msg[640];
            snprintf(msg, sizeof msg, "the boot failed: %s; the findings say why and what to do", f->what);
            cli_json_note_error(msg);
            return;
        }
}

static void print_json(const char *log, const struct bootlog *bl, const struct plan *p)
{
    struct bootlog_summary s;
    bootlog_summary(bl, &s);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "file", log);
    if (s.chip)
        cJSON_AddStringToObject(doc, "chip", s.chip->name);
    else
        cJSON_AddNullToObject(doc, "chip");
    if (s.rom)
        cJSON_AddStringToObject(doc, "rom", s.rom);
    cJSON_AddNumberToObject(doc, "lines", s.lines);
    cJSON_AddNumberToObject(doc, "boots", s.boots);
    cJSON_AddStringToObject(doc, "stage", bootlog_stage_name(s.stage));
    if (s.idf_version[0])
        cJSON_AddStringToObject(doc, "idf_version", s.idf_version);
    if (s.boot_mode[0])
        cJSON_AddStringToObject(doc, "boot_mode", s.boot_mode);
    cJSON_AddBoolToObject(doc, "failed", bootlog_failed(bl));
    cJSON *arr = cJSON_AddArrayToObject(doc, "findings");
    for (unsigned i = 0; i < bootlog_count(bl); i++)
        cJSON_AddItemToArray(arr, bootreport_json(bootlog_finding(bl, i)));
    if (p)
        cJSON_AddItemToObject(doc, "plan_findings", cli_findings_json(p));
    cli_print_json(doc);
}

/* ---- the command ------------------------------------------------------- */

static int analyse(const struct explain_args *a, const struct elf_syms *syms)
{
    eb_err err = { 0 };
    bytes log = { 0 };
    if (file_read(strcmp(a->log, "-") ? a->log : "/dev/stdin", MAX_LOG, &log, &err))
        return cli_fail(&err);
    struct bootlog_opts o = { .chip = a->plan_opts.chip, .syms = syms };
    struct bootlog *bl = bootlog_new(&o);
    if (!bl) {
        bytes_free(&log);
        return cli_fail(&(eb_err){ EB_IO, "out of memory" });
    }
    bootlog_feed(bl, (const char *)log.data, log.len, -1);
    bootlog_finish(bl);
    bytes_free(&log);

    struct plan plan;
    memset(&plan, 0, sizeof plan);
    if (a->nplan && plan_build(a->nplan, (char **)a->plan, &a->plan_opts, &plan, &err)) {
        bootlog_free(bl);
        return cli_fail(&err);
    }
    if (a->nplan)
        bootlog_tie_plan(bl, &plan);
    if (a->json)
        print_json(a->log, bl, a->nplan ? &plan : NULL);
    else
        print_text(a->log, bl, a->nplan ? &plan : NULL);
    int rc = bootlog_failed(bl) ? EB_PROBLEM : EB_OK;
    if (rc)
        note_failure(bl);
    if (a->nplan)
        plan_free(&plan);
    bootlog_free(bl);
    return rc;
}

int cmd_explain(int argc, char **argv)
{
    struct explain_args a = { 0 };
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? EB_OK : rc;
    struct elf_syms syms = { 0 };
    if (a.elf && (rc = bootreport_load_elf(a.elf, &syms)) != 0)
        return rc;
    rc = analyse(&a, a.elf ? &syms : NULL);
    elf_syms_free(&syms);
    return rc;
}
