/* Command-line options that describe a machine: the kernel, its command
 * line and modules, RAM size, CPU vendor profile, instruction limit. `run`
 * parses them, and so can any later subcommand that builds a machine: each
 * offers every argument to machine_options_parse_one first and handles what
 * it returns OPT_NOT_MINE for. docs/cli/run.md documents them. */
#ifndef RINGSIDE_EMU_OPTIONS_H
#define RINGSIDE_EMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/x86.h"
#include "emu/multiboot.h"
#include "msr/vendor.h"

#define OPTIONS_DEFAULT_MEM (128ull << 20)

struct machine_options {
    const char *kernel;            /* KERNEL, the one positional argument */
    const char *append;            /* --append TEXT, NULL if not given */
    struct mb_module *modules;     /* --module FILE[,ARGS], in order (allocated) */
    size_t nmodules;
    char **module_paths;           /* the FILE parts, allocated (modules[i].path points here) */
    u64 mem;                       /* --mem, bytes */
    const char *vendor_name;       /* --vendor, NULL = intel */
    const char *cpuid_clear;       /* --cpuid-clear LIST, NULL = none */
    u64 max_insns;                 /* --max-insns, 0 = no limit */
    bool tlb_strict;               /* --tlb=strict: stale TLB entries until the guest invalidates */
    struct vendor_profile profile; /* built by machine_options_finish */
};

enum opt_status {
    OPT_NOT_MINE, /* not a machine option: the caller decides */
    OPT_TAKEN,    /* consumed argv[*i] (and its value: *i advanced) */
    OPT_ERROR,    /* a machine option with a bad or missing value: err says why */
};

void machine_options_init(struct machine_options *o);
void machine_options_free(struct machine_options *o);

/* Offer argv[*i]. Options take their value as the next argument or after
 * '=' (--mem=64M). A non-option argument sets the kernel if none is set yet. */
enum opt_status machine_options_parse_one(struct machine_options *o, int argc, char **argv,
                                          int *i, char *err, size_t errlen);

/* After the last argument: checks a kernel was given and builds the vendor
 * profile with --cpuid-clear applied. False with err set otherwise. */
bool machine_options_finish(struct machine_options *o, char *err, size_t errlen);

/* The profile the machine should use (valid after machine_options_finish). */
const struct vendor_profile *machine_options_vendor(const struct machine_options *o);

/* "128M", "1G", "65536K", "64" (MiB, as QEMU's -m) into bytes. */
bool options_parse_size(const char *s, u64 *bytes);

/* A positive decimal or 0x-prefixed count. */
bool options_parse_count(const char *s, u64 *n);

/* The machine options' lines for a subcommand's --help. */
extern const char machine_options_help[];

#endif
