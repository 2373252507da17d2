/* cmd_sim.c - `espburn sim`: run the virtual board (issue 3). Options are
 * parsed into one struct sim_cli in one place (parse_options); the board
 * itself lives in src/sim/. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/board.h"
#include "sim/engine.h"
#include "sim/fault.h"
#include "sim/micropython.h"
#include "sim/server.h"

static const char sim_usage[] =
    "usage: espburn sim [--board NAME] [--flash-file FILE] (--tcp PORT | --rfc2217 PORT | --pty LINK)\n"
    "                   [--boot download|flash] [--realtime] [--fault SPEC]... [--fs DIR] [--trace] [--json]\n"
    "       espburn sim --list [--json]\n"
    "       espburn sim --micropython --fs DIR --tcp PORT [--personality official|lobo] [--fs-size BYTES] [--realtime]\n\n"
    "Run a virtual ESP32 board that speaks the ROM serial bootloader protocol on\n"
    "127.0.0.1 (PORT 0 picks a free port). It prints one line saying where to\n"
    "connect (-p URL) and runs until Ctrl-C. The flash persists in --flash-file\n"
    "(created 0xFF-filled at the board's size; default: memory only).\n\n"
    "  --board NAME     board profile (default m5stack-fire; --list shows them)\n"
    "  --tcp PORT       raw socket: socket://127.0.0.1:PORT (no DTR/RTS)\n"
    "  --rfc2217 PORT   serial over telnet: rfc2217://127.0.0.1:PORT, with DTR/RTS\n"
    "                   driving the board's auto-reset circuit, and a baud rate\n"
    "  --pty LINK       a pseudo-terminal, linked at LINK (no DTR/RTS)\n"
    "  --boot MODE      mode at power-on when no lines drive GPIO0 (default download)\n"
    "  --realtime       bytes at the configured baud, flash at datasheet speeds\n"
    "  --fault SPEC     inject a fault (repeatable):\n"
    "%s"
    "  --fs DIR         when the flash boots a MicroPython firmware, its app stage is a real\n"
    "                   MicroPython (see --micropython) with its files in DIR (default:\n"
    "                   FILE.fs next to --flash-file), started at each boot, stopped at each reset;\n"
    "                   the table's filesystem partition is unpacked into DIR at the start (DIR then\n"
    "                   holds exactly its files) and DIR packed back into it at the reset\n"
    "  --trace          print one line per command and event on stderr\n"
    "  --json           print the listening line as one JSON document\n"
    "  --micropython    a board running MicroPython instead (real WebAssembly MicroPython under Node;\n"
    "                   see sim/micropython/README.md): its files live in --fs DIR, mounted at /\n"
    "                   (--personality official) or /flash (lobo: the seed's LoBo build); --realtime\n"
    "                   paces its UART at 115200 baud\n";

struct sim_cli {
    const char *board, *flash_file, *where;
    enum sim_transport transport;
    int transports;
    bool boot_download, realtime, json, list, trace;
    struct sim_faults faults;
    bool micropython;
    const char *fs_dir, *personality;
    long fs_size;
};

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int parse_options(int argc, char **argv, struct sim_cli *o)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "board", required_argument, NULL, 'b' },
        { "flash-file", required_argument, NULL, 'f' },
        { "tcp", required_argument, NULL, 't' },
        { "rfc2217", required_argument, NULL, 'r' },
        { "pty", required_argument, NULL, 'p' },
        { "boot", required_argument, NULL, 'B' },
        { "realtime", no_argument, NULL, 'R' },
        { "fault", required_argument, NULL, 'F' },
        { "json", no_argument, NULL, 'j' },
        { "list", no_argument, NULL, 'l' },
        { "trace", no_argument, NULL, 'T' },
        { "micropython", no_argument, NULL, 'M' },
        { "fs", required_argument, NULL, 'S' },
        { "personality", required_argument, NULL, 'P' },
        { "fs-size", required_argument, NULL, 'Z' },
        { NULL, 0, NULL, 0 },
    };
    *o = (struct sim_cli){ .board = "m5stack-fire", .boot_download = true };
    eb_err err = { 0 };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': printf(sim_usage, sim_fault_help), putchar('\n'), cli_print_command_options(); exit(EB_OK);
        case 'b': o->board = optarg; break;
        case 'f': o->flash_file = optarg; break;
        case 't':
            o->transport = SIM_TCP;
            o->where = optarg;
            o->transports++;
            break;
        case 'r':
            o->transport = SIM_RFC2217;
            o->where = optarg;
            o->transports++;
            break;
        case 'p':
            o->transport = SIM_PTY;
            o->where = optarg;
            o->transports++;
            break;
        case 'R': o->realtime = true; break;
        case 'j': o->json = true; break;
        case 'l': o->list = true; break;
        case 'T': o->trace = true; break;
        case 'M': o->micropython = true; break;
        case 'S': o->fs_dir = optarg; break;
        case 'P': o->personality = optarg; break;
        case 'Z': o->fs_size = strtol(optarg, NULL, 0); break;
        case 'B':
            if (strcmp(optarg, "download") && strcmp(optarg, "flash"))
                return cli_usage("sim", "--boot takes download or flash, not '%s'", optarg);
            o->boot_download = strcmp(optarg, "download") == 0;
            break;
        case 'F':
            if (sim_fault_parse(&o->faults, optarg, &err))
                return cli_usage("sim", "%s", err.msg);
            break;
        default: return cli_usage("sim", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage("sim", "unexpected argument '%s'", argv[optind]);
    if (!o->list && o->transports != 1)
        return cli_usage("sim", "give exactly one of --tcp PORT, --rfc2217 PORT, --pty LINK");
    return EB_OK;
}

/* The --realtime costs of a board (its flash part's row and the chip's own
 * figures), for benchmarks that compute limits from them. */
static void add_timing(cJSON *board, const struct flash_part *part)
{
    if (!part)
        return;
    const struct sim_timing t = sim_timing_of(part);
    cJSON *o = cJSON_AddObjectToObject(board, "timing");
    cJSON_AddNumberToObject(o, "sector_erase_us", t.flash.sector_erase_us);
    cJSON_AddNumberToObject(o, "block_erase_us", t.flash.block_erase_us);
    cJSON_AddNumberToObject(o, "page_program_us", t.flash.page_program_us);
    cJSON_AddNumberToObject(o, "status_write_us", t.flash.status_write_us);
    cJSON_AddNumberToObject(o, "read_bytes_per_ms", t.read_bytes_per_ms);
    cJSON_AddNumberToObject(o, "inflate_bytes_per_ms", t.inflate_bytes_per_ms);
    cJSON_AddStringToObject(o, "source", part->timing_source);
}

static int list_boards(bool json)
{
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    for (const struct sim_board *b = sim_boards; b->name; b++) {
        if (!json) {
            printf("%-32s %s\n", b->name, b->description);
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", b->name);
        cJSON_AddStringToObject(o, "description", b->description);
        cJSON_AddStringToObject(o, "chip", b->chip_name);
        cJSON_AddNumberToObject(o, "flash_size", sim_board_flash_size(b));
        cJSON_AddStringToObject(o, "flash_part", b->flash_part);
        cJSON_AddStringToObject(o, "bridge", b->bridge);
        char usb[16];
        snprintf(usb, sizeof usb, "%04x:%04x", b->usb_vid, b->usb_pid);
        cJSON_AddStringToObject(o, "usb_id", usb);
        cJSON_AddNumberToObject(o, "bridge_max_baud", b->bridge_max_baud);
        cJSON_AddNumberToObject(o, "bridge_latency_us", b->bridge_latency_us);
        const struct chip *c = sim_board_chip(b);
        if (c)
            cJSON_AddNumberToObject(o, "bootloader_offset", c->bootloader_offset);
        add_timing(o, sim_board_flash(b));
        cJSON_AddItemToArray(arr, o);
    }
    if (json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddItemToObject(doc, "boards", arr);
        cli_print_json(doc);
    }
    return EB_OK;
}

static void announce(const struct sim_cli *o, const struct sim_board *b, const struct sim_server *srv)
{
    if (o->json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "board", b->name);
        cJSON_AddStringToObject(doc, "url", srv->url);
        if (o->flash_file)
            cJSON_AddStringToObject(doc, "flash_file", o->flash_file);
        cli_json_line(doc); /* the board runs on: this line says it is listening */
    } else {
        printf("espburn sim: %s listening; connect with -p %s\n", b->name, srv->url);
    }
    fflush(stdout);
}

static void trace_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "sim: %s\n", line);
}

static void catch_signals(void)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The app stage's MicroPython keeps its files in --fs DIR, else FILE.fs. */
static void app_link_init(struct sim_mpy_link *l, const struct sim_cli *o)
{
    char dir[1024] = "";
    if (o->fs_dir)
        snprintf(dir, sizeof dir, "%s", o->fs_dir);
    else if (o->flash_file)
        snprintf(dir, sizeof dir, "%s.fs", o->flash_file);
    sim_mpy_link_init(l, dir, o->realtime);
}

static int run_board(const struct sim_cli *o, const struct sim_board *b)
{
    eb_err err = { 0 };
    struct sim_flash flash;
    if (sim_flash_open(&flash, o->flash_file, sim_board_flash_size(b), &err))
        return cli_fail(&err);
    struct sim_options so = { .board = b,
                              .flash = &flash,
                              .boot_download = o->boot_download,
                              .has_lines = o->transport == SIM_RFC2217,
                              .realtime = o->realtime,
                              .faults = o->faults };
    struct sim s;
    struct sim_server srv;
    struct sim_mpy_link app;
    int rc = EB_OK;
    if (sim_init(&s, &so, &err)) {
        sim_flash_close(&flash);
        return cli_fail(&err);
    }
    if (o->trace)
        s.trace = trace_line;
    if (sim_server_open(&srv, o->transport, o->where, &err)) {
        rc = cli_fail(&err);
    } else {
        app_link_init(&app, o);
        srv.app_link = &app;
        catch_signals();
        announce(o, b, &srv);
        if (sim_server_run(&srv, &s, &stop_requested, &err))
            rc = cli_fail(&err);
        sim_mpy_link_stop(&app, &s);
    }
    sim_server_close(&srv);
    if (sim_flash_sync(&flash, &err) && rc == EB_OK)
        rc = cli_fail(&err);
    sim_free(&s);
    sim_flash_close(&flash);
    return rc;
}

/* --micropython: the Node MicroPython board (src/sim/micropython.h). */
static int run_micropython(const struct sim_cli *o)
{
    if (o->transport != SIM_TCP)
        return cli_usage("sim", "--micropython needs --tcp PORT");
    if (!o->fs_dir)
        return cli_usage("sim", "--micropython needs --fs DIR (the board's files)");
    struct sim_mpy_opts mo = { .fs_dir = o->fs_dir,
                               .personality = o->personality,
                               .tcp_port = o->where,
                               .baud = o->realtime ? 115200 : 0,
                               .fs_size = o->fs_size };
    eb_err err = { 0 };
    return sim_micropython_run(&mo, &err) ? cli_fail(&err) : EB_OK;
}

int cmd_sim(int argc, char **argv)
{
    struct sim_cli o;
    int rc = parse_options(argc, argv, &o);
    if (rc != EB_OK)
        return rc;
    if (o.micropython)
        return run_micropython(&o);
    if (o.list)
        return list_boards(o.json);
    const struct sim_board *b = sim_board_by_name(o.board);
    if (!b)
        return cli_usage("sim", "unknown board '%s' (espburn sim --list shows the boards)", o.board);
    return run_board(&o, b);
}
