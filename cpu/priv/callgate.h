/* Far JMP and CALL through a call gate (SDM Vol. 3A 5.8.3-5.8.6; JMP, CALL
 * "CALL-GATE"). Private to the segmentation files. */
#ifndef RINGSIDE_CPU_PRIV_CALLGATE_H
#define RINGSIDE_CPU_PRIV_CALLGATE_H

#include "cpu/seg.h"

/* Transfer through the call gate `gate_sel`, whose first eight bytes are in
 * gate->lo (type 4 or C already checked by the caller). `call` = CALL: may
 * switch to an inner stack from the TSS and pushes the return frame; else
 * JMP, which never changes privilege. */
void callgate_transfer(struct cpu *cpu, u16 gate_sel, const struct seg_desc *gate, bool call);

#endif
