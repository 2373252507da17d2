/* fuzz_chip_efuse.c - eFuse words are what a device answers, so untrusted:
 * decoded through every chip row (chip_efuse_decode) they must give a
 * terminated description, at most CHIP_FEATURES_MAX terminated features,
 * a MAC, and a revision no wider than its fields. Input: the words, BLOCK0
 * to BLOCK2 then the revision register, little-endian, zero-padded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip_efuse.h"

static void check(const struct chip_facts *f)
{
    if (!memchr(f->description, 0, sizeof f->description) || !f->description[0])
        abort();
    if (f->nfeatures > CHIP_FEATURES_MAX || !f->have_mac)
        abort();
    for (unsigned i = 0; i < f->nfeatures; i++)
        if (!memchr(f->features[i], 0, sizeof f->features[i]))
            abort();
    if (f->rev_major > 3 || f->rev_minor > 15)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct efuse_words e;
    memset(&e, 0, sizeof e);
    memcpy(&e, data, size < sizeof e ? size : sizeof e);
    for (const struct chip *c = chip_table; c->name; c++) {
        struct chip_facts f;
        chip_facts_init(&f, c);
        if (chip_efuse_decode(c, &e, &f) != 0)
            abort();
        check(&f);
    }
    return 0;
}
