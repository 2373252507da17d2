/* api.h - what the handles of the public API (include/espburn.h) hold:
 * each wraps the internal object of the layer that does the work. Shared
 * by the files of src/api/ only. */
#ifndef ESPBURN_API_H
#define ESPBURN_API_H

#include "espburn.h"

#include "boot/bootlog.h"
#include "device/device.h"
#include "mpy/fs.h"
#include "mpy/session.h"
#include "plan/plan.h"
#include "port/port.h"

struct eb_port {
    struct port *p;
};

struct eb_device {
    struct device d;
};

struct eb_plan {
    struct plan p;
};

struct eb_mpy {
    struct mpy m;
    struct mpy_fs fs;
};

struct eb_bootlog {
    struct bootlog *bl;
};

/* EB_USAGE "NAME is NULL: ..." when `p` is NULL; 0 otherwise. */
int api_need(const void *p, const char *name, eb_err *err);

#endif
