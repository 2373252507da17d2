/* start.c - attach, raw REPL, file helpers: the start of a session. */
#include "mpy/start.h"

static int enter(const struct mpy_start_opts *o, struct mpy *m, struct mpy_fs *fs, eb_err *err)
{
    if (o->timeout_ms > 0)
        m->timeout_ms = o->timeout_ms;
    if (mpy_enter_raw(m, err))
        return -1;
    if (!o->with_fs)
        return 0;
    if (mpy_fs_init(fs, m, err))
        return -1;
    fs->allow_deflate = !o->no_deflate;
    fs->allow_binary = !o->no_binary;
    return 0;
}

int mpy_start(struct port *port, const struct mpy_start_opts *o, struct mpy *m, struct mpy_fs *fs,
              eb_err *err)
{
    if (mpy_attach(port, m, err))
        return -1;
    if (enter(o, m, fs, err)) {
        mpy_detach(m);
        return -1;
    }
    return 0;
}

int mpy_start_named(const char *port_name, uint32_t baud, const struct mpy_start_opts *o, struct mpy *m,
                    struct mpy_fs *fs, eb_err *err)
{
    if (mpy_open(port_name, baud, m, err))
        return -1;
    if (enter(o, m, fs, err)) {
        mpy_close(m);
        return -1;
    }
    return 0;
}
