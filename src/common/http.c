/* http.c - http_get through libcurl; local paths through file_read. */
#include "common/http.h"

#include <curl/curl.h>
#include <string.h>

#include "common/file.h"

#define HTTP_TIMEOUT_S 30 /* a whole transfer; index files and modules are small */

bool http_is_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

struct sink {
    bytes *out;
    size_t max;
    bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    struct sink *s = ctx;
    size_t len = size * n;
    if (s->out->len + len > s->max) {
        s->too_big = true;
        return 0; /* stops the transfer */
    }
    return bytes_append(s->out, p, len) ? 0 : len;
}

static int fetch(CURL *h, const char *url, struct sink *s, eb_err *err)
{
    char why[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)HTTP_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "espburn/" ESPBURN_VERSION);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (s->too_big)
        return eb_fail(err, EB_PROBLEM, "%s is larger than %zu bytes; refusing it", url, s->max);
    if (rc != CURLE_OK)
        return eb_fail(err, EB_IO, "could not fetch %s (%s); check the address and the network", url,
                       why[0] ? why : curl_easy_strerror(rc));
    if (status >= 400)
        return eb_fail(err, EB_PROBLEM, "%s: the server answered HTTP %ld", url, status);
    return 0;
}

int http_get(const char *url, size_t max, bytes *out, eb_err *err)
{
    if (!http_is_url(url))
        return file_read(url, max, out, err);
    CURL *h = curl_easy_init();
    if (!h)
        return eb_fail(err, EB_IO, "could not start libcurl to fetch %s", url);
    struct sink s = { out, max, false };
    int rc = fetch(h, url, &s, err);
    curl_easy_cleanup(h);
    return rc;
}
