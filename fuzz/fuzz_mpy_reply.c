/* fuzz_mpy_reply.c - what a MicroPython board sends back, as arbitrary
 * bytes: the reply splitter (fed in uneven chunks must equal fed at once),
 * the raw banner and raw-paste answer, listing lines, base64 and hex. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpy/codec.h"
#include "mpy/fs.h"
#include "mpy/reply.h"

static void check_reply(const uint8_t *data, size_t size)
{
    struct mpy_reply whole = { 0 }, parts = { 0 };
    long used = mpy_reply_feed(&whole, data, size);
    if (used < 0 || (size_t)used > size)
        abort();
    size_t off = 0, step = 1;
    while (off < (size_t)used && !mpy_reply_done(&parts)) {
        size_t n = (size_t)used - off < step ? (size_t)used - off : step;
        long u = mpy_reply_feed(&parts, data + off, n);
        if (u < 0 || (size_t)u > n)
            abort();
        off += (size_t)u;
        step = step % 7 + 1;
    }
    if (mpy_reply_done(&whole) != mpy_reply_done(&parts) || whole.out.len != parts.out.len ||
        whole.err.len != parts.err.len ||
        (whole.out.len && memcmp(whole.out.data, parts.out.data, whole.out.len)))
        abort();
    mpy_reply_free(&whole);
    mpy_reply_free(&parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_reply(data, size);
    long at = mpy_find_raw_banner(data, size);
    if (at > (long)size)
        abort();
    (void)mpy_classify_paste(data, size);

    bytes text = { 0 }, dec = { 0 };
    struct mpy_entries e = { 0 };
    eb_err err;
    if (bytes_append(&text, data, size))
        abort();
    (void)mpy_parse_entries(&text, &e, &err);
    mpy_entries_free(&e);
    char line[64];
    mpy_last_line(&text, line, sizeof line);
    if (strlen(line) >= sizeof line)
        abort();
    (void)b64_decode(&dec, (const char *)data, size);
    dec.len = 0;
    (void)mpy_hex_decode(&dec, data, size);
    bytes_free(&dec);
    bytes_free(&text);
    return 0;
}
