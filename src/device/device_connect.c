/* device_connect.c - connecting to a board: reset, SYNC, chip and flash
 * identification, baud switch (fixed or `auto`, climbing and falling back),
 * the flasher stub, and leaving the board. */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "device/device.h"
#include "loader/stub.h"
#include "port/port_enum.h"
#include "port/reset.h"

/* Rates tried by `auto`, highest first: the top rate the port allows, then
 * the next lower one after a failure (each failure costs a reset). */
static const uint32_t auto_rates[] = { 3000000, 2000000, 1500000, 921600, 460800 };
/* The top when the port does not say what its bridge can do (RFC 2217, TCP,
 * an unknown adapter): 2 Mbaud, what the CP2104 and CH9102 bridges do. */
#define AUTO_TOP_UNKNOWN 2000000u

void device_note(const struct device *d, const char *step, const char *why)
{
    if (d->note)
        d->note(d->note_ctx, step, why);
}

/* Back to the ROM at its rate after a failed switch, then to `good`;
 * 1 the link is back, -1 it is lost. */
static int reset_back_to(struct device *d, uint32_t good)
{
    eb_err ignore;
    device_note(d, "reset", "the link failed at the new rate: reset into download mode and go back");
    if (port_set_baud(d->port, DEVICE_CONNECT_BAUD, &ignore) || loader_connect(d->l, d->before, 0, &ignore))
        return -1;
    d->baud = DEVICE_CONNECT_BAUD;
    if (good == DEVICE_CONNECT_BAUD)
        return 1;
    if (loader_change_baud(d->l, good, &ignore))
        return -1;
    d->baud = good;
    return 1;
}

/* Switch to `rate`; 0 done, 1 it failed but the link is back at `good`,
 * -1 the link is lost. */
static int try_rate(struct device *d, uint32_t rate, uint32_t good, eb_err *err)
{
    if (loader_change_baud(d->l, rate, err) == 0) {
        d->baud = rate;
        return 0;
    }
    if (d->port->has_lines && d->before != BEFORE_NO_RESET)
        return reset_back_to(d, good);
    /* no reset line: ask to go back at the new rate, then listen at the old one */
    eb_err ignore;
    return loader_return_to_baud(d->l, good, &ignore) == 0 ? 1 : -1;
}

static int climb_baud(struct device *d, eb_err *err)
{
    uint32_t cap = port_enum_max_baud(d->port_name);
    if (!cap)
        cap = AUTO_TOP_UNKNOWN;
    for (size_t i = 0; i < sizeof auto_rates / sizeof auto_rates[0]; i++) {
        if (auto_rates[i] > cap)
            continue;
        char why[96];
        snprintf(why, sizeof why, "trying %u baud, checking the link with register reads", auto_rates[i]);
        device_note(d, "CHANGE_BAUDRATE", why);
        int r = try_rate(d, auto_rates[i], d->baud, err);
        if (r == 0)
            return 0;
        if (r < 0)
            return eb_wrap(err, "the link failed at %u baud and could not return to %u", auto_rates[i],
                           d->baud);
    }
    return 0;
}

static int switch_baud(const struct device_connect_opts *o, struct device *d, eb_err *err)
{
    if (o->baud_auto && d->resumed)
        return 0; /* the rate that worked last time is running: keep it */
    if (o->baud_auto && d->facts.security.secure_download) {
        snprintf(d->rate_note, sizeof d->rate_note,
                 "-b auto stays at %u baud: Secure Download Mode refuses the register reads that check "
                 "a new rate",
                 d->baud);
        return 0;
    }
    if (o->baud_auto)
        return climb_baud(d, err);
    if (!o->baud || o->baud == d->baud)
        return 0;
    device_note(d, "CHANGE_BAUDRATE", "the ROM listens at 115200 after reset; both sides then switch");
    int r = try_rate(d, o->baud, d->baud, err);
    if (r)
        return r > 0 ? eb_fail(err, EB_IO,
                               "%s: the link does not work at %u baud; use a lower -b (still at %u)",
                               d->port_name, o->baud, d->baud)
                     : eb_wrap(err, "switching to %u baud", o->baud);
    return 0;
}

/* The stub to load: the given file, one found installed, or none (NULL). */
static const char *stub_to_load(const struct device_connect_opts *o, struct device *d, char *found, size_t n)
{
    if (o->stub == DEVICE_STUB_FILE)
        return o->stub_path;
    if (o->stub != DEVICE_STUB_AUTO)
        return NULL;
    if (stub_find(d->l->chip, found, n) == 0)
        return found;
    snprintf(d->stub_missing, sizeof d->stub_missing,
             "no flasher stub found for %s, so the slower ROM loader does the work (about 1.4x the time); "
             "install espburn (cmake --install) or set ESPBURN_DATA_DIR or ESPBURN_STUB_DIR",
             d->l->chip->display);
    device_note(d, "no stub", d->stub_missing);
    return NULL;
}

static int load_stub(const struct device_connect_opts *o, struct device *d, eb_err *err)
{
    char found[1024];
    const char *stub = stub_to_load(o, d, found, sizeof found);
    if (!stub || d->l->stub || d->facts.security.secure_download) /* that ROM refuses MEM_* */
        return 0;
    device_note(d, "MEM_BEGIN/DATA/END",
                "upload the flasher stub to RAM and jump to it: 16 KB blocks "
                "acknowledged before writing, erase as it goes, fast reads");
    return stub_load_file(d->l, stub, err);
}

static int attach_flash(struct device *d, eb_err *err)
{
    device_note(d, "SPI_ATTACH", "the ROM does not talk to the SPI flash until told which pins it is on");
    if (loader_spi_attach(d->l, d->facts.spi_pads, err))
        return -1;
    if (d->facts.security.secure_download)
        return 0; /* RDID needs READ_REG/WRITE_REG, which Secure Download Mode refuses */
    device_note(d, "RDID (0x9F)",
                "read the flash chip's JEDEC id through the SPI controller's "
                "user-command registers: manufacturer and size");
    if (loader_flash_id(d->l, &d->jedec, err))
        return -1;
    d->flash_size = flash_size_from_jedec(d->jedec);
    if (d->flash_size) {
        device_note(d, "SPI_SET_PARAMS", "tell the ROM the flash size so it accepts addresses above 2 MB");
        return loader_spi_set_params(d->l, d->flash_size, err);
    }
    return 0;
}

/* No answer at 115200: a stub left running (--after stay, or a port with
 * no reset lines) may still listen at the rate last used on this port. Try
 * it once without a reset; on failure keep the first error and say so. */
static int resume_at_last_rate(const struct device_connect_opts *o, struct device *d, eb_err *err)
{
    uint32_t rate = o->resume_baud;
    if (!rate || rate == DEVICE_CONNECT_BAUD)
        return -1;
    eb_err ignore;
    device_note(d, "SYNC (last rate)",
                "no answer at 115200: a stub left running may still listen at the "
                "rate last used on this port");
    if (port_set_baud(d->port, rate, &ignore) == 0 &&
        loader_connect(d->l, BEFORE_NO_RESET, 1, &ignore) == 0) {
        d->baud = rate;
        d->resumed = true;
        snprintf(d->rate_note, sizeof d->rate_note,
                 "no answer at %u baud, but the board answered at %u, the rate last used on this port "
                 "(a stub was still running there)",
                 DEVICE_CONNECT_BAUD, rate);
        return 0;
    }
    port_set_baud(d->port, DEVICE_CONNECT_BAUD, &ignore);
    char first[sizeof err->msg];
    memcpy(first, err->msg, sizeof first);
    first[sizeof first - 64] = '\0'; /* room for the tail */
    return eb_fail(err, err->code, "%s (also tried %u baud, the rate last used on this port)", first, rate);
}

/* Reset, SYNC, chip, eFuses: the ROM's side of connecting. */
static int identify(const struct device_connect_opts *o, struct device *d, eb_err *err)
{
    if (loader_connect(d->l, d->before, 0, err) && resume_at_last_rate(o, d, err))
        return -1;
    device_note(d, "GET_SECURITY_INFO",
                "newer ROMs report the chip id here; the ESP32 ROM refuses it, so "
                "read the magic value at 0x40001000 instead");
    if (loader_detect_chip(d->l, err))
        return -1;
    device_note(d, "READ_REG (eFuses)",
                "package, revision, features and the factory MAC are burnt into eFuses");
    return loader_chip_facts(d->l, &d->facts, err);
}

/* Everything after the port is open (d->port, d->own_port set). */
static int connect_steps(const struct device_connect_opts *o, struct device *d, eb_err *err)
{
    d->note = o->note;
    d->note_ctx = o->note_ctx;
    snprintf(d->port_name, sizeof d->port_name, "%s", d->port->name);
    int64_t t0 = eb_now_ms();
    if (d->port->baud != DEVICE_CONNECT_BAUD && port_set_baud(d->port, DEVICE_CONNECT_BAUD, err))
        return -1;
    d->baud = DEVICE_CONNECT_BAUD;
    if (!(d->l = loader_new(d->port)))
        return eb_fail(err, EB_IO, "out of memory");
    d->l->note = o->note;
    d->l->note_ctx = o->note_ctx;
    d->before = o->before;
    if (d->before == BEFORE_DEFAULT && port_enum_is_usb_jtag(d->port_name))
        d->before = BEFORE_USB_JTAG;
    if (identify(o, d, err) || switch_baud(o, d, err) || load_stub(o, d, err) || attach_flash(d, err))
        return -1;
    d->connect_ms = eb_now_ms() - t0;
    return 0;
}

int device_connect_port(const struct device_connect_opts *o, struct port *port, struct device *d, eb_err *err)
{
    memset(d, 0, sizeof *d);
    d->port = port;
    return connect_steps(o, d, err);
}

int device_connect(const struct device_connect_opts *o, const char *port_name, struct device *d, eb_err *err)
{
    memset(d, 0, sizeof *d);
    snprintf(d->port_name, sizeof d->port_name, "%s", port_name);
    if (port_open(port_name, DEVICE_CONNECT_BAUD, &d->port, err))
        return -1;
    d->own_port = true;
    return connect_steps(o, d, err);
}

int device_finish(struct device *d, enum device_after after, bool asked, eb_err *err)
{
    if (!d->l || after == DEVICE_AFTER_STAY)
        return 0;
    if (after == DEVICE_AFTER_NO_RESET) {
        device_note(d, "run user code", "leave the loader without a reset: the flashed firmware starts");
        return loader_run_user_code(d->l, err);
    }
    if (!d->port->has_lines && !asked)
        return 0; /* without modem lines, reboot through the loader only when asked to */
    device_note(d, "hard reset",
                d->port->has_lines
                    ? "pulse EN low through RTS so the chip boots the new firmware"
                    : "no modem lines on this port: ask the loader to reboot the chip (FLASH_END)");
    return loader_hard_reset(d->l, err);
}

int device_reset(const struct device_connect_opts *o, const char *port_name, enum device_reset_how *how,
                 eb_err *err)
{
    struct port *p = NULL;
    if (port_open(port_name, DEVICE_CONNECT_BAUD, &p, err))
        return -1;
    int rc = 0;
    bool lines = p->has_lines;
    if (lines) {
        rc = port_reset_run(p, port_reset_seq(PORT_RESET_HARD), err);
        lines = p->has_lines; /* a pty may turn out to have none */
    }
    port_close(p);
    *how = lines ? DEVICE_RESET_LINES : DEVICE_RESET_ROM_REBOOT;
    if (rc || lines)
        return rc;
    struct device d = { 0 };
    rc = device_connect(o, port_name, &d, err) || device_finish(&d, DEVICE_AFTER_HARD_RESET, true, err);
    device_close(&d);
    return rc ? -1 : 0;
}

void device_close(struct device *d)
{
    loader_free(d->l);
    if (d->own_port)
        port_close(d->port);
    d->l = NULL;
    d->port = NULL;
    d->own_port = false;
}

uint64_t device_wire_bytes(const struct device *d)
{
    return d->l ? d->l->tx_bytes + d->l->rx_bytes : 0;
}

void device_mac_text(const struct device *d, char out[18])
{
    const uint8_t *m = d->facts.mac;
    if (!d->facts.have_mac)
        snprintf(out, 18, "unknown");
    else
        snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}
