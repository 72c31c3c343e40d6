#!/bin/bash
# `ringside step-syscall` on the bundled guest (docs/cli/step-syscall.md):
# boot init + hello and single-step the first SYSCALL, then init + hello32 and
# its first INT 0x80 (--nth 4: init's three SYSCALLs come first), checking the
# transcript: the entry symbol, SWAPGS exchanging GS.base and KERNEL_GS_BASE,
# the KPTI CR3 switch to the kernel tree, the stack from the TSS, the return
# to CPL 3; and the --brief summaries.
# Usage: stepsys_check.sh RINGSIDE KERNEL64_ELF USER_DIR
set -u
ringside=$1 kernel=$2 user=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# want FILE REGEX: some line of FILE matches.
want() { grep -Eq -- "$2" "$1" || bad "$(basename "$1"): no line matching: $2"; }

entry=$(nm "$kernel" | awk '$3 == "entry_SYSCALL_64" { print $1 }' | sed 's/^0*//')
[ -n "$entry" ] || { echo "no entry_SYSCALL_64 in $kernel"; exit 1; }
run() { # OUT [options]: step-syscall on init + PROGRAM
    local out=$1 prog=$2
    shift 2
    "$ringside" step-syscall --color=never "$@" "$kernel" --module "$user/init,ok" \
        --module "$user/$prog" >"$dir/$out" 2>"$dir/$out.console"
    local st=$?
    [ $st = 0 ] || bad "$out: exit status $st"
}

# ---- 64-bit: the first SYSCALL (init's), in full ----
run full hello
f=$dir/full
sed -n 1,8p "$f"
want "$f" '^SYSCALL #1, number [0-9]+ \(0x[0-9a-f]+\), at instruction [0-9]+$'
line2=$(sed -n 2p "$f")
[[ $line2 =~ ^==\ SYSCALL,\ CPL\ 3\ -\>\ 0,\ rip\ 0x([0-9a-f]+)\ -\>\ 0x$entry\ \<entry_SYSCALL_64\>$ ]] ||
    bad "line 2 is not the SYSCALL to entry_SYSCALL_64 (0x$entry): $line2"
user_rip=$((16#${BASH_REMATCH[1]:-0}))
# The first instruction stepped is at the entry symbol: SWAPGS.
[[ $(sed -n 3p "$f") =~ ^entry_SYSCALL_64\ +$entry\ +swapgs$ ]] || bad "line 3: $(sed -n 3p "$f")"
# SWAPGS: GS.base 0 -> K and KERNEL_GS_BASE K -> 0, the same K.
gsline=$(grep -m1 -E '^ +gs +0x' "$f")
kgs=$(grep -m1 -E '^ +kgsbase ' "$f")
[[ $gsline =~ base=0x0\ .*-\>\ .*base=(0x[0-9a-f]+) ]] || bad "no GS.base change: $gsline"
k=${BASH_REMATCH[1]:-none}
[[ $kgs =~ ^\ +kgsbase\ +$k\ -\>\ 0x0$ ]] || bad "KERNEL_GS_BASE not swapped with GS.base $k: $kgs"
want "$f" "== SWAPGS, rip 0x$entry <entry_SYSCALL_64> -> 0x[0-9a-f]+ <entry_SYSCALL_64\\+0x3>, gs.base 0x0 -> $k kgsbase $k -> 0x0"
# The CR3 switch: from the user tree to the kernel tree, Linux's KPTI pair
# (the kernel PGD 4 KiB below the user's, PCID bit 11 clear).
cr3=$(grep -m1 -E '^ +cr3 +0x' "$f")
if [[ $cr3 =~ cr3\ +0x([0-9a-f]+)\ -\>\ 0x([0-9a-f]+) ]]; then
    u=$((16#${BASH_REMATCH[1]})) kk=$((16#${BASH_REMATCH[2]}))
    (( (u & 0x1800) == 0x1800 && kk == (u & ~0x1800) )) ||
        bad "CR3 switch is not user tree -> kernel tree: $cr3"
else
    bad "no CR3 change in the transcript"
fi
want "$f" '^      == MOV CR3 0x[0-9a-f]+ -> 0x[0-9a-f]+ \(kernel tree by CR3 bit 12\)$'
want "$f" '^ +cr3 +0x[0-9a-f]+ -> 0x[0-9a-f]+  \(user tree by CR3 bit 12\) -> \(kernel tree by CR3 bit 12\)$'
# The stack: from the per-CPU TSS (the trampoline slot, then RSP0).
want "$f" '^ +rsp +0x[0-9a-f]+ -> 0xffff[0-9a-f]+  stack from TSS\.RSP[0-2]$'
# Back by SYSRET to the instruction after the SYSCALL, at CPL 3.
want "$f" '^ +cpl +0 -> 3$'
want "$f" "^ +cs +0x0010 .* -> 0x0033 base=0x0 limit=0xffffffff attr=0xa0fb \\(code64 DPL3 P\\)$"
want "$f" "^      == SYSRET, CPL 0 -> 3, rip 0x[0-9a-f]+ <entry_SYSCALL_64\\+0x[0-9a-f]+> -> $(printf '0x%x' $((user_rip + 2)))$"
want "$f" '^back in user mode after [0-9]+ steps, rax = 0x[0-9a-f]+$'

# ---- --brief: one line per transition, the whole crossing on one screen ----
run brief hello --brief
b=$dir/brief
cat "$b"
n=$(wc -l <"$b")
(( n >= 8 && n <= 24 )) || bad "brief: $n lines"
grep -vEq '^(== |SYSCALL #1,|back in user mode)' "$b" && bad "brief: a line that is not a summary"
[ "$(sed -n 2p "$b")" = "$line2" ] || bad "brief: line 2 differs from the full run's"
[ "$(grep -c '^== SWAPGS' "$b")" = 2 ] || bad "brief: want two SWAPGS lines"
[ "$(grep -c '^== MOV CR3' "$b")" = 2 ] || bad "brief: want two MOV CR3 lines"
want "$b" '^== stack switch 0x[0-9a-f]+ -> 0x[0-9a-f]+ from TSS\.RSP0$'
want "$b" "^== SYSRET, CPL 0 -> 3, rip 0x[0-9a-f]+ <entry_SYSCALL_64\\+0x[0-9a-f]+> -> $(printf '0x%x' $((user_rip + 2)))$"
[ "$(tail -1 "$b")" = "$(tail -1 "$dir/full")" ] || bad "brief: last line differs from the full run's"

# ---- 32-bit: hello32's INT 0x80, picked with --nth ----
run int80 hello32 --brief --nth 4
i=$dir/int80
cat "$i"
want "$i" '^INT 0x80 #4, number 4 \(0x4\), at instruction [0-9]+$'
l2=$(sed -n 2p "$i")
[[ $l2 =~ ^==\ INT\ 0x80,\ CPL\ 3\ -\>\ 0,\ rip\ 0x([0-9a-f]+)\ -\>\ 0x[0-9a-f]+\ \<isr_stubs\+0x800\>,\ stack\ 0x[0-9a-f]+\ -\>\ 0x[0-9a-f]+\ from\ TSS\.RSP0$ ]] ||
    bad "int80 line 2: $l2"
int_rip=$((16#${BASH_REMATCH[1]:-0}))
want "$i" '^== SWAPGS, '
want "$i" "^== IRET, CPL 0 -> 3, rip 0x[0-9a-f]+ <[a-z_]+\\+0x[0-9a-f]+> -> $(printf '0x%x' $((int_rip + 2))), stack "
want "$i" '^back in user mode after [0-9]+ steps, rax = 0x[0-9a-f]+$'
exit $fail
