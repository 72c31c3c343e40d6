/* Processes: the ELF loader and the initial stack (as Linux's
 * fs/binfmt_elf.c load_elf_binary and create_elf_tables), and the
 * round-robin scheduler (xv6's proc.c). */
#include "guest/kernel/kernel.h"
#include "guest/kernel/elf.h"
#include "guest/include/abi.h"
#include "guest/include/auxv.h"
#include "guest/include/errno.h"

struct proc procs[NPROC];
struct module modules[NMODULES];
int nmodules;
static struct context *sched_context;
static int next_pid = 1;
bool run_all;      /* kernel command line "runall" */
const char *kernel_cmdline = "";
int run_all_next;
static u64 random_seed = 0x2545f4914f6cdd1dULL;

#include "guest/kernel/vdso.h"

struct proc *myproc(void)
{
    return cpu0.current;
}

/* One program header, either class. */
struct phdr {
    u32 type, flags;
    u64 offset, vaddr, filesz, memsz;
};

static bool get_phdr(const u8 *img, u64 size, bool is32, int i, struct phdr *out)
{
    if (is32) {
        const struct elf32_ehdr *eh = (const void *)img;
        u64 off = eh->phoff + (u64)i * eh->phentsize;
        if (off + sizeof(struct elf32_phdr) > size)
            return false;
        const struct elf32_phdr *ph = (const void *)(img + off);
        *out = (struct phdr){ ph->type, ph->flags, ph->offset, ph->vaddr, ph->filesz, ph->memsz };
    } else {
        const struct elf64_ehdr *eh = (const void *)img;
        u64 off = eh->phoff + (u64)i * eh->phentsize;
        if (off + sizeof(struct elf64_phdr) > size)
            return false;
        const struct elf64_phdr *ph = (const void *)(img + off);
        *out = (struct phdr){ ph->type, ph->flags, ph->offset, ph->vaddr, ph->filesz, ph->memsz };
    }
    return true;
}

static struct vma *vma_add(struct proc *p, u64 start, u64 end, u32 prot)
{
    for (int i = 0; i < NVMA; i++) {
        if (!p->vma[i].used) {
            p->vma[i] = (struct vma){ start, end, prot, true };
            return &p->vma[i];
        }
    }
    return NULL;
}

struct elf_info {
    u64 entry, phdr, phnum, phent;
    bool is32;
};

/* Load a static ET_EXEC image: each PT_LOAD at its address, the rest of its
 * memory size zeroed (the .bss). */
static int load_elf(struct proc *p, const u8 *img, u64 size, struct elf_info *info)
{
    const struct elf64_ehdr *eh = (const void *)img;
    if (size < sizeof(struct elf32_ehdr) || eh->magic != ELF_MAGIC)
        return -ENOEXEC;
    bool is32 = eh->cls == ELFCLASS32;
    if (is32 ? eh->machine != EM_386 : (eh->cls != ELFCLASS64 || eh->machine != EM_X86_64))
        return -ENOEXEC;
    if (eh->type != ET_EXEC)
        return -ENOEXEC;
    const struct elf32_ehdr *eh32 = (const void *)img;
    int phnum = is32 ? eh32->phnum : eh->phnum;
    info->is32 = is32;
    info->entry = is32 ? eh32->entry : eh->entry;
    info->phnum = (u64)phnum;
    info->phent = is32 ? sizeof(struct elf32_phdr) : sizeof(struct elf64_phdr);
    info->phdr = 0;
    u64 phoff = is32 ? eh32->phoff : eh->phoff;
    u64 brk = 0;
    for (int i = 0; i < phnum; i++) {
        struct phdr ph;
        if (!get_phdr(img, size, is32, i, &ph))
            return -ENOEXEC;
        if (ph.type == PT_PHDR)
            info->phdr = ph.vaddr;
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (ph.filesz > ph.memsz || ph.offset + ph.filesz > size || ph.vaddr >= USER_TOP ||
            ph.memsz > USER_TOP - ph.vaddr)
            return -ENOEXEC;
        u32 prot = (ph.flags & PF_R ? PROT_READ : 0) | (ph.flags & PF_W ? PROT_WRITE : 0) |
                   (ph.flags & PF_X ? PROT_EXEC : 0);
        u64 start = ALIGN_DOWN(ph.vaddr, PAGE_SIZE), end = ALIGN_UP(ph.vaddr + ph.memsz, PAGE_SIZE);
        if (!vm_alloc_range(p, start, end, prot) || !vma_add(p, start, end, prot))
            return -ENOMEM;
        if (!vm_write(p, ph.vaddr, img + ph.offset, ph.filesz))
            return -ENOMEM;
        if (!info->phdr && phoff >= ph.offset && phoff < ph.offset + ph.filesz)
            info->phdr = ph.vaddr + (phoff - ph.offset);
        if (end > brk)
            brk = end;
    }
    p->brk_start = p->brk = brk;
    return 0;
}

/* xorshift64: AT_RANDOM's bytes. Deterministic on purpose: runs compare. */
static u64 next_random(void)
{
    random_seed ^= random_seed << 13;
    random_seed ^= random_seed >> 7;
    random_seed ^= random_seed << 17;
    return random_seed;
}

/* The initial stack (Linux create_elf_tables): from the top, the strings
 * and AT_RANDOM's 16 bytes, then 16-byte aligned: argc, argv[], NULL,
 * envp[], NULL, the aux vector ending in AT_NULL. Words are 4 bytes
 * for a 32-bit program. */
static int build_stack(struct proc *p, const struct elf_info *info, const char *cmdline, u64 *sp_out)
{
    u64 top = info->is32 ? USER_STACK_TOP32 : USER_STACK_TOP;
    u64 bottom = top - USER_STACK_PAGES * PAGE_SIZE;
    if (!vm_alloc_range(p, bottom, top, PROT_READ | PROT_WRITE) || !vma_add(p, bottom, top, PROT_READ | PROT_WRITE))
        return -ENOMEM;
    u64 sp = top;
    const char *platform = info->is32 ? "i686" : "x86_64";
    sp -= strlen(platform) + 1;
    u64 platform_at = sp;
    vm_write(p, sp, platform, strlen(platform) + 1);

    /* argv from the module string, split at spaces; argv[0] is the name.
     * envp: the NAME=VALUE words of the kernel command line that are not
     * the kernel's own options (Linux hands those to init the same way). */
    enum { MAX_ARGS = 64, MAX_ENV = 16 };
    u64 argv[MAX_ARGS], envp[MAX_ENV];
    int argc = 0, envc = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *s = pass == 0 ? cmdline : kernel_cmdline;
        while (*s) {
            while (*s == ' ')
                s++;
            if (!*s)
                break;
            const char *w = s;
            bool has_eq = false;
            while (*s && *s != ' ')
                has_eq |= *s++ == '=';
            if (pass == 0 && argc == 0) { /* the program's name: no directories */
                for (const char *q = w; q < s; q++)
                    if (*q == '/')
                        w = q + 1;
            }
            if (pass == 0 ? argc >= MAX_ARGS : (!has_eq || !strncmp(w, "pti=", 4) || envc >= MAX_ENV))
                continue;
            u64 n = (u64)(s - w);
            sp -= n + 1;
            char zero = 0;
            vm_write(p, sp, w, n);
            vm_write(p, sp + n, &zero, 1);
            if (pass == 0)
                argv[argc++] = sp;
            else
                envp[envc++] = sp;
        }
    }
    sp = ALIGN_DOWN(sp, 16) - 16;
    u64 random_at = sp;
    u64 rnd[2] = { next_random(), next_random() };
    vm_write(p, sp, rnd, 16);

    u64 sysinfo = 0;
    u64 vdso = vdso_base_for(p, &sysinfo);
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    u64 aux[2 * 24];
    int n = 0;
#define AUX(tag, val) do { aux[n++] = (tag); aux[n++] = (val); } while (0)
    if (info->is32 && sysinfo)
        AUX(AT_SYSINFO, sysinfo);
    if (vdso)
        AUX(AT_SYSINFO_EHDR, vdso);
    AUX(AT_HWCAP, d);
    AUX(AT_PAGESZ, PAGE_SIZE);
    AUX(AT_CLKTCK, 100);
    AUX(AT_PHDR, info->phdr);
    AUX(AT_PHENT, info->phent);
    AUX(AT_PHNUM, info->phnum);
    AUX(AT_BASE, 0);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, info->entry);
    AUX(AT_UID, 0);
    AUX(AT_EUID, 0);
    AUX(AT_GID, 0);
    AUX(AT_EGID, 0);
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, random_at);
    AUX(AT_EXECFN, argc ? argv[0] : 0);
    AUX(AT_PLATFORM, platform_at);
    AUX(AT_NULL, 0);
#undef AUX
    u64 words = 1 + (u64)argc + 1 + (u64)envc + 1 + (u64)n;
    u64 ws = info->is32 ? 4 : 8;
    sp = ALIGN_DOWN(sp - words * ws, 16);
    u64 w = sp;
#define PUT(v) do { u64 v_ = (v); vm_write(p, w, &v_, ws); w += ws; } while (0)
    PUT((u64)argc);
    for (int i = 0; i < argc; i++)
        PUT(argv[i]);
    PUT(0); /* argv's NULL */
    for (int i = 0; i < envc; i++)
        PUT(envp[i]);
    PUT(0); /* envp's NULL */
    for (int i = 0; i < n; i++)
        PUT(aux[i]);
#undef PUT
    *sp_out = sp;
    return 0;
}

/* Start module `index` as a new process: page tables, kernel stack, the
 * image, the stack, and a trap frame that IRET takes to its entry point. */
int proc_spawn(int index, int ppid)
{
    if (index < 0 || index >= nmodules)
        return -ENOENT;
    struct proc *p = NULL;
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state == P_UNUSED) {
            p = &procs[i];
            break;
        }
    if (!p)
        return -EAGAIN;
    memset(p, 0, sizeof(*p));
    p->pid = next_pid++;
    p->ppid = ppid;
    p->pcid = (u16)(p->pid & 0x7ff);
    p->module = index;
    const struct module *m = &modules[index];
    const char *name = m->cmdline, *end = m->cmdline;
    while (*end && *end != ' ')
        end++;
    for (const char *q = name; q < end; q++)
        if (*q == '/')
            name = q + 1;
    u64 len = (u64)(end - name) < PROC_NAME - 1 ? (u64)(end - name) : PROC_NAME - 1;
    memcpy(p->name, name, len);
    p->name[len] = 0;

    u64 kstack = kalloc_kstack();
    p->pgd = kalloc_pgd_pair();
    if (!kstack || !p->pgd) {
        p->state = P_UNUSED;
        return -ENOMEM;
    }
    p->kstack = P2V(kstack);
    struct elf_info info = { 0 };
    u64 sp;
    int err = load_elf(p, P2V(m->start), m->end - m->start, &info);
    p->compat = info.is32;
    if (!err)
        err = build_stack(p, &info, m->cmdline, &sp);
    if (err) {
        kprintf("kernel: cannot start %s: error %d\n", p->name, -err);
        vm_free(p);
        p->state = P_UNUSED;
        return err;
    }
    p->mmap_next = (p->compat ? VDSO_BASE32 : VDSO_BASE) - 16 * PAGE_SIZE;

    p->tf = (struct trapframe *)(p->kstack + KSTACK_SIZE) - 1;
    memset(p->tf, 0, sizeof(*p->tf));
    p->tf->rip = info.entry;
    p->tf->cs = info.is32 ? USER32_CS : USER_CS;
    p->tf->ss = USER_DS;
    p->tf->rsp = sp;
    p->tf->rflags = RFLAGS_FIXED | RFLAGS_IF;
    /* swtch() "returns" into ret_to_user, which IRETs with that frame. */
    p->context = (struct context *)p->tf - 1;
    memset(p->context, 0, sizeof(*p->context));
    p->context->rip = (u64)ret_to_user;
    p->state = P_RUNNABLE;
    return p->pid;
}

/* The function of p's program that holds `addr`, from the module's ELF
 * symbol table (when it was not stripped); NULL if none does. */
const char *proc_symbol(const struct proc *p, u64 addr, u64 *offset)
{
    const struct module *m = &modules[p->module];
    const u8 *img = P2V(m->start);
    u64 size = m->end - m->start;
    const struct elf64_ehdr *eh = (const void *)img;
    const struct elf32_ehdr *eh32 = (const void *)img;
    bool is32 = eh->cls == ELFCLASS32;
    u64 shoff = is32 ? eh32->shoff : eh->shoff;
    u64 shnum = is32 ? eh32->shnum : eh->shnum;
    u64 shsize = is32 ? sizeof(struct elf32_shdr) : sizeof(struct elf64_shdr);
    if (!shoff || shoff + shnum * shsize > size)
        return NULL;
    for (u64 i = 0; i < shnum; i++) {
        const u8 *sh = img + shoff + i * shsize;
        u32 type = is32 ? ((const struct elf32_shdr *)sh)->type : ((const struct elf64_shdr *)sh)->type;
        if (type != SHT_SYMTAB)
            continue;
        u64 symoff = is32 ? ((const struct elf32_shdr *)sh)->offset : ((const struct elf64_shdr *)sh)->offset;
        u64 symsize = is32 ? ((const struct elf32_shdr *)sh)->size : ((const struct elf64_shdr *)sh)->size;
        u32 link = is32 ? ((const struct elf32_shdr *)sh)->link : ((const struct elf64_shdr *)sh)->link;
        if (link >= shnum || symoff + symsize > size)
            return NULL;
        const u8 *strsh = img + shoff + link * shsize;
        u64 stroff = is32 ? ((const struct elf32_shdr *)strsh)->offset : ((const struct elf64_shdr *)strsh)->offset;
        u64 strsize = is32 ? ((const struct elf32_shdr *)strsh)->size : ((const struct elf64_shdr *)strsh)->size;
        if (stroff + strsize > size)
            return NULL;
        u64 esize = is32 ? sizeof(struct elf32_sym) : sizeof(struct elf64_sym);
        for (u64 off = 0; off + esize <= symsize; off += esize) {
            const u8 *sym = img + symoff + off;
            u64 value = is32 ? ((const struct elf32_sym *)sym)->value : ((const struct elf64_sym *)sym)->value;
            u64 ssize = is32 ? ((const struct elf32_sym *)sym)->size : ((const struct elf64_sym *)sym)->size;
            u8 info = is32 ? ((const struct elf32_sym *)sym)->info : ((const struct elf64_sym *)sym)->info;
            u32 name = is32 ? ((const struct elf32_sym *)sym)->name : ((const struct elf64_sym *)sym)->name;
            if ((info & 0xf) != STT_FUNC || addr < value || addr - value >= ssize || name >= strsize)
                continue;
            *offset = addr - value;
            return (const char *)img + stroff + name;
        }
    }
    return NULL;
}

static void wakeup_parent(struct proc *child)
{
    for (int i = 0; i < NPROC; i++) {
        struct proc *q = &procs[i];
        if (q->state == P_SLEEPING && q->pid == child->ppid && q->wait_pid == child->pid)
            q->state = P_RUNNABLE;
    }
}

/* Give the CPU back to the scheduler (xv6 sched). */
static void sched(void)
{
    swtch(&myproc()->context, sched_context);
}

void yield(void)
{
    myproc()->state = P_RUNNABLE;
    sched();
}

void sleep_until_wakeup(void)
{
    myproc()->state = P_SLEEPING;
    sched();
}

void wakeup_sleepers(void)
{
    for (int i = 0; i < NPROC; i++)
        if (procs[i].state == P_SLEEPING && procs[i].wake_tick && procs[i].wake_tick <= ticks) {
            procs[i].wake_tick = 0;
            procs[i].state = P_RUNNABLE;
        }
}

_Noreturn void proc_exit(int status)
{
    struct proc *p = myproc();
    p->exit_status = status;
    /* Off this process's tables before freeing them; its kernel stack goes
     * when the parent reaps it (we are running on it). */
    write_cr3(kernel_pgd);
    vm_free(p);
    p->state = P_ZOMBIE;
    if (p->ppid == 0)
        kprintf("kernel: %s (pid %d) exited with status %d\n", p->name, p->pid, status);
    if (p->pid == 1 && !run_all) {
        kprintf("kernel: init exited with status %d\n", status);
        machine_exit(status == 0 ? EXIT_PASS : EXIT_FAIL);
    }
    wakeup_parent(p);
    sched();
    panic("a zombie ran");
}

/* ringside_wait: wait for child `pid`; its status (128 + signal when killed). */
int proc_wait(int pid, int *status);
int proc_wait(int pid, int *status)
{
    struct proc *me = myproc();
    for (;;) {
        struct proc *c = NULL;
        for (int i = 0; i < NPROC; i++)
            if (procs[i].state != P_UNUSED && procs[i].pid == pid && procs[i].ppid == me->pid)
                c = &procs[i];
        if (!c)
            return -ECHILD;
        if (c->state == P_ZOMBIE) {
            *status = c->exit_status;
            for (int pg = 0; pg < KSTACK_SIZE / PAGE_SIZE; pg++)
                kfree(c->kstack + pg * PAGE_SIZE);
            c->state = P_UNUSED;
            return pid;
        }
        me->wait_pid = pid;
        sleep_until_wakeup();
        me->wait_pid = 0;
    }
}

/* Run p: its kernel stack for the next entry (TSS.RSP1, and TSS.RSP0 when
 * the entry needs no trampoline), its tables, its FS and user GS bases. */
static void switch_to(struct proc *p)
{
    u64 top = (u64)p->kstack + KSTACK_SIZE;
    cpu0.current = p;
    cpu0.tss.rsp1 = top;
    if (!cpu0.pti)
        cpu0.tss.rsp0 = top;
    vm_switch(p);
    wrmsr(MSR_FS_BASE, p->fs_base);
    wrmsr(MSR_KERNEL_GS_BASE, p->gs_base);
    p->state = P_RUNNING;
    swtch(&sched_context, p->context);
    cpu0.current = NULL;
    write_cr3(kernel_pgd);
}

/* Round robin over the process table; HLT with interrupts on when nothing
 * is runnable (the timer wakes sleepers). Stops the machine when the last
 * process is gone. */
_Noreturn void scheduler(void)
{
    int last = NPROC - 1;
    for (;;) {
        bool alive = false, ran = false;
        for (int k = 1; k <= NPROC; k++) {
            int i = (last + k) % NPROC;
            struct proc *p = &procs[i];
            if (p->state == P_SLEEPING || p->state == P_RUNNABLE)
                alive = true;
            if (p->state != P_RUNNABLE)
                continue;
            last = i;
            switch_to(p);
            ran = true;
            break;
        }
        /* Orphans (ppid 0) are reaped here, off their kernel stacks. */
        for (int i = 0; i < NPROC; i++)
            if (procs[i].state == P_ZOMBIE && procs[i].ppid == 0) {
                for (int pg = 0; pg < KSTACK_SIZE / PAGE_SIZE; pg++)
                    kfree(procs[i].kstack + pg * PAGE_SIZE);
                procs[i].state = P_UNUSED;
            }
        /* run_all: the kernel itself runs the modules one after another. */
        if (!alive && run_all && run_all_next < nmodules) {
            proc_spawn(run_all_next++, 0);
            continue;
        }
        if (!alive) {
            kprintf("kernel: no processes left\n");
            machine_exit(EXIT_PASS);
        }
        if (!ran)
            __asm__ volatile("sti; hlt; cli");
    }
}
