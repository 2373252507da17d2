/* nor_flash.c - NOR flash model and its file mapping. */
#include "sim/nor_flash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int flash_open_memory(struct sim_flash *f, uint32_t size, eb_err *err)
{
    f->mem = malloc(size);
    if (!f->mem)
        return eb_fail(err, EB_IO, "out of memory for a %u-byte virtual flash", size);
    memset(f->mem, 0xFF, size);
    f->size = size;
    f->mapped = false;
    return 0;
}

/* Size a fresh file and fill it with 0xFF; check the size of an old one. */
static int flash_prepare_file(int fd, const char *path, uint32_t size, eb_err *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return eb_fail(err, EB_IO, "cannot stat %s: %s", path, strerror(errno));
    if (st.st_size == (off_t)size)
        return 0;
    if (st.st_size != 0)
        return eb_fail(err, EB_USAGE,
                       "%s holds %lld bytes but this board has %u bytes of flash; "
                       "use another --flash-file or delete it",
                       path, (long long)st.st_size, size);
    uint8_t block[65536];
    memset(block, 0xFF, sizeof block);
    for (uint32_t done = 0; done < size; done += sizeof block)
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block)
            return eb_fail(err, EB_IO, "cannot create %s: %s", path, strerror(errno));
    return 0;
}

int sim_flash_open(struct sim_flash *f, const char *path, uint32_t size, eb_err *err)
{
    memset(f, 0, sizeof *f);
    if (!path)
        return flash_open_memory(f, size, err);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0)
        return eb_fail(err, EB_IO, "cannot open flash file %s: %s", path, strerror(errno));
    if (flash_prepare_file(fd, path, size, err)) {
        close(fd);
        return -1;
    }
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return eb_fail(err, EB_IO, "cannot map flash file %s: %s", path, strerror(errno));
    f->mem = m;
    f->size = size;
    f->mapped = true;
    return 0;
}

int sim_flash_sync(struct sim_flash *f, eb_err *err)
{
    if (f->mapped && msync(f->mem, f->size, MS_SYNC) != 0)
        return eb_fail(err, EB_IO, "cannot write the flash file: %s", strerror(errno));
    return 0;
}

void sim_flash_close(struct sim_flash *f)
{
    if (!f->mem)
        return;
    if (f->mapped)
        munmap(f->mem, f->size);
    else
        free(f->mem);
    f->mem = NULL;
}

bool sim_flash_in_range(const struct sim_flash *f, uint32_t addr, uint32_t len)
{
    return addr <= f->size && len <= f->size - addr;
}

void sim_flash_erase(struct sim_flash *f, uint32_t addr, uint32_t len)
{
    if (len == 0)
        return;
    uint32_t start = addr / SIM_SECTOR * SIM_SECTOR;
    uint64_t end = ((uint64_t)addr + len + SIM_SECTOR - 1) / SIM_SECTOR * SIM_SECTOR;
    if (end > f->size)
        end = f->size;
    memset(f->mem + start, 0xFF, (size_t)(end - start));
}

void sim_flash_program(struct sim_flash *f, uint32_t addr, const uint8_t *data, uint32_t len)
{
    uint8_t *p = f->mem + addr;
    for (uint32_t i = 0; i < len; i++)
        p[i] &= data[i];
}
