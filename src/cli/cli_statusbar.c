/* cli_statusbar.c - status rows pinned to the bottom (see cli_statusbar.h).
 * VT100 sequences: DECSTBM (ESC [ top ; bottom r) sets the scroll region
 * and homes the cursor, so the cursor is saved (ESC 7) and restored (ESC 8)
 * around it; each row is drawn in reverse video, cleared first (ESC [ 2K). */
#include "cli/cli_statusbar.h"

#include <string.h>
#include <unistd.h>

#include "cli/cli_term.h"

static void draw_rows(struct statusbar *s)
{
    if (s->small)
        return;
    fputs("\0337", s->out);
    for (int i = 0; i < STATUSBAR_ROWS; i++) {
        char row[STATUSBAR_TEXT];
        memcpy(row, s->text[i], sizeof row);
        term_clip(row, s->cols - 1);
        fprintf(s->out, "\033[%d;1H\033[2K\033[7m %s%*s\033[0m", s->rows - STATUSBAR_ROWS + 1 + i, row,
                s->cols - 2 - term_width(row), "");
    }
    fputs("\0338", s->out);
    fflush(s->out);
}

/* The region above the rows, the rows cleared, and the cursor on a fresh
 * line at the region's bottom (a resize leaves it anywhere). */
static void set_region(struct statusbar *s)
{
    int bottom = s->rows - STATUSBAR_ROWS;
    fprintf(s->out, "\033[1;%dr\033[%d;1H\033[J\033[%d;1H\n", bottom, bottom + 1, bottom);
}

bool statusbar_start(struct statusbar *s, FILE *out)
{
    memset(s, 0, sizeof *s);
    s->out = out;
    if (!isatty(fileno(out)) || !term_size(fileno(out), &s->rows, &s->cols) || s->rows < STATUSBAR_MIN_ROWS)
        return false;
    for (int i = 0; i < STATUSBAR_ROWS; i++) /* room below the text already on screen */
        fputc('\n', out);
    fprintf(out, "\033[%dA", STATUSBAR_ROWS);
    fprintf(out, "\0337\033[1;%dr\0338", s->rows - STATUSBAR_ROWS);
    s->on = true;
    draw_rows(s);
    return true;
}

void statusbar_set(struct statusbar *s, const char *row1, const char *row2)
{
    if (!s->on || (strcmp(s->text[0], row1) == 0 && strcmp(s->text[1], row2) == 0))
        return;
    snprintf(s->text[0], sizeof s->text[0], "%s", row1);
    snprintf(s->text[1], sizeof s->text[1], "%s", row2);
    draw_rows(s);
}

void statusbar_resize(struct statusbar *s)
{
    if (!s->on || !term_size(fileno(s->out), &s->rows, &s->cols))
        return;
    s->small = s->rows < STATUSBAR_MIN_ROWS;
    if (s->small) {
        fputs("\0337\033[r\0338", s->out); /* too small: the whole terminal scrolls */
        fflush(s->out);
        return;
    }
    set_region(s);
    draw_rows(s);
}

void statusbar_end(struct statusbar *s)
{
    if (!s->on)
        return;
    fprintf(s->out, "\0337\033[r\0338\0337\033[%d;1H\033[J\0338", s->rows - STATUSBAR_ROWS + 1);
    fflush(s->out);
    s->on = false;
}
