/* cli_term.c - raw terminal mode and non-blocking keys (see cli_term.h). */
#include "cli/cli_term.h"

#include <errno.h>
#include <poll.h>
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
