/* cli_term.c - raw terminal mode and non-blocking keys (see cli_term.h). */
#include "cli/cli_term.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static bool raw_on;

bool term_raw(void)
{
    struct termios t;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved))
        return false;
    t = saved;
    cfmakeraw(&t);
    t.c_oflag |= OPOST | ONLCR;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        raw_on = true;
    return raw_on;
}

int term_columns(int fd)
{
    struct winsize w;
    return ioctl(fd, TIOCGWINSZ, &w) == 0 && w.ws_col > 0 ? w.ws_col : 80;
}

bool term_size(int fd, int *rows, int *cols)
{
    struct winsize w;
    bool ok = ioctl(fd, TIOCGWINSZ, &w) == 0 && w.ws_col > 0 && w.ws_row > 0;
    *rows = ok ? w.ws_row : 24;
    *cols = ok ? w.ws_col : 80;
    return ok;
}

/* Bytes of `s` that fit in `cols` columns. */
static size_t term_fit(const char *s, int cols)
{
    size_t i = 0;
    int used = 0;
    while (s[i]) {
        if (s[i] == '\033') { /* a colour code: no columns */
            size_t j = i + 1 + (s[i + 1] == '[');
            while (s[j] && !(s[j] >= 0x40 && s[j] <= 0x7E && s[j] != '['))
                j++;
            i = s[j] ? j + 1 : j;
            continue;
        }
        if (used == cols)
            break;
        used++;
        i++;
        while ((s[i] & 0xC0) == 0x80) /* the rest of a UTF-8 character */
            i++;
    }
    return i;
}

int term_width(const char *s)
{
    int n = 0;
    for (size_t i = 0; s[i];) {
        size_t k = term_fit(s + i, 1);
        if (k == 0)
            break;
        n += s[i + k - 1] != 'm' || s[i] != '\033'; /* a colour code alone takes none */
        i += k;
    }
    return n;
}

void term_clip(char *s, int cols)
{
    if (cols < 2 || !s[term_fit(s, cols)])
        return;
    size_t cut = term_fit(s, cols - 1);
    if (strlen(s + cut) < 3) /* room for the three bytes of the ellipsis */
        cut = term_fit(s, cols - 2);
    strcpy(s + cut, "\xe2\x80\xa6"); /* … */
}

void term_restore(void)
{
    if (raw_on)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    raw_on = false;
}

int term_read_keys(uint8_t *buf, size_t n, int timeout_ms)
{
    struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    if (r == 0)
        return 0;
    if (!(pfd.revents & (POLLIN | POLLHUP)))
        return -1; /* POLLNVAL/POLLERR: no usable input */
    ssize_t got = read(STDIN_FILENO, buf, n);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : -1;
    return got == 0 ? -1 : (int)got;
}
