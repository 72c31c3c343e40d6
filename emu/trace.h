/* The tracer: an observer (cpu/event.h) that writes the machine's transitions,
 * and optionally every retired instruction, as JSON Lines. docs/trace-format.md
 * specifies the format; `ringside trace` and `ringside vector` read it. */
#ifndef RINGSIDE_EMU_TRACE_H
#define RINGSIDE_EMU_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "cpu/event.h"
#include "emu/machine.h"

#define TRACE_FORMAT_VERSION 1
#define TRACE_KEYFRAME 1024u /* instruction records between two full "state" records */
#define TRACE_MEM_WINDOW 16u /* bytes recorded at a memory operand */
#define TRACE_STACK_WINDOW 32u /* bytes recorded from RSP - 8 */

/* What a trace records (--trace-events). */
enum trace_events {
    TRACE_TRANSITIONS = 1, /* the observer's events */
    TRACE_INSNS = 2,       /* one record per instruction, with full state every so often */
    TRACE_ALL = 3,
};

/* The registers one instruction record compares against (cheap to copy). */
struct trace_regs {
    u64 r[16];
    u64 rip;
    u64 rflags;
};

/* Everything else a "state" record carries; memcmp'd before each instruction
 * so a state record follows every change an instruction delta cannot say. */
struct trace_sys {
    struct seg seg[SEG_COUNT];
    struct dtr gdtr, idtr;
    struct seg ldtr, tr;
    u64 cr0, cr2, cr3, cr4, cr8, efer;
    u64 star, lstar, cstar, fmask, kernel_gs_base, sysenter_cs, sysenter_esp, sysenter_eip;
    u64 tsc_aux;
    u8 cpl, mode;
};

struct tracer {
    FILE *out;
    unsigned events;            /* enum trace_events bits */
    struct cpu_observer obs;    /* attach &obs to cpu->observer */
    u64 records;                /* lines written after the header */
    /* Instruction mode. */
    unsigned since_state;       /* instruction records since the last state record */
    unsigned step_events;       /* events seen during the current step */
    struct cpu_event first_ev;  /* the first of them */
    bool need_state;
    struct trace_sys last_sys;
    struct machine *m;          /* the machine trace_run drives */
    bool own_stop;              /* the tracer asked the slice to end after a delivery */
    bool failed;                /* a write failed (disk full): reported at close */
};

/* Read the kernel's build id: the NT_GNU_BUILD_ID note through libelf as
 * "gnu:HEX", else "fnv1a64:HEX" of the file's bytes. False if unreadable. */
bool trace_build_id(const char *path, char *out, size_t outlen);

/* Open `path` for writing, write the header line and set up the observer.
 * False with err set if the file cannot be created. */
bool tracer_open(struct tracer *t, const char *path, unsigned events, const char *kernel,
                 const char *vendor, char *err, size_t errlen);

/* Flush and close; false if any write failed. */
bool tracer_close(struct tracer *t);

/* Parse "transitions", "instructions" or "all"; 0 if none of them. */
unsigned trace_events_parse(const char *s);

/* Run the machine as machine_run() does, with the tracer attached. With
 * TRACE_INSNS the machine runs one instruction per slice, so each can be
 * compared and written (slow: a debugging mode). */
enum machine_stop trace_run(struct machine *m, struct tracer *t, u64 max_insns);

/* Names used in the format. */
const char *trace_kind_name(enum cpu_event_kind k);
const char *trace_mode_name(unsigned mode);
extern const char *const trace_gpr_names[16];

#endif
