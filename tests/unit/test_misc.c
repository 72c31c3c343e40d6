/* CPUID, RDTSC/RDTSCP, fences, CLFLUSH, IN/OUT with the I/O permission
 * checks, CLI/STI, HLT, UD0/UD1/UD2 and BOUND through the step loop. */
#include "msr/cpuid.h"
#include "msr/vendor.h"
#include "tests/unit/insn_case.h"

#define C TEST_CODE_ADDR
#define D TEST_DATA_ADDR
#define NONCANON 0x0000800000000000ull

/* --- setups ------------------------------------------------------------------ */

static void tsc(struct test_machine *m)
{
    m->cpu.icount = 1000;
    m->cpu.tsc_offset = 0x100000000ull;
    m->cpu.tsc_aux = 0xffffffff00000007ull;
}

static void tsc_tsd(struct test_machine *m)
{
    tsc(m);
    m->cpu.cr4 |= CR4_TSD;
}

static void tsc_tsd_cpl3(struct test_machine *m)
{
    tsc_tsd(m);
    case_cpl3(m);
}

static void tsc_cpl3(struct test_machine *m)
{
    tsc(m);
    case_cpl3(m);
}

static void io(struct test_machine *m)
{
    case_io_attach(m);
}

static void io_cpl3(struct test_machine *m)
{
    case_io_attach(m);
    case_tss_iomap(m);
    case_cpl3(m);
}

static void io_cpl3_iopl3(struct test_machine *m)
{
    io_cpl3(m);
    m->cpu.rflags |= FLAG_IOPL;
}

static void io_cpl3_tss16(struct test_machine *m)
{
    io_cpl3(m);
    m->cpu.tr.attr = SEG_ATTR_P | SYS_TYPE_TSS16_BUSY;
}

static void io_cpl3_no_tr(struct test_machine *m)
{
    io_cpl3(m);
    m->cpu.tr.attr |= SEG_ATTR_UNUSABLE;
}

static void io_vm86_iopl3(struct test_machine *m)
{
    case_io_attach(m);
    case_tss_iomap(m);
    m->cpu.cr0 |= CR0_PE;
    m->cpu.rflags |= FLAG_VM | FLAG_IOPL;
}

static void cpl3(struct test_machine *m)
{
    case_cpl3(m);
}

static void cpl3_iopl3(struct test_machine *m)
{
    m->cpu.rflags |= FLAG_IOPL;
    case_cpl3(m);
}

static void cpl3_pvi(struct test_machine *m)
{
    m->cpu.cr4 |= CR4_PVI;
    case_cpl3(m);
}

static void vm86(struct test_machine *m)
{
    m->cpu.cr0 |= CR0_PE;
    m->cpu.rflags |= FLAG_VM;
}

static void vm86_iopl3(struct test_machine *m)
{
    vm86(m);
    m->cpu.rflags |= FLAG_IOPL;
}

static void vm86_vme(struct test_machine *m)
{
    vm86(m);
    m->cpu.cr4 |= CR4_VME;
}

/* A profile without RDTSCP (CPUID 80000001h:EDX[27] = 0). */
static void no_rdtscp(struct test_machine *m)
{
    static struct vendor_profile p;
    p = vendor_intel;
    vendor_clear_feature(&p, FEAT_RDTSCP);
    m->cpu.vendor = &p;
}

static void ds_limit(struct test_machine *m)
{
    m->cpu.seg[SEG_DS].attr &= ~SEG_ATTR_G;
    m->cpu.seg[SEG_DS].limit = D;
}

static void paging_unmap_data(struct test_machine *m)
{
    case_paging(m);
    case_unmap(m, D);
}

static void paging(struct test_machine *m)
{
    case_paging(m);
}

/* --- CPUID -------------------------------------------------------------------- */

static void test_cpuid(void **state)
{
    (void)state;
    static const u32 leaves[][2] = { { 0, 0 }, { 1, 0 }, { 7, 0 }, { 0x80000000u, 0 }, { 0x80000001u, 0 } };
    int bad = 0;
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        struct test_machine *m = case_machine(MODE_L64);
        u32 want[4];
        cpuid_query(&m->cpu, leaves[i][0], leaves[i][1], want);
        test_machine_free(m);
        char name[48];
        snprintf(name, sizeof name, "cpuid leaf %#x", leaves[i][0]);
        /* The upper halves of the four registers are cleared. */
        struct insn_case c = { name, MODE_L64, "\x0f\xa2", 2,
                               .set = { R(RAX, 0xffffffff00000000ull | leaves[i][0]),
                                        R(RCX, 0xffffffff00000000ull | leaves[i][1]) },
                               .want = { R(RAX, want[0]), R(RBX, want[1]), R(RCX, want[2]), R(RDX, want[3]) } };
        bad += case_run(&c);
    }
    if (bad)
        fail_msg("%d mismatches", bad);
}

/* --- time stamp, fences, CLFLUSH ------------------------------------------------ */

static const struct insn_case time_cases[] = {
    { "rdtsc = icount + tsc_offset", MODE_L64, CODE("\x0f\x31"), .setup = tsc,
      .set = { R(RAX, ~0ull), R(RDX, ~0ull) }, .want = { R(RAX, 1000), R(RDX, 1) } },
    { "rdtsc with CR4.TSD at CPL 0", MODE_P32, CODE("\x0f\x31"), .setup = tsc_tsd, .want = { R(RAX, 1000), R(RDX, 1) } },
    { "rdtsc at CPL 3 without TSD", MODE_L64, CODE("\x0f\x31"), .setup = tsc_cpl3, .want = { R(RAX, 1000), R(RDX, 1) } },
    { "rdtsc with CR4.TSD at CPL 3 #GP(0)", MODE_L64, CODE("\x0f\x31"), .setup = tsc_tsd_cpl3, EXC(EXC_GP) },
    { "rdtscp adds ECX = TSC_AUX[31:0]", MODE_L64, CODE("\x0f\x01\xf9"), .setup = tsc,
      .set = { R(RCX, ~0ull) }, .want = { R(RAX, 1000), R(RDX, 1), R(RCX, 7) } },
    { "rdtscp with CR4.TSD at CPL 3 #GP(0)", MODE_L64, CODE("\x0f\x01\xf9"), .setup = tsc_tsd_cpl3, EXC(EXC_GP) },
    { "rdtscp #UD when CPUID does not report it", MODE_L64, CODE("\x0f\x01\xf9"), .setup = no_rdtscp, EXC(EXC_UD) },
    { "lfence", MODE_L64, CODE("\x0f\xae\xe8") },
    { "mfence", MODE_L64, CODE("\x0f\xae\xf0") },
    { "sfence", MODE_P32, CODE("\x0f\xae\xf8") },
    { "clflush [rax]", MODE_L64, CODE("\x0f\xae\x38"), .set = { R(RAX, D) }, .mem = { M(D, 8, 0x1234) } },
    { "clflush non-canonical #GP(0)", MODE_L64, CODE("\x0f\xae\x38"), .set = { R(RAX, NONCANON) }, EXC(EXC_GP) },
    { "clflush [rsp] non-canonical #SS(0)", MODE_L64, CODE("\x0f\xae\x3c\x24"), .set = { R(RSP, NONCANON) },
      EXC(EXC_SS) },
    { "clflush beyond the DS limit #GP(0)", MODE_P32, CODE("\x0f\xae\x3b"), .setup = ds_limit,
      .set = { R(RBX, D + 1) }, EXC(EXC_GP) },
    { "clflush of a mapped page", MODE_L64, CODE("\x0f\xae\x38"), .setup = paging, .set = { R(RAX, D + 8) } },
    { "clflush of an unmapped page #PF like a read", MODE_L64, CODE("\x0f\xae\x38"), .setup = paging_unmap_data,
      .set = { R(RAX, D + 8) }, EXC(EXC_PF), .err = 0 },
};

static void check_cr2(struct test_machine *m, const struct insn_case *c)
{
    if (m->cpu.fault.cr2 != D + 8)
        fail_msg("[%s] #PF address %#llx", c->name, (unsigned long long)m->cpu.fault.cr2);
}

static void test_time_fence_clflush(void **state)
{
    (void)state;
    RUN_TABLE(time_cases);
    struct insn_case c = time_cases[sizeof time_cases / sizeof time_cases[0] - 1];
    c.check = check_cr2;
    if (case_run(&c))
        fail_msg("clflush #PF row failed");
}

/* --- IN / OUT ------------------------------------------------------------------- */

static void check_out_60(struct test_machine *m, const struct insn_case *c)
{
    struct case_io *s = case_io_state();
    (void)m;
    if (s->writes != 1 || s->port[0] != 0x60 || s->size[0] != 1 || s->value[0] != 0x5a)
        fail_msg("[%s] %u writes, first %#x/%u = %#x", c->name, s->writes, s->port[0], s->size[0], s->value[0]);
}

static void check_out_dx4(struct test_machine *m, const struct insn_case *c)
{
    struct case_io *s = case_io_state();
    (void)m;
    if (s->writes != 1 || s->port[0] != 0x3f8 || s->size[0] != 4 || s->value[0] != 0x89abcdef)
        fail_msg("[%s] %u writes, first %#x/%u = %#x", c->name, s->writes, s->port[0], s->size[0], s->value[0]);
}

static void check_in_dx2(struct test_machine *m, const struct insn_case *c)
{
    struct case_io *s = case_io_state();
    (void)m;
    if (s->reads != 1 || s->last_in_port != 0x3f9 || s->last_in_size != 2)
        fail_msg("[%s] %u reads, last %#x/%u", c->name, s->reads, s->last_in_port, s->last_in_size);
}

static void check_no_io(struct test_machine *m, const struct insn_case *c)
{
    (void)m;
    if (case_io_state()->reads || case_io_state()->writes)
        fail_msg("[%s] a denied port was accessed", c->name);
}

static const struct insn_case io_cases[] = {
    { "in al,imm8", MODE_L64, CODE("\xe4\x60"), .setup = io, .set = { R(RAX, 0xffff) }, .want = { R(RAX, 0xff11) } },
    { "in eax,imm8 zero-extends", MODE_L64, CODE("\xe5\x60"), .setup = io, .set = { R(RAX, ~0ull) },
      .want = { R(RAX, 0x11) } },
    { "in ax,dx", MODE_L64, CODE("\x66\xed"), .setup = io, .set = { R(RAX, ~0ull), R(RDX, 0x3f9) },
      .want = { R(RAX, 0xffffffffffff0011) }, .check = check_in_dx2 },
    { "in eax,dx with REX.W is 4 bytes", MODE_L64, CODE("\x48\xed"), .setup = io, .set = { R(RAX, ~0ull), R(RDX, 0x60) },
      .want = { R(RAX, 0x11) } },
    { "in al,dx without a bus reads all ones", MODE_P32, CODE("\xec"), .set = { R(RAX, 0), R(RDX, 0x60) },
      .want = { R(RAX, 0xff) } },
    { "in eax,dx without a bus", MODE_L64, CODE("\xed"), .set = { R(RAX, 0), R(RDX, 0x60) },
      .want = { R(RAX, 0xffffffff) } },
    { "out imm8,al", MODE_L64, CODE("\xe6\x60"), .setup = io, .set = { R(RAX, 0x125a) }, .check = check_out_60 },
    { "out dx,eax", MODE_P32, CODE("\xef"), .setup = io, .set = { R(RAX, 0x89abcdef), R(RDX, 0x3f8) },
      .check = check_out_dx4 },
    { "out without a bus is dropped", MODE_R16, CODE("\xee"), .set = { R(RDX, 0x80) } },
    { "in at CPL 3 on a bitmap-allowed port", MODE_P32, CODE("\xe4\x63"), .setup = io_cpl3, .set = { R(RAX, 0) },
      .want = { R(RAX, 0x11) } },
    { "out dx,al at CPL 3 on an allowed port", MODE_L64, CODE("\xee"), .setup = io_cpl3,
      .set = { R(RAX, 0x5a), R(RDX, 0x60) }, .check = check_out_60 },
    { "in at CPL 3 on a denied port #GP(0)", MODE_P32, CODE("\xe4\x70"), .setup = io_cpl3, EXC(EXC_GP),
      .check = check_no_io },
    { "in eax at CPL 3 partly denied (0x3fe-0x401) #GP(0)", MODE_P32, CODE("\xed"), .setup = io_cpl3,
      .set = { R(RDX, 0x3fe) }, EXC(EXC_GP), .check = check_no_io },
    { "in at CPL 3 beyond the bitmap #GP(0)", MODE_P32, CODE("\xec"), .setup = io_cpl3,
      .set = { R(RDX, 0x1000) }, EXC(EXC_GP), .check = check_no_io },
    { "in at CPL 3 with IOPL 3 skips the bitmap", MODE_P32, CODE("\xe4\x70"), .setup = io_cpl3_iopl3,
      .set = { R(RAX, 0) }, .want = { R(RAX, 0x11) } },
    { "in at CPL 3 with a 16-bit TSS #GP(0)", MODE_P32, CODE("\xe4\x60"), .setup = io_cpl3_tss16, EXC(EXC_GP),
      .check = check_no_io },
    { "in at CPL 3 with no usable TR #GP(0)", MODE_P32, CODE("\xe4\x60"), .setup = io_cpl3_no_tr, EXC(EXC_GP),
      .check = check_no_io },
    { "VM86 with IOPL 3 still consults the bitmap", MODE_R16, CODE("\xe4\x70"), .setup = io_vm86_iopl3,
      EXC(EXC_GP), .check = check_no_io },
    { "VM86 on an allowed port", MODE_R16, CODE("\xe4\x61"), .setup = io_vm86_iopl3, .set = { R(RAX, 0) },
      .want = { R(RAX, 0x11) } },
};

static void test_in_out(void **state)
{
    (void)state;
    RUN_TABLE(io_cases);
}

/* --- CLI / STI / HLT ------------------------------------------------------------ */

static void check_shadow(struct test_machine *m, const struct insn_case *c)
{
    if (!m->cpu.interrupt_shadow)
        fail_msg("[%s] STI setting IF did not block interrupts for one instruction", c->name);
}

static void check_no_shadow(struct test_machine *m, const struct insn_case *c)
{
    if (m->cpu.interrupt_shadow)
        fail_msg("[%s] interrupt shadow set though IF was already 1", c->name);
}

static void check_halted(struct test_machine *m, const struct insn_case *c)
{
    if (!m->cpu.halted)
        fail_msg("[%s] not halted", c->name);
}

static void check_not_halted(struct test_machine *m, const struct insn_case *c)
{
    if (m->cpu.halted)
        fail_msg("[%s] halted", c->name);
}

static const struct insn_case if_cases[] = {
    { "cli CPL 0", MODE_L64, CODE("\xfa"), .flags = FLAG_IF, FLAGS_OUT(FLAG_IF, 0) },
    { "sti CPL 0 sets the shadow", MODE_L64, CODE("\xfb"), FLAGS_OUT(FLAG_IF, FLAG_IF), .check = check_shadow },
    { "sti with IF already set: no shadow", MODE_P32, CODE("\xfb"), .flags = FLAG_IF, .check = check_no_shadow },
    { "cli real mode", MODE_R16, CODE("\xfa"), .flags = FLAG_IF, FLAGS_OUT(FLAG_IF, 0) },
    { "cli CPL 3 IOPL 0 #GP(0)", MODE_L64, CODE("\xfa"), .setup = cpl3, .flags = FLAG_IF, EXC(EXC_GP) },
    { "sti CPL 3 IOPL 0 #GP(0)", MODE_P32, CODE("\xfb"), .setup = cpl3, EXC(EXC_GP) },
    { "cli CPL 3 IOPL 3", MODE_L64, CODE("\xfa"), .setup = cpl3_iopl3, .flags = FLAG_IF, FLAGS_OUT(FLAG_IF, 0) },
    { "sti CPL 3 IOPL 3", MODE_L64, CODE("\xfb"), .setup = cpl3_iopl3, FLAGS_OUT(FLAG_IF, FLAG_IF),
      .check = check_shadow },
    { "cli CPL 3 with CR4.PVI clears VIF", MODE_P32, CODE("\xfa"), .setup = cpl3_pvi, .flags = FLAG_IF | FLAG_VIF,
      FLAGS_OUT(FLAG_VIF | FLAG_IF, FLAG_IF) },
    { "sti CPL 3 with CR4.PVI sets VIF", MODE_P32, CODE("\xfb"), .setup = cpl3_pvi,
      FLAGS_OUT(FLAG_VIF | FLAG_IF, FLAG_VIF), .check = check_no_shadow },
    { "sti CPL 3 with CR4.PVI and VIP #GP(0)", MODE_P32, CODE("\xfb"), .setup = cpl3_pvi, .flags = FLAG_VIP,
      EXC(EXC_GP) },
    { "cli VM86 IOPL 3", MODE_R16, CODE("\xfa"), .setup = vm86_iopl3, .flags = FLAG_IF, FLAGS_OUT(FLAG_IF, 0) },
    { "cli VM86 IOPL 0 #GP(0)", MODE_R16, CODE("\xfa"), .setup = vm86, EXC(EXC_GP) },
    { "sti VM86 with VME sets VIF", MODE_R16, CODE("\xfb"), .setup = vm86_vme, FLAGS_OUT(FLAG_VIF | FLAG_IF, FLAG_VIF) },
    { "hlt CPL 0", MODE_L64, CODE("\xf4"), .check = check_halted },
    { "hlt CPL 3 #GP(0)", MODE_L64, CODE("\xf4"), .setup = cpl3, EXC(EXC_GP), .check = check_not_halted },
    { "hlt VM86 #GP(0)", MODE_R16, CODE("\xf4"), .setup = vm86_iopl3, EXC(EXC_GP), .check = check_not_halted },
};

static void test_cli_sti_hlt(void **state)
{
    (void)state;
    RUN_TABLE(if_cases);
}

/* --- UD0/UD1/UD2, BOUND ------------------------------------------------------------ */

static const struct insn_case ud_cases[] = {
    { "ud2", MODE_L64, CODE("\x0f\x0b"), EXC(EXC_UD) },
    { "ud1 eax,[rax]: no memory access, #UD", MODE_L64, CODE("\x0f\xb9\x00"), .set = { R(RAX, NONCANON) },
      EXC(EXC_UD) },
    { "ud0 eax,eax", MODE_P32, CODE("\x0f\xff\xc0"), EXC(EXC_UD) },
    { "bound within", MODE_P32, CODE("\x62\x03"), .set = { R(RAX, 15), R(RBX, D) }, .mem = { M(D, 8, 0x000000140000000a) } },
    { "bound at the lower bound", MODE_P32, CODE("\x62\x03"), .set = { R(RAX, 10), R(RBX, D) },
      .mem = { M(D, 8, 0x000000140000000a) } },
    { "bound at the upper bound", MODE_P32, CODE("\x62\x03"), .set = { R(RAX, 20), R(RBX, D) },
      .mem = { M(D, 8, 0x000000140000000a) } },
    { "bound below #BR", MODE_P32, CODE("\x62\x03"), .set = { R(RAX, 9), R(RBX, D) },
      .mem = { M(D, 8, 0x000000140000000a) }, EXC(EXC_BR) },
    { "bound above #BR", MODE_P32, CODE("\x62\x03"), .set = { R(RAX, 21), R(RBX, D) },
      .mem = { M(D, 8, 0x000000140000000a) }, EXC(EXC_BR) },
    { "bound is signed", MODE_P32, CODE("\x62\x03"), .set = { R(RAX, 0xffffffff), R(RBX, D) },
      .mem = { M(D, 8, 0x00000005fffffffb) } },
    { "bound 16-bit", MODE_R16, CODE("\x62\x07"), .set = { R(RAX, 0x8000), R(RBX, 0x10) },
      .mem = { M(D + 0x10, 4, 0x00008000) } },
    { "bound 16-bit above #BR", MODE_R16, CODE("\x62\x07"), .set = { R(RAX, 1), R(RBX, 0x10) },
      .mem = { M(D + 0x10, 4, 0x00008000) }, EXC(EXC_BR) },
    { "bound with its bounds beyond the DS limit #GP(0)", MODE_P32, CODE("\x62\x03"), .setup = ds_limit,
      .set = { R(RAX, 0), R(RBX, D) }, EXC(EXC_GP) },
};

static void test_ud_bound(void **state)
{
    (void)state;
    RUN_TABLE(ud_cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpuid),
        cmocka_unit_test(test_time_fence_clflush),
        cmocka_unit_test(test_in_out),
        cmocka_unit_test(test_cli_sti_hlt),
        cmocka_unit_test(test_ud_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
