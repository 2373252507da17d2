/* role.h - what a firmware file is, decided by its content alone. */
#ifndef ESPBURN_ROLE_H
#define ESPBURN_ROLE_H

enum role {
    ROLE_UNKNOWN = 0,
    ROLE_BOOTLOADER,      /* ESP image whose segments all load into RAM */
    ROLE_APP,             /* ESP image with flash-mapped (DROM/IROM) segments */
    ROLE_PARTITION_TABLE, /* binary table: 0xAA50 entries + 0xEBEB MD5 row */
    ROLE_PARTITION_CSV,   /* gen_esp32part-style CSV */
    ROLE_PHY_INIT,        /* PHYINIT ... PHYINIT */
    ROLE_OTADATA,         /* two OTA select entries */
    ROLE_NVS,             /* NVS pages */
    ROLE_LITTLEFS,
    ROLE_FATFS,
    ROLE_SPIFFS, /* heuristic: SPIFFS has no fixed magic */
    ROLE_MERGED, /* bootloader + table + app(s) in one image */
    ROLE_UF2,
    ROLE_ELF,      /* must be converted with elf2image first */
    ROLE_MANIFEST, /* flasher_args.json, manifest.json, fw.json, ... */
    ROLE_ERASED,   /* all 0xFF */
    ROLE_COUNT
};

/* "bootloader", "application", "partition-table", ... (stable, used in JSON). */
const char *role_name(enum role r);

#endif
