/* cli_json.c - the JSON envelope (see cli_json.h). */
#include "cli/cli_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static struct {
    const char *command; /* NULL: no command running */
    bool json;
    cJSON *pending;     /* the result document, printed by cli_json_end */
    bool printed;       /* a result document went out */
    bool streamed;      /* stream lines went out (cli_json_line) */
    char message[1024]; /* the first error message */
} json_state;

void cli_json_begin(const char *command, bool json)
{
    cJSON_Delete(json_state.pending);
    memset(&json_state, 0, sizeof json_state);
    json_state.command = command;
    json_state.json = json;
}

void cli_json_note_error(const char *message)
{
    if (!json_state.message[0] && message)
        snprintf(json_state.message, sizeof json_state.message, "%s", message);
}

static void put_line(cJSON *doc)
{
    char *s = cJSON_PrintUnformatted(doc);
    if (s) {
        puts(s);
        free(s);
    }
    fflush(stdout);
    cJSON_Delete(doc);
}

/* A new object: "ok", "command", then the members of `doc` (taken). */
static cJSON *envelope(cJSON *doc, bool ok)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddBoolToObject(e, "ok", ok);
    cJSON_AddStringToObject(e, "command", json_state.command ? json_state.command : "espburn");
    if (doc && cJSON_IsArray(doc)) {
        cJSON_AddItemToObject(e, "items", doc);
        return e;
    }
    if (!doc)
        return e;
    cJSON_DeleteItemFromObject(doc, "ok");
    cJSON_DeleteItemFromObject(doc, "command");
    while (doc->child) {
        cJSON *item = doc->child;
        char *name = item->string;
        item->string = NULL;
        cJSON_DetachItemViaPointer(doc, item);
        cJSON_AddItemToObject(e, name, item);
        free(name);
    }
    cJSON_Delete(doc);
    return e;
}

static const char *error_code(int rc)
{
    return rc == EB_USAGE ? "usage" : rc == EB_IO ? "io" : "problem";
}

/* The "error" object of a failed command; a string "error" the command
 * gave is its message when nothing better was noted. */
static void add_error(cJSON *e, int rc)
{
    cJSON *given = cJSON_DetachItemFromObject(e, "error");
    cJSON_DeleteItemFromObject(e, "exit_code");
    const char *msg = json_state.message[0] ? json_state.message : NULL;
    if (!msg && cJSON_IsString(given))
        msg = given->valuestring;
    char fallback[96];
    if (!msg) {
        snprintf(fallback, sizeof fallback, "espburn %s failed with exit code %d (stderr says why)",
                 json_state.command ? json_state.command : "", rc);
        msg = fallback;
    }
    cJSON *err = cJSON_AddObjectToObject(e, "error");
    cJSON_AddStringToObject(err, "code", error_code(rc));
    cJSON_AddNumberToObject(err, "exit", rc);
    cJSON_AddStringToObject(err, "message", msg);
    cJSON_Delete(given);
}

void cli_print_json(cJSON *doc)
{
    if (!json_state.command) {
        put_line(envelope(doc, true));
        return;
    }
    if (json_state.pending) /* a second result: the first goes out as it is */
        put_line(envelope(json_state.pending, true)), json_state.printed = true;
    json_state.pending = doc;
}

void cli_json_line(cJSON *doc)
{
    put_line(envelope(doc, true));
    json_state.streamed = true;
}

void cli_json_progress(cJSON *doc)
{
    put_line(envelope(doc, true));
}

int cli_json_end(int rc)
{
    bool done = json_state.printed || json_state.streamed;
    if (!json_state.json || (done && !json_state.pending)) {
        cJSON_Delete(json_state.pending);
        json_state.pending = NULL;
        return rc;
    }
    cJSON *e = envelope(json_state.pending, rc == EB_OK);
    json_state.pending = NULL;
    if (rc != EB_OK)
        add_error(e, rc);
    else
        cJSON_DeleteItemFromObject(e, "exit_code");
    put_line(e);
    json_state.printed = true;
    return rc;
}

static char *latin1_text(const uint8_t *p, size_t n)
{
    char *s = malloc(3 * n + 1), *o = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
        } else if (p[i] < 0x80) {
            *o++ = (char)p[i];
        } else {
            *o++ = (char)(0xC0 | (p[i] >> 6));
            *o++ = (char)(0x80 | (p[i] & 0x3F));
        }
    }
    *o = '\0';
    return s;
}

cJSON *cli_json_event(const char *type, double t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddNumberToObject(o, "t", t);
    return o;
}

void cli_json_data_line(const char *type, double t, const uint8_t *p, size_t n)
{
    char *text = latin1_text(p, n);
    if (!text)
        return;
    cJSON *o = cli_json_event(type, t);
    cJSON_AddStringToObject(o, "data", text);
    free(text);
    cli_json_line(o);
}

void cli_json_add_address(cJSON *o, const char *name, uint32_t a)
{
    char key[48], hex[16];
    snprintf(key, sizeof key, "%s_hex", name ? name : "address");
    snprintf(hex, sizeof hex, "0x%x", (unsigned)a);
    cJSON_AddNumberToObject(o, name ? name : "address", a);
    cJSON_AddStringToObject(o, key, hex);
}
