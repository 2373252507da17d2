/* test_port.c - transports without hardware: RFC 2217 against a local TCP
 * listener (negotiation, baud and DTR/RTS messages, 0xFF doubling, telnet
 * commands filtered out of received data), address splitting, and the
 * fake port enumeration with its bridge guesses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port/port.h"
#include "port/port_enum.h"

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
        cmocka_unit_test(fake_enumeration_guesses_bridges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
