/* port_enum.c - listing serial ports (libserialport, or the fake backend
 * for tests) and guessing the USB bridge and board from VID:PID. */
#include "port/port_enum.h"

#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bridge {
    uint16_t vid, pid;
    const char *guess;
    uint32_t max_baud;
};

/* USB bridges found on ESP boards (issue 4 lists them). */
static const struct bridge bridges[] = {
    { 0x10C4, 0xEA60, "Silicon Labs CP210x (M5Stack Fire/Core, many ESP32 DevKits)", 2000000 },
    { 0x1A86, 0x55D4, "WCH CH9102 (M5Stack Core2, newer DevKits)", 3000000 },
    { 0x1A86, 0x7523, "WCH CH340 (cheap ESP32/ESP8266 boards)", 2000000 },
    { 0x0403, 0x6001, "FTDI FT232R", 3000000 },
    { 0x0403, 0x6010, "FTDI FT2232 (ESP-Prog, ESP-WROVER-KIT)", 3000000 },
    { 0x0403, 0x6014, "FTDI FT232H", 3000000 },
    { 0x303A, 0x1001, "Espressif USB-Serial/JTAG (ESP32-S3/C3/C6 built-in USB)", 0 },
};

void port_enum_guess(struct port_info *p)
{
    p->guess[0] = '\0';
    p->likely_esp = false;
    p->max_baud = 0;
    for (size_t i = 0; p->usb && i < sizeof bridges / sizeof bridges[0]; i++)
        if (bridges[i].vid == p->vid && bridges[i].pid == p->pid) {
            snprintf(p->guess, sizeof p->guess, "%s", bridges[i].guess);
            p->likely_esp = true;
            p->max_baud = bridges[i].max_baud;
        }
}

static void copy_field(char *dst, size_t n, const char *start, const char *end)
{
    size_t k = (size_t)(end - start) < n - 1 ? (size_t)(end - start) : n - 1;
    memcpy(dst, start, k);
    dst[k] = '\0';
}

/* One fake entry "PATH|VID:PID|SERIAL|PRODUCT" (fields after PATH optional). */
static void parse_fake_entry(const char *s, const char *end, struct port_info *p)
{
    memset(p, 0, sizeof *p);
    const char *f[4] = { s, NULL, NULL, NULL }, *fe[4] = { end, end, end, end };
    int k = 1;
    for (const char *c = s; c < end && k < 4; c++)
        if (*c == '|') {
            fe[k - 1] = c;
            f[k++] = c + 1;
        }
    copy_field(p->path, sizeof p->path, f[0], fe[0]);
    unsigned vid, pid;
    if (f[1] && sscanf(f[1], "%4x:%4x", &vid, &pid) == 2) {
        p->usb = true;
        p->vid = (uint16_t)vid;
        p->pid = (uint16_t)pid;
    }
    if (f[2])
        copy_field(p->serial, sizeof p->serial, f[2], fe[2]);
    if (f[3])
        copy_field(p->product, sizeof p->product, f[3], fe[3]);
    port_enum_guess(p);
}

static int list_fake(const char *spec, struct port_info *out, int max)
{
    int n = 0;
    const char *s = spec;
    while (*s && n < max) {
        const char *end = strchr(s, ';');
        if (!end)
            end = s + strlen(s);
        if (end > s)
            parse_fake_entry(s, end, &out[n++]);
        s = *end ? end + 1 : end;
    }
    return n;
}

static void fill_from_sp(struct sp_port *sp, struct port_info *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->path, sizeof p->path, "%s", sp_get_port_name(sp));
    if (sp_get_port_transport(sp) == SP_TRANSPORT_USB) {
        int vid, pid;
        if (sp_get_port_usb_vid_pid(sp, &vid, &pid) == SP_OK) {
            p->usb = true;
            p->vid = (uint16_t)vid;
            p->pid = (uint16_t)pid;
        }
        const char *v;
        if ((v = sp_get_port_usb_serial(sp)))
            snprintf(p->serial, sizeof p->serial, "%s", v);
        if ((v = sp_get_port_usb_product(sp)))
            snprintf(p->product, sizeof p->product, "%s", v);
        if ((v = sp_get_port_usb_manufacturer(sp)))
            snprintf(p->manufacturer, sizeof p->manufacturer, "%s", v);
    }
    port_enum_guess(p);
}

int port_enum_list(struct port_info *out, int max, eb_err *err)
{
    const char *fake = getenv("ESPBURN_FAKE_PORTS");
    if (fake)
        return list_fake(fake, out, max);
    struct sp_port **list;
    if (sp_list_ports(&list) != SP_OK)
        return eb_fail(err, EB_IO, "cannot list serial ports: %s", sp_last_error_message());
    int n = 0;
    for (int i = 0; list[i] && n < max; i++)
        fill_from_sp(list[i], &out[n++]);
    sp_free_port_list(list);
    return n;
}

int port_enum_likely(struct port_info *out, int max, eb_err *err)
{
    struct port_info *all = calloc(64, sizeof *all);
    if (!all)
        return eb_fail(err, EB_IO, "out of memory");
    int n = port_enum_list(all, 64, err), k = 0;
    for (int i = 0; i < n && k < max; i++)
        if (all[i].likely_esp)
            out[k++] = all[i];
    free(all);
    return n < 0 ? -1 : k;
}

int port_enum_find(const char *path, struct port_info *out)
{
    struct port_info *all = calloc(64, sizeof *all);
    eb_err ignore;
    int n = all ? port_enum_list(all, 64, &ignore) : 0, rc = -1;
    for (int i = 0; i < n && rc; i++)
        if (!strcmp(all[i].path, path)) {
            *out = all[i];
            rc = 0;
        }
    free(all);
    return rc;
}

uint32_t port_enum_max_baud(const char *path)
{
    struct port_info p;
    return port_enum_find(path, &p) == 0 ? p.max_baud : 0;
}

bool port_enum_is_usb_jtag(const char *path)
{
    struct port_info p;
    return port_enum_find(path, &p) == 0 && p.usb && p.vid == 0x303A && p.pid == 0x1001;
}
