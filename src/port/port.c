/* port.c - opening a port by name and the helpers shared by transports. */
#include "common/clock.h"
#include "port/port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A port number: digits only, 1 to 65535. */
static bool valid_port_number(const char *s)
{
    unsigned long v = 0;
    if (!*s || strlen(s) > 5)
        return false;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        v = v * 10 + (unsigned long)(*c - '0');
    }
    return v >= 1 && v <= 65535;
}

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
    if (!valid_port_number(colon + 1))
        return eb_fail(err, EB_USAGE, "bad address '%s': the port must be a number from 1 to 65535", s);
    memcpy(host, hstart, hlen);
    host[hlen] = '\0';
    strcpy(service, colon + 1);
    return 0;
}

int port_connect_limit(int *ms, eb_err *err)
{
    const char *v = getenv(PORT_CONNECT_TIMEOUT_ENV);
    *ms = PORT_CONNECT_TIMEOUT_MS;
    if (!v || !*v)
        return 0;
    char *end;
    double secs = strtod(v, &end);
    if (end == v || *end || !(secs > 0 && secs <= PORT_CONNECT_TIMEOUT_MAX))
        return eb_fail(err, EB_USAGE, "%s='%s' is not a number of seconds from 0.001 to %d (e.g. 5 or 0.5)",
                       PORT_CONNECT_TIMEOUT_ENV, v, PORT_CONNECT_TIMEOUT_MAX);
    *ms = secs * 1000 < 1 ? 1 : (int)(secs * 1000);
    return 0;
}

int port_open(const char *name, uint32_t baud, struct port **out, eb_err *err)
{
    char host[256], service[32];
    int rc, limit_ms;
    bool tcp = strncmp(name, "socket://", 9) == 0, rfc = strncmp(name, "rfc2217://", 10) == 0;
    if (!tcp && !rfc && strstr(name, "://"))
        return eb_fail(err, EB_USAGE,
                       "unsupported port '%s' (use a serial device, socket://HOST:PORT or "
                       "rfc2217://HOST:PORT)",
                       name);
    if ((tcp || rfc) &&
        (port_split_hostport(name + (tcp ? 9 : 10), host, sizeof host, service, sizeof service, err) ||
         port_connect_limit(&limit_ms, err)))
        return -1;
    if (tcp)
        rc = port_tcp_open(host, service, limit_ms, out, err);
    else if (rfc)
        rc = port_rfc2217_open(host, service, baud, limit_ms, out, err);
    else
        rc = port_serial_open(name, baud, out, err);
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

int port_read_exact(struct port *p, uint8_t *buf, size_t n, struct eb_deadline by, eb_err *err)
{
    size_t got = 0;
    while (got < n) {
        if (eb_deadline_passed(by))
            return eb_fail(err, EB_IO, "%s: timed out after %zu of %zu bytes; is the board still connected?",
                           p->name, got, n);
        int r = port_read_by(p, buf + got, n - got, by, err);
        if (r < 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}
