/* cli_bootreport.c - the printed and JSON forms of boot findings (see cli_bootreport.h). */
#include "cli/cli_bootreport.h"

#include "cli/cli.h"
#include "cli/cli_term.h"
#include "common/file.h"

#define MAX_ELF (512u << 20)

const char *bootreport_label(enum bootlog_level l, bool colour)
{
    if (l == BOOTLOG_FAIL)
        return colour ? "\033[1;31mFAIL\033[0m" : "FAIL";
    if (l == BOOTLOG_WARN)
        return colour ? "\033[1;33mWARN\033[0m" : "WARN";
    return "INFO";
}

void bootreport_block(FILE *out, const struct bootlog_finding *f, bool colour)
{
    fprintf(out, "%s %s (line %u", bootreport_label(f->level, colour), f->code, f->line);
    if (f->count > 1)
        fprintf(out, ", seen %u times", f->count);
    fprintf(out, ")\n  What happened: %s\n", f->what);
    if (f->why[0])
        fprintf(out, "  Why: %s\n", f->why);
    if (f->fix[0])
        fprintf(out, "  What to do: %s\n", f->fix);
    if (f->plan[0])
        fprintf(out, "  Your files: %s\n", f->plan);
    fprintf(out, "\n");
}

void bootreport_brief_line(FILE *out, const struct bootlog_finding *f, const struct bootlog_brief *b,
                           bool colour, int cols)
{
    const char *on = colour ? (f->level == BOOTLOG_FAIL   ? "\033[31m"
                               : f->level == BOOTLOG_WARN ? "\033[33m"
                                                          : "\033[36m")
                            : "";
    char line[BOOTREPORT_LINE_MAX];
    snprintf(line, sizeof line, "%sespburn%s %s %s%s%s%s", on, colour ? "\033[0m" : "",
             bootreport_label(f->level, colour), on, b->titled ? "" : f->code, b->titled ? "" : ": ",
             b->line);
    /* the hint to the full text, shorter when the line is long; then the line cut */
    const char *hint = f->level == BOOTLOG_INFO ? "" : " \xc2\xb7 Ctrl-T E explains"; /* · */
    if (cols > 0 && *hint && term_width(line) + term_width(hint) > cols - 1)
        hint = " \xc2\xb7 Ctrl-T E";
    if (cols > 0)
        term_clip(line, cols - 1 - term_width(hint));
    fprintf(out, "%s%s%s\n", line, hint, colour ? "\033[0m" : "");
}

cJSON *bootreport_json(const struct bootlog_finding *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", bootlog_level_name(f->level));
    cJSON_AddStringToObject(o, "code", f->code);
    cJSON_AddStringToObject(o, "what", f->what);
    cJSON_AddStringToObject(o, "why", f->why);
    cJSON_AddStringToObject(o, "fix", f->fix);
    if (f->plan[0])
        cJSON_AddStringToObject(o, "plan", f->plan);
    cJSON_AddNumberToObject(o, "line", f->line);
    cJSON_AddNumberToObject(o, "count", f->count);
    return o;
}

/* The symbols are copied out, so the file's bytes go as soon as they are read. */
int bootreport_load_elf(const char *path, struct elf_syms *syms)
{
    eb_err err = { 0 };
    bytes raw = { 0 };
    if (file_read(path, MAX_ELF, &raw, &err))
        return cli_fail(&err);
    int rc = elf_syms_load(raw.data, raw.len, syms, &err);
    bytes_free(&raw);
    if (rc) {
        eb_wrap(&err, "%s", path);
        err.code = EB_USAGE; /* the wrong file was given */
        return cli_fail(&err);
    }
    return 0;
}
