/* flash_bundle.c - flash a folder of firmware (bootloader, partition table,
 * application...) onto a board with libespburn, as `espburn flash` does.
 *
 *   usage: flash_bundle PORT FOLDER
 *   build: cc flash_bundle.c $(pkg-config --cflags --libs espburn) -o flash_bundle
 *
 * Exit status: 0 written and verified, else the error's code (1 refused or
 * verification failed, 2 usage, 3 port or board failed). */
#include <espburn.h>
#include <stdio.h>
#include <unistd.h>

static void on_progress(void *ctx, unsigned region, size_t done, size_t total)
{
    (void)ctx;
    if (!isatty(STDERR_FILENO))
        return;
    fprintf(stderr, "\r  region %u: %zu of %zu bytes\033[K%s", region, done, total,
            done == total ? "\n" : "");
}

static void on_event(void *ctx, const eb_event *ev)
{
    (void)ctx;
    fprintf(stderr, "%s\n", ev->text);
}

/* The plan's warnings and errors, as `espburn plan` words them. */
static void print_findings(const eb_plan *plan)
{
    for (unsigned i = 0; i < eb_plan_finding_count(plan); i++) {
        eb_finding f;
        if (eb_plan_get_finding(plan, i, &f, NULL) == 0 && f.level != EB_LEVEL_INFO)
            fprintf(stderr, "  %s [%s] %s\n", f.level_name, f.code, f.text);
    }
}

static void print_result(const eb_flash_result *res)
{
    for (unsigned i = 0; i < res->nregions; i++) {
        const eb_region_result *r = &res->regions[i];
        printf("0x%06X %-40s %-10s %zu bytes written\n", (unsigned)r->addr, r->path,
               eb_region_state_name(r->state), r->written);
    }
    printf("%zu bytes written in %.1f s\n", res->written, res->seconds);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: flash_bundle PORT FOLDER\n");
        return EB_USAGE;
    }
    eb_err err = { 0 };
    eb_plan *plan = NULL;
    eb_port *port = NULL;
    eb_device *dev = NULL;
    eb_flash_result res = { 0 };
    const char *sources[] = { argv[2] };
    eb_connect_opts copts = { .baud = EB_BAUD_AUTO }; /* the fastest rate that works */
    eb_flash_opts fopts = { .progress = on_progress, .event = on_event };
    fopts.header = (eb_header_opts){ "keep", "keep", "keep" }; /* the files byte for byte, headers as built */

    int failed = eb_plan_build(1, sources, NULL, &plan, &err);
    if (!failed)
        print_findings(plan);
    failed = failed || eb_port_open(argv[1], 0, &port, &err) || eb_connect(port, &copts, &dev, &err);
    if (!failed) {
        eb_device_info info;
        eb_device_get_info(dev, &info);
        fprintf(stderr, "%s on %s, %u MB flash, %u baud%s\n", info.description, argv[1],
                info.flash_size >> 20, info.baud, info.stub ? ", stub" : "");
    }
    failed = failed || eb_flash(dev, plan, &fopts, &res, &err) || eb_finish(dev, EB_AFTER_HARD_RESET, &err);
    if (res.nregions)
        print_result(&res);
    if (failed)
        fprintf(stderr, "flash_bundle: %s\n", err.msg);
    eb_flash_result_free(&res);
    eb_device_close(dev);
    eb_port_close(port);
    eb_plan_free(plan);
    return failed ? (err.code ? err.code : EB_IO) : EB_OK;
}
