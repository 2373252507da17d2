/* mount_proto.h - the wire format of `espburn mount` (docs/mount.md), host
 * side, pure (no I/O): finding the board's requests in what it prints and
 * framing the host's answers. The board's bytes are untrusted. */
#ifndef ESPBURN_MPY_MOUNT_PROTO_H
#define ESPBURN_MPY_MOUNT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"

#define MOUNT_ESC        0x18 /* starts every request and every answer */
#define MOUNT_ACK        0x06 /* the board took one block of an answer */
#define MOUNT_BLOCK      120  /* answer bytes per acknowledged block */
#define MOUNT_QUOTE      0x1b /* in a request's arguments: QUOTE QUOTE, QUOTE 'r' (CR), QUOTE 'n' (LF) */
#define MOUNT_ARG_MAX    2048 /* longest arguments (unquoted) of one request */
#define MOUNT_ANS_HEADER 6    /* ESC, status (0 or an errno), u32 LE length */
#define MOUNT_MAX_FDS    16
#define MOUNT_READ_MAX   4096 /* most bytes one read answers with */

enum mount_op {
    MOUNT_STAT = 'S',   /* path -> "MODE SIZE MTIME" */
    MOUNT_LIST = 'L',   /* path -> "d" or "f" + name, one a line */
    MOUNT_OPEN = 'O',   /* mode byte ('r', 'w', 'a') + path -> "FD" */
    MOUNT_READ = 'R',   /* u16 fd, u32 n -> at most n bytes (none: end of file) */
    MOUNT_WRITE = 'W',  /* u16 fd + data -> nothing */
    MOUNT_CLOSE = 'C',  /* u16 fd -> nothing (a written file is now in place) */
    MOUNT_MKDIR = 'M',  /* path */
    MOUNT_REMOVE = 'D', /* path */
    MOUNT_RMDIR = 'X',  /* path */
    MOUNT_RENAME = 'N', /* old path, 0x00, new path */
};

struct mount_req {
    enum mount_op op;
    const uint8_t *arg; /* the op's data in args (after an fd) */
    size_t arg_len;
    /* decoded where the op has them, 0 or "" where not */
    unsigned fd;
    uint32_t n;
    char mode;
    char path[512], path2[512]; /* '/'-separated, as the board gave them */
    /* last: everything before it is cleared for each request */
    uint8_t args[MOUNT_ARG_MAX]; /* the arguments, unquoted */
};

enum mount_parse {
    MOUNT_NEED_MORE = 0, /* a request has started and is not complete */
    MOUNT_OK = 1,        /* *req filled, *used bytes consumed */
    MOUNT_BAD = -1,      /* not a request we know (unknown op, bad arguments) */
};

/* Parse one request at p[0] (which must be MOUNT_ESC): ESC, op, the
 * quoted arguments, LF (a CR before it, from a board that turns LF into
 * CR LF on its stdout, is dropped). */
enum mount_parse mount_parse_request(const uint8_t *p, size_t n, struct mount_req *req, size_t *used);

/* The answer's header: status 0 or an errno value (MicroPython's numbers). */
void mount_answer_header(uint8_t out[MOUNT_ANS_HEADER], unsigned status, uint32_t len);

#endif
