#!/bin/sh
# Golden traces (docs/trace-format.md "Golden traces"): rerun a scenario with
# a transitions-only trace and compare it with tests/golden/NAME.jsonl.
#   golden.sh RINGSIDE KERNEL GOLDEN OUTDIR [--regenerate] [-- run options]
# Regenerate after an intended change:
#   tests/vectors/golden.sh build/emu/ringside build/tests/kernels/systest.elf \
#       tests/golden/systest.jsonl /tmp --regenerate
set -u
ringside=$1 kernel=$2 golden=$3 outdir=$4
shift 4
regen=0
if [ "${1:-}" = --regenerate ]; then regen=1; shift; fi
[ "${1:-}" = -- ] && shift
case $ringside in /*) ;; *) ringside="$PWD/$ringside" ;; esac
case $outdir in /*) ;; *) outdir="$PWD/$outdir" ;; esac
case $golden in /*) ;; *) golden="$PWD/$golden" ;; esac
out="$outdir/$(basename "$golden")"
# The kernel's name is on its Multiboot command line, which the guest reads:
# run it by its base name so the build directory does not change the trace.
cd "$(dirname "$kernel")" || exit 2
"$ringside" run "$(basename "$kernel")" --trace "$out" "$@" >/dev/null </dev/null
if [ $regen = 1 ]; then cp "$out" "$golden" && echo "wrote $golden"; exit $?; fi
exec "$ringside" trace diff "$golden" "$out"
