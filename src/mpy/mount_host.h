/* mount_host.h - the host folder behind the board's /remote: the mount
 * protocol's requests carried out on it. Paths cannot leave the folder
 * (no "..", no symlink out of it); files the board writes go to a
 * temporary file that replaces the real one only when the board closes it,
 * so a half-written file never appears. */
#ifndef ESPBURN_MPY_MOUNT_HOST_H
#define ESPBURN_MPY_MOUNT_HOST_H

#include <stdbool.h>

#include "common/bytes.h"
#include "common/err.h"
#include "mpy/mount_proto.h"

struct mount_file {
    int fd; /* -1: free */
    bool write;
    char *tmp, *final; /* for writes: the temporary file and where it goes at close */
};

struct mount_host {
    char root[4096]; /* the folder, resolved (no symlinks) */
    struct mount_file files[MOUNT_MAX_FDS];
};

int mount_host_open(struct mount_host *h, const char *dir, eb_err *err);
/* Carry out one request: *status 0 with the answer's payload in `out`, or
 * an errno value (MicroPython's numbers) for the board to raise. */
void mount_host_do(struct mount_host *h, const struct mount_req *r, unsigned *status, bytes *out);
/* Close what the board left open; unfinished writes are dropped. */
void mount_host_close(struct mount_host *h);

#endif
