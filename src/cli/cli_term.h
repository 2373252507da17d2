/* cli_term.h - the user's terminal for the interactive commands (monitor, and
 * the REPL once it moves here): raw mode so every key reaches the board,
 * restored on exit, and keys read without blocking. Works the same when
 * standard input is a pipe or a file (scripts, tests): then nothing is
 * switched and keys are whatever the input holds. */
#ifndef ESPBURN_TERM_H
#define ESPBURN_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERM_EXIT_KEY 0x1d /* Ctrl-] leaves, as in espburn repl and idf.py monitor */
#define TERM_MENU_KEY 0x14 /* Ctrl-T, then a letter: a command to the terminal */

/* Raw mode on a terminal (output processing kept, so "\n" still returns
 * the carriage). Returns true when standard input is a terminal. */
bool term_raw(void);
/* Back to the mode term_raw found; safe to call more than once. */
void term_restore(void);
/* Columns of the terminal on `fd` (80 when it is not one or does not say). */
int term_columns(int fd);
/* Rows and columns of the terminal on `fd`; false (24x80) when it is not one. */
bool term_size(int fd, int *rows, int *cols);
/* Columns `s` takes on screen: UTF-8 characters, colour codes (ESC [ ... m) none. */
int term_width(const char *s);
/* Cut `s` in place to at most `cols` columns, ending in "…" when cut. */
void term_clip(char *s, int cols);
/* Keys typed so far, waiting at most timeout_ms: the count, 0 none yet,
 * -1 when the input has ended (a pipe closed: stop asking). */
int term_read_keys(uint8_t *buf, size_t n, int timeout_ms);

#endif
