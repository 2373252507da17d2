/* mount_proto.c - requests of the mount protocol parsed from untrusted bytes. */
#include "mpy/mount_proto.h"

#include <stddef.h>
#include <string.h>

/* Copy a path argument: no NUL inside, at most out-1 bytes. */
static int take_path(const uint8_t *p, size_t n, char *out, size_t size)
{
    if (n == 0 || n >= size || memchr(p, 0, n))
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

static int decode(struct mount_req *r)
{
    const uint8_t *a = r->arg;
    size_t n = r->arg_len;
    switch (r->op) {
    case MOUNT_STAT:
    case MOUNT_LIST:
    case MOUNT_MKDIR:
    case MOUNT_REMOVE:
    case MOUNT_RMDIR: return take_path(a, n, r->path, sizeof r->path);
    case MOUNT_OPEN:
        if (n < 2 || (a[0] != 'r' && a[0] != 'w' && a[0] != 'a'))
            return -1;
        r->mode = (char)a[0];
        return take_path(a + 1, n - 1, r->path, sizeof r->path);
    case MOUNT_RENAME: {
        const uint8_t *z = memchr(a, 0, n);
        if (!z)
            return -1;
        size_t k = (size_t)(z - a);
        return take_path(a, k, r->path, sizeof r->path) ||
                       take_path(z + 1, n - k - 1, r->path2, sizeof r->path2)
                   ? -1
                   : 0;
    }
    case MOUNT_READ:
        if (n != 6)
            return -1;
        r->fd = (unsigned)a[0] | (unsigned)a[1] << 8;
        r->n = (uint32_t)a[2] | (uint32_t)a[3] << 8 | (uint32_t)a[4] << 16 | (uint32_t)a[5] << 24;
        return r->fd < MOUNT_MAX_FDS ? 0 : -1;
    case MOUNT_WRITE:
    case MOUNT_CLOSE:
        if (n < 2 || (r->op == MOUNT_CLOSE && n != 2))
            return -1;
        r->fd = (unsigned)a[0] | (unsigned)a[1] << 8;
        r->arg = a + 2;
        r->arg_len = n - 2;
        return r->fd < MOUNT_MAX_FDS ? 0 : -1;
    }
    return -1;
}

/* Undo the quoting of q[0..n) into r->args; -1 when malformed or too long. */
static int unquote(const uint8_t *q, size_t n, struct mount_req *r)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = q[i];
        if (c == '\r' || c == '\n')
            return -1;
        if (c == MOUNT_QUOTE) {
            if (++i == n)
                return -1;
            c = q[i] == MOUNT_QUOTE ? MOUNT_QUOTE : q[i] == 'r' ? '\r' : q[i] == 'n' ? '\n' : 0;
            if (!c)
                return -1;
        }
        if (k == sizeof r->args)
            return -1;
        r->args[k++] = c;
    }
    r->arg = r->args;
    r->arg_len = k;
    return 0;
}

enum mount_parse mount_parse_request(const uint8_t *p, size_t n, struct mount_req *req, size_t *used)
{
    if (n == 0 || p[0] != MOUNT_ESC)
        return MOUNT_BAD;
    if (n >= 2 && !strchr("SLORWCMDXN", p[1] ? p[1] : '?'))
        return MOUNT_BAD; /* an ESC in the program's own output */
    const uint8_t *lf = n > 2 ? memchr(p + 2, '\n', n - 2) : NULL;
    if (!lf)
        return n > 2 + 2 * MOUNT_ARG_MAX + 1 ? MOUNT_BAD : MOUNT_NEED_MORE;
    size_t end = (size_t)(lf - p), qlen = end - 2;
    if (qlen && p[end - 1] == '\r')
        qlen--;
    memset(req, 0, offsetof(struct mount_req, args)); /* and what decode() fills: nothing left from before */
    req->fd = 0;
    req->n = 0;
    req->mode = 0;
    req->path[0] = req->path2[0] = '\0';
    req->op = (enum mount_op)p[1];
    *used = end + 1;
    return unquote(p + 2, qlen, req) || decode(req) ? MOUNT_BAD : MOUNT_OK;
}

void mount_answer_header(uint8_t out[MOUNT_ANS_HEADER], unsigned status, uint32_t len)
{
    out[0] = MOUNT_ESC;
    out[1] = (uint8_t)status;
    for (int i = 0; i < 4; i++)
        out[2 + i] = (uint8_t)(len >> (8 * i));
}
