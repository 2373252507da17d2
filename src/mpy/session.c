/* session.c - the REPL protocol of shared/runtime/pyexec.c, host side. */
#include "common/clock.h"
#include "mpy/session.h"

#include <string.h>

#include "port/reset.h"

enum {
    CTRL_A = 1,
    CTRL_B = 2,
    CTRL_C = 3,
    CTRL_D = 4,
    CTRL_E = 5
};
#define ENTER_TRIES 3
#define FILLER      160 /* more than one stdin block (see mpy_exec_feed) */

/* How long each wait lasts (ms). */
#define RUN_SILENCE_MS   10000 /* default m->timeout_ms: silence accepted while code runs */
#define QUIET_MS         150   /* "the board stopped printing" */
#define DRAIN_MAX_MS     1500  /* reading what a stopped program printed, at most */
#define CLOSE_PROMPT_MS  1000  /* the friendly prompt after leaving the raw REPL on close */
#define QUICK_BANNER_MS  400   /* an idle board answers Ctrl-C Ctrl-A at once */
#define CTRL_C_GAP_MS    100   /* between the two Ctrl-C that stop a program */
#define BANNER_MS        1500  /* the raw REPL banner after Ctrl-A */
#define PASTE_ANSWER_MS  2000  /* the answer to the raw-paste request, and the prompt after it */
#define POLL_SLICE_MS    100   /* one wait for output while code runs (a Ctrl-C may be due) */
#define PROMPT_MS        3000  /* the friendly prompt (or its banner) after Ctrl-B */
#define SOFT_REBOOT_MS   5000  /* "soft reboot" after Ctrl-D */
#define REBOOT_BANNER_MS 15000 /* boot.py runs before the raw REPL comes back */
#define SEEN_TAIL        256   /* what read_until keeps of long output: room for a split pattern */
#define SEEN_MAX         4096

static int send(struct mpy *m, const void *p, size_t n, eb_err *err)
{
    return port_write(m->port, p, n, err);
}

/* Read one chunk: first what a previous reply left over, then the port
 * (waiting until `by` at most). */
static int recv_some(struct mpy *m, uint8_t *buf, size_t n, struct eb_deadline by, eb_err *err)
{
    if (m->pending.len) {
        size_t k = m->pending.len < n ? m->pending.len : n;
        memcpy(buf, m->pending.data, k);
        memmove(m->pending.data, m->pending.data + k, m->pending.len - k);
        m->pending.len -= k;
        return (int)k;
    }
    return port_read_by(m->port, buf, n, by, err);
}

static int keep_pending(struct mpy *m, const uint8_t *p, size_t n, eb_err *err)
{
    if (bytes_append(&m->pending, p, n))
        return eb_fail(err, EB_IO, "out of memory");
    return 0;
}

/* Read and throw away until the board stays quiet for quiet_ms (at most
 * max_ms); returns how many bytes came. */
static long drain(struct mpy *m, int quiet_ms, int max_ms, eb_err *err)
{
    uint8_t buf[512];
    long total = 0;
    struct eb_deadline end = eb_deadline_in(max_ms);
    m->pending.len = 0;
    while (!eb_deadline_passed(end)) {
        int r = port_read(m->port, buf, sizeof buf, quiet_ms, err);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        total += r;
    }
    return total;
}

/* Where a pattern starts in p[0..n), or -1 (see read_until). */
typedef long (*match_fn)(const uint8_t *p, size_t n, const void *ctx);

/* mpremote's read_until, with a deadline: read into `seen` until `match`
 * finds its pattern (1, *at its offset), or `by` passes (0). Long output
 * keeps only a tail that can still hold a pattern split across reads. */
static int read_until(struct mpy *m, bytes *seen, match_fn match, const void *ctx, struct eb_deadline by,
                      long *at, eb_err *err)
{
    uint8_t buf[512];
    while (!eb_deadline_passed(by)) {
        int r = recv_some(m, buf, sizeof buf, by, err);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        if (bytes_append(seen, buf, (size_t)r))
            return eb_fail(err, EB_IO, "out of memory");
        if ((*at = match(seen->data, seen->len, ctx)) >= 0)
            return 1;
        if (seen->len > SEEN_MAX) {
            memmove(seen->data, seen->data + seen->len - SEEN_TAIL, SEEN_TAIL);
            seen->len = SEEN_TAIL;
        }
    }
    return 0;
}

static long match_raw_banner(const uint8_t *p, size_t n, const void *ctx)
{
    (void)ctx;
    return mpy_find_raw_banner(p, n);
}

static long match_text(const uint8_t *p, size_t n, const void *text)
{
    const uint8_t *at = memmem(p, n, text, strlen(text));
    return at ? (long)(at - p) : -1;
}

/* The friendly banner: "MicroPython ..." up to the prompt after it. */
static long match_banner(const uint8_t *p, size_t n, const void *ctx)
{
    (void)ctx;
    long mp = match_text(p, n, "MicroPython");
    return mp >= 0 && match_text(p + mp, n - (size_t)mp, ">>> ") >= 0 ? mp : -1;
}

/* Read until the raw REPL banner, which stays pending for the reader; 1
 * found, 0 not within timeout_ms. */
static int wait_raw_banner(struct mpy *m, int timeout_ms, eb_err *err)
{
    bytes seen = { 0 };
    long at = -1;
    int found = read_until(m, &seen, match_raw_banner, NULL, eb_deadline_in(timeout_ms), &at, err);
    if (found > 0 && keep_pending(m, seen.data + at, seen.len - (size_t)at, err))
        found = -1;
    bytes_free(&seen);
    return found;
}

int mpy_open(const char *port_name, uint32_t baud, struct mpy *m, eb_err *err)
{
    struct port *p;
    if (port_open(port_name, baud, &p, err))
        return -1;
    if (mpy_attach(p, m, err)) {
        port_close(p);
        return -1;
    }
    return 0;
}

int mpy_attach(struct port *port, struct mpy *m, eb_err *err)
{
    memset(m, 0, sizeof *m);
    m->paste = -1;
    m->timeout_ms = RUN_SILENCE_MS;
    /* keep the ESP32 out of reset and out of the bootloader */
    if (port_reset_run(port, port_reset_seq(PORT_RESET_RELEASE), err))
        return -1;
    m->port = port;
    return 0;
}

static int wait_for(struct mpy *m, const char *text, int timeout_ms, eb_err *err);

void mpy_detach(struct mpy *m)
{
    if (m->port && m->raw) {
        static const uint8_t leave[] = { '\r', CTRL_B };
        eb_err ignored;
        /* wait for the prompt: a board that answers late would otherwise
         * still be in the raw REPL when the next command (or repl) starts */
        if (port_write(m->port, leave, sizeof leave, &ignored) == 0)
            wait_for(m, ">>> ", CLOSE_PROMPT_MS, &ignored);
    }
    m->port = NULL;
    m->raw = false;
    bytes_free(&m->pending);
}

void mpy_close(struct mpy *m)
{
    struct port *p = m->port;
    mpy_detach(m);
    port_close(p);
}

/* In the raw REPL after more than one try: a board that was still booting
 * (or busy) kept every Ctrl-C and Ctrl-A sent meanwhile and answers each
 * with another banner; read them all before the first command. */
static int raw_after_retries(struct mpy *m, eb_err *err)
{
    if (drain(m, QUIET_MS, DRAIN_MAX_MS, err) < 0)
        return -1;
    m->raw = true;
    return 0;
}

int mpy_enter_raw(struct mpy *m, eb_err *err)
{
    static const uint8_t stop[] = { '\r', CTRL_C }, stop2[] = { CTRL_C }, raw[] = { '\r', CTRL_A },
                         quick[] = { '\r', CTRL_C, CTRL_C, '\r', CTRL_A };
    long heard = 0;
    /* An idle board (or one whose program stops at once) answers this at
     * once; the banner is searched past whatever the program printed. */
    int r = send(m, quick, sizeof quick, err) ? -1 : wait_raw_banner(m, QUICK_BANNER_MS, err);
    if (r)
        return r < 0 ? -1 : (m->raw = true, 0);
    for (int attempt = 0; attempt < ENTER_TRIES; attempt++) {
        if (send(m, stop, sizeof stop, err))
            return -1;
        eb_sleep_ms(CTRL_C_GAP_MS);
        if (send(m, stop2, sizeof stop2, err))
            return -1;
        long n = drain(m, QUIET_MS, DRAIN_MAX_MS, err);
        if (n < 0)
            return -1;
        heard += n;
        if (send(m, raw, sizeof raw, err))
            return -1;
        r = wait_raw_banner(m, BANNER_MS, err);
        if (r < 0)
            return -1;
        if (r)
            return raw_after_retries(m, err);
    }
    /* A program left reading raw bytes from stdin (a transfer whose host
     * went away) ends when a block is not announced by 0x01: complete any
     * block it is in the middle of with '\r', which is harmless at a prompt. */
    uint8_t filler[FILLER];
    memset(filler, '\r', sizeof filler);
    if (send(m, filler, sizeof filler, err) || send(m, stop2, sizeof stop2, err) ||
        drain(m, QUIET_MS, DRAIN_MAX_MS, err) < 0 || send(m, raw, sizeof raw, err))
        return -1;
    if ((r = wait_raw_banner(m, BANNER_MS, err)) != 0)
        return r < 0 ? -1 : raw_after_retries(m, err);
    if (heard)
        return eb_fail(err, EB_IO,
                       "%s: the board keeps running its program and did not stop after %d Ctrl-C: "
                       "code that never prints or sleeps cannot be interrupted; reset the board "
                       "(espburn reset) and try again",
                       m->port->name, ENTER_TRIES);
    return eb_fail(err, EB_IO,
                   "%s: no answer to Ctrl-C and Ctrl-A: is the board running MicroPython "
                   "(not a tight loop that cannot be interrupted, not the bootloader)? "
                   "Reset it (espburn reset) and try again",
                   m->port->name);
}

/* The board has no raw-paste: "R\x00" is followed by a fresh '>'; old
 * firmware restarted the raw REPL and printed its banner (its first bytes
 * are ans[0..got)). Either way, wait for the prompt. */
static int paste_refused(struct mpy *m, enum mpy_paste_answer a, const uint8_t *ans, size_t got, eb_err *err)
{
    if (a == MPY_PASTE_NO) {
        uint8_t c = 0;
        struct eb_deadline prompt = eb_deadline_in(PASTE_ANSWER_MS);
        while (c != '>')
            if (port_read_exact(m->port, &c, 1, prompt, err))
                return -1;
        return 0;
    }
    if (keep_pending(m, ans, got, err))
        return -1;
    int r = wait_raw_banner(m, PASTE_ANSWER_MS, err);
    if (r <= 0)
        return r < 0 ? -1
                     : eb_fail(err, EB_IO,
                               "%s: the board answered the raw-paste request with neither "
                               "raw-paste nor the raw REPL",
                               m->port->name);
    return 0;
}

/* Send the raw-paste request 0x05 'A' 0x01, read the board's answer and
 * decide. When this board is known to do raw-paste, the first window of
 * code goes with the request (*presend bytes): the board's UART holds it
 * while it answers, which saves a round trip per program. */
static int probe_paste(struct mpy *m, const uint8_t *code, size_t len, size_t *presend, eb_err *err)
{
    static const uint8_t req[] = { CTRL_E, 'A', CTRL_A };
    uint8_t ans[4];
    size_t got = 0;
    enum mpy_paste_answer a = MPY_PASTE_NEED_MORE;
    *presend = m->paste == 1 ? (len < m->window ? len : m->window) : 0;
    if (send(m, req, sizeof req, err) || (*presend && send(m, code, *presend, err)))
        return -1;
    struct eb_deadline by = eb_deadline_in(PASTE_ANSWER_MS);
    while (a == MPY_PASTE_NEED_MORE) {
        if (eb_deadline_passed(by))
            return eb_fail(err, EB_IO,
                           "%s: no answer to the raw-paste request; is the board still connected?",
                           m->port->name);
        int r = recv_some(m, ans + got, 1, by, err);
        if (r < 0)
            return -1;
        got += (size_t)r;
        a = mpy_classify_paste(ans, got);
    }
    if (a == MPY_PASTE_YES) {
        if (port_read_exact(m->port, ans, 2, eb_deadline_in(PASTE_ANSWER_MS), err))
            return -1;
        if (*presend && rd_le16(ans) != m->window)
            return eb_fail(err, EB_IO, "%s: the board changed its raw-paste window; try again",
                           m->port->name);
        m->window = rd_le16(ans);
        if (m->window == 0)
            return eb_fail(err, EB_IO, "%s: the board offered a raw-paste window of 0 bytes", m->port->name);
        m->paste = 1;
        return 1;
    }
    m->paste = 0;
    return paste_refused(m, a, ans, got, err);
}

/* Send code under raw-paste flow control: at most `window` bytes beyond
 * what the board has granted with 0x01 bytes. */
static int paste_send(struct mpy *m, const uint8_t *code, size_t len, size_t presend, eb_err *err)
{
    size_t sent = presend, remain = m->window - presend;
    int aborted = 0;
    while (sent < len && !aborted) {
        uint8_t c;
        int r;
        while ((r = recv_some(m, &c, 1, eb_deadline_in(remain ? 0 : m->timeout_ms), err)) > 0) {
            if (c == CTRL_A)
                remain += m->window;
            else if (c == CTRL_D)
                aborted = 1; /* the board ended the input early (an error) */
            else
                return eb_fail(err, EB_IO, "%s: unexpected byte 0x%02x during raw-paste", m->port->name, c);
            if (remain && !aborted)
                break;
        }
        if (r < 0)
            return -1;
        if (!remain && !aborted)
            return eb_fail(err, EB_IO,
                           "%s: the board stopped granting raw-paste windows; is it still connected?",
                           m->port->name);
        if (aborted)
            break;
        size_t n = len - sent < remain ? len - sent : remain;
        if (send(m, code + sent, n, err))
            return -1;
        sent += n;
        remain -= n;
    }
    static const uint8_t eot[] = { CTRL_D };
    if (send(m, eot, 1, err))
        return -1;
    if (aborted)
        return 0;
    /* The board acknowledges the end of input with 0x04 (after any 0x01). */
    for (;;) {
        uint8_t c;
        if (recv_some(m, &c, 1, eb_deadline_in(m->timeout_ms), err) <= 0)
            return eb_fail(err, EB_IO, "%s: no end-of-input acknowledgement after raw-paste", m->port->name);
        if (c == CTRL_D)
            return 0;
        if (c != CTRL_A)
            return eb_fail(err, EB_IO, "%s: unexpected byte 0x%02x ending raw-paste", m->port->name, c);
    }
}

/* Plain raw REPL: the code, Ctrl-D, then "OK". */
static int raw_send(struct mpy *m, const uint8_t *code, size_t len, eb_err *err)
{
    static const uint8_t eot[] = { CTRL_D };
    uint8_t ok[2];
    if (send(m, code, len, err) || send(m, eot, 1, err))
        return -1;
    struct eb_deadline by = eb_deadline_in(m->timeout_ms);
    for (size_t got = 0; got < 2;) {
        int r = recv_some(m, ok + got, 2 - got, by, err);
        if (r < 0)
            return -1;
        if (r == 0 && eb_deadline_passed(by))
            return eb_fail(err, EB_IO, "%s: the board did not acknowledge the code; is it still connected?",
                           m->port->name);
        got += (size_t)r;
    }
    if (ok[0] != 'O' || ok[1] != 'K')
        return eb_fail(err, EB_IO, "%s: the board answered 0x%02x 0x%02x instead of OK; it may have reset",
                       m->port->name, ok[0], ok[1]);
    return 0;
}

static int read_reply(struct mpy *m, struct mpy_reply *rep, eb_err *err)
{
    uint8_t buf[4096];
    bool interrupted = false;
    struct eb_deadline silent = eb_deadline_in(m->timeout_ms); /* renewed by every byte */
    while (!mpy_reply_done(rep)) {
        if (m->interrupt && *m->interrupt && !interrupted) {
            static const uint8_t intr[] = { CTRL_C };
            if (send(m, intr, 1, err))
                return -1;
            interrupted = true;
        }
        int r = recv_some(m, buf, sizeof buf, eb_deadline_in(POLL_SLICE_MS), err);
        if (r < 0)
            return -1;
        if (r == 0) {
            if (!eb_deadline_passed(silent))
                continue;
            return eb_fail(err, EB_IO,
                           "%s: the board went silent for %d s while running code; "
                           "it may be stuck (espburn reset) or the cable was pulled",
                           m->port->name, m->timeout_ms / 1000);
        }
        silent = eb_deadline_in(m->timeout_ms);
        long used = mpy_reply_feed(rep, buf, (size_t)r);
        if (used < 0)
            return eb_fail(err, EB_IO, "out of memory");
        if ((size_t)used < (size_t)r && keep_pending(m, buf + used, (size_t)r - (size_t)used, err))
            return -1;
    }
    return 0;
}

/* Send a program: raw-paste when the board has it, else the raw REPL. */
static int send_program(struct mpy *m, const void *code, size_t len, eb_err *err)
{
    if (!m->raw && mpy_enter_raw(m, err))
        return -1;
    int use_paste = m->paste;
    size_t presend = 0;
    if (use_paste != 0) {
        use_paste = probe_paste(m, code, len, &presend, err);
        if (use_paste < 0)
            return -1;
    }
    return use_paste ? paste_send(m, code, len, presend, err) : raw_send(m, code, len, err);
}

/* Wait for one byte of the program's stdout: 1 with *c, 0 on timeout, 2 at
 * the end of stdout (its 0x04 is left pending for the reply parser). */
static int next_out_byte(struct mpy *m, uint8_t *c, int wait_ms, eb_err *err)
{
    int r = recv_some(m, c, 1, eb_deadline_in(wait_ms), err);
    if (r <= 0)
        return r;
    if (*c == CTRL_D)
        return keep_pending(m, c, 1, err) ? -1 : 2;
    return 1;
}

int mpy_exec_feed(struct mpy *m, const void *code, size_t len, const uint8_t *data, size_t n, size_t block,
                  bool framed, int wait_ms, bool *fed, bytes *out, bytes *errout, eb_err *err)
{
    size_t acks = 0, want = (n + block - 1) / block, sent = 0;
    bool started = false;
    int r = 1;
    *fed = false;
    if (send_program(m, code, len, err))
        return -1;
    while (r == 1 && (!started || acks < want)) {
        uint8_t c;
        size_t allowed = (acks + 2) * block; /* two blocks beyond what the board confirmed */
        if (started && sent < n && sent < allowed) {
            static const uint8_t header[] = { CTRL_A }; /* before each block */
            size_t k = n - sent < block ? n - sent : block;
            if ((framed && port_write(m->port, header, 1, err)) || port_write(m->port, data + sent, k, err))
                return -1;
            sent += k;
            continue;
        }
        r = next_out_byte(m, &c, started ? m->timeout_ms : wait_ms, err);
        if (r < 0)
            return -1;
        if (r != 1)
            break;
        if (!started && c == 'R')
            started = true;
        else if (started && c == 'A')
            acks++;
        else if (bytes_append_byte(out, c))
            return eb_fail(err, EB_IO, "out of memory");
    }
    *fed = started && acks == want;
    if (started && !*fed)
        m->raw = false; /* data may still be in flight: get a clean prompt before the next program */
    if (r == 0) {       /* silence: the board may be stuck reading stdin; interrupt it */
        static const uint8_t intr[] = { CTRL_C };
        if (port_write(m->port, intr, 1, err))
            return -1;
    }
    struct mpy_reply rep = { 0 };
    int rc = read_reply(m, &rep, err);
    if (!rc &&
        (bytes_append(out, rep.out.data, rep.out.len) || bytes_append(errout, rep.err.data, rep.err.len)))
        rc = eb_fail(err, EB_IO, "out of memory");
    mpy_reply_free(&rep);
    return rc;
}

int mpy_exec(struct mpy *m, const void *code, size_t len, mpy_sink sink, void *ctx, bytes *out, bytes *errout,
             eb_err *err)
{
    if (send_program(m, code, len, err))
        return -1;
    struct mpy_reply rep = { .sink = sink, .sink_ctx = ctx };
    int rc = read_reply(m, &rep, err);
    if (!rc && out && bytes_append(out, rep.out.data, rep.out.len))
        rc = eb_fail(err, EB_IO, "out of memory");
    if (!rc && errout && bytes_append(errout, rep.err.data, rep.err.len))
        rc = eb_fail(err, EB_IO, "out of memory");
    mpy_reply_free(&rep);
    return rc;
}

int mpy_exec_ok(struct mpy *m, const void *code, size_t len, bytes *out, eb_err *err)
{
    bytes errout = { 0 };
    if (mpy_exec(m, code, len, NULL, NULL, out, &errout, err)) {
        bytes_free(&errout);
        return -1;
    }
    if (errout.len) {
        char line[300];
        mpy_last_line(&errout, line, sizeof line);
        bytes_free(&errout);
        return eb_fail(err, EB_PROBLEM, "the board said: %s", line);
    }
    return 0;
}

/* Read until `text` appears (what came after it stays pending); 0, or -1
 * after timeout_ms. */
static int wait_for(struct mpy *m, const char *text, int timeout_ms, eb_err *err)
{
    bytes seen = { 0 };
    long at;
    int r = read_until(m, &seen, match_text, text, eb_deadline_in(timeout_ms), &at, err);
    size_t past = r > 0 ? (size_t)at + strlen(text) : seen.len;
    if (r > 0 && past < seen.len && keep_pending(m, seen.data + past, seen.len - past, err))
        r = -1;
    bytes_free(&seen);
    if (r != 0)
        return r < 0 ? -1 : 0;
    return eb_fail(err, EB_IO, "%s: the board did not say \"%s\" in time", m->port->name, text);
}

int mpy_soft_reset(struct mpy *m, bool run_main, eb_err *err)
{
    static const uint8_t friendly[] = { '\r', CTRL_B }, reset[] = { CTRL_D };
    if (!m->raw && mpy_enter_raw(m, err))
        return -1;
    if (run_main && (send(m, friendly, sizeof friendly, err) || wait_for(m, ">>> ", PROMPT_MS, err)))
        return -1;
    m->pending.len = 0;
    if (send(m, reset, 1, err) || wait_for(m, "soft reboot", SOFT_REBOOT_MS, err))
        return -1;
    m->paste = -1; /* probe again: the firmware may have changed */
    if (run_main) {
        m->raw = false; /* main.py runs: leave it alone */
        return 0;
    }
    int r = wait_raw_banner(m, REBOOT_BANNER_MS, err);
    return r <= 0 ? (r < 0 ? -1
                           : eb_fail(err, EB_IO, "%s: the board did not come back after a soft reset",
                                     m->port->name))
                  : 0;
}

int mpy_banner(struct mpy *m, char *out, size_t n, eb_err *err)
{
    static const uint8_t friendly[] = { '\r', CTRL_B };
    if (!m->raw && mpy_enter_raw(m, err))
        return -1;
    if (send(m, friendly, sizeof friendly, err))
        return -1;
    m->raw = false;
    bytes seen = { 0 };
    long at;
    int r = read_until(m, &seen, match_banner, NULL, eb_deadline_in(PROMPT_MS), &at, err);
    if (r > 0) {
        const char *mp = (const char *)seen.data + at;
        size_t k = 0, avail = seen.len - (size_t)at;
        while (k < avail && k + 1 < n && mp[k] != '\r' && mp[k] != '\n')
            k++;
        memcpy(out, mp, k);
        out[k] = '\0';
    } else if (r == 0) {
        r = eb_fail(err, EB_IO, "%s: the board printed no MicroPython banner", m->port->name);
    }
    bytes_free(&seen);
    return r < 0 ? -1 : mpy_enter_raw(m, err);
}

int mpy_exec_begin(struct mpy *m, const void *code, size_t len, eb_err *err)
{
    return send_program(m, code, len, err);
}

int mpy_exec_pump(struct mpy *m, struct mpy_reply *rep, int wait_ms, eb_err *err)
{
    uint8_t buf[4096];
    struct eb_deadline by = eb_deadline_in(wait_ms);
    while (!mpy_reply_done(rep)) {
        int r = recv_some(m, buf, sizeof buf, by, err);
        if (r <= 0)
            return r;
        long used = mpy_reply_feed(rep, buf, (size_t)r);
        if (used < 0)
            return eb_fail(err, EB_IO, "out of memory");
        if ((size_t)used < (size_t)r && keep_pending(m, buf + used, (size_t)r - (size_t)used, err))
            return -1;
    }
    return 1;
}

int mpy_stream(struct mpy *m, mpy_sink sink, void *ctx, int wait_ms, eb_err *err)
{
    uint8_t buf[4096];
    int r = recv_some(m, buf, sizeof buf, eb_deadline_in(wait_ms), err);
    if (r > 0)
        sink(ctx, buf, (size_t)r);
    return r;
}

int mpy_recv(struct mpy *m, uint8_t *buf, size_t n, int wait_ms, eb_err *err)
{
    return recv_some(m, buf, n, eb_deadline_in(wait_ms), err);
}
