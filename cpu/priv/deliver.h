/* Interrupt and exception delivery: the one routine that exceptions, NMI,
 * external interrupts and INT n / INT3 / INTO / INT1 all go through (SDM
 * Vol. 2 INT n/INTO/INT3/INT1 "Operation", which covers every event; Vol. 3A
 * 6.12 exception- and interrupt-handler procedures, 6.14 64-bit mode, 6.15
 * the double-fault classes). docs/interrupts.md describes it. */
#ifndef RINGSIDE_CPU_PRIV_DELIVER_H
#define RINGSIDE_CPU_PRIV_DELIVER_H

#include <stdbool.h>

#include "cpu/cpu.h"

/* Exception classes for double-fault detection (SDM Vol. 3A Table 6-4), kept
 * in cpu->delivering while an exception is being delivered. */
enum {
    DELIVER_CLASS_NONE,    /* no exception is being delivered */
    DELIVER_CLASS_BENIGN,  /* everything else, interrupts and INT n included */
    DELIVER_CLASS_CONTRIB, /* contributory: #DE, #TS, #NP, #SS, #GP */
    DELIVER_CLASS_PF,      /* page fault */
    DELIVER_CLASS_DF,      /* double fault: a fault now shuts the processor down */
};

/* One event to deliver. */
struct deliver_req {
    u8 vector;          /* IDT vector */
    u8 source;          /* enum cpu_event_source: EXT, the gate-DPL check, the event */
    bool has_error;     /* push `error` (never in real-address mode) */
    bool fault;         /* a fault: the pushed RFLAGS has RF = 1 (SDM Vol. 3B 17.3.1.1) */
    u32 error;          /* error code */
    u64 rip;            /* the return address pushed: the faulting or the next instruction */
    const char *reason; /* why, for the EV_DELIVER event */
};

/* Deliver `req` through the IVT or IDT. Every check (gate, code segment,
 * stack, target RIP, the frame's stack writes) is made before any register
 * changes; a failed check raises the nested exception the SDM names, with
 * EXT set unless the event is INT n, INT3 or INTO. */
void deliver(struct cpu *cpu, const struct deliver_req *req);

/* The class of exception `vector` (DELIVER_CLASS_BENIGN/CONTRIB/PF/DF). */
unsigned deliver_class(u8 vector);

/* Whether exception `vector` pushes an error code (SDM Vol. 3A Table 6-1). */
bool deliver_has_error(u8 vector);

#endif
