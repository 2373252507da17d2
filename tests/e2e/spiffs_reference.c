/* spiffs_reference.c - the reference SPIFFS library (its sources are not in
 * this repository: ESPBURN_SPIFFS_SRC names them, see tests/e2e/test_fs.py)
 * built as LoBo's MicroPython configures it (spiffs_ref/spiffs_config.h),
 * as an independent reader and writer of SPIFFS images. Folders are LoBo's
 * directory objects: full-path names, metadata = 32-bit mtime + type byte.
 * usage: spiffs_reference ls IMG            check, then "D path" / "F path size crc32" per object
 *        spiffs_reference mk IMG SIZE DIR   format and copy DIR in, as LoBo's mkspiffs does
 *        spiffs_reference write IMG RM      remove RM, add files, rewrite one many times (GC) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "spiffs.h"
#include "spiffs_nucleus.h"

static uint8_t *img;
static size_t imglen;
static spiffs fs;
static uint8_t work[512], fds[32 * 8], cache[4096];

static s32_t rd(u32_t a, u32_t n, u8_t *d) { memcpy(d, img + a, n); return 0; }
static s32_t wr(u32_t a, u32_t n, u8_t *s) { for (u32_t i = 0; i < n; i++) img[a + i] &= s[i]; return 0; }
static s32_t er(u32_t a, u32_t n) { memset(img + a, 0xFF, n); return 0; }

static int mount(void)
{
    spiffs_config c = { .phys_size = (u32_t)imglen, .phys_addr = 0, .phys_erase_block = 4096,
                        .log_block_size = 4096, .log_page_size = 256, .hal_read_f = rd, .hal_write_f = wr,
                        .hal_erase_f = er };
    return SPIFFS_mount(&fs, &c, work, fds, sizeof fds, cache, sizeof cache, NULL);
}

static void meta_for(u8_t meta[5], u8_t type)
{
    memset(meta, 0, 5);
    meta[4] = type;
}

static void put(const char *host, const char *path)
{
    DIR *d = opendir(host);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char h[1024], p[1024];
        snprintf(h, sizeof h, "%s/%s", host, e->d_name);
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        stat(h, &st);
        u8_t meta[5];
        spiffs_file f = SPIFFS_open(&fs, p, SPIFFS_CREAT | SPIFFS_TRUNC | SPIFFS_RDWR, 0);
        if (f < 0) { printf("open %s: %d\n", p, SPIFFS_errno(&fs)); exit(1); }
        meta_for(meta, S_ISDIR(st.st_mode) ? SPIFFS_TYPE_DIR : SPIFFS_TYPE_FILE);
        SPIFFS_fupdate_meta(&fs, f, meta);
        if (!S_ISDIR(st.st_mode)) {
            FILE *hf = fopen(h, "rb");
            u8_t *b = malloc(st.st_size + 1);
            size_t n = fread(b, 1, st.st_size, hf);
            fclose(hf);
            if (n && SPIFFS_write(&fs, f, b, n) != (s32_t)n) { printf("write %s: %d\n", p, SPIFFS_errno(&fs)); exit(1); }
            free(b);
        }
        SPIFFS_close(&fs, f);
        if (S_ISDIR(st.st_mode))
            put(h, p);
    }
    closedir(d);
}

static void ls(void)
{
    spiffs_DIR d;
    struct spiffs_dirent e;
    SPIFFS_opendir(&fs, "/", &d);
    while (SPIFFS_readdir(&d, &e)) {
        if (e.meta[4] == SPIFFS_TYPE_DIR) { printf("D %s\n", (char *)e.name); continue; }
        spiffs_file f = SPIFFS_open(&fs, (char *)e.name, SPIFFS_RDONLY, 0);
        u32_t size = e.size == SPIFFS_UNDEFINED_LEN ? 0 : e.size;
        u8_t *b = malloc(size + 1);
        s32_t n = size ? SPIFFS_read(&fs, f, b, size) : 0;
        SPIFFS_close(&fs, f);
        printf("F %s %u %08lx%s\n", (char *)e.name, size, crc32(0, b, n > 0 ? n : 0), n == (s32_t)size ? "" : " SHORT");
        free(b);
    }
    SPIFFS_closedir(&d);
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    if (!strcmp(argv[1], "mk")) {
        imglen = strtoul(argv[3], 0, 0);
        img = malloc(imglen);
        memset(img, 0xFF, imglen);
        mount();
        SPIFFS_unmount(&fs);
        if (SPIFFS_format(&fs) || mount()) { puts("format failed"); return 1; }
        put(argv[4], "");
        SPIFFS_unmount(&fs);
        FILE *f = fopen(argv[2], "wb");
        fwrite(img, 1, imglen, f);
        fclose(f);
        return 0;
    }
    FILE *f = fopen(argv[2], "rb");
    fseek(f, 0, SEEK_END);
    imglen = ftell(f);
    fseek(f, 0, SEEK_SET);
    img = malloc(imglen);
    if (fread(img, 1, imglen, f) != imglen) return 1;
    fclose(f);
    int rc = mount();
    if (rc) { printf("mount failed %d\n", rc); return 1; }
    if (!strcmp(argv[1], "ls")) {
        rc = SPIFFS_check(&fs);
        if (rc) { printf("check failed %d\n", rc); return 1; }
        ls();
    } else if (!strcmp(argv[1], "write")) {
        if (SPIFFS_remove(&fs, argv[3])) { printf("remove %s failed\n", argv[3]); return 1; }
        u8_t buf[3000], meta[5];
        for (int i = 0; i < 3000; i++) buf[i] = (u8_t)(i * 7);
        spiffs_file w = SPIFFS_open(&fs, "/added_by_spiffs.bin", SPIFFS_CREAT | SPIFFS_TRUNC | SPIFFS_RDWR, 0);
        meta_for(meta, SPIFFS_TYPE_FILE);
        SPIFFS_fupdate_meta(&fs, w, meta);
        SPIFFS_write(&fs, w, buf, sizeof buf);
        SPIFFS_close(&fs, w);
        for (int round = 0; round < 200; round++) { /* enough rewrites to make it collect garbage */
            w = SPIFFS_open(&fs, "/log.txt", SPIFFS_CREAT | SPIFFS_TRUNC | SPIFFS_RDWR, 0);
            buf[0] = (u8_t)round;
            if (SPIFFS_write(&fs, w, buf, 2000) != 2000) { printf("rewrite %d failed: %d\n", round, SPIFFS_errno(&fs)); return 1; }
            SPIFFS_close(&fs, w);
        }
        SPIFFS_unmount(&fs);
        if (mount() || SPIFFS_check(&fs)) { puts("remount or check failed"); return 1; }
        ls();
        f = fopen(argv[2], "wb");
        fwrite(img, 1, imglen, f);
        fclose(f);
    }
    SPIFFS_unmount(&fs);
    return 0;
}
