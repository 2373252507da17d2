/* port.c - opening a port by name and the helpers shared by transports. */
#include "common/clock.h"
#include "port/port.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int port_split_hostport(const char *s, char *host, size_t hn, char *service, size_t sn, eb_err *err)
{
    const char *colon;
    const char *hstart = s;
    size_t hlen;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return eb_fail(err, EB_USAGE, "bad address '%s': expected [HOST]:PORT", s);
        hstart = s + 1;
        hlen = (size_t)(close - hstart);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return eb_fail(err, EB_USAGE, "bad address '%s': expected HOST:PORT", s);
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= hn || strlen(colon + 1) == 0 || strlen(colon + 1) >= sn)
        return eb_fail(err, EB_USAGE, "bad address '%s': expected HOST:PORT", s);
    memcpy(host, hstart, hlen);
    host[hlen] = '\0';
    strcpy(service, colon + 1);
    return 0;
}

int port_open(const char *name, uint32_t baud, struct port **out, eb_err *err)
{
    char host[256], service[32];
    int rc;
    if (strncmp(name, "socket://", 9) == 0) {
        if (port_split_hostport(name + 9, host, sizeof host, service, sizeof service, err))
            return -1;
        rc = port_tcp_open(host, service, out, err);
    } else if (strncmp(name, "rfc2217://", 10) == 0) {
        if (port_split_hostport(name + 10, host, sizeof host, service, sizeof service, err))
            return -1;
        rc = port_rfc2217_open(host, service, baud, out, err);
    } else if (strstr(name, "://")) {
        return eb_fail(err, EB_USAGE,
                       "unsupported port '%s' (use a serial device, socket://HOST:PORT or "
                       "rfc2217://HOST:PORT)",
                       name);
    } else {
        rc = port_serial_open(name, baud, out, err);
    }
    if (rc)
        return -1;
    snprintf((*out)->name, sizeof(*out)->name, "%s", name);
    (*out)->baud = baud;
    return 0;
}

void port_close(struct port *p)
{
    if (p)
        p->ops->close(p);
}

int port_read_exact(struct port *p, uint8_t *buf, size_t n, int timeout_ms, eb_err *err)
{
    int64_t deadline = eb_now_ms() + timeout_ms;
    size_t got = 0;
    while (got < n) {
        int64_t left = deadline - eb_now_ms();
        if (left <= 0)
            return eb_fail(err, EB_IO, "%s: timed out after %zu of %zu bytes; is the board still connected?",
                           p->name, got, n);
        int r = port_read(p, buf + got, n - got, (int)left, err);
        if (r < 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}
