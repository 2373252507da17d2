/* fuzz_part_csv.c - the partition CSV parser on arbitrary text. Whatever it
 * accepts must convert to a binary table that parses back to the same
 * entries, and to a CSV that does too. */
#include <stdlib.h>
#include <string.h>

#include "image/part_table.h"
#include "same_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct part_table t, back;
    eb_err err;
    uint32_t offset = size && data[0] & 1 ? 0x9000 : PT_DEFAULT_OFFSET;
    if (pt_parse_csv((const char *)data, size, offset, &t, &err)) {
        if (err.code != EB_PROBLEM || strlen(err.msg) == 0)
            abort();
        return 0;
    }
    struct pt_issue issues[PT_MAX_ISSUES];
    (void)pt_check(&t, offset, issues, PT_MAX_ISSUES);
    bytes bin = { 0 }, csv = { 0 };
    if (pt_to_bin(&t, &bin, NULL) == 0 && t.n) { /* an empty table is only an MD5 row */
        if (pt_parse_bin(bin.data, bin.len, &back, NULL) || !back.md5_ok)
            abort();
        same_tables(&t, &back);
    }
    if (pt_to_csv(&t, &csv, NULL) == 0) {
        if (pt_parse_csv((const char *)csv.data, csv.len, offset, &back, NULL))
            abort();
        same_tables(&t, &back);
    }
    bytes_free(&bin);
    bytes_free(&csv);
    return 0;
}
