/* http.h - fetch a document by URL (http://, https://, through libcurl) or,
 * for anything without a scheme, read it as a local file: what `mip
 * install` needs to read a package index from a server or a folder. */
#ifndef ESPBURN_HTTP_H
#define ESPBURN_HTTP_H

#include <stdbool.h>

#include "common/bytes.h"
#include "common/err.h"

/* True for "http://..." and "https://...". */
bool http_is_url(const char *s);

/* All of `url` (or the local file) into `out` (empty), at most `max` bytes;
 * an HTTP status of 400 or more is an error that names it. */
int http_get(const char *url, size_t max, bytes *out, eb_err *err);

#endif
