#!/usr/bin/env python3
"""tests/data/gen_sched_scripts.py - regenerate tests/data/refmodel_sched_*.script/.out.

Drives the clean-room Python reference model (spec/ipvs_refmodel.py in the
shared spec folder, imported by path, at generation time only) through seeded
random sequences of `lbsim sched` operations (add, edit, del, conns, pick,
open) and writes each script with the decisions the model makes, one line per
pick or open, exactly as `lbsim sched` prints them. tests/sched/run.sh replays
the committed files; the tests never run Python.

Usage (from the repository root):
    python3 tests/data/gen_sched_scripts.py [path/to/ipvs_refmodel.py]

What the scripts use, so that the model needs nothing it does not have:
  * dests 10.0.0.1..8:80; thresholds only at the first add (a re-add from the
    trash repeats them), so OVERLOAD follows the bind rule of spec 1.4 for
    `open` and the documented `conns` rule (set at total >= upper, cleared
    below the low mark) and never an edit rule;
  * `open` gives a unique client:port an established (active) connection,
    `close` turns one inactive (DR: FIN_WAIT); nothing expires (the clock
    stays at 0);
  * `conns X A I` counts the script's own connections of X on top;
  * no twos (its draws come from the GSL stream, which the model lacks).

SPDX-License-Identifier: MIT
"""
import importlib.util
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(HERE, '..', '..', '..', 'shared', 'spec', 'ipvs_refmodel.py')
NDEST = 8
DADDRS = ['203.0.113.%d' % i for i in range(1, 9)]

# name, scheduler line, model kind, profile, options
CASES = [
    ('rr', 'scheduler rr', 'rr', 'current', {}),
    ('wrr', 'scheduler wrr', 'wrr', 'current', {}),
    ('lc', 'scheduler lc', 'lc', 'current', {}),
    ('lc_legacy', 'scheduler lc', 'lc', 'legacy', {}),
    ('wlc', 'scheduler wlc', 'wlc', 'current', {}),
    ('wlc_legacy', 'scheduler wlc', 'wlc', 'legacy', {}),
    ('sed', 'scheduler sed', 'sed', 'current', {}),
    ('nq', 'scheduler nq', 'nq', 'current', {}),
    ('fo', 'scheduler fo', 'fo', 'current', {}),
    ('ovf', 'scheduler ovf', 'ovf', 'current', {}),
    ('sh', 'scheduler sh', 'sh', 'current', {}),
    ('sh_port_fallback', 'scheduler sh sh-port sh-fallback', 'sh', 'current',
     {'port': True, 'fallback': True}),
    ('dh', 'scheduler dh', 'dh', 'current', {}),
    ('mh', 'scheduler mh', 'mh', 'current', {}),
    ('mh_port_fallback', 'scheduler mh mh-port mh-fallback', 'mh', 'current',
     {'port': True, 'fallback': True}),
    ('lblc', 'scheduler lblc', 'lblc', 'current', {}),
    ('lblcr', 'scheduler lblcr', 'lblcr', 'current', {}),
]


def load_model(path):
    spec = importlib.util.spec_from_file_location('ipvs_refmodel', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def addr_of(n):
    return '10.0.0.%d:80' % (n + 1)


class Gen:
    def __init__(self, m, kind, profile, opts, seed):
        self.m, self.kind, self.profile, self.opts = m, kind, profile, opts
        self.rnd = random.Random(seed)
        self.svc = m.Service()
        self.dests = {}          # n -> Dest (linked or trashed)
        self.script, self.out = [], []
        self.next_port = 1000
        self.conns = []          # open, not yet closed: (client words, dest)
        self.algo = None
        if kind == 'rr':
            self.algo = m.RR(self.svc)
        elif kind == 'wrr':
            self.algo = m.WRR(self.svc)
        elif kind == 'mh':
            self.algo = m.MH(self.svc)
        elif kind == 'lblc':
            self.algo = m.LBLC(self.svc, profile)
        elif kind == 'lblcr':
            self.algo = m.LBLCR(self.svc, profile)

    # ---- model side ----
    def changed(self):
        if self.kind == 'wrr':
            self.algo.changed()
        elif self.kind == 'mh':
            self.algo.build()

    def pick(self, addr, port, daddr):
        m, svc, k = self.m, self.svc, self.kind
        if k in ('rr', 'wrr', 'mh'):
            if k == 'mh':
                return self.algo.pick(addr, port, self.opts.get('fallback', False))
            return self.algo.pick()
        if k == 'lc':
            return m.lc(svc, self.profile)
        if k == 'wlc':
            return m.wlc(svc, self.profile)
        if k in ('sed', 'nq', 'fo', 'ovf'):
            return getattr(m, k)(svc)
        if k == 'sh':
            return m.sh_pick(m.sh_table(svc), addr, port, self.opts.get('fallback', False))
        if k == 'dh':
            return m.dh_pick(m.dh_table(svc), daddr)
        return self.algo.pick(daddr)

    @staticmethod
    def l_eff(d):
        return d.l if d.l else d.u - d.u // 4

    def bind_overload(self, d):
        total = d.active + d.inact
        if d.u and (total >= d.u if self.profile == 'legacy' else total == d.u):
            d.overload = True

    # ---- operations ----
    def linked(self):
        return [n for n, d in self.dests.items() if d.available]

    def op_add(self):
        free = [n for n in range(NDEST) if n not in self.dests or not self.dests[n].available]
        if not free:
            return False
        n = self.rnd.choice(free)
        w = self.rnd.choice([0, 1, 1, 1, 2, 3, 4, 5, 10])
        if n in self.dests:
            d = self.dests[n]
            d.weight = d.last_weight = w
            d.available = True
        else:
            d = self.m.Dest('D%d' % n, 0x0A000001 + n, 80, w)
            d.u = self.rnd.choice([0, 0, 0, 0, 0, 0, 3, 6])
            d.l = self.rnd.choice([0, 0, d.u // 2]) if d.u else 0
            d.own_a = d.own_i = 0
            self.dests[n] = d
        self.svc.add(d)
        self.changed()
        line = 'add %s weight %d' % (addr_of(n), w)
        if d.u:
            line += ' upper %d' % d.u
        if d.l:
            line += ' lower %d' % d.l
        self.script.append(line)
        return True

    def op_edit(self):
        live = self.linked()
        if not live:
            return False
        n = self.rnd.choice(live)
        w = self.rnd.choice([0, 0, 1, 2, 3, 7])
        self.dests[n].set_weight(w)
        self.changed()
        self.script.append('edit %s weight %d' % (addr_of(n), w))
        return True

    def op_del(self):
        live = self.linked()
        if len(live) < 2:
            return False
        n = self.rnd.choice(live)
        d = self.dests[n]
        if self.kind == 'rr':
            self.algo.before_delete(d)
        self.svc.dests.remove(d)
        d.available = False
        self.changed()
        self.script.append('del %s' % addr_of(n))
        return True

    def op_conns(self):
        live = self.linked()
        if not live:
            return False
        n = self.rnd.choice(live)
        d = self.dests[n]
        if self.rnd.random() < 0.2:
            a, i = self.rnd.choice([(1, 0), (0, 256), (0, 255), (0, 257)])
        else:
            a, i = self.rnd.randrange(0, 6), self.rnd.randrange(0, 40)
        d.active, d.inact = a + d.own_a, i + d.own_i
        total = d.active + d.inact
        if not d.u:
            d.overload = False
        elif total >= d.u:
            d.overload = True
        elif total < self.l_eff(d):
            d.overload = False
        self.script.append('conns %s %d %d' % (addr_of(n), a, i))
        return True

    def client(self):
        return 0xC0A80000 + self.rnd.randrange(1, 65535)

    def op_pick(self, opened):
        c = self.client()
        cs = '192.168.%d.%d' % ((c >> 8) & 255, c & 255)
        port = 0
        if opened:
            port = self.next_port
            self.next_port += 1
        elif self.opts.get('port') and self.rnd.random() < 0.8:
            port = self.rnd.randrange(1, 65536)
        words = cs + (':%d' % port if port else '')
        daddr_s = None
        daddr = 0x0A000064
        if self.kind in ('dh', 'lblc', 'lblcr'):
            daddr_s = self.rnd.choice(DADDRS)
            a = [int(x) for x in daddr_s.split('.')]
            daddr = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]
        hport = port if self.opts.get('port') else 0
        d = self.pick(c, hport, daddr)
        line = ('open ' if opened else 'pick ') + words
        if daddr_s:
            line += ' to ' + daddr_s
        self.script.append(line)
        self.out.append('%s -> %s' % (words, addr_of(int(d.name[1:])) if d else 'none'))
        if d and opened:
            d.active += 1
            d.own_a += 1
            self.bind_overload(d)
            self.conns.append((line[5:], d))

    def op_close(self):
        if not self.conns:
            return False
        rest, d = self.conns.pop(self.rnd.randrange(len(self.conns)))
        self.script.append('close %s' % rest)
        if d.available:  # else the FIN is dropped: the dest was deleted
            d.active -= 1
            d.inact += 1
            d.own_a -= 1
            d.own_i += 1
        return True

    def run(self, nops):
        for _ in range(3):
            self.op_add()
        # wrr, rr: also start "fresh" over the full list, as the spec's vectors do
        if self.kind == 'wrr':
            self.algo = self.m.WRR(self.svc)
            self.script.append('set-scheduler wrr')
        for _ in range(nops):
            r = self.rnd.random()
            if r < 0.08:
                self.op_add()
            elif r < 0.16:
                self.op_edit()
            elif r < 0.21:
                self.op_del()
            elif r < 0.31:
                self.op_conns()
            elif r < 0.40:
                self.op_close()
            elif r < 0.58:
                self.op_pick(True)
            else:
                self.op_pick(False)


def main():
    m = load_model(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MODEL)
    for i, (name, sched_line, kind, profile, opts) in enumerate(CASES):
        g = Gen(m, kind, profile, opts, 1000 + i)
        g.run(400)
        head = ['# generated by tests/data/gen_sched_scripts.py from ipvs_refmodel.py: %s' % name,
                '# expected decisions in refmodel_sched_%s.out' % name]
        if profile == 'legacy':
            head.append('profile legacy')
        head.append(sched_line)
        base = os.path.join(HERE, 'refmodel_sched_%s' % name)
        with open(base + '.script', 'w') as f:
            f.write('\n'.join(head + g.script) + '\n')
        with open(base + '.out', 'w') as f:
            f.write('\n'.join(g.out) + '\n')


if __name__ == '__main__':
    main()
