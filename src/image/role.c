/* role.c - the stable names of firmware roles (used in JSON and output). */
#include "image/role.h"

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_UNKNOWN] = "unknown",
    [ROLE_BOOTLOADER] = "bootloader",
    [ROLE_APP] = "application",
    [ROLE_PARTITION_TABLE] = "partition-table",
    [ROLE_PARTITION_CSV] = "partition-csv",
    [ROLE_PHY_INIT] = "phy-init-data",
    [ROLE_OTADATA] = "otadata",
    [ROLE_NVS] = "nvs",
    [ROLE_LITTLEFS] = "littlefs",
    [ROLE_FATFS] = "fatfs",
    [ROLE_SPIFFS] = "spiffs",
    [ROLE_MERGED] = "merged-image",
    [ROLE_UF2] = "uf2",
    [ROLE_ELF] = "elf",
    [ROLE_MANIFEST] = "manifest",
    [ROLE_ERASED] = "erased",
};

const char *role_name(enum role r)
{
    if ((unsigned)r >= ROLE_COUNT)
        return "unknown";
    return role_names[r];
}
