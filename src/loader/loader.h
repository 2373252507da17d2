/* loader.h - a client of the ESP ROM serial bootloader (and of a flasher
 * stub when one is loaded): commands and responses with timeouts and
 * retries, reset into download mode, chip detection, eFuse facts, SPI
 * flash attach/identify, MD5, compressed writes, reads and erases.
 * Talks through a struct port; never prints: progress and explanations
 * go to callbacks the CLI provides. */
#ifndef ESPBURN_LOADER_H
#define ESPBURN_LOADER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip/chip_efuse.h"
#include "chip/chips.h"
#include "common/bytes.h"
#include "common/err.h"
#include "loader/frame.h"
#include "loader/skip.h"
#include "loader/slip.h"
#include "loader/stub_known.h"
#include "port/port.h"

#define LOADER_NOISE_MAX 2048
#define LOADER_FRAME_MAX 0x4400

/* --explain: one protocol step and why it is done. */
typedef void (*loader_note_fn)(void *ctx, const char *step, const char *why);
/* Progress of a long operation: bytes done of total. */
typedef void (*loader_progress_fn)(void *ctx, size_t done, size_t total);

enum before_mode {
    BEFORE_DEFAULT,
    BEFORE_USB_JTAG,
    BEFORE_NO_RESET
};

/* Verify under the wire: with the stub, a compressed write asks for the MD5
 * of flash from `from` up to what the stub has already written, while its
 * last packet is on the wire (loader_write_deflated). `len` 0: not asked. */
struct loader_early_md5 {
    uint32_t from;
    uint32_t len;
    uint8_t md5[16];
};

struct loader {
    struct port *port;
    const struct chip *chip;  /* after loader_detect_chip */
    bool stub;                /* a flasher stub answers (2 status bytes, big blocks) */
    enum stub_kind stub_kind; /* which stub, when it is one espburn started and knows */
    unsigned status_len;
    uint32_t flash_block;               /* compressed bytes per *_DATA packet */
    uint32_t first_packet;              /* bytes of a compressed write's first packet; 0: flash_block
                                  * (a short one starts the stub's erase at once) */
    struct loader_early_md5 *early_md5; /* set by the caller: hash under the last packet */
    uint32_t flash_size;                /* detected, 0 = unknown */
    uint64_t tx_bytes, rx_bytes;        /* on the wire, SLIP included */
    int block_retries;                  /* blocks resent after an error */
    loader_note_fn note;
    void *note_ctx;
    /* The caller's cancel flag (may be NULL): a compressed write stops
     * between two blocks once it is non-zero. */
    const volatile sig_atomic_t *cancel;

    /* receive state */
    uint8_t rx[4096];
    size_t rx_pos, rx_len;
    uint8_t frame[LOADER_FRAME_MAX];
    struct slip_decoder dec;
    char noise[LOADER_NOISE_MAX + 1]; /* text seen outside frames (boot output), NUL-terminated */
    size_t noise_len;
    bytes tx;
};

struct loader *loader_new(struct port *port);
void loader_free(struct loader *l);

/* Who answers: the ROM (4 status bytes, 1 KB blocks) or a flasher stub
 * (2 status bytes, 16 KB blocks). loader_connect and stub_run set it. */
void loader_set_stub(struct loader *l, bool stub);

/* Send a command and wait for its response (frames of other ops and boot
 * text are skipped, the text kept in l->noise). The command table
 * (protocol.h) gives the answer's length, the checksum of *_DATA payloads,
 * the wait (`size`: the bytes the command works on, for the commands whose
 * wait grows with it; 0 otherwise) and whether a lost answer is asked for
 * again. Fails on timeout or a refusal. */
int loader_cmd(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, uint32_t size,
               struct esp_response *resp, eb_err *err);
/* The named exceptions: the command sent once, its answer awaited for
 * `timeout_ms` (LOADER_LINK_CHECK_MS, LOADER_BAUD_RETURN_MS). */
int loader_cmd_within(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, int timeout_ms,
                      struct esp_response *resp, eb_err *err);
/* How long loader_cmd waits for `op` over `size` bytes, in the current mode. */
int loader_op_timeout(const struct loader *l, uint8_t op, uint32_t size);

/* A READ_REG round trip after a baud change, with a USB bridge's latency to
 * spare; a wrong rate gives no answer, so it is not resent. */
#define LOADER_LINK_CHECK_MS 200
/* CHANGE_BAUDRATE back to a rate that works, after one that did not: the
 * answer may be garbled, so it is not waited for long. */
#define LOADER_BAUD_RETURN_MS 300

/* Reset into download mode (per `before`, with the rows of port/reset.h),
 * SYNC with retries, drain the extra SYNC replies. The loader is back in
 * ROM mode (status length, block size) unless a stub left running answers.
 * The error says what the boot output showed. */
int loader_connect(struct loader *l, enum before_mode before, int attempts, eb_err *err);

/* Send a request without waiting for an answer (commands that give none,
 * or a request sent ahead of the previous one's answer). */
int loader_send_request(struct loader *l, uint8_t op, const uint8_t *payload, size_t n, eb_err *err);
/* Wait for the answer to `op` (the op's timeout for `size` bytes), once
 * (`resp` may be NULL):
 * 0 an answer that did not fail, else -1 with the reason. */
int loader_await(struct loader *l, uint8_t op, uint32_t size, struct esp_response *resp, eb_err *err);

/* Raw frames (stub READ_FLASH data, OHAI): send one, or wait until `by`
 * for the next frame of any kind (1 got it, 0 timeout, -1 error); *p
 * points into l->frame. */
int loader_send_raw(struct loader *l, const uint8_t *p, size_t n, eb_err *err);
int loader_next_frame(struct loader *l, struct eb_deadline by, const uint8_t **p, size_t *n, eb_err *err);

int loader_read_reg(struct loader *l, uint32_t addr, uint32_t *value, eb_err *err);
/* One READ_REG of the magic register, sent once (LOADER_LINK_CHECK_MS): is
 * the link alive at this rate? */
int loader_ping(struct loader *l, eb_err *err);
int loader_write_reg(struct loader *l, uint32_t addr, uint32_t value, eb_err *err);

/* GET_SECURITY_INFO chip id, falling back to the magic register. */
int loader_detect_chip(struct loader *l, eb_err *err);

/* Read what the eFuses and ROM say about the detected chip: the words its
 * eFuse layout row names, decoded by chip_efuse_decode (chip/chip_efuse.h). */
int loader_chip_facts(struct loader *l, struct chip_facts *out, eb_err *err);

int loader_spi_attach(struct loader *l, uint32_t pads, eb_err *err);
/* JEDEC id through the SPI user-command registers (RDID 0x9F). */
int loader_flash_id(struct loader *l, uint32_t *jedec, eb_err *err);
/* Tell the ROM the flash size (SPI_SET_PARAMS). */
int loader_spi_set_params(struct loader *l, uint32_t size, eb_err *err);
/* Bytes from the JEDEC capacity byte, 0 when it is not a size. */
uint32_t flash_size_from_jedec(uint32_t jedec);
const char *flash_manufacturer_name(uint8_t id);
/* Device id as esptool prints it: memory type << 8 | capacity byte. */
static inline uint16_t flash_device_id(uint32_t jedec)
{
    return (uint16_t)(((jedec >> 8) & 0xFF) << 8 | ((jedec >> 16) & 0xFF));
}

int loader_flash_md5(struct loader *l, uint32_t addr, uint32_t size, uint8_t md5[16], eb_err *err);

/* MD5s of the flash ranges skip-unchanged asks about (q[i].md5 filled).
 * With the stub each request is sent while the chip still hashes the one
 * before (one frame ahead, which its second receive buffer holds), so the
 * link's round trip is paid once, not per range; the ROM loader is asked
 * one range at a time. */
int loader_flash_md5_many(struct loader *l, struct skip_query *q, unsigned n, eb_err *err);

/* Write data[0..len) at addr with FLASH_DEFL_*, as the zlib stream `ready`
 * when given (see deflate_cache.h), else compressed now (libdeflate level 12);
 * packets of l->flash_block bytes (the first l->first_packet when set), each
 * sent after the previous one's answer; blocks that fail are resent. `wire`
 * (may be NULL) receives the compressed size. The stub answers a packet
 * before writing it: its last packet may still be being written on return,
 * and the next command (a BEGIN, an MD5) waits for it in the chip. With
 * l->early_md5 set, the MD5 is asked for under the last packet. */
int loader_write_deflated(struct loader *l, uint32_t addr, const uint8_t *data, size_t len,
                          const bytes *ready, loader_progress_fn progress, void *pctx, size_t *wire,
                          eb_err *err);

int loader_read_flash(struct loader *l, uint32_t addr, uint32_t size, bytes *out, loader_progress_fn progress,
                      void *pctx, eb_err *err);

/* Erase [addr, addr+size) (4 KB aligned), or the whole chip when size == 0. */
int loader_erase(struct loader *l, uint32_t addr, uint32_t size, eb_err *err);

/* CHANGE_BAUDRATE (with the ESP32 ROM oscillator correction), switch the
 * port, then check the link with a register read. */
int loader_change_baud(struct loader *l, uint32_t baud, eb_err *err);
/* After a rate that does not work: ask for `baud` anyway (the answer may be
 * lost), follow on the port, and check the link. */
int loader_return_to_baud(struct loader *l, uint32_t baud, eb_err *err);

/* Leave download mode: the hard-reset row of port/reset.h (EN pulsed
 * through RTS), or, on a port without modem lines, ask the loader to
 * reboot the chip. */
int loader_hard_reset(struct loader *l, eb_err *err);
/* Leave the loader without a reset and run the flashed code. */
int loader_run_user_code(struct loader *l, eb_err *err);

/* FLASH_BEGIN-style payload (erase/write size, packets, packet size,
 * offset, and the ROM's "encrypted" word where it takes one); returns its length. */
size_t loader_begin_payload(const struct loader *l, uint8_t p[20], uint32_t size, uint32_t npackets,
                            uint32_t packet_size, uint32_t offset);
/* CHANGE_BAUDRATE argument for `baud` (the ESP32 ROM's oscillator correction). */
int loader_rom_baud_arg(struct loader *l, uint32_t baud, uint32_t *arg, eb_err *err);

#endif
