/* datadir.c - the look-up of espburn's run-time data (see datadir.h). */
#include "common/datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ESPBURN_SOURCE_DIR
#define ESPBURN_SOURCE_DIR ""
#endif

/* <directory of the running executable>/../share/espburn */
static bool exe_share_dir(char *out, size_t n)
{
    char exe[1024];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0)
        return false;
    exe[k] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';
    return (size_t)snprintf(out, n, "%s/../share/espburn", exe) < n;
}

static bool copy_root(const char *s, char *out, size_t n)
{
    return s && *s && (size_t)snprintf(out, n, "%s", s) < n;
}

bool datadir_root(int i, char *out, size_t n)
{
    const char *src = getenv("ESPBURN_SOURCE_DIR");
    switch (i) {
    case 0: return copy_root(getenv("ESPBURN_DATA_DIR"), out, n);
    case 1: return exe_share_dir(out, n);
    case 2: return copy_root(src ? src : ESPBURN_SOURCE_DIR, out, n);
    default: return false;
    }
}

bool datadir_find(const char *rel, char *out, size_t n)
{
    for (int i = 0; i < DATADIR_ROOTS; i++) {
        char root[1024];
        struct stat st;
        if (!datadir_root(i, root, sizeof root))
            continue;
        if ((size_t)snprintf(out, n, "%s/%s", root, rel) < n && stat(out, &st) == 0)
            return true;
    }
    return false;
}

void datadir_describe(char *out, size_t n)
{
    static const char *const names[DATADIR_ROOTS] = { "$ESPBURN_DATA_DIR", "PREFIX/share/espburn",
                                                      "the source tree" };
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < DATADIR_ROOTS && used < n; i++) {
        char root[1024];
        const char *shown = datadir_root(i, root, sizeof root) ? root : names[i];
        used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ", " : "", shown);
    }
}
