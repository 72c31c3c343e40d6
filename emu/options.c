#include "emu/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/machine.h"

const char machine_options_help[] =
    "  --append TEXT        kernel command line after the kernel's file name\n"
    "  --module FILE[,ARGS] load FILE as a Multiboot module, its string \"FILE ARGS\"\n"
    "                       (repeatable; modules load in order after the kernel)\n"
    "  --mem SIZE           guest RAM, e.g. 64M, 1G, 131072K; plain numbers are MiB\n"
    "                       (default 128M, from 2M to 3G)\n"
    "  --vendor intel|amd   CPU vendor profile (default intel)\n"
    "  --cpuid-clear LIST   clear CPUID features, e.g. syscall,nx\n"
    "  --max-insns N        stop after N instructions (exit status 4)\n"
    "  --tlb MODE           software TLB: default, or strict (keeps stale translations\n"
    "                       until the guest invalidates them; docs/mmu.md)\n";

void machine_options_init(struct machine_options *o)
{
    memset(o, 0, sizeof *o);
    o->mem = OPTIONS_DEFAULT_MEM;
}

void machine_options_free(struct machine_options *o)
{
    for (size_t i = 0; i < o->nmodules; i++)
        free(o->module_paths[i]);
    free(o->module_paths);
    free(o->modules);
    o->modules = NULL;
    o->module_paths = NULL;
    o->nmodules = 0;
}

bool options_parse_count(const char *s, u64 *n)
{
    if (!*s || *s == '-' || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v == 0)
        return false;
    *n = v;
    return true;
}

bool options_parse_size(const char *s, u64 *bytes)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    unsigned shift = 20; /* no unit: MiB, as QEMU's -m */
    const char *u = end;
    if (*u) {
        switch (toupper((unsigned char)*u++)) {
        case 'K':
            shift = 10;
            break;
        case 'M':
            shift = 20;
            break;
        case 'G':
            shift = 30;
            break;
        default:
            return false;
        }
        /* Optionally "B" or "iB" after the unit letter. */
        if ((*u == 'i' || *u == 'I') && (u[1] == 'b' || u[1] == 'B'))
            u += 2;
        else if (*u == 'b' || *u == 'B')
            u++;
        if (*u)
            return false;
    }
    if (v > (~0ull >> shift))
        return false;
    *bytes = (u64)v << shift;
    return true;
}

static bool add_module(struct machine_options *o, const char *spec, char *err, size_t errlen)
{
    const char *comma = strchr(spec, ',');
    size_t plen = comma ? (size_t)(comma - spec) : strlen(spec);
    if (plen == 0) {
        snprintf(err, errlen, "--module needs a file name before any ',': '%s'", spec);
        return false;
    }
    struct mb_module *nm = realloc(o->modules, (o->nmodules + 1) * sizeof *nm);
    if (nm)
        o->modules = nm;
    char **np = realloc(o->module_paths, (o->nmodules + 1) * sizeof *np);
    if (np)
        o->module_paths = np;
    char *path = malloc(plen + 1);
    if (!nm || !np || !path) {
        free(path);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    memcpy(path, spec, plen);
    path[plen] = '\0';
    o->module_paths[o->nmodules] = path;
    o->modules[o->nmodules] = (struct mb_module){ .path = path, .args = comma ? comma + 1 : NULL };
    o->nmodules++;
    return true;
}

/* "--name" or "--name=value": the value, from this argument or the next. */
static bool option_value(const char *name, int argc, char **argv, int *i, const char **value,
                         bool *matched, char *err, size_t errlen)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    *matched = false;
    if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
        return true;
    *matched = true;
    if (a[n] == '=') {
        *value = a + n + 1;
        return true;
    }
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "%s needs a value", name);
        return false;
    }
    *value = argv[++*i];
    return true;
}

enum opt_status machine_options_parse_one(struct machine_options *o, int argc, char **argv,
                                          int *i, char *err, size_t errlen)
{
    static const char *const names[] = {
        "--append", "--module", "--mem", "--vendor", "--cpuid-clear", "--max-insns", "--tlb",
    };
    const char *a = argv[*i];
    if (a[0] != '-' || a[1] == '\0') {
        if (o->kernel)
            return OPT_NOT_MINE;
        o->kernel = a;
        return OPT_TAKEN;
    }
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const char *v;
        bool matched;
        if (!option_value(names[k], argc, argv, i, &v, &matched, err, errlen))
            return OPT_ERROR;
        if (!matched)
            continue;
        switch (k) {
        case 0:
            o->append = v;
            return OPT_TAKEN;
        case 1:
            return add_module(o, v, err, errlen) ? OPT_TAKEN : OPT_ERROR;
        case 2:
            if (!options_parse_size(v, &o->mem)) {
                snprintf(err, errlen, "--mem: '%s' is not a size (e.g. 128M, 1G)", v);
                return OPT_ERROR;
            }
            if (o->mem < MACHINE_MIN_RAM || o->mem > MACHINE_MAX_RAM || o->mem % PAGE_SIZE) {
                snprintf(err, errlen, "--mem: %s is not a multiple of 4K between 2M and 3G", v);
                return OPT_ERROR;
            }
            return OPT_TAKEN;
        case 3:
            if (!vendor_lookup(v)) {
                snprintf(err, errlen, "--vendor: unknown vendor '%s' (intel or amd)", v);
                return OPT_ERROR;
            }
            o->vendor_name = v;
            return OPT_TAKEN;
        case 4:
            o->cpuid_clear = v;
            return OPT_TAKEN;
        case 5:
            if (!options_parse_count(v, &o->max_insns)) {
                snprintf(err, errlen, "--max-insns: '%s' is not a positive number", v);
                return OPT_ERROR;
            }
            return OPT_TAKEN;
        case 6:
            if (strcmp(v, "strict") && strcmp(v, "default")) {
                snprintf(err, errlen, "--tlb: unknown mode '%s' (default or strict)", v);
                return OPT_ERROR;
            }
            o->tlb_strict = !strcmp(v, "strict");
            return OPT_TAKEN;
        }
    }
    return OPT_NOT_MINE;
}

bool machine_options_finish(struct machine_options *o, char *err, size_t errlen)
{
    if (!o->kernel) {
        snprintf(err, errlen, "no kernel given");
        return false;
    }
    const struct vendor_profile *base = vendor_lookup(o->vendor_name ? o->vendor_name : "intel");
    if (!base) {
        snprintf(err, errlen, "--vendor: unknown vendor '%s'", o->vendor_name);
        return false;
    }
    if (!o->cpuid_clear) {
        o->profile = *base;
        return true;
    }
    /* vendor_derive's message already names the option. */
    return vendor_derive(&o->profile, base, o->cpuid_clear, err, errlen);
}

const struct vendor_profile *machine_options_vendor(const struct machine_options *o)
{
    return &o->profile;
}
