/* test_port.c - transports without hardware: RFC 2217 against a local TCP
 * listener (negotiation, baud and DTR/RTS messages, 0xFF doubling, telnet
 * commands filtered out of received data), address splitting, and the
 * fake port enumeration with its bridge guesses; a pty through the local
 * serial transport (the tty path, port_serial_tty.c: libserialport does not
 * list ptys). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <pty.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "port/port.h"
#include "port/port_enum.h"
#include "port/telnet.h"

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t n = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    getsockname(fd, (struct sockaddr *)&a, &n);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Everything the server side received within a short while. */
static size_t drain(int fd, uint8_t *buf, size_t cap)
{
    size_t got = 0;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (got < cap && poll(&p, 1, 200) > 0) {
        ssize_t r = recv(fd, buf + got, cap - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

static void rfc2217_negotiates_and_filters(void **state)
{
    (void)state;
    int port, lfd = listen_local(&port);
    char url[64];
    snprintf(url, sizeof url, "rfc2217://127.0.0.1:%d", port);
    struct port *p;
    eb_err err = { 0 };
    assert_int_equal(port_open(url, 115200, &p, &err), 0);
    int s = accept(lfd, NULL, NULL);
    assert_true(p->has_lines && !p->lines_together);

    uint8_t buf[512];
    size_t n = drain(s, buf, sizeof buf);
    const uint8_t will_com[] = { 255, 251, 44 };
    const uint8_t baud[] = { 255, 250, 44, 1, 0x00, 0x01, 0xC2, 0x00, 255, 240 };
    assert_true(contains(buf, n, will_com, 3));
    assert_true(contains(buf, n, baud, sizeof baud));

    assert_int_equal(port_set_lines(p, 1, 0, &err), 0);
    n = drain(s, buf, sizeof buf);
    const uint8_t dtr_on[] = { 255, 250, 44, 5, 8, 255, 240 }, rts_off[] = { 255, 250, 44, 5, 12, 255, 240 };
    assert_true(contains(buf, n, dtr_on, sizeof dtr_on));
    assert_true(contains(buf, n, rts_off, sizeof rts_off));

    const uint8_t data[] = { 0xC0, 0xFF, 0x01 };
    assert_int_equal(port_write(p, data, sizeof data, &err), 0);
    n = drain(s, buf, sizeof buf);
    const uint8_t doubled[] = { 0xC0, 0xFF, 0xFF, 0x01 };
    assert_int_equal(n, sizeof doubled);
    assert_memory_equal(buf, doubled, n);

    /* server: data with an escaped 0xFF, a DO, and a notification in between */
    const uint8_t from[] = { 'a', 255, 255, 'b', 255, 253, 3,   'c', 255, 250,
                             44,  101, 0,   1,   194, 0,   255, 240, 'd' };
    assert_int_equal(send(s, from, sizeof from, 0), (ssize_t)sizeof from);
    uint8_t got[32];
    size_t k = 0;
    while (k < 5) {
        int r = port_read(p, got + k, sizeof got - k, 500, &err);
        assert_true(r > 0);
        k += (size_t)r;
    }
    const uint8_t want[] = { 'a', 0xFF, 'b', 'c', 'd' };
    assert_memory_equal(got, want, sizeof want);
    n = drain(s, buf, sizeof buf); /* DO SGA is answered with WILL at most once, already sent */
    const uint8_t wont[] = { 255, 252, 3 };
    assert_false(contains(buf, n, wont, 3));
    port_close(p);
    close(s);
    close(lfd);
}

static void closed_peer_is_an_error(void **state)
{
    (void)state;
    int port, lfd = listen_local(&port);
    char url[64];
    snprintf(url, sizeof url, "socket://127.0.0.1:%d", port);
    struct port *p;
    eb_err err = { 0 };
    assert_int_equal(port_open(url, 115200, &p, &err), 0);
    close(accept(lfd, NULL, NULL));
    uint8_t b[4];
    assert_int_equal(port_read(p, b, sizeof b, 500, &err), -1);
    assert_non_null(strstr(err.msg, "closed"));
    port_close(p);
    close(lfd);
}

static void names_and_addresses(void **state)
{
    (void)state;
    char host[64], svc[16];
    eb_err err = { 0 };
    assert_int_equal(port_split_hostport("[::1]:4000", host, sizeof host, svc, sizeof svc, &err), 0);
    assert_string_equal(host, "::1");
    assert_string_equal(svc, "4000");
    assert_int_equal(port_split_hostport("nohost", host, sizeof host, svc, sizeof svc, &err), -1);
    struct port *p;
    assert_int_equal(port_open("ftp://x:1", 115200, &p, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_int_equal(port_open("/dev/espburn-no-such-port", 115200, &p, &err), -1);
    assert_non_null(strstr(err.msg, "no such port"));
}

/* A pty opens as a serial port: bytes both ways, a read that waits at most
 * its timeout, no modem lines (noted once, not fatal), /dev/null refused. */
static void pty_is_a_port_without_lines(void **state)
{
    (void)state;
    int master, slave;
    char name[128];
    assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
    struct port *p;
    eb_err err = { 0 };
    assert_int_equal(port_open(name, 115200, &p, &err), 0);
    assert_false(p->has_rate); /* a pty does not pace bytes */
    assert_int_equal(port_write(p, (const uint8_t *)"ping", 4, &err), 0);
    char got[8] = { 0 };
    assert_int_equal(read(master, got, sizeof got), 4);
    assert_string_equal(got, "ping");
    assert_int_equal(write(master, "pong", 4), 4);
    uint8_t in[8] = { 0 };
    assert_int_equal(port_read_exact(p, in, 4, eb_deadline_in(1000), &err), 0);
    assert_memory_equal(in, "pong", 4);
    int64_t t0 = eb_now_ms();
    assert_int_equal(port_read(p, in, sizeof in, 100, &err), 0); /* nothing: the timeout, not forever */
    assert_true(eb_now_ms() - t0 >= 90);
    assert_int_equal(port_set_lines(p, 1, 0, &err), 0);
    assert_false(p->has_lines);
    assert_non_null(strstr(p->warning, "no DTR/RTS lines"));
    port_close(p);
    close(master);
    close(slave);
    assert_int_equal(port_open("/dev/null", 115200, &p, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_non_null(strstr(err.msg, "not a serial port"));
}

/* The port number is checked, not truncated (socket://HOST:99999 is not 34463). */
static void port_numbers_are_checked(void **state)
{
    (void)state;
    char host[64], svc[16];
    eb_err err = { 0 };
    const char *bad[] = { "h:99999", "h:65536", "h:0", "h:12a", "h:-1", "h:+80", "h:123456" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.code = 0;
        assert_int_equal(port_split_hostport(bad[i], host, sizeof host, svc, sizeof svc, &err), -1);
        assert_int_equal(err.code, EB_USAGE);
        assert_non_null(strstr(err.msg, "1 to 65535"));
    }
    assert_int_equal(port_split_hostport("h:65535", host, sizeof host, svc, sizeof svc, &err), 0);
    assert_int_equal(port_split_hostport("h:1", host, sizeof host, svc, sizeof svc, &err), 0);
    struct port *p;
    assert_int_equal(port_open("socket://127.0.0.1:99999", 115200, &p, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
    assert_int_equal(port_open("rfc2217://127.0.0.1:99999", 115200, &p, &err), -1);
    assert_int_equal(err.code, EB_USAGE);
}

static void connect_limit_from_the_environment(void **state)
{
    (void)state;
    int ms;
    eb_err err = { 0 };
    unsetenv(PORT_CONNECT_TIMEOUT_ENV);
    assert_int_equal(port_connect_limit(&ms, &err), 0);
    assert_int_equal(ms, PORT_CONNECT_TIMEOUT_MS);
    setenv(PORT_CONNECT_TIMEOUT_ENV, "0.25", 1);
    assert_int_equal(port_connect_limit(&ms, &err), 0);
    assert_int_equal(ms, 250);
    const char *bad[] = { "soon", "0", "-1", "5s", "1e9" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv(PORT_CONNECT_TIMEOUT_ENV, bad[i], 1);
        assert_int_equal(port_connect_limit(&ms, &err), -1);
        assert_int_equal(err.code, EB_USAGE);
    }
    struct port *p;
    assert_int_equal(port_open("socket://127.0.0.1:1", 115200, &p, &err), -1); /* before connecting */
    assert_int_equal(err.code, EB_USAGE);
    assert_non_null(strstr(err.msg, PORT_CONNECT_TIMEOUT_ENV));
    unsetenv(PORT_CONNECT_TIMEOUT_ENV);
}

/* A listener that accepts no more (its backlog is full) drops our SYNs:
 * connect gives up at the limit with one sentence instead of the kernel's
 * two minutes of retries. */
static void connect_gives_up_at_the_limit(void **state)
{
    (void)state;
    int port, lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t n = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 0), 0);
    getsockname(lfd, (struct sockaddr *)&a, &n);
    port = ntohs(a.sin_port);
    int filler = socket(AF_INET, SOCK_STREAM, 0); /* fills the backlog of 0 (+1) */
    assert_int_equal(connect(filler, (struct sockaddr *)&a, sizeof a), 0);
    char url[64];
    const char *schemes[] = { "socket", "rfc2217" };
    setenv(PORT_CONNECT_TIMEOUT_ENV, "0.4", 1);
    for (int i = 0; i < 2; i++) {
        snprintf(url, sizeof url, "%s://127.0.0.1:%d", schemes[i], port);
        struct port *p;
        eb_err err = { 0 };
        int64_t t0 = eb_now_ms();
        assert_int_equal(port_open(url, 115200, &p, &err), -1);
        int64_t took = eb_now_ms() - t0;
        assert_true(took >= 390 && took < 3000);
        assert_int_equal(err.code, EB_IO);
        assert_non_null(strstr(err.msg, "no answer within 0.4 s"));
        assert_null(strchr(err.msg, '\n'));
    }
    unsetenv(PORT_CONNECT_TIMEOUT_ENV);
    close(filler);
    close(lfd);
}

/* The shared telnet parser reports the same whatever the cuts of the stream. */
struct telnet_seen {
    uint8_t data[64];
    size_t n;
    uint8_t opts[8][2];
    unsigned nopts;
    uint8_t sb[8][PORT_TELNET_SB_MAX];
    size_t sblen[8];
    unsigned nsb;
};
static void t_data(void *ctx, const uint8_t *p, size_t n)
{
    struct telnet_seen *s = ctx;
    assert_true(s->n + n <= sizeof s->data);
    memcpy(s->data + s->n, p, n);
    s->n += n;
}
static void t_option(void *ctx, uint8_t verb, uint8_t opt)
{
    struct telnet_seen *s = ctx;
    s->opts[s->nopts][0] = verb;
    s->opts[s->nopts++][1] = opt;
}
static void t_subneg(void *ctx, const uint8_t *b, size_t n)
{
    struct telnet_seen *s = ctx;
    memcpy(s->sb[s->nsb], b, n);
    s->sblen[s->nsb++] = n;
}

static void telnet_parser_is_cut_proof(void **state)
{
    (void)state;
    static const struct port_telnet_events ev = { t_data, t_option, t_subneg };
    const uint8_t in[] = { 'a', 255, 255, 'b', 255, 253, 3,   'c', 255, 250, 44,  101, 0, 1,   194,
                           0,   255, 255, 255, 240, 'd', 255, 241, 'e', 255, 250, 44,  5, 255, 240 };
    for (size_t cut = 0; cut <= sizeof in; cut++) {
        struct telnet_seen s = { 0 };
        struct port_telnet_rx rx;
        port_telnet_rx_init(&rx);
        port_telnet_feed(&rx, in, cut, &ev, &s);
        port_telnet_feed(&rx, in + cut, sizeof in - cut, &ev, &s);
        assert_int_equal(s.n, 6);
        assert_memory_equal(s.data,
                            "a\xff"
                            "bcde",
                            6);
        assert_int_equal(s.nopts, 1);
        assert_true(s.opts[0][0] == TELNET_DO && s.opts[0][1] == TELNET_SGA);
        assert_int_equal(s.nsb, 2);
        const uint8_t sb0[] = { 44, 101, 0, 1, 194, 0, 255 }; /* IAC IAC inside: one 0xFF */
        assert_int_equal(s.sblen[0], sizeof sb0);
        assert_memory_equal(s.sb[0], sb0, sizeof sb0);
        assert_int_equal(s.sblen[1], 2);
    }
    struct port_telnet_answers ans = { 0 };
    assert_true(port_telnet_first(&ans, TELNET_DO, 3));
    assert_false(port_telnet_first(&ans, TELNET_DONT, 3)); /* the same side */
    assert_true(port_telnet_first(&ans, TELNET_WILL, 3));
    bytes out = { 0 };
    const uint8_t v[] = { 1, 255 };
    assert_int_equal(port_rfc2217_command(&out, RFC2217_SET_CONTROL, v, 2), 0);
    const uint8_t want[] = { 255, 250, 44, 5, 1, 255, 255, 255, 240 };
    assert_int_equal(out.len, sizeof want);
    assert_memory_equal(out.data, want, sizeof want);
    bytes_free(&out);
}

static void fake_enumeration_guesses_bridges(void **state)
{
    (void)state;
    setenv("ESPBURN_FAKE_PORTS",
           "/dev/ttyUSB0|10c4:ea60|01|CP2104;/dev/ttyS0;/dev/ttyACM0|303a:1001|x|USB JTAG;"
           "/dev/ttyUSB1|1a86:7523",
           1);
    struct port_info ports[8];
    eb_err err = { 0 };
    assert_int_equal(port_enum_list(ports, 8, &err), 4);
    assert_true(ports[0].usb && ports[0].vid == 0x10C4 && ports[0].likely_esp);
    assert_string_equal(ports[0].serial, "01");
    assert_string_equal(ports[0].product, "CP2104");
    assert_non_null(strstr(ports[0].guess, "M5Stack Fire"));
    assert_false(ports[1].usb || ports[1].likely_esp);
    assert_int_equal(ports[2].max_baud, 0);
    assert_non_null(strstr(ports[3].guess, "CH340"));
    assert_int_equal(port_enum_likely(ports, 8, &err), 3);
    assert_int_equal(port_enum_max_baud("/dev/ttyUSB0"), 2000000);
    assert_int_equal(port_enum_max_baud("/dev/ttyS0"), 0);
    unsetenv("ESPBURN_FAKE_PORTS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc2217_negotiates_and_filters),
        cmocka_unit_test(closed_peer_is_an_error),
        cmocka_unit_test(names_and_addresses),
        cmocka_unit_test(pty_is_a_port_without_lines),
        cmocka_unit_test(port_numbers_are_checked),
        cmocka_unit_test(connect_limit_from_the_environment),
        cmocka_unit_test(connect_gives_up_at_the_limit),
        cmocka_unit_test(telnet_parser_is_cut_proof),
        cmocka_unit_test(fake_enumeration_guesses_bridges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
