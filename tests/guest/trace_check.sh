#!/bin/bash
# What the console cannot show, from ringside's trace (docs/trace-format.md)
# of a probe boot: that the kernel returns from system calls by SYSRET (every
# SYSCALL but the final exit_group), and that with KPTI every entry switches
# from the user tree (CR3 bit 12 set) to the kernel tree, keeping the TLB
# (bit 63) when PCIDs are on; with pti=off no such switch happens.
#   trace_check.sh RINGSIDE KERNEL PROBE on|off
set -u
ringside=$1 kernel=$2 probe=$3 pti=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
append=
[ "$pti" = off ] && append="pti=off"
"$ringside" run "$kernel" --module "$probe" --append "$append" --trace "$tmp/t" >/dev/null </dev/null
status=$?
[ $status = 1 ] || { echo "trace_check: ringside exit status $status, expected 1"; exit 1; }
syscalls=$(grep -c '"kind":"syscall"' "$tmp/t")
sysrets=$(grep -c '"kind":"sysret"' "$tmp/t")
# For each SYSCALL: do the events that follow (SWAPGS, then a CR3 write)
# switch from a user tree to its kernel tree?
to_kernel=0 noflush=0 after_syscall=0
while IFS=' ' read -r kind old new flag; do
    case $kind in
        syscall) after_syscall=1 ;;
        swapgs) ;;
        cr_write)
            if [ $after_syscall = 1 ] && (( (old & 0x1000) && !(new & 0x1000) )); then
                to_kernel=$((to_kernel + 1))
                [ "$flag" = noflush ] && noflush=$((noflush + 1))
            fi
            after_syscall=0 ;;
        *) after_syscall=0 ;;
    esac
done < <(sed -E -e 's/^\{"kind":"([a-z_]+)".*/\1 &/' "$tmp/t" | while read -r kind rest; do
             if [ "$kind" = cr_write ]; then
                 # The value written (RSP, the scratch register) carries bit 63.
                 f=flush
                 [[ $rest =~ \"rsp\":\"0x8[0-9a-f]{15}\" ]] && f=noflush
                 [[ $rest =~ \"old\":\"(0x[0-9a-f]+)\",\"new\":\"(0x[0-9a-f]+)\" ]] &&
                     echo "$kind ${BASH_REMATCH[1]} ${BASH_REMATCH[2]} $f"
             else
                 echo "$kind"
             fi
         done)
echo "trace_check: $syscalls SYSCALLs, $sysrets SYSRETs; $to_kernel entries switched to the kernel tree, $noflush of them keeping the TLB (PCID)"
fail=0
[ "$syscalls" -ge 40 ] || { echo "trace_check: too few SYSCALLs"; fail=1; }
[ "$sysrets" = $((syscalls - 1)) ] || { echo "trace_check: expected $((syscalls - 1)) SYSRETs"; fail=1; }
if [ "$pti" = on ]; then
    [ "$to_kernel" = "$syscalls" ] || { echo "trace_check: an entry did not switch to the kernel tree"; fail=1; }
    [ "$noflush" = "$syscalls" ] || { echo "trace_check: an entry flushed the kernel PCID"; fail=1; }
else
    [ "$to_kernel" = 0 ] || { echo "trace_check: pti=off, yet CR3 switched trees"; fail=1; }
fi
exit $fail
