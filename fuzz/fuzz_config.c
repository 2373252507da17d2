/* fuzz_config.c - the configuration file parser on arbitrary bytes: never
 * a crash or a read past the input; a refusal is a usage error with a
 * message naming the file; what is accepted is sane (every alias has a
 * name and a path, every value is a NUL-terminated non-empty string). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"

static void check_value(const struct config_value *v)
{
    if (v->value && (!*v->value || v->line == 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c = { 0 };
    eb_err err = { 0 };
    if (config_parse(&c, (const char *)data, size, "fuzz.ini", &err) == 0) {
        check_value(&c.port);
        check_value(&c.baud);
        check_value(&c.after);
        for (size_t i = 0; i < c.naliases; i++)
            if (!c.aliases[i].name[0] || !c.aliases[i].path || !c.aliases[i].path[0] ||
                config_alias_find(&c, c.aliases[i].name) != &c.aliases[i])
                abort();
        for (size_t i = 0; i < c.nexcludes; i++)
            check_value(&c.excludes[i]);
    } else if (strncmp(err.msg, "fuzz.ini", 8) || (err.code != EB_USAGE && err.code != EB_IO)) {
        abort();
    }
    config_free(&c);
    return 0;
}
