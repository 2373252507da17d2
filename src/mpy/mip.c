/* mip.c - mip install: read the package document, fetch each file (from
 * the index's file store by short hash, or by its URL), check it, write it
 * to the board atomically, then the dependencies. */
#include "mpy/mip.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http.h"
#include "mpy/codec.h"
#include "mpy/sync.h"

#define MIP_DOC_MAX   (1u << 20) /* a package document */
#define MIP_FILE_MAX  (4u << 20) /* one module */
#define MIP_MAX_DEPTH 8          /* dependency chains longer than this are refused */
#define MIP_MAX_PKGS  64         /* packages in one install */

/* ---- the package document --------------------------------------------- */

void mpy_mip_package_free(struct mpy_mip_package *p)
{
    for (size_t i = 0; i < p->nfiles; i++)
        free(p->files[i].path), free(p->files[i].source);
    for (size_t i = 0; i < p->ndeps; i++)
        free(p->deps[i].name), free(p->deps[i].version);
    free(p->files), free(p->deps);
    memset(p, 0, sizeof *p);
}

/* A relative path that stays inside the target folder. */
static bool safe_path(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 200 || p[0] == '/' || p[n - 1] == '/')
        return false;
    for (const char *s = p; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '\\' || *s == '\'' || *s == '"')
            return false;
    for (const char *s = p; s; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL)
        if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
            return false;
    return true;
}

static bool hex_hash(const char *h)
{
    size_t n = strlen(h);
    return n >= 8 && n <= 64 && strspn(h, "0123456789abcdef") == n;
}

/* ["a", "b"]: both strings, or NULL. */
static bool pair(const cJSON *item, const char **a, const char **b)
{
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) < 1)
        return false;
    const cJSON *x = cJSON_GetArrayItem(item, 0), *y = cJSON_GetArrayItem(item, 1);
    *a = cJSON_IsString(x) ? x->valuestring : NULL;
    *b = y ? (cJSON_IsString(y) ? y->valuestring : NULL) : "latest";
    return *a && *b;
}

static int add_files(struct mpy_mip_package *p, const cJSON *arr, bool is_url, eb_err *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        const char *path, *src;
        if (cJSON_GetArraySize(it) < 2 || !pair(it, &path, &src) || !safe_path(path) ||
            (!is_url && !hex_hash(src)))
            return eb_fail(err, EB_PROBLEM, "the package document has a bad %s entry",
                           is_url ? "urls" : "hashes");
        struct mpy_mip_file *v = realloc(p->files, (p->nfiles + 1) * sizeof *v);
        if (!v)
            return eb_fail(err, EB_IO, "out of memory");
        p->files = v;
        v[p->nfiles++] = (struct mpy_mip_file){ strdup(path), strdup(src), is_url };
        if (!v[p->nfiles - 1].path || !v[p->nfiles - 1].source)
            return eb_fail(err, EB_IO, "out of memory");
    }
    return 0;
}

static int add_deps(struct mpy_mip_package *p, const cJSON *arr, eb_err *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        const char *name, *version;
        if (!pair(it, &name, &version) || !*name || strlen(name) > 200)
            return eb_fail(err, EB_PROBLEM, "the package document has a bad deps entry");
        struct mpy_mip_dep *v = realloc(p->deps, (p->ndeps + 1) * sizeof *v);
        if (!v)
            return eb_fail(err, EB_IO, "out of memory");
        p->deps = v;
        v[p->ndeps++] = (struct mpy_mip_dep){ strdup(name), strdup(version) };
        if (!v[p->ndeps - 1].name || !v[p->ndeps - 1].version)
            return eb_fail(err, EB_IO, "out of memory");
    }
    return 0;
}

int mpy_mip_parse_package(const char *json, size_t len, struct mpy_mip_package *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return eb_fail(err, EB_PROBLEM, "the package document is not a JSON object");
    }
    const cJSON *hashes = cJSON_GetObjectItemCaseSensitive(doc, "hashes");
    const cJSON *urls = cJSON_GetObjectItemCaseSensitive(doc, "urls");
    const cJSON *deps = cJSON_GetObjectItemCaseSensitive(doc, "deps");
    int rc = 0;
    if ((hashes && !cJSON_IsArray(hashes)) || (urls && !cJSON_IsArray(urls)) ||
        (deps && !cJSON_IsArray(deps)))
        rc = eb_fail(err, EB_PROBLEM, "the package document's hashes, urls and deps must be lists");
    if (!rc)
        rc =
            add_files(out, hashes, false, err) || add_files(out, urls, true, err) || add_deps(out, deps, err);
    cJSON_Delete(doc);
    if (rc)
        mpy_mip_package_free(out);
    return rc ? -1 : 0;
}

/* ---- installing --------------------------------------------------------- */

struct install {
    struct mpy_fs *fs;
    const struct mpy_mip_opts *o;
    mpy_mip_report cb;
    void *ctx;
    struct mpy_mip_stats *st;
    char *done[MIP_MAX_PKGS]; /* packages installed (or under way) */
    size_t ndone;
};

/* Where a file's bytes come from: the index's file store, a github: or
 * relative URL rewritten, or the URL as given. */
static int source_url(const struct install *in, const char *base, const struct mpy_mip_file *f, char *out,
                      size_t cap)
{
    int w;
    if (!f->is_url)
        w = snprintf(out, cap, "%s/file/%.2s/%s", in->o->index, f->source, f->source);
    else if (strncmp(f->source, "github:", 7) == 0) {
        const char *p = f->source + 7, *s1 = strchr(p, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
        if (!s2)
            return -1;
        w = snprintf(out, cap, "https://raw.githubusercontent.com/%.*s/HEAD%s", (int)(s2 - p), p, s2);
    } else if (http_is_url(f->source) || f->source[0] == '/')
        w = snprintf(out, cap, "%s", f->source);
    else
        w = snprintf(out, cap, "%s/%s", base, f->source);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

/* Fetch one file, check its hash, write it under the target. */
static int install_file(struct install *in, const char *pkg, const char *base, const struct mpy_mip_file *f,
                        eb_err *err)
{
    char url[2048], dest[1024], hex[65];
    if (source_url(in, base, f, url, sizeof url) || mpy_path_join(dest, sizeof dest, in->st->target, f->path))
        return eb_fail(err, EB_PROBLEM, "%s: cannot make a URL or board path for %s", pkg, f->path);
    bytes data = { 0 };
    int rc = http_get(url, MIP_FILE_MAX, &data, err);
    if (!rc && !f->is_url) {
        mpy_sha256_hex(data.data, data.len, hex);
        if (strncmp(hex, f->source, strlen(f->source)) != 0)
            rc = eb_fail(err, EB_PROBLEM, "%s: %s does not match its hash %s; the index is damaged", pkg, url,
                         f->source);
    }
    char *slash = strrchr(dest, '/');
    if (!rc && slash && slash != dest) {
        *slash = '\0';
        rc = mpy_fs_mkdir_parents(in->fs, dest, err);
        *slash = '/';
    }
    struct mpy_put_stats ps = { 0 };
    if (!rc)
        rc = mpy_fs_put(in->fs, dest, data.data, data.len, &ps, err);
    if (!rc) {
        in->st->files++, in->st->bytes += data.len;
        if (in->cb)
            in->cb(in->ctx, pkg, dest, data.len);
    }
    bytes_free(&data);
    return rc;
}

static int install(struct install *in, const char *spec, const char *version, int depth, eb_err *err);

/* The package document's URL and the base its relative URLs are under. */
static int doc_url(const struct install *in, const char *spec, const char *version, char *url, char *base,
                   size_t cap)
{
    int w;
    if (http_is_url(spec) || strstr(spec, ".json")) {
        w = snprintf(url, cap, "%s", spec);
        snprintf(base, cap, "%s", spec);
        char *slash = strrchr(base, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(base, cap, ".");
    } else {
        w = snprintf(url, cap, "%s/package/%s/%s/%s.json", in->o->index, in->st->flavour, spec, version);
        snprintf(base, cap, "%s", in->o->index);
    }
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

/* A URL of one .py/.mpy file: straight into the target. */
static int install_single(struct install *in, const char *url, eb_err *err)
{
    const char *name = strrchr(url, '/');
    struct mpy_mip_file f = { (char *)(name ? name + 1 : url), (char *)url, true };
    if (!safe_path(f.path))
        return eb_fail(err, EB_USAGE, "%s does not end in a file name", url);
    in->st->packages++;
    return install_file(in, url, ".", &f, err);
}

static bool seen(struct install *in, const char *spec)
{
    for (size_t i = 0; i < in->ndone; i++)
        if (strcmp(in->done[i], spec) == 0)
            return true;
    if (in->ndone < MIP_MAX_PKGS)
        in->done[in->ndone++] = strdup(spec);
    return false;
}

static int install(struct install *in, const char *spec, const char *version, int depth, eb_err *err)
{
    size_t n = strlen(spec);
    if (depth > MIP_MAX_DEPTH || in->ndone >= MIP_MAX_PKGS)
        return eb_fail(err, EB_PROBLEM,
                       "%s: the dependencies go too deep or are too many; the index is wrong", spec);
    if (seen(in, spec))
        return 0;
    if (http_is_url(spec) &&
        ((n > 3 && strcmp(spec + n - 3, ".py") == 0) || (n > 4 && strcmp(spec + n - 4, ".mpy") == 0)))
        return install_single(in, spec, err);
    char url[2048], base[2048];
    if (doc_url(in, spec, version, url, base, sizeof url))
        return eb_fail(err, EB_USAGE, "%s: name or index too long", spec);
    bytes doc = { 0 };
    struct mpy_mip_package p = { 0 };
    int rc = http_get(url, MIP_DOC_MAX, &doc, err);
    if (!rc)
        rc = mpy_mip_parse_package((const char *)doc.data, doc.len, &p, err);
    bytes_free(&doc);
    for (size_t i = 0; !rc && i < p.nfiles; i++)
        rc = install_file(in, spec, base, &p.files[i], err);
    for (size_t i = 0; !rc && i < p.ndeps; i++)
        rc = install(in, p.deps[i].name, p.deps[i].version, depth + 1, err);
    if (!rc)
        in->st->packages++;
    mpy_mip_package_free(&p);
    return rc;
}

/* Ask the board which .mpy version it loads ("py" when none, or when
 * asked for sources) and where its lib folder is. */
static int board_facts(struct mpy_fs *fs, const struct mpy_mip_opts *o, struct mpy_mip_stats *st, eb_err *err)
{
    static const char code[] = "import sys\n"
                               "print(getattr(sys.implementation, '_mpy', 0) & 0xff)\n"
                               "print(([p for p in sys.path if p.endswith('/lib')] + [''])[0])\n";
    bytes out = { 0 };
    if (mpy_exec_ok(fs->m, code, sizeof code - 1, &out, err))
        return -1;
    unsigned ver = 0;
    char lib[256] = "";
    bytes_append_byte(&out, 0);
    sscanf((const char *)out.data, "%u %255s", &ver, lib);
    bytes_free(&out);
    if (o->py || ver == 0)
        snprintf(st->flavour, sizeof st->flavour, "py");
    else
        snprintf(st->flavour, sizeof st->flavour, "%u", ver);
    size_t rl = strlen(fs->root);
    bool under_root = strcmp(fs->root, "/") == 0 || (strncmp(lib, fs->root, rl) == 0 && lib[rl] == '/');
    if (o->target)
        snprintf(st->target, sizeof st->target, "%s", o->target);
    else if (lib[0] == '/' && under_root)
        snprintf(st->target, sizeof st->target, "%s", lib);
    else
        mpy_path_join(st->target, sizeof st->target, fs->root, "lib");
    return 0;
}

int mpy_mip_install(struct mpy_fs *fs, const char *spec, const struct mpy_mip_opts *o, mpy_mip_report cb,
                    void *ctx, struct mpy_mip_stats *st, eb_err *err)
{
    memset(st, 0, sizeof *st);
    struct install in = { .fs = fs, .o = o, .cb = cb, .ctx = ctx, .st = st };
    char name[512];
    const char *at = http_is_url(spec) ? NULL : strrchr(spec, '@');
    if (snprintf(name, sizeof name, "%.*s", at ? (int)(at - spec) : (int)strlen(spec), spec) >=
            (int)sizeof name ||
        !name[0])
        return eb_fail(err, EB_USAGE, "give a package name, NAME@VERSION or a URL");
    int rc = board_facts(fs, o, st, err);
    if (!rc)
        rc = install(&in, name, at ? at + 1 : "latest", 0, err);
    for (size_t i = 0; i < in.ndone; i++)
        free(in.done[i]);
    return rc;
}
