#!/bin/sh
# A --trace-events all trace of a kernel, vectors cut from it at a spread of
# instructions, each run again on the interpreter: the trace carries enough
# state to rebuild every one (docs/vectors.md "Cutting vectors from a trace").
#   roundtrip.sh RINGSIDE KERNEL OUTDIR
set -u
ringside=$1 kernel=$2 outdir=$3
trace="$outdir/roundtrip.jsonl"
"$ringside" run "$kernel" --trace "$trace" --trace-events all >/dev/null </dev/null
fails=0 cut=0
# Port input (IN) reads devices the vector runner does not have: skipped.
for n in $(seq 3 557 30000); do
    v="$outdir/roundtrip-$n.json"
    "$ringside" vector --from-trace "$trace" --at "$n" -o "$v" || { fails=$((fails + 1)); continue; }
    grep -q '"bytes": "e[4-5c-d]"' "$v" && continue
    cut=$((cut + 1))
    "$ringside" vector "$v" >"$v.out" || { cat "$v.out"; fails=$((fails + 1)); }
done
echo "$cut vectors cut and rerun, $fails failures"
[ $fails = 0 ] && [ $cut -gt 40 ]
