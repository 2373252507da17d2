/* fuzz_fs_spiffs.c - the SPIFFS in LoBo's configuration reader on arbitrary bytes (fs_fuzz.h). */
#include "fs_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_fs(FS_SPIFFS, data, size);
}
