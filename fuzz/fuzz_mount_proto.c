/* fuzz_mount_proto.c - the mount protocol's request parser on arbitrary
 * bytes (what a board, or a program's own output, sends): it must never
 * read past the input, and a parsed request must be self-consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpy/mount_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mount_req r;
    size_t at = 0;
    while (at < size) {
        const uint8_t *esc = memchr(data + at, MOUNT_ESC, size - at);
        if (!esc)
            break;
        at = (size_t)(esc - data);
        size_t used = 0;
        enum mount_parse p = mount_parse_request(data + at, size - at, &r, &used);
        if (p == MOUNT_NEED_MORE)
            break;
        if (p == MOUNT_OK) {
            if (used < 3 || used > size - at || r.arg_len > sizeof r.args || r.fd >= MOUNT_MAX_FDS ||
                !memchr(r.path, 0, sizeof r.path) || !memchr(r.path2, 0, sizeof r.path2))
                abort();
            at += used;
        } else {
            at++;
        }
    }
    return 0;
}
