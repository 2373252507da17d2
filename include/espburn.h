/* espburn.h - libespburn, the public API.
 *
 * libespburn puts firmware and Python code on ESP32-family boards over the
 * ROM serial protocol: it opens a port by name, connects to the chip in
 * download mode (reset, SYNC, chip and flash identification, a faster baud
 * rate, a flasher stub), builds and checks flash plans from folders,
 * manifests, scripts and address/file pairs, flashes them (skipping
 * unchanged sectors, compressing ahead, verifying by MD5), verifies, reads
 * and erases flash, explains boot logs fed to it as they stream, and works
 * with MicroPython's raw REPL and filesystem.
 *
 * Conventions, for every function below:
 * - Types are opaque handles (eb_port, eb_device, eb_plan, eb_mpy,
 *   eb_bootlog) made by a *_open/_new/_build/eb_connect function and freed
 *   by the matching *_close/_free function; NULL is accepted there.
 * - A function that can fail takes `eb_err *err` last (may be NULL) and
 *   returns 0 on success, or -1 after filling err: err->code is EB_PROBLEM
 *   (a check failed or was refused), EB_USAGE (a bad argument) or EB_IO (a
 *   port, file or board failed), and err->msg one sentence that says what
 *   happened and what to do.
 * - Nothing is printed and nothing exits; long operations report through
 *   callbacks the caller gives, and the library keeps no global state. A
 *   handle is used by one thread at a time; different boards may be driven
 *   from different threads at once.
 * - Strings in result structs point into the handle they came from and stay
 *   valid until it is freed, unless said otherwise.
 *
 * Build against it with `pkg-config --cflags --libs espburn`. */
#ifndef ESPBURN_H
#define ESPBURN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "espburn_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define EB_API __attribute__((visibility("default")))
#else
#define EB_API
#endif

/* ---- version ----------------------------------------------------------- */

#define EB_VERSION_MAJOR  0
#define EB_VERSION_MINOR  1
#define EB_VERSION_PATCH  0
#define EB_VERSION_STRING "0.1.0"

/* The library's version, "MAJOR.MINOR.PATCH" (EB_VERSION_STRING of the
 * build that made it, which may differ from the header's). Static string. */
EB_API const char *eb_version(void);

/* Free memory the library handed over with "free with eb_free". */
EB_API void eb_free(void *p);

/* ---- ports ------------------------------------------------------------- */

typedef struct eb_port eb_port;

/* Open a port by name at `baud` (0: 115200): a serial device
 * ("/dev/ttyUSB0", "COM5"), "socket://HOST:PORT" (raw TCP) or
 * "rfc2217://HOST:PORT" (serial over telnet, with DTR/RTS and baud
 * control). Nothing is sent and the board is not reset. EB_IO when it
 * cannot be opened. */
EB_API int eb_port_open(const char *name, uint32_t baud, eb_port **out, eb_err *err);
/* The name it was opened with. */
EB_API const char *eb_port_name(const eb_port *port);
/* A non-fatal problem met on the port (e.g. a pty without modem lines),
 * or "" when none. */
EB_API const char *eb_port_warning(const eb_port *port);
/* Close the port. Close the devices and sessions using it first. */
EB_API void eb_port_close(eb_port *port);

/* ---- connecting to a board in download mode ---------------------------- */

typedef struct eb_device eb_device;

/* How to reset into download mode (esptool's --before). */
enum eb_before {
    EB_BEFORE_DEFAULT = 0, /* DTR/RTS into the ROM loader (USB-Serial/JTAG's sequence on such a port) */
    EB_BEFORE_USB_JTAG,    /* the USB-Serial/JTAG sequence */
    EB_BEFORE_NO_RESET     /* the board is already in download mode */
};
/* How to leave the board (esptool's --after). */
enum eb_after {
    EB_AFTER_HARD_RESET = 0, /* pulse EN (without modem lines: the loader reboots the chip) */
    EB_AFTER_NO_RESET,       /* leave the loader and run the flashed code without a reset */
    EB_AFTER_STAY            /* stay in the loader */
};
/* The flasher stub (a small program in the chip's RAM that writes and
 * reads faster than the ROM). espburn never ships one: it uses a file the
 * caller names, or finds an installed esptool-js / esptool one. */
enum eb_stub {
    EB_STUB_AUTO = 0, /* use an installed stub when one is found, else the ROM */
    EB_STUB_NONE,     /* the ROM loader only */
    EB_STUB_FILE      /* the stub JSON file in stub_file (esptool / esptool-js format) */
};

#define EB_BAUD_AUTO UINT32_MAX /* climb to the fastest rate that works, falling back */

/* One protocol step and why it is done (what `espburn --explain` shows). */
typedef void (*eb_note_fn)(void *ctx, const char *step, const char *why);

typedef struct eb_connect_opts {
    enum eb_before before;
    uint32_t baud; /* rate after connecting at 115200: 0 stays there; EB_BAUD_AUTO climbs */
    enum eb_stub stub;
    const char *stub_file; /* EB_STUB_FILE */
    eb_note_fn note;       /* may be NULL */
    void *ctx;             /* for note */
} eb_connect_opts;

/* Connect to the board on `port` (which it borrows: close the device before
 * the port): reset into download mode, SYNC, identify the chip and read its
 * eFuses, switch baud, load the stub, attach the flash and read its id and
 * size. `opts` may be NULL (all defaults: reset, 115200, stub if found).
 * EB_IO when the board does not answer (the message says what its boot
 * output showed), or when a fixed baud rate does not work. */
EB_API int eb_connect(eb_port *port, const eb_connect_opts *opts, eb_device **out, eb_err *err);

typedef struct eb_device_info {
    char chip[16];            /* "esp32", "esp32s3": the --chip spelling */
    char chip_name[24];       /* "ESP32", "ESP32-S3" */
    char description[48];     /* "ESP32-D0WDQ6": package and variant from the eFuses */
    int rev_major, rev_minor; /* -1 when unknown */
    unsigned nfeatures;
    char features[8][64]; /* "Wi-Fi", "BT", "Dual Core", ... */
    int xtal_mhz;         /* 0 when unknown */
    int have_mac;
    uint8_t mac[6];
    uint32_t flash_id;   /* JEDEC id from RDID (0 when not readable) */
    uint32_t flash_size; /* bytes, 0 when unknown */
    char flash_maker[32];
    uint32_t baud; /* the rate in use */
    int stub;      /* a flasher stub is running */
    int security_known;
    int flash_encryption, secure_boot, secure_boot_version, secure_download;
    double connect_seconds;
} eb_device_info;

/* What the board is: fills *out. */
EB_API void eb_device_get_info(const eb_device *d, eb_device_info *out);

/* Leave the board as `after` says (explicitly: without modem lines a hard
 * reset is asked of the loader). The device stays open; close it after. */
EB_API int eb_finish(eb_device *d, enum eb_after after, eb_err *err);
/* Free the device (the board is left as it is; the port stays open). */
EB_API void eb_device_close(eb_device *d);

/* ---- flash plans ------------------------------------------------------- */

typedef struct eb_plan eb_plan;

typedef struct eb_plan_opts {
    const char *chip;    /* "esp32s3" ...: the board's chip, or NULL (from the images) */
    uint32_t flash_size; /* the board's flash in bytes (checks the table fits), or 0 */
    int force;           /* accept a refused plan (it keeps its errors; eb_flash then needs force too) */
} eb_plan_opts;

/* Build and check the plan (which bytes go to which address) from
 * `nsources` sources: a folder (roles found by content), a manifest
 * (flasher_args.json, flash_project_args, esp-web-tools manifest.json,
 * fw.json), a script with an esptool write_flash line, "ADDR FILE" pairs
 * as two consecutive sources, or "FILE@ADDR". Fails only when a source
 * cannot be read or understood; layout problems become findings, and an
 * error finding refuses the plan (eb_plan_refused). `opts` may be NULL. */
EB_API int eb_plan_build(int nsources, const char *const *sources, const eb_plan_opts *opts, eb_plan **out,
                         eb_err *err);
EB_API void eb_plan_free(eb_plan *p);

/* The plan's chip ("esp32"), and what kind of source it came from ("folder", ...). */
EB_API const char *eb_plan_chip(const eb_plan *p);
EB_API const char *eb_plan_source_kind(const eb_plan *p);
/* 1 when an error finding refuses the plan (nothing should be written). */
EB_API int eb_plan_refused(const eb_plan *p);

typedef struct eb_plan_region {
    uint32_t addr;
    size_t size;
    const char *path;      /* the file as named */
    const char *role;      /* "bootloader", "partition-table", "app", ... */
    const char *partition; /* the partition it lands in, or "" */
    const char *summary;   /* what the file is, in one line */
} eb_plan_region;
EB_API unsigned eb_plan_region_count(const eb_plan *p);
/* Region i (sorted by address); EB_USAGE when i is out of range. */
EB_API int eb_plan_get_region(const eb_plan *p, unsigned i, eb_plan_region *out, eb_err *err);

enum eb_level {
    EB_LEVEL_INFO = 0,
    EB_LEVEL_WARNING,
    EB_LEVEL_ERROR /* refuses the plan */
};
typedef struct eb_finding {
    enum eb_level level;
    const char *level_name; /* "info", "warning", "error" */
    const char *code;       /* stable id: "app-at-bootloader-offset" */
    const char *text;       /* what is wrong, why, and the fix */
    const char *effect;     /* errors: what happens on the board if written anyway; else "" */
} eb_finding;
EB_API unsigned eb_plan_finding_count(const eb_plan *p);
EB_API int eb_plan_get_finding(const eb_plan *p, unsigned i, eb_finding *out, eb_err *err);

/* The equivalent esptool command line for the plan, at `port` (NULL:
 * "PORT") and `baud` (0: none given). Free with eb_free; NULL when out of
 * memory. */
EB_API char *eb_plan_esptool_command(const eb_plan *p, const char *port, uint32_t baud);

/* ---- flashing, verifying, reading, erasing ----------------------------- */

/* The bootloader header as written to the board (esptool's
 * --flash-mode/--flash-freq/--flash-size): NULL = the plan's value (else
 * the file's), "keep", or a value: "qio"/"dio"/..., "40m"/"80m"/...,
 * "4MB"/"16MB"/"detect". */
typedef struct eb_header_opts {
    const char *flash_mode, *flash_freq, *flash_size;
} eb_header_opts;

enum eb_event_kind {
    EB_EVENT_UP_TO_DATE = 0, /* a region already holds its bytes: nothing written */
    EB_EVENT_WRITTEN,        /* a region was written and verified */
    EB_EVENT_ERASING,        /* the whole flash is being erased */
    EB_EVENT_NOTE            /* worth knowing: otadata left as it is, the header's flash size */
};
typedef struct eb_event {
    enum eb_event_kind kind;
    int region;       /* index in the result's regions, or -1 */
    uint32_t addr;    /* the flash address concerned, or 0 */
    const char *text; /* one line for a person; valid during the call */
} eb_event;
typedef void (*eb_event_fn)(void *ctx, const eb_event *ev);
/* Bytes of region `region` done so far, of `total` (those to write there). */
typedef void (*eb_progress_fn)(void *ctx, unsigned region, size_t done, size_t total);

typedef struct eb_flash_opts {
    eb_header_opts header;
    int no_skip;       /* write every sector, even those that already match */
    int erase_all;     /* erase the whole flash first */
    int erase_otadata; /* erase the plan's otadata partition, so the first app boots */
    int force; /* write a refused plan, past the wrong-chip, table-size, flash-encryption and secure-boot checks */
    eb_progress_fn progress;             /* may be NULL */
    eb_event_fn event;                   /* may be NULL */
    void *ctx;                           /* for progress and event */
    const volatile sig_atomic_t *cancel; /* may be NULL; set non-zero to stop between blocks */
} eb_flash_opts;

enum eb_region_state {
    EB_REGION_PENDING = 0, /* not reached */
    EB_REGION_UP_TO_DATE,  /* already held its bytes (checked by MD5) */
    EB_REGION_WRITTEN,     /* written and verified */
    EB_REGION_FAILED
};
/* "pending", "up-to-date", "written", "failed". Static string. */
EB_API const char *eb_region_state_name(enum eb_region_state state);

typedef struct eb_region_result {
    uint32_t addr;
    size_t size;
    const char *path, *role; /* valid while the plan lives */
    enum eb_region_state state;
    int header_patched; /* the bootloader header was changed for this board */
    size_t written;     /* bytes written */
    size_t wire_bytes;  /* their compressed size */
} eb_region_result;
typedef struct eb_flash_result {
    unsigned nregions;
    eb_region_result *regions;
    size_t written;      /* bytes written in all */
    uint64_t wire_bytes; /* bytes both ways on the wire during the call */
    double seconds;
} eb_flash_result;

/* Write plan `p` to the board: the board checks first (wrong chip, images
 * beyond the flash, flash encryption, secure boot, Secure Download Mode:
 * EB_PROBLEM and nothing written), then every region's changed 4 KB
 * sectors (found by MD5 on the chip), compressed, each verified by MD5.
 * `opts` may be NULL. `res` (may be NULL) is filled as far as it got, also
 * on failure; free it with eb_flash_result_free. A board lost midway gives
 * EB_IO with the regions that are complete; calling again resumes (done
 * sectors are skipped). The cancel flag gives EB_PROBLEM. */
EB_API int eb_flash(eb_device *d, const eb_plan *p, const eb_flash_opts *opts, eb_flash_result *res,
                    eb_err *err);
EB_API void eb_flash_result_free(eb_flash_result *res);

typedef struct eb_verify_region {
    uint32_t addr;
    size_t size;
    const char *path; /* valid while the plan lives */
    int matches;
} eb_verify_region;
/* Compare every region of `p` (the bootloader header as eb_flash with
 * `header` would write it; NULL: the plan's) with the board's flash by MD5.
 * *out (free with eb_free) gets one entry per region, *ndiff how many
 * differ. Returns 0 also when some differ. */
EB_API int eb_verify(eb_device *d, const eb_plan *p, const eb_header_opts *header, eb_verify_region **out,
                     unsigned *n, unsigned *ndiff, eb_err *err);

/* Read `size` bytes of flash at `addr` into buf, checked against the
 * chip's MD5 of the range (EB_PROBLEM when the link damaged them).
 * `progress` (may be NULL) gets region 0. */
EB_API int eb_read_flash(eb_device *d, uint32_t addr, uint32_t size, void *buf, eb_progress_fn progress,
                         void *ctx, eb_err *err);

/* Erase `size` bytes at `addr` (both multiples of 4 KB), or the whole
 * flash when size is 0; then check it reads back erased. */
EB_API int eb_erase(eb_device *d, uint32_t addr, uint32_t size, eb_err *err);

/* ---- boot logs --------------------------------------------------------- */

typedef struct eb_bootlog eb_bootlog;

/* An analyzer of what a board prints while it boots, fed as it streams (any
 * chunking): it recognises the ROM, the second-stage bootloader and the
 * application, and keeps one finding per distinct problem (boot loops,
 * catalogued failures, brown-outs, crashes, an application where the
 * bootloader belongs ...). `chip` ("esp32", ...) or NULL: from the banner.
 * EB_USAGE for an unknown chip name. */
EB_API int eb_bootlog_new(const char *chip, eb_bootlog **out, eb_err *err);
/* Feed bytes; `t_seconds` is their arrival time when known (a live port),
 * or negative (timestamps in the text are used). */
EB_API void eb_bootlog_feed(eb_bootlog *b, const char *data, size_t n, double t_seconds);
/* End of input: analyse the last partial line and conclude. */
EB_API void eb_bootlog_finish(eb_bootlog *b);
/* 1 when some finding is a boot failure. */
EB_API int eb_bootlog_failed(const eb_bootlog *b);

enum eb_boot_level {
    EB_BOOT_INFO = 0,
    EB_BOOT_WARN,
    EB_BOOT_FAIL
};
typedef struct eb_boot_finding {
    enum eb_boot_level level;
    const char *level_name; /* "info", "warn", "fail" */
    const char *code;       /* stable id */
    const char *what, *why, *fix;
    unsigned line;  /* log line where it was first seen */
    unsigned count; /* how many times */
} eb_boot_finding;
EB_API unsigned eb_bootlog_count(const eb_bootlog *b);
/* Finding i; the strings stay valid until the next feed or free. */
EB_API int eb_bootlog_get_finding(const eb_bootlog *b, unsigned i, eb_boot_finding *out, eb_err *err);
EB_API void eb_bootlog_free(eb_bootlog *b);

/* ---- MicroPython ------------------------------------------------------- */

typedef struct eb_mpy eb_mpy;

typedef struct eb_mpy_opts {
    int timeout_ms;                   /* longest silence while code runs; 0: 10 s */
    int no_deflate;                   /* never compress file data */
    int no_binary;                    /* send file data as base64, never raw over stdin */
    volatile sig_atomic_t *interrupt; /* may be NULL; non-zero during eb_mpy_exec sends Ctrl-C */
} eb_mpy_opts;

/* Start a session with MicroPython on `port` (borrowed: close the session
 * first): the board is not reset; whatever runs is stopped (Ctrl-C), the
 * raw REPL entered and the file helpers defined. `opts` may be NULL.
 * EB_IO when no MicroPython answers. */
EB_API int eb_mpy_open(eb_port *port, const eb_mpy_opts *opts, eb_mpy **out, eb_err *err);
/* Back to the friendly REPL; the port stays open. */
EB_API void eb_mpy_close(eb_mpy *m);

typedef void (*eb_output_fn)(void *ctx, const uint8_t *data, size_t n);
/* Run `code` (NUL-terminated Python source). Its stdout streams to `out`,
 * a traceback to `errout` (either may be NULL). EB_PROBLEM when the code
 * raised (the message is the exception's last line), EB_IO when the board
 * stopped answering. */
EB_API int eb_mpy_exec(eb_mpy *m, const char *code, eb_output_fn out, eb_output_fn errout, void *ctx,
                       eb_err *err);

typedef struct eb_mpy_entry {
    char *path; /* relative to the listed folder (recursive: with sub-folders) */
    char type;  /* 'f' file, 'd' folder */
    long size;
} eb_mpy_entry;
/* The entries of a folder on the board (recursive: the whole tree), or the
 * one entry of a file; free with eb_mpy_entries_free. */
EB_API int eb_mpy_ls(eb_mpy *m, const char *path, int recursive, eb_mpy_entry **out, size_t *n, eb_err *err);
EB_API void eb_mpy_entries_free(eb_mpy_entry *entries, size_t n);

/* Copy a file from the board (checked by SHA-256 where the board has it);
 * *data (free with eb_free) and *len get its bytes. */
EB_API int eb_mpy_get(eb_mpy *m, const char *remote, uint8_t **data, size_t *len, eb_err *err);
/* Write a file on the board atomically (a temporary name, size and SHA-256
 * checked on the board, then renamed over the old file). */
EB_API int eb_mpy_put(eb_mpy *m, const char *remote, const void *data, size_t len, eb_err *err);
/* The same from a local file. */
EB_API int eb_mpy_put_file(eb_mpy *m, const char *local, const char *remote, eb_err *err);
EB_API int eb_mpy_rm(eb_mpy *m, const char *path, int recursive, eb_err *err);
EB_API int eb_mpy_mkdir(eb_mpy *m, const char *path, eb_err *err);

enum eb_sync_action {
    EB_SYNC_ADD = 0,
    EB_SYNC_UPDATE,
    EB_SYNC_DELETE,
    EB_SYNC_SAME,
    EB_SYNC_MKDIR
};
typedef struct eb_sync_opts {
    int delete_extra;           /* remove board files the local folder lacks */
    int dry_run;                /* report what would happen, change nothing */
    const char *const *exclude; /* fnmatch patterns on relative path or name */
    size_t nexclude;
    void (*report)(void *ctx, enum eb_sync_action action, const char *remote_path, size_t bytes);
    void *ctx;
} eb_sync_opts;
typedef struct eb_sync_result {
    size_t added, updated, deleted, unchanged, dirs;
    size_t bytes; /* file bytes written */
} eb_sync_result;
/* Make board folder `remote_dir` equal to local folder `local_dir`:
 * unchanged files found by size and SHA-256 computed on the board, changed
 * ones written atomically. `opts` and `res` may be NULL. */
EB_API int eb_mpy_sync(eb_mpy *m, const char *local_dir, const char *remote_dir, const eb_sync_opts *opts,
                       eb_sync_result *res, eb_err *err);

#ifdef __cplusplus
}
#endif

#endif
