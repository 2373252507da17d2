/* cli_flashed.c - the per-port record of the last flash (see cli_flashed.h): read,
 * update one port's entry, and write back atomically. */
#include "cli/cli_flashed.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/file.h"

#define FLASHED_FILE_MAX  (1u << 20)
#define FLASHED_MAX_PORTS 50 /* the oldest entries go (virtual boards get a new port each run) */

/* The record's path, flashed.json in the state folder (the folder created
 * when `create`); -1 when there is no folder to use. */
static int state_file(char *out, size_t n, bool create)
{
    const char *dir = getenv("ESPBURN_STATE"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (dir && *dir)
        snprintf(out, n, "%s", dir);
    else if (xdg && *xdg)
        snprintf(out, n, "%s/espburn", xdg);
    else if (home && *home)
        snprintf(out, n, "%s/.local/state/espburn", home);
    else
        return -1;
    if (create) { /* mkdir -p, one level at a time */
        for (char *p = out + 1; *p; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            mkdir(out, 0755);
            *p = '/';
        }
        if (mkdir(out, 0755) != 0 && errno != EEXIST)
            return -1;
    }
    size_t len = strlen(out);
    return snprintf(out + len, n - len, "/flashed.json") < (int)(n - len) ? 0 : -1;
}

static cJSON *load(const char *path)
{
    bytes b = { 0 };
    eb_err ignore;
    cJSON *doc = NULL;
    if (file_read(path, FLASHED_FILE_MAX, &b, &ignore) == 0 && bytes_append_byte(&b, 0) == 0)
        doc = cJSON_Parse((const char *)b.data);
    bytes_free(&b);
    if (doc && !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    return doc ? doc : cJSON_CreateObject();
}

/* A source as plan takes it, with its file part made absolute: "DIR",
 * "FILE", "FILE@ADDR"; addresses ("0x1000") stay as they are. */
static void absolute_source(const char *s, char *out, size_t n)
{
    char file[PATH_MAX], abs[PATH_MAX];
    const char *at = strrchr(s, '@');
    size_t flen = at ? (size_t)(at - s) : strlen(s);
    snprintf(file, sizeof file, "%.*s", (int)flen, s);
    if (flen >= sizeof file || !realpath(file, abs)) {
        snprintf(out, n, "%s", s);
        return;
    }
    snprintf(out, n, "%s%s", abs, at ? at : "");
}

static cJSON *entry_json(int nsrc, char *const *src, const char *chip)
{
    cJSON *e = cJSON_CreateObject();
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&now));
    cJSON_AddStringToObject(e, "when", when);
    cJSON_AddStringToObject(e, "chip", chip ? chip : "");
    cJSON *arr = cJSON_AddArrayToObject(e, "sources");
    for (int i = 0; i < nsrc && i < FLASHED_MAX_SOURCES; i++) {
        char abs[PATH_MAX + 32];
        absolute_source(src[i], abs, sizeof abs);
        cJSON_AddItemToArray(arr, cJSON_CreateString(abs));
    }
    return e;
}

/* Both writers run from the board threads of one process: one at a time. */
static pthread_mutex_t record_lock = PTHREAD_MUTEX_INITIALIZER;

static int save(const char *path, cJSON *doc, eb_err *err)
{
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text)
        return eb_fail(err, EB_IO, "out of memory");
    int rc = file_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

/* Put `e` as the port's entry (the newest), keeping the rate last used. */
static void put_entry(cJSON *doc, const char *port, cJSON *e)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(doc, port);
    cJSON *baud = cJSON_GetObjectItemCaseSensitive(old, "baud");
    if (cJSON_IsNumber(baud) && !cJSON_GetObjectItemCaseSensitive(e, "baud"))
        cJSON_AddNumberToObject(e, "baud", baud->valuedouble);
    cJSON_DeleteItemFromObjectCaseSensitive(doc, port);
    while (cJSON_GetArraySize(doc) >= FLASHED_MAX_PORTS)
        cJSON_DeleteItemFromArray(doc, 0); /* entries are kept oldest first */
    cJSON_AddItemToObject(doc, port, e);
}

int flashed_record(const char *port, int nsrc, char *const *src, const char *chip, eb_err *err)
{
    char path[PATH_MAX];
    if (state_file(path, sizeof path, true))
        return eb_fail(err, EB_IO, "no folder to remember the flash in (set ESPBURN_STATE or HOME)");
    pthread_mutex_lock(&record_lock);
    cJSON *doc = load(path);
    put_entry(doc, port, entry_json(nsrc, src, chip));
    int rc = save(path, doc, err);
    pthread_mutex_unlock(&record_lock);
    return rc;
}

int flashed_record_baud(const char *port, uint32_t baud, eb_err *err)
{
    char path[PATH_MAX];
    if (state_file(path, sizeof path, true))
        return eb_fail(err, EB_IO, "no folder to remember the rate in (set ESPBURN_STATE or HOME)");
    pthread_mutex_lock(&record_lock);
    cJSON *doc = load(path);
    cJSON *e = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, port), true);
    if (!e)
        e = cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(e, "baud");
    cJSON_AddNumberToObject(e, "baud", baud);
    put_entry(doc, port, e);
    int rc = save(path, doc, err);
    pthread_mutex_unlock(&record_lock);
    return rc;
}

uint32_t flashed_last_baud(const char *port)
{
    char path[PATH_MAX];
    if (state_file(path, sizeof path, false))
        return 0;
    pthread_mutex_lock(&record_lock);
    cJSON *doc = load(path);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, port), "baud");
    uint32_t baud =
        cJSON_IsNumber(b) && b->valuedouble > 0 && b->valuedouble < 1e8 ? (uint32_t)b->valuedouble : 0;
    cJSON_Delete(doc);
    pthread_mutex_unlock(&record_lock);
    return baud;
}

static bool fill(const cJSON *e, struct flashed *out)
{
    const cJSON *when = cJSON_GetObjectItemCaseSensitive(e, "when");
    const cJSON *chip = cJSON_GetObjectItemCaseSensitive(e, "chip");
    const cJSON *srcs = cJSON_GetObjectItemCaseSensitive(e, "sources"), *s;
    if (!cJSON_IsString(when) || !cJSON_IsArray(srcs))
        return false;
    snprintf(out->when, sizeof out->when, "%s", when->valuestring);
    snprintf(out->chip, sizeof out->chip, "%s", cJSON_IsString(chip) ? chip->valuestring : "");
    cJSON_ArrayForEach(s, srcs)
    {
        if (!cJSON_IsString(s) || out->nsrc == FLASHED_MAX_SOURCES)
            continue;
        out->src[out->nsrc] = strdup(s->valuestring);
        if (out->src[out->nsrc])
            out->nsrc++;
    }
    return out->nsrc > 0;
}

bool flashed_lookup(const char *port, struct flashed *out)
{
    memset(out, 0, sizeof *out);
    char path[PATH_MAX];
    if (state_file(path, sizeof path, false))
        return false;
    cJSON *doc = load(path); /* no file: an empty record */
    bool found = fill(cJSON_GetObjectItemCaseSensitive(doc, port), out);
    cJSON_Delete(doc);
    return found;
}

void flashed_free(struct flashed *f)
{
    for (int i = 0; i < f->nsrc; i++)
        free(f->src[i]);
    f->nsrc = 0;
}
