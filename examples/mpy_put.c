/* mpy_put.c - copy a file onto a MicroPython board with libespburn, as
 * `espburn put` does: written atomically and checked on the board.
 *
 *   usage: mpy_put PORT LOCAL :REMOTE
 *   build: cc mpy_put.c $(pkg-config --cflags --libs espburn) -o mpy_put
 *
 * Exit status: 0 done, else the error's code (2 usage, 3 port or board). */
#include <espburn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 4 || argv[3][0] != ':' || !argv[3][1]) {
        fprintf(stderr, "usage: mpy_put PORT LOCAL :REMOTE\n");
        return EB_USAGE;
    }
    const char *remote = argv[3] + 1;
    eb_err err = { 0 };
    eb_port *port = NULL;
    eb_mpy *mpy = NULL;
    int failed = eb_port_open(argv[1], 115200, &port, &err) || eb_mpy_open(port, NULL, &mpy, &err) ||
                 eb_mpy_put_file(mpy, argv[2], remote, &err);
    if (failed)
        fprintf(stderr, "mpy_put: %s\n", err.msg);
    else
        printf("put %s -> :%s\n", argv[2], remote);
    eb_mpy_close(mpy);
    eb_port_close(port);
    return failed ? (err.code ? err.code : EB_IO) : EB_OK;
}
