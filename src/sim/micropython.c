/* micropython.c - finding and running the Node MicroPython board. */
#include "sim/micropython.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* board.mjs: $ESPBURN_MPY_BOARD, else the source tree espburn was built from. */
static int board_script(char *out, size_t n, eb_err *err)
{
    const char *env = getenv("ESPBURN_MPY_BOARD");
    if (env && *env)
        snprintf(out, n, "%s", env);
    else
        snprintf(out, n, "%s/sim/micropython/board.mjs", ESPBURN_SOURCE_DIR);
    struct stat st;
    if (stat(out, &st) != 0)
        return eb_fail(err, EB_IO, "the MicroPython board program %s is missing; set ESPBURN_MPY_BOARD to "
                       "sim/micropython/board.mjs of an espburn source tree", out);
    return 0;
}

int sim_micropython_spawn(const struct sim_mpy_opts *o, pid_t *pid, eb_err *err)
{
    char script[4096], baud[16], size[24];
    struct stat st;
    if (board_script(script, sizeof script, err))
        return -1;
    if (!o->fs_dir || stat(o->fs_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return eb_fail(err, EB_USAGE, "--fs %s is not a folder: create it first (it holds the board's files)",
                       o->fs_dir ? o->fs_dir : "(missing)");
    const char *argv[16];
    int a = 0;
    argv[a++] = "node";
    argv[a++] = script;
    argv[a++] = "--tcp";
    argv[a++] = o->tcp_port;
    argv[a++] = "--fs";
    argv[a++] = o->fs_dir;
    argv[a++] = "--personality";
    argv[a++] = o->personality ? o->personality : "official";
    if (o->baud) {
        snprintf(baud, sizeof baud, "%u", o->baud);
        argv[a++] = "--baud";
        argv[a++] = baud;
    }
    if (o->fs_size > 0) {
        snprintf(size, sizeof size, "%ld", o->fs_size);
        argv[a++] = "--fs-size";
        argv[a++] = size;
    }
    argv[a] = NULL;
    fflush(NULL);
    pid_t child = fork();
    if (child < 0)
        return eb_fail(err, EB_IO, "cannot start the MicroPython board: %s", strerror(errno));
    if (child == 0) {
        execvp("node", (char *const *)argv);
        fprintf(stderr, "espburn: cannot run node (%s); install Node.js 18 or newer\n", strerror(errno));
        _exit(127);
    }
    *pid = child;
    return 0;
}

static volatile sig_atomic_t forward_to;
static void forward(int sig)
{
    if (forward_to > 0)
        kill((pid_t)forward_to, sig);
}

int sim_micropython_run(const struct sim_mpy_opts *o, eb_err *err)
{
    pid_t pid;
    if (sim_micropython_spawn(o, &pid, err))
        return -1;
    forward_to = pid;
    struct sigaction sa = { .sa_handler = forward }, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    forward_to = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return eb_fail(err, EB_IO, "cannot run node: install Node.js 18 or newer");
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return eb_fail(err, WEXITSTATUS(status) == 2 ? EB_USAGE : EB_IO,
                       "the MicroPython board stopped with status %d", WEXITSTATUS(status));
    return 0;
}

const char *sim_micropython_personality(const uint8_t *app, size_t n)
{
    static const char lobo[] = "ESP32_LoBo";
    return app && memmem(app, n, lobo, sizeof lobo - 1) ? "lobo" : "official";
}
