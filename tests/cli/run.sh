#!/bin/sh
# tests/cli/run.sh - the command line as a user runs it.
#
# usage: sh tests/cli/run.sh PATH/TO/lbsim    (from the repository root)
# Checks exit statuses, bad-input messages (file:line:col, status 2, nothing
# written), determinism of --json, the SQLite store, figures, compare, check,
# and runs every scenario of the library with a short horizon.
# LBSIM_QUICK=1 (sanitizer pass) skips the longer runs. Silent on success.
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
	[ -f "$T/err" ] && sed 's/^/  stderr: /' "$T/err" | head -20
}

# expect_status WANT DESCRIPTION -- lbsim ARGS...
expect_status() {
	want=$1; what=$2; shift 3
	"$LBSIM" "$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, wanted $want ($*)"; fi
}

# ---- usage ----
expect_status 0 "version" -- --version
grep -q '^lbsim ' "$T/out" || bad "--version prints 'lbsim VERSION'"
expect_status 0 "help" -- --help
grep -q 'compare' "$T/out" || bad "--help lists the commands"
for c in run compare check; do
	expect_status 0 "$c --help" -- "$c" --help
	grep -q "usage: lbsim $c" "$T/out" || bad "$c --help shows its usage"
done
grep -q 'wlc' "$T/out" || true
expect_status 2 "no command" --
expect_status 2 "unknown command" -- frobnicate
expect_status 2 "run without scenario" -- run
expect_status 2 "unknown option" -- run scenarios/default.conf --frob
grep -q "unknown option '--frob'" "$T/err" || bad "unknown option is named"
expect_status 2 "bad seed" -- run scenarios/default.conf --seed abc
expect_status 2 "unknown scheduler" -- run scenarios/default.conf --algo nosuch --out "$T/o1"
grep -q "unknown scheduler 'nosuch'" "$T/err" || bad "unknown scheduler is named"
[ -e "$T/o1" ] && bad "a usage error must not create the results directory"
expect_status 2 "--set without =" -- run scenarios/default.conf --set simulation.duration
expect_status 2 "--set unknown key" -- run scenarios/default.conf --set simulation.nosuch=1 \
	--out "$T/o2"
grep -q -- "--set" "$T/err" || bad "a bad --set names --set"
expect_status 2 "missing file" -- run "$T/nosuch.conf" --out "$T/o3"
expect_status 2 "compare without --algos" -- compare scenarios/default.conf
expect_status 0 "packet fidelity runs" -- run scenarios/default.conf \
	--set simulation.fidelity=packet --set simulation.duration=2s --set simulation.warmup=0 --json --no-plots --out "$T/o4"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['completed'] > 0, d" \
	"$T/out" || bad "packet fidelity completes requests"

# ---- bad scenarios: file:line:col on stderr, status 2, nothing written ----
for f in tests/data/scenarios/bad/*.conf; do
	[ -f "$f" ] || continue
	expect_status 2 "bad scenario $f" -- run "$f" --out "$T/bad"
	grep -q "^$f:[0-9][0-9]*:[0-9][0-9]*: error: " "$T/err" ||
		grep -q "^tests/data/scenarios/bad/[^:]*:[0-9][0-9]*:[0-9][0-9]*: error: " "$T/err" ||
		bad "$f: error message has no file:line:col"
	[ -e "$T/bad" ] && bad "$f: results directory created for a bad scenario"
done

# ---- a run: table, database, figures ----
SHORT="--set simulation.duration=3s --set simulation.warmup=0.5s"
# shellcheck disable=SC2086
expect_status 0 "default run" -- run scenarios/default.conf $SHORT --out "$T/o"
grep -q 'p99' "$T/out" || bad "run prints the result table"
# one (director, vs): the server table as it always was, no group header, rows unindented
python3 - "$T/out" <<'PY' || bad "a single-service table has no group headers"
import sys
lines = open(sys.argv[1]).read().split("\n")
i = lines.index("%-24s %8s %12s %12s %8s %8s" % ("server", "weight", "connections",
                                                 "requests", "share %", "util %"))
rows = lines[i + 1:lines.index("", i)]
assert [r[:24].rstrip() for r in rows] == ["10.10.0.2%d:80" % k for k in range(1, 6)], rows
assert all(r[24] == " " and len(r.split()) == 6 for r in rows), rows
PY
[ -s "$T/o/lbsim.db" ] || bad "run writes DIR/lbsim.db"
if command -v gnuplot >/dev/null 2>&1 && [ -z "${LBSIM_QUICK:-}" ]; then
	for fig in run-cdf run-servers run-throughput; do
		[ -s "$T/o/$fig.png" ] || bad "figure $fig.png"
		[ -s "$T/o/$fig.svg" ] || bad "figure $fig.svg"
	done
fi

# ---- --json: the contract's keys, and determinism ----
# shellcheck disable=SC2086
expect_status 0 "json run" -- run scenarios/default.conf $SHORT --json --out "$T/o" --no-plots
cp "$T/out" "$T/j1"
# shellcheck disable=SC2086
expect_status 0 "json run again" -- run scenarios/default.conf $SHORT --json --out "$T/o" \
	--no-plots
cp "$T/out" "$T/j2"
# shellcheck disable=SC2086
expect_status 0 "json run other seed" -- run scenarios/default.conf $SHORT --json --seed 7 \
	--out "$T/o" --no-plots
cp "$T/out" "$T/j3"
python3 - "$T/j1" "$T/j2" "$T/j3" "$T/o/lbsim.db" <<'PY' || bad "json contract / determinism / store"
import json, sqlite3, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
for k in ["scenario", "seed", "algo", "requests", "completed", "refused", "failed",
          "throughput_rps", "response_s", "servers", "imbalance", "sim"]:
    assert k in a, "missing key " + k
for k in ["mean", "p50", "p90", "p99", "p999"]:
    assert k in a["response_s"], "missing response_s." + k
for s in a["servers"]:
    for k in ["addr", "requests", "utilization"]:
        assert k in s, "missing servers[]." + k
for k in ["max_over_mean", "cov"]:
    assert k in a["imbalance"]
for k in ["events", "wall_s", "events_per_s"]:
    assert k in a["sim"]
assert a["requests"] > 0 and a["completed"] > 0
strip = lambda o: {k: v for k, v in o.items() if k != "sim"}
assert strip(a) == strip(b), "same seed, different results"
assert a["sim"]["events"] == b["sim"]["events"]
assert strip(a) != strip(c), "another seed gives the same results"
db = sqlite3.connect(sys.argv[4])
runs = db.execute("select count(*) from run").fetchone()[0]
assert runs == 4, "expected 4 runs in the store, got %d" % runs
m = db.execute("select count(*) from metric where name='completed'").fetchone()[0]
assert m == 4
PY
# one director, one service: servers[] keys in order, director and vs added after addr
python3 - "$T/j1" <<'PY' || bad "json servers[] keys"
import json, sys
a = json.load(open(sys.argv[1]))
for s in a["servers"]:
    assert list(s) == ["addr", "director", "vs", "requests", "connections", "refused",
                       "utilization", "weight"], list(s)
    assert (s["director"], s["vs"]) == ("lb1", "10.10.0.100:80"), s
PY
# byte-identical apart from the wall-clock fields of "sim"
sed 's/"sim": *{.*}//' "$T/j1" >"$T/j1s"
sed 's/"sim": *{.*}//' "$T/j2" >"$T/j2s"
cmp -s "$T/j1s" "$T/j2s" || bad "--json output not byte-identical for the same seed"

# ---- expect failing: status 1, results still stored ----
expect_status 1 "expect fails" -- run tests/data/scenarios/expect-fail.conf --out "$T/oe" \
	--no-plots
grep -q 'FAIL' "$T/out" || bad "a failed expect is reported"
[ -s "$T/oe/lbsim.db" ] || bad "a failed expect still stores the run"

# ---- an HA run: transitions and failovers in the store, the timeline figure ----
expect_status 0 "ha run" -- run scenarios/ha/dr-http.conf --json --out "$T/oh"
python3 - "$T/out" "$T/oh/lbsim.db" <<'PY' || bad "ha run: store's transition/failover rows match --json"
import json, sqlite3, sys
a = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
assert db.execute("pragma user_version").fetchone()[0] == 2
rows = db.execute("select t, director, instance, from_state, to_state from transition "
                  "order by rowid").fetchall()
want = [(t["t_s"], t["director"], t["instance"], t["from"], t["to"]) for t in a["transitions"]]
assert rows == want, (rows, want)
fo = db.execute("select fault_at, takeover, broken from failover").fetchall()
assert len(fo) == 1 and fo[0][0] == a["failovers"][0]["fault_at_s"], fo
# the clients' view of the outage: timed out is a part of failed, next to it
f = a["failovers"][0]
keys = list(f)
# which failover: the names come first, then the times as before
assert keys[:5] == ["instance", "vips", "from", "to", "fault_at_s"], keys
assert (f["instance"], f["vips"], f["from"], f["to"]) == ("VI_WEB", "10.10.0.100", "lb1", "lb2"), f
row = db.execute("select instance, vips, from_director, to_director from failover").fetchone()
assert row == (f["instance"], f["vips"], f["from"], f["to"]), row
assert keys.index("timed_out_during") == keys.index("failed_during") + 1, keys
assert 0 <= f["timed_out_during"] <= f["failed_during"], f
assert 0 <= a["timed_out"] <= a["failed"]
assert list(a).index("timed_out") == list(a).index("failed") + 1, list(a)
row = db.execute("select failed_during, timed_out_during, refused_during from failover").fetchone()
assert row == (f["failed_during"], f["timed_out_during"], f["refused_during"]), row
# lvs_sync_daemon runs: synced next to broken, as in the JSON
assert "synced_connections" in f, f
row = db.execute("select broken, synced from failover").fetchone()
assert row == (f["broken_connections"], f["synced_connections"]), row
to = db.execute("select value from metric where scope='run' and name='timed_out'").fetchall()
assert to == [(a["timed_out"],)], to
sb = db.execute("select value from metric where scope='run' and name='split_brain_s'").fetchall()
assert sb == [(a["split_brain_s"],)], sb
PY
# two directors share the real servers: each row names its director and service
python3 - "$T/out" "$T/oh/lbsim.db" <<'PY' || bad "ha run: servers[] and server_metric name director and vs"
import json, sqlite3, sys
a = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
keys = [(s["director"], s["vs"], s["addr"]) for s in a["servers"]]
assert len(set(keys)) == len(keys), keys
assert {k[:2] for k in keys} == {("lb1", "10.10.0.100:80"), ("lb2", "10.10.0.100:80")}, keys
assert [list(s)[:3] for s in a["servers"]] == [["addr", "director", "vs"]] * len(keys)
assert db.execute("select count(*) from server_metric where director is null or vs is null "
                  "or director = '' or vs = ''").fetchone()[0] == 0
dup = db.execute("select director, vs, server, name, count(*) from server_metric "
                 "group by run, director, vs, server, name having count(*) > 1").fetchall()
assert dup == [], dup
rows = db.execute("select director, vs, server, value from server_metric "
                  "where name = 'requests' order by rowid").fetchall()
assert rows == [k + (s["requests"],) for k, s in zip(keys, a["servers"])], rows
PY
# the run-servers figure labels each bar with its director when addresses repeat
grep -q '^0 "lb1 10.10.0.21:80" ' "$T/oh/run-servers.dat" &&
	grep -q '^4 "lb2 10.10.0.21:80" ' "$T/oh/run-servers.dat" ||
	bad "run-servers labels an HA pair's bars with the director"
grep -q '^0 "10.10.0.21:80" ' "$T/o/run-servers.dat" ||
	bad "run-servers labels a single director's bars with the address alone"
expect_status 0 "ha report" -- run scenarios/ha/dr-http.conf --no-plots --out "$T/oh2"
python3 - "$T/out" <<'PY' || bad "ha report: a header per (director, vs), rows indented"
import sys
lines = open(sys.argv[1]).read().split("\n")
i = [k for k, l in enumerate(lines) if l.startswith("server  ")][0]
rows = lines[i + 1:lines.index("", i)]
heads = [r for r in rows if not r.startswith("  ")]
assert heads == ["lb1  10.10.0.100:80", "lb2  10.10.0.100:80"], rows
assert rows[0] == heads[0] and len(rows) == 10, rows
assert rows[1].startswith("  10.10.0.21:80 ") and len(rows[1].split()) == 6, rows
PY
# a sync group moves two instances on one fault, without lvs_sync_daemon: one
# row per failover with the JSON's columns (synced NULL, as the JSON leaves it
# out), each counting only its own VIPs' connections and requests
expect_status 0 "ha run, sync group" -- run scenarios/ha/nat-sync.conf --json --out "$T/og" \
	--no-plots
python3 - "$T/out" "$T/og/lbsim.db" <<'PY' || bad "sync group: store's failover rows match --json"
import json, sqlite3, sys
a = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
cols = ["instance", "broken", "synced", "failed_during", "timed_out_during", "refused_during"]
rows = db.execute("select %s from failover order by rowid" % ", ".join(cols)).fetchall()
want = [(f["instance"], f["broken_connections"], f.get("synced_connections"),
         f["failed_during"], f["timed_out_during"], f["refused_during"]) for f in a["failovers"]]
assert rows == want, (rows, want)
assert [r[0] for r in rows] == ["VI_EXT", "VI_INT"], rows
assert all(r[2] is None for r in rows), rows
# the clients use VI_EXT's VIP only: VI_INT's failover counts nothing
assert rows[0][3] > 0 and rows[1][1:] == (0, None, 0, 0, 0), rows
assert sum(r[3] for r in rows) <= a["failed"], (rows, a["failed"])
PY
expect_status 0 "expect timed_out" -- run scenarios/ha/dr-http.conf --no-plots --out "$T/ot" \
	--set "expect.timed_out=== 0"
grep -q '^PASS  timed_out == 0  (timed_out = 0)' "$T/out" || bad "expect timed_out is a metric"
grep -q '^failover   VI_WEB 10.10.0.100 lb1 -> lb2 at 30.000 s: detected .* VIP moved .* takeover ' \
	"$T/out" || bad "the report says which failover it is and what its times are"
grep -q '^           [0-9]* failed ([0-9]* of them timed out), [0-9]* refused' "$T/out" ||
	bad "the report counts the failover's timed-out requests"
# nobody takes over when the backup has crashed first: "to" is null, NULL, "(none)"
cat >"$T/nobody.conf" <<EOF
simulation { duration 20s warmup 1s seed 1 }
clients web { sources 192.0.2.0/24 arrival poisson 50/s target 10.10.0.100:80
              service exponential 5ms }
server 10.10.0.21 { workers 4 }
director lb1 { include $PWD/scenarios/ha/dr-http.lb1.conf }
director lb2 { include $PWD/scenarios/ha/dr-http.lb2.conf }
fault {
    at 8s crash director lb2
    at 10s crash director lb1
}
EOF
expect_status 0 "ha run without a successor" -- run "$T/nobody.conf" --json --out "$T/on" \
	--no-plots
python3 - "$T/out" "$T/on/lbsim.db" <<'PY' || bad "a failover nobody took over has no 'to'"
import json, sqlite3, sys
f = json.load(open(sys.argv[1]))["failovers"]
got = [(o["instance"], o["from"], o["to"], o["detected_s"]) for o in f]
assert got == [("VI_WEB", "lb1", None, None)], f
row = sqlite3.connect(sys.argv[2]).execute("select from_director, to_director from failover")
assert row.fetchall() == [("lb1", None)]
PY
expect_status 0 "ha report without a successor" -- run "$T/nobody.conf" --out "$T/on" --no-plots
grep -q '^failover   VI_WEB 10.10.0.100 lb1 -> (none) at 10.000 s: no takeover' "$T/out" ||
	bad "the report says nobody took over"
if command -v gnuplot >/dev/null 2>&1 && [ -z "${LBSIM_QUICK:-}" ]; then
	[ -s "$T/oh/run-timeline.png" ] || bad "an HA run draws run-timeline.png"
	[ -s "$T/oh/run-timeline.svg" ] || bad "an HA run draws run-timeline.svg"
fi
[ -e "$T/o/run-timeline.gp" ] && bad "a run without VRRP draws no timeline"
# a version 1 database is upgraded in place: the new tables appear, old runs stay
mkdir -p "$T/ov1"
python3 - "$T/ov1/lbsim.db" <<'PY' || bad "create a version 1 database"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
create table run (id integer primary key, scenario text, scenario_sha256 text, seed integer,
  algo text, params text, version text, started text, wall_s real, events integer, status text);
create table metric (run integer references run(id), scope text, name text, value real);
create table server_metric (run integer references run(id), server text, name text, value real);
create table series (run integer references run(id), name text, t real, value real);
insert into run (scenario) values ('old.conf');
pragma user_version = 1;
""")
db.commit()
PY
# shellcheck disable=SC2086
# (3 s are too short for the takeover expects: status 1)
expect_status 1 "ha run into a version 1 database" -- run scenarios/ha/dr-http.conf \
	$SHORT --out "$T/ov1" --no-plots
python3 - "$T/ov1/lbsim.db" <<'PY' || bad "version 1 database upgraded to 2"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("pragma user_version").fetchone()[0] == 2
assert db.execute("select count(*) from run").fetchone()[0] == 2
assert db.execute("select count(*) from transition").fetchone()[0] > 0
assert db.execute("select count(*) from server_metric where director = 'lb2'").fetchone()[0] > 0
PY
# a version 2 database from before the failover's request counts (none of
# them, or no timed_out_during), its names or synced gets the missing
# columns, NULL in its old rows
for cols in "" "failed_during integer, refused_during integer" \
	"failed_during integer, refused_during integer, timed_out_during integer" \
	"failed_during integer, refused_during integer, timed_out_during integer, instance text, \
vips text, from_director text, to_director text"; do
	rm -rf "$T/ov2" && mkdir -p "$T/ov2"
	python3 - "$T/ov2/lbsim.db" "$cols" <<'PY' || bad "create an old version 2 database ($cols)"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = (", " + sys.argv[2]) if sys.argv[2] else ""
db.executescript("""
create table run (id integer primary key, scenario text, scenario_sha256 text, seed integer,
  algo text, params text, version text, started text, wall_s real, events integer, status text);
create table failover (run integer references run(id), fault_at real, detected real,
  master_at real, takeover real, broken integer%s);
insert into run (scenario) values ('old.conf');
insert into failover (run, fault_at) values (1, 7);
pragma user_version = 2;
""" % cols)
db.commit()
PY
	expect_status 0 "ha run into an old version 2 database ($cols)" -- run \
		scenarios/ha/dr-http.conf --out "$T/ov2" --no-plots
	python3 - "$T/ov2/lbsim.db" <<'PY' || bad "old version 2 database gets the failover columns"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("pragma user_version").fetchone()[0] == 2
rows = db.execute("select fault_at, failed_during, timed_out_during, refused_during "
                  "from failover order by rowid").fetchall()
assert len(rows) == 2 and rows[0] == (7, None, None, None), rows
assert rows[1][0] == 30 and rows[1][1] > 0 and rows[1][2] == 0 and rows[1][3] == 0, rows
rows = db.execute("select instance, vips, from_director, to_director "
                  "from failover order by rowid").fetchall()
assert rows == [(None,) * 4, ("VI_WEB", "10.10.0.100", "lb1", "lb2")], rows
rows = db.execute("select synced from failover order by rowid").fetchall()
assert rows == [(None,), (0,)], rows
PY
done
# a version 2 database from before server_metric's director and vs gets
# them, NULL in its old rows
rm -rf "$T/ov2" && mkdir -p "$T/ov2"
python3 - "$T/ov2/lbsim.db" <<'PY' || bad "create a version 2 database without server_metric.director"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
create table run (id integer primary key, scenario text, scenario_sha256 text, seed integer,
  algo text, params text, version text, started text, wall_s real, events integer, status text);
create table server_metric (run integer references run(id), server text, name text, value real);
insert into run (scenario) values ('old.conf');
insert into server_metric values (1, '10.10.0.21:80', 'requests', 7);
pragma user_version = 2;
""")
db.commit()
PY
expect_status 0 "ha run into a version 2 database without server_metric.director" -- run \
	scenarios/ha/dr-http.conf --out "$T/ov2" --no-plots
python3 - "$T/ov2/lbsim.db" <<'PY' || bad "old version 2 database gets server_metric.director and vs"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("pragma user_version").fetchone()[0] == 2
rows = db.execute("select run, server, director, vs from server_metric "
                  "where name = 'requests' order by rowid").fetchall()
assert rows[0] == (1, "10.10.0.21:80", None, None), rows
assert len(rows) == 9 and all(r[2] in ("lb1", "lb2") and r[3] == "10.10.0.100:80"
                              for r in rows[1:]), rows
PY

# ---- compare ----
# rr overloads the slow server of the default scenario: its expect fails.
# shellcheck disable=SC2086
expect_status 1 "compare with a failing expect" -- compare scenarios/default.conf \
	--algos rr,wlc $SHORT --out "$T/oc" --no-plots
grep -q "rr (seed 1): expect p99_response < 200ms failed" "$T/err" || bad "compare names the failed expect"
# shellcheck disable=SC2086
expect_status 0 "compare" -- compare scenarios/default.conf --algos rr,wlc,pod $SHORT \
	--set "expect.p99_response=< 100s" --set "expect.refused=>= 0" \
	--out "$T/oc" --json --no-plots
python3 -c "
import json,sys
a=json.load(open('$T/out'))
assert [r['algo'] for r in a]==['rr','wlc','pod'], a
" || bad "compare --json gives one object per scheduler"
if [ -z "${LBSIM_QUICK:-}" ]; then
	# shellcheck disable=SC2086
	expect_status 0 "compare table" -- compare scenarios/default.conf --algos all $SHORT \
		--set "expect.p99_response=< 100s" --set "expect.refused=>= 0" \
		--set "expect.failed=>= 0" --reps 2 --out "$T/oc"
	grep -q 'twos' "$T/out" || bad "compare --algos all covers every scheduler"
	grep -q 'confidence' "$T/out" || bad "compare --reps 2 prints the confidence intervals"
	if command -v gnuplot >/dev/null 2>&1; then
		[ -s "$T/oc/compare-cdf.png" ] || bad "compare draws compare-cdf.png"
		[ -s "$T/oc/compare-servers.png" ] || bad "compare draws compare-servers.png"
	fi
fi

# ---- check ----
expect_status 0 "check default" -- check scenarios/default.conf
grep -q 'offered load' "$T/out" || bad "check prints the offered load"
for f in tests/data/keepalived/*.conf; do
	[ -f "$f" ] || continue
	expect_status 0 "check fixture $f" -- check "$f"
done

# ---- every scenario of the library, short horizon ----
for f in $(find scenarios -name '*.conf' | sort); do
	"$LBSIM" run "$f" --set simulation.duration=20s --set simulation.warmup=1s \
		--out "$T/lib" --no-plots >"$T/out" 2>"$T/err"
	st=$?
	case $st in
	0 | 1) ok ;;
	*) bad "scenario $f exits $st" ;;
	esac
done

# ---- HA demonstrations under tests/data/ha: their expects hold ----
for f in tests/data/ha/*.conf; do
	[ -f "$f" ] || continue
	expect_status 0 "ha demonstration $f" -- run "$f" --out "$T/ha" --no-plots
done

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
