/* micropython.c - finding and running the Node MicroPython board, on its
 * own TCP port or as the app stage of the flash-booting board (the link). */
#include "sim/micropython.h"

#include "common/datadir.h"
#include "image/identify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <unistd.h>

/* board.mjs: $ESPBURN_MPY_BOARD, else under espburn's data roots. */
static int board_script(char *out, size_t n, eb_err *err)
{
    const char *env = getenv("ESPBURN_MPY_BOARD");
    struct stat st;
    if (env && *env) {
        snprintf(out, n, "%s", env);
        if (stat(out, &st) == 0)
            return 0;
        return eb_fail(err, EB_IO, "ESPBURN_MPY_BOARD names %s, which does not exist; fix or unset it", env);
    }
    if (datadir_find("sim/micropython/board.mjs", out, n))
        return 0;
    char where[3200];
    datadir_describe(where, sizeof where);
    return eb_fail(err, EB_IO,
                   "the virtual board's MicroPython program (sim/micropython/board.mjs) is in none of %s; "
                   "install espburn (cmake --install) or set ESPBURN_DATA_DIR to its share/espburn",
                   where);
}

/* The numbers on the child's command line, as text. */
struct board_args {
    char baud[16], size[24], lifeline[16];
};

/* The child's command line, in argv (at least 18 slots); lifeline: the fd
 * the child watches (TCP only; with --stdio its stdin is the lifeline). */
static void board_argv(const struct sim_mpy_opts *o, const char *script, int lifeline, const char **argv,
                       struct board_args *n)
{
    int a = 0;
    argv[a++] = "node";
    argv[a++] = script;
    if (o->tcp_port) {
        argv[a++] = "--tcp";
        argv[a++] = o->tcp_port;
        snprintf(n->lifeline, sizeof n->lifeline, "%d", lifeline);
        argv[a++] = "--lifeline";
        argv[a++] = n->lifeline;
    } else {
        argv[a++] = "--stdio";
    }
    argv[a++] = "--fs";
    argv[a++] = o->fs_dir;
    argv[a++] = "--personality";
    argv[a++] = o->personality ? o->personality : "official";
    if (o->baud) {
        snprintf(n->baud, sizeof n->baud, "%u", o->baud);
        argv[a++] = "--baud";
        argv[a++] = n->baud;
    }
    if (o->fs_size > 0) {
        snprintf(n->size, sizeof n->size, "%ld", o->fs_size);
        argv[a++] = "--fs-size";
        argv[a++] = n->size;
    }
    argv[a] = NULL;
}

static void close_pair(int p[2])
{
    close(p[0]);
    close(p[1]);
}

/* In the child: die with the parent. On Linux the kernel sends SIGKILL when
 * the forking thread ends (the sim is single-threaded), checked against the
 * race with a parent that died before the call. On every system board.mjs
 * also exits when its lifeline (stdin with --stdio, else --lifeline FD)
 * reaches end of file, which is when the parent's end closes with it. */
static void child_dies_with(pid_t parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
#else
    (void)parent;
#endif
}

/* Pipes: the UART's two (stdio) or the lifeline (TCP), all close-on-exec. */
static int make_pipes(bool tcp, int in[2], int out[2], int life[2], eb_err *err)
{
    bool ok = tcp ? pipe2(life, O_CLOEXEC) == 0 : pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0;
    if (ok)
        return 0;
    int e = errno;
    if (in[0] >= 0)
        close_pair(in);
    return eb_fail(err, EB_IO, "cannot make pipes for the MicroPython board: %s", strerror(e));
}

static void close_pipes(int in[2], int out[2], int life[2])
{
    int *all[] = { in, out, life };
    for (size_t i = 0; i < 3; i++)
        if (all[i][0] >= 0)
            close_pair(all[i]);
}

static void exec_child(pid_t parent, const char **argv, int in[2], int out[2], int life[2])
{
    child_dies_with(parent);
    if (in[0] >= 0 && (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0))
        _exit(126);
    if (life[0] >= 0 && fcntl(life[0], F_SETFD, 0) != 0) /* the child keeps its end */
        _exit(126);
    execvp("node", (char *const *)argv);
    _exit(127); /* the parent turns 127 into "cannot run node" */
}

int sim_micropython_spawn(const struct sim_mpy_opts *o, pid_t *pid, int *to_uart, int *from_uart,
                          int *lifeline, eb_err *err)
{
    char script[4096];
    struct stat st;
    if (board_script(script, sizeof script, err))
        return -1;
    if (!o->fs_dir || stat(o->fs_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return eb_fail(err, EB_USAGE, "--fs %s is not a folder: create it first (it holds the board's files)",
                       o->fs_dir ? o->fs_dir : "(missing)");
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, life[2] = { -1, -1 };
    if (make_pipes(o->tcp_port != NULL, in, out, life, err))
        return -1;
    const char *argv[18];
    struct board_args nums;
    board_argv(o, script, life[0], argv, &nums);
    pid_t parent = getpid();
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close_pipes(in, out, life);
        return eb_fail(err, EB_IO, "cannot start the MicroPython board: %s", strerror(e));
    }
    if (child == 0)
        exec_child(parent, argv, in, out, life);
    *pid = child;
    if (o->tcp_port) {
        close(life[0]);
        *lifeline = life[1];
        return 0;
    }
    close(in[0]);
    close(out[1]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    *to_uart = in[1];
    *from_uart = out[0];
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
    int lifeline = -1;
    if (sim_micropython_spawn(o, &pid, NULL, NULL, &lifeline, err))
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
    close(lifeline);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return eb_fail(err, EB_IO, "cannot run node: install Node.js 18 or newer");
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return eb_fail(err, WEXITSTATUS(status) == 2 ? EB_USAGE : EB_IO,
                       "the MicroPython board stopped with status %d", WEXITSTATUS(status));
    return 0;
}

const char *sim_micropython_personality(const uint8_t *app, size_t n)
{
    const char *flavour = fw_micropython_flavour(app, n);
    return flavour && strcmp(flavour, "lobo") == 0 ? "lobo" : "official";
}

/* ---- the app link ------------------------------------------------------- */

#define LINK_GRACE_MS   1000 /* a stopped child gets this long to exit before SIGKILL */
#define LINK_UNREAD_MAX 4096 /* output kept while no client is connected */

void sim_mpy_link_init(struct sim_mpy_link *l, const char *fs_dir, bool realtime)
{
    memset(l, 0, sizeof *l);
    snprintf(l->fs_dir, sizeof l->fs_dir, "%s", fs_dir ? fs_dir : "");
    l->realtime = realtime;
    l->to_uart = l->from_uart = -1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Wait for the child; its wait status, or -1 when it had to be killed. */
static int reap(pid_t pid, bool ask_first)
{
    int status = 0;
    if (ask_first)
        kill(pid, SIGTERM);
    for (int ms = 0; ms < LINK_GRACE_MS; ms += 5) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return status;
        usleep(5000);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

static void link_close(struct sim_mpy_link *l)
{
    close_fd(&l->to_uart);
    close_fd(&l->from_uart);
    l->pid = 0;
}

/* Tell the child to stop without waiting for it: the board keeps serving
 * its wires meanwhile (a reset's line changes must be seen when they come,
 * not after a Node process has wound down). The next child starts only once
 * this one is gone (sim_mpy_link_sync), so two never share the files. */
static void ask_to_stop(struct sim_mpy_link *l, struct sim *s)
{
    pid_t pid = l->pid;
    link_close(l);
    sim_mpy_fs_pack(&l->files, s, l->fs_dir); /* the worker writes each file through at once */
    if (pid > 0) {
        kill(pid, SIGTERM);
        l->stopping = pid;
    }
}

/* Wait for a child told to stop (block: true) or just notice it is gone. */
static void wait_stopped(struct sim_mpy_link *l, bool block)
{
    if (l->stopping <= 0)
        return;
    int status;
    if (block)
        reap(l->stopping, false);
    else if (waitpid(l->stopping, &status, WNOHANG) == 0)
        return;
    l->stopping = 0;
}

void sim_mpy_link_stop(struct sim_mpy_link *l, struct sim *s)
{
    ask_to_stop(l, s);
    wait_stopped(l, true);
}

/* The board itself speaking on its UART (never the chip). */
static void board_says(struct sim *s, uint64_t now_us, const char *what)
{
    char line[1400];
    snprintf(line, sizeof line, "[espburn sim] %s\r\n", what);
    sim_emit_text(s, line, now_us);
}

static int make_folder(const char *dir, eb_err *err)
{
    if (!dir[0])
        return eb_fail(err, EB_USAGE,
                       "no folder for MicroPython's files: start the board with --fs DIR "
                       "or --flash-file FILE (files then go to FILE.fs)");
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return eb_fail(err, EB_IO, "cannot create %s for MicroPython's files: %s", dir, strerror(errno));
    return 0;
}

static void link_start(struct sim_mpy_link *l, struct sim *s, uint64_t now_us)
{
    struct sim_mpy_opts o = { .fs_dir = l->fs_dir,
                              .personality = s->app.personality,
                              .baud = l->realtime ? s->baud : 0,
                              .fs_size = s->app.fs_size };
    eb_err err = { 0 };
    l->generation = s->app.generation;
    if (make_folder(l->fs_dir, &err) == 0)
        sim_mpy_fs_unpack(&l->files, s, l->fs_dir);
    if (err.code || sim_micropython_spawn(&o, &l->pid, &l->to_uart, &l->from_uart, NULL, &err)) {
        char msg[1300];
        snprintf(msg, sizeof msg, "cannot hand the UART to MicroPython: %s", err.msg);
        board_says(s, now_us, msg);
        link_close(l);
        return;
    }
    sim_tracef(s, "app stage: MicroPython (%s personality, %u-byte filesystem) runs with its files in %s",
               o.personality, s->app.fs_size, l->fs_dir);
}

void sim_mpy_link_sync(struct sim_mpy_link *l, struct sim *s, uint64_t now_us)
{
    bool current = s->app.micropython && l->generation == s->app.generation;
    if (l->pid && !current) {
        sim_tracef(s, "reset: MicroPython stopped, the ROM has the UART again");
        ask_to_stop(l, s);
    }
    wait_stopped(l, false);
    if (s->app.micropython && l->generation != s->app.generation && !l->stopping)
        link_start(l, s, now_us); /* else at a later call, once the last one is gone */
}

int sim_mpy_link_fd(const struct sim_mpy_link *l)
{
    return l->from_uart;
}

/* What the host sent the app goes to the child (nowhere when there is none). */
static void feed_child(struct sim_mpy_link *l, struct sim *s)
{
    bytes *rx = &s->app.rx;
    size_t done = 0;
    if (rx->len == 0)
        return;
    while (l->to_uart >= 0 && done < rx->len) {
        ssize_t w = write(l->to_uart, rx->data + done, rx->len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            break;
        if (w <= 0) {
            done = rx->len; /* the child is gone: its end of the wire is dead */
            break;
        }
        done += (size_t)w;
    }
    if (l->to_uart < 0 && !l->stopping) /* while one stops, the next child gets what comes */
        done = rx->len;
    memmove(rx->data, rx->data + done, rx->len - done);
    rx->len -= done;
}

/* The child ended on its own: say so once, and why when we know. */
static void child_ended(struct sim_mpy_link *l, struct sim *s, uint64_t now_us)
{
    pid_t pid = l->pid;
    link_close(l);
    int status = reap(pid, false);
    if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
        board_says(s, now_us,
                   "cannot hand the UART to MicroPython: node is missing; install Node.js 18 or newer");
    else
        board_says(s, now_us,
                   "the MicroPython interpreter stopped (see the log); reset the board to start it again");
}

void sim_mpy_link_pump(struct sim_mpy_link *l, struct sim *s, bool listening, uint64_t now_us)
{
    feed_child(l, s);
    uint8_t buf[4096];
    for (int reads = 0; reads < 16 && l->from_uart >= 0; reads++) {
        ssize_t n = read(l->from_uart, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            child_ended(l, s, now_us);
            return;
        }
        size_t unread = s->tx.len - s->tx_head, keep = (size_t)n;
        if (!listening) /* nobody reads: the bridge keeps a little, the rest is lost */
            keep = unread >= LINK_UNREAD_MAX         ? 0
                   : keep < LINK_UNREAD_MAX - unread ? keep
                                                     : LINK_UNREAD_MAX - unread;
        sim_emit(s, buf, keep, now_us);
    }
}
