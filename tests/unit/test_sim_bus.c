/* test_sim_bus.c - the virtual board's address space in-process: sparse RAM
 * over the chip table's regions, and the flash chip behind the SPI
 * controller's user-command registers (bus.h, memory.h, spi_flash.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sim/bus.h"
#include "sim/simboot.h"

struct rig {
    struct sim s;
    struct sim_flash flash;
    char trace[4096];
};

static void on_trace(void *ctx, const char *line)
{
    struct rig *r = ctx;
    size_t n = strlen(r->trace);
    if (n + strlen(line) + 2 < sizeof r->trace) {
        strcat(r->trace, line);
        strcat(r->trace, "\n");
    }
}

static struct rig *rig_new(const char *board)
{
    struct rig *r = calloc(1, sizeof *r);
    const struct sim_board *b = sim_board_by_name(board);
    assert_non_null(b);
    assert_int_equal(sim_flash_open(&r->flash, NULL, sim_board_flash_size(b), NULL), 0);
    struct sim_options o = { .board = b, .flash = &r->flash, .boot_download = true };
    assert_int_equal(sim_init(&r->s, &o, NULL), 0);
    r->s.trace = on_trace;
    r->s.trace_ctx = r;
    sim_power_on(&r->s, 1000);
    return r;
}

static void rig_free(struct rig *r)
{
    sim_free(&r->s);
    sim_flash_close(&r->flash);
    free(r);
}

static void ram_is_sparse_memory_over_the_chip_regions(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-atom");
    uint8_t blob[6000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 7 + 3);
    /* a load across a 4 KB page boundary, then words read back from both pages */
    assert_true(sim_bus_load(&r->s, 0x3FFB0F00, blob, sizeof blob));
    assert_int_equal(sim_bus_read(&r->s, 0x3FFB0F00),
                     (uint32_t)blob[0] | blob[1] << 8 | blob[2] << 16 | (uint32_t)blob[3] << 24);
    assert_int_equal(sim_bus_read(&r->s, 0x3FFB1000) & 0xFF, blob[0x100]);
    assert_int_equal(sim_bus_read(&r->s, 0x3FFB1001), sim_bus_read(&r->s, 0x3FFB1000)); /* aligned down */
    assert_int_equal(sim_bus_read(&r->s, 0x3FFC0000), 0);                               /* never written */
    /* masked store */
    sim_bus_write(&r->s, 0x40080000, 0x11223344, 0xFFFFFFFF, 0);
    sim_bus_write(&r->s, 0x40080000, 0xAABBCCDD, 0x00FF00FF, 0);
    assert_int_equal(sim_bus_read(&r->s, 0x40080000), 0x11BB33DD);
    /* a load that runs past the end of DRAM (0x40000000) is refused whole */
    assert_false(sim_bus_load(&r->s, 0x3FFFFFF0, blob, 32));
    assert_int_equal(sim_bus_read(&r->s, 0x3FFFFFF0), 0);
    assert_non_null(strstr(r->trace, "not all RAM on this chip"));
    /* flash-mapped and PSRAM windows are not RAM in download mode */
    sim_bus_write(&r->s, 0x3F400000, 1, 0xFFFFFFFF, 0);
    assert_int_equal(sim_bus_read(&r->s, 0x3F400000), 0);
    rig_free(r);
}

static void ram_is_lost_with_power_and_kept_across_resets(void **state)
{
    (void)state;
    struct rig *r = rig_new("esp32-c3-devkitm-1");
    sim_bus_write(&r->s, 0x3FC80000, 0xDEADBEEF, 0xFFFFFFFF, 0);
    char rst[SIMBOOT_RST_LEN];
    sim_reboot(&r->s, simboot_rst(r->s.chip, CHIP_RST_CPU, rst), true, 2000);
    assert_int_equal(sim_bus_read(&r->s, 0x3FC80000), 0xDEADBEEF);
    r->s.state = SIM_OFF; /* the cable was pulled */
    sim_power_on(&r->s, 3000);
    assert_int_equal(sim_bus_read(&r->s, 0x3FC80000), 0);
    rig_free(r);
}

/* One user command as esptool's run_spiflash_command sets it up. */
static uint32_t spi_cmd(struct rig *r, uint8_t cmd, uint32_t read_bits, uint32_t addr_reg, uint32_t addr_len,
                        uint32_t dummy, uint64_t t)
{
    const struct chip *c = r->s.chip;
    uint32_t b = c->spi_base;
    uint32_t usr = SPI_USR_COMMAND | (read_bits ? SPI_USR_MISO : 0) | (addr_len ? SPI_USR_ADDR : 0) |
                   (dummy ? SPI_USR_DUMMY : 0);
    uint32_t usr1 = (dummy ? dummy - 1 : 0) | (addr_len ? (addr_len - 1) << SPI_USR1_ADDR_SHIFT : 0);
    if (read_bits)
        sim_bus_write(&r->s, b + c->spi_miso_dlen, read_bits - 1, 0xFFFFFFFF, t);
    sim_bus_write(&r->s, b + c->spi_usr1, usr1, 0xFFFFFFFF, t);
    sim_bus_write(&r->s, b + c->spi_usr, usr, 0xFFFFFFFF, t);
    sim_bus_write(&r->s, b + c->spi_usr2, 7u << 28 | cmd, 0xFFFFFFFF, t);
    sim_bus_write(&r->s, b + SPI_REG_ADDR, addr_reg, 0xFFFFFFFF, t);
    sim_bus_write(&r->s, b + c->spi_w0, 0, 0xFFFFFFFF, t);
    sim_bus_write(&r->s, b + SPI_REG_CMD, SPI_CMD_USR, 0xFFFFFFFF, t);
    assert_int_equal(sim_bus_read(&r->s, b + SPI_REG_CMD) & SPI_CMD_USR, 0);
    return sim_bus_read(&r->s, b + c->spi_w0);
}

static void sfdp_follows_the_chips_address_alignment(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-atom"); /* ESP32: address from bit 31 down; W25Q32JV */
    assert_int_equal(spi_cmd(r, FLASH_CMD_SFDP, 32, 0x84u << 8, 24, 8, 0), 0x01FFFFFF); /* density: 32 Mbit */
    assert_int_equal(spi_cmd(r, FLASH_CMD_SFDP, 32, 0, 24, 8, 0), 0x50444653);
    rig_free(r);
    r = rig_new("m5stack-cores3"); /* ESP32-S3: the low bits; W25Q128JV */
    assert_int_equal(spi_cmd(r, FLASH_CMD_SFDP, 32, 0x84, 24, 8, 0), 0x07FFFFFF);
    assert_int_equal(spi_cmd(r, FLASH_CMD_SFDP, 16, 0xFE, 24, 8, 0), 0xFFFF); /* past the tables */
    rig_free(r);
}

static void sfdp_needs_its_address_and_dummy_cycles(void **state)
{
    (void)state;
    struct rig *r = rig_new("esp32-c3-devkitm-1");
    assert_int_equal(spi_cmd(r, FLASH_CMD_SFDP, 32, 0, 24, 7, 0), 0xFFFFFFFF);
    assert_int_equal(spi_cmd(r, FLASH_CMD_SFDP, 32, 0, 32, 8, 0), 0xFFFFFFFF);
    assert_non_null(strstr(r->trace, "SFDP needs a 24-bit address and 8 dummy cycles, got 24 and 7"));
    assert_int_equal(spi_cmd(r, FLASH_CMD_RDID, 24, 0, 0, 0, 0), 0x164020);
    assert_int_equal(spi_cmd(r, 0x4B, 32, 0, 0, 0, 0), 0xFFFFFFFF);
    assert_non_null(strstr(r->trace, "flash chip: unsupported command 0x4B"));
    rig_free(r);
}

static void status_shows_the_flash_busy_bit(void **state)
{
    (void)state;
    struct rig *r = rig_new("m5stack-fire");
    r->s.flash_ready_us = 5000; /* an erase runs until then */
    assert_int_equal(spi_cmd(r, FLASH_CMD_RDSR, 8, 0, 0, 0, 4000), FLASH_SR1_WIP);
    assert_int_equal(spi_cmd(r, FLASH_CMD_RDSR, 8, 0, 0, 0, 5000), 0);
    spi_cmd(r, FLASH_CMD_WREN, 0, 0, 0, 0, 5000);
    assert_int_equal(spi_cmd(r, FLASH_CMD_RDSR, 8, 0, 0, 0, 5000), FLASH_SR1_WEL);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ram_is_sparse_memory_over_the_chip_regions),
        cmocka_unit_test(ram_is_lost_with_power_and_kept_across_resets),
        cmocka_unit_test(sfdp_follows_the_chips_address_alignment),
        cmocka_unit_test(sfdp_needs_its_address_and_dummy_cycles),
        cmocka_unit_test(status_shows_the_flash_busy_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
