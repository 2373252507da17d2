/* api_device.c - the public API's ports, devices and flash workflows, over
 * src/port and src/device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

int api_need(const void *p, const char *name, eb_err *err)
{
    return p ? 0 : eb_fail(err, EB_USAGE, "%s is NULL: pass a valid one (see espburn.h)", name);
}

const char *eb_version(void)
{
    return ESPBURN_VERSION;
}

void eb_free(void *p)
{
    free(p);
}

/* ---- ports ------------------------------------------------------------- */

int eb_port_open(const char *name, uint32_t baud, eb_port **out, eb_err *err)
{
    if (api_need(out, "out", err) || api_need(name, "the port name", err))
        return -1;
    *out = NULL;
    eb_port *port = calloc(1, sizeof *port);
    if (!port)
        return eb_fail(err, EB_IO, "out of memory");
    if (port_open(name, baud ? baud : DEVICE_CONNECT_BAUD, &port->p, err)) {
        free(port);
        return -1;
    }
    *out = port;
    return 0;
}

const char *eb_port_name(const eb_port *port)
{
    return port ? port->p->name : "";
}

const char *eb_port_warning(const eb_port *port)
{
    return port ? port->p->warning : "";
}

void eb_port_close(eb_port *port)
{
    if (port)
        port_close(port->p);
    free(port);
}

/* ---- devices ----------------------------------------------------------- */

static struct device_connect_opts connect_opts(const eb_connect_opts *o)
{
    static const enum before_mode before[] = { BEFORE_DEFAULT, BEFORE_USB_JTAG, BEFORE_NO_RESET };
    static const enum device_stub stub[] = { DEVICE_STUB_AUTO, DEVICE_STUB_NONE, DEVICE_STUB_FILE };
    struct device_connect_opts c = { .stub = DEVICE_STUB_AUTO };
    if (!o)
        return c;
    c.before = (unsigned)o->before <= EB_BEFORE_NO_RESET ? before[o->before] : BEFORE_DEFAULT;
    c.baud_auto = o->baud == EB_BAUD_AUTO;
    c.baud = c.baud_auto ? 0 : o->baud;
    c.stub = (unsigned)o->stub <= EB_STUB_FILE ? stub[o->stub] : DEVICE_STUB_AUTO;
    c.stub_path = o->stub_file;
    c.note = o->note;
    c.note_ctx = o->ctx;
    return c;
}

int eb_connect(eb_port *port, const eb_connect_opts *opts, eb_device **out, eb_err *err)
{
    if (api_need(out, "out", err) || api_need(port, "the port", err))
        return -1;
    *out = NULL;
    if (opts && opts->stub == EB_STUB_FILE && !opts->stub_file)
        return eb_fail(err, EB_USAGE, "EB_STUB_FILE needs stub_file: name the stub JSON file");
    eb_device *d = calloc(1, sizeof *d);
    if (!d)
        return eb_fail(err, EB_IO, "out of memory");
    struct device_connect_opts c = connect_opts(opts);
    if (device_connect_port(&c, port->p, &d->d, err)) {
        device_close(&d->d);
        free(d);
        return -1;
    }
    *out = d;
    return 0;
}

static void copy_security(const struct security_info *s, eb_device_info *out)
{
    out->security_known = s->known;
    out->flash_encryption = s->flash_encryption;
    out->secure_boot = s->secure_boot;
    out->secure_boot_version = s->secure_boot_version;
    out->secure_download = s->secure_download;
}

void eb_device_get_info(const eb_device *dev, eb_device_info *out)
{
    memset(out, 0, sizeof *out);
    if (!dev)
        return;
    const struct device *d = &dev->d;
    const struct chip *c = d->l->chip;
    snprintf(out->chip, sizeof out->chip, "%s", c ? c->name : "unknown");
    snprintf(out->chip_name, sizeof out->chip_name, "%s", c ? c->display : "unknown");
    snprintf(out->description, sizeof out->description, "%s", d->facts.description);
    out->rev_major = d->facts.rev_major;
    out->rev_minor = d->facts.rev_minor;
    for (unsigned i = 0; i < d->facts.nfeatures && i < 8; i++)
        snprintf(out->features[out->nfeatures++], sizeof out->features[0], "%s", d->facts.features[i]);
    out->xtal_mhz = d->facts.xtal_mhz;
    out->have_mac = d->facts.have_mac;
    memcpy(out->mac, d->facts.mac, sizeof out->mac);
    out->flash_id = d->jedec;
    out->flash_size = d->flash_size;
    snprintf(out->flash_maker, sizeof out->flash_maker, "%s", flash_manufacturer_name(d->jedec & 0xFF));
    out->baud = d->baud;
    out->stub = d->l->stub;
    copy_security(&d->facts.security, out);
    out->connect_seconds = d->connect_ms / 1000.0;
}

int eb_finish(eb_device *d, enum eb_after after, eb_err *err)
{
    static const enum device_after map[] = { DEVICE_AFTER_HARD_RESET, DEVICE_AFTER_NO_RESET,
                                             DEVICE_AFTER_STAY };
    if (api_need(d, "the device", err))
        return -1;
    if ((unsigned)after > EB_AFTER_STAY)
        return eb_fail(err, EB_USAGE,
                       "after must be EB_AFTER_HARD_RESET, EB_AFTER_NO_RESET or EB_AFTER_STAY");
    return device_finish(&d->d, map[after], true, err);
}

void eb_device_close(eb_device *d)
{
    if (d)
        device_close(&d->d);
    free(d);
}
