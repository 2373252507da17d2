/* protocol.c - names and explanations for opcodes and error bytes. */
#include "loader/protocol.h"

#include <stdio.h>

const char *esp_op_name(uint8_t op)
{
    switch (op) {
    case OP_FLASH_BEGIN: return "FLASH_BEGIN";
    case OP_FLASH_DATA: return "FLASH_DATA";
    case OP_FLASH_END: return "FLASH_END";
    case OP_MEM_BEGIN: return "MEM_BEGIN";
    case OP_MEM_END: return "MEM_END";
    case OP_MEM_DATA: return "MEM_DATA";
    case OP_SYNC: return "SYNC";
    case OP_WRITE_REG: return "WRITE_REG";
    case OP_READ_REG: return "READ_REG";
    case OP_SPI_SET_PARAMS: return "SPI_SET_PARAMS";
    case OP_SPI_ATTACH: return "SPI_ATTACH";
    case OP_READ_FLASH_SLOW: return "READ_FLASH_SLOW";
    case OP_CHANGE_BAUDRATE: return "CHANGE_BAUDRATE";
    case OP_FLASH_DEFL_BEGIN: return "FLASH_DEFL_BEGIN";
    case OP_FLASH_DEFL_DATA: return "FLASH_DEFL_DATA";
    case OP_FLASH_DEFL_END: return "FLASH_DEFL_END";
    case OP_SPI_FLASH_MD5: return "SPI_FLASH_MD5";
    case OP_GET_SECURITY_INFO: return "GET_SECURITY_INFO";
    case OP_ERASE_FLASH: return "ERASE_FLASH";
    case OP_ERASE_REGION: return "ERASE_REGION";
    case OP_READ_FLASH: return "READ_FLASH";
    case OP_RUN_USER_CODE: return "RUN_USER_CODE";
    default: {
        static _Thread_local char buf[8];
        snprintf(buf, sizeof buf, "0x%02X", op);
        return buf;
    }
    }
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
