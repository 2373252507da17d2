/* same_tables.h - what the partition table fuzz targets share: abort
 * unless two tables hold the same entries. */
#ifndef ESPBURN_FUZZ_SAME_TABLES_H
#define ESPBURN_FUZZ_SAME_TABLES_H

#include <stdlib.h>
#include <string.h>

#include "image/part_table.h"

static inline void same_tables(const struct part_table *a, const struct part_table *b)
{
    if (a->n != b->n || memcmp(a->p, b->p, a->n * sizeof a->p[0]) != 0)
        abort();
}

#endif
