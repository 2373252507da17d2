/* plan_fsdir.c - a host folder, less the ignored paths, as a filesystem tree. */
#include "plan/plan_fsdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "common/bytes.h"
#include "common/file.h"

#define MAX_FILE (64u << 20)

static int keep_data(struct plan_fsdir *w, bytes *b)
{
    bytes *v = array_grow(w->data, w->ndata, &w->capdata, sizeof *v, 64);
    if (!v)
        return -1;
    w->data = v;
    w->data[w->ndata++] = *b;
    return 0;
}

static int note_skip(struct plan_fsdir *w, const char *rel, const struct ignore_rule *rule, bool dir)
{
    struct plan_fsdir_skip *v = array_grow(w->skip, w->nskip, &w->capskip, sizeof *v, 16);
    if (!v)
        return -1;
    w->skip = v;
    char *name = strdup(rel);
    if (!name)
        return -1;
    w->skip[w->nskip++] = (struct plan_fsdir_skip){ name, rule, dir };
    return 0;
}

static int load_rules(struct plan_fsdir *w, const char *abs, const char *rel, eb_err *err)
{
    char path[4096], source[4096];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", abs, IGNORE_FILE_NAME) >= (int)sizeof path ||
        snprintf(source, sizeof source, "%s%s", rel, IGNORE_FILE_NAME) >= (int)sizeof source)
        return eb_fail(err, EB_USAGE, "%s: path too long", abs);
    if (!w->use_ignore || stat(path, &st) != 0)
        return 0;
    bytes b = { 0 };
    /* the rule's source string must outlive the rules: keep it with the data */
    bytes name = { 0 };
    if (file_read(path, 1 << 20, &b, err) || bytes_append(&name, source, strlen(source) + 1) ||
        keep_data(w, &name))
        return bytes_free(&b), bytes_free(&name), -1;
    int rc = ignore_add_text(&w->rules, (const char *)b.data, b.len, (const char *)name.data, rel, err);
    bytes_free(&b);
    return rc;
}

static int walk_dir(struct plan_fsdir *w, const char *abs, const char *rel, eb_err *err);

static int take(struct plan_fsdir *w, const char *abs, const char *rel, eb_err *err)
{
    struct stat st;
    if (stat(abs, &st) != 0)
        return eb_fail(err, EB_IO, "%s: %s", abs, strerror(errno));
    bool dir = S_ISDIR(st.st_mode);
    if (!dir && !S_ISREG(st.st_mode))
        return 0; /* sockets, devices, fifos: not files to deploy */
    const struct ignore_rule *rule = w->use_ignore ? ignore_rule_for(&w->rules, rel, dir) : NULL;
    if (rule && !rule->negate)
        return note_skip(w, rel, rule, dir) ? eb_fail(err, EB_IO, "out of memory") : 0;
    if (dir) {
        char sub[4096];
        if (snprintf(sub, sizeof sub, "%s/", rel) >= (int)sizeof sub)
            return eb_fail(err, EB_USAGE, "%s: path too long", abs);
        return fs_tree_add(&w->tree, rel, true, NULL, 0, st.st_mtime, err) || walk_dir(w, abs, sub, err) ? -1
                                                                                                         : 0;
    }
    bytes b = { 0 };
    if (file_read(abs, MAX_FILE, &b, err) || keep_data(w, &b))
        return bytes_free(&b), -1;
    return fs_tree_add(&w->tree, rel, false, b.data, b.len, st.st_mtime, err);
}

static int walk_dir(struct plan_fsdir *w, const char *abs, const char *rel, eb_err *err)
{
    if (load_rules(w, abs, rel, err))
        return -1;
    struct dirent **names;
    int n = scandir(abs, &names, NULL, alphasort), rc = 0;
    if (n < 0)
        return eb_fail(err, EB_IO, "%s: %s", abs, strerror(errno));
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (rc == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
            char a[4096], r[4096];
            if (snprintf(a, sizeof a, "%s/%s", abs, name) >= (int)sizeof a ||
                snprintf(r, sizeof r, "%s%s", rel, name) >= (int)sizeof r)
                rc = eb_fail(err, EB_USAGE, "%s/%s: path too long", abs, name);
            else
                rc = take(w, a, r, err);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

void plan_fsdir_free(struct plan_fsdir *w)
{
    for (size_t i = 0; i < w->ndata; i++)
        bytes_free(&w->data[i]);
    for (size_t i = 0; i < w->nskip; i++)
        free(w->skip[i].path);
    free(w->data), free(w->skip);
    fs_tree_free(&w->tree);
    ignore_free(&w->rules);
}

int plan_fsdir_read(struct plan_fsdir *w, const char *dir, bool use_ignore, eb_err *err)
{
    memset(w, 0, sizeof *w);
    w->use_ignore = use_ignore;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return eb_fail(err, EB_USAGE, "%s is not a folder; give the folder whose files go into the image",
                       dir);
    if (use_ignore && ignore_add_defaults(&w->rules, err))
        return -1;
    return walk_dir(w, dir, "", err);
}

/* The filesystem's time for a file written from it (none kept: left as written). */
static void set_mtime(const char *path, int64_t mtime)
{
    if (mtime < 0)
        return;
    struct timespec t[2] = { { .tv_sec = (time_t)mtime }, { .tv_sec = (time_t)mtime } };
    utimensat(AT_FDCWD, path, t, 0);
}

static bool safe_name(const char *name)
{
    return name[0] && !strchr(name, '/') && strcmp(name, "..") != 0 && strcmp(name, ".") != 0;
}

int plan_fsdir_write(struct fs_vol *v, const struct fs_node *n, const char *local, size_t *files,
                     uint64_t *nbytes, eb_err *err)
{
    if (!n->dir) {
        bytes b = { 0 };
        int rc = fs_read(v, n, &b, err) || file_write_atomic(local, b.data, b.len, err) ? -1 : 0;
        if (rc == 0)
            set_mtime(local, n->mtime), *files += 1, *nbytes += b.len;
        bytes_free(&b);
        return rc;
    }
    if (mkdir(local, 0755) != 0 && errno != EEXIST)
        return eb_fail(err, EB_IO, "cannot make folder %s: %s", local, strerror(errno));
    for (size_t i = 0; i < n->nkids; i++) {
        const char *kn = n->kids[i].name;
        char p[4096];
        if (!safe_name(kn))
            return eb_fail(err, EB_PROBLEM, "refusing a file name that leaves the target folder: '%s'", kn);
        if (snprintf(p, sizeof p, "%s/%s", local, kn) >= (int)sizeof p)
            return eb_fail(err, EB_IO, "%s/%s: path too long", local, kn);
        if (plan_fsdir_write(v, &n->kids[i], p, files, nbytes, err))
            return -1;
    }
    set_mtime(local, n->mtime); /* after its children: writing them changed it */
    return 0;
}
