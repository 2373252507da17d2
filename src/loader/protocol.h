/* protocol.h - the ESP ROM / flasher-stub serial protocol: opcodes, error
 * codes, packet layout and sizes. Shared by the client (loader/) and the
 * virtual board (sim/), so both speak from one definition.
 * Primary source: esptool docs, advanced-topics/serial-protocol. */
#ifndef ESPBURN_PROTOCOL_H
#define ESPBURN_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>

enum esp_op {
    OP_FLASH_BEGIN = 0x02,
    OP_FLASH_DATA = 0x03,
    OP_FLASH_END = 0x04,
    OP_MEM_BEGIN = 0x05,
    OP_MEM_END = 0x06,
    OP_MEM_DATA = 0x07,
    OP_SYNC = 0x08,
    OP_WRITE_REG = 0x09,
    OP_READ_REG = 0x0A,
    OP_SPI_SET_PARAMS = 0x0B,
    OP_SPI_ATTACH = 0x0D,
    OP_READ_FLASH_SLOW = 0x0E,
    OP_CHANGE_BAUDRATE = 0x0F,
    OP_FLASH_DEFL_BEGIN = 0x10,
    OP_FLASH_DEFL_DATA = 0x11,
    OP_FLASH_DEFL_END = 0x12,
    OP_SPI_FLASH_MD5 = 0x13,
    OP_GET_SECURITY_INFO = 0x14,
    /* flasher stub only */
    OP_ERASE_FLASH = 0xD0,
    OP_ERASE_REGION = 0xD1,
    OP_READ_FLASH = 0xD2,
    OP_RUN_USER_CODE = 0xD3,
};

/* Error byte in a failed response's status. */
enum esp_rom_error {
    ROM_ERR_INVALID_MESSAGE = 0x05,
    ROM_ERR_FAILED = 0x06,
    ROM_ERR_BAD_CHECKSUM = 0x07,
    ROM_ERR_FLASH_WRITE = 0x08,
    ROM_ERR_FLASH_READ = 0x09,
    ROM_ERR_READ_LENGTH = 0x0A,
    ROM_ERR_DEFLATE = 0x0B,
    STUB_ERR_NOT_IMPLEMENTED = 0xFF,
    /* flasher stub (esptool flasher_stub/include/stub_flasher.h) */
    STUB_ERR_BAD_DATA_LEN = 0xC0,
    STUB_ERR_BAD_DATA_CHECKSUM = 0xC1,
    STUB_ERR_BAD_BLOCKSIZE = 0xC2,
    STUB_ERR_INVALID_COMMAND = 0xC3,
    STUB_ERR_FAILED_SPI_OP = 0xC4,
    STUB_ERR_FAILED_SPI_UNLOCK = 0xC5,
    STUB_ERR_NOT_IN_FLASH_MODE = 0xC6,
    STUB_ERR_INFLATE = 0xC7,
    STUB_ERR_NOT_ENOUGH_DATA = 0xC8,
    STUB_ERR_TOO_MUCH_DATA = 0xC9,
};

#define ESP_SYNC_DATA_LEN    36     /* 07 07 12 20 + 32 x 55 */
#define ESP_ROM_SYNC_REPLIES 8      /* the ROM (and the stub) answer SYNC 8 times */
#define ESP_OHAI             "OHAI" /* the stub's greeting frame */

#define ESP_REQUEST            0x00
#define ESP_RESPONSE           0x01
#define ESP_HEADER_LEN         8  /* dir, op, u16 len, u32 checksum/value */
#define ESP_DATA_SUBHEADER_LEN 16 /* size, seq, 0, 0 before *_DATA payloads */
#define ESP_CHECKSUM_SEED      0xEF

#define ESP_ROM_STATUS_LEN  4 /* ESP32-family ROMs */
#define ESP_STUB_STATUS_LEN 2 /* flasher stub */

#define ESP_ROM_FLASH_BLOCK  0x400  /* FLASH_DATA payload, ROM */
#define ESP_STUB_FLASH_BLOCK 0x4000 /* FLASH_DATA payload, stub */
#define ESP_RAM_BLOCK        0x1800 /* MEM_DATA payload */
#define ESP_READ_SLOW_MAX    64     /* READ_FLASH_SLOW bytes per request */
#define ESP_FLASH_SECTOR     0x1000
#define ESP_MAGIC_REG        0x40001000 /* chip magic value register */

/* XOR checksum of a *_DATA payload, seeded with 0xEF. */
static inline uint32_t esp_checksum(const uint8_t *p, uint32_t n)
{
    uint8_t c = ESP_CHECKSUM_SEED;
    while (n--)
        c ^= *p++;
    return c;
}

/* What the client knows about one command, as a row of the command table
 * (protocol.c): its name; the payload its answer carries before the status
 * bytes, from the ROM and from the stub (ESP_REPLY_UNKNOWN: the status is
 * at the frame's end); how long to wait for the answer (base_ms, or
 * ms_per_mb for each MB of the size the command works on, whichever is
 * longer; ROM and stub differ where the stub works differently); whether
 * its payload after the 16-byte data subheader carries the XOR checksum;
 * and whether a lost answer may be asked for again by resending. */
#define ESP_REPLY_UNKNOWN   (-1)
#define ESP_BASE_TIMEOUT_MS 3000 /* esptool DEFAULT_TIMEOUT: most commands, and any the table lacks */
struct esp_op_info {
    uint8_t op;
    const char *name;
    short rom_reply_len, stub_reply_len;
    int base_ms;
    int rom_ms_per_mb, stub_ms_per_mb;
    bool checksummed;
    bool resendable;
};

/* The row of `op`, or NULL for a command the table does not know. */
const struct esp_op_info *esp_op_info(uint8_t op);
/* Every row, for checks: *n receives the count. */
const struct esp_op_info *esp_op_table(unsigned *n);

const char *esp_op_name(uint8_t op);      /* "FLASH_BEGIN", or "0x42" style for unknown */
const char *esp_error_text(uint8_t code); /* a plain explanation of an error byte */

#endif
