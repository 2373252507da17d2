/* file.c - whole-file reads and atomic writes. */
#include "common/file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read(const char *path, size_t max, bytes *out, eb_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return eb_fail(err, EB_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return eb_fail(err, EB_IO, "%s is a folder, not a file", path);
    }
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > max) {
            fclose(f);
            bytes_free(out);
            return eb_fail(err, EB_IO, "%s is larger than %zu bytes; is it really firmware?", path, max);
        }
        if (bytes_append(out, chunk, n)) {
            fclose(f);
            bytes_free(out);
            return eb_fail(err, EB_IO, "out of memory reading %s", path);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        bytes_free(out);
        return eb_fail(err, EB_IO, "error reading %s", path);
    }
    return 0;
}

int file_write_atomic(const char *path, const void *data, size_t n, eb_err *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return eb_fail(err, EB_IO, "path too long: %s", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return eb_fail(err, EB_IO, "cannot create %s: %s", tmp, strerror(errno));
    int ok = n == 0 || fwrite(data, 1, n, f) == n;
    ok = (fflush(f) == 0) && ok;
    ok = (fsync(fileno(f)) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return eb_fail(err, EB_IO, "cannot write %s: %s (nothing was changed)", path, strerror(e));
    }
    return 0;
}
