/* test_deflate_cache.c - runs compressed ahead on a worker thread: each
 * stream inflates back to its run, unknown runs are not served, and freeing
 * with entries not asked for stops the worker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "loader/deflate_cache.h"

#define NRUNS   4
#define RUN_LEN 200000

static uint8_t runs[NRUNS][RUN_LEN];

static void fill_runs(void)
{
    uint32_t x = 12345;
    for (int r = 0; r < NRUNS; r++)
        for (size_t i = 0; i < RUN_LEN; i++) {
            x = x * 1103515245u + 12345u;
            runs[r][i] =
                (uint8_t)(i % 7 == 0 ? x >> 24 : (uint32_t)r); /* compressible, and different per run */
        }
}

static void assert_inflates_to(const bytes *z, const uint8_t *want, size_t n)
{
    uint8_t *back = malloc(n);
    uLongf got = n;
    assert_non_null(back);
    assert_int_equal(uncompress(back, &got, z->data, z->len), Z_OK);
    assert_int_equal(got, n);
    assert_memory_equal(back, want, n);
    free(back);
}

static void streams_inflate_back_in_any_order(void **state)
{
    (void)state;
    fill_runs();
    const uint8_t *data[NRUNS];
    size_t len[NRUNS];
    for (int r = 0; r < NRUNS; r++) {
        data[r] = runs[r];
        len[r] = RUN_LEN - (size_t)r * 1000;
    }
    struct deflate_cache *c = deflate_cache_start(data, len, NRUNS);
    assert_non_null(c);
    for (int r = NRUNS - 1; r >= 0; r--) {
        const bytes *z = deflate_cache_get(c, data[r], len[r]);
        assert_non_null(z);
        assert_true(z->len < len[r]);
        assert_inflates_to(z, data[r], len[r]);
    }
    assert_null(deflate_cache_get(c, runs[0], 10)); /* same start, other length */
    assert_null(deflate_cache_get(c, runs[0] + 1, len[0]));
    deflate_cache_free(c);
    assert_null(deflate_cache_get(NULL, runs[0], len[0])); /* no cache: callers compress */
}

static void free_before_anything_is_asked(void **state)
{
    (void)state;
    fill_runs();
    const uint8_t *data[NRUNS] = { runs[0], runs[1], runs[2], runs[3] };
    size_t len[NRUNS] = { RUN_LEN, RUN_LEN, RUN_LEN, RUN_LEN };
    deflate_cache_free(deflate_cache_start(data, len, NRUNS)); /* must neither hang nor leak */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(streams_inflate_back_in_any_order),
        cmocka_unit_test(free_before_anything_is_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
