/* fuzz_fs_littlefs.c - the LittleFS v2 reader on arbitrary bytes (fs_fuzz.h). */
#include "fs_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_fs(FS_LITTLEFS, data, size);
}
