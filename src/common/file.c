/* file.c - whole-file reads and atomic writes. */
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
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

/* Where a write to `path` lands: symlinks followed (even dangling ones,
 * whose target is then created). -1 on a loop or a name too long. */
static int resolve_links(const char *path, char *out, size_t n)
{
    if (snprintf(out, n, "%s", path) >= (int)n)
        return -1;
    for (int depth = 0; depth < 40; depth++) {
        struct stat st;
        char link[4096];
        if (lstat(out, &st) != 0 || !S_ISLNK(st.st_mode))
            return 0;
        ssize_t k = readlink(out, link, sizeof link - 1);
        if (k < 0)
            return -1;
        link[k] = 0;
        char *slash = strrchr(out, '/');
        if (link[0] == '/' || !slash) {
            if (snprintf(out, n, "%s", link) >= (int)n)
                return -1;
        } else if ((size_t)(slash + 1 - out) + (size_t)k >= n) {
            return -1;
        } else {
            memcpy(slash + 1, link, (size_t)k + 1);
        }
    }
    errno = ELOOP;
    return -1;
}

static int write_all(int fd, const void *data, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, (const char *)data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* A device or FIFO: written through, as a shell redirection would. */
static int write_through(const char *path, const void *data, size_t n, eb_err *err)
{
    int fd = open(path, O_WRONLY | O_NOCTTY);
    if (fd < 0)
        return eb_fail(err, EB_IO, "cannot open %s: %s", path, strerror(errno));
    int bad = write_all(fd, data, n) ? errno : 0;
    if (close(fd) != 0 && !bad)
        bad = errno;
    if (bad)
        return eb_fail(err, EB_IO, "cannot write %s: %s", path, strerror(bad));
    return 0;
}

/* A regular file: a new file beside it (unpredictable name, O_EXCL), synced,
 * then renamed over it; the old file's permissions are kept. */
static int replace_file(const char *path, const struct stat *old, const void *data, size_t n, eb_err *err)
{
    char tmp[4200];
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    snprintf(tmp, sizeof tmp, "%.*s.%s.XXXXXX", dir_len, path, path + dir_len);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return eb_fail(err, EB_IO, "cannot create a file beside %s: %s", path, strerror(errno));
    mode_t mask = umask(0);
    umask(mask);
    int bad = fchmod(fd, old ? old->st_mode & 07777 : 0666 & ~mask) || write_all(fd, data, n) || fsync(fd)
                  ? errno
                  : 0;
    if (close(fd) != 0 && !bad)
        bad = errno;
    if (!bad && rename(tmp, path) != 0)
        bad = errno;
    if (!bad)
        return 0;
    unlink(tmp);
    return eb_fail(err, EB_IO, "cannot write %s: %s (nothing was changed)", path, strerror(bad));
}

int file_write_atomic(const char *path, const void *data, size_t n, eb_err *err)
{
    char target[4096];
    struct stat st;
    if (resolve_links(path, target, sizeof target))
        return eb_fail(err, EB_IO, "cannot follow the link %s: %s", path, strerror(errno));
    if (stat(target, &st) != 0)
        return replace_file(target, NULL, data, n, err);
    if (S_ISDIR(st.st_mode))
        return eb_fail(err, EB_IO, "%s is a folder; name a file to write", path);
    if (!S_ISREG(st.st_mode))
        return write_through(target, data, n, err);
    return replace_file(target, &st, data, n, err);
}
