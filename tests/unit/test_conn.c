/*
 * tests/unit/test_conn.c - suite "conn": the IPVS connection table. Every
 * cell of the three TCP state tables (parsed from the spec's own table text),
 * timeouts, the DR and NAT life cycles of spec 5.2, UDP, port reuse,
 * expire_nodest_conn, dest deletion and quiesce, persistence (stickiness,
 * granularity, renewal, overloaded and quiesced dests, template expiry), a
 * differential run against a naive list-based reference, and the memory
 * budget per connection.
 *
 * Run by lbsim-test; about a second (the 10^6-entry memory test and
 * 1.2 * 10^5 differential operations dominate; quick mode shrinks the
 * differential run).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>

#include "algorithms/ipvs/conn.h"
#include "algorithms/ipvs/service.h"
#include "algorithms/sched/sched.h"
#include "tests/test.h"

#define S_NS INT64_C(1000000000)
#define VIP 0x0A000064u /* 10.0.0.100 */

static struct lb_addr ip4(uint32_t v)
{
	return (struct lb_addr){ .af = LB_AF_INET, .u.v4 = v };
}

static struct lb_flow_key key4(uint32_t client, uint16_t cport, uint8_t proto)
{
	struct lb_flow_key k;

	memset(&k, 0, sizeof(k));
	k.saddr = ip4(client);
	k.daddr = ip4(VIP);
	k.sport = cport;
	k.dport = 80;
	k.proto = proto;
	return k;
}

/* ---- the spec's tables, as text ---- */

/* Spec 5.2, verbatim rows (header first) of INPUT, OUTPUT and INPUT-ONLY. */
static const char *const spec_tcp_text[3][5] = {
	{ "| pkt \\ cur | NO | ES | SS | SR | FW | TW | CL | CW | LA | LI | SA |",
	  "| syn | SR | ES | ES | SR | SR | SR | SR | SR | SR | SR | SR |",
	  "| fin | CL | CW | SS | TW | TW | TW | CL | CW | LA | LI | TW |",
	  "| ack | ES | ES | SS | ES | FW | TW | CL | CW | CL | LI | ES |",
	  "| rst | CL | CL | CL | SR | CL | CL | CL | CL | LA | LI | SR |" },
	{ "| pkt \\ cur | NO | ES | SS | SR | FW | TW | CL | CW | LA | LI | SA |",
	  "| syn | SS | ES | SS | SR | SS | SS | SS | SS | SS | LI | SR |",
	  "| fin | TW | FW | SS | TW | FW | TW | CL | TW | LA | LI | TW |",
	  "| ack | ES | ES | SS | ES | FW | TW | CL | CW | LA | ES | ES |",
	  "| rst | CL | CL | SS | CL | CL | TW | CL | CL | CL | CL | CL |" },
	{ "| pkt \\ cur | NO | ES | SS | SR | FW | TW | CL | CW | LA | LI | SA |",
	  "| syn | SR | ES | ES | SR | SR | SR | SR | SR | SR | SR | SR |",
	  "| fin | CL | FW | SS | TW | FW | TW | CL | CW | LA | LI | TW |",
	  "| ack | ES | ES | SS | ES | FW | TW | CL | CW | CL | LI | ES |",
	  "| rst | CL | CL | CL | SR | CL | CL | CL | CL | LA | LI | CL |" },
};
enum { T_INPUT, T_OUTPUT, T_INPUT_ONLY };

/* Spec 5.1: state, timeout in seconds, counted as active. */
static const struct {
	const char *abbr;
	enum lb_conn_state s;
	int64_t timeout_s;
	bool active;
} spec_states[] = {
	{ "NO", LB_CONN_S_NONE, 2, false },	  { "ES", LB_CONN_S_ESTABLISHED, 900, true },
	{ "SS", LB_CONN_S_SYN_SENT, 120, true },  { "SR", LB_CONN_S_SYN_RECV, 60, true },
	{ "FW", LB_CONN_S_FIN_WAIT, 120, false }, { "TW", LB_CONN_S_TIME_WAIT, 120, false },
	{ "CL", LB_CONN_S_CLOSE, 10, false },	  { "CW", LB_CONN_S_CLOSE_WAIT, 60, false },
	{ "LA", LB_CONN_S_LAST_ACK, 30, false },  { "LI", LB_CONN_S_LISTEN, 120, false },
	{ "SA", LB_CONN_S_SYNACK, 120, true },	  { "UDP", LB_CONN_S_UDP, 300, false },
};
#define NSPEC_STATES (sizeof(spec_states) / sizeof(spec_states[0]))

static const struct {
	const char *name;
	unsigned flags;
} spec_classes[4] = {
	{ "syn", LB_TCP_SYN }, { "fin", LB_TCP_FIN }, { "ack", LB_TCP_ACK }, { "rst", LB_TCP_RST }
};

/* next[table][class][state], parsed from spec_tcp_text. */
struct spec_tcp {
	int next[3][4][LB_CONN_S_COUNT];
};

static int spec_state_of(const char *abbr)
{
	for (size_t i = 0; i < NSPEC_STATES; i++)
		if (!strcmp(spec_states[i].abbr, abbr))
			return (int)spec_states[i].s;
	return -1;
}

static bool spec_active(int s)
{
	for (size_t i = 0; i < NSPEC_STATES; i++)
		if ((int)spec_states[i].s == s)
			return spec_states[i].active;
	return false;
}

/* Split "| a | b | c |" into cells; returns the count. */
static int split_row(const char *row, char cells[16][16])
{
	int n = 0;
	const char *p = row;

	while ((p = strchr(p, '|')) && p[1]) {
		const char *q = strchr(p + 1, '|');
		size_t len;

		if (!q)
			break;
		p++;
		while (*p == ' ')
			p++;
		len = (size_t)(q - p);
		while (len && p[len - 1] == ' ')
			len--;
		if (n < 16 && len < 16) {
			memcpy(cells[n], p, len);
			cells[n][len] = 0;
			n++;
		}
		p = q;
	}
	return n;
}

static void parse_spec_tables(struct spec_tcp *sp)
{
	char hdr[16][16], cells[16][16];

	for (int t = 0; t < 3; t++) {
		int nh = split_row(spec_tcp_text[t][0], hdr);

		CU_ASSERT_EQUAL_FATAL(nh, 12);
		for (int r = 1; r <= 4; r++) {
			int n = split_row(spec_tcp_text[t][r], cells), cls = -1;

			CU_ASSERT_EQUAL_FATAL(n, 12);
			for (int c = 0; c < 4; c++)
				if (!strcmp(cells[0], spec_classes[c].name))
					cls = c;
			CU_ASSERT_FATAL(cls >= 0);
			for (int col = 1; col < 12; col++) {
				int cur = spec_state_of(hdr[col]), nxt = spec_state_of(cells[col]);

				CU_ASSERT_FATAL(cur >= 0 && nxt >= 0);
				sp->next[t][cls][cur] = nxt;
			}
		}
	}
}

/* ---- fixture ---- */

#define FX_MAXD 8

struct fx {
	struct lb_service svc;
	struct lb_conn_table *tab;
	struct lb_dest *d[FX_MAXD]; /* d[i] is 10.0.0.(i+1):80, added in index order */
	unsigned nd;
};

static void fx_init(struct fx *f, const struct lb_sched_ops *ops, enum lb_kind kind, uint8_t proto,
		    unsigned nd, const struct lb_conn_conf *conf)
{
	memset(f, 0, sizeof(*f));
	lb_service_init(&f->svc, LB_PROFILE_CURRENT);
	f->svc.addr = ip4(VIP);
	f->svc.port = 80;
	f->svc.proto = proto;
	f->svc.kind = kind;
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f->svc, ops), 0);
	for (unsigned i = 0; i < nd; i++) {
		struct lb_addr a = ip4(0x0A000001u + i);

		CU_ASSERT_EQUAL_FATAL(lb_service_add_dest(&f->svc, &a, 80, 1, 0, 0, &f->d[i]), 0);
	}
	f->nd = nd;
	f->tab = lb_conn_table_new(conf);
}

/* Flush, check every counter came back to 0, free. */
static void fx_fini(struct fx *f)
{
	CU_ASSERT_TRUE(lb_conn_table_sane(f->tab));
	lb_conn_table_flush(f->tab, NULL);
	CU_ASSERT_EQUAL(lb_conn_table_count(f->tab), 0);
	CU_ASSERT_EQUAL(lb_conn_table_templates(f->tab), 0);
	for (unsigned i = 0; i < f->nd; i++) {
		CU_ASSERT_EQUAL(f->d[i]->activeconns, 0);
		CU_ASSERT_EQUAL(f->d[i]->inactconns, 0);
		CU_ASSERT_EQUAL(f->d[i]->persistconns, 0);
	}
	CU_ASSERT_TRUE(lb_conn_table_sane(f->tab));
	lb_conn_table_free(f->tab);
	lb_service_fini(&f->svc);
}

#define expect_counts(d, a, i, p) expect_counts_at(__LINE__, d, a, i, p)
static void expect_counts_at(int line, const struct lb_dest *d, int a, int i, int p)
{
	if (d->activeconns != a || d->inactconns != i || d->persistconns != p)
		fprintf(stderr,
			"\nline %d: dest counters active %d inactive %d persist %d, "
			"wanted %d %d %d\n",
			line, d->activeconns, d->inactconns, d->persistconns, a, i, p);
	CU_ASSERT_EQUAL(d->activeconns, a);
	CU_ASSERT_EQUAL(d->inactconns, i);
	CU_ASSERT_EQUAL(d->persistconns, p);
}

/* One client packet through lb_conn_in; asserts the return code. */
#define in_pkt(f, k, fl, now, want) in_pkt_at(__LINE__, f, k, fl, now, want)
static struct lb_conn *in_pkt_at(int line, struct fx *f, const struct lb_flow_key *k, unsigned fl,
				 int64_t now, int want)
{
	struct lb_conn *c = NULL;
	int rc = lb_conn_in(f->tab, &f->svc, k, fl, now, &c);

	if (rc != want)
		fprintf(stderr,
			"\nline %d: lb_conn_in flags 0x%x at %" PRId64 " ns: %d, wanted %d\n", line,
			fl, now, rc, want);
	CU_ASSERT_EQUAL(rc, want);
	return c;
}

/* Put c in state s, keeping counters and flags consistent (states no packet reaches). */
static void force_state(struct lb_conn *c, enum lb_conn_state s)
{
	bool was = !(c->flags & LB_CONN_F_INACTIVE), now = lb_conn_state_active(s);

	c->state = (uint8_t)s;
	if (was != now) {
		c->flags ^= LB_CONN_F_INACTIVE;
		lb_dest_conn_set_active(c->dest, now);
	}
}

/* ---- state tables ---- */

static void check_cell(const struct spec_tcp *sp, int table, int cls, int cur)
{
	struct lb_conn_conf conf;
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_conn *c;
	int64_t now = 7 * S_NS;
	int want = sp->next[table][cls][cur];
	enum lb_conn_dir dir = table == T_OUTPUT ? LB_CONN_DIR_OUT : LB_CONN_DIR_IN;

	lb_conn_conf_default(&conf);
	fx_init(&f, &sched_rr_ops, table == T_INPUT_ONLY ? LB_KIND_DR : LB_KIND_NAT, LB_PROTO_TCP,
		1, &conf);
	CU_ASSERT_EQUAL_FATAL(lb_conn_schedule(f.tab, &f.svc, &k, 0, &c), 0);
	CU_ASSERT_EQUAL(!!(c->flags & LB_CONN_F_NOOUTPUT), table == T_INPUT_ONLY);
	force_state(c, (enum lb_conn_state)cur);
	CU_ASSERT_EQUAL(lb_conn_packet(f.tab, c, dir, spec_classes[cls].flags, now), 0);
	if (c->state != want)
		fprintf(stderr, "\ntable %d, %s in %s: got %s, wanted %s\n", table,
			spec_classes[cls].name, lb_conn_state_name(cur),
			lb_conn_state_name(c->state), lb_conn_state_name(want));
	CU_ASSERT_EQUAL(c->state, want);
	CU_ASSERT_EQUAL(c->expires, now + conf.timeout_ns[want]);
	CU_ASSERT_EQUAL(lb_conn_timeout(f.tab, c), conf.timeout_ns[want]);
	expect_counts(f.d[0], spec_active(want) ? 1 : 0, spec_active(want) ? 0 : 1, 0);
	CU_ASSERT_EQUAL(!!(c->flags & LB_CONN_F_NOOUTPUT), table == T_INPUT_ONLY);
	fx_fini(&f);
}

static void test_state_tables(void)
{
	struct spec_tcp sp;

	parse_spec_tables(&sp);
	for (int t = 0; t < 3; t++)
		for (int cls = 0; cls < 4; cls++)
			for (int cur = 0; cur < LB_TCP_S_COUNT; cur++)
				check_cell(&sp, t, cls, cur);
}

/* Class priority RST > SYN > FIN > ACK, no flag -> CLOSE, NOOUTPUT switching. */
static void test_state_details(void)
{
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_conn *c;

	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 1, NULL);
	c = in_pkt(&f, &k, LB_TCP_SYN | LB_TCP_FIN, 0, 0); /* syn row: NO -> SR */
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_SYN_RECV);
	in_pkt(&f, &k, LB_TCP_ACK | LB_TCP_PSH, 0, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_ESTABLISHED);
	/* INPUT-ONLY: fin in ES -> FW; after a reply the INPUT table gives CW. */
	in_pkt(&f, &k, LB_TCP_FIN | LB_TCP_ACK, 0, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_FIN_WAIT);
	force_state(c, LB_CONN_S_ESTABLISHED);
	CU_ASSERT_EQUAL(lb_conn_packet(f.tab, c, LB_CONN_DIR_OUT, LB_TCP_ACK, 0), 0);
	CU_ASSERT_FALSE(c->flags & LB_CONN_F_NOOUTPUT);
	in_pkt(&f, &k, LB_TCP_FIN | LB_TCP_ACK, 0, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_CLOSE_WAIT);
	/* rst beats syn: CW + rst -> CL. */
	force_state(c, LB_CONN_S_CLOSE_WAIT);
	in_pkt(&f, &k, LB_TCP_RST | LB_TCP_ACK, 0, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_CLOSE);
	/* no flags at all forces CLOSE, even from ESTABLISHED */
	force_state(c, LB_CONN_S_ESTABLISHED);
	in_pkt(&f, &k, LB_TCP_PSH, 0, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_CLOSE);
	expect_counts(f.d[0], 0, 1, 0);
	CU_ASSERT_EQUAL(lb_conn_packet(f.tab, c, LB_CONN_DIR_IN, LB_TCP_ACK, 0), 0);
	CU_ASSERT_STRING_EQUAL(lb_conn_state_name(LB_CONN_S_SYN_RECV), "SYN_RECV");
	CU_ASSERT_STRING_EQUAL(lb_conn_state_name(LB_CONN_S_COUNT), "?");
	fx_fini(&f);
}

/* ---- timeouts ---- */

static void test_timeouts(void)
{
	struct lb_conn_conf conf;
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_flow_key u = key4(0x0B000002, 5000, LB_PROTO_UDP);
	struct lb_conn *c;

	/* Defaults are the spec's. */
	lb_conn_conf_default(&conf);
	for (size_t i = 0; i < NSPEC_STATES; i++)
		CU_ASSERT_EQUAL(conf.timeout_ns[spec_states[i].s], spec_states[i].timeout_s * S_NS);
	CU_ASSERT_EQUAL(conf.new_timeout_ns, 3 * S_NS);
	CU_ASSERT_EQUAL(conf.template_renew_ns, 60 * S_NS);
	CU_ASSERT_EQUAL(conf.conn_reuse_mode, 1);
	CU_ASSERT_FALSE(conf.expire_nodest_conn || conf.expire_quiescent_template ||
			conf.sloppy_tcp);
	for (size_t i = 0; i < NSPEC_STATES; i++)
		CU_ASSERT_EQUAL(lb_conn_state_active(spec_states[i].s), spec_states[i].active);

	/* A fresh entry lives 3 s; it expires exactly at its time, not before. */
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 1, &conf);
	CU_ASSERT_EQUAL(lb_conn_table_next_expiry(f.tab), INT64_MAX);
	CU_ASSERT_EQUAL(lb_conn_schedule(f.tab, &f.svc, &k, S_NS, &c), 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_NONE);
	expect_counts(f.d[0], 0, 1, 0);
	CU_ASSERT_EQUAL(lb_conn_schedule(f.tab, &f.svc, &k, S_NS, &c), -EEXIST);
	CU_ASSERT_EQUAL(lb_conn_table_next_expiry(f.tab), 4 * S_NS);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 4 * S_NS - 1), 0);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 4 * S_NS), 1);
	CU_ASSERT_EQUAL(lb_conn_table_count(f.tab), 0);
	expect_counts(f.d[0], 0, 0, 0);
	fx_fini(&f);

	/* Configured timeouts are used per state, and each packet re-arms. */
	conf.timeout_ns[LB_CONN_S_ESTABLISHED] = 5 * S_NS;
	conf.timeout_ns[LB_CONN_S_UDP] = 7 * S_NS;
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 1, &conf);
	c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
	CU_ASSERT_EQUAL(c->expires, 60 * S_NS);
	in_pkt(&f, &k, LB_TCP_ACK, 10 * S_NS, 0);
	CU_ASSERT_EQUAL(c->expires, 15 * S_NS);
	in_pkt(&f, &k, LB_TCP_ACK, 14 * S_NS, 0);
	CU_ASSERT_EQUAL(c->expires, 19 * S_NS);
	c = in_pkt(&f, &u, 0, 14 * S_NS, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_UDP);
	CU_ASSERT_EQUAL(c->expires, 21 * S_NS);
	CU_ASSERT_EQUAL(lb_conn_table_next_expiry(f.tab), 19 * S_NS);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 20 * S_NS), 1);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 21 * S_NS), 1);
	fx_fini(&f);
}

/* Settings changed on a live table; sloppy_tcp; walking the entries. */
static void test_set_conf(void)
{
	struct lb_conn_conf conf;
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_flow_key k2 = key4(0x0B000002, 5000, LB_PROTO_TCP);
	struct lb_conn *c, *c2, *it;
	unsigned n = 0;

	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 1, NULL);
	c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
	in_pkt(&f, &k, LB_TCP_ACK, 0, 0);
	CU_ASSERT_EQUAL(c->expires, 900 * S_NS);
	in_pkt(&f, &k2, LB_TCP_ACK, 0, -ENOTCONN); /* not sloppy: no entry from an ACK */
	conf = *lb_conn_table_conf(f.tab);
	conf.timeout_ns[LB_CONN_S_ESTABLISHED] = 10 * S_NS;
	conf.sloppy_tcp = true;
	CU_ASSERT_EQUAL(lb_conn_table_set_conf(f.tab, &conf), 0);
	CU_ASSERT_EQUAL(c->expires, 900 * S_NS); /* armed before: unchanged */
	c2 = in_pkt(&f, &k2, LB_TCP_ACK, S_NS, 0); /* sloppy: NONE + ack -> ES */
	CU_ASSERT_EQUAL(c2->state, LB_CONN_S_ESTABLISHED);
	CU_ASSERT_EQUAL(c2->expires, 11 * S_NS);
	in_pkt(&f, &k2, LB_TCP_RST | LB_TCP_ACK, S_NS, 0);
	CU_ASSERT_EQUAL(c2->state, LB_CONN_S_CLOSE);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 11 * S_NS), 1);
	in_pkt(&f, &k2, LB_TCP_RST, 12 * S_NS, -ENOTCONN); /* an RST never creates one */
	in_pkt(&f, &k, LB_TCP_ACK, 12 * S_NS, 0);
	CU_ASSERT_EQUAL(c->expires, 22 * S_NS); /* re-armed under the new timeout */
	CU_ASSERT_TRUE(lb_conn_table_sane(f.tab));
	for (it = lb_conn_table_next(f.tab, NULL); it; it = lb_conn_table_next(f.tab, it))
		n++;
	CU_ASSERT_EQUAL(n, 1);
	/* 255 distinct timeouts at most over a table's life */
	for (int i = 0; i < 300; i++) {
		conf.timeout_ns[LB_CONN_S_LISTEN] = (1000 + i) * S_NS;
		if (lb_conn_table_set_conf(f.tab, &conf)) {
			CU_ASSERT_TRUE(i > 200);
			break;
		}
		CU_ASSERT_TRUE(i < 255);
	}
	CU_ASSERT_EQUAL(lb_conn_table_set_conf(f.tab, &conf), -E2BIG);
	f.svc.persistence_timeout_s = 12345;
	{
		struct lb_dest *p = NULL;

		CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 12 * S_NS, &p), -E2BIG);
	}
	fx_fini(&f);
}

/* ---- life cycles (spec 5.2) ---- */

static void test_dr_lifecycle(void)
{
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_flow_key k2 = key4(0x0B000001, 5001, LB_PROTO_TCP);
	struct lb_conn *c;
	struct lb_dest *d;

	fx_init(&f, &sched_wlc_ops, LB_KIND_DR, LB_PROTO_TCP, 1, NULL);
	d = f.d[0];
	c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_SYN_RECV);
	CU_ASSERT_EQUAL(c->expires, 60 * S_NS);
	expect_counts(d, 1, 0, 0);
	in_pkt(&f, &k, LB_TCP_ACK, S_NS, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_ESTABLISHED);
	CU_ASSERT_EQUAL(c->expires, 901 * S_NS);
	expect_counts(d, 1, 0, 0);
	in_pkt(&f, &k, LB_TCP_ACK | LB_TCP_PSH, 2 * S_NS, 0);
	in_pkt(&f, &k, LB_TCP_FIN | LB_TCP_ACK, 3 * S_NS, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_FIN_WAIT);
	CU_ASSERT_EQUAL(c->expires, 123 * S_NS);
	expect_counts(d, 0, 1, 0);
	in_pkt(&f, &k, LB_TCP_ACK, 4 * S_NS, 0); /* later ACKs keep it in FW */
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_FIN_WAIT);
	CU_ASSERT_EQUAL(c->expires, 124 * S_NS);
	expect_counts(d, 0, 1, 0);
	/* RST -> CLOSE, 10 s */
	c = in_pkt(&f, &k2, LB_TCP_SYN, 5 * S_NS, 0);
	expect_counts(d, 1, 1, 0);
	in_pkt(&f, &k2, LB_TCP_RST, 5 * S_NS, 0); /* RST in SYN_RECV (INPUT-ONLY): stays */
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_SYN_RECV);
	in_pkt(&f, &k2, LB_TCP_ACK, 5 * S_NS, 0);
	in_pkt(&f, &k2, LB_TCP_RST, 6 * S_NS, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_CLOSE);
	CU_ASSERT_EQUAL(c->expires, 16 * S_NS);
	expect_counts(d, 0, 2, 0);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 16 * S_NS), 1);
	expect_counts(d, 0, 1, 0);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 124 * S_NS - 1), 0);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 124 * S_NS), 1);
	expect_counts(d, 0, 0, 0);
	/* A non-SYN packet without an entry creates nothing. */
	in_pkt(&f, &k, LB_TCP_ACK, 200 * S_NS, -ENOTCONN);
	in_pkt(&f, &k, LB_TCP_SYN | LB_TCP_RST, 200 * S_NS, -ENOTCONN);
	CU_ASSERT_EQUAL(lb_conn_table_count(f.tab), 0);
	fx_fini(&f);
}

static void test_nat_lifecycle(void)
{
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_conn *c;
	struct lb_dest *d;

	fx_init(&f, &sched_wlc_ops, LB_KIND_NAT, LB_PROTO_TCP, 1, NULL);
	d = f.d[0];
	c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
	CU_ASSERT_FALSE(c->flags & LB_CONN_F_NOOUTPUT);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_SYN_RECV);
	expect_counts(d, 1, 0, 0);
	lb_conn_packet(f.tab, c, LB_CONN_DIR_OUT, LB_TCP_SYN | LB_TCP_ACK, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_SYN_RECV);
	in_pkt(&f, &k, LB_TCP_ACK, S_NS, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_ESTABLISHED);
	expect_counts(d, 1, 0, 0);
	lb_conn_packet(f.tab, c, LB_CONN_DIR_OUT, LB_TCP_ACK | LB_TCP_PSH, S_NS);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_ESTABLISHED);
	/* client closes first: ES -> CW (inactive, 60 s) */
	in_pkt(&f, &k, LB_TCP_FIN | LB_TCP_ACK, 2 * S_NS, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_CLOSE_WAIT);
	CU_ASSERT_EQUAL(c->expires, 62 * S_NS);
	expect_counts(d, 0, 1, 0);
	/* the server's FIN: CW -> TW (120 s) */
	lb_conn_packet(f.tab, c, LB_CONN_DIR_OUT, LB_TCP_FIN | LB_TCP_ACK, 3 * S_NS);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_TIME_WAIT);
	CU_ASSERT_EQUAL(c->expires, 123 * S_NS);
	in_pkt(&f, &k, LB_TCP_ACK, 4 * S_NS, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_TIME_WAIT);
	CU_ASSERT_EQUAL(c->expires, 124 * S_NS);
	expect_counts(d, 0, 1, 0);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 124 * S_NS), 1);
	expect_counts(d, 0, 0, 0);
	fx_fini(&f);
}

/* UDP entries are always inactive; wlc then ranks by total connections. */
static void test_udp(void)
{
	struct fx f;
	struct lb_conn *c;

	fx_init(&f, &sched_wlc_ops, LB_KIND_DR, LB_PROTO_UDP, 2, NULL);
	for (unsigned i = 0; i < 10; i++) {
		struct lb_flow_key k = key4(0x0B000001 + i, 5000, LB_PROTO_UDP);

		c = in_pkt(&f, &k, LB_TCP_SYN, i * S_NS, 0); /* flags mean nothing for UDP */
		CU_ASSERT_EQUAL(c->state, LB_CONN_S_UDP);
		CU_ASSERT_TRUE(c->flags & LB_CONN_F_INACTIVE);
		CU_ASSERT_EQUAL(c->expires, (int64_t)(i + 300) * S_NS);
		c = in_pkt(&f, &k, 0, i * S_NS, 0);
		CU_ASSERT_EQUAL(c->state, LB_CONN_S_UDP);
	}
	expect_counts(f.d[0], 0, 5, 0);
	expect_counts(f.d[1], 0, 5, 0);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 304 * S_NS), 5);
	CU_ASSERT_EQUAL(f.d[0]->inactconns + f.d[1]->inactconns, 5);
	fx_fini(&f);
}

/* ---- port reuse ---- */

static struct lb_conn *dr_close(struct fx *f, const struct lb_flow_key *k, int64_t now)
{
	struct lb_conn *c = in_pkt(f, k, LB_TCP_SYN, now, 0);

	in_pkt(f, k, LB_TCP_ACK, now, 0);
	in_pkt(f, k, LB_TCP_FIN | LB_TCP_ACK, now, 0);
	return c;
}

static void test_port_reuse(void)
{
	struct lb_conn_conf conf;
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_conn *c, *c2;
	struct lb_dest *old;

	/* mode 1, DR FIN_WAIT: not reused, the SYN continues on the old entry */
	lb_conn_conf_default(&conf);
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, &conf);
	c = dr_close(&f, &k, 0);
	old = c->dest;
	c2 = in_pkt(&f, &k, LB_TCP_SYN, S_NS, 0);
	CU_ASSERT_PTR_EQUAL(c2, c);
	CU_ASSERT_PTR_EQUAL(c2->dest, old);
	CU_ASSERT_EQUAL(c2->state, LB_CONN_S_SYN_RECV);
	/* RST in ESTABLISHED -> CLOSE: reused, rescheduled (rr moves on to the other dest) */
	in_pkt(&f, &k, LB_TCP_ACK, S_NS, 0);
	in_pkt(&f, &k, LB_TCP_RST, S_NS, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_CLOSE);
	c2 = in_pkt(&f, &k, LB_TCP_SYN, 2 * S_NS, 0);
	CU_ASSERT_PTR_NOT_EQUAL(c2->dest, old);
	CU_ASSERT_EQUAL(c2->state, LB_CONN_S_SYN_RECV);
	CU_ASSERT_EQUAL(lb_conn_table_count(f.tab), 1);
	expect_counts(old, 0, 0, 0);
	expect_counts(c2->dest, 1, 0, 0);
	/* ESTABLISHED + SYN: never reused */
	in_pkt(&f, &k, LB_TCP_ACK, 2 * S_NS, 0);
	c = in_pkt(&f, &k, LB_TCP_SYN, 3 * S_NS, 0);
	CU_ASSERT_PTR_EQUAL(c, c2);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_ESTABLISHED);
	fx_fini(&f);

	/* mode 3 (bit 2): FIN_WAIT on a NOOUTPUT entry is reused too */
	conf.conn_reuse_mode = LB_CONN_REUSE_ON | LB_CONN_REUSE_FIN_WAIT;
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, &conf);
	c = dr_close(&f, &k, 0);
	old = c->dest;
	c2 = in_pkt(&f, &k, LB_TCP_SYN, S_NS, 0);
	CU_ASSERT_PTR_NOT_EQUAL(c2->dest, old);
	expect_counts(old, 0, 0, 0);
	/* ... but not once a reply cleared NOOUTPUT */
	in_pkt(&f, &k, LB_TCP_ACK, S_NS, 0);
	lb_conn_packet(f.tab, c2, LB_CONN_DIR_OUT, LB_TCP_ACK, S_NS);
	force_state(c2, LB_CONN_S_FIN_WAIT);
	c = in_pkt(&f, &k, LB_TCP_SYN, 2 * S_NS, 0);
	CU_ASSERT_PTR_EQUAL(c, c2);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_SYN_RECV);
	fx_fini(&f);

	/* NAT TIME_WAIT: reused under mode 1, not under mode 0 */
	for (unsigned mode = 0; mode < 2; mode++) {
		conf.conn_reuse_mode = mode;
		fx_init(&f, &sched_rr_ops, LB_KIND_NAT, LB_PROTO_TCP, 2, &conf);
		c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
		old = c->dest;
		in_pkt(&f, &k, LB_TCP_ACK, 0, 0);
		in_pkt(&f, &k, LB_TCP_FIN | LB_TCP_ACK, 0, 0);
		lb_conn_packet(f.tab, c, LB_CONN_DIR_OUT, LB_TCP_FIN | LB_TCP_ACK, 0);
		CU_ASSERT_EQUAL(c->state, LB_CONN_S_TIME_WAIT);
		c2 = in_pkt(&f, &k, LB_TCP_SYN, S_NS, 0);
		CU_ASSERT_EQUAL(c2->state, LB_CONN_S_SYN_RECV);
		if (mode) {
			CU_ASSERT_PTR_NOT_EQUAL(c2->dest, old);
			expect_counts(old, 0, 0, 0);
		} else {
			CU_ASSERT_PTR_EQUAL(c2, c);
			CU_ASSERT_PTR_EQUAL(c2->dest, old);
		}
		CU_ASSERT_EQUAL(lb_conn_table_count(f.tab), 1);
		fx_fini(&f);
	}

	/* an entry controlled by a template is never reused */
	lb_conn_conf_default(&conf);
	fx_init(&f, &sched_rr_ops, LB_KIND_NAT, LB_PROTO_TCP, 2, &conf);
	f.svc.persistence_timeout_s = 300;
	c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
	in_pkt(&f, &k, LB_TCP_ACK, 0, 0);
	in_pkt(&f, &k, LB_TCP_RST, 0, 0);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_CLOSE);
	c2 = in_pkt(&f, &k, LB_TCP_SYN, S_NS, 0);
	CU_ASSERT_PTR_EQUAL(c2, c);
	CU_ASSERT_EQUAL(c->state, LB_CONN_S_SYN_RECV);
	fx_fini(&f);
}

/* ---- expire_nodest_conn, deletion, quiesce ---- */

static void test_expire_nodest_conn(void)
{
	struct lb_conn_conf conf;
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_conn *c, *c2;
	struct lb_dest *old;

	for (int on = 0; on < 2; on++) {
		/* dest quiesced, SYN on its established entry */
		lb_conn_conf_default(&conf);
		conf.expire_nodest_conn = on;
		fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, &conf);
		c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
		in_pkt(&f, &k, LB_TCP_ACK, 0, 0);
		old = c->dest;
		CU_ASSERT_EQUAL(lb_service_edit_dest(&f.svc, old, 0, 0, 0), 0);
		in_pkt(&f, &k, LB_TCP_ACK, S_NS, 0); /* existing connections keep flowing */
		CU_ASSERT_PTR_EQUAL(c->dest, old);
		c2 = in_pkt(&f, &k, LB_TCP_SYN, 2 * S_NS, 0);
		if (on) {
			CU_ASSERT_PTR_NOT_EQUAL(c2->dest, old);
			expect_counts(old, 0, 0, 0);
		} else {
			CU_ASSERT_PTR_EQUAL(c2, c);
			CU_ASSERT_PTR_EQUAL(c2->dest, old);
			CU_ASSERT_EQUAL(c2->state, LB_CONN_S_ESTABLISHED);
		}
		fx_fini(&f);
	}

	/* dest deleted: drop and no refresh, or expire and treat as new */
	for (int on = 0; on < 2; on++) {
		lb_conn_conf_default(&conf);
		conf.expire_nodest_conn = on;
		fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, &conf);
		c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
		in_pkt(&f, &k, LB_TCP_ACK, 0, 0);
		old = c->dest;
		CU_ASSERT_EQUAL(lb_service_del_dest(&f.svc, old), 0);
		/* no lb_conn_table_dest_removed: the lazy path (the sweep is tested apart) */
		if (!on) {
			c2 = in_pkt(&f, &k, LB_TCP_ACK, 10 * S_NS, -EHOSTDOWN);
			CU_ASSERT_PTR_EQUAL(c2, c);
			CU_ASSERT_EQUAL(c->expires, 900 * S_NS); /* not refreshed */
			in_pkt(&f, &k, LB_TCP_SYN, 10 * S_NS, -EHOSTDOWN);
			expect_counts(old, 1, 0, 0);
		} else {
			in_pkt(&f, &k, LB_TCP_ACK, 10 * S_NS, -ENOTCONN);
			expect_counts(old, 0, 0, 0);
			CU_ASSERT_EQUAL(lb_conn_table_count(f.tab), 0);
			c = in_pkt(&f, &k, LB_TCP_SYN, 10 * S_NS, 0);
			CU_ASSERT_PTR_NOT_EQUAL(c->dest, old);
		}
		fx_fini(&f);
	}
}

/* A deleted dest keeps its connections (and counters) in the trash; a re-add revives them. */
static void test_dest_deletion(void)
{
	struct lb_conn_conf conf;
	struct fx f;
	struct lb_conn *c[4];
	struct lb_dest *d, *back;
	struct lb_addr a = ip4(0x0A000001);

	lb_conn_conf_default(&conf);
	fx_init(&f, &sched_wlc_ops, LB_KIND_DR, LB_PROTO_TCP, 1, &conf);
	d = f.d[0];
	for (unsigned i = 0; i < 4; i++) {
		struct lb_flow_key k = key4(0x0B000001, (uint16_t)(5000 + i), LB_PROTO_TCP);

		c[i] = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
		if (i < 2)
			in_pkt(&f, &k, LB_TCP_ACK, 0, 0); /* 900 s */
	}
	expect_counts(d, 4, 0, 0);
	CU_ASSERT_EQUAL(lb_service_del_dest(&f.svc, d), 0);
	CU_ASSERT_EQUAL(f.svc.ntrash, 1);
	CU_ASSERT_PTR_EQUAL(f.svc.trash[0], d);
	/* no dest for new connections */
	{
		struct lb_flow_key k = key4(0x0B000002, 5000, LB_PROTO_TCP);

		in_pkt(&f, &k, LB_TCP_SYN, S_NS, -ENOENT);
	}
	/* the two SYN_RECV entries expire at 60 s while d sits in the trash */
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 60 * S_NS), 2);
	expect_counts(d, 2, 0, 0);
	CU_ASSERT_TRUE(lb_service_sane(&f.svc));
	/* re-add: same object, the old connections resume */
	CU_ASSERT_EQUAL(lb_service_add_dest(&f.svc, &a, 80, 1, 0, 0, &back), 0);
	CU_ASSERT_PTR_EQUAL(back, d);
	{
		struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
		struct lb_conn *x = in_pkt(&f, &k, LB_TCP_ACK, 100 * S_NS, 0);

		CU_ASSERT_PTR_EQUAL(x, c[0]);
		CU_ASSERT_EQUAL(x->expires, 1000 * S_NS);
	}
	expect_counts(d, 2, 0, 0);
	fx_fini(&f);
}

/* ---- persistence ---- */

static struct lb_dest *persist_open(struct fx *f, uint32_t client, uint16_t port, int64_t now)
{
	struct lb_flow_key k = key4(client, port, LB_PROTO_TCP);
	struct lb_conn *c = in_pkt(f, &k, LB_TCP_SYN, now, 0);

	if (!c)
		return NULL;
	in_pkt(f, &k, LB_TCP_ACK, now, 0);
	return c->dest;
}

static void test_persist_sticky(void)
{
	struct fx f;
	struct lb_dest *a, *b;
	struct lb_flow_key k;
	struct lb_conn *t;

	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 3, NULL);
	f.svc.persistence_timeout_s = 300;
	a = persist_open(&f, 0x0B000001, 5000, 0);
	for (unsigned i = 1; i < 6; i++)
		CU_ASSERT_PTR_EQUAL(persist_open(&f, 0x0B000001, (uint16_t)(5000 + i), i * S_NS),
				    a);
	b = persist_open(&f, 0x0B000002, 5000, 10 * S_NS); /* another client: rr moves on */
	CU_ASSERT_PTR_NOT_EQUAL(b, a);
	expect_counts(a, 6, 0, 1);
	expect_counts(b, 1, 0, 1);
	CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 2);
	k = key4(0x0B000001, 1, LB_PROTO_TCP);
	t = lb_conn_template_lookup(f.tab, &f.svc, &k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_TRUE(t->flags & LB_CONN_F_TEMPLATE);
	CU_ASSERT_EQUAL(t->nctl, 6);
	CU_ASSERT_EQUAL(t->cport, 0);
	CU_ASSERT_EQUAL(t->vport, 80);
	CU_ASSERT_EQUAL(t->expires, 305 * S_NS); /* re-armed by the last new connection */
	{
		struct lb_dest *p = NULL;

		/* a bare decision uses (and re-arms) the template too */
		CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 20 * S_NS, &p), 0);
		CU_ASSERT_PTR_EQUAL(p, a);
		CU_ASSERT_EQUAL(t->expires, 320 * S_NS);
	}
	fx_fini(&f);
}

static void test_persist_granularity(void)
{
	struct fx f;
	struct lb_dest *a;

	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 3, NULL);
	f.svc.persistence_timeout_s = 300;
	f.svc.persistence_mask = ip4(0xFFFFFF00u);
	a = persist_open(&f, 0x0B010105, 5000, 0);
	CU_ASSERT_PTR_EQUAL(persist_open(&f, 0x0B01014D, 5000, 0), a);
	CU_ASSERT_PTR_EQUAL(persist_open(&f, 0x0B0101FE, 6000, 0), a);
	CU_ASSERT_PTR_NOT_EQUAL(persist_open(&f, 0x0B010205, 5000, 0), a);
	CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 2);
	expect_counts(a, 3, 0, 1);
	fx_fini(&f);

	/* IPv6 with a /64 prefix */
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 0, NULL);
	{
		struct lb_addr v, m;
		struct lb_dest *d0, *d1, *p = NULL;
		struct lb_flow_key k;
		struct lb_conn *c;

		lb_addr_parse("2001:db8::100", &f.svc.addr);
		lb_addr_parse("ffff:ffff:ffff:ffff::", &m);
		f.svc.persistence_mask = m;
		f.svc.persistence_timeout_s = 60;
		lb_addr_parse("2001:db8::1", &v);
		lb_service_add_dest(&f.svc, &v, 80, 1, 0, 0, &d0);
		lb_addr_parse("2001:db8::2", &v);
		lb_service_add_dest(&f.svc, &v, 80, 1, 0, 0, &d1);
		memset(&k, 0, sizeof(k));
		k.proto = LB_PROTO_TCP;
		k.daddr = f.svc.addr;
		k.dport = 80;
		k.sport = 1234;
		lb_addr_parse("2001:db8:1:2::7", &k.saddr);
		c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
		CU_ASSERT_PTR_EQUAL(lb_conn_lookup(f.tab, &k), c);
		lb_addr_parse("2001:db8:1:2:ffff::9", &k.saddr);
		CU_ASSERT_PTR_NULL(lb_conn_lookup(f.tab, &k));
		CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 0, &p), 0);
		CU_ASSERT_PTR_EQUAL(p, c->dest);
		lb_addr_parse("2001:db8:1:3::7", &k.saddr);
		CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 0, &p), 0);
		CU_ASSERT_PTR_NOT_EQUAL(p, c->dest);
		CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 2);
		lb_conn_table_flush(f.tab, NULL);
		expect_counts(d0, 0, 0, 0);
		expect_counts(d1, 0, 0, 0);
	}
	fx_fini(&f);
}

/*
 * Renewal (spec 6.3 steps 4-5): a template due while it controls connections
 * is re-armed for 60 s from its due time and keeps the 60 s timeout; it goes
 * only after its last connection.
 */
static void test_persist_renewal(void)
{
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_flow_key k2 = key4(0x0B000001, 5001, LB_PROTO_TCP);
	struct lb_conn *c, *t;
	struct lb_dest *d;

	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, NULL);
	f.svc.persistence_timeout_s = 300;
	c = in_pkt(&f, &k, LB_TCP_SYN, 0, 0);
	in_pkt(&f, &k, LB_TCP_ACK, 0, 0); /* ESTABLISHED until 900 s */
	d = c->dest;
	t = lb_conn_template_of(f.tab, c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->expires, 300 * S_NS);
	CU_ASSERT_EQUAL(lb_conn_timeout(f.tab, t), 300 * S_NS);
	/* the owner is late: the renewal still counts from 300 s */
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 310 * S_NS), 0);
	CU_ASSERT_EQUAL(t->expires, 360 * S_NS);
	CU_ASSERT_EQUAL(lb_conn_timeout(f.tab, t), 60 * S_NS);
	CU_ASSERT_EQUAL(lb_conn_table_next_expiry(f.tab), 360 * S_NS);
	/* a new connection re-arms by the 60 s timeout now */
	in_pkt(&f, &k2, LB_TCP_SYN, 330 * S_NS, 0);
	CU_ASSERT_EQUAL(t->expires, 390 * S_NS);
	CU_ASSERT_EQUAL(t->nctl, 2);
	/* k2 dies (SYN_RECV, 60 s) at 390: same instant as the template, which stays */
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 390 * S_NS), 1);
	CU_ASSERT_EQUAL(t->expires, 450 * S_NS);
	expect_counts(d, 1, 0, 1);
	/* kept in 60 s steps while c lives (870 -> 930); c goes at 900, t at 930 */
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 899 * S_NS), 0);
	CU_ASSERT_EQUAL(t->expires, 930 * S_NS);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 900 * S_NS), 1);
	expect_counts(d, 0, 0, 1);
	CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 1);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 930 * S_NS), 1);
	expect_counts(d, 0, 0, 0);
	CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 0);
	fx_fini(&f);

	/* connections gone before the timeout: the template lives its full timeout */
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, NULL);
	f.svc.persistence_timeout_s = 300;
	c = dr_close(&f, &k, 0); /* FIN_WAIT until 120 s */
	d = c->dest;
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 120 * S_NS), 1);
	expect_counts(d, 0, 0, 1);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 300 * S_NS - 1), 0);
	CU_ASSERT_PTR_EQUAL(persist_open(&f, 0x0B000001, 6000, 299 * S_NS), d); /* still sticky */
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 599 * S_NS), 0);
	expect_counts(d, 1, 0, 1);
	fx_fini(&f);

	/* expired template: the client is scheduled afresh */
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, NULL);
	f.svc.persistence_timeout_s = 30;
	{
		struct lb_dest *p = NULL, *p2 = NULL;

		CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 0, &p), 0);
		CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 30 * S_NS), 1);
		CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 30 * S_NS, &p2), 0);
		CU_ASSERT_PTR_NOT_EQUAL(p, p2);
	}
	fx_fini(&f);
}

static void test_persist_overload_quiesce(void)
{
	struct lb_conn_conf conf;
	struct fx f;
	struct lb_dest *a, *b;
	struct lb_flow_key k = key4(0x0B000001, 1, LB_PROTO_TCP);

	/* a template to an OVERLOAD dest is still used; new clients avoid the dest */
	fx_init(&f, &sched_wlc_ops, LB_KIND_DR, LB_PROTO_TCP, 2, NULL);
	f.svc.persistence_timeout_s = 300;
	a = persist_open(&f, 0x0B000001, 5000, 0);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&f.svc, a, 1, 1, 0), 0);
	CU_ASSERT_TRUE(lb_dest_is_overloaded(a));
	CU_ASSERT_PTR_EQUAL(persist_open(&f, 0x0B000001, 5001, S_NS), a);
	b = persist_open(&f, 0x0B000002, 5000, S_NS);
	CU_ASSERT_PTR_NOT_EQUAL(b, a);
	expect_counts(a, 2, 0, 1);
	fx_fini(&f);

	/* a quiesced dest's template is honoured unless expire_quiescent_template */
	for (int eqt = 0; eqt < 2; eqt++) {
		lb_conn_conf_default(&conf);
		conf.expire_quiescent_template = eqt;
		fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, &conf);
		f.svc.persistence_timeout_s = 300;
		a = persist_open(&f, 0x0B000001, 5000, 0);
		CU_ASSERT_EQUAL(lb_service_edit_dest(&f.svc, a, 0, 0, 0), 0);
		b = persist_open(&f, 0x0B000001, 5001, S_NS);
		if (!eqt) {
			CU_ASSERT_PTR_EQUAL(b, a);
			expect_counts(a, 2, 0, 1);
			CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 1);
		} else {
			CU_ASSERT_PTR_NOT_EQUAL(b, a);
			/* the old template is unhashed but still counted until it expires */
			expect_counts(a, 1, 0, 1);
			expect_counts(b, 1, 0, 1);
			CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 2);
			CU_ASSERT_PTR_EQUAL(lb_conn_template_lookup(f.tab, &f.svc, &k)->dest, b);
			/*
			 * Both follow the renewal rule: the old one is due at 300 + 60k,
			 * so at 900 together with its connection, which goes first.
			 */
			CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 899 * S_NS), 0);
			CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 900 * S_NS), 2);
			expect_counts(a, 0, 0, 0);
			expect_counts(b, 1, 0, 1);
			CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 901 * S_NS), 2);
			expect_counts(b, 0, 0, 0);
		}
		fx_fini(&f);
	}

	/* a deleted dest's template is never used */
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, NULL);
	f.svc.persistence_timeout_s = 300;
	a = persist_open(&f, 0x0B000001, 5000, 0);
	CU_ASSERT_EQUAL(lb_service_del_dest(&f.svc, a), 0);
	b = persist_open(&f, 0x0B000001, 5001, S_NS);
	CU_ASSERT_PTR_NOT_EQUAL(b, a);
	CU_ASSERT_EQUAL(lb_service_edit_dest(&f.svc, b, 0, 0, 0), 0);
	CU_ASSERT_PTR_EQUAL(persist_open(&f, 0x0B000001, 5002, 2 * S_NS), b); /* quiesced: kept */
	k = key4(0x0B000009, 1, LB_PROTO_TCP);
	in_pkt(&f, &k, LB_TCP_SYN, 2 * S_NS, -ENOENT); /* a new client: no dest, refused */
	fx_fini(&f);
}

/* Template keys of spec 6.2: fwmark, port 0, FTP. */
static void test_persist_keys(void)
{
	struct fx f;
	struct lb_flow_key k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	struct lb_dest *p = NULL, *q = NULL;
	struct lb_conn *t;

	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 3, NULL);
	f.svc.persistence_timeout_s = 100;
	f.svc.port = 0; /* any port: one template for every vport */
	CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 0, &p), 0);
	k.dport = 443;
	CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 0, &q), 0);
	CU_ASSERT_PTR_EQUAL(p, q);
	t = lb_conn_template_lookup(f.tab, &f.svc, &k);
	CU_ASSERT_EQUAL(t->vport, 0);
	/* fwmark: proto 0, the mark in place of the vaddr, UDP shares with TCP */
	lb_conn_table_flush(f.tab, NULL);
	f.svc.port = 80;
	f.svc.fwmark = 7;
	CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 0, &p), 0);
	k.proto = LB_PROTO_UDP;
	k.daddr = ip4(0x0A000065);
	CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 0, &q), 0);
	CU_ASSERT_PTR_EQUAL(p, q);
	t = lb_conn_template_lookup(f.tab, &f.svc, &k);
	CU_ASSERT_EQUAL(t->proto, 0);
	CU_ASSERT_EQUAL(t->vaddr.u.v4, 7);
	CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 1);
	/* FTP: vport 0 */
	lb_conn_table_flush(f.tab, NULL);
	f.svc.fwmark = 0;
	f.svc.port = 21;
	k = key4(0x0B000001, 5000, LB_PROTO_TCP);
	k.dport = 21;
	CU_ASSERT_EQUAL(lb_conn_persist_pick(f.tab, &f.svc, &k, 0, &p), 0);
	CU_ASSERT_EQUAL(lb_conn_template_lookup(f.tab, &f.svc, &k)->vport, 0);
	fx_fini(&f);
}

/* The expire_nodest_conn sweep on deletion: connections, then idle templates. */
static void test_dest_removed_sweep(void)
{
	struct lb_conn_conf conf;
	struct fx f;
	struct lb_dest *a;

	lb_conn_conf_default(&conf);
	conf.expire_nodest_conn = true;
	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 2, &conf);
	f.svc.persistence_timeout_s = 300;
	a = persist_open(&f, 0x0B000001, 5000, 0);
	persist_open(&f, 0x0B000001, 5001, 0);
	persist_open(&f, 0x0B000002, 5000, 0); /* to the other dest */
	expect_counts(a, 2, 0, 1);
	CU_ASSERT_EQUAL(lb_service_del_dest(&f.svc, a), 0);
	CU_ASSERT_EQUAL(lb_conn_table_dest_removed(f.tab, a), 3);
	expect_counts(a, 0, 0, 0);
	CU_ASSERT_EQUAL(lb_conn_table_count(f.tab), 1);
	CU_ASSERT_EQUAL(lb_conn_table_templates(f.tab), 1);
	fx_fini(&f);
}

/* ---- differential test against a naive reference ---- */

#define DN 5	    /* dests */
#define DCLIENTS 16 /* 10.1.0.1 .. 10.1.0.16 */
#define DPORTS 3

struct ref_ent {
	bool used, tmpl, hashed;
	uint8_t proto;
	uint32_t caddr;
	uint16_t cport;
	int dest; /* address index */
	int state;
	bool active, noout;
	int64_t expires, timeout;
	int ctl; /* template index, -1 = none */
	int nctl;
};

struct diff {
	struct spec_tcp spec;
	struct lb_conn_conf conf;
	struct lb_service sa, sb; /* sa: the table under test, sb: the reference */
	struct lb_dest *da[DN], *db[DN];
	struct lb_conn_table *tab;
	struct ref_ent *e;
	int ne, cap;
	int64_t now;
	gsl_rng *rng;
	unsigned step;
	const char *op;
	bool lazy; /* the table's expire was skipped: due entries not yet run */
};

static int d_index(struct lb_dest *const *v, const struct lb_dest *d)
{
	for (int i = 0; i < DN; i++)
		if (v[i] == d)
			return i;
	return -1;
}

static int ref_alloc(struct diff *x)
{
	for (int i = 0; i < x->ne; i++)
		if (!x->e[i].used)
			return i;
	if (x->ne == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->e = realloc(x->e, (size_t)x->cap * sizeof(*x->e));
	}
	return x->ne++;
}

static void ref_release(struct diff *x, int i)
{
	struct ref_ent *r = &x->e[i];

	if (r->tmpl) {
		x->db[r->dest]->persistconns--;
	} else {
		lb_dest_conn_unbind(x->db[r->dest], r->active);
		if (r->ctl >= 0)
			x->e[r->ctl].nctl--;
	}
	r->used = false;
}

static void ref_expire(struct diff *x, int64_t now)
{
	for (;;) {
		int best = -1;

		for (int i = 0; i < x->ne; i++) {
			struct ref_ent *r = &x->e[i];

			if (!r->used || r->expires > now)
				continue;
			if (best < 0 || r->expires < x->e[best].expires ||
			    (r->expires == x->e[best].expires && x->e[best].tmpl && !r->tmpl))
				best = i;
		}
		if (best < 0)
			return;
		if (x->e[best].tmpl && x->e[best].nctl > 0) {
			x->e[best].timeout = x->conf.template_renew_ns;
			x->e[best].expires += x->conf.template_renew_ns;
		} else {
			ref_release(x, best);
		}
	}
}

static int ref_find(struct diff *x, uint8_t proto, uint32_t caddr, uint16_t cport)
{
	for (int i = 0; i < x->ne; i++) {
		struct ref_ent *r = &x->e[i];

		if (r->used && !r->tmpl && r->proto == proto && r->caddr == caddr &&
		    r->cport == cport)
			return i;
	}
	return -1;
}

static uint32_t ref_mask(const struct diff *x)
{
	return x->sb.persistence_mask.af ? x->sb.persistence_mask.u.v4 : 0xFFFFFFFFu;
}

static int ref_schedule(struct diff *x, const struct lb_flow_key *k)
{
	struct lb_dest *d;
	int t = -1, i;

	if (x->sb.persistence_timeout_s) {
		uint32_t m = k->saddr.u.v4 & ref_mask(x);

		for (i = 0; i < x->ne; i++) {
			struct ref_ent *r = &x->e[i];

			if (r->used && r->tmpl && r->hashed && r->proto == k->proto &&
			    r->caddr == m)
				t = i;
		}
		if (t >= 0) {
			struct lb_dest *td = x->db[x->e[t].dest];

			if (!(td->flags & LB_DEST_F_AVAILABLE) ||
			    (x->conf.expire_quiescent_template && td->weight == 0)) {
				x->e[t].hashed = false;
				t = -1;
			}
		}
		if (t < 0) {
			d = lb_service_pick(&x->sb, k);
			if (!d)
				return -ENOENT;
			t = ref_alloc(x);
			x->e[t] = (struct ref_ent){ .used = true,
						    .tmpl = true,
						    .hashed = true,
						    .proto = k->proto,
						    .caddr = m,
						    .dest = d_index(x->db, d),
						    .ctl = -1,
						    .timeout = x->sb.persistence_timeout_s * S_NS };
			x->e[t].expires = x->now + x->e[t].timeout;
			d->persistconns++;
		}
		d = x->db[x->e[t].dest];
	} else {
		d = lb_service_pick(&x->sb, k);
		if (!d)
			return -ENOENT;
	}
	i = ref_alloc(x);
	x->e[i] = (struct ref_ent){ .used = true,
				    .proto = k->proto,
				    .caddr = k->saddr.u.v4,
				    .cport = k->sport,
				    .dest = d_index(x->db, d),
				    .ctl = t,
				    .noout = x->sb.kind != LB_KIND_NAT,
				    .timeout = x->conf.new_timeout_ns };
	x->e[i].expires = x->now + x->e[i].timeout;
	lb_dest_conn_bind(d, false);
	if (t >= 0) {
		x->e[t].nctl++;
		x->e[t].expires = x->now + x->e[t].timeout;
	}
	return i;
}

static void ref_packet(struct diff *x, int i, bool out, unsigned fl)
{
	struct ref_ent *r = &x->e[i];
	int next;
	bool act;

	if (r->proto == LB_PROTO_TCP) {
		int cls = fl & LB_TCP_RST   ? 3
			  : fl & LB_TCP_SYN ? 0
			  : fl & LB_TCP_FIN ? 1
			  : fl & LB_TCP_ACK ? 2
					    : -1;
		int t = out ? T_OUTPUT : r->noout ? T_INPUT_ONLY : T_INPUT;

		if (out)
			r->noout = false;
		next = cls < 0 ? LB_CONN_S_CLOSE : x->spec.next[t][cls][r->state];
	} else {
		next = LB_CONN_S_UDP;
	}
	act = spec_active(next);
	if (act != r->active)
		lb_dest_conn_set_active(x->db[r->dest], act);
	r->active = act;
	r->state = next;
	r->timeout = x->conf.timeout_ns[next];
	r->expires = x->now + r->timeout;
}

/* The reference's lb_conn_in: returns -errno or 0 and the entry index in *idx. */
static int ref_in(struct diff *x, const struct lb_flow_key *k, unsigned fl, int *idx)
{
	bool tcp = k->proto == LB_PROTO_TCP;
	bool syn = tcp && (fl & LB_TCP_SYN) && !(fl & LB_TCP_RST);
	int i;

	*idx = -1;
	ref_expire(x, x->now);
	i = ref_find(x, k->proto, k->saddr.u.v4, k->sport);
	if (i >= 0 && syn) {
		struct ref_ent *r = &x->e[i];
		unsigned mode = x->conf.conn_reuse_mode;
		bool reuse = (mode & 1) && r->ctl < 0 && tcp &&
			     (r->state == LB_CONN_S_TIME_WAIT || r->state == LB_CONN_S_CLOSE ||
			      ((mode & 2) && r->state == LB_CONN_S_FIN_WAIT && r->noout));

		if ((x->conf.expire_nodest_conn && x->db[r->dest]->weight == 0) || reuse) {
			ref_release(x, i);
			i = -1;
		}
	}
	if (i >= 0 && !(x->db[x->e[i].dest]->flags & LB_DEST_F_AVAILABLE)) {
		if (!x->conf.expire_nodest_conn)
			return -EHOSTDOWN;
		ref_release(x, i);
		i = -1;
	}
	if (i < 0) {
		if (tcp && !syn && !(x->conf.sloppy_tcp && !(fl & LB_TCP_RST)))
			return -ENOTCONN;
		i = ref_schedule(x, k);
		if (i < 0)
			return i;
	}
	ref_packet(x, i, false, fl);
	*idx = i;
	return 0;
}

static void diff_fail(struct diff *x, const char *what)
{
	fprintf(stderr, "\nconn diff: step %u (%s) at %" PRId64 " ns: %s\n", x->step, x->op, x->now,
		what);
	for (int i = 0; i < DN; i++)
		fprintf(stderr, "  dest %d: real a%d i%d p%d ov%d w%d | ref a%d i%d p%d ov%d w%d\n",
			i, x->da[i]->activeconns, x->da[i]->inactconns, x->da[i]->persistconns,
			lb_dest_is_overloaded(x->da[i]), x->da[i]->weight, x->db[i]->activeconns,
			x->db[i]->inactconns, x->db[i]->persistconns,
			lb_dest_is_overloaded(x->db[i]), x->db[i]->weight);
}

static bool diff_compare(struct diff *x, bool full)
{
	size_t nc = 0, nt = 0;
	int64_t next = INT64_MAX;

	for (int i = 0; i < DN; i++) {
		if (x->da[i]->activeconns != x->db[i]->activeconns ||
		    x->da[i]->inactconns != x->db[i]->inactconns ||
		    x->da[i]->persistconns != x->db[i]->persistconns ||
		    lb_dest_is_overloaded(x->da[i]) != lb_dest_is_overloaded(x->db[i])) {
			diff_fail(x, "dest counters differ");
			return false;
		}
	}
	for (int i = 0; i < x->ne; i++) {
		struct ref_ent *r = &x->e[i];

		if (!r->used)
			continue;
		if (r->tmpl)
			nt++;
		else
			nc++;
		if (r->expires < next)
			next = r->expires;
		if (!full)
			continue;
		if (r->tmpl) {
			struct lb_flow_key k = key4(r->caddr, 1, r->proto);
			struct lb_conn *t = lb_conn_template_lookup(x->tab, &x->sa, &k);

			if (r->hashed &&
			    (!t || d_index(x->da, t->dest) != r->dest || t->expires != r->expires ||
			     (int)t->nctl != r->nctl || lb_conn_timeout(x->tab, t) != r->timeout)) {
				diff_fail(x, "template differs");
				return false;
			}
		} else {
			struct lb_flow_key k = key4(r->caddr, r->cport, r->proto);
			struct lb_conn *c = lb_conn_lookup(x->tab, &k);

			if (!c || d_index(x->da, c->dest) != r->dest || c->state != r->state ||
			    c->expires != r->expires ||
			    !!(c->flags & LB_CONN_F_NOOUTPUT) != r->noout ||
			    !(c->flags & LB_CONN_F_INACTIVE) != r->active ||
			    !lb_conn_template_of(x->tab, c) != (r->ctl < 0)) {
				fprintf(stderr,
					"\nentry %08x:%u proto %u: real %s, ref %s exp %" PRId64
					"\n",
					r->caddr, r->cport, r->proto,
					c ? lb_conn_state_name(c->state) : "missing",
					lb_conn_state_name(r->state), r->expires);
				diff_fail(x, "connection differs");
				return false;
			}
		}
	}
	if (nc != lb_conn_table_count(x->tab) || nt != lb_conn_table_templates(x->tab)) {
		fprintf(stderr, "\ncounts: real %zu/%zu ref %zu/%zu\n", lb_conn_table_count(x->tab),
			lb_conn_table_templates(x->tab), nc, nt);
		diff_fail(x, "entry counts differ");
		return false;
	}
	if (full && next != lb_conn_table_next_expiry(x->tab)) {
		diff_fail(x, "next expiry differs");
		return false;
	}
	return true;
}

static const unsigned diff_flags[] = {
	LB_TCP_SYN,
	LB_TCP_SYN,
	LB_TCP_SYN | LB_TCP_ACK,
	LB_TCP_ACK,
	LB_TCP_ACK,
	LB_TCP_ACK | LB_TCP_PSH,
	LB_TCP_FIN | LB_TCP_ACK,
	LB_TCP_FIN,
	LB_TCP_RST,
	LB_TCP_RST | LB_TCP_ACK,
	LB_TCP_PSH,
	0,
};

static struct lb_flow_key diff_key(struct diff *x)
{
	uint32_t c = 0x0A010001u + (uint32_t)gsl_rng_uniform_int(x->rng, DCLIENTS);
	uint16_t p = (uint16_t)(1000 + gsl_rng_uniform_int(x->rng, DPORTS));

	return key4(c, p, gsl_rng_uniform(x->rng) < 0.85 ? LB_PROTO_TCP : LB_PROTO_UDP);
}

/* One random operation on both sides; false on the first difference. */
static bool diff_step(struct diff *x)
{
	double u = gsl_rng_uniform(x->rng);

	if (u >= 0.55 && x->lazy)
		lb_conn_table_expire(x->tab, x->now); /* catch up before comparing */
	x->lazy = false;
	if (u < 0.55) {
		struct lb_flow_key k = diff_key(x);
		unsigned fl = diff_flags[gsl_rng_uniform_int(
			x->rng, sizeof(diff_flags) / sizeof(diff_flags[0]))];
		struct lb_conn *c = NULL;
		int ri, rc = lb_conn_in(x->tab, &x->sa, &k, fl, x->now, &c);
		int want = ref_in(x, &k, fl, &ri);

		x->op = "client packet";
		if (rc != want) {
			fprintf(stderr, "\nlb_conn_in %d, reference %d\n", rc, want);
			diff_fail(x, "return codes differ");
			return false;
		}
		if (!rc &&
		    (d_index(x->da, c->dest) != x->e[ri].dest || c->state != x->e[ri].state)) {
			diff_fail(x, "decision differs");
			return false;
		}
	} else if (u < 0.68) {
		int live[256], n = 0;

		x->op = "reply packet";
		lb_conn_table_expire(x->tab, x->now);
		ref_expire(x, x->now);
		for (int i = 0; i < x->ne && n < 256; i++)
			if (x->e[i].used && !x->e[i].tmpl)
				live[n++] = i;
		if (n) {
			int i = live[gsl_rng_uniform_int(x->rng, (unsigned long)n)];
			unsigned fl = diff_flags[gsl_rng_uniform_int(
				x->rng, sizeof(diff_flags) / sizeof(diff_flags[0]))];
			struct lb_flow_key k = key4(x->e[i].caddr, x->e[i].cport, x->e[i].proto);
			struct lb_conn *c = lb_conn_lookup(x->tab, &k);

			if (!c) {
				diff_fail(x, "reference entry missing in the table");
				return false;
			}
			lb_conn_packet(x->tab, c, LB_CONN_DIR_OUT, fl, x->now);
			ref_packet(x, i, true, fl);
		}
	} else if (u < 0.86) {
		static const int64_t scale[] = { 0, 1, 5, 30, 100, 400 };
		int64_t ms = scale[gsl_rng_uniform_int(x->rng, 6)] * 1000;

		/* whole milliseconds: expiry times collide often, which tests the tie rules */
		x->op = "time passes";
		if (ms)
			x->now += ((int64_t)gsl_rng_uniform_int(x->rng, (unsigned long)ms) + 1) *
				  (S_NS / 1000);
		ref_expire(x, x->now);
		if (gsl_rng_uniform(x->rng) < 0.3) {
			x->lazy = true; /* left to the next lb_conn_in (or a catch-up) */
			return true;
		}
		lb_conn_table_expire(x->tab, x->now);
		return diff_compare(x, true);
	} else if (u < 0.96) {
		int i = (int)gsl_rng_uniform_int(x->rng, DN);
		struct lb_dest *a = x->da[i], *b = x->db[i];
		double v = gsl_rng_uniform(x->rng);

		x->op = "dest change";
		if (!(a->flags & LB_DEST_F_AVAILABLE)) {
			int w = (int)gsl_rng_uniform_int(x->rng, 3) + 1;

			CU_ASSERT_EQUAL(lb_service_add_dest(&x->sa, &a->addr, 80, w, 0, 0, NULL),
					0);
			CU_ASSERT_EQUAL(lb_service_add_dest(&x->sb, &b->addr, 80, w, 0, 0, NULL),
					0);
		} else if (v < 0.3) {
			struct ref_ent *r;

			CU_ASSERT_EQUAL(lb_service_del_dest(&x->sa, a), 0);
			CU_ASSERT_EQUAL(lb_service_del_dest(&x->sb, b), 0);
			lb_conn_table_dest_removed(x->tab, a);
			if (x->conf.expire_nodest_conn) {
				for (int pass = 0; pass < 2; pass++)
					for (int j = 0; j < x->ne; j++) {
						r = &x->e[j];
						if (r->used && r->dest == i &&
						    r->tmpl == (pass == 1) &&
						    (!r->tmpl || r->nctl == 0))
							ref_release(x, j);
					}
			}
		} else {
			int w = v < 0.55 ? 0 : (int)gsl_rng_uniform_int(x->rng, 3) + 1;
			uint32_t up = gsl_rng_uniform(x->rng) < 0.5
					      ? 0
					      : (uint32_t)gsl_rng_uniform_int(x->rng, 6) + 1;
			uint32_t lo = up ? (uint32_t)gsl_rng_uniform_int(x->rng, up + 1) : 0;

			CU_ASSERT_EQUAL(lb_service_edit_dest(&x->sa, a, w, up, lo), 0);
			CU_ASSERT_EQUAL(lb_service_edit_dest(&x->sb, b, w, up, lo), 0);
		}
	} else if (x->sa.persistence_timeout_s) {
		struct lb_flow_key k = diff_key(x);
		struct lb_dest *p = NULL;
		int rc, want, i;

		x->op = "persistent pick";
		rc = lb_conn_persist_pick(x->tab, &x->sa, &k, x->now, &p);
		/* the reference: template lookup/creation, re-arm, no connection */
		ref_expire(x, x->now);
		{
			uint32_t m = k.saddr.u.v4 & ref_mask(x);
			int t = -1;

			for (i = 0; i < x->ne; i++)
				if (x->e[i].used && x->e[i].tmpl && x->e[i].hashed &&
				    x->e[i].proto == k.proto && x->e[i].caddr == m)
					t = i;
			if (t >= 0) {
				struct lb_dest *td = x->db[x->e[t].dest];

				if (!(td->flags & LB_DEST_F_AVAILABLE) ||
				    (x->conf.expire_quiescent_template && td->weight == 0)) {
					x->e[t].hashed = false;
					t = -1;
				}
			}
			want = 0;
			if (t < 0) {
				struct lb_dest *d = lb_service_pick(&x->sb, &k);

				if (!d) {
					want = -ENOENT;
				} else {
					t = ref_alloc(x);
					x->e[t] = (struct ref_ent){
						.used = true,
						.tmpl = true,
						.hashed = true,
						.proto = k.proto,
						.caddr = m,
						.dest = d_index(x->db, d),
						.ctl = -1,
						.timeout = x->sb.persistence_timeout_s * S_NS
					};
					d->persistconns++;
				}
			}
			if (t >= 0)
				x->e[t].expires = x->now + x->e[t].timeout;
			if (rc != want || (!rc && d_index(x->da, p) != x->e[t].dest)) {
				diff_fail(x, "persistent pick differs");
				return false;
			}
		}
	}
	return diff_compare(x, (x->step & 15) == 0);
}

static void diff_run(unsigned cfg, unsigned steps)
{
	struct diff x;
	const struct lb_sched_ops *ops = (cfg & 1) ? &sched_rr_ops : &sched_wlc_ops;

	memset(&x, 0, sizeof(x));
	lb_conn_conf_default(&x.conf);
	x.conf.expire_nodest_conn = cfg == 1 || cfg == 3;
	x.conf.conn_reuse_mode = cfg == 3 ? 0 : (cfg == 0 ? 1 : 3);
	x.conf.expire_quiescent_template = cfg == 1;
	x.conf.sloppy_tcp = cfg == 2;
	x.conf.timeout_ns[LB_CONN_S_ESTABLISHED] = 200 * S_NS; /* more expiry traffic */
	parse_spec_tables(&x.spec);
	for (int side = 0; side < 2; side++) {
		struct lb_service *s = side ? &x.sb : &x.sa;

		lb_service_init(s, cfg == 3 ? LB_PROFILE_LEGACY : LB_PROFILE_CURRENT);
		s->addr = ip4(VIP);
		s->port = 80;
		s->proto = LB_PROTO_TCP;
		s->kind = (cfg & 1) ? LB_KIND_NAT : LB_KIND_DR;
		if (cfg == 1 || cfg == 2) {
			s->persistence_timeout_s = cfg == 1 ? 100 : 30;
			s->persistence_mask = ip4(0xFFFFFFFCu);
		}
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(s, ops), 0);
		for (int i = 0; i < DN; i++) {
			struct lb_addr a = ip4(0x0A000001u + (uint32_t)i);

			CU_ASSERT_EQUAL_FATAL(lb_service_add_dest(s, &a, 80, i % 3 + 1, 0, 0,
								  side ? &x.db[i] : &x.da[i]),
					      0);
		}
	}
	x.tab = lb_conn_table_new(&x.conf);
	x.rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(x.rng, 1234 + cfg);
	for (x.step = 0; x.step < steps; x.step++) {
		if (!diff_step(&x)) {
			fprintf(stderr, "conn diff: config %u failed\n", cfg);
			CU_FAIL("conn table differs from the reference");
			break;
		}
		if ((x.step & 1023) == 0 && !lb_conn_table_sane(x.tab)) {
			diff_fail(&x, "lb_conn_table_sane");
			CU_FAIL("conn table not sane");
			break;
		}
	}
	CU_ASSERT_TRUE(lb_conn_table_sane(x.tab));
	lb_conn_table_flush(x.tab, NULL);
	for (int i = 0; i < DN; i++) {
		CU_ASSERT_EQUAL(x.da[i]->activeconns + x.da[i]->inactconns, 0);
		CU_ASSERT_EQUAL(x.da[i]->persistconns, 0);
	}
	lb_conn_table_free(x.tab);
	gsl_rng_free(x.rng);
	free(x.e);
	lb_service_fini(&x.sa);
	lb_service_fini(&x.sb);
}

static void test_diff(void)
{
	unsigned steps = test_quick() ? 5000 : 30000;

	for (unsigned cfg = 0; cfg < 4; cfg++)
		diff_run(cfg, steps);
}

/* ---- memory ---- */

static void test_memory(void)
{
	unsigned n = 1000000;
	struct fx f;
	size_t bytes;
	double per;

	fx_init(&f, &sched_rr_ops, LB_KIND_DR, LB_PROTO_TCP, 8, NULL);
	for (unsigned i = 0; i < n; i++) {
		struct lb_flow_key k =
			key4(0x0B000000u + i, (uint16_t)(1024 + (i & 1023)), LB_PROTO_TCP);
		struct lb_conn *c;

		if (lb_conn_schedule(f.tab, &f.svc, &k, 0, &c)) {
			CU_FAIL("lb_conn_schedule failed");
			break;
		}
	}
	CU_ASSERT_EQUAL(lb_conn_table_count(f.tab), n);
	bytes = lb_conn_table_bytes(f.tab);
	per = (double)bytes / n;
	if (per > 128)
		fprintf(stderr, "\nconn table: %zu bytes for %u entries = %.1f B/entry\n", bytes, n,
			per);
	CU_ASSERT(per <= 128);
	/* Every entry is found again, and 10^7 would fit in 2 GB at this rate. */
	for (unsigned i = 0; i < n; i += 997) {
		struct lb_flow_key k =
			key4(0x0B000000u + i, (uint16_t)(1024 + (i & 1023)), LB_PROTO_TCP);

		CU_ASSERT_PTR_NOT_NULL(lb_conn_lookup(f.tab, &k));
	}
	CU_ASSERT(per * 1e7 < 2e9);
	expect_counts(f.d[0], 0, (int)(n / 8), 0);
	CU_ASSERT_EQUAL(lb_conn_table_expire(f.tab, 3 * S_NS), n);
	CU_ASSERT_EQUAL(lb_conn_table_bytes(f.tab), bytes); /* slots are kept for reuse */
	fx_fini(&f);
}

int test_conn_register(void)
{
	CU_pSuite s = CU_add_suite("conn", NULL, NULL);

	if (!s || !CU_add_test(s, "state_tables", test_state_tables) ||
	    !CU_add_test(s, "state_details", test_state_details) ||
	    !CU_add_test(s, "timeouts", test_timeouts) ||
	    !CU_add_test(s, "set_conf", test_set_conf) ||
	    !CU_add_test(s, "dr_lifecycle", test_dr_lifecycle) ||
	    !CU_add_test(s, "nat_lifecycle", test_nat_lifecycle) ||
	    !CU_add_test(s, "udp", test_udp) || !CU_add_test(s, "port_reuse", test_port_reuse) ||
	    !CU_add_test(s, "expire_nodest_conn", test_expire_nodest_conn) ||
	    !CU_add_test(s, "dest_deletion", test_dest_deletion) ||
	    !CU_add_test(s, "persist_sticky", test_persist_sticky) ||
	    !CU_add_test(s, "persist_granularity", test_persist_granularity) ||
	    !CU_add_test(s, "persist_renewal", test_persist_renewal) ||
	    !CU_add_test(s, "persist_overload_quiesce", test_persist_overload_quiesce) ||
	    !CU_add_test(s, "persist_keys", test_persist_keys) ||
	    !CU_add_test(s, "dest_removed_sweep", test_dest_removed_sweep) ||
	    !CU_add_test(s, "diff", test_diff) || !CU_add_test(s, "memory", test_memory))
		return CU_get_error();
	return CUE_SUCCESS;
}
