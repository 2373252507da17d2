/* fs.c - file operations on the board, built on the prelude's helpers. */
#include "mpy/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "mpy/codec.h"
#include "mpy/prelude.py.h"

#define PUT_BLOCK  9216  /* raw bytes per round trip (12 KB of base64) */
#define ZLIB_BLOCK 8192  /* input bytes per compressed block */
#define PUT_BATCH  12600 /* code bytes per round trip when writing files */
#define FEED_BLOCK 128   /* raw stdin bytes per acknowledgement (two in flight fit a 260-byte UART buffer) */

void mpy_entries_free(struct mpy_entries *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i].path);
    free(e->v);
    memset(e, 0, sizeof *e);
}

int mpy_path_join(char *out, size_t n, const char *dir, const char *name)
{
    int w;
    if (!dir[0] || strcmp(dir, ".") == 0)
        w = snprintf(out, n, "%s", name);
    else if (dir[strlen(dir) - 1] == '/')
        w = snprintf(out, n, "%s%s", dir, name);
    else
        w = snprintf(out, n, "%s/%s", dir, name);
    return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

/* OSError numbers of MicroPython on ESP32 (the only port family espburn
 * talks to), with what they mean for the user. The firmware's errno.h is
 * newlib's, except that LittleFS (official firmware) raises littlefs's codes,
 * which are Linux's: ENOTEMPTY and ENAMETOOLONG have two numbers. A name in
 * the traceback ("[Errno 2] ENOENT") wins over the number. */
static const struct {
    const char *name;
    int value;
    const char *fmt;
} ERRNOS[] = {
    { "ENOENT", 2, "no such file or folder on the board: %s" },
    { "EACCES", 13, "the board refused access to %s (read-only, or a folder in use)" },
    { "EEXIST", 17, "%s already exists on the board" },
    { "ENOTDIR", 20, "a part of %s is not a folder on the board" },
    { "EISDIR", 21, "%s is a folder on the board" },
    { "EINVAL", 22, "the board's filesystem refused the name or operation: %s" },
    { "ENOSPC", 28, "the board's filesystem is full (writing %s)" },
    { "EROFS", 30, "the board's filesystem is read-only (%s)" },
    { "ENAMETOOLONG", 36, "the name %s is too long for the board's filesystem" },
    { "ENOTEMPTY", 39, "the folder %s on the board is not empty (use -r)" },
    { "ENOTEMPTY", 90, "the folder %s on the board is not empty (use -r)" },
    { "ENAMETOOLONG", 91, "the name %s is too long for the board's filesystem" },
};
#define N_ERRNOS (sizeof ERRNOS / sizeof ERRNOS[0])

/* The errno in "OSError: [Errno 2] ENOENT" or "OSError: 2"; -1 if none. */
static int oserror_number(const char *line)
{
    const char *p = strstr(line, "OSError: ");
    if (!p)
        return -1;
    p += 9;
    if (strncmp(p, "[Errno ", 7) == 0)
        p += 7;
    char *end = NULL;
    long n = strtol(p, &end, 10);
    return end == p ? -1 : (int)n;
}

/* Turn a traceback into a plain sentence about `path`. */
static int board_error(const bytes *tb, const char *path, eb_err *err)
{
    char line[300];
    mpy_last_line(tb, line, sizeof line);
    for (size_t i = 0; i < N_ERRNOS; i++)
        if (strstr(line, ERRNOS[i].name))
            return eb_fail(err, EB_PROBLEM, ERRNOS[i].fmt, path);
    int n = oserror_number(line);
    for (size_t i = 0; i < N_ERRNOS; i++)
        if (n == ERRNOS[i].value)
            return eb_fail(err, EB_PROBLEM, ERRNOS[i].fmt, path);
    return eb_fail(err, EB_PROBLEM, "%s: the board said: %s", path, line);
}

/* Run code; a traceback becomes board_error(path). */
static int run(struct mpy_fs *fs, const bytes *code, bytes *out, const char *path, eb_err *err)
{
    bytes tb = { 0 };
    int rc = mpy_exec(fs->m, code->data, code->len, NULL, NULL, out, &tb, err);
    if (!rc && tb.len)
        rc = board_error(&tb, path, err);
    bytes_free(&tb);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode a hex field into a new string (NULL when malformed). */
static char *unhex(const char *h, size_t n)
{
    if (n % 2)
        return NULL;
    char *s = malloc(n / 2 + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int a = hexval(h[2 * i]), b = hexval(h[2 * i + 1]);
        if (a < 0 || b < 0 || (a == 0 && b == 0)) {
            free(s);
            return NULL;
        }
        s[i] = (char)(a << 4 | b);
    }
    s[n / 2] = '\0';
    return s;
}

static int add_entry(struct mpy_entries *out, struct mpy_entry e, eb_err *err)
{
    struct mpy_entry *v = array_grow(out->v, out->n, &out->cap, sizeof *v, 16);
    if (!v) {
        free(e.path);
        return eb_fail(err, EB_IO, "out of memory");
    }
    out->v = v;
    out->v[out->n++] = e;
    return 0;
}

/* One "HEXPATH TYPE SIZE [SHA]" line (NUL-terminated, no CR/LF). */
static int parse_entry_line(char *line, struct mpy_entries *out, eb_err *err)
{
    char *save = NULL;
    char *hex = strtok_r(line, " ", &save), *type = strtok_r(NULL, " ", &save);
    char *size = strtok_r(NULL, " ", &save), *sha = strtok_r(NULL, " ", &save);
    struct mpy_entry e = { 0 };
    char *end = NULL;
    if (!hex || !type || !size || strlen(type) != 1 || !strchr("fd-", type[0]))
        return eb_fail(err, EB_IO, "the board sent a listing line espburn cannot read");
    e.size = strtol(size, &end, 10);
    if (*end || !(e.path = unhex(hex, strlen(hex))))
        return eb_fail(err, EB_IO, "the board sent a listing line espburn cannot read");
    e.type = type[0];
    if (sha && strlen(sha) == 64)
        memcpy(e.sha, sha, 65);
    return add_entry(out, e, err);
}

/* Parse the listing lines the prelude's helpers print. */
int mpy_parse_entries(const bytes *text, struct mpy_entries *out, eb_err *err)
{
    size_t i = 0;
    while (i < text->len) {
        size_t start = i, len;
        while (i < text->len && text->data[i] != '\n')
            i++;
        len = i - start;
        i++;
        while (len && text->data[start + len - 1] == '\r')
            len--;
        if (len == 0)
            continue;
        char line[1200];
        if (len >= sizeof line)
            return eb_fail(err, EB_IO, "the board sent a listing line too long to read");
        memcpy(line, text->data + start, len);
        line[len] = '\0';
        if (parse_entry_line(line, out, err))
            return -1;
    }
    return 0;
}

static uint32_t fnv1a(const char *str)
{
    uint32_t h = 2166136261u;
    for (; *str; str++)
        h = (h ^ (uint8_t)*str) * 16777619u;
    return h;
}

/* Run the probe; when the helpers are missing or of another version,
 * define them. Either way `out` gets the info line. */
static int define_helpers(struct mpy *m, bytes *out, eb_err *err)
{
    char ver[16], probe[sizeof MPY_PRELUDE_PROBE + 16], tail[48];
    snprintf(ver, sizeof ver, "'%08x'", fnv1a(MPY_PRELUDE));
    snprintf(probe, sizeof probe, MPY_PRELUDE_PROBE, ver);
    if (mpy_exec_ok(m, probe, strlen(probe), out, err))
        return -1;
    if (out->len && out->data[0] != '-')
        return 0;
    bool zipped = out->len > 2 && out->data[2] == 'z';
    out->len = 0;
    bytes code = { 0 }, z = { 0 }, packed = { 0 };
    snprintf(tail, sizeof tail, "_eb_V=%s\n_eb_info()\n", ver);
    int rc =
        bytes_append(&code, MPY_PRELUDE, sizeof MPY_PRELUDE - 1) || bytes_append(&code, tail, strlen(tail));
    if (!rc && zipped) {
        rc = mpy_zlib_block(&z, code.data, code.len) < 0 || b64_encode(&packed, z.data, z.len) ||
             bytes_append_byte(&packed, 0) || bytes_reserve(&code, sizeof MPY_PRELUDE_ZIPPED + packed.len);
        if (!rc)
            code.len = (size_t)snprintf((char *)code.data, code.cap, MPY_PRELUDE_ZIPPED, (char *)packed.data);
    }
    rc = rc ? eb_fail(err, EB_IO, "out of memory") : mpy_exec_ok(m, code.data, code.len, out, err);
    bytes_free(&code);
    bytes_free(&z);
    bytes_free(&packed);
    return rc;
}

int mpy_fs_init(struct mpy_fs *fs, struct mpy *m, eb_err *err)
{
    memset(fs, 0, sizeof *fs);
    fs->m = m;
    fs->allow_deflate = true;
    fs->allow_binary = true;
    fs->binary = -1;
    bytes out = { 0 };
    if (define_helpers(m, &out, err)) {
        bytes_free(&out);
        return eb_wrap(err, "setting up file helpers on the board");
    }
    char hex[600] = "";
    int h = 0, d = 0, flash = 0;
    if (bytes_append_byte(&out, 0) || sscanf((char *)out.data, "%599s %d %d %d", hex, &h, &d, &flash) != 4) {
        bytes_free(&out);
        return eb_fail(err, EB_IO, "the board's answer to the file helpers was not understood");
    }
    bytes_free(&out);
    char *cwd = unhex(hex, strlen(hex));
    snprintf(fs->cwd, sizeof fs->cwd, "%s", cwd ? cwd : "/");
    free(cwd);
    fs->has_hash = h;
    fs->has_deflate = d;
    snprintf(fs->root, sizeof fs->root, "%s", flash ? "/flash" : "/");
    return 0;
}

/* code = PREFIX(quoted args...)SUFFIX helpers */
static int call(bytes *code, const char *fn, const char *const *args, size_t n, const char *tail)
{
    if (bytes_append(code, fn, strlen(fn)) || bytes_append_byte(code, '('))
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((i && bytes_append_byte(code, ',')) || mpy_py_str(code, args[i]))
            return -1;
    return bytes_append(code, tail, strlen(tail));
}

/* Run helper fn(path[, extra]) and parse entries from its output. */
static int call_entries(struct mpy_fs *fs, const char *fn, const char *path, const char *tail,
                        struct mpy_entries *out, eb_err *err)
{
    bytes code = { 0 }, text = { 0 };
    const char *args[] = { path };
    int rc = call(&code, fn, args, 1, tail) ? eb_fail(err, EB_IO, "out of memory") : 0;
    if (!rc)
        rc = run(fs, &code, &text, path, err);
    if (!rc)
        rc = mpy_parse_entries(&text, out, err);
    bytes_free(&code);
    bytes_free(&text);
    return rc;
}

int mpy_fs_list(struct mpy_fs *fs, const char *path, bool recursive, struct mpy_entries *out, eb_err *err)
{
    return call_entries(fs, "_eb_ls", path, recursive ? ",1)\n" : ",0)\n", out, err);
}

int mpy_fs_hash(struct mpy_fs *fs, char *const *paths, size_t n, struct mpy_entries *out, eb_err *err)
{
    bytes code = { 0 }, text = { 0 };
    int rc = bytes_append(&code, "_eb_hash([", 10);
    for (size_t i = 0; i < n && !rc; i++)
        rc = mpy_py_str(&code, paths[i]) || bytes_append_byte(&code, ',');
    rc = rc || bytes_append(&code, "])\n", 3);
    rc = rc ? eb_fail(err, EB_IO, "out of memory") : run(fs, &code, &text, n ? paths[0] : "", err);
    if (!rc)
        rc = mpy_parse_entries(&text, out, err);
    bytes_free(&code);
    bytes_free(&text);
    return rc;
}

int mpy_fs_tree_digest(struct mpy_fs *fs, const char *root, char *const *rels, size_t n,
                       struct mpy_tree_digest *d, eb_err *err)
{
    bytes code = { 0 }, text = { 0 };
    const char *args[] = { root };
    int rc = call(&code, "_eb_tsum", args, 1, ",[");
    for (size_t i = 0; i < n && !rc; i++)
        rc = mpy_py_str(&code, rels[i]) || bytes_append_byte(&code, ',');
    rc = rc || bytes_append(&code, "])\n", 3);
    rc = rc ? eb_fail(err, EB_IO, "out of memory") : run(fs, &code, &text, root, err);
    memset(d, 0, sizeof *d);
    if (!rc && (bytes_append_byte(&text, 0) ||
                (text.data[0] != '-' &&
                 sscanf((char *)text.data, "%64s %zu %zu", d->hex, &d->scratch, &d->extras) != 3)))
        rc = eb_fail(err, EB_IO, "the board's digest of %s was not understood", root);
    if (!rc && strlen(d->hex) != 64)
        d->hex[0] = '\0';
    bytes_free(&code);
    bytes_free(&text);
    return rc;
}

int mpy_fs_type(struct mpy_fs *fs, const char *path, char *type, eb_err *err)
{
    struct mpy_entries e = { 0 };
    char *p = (char *)path;
    int rc = mpy_fs_hash(fs, &p, 1, &e, err);
    if (!rc && e.n != 1)
        rc = eb_fail(err, EB_IO, "the board's answer about %s was not understood", path);
    if (!rc)
        *type = e.v[0].type;
    mpy_entries_free(&e);
    return rc;
}

/* The board's answer to _eb_get: "b64" or "hex", the data lines, then the
 * _eb_hash line "HEX f SIZE SHA". */
struct get_answer {
    bool hex;
    const uint8_t *body, *hash_line;
    size_t body_len, hash_len;
};

static void split_get_answer(const bytes *text, struct get_answer *a)
{
    size_t end = text->len;
    while (end && (text->data[end - 1] == '\n' || text->data[end - 1] == '\r'))
        end--;
    size_t last = end;
    while (last && text->data[last - 1] != '\n')
        last--;
    size_t first = 0;
    while (first < last && text->data[first] != '\n')
        first++;
    a->hex = first >= 3 && memcmp(text->data, "hex", 3) == 0;
    a->body = text->data + (first < last ? first + 1 : last);
    a->body_len = (size_t)(text->data + last - a->body);
    a->hash_line = text->data + last;
    a->hash_len = end - last;
}

/* The data read must have the size and SHA-256 the board reported. */
static int check_against_board(const bytes *data, const struct mpy_entry *board, const char *path,
                               eb_err *err)
{
    if ((long)data->len != board->size)
        return eb_fail(err, EB_IO, "reading %s: got %zu bytes, the board has %ld; try again", path, data->len,
                       board->size);
    if (board->sha[0]) {
        char hex[65];
        mpy_sha256_hex(data->data, data->len, hex);
        if (strcmp(hex, board->sha) != 0)
            return eb_fail(err, EB_IO, "reading %s: SHA-256 differs from the board's; try again", path);
    }
    return 0;
}

int mpy_fs_get(struct mpy_fs *fs, const char *path, bytes *out, eb_err *err)
{
    bytes code = { 0 }, text = { 0 }, tail = { 0 };
    struct mpy_entries e = { 0 };
    struct get_answer a = { 0 };
    const char *args[] = { path };
    int rc = call(&code, "_eb_get", args, 1, ")\n") ? eb_fail(err, EB_IO, "out of memory") : 0;
    if (!rc)
        rc = run(fs, &code, &text, path, err);
    if (!rc) {
        split_get_answer(&text, &a);
        if (bytes_append(&tail, a.hash_line, a.hash_len))
            rc = eb_fail(err, EB_IO, "out of memory");
    }
    if (!rc)
        rc = mpy_parse_entries(&tail, &e, err);
    if (!rc && e.n != 1)
        rc = eb_fail(err, EB_IO, "reading %s: the board's answer was cut short", path);
    if (!rc &&
        (a.hex ? mpy_hex_decode(out, a.body, a.body_len) : b64_decode(out, (const char *)a.body, a.body_len)))
        rc = eb_fail(err, EB_IO, "reading %s: the board sent damaged data; try again", path);
    if (!rc)
        rc = check_against_board(out, &e.v[0], path, err);
    mpy_entries_free(&e);
    bytes_free(&tail);
    bytes_free(&code);
    bytes_free(&text);
    return rc;
}

/* Append one block of file data as a call: _eb_z(b'…') when deflate makes
 * it smaller, else _eb_w(b'…') (bytes: some a2b_base64 refuse str). */
static int add_block(struct mpy_fs *fs, bytes *code, const uint8_t *p, size_t n, struct mpy_put_stats *st)
{
    bytes z = { 0 };
    const uint8_t *src = p;
    size_t len = n;
    const char *fn = "_eb_w(b'";
    if (fs->has_deflate && fs->allow_deflate && n >= 256 && mpy_zlib_block(&z, p, n) > 0 &&
        z.len < n * 9 / 10) {
        src = z.data;
        len = z.len;
        fn = "_eb_z(b'";
        st->deflated = true;
    }
    size_t before = code->len;
    int rc = bytes_append(code, fn, 8) || b64_encode(code, src, len) || bytes_append(code, "')\n", 3);
    st->wire_bytes += code->len - before;
    bytes_free(&z);
    return rc;
}

/* The scratch names of a write; the board's _eb_open and _eb_done derive
 * the same ones from the path (src/mpy/prelude.py.h), which saves sending
 * them: two paths less per file. */
static int put_names(const char *path, char *tmp, char *bak, size_t n)
{
    return (snprintf(tmp, n, "%s.eb-new", path) >= (int)n || snprintf(bak, n, "%s.eb-old", path) >= (int)n)
               ? -1
               : 0;
}

void mpy_put_batch_free(struct mpy_put_batch *b)
{
    for (size_t i = 0; i < b->ntouched; i++)
        free(b->touched[i]);
    free(b->touched);
    bytes_free(&b->code);
    memset(b, 0, sizeof *b);
}

/* Remember that the code in the batch writes `path` (once, in order). */
static int batch_touch(struct mpy_put_batch *b, const char *path, eb_err *err)
{
    if (b->ntouched && strcmp(b->touched[b->ntouched - 1], path) == 0)
        return 0;
    char **v = array_grow(b->touched, b->ntouched, &b->cap, sizeof *v, 8);
    if (!v)
        return eb_fail(err, EB_IO, "out of memory");
    b->touched = v;
    if (!(b->touched[b->ntouched] = strdup(path)))
        return eb_fail(err, EB_IO, "out of memory");
    b->ntouched++;
    return 0;
}

static size_t count_puts(const bytes *out)
{
    size_t n = 0;
    for (size_t i = 0; i + 3 <= out->len; i++)
        if (memcmp(out->data + i, "put", 3) == 0 && (i == 0 || out->data[i - 1] == '\n'))
            n++;
    return n;
}

/* The board refused a write (full, bad path): drop the temporary file, keep
 * the old one, say so. */
static int put_refused(struct mpy_fs *fs, const bytes *tb, const char *path, eb_err *err)
{
    char tmp[1100], bak[1100], why[sizeof err->msg];
    board_error(tb, path, err);
    snprintf(why, sizeof why, "%s", err->msg);
    if (!put_names(path, tmp, bak, sizeof tmp)) {
        bytes code = { 0 };
        eb_err ignored;
        const char *t[] = { tmp };
        if (!call(&code, "_eb_abort", t, 1, ")\n"))
            run(fs, &code, NULL, tmp, &ignored);
        bytes_free(&code);
    }
    return eb_fail(err, EB_PROBLEM, "%s; nothing was changed on the board (the old %s, if any, is kept)", why,
                   path);
}

int mpy_put_batch_flush(struct mpy_fs *fs, struct mpy_put_batch *b, eb_err *err)
{
    if (!b->code.len)
        return 0;
    bytes out = { 0 }, tb = { 0 };
    int rc = mpy_exec(fs->m, b->code.data, b->code.len, NULL, NULL, &out, &tb, err);
    size_t done = count_puts(&out);
    if (!rc && tb.len)
        rc = put_refused(fs, &tb, done < b->ntouched ? b->touched[done] : b->touched[b->ntouched - 1], err);
    bytes_free(&out);
    bytes_free(&tb);
    b->code.len = 0;
    if (!rc && b->sent && b->queued)
        b->sent(b->sent_ctx, b->queued);
    b->queued = 0;
    /* a file whose last block is still to come stays touched */
    size_t keep = b->last_open && b->ntouched ? 1 : 0;
    for (size_t i = 0; i + keep < b->ntouched; i++)
        free(b->touched[i]);
    if (keep)
        b->touched[0] = b->touched[b->ntouched - 1];
    b->ntouched = keep;
    return rc;
}

/* Add one piece of code for `path`, flushing first when the batch is full. */
static int batch_piece(struct mpy_fs *fs, struct mpy_put_batch *b, const bytes *piece, const char *path,
                       eb_err *err)
{
    if (b->code.len && b->code.len + piece->len > PUT_BATCH && mpy_put_batch_flush(fs, b, err))
        return -1;
    if (batch_touch(b, path, err))
        return -1;
    if (bytes_append(&b->code, piece->data, piece->len))
        return eb_fail(err, EB_IO, "out of memory");
    return 0;
}

/* Can code running on the board read stdin? Ask once: it echoes three
 * bytes (unframed, and harmless if they end up at the raw prompt). */
static int probe_binary(struct mpy_fs *fs, eb_err *err)
{
    static const char code[] = "_eb_rxp()\n";
    static const uint8_t three[] = { '\r', 0x00, 0xff }; /* harmless at a raw prompt */
    bytes out = { 0 }, tb = { 0 };
    bool fed = false;
    int rc = mpy_exec_feed(fs->m, code, sizeof code - 1, three, 3, 3, false, 1500, &fed, &out, &tb, err);
    if (!rc) {
        fs->binary = fed && !tb.len && out.len >= 6 && memcmp(out.data, "0d00ff", 6) == 0;
        /* a board that did not read them left the two bytes at its raw prompt: clear the line */
        static const uint8_t clear[] = { 3 };
        if (!fs->binary)
            rc = port_write(fs->m->port, clear, 1, err);
    }
    bytes_free(&out);
    bytes_free(&tb);
    return rc;
}

/* Raw bytes over stdin beat base64 unless deflate shrinks the file well. */
static bool worth_binary(struct mpy_fs *fs, const uint8_t *data, size_t n)
{
    if (!fs->allow_binary || n < 64)
        return false;
    if (!fs->has_deflate || !fs->allow_deflate)
        return true;
    size_t zipped = 0;
    for (size_t off = 0; off < n; off += ZLIB_BLOCK) {
        bytes z = { 0 };
        size_t k = n - off < ZLIB_BLOCK ? n - off : ZLIB_BLOCK;
        long zn = mpy_zlib_block(&z, data + off, k);
        zipped += zn > 0 ? (size_t)zn : k;
        bytes_free(&z);
    }
    return zipped * 4 / 3 > n * 9 / 10;
}

/* One file as raw bytes over stdin, in one round trip. */
static int put_binary(struct mpy_fs *fs, const char *const names[3], const uint8_t *data, size_t n,
                      const char *tail, struct mpy_put_stats *st, eb_err *err)
{
    bytes code = { 0 }, out = { 0 }, tb = { 0 };
    char rx[48];
    bool fed = false;
    snprintf(rx, sizeof rx, "_eb_rx(%zu,%d)\n", n, FEED_BLOCK);
    int rc = call(&code, "_eb_open", names, 1, ")\n") || bytes_append(&code, rx, strlen(rx)) ||
             call(&code, "_eb_done", names, 1, tail);
    rc = rc ? eb_fail(err, EB_IO, "out of memory")
            : mpy_exec_feed(fs->m, code.data, code.len, data, n, FEED_BLOCK, true, fs->m->timeout_ms, &fed,
                            &out, &tb, err);
    if (!rc && tb.len)
        rc = put_refused(fs, &tb, names[0], err);
    else if (!rc && !fed)
        rc = eb_fail(err, EB_IO, "writing %s: the board stopped taking data", names[0]);
    st->wire_bytes += n;
    st->binary = true;
    bytes_free(&code);
    bytes_free(&out);
    bytes_free(&tb);
    return rc;
}

int mpy_put_batch_add(struct mpy_fs *fs, struct mpy_put_batch *b, const char *path, const uint8_t *data,
                      size_t n, struct mpy_put_stats *st, eb_err *err)
{
    char tmp[1100], bak[1100], hex[65], tail[96];
    struct mpy_put_stats local = { 0 };
    if (!st)
        st = &local;
    if (put_names(path, tmp, bak, sizeof tmp))
        return eb_fail(err, EB_USAGE, "board path too long: %s", path);
    mpy_sha256_hex(data, n, hex);
    snprintf(tail, sizeof tail, ",%zu,'%s')\n", n, hex);
    const char *names[] = { path, tmp, bak };
    size_t block = fs->has_deflate && fs->allow_deflate ? ZLIB_BLOCK : PUT_BLOCK;
    size_t off = 0;
    int rc = 0;
    if (worth_binary(fs, data, n)) {
        if (fs->binary < 0 && (mpy_put_batch_flush(fs, b, err) || probe_binary(fs, err)))
            return -1;
        if (fs->binary == 1 &&
            (mpy_put_batch_flush(fs, b, err) || put_binary(fs, names, data, n, tail, st, err)))
            return -1;
        if (fs->binary == 1 && b->sent)
            b->sent(b->sent_ctx, n);
        if (fs->binary == 1)
            return 0;
    }
    do {
        bytes piece = { 0 };
        size_t k = n - off < block ? n - off : block;
        int oom = (off == 0 && call(&piece, "_eb_open", names, 1, ")\n")) ||
                  (k && add_block(fs, &piece, data + off, k, st));
        off += k;
        oom = oom || (off == n && call(&piece, "_eb_done", names, 1, tail));
        b->last_open = off < n;
        rc = oom ? eb_fail(err, EB_IO, "out of memory") : batch_piece(fs, b, &piece, path, err);
        b->queued += k;
        bytes_free(&piece);
    } while (!rc && off < n);
    return rc;
}

int mpy_fs_put(struct mpy_fs *fs, const char *path, const uint8_t *data, size_t n, struct mpy_put_stats *st,
               eb_err *err)
{
    struct mpy_put_batch b = { 0 };
    int rc = mpy_put_batch_add(fs, &b, path, data, n, st, err) || mpy_put_batch_flush(fs, &b, err) ? -1 : 0;
    mpy_put_batch_free(&b);
    return rc;
}

static int simple(struct mpy_fs *fs, const char *fmt_fn, const char *path, const char *tail, eb_err *err)
{
    bytes code = { 0 };
    const char *args[] = { path };
    int rc = call(&code, fmt_fn, args, 1, tail) ? eb_fail(err, EB_IO, "out of memory")
                                                : run(fs, &code, NULL, path, err);
    bytes_free(&code);
    return rc;
}

int mpy_fs_rm(struct mpy_fs *fs, const char *path, bool recursive, eb_err *err)
{
    return simple(fs, "_eb_rm", path, recursive ? ",1)\n" : ",0)\n", err);
}

int mpy_fs_mkdir(struct mpy_fs *fs, const char *path, eb_err *err)
{
    return simple(fs, "os.mkdir", path, ")\n", err);
}

int mpy_fs_rmdir(struct mpy_fs *fs, const char *path, eb_err *err)
{
    return simple(fs, "os.rmdir", path, ")\n", err);
}

int mpy_fs_rename(struct mpy_fs *fs, const char *from, const char *to, eb_err *err)
{
    bytes code = { 0 };
    const char *args[] = { from, to };
    int rc = call(&code, "os.rename", args, 2, ")\n") ? eb_fail(err, EB_IO, "out of memory")
                                                      : run(fs, &code, NULL, from, err);
    bytes_free(&code);
    return rc;
}

int mpy_fs_move(struct mpy_fs *fs, const char *from, const char *to, eb_err *err)
{
    char src[1100], dst[1100], dest[1200];
    char type = '-';
    if (mpy_fs_abs_path(fs, from, src, sizeof src) || mpy_fs_abs_path(fs, to, dst, sizeof dst))
        return eb_fail(err, EB_USAGE, "board path too long: %s", strlen(from) > strlen(to) ? from : to);
    if (mpy_fs_is_mount(fs, src))
        return eb_fail(err, EB_PROBLEM, "%s is a filesystem root or mount point; it cannot be moved", src);
    if (mpy_fs_type(fs, dst, &type, err))
        return -1;
    if (type == 'd')
        snprintf(dest, sizeof dest, "%s%s%s", dst, strcmp(dst, "/") ? "/" : "", strrchr(src, '/') + 1);
    else
        snprintf(dest, sizeof dest, "%s", dst);
    size_t n = strlen(src);
    if (strcmp(dest, src) == 0 || (strncmp(dest, src, n) == 0 && dest[n] == '/'))
        return eb_fail(err, EB_PROBLEM, "cannot move %s into itself (%s); give a destination outside it", src,
                       dest);
    return mpy_fs_rename(fs, src, dest, err);
}

int mpy_fs_copy(struct mpy_fs *fs, const char *from, const char *to, eb_err *err)
{
    char tmp[1100], bak[1100];
    if (put_names(to, tmp, bak, sizeof tmp))
        return eb_fail(err, EB_USAGE, "board path too long: %s", to);
    bytes code = { 0 };
    const char *args[] = { from, to, tmp, bak };
    int rc = call(&code, "_eb_cp", args, 4, ")\n") ? eb_fail(err, EB_IO, "out of memory")
                                                   : run(fs, &code, NULL, from, err);
    bytes_free(&code);
    return rc;
}

int mpy_fs_df(struct mpy_fs *fs, const char *path, uint64_t *total, uint64_t *free_bytes, eb_err *err)
{
    bytes code = { 0 }, text = { 0 };
    const char *args[] = { path };
    int rc = call(&code, "_eb_df", args, 1, ")\n") ? eb_fail(err, EB_IO, "out of memory")
                                                   : run(fs, &code, &text, path, err);
    unsigned long long t = 0, f = 0;
    if (!rc && (bytes_append_byte(&text, 0) || sscanf((char *)text.data, "%llu %llu", &t, &f) != 2))
        rc = eb_fail(err, EB_IO, "the board's answer to statvfs was not understood");
    *total = t;
    *free_bytes = f;
    bytes_free(&code);
    bytes_free(&text);
    return rc;
}

bool mpy_fs_is_scratch(const char *path, size_t *base_len)
{
    size_t n = strlen(path);
    if (n > 7 && (strcmp(path + n - 7, ".eb-new") == 0 || strcmp(path + n - 7, ".eb-old") == 0)) {
        if (base_len)
            *base_len = n - 7;
        return true;
    }
    return false;
}

int mpy_fs_recover(struct mpy_fs *fs, const char *path, eb_err *err)
{
    char tmp[1100], bak[1100];
    if (put_names(path, tmp, bak, sizeof tmp))
        return eb_fail(err, EB_USAGE, "board path too long: %s", path);
    const char *names[] = { path, tmp, bak };
    bytes code = { 0 };
    int rc = call(&code, "_eb_fix", names, 3, ")\n") ? eb_fail(err, EB_IO, "out of memory")
                                                     : run(fs, &code, NULL, path, err);
    bytes_free(&code);
    return rc;
}

/* Drop the last component of the absolute path held in out[0..*len). */
static void path_pop(char *out, size_t *len)
{
    while (*len > 1 && out[*len - 1] != '/')
        (*len)--;
    if (*len > 1)
        (*len)--;
    out[*len] = 0;
}

int mpy_fs_abs_path(const struct mpy_fs *fs, const char *path, char *out, size_t n)
{
    char buf[1200];
    int w = path[0] == '/' ? snprintf(buf, sizeof buf, "%s", path)
                           : snprintf(buf, sizeof buf, "%s/%s", fs->cwd[0] ? fs->cwd : "/", path);
    if (w < 0 || (size_t)w >= sizeof buf || n < 2)
        return -1;
    size_t len = 1;
    out[0] = '/';
    out[1] = 0;
    for (char *save = NULL, *part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0) {
            path_pop(out, &len);
            continue;
        }
        size_t pl = strlen(part);
        if (len + pl + 2 > n)
            return -1;
        if (len > 1)
            out[len++] = '/';
        memcpy(out + len, part, pl + 1);
        len += pl;
    }
    return 0;
}

bool mpy_fs_is_mount(const struct mpy_fs *fs, const char *abs)
{
    if (strcmp(abs, "/") == 0 || strcmp(abs, fs->root) == 0)
        return true;
    /* where "/" only holds mounted filesystems (LoBo), each top-level folder is one */
    return strcmp(fs->root, "/") != 0 && strchr(abs + 1, '/') == NULL;
}

int mpy_fs_check_not_mount(const struct mpy_fs *fs, const char *path, const char *flag, eb_err *err)
{
    char abs[1100];
    if (mpy_fs_abs_path(fs, path, abs, sizeof abs))
        return eb_fail(err, EB_USAGE, "board path too long: %s", path);
    if (!mpy_fs_is_mount(fs, abs))
        return 0;
    return eb_fail(err, EB_PROBLEM,
                   "refusing to delete everything in %s: it is %s; add %s if you really mean to empty it",
                   abs, strcmp(abs, "/") == 0 ? "the board's filesystem root" : "a mount point", flag);
}

int mpy_fs_empty(struct mpy_fs *fs, const char *path, eb_err *err)
{
    struct mpy_entries e = { 0 };
    char abs[1100];
    if (mpy_fs_abs_path(fs, path, abs, sizeof abs))
        return eb_fail(err, EB_USAGE, "board path too long: %s", path);
    int rc = mpy_fs_list(fs, abs, false, &e, err);
    for (size_t i = 0; !rc && i < e.n; i++)
        if (e.v[i].type != 'd' || !mpy_fs_is_mount(fs, e.v[i].path))
            rc = mpy_fs_rm(fs, e.v[i].path, true, err);
    mpy_entries_free(&e);
    return rc;
}
