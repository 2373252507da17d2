/* cli_findings.c - a plan's findings as every command shows them: one text
 * format (stderr or stdout), one JSON form (level, code, text, and the
 * effect of an error), level names from finding_level_name() only; and
 * loading a plan for a board command (built, its problems shown, refused
 * unless --force). */
#include <stdio.h>

#include "cli/cli.h"
#include "plan/plan.h"

void cli_print_findings(FILE *f, const struct plan *p, int min_level)
{
    for (unsigned i = 0; i < p->nfindings; i++)
        if ((int)p->findings[i].level >= min_level)
            fprintf(f, "  %s [%s] %s\n", finding_level_name(p->findings[i].level), p->findings[i].code,
                    p->findings[i].text);
}

cJSON *cli_finding_json(const struct finding *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", finding_level_name(f->level));
    cJSON_AddStringToObject(o, "code", f->code);
    cJSON_AddStringToObject(o, "text", f->text);
    if (f->level == FIND_ERROR)
        cJSON_AddStringToObject(o, "effect", f->effect);
    return o;
}

cJSON *cli_findings_json(const struct plan *p)
{
    cJSON *arr = cJSON_CreateArray();
    for (unsigned i = 0; i < p->nfindings; i++)
        cJSON_AddItemToArray(arr, cli_finding_json(&p->findings[i]));
    return arr;
}

int cli_plan_load(int nsrc, char **src, const struct plan_opts *po, bool quiet, struct plan *p, eb_err *err)
{
    if (plan_build(nsrc, src, po, p, err))
        return -1;
    if (!quiet)
        cli_print_findings(stderr, p, FIND_WARN);
    if (p->refused && !po->force) {
        plan_free(p);
        return eb_fail(err, EB_PROBLEM,
                       "the plan was refused (see the errors above); nothing was written. "
                       "Fix the layout, or use --force if you are sure");
    }
    return 0;
}
