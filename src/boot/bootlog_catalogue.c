/* bootlog_catalogue.c - the catalogue of boot and crash messages. Texts come from
 * the ESP32 ROM, ESP-IDF's bootloader (bootloader_support: esp_image_format.c,
 * bootloader_utility.c, flash_partitions.c), its panic handler and PSRAM
 * drivers, as users posted them; causes and fixes from Espressif's docs
 * (esptool boot-mode-selection, ESP-IDF fatal-errors) and the threads. */
#include "boot/bootlog_catalogue.h"

#include <string.h>

#define REFLASH_ALL \
    "write the bootloader at {bl}, the partition table at 0x8000 and the application at its partition's offset (0x10000 for most layouts)"

/* what, why and fix shared by the two ways ROMs report a bad bootloader
 * checksum, and why and fix by the PSRAM failures (what quotes the line). */
#define BOOTLOADER_CHECKSUM_EXPLAINED                                                                                                                                           \
    "the ROM loaded the bootloader but its checksum is wrong (0x$1 computed, 0x$2 stored)",                                                                                     \
        "the bootloader at {bl} is corrupt, or the flash was read wrongly while loading it: a bad write, a flash mode or frequency the flash cannot do, or an unstable supply", \
        "write the bootloader again and verify it (espburn verify); use --flash-mode dio and 40m if unsure, and check the power supply"
#define PSRAM_MISSING_EXPLAINED                                                                                                                                  \
    "the firmware was built for a board with PSRAM (SPIRAM enabled) and this board has none, or its PSRAM is faulty; the firmware aborts and the chip restarts", \
        "flash a build without PSRAM (e.g. the generic ESP32 firmware instead of the SPIRAM one) or use a board with PSRAM (WROVER modules, M5Stack Fire)"

const struct bootlog_msg bootlog_catalogue[] = {
    /* ROM stage */
    { "no-bootloader", "flash read err, %s", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_BOOTLOADER,
      "the ROM found no valid bootloader at flash offset {bl} (flash read err)",
      "nothing valid starts there: the flash is erased or the bootloader was never written, an image was written at the wrong offset (an application or a merged image at {bl}), flash encryption does not match the data, or the flash cannot be read (1.8 V selected by the strapping pins, power or wiring)",
      REFLASH_ALL "; if that was done and it still fails, check the flash supply and the strapping pins" },
    { "no-bootloader", "invalid header: 0xffffffff", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_BOOTLOADER,
      "the ROM found erased flash (0xffffffff) where the bootloader should be, at {bl}",
      "the bootloader was never written there, or it was written at another offset (the bootloader goes at {offsets})",
      REFLASH_ALL },
    { "bad-bootloader-header", "invalid header: 0x%x", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_BOOTLOADER,
      "the ROM found no image header at {bl}: the first word there is 0x$1, not an image starting with 0xE9",
      "something other than a bootloader was written at {bl} (a data file, or an image at the wrong offset), or flash encryption is on while the bootloader is plaintext (or the reverse)",
      REFLASH_ALL "; if flash encryption is enabled, flash encrypted images" },
    { "bootloader-checksum", "csum err:0x%x!=0x%x", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_BOOTLOADER,
      BOOTLOADER_CHECKSUM_EXPLAINED },
    { "bootloader-checksum", "Checksum failure. Calculated 0x%x stored 0x%x", BOOTLOG_FAIL, NULL,
      BOOTLOG_TARGET_BOOTLOADER, BOOTLOADER_CHECKSUM_EXPLAINED },
    { "bootloader-sha-mismatch", "SHA-256 comparison failed:", BOOTLOG_WARN, NULL, BOOTLOG_TARGET_BOOTLOADER,
      "the ROM's SHA-256 check of the bootloader at {bl} failed, and it boots anyway",
      "the hash appended to the bootloader does not match its contents: a flashing tool patched its header (flash mode, size, frequency) without updating the hash, or the image is corrupt; the ROM only enforces the hash with secure boot",
      "usually harmless; if the boot fails after it, write the bootloader built for this board again" },
    { "download-mode", "waiting for download", BOOTLOG_WARN, "download-mode", BOOTLOG_TARGET_NONE,
      "the chip started in download mode (waiting for download), not from flash",
      "{pin} was low at reset: the BOOT button held, the USB-serial auto-reset lines (DTR/RTS) holding it, or a circuit on that pin",
      "release BOOT and press reset (EN) to run the firmware; if it keeps happening, check what pulls {pin} low at power-up. Flashing works in this mode" },
    { "rom-gave-up", "ets_main.c %d", BOOTLOG_INFO, "", BOOTLOG_TARGET_NONE,
      "the ROM gave up booting (ets_main.c $1) and waits for the {wdt} to reset it",
      "this line follows a ROM boot failure; the line before it says which", "see the failure before it" },

    /* Second stage (ESP-IDF bootloader) */
    { "app-missing", "image at 0x%x has invalid magic byte", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_APP,
      "the bootloader found no application at 0x$1 (invalid magic byte)",
      "nothing valid was written at 0x$1: the application was written at another offset (often at {bl}, or at 0x0 as a merged image built for another layout) or not at all, or the partition table points somewhere the application is not",
      "write the application at 0x$1, the offset of its partition in the table" },
    { "app-too-big", "Image length %d doesn't fit in partition length %d", BOOTLOG_FAIL, NULL,
      BOOTLOG_TARGET_NONE, "the application ($1 bytes) is larger than its partition ($2 bytes)",
      "the partition table written at 0x8000 is not the one the application was built for, or the application grew past its partition",
      "flash the partition table that came with the firmware, or build with a larger app partition" },
    { "app-checksum", "Checksum failed. Calculated 0x%x read 0x%x", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the application image is corrupt: its checksum is wrong (0x$1 computed, 0x$2 stored)",
      "a write failed or was cut short, or another image overlaps the application",
      "write the application again and verify it (espburn verify)" },
    { "app-hash", "Image hash failed - image is corrupt", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the application image is corrupt: its SHA-256 does not match",
      "a write failed or was cut short, another image overlaps the application, or its header was patched without updating the hash",
      "write the application again and verify it (espburn verify)" },
    { "app-segment", "invalid segment length 0x%x", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the bootloader found a nonsense segment length (0x$1) in the application",
      "the data at the app partition is not a complete image: written at the wrong offset, truncated, or overwritten",
      "write the application again at its partition's offset" },
    { "app-overlaps-bootloader", "invalid: overlaps bootloader stack", BOOTLOG_FAIL, NULL,
      BOOTLOG_TARGET_NONE, "the application has a segment that would overwrite the running bootloader",
      "the bootloader and the application come from different ESP-IDF versions or configurations",
      "flash the bootloader that was built with this application" },
    { "wrong-chip", "mismatch chip ID, expected %d, found %d", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the image was built for another chip (this chip has id $1, the image says $2)",
      "firmware for a different ESP32 variant was flashed", "download or build the firmware for this chip" },
    { "table-exceeds-flash", "partition %d invalid - offset 0x%x size 0x%x exceeds flash chip size 0x%x",
      BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_TABLE,
      "partition $1 (0x$2, 0x$3 bytes) ends past the flash size the bootloader was told (0x$4)",
      "the flash size in the bootloader's header is smaller than the partition table needs: the bootloader was flashed with the wrong --flash-size, or the table is for a larger flash than this board has",
      "flash again with the board's real flash size (espburn flash detects it), or use a partition table that fits this flash" },
    { "table-invalid", "partition %d invalid magic number 0x%x", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_TABLE,
      "the bootloader found no valid partition table at 0x8000 (entry $1 has magic 0x$2)",
      "the partition table was not written at 0x8000, something else was written over it, or it was flashed in a flash mode this board cannot read",
      "write the partition table (partitions.bin) at 0x8000" },
    { "table-md5", "Incorrect MD5 checksum", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_TABLE,
      "the partition table at 0x8000 fails its MD5 check",
      "the table was edited or truncated after it was generated, or the write failed",
      "regenerate the binary table (espburn table csv2bin) and write it at 0x8000" },
    { "table-invalid", "Failed to verify partition table", BOOTLOG_FAIL, "table-", BOOTLOG_TARGET_TABLE,
      "the bootloader could not verify the partition table at 0x8000",
      "the table is missing, corrupt, or does not fit the flash size in the bootloader's header",
      "write the partition table that came with the firmware at 0x8000" },
    { "otadata-invalid", "ota data partition invalid and no factory", BOOTLOG_INFO, NULL, BOOTLOG_TARGET_NONE,
      "the OTA data partition is empty or invalid and there is no factory app, so the bootloader tries every app partition",
      "normal right after a full erase and a first flash without ota_data_initial.bin; a problem only if no app partition holds an application",
      "nothing, if an application boots; otherwise write the application at the ota_0 partition's offset" },
    { "no-bootable-app", "No bootable app partitions in the partition table", BOOTLOG_FAIL, NULL,
      BOOTLOG_TARGET_APP, "the bootloader found no bootable application in any app partition",
      "the application was not written at the offset of an app partition (see the lines above for which offsets were tried)",
      "write the application at the offset of the factory (or ota_0) partition, usually 0x10000" },
    { "app-not-bootable", "Factory app partition is not bootable", BOOTLOG_FAIL, "no-bootable-app",
      BOOTLOG_TARGET_NONE, "the factory app partition holds no valid application",
      "the application was written elsewhere, is corrupt, or does not fit the partition",
      "write the application at the factory partition's offset" },
    { "flash-size-header", "Detected size(%dk) smaller than the size in the binary image header(%dk)",
      BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE, "the flash is $1 KB but the image header says $2 KB",
      "the firmware was flashed with a --flash-size larger than this board's flash",
      "flash again with the real flash size (espburn flash detects it)" },
    { "flash-size-header-small", "Detected size(%dk) larger than the size in the binary image header(%dk)",
      BOOTLOG_WARN, NULL, BOOTLOG_TARGET_NONE,
      "the flash is $1 KB but the image header says $2 KB, so only $2 KB is used",
      "the firmware was flashed with a --flash-size smaller than this board's flash",
      "harmless; flash with the real size (espburn flash detects it) to use the whole flash" },

    /* Application */
    { "brownout", "Brownout detector was triggered", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the brownout detector reset the chip: its supply voltage dropped too low",
      "the supply cannot deliver the current peaks (Wi-Fi or Bluetooth starting, motors, LEDs): a weak USB port or hub, a long or thin cable, a small regulator, or a battery that is low",
      "use a short, good USB cable on a port that gives 500 mA or a powered hub, add a capacitor (100 uF or more) near the module, or lower the Wi-Fi transmit power" },
    { "psram-missing", "PSRAM ID read error: 0x%x", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the firmware needs PSRAM but found none (PSRAM ID read error: 0x$1)", PSRAM_MISSING_EXPLAINED },
    { "psram-missing", "SPI RAM enabled but initialization failed", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the firmware needs PSRAM but could not start it (SPI RAM enabled but initialization failed)",
      PSRAM_MISSING_EXPLAINED },
    { "psram-missing", "Failed to init external RAM", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the firmware needs PSRAM but could not start it (Failed to init external RAM)",
      "the firmware was built for a board with PSRAM and this board has none, or its PSRAM is faulty",
      "flash a build without PSRAM or use a board with PSRAM (WROVER modules, M5Stack Fire)" },
    { "stack-overflow", "A stack overflow in task %s has been detected", BOOTLOG_FAIL, NULL,
      BOOTLOG_TARGET_NONE, "task $1 overflowed its stack",
      "the task uses more stack than it was given: large local arrays, deep recursion, or printf of big values",
      "give the task a bigger stack (xTaskCreate's stack size, or CONFIG_ARDUINO_LOOP_STACK_SIZE for loop()) or move big buffers to the heap" },
    { "abort", "abort() was called at PC 0x%x on core %d", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the firmware called abort() at 0x$1 on core $2",
      "a check in the firmware failed (an ESP_ERROR_CHECK, an assert, a failed allocation, or a driver that could not start); the lines just before usually say which",
      "read the error lines just before it; with --elf espburn names the function at 0x$1" },
    { "esp-error-check", "ESP_ERROR_CHECK failed: esp_err_t 0x%x (%s)", BOOTLOG_FAIL, NULL,
      BOOTLOG_TARGET_NONE,
      "a call checked with ESP_ERROR_CHECK failed with error 0x$1 ($2), and the firmware aborted",
      "the firmware treats this error as fatal: a driver or peripheral that could not start, a missing NVS or partition, or a wrong configuration",
      "look up $2 for the call named on the next lines (file, line, expression) and fix its cause" },
    { "assert", "assert failed: %s", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE, "an assertion failed in $1",
      "the code found a state it does not expect", "read the assertion's file and line, and fix the caller" },
    { "task-wdt", "Task watchdog got triggered", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "the task watchdog fired: a task did not yield for too long",
      "a loop that never calls delay()/vTaskDelay(), or code blocked waiting on something that never comes",
      "let the task yield (vTaskDelay) inside long loops, or find what it waits for" },
    { "heap-corrupt", "CORRUPT HEAP", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE, "the heap is corrupt",
      "code wrote past the end of an allocation, or used memory after freeing it",
      "enable heap poisoning (CONFIG_HEAP_POISONING_COMPREHENSIVE) to find the culprit" },
    { "stack-smash", "Stack smashing protect failure", BOOTLOG_FAIL, NULL, BOOTLOG_TARGET_NONE,
      "a function overwrote its own stack frame (stack smashing)", "a local buffer was written past its end",
      "check the sizes of local arrays and the string functions that fill them" },
    { NULL, NULL, BOOTLOG_INFO, NULL, BOOTLOG_TARGET_NONE, NULL, NULL, NULL },
};

/* Exception causes printed by ESP-IDF's panic handler (Xtensa names, then
 * RISC-V ones), and what they usually mean. */
static const struct {
    const char *cause, *meaning;
} panic_causes[] = {
    { "LoadProhibited",
      "the code read from an address that is not readable: most often a NULL or dangling pointer (look at EXCVADDR)" },
    { "StoreProhibited",
      "the code wrote to an address that is not writable: most often a NULL or dangling pointer (look at EXCVADDR)" },
    { "InstrFetchProhibited",
      "the CPU jumped to an address that holds no code: a corrupt function pointer or return address (stack overflow or memory overwrite)" },
    { "IllegalInstruction",
      "the CPU executed bytes that are not an instruction: a corrupt function pointer or stack, or code read from flash while the cache was off" },
    { "LoadStoreAlignment",
      "the code accessed memory at a misaligned address (e.g. a packed struct or a cast byte pointer)" },
    { "LoadStoreError",
      "the code read or wrote IRAM or ROM with a byte or half-word access, which only allows 32-bit words" },
    { "IntegerDivideByZero", "the code divided an integer by zero" },
    { "Unhandled debug exception",
      "a debug watchpoint fired: usually a task stack overflowed onto its guard" },
    { "Double exception", "an exception happened while handling another: usually a stack overflow" },
    { "Interrupt wdt timeout",
      "an interrupt handler or a critical section ran too long with interrupts off" },
    { "Cache disabled but cached memory region accessed",
      "code or data in flash was used while the flash cache was off (an interrupt handler not in IRAM, during a flash write)" },
    { "Load access fault",
      "the code read from an address that is not readable: most often a NULL or dangling pointer (look at MTVAL)" },
    { "Store access fault",
      "the code wrote to an address that is not writable: most often a NULL or dangling pointer (look at MTVAL)" },
    { "Instruction access fault",
      "the CPU jumped to an address that holds no code: a corrupt function pointer or return address" },
    { "Illegal instruction",
      "the CPU executed bytes that are not an instruction: a corrupt function pointer or stack" },
    { "Stack protection fault", "a task overflowed its stack" },
};

const char *bootlog_panic_meaning(const char *cause)
{
    for (size_t i = 0; i < sizeof panic_causes / sizeof panic_causes[0]; i++)
        if (strncmp(cause, panic_causes[i].cause, strlen(panic_causes[i].cause)) == 0)
            return panic_causes[i].meaning;
    return NULL;
}
