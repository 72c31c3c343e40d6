#!/usr/bin/env python3
"""Generate tests/vectors/transitions-edge.json: the edge cases of the
transitions issue (issue 4) that need descriptor tables in memory (a GDT, an
IDT, a 64-bit TSS), a #DB trap after the instruction, or two instructions.

Rerun after editing:  python3 tests/vectors/gen_transitions_edge.py
(writes the JSON next to this script; the `vectors` ctest runs it).

Each expectation cites the SDM (Vol. 3A 6.14 for 64-bit delivery and IST,
Vol. 2 SYSCALL/SYSRET/SYSENTER/IRET/INT n, Vol. 3B 17.3.1 for #DB) or the
AMD APM where the vendors differ. Vector format: docs/vectors.md.
"""
import json
import os
import struct

GDT, IDT, TSS = 0x3000, 0x4000, 0x5000
RSP0, IST1, IST2 = 0x9000, 0xA000, 0xB000
HANDLER = 0xFFFFFFFF81001000        # handler of vector v: HANDLER + v * 0x10
KCS, KSS, UCS32, USS, UCS = 0x10, 0x18, 0x23, 0x2B, 0x33   # Linux's GDT layout
STAR = 0x0023001000000000
LSTAR = 0xFFFFFFFF81000000
URIP, URSP = 0x401000, 0x7FF000

# Flat descriptors as Linux sets them (accessed bits preset, so no write-back).
GDT_ENTRIES = [
    0,
    0x00CF9B000000FFFF,  # 0x08 kernel code, 32-bit
    0x00AF9B000000FFFF,  # 0x10 kernel code, 64-bit
    0x00CF93000000FFFF,  # 0x18 kernel data
    0x00CFFB000000FFFF,  # 0x20 user code, 32-bit (0x23)
    0x00CFF3000000FFFF,  # 0x28 user data (0x2b)
    0x00AFFB000000FFFF,  # 0x30 user code, 64-bit (0x33)
]


def h(v):
    return "0x%x" % v


def q(*vals):
    return "".join(struct.pack("<Q", v).hex() for v in vals)


def gate(vector, dpl=0, ist=0, present=True):
    """A 64-bit interrupt gate to HANDLER + vector*16 (SDM Vol. 3A Figure 6-8)."""
    off = HANDLER + vector * 0x10
    typ = (0x80 if present else 0) | dpl << 5 | 0x0E
    b = struct.pack("<HHBBHII", off & 0xFFFF, KCS, ist, typ, (off >> 16) & 0xFFFF, off >> 32, 0)
    return [h(IDT + vector * 16), b.hex()]


def tss(rsp0=RSP0, ist=()):
    """A 64-bit TSS: RSP0 at 4, IST1..7 at 0x24 (SDM Vol. 3A Figure 8-11)."""
    b = bytearray(0x68)
    struct.pack_into("<Q", b, 4, rsp0)
    for n, top in ist:
        struct.pack_into("<Q", b, 0x24 + (n - 1) * 8, top)
    return [h(TSS), b.hex()]


def tables(*gates, ist=()):
    """GDT, IDT gates, TSS and the stack pages the delivery writes."""
    mem = [[h(GDT), q(*GDT_ENTRIES)], tss(ist=ist)] + list(gates)
    for top in (RSP0, IST1, IST2):
        mem.append([h(top - 0x40), "00" * 0x40])
    return mem


SYS = {"gdtr": {"base": h(GDT), "limit": h(len(GDT_ENTRIES) * 8 - 1)},
       "idtr": {"base": h(IDT), "limit": "0xfff"},
       "tr": {"sel": "0x40", "base": h(TSS), "limit": "0x67", "attr": "0x8b"}}
KSEGS = {"cs": {"sel": h(KCS)}, "ss": {"sel": h(KSS)}}


def user(**kw):
    st = {"mode": "long64", "cpl": 3, "rip": h(URIP), "rflags": "0x202",
          "regs": {"rsp": h(URSP)}}
    st.update(SYS)
    st.update(kw)
    return st


def kernel(**kw):
    st = {"mode": "long64", "cpl": 0, "rip": h(LSTAR), "rflags": "0x2", "segs": KSEGS}
    st.update(SYS)
    st.update(kw)
    return st


def frame(top, rip, cs, rflags, rsp, ss, err=None):
    """The 64-bit frame below `top`: [error,] RIP, CS, RFLAGS, RSP, SS."""
    vals = ([err] if err is not None else []) + [rip, cs, rflags, rsp, ss]
    return [h(top - 8 * len(vals)), q(*vals)]


V = []


def vec(name, bytes_, initial, vendor="any", **kw):
    v = {"name": name, "bytes": bytes_, "vendor": vendor}
    v.update(kw)
    v["initial"] = initial
    V.append(v)


# ---- IST (SDM Vol. 3A 6.14.5: with IST != 0 the RSP comes from TSS.ISTn, a
# switch even at the same privilege; 6.14.4: a CPL change loads SS with NULL) ----
vec("#UD at CPL 3 through a gate with IST1: RSP = TSS.IST1, not RSP0; fault frame with RF", "0f0b",
    user(memory=tables(gate(6, ist=1), ist=[(1, IST1)])), deliver=True,
    exception={"vector": 6, "error": None},
    final={"rip": h(HANDLER + 0x60), "rflags": "0x2", "regs": {"rsp": h(IST1 - 40)},
           "segs": {"cs": {"sel": h(KCS), "attr": "0xa09b"}, "ss": {"sel": "0x0"}},
           "memory": [frame(IST1, URIP, UCS, 0x10202, URSP, USS)]})
vec("int3 at CPL 0 through a gate with IST2: stack switch at the same privilege", "cc",
    kernel(regs={"rsp": "0x7fff8"}, memory=tables(gate(3, ist=2), ist=[(2, IST2)])),
    final={"rip": h(HANDLER + 0x30), "regs": {"rsp": h(IST2 - 40)},
           "segs": {"cs": {"sel": h(KCS)}, "ss": {"sel": h(KSS)}},
           "memory": [frame(IST2, LSTAR + 1, KCS, 0x2, 0x7FFF8, KSS)]})

# ---- INT1 (SDM INT n: INT1 skips the gate DPL check; compare transitions.json's
# INT3 through a DPL-0 gate, #GP(0x1a)) ----
vec("int1 through a DPL-0 gate from CPL 3: #DB delivered on RSP0 (no DPL check)", "f1",
    user(memory=tables(gate(1, dpl=0))),
    final={"rip": h(HANDLER + 0x10), "rflags": "0x2", "regs": {"rsp": h(RSP0 - 40)},
           "segs": {"cs": {"sel": h(KCS)}, "ss": {"sel": "0x0"}},
           "memory": [frame(RSP0, URIP + 1, UCS, 0x202, URSP, USS)]})

# ---- IRETQ and a NULL SS (SDM Vol. 3A 6.14.3/#GP list: a null SS is refused at
# CPL 3, allowed in 64-bit mode at CPL < 3 with RPL = CPL) ----
vec("iretq to CPL 3 with a null SS (RPL 3) is #GP(0)", "48cf",
    kernel(rip="0xffffffff81002000", regs={"rsp": "0x8000"},
           memory=tables() + [["0x8000", q(URIP, UCS, 0x202, URSP, 3)]]),
    exception={"vector": 13, "error": 0})
vec("iretq to CPL 0 64-bit with a null SS (RPL 0) is allowed", "48cf",
    kernel(rip="0xffffffff81002000", regs={"rsp": "0x8000"},
           memory=tables() + [["0x8000", q(LSTAR + 0x100, KCS, 0x2, 0x7000, 0)]]),
    final={"rip": h(LSTAR + 0x100), "regs": {"rsp": "0x7000"},
           "segs": {"cs": {"sel": h(KCS), "attr": "0xa09b"}, "ss": {"sel": "0x0"}}})

# ---- TF across SYSCALL (its single-step trap follows the RFLAGS it leaves:
# FMASK clearing TF means no #DB in the kernel entry, Xen XSA-204) ----
SC_MSRS = {"star": h(STAR), "lstar": h(LSTAR)}
vec("syscall with TF set, FMASK clears TF: no #DB", "0f05",
    user(rflags="0x302", msrs=dict(SC_MSRS, fmask="0x47700")),
    final={"rip": h(LSTAR), "rflags": "0x2", "regs": {"rcx": h(URIP + 2), "r11": "0x302"}})
vec("syscall with TF set, FMASK keeps TF: #DB at LSTAR", "0f05",
    user(rflags="0x302", msrs=dict(SC_MSRS, fmask="0x200")),
    exception={"vector": 1, "error": None},
    final={"rip": h(LSTAR), "rflags": "0x102", "regs": {"rcx": h(URIP + 2), "r11": "0x302"},
           "segs": {"cs": {"sel": h(KCS)}}})

# ---- TF across SYSENTER (SDM SYSENTER clears VM, IF, RF, not TF: the trap
# comes on the first kernel instruction; Linux's entry_SYSENTER handles it) ----
SE_MSRS = {"sysenter_cs": h(KCS), "sysenter_eip": "0xffffffff81000200",
           "sysenter_esp": "0xffff880000010000"}
vec("sysenter from compatibility mode with TF set: #DB on the first kernel instruction", "0f34",
    {"mode": "compat", "cpl": 3, "rip": h(URIP), "rflags": "0x302", "msrs": SE_MSRS},
    vendor="intel", exception={"vector": 1, "error": None},
    final={"rip": "0xffffffff81000200", "rflags": "0x102", "regs": {"rsp": "0xffff880000010000"},
           "segs": {"cs": {"sel": h(KCS), "attr": "0xa09b"}}})
vec("sysenter from 32-bit protected mode with TF set: #DB at SYSENTER_EIP", "0f34",
    {"mode": "prot", "cpl": 3, "rip": h(URIP), "rflags": "0x302",
     "msrs": {"sysenter_cs": "0x8", "sysenter_eip": "0xc0001000", "sysenter_esp": "0xc0100000"}},
    exception={"vector": 1, "error": None},
    final={"rip": "0xc0001000", "rflags": "0x102", "regs": {"rsp": "0xc0100000"},
           "segs": {"cs": {"sel": "0x8"}, "ss": {"sel": "0x10"}}})

# ---- MOV SS; INT n (SDM Vol. 3A 6.8.3: the #DB of MOV SS waits for the next
# instruction's end: it arrives at the INT handler's first instruction, CPL 0,
# CVE-2018-8897) ----
vec("mov ss; int 0x80 with TF set: the held #DB arrives at the handler's first instruction",
    "8ed0cd80", user(rflags="0x302", regs={"rsp": h(URSP), "rax": h(USS)},
                     memory=tables(gate(0x80, dpl=3))), insns=2,
    exception={"vector": 1, "error": None},
    final={"rip": h(HANDLER + 0x800), "rflags": "0x2", "regs": {"rsp": h(RSP0 - 40)},
           "segs": {"cs": {"sel": h(KCS)}, "ss": {"sel": "0x0"}},
           "memory": [frame(RSP0, URIP + 4, UCS, 0x302, URSP, USS)]})

# ---- SYSRET's SS (SDM SYSRET: Intel loads a fixed flat DPL 3 SS cache; AMD APM
# SYSRET: only SS.sel changes, the attributes stay: Linux's sysret_ss_attrs) ----
SR = {"star": h(STAR)}
KSS_CACHE = {"sel": h(KSS), "base": "0x0", "limit": "0xffffffff", "attr": "0xc093"}
for vendor, attr in (("intel", "0xc0f3"), ("amd", "0xc093")):
    vec("sysretq SS cache: %s" % ("Intel flat DPL 3" if vendor == "intel" else "AMD keeps the attributes"),
        "480f07", kernel(segs={"cs": {"sel": h(KCS)}, "ss": KSS_CACHE}, regs={"rcx": h(URIP), "r11": "0x202"},
                         msrs=SR), vendor=vendor,
        final={"rip": h(URIP), "rflags": "0x202",
               "segs": {"cs": {"sel": h(UCS), "base": "0x0", "limit": "0xffffffff", "attr": "0xa0fb"},
                        "ss": {"sel": h(USS), "base": "0x0", "limit": "0xffffffff", "attr": attr}}})
for vendor, ss in (("intel", {"sel": h(USS), "base": "0x0", "limit": "0xffffffff", "attr": "0xc0f3"}),
                   ("amd", {"sel": h(USS), "attr": "0x10000"})):
    vec("sysretq with a null SS (after an interrupt): %s" %
        ("Intel flat DPL 3" if vendor == "intel" else "AMD SS stays unusable"), "480f07",
        kernel(segs={"cs": {"sel": h(KCS)}, "ss": {"sel": "0x0", "base": "0x0", "limit": "0x0",
                                                  "attr": "0x10000"}},
               regs={"rcx": h(URIP), "r11": "0x202"}, msrs=SR), vendor=vendor,
        final={"rip": h(URIP), "segs": {"ss": ss}})

# ---- SYSRETQ's canonical check (SDM SYSRET: Intel #GP(0) at CPL 0 for a
# non-canonical RCX; 2^47 - 1 is the last canonical user address) ----
vec("sysretq with RCX = 2^47 - 1 returns to CPL 3", "480f07",
    kernel(regs={"rcx": "0x7fffffffffff", "r11": "0x202", "rsp": h(URSP)}, msrs=SR),
    final={"rip": "0x7fffffffffff", "rflags": "0x202", "segs": {"cs": {"sel": h(UCS), "attr": "0xa0fb"}}})
vec("sysretq with RCX = 2^47: Intel #GP(0) still at CPL 0", "480f07",
    kernel(regs={"rcx": "0x800000000000", "r11": "0x202", "rsp": h(URSP)}, msrs=SR), vendor="intel",
    exception={"vector": 13, "error": 0},
    final={"rip": h(LSTAR), "segs": {"cs": {"sel": h(KCS), "attr": "0xa09b"}}})

# ---- SYSRETL (SDM SYSRET with 32-bit operand size: CS = STAR[63:48] | 3, a
# 32-bit DPL 3 code cache, EIP = ECX) ----
vec("sysretl to compatibility mode: 32-bit CS cache at CPL 3, EIP = ECX", "0f07",
    kernel(regs={"rcx": "0xdeadbeef00401000", "r11": "0x202"}, msrs=SR),
    final={"rip": h(URIP), "rflags": "0x202",
           "segs": {"cs": {"sel": h(UCS32), "base": "0x0", "limit": "0xffffffff", "attr": "0xc0fb"},
                    "ss": {"sel": h(USS)}}})

# ---- SYSENTER from compatibility mode (SDM SYSENTER: with EFER.LMA the target
# is 64-bit code; AMD APM: SYSENTER is #UD in long mode) ----
vec("sysenter from compatibility mode on Intel enters 64-bit CPL 0", "0f34",
    {"mode": "compat", "cpl": 3, "rip": h(URIP), "rflags": "0x20202", "msrs": SE_MSRS},
    vendor="intel",
    final={"rip": "0xffffffff81000200", "rflags": "0x2", "regs": {"rsp": "0xffff880000010000"},
           "segs": {"cs": {"sel": h(KCS), "attr": "0xa09b"}, "ss": {"sel": h(KSS), "attr": "0xc093"}}})
vec("sysenter from compatibility mode is #UD on AMD", "0f34",
    {"mode": "compat", "cpl": 3, "rip": h(URIP), "msrs": SE_MSRS}, vendor="amd",
    exception={"vector": 6, "error": None})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transitions-edge.json")
with open(out, "w") as f:
    f.write("[\n" + ",\n".join("  " + json.dumps(v) for v in V) + "\n]\n")
print("wrote %d vectors to %s" % (len(V), out))
