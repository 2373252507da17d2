/* deflate_cache.c - runs compressed ahead of time, in order, on one worker
 * thread; readers wait on a condition variable for the entry they need, and
 * freeing stops the worker after the entry it is on. */
#include "loader/deflate_cache.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

int deflate_zlib(const uint8_t *data, size_t len, bytes *out, eb_err *err)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(12);
    if (!c)
        return eb_fail(err, EB_IO, "out of memory (compressor)");
    size_t bound = libdeflate_zlib_compress_bound(c, len);
    int rc = bytes_reserve(out, bound);
    size_t n = rc ? 0 : libdeflate_zlib_compress(c, data, len, out->data, bound);
    libdeflate_free_compressor(c);
    if (n == 0)
        return eb_fail(err, EB_IO, "compressing %zu bytes failed (out of memory?)", len);
    out->len = n;
    return 0;
}

struct entry {
    const uint8_t *data;
    size_t len;
    bytes z;
    bool done, ok;
};

struct deflate_cache {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t ready;
    bool stop; /* set by deflate_cache_free: skip what is not started */
    unsigned n;
    struct entry e[];
};

static void *compress_all(void *arg)
{
    struct deflate_cache *c = arg;
    for (unsigned i = 0; i < c->n; i++) {
        pthread_mutex_lock(&c->lock);
        bool stop = c->stop;
        pthread_mutex_unlock(&c->lock);
        if (stop)
            break;
        eb_err ignore;
        bytes z = { 0 };
        bool ok = deflate_zlib(c->e[i].data, c->e[i].len, &z, &ignore) == 0;
        pthread_mutex_lock(&c->lock);
        c->e[i].z = z;
        c->e[i].ok = ok;
        c->e[i].done = true;
        pthread_cond_broadcast(&c->ready);
        pthread_mutex_unlock(&c->lock);
    }
    return NULL;
}

struct deflate_cache *deflate_cache_start(const uint8_t *const *data, const size_t *len, unsigned n)
{
    struct deflate_cache *c = calloc(1, sizeof *c + n * sizeof c->e[0]);
    if (!c)
        return NULL;
    c->n = n;
    for (unsigned i = 0; i < n; i++)
        c->e[i] = (struct entry){ .data = data[i], .len = len[i] };
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->ready, NULL);
    if (pthread_create(&c->thread, NULL, compress_all, c) != 0) {
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->ready);
        free(c);
        return NULL;
    }
    return c;
}

const bytes *deflate_cache_get(struct deflate_cache *c, const uint8_t *data, size_t len)
{
    for (unsigned i = 0; c && i < c->n; i++) {
        struct entry *e = &c->e[i];
        if (e->data != data || e->len != len)
            continue;
        pthread_mutex_lock(&c->lock);
        while (!e->done)
            pthread_cond_wait(&c->ready, &c->lock);
        pthread_mutex_unlock(&c->lock);
        return e->ok ? &e->z : NULL;
    }
    return NULL;
}

void deflate_cache_free(struct deflate_cache *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    for (unsigned i = 0; i < c->n; i++)
        bytes_free(&c->e[i].z);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->ready);
    free(c);
}
