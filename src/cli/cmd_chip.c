/* cmd_chip.c - `espburn chip`: connect to a board and say what it is: chip,
 * package and revision, features, crystal, MAC, flash chip and size, and
 * its security state. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_device.h"

static void print_help(void)
{
    printf("usage: espburn chip -p PORT [options]\n\n"
           "Connects to the board in download mode and reports the chip, its package and\n"
           "revision, features (Wi-Fi, BT, cores, embedded flash/PSRAM), crystal, MAC, the\n"
           "flash chip's JEDEC id, maker and size, and the security state (flash encryption,\n"
           "secure boot, Secure Download Mode).\n\n");
    cli_device_print_help();
    printf("\nexit codes: 0 ok, 2 usage error, 3 the board did not answer\n");
}

static void print_security(const struct security_info *s)
{
    if (!s->known) {
        printf("Security:   unknown (this ROM does not report it)\n");
        return;
    }
    printf("Security:   flash encryption %s, secure boot %s%s (from %s)\n",
           s->flash_encryption ? "ON" : "off",
           s->secure_boot_version == 1 ? "V1 ON"
           : s->secure_boot            ? "V2 ON"
                                       : "off",
           s->secure_download ? ", Secure Download Mode ON" : "", s->source);
    if (s->flash_encryption)
        printf(
            "            flash encryption: `espburn flash` refuses plaintext images (they would not boot)\n");
    if (s->secure_boot_version == 1)
        printf(
            "            secure boot V1: the bootloader at 0x1000 cannot be replaced; write only the signed app\n");
    else if (s->secure_boot)
        printf("            secure boot V2: only images signed with the board's key boot\n");
}

static void print_flash(const struct device *d)
{
    printf("Flash:      %s (0x%02X), device 0x%04X, ", flash_manufacturer_name(d->jedec & 0xFF),
           d->jedec & 0xFF, flash_device_id(d->jedec));
    if (d->flash_size)
        printf("%u MB (JEDEC id 0x%06X)\n", d->flash_size >> 20, d->jedec);
    else
        printf("size unknown (JEDEC id 0x%06X)\n", d->jedec);
}

/* "ESP32-S3 (QFN56)" already says ESP32-S3; "ESP32-D0WDQ6" is not "ESP32". */
static bool names_chip(const char *description, const char *chip)
{
    size_t n = strlen(chip);
    return strncmp(description, chip, n) == 0 && (description[n] == '\0' || description[n] == ' ');
}

static void print_text(const struct device *d)
{
    char mac[18];
    device_mac_text(d, mac);
    printf("Chip:       %s", d->facts.description);
    if (!names_chip(d->facts.description, d->l->chip->display))
        printf(" (%s)", d->l->chip->display);
    if (d->facts.rev_major >= 0)
        printf(", revision v%d.%d", d->facts.rev_major, d->facts.rev_minor);
    printf("\nFeatures:   ");
    for (unsigned i = 0; i < d->facts.nfeatures; i++)
        printf("%s%s", i ? ", " : "", d->facts.features[i]);
    printf("%s\n", d->facts.nfeatures ? "" : "(not decoded for this chip)");
    if (d->facts.xtal_mhz)
        printf("Crystal:    %d MHz\n", d->facts.xtal_mhz);
    printf("MAC:        %s\n", mac);
    if (d->facts.security.secure_download)
        printf("Flash:      not readable (Secure Download Mode refuses register access)\n");
    else
        print_flash(d);
    print_security(&d->facts.security);
    printf("Port:       %s at %u baud%s\n", d->port_name, d->baud,
           d->l->stub ? ", flasher stub running" : "");
}

int cmd_chip(int argc, char **argv)
{
    struct cli_device_opts o;
    cli_device_opts_init(&o, DEVICE_AFTER_HARD_RESET);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help();
            return EB_OK;
        }
        int r = cli_device_parse_opt(&o, "chip", argc, argv, &i);
        if (r == 0)
            return cli_usage("chip", "unexpected argument '%s'", argv[i]);
        if (r != 1)
            return r;
    }
    int rc = cli_device_opts_finish(&o, "chip");
    if (rc)
        return rc;
    if (o.nports > 1)
        return cli_usage("chip", "give one port (-p) to `chip`");
    struct device d;
    eb_err err = { 0 };
    if (cli_device_connect(&o, o.ports[0], &d, &err) || cli_device_finish(&o, &d, &err)) {
        device_close(&d);
        return cli_device_fail(&o, &err);
    }
    if (d.port->warning[0] && !o.json)
        fprintf(stderr, "espburn: note: %s\n", d.port->warning);
    if (o.json)
        cli_print_json(cli_device_json(&d));
    else
        print_text(&d);
    device_close(&d);
    return EB_OK;
}
