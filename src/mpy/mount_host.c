/* mount_host.c - the board's file requests carried out in the host folder. */
#include "mpy/mount_host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* MicroPython's errno values are Linux's for these; anything else is EIO. */
static unsigned board_errno(int e)
{
    static const int same[] = { EPERM,  ENOENT, EIO,    EBADF,        EACCES,    EEXIST, ENOTDIR,
                                EISDIR, EINVAL, ENOSPC, ENAMETOOLONG, ENOTEMPTY, EMFILE };
    for (size_t i = 0; i < sizeof same / sizeof *same; i++)
        if (e == same[i])
            return (unsigned)e;
    return EIO;
}

int mount_host_open(struct mount_host *h, const char *dir, eb_err *err)
{
    struct stat st;
    memset(h, 0, sizeof *h);
    for (int i = 0; i < MOUNT_MAX_FDS; i++)
        h->files[i].fd = -1;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || !realpath(dir, h->root))
        return eb_fail(err, EB_IO, "%s is not a folder on this computer; give the folder to mount", dir);
    return 0;
}

static bool inside(const char *root, const char *real)
{
    size_t n = strlen(root);
    return strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/' || strcmp(root, "/") == 0);
}

/* The host path of a board path, or an errno: no ".." part, and the
 * deepest part that exists, symlinks resolved, is inside the folder. */
static int resolve(const struct mount_host *h, const char *board_path, char *out, size_t n)
{
    for (const char *s = board_path; *s;) {
        size_t k = strcspn(s, "/");
        if (k == 2 && s[0] == '.' && s[1] == '.')
            return EACCES;
        s += k + (s[k] == '/');
    }
    while (*board_path == '/')
        board_path++;
    if (snprintf(out, n, "%s/%s", h->root, board_path) >= (int)n)
        return ENAMETOOLONG;
    char probe[PATH_MAX + 1], real[PATH_MAX + 1];
    struct stat st;
    snprintf(probe, sizeof probe, "%s", out);
    while (lstat(probe, &st) != 0) {
        char *slash = strrchr(probe, '/');
        if (!slash || slash == probe)
            return ENOENT;
        *slash = '\0';
    }
    if (!realpath(probe, real))
        return board_errno(errno);
    return inside(h->root, real) ? 0 : EACCES;
}

static void do_stat(const char *path, unsigned *status, bytes *out)
{
    struct stat st;
    char line[96];
    if (stat(path, &st) != 0) {
        *status = board_errno(errno);
        return;
    }
    int k = snprintf(line, sizeof line, "%u %lld %lld", S_ISDIR(st.st_mode) ? 0x4000u : 0x8000u,
                     (long long)st.st_size, (long long)st.st_mtime);
    bytes_append(out, line, (size_t)k);
}

static void do_list(const char *path, unsigned *status, bytes *out)
{
    DIR *d = opendir(path);
    if (!d) {
        *status = board_errno(errno);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        char full[PATH_MAX + 1];
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 || strchr(de->d_name, '\n') ||
            snprintf(full, sizeof full, "%s/%s", path, de->d_name) >= (int)sizeof full ||
            stat(full, &st) != 0)
            continue;
        bytes_append_byte(out, S_ISDIR(st.st_mode) ? 'd' : 'f');
        bytes_append(out, de->d_name, strlen(de->d_name));
        bytes_append_byte(out, '\n');
    }
    closedir(d);
}

/* A write goes to a temporary file next to its target ('a': a copy of it). */
static int open_for_write(struct mount_file *f, const char *path, char mode)
{
    size_t n = strlen(path) + 24;
    if (!(f->tmp = malloc(n)) || !(f->final = strdup(path)))
        return ENOSPC;
    snprintf(f->tmp, n, "%s.espburn-XXXXXX", path);
    if ((f->fd = mkstemp(f->tmp)) < 0)
        return board_errno(errno);
    f->write = true;
    struct stat st; /* mkstemp makes it private: keep the old file's mode, or the usual one */
    fchmod(f->fd, stat(path, &st) == 0 ? st.st_mode & 07777 : 0644);
    int src = mode == 'a' ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    char buf[8192];
    ssize_t k;
    while (src >= 0 && (k = read(src, buf, sizeof buf)) > 0)
        if (write(f->fd, buf, (size_t)k) != k)
            break;
    if (src >= 0)
        close(src);
    return 0;
}

static void drop(struct mount_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp && f->write)
        unlink(f->tmp);
    free(f->tmp);
    free(f->final);
    *f = (struct mount_file){ .fd = -1 };
}

static void do_open(struct mount_host *h, const char *path, char mode, unsigned *status, bytes *out)
{
    int i = 0;
    while (i < MOUNT_MAX_FDS && h->files[i].fd >= 0)
        i++;
    struct stat st;
    if (i == MOUNT_MAX_FDS) {
        *status = EMFILE;
        return;
    }
    struct mount_file *f = &h->files[i];
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        *status = EISDIR;
    else if (mode == 'r')
        *status = (f->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ? board_errno(errno) : 0;
    else
        *status = open_for_write(f, path, mode);
    if (*status) {
        drop(f);
        return;
    }
    char line[8];
    bytes_append(out, line, (size_t)snprintf(line, sizeof line, "%d", i));
}

static void do_io(struct mount_host *h, const struct mount_req *r, unsigned *status, bytes *out)
{
    struct mount_file *f = &h->files[r->fd];
    if (f->fd < 0 || (r->op == MOUNT_READ) == f->write) {
        *status = EBADF;
        return;
    }
    if (r->op == MOUNT_WRITE) {
        for (size_t done = 0; done < r->arg_len;) {
            ssize_t k = write(f->fd, r->arg + done, r->arg_len - done);
            if (k <= 0) {
                *status = k < 0 ? board_errno(errno) : ENOSPC;
                return;
            }
            done += (size_t)k;
        }
        return;
    }
    uint8_t buf[MOUNT_READ_MAX];
    ssize_t k = read(f->fd, buf, r->n < sizeof buf ? r->n : sizeof buf);
    if (k < 0)
        *status = board_errno(errno);
    else
        bytes_append(out, buf, (size_t)k);
}

/* Closing a written file puts it in place, whole. */
static void do_close(struct mount_host *h, unsigned fd, unsigned *status)
{
    struct mount_file *f = &h->files[fd];
    if (f->fd < 0) {
        *status = EBADF;
        return;
    }
    if (f->write) {
        bool ok = fsync(f->fd) == 0;
        ok = close(f->fd) == 0 && ok;
        f->fd = -1;
        if (!ok || rename(f->tmp, f->final) != 0)
            *status = board_errno(errno);
        else
            f->write = false; /* nothing left to remove */
    }
    drop(f);
}

static unsigned path_op(enum mount_op op, const char *a, const char *b)
{
    int rc = op == MOUNT_MKDIR    ? mkdir(a, 0777)
             : op == MOUNT_REMOVE ? unlink(a)
             : op == MOUNT_RMDIR  ? rmdir(a)
                                  : rename(a, b);
    return rc ? board_errno(errno) : 0;
}

void mount_host_do(struct mount_host *h, const struct mount_req *r, unsigned *status, bytes *out)
{
    char a[PATH_MAX + 1], b[PATH_MAX + 1];
    *status = 0;
    if (r->op == MOUNT_READ || r->op == MOUNT_WRITE) {
        do_io(h, r, status, out);
        return;
    }
    if (r->op == MOUNT_CLOSE) {
        do_close(h, r->fd, status);
        return;
    }
    if ((*status = (unsigned)resolve(h, r->path, a, sizeof a)) != 0)
        return;
    if (r->op == MOUNT_RENAME && (*status = (unsigned)resolve(h, r->path2, b, sizeof b)) != 0)
        return;
    if (r->op == MOUNT_STAT)
        do_stat(a, status, out);
    else if (r->op == MOUNT_LIST)
        do_list(a, status, out);
    else if (r->op == MOUNT_OPEN)
        do_open(h, a, r->mode, status, out);
    else
        *status = path_op(r->op, a, b);
}

void mount_host_close(struct mount_host *h)
{
    for (int i = 0; i < MOUNT_MAX_FDS; i++)
        if (h->files[i].fd >= 0 || h->files[i].tmp)
            drop(&h->files[i]);
}
