/* protocol.c - the command table (names, answer lengths, timeouts) and
 * explanations of error bytes. */
#include "loader/protocol.h"

#include <stdio.h>

/* The command table. Timeouts are esptool's (esptool/loader.py:
 * DEFAULT_TIMEOUT 3 s, SYNC_TIMEOUT 0.1 s, CHIP_ERASE_TIMEOUT 120 s,
 * MD5_TIMEOUT_PER_MB 8 s, ERASE_WRITE_TIMEOUT_PER_MB 40 s), also found in
 * espflash (connection/command.rs CommandType::timeout) and esp-serial-flasher
 * (timeout_per_mb); erasing a region is given 40 s/MB too (esptool: 30). */
#define BASE_MS         ESP_BASE_TIMEOUT_MS
#define ERASE_MS_PER_MB 40000
#define MD5_MS_PER_MB   8000
#define N               ESP_REPLY_UNKNOWN

static const struct esp_op_info ops[] = {
    /* op, name, reply ROM/stub, base, ms/MB ROM/stub, checksummed, resendable */
    { OP_FLASH_BEGIN, "FLASH_BEGIN", 0, 0, BASE_MS, ERASE_MS_PER_MB, ERASE_MS_PER_MB, false, false },
    { OP_FLASH_DATA, "FLASH_DATA", 0, 0, BASE_MS, ERASE_MS_PER_MB, ERASE_MS_PER_MB, true, false },
    /* the chip may reboot before answering (FLASH_END with "reboot") */
    { OP_FLASH_END, "FLASH_END", 0, 0, 500, 0, 0, false, false },
    { OP_MEM_BEGIN, "MEM_BEGIN", 0, 0, BASE_MS, 0, 0, false, false },
    { OP_MEM_END, "MEM_END", 0, 0, BASE_MS, 0, 0, false, false },
    { OP_MEM_DATA, "MEM_DATA", 0, 0, BASE_MS, 0, 0, true, false },
    { OP_SYNC, "SYNC", 0, 0, 100, 0, 0, false, false },
    { OP_WRITE_REG, "WRITE_REG", 0, 0, BASE_MS, 0, 0, false, true },
    { OP_READ_REG, "READ_REG", 0, 0, BASE_MS, 0, 0, false, true },
    { OP_SPI_SET_PARAMS, "SPI_SET_PARAMS", 0, 0, BASE_MS, 0, 0, false, true },
    { OP_SPI_ATTACH, "SPI_ATTACH", 0, 0, BASE_MS, 0, 0, false, true },
    { OP_READ_FLASH_SLOW, "READ_FLASH_SLOW", N, N, BASE_MS, 0, 0, false, true },
    { OP_CHANGE_BAUDRATE, "CHANGE_BAUDRATE", 0, 0, BASE_MS, 0, 0, false, false },
    /* the ROM erases the announced size first; the stub erases as data arrives */
    { OP_FLASH_DEFL_BEGIN, "FLASH_DEFL_BEGIN", 0, 0, BASE_MS, ERASE_MS_PER_MB, 0, false, false },
    /* per MB of the uncompressed bytes the packet carries */
    { OP_FLASH_DEFL_DATA, "FLASH_DEFL_DATA", 0, 0, BASE_MS, ERASE_MS_PER_MB, ERASE_MS_PER_MB, true, false },
    { OP_FLASH_DEFL_END, "FLASH_DEFL_END", 0, 0, BASE_MS, 0, 0, false, false },
    /* the ROM answers 32 hex digits, the stub 16 bytes */
    { OP_SPI_FLASH_MD5, "SPI_FLASH_MD5", 32, 16, BASE_MS, MD5_MS_PER_MB, MD5_MS_PER_MB, false, true },
    /* chips without it refuse at once: a short wait */
    { OP_GET_SECURITY_INFO, "GET_SECURITY_INFO", N, N, 500, 0, 0, false, true },
    { OP_ERASE_FLASH, "ERASE_FLASH", 0, 0, 120000, 0, 0, false, false },
    { OP_ERASE_REGION, "ERASE_REGION", 0, 0, BASE_MS, 0, ERASE_MS_PER_MB, false, false },
    /* also the longest wait between the data frames the stub streams */
    { OP_READ_FLASH, "READ_FLASH", 0, 0, BASE_MS, 0, 0, false, false },
    { OP_RUN_USER_CODE, "RUN_USER_CODE", 0, 0, BASE_MS, 0, 0, false, false },
};

const struct esp_op_info *esp_op_info(uint8_t op)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].op == op)
            return &ops[i];
    return NULL;
}

const struct esp_op_info *esp_op_table(unsigned *n)
{
    *n = (unsigned)(sizeof ops / sizeof ops[0]);
    return ops;
}

const char *esp_op_name(uint8_t op)
{
    const struct esp_op_info *row = esp_op_info(op);
    if (row)
        return row->name;
    static _Thread_local char buf[8];
    snprintf(buf, sizeof buf, "0x%02X", op);
    return buf;
}

const char *esp_error_text(uint8_t code)
{
    switch (code) {
    case ROM_ERR_INVALID_MESSAGE: return "invalid message (command not supported here)";
    case ROM_ERR_FAILED: return "command failed";
    case ROM_ERR_BAD_CHECKSUM: return "bad data checksum";
    case ROM_ERR_FLASH_WRITE: return "flash write error";
    case ROM_ERR_FLASH_READ: return "flash read error";
    case ROM_ERR_READ_LENGTH: return "read length error";
    case ROM_ERR_DEFLATE: return "deflate (decompression) error";
    case STUB_ERR_NOT_IMPLEMENTED: return "not implemented by the stub";
    default: return "unknown error";
    }
}
