#!/bin/sh
# The golden trace of the bundled guest (docs/trace-format.md "Golden traces"):
# boot it as `make run` does (guest/run-guest.sh) with a transitions-only trace
# and compare with tests/golden/NAME.jsonl.
#   golden_guest.sh SOURCE_DIR BUILD_DIR GOLDEN OUTDIR [--regenerate] [-- run options]
# Regenerate after an intended change:
#   tests/vectors/golden_guest.sh . build tests/golden/guest.jsonl /tmp --regenerate
set -u
src=$1 build=$2 golden=$3 outdir=$4
shift 4
regen=0
if [ "${1:-}" = --regenerate ]; then regen=1; shift; fi
[ "${1:-}" = -- ] && shift
case $src in /*) ;; *) src="$PWD/$src" ;; esac
case $outdir in /*) ;; *) outdir="$PWD/$outdir" ;; esac
case $golden in /*) ;; *) golden="$PWD/$golden" ;; esac
out="$outdir/$(basename "$golden")"
# The module paths land on the guest's stacks (argv): boot from a fixed
# place with relative paths so the build directory does not change the trace.
cd "$build/guest/user" || exit 2
"$src/guest/run-guest.sh" ../.. --trace "$out" "$@" >/dev/null </dev/null
status=$?
if [ $status != 0 ]; then
    echo "golden_guest: the guest run failed (status $status)"
    exit 1
fi
if [ $regen = 1 ]; then cp "$out" "$golden" && echo "wrote $golden"; exit $?; fi
exec ../../emu/ringside trace diff "$golden" "$out"
