#!/usr/bin/env bash
# Boot a Multiboot test kernel under Bochs 2.7 (Debian's bochs) and print its
# COM1 console on stdout (docs/test-kernels.md, "Bochs").
#
#   bochs_run.sh --kernel K.elf --model CPU_MODEL [--append ARGS] [--work DIR]
#
# Bochs has no -kernel option: the kernel goes on a GRUB ISO made with
# grub-mkrescue (menu entry "multiboot /boot/K.elf ARGS"), booted from the
# CD-ROM. The Debian build has its debugger compiled in, so it starts with
# "-rc FILE" where FILE says "continue"; the display is "term" with stdin
# and stdout away from the terminal. Unknown MSRs fault (ignore_bad_msrs=0),
# the clock runs flat out (sync=none), COM1 goes to a file, and the kernel
# ends the run by writing "Shutdown" to port 0x8900. Exit status: Bochs's.
set -u
kernel="" model="" append="" work=""
while [ $# -gt 0 ]; do
    case "$1" in
    --kernel) kernel="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --append) append="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) echo "bochs_run: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[ -n "$kernel" ] && [ -n "$model" ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
own_work=0
if [ -z "$work" ]; then
    work="$(mktemp -d)"
    own_work=1
fi
mkdir -p "$work/iso/boot/grub"
cp "$kernel" "$work/iso/boot/K.elf"
cat >"$work/iso/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "test kernel" {
    multiboot /boot/K.elf $append
    boot
}
CFG
if ! grub-mkrescue -o "$work/k.iso" "$work/iso" >"$work/grub.log" 2>&1; then
    echo "bochs_run: grub-mkrescue failed:" >&2
    cat "$work/grub.log" >&2
    exit 1
fi
cat >"$work/bochsrc" <<RC
megs: 128
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=$work/k.iso, status=inserted
boot: cdrom
cpu: model=$model, ignore_bad_msrs=0
clock: sync=none, time0=1
com1: enabled=1, mode=file, dev=$work/com1.out
display_library: rfb, options="timeout=0"
log: $work/bochs.log
panic: action=fatal
error: action=report
sound: driver=dummy
speaker: enabled=0
RC
echo continue >"$work/rc"
: >"$work/com1.out"
bochs -q -f "$work/bochsrc" -rc "$work/rc" </dev/null >"$work/term.out" 2>"$work/bochs.err"
status=$?
cat "$work/com1.out"
[ "$own_work" = 1 ] && rm -rf "$work"
exit "$status"
