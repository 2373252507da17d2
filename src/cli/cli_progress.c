/* cli_progress.c - the shared progress display (see cli_progress.h). */
#include "cli/cli_progress.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_term.h"
#include "common/clock.h"

#define PROGRESS_MIN_MS 100 /* at most 10 redraws a second */

enum cli_progress_mode cli_progress_mode_for(bool quiet, bool json, bool json_progress)
{
    if (json)
        return json_progress ? CLI_PROGRESS_JSON_LINES : CLI_PROGRESS_OFF;
    if (quiet || isatty(STDERR_FILENO) != 1)
        return CLI_PROGRESS_OFF;
    return CLI_PROGRESS_BAR;
}

void cli_progress_begin(struct cli_progress *p, const char *what, bool quiet, bool json, bool json_progress)
{
    memset(p, 0, sizeof *p);
    p->mode = cli_progress_mode_for(quiet, json, json_progress);
    snprintf(p->what, sizeof p->what, "%s", what);
    p->t0_ms = eb_now_ms();
    p->last_ms = -PROGRESS_MIN_MS;
}

void cli_progress_format(char *out, size_t n, int width, const char *what, size_t done, size_t total,
                         double secs)
{
    int pct = total ? (int)(100.0 * done / total) : 0;
    double rate = secs > 0 ? done / secs : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    int bar = pct / 5;
    int k = snprintf(out, n, "  %-20.20s [%.*s%*s] %3d%%  %.0f KB/s  ETA %.0fs", what, bar,
                     "####################", 20 - bar, "", pct, rate / 1024, eta);
    char counts[48];
    int c = snprintf(counts, sizeof counts, "  %zu/%zu KB", done >> 10, total >> 10);
    if (k > 0 && k + c < width && (size_t)(k + c) < n)
        snprintf(out + k, n - (size_t)k, "%s", counts);
    term_clip(out, width - 1);
}

static void emit_json_line(const struct cli_progress *p, size_t done, size_t total, double secs)
{
    double rate = secs > 0 ? done / secs : 0;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "progress", p->what);
    cJSON_AddNumberToObject(j, "done", (double)done);
    cJSON_AddNumberToObject(j, "total", (double)total);
    cJSON_AddNumberToObject(j, "bytes_per_second", (double)(long long)rate);
    cJSON_AddNumberToObject(j, "eta_seconds", rate > 0 ? (double)(total - done) / rate : 0);
    cli_json_progress(j);
    fflush(stdout);
}

void cli_progress_update(struct cli_progress *p, size_t done, size_t total)
{
    int64_t now = eb_now_ms();
    if (p->mode == CLI_PROGRESS_OFF || (done < total && now - p->last_ms < PROGRESS_MIN_MS))
        return;
    p->last_ms = now;
    double secs = (now - p->t0_ms) / 1000.0;
    if (p->mode == CLI_PROGRESS_JSON_LINES) {
        emit_json_line(p, done, total, secs);
        return;
    }
    char line[512];
    cli_progress_format(line, sizeof line, term_columns(STDERR_FILENO), p->what, done, total, secs);
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = true;
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->drawn)
        fprintf(stderr, "\r\033[K");
    p->drawn = false;
}

void cli_progress_cb(void *ctx, size_t done, size_t total)
{
    if (total)
        cli_progress_update(ctx, done < total ? done : total, total);
}
