/* The vector runner (docs/vectors.md): every .json file of tests/vectors/ on the
 * interpreter under each vendor it names, and the vectors marked "native"
 * also on this machine's CPU, as a check of the vectors themselves.
 * usage: run_vectors DIR. Exit 0 if everything passes. */
#include "tests/native/native.h" /* first: it defines _GNU_SOURCE */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/vector.h"

static const char *const gprs[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                      "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };

static u64 reg_of(const json_t *st, const char *name, bool *has)
{
    u64 v = 0;
    *has = vector_u64(json_object_get(json_object_get(st, "regs"), name), &v);
    return v;
}

/* Memory bytes in the native data area: [[addr, "hex"]] or [[addr, byte]]. */
static bool native_mem(const json_t *mem, u8 *data, bool check, char *msg, size_t len)
{
    size_t i;
    json_t *e;
    json_array_foreach(mem, i, e) {
        u64 addr;
        const json_t *val = json_array_get(e, 1);
        if (!vector_u64(json_array_get(e, 0), &addr))
            return false;
        u8 bytes[256];
        size_t n = 0;
        if (json_is_integer(val)) {
            bytes[n++] = (u8)json_integer_value(val);
        } else {
            const char *s = json_string_value(val);
            for (; s && s[0] && s[1] && n < sizeof bytes; s += 2) {
                unsigned b;
                sscanf(s, "%2x", &b);
                bytes[n++] = (u8)b;
            }
        }
        for (size_t k = 0; k < n; k++) {
            u64 a = addr + k;
            if (a < NATIVE_DATA_ADDR || a >= NATIVE_DATA_ADDR + NATIVE_DATA_SIZE) {
                snprintf(msg, len, "memory 0x%llx outside the native data area", (unsigned long long)a);
                return false;
            }
            u8 *p = data + (a - NATIVE_DATA_ADDR);
            if (check && *p != bytes[k]) {
                snprintf(msg, len, "memory 0x%llx: silicon 0x%02x, vector 0x%02x",
                         (unsigned long long)a, *p, bytes[k]);
                return false;
            }
            *p = bytes[k];
        }
    }
    return true;
}

/* Run vector v on the host CPU; false with msg if silicon disagrees. */
static bool run_native(struct native *n, const json_t *v, char *msg, size_t len)
{
    const json_t *init = json_object_get(v, "initial"), *fin = json_object_get(v, "final");
    const json_t *exc = json_object_get(v, "exception");
    const char *hex = json_string_value(json_object_get(v, "bytes"));
    u8 code[15];
    size_t clen = 0;
    for (; hex && hex[0] && hex[1] && clen < sizeof code; hex += 2) {
        unsigned b;
        sscanf(hex, "%2x", &b);
        code[clen++] = (u8)b;
    }
    struct native_state s = { 0 };
    bool has;
    for (int i = 0; i < 16; i++)
        s.r[i] = reg_of(init, gprs[i], &has);
    u64 fl = 0x202, mask = ~0ull;
    vector_u64(json_object_get(init, "rflags"), &fl);
    vector_u64(json_object_get(v, "flags_mask"), &mask);
    s.rflags = fl & 0xcd5; /* the status flags and DF: user mode owns no others */
    memset(n->data, 0, NATIVE_DATA_SIZE);
    if (!native_mem(json_object_get(init, "memory"), n->data, false, msg, len))
        return false;
    int vec = native_run64(n, code, clen, &s);
    if (exc) {
        u64 want = 0;
        vector_u64(json_object_get(exc, "vector"), &want);
        if (vec != (int)want) {
            snprintf(msg, len, "silicon raised %d, vector says %llu", vec, (unsigned long long)want);
            return false;
        }
        return true;
    }
    if (vec >= 0) {
        snprintf(msg, len, "silicon raised %d, vector says no exception", vec);
        return false;
    }
    for (int i = 0; i < 16; i++) {
        if (i == RSP)
            continue;
        u64 want = reg_of(fin, gprs[i], &has);
        if (!has)
            want = reg_of(init, gprs[i], &has);
        if (s.r[i] != want) {
            snprintf(msg, len, "%s: silicon 0x%llx, vector 0x%llx", gprs[i],
                     (unsigned long long)s.r[i], (unsigned long long)want);
            return false;
        }
    }
    u64 want_fl = fl;
    vector_u64(json_object_get(fin, "rflags"), &want_fl);
    if ((s.rflags ^ want_fl) & mask & 0xcd5) {
        snprintf(msg, len, "rflags: silicon 0x%llx, vector 0x%llx", (unsigned long long)s.rflags,
                 (unsigned long long)want_fl);
        return false;
    }
    return native_mem(json_object_get(fin, "memory"), n->data, true, msg, len);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: run_vectors DIR\n");
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "run_vectors: cannot open %s\n", argv[1]);
        return 2;
    }
    char *files[256];
    size_t nfiles = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && nfiles < 256) {
        size_t l = strlen(de->d_name);
        if (l > 5 && !strcmp(de->d_name + l - 5, ".json")) {
            files[nfiles] = malloc(strlen(argv[1]) + l + 2);
            sprintf(files[nfiles++], "%s/%s", argv[1], de->d_name);
        }
    }
    closedir(d);
    qsort(files, nfiles, sizeof files[0], by_name);
    (void)native_run32; /* the header's compatibility-mode runner: unused here */
    struct native host;
    bool have_host = native_init(&host);
    unsigned pass = 0, fail = 0, npass = 0, nfail = 0;
    for (size_t f = 0; f < nfiles; f++) {
        if (!vector_run_file(files[f], stdout, &pass, &fail))
            fail++;
        json_t *doc = json_load_file(files[f], 0, NULL);
        size_t nv = json_is_array(doc) ? json_array_size(doc) : 1;
        for (size_t i = 0; doc && have_host && i < nv; i++) {
            json_t *v = json_is_array(doc) ? json_array_get(doc, i) : doc;
            if (!json_is_true(json_object_get(v, "native")))
                continue;
            char msg[256] = "";
            if (run_native(&host, v, msg, sizeof msg)) {
                npass++;
            } else {
                nfail++;
                printf("NATIVE FAIL %s (%s row %zu): %s\n",
                       json_string_value(json_object_get(v, "name")), files[f], i, msg);
            }
        }
        json_decref(doc);
        free(files[f]);
    }
    if (have_host)
        native_fini(&host);
    printf("%zu files: interpreter %u passed, %u failed; silicon %u passed, %u failed%s\n", nfiles,
           pass, fail, npass, nfail, have_host ? "" : " (native runner unavailable)");
    return fail || nfail || nfiles == 0 || pass == 0 ? 1 : 0;
}
