/* cli_json.h - the one envelope every --json document has (docs/json.md):
 *
 *   {"ok": true, "command": "flash", ...the command's fields}
 *   {"ok": false, "command": "flash", "error": {"code": "io", "exit": 3,
 *    "message": "..."}, ...whatever fields the command had}
 *
 * "ok" is true exactly when the exit code is 0. A command builds its fields
 * and hands them to cli_print_json; the document goes out when the command
 * ends (cli_json_end), so "ok" and "error" match its exit code, and a
 * command that fails before printing (a usage error, a refusal, a port that
 * cannot be opened) still prints one document. Streaming commands (monitor,
 * sim, --progress lines) print each object at once with cli_json_line.
 * Shared field names (docs/schema/envelope.json): address (number) +
 * address_hex, file (host), path (board), size, port, seconds. */
#ifndef ESPBURN_CLI_JSON_H
#define ESPBURN_CLI_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A command starts: `json` says whether it was given --json. */
void cli_json_begin(const char *command, bool json);
/* The command ended with exit code `rc`: print its document (or the error
 * document when it printed none). Returns rc. */
int cli_json_end(int rc);

/* The command's result document (an object; an array is put under
 * "items"). Takes `doc`. Without a running command it is printed at once. */
void cli_print_json(cJSON *doc);
/* One object of a streaming command's result (monitor's events, sim's
 * "listening"), printed at once with "ok" and "command". Once one went out,
 * the command's end prints nothing more (the stream says how it went). */
void cli_json_line(cJSON *doc);
/* A progress object (--progress), printed at once; the result still follows. */
void cli_json_progress(cJSON *doc);

/* A streaming command's event (monitor, watch): {"type", "t": seconds
 * since the command started}; the caller adds the event's fields. */
cJSON *cli_json_event(const char *type, double t);
/* Print the event {"type", "t", "data"} at once (cli_json_line), "data"
 * the bytes p[0..n) as text: each byte a Latin-1 character, so a reader
 * gets them back with .encode('latin-1'); NUL, which a C string cannot
 * hold, becomes U+FFFD. Nothing is printed when memory runs out. */
void cli_json_data_line(const char *type, double t, const uint8_t *p, size_t n);

/* Remember why the command fails (the first message wins), for "error". */
void cli_json_note_error(const char *message);

/* "address": a, "address_hex": "0x..." on `o` (with `name` as the prefix
 * instead of "address" when it is not NULL: "end", "end_hex"). */
void cli_json_add_address(cJSON *o, const char *name, uint32_t a);

#endif
