/* port_enum.h - which serial ports exist and which look like ESP boards:
 * USB VID:PID, serial number and product from libserialport, and a guess
 * of the USB bridge/board from a table. A fake backend (ESPBURN_FAKE_PORTS,
 * "PATH|VID:PID|SERIAL|PRODUCT;...") stands in for the system in tests. */
#ifndef ESPBURN_PORT_ENUM_H
#define ESPBURN_PORT_ENUM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct port_info {
    char path[256];
    bool usb;
    uint16_t vid, pid;
    char serial[64], product[128], manufacturer[64];
    char guess[96]; /* "CP210x (M5Stack Fire/Core, many ESP32 DevKits)" or "" */
    bool likely_esp;
    uint32_t max_baud; /* the bridge's top rate, 0 when unknown */
};

/* Every port (at most max); returns the count or -1. */
int port_enum_list(struct port_info *out, int max, eb_err *err);
/* Only the ports that look like ESP boards. */
int port_enum_likely(struct port_info *out, int max, eb_err *err);
/* Fill guess/likely_esp/max_baud from vid:pid. */
void port_enum_guess(struct port_info *p);
/* The listed port named `path`: 0, or -1 when it is not listed. */
int port_enum_find(const char *path, struct port_info *out);
/* Top rate of the bridge behind `path`, 0 when unknown (not USB, not listed). */
uint32_t port_enum_max_baud(const char *path);
/* True for Espressif's built-in USB-Serial/JTAG (its own reset sequence). */
bool port_enum_is_usb_jtag(const char *path);

#endif
