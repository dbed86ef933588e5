#!/bin/sh
# tests/cli/replay.sh - lbsim pcapgen and lbsim replay as a user runs them.
#
# usage: sh tests/cli/replay.sh PATH/TO/lbsim   (from the repository root)
# Round trip (pcapgen then replay = run, connections per real server, for
# several schedulers), dumps decoded by tshark without checksum or
# malformation warnings, NAT rewrite and TUN "fragmentation needed", the
# NAT server model's frames (per connection, checksums, same seed same file), the
# fixture captures of keepalived (not ours, no crash), BPF filter, --map,
# faults and health checkers during replay (removals, broken and moved flows),
# bad captures (exit 2, nothing written). Silent on success.
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
	[ -f "$T/err" ] && sed 's/^/  stderr: /' "$T/err" | head -10
}
run() { "$LBSIM" "$@" >"$T/out" 2>"$T/err"; }
servers() { python3 -c "import json,sys; print([s['connections'] for s in json.load(open(sys.argv[1]))['servers']])" "$1"; }

DEF=scenarios/default.conf
SHORT="--set simulation.duration=3s --set simulation.warmup=0"

# ---- round trip: the capture of a run replays to the run's decisions ----
for algo in wlc rr lc twos sh mh; do
	# shellcheck disable=SC2086
	run pcapgen $DEF -o "$T/$algo.pcap" --algo $algo $SHORT --quiet || { bad "pcapgen $algo"; continue; }
	# shellcheck disable=SC2086
	run run $DEF --algo $algo $SHORT --json --no-plots --out "$T/o" # 1: an expect failed
	[ $? -le 1 ] && cp "$T/out" "$T/run.json" || { bad "run $algo"; continue; }
	# shellcheck disable=SC2086
	run replay $DEF "$T/$algo.pcap" --algo $algo $SHORT --json --out "$T/o" &&
		cp "$T/out" "$T/replay.json" || { bad "replay $algo"; continue; }
	a=$(servers "$T/run.json")
	b=$(servers "$T/replay.json")
	if [ "$a" = "$b" ]; then ok; else bad "round trip $algo: run $a, replay $b"; fi
done
# ---- round trip at packet fidelity: every client packet the director saw ----
PKT="$SHORT --set simulation.fidelity=packet"
for algo in wlc lc twos; do
	# shellcheck disable=SC2086
	run pcapgen $DEF -o "$T/p$algo.pcap" --algo $algo $PKT --quiet || { bad "pcapgen packet $algo"; continue; }
	# shellcheck disable=SC2086
	run run $DEF --algo $algo $PKT --json --no-plots --out "$T/o"
	[ $? -le 1 ] && cp "$T/out" "$T/prun.json" || { bad "run packet $algo"; continue; }
	# shellcheck disable=SC2086
	run replay $DEF "$T/p$algo.pcap" --algo $algo $PKT --json --out "$T/o" &&
		cp "$T/out" "$T/preplay.json" || { bad "replay packet $algo"; continue; }
	a=$(servers "$T/prun.json")
	b=$(servers "$T/preplay.json")
	if [ "$a" = "$b" ]; then ok; else bad "packet round trip $algo: run $a, replay $b"; fi
done
python3 - "$T/replay.json" <<'PY' || bad "replay --json keys"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["packets", "bytes", "dropped", "icmp_sent", "conn_table_max", "servers"]:
    assert k in d, k
assert isinstance(d["dropped"], dict)
for s in d["servers"]:
    assert list(s) == ["addr", "director", "vs", "packets", "bytes", "connections"], list(s)
    assert s["director"] and s["vs"], s
assert d["packets"] > 0 and sum(s["packets"] for s in d["servers"]) > 0
PY

# ---- dumps: valid frames, DR rewrites MACs only ----
# shellcheck disable=SC2086
run replay $DEF "$T/wlc.pcap" $SHORT --dump "$T/d" --out "$T/o" || bad "replay --dump"
n=$(ls "$T/d" | grep -c '^rs-.*\.pcap$')
[ "$n" = 5 ] || bad "one dump per real server (got $n)"
if command -v tshark >/dev/null 2>&1; then
	for f in "$T"/d/*.pcap "$T/wlc.pcap"; do
		w=$(tshark -r "$f" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
			-o udp.check_checksum:TRUE -q -z expert,warn 2>/dev/null | grep -c -E 'Malformed|Checksum|Bad')
		if [ "$w" = 0 ]; then ok; else bad "tshark finds $w warnings in $f"; fi
	done
	d=$(tshark -r "$T/d/rs-10.10.0.21-80.pcap" -c 1 -T fields -e eth.dst -e ip.dst 2>/dev/null)
	[ "$d" = "$(printf '02:00:0a:0a:00:15\t10.10.0.100')" ] || bad "DR: MAC of the real server, VIP kept ($d)"
else
	bad "tshark is not installed (tools/install-deps.sh installs it)"
fi

# ---- NAT and TUN ----
NAT=tests/data/scenarios/replay-nat.conf
run pcapgen $NAT -o "$T/nat.pcap" --quiet || bad "pcapgen NAT"
run replay $NAT "$T/nat.pcap" --dump "$T/n" --json --out "$T/o" || bad "replay NAT/TUN"
cp "$T/out" "$T/nat.json"
python3 - "$T/nat.json" <<'PY' || bad "NAT/TUN replay figures"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["icmp_sent"] > 0, "TUN with DF over a 1400-byte link must answer ICMP"
assert d["replies"]["model"] > 0, "no captured replies: the server model answers NAT"
byaddr = {s["addr"]: s for s in d["servers"]}
assert byaddr["172.16.10.21:8080"]["connections"] > byaddr["172.16.10.22:8080"]["connections"]
PY
if command -v tshark >/dev/null 2>&1; then
	p=$(tshark -r "$T/n/rs-172.16.10.21-8080.pcap" -c 1 -T fields -e ip.dst -e tcp.dstport 2>/dev/null)
	[ "$p" = "$(printf '172.16.10.21\t8080')" ] || bad "NAT rewrites to the real server and its port ($p)"
	i=$(tshark -r "$T/n/client.pcap" -Y 'icmp.type == 3 && icmp.code == 4' -T fields -e icmp.mtu 2>/dev/null | sort -u)
	[ "$i" = 1380 ] || bad "TUN: fragmentation needed with next-hop MTU 1400 - 20 ($i)"
	o=$(tshark -r "$T/n/rs-172.16.20.31-80.pcap" -c 1 -T fields -e ip.proto 2>/dev/null)
	[ "$o" = "4,6" ] || bad "TUN: IPIP to the real server ($o)"
fi

# ---- the server model answers NAT connections with real frames ----
# The NAT service alone (the TUN service's ICMP errors quote partial
# segments, which tshark checks as whole ones). Per connection of the
# capture, client.pcap must hold one SYN-ACK, 5000 response bytes (the
# scenario's deterministic response_size) per request (a client segment with
# payload and PSH) and one FIN-ACK per FIN, all from VIP:80; the same seed
# gives the same file byte for byte, another seed another one.
VS="dst host 192.0.2.100"
run replay $NAT "$T/nat.pcap" --filter "$VS" --dump "$T/m1" --json --out "$T/o" &&
	cp "$T/out" "$T/m.json" || bad "replay NAT, model"
run replay $NAT "$T/nat.pcap" --filter "$VS" --dump "$T/m2" --out "$T/o" || bad "replay NAT again"
cmp -s "$T/m1/client.pcap" "$T/m2/client.pcap" && ok || bad "server model: same seed, different client.pcap"
run replay $NAT "$T/nat.pcap" --filter "$VS" --dump "$T/m3" --seed 6 --out "$T/o" || bad "replay NAT seed 6"
cmp -s "$T/m1/client.pcap" "$T/m3/client.pcap" && bad "server model: seed 6 gives seed 5's client.pcap" || ok
if command -v tshark >/dev/null 2>&1; then
	w=$(tshark -r "$T/m1/client.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y "_ws.expert.severity >= warning" 2>/dev/null | wc -l)
	[ "$w" = 0 ] && ok || bad "server model: tshark warns about $w frames of client.pcap"
	F="-T fields -E separator=, -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags -e tcp.len -e frame.len"
	# shellcheck disable=SC2086
	tshark -r "$T/nat.pcap" -Y "ip.dst == 192.0.2.100" $F >"$T/m.in" 2>/dev/null
	# shellcheck disable=SC2086
	tshark -r "$T/m1/client.pcap" $F >"$T/m.out" 2>/dev/null
	python3 - "$T/m.in" "$T/m.out" "$T/m.json" <<'PY' && ok || bad "server model: frames per connection"
import collections, json, sys
rows = lambda f: [l.strip().split(",") for l in open(f) if l.strip()]
want = collections.defaultdict(lambda: [0, 0, 0])  # SYNs, requests, FINs
for src, sp, dst, dp, fl, n, _ in rows(sys.argv[1]):
    fl, c = int(fl, 16), want[(src, sp)]
    c[0] += fl & 0x12 == 0x02
    c[1] += bool(fl & 0x08 and int(n) > 0)
    c[2] += bool(fl & 0x01)
got = collections.defaultdict(lambda: [0, 0, 0])    # SYN-ACKs, response bytes, FIN-ACKs
frames = size = 0
for src, sp, dst, dp, fl, n, flen in rows(sys.argv[2]):
    assert (src, sp) == ("192.0.2.100", "80"), (src, sp)
    fl, c = int(fl, 16), got[(dst, dp)]
    c[0] += fl == 0x12
    c[1] += int(n)
    c[2] += fl == 0x11
    frames, size = frames + 1, size + int(flen)
assert set(got) == set(want), set(got) ^ set(want)
assert len(want) > 500, len(want)
for k, (syn, req, fin) in want.items():
    assert syn == 1 and req >= 1, (k, want[k])
    assert got[k] == [1, 5000 * req, fin], (k, want[k], got[k])
d = json.load(open(sys.argv[3]))
assert d["replies"]["model"] == frames and d["replies"]["bytes"] == size, (d["replies"], frames, size)
assert d["replies"]["capture"] == 0 and d["replies"]["refused"] == 0, d["replies"]
assert d["forwarded"] == d["packets"] + frames, d
PY
	n=$(tshark -r "$T/d/client.pcap" 2>/dev/null | wc -l)
	[ "$n" = 0 ] && ok || bad "DR: the server model stays silent ($n frames in client.pcap)"
fi

# ---- the keepalived captures: all not ours, nothing crashes ----
for f in tests/data/pcap/*.pcap; do
	run replay $DEF "$f" --json --out "$T/o" || { bad "replay $f"; continue; }
	python3 -c "
import json,sys
d=json.load(open('$T/out'))
assert d['packets'] > 0 and d['dropped'].get('not_ours') == d['packets'], d
" || bad "$f: every packet not ours"
done

# ---- pcapng: the same frames in the other format replay the same ----
if command -v editcap >/dev/null 2>&1; then
	editcap -F pcapng "$T/wlc.pcap" "$T/wlc.pcapng" || bad "editcap to pcapng"
	# shellcheck disable=SC2086
	run replay $DEF "$T/wlc.pcap" $SHORT --json --out "$T/o" && cp "$T/out" "$T/a.json" &&
		run replay $DEF "$T/wlc.pcapng" $SHORT --json --out "$T/o" || bad "replay pcapng"
	python3 - "$T/a.json" "$T/out" <<'PY' || bad "pcapng replays as pcap"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ["packets", "bytes", "connections", "servers", "dropped"]:
    assert a[k] == b[k], (k, a[k], b[k])
PY
else
	bad "editcap (wireshark-common, installed with tshark) is missing"
fi

# ---- filter, map, speed ----
# shellcheck disable=SC2086
run replay $DEF "$T/wlc.pcap" $SHORT --filter "tcp[tcpflags] & tcp-syn != 0" --json --out "$T/o" ||
	bad "replay --filter"
python3 -c "
import json; d=json.load(open('$T/out'))
assert d['packets'] == d['connections'] > 0, d
" || bad "--filter keeps only the SYNs"
# shellcheck disable=SC2086
run replay tests/data/scenarios/replay-nat.conf "$T/wlc.pcap" $SHORT \
	--map 10.10.0.100:80=192.0.2.100:80 --json --out "$T/o" || bad "replay --map"
python3 -c "
import json; d=json.load(open('$T/out'))
assert sum(s['connections'] for s in d['servers']) > 0, d
" || bad "--map retargets the capture"
# shellcheck disable=SC2086
run replay $DEF "$T/wlc.pcap" $SHORT --speed 2 --json --out "$T/o" || bad "replay --speed"
python3 -c "
import json; d=json.load(open('$T/out'))
assert 1.4 < d['duration_s'] < 1.6, d['duration_s']
" || bad "--speed 2 halves the simulated time"

# ---- faults apply during replay ----
run pcapgen scenarios/faults.conf -o "$T/faults.pcap" --quiet || bad "pcapgen faults"
run run scenarios/faults.conf --json --no-plots --out "$T/o" && cp "$T/out" "$T/frun.json" ||
	bad "run faults"
run replay scenarios/faults.conf "$T/faults.pcap" --json --out "$T/o" || bad "replay faults"
python3 - "$T/frun.json" "$T/out" <<'PY' || bad "faults during replay"
import json, sys
run, rep = (json.load(open(p)) for p in sys.argv[1:3])
# The capture holds what reached the director; in replay the drained server
# gets nothing after 30 s, and frames sent while it had failed are counted.
assert rep["to_failed_servers"] > 0, rep
for a, b in zip(run["servers"], rep["servers"]):
    assert abs(a["connections"] - b["connections"]) <= 5, (a, b)
# No checker: nothing is removed; the drain at 30 s moves clients of .32.
f = rep["faults"]
assert f["removals"] == 0 and f["readds"] == 0 and f["events"] == [], f
PY

# ---- checkers during replay: .32 fails at 10 s, removed 8..11 s later ----
# Packet fidelity, so the capture holds the clients' SYN retransmissions to
# the failed server: those arriving after the removal are broken flows.
run pcapgen scenarios/checkers.conf -o "$T/checkers.pcap" --quiet \
	--set simulation.fidelity=packet || bad "pcapgen checkers"
rm -rf "$T/ck"
run replay scenarios/checkers.conf "$T/checkers.pcap" --json --out "$T/ck" || bad "replay checkers"
python3 - "$T/out" "$T/ck/lbsim.db" <<'PY' || bad "checkers during replay"
import json, sqlite3, sys
f = json.load(open(sys.argv[1]))["faults"]
assert f["flows_broken"] > 0 and f["flows_moved"] > 0, f
assert f["removals"] == 1 and f["readds"] == 1, f
down = [e["t_s"] for e in f["events"] if e["what"] == "rs_down 10.40.0.32:80"]
assert len(down) == 1 and 18 <= down[0] <= 21, f
up = [e["t_s"] for e in f["events"] if e["what"] == "rs_up 10.40.0.32:80"]
assert len(up) == 1 and 40 <= up[0] <= 43, f
db = dict(sqlite3.connect(sys.argv[2]).execute(
    "SELECT name, value FROM metric WHERE scope = 'replay'").fetchall())
for k in ["flows_broken", "flows_moved", "removals", "readds"]:
    assert db[k] == f[k], (k, db)
PY
run replay scenarios/checkers.conf "$T/checkers.pcap" --out "$T/ck" &&
	grep -q "rs_down 10.40.0.32:80" "$T/out" || bad "replay checkers: text names the removal"

# A weight fault on a checked server goes through keepalived: .32, failed and
# held at weight 0 by inhibit_on_failure, is not given weight 3 at 25 s (it
# would get connections it cannot serve); rr ignores weights otherwise, so
# the replay is the same as without the fault.
run replay tests/data/scenarios/replay-inhibit.conf "$T/checkers.pcap" --json --out "$T/ck" &&
	cp "$T/out" "$T/inh.json" || bad "replay inhibit"
run replay tests/data/scenarios/replay-inhibit-weight.conf "$T/checkers.pcap" --json \
	--out "$T/ck" || bad "replay inhibit + weight"
python3 - "$T/inh.json" "$T/out" <<'PY' || bad "weight fault on an inhibited server"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["to_failed_servers"] > 0, a
assert b["to_failed_servers"] == a["to_failed_servers"], (a["to_failed_servers"], b["to_failed_servers"])
assert a["servers"] == b["servers"], (a["servers"], b["servers"])
PY

# ---- bad input: exit 2, nothing written ----
head -c 1000 "$T/wlc.pcap" >"$T/trunc.pcap"
printf 'this is not a capture\n' >"$T/junk.pcap"
for f in "$T/trunc.pcap" "$T/junk.pcap" "$T/missing.pcap"; do
	run replay $DEF "$f" --out "$T/bad" --dump "$T/baddump"
	st=$?
	[ $st = 2 ] || bad "bad capture $f: exit $st, wanted 2"
	grep -q "lbsim replay: $f" "$T/err" || bad "bad capture $f: message names the file"
	[ -e "$T/bad/lbsim.db" ] && bad "bad capture $f: a result was written"
	[ -n "$(ls -A "$T/baddump" 2>/dev/null)" ] && bad "bad capture $f: dumps left behind"
done
run replay $DEF "$T/wlc.pcap" --filter "tcp port" --out "$T/bad"
[ $? = 2 ] && grep -q -- "--filter" "$T/err" || bad "bad --filter: exit 2 naming it"
run replay $DEF "$T/wlc.pcap" --map 1.2.3.4 --out "$T/bad"
[ $? = 2 ] || bad "bad --map: exit 2"
run replay $DEF --out "$T/bad"
[ $? = 2 ] || bad "replay without TRACE: exit 2"
run pcapgen $DEF
[ $? = 2 ] || bad "pcapgen without -o: exit 2"

echo "replay: $pass passed, $fail failed"
[ "$fail" = 0 ]
