/* ignore.h - gitignore-style rules: which files of a folder are left out
 * of a filesystem image or a sync, and why.
 *
 * Pure: the caller reads the rule files and gives their text. Syntax is
 * gitignore's (git-scm.com/docs/gitignore): blank lines and `#` comments
 * skipped, `\#` and `\!` for a literal first character, trailing spaces
 * dropped unless escaped, `!` re-includes, a trailing `/` matches folders
 * only, a `/` at the start or in the middle anchors the pattern to the
 * folder of its rule file (otherwise it matches a name at any depth), `*`,
 * `?` and `[...]` match within one path component (fnmatch), `**` matches
 * any number of components (`**` / `x`, `x` / `**`, `a` / `**` / `b`). The last matching
 * rule decides; nothing inside an ignored folder can be re-included. */
#ifndef ESPBURN_IGNORE_H
#define ESPBURN_IGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

/* The name of the rule file read in each folder. */
#define IGNORE_FILE_NAME ".espburnignore"

struct ignore_rule {
    char *pattern;      /* as written in the file, without trailing spaces */
    char *glob;         /* what is matched: no `!`, no trailing `/`, no leading `/` */
    char *base;         /* folder of the rule file, relative to the root ("" or "lib/") */
    const char *source; /* IGNORE_FILE_NAME path, or "default rules" */
    unsigned line;      /* 1-based line in source */
    bool negate;        /* `!pattern`: re-include */
    bool dir_only;      /* `pattern/`: folders only */
    bool anchored;      /* contains a `/` before its end: relative to base */
};

struct ignore_rules {
    struct ignore_rule *v;
    size_t n, cap;
};

/* The rules every folder gets unless --no-ignore: .git/, __pycache__/,
 * *.pyc, .DS_Store, editor swap and backup files, the rule file itself. */
int ignore_add_defaults(struct ignore_rules *r, eb_err *err);

/* Add the rules in text[0..len) read from `source` (a path shown in
 * reasons), which lies in folder `base` of the tree ("" for the root,
 * otherwise ending in '/'). */
int ignore_add_text(struct ignore_rules *r, const char *text, size_t len, const char *source,
                    const char *base, eb_err *err);

/* Is `path` (relative to the root, '/'-separated, no leading '/') ignored?
 * Its parent folders are checked first: a file in an ignored folder is
 * ignored by that folder's rule. `why` (may be NULL) gets the deciding rule
 * (ignoring or re-including), or NULL when no rule matched. */
bool ignore_match(const struct ignore_rules *r, const char *path, bool is_dir,
                  const struct ignore_rule **why);

/* The rule for this one path alone, without looking at parent folders (for
 * a walker that never enters ignored folders). */
const struct ignore_rule *ignore_rule_for(const struct ignore_rules *r, const char *path, bool is_dir);

void ignore_free(struct ignore_rules *r);

#endif
