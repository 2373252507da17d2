/* elf_syms.h - function names from an application's ELF symbol table, to
 * turn the PCs of a Guru Meditation backtrace into names. Reads 32-bit
 * little-endian ELF files (Xtensa and RISC-V ESP chips) from a buffer,
 * bounds-checked throughout: the file is untrusted input. No I/O. */
#ifndef ESPBURN_ELF_SYMS_H
#define ESPBURN_ELF_SYMS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct elf_sym {
    uint32_t addr, size;
    const char *name; /* points into elf_syms.names */
};

struct elf_syms {
    struct elf_sym *v; /* sorted by addr */
    size_t n;
    char *names; /* copy of the string table */
};

/* Collect the function symbols of the ELF32 file in data[0..len). Fails
 * (EB_PROBLEM) when it is not a 32-bit little-endian ELF with a symbol
 * table. */
int elf_syms_load(const uint8_t *data, size_t len, struct elf_syms *out, eb_err *err);

/* The function containing `addr` (and the offset into it), or NULL. */
const struct elf_sym *elf_syms_find(const struct elf_syms *s, uint32_t addr, uint32_t *offset);

void elf_syms_free(struct elf_syms *s);

#endif
