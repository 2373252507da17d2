/* dirwatch.c - snapshots of a folder tree compared, with inotify (or a
 * timer) deciding when to take the next one. */
#include "common/dirwatch.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/clock.h"

#define QUIET_MAX_MS 500 /* a save that keeps writing is taken as it is by then */
#define WATCH_EVENTS                                                                                \
    (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | \
     IN_DELETE_SELF)

struct snap_entry {
    char *rel;
    bool dir;
    long long size, mtime_ns;
};
struct snapshot {
    struct snap_entry *v;
    size_t n, cap;
};

struct dirwatch {
    char *root;
    int fd; /* inotify, or -1 when polling */
    int64_t next_poll_ms;
    struct snapshot snap;
};

static void snap_free(struct snapshot *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].rel);
    free(s->v);
    memset(s, 0, sizeof *s);
}

void dirwatch_changes_free(struct dirwatch_changes *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].rel);
    free(c->v);
    memset(c, 0, sizeof *c);
}

static int snap_add(struct snapshot *s, const char *rel, const struct stat *st)
{
    struct snap_entry *v = array_grow(s->v, s->n, &s->cap, sizeof *v, 64);
    if (!v)
        return -1;
    s->v = v;
    struct snap_entry *e = &s->v[s->n];
    if (!(e->rel = strdup(rel)))
        return -1;
    e->dir = S_ISDIR(st->st_mode);
    e->size = e->dir ? 0 : (long long)st->st_size;
    e->mtime_ns = e->dir ? 0 : (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
    s->n++;
    return 0;
}

/* Add the tree below `rel` to the snapshot (and its folders to inotify). */
static int scan(struct dirwatch *w, const char *rel, struct snapshot *s, eb_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", w->root, *rel ? "/" : "", rel);
    if (w->fd >= 0)
        inotify_add_watch(w->fd, path, WATCH_EVENTS); /* already watched: same watch */
    DIR *d = opendir(path);
    if (!d)
        return *rel ? 0 : eb_fail(err, EB_IO, "cannot read the folder %s", w->root); /* gone meanwhile */
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        char r[2048], full[4096];
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= (int)sizeof r)
            continue;
        snprintf(full, sizeof full, "%s/%s", w->root, r);
        if (lstat(full, &st) != 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
            continue; /* symlinks and devices are not followed */
        if (snap_add(s, r, &st))
            rc = eb_fail(err, EB_IO, "out of memory");
        else if (S_ISDIR(st.st_mode))
            rc = scan(w, r, s, err);
    }
    closedir(d);
    return rc;
}

static int by_rel(const void *a, const void *b)
{
    return strcmp(((const struct snap_entry *)a)->rel, ((const struct snap_entry *)b)->rel);
}

static int take_snapshot(struct dirwatch *w, struct snapshot *s, eb_err *err)
{
    if (scan(w, "", s, err)) {
        snap_free(s);
        return -1;
    }
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, by_rel);
    return 0;
}

int dirwatch_open(const char *root, bool force_poll, struct dirwatch **out, eb_err *err)
{
    struct dirwatch *w = calloc(1, sizeof *w);
    if (!w || !(w->root = strdup(root))) {
        free(w);
        return eb_fail(err, EB_IO, "out of memory");
    }
    w->fd = force_poll ? -1 : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (take_snapshot(w, &w->snap, err)) {
        dirwatch_close(w);
        return -1;
    }
    w->next_poll_ms = eb_now_ms() + DIRWATCH_POLL_MS;
    *out = w;
    return 0;
}

bool dirwatch_polling(const struct dirwatch *w)
{
    return w->fd < 0;
}

static int change_add(struct dirwatch_changes *c, const struct snap_entry *e, enum dirwatch_kind k)
{
    struct dirwatch_change *v = array_grow(c->v, c->n, &c->cap, sizeof *v, 16);
    if (!v)
        return -1;
    c->v = v;
    if (!(c->v[c->n].rel = strdup(e->rel)))
        return -1;
    c->v[c->n].dir = e->dir;
    c->v[c->n++].kind = k;
    return 0;
}

/* Merge the two sorted snapshots: what is only in the new one was added,
 * only in the old one removed, in both but different changed. */
static int diff(const struct snapshot *a, const struct snapshot *b, struct dirwatch_changes *c)
{
    size_t i = 0, j = 0;
    int rc = 0;
    while (!rc && (i < a->n || j < b->n)) {
        int cmp = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i].rel, b->v[j].rel);
        if (cmp < 0) {
            rc = change_add(c, &a->v[i++], DIRWATCH_REMOVED);
        } else if (cmp > 0) {
            rc = change_add(c, &b->v[j++], DIRWATCH_ADDED);
        } else {
            const struct snap_entry *x = &a->v[i++], *y = &b->v[j++];
            if (x->dir != y->dir)
                rc = change_add(c, y, DIRWATCH_ADDED); /* a file became a folder or back */
            else if (x->size != y->size || x->mtime_ns != y->mtime_ns)
                rc = change_add(c, y, DIRWATCH_CHANGED);
        }
    }
    return rc;
}

/* Read inotify events until none come for DIRWATCH_QUIET_MS; 1 when any
 * came within timeout_ms. */
static int settle(int fd, int timeout_ms)
{
    char buf[8192];
    int got = 0;
    int64_t end = eb_now_ms() + QUIET_MAX_MS;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (poll(&p, 1, got ? DIRWATCH_QUIET_MS : timeout_ms) > 0) {
        while (read(fd, buf, sizeof buf) > 0)
            got = 1;
        if (eb_now_ms() >= end)
            break;
    }
    return got;
}

int dirwatch_wait(struct dirwatch *w, int timeout_ms, struct dirwatch_changes *out, eb_err *err)
{
    int64_t noticed = eb_now_ms();
    if (w->fd >= 0) {
        if (!settle(w->fd, timeout_ms))
            return 0;
    } else {
        int left = (int)(w->next_poll_ms - noticed);
        if (left > timeout_ms) {
            eb_sleep_ms(timeout_ms);
            return 0;
        }
        eb_sleep_ms(left);
        w->next_poll_ms = eb_now_ms() + DIRWATCH_POLL_MS;
        noticed = eb_now_ms();
    }
    struct snapshot now = { 0 };
    if (take_snapshot(w, &now, err))
        return -1;
    out->first_ms = noticed;
    if (diff(&w->snap, &now, out)) {
        snap_free(&now);
        return eb_fail(err, EB_IO, "out of memory");
    }
    snap_free(&w->snap);
    w->snap = now;
    return out->n > 0;
}

void dirwatch_close(struct dirwatch *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    snap_free(&w->snap);
    free(w->root);
    free(w);
}
