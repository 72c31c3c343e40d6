#include "cpu/event.h"

void event_capture(const struct cpu *cpu, struct cpu_xstate *x)
{
    *x = (struct cpu_xstate){
        .cpl = cpu->cpl,
        .mode = (u8)cpu->mode,
        .cs = cpu->seg[SEG_CS],
        .ss = cpu->seg[SEG_SS],
        .rip = cpu->rip,
        .rsp = cpu->r[RSP],
        .rflags = cpu->rflags,
        .rcx = cpu->r[RCX],
        .r11 = cpu->r[R11],
        .gs_base = cpu->seg[SEG_GS].base,
        .kernel_gs_base = cpu->kernel_gs_base,
        .cr3 = cpu->cr3,
    };
}

void event_emit(struct cpu *cpu, struct cpu_event *ev)
{
    ev->icount = cpu->icount;
    event_capture(cpu, &ev->after);
    cpu->observer->event(cpu->observer->ctx, ev);
}
