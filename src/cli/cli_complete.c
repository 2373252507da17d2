/* cli_complete.c - a command's options from the option and command tables,
 * and `espburn completion bash|zsh|fish`: the completion scripts written
 * from them (installed by cmake --install; docs/completion.md). */
#include "cli/cli_complete.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli_options.h"

static size_t token_len(const char *s)
{
    return strcspn(s, " ");
}

/* One token of `own` ("-n,--dry-run") into o; a following value name
 * ("PATTERN": starts with a capital) is taken too. Returns the next token. */
static const char *parse_own(const char *s, struct cli_optspec *o)
{
    memset(o, 0, sizeof *o);
    size_t n = token_len(s);
    for (const char *p = s; p < s + n;) {
        size_t k = strcspn(p, ", ");
        if (k > (size_t)(s + n - p))
            k = (size_t)(s + n - p);
        if (k == 2)
            snprintf(o->shrt, sizeof o->shrt, "%.*s", (int)k, p);
        else
            snprintf(o->lng, sizeof o->lng, "%.*s", (int)k, p);
        p += k + (p[k] == ',');
    }
    s += n + strspn(s + n, " ");
    if (*s >= 'A' && *s <= 'Z') {
        n = token_len(s);
        snprintf(o->metavar, sizeof o->metavar, "%.*s", (int)n, s);
        s += n + strspn(s + n, " ");
    }
    return s;
}

void cli_command_each_option(const struct command *c, void (*fn)(const struct cli_optspec *, void *),
                             void *ctx)
{
    struct cli_optspec o;
    for (int id = 0; id < CLI_OPT_COUNT; id++) {
        if (!(c->opts & (1u << id)))
            continue;
        const struct cli_option *t = &cli_options[id];
        memset(&o, 0, sizeof o);
        if (t->short_name)
            snprintf(o.shrt, sizeof o.shrt, "-%c", t->short_name);
        snprintf(o.lng, sizeof o.lng, "--%s", t->name);
        snprintf(o.metavar, sizeof o.metavar, "%s", t->metavar ? t->metavar : "");
        o.help = t->help;
        fn(&o, ctx);
    }
    for (const char *s = c->own ? c->own : ""; *s;) {
        if (*s != '-') {
            s += token_len(s);
            s += strspn(s, " ");
            continue;
        }
        s = parse_own(s, &o);
        fn(&o, ctx);
    }
}

void cli_command_each_word(const struct command *c, void (*fn)(const char *word, size_t len, void *),
                           void *ctx)
{
    for (const char *s = c->own ? c->own : ""; *s;) {
        size_t n = token_len(s);
        if (*s != '-' && !(*s >= 'A' && *s <= 'Z'))
            fn(s, n, ctx);
        s += n;
        s += strspn(s, " ");
    }
}

/* ---- bash ---------------------------------------------------------------- */

static void bash_name(const struct cli_optspec *o, void *ctx)
{
    printf("%s%s%s", *(int *)ctx ? " " : "", o->shrt, o->shrt[0] && o->lng[0] ? " " : "");
    printf("%s", o->lng);
    *(int *)ctx = 1;
}

static void bash_valued(const struct cli_optspec *o, void *ctx)
{
    if (o->metavar[0])
        bash_name(o, ctx);
}

static void bash_word(const char *w, size_t n, void *ctx)
{
    printf("%s%.*s", *(int *)ctx ? " " : "", (int)n, w);
    *(int *)ctx = 1;
}

static void bash_case(const struct command *c)
{
    int first = 0;
    printf("    %s)\n        opts='", c->name);
    cli_command_each_option(c, bash_name, &first);
    printf("'\n        valued='");
    first = 0;
    cli_command_each_option(c, bash_valued, &first);
    printf("'\n        words='");
    first = 0;
    cli_command_each_word(c, bash_word, &first);
    printf("' ;;\n");
}

static void print_bash(void)
{
    printf("# bash completion for espburn; written by `espburn completion bash` from its option and\n"
           "# command tables. Install: PREFIX/share/bash-completion/completions/espburn\n"
           "_espburn()\n{\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "    local cmds='");
    for (const struct command *c = cli_commands(); c->name; c++)
        printf("%s%s", c == cli_commands() ? "" : " ", c->name);
    printf(
        "'\n    local cmd='' i w\n"
        "    for ((i = 1; i < COMP_CWORD; i++)); do   # the command being typed: after a '+', the next one\n"
        "        w=${COMP_WORDS[i]}\n"
        "        if [[ $w == + ]]; then cmd=''; elif [[ -z $cmd && \" $cmds \" == *\" $w \"* ]]; then cmd=$w; fi\n"
        "    done\n"
        "    if [[ -z $cmd ]]; then\n"
        "        COMPREPLY=($(compgen -W \"$cmds\" -- \"$cur\"))\n"
        "        return 0\n"
        "    fi\n"
        "    local opts='' valued='' words=''\n"
        "    case $cmd in\n");
    for (const struct command *c = cli_commands(); c->name; c++)
        bash_case(c);
    printf("    esac\n"
           "    if [[ \" $valued \" == *\" $prev \"* ]]; then\n"
           "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
           "    elif [[ $cur == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"$opts --help\" -- \"$cur\"))\n"
           "    else\n"
           "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
           "    fi\n"
           "    return 0\n"
           "}\n"
           "complete -o filenames -o bashdefault -F _espburn espburn\n");
}

/* ---- zsh ----------------------------------------------------------------- */

/* The first line of `help`, fit for a '...[HELP]...' spec of _arguments or
 * a 'name:HELP' of _describe: no quote, bracket or colon. */
static void zsh_help(const char *help)
{
    for (const char *p = help; p && *p && *p != '\n'; p++)
        putchar(strchr("'[]:\\", *p) ? ' ' : *p);
}

static void zsh_spec(const struct cli_optspec *o, void *ctx)
{
    (void)ctx;
    printf(" \\\n        ");
    if (o->shrt[0] && o->lng[0])
        printf("'(%s %s)'{%s,%s}'", o->shrt, o->lng, o->shrt, o->lng);
    else
        printf("'%s", o->shrt[0] ? o->shrt : o->lng);
    if (o->help) {
        putchar('[');
        zsh_help(o->help);
        putchar(']');
    }
    if (o->metavar[0])
        printf(":%s:_files", o->metavar);
    putchar('\'');
}

static void zsh_word(const char *w, size_t n, void *ctx)
{
    printf("%s%.*s", *(int *)ctx ? " " : "", (int)n, w);
    *(int *)ctx = 1;
}

static void print_zsh(void)
{
    printf("#compdef espburn\n"
           "# zsh completion for espburn; written by `espburn completion zsh` from its option and\n"
           "# command tables. Install: PREFIX/share/zsh/site-functions/_espburn\n\n"
           "_espburn_command() {\n"
           "    case $1 in\n");
    for (const struct command *c = cli_commands(); c->name; c++) {
        int first = 0;
        printf("    %s) _arguments -s", c->name);
        cli_command_each_option(c, zsh_spec, NULL);
        printf(" \\\n        '--help[what the command does and its options]'");
        if (c->own && c->own[0] != '-' && !(c->own[0] >= 'A' && c->own[0] <= 'Z')) {
            printf(" \\\n        '1: :(");
            cli_command_each_word(c, zsh_word, &first);
            printf(")'");
        }
        printf(" \\\n        '*:file:_files' ;;\n");
    }
    printf("    esac\n}\n\n"
           "_espburn() {\n"
           "    local -a cmds\n"
           "    cmds=(\n");
    for (const struct command *c = cli_commands(); c->name; c++) {
        printf("        '%s:", c->name);
        zsh_help(c->summary);
        printf("'\n");
    }
    printf("    )\n"
           "    if (( CURRENT == 2 )); then\n"
           "        _describe -t commands 'espburn command' cmds\n"
           "    else\n"
           "        local cmd=$words[2]\n"
           "        shift words\n"
           "        (( CURRENT-- ))\n"
           "        _espburn_command $cmd\n"
           "    fi\n"
           "}\n\n"
           "_espburn \"$@\"\n");
}

/* ---- fish ---------------------------------------------------------------- */

static void fish_help(const char *help)
{
    putchar('\'');
    for (const char *p = help; p && *p && *p != '\n'; p++)
        printf(*p == '\'' || *p == '\\' ? "\\%c" : "%c", *p);
    putchar('\'');
}

static void fish_option(const struct cli_optspec *o, void *ctx)
{
    printf("complete -c espburn -n '__fish_seen_subcommand_from %s'", ((const struct command *)ctx)->name);
    if (o->shrt[0])
        printf(" -s %c", o->shrt[1]);
    if (o->lng[0])
        printf(" %s %s", o->lng[2] && !o->lng[3] ? "-o" : "-l", o->lng + 2);
    if (o->metavar[0])
        printf(" -r");
    if (o->help) {
        printf(" -d ");
        fish_help(o->help);
    }
    printf("\n");
}

static void fish_word(const char *w, size_t n, void *ctx)
{
    printf("complete -c espburn -n '__fish_seen_subcommand_from %s' -a %.*s\n",
           ((const struct command *)ctx)->name, (int)n, w);
}

static void print_fish(void)
{
    printf("# fish completion for espburn; written by `espburn completion fish` from its option and\n"
           "# command tables. Install: PREFIX/share/fish/vendor_completions.d/espburn.fish\n");
    for (const struct command *c = cli_commands(); c->name; c++) {
        printf("complete -c espburn -n __fish_use_subcommand -f -a %s -d ", c->name);
        fish_help(c->summary);
        printf("\n");
    }
    for (const struct command *c = cli_commands(); c->name; c++) {
        cli_command_each_option(c, fish_option, (void *)c);
        cli_command_each_word(c, fish_word, (void *)c);
    }
}

int cmd_completion(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        cli_print_help("usage: espburn completion bash|zsh|fish\n\n"
                       "Print the completion script for a shell, written from espburn's option and\n"
                       "command tables; cmake --install puts all three where the shells look. To try\n"
                       "one without installing: source <(espburn completion bash)\n");
        return EB_OK;
    }
    if (argc != 2)
        return cli_usage("completion", "give one shell: bash, zsh or fish");
    if (!strcmp(argv[1], "bash"))
        print_bash();
    else if (!strcmp(argv[1], "zsh"))
        print_zsh();
    else if (!strcmp(argv[1], "fish"))
        print_fish();
    else
        return cli_usage("completion", "'%s' is not a shell espburn completes: use bash, zsh or fish",
                         argv[1]);
    return EB_OK;
}
