/* stub.c - flasher stub files (JSON, base64) and starting a stub in RAM. */
#include "common/clock.h"
#include "loader/stub.h"

#include <cjson/cJSON.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/datadir.h"
#include "common/file.h"
#include "loader/protocol.h"

static int json_u32(const cJSON *root, const char *key, uint32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0)
        return -1;
    *out = (uint32_t)v->valuedouble;
    return 0;
}

static int json_b64(const cJSON *root, const char *key, bytes *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v)
        return 0;
    return cJSON_IsString(v) ? b64_decode(out, v->valuestring, strlen(v->valuestring)) : -1;
}

int stub_parse(const char *json, size_t n, struct stub_image *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(json, n);
    if (!root)
        return eb_fail(err, EB_PROBLEM, "the stub file is not JSON");
    int bad = json_u32(root, "entry", &out->entry) || json_u32(root, "text_start", &out->text_start) ||
              json_b64(root, "text", &out->text) || json_b64(root, "data", &out->data);
    if (!bad && out->data.len)
        bad = json_u32(root, "data_start", &out->data_start);
    cJSON_Delete(root);
    if (bad || out->text.len == 0) {
        stub_free(out);
        return eb_fail(err, EB_PROBLEM,
                       "the stub file lacks entry/text/text_start (or data_start) in the "
                       "esptool JSON format");
    }
    return 0;
}

void stub_free(struct stub_image *s)
{
    bytes_free(&s->text);
    bytes_free(&s->data);
}

static int upload(struct loader *l, const bytes *b, uint32_t addr, eb_err *err)
{
    uint32_t nblocks = (uint32_t)((b->len + ESP_RAM_BLOCK - 1) / ESP_RAM_BLOCK);
    uint8_t p[16];
    wr_le32(p, (uint32_t)b->len);
    wr_le32(p + 4, nblocks);
    wr_le32(p + 8, ESP_RAM_BLOCK);
    wr_le32(p + 12, addr);
    if (loader_cmd(l, OP_MEM_BEGIN, p, sizeof p, 0, NULL, err))
        return -1;
    uint8_t *pkt = malloc(ESP_DATA_SUBHEADER_LEN + ESP_RAM_BLOCK);
    if (!pkt)
        return eb_fail(err, EB_IO, "out of memory");
    int rc = 0;
    for (uint32_t seq = 0; seq < nblocks && rc == 0; seq++) {
        size_t off = (size_t)seq * ESP_RAM_BLOCK;
        uint32_t n = (uint32_t)(b->len - off < ESP_RAM_BLOCK ? b->len - off : ESP_RAM_BLOCK);
        wr_le32(pkt, n);
        wr_le32(pkt + 4, seq);
        memset(pkt + 8, 0, 8);
        memcpy(pkt + ESP_DATA_SUBHEADER_LEN, b->data + off, n);
        rc = loader_cmd(l, OP_MEM_DATA, pkt, ESP_DATA_SUBHEADER_LEN + n, 0, NULL, err);
    }
    free(pkt);
    return rc;
}

int stub_run(struct loader *l, const struct stub_image *s, eb_err *err)
{
    if (upload(l, &s->text, s->text_start, err) || (s->data.len && upload(l, &s->data, s->data_start, err)))
        return eb_wrap(err, "uploading the stub");
    uint8_t p[8];
    wr_le32(p, s->entry == 0);
    wr_le32(p + 4, s->entry);
    if (loader_cmd(l, OP_MEM_END, p, sizeof p, 0, NULL, err))
        return eb_wrap(err, "starting the stub");
    /* the stub greets within a command's wait */
    struct eb_deadline by = eb_deadline_in(loader_op_timeout(l, OP_MEM_END, 0));
    for (;;) {
        const uint8_t *f;
        size_t n;
        int r = loader_next_frame(l, by, &f, &n, err);
        if (r < 0)
            return -1;
        if (r == 0)
            return eb_fail(err, EB_IO,
                           "the stub did not say OHAI after starting; it may not fit this chip "
                           "(use the stub file made for it, or none)");
        if (n == sizeof ESP_OHAI - 1 && memcmp(f, ESP_OHAI, n) == 0)
            break;
    }
    loader_set_stub(l, true);
    uint8_t digests[2][EB_SHA256_LEN];
    sha256_buf(s->text.data, s->text.len, digests[0]);
    sha256_buf(s->data.data, s->data.len, digests[1]);
    const struct stub_known_row *known = stub_known_identify((const uint8_t(*)[EB_SHA256_LEN])digests, 2);
    l->stub_kind = known ? known->kind : STUB_KIND_UNKNOWN;
    return 0;
}

int stub_load_file(struct loader *l, const char *path, eb_err *err)
{
    bytes text = { 0 };
    struct stub_image s;
    if (file_read(path, 1u << 20, &text, err))
        return -1;
    int rc = stub_parse((const char *)text.data, text.len, &s, err);
    bytes_free(&text);
    if (rc)
        return eb_wrap(err, "%s", path);
    rc = stub_run(l, &s, err);
    stub_free(&s);
    return rc;
}

/* Where stub_flasher_<chip>.json (esptool-js) or <chip>.json (esptool,
 * esptool-js 0.7) lie: $ESPBURN_STUB_DIR, then under each data root
 * (common/datadir.h: $ESPBURN_DATA_DIR, PREFIX/share/espburn, the source
 * tree) esptool-js 0.7's stubs before 0.5.7's, then system-wide esptool-js
 * and esptool installs. The first found wins: esp-flasher-stub (esptool-js
 * 0.7) is the faster stub: it starts erasing at FLASH_BEGIN and writes no
 * status register there (docs/sim.md "Stubs"). */
static const char *const stub_data_rel[] = {
    "node_modules/esptool-js-0.7/lib/targets/stub_flasher",
    "node_modules/esptool-js/lib/targets/stub_flasher",
};
#define STUB_NREL (sizeof stub_data_rel / sizeof stub_data_rel[0])
static const char *const stub_system_dirs[] = {
    "/usr/local/lib/node_modules/esptool-js/lib/targets/stub_flasher",
    "/usr/lib/node_modules/esptool-js/lib/targets/stub_flasher",
    "/usr/lib/python3*/*-packages/esptool/targets/stub_flasher/1",
    "/usr/local/lib/python3*/*-packages/esptool/targets/stub_flasher/1",
};
#define STUB_NDIRS (1 + DATADIR_ROOTS * STUB_NREL + sizeof stub_system_dirs / sizeof stub_system_dirs[0])

/* The i-th directory to search (i < STUB_NDIRS) into out; false when unset. */
static bool stub_dir(size_t i, char *out, size_t n)
{
    if (i == 0) {
        const char *env = getenv("ESPBURN_STUB_DIR");
        return env && *env && (size_t)snprintf(out, n, "%s", env) < n;
    }
    if (i <= DATADIR_ROOTS * STUB_NREL) {
        char root[1024];
        return datadir_root((int)((i - 1) / STUB_NREL), root, sizeof root) &&
               (size_t)snprintf(out, n, "%s/%s", root, stub_data_rel[(i - 1) % STUB_NREL]) < n;
    }
    return (size_t)snprintf(out, n, "%s", stub_system_dirs[i - 1 - DATADIR_ROOTS * STUB_NREL]) < n;
}

/* The first file matching dir/name (a glob) into path; 0 found, -1 not. */
static int stub_glob(const char *dir, const char *name, char *path, size_t n)
{
    char pattern[1200];
    glob_t g;
    int rc = -1;
    snprintf(pattern, sizeof pattern, "%s/%s", dir, name);
    if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
        snprintf(path, n, "%s", g.gl_pathv[0]);
        rc = 0;
    }
    globfree(&g);
    return rc;
}

int stub_find(const struct chip *chip, char *path, size_t n)
{
    if (!chip || strncmp(chip->name, "esp", 3))
        return -1;
    char js_name[64], py_name[64];
    snprintf(js_name, sizeof js_name, "stub_flasher_%s.json", chip->name + 3);
    snprintf(py_name, sizeof py_name, "%s.json", chip->name);
    for (size_t i = 0; i < STUB_NDIRS; i++) {
        char dir[1024];
        if (stub_dir(i, dir, sizeof dir) &&
            (stub_glob(dir, js_name, path, n) == 0 || stub_glob(dir, py_name, path, n) == 0))
            return 0;
    }
    return -1;
}
