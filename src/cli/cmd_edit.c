/* cmd_edit.c - `espburn edit :FILE`: fetch a board file, open it in the
 * user's editor, and put it back (atomically, verified) when it changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_mpy.h"
#include "common/file.h"

/* Run $VISUAL, $EDITOR or vi on `path` through the shell (so EDITOR may
 * hold options); 0 when it exited with status 0. */
static int run_editor(const char *path, eb_err *err)
{
    const char *ed = getenv("VISUAL");
    if (!ed || !*ed)
        ed = getenv("EDITOR");
    if (!ed || !*ed)
        ed = "vi";
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "$0 \"$1\"", ed, path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return eb_fail(err, EB_IO, "cannot start the editor %s", ed);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return eb_fail(err, EB_PROBLEM, "the editor (%s) failed; the board file is unchanged", ed);
    return 0;
}

/* A private copy of the file, named like it (so the editor picks the syntax). */
static int temp_copy(const char *remote, const bytes *data, char *path, size_t cap, eb_err *err)
{
    const char *tmp = getenv("TMPDIR");
    const char *base = cli_mpy_basename(remote);
    snprintf(path, cap, "%s/espburn-edit-XXXXXX-%s", tmp && *tmp ? tmp : "/tmp", base);
    int fd = mkstemps(path, (int)strlen(base) + 1);
    if (fd < 0)
        return eb_fail(err, EB_IO, "cannot make a temporary file for %s", remote);
    close(fd);
    return file_write_atomic(path, data->data, data->len, err);
}

/* What happened: a line, or with --json the document. */
static void report(const struct cli_mpy *c, const char *remote, bool changed, size_t size)
{
    if (!c->json) {
        printf("edit :%s: %s\n", remote, changed ? "saved" : "unchanged, not written");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", remote);
    cJSON_AddBoolToObject(o, "changed", changed);
    cJSON_AddNumberToObject(o, "size", (double)size);
    cli_print_json(o);
}

/* Fetch, edit, compare, put back: the steps after connecting. */
static int edit(struct cli_mpy *c, const char *remote, eb_err *err)
{
    bytes before = { 0 }, after = { 0 };
    struct mpy_put_stats st = { 0 };
    char path[4096];
    int rc = mpy_fs_get(&c->fs, remote, &before, err) || temp_copy(remote, &before, path, sizeof path, err);
    if (!rc) {
        rc = run_editor(path, err) || file_read(path, 64u << 20, &after, err);
        bool same = !rc && after.len == before.len && memcmp(after.data, before.data, after.len) == 0;
        if (!rc && !same)
            rc = mpy_fs_put(&c->fs, remote, after.data, after.len, &st, err);
        if (!rc)
            report(c, remote, !same, after.len);
        unlink(path);
    }
    bytes_free(&before);
    bytes_free(&after);
    return rc ? -1 : 0;
}

int cmd_edit(int argc, char **argv)
{
    struct cli_mpy c = {
        .cmd = "edit",
        .usage = "edit :FILE [-p PORT]",
        .help = "Copy FILE from the board, open it in $VISUAL or $EDITOR (default vi), and when it\n"
                "changed write it back atomically (checked on the board, the old file kept until then).",
        .min_args = 1,
        .max_args = 1,
        .args_hint = "give the board file to edit (:PATH)",
    };
    int rc = cli_mpy_parse(&c, argc, argv);
    if (rc >= 0)
        return rc;
    if (!cli_mpy_is_remote(c.pos[0]))
        return cli_mpy_usage(&c);
    if ((rc = cli_mpy_connect(&c, true)))
        return rc;
    eb_err err = { 0 };
    if (edit(&c, cli_mpy_remote(c.pos[0]), &err))
        return cli_mpy_fail(&c, &err);
    return cli_mpy_end(&c, EB_OK);
}
