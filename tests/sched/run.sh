#!/bin/sh
# tests/sched/run.sh - replay `lbsim sched` scripts against their expected output.
#
# usage: sh tests/sched/run.sh PATH/TO/lbsim    (from the repository root)
#
#  * tests/sched/*.script: spec section 9 vectors, persistence, connection
#    life cycles, seeded randomized schedulers; each must exit 0, print
#    nothing on stderr and print exactly NAME.out (NAME.args, if present,
#    holds extra command-line arguments);
#  * tests/data/refmodel_sched_*.script: generated from the Python reference
#    model by tests/data/gen_sched_scripts.py, same rule;
#  * tests/sched/bad/*.script: must exit 2 with one line on stderr that starts
#    with NAME.err (SCRIPT:LINE:COL: error: ...) and print exactly NAME.out
#    (what came before the error, usually nothing);
#  * stdin ("-"), --seed, --help and usage errors.
# Prints each failure with a diff, then "sched: N passed, N failed".
set -u
LBSIM=${1:-./lbsim}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# run_ok SCRIPT EXPECTED [ARGS...]: exit 0, empty stderr, stdout == EXPECTED
run_ok() {
	script=$1
	want=$2
	shift 2
	"$LBSIM" sched "$script" "$@" >"$T/out" 2>"$T/err"
	st=$?
	if [ "$st" != 0 ]; then
		bad "$script: exit $st"
		sed 's/^/  stderr: /' "$T/err" | head -5
	elif [ -s "$T/err" ]; then
		bad "$script: wrote to stderr"
		sed 's/^/  stderr: /' "$T/err" | head -5
	elif ! cmp -s "$T/out" "$want"; then
		bad "$script: output differs from $want"
		diff "$want" "$T/out" | head -20 | sed 's/^/  /'
	else
		ok
	fi
}

for f in tests/sched/*.script tests/data/refmodel_sched_*.script; do
	[ -f "$f" ] || continue
	b=${f%.script}
	args=
	[ -f "$b.args" ] && args=$(cat "$b.args")
	# shellcheck disable=SC2086
	run_ok "$f" "$b.out" $args
done

for f in tests/sched/bad/*.script; do
	[ -f "$f" ] || continue
	b=${f%.script}
	"$LBSIM" sched "$f" >"$T/out" 2>"$T/err"
	st=$?
	want=$(head -n 1 "$b.err")
	got=$(head -n 1 "$T/err")
	if [ "$st" != 2 ]; then
		bad "$f: exit $st, wanted 2"
	elif [ "$(wc -l <"$T/err")" != 1 ]; then
		bad "$f: wanted one line on stderr"
		sed 's/^/  stderr: /' "$T/err" | head -5
	elif [ "${got#"$want"}" = "$got" ]; then
		bad "$f: stderr '$got' does not start with '$want'"
	elif ! cmp -s "$T/out" "$b.out"; then
		bad "$f: stdout differs from $b.out"
		diff "$b.out" "$T/out" | head -10 | sed 's/^/  /'
	else
		ok
	fi
done

# stdin, and the name it gets in messages
"$LBSIM" sched - <tests/sched/v_rr_wrr.script >"$T/out" 2>&1
if cmp -s "$T/out" tests/sched/v_rr_wrr.out; then ok; else bad "sched - (stdin)"; fi
printf 'scheduler rr\nfrob\n' | "$LBSIM" sched - >"$T/out" 2>"$T/err"
st=$?
if [ "$st" = 2 ] && grep -q '^<stdin>:2:1: error: ' "$T/err"; then ok; else
	bad "stdin errors are named <stdin>:LINE:COL (exit $st)"
fi

# seeds: 1 is the default, another seed gives other decisions
run_ok tests/sched/random.script tests/sched/random.out --seed 1
"$LBSIM" sched tests/sched/random.script --seed 2 >"$T/out" 2>/dev/null
if ! cmp -s "$T/out" tests/sched/random.out; then ok; else bad "--seed 2 repeats seed 1"; fi
"$LBSIM" sched tests/sched/random.script --seed=2 >"$T/out2" 2>/dev/null
if cmp -s "$T/out" "$T/out2"; then ok; else bad "--seed 2 is not deterministic"; fi

# usage
"$LBSIM" sched --help >"$T/out" 2>&1
st=$?
if [ "$st" = 0 ] && grep -q 'usage: lbsim sched' "$T/out" && grep -q 'advance DURATION' "$T/out"
then ok; else bad "sched --help (exit $st)"; fi
"$LBSIM" sched >"$T/out" 2>&1
if [ $? = 2 ]; then ok; else bad "sched without a script must exit 2"; fi
"$LBSIM" sched "$T/nosuch.script" >"$T/out" 2>&1
if [ $? = 2 ] && [ "$(wc -l <"$T/out")" = 1 ]; then ok; else bad "missing script: exit 2, one line"; fi
"$LBSIM" sched tests/sched/v_rr_wrr.script --json >"$T/out" 2>&1
if [ $? = 2 ]; then ok; else bad "sched rejects options of other commands"; fi

echo "sched: $pass passed, $fail failed"
[ "$fail" = 0 ]
