/* stub.c - flasher stub files (JSON, base64) and starting a stub in RAM. */
#include "common/clock.h"
#include "loader/stub.h"

#include <cjson/cJSON.h>
#include <glob.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
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

/* Directories that hold stub_flasher_<chip>.json (esptool-js) or <chip>.json (esptool). */
static const char *const stub_dirs[] = {
    "$ESPBURN_STUB_DIR",
    "./node_modules/esptool-js/lib/targets/stub_flasher",
    "$EXE/../node_modules/esptool-js/lib/targets/stub_flasher",
    "$EXE/../../node_modules/esptool-js/lib/targets/stub_flasher",
    "/usr/local/lib/node_modules/esptool-js/lib/targets/stub_flasher",
    "/usr/lib/node_modules/esptool-js/lib/targets/stub_flasher",
    "$HOME/.local/lib/python3*/site-packages/esptool/targets/stub_flasher/1",
    "/usr/lib/python3*/*-packages/esptool/targets/stub_flasher/1",
    "/usr/local/lib/python3*/*-packages/esptool/targets/stub_flasher/1",
};

/* Expand $ESPBURN_STUB_DIR, $HOME and $EXE (the program's folder) at the start of d. */
static bool expand_dir(const char *d, char *out, size_t n)
{
    const char *var = NULL, *rest = d;
    char exe[1024];
    if (!strncmp(d, "$ESPBURN_STUB_DIR", 17)) {
        var = getenv("ESPBURN_STUB_DIR"), rest = d + 17;
    } else if (!strncmp(d, "$HOME", 5)) {
        var = getenv("HOME"), rest = d + 5;
    } else if (!strncmp(d, "$EXE", 4)) {
        ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (k <= 0)
            return false;
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        var = exe, rest = d + 4;
    } else {
        var = "";
    }
    return var && *rest != '$' && (size_t)snprintf(out, n, "%s%s", var, rest) < n && (var[0] || d[0] != '$');
}

int stub_find(const struct chip *chip, char *path, size_t n)
{
    if (!chip || strncmp(chip->name, "esp", 3))
        return -1;
    for (size_t i = 0; i < sizeof stub_dirs / sizeof stub_dirs[0]; i++) {
        char dir[1024], pattern[1200];
        if (!expand_dir(stub_dirs[i], dir, sizeof dir))
            continue;
        const char *names[] = { "stub_flasher_%s.json", "%s.json" };
        for (int k = 0; k < 2; k++) {
            char name[64];
            snprintf(name, sizeof name, names[k], k == 0 ? chip->name + 3 : chip->name);
            snprintf(pattern, sizeof pattern, "%s/%s", dir, name);
            glob_t g;
            if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
                snprintf(path, n, "%s", g.gl_pathv[0]);
                globfree(&g);
                return 0;
            }
            globfree(&g);
        }
    }
    return -1;
}
