/* fuzz_fs_fat.c - the FAT12/16 with or without ESP-IDF's wear levelling reader on arbitrary bytes (fs_fuzz.h). */
#include "fs_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_fs(FS_FAT, data, size);
}
