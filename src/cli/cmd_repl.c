/* cmd_repl.c - `espburn repl`: a terminal to the board's REPL. The port opens
 * without resetting the ESP32; every key goes to the board (Ctrl-C, Ctrl-D
 * included) except Ctrl-], which leaves. --log FILE keeps what the board said. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_device.h"
#include "cli/cli_mpy.h"
#include "cli/cli_term.h"

#define EXIT_KEY TERM_EXIT_KEY /* Ctrl-], as in espburn monitor */

/* Copy keys to the board and the board to the screen until Ctrl-] or EOF. */
static int pump(struct port *p, FILE *log, eb_err *err)
{
    uint8_t buf[1024];
    bool stdin_open = true;
    for (;;) {
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        if (stdin_open && poll(&pfd, 1, 0) > 0) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0) {
                stdin_open = false; /* piped input ended: keep showing output a moment */
            } else {
                uint8_t *exit_key = memchr(buf, EXIT_KEY, (size_t)n);
                size_t len = exit_key ? (size_t)(exit_key - buf) : (size_t)n;
                if (len && port_write(p, buf, len, err))
                    return -1;
                if (exit_key)
                    return 0;
            }
        }
        int r = port_read(p, buf, sizeof buf, stdin_open ? 20 : 500, err);
        if (r < 0)
            return -1;
        if (r == 0 && !stdin_open)
            return 0;
        if (r > 0) {
            fwrite(buf, 1, (size_t)r, stdout);
            fflush(stdout);
            if (log)
                fwrite(buf, 1, (size_t)r, log);
        }
    }
}

int cmd_repl(int argc, char **argv)
{
    static const char *const valued[] = { "--log", NULL };
    struct cli_mpy c = {
        .cmd = "repl",
        .usage = "repl [-p PORT] [--log FILE]",
        .valued = valued,
        .help = "A terminal to the board's REPL. The board is not reset when the port opens.\n"
                "Keys go to the board (Ctrl-C interrupts, Ctrl-D soft-reboots); Ctrl-] leaves.\n"
                "  --log FILE   also write everything the board prints to FILE",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!c.port || !*c.port)
        return cli_usage(c.cmd, "no port given: use -p PORT (or set ESPBURN_PORT)");
    if ((rc = cli_port_resolve(c.cmd, &c.port)))
        return rc;
    FILE *log = NULL;
    eb_err err = { 0 };
    if (c.nval && !(log = fopen(c.val[c.nval - 1], "ab"))) {
        eb_fail(&err, EB_IO, "cannot open the log file %s", c.val[c.nval - 1]);
        return cli_fail(&err);
    }
    if (cli_mpy_open_plain(&c, &err)) {
        if (log)
            fclose(log);
        return cli_fail(&err);
    }
    /* raw first: a key typed as soon as the line shows must reach the board
     * as typed (a cooked terminal would turn Enter into '\n') */
    term_raw();
    fprintf(stderr, "espburn repl: connected to %s; Ctrl-] leaves\r\n", c.port);
    rc = pump(c.m.port, log, &err);
    term_restore();
    if (log)
        fclose(log);
    fprintf(stderr, "\nespburn repl: left\n");
    return rc ? cli_mpy_fail(&c, &err) : cli_mpy_end(&c, EB_OK);
}
