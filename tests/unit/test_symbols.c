/* Symbol tables (emu/symbols.c): lookups by address and name, the choice
 * among symbols at one address (a program's typed symbol over a linker's
 * label: pml4 over __bss_start), sizeless labels' reach, and loading a real
 * ELF file (the systest kernel beside this test, when built). */
#define _POSIX_C_SOURCE 200809L /* readlink */
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/symbols.h"

static void free_tab(struct symtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->sym[i].name);
    free(t->sym);
}

struct find_case {
    u64 addr;
    const char *want; /* symtab_format's result */
};

static void test_find_table(void **state)
{
    (void)state;
    struct symtab t = { 0 };
    assert_true(symtab_add(&t, "func_a", 0x1000, 0x20, true));
    assert_true(symtab_add(&t, "label_b", 0x1040, 0, false));
    assert_true(symtab_add(&t, "__bss_start", 0x5000, 0, false));
    assert_true(symtab_add(&t, "pml4", 0x5000, 0, false));
    assert_true(symtab_add(&t, "_end", 0x9000, 0, false));
    assert_true(symtab_add(&t, "big_obj", 0x9000, 0x100, false));
    assert_true(symtab_add(&t, "far_label", 0x100000, 0, false));
    symtab_sort(&t);
    static const struct find_case rows[] = {
        { 0x0fff, "" },               /* below every symbol */
        { 0x1000, "func_a" },
        { 0x101f, "func_a+0x1f" },
        { 0x1020, "" },               /* past func_a's size, before label_b */
        { 0x1040, "label_b" },
        { 0x1044, "label_b+0x4" },
        { 0x5000, "pml4" },           /* the program's name, not the linker's */
        { 0x5008, "pml4+0x8" },
        { 0x9000, "big_obj" },        /* sized over the linker's _end */
        { 0x90ff, "big_obj+0xff" },
        { 0x100000 + 0xffff, "far_label+0xffff" },
        { 0x100000 + 0x10000, "" },   /* beyond a label's reach */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char buf[64];
        symtab_format(&t, rows[i].addr, buf, sizeof buf);
        if (strcmp(buf, rows[i].want))
            fail_msg("row %zu (0x%llx): \"%s\", want \"%s\"", i, (unsigned long long)rows[i].addr,
                     buf, rows[i].want);
    }
    u64 a;
    assert_true(symtab_lookup(&t, "__bss_start", &a));
    assert_int_equal(a, 0x5000);
    assert_false(symtab_lookup(&t, "nope", &a));
    char buf[8];
    assert_string_equal(symtab_format(NULL, 0x1000, buf, sizeof buf), "");
    free_tab(&t);
}

/* With the same names either way round, the order of adding changes nothing. */
static void test_preference_order_independent(void **state)
{
    (void)state;
    static const char *const names[][2] = {
        { "__bss_start", "pml4" }, { "pml4", "__bss_start" }, { "edata", "table" }, { "table", "_edata" },
    };
    static const char *const want[] = { "pml4", "pml4", "table", "table" };
    for (size_t i = 0; i < 4; i++) {
        struct symtab t = { 0 };
        assert_true(symtab_add(&t, names[i][0], 0x2000, 0, false));
        assert_true(symtab_add(&t, names[i][1], 0x2000, 0, false));
        symtab_sort(&t);
        char buf[32];
        if (strcmp(symtab_format(&t, 0x2000, buf, sizeof buf), want[i]))
            fail_msg("row %zu: \"%s\", want \"%s\"", i, buf, want[i]);
        free_tab(&t);
    }
    /* A function wins over any label at its address, even a "__" one's rival. */
    struct symtab t = { 0 };
    assert_true(symtab_add(&t, "aaa_label", 0x3000, 0, false));
    assert_true(symtab_add(&t, "zzz_func", 0x3000, 0x10, true));
    symtab_sort(&t);
    char buf[32];
    assert_string_equal(symtab_format(&t, 0x3000, buf, sizeof buf), "zzz_func");
    free_tab(&t);
}

/* The real kernel: its ELF32 copy keeps the symbols; pml4 and __bss_start
 * share an address there. */
static void test_load_systest(void **state)
{
    (void)state;
    char self[4096], path[4200], err[256];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = 0;
    snprintf(path, sizeof path, "%s/kernels/systest.elf", dirname(self));
    if (access(path, R_OK))
        skip();
    struct symtab *t = symtab_load(path, err, sizeof err);
    assert_non_null(t);
    u64 pml4, bss, kmain;
    assert_true(symtab_lookup(t, "pml4", &pml4));
    assert_true(symtab_lookup(t, "kmain", &kmain));
    char buf[64];
    if (symtab_lookup(t, "__bss_start", &bss) && bss == pml4)
        assert_string_equal(symtab_format(t, pml4, buf, sizeof buf), "pml4");
    assert_string_equal(symtab_format(t, kmain, buf, sizeof buf), "kmain");
    symtab_free(t);
    assert_null(symtab_load("/nonexistent/kernel.elf", err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
    assert_null(symtab_load("/proc/self/cmdline", err, sizeof err));
    assert_non_null(strstr(err, "not an ELF file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_table),
        cmocka_unit_test(test_preference_order_independent),
        cmocka_unit_test(test_load_systest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
