/* engine.h - the virtual board as a state machine: bytes in, bytes out,
 * time injected by the caller (microseconds on any monotonic clock).
 *
 * The engine knows nothing of sockets. A transport feeds it the bytes the
 * host sends (with the time each one reaches the UART), the modem lines and
 * the host's line rate, and takes out the bytes the board sends, each
 * batch stamped with the time it may leave. Without realtime every cost is
 * zero and every byte is ready at once (unit tests). */
#ifndef ESPBURN_SIM_ENGINE_H
#define ESPBURN_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <nettle/md5.h>
#include <zlib.h>

#include "common/bytes.h"
#include "common/err.h"
#include "loader/slip.h"
#include "sim/board.h"
#include "sim/memory.h"
#include "sim/nor_flash.h"
#include "sim/spi_flash.h"
#include "loader/stub_known.h"

/* Faults on demand (--fault). Counters are 1-based; 0 = off. */
struct sim_faults {
    uint64_t drop_byte;        /* the Nth byte received is lost */
    uint64_t corrupt_byte;     /* the Nth byte received has its bits flipped */
    uint32_t stop_after;       /* answers nothing after the first N requests */
    uint32_t disconnect_write; /* the link drops during the Nth flash data packet */
    uint32_t brownout_write;   /* brown-out reset during the Nth flash data packet */
    bool gpio0_stuck_high;     /* never enters download mode */
    bool tx_dead;              /* receives but never answers */
    bool brownout_at_boot;     /* boot from flash: the supply droops when the app starts */
    bool psram_missing;        /* boot from flash: the board has no PSRAM */
};

/* Costs of the modelled hardware, in microseconds (docs/sim.md cites each):
 * the flash part's row (chip/flash_parts.c), and what the chip does. */
struct sim_timing {
    struct flash_timing flash;
    uint32_t read_bytes_per_ms; /* flash read (and MD5 over it) */
    uint32_t inflate_bytes_per_ms;
};
/* The costs a board with this flash part charges in --realtime. */
struct sim_timing sim_timing_of(const struct flash_part *part);

enum sim_state {
    SIM_OFF,       /* no power yet (before the first connection) */
    SIM_IN_RESET,  /* EN held low */
    SIM_ROM,       /* ROM serial loader (download mode) */
    SIM_STUB,      /* the flasher stub is (pretended to be) running */
    SIM_USER_CODE, /* booted from flash or jumped to code: silent here */
};

/* One transfer in progress (FLASH_*, FLASH_DEFL_*, MEM_*). */
struct sim_transfer {
    bool active, deflate;
    uint32_t offset, size, block_size;
    uint32_t written;    /* bytes written so far (uncompressed) */
    uint32_t next_erase; /* stub: the next sector to erase (esptool's next_erase_sector) */
    uint32_t erase_end;  /* stub: end of the region's sectors, all erased by then */
    z_stream z;
    bool z_live;
    uint8_t *out; /* stub: its 32 KB inflate output buffer, written when full */
    uint32_t out_len;
};
#define SIM_STUB_INFLATE_BUF 32768u /* esptool stub_write_flash.c: out_buf[32768] */

#define SIM_MEM_SEGMENTS 8
struct sim_segment {
    uint32_t addr, size, received;
};

/* Stub READ_FLASH in progress: windowed, acknowledged. */
struct sim_reader {
    bool active;
    uint32_t addr, len, block, window, sent, acked;
    struct md5_ctx md5;
};

struct sim_tx_mark {
    size_t end;
    uint64_t at_us;
};

struct sim {
    const struct sim_board *board;
    const struct chip *chip;
    struct sim_flash *flash;
    struct sim_faults faults;
    const struct sim_timing *timing; /* NULL: no costs (not realtime); else &timing_store */
    struct sim_timing timing_store;
    bool strap_download; /* GPIO0 level when no lines drive it */

    enum sim_state state;
    /* Lines and reset circuit. */
    bool has_lines, dtr, rts, en_low, io0_low, usb_download_armed;
    bool boot_pending;
    uint64_t boot_at_us;
    /* UART. */
    uint32_t baud;      /* the board's rate */
    uint32_t host_baud; /* the host's rate (0: no wire, always matches) */
    bool baud_locked;   /* CHANGE_BAUDRATE fixed it; no more autobaud */
    /* Receive side: FIFO while the CPU is busy. */
    uint64_t busy_until_us;
    uint64_t flash_ready_us; /* the flash chip's busy bit (WIP) clears then */
    uint8_t *fifo;
    uint64_t *fifo_at;
    size_t fifo_len, fifo_cap;
    uint64_t rx_count, lost_bytes;
    /* The stub's two frame buffers (stub_flasher.c uart_buf_t): frames the
     * FIFO holds complete, whether one is half received, and whether the
     * frame the CPU works on was overwritten by a third one. */
    uint32_t fifo_frames;
    bool fifo_open, overrun_marked;
    uint64_t overruns;         /* frames that arrived while both buffers were full */
    uint8_t busy_op;           /* the command the CPU works on (commands.c sets it) */
    enum stub_kind stub_model; /* which stub runs (SIM_STUB state) */
    struct slip_decoder slip;
    uint8_t *frame;
    /* Loader state. */
    bool spi_attached;
    uint32_t declared_flash_size;
    struct sim_transfer xfer;
    uint32_t stub_flash_error; /* stub: write error reported one packet late */
    struct sim_segment segs[SIM_MEM_SEGMENTS];
    int nsegs;
    uint32_t mem_block_size;
    bool mem_active;
    struct sim_reader reader;
    struct sim_spi spi;              /* SPI controller and the flash chip's registers (spi_flash.h) */
    struct sim_ram ram;              /* the chip's RAM (memory.h); lost with power */
    uint32_t requests, data_packets; /* counted for --fault */
    /* Transmit side. */
    bytes tx;
    struct sim_tx_mark *marks;
    size_t nmarks, marks_cap;
    size_t tx_head;       /* bytes of tx already taken by the transport */
    bool want_disconnect; /* fault: the transport should drop the link */
    /* Optional: one line per event for --trace (the engine never prints). */
    void (*trace)(void *ctx, const char *line);
    void *trace_ctx;
    /* Boot from flash (simboot_engine.c): the next reset of a boot loop. */
    struct sim_boot_next {
        bool pending;
        uint64_t at_us;
        char rst[48]; /* "0x10 (RTCWDT_RTC_RESET)" */
        uint32_t saved_pc;
    } boot_next;
    /* The app stage of a MicroPython firmware (simboot_engine.c sets it, any reset
     * clears it): the transport hands the UART to a real MicroPython
     * (micropython.h, the app link) while it lasts. */
    struct sim_app {
        bool micropython;     /* such an app is running now */
        uint32_t generation;  /* bumped at each start: a new boot = a new interpreter */
        char personality[16]; /* "lobo" or "official" (sim_micropython_personality) */
        uint32_t fs_size;     /* its filesystem partition in the flashed table; 0: unknown */
        bytes rx;             /* bytes the host sent it, not yet handed over */
    } app;
};

struct sim_options {
    const struct sim_board *board;
    struct sim_flash *flash;
    bool boot_download; /* GPIO0 strap when no lines drive it */
    bool has_lines;     /* DTR/RTS reach the board (RFC 2217) */
    bool realtime;
    struct sim_faults faults;
};

int sim_init(struct sim *s, const struct sim_options *o, eb_err *err);
void sim_free(struct sim *s);

/* Power the board on (USB plugged in): it boots in the strapped mode. */
void sim_power_on(struct sim *s, uint64_t now_us);
/* Modem lines as the host sets them (true = asserted). */
void sim_set_lines(struct sim *s, bool dtr, bool rts, uint64_t now_us);
/* The host's line rate (RFC 2217 SET-BAUDRATE); 0 = no wire rate. */
void sim_set_host_baud(struct sim *s, uint32_t baud);
/* Bytes from the host; t_us is when the first reaches the UART, the rest
 * follow at the host rate in realtime mode. */
void sim_rx(struct sim *s, const uint8_t *p, size_t n, uint64_t t_us);
/* Let time pass: pending boots, buffered bytes. */
void sim_poll(struct sim *s, uint64_t now_us);
/* Earliest time something internal happens (UINT64_MAX: nothing pending). */
uint64_t sim_next_event(const struct sim *s);

/* Output: bytes ready by now_us (*p points into the engine). */
size_t sim_tx_ready(struct sim *s, uint64_t now_us, const uint8_t **p);
void sim_tx_consume(struct sim *s, size_t n);
/* A reset at at_us: drop what was queued to leave after it. */
void sim_tx_cut(struct sim *s, uint64_t at_us);
uint64_t sim_tx_next_at(const struct sim *s); /* UINT64_MAX when empty */
/* Time one byte takes on the wire at the board's rate (realtime). */
uint64_t sim_byte_time_us(const struct sim *s);

/* Used by the command handlers (commands.c). */
void sim_emit(struct sim *s, const uint8_t *p, size_t n, uint64_t at_us);
void sim_emit_text(struct sim *s, const char *text, uint64_t at_us);
void sim_emit_frame(struct sim *s, const uint8_t *p, size_t n, uint64_t at_us);
void sim_reboot(struct sim *s, const char *reason, bool download, uint64_t at_us);
/* What the chip prints booting from flash, and the loop's next reset (simboot_engine.c). */
void sim_boot_flash(struct sim *s, const char *reason, uint64_t at_us);
void sim_transfer_end(struct sim_transfer *x);
/* The stub: a third frame overwrote the buffer of the one being processed (commands.c). */
void sim_stub_overrun(struct sim *s);
void sim_handle_frame(struct sim *s, const uint8_t *f, size_t n, uint64_t t_us);
/* A frame the loader could not take (too long for its buffer, bad escape). */
void sim_refuse_frame(struct sim *s, uint8_t op, uint64_t t_us);
uint32_t sim_clkdiv(const struct sim *s);
void sim_tracef(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool sim_rate_supported(const struct sim *s, uint32_t baud);

#endif
