/* ELF symbol tables (libelf): address -> "name+0xoff" and name -> address,
 * for the debugger, step-syscall and the gdb stub. */
#ifndef RINGSIDE_EMU_SYMBOLS_H
#define RINGSIDE_EMU_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/x86.h"

struct symbol {
    u64 addr;   /* st_value */
    u64 size;   /* st_size, 0 for an assembly label */
    char *name; /* owned by the table */
    bool func;  /* STT_FUNC */
    bool object; /* STT_OBJECT (symtab_load sets it; symtab_add leaves it false) */
};

struct symtab {
    struct symbol *sym; /* sorted by address */
    size_t n;
};

/* Read the symbols of ELF file `path` (ELF32 or ELF64; .symtab, else
 * .dynsym). Section, file and absolute symbols are left out. NULL with a
 * one-line message in err on failure; a file with no symbols gives an empty
 * table. */
struct symtab *symtab_load(const char *path, char *err, size_t errlen);
void symtab_free(struct symtab *t);

/* Add one symbol (tests, hand-made tables). False if the host has no memory. */
bool symtab_add(struct symtab *t, const char *name, u64 addr, u64 size, bool func);
/* Sort after symtab_add calls (symtab_load sorts itself). */
void symtab_sort(struct symtab *t);

/* The symbol containing `addr`: the closest one at or below it, if addr lies
 * inside its size, or, for a sizeless label, before the next symbol and
 * within 64 KiB. NULL if none; *off gets addr - symbol address. */
const struct symbol *symtab_find(const struct symtab *t, u64 addr, u64 *off);

/* The address of symbol `name` (exact match). */
bool symtab_lookup(const struct symtab *t, const char *name, u64 *addr);

/* "name" or "name+0x12" into buf; "" if no symbol covers addr (t may be NULL).
 * Returns buf. */
char *symtab_format(const struct symtab *t, u64 addr, char *buf, size_t len);

#endif
