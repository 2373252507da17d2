/* cmd_info.c - `espburn info FILE... [--json]`: for each file, what it is by
 * content (fw_identify), for which chip, its header, segments, checksums,
 * descriptors or partitions, and where it must go, in plain words. Exit 0
 * when every file was read and is sound, 1 when one is corrupt or has a
 * problem, 3 when one cannot be read. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/file.h"
#include "image/identify.h"

#define INFO_MAX_FILE (256u << 20) /* larger than any ESP flash */

static const char usage[] =
    "usage: espburn info FILE... [--json]\n\n"
    "Say what each firmware file is, by its content alone (never its name): ESP\n"
    "bootloader or application (chip, header, segments and their memory regions,\n"
    "checksum, SHA-256, app descriptor), partition table (binary or CSV), PHY init\n"
    "data, otadata, NVS, LittleFS, FAT, SPIFFS, UF2, merged images, ELF files,\n"
    "manifests; and where it must be written.\n\n"
    "  --json   one JSON document: {\"files\": [...], \"exit_code\": N}; each file has\n"
    "           path, read (false: only error), size, role, kind, chip (name or null),\n"
    "           chip_display, bootloader_offset, summary, problem (or null), where, and\n"
    "           by role: image {chip_id, flash_mode, flash_size, flash_freq (and their\n"
    "           header codes flash_*_code), entry, min_rev_full, max_rev_full, segments\n"
    "           [{index, load_addr, len, file_offset, region, kind}], checksum_ok,\n"
    "           checksum_stored, checksum_computed, sha256_appended, sha256_ok,\n"
    "           sha256_missing, image_len, verdict, flash_align, flash_align_assumed,\n"
    "           app_desc {project, version, idf_ver, date, time, secure_version,\n"
    "           elf_sha256, mmu_page_size, ...}, bootloader_desc {version, idf_ver,\n"
    "           date_time}}, table {has_md5, md5_ok, partitions and issues as in\n"
    "           'espburn table show --json'},\n"
    "           merged {base, parts [{address, file_offset, len, role, label, summary}],\n"
    "           bootloader}, otadata {entries [{seq, state, crc_ok, valid}], active},\n"
    "           uf2 {family_id, blocks, addr_min, addr_max}\n\n"
    "exit: 0 all files read and sound, 1 a file is corrupt or has a problem,\n"
    "      2 usage error, 3 a file cannot be read\n";

/* Which parts of the report a file has. */
static bool has_image(const struct fw_ident *id)
{
    return id->role == ROLE_BOOTLOADER || id->role == ROLE_APP ||
           (id->role == ROLE_UNKNOWN && id->image.nseg); /* an image for an unknown chip */
}

static bool has_table(const struct fw_ident *id)
{
    return id->role == ROLE_PARTITION_TABLE || id->role == ROLE_PARTITION_CSV ||
           (id->role == ROLE_MERGED && id->table.n);
}

/* Where the file's table sits in flash: inside a merged image, where it
 * was found; a table file, at the default offset. */
static uint32_t table_offset_of(const struct fw_ident *id)
{
    if (id->role == ROLE_MERGED)
        for (unsigned i = 0; i < id->nparts; i++)
            if (id->parts[i].role == ROLE_PARTITION_TABLE)
                return id->parts[i].file_off + id->merged_base;
    return PT_DEFAULT_OFFSET;
}

static const char *region_kind(const struct esp_segment *s)
{
    if (!s->region)
        return s->load_addr == 0 ? "padding" : "no known region";
    return mem_kind_is_flash_mapped(s->region->kind) ? "flash mapped" : "RAM";
}

/* ---- human output ---- */

static void print_image(const struct esp_image *img)
{
    const char *freq = img->chip ? chip_freq_name(img->chip, img->flash_freq_code) : NULL;
    printf("  header     flash %s, %s, %s; entry 0x%08x; chip revision v%d.%d or later",
           esp_image_mode_name(img->flash_mode), esp_image_size_name(img->flash_size_code), freq ? freq : "?",
           img->entry, img->min_rev_full / 100, img->min_rev_full % 100);
    if (img->max_rev_full != 0 && img->max_rev_full != 0xFFFF) /* 0: older images, unset */
        printf(", up to v%d.%d", img->max_rev_full / 100, img->max_rev_full % 100);
    putchar('\n');
    printf("  segments   %u\n", img->nseg);
    printf("     #  load addr   size       file off   region\n");
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct esp_segment *s = &img->seg[i];
        char size[32];
        cli_format_size(size, sizeof size, s->len);
        printf("    %2u  0x%08x  %-9s  0x%07zx  %s (%s)\n", i + 1, s->load_addr, size, s->data_off,
               s->region ? s->region->name : "-", region_kind(s));
    }
    if (img->checksum_off == 0)
        return;
    printf("  checksum   %s (stored 0x%02x, computed 0x%02x, at 0x%zx)\n", img->checksum_ok ? "ok" : "wrong",
           img->checksum_stored, img->checksum_calc, img->checksum_off);
    printf("  sha256     %s\n", !img->hash_appended ? "none appended"
                                : img->sha_missing  ? "appended, but missing (the file is truncated)"
                                : img->sha_ok       ? "appended, ok"
                                                    : "appended, wrong");
    if (img->role == ROLE_APP)
        printf("  alignment  %u KB (MMU page size%s)\n", img->flash_align / 1024,
               img->flash_align_assumed ? ", assumed: no descriptor says" : "");
    if (img->app.present)
        printf("  app        project '%s', version '%s', ESP-IDF %s, built %s %s, secure version %u\n",
               img->app.project, img->app.version, img->app.idf_ver, img->app.date, img->app.time,
               img->app.secure_version);
    if (img->boot.present)
        printf("  bootloader descriptor: version %u, ESP-IDF %s, built %s\n", img->boot.version,
               img->boot.idf_ver, img->boot.date_time);
}

static void print_table(const struct part_table *t, uint32_t table_offset)
{
    printf("  partitions %u%s\n", t->n, !t->has_md5 ? "" : t->md5_ok ? " (MD5 ok)" : " (MD5 wrong)");
    printf("    name              type  subtype    offset      size        flags\n");
    for (unsigned i = 0; i < t->n; i++) {
        const struct partition *p = &t->p[i];
        const char *type = pt_type_name(p->type), *sub = pt_subtype_name(p->type, p->subtype);
        char tbuf[8], sbuf[8];
        snprintf(tbuf, sizeof tbuf, "0x%02x", p->type);
        snprintf(sbuf, sizeof sbuf, "0x%02x", p->subtype);
        printf("    %-16s  %-4s  %-9s  0x%08x  0x%08x  %s%s\n", p->label, type ? type : tbuf,
               sub ? sub : sbuf, p->offset, p->size, p->flags & PT_FLAG_ENCRYPTED ? "encrypted " : "",
               p->flags & PT_FLAG_READONLY ? "readonly" : "");
    }
    struct pt_issue issues[PT_MAX_ISSUES];
    unsigned n = pt_check(t, table_offset, issues, PT_MAX_ISSUES);
    for (unsigned i = 0; i < n; i++)
        printf("  %-10s %s\n", issues[i].warning ? "warning" : "error", issues[i].text);
}

static void print_merged(const struct fw_ident *id)
{
    printf("  base       0x%x\n", id->merged_base);
    printf("    address     size       role             partition         what\n");
    for (unsigned i = 0; i < id->nparts; i++) {
        const struct fw_part *p = &id->parts[i];
        char size[32];
        cli_format_size(size, sizeof size, p->len);
        printf("    0x%08x  %-9s  %-15s  %-16s  %s\n", p->file_off + id->merged_base, size,
               role_name(p->role), p->label, p->summary);
    }
}

static void print_ident(const char *path, size_t size, const struct fw_ident *id)
{
    char where[FW_WHERE_LEN];
    fw_where(id, where, sizeof where);
    printf("%s: %s\n", path, id->summary);
    char count[32];
    cli_format_size(count, sizeof count, size);
    printf("  size       %s bytes\n", count);
    printf("  role       %s%s%s\n", role_name(id->role), id->kind ? ", " : "", id->kind ? id->kind : "");
    if (id->chip)
        printf("  chip       %s\n", id->chip->display);
    if (has_image(id))
        print_image(&id->image);
    if (id->role == ROLE_MERGED)
        print_merged(id);
    if (has_table(id))
        print_table(&id->table, table_offset_of(id));
    printf("  where      %s\n", where);
    if (id->problem[0])
        printf("  PROBLEM    %s\n", id->problem);
}

/* ---- JSON ---- */

static void json_add_string_or_null(cJSON *o, const char *key, const char *value)
{
    if (value)
        cJSON_AddStringToObject(o, key, value);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *json_segment(unsigned i, const struct esp_segment *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", i + 1);
    cJSON_AddNumberToObject(o, "load_addr", s->load_addr);
    cJSON_AddNumberToObject(o, "len", s->len);
    cJSON_AddNumberToObject(o, "file_offset", (double)s->data_off);
    json_add_string_or_null(o, "region", s->region ? s->region->name : NULL);
    cJSON_AddStringToObject(o, "kind", region_kind(s));
    return o;
}

static cJSON *json_app_desc(const struct esp_app_desc *a)
{
    cJSON *o = cJSON_CreateObject();
    char sha[65];
    hex_encode(a->elf_sha256, sizeof a->elf_sha256, sha);
    cJSON_AddStringToObject(o, "project", a->project);
    cJSON_AddStringToObject(o, "version", a->version);
    cJSON_AddStringToObject(o, "idf_ver", a->idf_ver);
    cJSON_AddStringToObject(o, "date", a->date);
    cJSON_AddStringToObject(o, "time", a->time);
    cJSON_AddNumberToObject(o, "secure_version", a->secure_version);
    cJSON_AddStringToObject(o, "elf_sha256", sha);
    cJSON_AddNumberToObject(o, "mmu_page_size", a->mmu_page_size);
    cJSON_AddNumberToObject(o, "min_efuse_blk_rev_full", a->min_efuse_blk_rev_full);
    cJSON_AddNumberToObject(o, "max_efuse_blk_rev_full", a->max_efuse_blk_rev_full);
    return o;
}

static cJSON *json_boot_desc(const struct esp_boot_desc *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "version", b->version);
    cJSON_AddStringToObject(o, "idf_ver", b->idf_ver);
    cJSON_AddStringToObject(o, "date_time", b->date_time);
    return o;
}

static cJSON *json_image(const struct esp_image *img)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "chip_id", img->chip_id);
    cJSON_AddStringToObject(o, "flash_mode", esp_image_mode_name(img->flash_mode));
    cJSON_AddStringToObject(o, "flash_size", esp_image_size_name(img->flash_size_code));
    json_add_string_or_null(o, "flash_freq",
                            img->chip ? chip_freq_name(img->chip, img->flash_freq_code) : NULL);
    cJSON_AddNumberToObject(o, "flash_mode_code", img->flash_mode);
    cJSON_AddNumberToObject(o, "flash_size_code", img->flash_size_code);
    cJSON_AddNumberToObject(o, "flash_freq_code", img->flash_freq_code);
    cJSON_AddNumberToObject(o, "entry", img->entry);
    cJSON_AddNumberToObject(o, "min_rev_full", img->min_rev_full);
    cJSON_AddNumberToObject(o, "max_rev_full", img->max_rev_full);
    cJSON *segs = cJSON_AddArrayToObject(o, "segments");
    for (unsigned i = 0; i < img->nseg; i++)
        cJSON_AddItemToArray(segs, json_segment(i, &img->seg[i]));
    cJSON_AddBoolToObject(o, "checksum_ok", img->checksum_ok);
    cJSON_AddNumberToObject(o, "checksum_stored", img->checksum_stored);
    cJSON_AddNumberToObject(o, "checksum_computed", img->checksum_calc);
    cJSON_AddBoolToObject(o, "sha256_appended", img->hash_appended);
    cJSON_AddBoolToObject(o, "sha256_ok", img->hash_appended && img->sha_ok);
    cJSON_AddBoolToObject(o, "sha256_missing", img->sha_missing);
    cJSON_AddNumberToObject(o, "image_len", (double)img->image_len);
    cJSON_AddStringToObject(o, "verdict", role_name(img->role));
    cJSON_AddNumberToObject(o, "flash_align", img->flash_align);
    cJSON_AddBoolToObject(o, "flash_align_assumed", img->flash_align_assumed);
    if (img->app.present)
        cJSON_AddItemToObject(o, "app_desc", json_app_desc(&img->app));
    if (img->boot.present)
        cJSON_AddItemToObject(o, "bootloader_desc", json_boot_desc(&img->boot));
    return o;
}

static cJSON *json_table(const struct part_table *t, uint32_t table_offset)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "has_md5", t->has_md5);
    cJSON_AddBoolToObject(o, "md5_ok", t->md5_ok);
    cJSON *arr = cJSON_AddArrayToObject(o, "partitions");
    for (unsigned i = 0; i < t->n; i++)
        cJSON_AddItemToArray(arr, cli_partition_json(&t->p[i]));
    struct pt_issue issues[PT_MAX_ISSUES];
    unsigned n = pt_check(t, table_offset, issues, PT_MAX_ISSUES);
    cJSON_AddItemToObject(o, "issues", cli_issues_json(issues, n));
    return o;
}

static cJSON *json_merged(const struct fw_ident *id)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "base", id->merged_base);
    cJSON *parts = cJSON_AddArrayToObject(m, "parts");
    for (unsigned i = 0; i < id->nparts; i++) {
        const struct fw_part *p = &id->parts[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "address", p->file_off + id->merged_base);
        cJSON_AddNumberToObject(e, "file_offset", p->file_off);
        cJSON_AddNumberToObject(e, "len", p->len);
        cJSON_AddStringToObject(e, "role", role_name(p->role));
        cJSON_AddStringToObject(e, "label", p->label);
        cJSON_AddStringToObject(e, "summary", p->summary);
        cJSON_AddItemToArray(parts, e);
    }
    cJSON_AddItemToObject(m, "bootloader", json_image(&id->image));
    return m;
}

static cJSON *json_otadata(const struct fw_otadata *ota)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *entries = cJSON_AddArrayToObject(o, "entries");
    for (int i = 0; i < 2; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "seq", ota->entry[i].seq);
        cJSON_AddNumberToObject(e, "state", ota->entry[i].state);
        cJSON_AddBoolToObject(e, "crc_ok", ota->entry[i].crc_ok);
        cJSON_AddBoolToObject(e, "valid", ota->entry[i].valid);
        cJSON_AddItemToArray(entries, e);
    }
    cJSON_AddNumberToObject(o, "active", ota->active);
    return o;
}

static cJSON *json_uf2(const struct fw_ident *id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "family_id", id->uf2_family);
    cJSON_AddNumberToObject(o, "blocks", id->uf2_blocks);
    cJSON_AddNumberToObject(o, "addr_min", id->uf2_addr_min);
    cJSON_AddNumberToObject(o, "addr_max", id->uf2_addr_max);
    return o;
}

static void json_role_details(cJSON *o, const struct fw_ident *id)
{
    if (has_image(id))
        cJSON_AddItemToObject(o, "image", json_image(&id->image));
    if (has_table(id))
        cJSON_AddItemToObject(o, "table", json_table(&id->table, table_offset_of(id)));
    if (id->role == ROLE_MERGED)
        cJSON_AddItemToObject(o, "merged", json_merged(id));
    if (id->role == ROLE_OTADATA)
        cJSON_AddItemToObject(o, "otadata", json_otadata(&id->ota));
    if (id->role == ROLE_UF2)
        cJSON_AddItemToObject(o, "uf2", json_uf2(id));
}

static cJSON *json_ident(const char *path, size_t size, const struct fw_ident *id)
{
    char where[FW_WHERE_LEN];
    fw_where(id, where, sizeof where);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddBoolToObject(o, "read", true);
    cJSON_AddNumberToObject(o, "size", (double)size);
    cJSON_AddStringToObject(o, "role", role_name(id->role));
    if (id->kind)
        cJSON_AddStringToObject(o, "kind", id->kind);
    if (id->chip) {
        cJSON_AddStringToObject(o, "chip", id->chip->name);
        cJSON_AddStringToObject(o, "chip_display", id->chip->display);
        cJSON_AddNumberToObject(o, "bootloader_offset", id->chip->bootloader_offset);
    } else {
        cJSON_AddNullToObject(o, "chip");
    }
    cJSON_AddStringToObject(o, "summary", id->summary);
    json_add_string_or_null(o, "problem", id->problem[0] ? id->problem : NULL);
    cJSON_AddStringToObject(o, "where", where);
    json_role_details(o, id);
    return o;
}

static cJSON *json_unreadable(const char *path, const eb_err *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddBoolToObject(o, "read", false);
    cJSON_AddStringToObject(o, "error", err->msg);
    cli_json_note_error(err->msg);
    return o;
}

/* ---- the command ---- */

/* The file's bytes: mapped when it is a regular file (a 16 MB image is
 * then read only where fw_identify looks), else read whole. */
struct file_bytes {
    const uint8_t *data;
    size_t len;
    void *map;
    bytes buf;
};

static int load_file(const char *path, struct file_bytes *f, eb_err *err)
{
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= INFO_MAX_FILE) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            close(fd);
            f->map = m;
            f->data = m;
            f->len = (size_t)st.st_size;
            return 0;
        }
    }
    if (fd >= 0)
        close(fd);
    if (file_read(path, INFO_MAX_FILE, &f->buf, err))
        return -1;
    f->data = f->buf.data;
    f->len = f->buf.len;
    return 0;
}

static void unload_file(struct file_bytes *f)
{
    if (f->map)
        munmap(f->map, f->len);
    bytes_free(&f->buf);
}

static int info_file(const char *path, bool json, cJSON *files)
{
    struct file_bytes f;
    eb_err err = { 0 };
    if (load_file(path, &f, &err)) {
        if (json)
            cJSON_AddItemToArray(files, json_unreadable(path, &err));
        else
            cli_fail(&err);
        return err.code ? err.code : EB_IO;
    }
    struct fw_ident *id = malloc(sizeof *id);
    if (!id) {
        unload_file(&f);
        eb_fail(&err, EB_IO, "out of memory reading %s", path);
        return cli_fail(&err);
    }
    fw_identify(f.data, f.len, id);
    if (json)
        cJSON_AddItemToArray(files, json_ident(path, f.len, id));
    else
        print_ident(path, f.len, id);
    int rc = id->problem[0] ? EB_PROBLEM : EB_OK;
    free(id);
    unload_file(&f);
    return rc;
}

int cmd_info(int argc, char **argv)
{
    bool json = false;
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_print_help(usage);
            return EB_OK;
        }
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage("info", "unknown option '%s'", argv[i]);
        else
            nfiles++;
    }
    if (nfiles == 0)
        return cli_usage("info", "name at least one FILE");
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    cJSON *files = json ? cJSON_AddArrayToObject(doc, "files") : NULL;
    int worst = EB_OK, shown = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            continue;
        if (!json && shown++)
            putchar('\n');
        int rc = info_file(argv[i], json, files);
        if (rc > worst)
            worst = rc;
    }
    if (json) {
        cJSON_AddNumberToObject(doc, "exit_code", worst);
        cli_print_json(doc);
    }
    return worst;
}
