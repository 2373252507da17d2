/* mount.c - the program runs while its /remote requests are answered. */
#include "mpy/mount.h"

#include <string.h>

#include "common/clock.h"
#include "mpy/mount_host.h"
#include "mpy/mount_proto.h"
#include "mpy/mount_vfs.py.h"

#define POLL_MS      20   /* one wait for the board before looking at the stop flag */
#define ACK_MS       5000 /* the board takes a block of an answer */
#define STOP_WAIT_MS 5000 /* the program ends after Ctrl-C */

struct server {
    struct mpy *m;
    struct mount_host host;
    const struct mpy_mount_opts *o;
    const struct mpy_mount_cb *cb;
    struct mpy_mount_result *res;
    struct mpy_reply rep;
    bytes in;       /* received, not handled yet */
    bool stoppable; /* the user's program runs (not our mount or unmount code) */
    bool ctrl_c_sent;
    int64_t ctrl_c_ms;
};

static void on_output(void *ctx, const uint8_t *p, size_t n)
{
    struct server *s = ctx;
    if (memmem(p, n, "soft reboot", 11))
        s->res->soft_reset = true; /* the board dropped /remote and the program */
    s->cb->output(s->cb->ctx, p, n);
}

/* The answer's header, then its payload in blocks, at most two of them
 * beyond what the board has acknowledged (its receive buffer is small). */
static int send_answer(struct server *s, unsigned status, const bytes *payload, eb_err *err)
{
    uint8_t head[MOUNT_ANS_HEADER];
    size_t len = status ? 0 : payload->len, blocks = (len + MOUNT_BLOCK - 1) / MOUNT_BLOCK, sent = 0;
    mount_answer_header(head, status, (uint32_t)len);
    if (port_write(s->m->port, head, sizeof head, err))
        return -1;
    for (size_t acked = 0; acked < blocks;) {
        if (sent < blocks && sent < acked + 2) {
            size_t at = sent * MOUNT_BLOCK, k = len - at < MOUNT_BLOCK ? len - at : MOUNT_BLOCK;
            if (port_write(s->m->port, payload->data + at, k, err))
                return -1;
            sent++;
            continue;
        }
        uint8_t c;
        int r = mpy_recv(s->m, &c, 1, ACK_MS, err);
        if (r < 0)
            return -1;
        if (r == 0 || c != MOUNT_ACK)
            return eb_fail(err, EB_IO,
                           "%s: the board stopped acknowledging /remote data (%s); run the command again",
                           s->m->port->name, r ? "unexpected byte" : "silence");
        acked++;
    }
    return 0;
}

static int answer(struct server *s, const struct mount_req *r, eb_err *err)
{
    unsigned status;
    bytes out = { 0 };
    mount_host_do(&s->host, r, &status, &out);
    s->res->requests++;
    if (r->op == MOUNT_READ)
        s->res->bytes_read += out.len;
    else if (r->op == MOUNT_WRITE && !status)
        s->res->bytes_written += r->arg_len;
    int rc = send_answer(s, status, &out, err);
    bytes_free(&out);
    return rc;
}

/* Output up to the next ESC goes to the reply parser; a request at an ESC
 * (while the program's stdout runs) is answered, unless Ctrl-C was sent:
 * the board then takes that 0x03 as the answer and stops. */
static int handle_input(struct server *s, eb_err *err)
{
    size_t at = 0;
    while (at < s->in.len && !mpy_reply_done(&s->rep)) {
        const uint8_t *p = s->in.data + at;
        size_t n = s->in.len - at, k = n;
        if (s->rep.state == 0 && p[0] == MOUNT_ESC) {
            struct mount_req req;
            size_t used;
            enum mount_parse r = mount_parse_request(p, n, &req, &used);
            if (r == MOUNT_NEED_MORE)
                break;
            if (r == MOUNT_OK) {
                at += used;
                if (!s->ctrl_c_sent && answer(s, &req, err))
                    return -1;
                continue;
            }
            k = 1; /* not a request: an ESC the program printed */
        } else if (s->rep.state == 0) {
            const uint8_t *esc = memchr(p, MOUNT_ESC, n);
            k = esc ? (size_t)(esc - p) : n;
        }
        long used = mpy_reply_feed(&s->rep, p, k);
        if (used < 0)
            return eb_fail(err, EB_IO, "out of memory");
        at += (size_t)used;
    }
    memmove(s->in.data, s->in.data + at, s->in.len - at);
    s->in.len -= at;
    return 0;
}

static int serve(struct server *s, eb_err *err)
{
    uint8_t buf[4096];
    while (!mpy_reply_done(&s->rep) && !s->res->soft_reset) {
        if (s->stoppable && *s->o->stop && !s->ctrl_c_sent) {
            static const uint8_t ctrl_c[] = { 0x03 };
            if (port_write(s->m->port, ctrl_c, 1, err))
                return -1;
            s->ctrl_c_sent = s->res->interrupted = true;
            s->ctrl_c_ms = eb_now_ms();
        }
        if (s->ctrl_c_sent && eb_now_ms() - s->ctrl_c_ms > STOP_WAIT_MS)
            return eb_fail(err, EB_IO,
                           "%s: the program did not stop after Ctrl-C; reset the board (espburn reset)",
                           s->m->port->name);
        int r = mpy_recv(s->m, buf, sizeof buf, POLL_MS, err);
        if (r < 0)
            return -1;
        if (r > 0 && bytes_append(&s->in, buf, (size_t)r))
            return eb_fail(err, EB_IO, "out of memory");
        if (r > 0 && handle_input(s, err))
            return -1;
    }
    return 0;
}

/* Run one program while serving its requests; its traceback stays in s->rep. */
static int run_served(struct server *s, const char *code, size_t len, bool users, eb_err *err)
{
    s->stoppable = users;
    s->ctrl_c_sent = false;
    mpy_reply_free(&s->rep);
    s->rep = (struct mpy_reply){ .sink = users ? on_output : NULL, .sink_ctx = s }; /* else kept in rep.out */
    s->in.len = 0;
    return mpy_exec_begin(s->m, code, len, err) || serve(s, err) ? -1 : 0;
}

/* /remote mounted and made the working folder, or an error. */
static int attach(struct server *s, eb_err *err)
{
    int rc = mpy_exec_ok(s->m, MPY_MOUNT_VFS, sizeof MPY_MOUNT_VFS - 1, NULL, err);
    if (!rc)
        rc = run_served(s, MPY_MOUNT_ATTACH, sizeof MPY_MOUNT_ATTACH - 1, false, err);
    if (!rc && s->rep.err.len) {
        char line[300];
        mpy_last_line(&s->rep.err, line, sizeof line);
        rc = eb_fail(err, EB_PROBLEM, "mounting /remote on the board failed: %s", line);
    }
    return rc;
}

int mpy_mount_run(struct mpy *m, const struct mpy_mount_opts *o, const struct mpy_mount_cb *cb,
                  struct mpy_mount_result *res, eb_err *err)
{
    struct server s = { .m = m, .o = o, .cb = cb, .res = res };
    memset(res, 0, sizeof *res);
    if (mount_host_open(&s.host, o->dir, err))
        return -1;
    int rc = attach(&s, err);
    if (!rc)
        rc = run_served(&s, o->code, o->len, true, err);
    if (res->soft_reset)
        m->raw = false; /* the board is at a fresh prompt, /remote gone with the reset */
    if (!rc && bytes_append(&res->traceback, s.rep.err.data, s.rep.err.len))
        rc = eb_fail(err, EB_IO, "out of memory");
    if (!rc && !res->soft_reset) /* served too: a stray request must not hang it */
        rc = run_served(&s, MPY_MOUNT_UNMOUNT, sizeof MPY_MOUNT_UNMOUNT - 1, false, err);
    if (!rc && s.rep.out.len && memmem(s.rep.out.data, s.rep.out.len, "gone", 4))
        res->soft_reset = true;
    mpy_reply_free(&s.rep);
    bytes_free(&s.in);
    mount_host_close(&s.host);
    return rc;
}
