/*
 * tests/unit/test_vrrp.c - suite "vrrp": the VRRP codec and keepalived's
 * instance state machine (algorithms/vrrp/).
 *
 * Codec: the byte vectors of spec 1.9 and every frame of the six lab
 * captures in tests/data/pcap/ (copied from spec/fixtures/pcap) decode with
 * good checksums and re-encode byte for byte (message and whole frame);
 * their GARPs are keepalived's; every truncation and random corruption of a
 * real frame decodes safely; each receive check of spec 1.6 has its verdict.
 *
 * State machine: a small test network on the simulation kernel (sim/sim.h)
 * joins nodes through one L2 segment per interface with a configurable
 * delay, loss and partitions. Timing tests check master-down, skew and the
 * v3 learned interval to the microsecond; preempt_delay, nopreempt, the
 * address tie-break, tracking weights, FAULT, GARP bursts, sync groups and
 * unicast. Each lab capture is replayed (same MACs, addresses, config and
 * the lab's actions at the capture's times) and the simulated frames must
 * equal the captured ones byte for byte, stream by stream, within 50 ms;
 * the rows of spec 7.3 are then measured on both sides (lab minus
 * simulation within [0, 15] ms, start-up rows [0, 80] ms). A property test
 * runs 10^4 random fault schedules (10^3 in quick mode).
 *
 * Run by lbsim-test; a few seconds, dominated by the property test.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <pcap/pcap.h>

#include "algorithms/vrrp/codec.h"
#include "algorithms/vrrp/vrrp.h"
#include "sim/sim.h"
#include "tests/test.h"

#define US INT64_C(1000)
#define MS INT64_C(1000000)
#define S_NS INT64_C(1000000000)

static int64_t sec(double s)
{
	return (int64_t)llround(s * 1e9);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint64_t *s, uint32_t n)
{
	return (uint32_t)(splitmix(s) % n);
}

static struct lb_addr ip(const char *s)
{
	struct lb_addr a;

	memset(&a, 0, sizeof(a));
	if (lb_addr_parse(s, &a) != 0)
		CU_FAIL_FATAL("bad address in test");
	return a;
}

static void mac_parse(const char *s, uint8_t m[VRRP_MAC_LEN])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		CU_FAIL_FATAL("bad MAC in test");
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
}

static size_t hex_parse(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;
	int used;

	while (*s) {
		if (sscanf(s, " %2x%n", &v, &used) != 1)
			break;
		if (n < cap)
			out[n++] = (uint8_t)v;
		s += used;
	}
	return n;
}

/* ---- pcap files ---- */

struct cap_pkt {
	int64_t t;	/* ns since the first packet */
	uint32_t len;
	uint8_t *b;
};

struct cap {
	struct cap_pkt *p;
	size_t n;
};

static const char *const cap_files[] = {
	"v2-mcast-auth-start-preempt-kill-sigterm.pcap",
	"v2-partition-heal-higher-prio-send-advert.pcap",
	"v2-partition-heal.pcap",
	"v2-track-script-weight-minus60.pcap",
	"v3-mcast-adv50cs-learned-interval-kill.pcap",
	"v3-unicast-dual-master-kill-preempt-delay.pcap",
};

static int cap_load(const char *file, struct cap *c)
{
	char path[512], err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	int64_t t0 = 0, scale;
	size_t cap = 0;
	pcap_t *p;
	int rc;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/pcap/%s", TEST_DATA_DIR, file);
	p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -ENOENT;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		pcap_close(p);
		return -EPROTONOSUPPORT;
	}
	scale = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		int64_t t = (int64_t)h->ts.tv_sec * S_NS + (int64_t)h->ts.tv_usec * scale;

		if (c->n == cap) {
			cap = cap ? cap * 2 : 64;
			c->p = realloc(c->p, cap * sizeof(*c->p));
		}
		if (!c->n)
			t0 = t;
		c->p[c->n].t = t - t0;
		c->p[c->n].len = h->caplen;
		c->p[c->n].b = malloc(h->caplen ? h->caplen : 1);
		memcpy(c->p[c->n].b, data, h->caplen);
		c->n++;
	}
	pcap_close(p);
	return 0;
}

static void cap_free(struct cap *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->p[i].b);
	free(c->p);
	memset(c, 0, sizeof(*c));
}

static bool is_ipv4_vrrp(const uint8_t *b, size_t len)
{
	return len >= 34 && b[12] == 0x08 && b[13] == 0x00 && b[23] == VRRP_IPPROTO;
}

/* ---- codec: spec 1.9 vectors ---- */

static const char *const vec_a =
	"01 00 5e 00 00 12 b2 c1 01 31 6e b6 08 00 45 c0 00 28 00 01 00 00 ff 70 d0 7c 0a 0a"
	" 00 0c e0 00 00 12 21 33 64 01 01 01 01 de 0a 0a 00 64 73 65 63 72 65 74 31 32";
static const char *const vec_b =
	"01 00 5e 00 00 12 d6 a1 87 f7 7c ab 08 00 45 c0 00 28 00 0a 00 00 ff 70 d0 74 0a 0a"
	" 00 0b e0 00 00 12 21 33 00 01 01 01 65 de 0a 0a 00 64 73 65 63 72 65 74 31 32";
static const char *const vec_c =
	"ff ff ff ff ff ff b2 c1 01 31 6e b6 08 06 00 01 08 00 06 04 00 01 b2 c1 01 31 6e b6"
	" 0a 0a 00 64 ff ff ff ff ff ff 0a 0a 00 64";
static const char *const vec_d =
	"01 00 5e 00 00 12 d6 a1 87 f7 7c ab 08 00 45 c0 00 24 00 01 00 00 ff 70 d0 81 0a 0a"
	" 00 0b e0 00 00 12 31 34 96 02 00 32 39 10 0a 0a 00 65 0a 0a 00 66";
static const char *const vec_e =
	"d6 a1 87 f7 7c ab b2 c1 01 31 6e b6 08 00 45 c0 00 20 00 01 00 00 ff 70 a6 6e 0a 14"
	" 00 0c 0a 14 00 0b 31 48 96 01 00 32 19 4f 0a 14 00 66";

/* Re-encode a decoded frame from its own envelope; true when byte-identical. */
static bool reencode_same(const struct vrrp_advert *dec, const uint8_t *frame, size_t len)
{
	static struct vrrp_advert a;
	struct vrrp_envelope e;
	uint8_t buf[VRRP_FRAME_MAX];
	int n;

	a = *dec;
	memset(&e, 0, sizeof(e));
	memcpy(e.src_mac, dec->rx.src_mac, VRRP_MAC_LEN);
	memcpy(e.dst_mac, dec->rx.dst_mac, VRRP_MAC_LEN);
	e.saddr = dec->rx.saddr;
	e.daddr = dec->rx.daddr;
	e.ip_id = dec->rx.ip_id;
	e.ttl = dec->rx.ttl;
	e.tos = dec->rx.tos;
	a.checksum = 0;
	n = vrrp_frame_encode(&a, &e, buf, sizeof(buf));
	return n == (int)len && !memcmp(buf, frame, len) && a.checksum == dec->checksum;
}

static void test_codec_vectors(void)
{
	static struct vrrp_advert a;
	struct vrrp_arp arp;
	uint8_t f[128], g[128];
	size_t n;

	n = hex_parse(vec_a, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(n, 54);
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, n, &a), 0);
	CU_ASSERT_EQUAL(a.version, 2);
	CU_ASSERT_EQUAL(a.type, VRRP_TYPE_ADVERT);
	CU_ASSERT_EQUAL(a.vrid, 51);
	CU_ASSERT_EQUAL(a.priority, 100);
	CU_ASSERT_EQUAL(a.naddr, 1);
	CU_ASSERT_EQUAL(a.auth_type, VRRP_AUTH_PASS);
	CU_ASSERT_EQUAL(a.adver_int, 1);
	CU_ASSERT_EQUAL(a.checksum, 0x01de);
	CU_ASSERT(!memcmp(a.auth_data, "secret12", 8));
	CU_ASSERT_EQUAL(a.addrs[0].af, LB_AF_INET);
	CU_ASSERT_EQUAL(a.addrs[0].u.v4, 0x0a0a0064);
	CU_ASSERT(a.rx.csum_ok && a.rx.ip_csum_ok);
	CU_ASSERT_EQUAL(a.rx.ttl, 255);
	CU_ASSERT_EQUAL(a.rx.tos, 0xc0);
	CU_ASSERT_EQUAL(a.rx.ip_id, 1);
	CU_ASSERT_EQUAL(a.rx.frag, 0);
	CU_ASSERT_EQUAL(a.rx.msg_len, 20);
	CU_ASSERT(reencode_same(&a, f, n));
	/* the v2 checksum covers the message alone */
	CU_ASSERT_EQUAL(vrrp_msg_csum(f + 34, 20, 2, &a.rx.saddr, &a.rx.daddr), 0);

	n = hex_parse(vec_b, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, n, &a), 0);
	CU_ASSERT_EQUAL(a.priority, 0);
	CU_ASSERT_EQUAL(a.checksum, 0x65de);
	CU_ASSERT_EQUAL(a.rx.ip_id, 10);
	CU_ASSERT(reencode_same(&a, f, n));

	n = hex_parse(vec_c, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(n, VRRP_GARP_LEN);
	CU_ASSERT_EQUAL(vrrp_frame_decode(f, n, &a), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL_FATAL(vrrp_arp_decode(f, n, &arp), 0);
	CU_ASSERT(vrrp_arp_is_garp(&arp));
	CU_ASSERT_EQUAL(arp.spa.u.v4, 0x0a0a0064);
	CU_ASSERT_EQUAL(vrrp_garp_encode(arp.sha, &arp.spa, g, sizeof(g)), VRRP_GARP_LEN);
	CU_ASSERT(!memcmp(f, g, VRRP_GARP_LEN));

	n = hex_parse(vec_d, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, n, &a), 0);
	CU_ASSERT_EQUAL(a.version, 3);
	CU_ASSERT_EQUAL(a.vrid, 52);
	CU_ASSERT_EQUAL(a.priority, 150);
	CU_ASSERT_EQUAL(a.naddr, 2);
	CU_ASSERT_EQUAL(a.adver_int, 50);
	CU_ASSERT_EQUAL(a.checksum, 0x3910);
	CU_ASSERT(a.rx.csum_ok);
	CU_ASSERT_EQUAL(a.addrs[1].u.v4, 0x0a0a0066);
	CU_ASSERT(reencode_same(&a, f, n));

	n = hex_parse(vec_e, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, n, &a), 0);
	CU_ASSERT_EQUAL(a.checksum, 0x194f);
	CU_ASSERT(a.rx.csum_ok);
	CU_ASSERT(reencode_same(&a, f, n));
	/* with 224.0.0.18 in the pseudo-header (keepalived <= 1.3.6) it would be 0x435b */
	{
		struct lb_addr grp = { .af = LB_AF_INET, .u.v4 = VRRP_MCAST4 };
		uint8_t m[12];

		memcpy(m, f + 34, 12);
		m[6] = m[7] = 0;
		CU_ASSERT_EQUAL(vrrp_msg_csum(m, 12, 3, &a.rx.saddr, &grp), 0x435b);
		CU_ASSERT_EQUAL(vrrp_msg_csum(m, 12, 3, &a.rx.saddr, &a.rx.daddr), 0x194f);
	}
}

/* Every frame of every capture decodes, verifies and re-encodes byte for byte. */
static void test_codec_captures(void)
{
	static const size_t want[][3] = {
		/* VRRP adverts, keepalived GARPs, other (kernel) ARPs */
		{ 41, 45, 0 }, { 19, 20, 0 }, { 12, 10, 0 },
		{ 23, 0, 0 },  { 17, 0, 0 },  { 82, 16, 4 },
	};
	static struct vrrp_advert a, b;

	for (size_t f = 0; f < sizeof(cap_files) / sizeof(cap_files[0]); f++) {
		struct cap c;
		size_t nv = 0, ng = 0, no = 0;

		CU_ASSERT_EQUAL_FATAL(cap_load(cap_files[f], &c), 0);
		for (size_t i = 0; i < c.n; i++) {
			const uint8_t *p = c.p[i].b;
			size_t len = c.p[i].len;
			struct vrrp_arp arp;

			if (is_ipv4_vrrp(p, len)) {
				uint8_t msg[VRRP_FRAME_MAX];
				int mlen;

				nv++;
				CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(p, len, &a), 0);
				CU_ASSERT(a.rx.ip_csum_ok && a.rx.csum_ok);
				CU_ASSERT_EQUAL(a.rx.naddr_present, a.naddr);
				CU_ASSERT_EQUAL(a.rx.ip_rcvd, a.rx.ip_tot_len);
				CU_ASSERT_EQUAL(a.rx.ttl, 255);
				CU_ASSERT_EQUAL(a.rx.tos, VRRP_TOS);
				CU_ASSERT_EQUAL(a.rx.frag, 0);
				CU_ASSERT(reencode_same(&a, p, len));
				/* the message alone */
				b = a;
				mlen = vrrp_msg_encode(&b, &a.rx.saddr, &a.rx.daddr, msg,
						       sizeof(msg));
				CU_ASSERT_EQUAL(mlen, (int)len - 34);
				CU_ASSERT(mlen > 0 && !memcmp(msg, p + 34, (size_t)mlen));
				/* and the message decoder on its own agrees */
				CU_ASSERT_EQUAL(vrrp_msg_decode(p + 34, len - 34, LB_AF_INET, &b),
						0);
				CU_ASSERT_EQUAL(b.priority, a.priority);
				CU_ASSERT_EQUAL(b.adver_int, a.adver_int);
			} else if (vrrp_arp_decode(p, len, &arp) == 0) {
				if (vrrp_arp_is_garp(&arp)) {
					uint8_t g[VRRP_GARP_LEN];

					ng++;
					CU_ASSERT_EQUAL(vrrp_garp_encode(arp.eth_src, &arp.spa, g,
									 sizeof(g)),
							VRRP_GARP_LEN);
					CU_ASSERT(len == VRRP_GARP_LEN && !memcmp(g, p, len));
				} else {
					no++;
				}
			} else {
				CU_FAIL("unexpected frame in a capture");
			}
		}
		CU_ASSERT_EQUAL(nv, want[f][0]);
		CU_ASSERT_EQUAL(ng, want[f][1]);
		CU_ASSERT_EQUAL(no, want[f][2]);
		cap_free(&c);
	}
}

/* Truncations and corruptions of real frames never read out of bounds. */
static void test_codec_robust(void)
{
	static struct vrrp_advert a;
	struct vrrp_rx_expect x;
	struct lb_addr vip = ip("10.10.0.100");
	uint64_t seed = 7;
	struct cap c;
	int rounds = test_quick() ? 20 : 200;

	memset(&x, 0, sizeof(x));
	x.version = 2;
	x.vrid = 51;
	x.af = LB_AF_INET;
	x.auth_type = VRRP_AUTH_PASS;
	memcpy(x.auth_pass, "secret12", 8);
	x.adver_int_s = 1;
	x.vips = &vip;
	x.nvips = 1;
	CU_ASSERT_EQUAL_FATAL(cap_load(cap_files[0], &c), 0);
	for (size_t i = 0; i < c.n; i++) {
		size_t len = c.p[i].len;

		if (!is_ipv4_vrrp(c.p[i].b, len))
			continue;
		for (size_t cut = 0; cut <= len; cut++) {
			uint8_t *f = malloc(cut ? cut : 1);
			int rc;

			memcpy(f, c.p[i].b, cut);
			rc = vrrp_frame_decode(f, cut, &a);
			if (cut < len) {
				CU_ASSERT(rc < 0 || vrrp_advert_check(&x, &a) != VRRP_RX_OK);
			} else {
				CU_ASSERT(rc == 0 && vrrp_advert_check(&x, &a) == VRRP_RX_OK);
			}
			free(f);
		}
		for (int r = 0; r < rounds; r++) {
			uint8_t *f = malloc(len);
			size_t pos = 14 + rnd(&seed, (uint32_t)(len - 14));
			int rc;

			memcpy(f, c.p[i].b, len);
			f[pos] ^= (uint8_t)(1 + rnd(&seed, 255));
			rc = vrrp_frame_decode(f, len, &a);
			/* a changed IP or VRRP byte never yields a valid advert */
			CU_ASSERT(rc < 0 || vrrp_advert_check(&x, &a) != VRRP_RX_OK);
			free(f);
		}
	}
	cap_free(&c);
	/* random garbage of every small length */
	for (int r = 0; r < rounds * 20; r++) {
		size_t len = rnd(&seed, 120);
		uint8_t *f = malloc(len ? len : 1);
		struct vrrp_arp arp;

		for (size_t k = 0; k < len; k++)
			f[k] = (uint8_t)splitmix(&seed);
		if (len > 14) {
			f[12] = 0x08;
			f[13] = rnd(&seed, 2) ? 0x00 : 0x06;
			f[14] = (uint8_t)((rnd(&seed, 2) ? 0x40 : 0x60) | rnd(&seed, 16));
			if (len > 23)
				f[23] = rnd(&seed, 2) ? VRRP_IPPROTO : VRRP_IPPROTO_AH;
		}
		(void)vrrp_frame_decode(f, len, &a);
		(void)vrrp_arp_decode(f, len, &arp);
		(void)vrrp_ip_decode(f, len, &a);
		free(f);
	}
}

/* ---- the receive checks, one by one ---- */

struct chk {
	struct vrrp_advert a;
	struct vrrp_envelope e;
	struct lb_addr vips[2];
	struct vrrp_peer peer;
	struct vrrp_rx_expect x;
	uint8_t f[VRRP_FRAME_MAX];
	int len;
};

static void chk_init(struct chk *k, int version)
{
	memset(k, 0, sizeof(*k));
	k->vips[0] = ip("10.0.0.100");
	k->vips[1] = ip("10.0.0.101");
	k->a.version = (uint8_t)version;
	k->a.type = VRRP_TYPE_ADVERT;
	k->a.vrid = 7;
	k->a.priority = 100;
	k->a.naddr = 2;
	k->a.af = LB_AF_INET;
	k->a.auth_type = version == 2 ? VRRP_AUTH_PASS : 0;
	memcpy(k->a.auth_data, "pw", 2);
	k->a.adver_int = version == 2 ? 1 : 100;
	k->a.addrs[0] = k->vips[1];
	k->a.addrs[1] = k->vips[0];
	mac_parse("02:00:00:00:00:01", k->e.src_mac);
	k->e.saddr = ip("10.0.0.1");
	k->e.daddr = ip("224.0.0.18");
	k->e.ip_id = 1;
	k->e.ttl = 255;
	k->e.tos = VRRP_TOS;
	k->x.version = (uint8_t)version;
	k->x.vrid = 7;
	k->x.af = LB_AF_INET;
	k->x.auth_type = k->a.auth_type;
	memcpy(k->x.auth_pass, "pw", 2);
	k->x.adver_int_s = 1;
	k->x.vips = k->vips;
	k->x.nvips = 2;
	k->peer.addr = ip("10.0.0.1");
}

static enum vrrp_rx_verdict chk_run(struct chk *k)
{
	static struct vrrp_advert d;
	struct vrrp_advert a = k->a;

	k->len = vrrp_frame_encode(&a, &k->e, k->f, sizeof(k->f));
	if (k->len < 0 || vrrp_frame_decode(k->f, (size_t)k->len, &d) < 0)
		return VRRP_RX_MALFORMED;
	return vrrp_advert_check(&k->x, &d);
}

static void test_codec_checks(void)
{
	static struct chk k;
	static struct vrrp_advert d;
	uint8_t f[VRRP_FRAME_MAX];

	chk_init(&k, 2);
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_OK);
	k.a.vrid = 8;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_UNKNOWN_VRID);
	chk_init(&k, 2);
	k.e.ttl = 254;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_BAD_TTL);
	chk_init(&k, 2);
	k.a.version = 3;
	k.a.adver_int = 100;
	/* a v3 message is 8 bytes shorter than a v2 instance expects */
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_BAD_LENGTH);
	/* a v2-shaped message with another version nibble passes the length check */
	chk_init(&k, 2);
	CU_ASSERT_EQUAL_FATAL(chk_run(&k), VRRP_RX_OK);
	memcpy(f, k.f, (size_t)k.len);
	f[34] = 0x31;
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, (size_t)k.len, &d), 0);
	CU_ASSERT_EQUAL(vrrp_advert_check(&k.x, &d), VRRP_RX_BAD_VERSION);
	chk_init(&k, 2);
	k.a.auth_type = VRRP_AUTH_NONE;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_BAD_AUTH_TYPE);
	chk_init(&k, 2);
	k.a.auth_data[1] = 'x';
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_BAD_PASSWORD);
	CU_ASSERT(vrrp_rx_verdict_is_ko(VRRP_RX_BAD_PASSWORD));
	chk_init(&k, 2);
	k.a.adver_int = 2;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_INTERVAL_MISMATCH);
	CU_ASSERT(!vrrp_rx_verdict_is_ko(VRRP_RX_INTERVAL_MISMATCH));
	chk_init(&k, 3);
	k.a.adver_int = 50; /* v3 adopts the master's interval instead */
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_OK);
	chk_init(&k, 2);
	k.a.type = 2;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_BAD_TYPE);
	chk_init(&k, 2);
	k.a.naddr = 1;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_ADDR_COUNT);
	chk_init(&k, 2);
	k.a.addrs[0] = ip("10.0.0.102");
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_ADDR_MISMATCH);
	/* skip_check_adv_addr: skipped only for the previous advert's source */
	k.x.skip_check_adv_addr = true;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_ADDR_MISMATCH);
	k.x.last_src = &k.e.saddr;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_OK);
	/* checksum: flip a VRRP byte, fix nothing */
	chk_init(&k, 3);
	CU_ASSERT_EQUAL_FATAL(chk_run(&k), VRRP_RX_OK);
	memcpy(f, k.f, (size_t)k.len);
	f[34 + 2] ^= 1;
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, (size_t)k.len, &d), 0);
	CU_ASSERT_EQUAL(vrrp_advert_check(&k.x, &d), VRRP_RX_BAD_CHECKSUM);
	/* bad IP header checksum: the kernel would drop it */
	memcpy(f, k.f, (size_t)k.len);
	f[14 + 8] = 254;
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, (size_t)k.len, &d), 0);
	CU_ASSERT_EQUAL(vrrp_advert_check(&k.x, &d), VRRP_RX_MALFORMED);
	/* extra bytes inside the IP length: length check */
	memcpy(f, k.f, (size_t)k.len);
	memset(f + k.len, 0, 4);
	f[14 + 3] = (uint8_t)(f[14 + 3] + 4);
	f[14 + 10] = f[14 + 11] = 0;
	{
		uint16_t cs = vrrp_inet_csum(f + 14, 20, 0);

		f[14 + 10] = (uint8_t)(cs >> 8);
		f[14 + 11] = (uint8_t)cs;
	}
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, (size_t)k.len + 4, &d), 0);
	CU_ASSERT_EQUAL(vrrp_advert_check(&k.x, &d), VRRP_RX_BAD_LENGTH);
	/* unicast expectations */
	chk_init(&k, 3);
	k.x.unicast = true;
	k.x.peers = &k.peer;
	k.x.npeers = 1;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_MODE_MISMATCH);
	k.e.daddr = ip("10.0.0.2");
	mac_parse("02:00:00:00:00:02", k.e.dst_mac);
	k.e.ttl = 64; /* no 255 rule in unicast */
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_OK);
	k.peer.min_ttl = 100;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_BAD_TTL);
	k.peer.min_ttl = 0;
	k.x.check_unicast_src = true;
	k.e.saddr = ip("10.0.0.9");
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_UNKNOWN_SOURCE);
	k.x.check_unicast_src = false;
	CU_ASSERT_EQUAL(chk_run(&k), VRRP_RX_OK);
	/* a unicast advert with the old (224.0.0.18) pseudo-header fails the checksum */
	{
		struct lb_addr grp = { .af = LB_AF_INET, .u.v4 = VRRP_MCAST4 };
		uint16_t cs;

		CU_ASSERT_EQUAL_FATAL(chk_run(&k), VRRP_RX_OK);
		memcpy(f, k.f, (size_t)k.len);
		f[34 + 6] = f[34 + 7] = 0;
		cs = vrrp_msg_csum(f + 34, (size_t)k.len - 34, 3, &k.e.saddr, &grp);
		f[34 + 6] = (uint8_t)(cs >> 8);
		f[34 + 7] = (uint8_t)cs;
		CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, (size_t)k.len, &d), 0);
		CU_ASSERT_EQUAL(vrrp_advert_check(&k.x, &d), VRRP_RX_BAD_CHECKSUM);
	}
	/* AH: recognised on receive, refused on send */
	chk_init(&k, 2);
	k.a.auth_type = VRRP_AUTH_AH;
	CU_ASSERT_EQUAL(vrrp_frame_encode(&k.a, &k.e, f, sizeof(f)), -EOPNOTSUPP);
	chk_init(&k, 2);
	CU_ASSERT_EQUAL_FATAL(chk_run(&k), VRRP_RX_OK);
	{
		uint8_t g[VRRP_FRAME_MAX];
		size_t ml = (size_t)k.len - 34;
		uint16_t cs;

		memcpy(g, k.f, 34);
		g[34] = VRRP_IPPROTO;	/* AH: next header */
		g[35] = 4;		/* (4 + 2) * 4 = 24 bytes */
		memset(g + 36, 0, 22);
		g[41] = 1;
		memcpy(g + 34 + VRRP_AH_LEN, k.f + 34, ml);
		g[14 + 9] = VRRP_IPPROTO_AH;
		g[14 + 2] = 0;
		g[14 + 3] = (uint8_t)(20 + VRRP_AH_LEN + ml);
		g[14 + 10] = g[14 + 11] = 0;
		cs = vrrp_inet_csum(g + 14, 20, 0);
		g[14 + 10] = (uint8_t)(cs >> 8);
		g[14 + 11] = (uint8_t)cs;
		CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(g, 34 + VRRP_AH_LEN + ml, &d), 0);
		CU_ASSERT(d.rx.has_ah);
		CU_ASSERT_EQUAL(d.rx.ah_spi, 1);
		CU_ASSERT_EQUAL(vrrp_advert_check(&k.x, &d), VRRP_RX_AH_MISMATCH);
		k.x.auth_type = VRRP_AUTH_AH;
		d.auth_type = VRRP_AUTH_AH;
		CU_ASSERT_EQUAL(vrrp_advert_check(&k.x, &d), VRRP_RX_OK);
	}
	/* names */
	CU_ASSERT_STRING_EQUAL(vrrp_rx_verdict_name(VRRP_RX_BAD_PASSWORD), "bad-password");
	for (int v = 0; v < VRRP_RX_VERDICT_COUNT; v++)
		CU_ASSERT_PTR_NOT_NULL(vrrp_rx_verdict_name((enum vrrp_rx_verdict)v));
}

/* VRRPv3 over IPv6 and the unsolicited NA (not observed in the lab: self-consistency). */
static void test_codec_ipv6(void)
{
	static struct vrrp_advert a, d;
	struct vrrp_envelope e;
	uint8_t f[VRRP_FRAME_MAX];
	int n;

	memset(&a, 0, sizeof(a));
	memset(&e, 0, sizeof(e));
	a.version = 3;
	a.type = VRRP_TYPE_ADVERT;
	a.vrid = 9;
	a.priority = 200;
	a.naddr = 2;
	a.af = LB_AF_INET6;
	a.adver_int = 100;
	a.addrs[0] = ip("2001:db8::100");
	a.addrs[1] = ip("fe80::100");
	mac_parse("02:00:00:00:00:01", e.src_mac);
	e.saddr = ip("fe80::1");
	e.daddr = ip("ff02::12");
	e.ttl = 255;
	n = vrrp_frame_encode(&a, &e, f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(n, 14 + 40 + 8 + 32);
	CU_ASSERT(f[0] == 0x33 && f[1] == 0x33 && f[5] == 0x12);
	CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f, (size_t)n, &d), 0);
	CU_ASSERT(d.rx.csum_ok);
	CU_ASSERT_EQUAL(d.af, LB_AF_INET6);
	CU_ASSERT(lb_addr_eq(&d.addrs[1], &a.addrs[1]));
	CU_ASSERT(reencode_same(&d, f, (size_t)n));
	n = vrrp_na_encode(e.src_mac, &e.saddr, &a.addrs[0], f, sizeof(f));
	CU_ASSERT_EQUAL_FATAL(n, VRRP_NA_LEN);
	/* ICMPv6 checksum verifies with the pseudo-header */
	{
		uint8_t ph[40];
		uint32_t s = 0;

		memcpy(ph, f + 22, 32);
		memset(ph + 32, 0, 8);
		ph[35] = 32;
		ph[39] = 58;
		for (int i = 0; i < 40; i += 2)
			s += (uint32_t)(ph[i] << 8 | ph[i + 1]);
		CU_ASSERT_EQUAL(vrrp_inet_csum(f + 54, 32, s), 0);
	}
}

/* ---- a test network: nodes, instances, one L2 segment per interface ---- */

#define TN_NODES 4
#define TN_INST 4
#define TN_IFS 2

struct tnet;

struct tinst {
	struct tnet *net;
	int node, idx;
	struct vrrp_instance *vi;
	enum vrrp_state st;		/* as last reported */
	uint64_t vip_adds, vip_dels, lower_rx;
};

struct tnode {
	struct tnet *net;
	int id;
	char name[16];
	struct lb_env env;
	uint8_t mac[VRRP_MAC_LEN];
	struct lb_addr ip[TN_IFS];
	bool attached[TN_IFS];		/* cable in the switch */
	int part;			/* partition group */
	struct tinst inst[TN_INST];
	int ninst;
	struct vrrp_sync_group *grp;
};

struct tframe {
	int64_t t;
	int node, ifindex;
	bool on_wire;			/* left the node (attached) */
	uint32_t len;
	uint8_t *b;
};

struct tstate {
	int64_t t;
	int node, inst;
	enum vrrp_state from, to;
};

struct tgstate {
	int64_t t;
	int node;
	enum vrrp_state from, to;
};

struct tnet {
	struct sim *sim;
	struct tnode node[TN_NODES];
	int nnodes;
	int64_t delay_ns;
	uint32_t loss_ppm;
	uint64_t rng;
	bool record;			/* keep every frame sent */
	bool in_action;			/* a scheduled action is being applied */
	int64_t burst_t;		/* storm guard: frames sent at one instant */
	uint32_t burst_n;
	bool storm;
	bool verbose;
	struct tframe *fr;
	size_t nfr, capfr;
	struct tstate *st;
	size_t nst, capst;
	struct tgstate gst[64];
	size_t ngst;
	struct vrrp_advert *rx;		/* scratch for deliveries */
	/* property test hooks: before and after every change */
	void (*pre)(struct tnet *net);
	void (*post)(struct tnet *net);
	void *hook_arg;
};

static int64_t tn_now(void *ctx)
{
	struct tnode *n = ctx;

	return sim_now(n->net->sim);
}

static sim_time_t tn_fire(struct sim *sim, void *ctx, uint64_t arg)
{
	struct lb_timer *t = ctx;

	t->env_priv[0] = 0;
	t->env_priv[1] = 0;
	t->fn(t);
	return SIM_NOMORE;
}

static void tn_cancel(void *ctx, struct lb_timer *t)
{
	struct tnode *n = ctx;
	struct sim_handle h = { (struct sim_event *)(uintptr_t)t->env_priv[0], t->env_priv[1] };

	sim_cancel(n->net->sim, h);
	t->env_priv[0] = 0;
	t->env_priv[1] = 0;
}

static void tn_arm(void *ctx, struct lb_timer *t, int64_t at)
{
	struct tnode *n = ctx;
	struct sim_handle h;

	tn_cancel(ctx, t);
	CU_ASSERT(at >= sim_now(n->net->sim));
	if (at < sim_now(n->net->sim))
		at = sim_now(n->net->sim);
	h = sim_schedule(n->net->sim, at, tn_fire, t, 0);
	t->env_priv[0] = (uint64_t)(uintptr_t)h.ev;
	t->env_priv[1] = h.seq;
}

struct tdeliv {
	struct tnet *net;
	int node, ifindex;
	uint32_t len;
	uint8_t b[];
};

static void tn_free_ctx(void *ctx, uint64_t arg)
{
	free(ctx);
}

static sim_time_t tn_deliver(struct sim *sim, void *ctx, uint64_t arg)
{
	struct tdeliv *d = ctx;
	struct tnet *net = d->net;
	struct tnode *n = &net->node[d->node];

	if (n->attached[d->ifindex] && vrrp_frame_decode(d->b, d->len, net->rx) == 0) {
		for (int i = 0; i < n->ninst; i++) {
			const struct vrrp_instance_conf *c = vrrp_instance_conf(n->inst[i].vi);

			/* keepalived's socket demultiplexes by interface and VRID */
			if (c->ifindex == d->ifindex && c->vrid == net->rx->vrid)
				vrrp_instance_receive(n->inst[i].vi, net->rx);
		}
	}
	free(d);
	return SIM_NOMORE;
}

static uint32_t frame_daddr4(const uint8_t *f)
{
	return (uint32_t)f[30] << 24 | (uint32_t)f[31] << 16 | (uint32_t)f[32] << 8 | f[33];
}

static void tn_send(void *ctx, int ifindex, const uint8_t *frame, size_t len)
{
	struct tnode *src = ctx;
	struct tnet *net = src->net;
	bool on;

	CU_ASSERT_FATAL(ifindex >= 0 && ifindex < TN_IFS);
	/* an advert storm at one instant would never let time advance */
	if (sim_now(net->sim) != net->burst_t) {
		net->burst_t = sim_now(net->sim);
		net->burst_n = 0;
	}
	if (++net->burst_n > 10000) {
		if (!net->storm)
			CU_FAIL("advert storm: more than 10000 frames at one instant");
		net->storm = true;
		sim_stop(net->sim);
		return;
	}
	on = src->attached[ifindex];
	if (net->record) {
		struct tframe *f;

		if (net->nfr == net->capfr) {
			net->capfr = net->capfr ? net->capfr * 2 : 256;
			net->fr = realloc(net->fr, net->capfr * sizeof(*net->fr));
		}
		f = &net->fr[net->nfr++];
		f->t = sim_now(net->sim);
		f->node = src->id;
		f->ifindex = ifindex;
		f->on_wire = on;
		f->len = (uint32_t)len;
		f->b = malloc(len);
		memcpy(f->b, frame, len);
	}
	if (!on)
		return;
	for (int j = 0; j < net->nnodes; j++) {
		struct tnode *dst = &net->node[j];
		struct tdeliv *d;
		struct sim_handle h;

		if (j == src->id || !dst->attached[ifindex] || dst->part != src->part)
			continue;
		if (!(frame[0] & 1)) {
			static const uint8_t zero[VRRP_MAC_LEN];

			if (memcmp(frame, zero, VRRP_MAC_LEN)) {
				if (memcmp(frame, dst->mac, VRRP_MAC_LEN))
					continue;
			} else if (len < 34 || dst->ip[ifindex].af != LB_AF_INET ||
				   dst->ip[ifindex].u.v4 != frame_daddr4(frame)) {
				continue;
			}
		}
		if (net->loss_ppm && rnd(&net->rng, 1000000) < net->loss_ppm)
			continue;
		d = malloc(sizeof(*d) + len);
		d->net = net;
		d->node = j;
		d->ifindex = ifindex;
		d->len = (uint32_t)len;
		memcpy(d->b, frame, len);
		h = sim_schedule(net->sim, sim_now(net->sim) + net->delay_ns, tn_deliver, d, 0);
		sim_set_fin(net->sim, h, tn_free_ctx);
	}
}

static void tn_log(void *ctx, int level, const char *fmt, ...)
{
	struct tnode *n = ctx;
	va_list ap;

	if (!n->net->verbose)
		return;
	fprintf(stderr, "%12.6f %s: ", sim_time_to_sec(sim_now(n->net->sim)), n->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void tn_log_state(struct tnet *net, int node, int inst, enum vrrp_state from,
			 enum vrrp_state to)
{
	if (net->nst == net->capst) {
		net->capst = net->capst ? net->capst * 2 : 64;
		net->st = realloc(net->st, net->capst * sizeof(*net->st));
	}
	net->st[net->nst++] = (struct tstate){ sim_now(net->sim), node, inst, from, to };
}

static void tn_state_cb(void *arg, struct vrrp_instance *vi, enum vrrp_state from,
			enum vrrp_state to)
{
	struct tinst *ti = arg;
	struct tnet *net = ti->net;

	CU_ASSERT(vrrp_instance_sane(vi));
	/* a restart after a graceful stop reports from INIT */
	CU_ASSERT(from == ti->st || (from == VRRP_STATE_INIT && ti->st == VRRP_STATE_STOP));
	if (from != ti->st && !(from == VRRP_STATE_INIT && ti->st == VRRP_STATE_STOP))
		fprintf(stderr, "%s: %s -> %s, last seen %s\n", net->node[ti->node].name,
			vrrp_state_name(from), vrrp_state_name(to), vrrp_state_name(ti->st));
	if (net->pre)
		net->pre(net);
	ti->st = to;
	tn_log_state(net, ti->node, ti->idx, from, to);
	if (net->post)
		net->post(net);
}

static void tn_vips_cb(void *arg, struct vrrp_instance *vi, bool add)
{
	struct tinst *ti = arg;

	if (add)
		ti->vip_adds++;
	else
		ti->vip_dels++;
}

static void tn_lower_cb(void *arg, struct vrrp_instance *vi, const struct vrrp_advert *a)
{
	struct tinst *ti = arg;

	ti->lower_rx++;
}

static void tn_group_cb(void *arg, struct vrrp_sync_group *g, enum vrrp_state from,
			enum vrrp_state to)
{
	struct tnode *n = arg;
	struct tnet *net = n->net;

	if (net->ngst < sizeof(net->gst) / sizeof(net->gst[0]))
		net->gst[net->ngst++] = (struct tgstate){ sim_now(net->sim), n->id, from, to };
}

static struct tnet *tn_new(int64_t delay_ns)
{
	struct tnet *net = calloc(1, sizeof(*net));
	const char *v = getenv("LBSIM_TEST_VERBOSE");

	net->sim = sim_new(SIM_TIME_MAX);
	net->delay_ns = delay_ns;
	net->rng = 12345;
	net->rx = calloc(1, sizeof(*net->rx));
	net->verbose = v && *v && *v != '0';
	return net;
}

static void tn_free(struct tnet *net)
{
	for (int i = 0; i < net->nnodes; i++) {
		vrrp_sync_group_free(net->node[i].grp);
		for (int k = 0; k < net->node[i].ninst; k++)
			vrrp_instance_free(net->node[i].inst[k].vi);
	}
	sim_free(net->sim);
	for (size_t i = 0; i < net->nfr; i++)
		free(net->fr[i].b);
	free(net->fr);
	free(net->st);
	free(net->rx);
	free(net);
}

static int tn_node(struct tnet *net, const char *name, const char *mac, const char *ip0)
{
	struct tnode *n = &net->node[net->nnodes];

	CU_ASSERT_FATAL(net->nnodes < TN_NODES);
	n->net = net;
	n->id = net->nnodes;
	snprintf(n->name, sizeof(n->name), "%s", name);
	mac_parse(mac, n->mac);
	n->ip[0] = ip(ip0);
	for (int i = 0; i < TN_IFS; i++)
		n->attached[i] = true;
	n->env = (struct lb_env){
		.ctx = n,
		.now_ns = tn_now,
		.timer_arm = tn_arm,
		.timer_cancel = tn_cancel,
		.send = tn_send,
		.log = tn_log,
	};
	return net->nnodes++;
}

/* Add an instance to node <node>; ifindex, MAC and source address default to the node's. */
static int tn_inst(struct tnet *net, int node, const struct vrrp_instance_conf *conf)
{
	struct vrrp_instance_conf copy = *conf, *c = &copy;
	struct tnode *n = &net->node[node];
	struct tinst *ti = &n->inst[n->ninst];
	struct vrrp_callbacks cb = {
		.arg = ti,
		.state = tn_state_cb,
		.vips = tn_vips_cb,
		.master_rx_lower = tn_lower_cb,
	};

	CU_ASSERT_FATAL(n->ninst < TN_INST);
	memcpy(c->mac, n->mac, VRRP_MAC_LEN);
	if (!c->saddr.af)
		c->saddr = n->ip[c->ifindex];
	if (!c->name[0])
		snprintf(c->name, sizeof(c->name), "%s/VI_%u", n->name, c->vrid);
	ti->net = net;
	ti->node = node;
	ti->idx = n->ninst;
	ti->st = VRRP_STATE_INIT;
	CU_ASSERT_EQUAL_FATAL(vrrp_instance_new(c, &n->env, &cb, &ti->vi), 0);
	return n->ninst++;
}

static void tn_group(struct tnet *net, int node, bool tracking_weight)
{
	struct tnode *n = &net->node[node];
	struct vrrp_sync_group_callbacks cb = { .arg = n, .state = tn_group_cb };

	n->grp = vrrp_sync_group_new("SG", tracking_weight, &cb);
	for (int i = 0; i < n->ninst; i++)
		CU_ASSERT_EQUAL(vrrp_sync_group_add(n->grp, n->inst[i].vi), 0);
}

static struct vrrp_instance *tn_vi(struct tnet *net, int node, int inst)
{
	return net->node[node].inst[inst].vi;
}

static enum vrrp_state tn_st(struct tnet *net, int node, int inst)
{
	CU_ASSERT_EQUAL(net->node[node].inst[inst].st, vrrp_instance_state(tn_vi(net, node, inst)));
	return vrrp_instance_state(tn_vi(net, node, inst));
}

enum tact_type {
	A_START,	/* every instance of the node */
	A_STOP,
	A_KILL,
	A_DETACH,	/* arg = ifindex */
	A_ATTACH,
	A_TRACK_DOWN,	/* inst, arg = tracker index */
	A_TRACK_UP,
	A_LINK_DOWN,	/* the node's interface arg goes down: cable and instances */
	A_LINK_UP,
	A_PART,		/* node -> partition arg */
	A_HEAL,		/* every node back in partition 0 */
};

struct tact {
	struct tnet *net;
	enum tact_type type;
	int node, inst, arg;
};

static void tn_kill(struct tnet *net, int node)
{
	struct tnode *n = &net->node[node];

	for (int i = 0; i < n->ninst; i++) {
		struct tinst *ti = &n->inst[i];

		vrrp_instance_kill(ti->vi);
		if (ti->st != VRRP_STATE_INIT)
			tn_log_state(net, node, i, ti->st, VRRP_STATE_INIT);
		ti->st = VRRP_STATE_INIT;
	}
}

static sim_time_t tn_act_run(struct sim *sim, void *ctx, uint64_t arg)
{
	struct tact *a = ctx;
	struct tnet *net = a->net;
	struct tnode *n = &net->node[a->node];

	net->in_action = true;
	if (net->pre)
		net->pre(net);
	switch (a->type) {
	case A_START:
		for (int i = 0; i < n->ninst; i++)
			vrrp_instance_start(n->inst[i].vi);
		break;
	case A_STOP:
		for (int i = 0; i < n->ninst; i++)
			vrrp_instance_stop(n->inst[i].vi);
		break;
	case A_KILL:
		tn_kill(net, a->node);
		break;
	case A_DETACH:
	case A_ATTACH:
		n->attached[a->arg] = a->type == A_ATTACH;
		break;
	case A_TRACK_DOWN:
	case A_TRACK_UP:
		CU_ASSERT_EQUAL(vrrp_instance_set_track(n->inst[a->inst].vi, (size_t)a->arg,
							a->type == A_TRACK_UP),
				0);
		break;
	case A_LINK_DOWN:
	case A_LINK_UP:
		n->attached[a->arg] = a->type == A_LINK_UP;
		for (int i = 0; i < n->ninst; i++)
			if (vrrp_instance_conf(n->inst[i].vi)->ifindex == a->arg)
				vrrp_instance_set_link(n->inst[i].vi, a->type == A_LINK_UP);
		break;
	case A_PART:
		n->part = a->arg;
		break;
	case A_HEAL:
		for (int i = 0; i < net->nnodes; i++)
			net->node[i].part = 0;
		break;
	}
	if (net->post)
		net->post(net);
	net->in_action = false;
	free(a);
	return SIM_NOMORE;
}

static void tn_act(struct tnet *net, int64_t at, enum tact_type type, int node, int inst, int arg)
{
	struct tact *a = malloc(sizeof(*a));
	struct sim_handle h;

	*a = (struct tact){ net, type, node, inst, arg };
	h = sim_schedule(net->sim, at, tn_act_run, a, 0);
	sim_set_fin(net->sim, h, tn_free_ctx);
}

static void tn_run(struct tnet *net, int64_t until)
{
	sim_run(net->sim, until);
}

/* Time of the first transition of (node, inst) to <to> at or after <after>; -1 if none. */
static int64_t tn_when(const struct tnet *net, int node, int inst, enum vrrp_state to,
		       int64_t after)
{
	for (size_t i = 0; i < net->nst; i++)
		if (net->st[i].node == node && net->st[i].inst == inst && net->st[i].to == to &&
		    net->st[i].t >= after)
			return net->st[i].t;
	return -1;
}

/* Count recorded adverts from <node> with VRID <vrid> (priority <prio>, -1 any) in [from, to). */
static int tn_adverts(const struct tnet *net, int node, int vrid, int prio, int64_t from,
		      int64_t to)
{
	int n = 0;

	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];

		if (f->node != node || f->t < from || f->t >= to || !is_ipv4_vrrp(f->b, f->len))
			continue;
		if (f->b[35] == vrid && (prio < 0 || f->b[36] == prio))
			n++;
	}
	return n;
}

/* Time of the last advert from <node>/<vrid> sent before <before>; -1 if none. */
static int64_t tn_last_advert(const struct tnet *net, int node, int vrid, int64_t before)
{
	int64_t t = -1;

	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];

		if (f->node == node && f->t < before && is_ipv4_vrrp(f->b, f->len) &&
		    f->b[35] == vrid)
			t = f->t;
	}
	return t;
}

static int tn_garps(const struct tnet *net, int node, int64_t from, int64_t to)
{
	int n = 0;

	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];
		struct vrrp_arp a;

		if (f->node == node && f->t >= from && f->t < to &&
		    vrrp_arp_decode(f->b, f->len, &a) == 0 && vrrp_arp_is_garp(&a))
			n++;
	}
	return n;
}

static void conf_basic(struct vrrp_instance_conf *c, int vrid, int version, int prio,
		       int64_t adv_us, const struct lb_addr *vips, size_t nvips)
{
	vrrp_instance_conf_init(c);
	c->vrid = (uint8_t)vrid;
	c->version = (uint8_t)version;
	c->priority = (uint8_t)prio;
	c->adver_int_us = adv_us;
	c->vips = vips;
	c->nvips = nvips;
}

/* ---- timing: formulas and exact takeovers ---- */

#define MAC_A "02:00:00:00:00:0a"
#define MAC_B "02:00:00:00:00:0b"
#define MAC_C "02:00:00:00:00:0c"
#define MDI_V2_100 INT64_C(3609375)
#define MDI_V2_150 INT64_C(3414062)
#define SKEW_V2_100 INT64_C(609375)
#define MDI_V3_100_50 INT64_C(1804687)
#define MDI_V3_150_50 INT64_C(1707031)

static void test_formulas(void)
{
	static const struct {
		int prio;
		double v2, v3_1, v3_05, v3_01;	/* spec 7.2, seconds as printed */
	} mdi[] = {
		{ 100, 3.609, 3.609, 1.805, 0.361 }, { 150, 3.414, 3.414, 1.707, 0.341 },
		{ 200, 3.219, 3.219, 1.609, 0.322 }, { 254, 3.008, 3.008, 1.504, 0.301 },
		{ 50, 3.805, 3.805, 1.902, 0.380 },
	};
	static const struct {
		int prio;
		double v2, v3_1, v3_05, v3_01;
	} skew[] = {
		{ 100, 0.609, 0.609, 0.305, 0.061 },
		{ 150, 0.414, 0.414, 0.207, 0.041 },
	};

	CU_ASSERT_EQUAL(vrrp_skew_us(2, 100, VRRP_US_PER_S), SKEW_V2_100);
	CU_ASSERT_EQUAL(vrrp_skew_us(2, 100, 5 * VRRP_US_PER_S), SKEW_V2_100);
	CU_ASSERT_EQUAL(vrrp_master_down_us(2, 100, VRRP_US_PER_S, 3), MDI_V2_100);
	CU_ASSERT_EQUAL(vrrp_master_down_us(2, 150, VRRP_US_PER_S, 3), MDI_V2_150);
	CU_ASSERT_EQUAL(vrrp_master_down_us(3, 100, 500000, 3), MDI_V3_100_50);
	CU_ASSERT_EQUAL(vrrp_master_down_us(3, 150, 500000, 3), MDI_V3_150_50);
	CU_ASSERT_EQUAL(vrrp_master_down_us(2, 100, VRRP_US_PER_S, 5),
			5 * VRRP_US_PER_S + SKEW_V2_100);
	for (size_t i = 0; i < sizeof(mdi) / sizeof(mdi[0]); i++) {
		int p = mdi[i].prio;

		CU_ASSERT(fabs(vrrp_master_down_us(2, p, 1000000, 3) / 1e6 - mdi[i].v2) < 0.0005);
		CU_ASSERT(fabs(vrrp_master_down_us(3, p, 1000000, 3) / 1e6 - mdi[i].v3_1) < 0.0005);
		CU_ASSERT(fabs(vrrp_master_down_us(3, p, 500000, 3) / 1e6 - mdi[i].v3_05) < 0.0005);
		CU_ASSERT(fabs(vrrp_master_down_us(3, p, 100000, 3) / 1e6 - mdi[i].v3_01) < 0.0005);
	}
	for (size_t i = 0; i < sizeof(skew) / sizeof(skew[0]); i++) {
		int p = skew[i].prio;

		CU_ASSERT(fabs(vrrp_skew_us(2, p, 1000000) / 1e6 - skew[i].v2) < 0.0005);
		CU_ASSERT(fabs(vrrp_skew_us(3, p, 1000000) / 1e6 - skew[i].v3_1) < 0.0005);
		CU_ASSERT(fabs(vrrp_skew_us(3, p, 500000) / 1e6 - skew[i].v3_05) < 0.0005);
		CU_ASSERT(fabs(vrrp_skew_us(3, p, 100000) / 1e6 - skew[i].v3_01) < 0.0005);
	}
	/* spec 3.7 rounding */
	CU_ASSERT_EQUAL(vrrp_adver_int_round(2, 1500000), 2000000);
	CU_ASSERT_EQUAL(vrrp_adver_int_round(2, 1499999), 1000000);
	CU_ASSERT_EQUAL(vrrp_adver_int_round(2, 0), 1000000);
	CU_ASSERT_EQUAL(vrrp_adver_int_round(2, 300000000), 255000000);
	CU_ASSERT_EQUAL(vrrp_adver_int_round(3, 504000), 500000);
	CU_ASSERT_EQUAL(vrrp_adver_int_round(3, 505000), 510000);
	CU_ASSERT_EQUAL(vrrp_adver_int_round(3, 0), 10000);
	CU_ASSERT_EQUAL(vrrp_adver_int_round(3, 50000000), 40950000);
}

static void two_nodes(struct tnet *net)
{
	tn_node(net, "A", MAC_A, "10.0.0.10");
	tn_node(net, "B", MAC_B, "10.0.0.11");
}

/* Master-down and skew to the microsecond: start, kill -9, preemption, SIGTERM. */
static void test_mdi_exact(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;
	struct tnet *net = tn_new(0);

	two_nodes(net);
	conf_basic(&c, 1, 2, 150, S_NS / 1000, &vip, 1);
	tn_inst(net, 0, &c);
	conf_basic(&c, 1, 2, 100, S_NS / 1000, &vip, 1);
	tn_inst(net, 1, &c);
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, sec(0.5), A_START, 1, 0, 0);
	tn_act(net, sec(10.2), A_KILL, 0, 0, 0);
	tn_act(net, sec(20), A_START, 0, 0, 0);
	tn_act(net, sec(30), A_STOP, 0, 0, 0);
	tn_run(net, sec(40));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), MDI_V2_150 * US);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_BACKUP, 0), sec(0.5));
	/* kill -9: silence; the backup takes over one MDI after the last advert */
	CU_ASSERT_EQUAL(tn_last_advert(net, 0, 1, sec(10.2)), (MDI_V2_150 + 6000000) * US);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0),
			(MDI_V2_150 + 6000000 + MDI_V2_100) * US);
	CU_ASSERT_EQUAL(tn_adverts(net, 0, 1, -1, sec(10.2), sec(20)), 0);
	/* restart: it discards the lower adverts and preempts after its own MDI */
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, sec(20)), sec(20) + MDI_V2_150 * US);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_BACKUP, sec(20)), sec(20) + MDI_V2_150 * US);
	CU_ASSERT(vrrp_instance_stats(tn_vi(net, 0, 0))->lower_prio_discarded >= 3);
	/* SIGTERM: one priority-0 advert, takeover after the skew */
	CU_ASSERT_EQUAL(tn_adverts(net, 0, 1, 0, 0, sec(40)), 1);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, sec(30)), sec(30) + SKEW_V2_100 * US);
	CU_ASSERT_EQUAL(tn_st(net, 0, 0), VRRP_STATE_STOP);
	CU_ASSERT_EQUAL(tn_st(net, 1, 0), VRRP_STATE_MASTER);
	CU_ASSERT_EQUAL(net->node[0].inst[0].vip_adds, 2);
	CU_ASSERT_EQUAL(net->node[0].inst[0].vip_dels, 1); /* the kill leaves them */
	tn_free(net);

	/* the same with 1 ms on the wire: the backup counts from the arrival */
	net = tn_new(MS);
	two_nodes(net);
	conf_basic(&c, 1, 2, 150, S_NS / 1000, &vip, 1);
	tn_inst(net, 0, &c);
	conf_basic(&c, 1, 2, 100, S_NS / 1000, &vip, 1);
	tn_inst(net, 1, &c);
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, sec(0.5), A_START, 1, 0, 0);
	tn_act(net, sec(10.2), A_KILL, 0, 0, 0);
	tn_run(net, sec(20));
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0),
			tn_last_advert(net, 0, 1, sec(10.2)) + MS + MDI_V2_100 * US);
	tn_free(net);
}

/* Start-up: spec 2.3 and the first rows of 7.3. */
static void test_startup(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;
	struct vrrp_track_conf tr;
	struct vrrp_instance *vi;
	struct tnet *net;
	int64_t t;

	/* lone backup priority 100: 3.609375 s; the lab took 3.680 s with start-up */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 100, S_NS / 1000, &vip, 1);
	tn_inst(net, 1, &c);
	tn_act(net, sec(1), A_START, 1, 0, 0);
	tn_run(net, sec(10));
	t = tn_when(net, 1, 0, VRRP_STATE_MASTER, 0) - sec(1);
	CU_ASSERT_EQUAL(t, MDI_V2_100 * US);
	CU_ASSERT(sec(3.680) - t >= 0 && sec(3.680) - t <= 80 * MS);
	tn_free(net);

	/* `state MASTER` priority 150 with a priority-100 master: BACKUP, then preempts */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 150, S_NS / 1000, &vip, 1);
	c.state = VRRP_CONF_STATE_MASTER;
	tn_inst(net, 0, &c);
	conf_basic(&c, 1, 2, 100, S_NS / 1000, &vip, 1);
	tn_inst(net, 1, &c);
	tn_act(net, 0, A_START, 1, 0, 0);
	tn_act(net, sec(10), A_START, 0, 0, 0);
	tn_run(net, sec(20));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_BACKUP, 0), sec(10));
	t = tn_when(net, 0, 0, VRRP_STATE_MASTER, 0) - sec(10);
	CU_ASSERT_EQUAL(t, MDI_V2_150 * US);
	CU_ASSERT(sec(3.475) - t >= 0 && sec(3.475) - t <= 80 * MS);
	CU_ASSERT(sec(3.481) - t >= 0 && sec(3.481) - t <= 80 * MS);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_BACKUP, sec(10)), sec(10) + MDI_V2_150 * US);
	tn_free(net);

	/* owner: state MASTER + 255 is master 1 us after start; a lower master yields */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 0, S_NS / 1000, &vip, 1);
	c.state = VRRP_CONF_STATE_MASTER;
	tn_inst(net, 0, &c);
	CU_ASSERT_EQUAL(vrrp_instance_priority(tn_vi(net, 0, 0)), 255);
	conf_basic(&c, 1, 2, 100, S_NS / 1000, &vip, 1);
	tn_inst(net, 1, &c);
	tn_act(net, 0, A_START, 1, 0, 0);
	tn_act(net, sec(10), A_START, 0, 0, 0);
	tn_run(net, sec(20));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), sec(10) + US);
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_BACKUP, 0), -1);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_BACKUP, sec(10)), sec(10) + US);
	tn_free(net);

	/* vrrp_startup_delay: deaf in INIT, timers from start + delay */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 100, S_NS / 1000, &vip, 1);
	c.startup_delay_us = 2 * VRRP_US_PER_S;
	tn_inst(net, 1, &c);
	tn_act(net, 0, A_START, 1, 0, 0);
	tn_run(net, sec(1));
	CU_ASSERT_EQUAL(tn_st(net, 1, 0), VRRP_STATE_INIT);
	tn_run(net, sec(10));
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0), sec(2) + MDI_V2_100 * US);
	tn_free(net);

	/* a weight-0 script keeps the instance in FAULT until its first result */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 100, S_NS / 1000, &vip, 1);
	memset(&tr, 0, sizeof(tr));
	tr.kind = VRRP_TRACK_SCRIPT;
	tr.init = VRRP_TRACK_UNKNOWN;
	c.track = &tr;
	c.ntrack = 1;
	tn_inst(net, 1, &c);
	tn_act(net, 0, A_START, 1, 0, 0);
	tn_act(net, sec(1.5), A_TRACK_UP, 1, 0, 0);
	tn_run(net, sec(10));
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_FAULT, 0), 0);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_BACKUP, 0), sec(1.5));
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0), sec(1.5) + MDI_V2_100 * US);

	/* no usable source address: FAULT */
	conf_basic(&c, 2, 2, 100, S_NS / 1000, &vip, 1);
	CU_ASSERT_EQUAL_FATAL(vrrp_instance_new(&c, &net->node[0].env, NULL, &vi), 0);
	CU_ASSERT_EQUAL(vrrp_instance_start(vi), 0);
	CU_ASSERT_EQUAL(vrrp_instance_start(vi), -EALREADY);
	CU_ASSERT_EQUAL(vrrp_instance_state(vi), VRRP_STATE_FAULT);
	vrrp_instance_stop(vi);
	CU_ASSERT_EQUAL(vrrp_instance_state(vi), VRRP_STATE_STOP);
	CU_ASSERT(vrrp_instance_sane(vi));
	vrrp_instance_free(vi);
	tn_free(net);
}

/* v3: the backup learns the master's 50 cs interval (spec 3.7, 7.3 row 5). */
static void test_v3_learned(void)
{
	struct lb_addr vips[2] = { ip("10.0.0.101"), ip("10.0.0.102") };
	struct vrrp_instance_conf c;
	struct tnet *net = tn_new(0);
	const struct vrrp_instance *b;
	int64_t last, t;

	two_nodes(net);
	conf_basic(&c, 52, 3, 150, 500000, vips, 2);
	tn_inst(net, 0, &c);
	conf_basic(&c, 52, 3, 100, VRRP_US_PER_S, vips, 2);
	tn_inst(net, 1, &c);
	b = tn_vi(net, 1, 0);
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, sec(0.3), A_START, 1, 0, 0);
	tn_act(net, sec(5), A_KILL, 0, 0, 0);
	tn_run(net, sec(3));
	CU_ASSERT_EQUAL(vrrp_instance_master_adv_us(b), 500000);
	CU_ASSERT_EQUAL(vrrp_instance_master_down_us(b), MDI_V3_100_50);
	CU_ASSERT_EQUAL(vrrp_instance_stats(b)->interval_learned, 1);
	tn_run(net, sec(12));
	last = tn_last_advert(net, 0, 52, sec(5));
	CU_ASSERT_EQUAL(last, MDI_V3_150_50 * US + sec(3));
	t = tn_when(net, 1, 0, VRRP_STATE_MASTER, 0);
	CU_ASSERT_EQUAL(t, last + MDI_V3_100_50 * US);
	/* the new master advertises its own 1 s (100 cs) */
	CU_ASSERT_EQUAL(tn_adverts(net, 1, 52, 100, t, t + sec(3) + 1), 4);
	for (size_t i = 0; i < net->nfr; i++)
		if (net->fr[i].node == 1 && is_ipv4_vrrp(net->fr[i].b, net->fr[i].len))
			CU_ASSERT_EQUAL((net->fr[i].b[38] & 0xf) << 8 | net->fr[i].b[39], 100);
	CU_ASSERT_EQUAL(vrrp_instance_master_adv_us(b), VRRP_US_PER_S);
	tn_free(net);
}

/* preempt_delay (spec 3.1): accept lower adverts for D from the first, then take over. */
static void test_preempt_delay(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;
	struct vrrp_track_conf tr;
	struct tnet *net;
	int64_t first = -1, last = -1, t2 = -1;

	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 3, 150, 500000, &vip, 1);
	c.preempt_delay_us = 5 * VRRP_US_PER_S;
	tn_inst(net, 0, &c);
	conf_basic(&c, 1, 3, 100, 500000, &vip, 1);
	tn_inst(net, 1, &c);
	net->record = true;
	tn_act(net, 0, A_START, 1, 0, 0);
	tn_act(net, sec(10.1), A_START, 0, 0, 0);
	tn_run(net, sec(30));
	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];

		if (f->node != 1 || !is_ipv4_vrrp(f->b, f->len) || f->t < sec(10.1))
			continue;
		if (first < 0)
			first = f->t;
		if (f->t < first + sec(5))
			last = f->t;
	}
	CU_ASSERT(first > 0 && last > first);
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), last + MDI_V3_150_50 * US);
	tn_free(net);

	/* an advert >= own priority clears the clock; it restarts at the next lower one */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 3, 150, 500000, &vip, 1);
	c.preempt_delay_us = 5 * VRRP_US_PER_S;
	tn_inst(net, 0, &c);
	conf_basic(&c, 1, 3, 100, 500000, &vip, 1);
	memset(&tr, 0, sizeof(tr));
	tr.kind = VRRP_TRACK_SCRIPT;
	tr.weight = 100;
	tr.init = VRRP_TRACK_DOWN;
	c.track = &tr;
	c.ntrack = 1;
	tn_inst(net, 1, &c);
	net->record = true;
	tn_act(net, 0, A_START, 1, 0, 0);
	tn_act(net, sec(10.1), A_START, 0, 0, 0);
	tn_act(net, sec(12), A_TRACK_UP, 1, 0, 0);
	tn_act(net, sec(13), A_TRACK_DOWN, 1, 0, 0);
	tn_run(net, sec(30));
	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];

		if (f->node == 1 && is_ipv4_vrrp(f->b, f->len) && f->t >= sec(13) && t2 < 0)
			t2 = f->t;
	}
	last = -1;
	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];

		if (f->node == 1 && is_ipv4_vrrp(f->b, f->len) && f->t < t2 + sec(5))
			last = f->t;
	}
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), last + MDI_V3_150_50 * US);
	tn_free(net);

	/* nothing heard: plain master-down */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 3, 150, 500000, &vip, 1);
	c.preempt_delay_us = 5 * VRRP_US_PER_S;
	tn_inst(net, 0, &c);
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_run(net, sec(10));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), MDI_V3_150_50 * US);
	tn_free(net);
}

/* nopreempt: a returning higher priority stays backup while the master lives. */
static void test_nopreempt(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;
	struct tnet *net = tn_new(MS / 2);
	int64_t last;

	two_nodes(net);
	conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, &vip, 1);
	c.nopreempt = true;
	tn_inst(net, 0, &c);
	CU_ASSERT(vrrp_instance_conf(tn_vi(net, 0, 0))->nopreempt);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	tn_inst(net, 1, &c);
	net->record = true;
	tn_act(net, 0, A_START, 1, 0, 0);
	tn_act(net, sec(10), A_START, 0, 0, 0);
	tn_act(net, sec(40.3), A_KILL, 1, 0, 0);
	tn_run(net, sec(40));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), -1);
	CU_ASSERT_EQUAL(tn_st(net, 1, 0), VRRP_STATE_MASTER);
	tn_run(net, sec(50));
	last = tn_last_advert(net, 1, 1, sec(40.3));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), last + MS / 2 + MDI_V2_150 * US);
	tn_free(net);

	/* `state MASTER` (or priority 255) clears nopreempt */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, &vip, 1);
	c.nopreempt = true;
	c.state = VRRP_CONF_STATE_MASTER;
	tn_inst(net, 0, &c);
	CU_ASSERT(!vrrp_instance_conf(tn_vi(net, 0, 0))->nopreempt);
	tn_free(net);
}

/* Equal priorities: only a master compares addresses; the higher address wins. */
static void test_tie_break(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;

	for (int d = 0; d < 2; d++) {
		struct tnet *net = tn_new(d * MS);

		two_nodes(net);
		conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
		tn_inst(net, 0, &c);
		tn_inst(net, 1, &c);
		tn_act(net, 0, A_START, 0, 0, 0);
		tn_act(net, 0, A_START, 1, 0, 0);
		tn_run(net, sec(20));
		/* both time out together, both advertise, 10.0.0.10 steps down */
		CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), MDI_V2_100 * US);
		CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0), MDI_V2_100 * US);
		CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_BACKUP, sec(1)),
				MDI_V2_100 * US + d * MS);
		CU_ASSERT_EQUAL(tn_st(net, 0, 0), VRRP_STATE_BACKUP);
		CU_ASSERT_EQUAL(tn_st(net, 1, 0), VRRP_STATE_MASTER);
		/* the winner heard an equal priority from a lower address: forced advert */
		CU_ASSERT_EQUAL(net->node[1].inst[0].lower_rx, 1);
		tn_free(net);
	}
}

/* A master hearing a lower priority (partition heal, spec 3.2). */
static void test_lower_prio(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;

	for (int variant = 0; variant < 3; variant++) {
		struct tnet *net = tn_new(0);
		int64_t heal = sec(10.609375);

		two_nodes(net);
		conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, &vip, 1);
		c.lower_prio_no_advert = variant == 1;
		c.garp_lower_prio_repeat = variant == 2 ? 0 : -1;
		tn_inst(net, 0, &c);
		conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
		tn_inst(net, 1, &c);
		net->record = true;
		tn_act(net, 0, A_DETACH, 1, 0, 0);
		tn_act(net, 0, A_START, 0, 0, 0);
		tn_act(net, 0, A_START, 1, 0, 0);
		tn_act(net, sec(10.5), A_ATTACH, 1, 0, 0);
		tn_run(net, sec(30));
		CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0), MDI_V2_100 * US);
		/* B's advert at 10.609375 reaches A first */
		CU_ASSERT_EQUAL(net->node[0].inst[0].lower_rx, 1);
		if (variant == 1) {
			/* lower_prio_no_advert: B yields at A's next periodic advert */
			CU_ASSERT_EQUAL(tn_adverts(net, 0, 1, 150, heal, heal + 1), 0);
			CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_BACKUP, sec(5)),
					sec(11) + MDI_V2_150 * US - sec(3));
		} else {
			CU_ASSERT_EQUAL(tn_adverts(net, 0, 1, 150, heal, heal + 1), 1);
			CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_BACKUP, sec(5)), heal);
		}
		CU_ASSERT_EQUAL(tn_garps(net, 0, heal, heal + 1), variant == 2 ? 0 : 5);
		CU_ASSERT_EQUAL(tn_garps(net, 0, heal + sec(5), heal + sec(5) + 1),
				variant == 2 ? 0 : 5);
		CU_ASSERT_EQUAL(tn_garps(net, 1, heal, sec(30)), 0);
		tn_free(net);
	}
}

/* GARP bursts, refresh, pacing, excluded VIPs (spec 3.2). */
static void test_garp(void)
{
	struct lb_addr vips[3] = { ip("10.0.0.100"), ip("10.0.0.101"), ip("10.0.0.102") };
	struct vrrp_instance_conf c;
	const int64_t m = MDI_V2_100 * US;

	for (int variant = 0; variant < 6; variant++) {
		struct tnet *net = tn_new(0);

		two_nodes(net);
		conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, vips, 1);
		switch (variant) {
		case 1:
			c.garp_master_repeat = 3;
			c.garp_master_delay_us = 2 * VRRP_US_PER_S;
			break;
		case 2:
			c.garp_master_delay_us = 0;
			c.garp_master_repeat = 0; /* turned into 1 */
			break;
		case 3:
			c.nvips = 2;
			c.evips = vips + 2;
			c.nevips = 1;
			break;
		case 4:
			c.garp_master_refresh_us = 10 * VRRP_US_PER_S;
			c.garp_master_refresh_repeat = 2;
			break;
		case 5:
			c.garp_interval_us = 100000;
			break;
		}
		tn_inst(net, 1, &c);
		net->record = true;
		tn_act(net, 0, A_START, 1, 0, 0);
		if (variant == 0)
			tn_act(net, m + sec(4), A_STOP, 1, 0, 0);
		tn_run(net, sec(40));
		CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0), m);
		switch (variant) {
		case 0: /* stopped before the second burst: cancelled */
			CU_ASSERT_EQUAL(tn_garps(net, 1, m, m + 1), 5);
			CU_ASSERT_EQUAL(tn_garps(net, 1, m + 1, sec(40)), 0);
			break;
		case 1:
			CU_ASSERT_EQUAL(tn_garps(net, 1, m, m + 1), 3);
			CU_ASSERT_EQUAL(tn_garps(net, 1, m + sec(2), m + sec(2) + 1), 3);
			CU_ASSERT_EQUAL(tn_garps(net, 1, 0, sec(40)), 6);
			break;
		case 2:
			CU_ASSERT_EQUAL(tn_garps(net, 1, 0, sec(40)), 1);
			break;
		case 3: /* 2 VIPs + 1 excluded, 5 times, twice */
			CU_ASSERT_EQUAL(tn_garps(net, 1, m, m + 1), 15);
			CU_ASSERT_EQUAL(tn_garps(net, 1, m + sec(5), m + sec(5) + 1), 15);
			CU_ASSERT_EQUAL(tn_adverts(net, 1, 1, -1, 0, sec(40)) > 0, 1);
			break;
		case 4: /* refresh at the first advert 10 s after takeover, then every 10 s */
			CU_ASSERT_EQUAL(tn_garps(net, 1, m + 1, m + sec(10)), 5);
			CU_ASSERT_EQUAL(tn_garps(net, 1, m + sec(10), m + sec(10) + 1), 2);
			CU_ASSERT_EQUAL(tn_garps(net, 1, m + sec(20), m + sec(20) + 1), 2);
			CU_ASSERT_EQUAL(tn_garps(net, 1, m + sec(30), m + sec(30) + 1), 2);
			break;
		case 5: /* 100 ms apart */
			for (int k = 0; k < 5; k++) {
				int64_t at = m + k * sec(0.1);

				CU_ASSERT_EQUAL(tn_garps(net, 1, at, at + 1), 1);
			}
			CU_ASSERT_EQUAL(tn_garps(net, 1, 0, sec(40)), 10);
			break;
		}
		tn_free(net);
	}
}

/* FAULT: weight-0 tracker, own link, recovery, unicast GARP for the own address. */
static void test_fault(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;
	struct vrrp_track_conf tr;
	struct vrrp_peer peer;
	struct tnet *net;

	memset(&tr, 0, sizeof(tr));
	tr.kind = VRRP_TRACK_SCRIPT;
	tr.init = VRRP_TRACK_UP;

	/* weight-0 script fails on the master: two priority-0 adverts, skew takeover */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, &vip, 1);
	c.track = &tr;
	c.ntrack = 1;
	tn_inst(net, 0, &c);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	tn_inst(net, 1, &c);
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, sec(0.5), A_START, 1, 0, 0);
	tn_act(net, sec(10.2), A_TRACK_DOWN, 0, 0, 0);
	tn_act(net, sec(20), A_TRACK_UP, 0, 0, 0);
	tn_run(net, sec(30));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_FAULT, 0), sec(10.2));
	CU_ASSERT_EQUAL(tn_adverts(net, 0, 1, 0, 0, sec(30)), 2);
	CU_ASSERT_EQUAL(net->node[0].inst[0].vip_dels, 1);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0), sec(10.2) + SKEW_V2_100 * US);
	/* recovery: BACKUP with a full MDI; B's lower adverts are discarded */
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_BACKUP, sec(10.2)), sec(20));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, sec(10.2)),
			sec(20) + MDI_V2_150 * US);
	CU_ASSERT_EQUAL(vrrp_instance_stats(tn_vi(net, 0, 0))->fault_entries, 1);
	tn_free(net);

	/* own interface down: nothing can leave, the backup needs a full MDI */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, &vip, 1);
	tn_inst(net, 0, &c);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	tn_inst(net, 1, &c);
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, sec(0.5), A_START, 1, 0, 0);
	tn_act(net, sec(10.2), A_LINK_DOWN, 0, 0, 0);
	tn_run(net, sec(20));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_FAULT, 0), sec(10.2));
	CU_ASSERT_EQUAL(tn_adverts(net, 0, 1, 0, 0, sec(20)), 0);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0),
			tn_last_advert(net, 0, 1, sec(10.2)) + MDI_V2_100 * US);
	tn_free(net);

	/* dont_track_primary: no FAULT, the master keeps (silently) its state */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, &vip, 1);
	c.dont_track_primary = true;
	tn_inst(net, 0, &c);
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, sec(10.2), A_LINK_DOWN, 0, 0, 0);
	tn_run(net, sec(20));
	CU_ASSERT_EQUAL(tn_st(net, 0, 0), VRRP_STATE_MASTER);
	tn_free(net);

	/* unicast: leaving FAULT sends one GARP for the own address */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 3, 100, VRRP_US_PER_S, &vip, 1);
	memset(&peer, 0, sizeof(peer));
	peer.addr = ip("10.0.0.11");
	c.peers = &peer;
	c.npeers = 1;
	c.track = &tr;
	c.ntrack = 1;
	tn_inst(net, 0, &c);
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, sec(1), A_TRACK_DOWN, 0, 0, 0);
	tn_act(net, sec(2), A_TRACK_UP, 0, 0, 0);
	tn_run(net, sec(3));
	CU_ASSERT_EQUAL(tn_garps(net, 0, sec(2), sec(2) + 1), 1);
	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];
		struct vrrp_arp a;

		if (f->t == sec(2) && vrrp_arp_decode(f->b, f->len, &a) == 0)
			CU_ASSERT_EQUAL(a.spa.u.v4, 0x0a00000a);
	}
	tn_free(net);
}

/* Effective priority (spec 3.4) and the shifted master-down timer. */
static void test_track(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;
	struct vrrp_track_conf tr[4];
	struct tnet *net;
	struct vrrp_instance *vi;

	memset(tr, 0, sizeof(tr));
	tr[0] = (struct vrrp_track_conf){ "a", VRRP_TRACK_SCRIPT, 20, false, VRRP_TRACK_UP };
	tr[1] = (struct vrrp_track_conf){ "b", VRRP_TRACK_SCRIPT, -30, false, VRRP_TRACK_DOWN };
	tr[2] = (struct vrrp_track_conf){ "c", VRRP_TRACK_INTERFACE, 10, true, VRRP_TRACK_UP };
	tr[3] = (struct vrrp_track_conf){ "d", VRRP_TRACK_SCRIPT, -40, true, VRRP_TRACK_DOWN };
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	c.track = tr;
	c.ntrack = 4;
	tn_inst(net, 0, &c);
	vi = tn_vi(net, 0, 0);
	/* 100 + 20 - 30 - 10 + 40 */
	CU_ASSERT_EQUAL(vrrp_instance_priority(vi), 120);
	CU_ASSERT_EQUAL(vrrp_instance_set_track(vi, 0, false), 0);
	CU_ASSERT_EQUAL(vrrp_instance_priority(vi), 100);
	CU_ASSERT_EQUAL(vrrp_instance_set_track(vi, 1, true), 0);
	CU_ASSERT_EQUAL(vrrp_instance_set_track(vi, 2, false), 0);
	CU_ASSERT_EQUAL(vrrp_instance_set_track(vi, 3, true), 0);
	CU_ASSERT_EQUAL(vrrp_instance_priority(vi), 100);
	CU_ASSERT_EQUAL(vrrp_instance_set_track(vi, 9, true), -EINVAL);
	/* clamps: 1..254, owner fixed, weights to +-253 */
	conf_basic(&c, 2, 2, 250, VRRP_US_PER_S, &vip, 1);
	tr[0].weight = 300;
	c.track = tr;
	c.ntrack = 1;
	tn_inst(net, 0, &c);
	CU_ASSERT_EQUAL(vrrp_instance_conf(tn_vi(net, 0, 1))->track[0].weight, 253);
	CU_ASSERT_EQUAL(vrrp_instance_priority(tn_vi(net, 0, 1)), 254);
	conf_basic(&c, 3, 2, 255, VRRP_US_PER_S, &vip, 1);
	tr[0].weight = -100;
	tr[0].init = VRRP_TRACK_DOWN;
	c.track = tr;
	c.ntrack = 1;
	tn_inst(net, 0, &c);
	CU_ASSERT_EQUAL(vrrp_instance_priority(tn_vi(net, 0, 2)), 255);
	conf_basic(&c, 4, 2, 20, VRRP_US_PER_S, &vip, 1);
	c.track = tr;
	c.ntrack = 1;
	tn_inst(net, 0, &c);
	CU_ASSERT_EQUAL(vrrp_instance_priority(tn_vi(net, 0, 3)), 1);
	tn_free(net);

	/* a backup whose priority drops while its down timer runs: shifted by the MDI change */
	net = tn_new(0);
	two_nodes(net);
	conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, &vip, 1);
	tn_inst(net, 0, &c);
	tr[0] = (struct vrrp_track_conf){ "chk", VRRP_TRACK_SCRIPT, -60, false, VRRP_TRACK_UP };
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	c.track = tr;
	c.ntrack = 1;
	tn_inst(net, 1, &c);
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, sec(0.5), A_START, 1, 0, 0);
	tn_act(net, sec(10.2), A_KILL, 0, 0, 0);
	tn_act(net, sec(11), A_TRACK_DOWN, 1, 0, 0);
	tn_run(net, sec(20));
	CU_ASSERT_EQUAL(vrrp_instance_priority(tn_vi(net, 1, 0)), 40);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0),
			tn_last_advert(net, 0, 1, sec(10.2)) +
				vrrp_master_down_us(2, 40, VRRP_US_PER_S, 3) * US);
	tn_free(net);
}

/* vrrp_sync_group: spec 3.5 and the nat-sync expectations of spec 6.2. */
static void test_sync_group(void)
{
	struct lb_addr vext = ip("192.0.2.100"), vint = ip("172.16.10.1");
	struct vrrp_instance_conf c;
	struct vrrp_track_conf tr;
	struct tnet *net = tn_new(0);
	const int64_t mdi120 = vrrp_master_down_us(2, 120, VRRP_US_PER_S, 3) * US;
	const int64_t mdi110 = vrrp_master_down_us(2, 110, VRRP_US_PER_S, 3) * US;
	const int64_t skew110 = vrrp_skew_us(2, 110, VRRP_US_PER_S) * US;
	int64_t t2 = -1, last = -1;

	CU_ASSERT_EQUAL(mdi120, 3531250 * US);
	CU_ASSERT_EQUAL(mdi110, 3570312 * US);
	tn_node(net, "lb1", MAC_A, "192.0.2.11");
	tn_node(net, "lb2", MAC_B, "192.0.2.12");
	net->node[0].ip[1] = ip("172.16.10.11");
	net->node[1].ip[1] = ip("172.16.10.12");
	memset(&tr, 0, sizeof(tr));
	tr.kind = VRRP_TRACK_INTERFACE;
	tr.init = VRRP_TRACK_UP;
	for (int n = 0; n < 2; n++) {
		int prio = n ? 110 : 120;

		snprintf(tr.name, sizeof(tr.name), "eth1");
		conf_basic(&c, 61, 2, prio, VRRP_US_PER_S, &vext, 1);
		c.ifindex = 0;
		c.preempt_delay_us = n ? 0 : 15 * VRRP_US_PER_S;
		c.track = &tr;
		c.ntrack = 1;
		tn_inst(net, n, &c);
		conf_basic(&c, 62, 2, prio, VRRP_US_PER_S, &vint, 1);
		c.ifindex = 1;
		c.preempt_delay_us = n ? 0 : 15 * VRRP_US_PER_S;
		tn_inst(net, n, &c);
		tn_group(net, n, false);
	}
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, 0, A_START, 1, 0, 0);
	/* lb1 loses eth1: VI_INT faults (own link), VI_EXT's tracked eth1 too */
	tn_act(net, sec(10), A_LINK_DOWN, 0, 0, 1);
	tn_act(net, sec(10), A_TRACK_DOWN, 0, 0, 0);
	tn_act(net, sec(20), A_LINK_UP, 0, 0, 1);
	tn_act(net, sec(20), A_TRACK_UP, 0, 0, 0);
	tn_run(net, sec(60));

	/* cold start: lb1 (120) wins by 39 ms, both members together */
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, 0), mdi120);
	CU_ASSERT_EQUAL(tn_when(net, 0, 1, VRRP_STATE_MASTER, 0), mdi120);
	/* the fault: both lb1 members FAULT; priority 0 only on eth0 */
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_FAULT, 0), sec(10));
	CU_ASSERT_EQUAL(tn_when(net, 0, 1, VRRP_STATE_FAULT, 0), sec(10));
	CU_ASSERT_EQUAL(tn_adverts(net, 0, 61, 0, 0, sec(60)), 2);
	CU_ASSERT_EQUAL(tn_adverts(net, 0, 62, 0, 0, sec(60)), 0);
	/* lb2 VI_EXT would go after its skew, the group waits for VI_INT's full MDI */
	CU_ASSERT_EQUAL(tn_last_advert(net, 0, 62, sec(10)), sec(6) + mdi120);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0), sec(6) + mdi120 + mdi110);
	CU_ASSERT_EQUAL(tn_when(net, 1, 1, VRRP_STATE_MASTER, 0), sec(6) + mdi120 + mdi110);
	CU_ASSERT(sec(10) + skew110 < sec(6) + mdi120 + mdi110);
	/* back: lb1 accepts lb2's 110 adverts for 15 s, then preempts together */
	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];

		if (f->node == 1 && is_ipv4_vrrp(f->b, f->len) && f->b[35] == 61 &&
		    f->t >= sec(20) && t2 < 0)
			t2 = f->t;
	}
	last = tn_last_advert(net, 1, 61, t2 + sec(15));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_BACKUP, sec(15)), sec(20));
	CU_ASSERT_EQUAL(tn_when(net, 0, 0, VRRP_STATE_MASTER, sec(20)), last + mdi120);
	CU_ASSERT_EQUAL(tn_when(net, 0, 1, VRRP_STATE_MASTER, sec(20)), last + mdi120);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_BACKUP, sec(20)), last + mdi120);
	CU_ASSERT_EQUAL(tn_when(net, 1, 1, VRRP_STATE_BACKUP, sec(20)), last + mdi120);
	/* the groups' own notifications */
	{
		static const enum vrrp_state want1[] = { VRRP_STATE_BACKUP, VRRP_STATE_MASTER,
							 VRRP_STATE_FAULT, VRRP_STATE_BACKUP,
							 VRRP_STATE_MASTER };
		static const enum vrrp_state want2[] = { VRRP_STATE_BACKUP, VRRP_STATE_MASTER,
							 VRRP_STATE_BACKUP };
		size_t k1 = 0, k2 = 0;

		for (size_t i = 0; i < net->ngst; i++) {
			if (net->gst[i].node == 0) {
				CU_ASSERT(k1 < 5 && net->gst[i].to == want1[k1]);
				k1++;
			} else {
				CU_ASSERT(k2 < 3 && net->gst[i].to == want2[k2]);
				k2++;
			}
		}
		CU_ASSERT_EQUAL(k1, 5);
		CU_ASSERT_EQUAL(k2, 3);
		CU_ASSERT_EQUAL(vrrp_sync_group_state(net->node[0].grp), VRRP_STATE_MASTER);
		CU_ASSERT_STRING_EQUAL(vrrp_sync_group_name(net->node[0].grp), "SG");
	}
	tn_free(net);

	/* weighted trackers of members act as weight 0 without sync_group_tracking_weight */
	for (int tw = 0; tw < 2; tw++) {
		net = tn_new(0);
		two_nodes(net);
		tr = (struct vrrp_track_conf){ "c", VRRP_TRACK_SCRIPT, -30, false, VRRP_TRACK_UP };
		conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vext, 1);
		c.track = &tr;
		c.ntrack = 1;
		tn_inst(net, 0, &c);
		tn_group(net, 0, tw);
		tn_act(net, 0, A_START, 0, 0, 0);
		tn_act(net, sec(1), A_TRACK_DOWN, 0, 0, 0);
		tn_run(net, sec(2));
		CU_ASSERT_EQUAL(tn_st(net, 0, 0), tw ? VRRP_STATE_BACKUP : VRRP_STATE_FAULT);
		CU_ASSERT_EQUAL(vrrp_instance_priority(tn_vi(net, 0, 0)), tw ? 70 : 100);
		CU_ASSERT_EQUAL(vrrp_sync_group_add(net->node[0].grp, tn_vi(net, 0, 0)), -EBUSY);
		tn_free(net);
	}
}

/* Unicast: one advert per peer, modes never mix, check_unicast_src. */
static void test_unicast(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;
	struct vrrp_peer peers[3];
	static struct vrrp_advert a;
	struct tnet *net;
	int64_t m;
	int k = 0;

	net = tn_new(0);
	tn_node(net, "A", MAC_A, "10.0.0.10");
	tn_node(net, "B", MAC_B, "10.0.0.11");
	tn_node(net, "C", MAC_C, "10.0.0.12");
	memset(peers, 0, sizeof(peers));
	peers[0].addr = ip("10.0.0.11");
	mac_parse(MAC_B, peers[0].mac);
	peers[1].addr = ip("10.0.0.12"); /* MAC left to the environment */
	peers[2].addr = ip("10.0.0.13"); /* nobody there */
	conf_basic(&c, 5, 3, 150, VRRP_US_PER_S, &vip, 1);
	c.peers = peers;
	c.npeers = 3;
	tn_inst(net, 0, &c);
	memset(peers, 0, sizeof(peers));
	peers[0].addr = ip("10.0.0.10");
	peers[1].addr = ip("10.0.0.12");
	conf_basic(&c, 5, 3, 100, VRRP_US_PER_S, &vip, 1);
	c.peers = peers;
	c.npeers = 2;
	tn_inst(net, 1, &c);
	peers[1].addr = ip("10.0.0.11");
	conf_basic(&c, 5, 3, 50, VRRP_US_PER_S, &vip, 1);
	c.peers = peers;
	c.npeers = 2;
	tn_inst(net, 2, &c);
	net->record = true;
	for (int n = 0; n < 3; n++)
		tn_act(net, 0, A_START, n, 0, 0);
	tn_run(net, sec(20));
	m = tn_when(net, 0, 0, VRRP_STATE_MASTER, 0);
	CU_ASSERT_EQUAL(m, vrrp_master_down_us(3, 150, VRRP_US_PER_S, 3) * US);
	CU_ASSERT_EQUAL(tn_when(net, 1, 0, VRRP_STATE_MASTER, 0), -1);
	CU_ASSERT_EQUAL(tn_when(net, 2, 0, VRRP_STATE_MASTER, 0), -1);
	CU_ASSERT_EQUAL(tn_adverts(net, 0, 5, -1, m, m + 1), 3);
	for (size_t i = 0; i < net->nfr && k < 6; i++) {
		const struct tframe *f = &net->fr[i];
		static const uint32_t dst[3] = { 0x0a00000b, 0x0a00000c, 0x0a00000d };

		if (f->node != 0 || !is_ipv4_vrrp(f->b, f->len))
			continue;
		CU_ASSERT_EQUAL_FATAL(vrrp_frame_decode(f->b, f->len, &a), 0);
		CU_ASSERT(a.rx.csum_ok);
		CU_ASSERT_EQUAL(a.rx.ip_id, k + 1);
		CU_ASSERT_EQUAL(a.rx.daddr.u.v4, dst[k % 3]);
		CU_ASSERT_EQUAL(a.rx.dst_mac[0], k % 3 == 0 ? 0x02 : 0x00);
		k++;
	}
	CU_ASSERT_EQUAL(k, 6);
	tn_free(net);

	/* unicast on one side, multicast on the other: split brain */
	net = tn_new(0);
	two_nodes(net);
	memset(peers, 0, sizeof(peers));
	peers[0].addr = ip("10.0.0.11");
	conf_basic(&c, 5, 3, 150, VRRP_US_PER_S, &vip, 1);
	c.peers = peers;
	c.npeers = 1;
	tn_inst(net, 0, &c);
	conf_basic(&c, 5, 3, 100, VRRP_US_PER_S, &vip, 1);
	tn_inst(net, 1, &c);
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_act(net, 0, A_START, 1, 0, 0);
	tn_run(net, sec(20));
	CU_ASSERT_EQUAL(tn_st(net, 0, 0), VRRP_STATE_MASTER);
	CU_ASSERT_EQUAL(tn_st(net, 1, 0), VRRP_STATE_MASTER);
	CU_ASSERT(vrrp_instance_stats(tn_vi(net, 1, 0))->rx_verdict[VRRP_RX_MODE_MISMATCH] > 0);
	CU_ASSERT(vrrp_instance_stats(tn_vi(net, 0, 0))->rx_verdict[VRRP_RX_MODE_MISMATCH] > 0);
	tn_free(net);

	/* check_unicast_src: adverts from a non-peer are refused */
	net = tn_new(0);
	tn_node(net, "A", MAC_A, "10.0.0.10");
	tn_node(net, "B", MAC_B, "10.0.0.11");
	tn_node(net, "C", MAC_C, "10.0.0.12");
	memset(peers, 0, sizeof(peers));
	peers[0].addr = ip("10.0.0.11");
	conf_basic(&c, 5, 3, 150, VRRP_US_PER_S, &vip, 1);
	c.peers = peers;
	c.npeers = 1;
	tn_inst(net, 0, &c); /* A -> B */
	tn_inst(net, 2, &c); /* C -> B, but B does not list C */
	peers[0].addr = ip("10.0.0.10");
	conf_basic(&c, 5, 3, 100, VRRP_US_PER_S, &vip, 1);
	c.peers = peers;
	c.npeers = 1;
	c.check_unicast_src = true;
	tn_inst(net, 1, &c);
	for (int n = 0; n < 3; n++)
		tn_act(net, 0, A_START, n, 0, 0);
	tn_run(net, sec(20));
	CU_ASSERT_EQUAL(tn_st(net, 1, 0), VRRP_STATE_BACKUP);
	CU_ASSERT(vrrp_instance_stats(tn_vi(net, 1, 0))->rx_verdict[VRRP_RX_UNKNOWN_SOURCE] > 0);
	CU_ASSERT(vrrp_instance_stats(tn_vi(net, 1, 0))->rx_verdict[VRRP_RX_OK] > 0);
	tn_free(net);
}

/* keepalived is stricter than the RFC: any mismatch makes two masters (spec 1.6). */
static void test_misconfig(void)
{
	struct lb_addr vips[2] = { ip("10.0.0.100"), ip("10.0.0.101") };
	static const enum vrrp_rx_verdict want[] = {
		VRRP_RX_BAD_PASSWORD, VRRP_RX_ADDR_MISMATCH, VRRP_RX_INTERVAL_MISMATCH,
		VRRP_RX_BAD_LENGTH, VRRP_RX_ADDR_COUNT,
	};

	for (int v = 0; v < 5; v++) {
		struct vrrp_instance_conf c;
		struct tnet *net = tn_new(0);

		two_nodes(net);
		conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, vips, v == 4 ? 2 : 1);
		c.auth_type = VRRP_AUTH_PASS;
		snprintf(c.auth_pass, sizeof(c.auth_pass), "secret");
		tn_inst(net, 0, &c);
		conf_basic(&c, 1, v == 3 ? 3 : 2, 100, v == 2 ? 2 * VRRP_US_PER_S : VRRP_US_PER_S,
			   v == 1 ? vips + 1 : vips, 1);
		c.auth_type = VRRP_AUTH_PASS;
		snprintf(c.auth_pass, sizeof(c.auth_pass), v == 0 ? "other" : "secret");
		tn_inst(net, 1, &c);
		tn_act(net, 0, A_START, 0, 0, 0);
		tn_act(net, 0, A_START, 1, 0, 0);
		tn_run(net, sec(30));
		CU_ASSERT_EQUAL(tn_st(net, 0, 0), VRRP_STATE_MASTER);
		CU_ASSERT_EQUAL(tn_st(net, 1, 0), VRRP_STATE_MASTER);
		CU_ASSERT(vrrp_instance_stats(tn_vi(net, 1, 0))->rx_verdict[want[v]] > 0);
		CU_ASSERT_EQUAL(vrrp_instance_stats(tn_vi(net, 1, 0))->rx_verdict[VRRP_RX_OK], 0);
		tn_free(net);
	}
}

static int conf_try(struct vrrp_instance_conf *c, struct vrrp_instance **vi)
{
	static struct tnet *net;
	int rc;

	if (!c) {
		tn_free(net);
		net = NULL;
		return 0;
	}
	if (!net) {
		net = tn_new(0);
		two_nodes(net);
	}
	if (!c->saddr.af)
		c->saddr = ip("10.0.0.10");
	rc = vrrp_instance_new(c, &net->node[0].env, NULL, vi);
	return rc;
}

/* Configuration corrections keepalived applies (spec 2.3, 3.x, 4.6). */
static void test_conf(void)
{
	static struct lb_addr many[300];
	struct lb_addr vip = ip("10.0.0.100"), v6 = ip("2001:db8::1"), ff02_12 = ip("ff02::12");
	const struct vrrp_instance_conf *k;
	struct vrrp_instance_conf c;
	struct vrrp_instance *vi;
	struct vrrp_peer peer;

	vrrp_instance_conf_init(&c);
	CU_ASSERT_EQUAL(c.adver_int_us, VRRP_US_PER_S);
	CU_ASSERT_EQUAL(c.garp_master_repeat, 5);
	CU_ASSERT_EQUAL(c.garp_master_delay_us, 5 * VRRP_US_PER_S);
	CU_ASSERT_EQUAL(c.down_timer_adverts, 3);

	conf_basic(&c, 1, 0, 0, VRRP_US_PER_S, &vip, 1);
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	k = vrrp_instance_conf(vi);
	CU_ASSERT_EQUAL(k->priority, 100);
	CU_ASSERT_EQUAL(k->state, VRRP_CONF_STATE_BACKUP);
	CU_ASSERT_EQUAL(k->version, 2);
	CU_ASSERT_EQUAL(k->mcast_dst.u.v4, VRRP_MCAST4);
	CU_ASSERT_EQUAL(k->garp_lower_prio_repeat, 5);
	CU_ASSERT_EQUAL(k->garp_lower_prio_delay_us, 5 * VRRP_US_PER_S);
	vrrp_instance_free(vi);

	conf_basic(&c, 1, 2, 255, VRRP_US_PER_S, &vip, 1);
	c.nopreempt = true;
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	CU_ASSERT_EQUAL(vrrp_instance_conf(vi)->state, VRRP_CONF_STATE_MASTER);
	CU_ASSERT(!vrrp_instance_conf(vi)->nopreempt);
	vrrp_instance_free(vi);

	conf_basic(&c, 1, 2, 150, VRRP_US_PER_S, &vip, 1);
	c.state = VRRP_CONF_STATE_MASTER;
	c.preempt_delay_us = 5 * VRRP_US_PER_S;
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	CU_ASSERT_EQUAL(vrrp_instance_conf(vi)->preempt_delay_us, 0);
	vrrp_instance_free(vi);

	/* rounding, and the wire field that follows */
	conf_basic(&c, 1, 2, 100, 1500000, &vip, 1);
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	CU_ASSERT_EQUAL(vrrp_instance_conf(vi)->adver_int_us, 2 * VRRP_US_PER_S);
	CU_ASSERT_EQUAL(vrrp_instance_master_down_us(vi), 6 * VRRP_US_PER_S + SKEW_V2_100);
	vrrp_instance_free(vi);

	/* refusals */
	conf_basic(&c, 0, 2, 100, VRRP_US_PER_S, &vip, 1);
	CU_ASSERT_EQUAL(conf_try(&c, &vi), -EINVAL);
	CU_ASSERT_PTR_NULL(vi);
	conf_basic(&c, 1, 3, 100, VRRP_US_PER_S, NULL, 0);
	CU_ASSERT_EQUAL(conf_try(&c, &vi), -EINVAL);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, NULL, 0);
	CU_ASSERT_EQUAL(conf_try(&c, &vi), 0);
	vrrp_instance_free(vi);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &v6, 1);
	CU_ASSERT_EQUAL(conf_try(&c, &vi), -EINVAL); /* IPv4 source, IPv6 VIP */
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	c.auth_type = VRRP_AUTH_AH;
	snprintf(c.auth_pass, sizeof(c.auth_pass), "x");
	CU_ASSERT_EQUAL(conf_try(&c, &vi), -EOPNOTSUPP);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	memset(&peer, 0, sizeof(peer));
	peer.addr = ip("10.0.0.11");
	c.peers = &peer;
	c.npeers = 1;
	c.strict_mode = true;
	CU_ASSERT_EQUAL(conf_try(&c, &vi), -EINVAL);

	/* strict mode forces its rules */
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	c.strict_mode = true;
	c.higher_prio_send_advert = true;
	c.down_timer_adverts = 5;
	c.auth_type = VRRP_AUTH_PASS;
	snprintf(c.auth_pass, sizeof(c.auth_pass), "x");
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	k = vrrp_instance_conf(vi);
	CU_ASSERT(k->lower_prio_no_advert && !k->higher_prio_send_advert);
	CU_ASSERT_EQUAL(k->garp_lower_prio_repeat, 0);
	CU_ASSERT_EQUAL(k->down_timer_adverts, 3);
	CU_ASSERT_EQUAL(k->auth_type, VRRP_AUTH_NONE);
	vrrp_instance_free(vi);

	/* auth: ignored for v3, truncated to 8 bytes for v2 */
	conf_basic(&c, 1, 3, 100, VRRP_US_PER_S, &vip, 1);
	c.auth_type = VRRP_AUTH_PASS;
	snprintf(c.auth_pass, sizeof(c.auth_pass), "secret");
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	CU_ASSERT_EQUAL(vrrp_instance_conf(vi)->auth_type, VRRP_AUTH_NONE);
	vrrp_instance_free(vi);

	/* too many VIPs: the rest are excluded */
	for (int i = 0; i < 300; i++)
		many[i] = (struct lb_addr){ .af = LB_AF_INET, .u.v4 = 0x0a010000u + (uint32_t)i };
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, many, 300);
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	CU_ASSERT_EQUAL(vrrp_instance_conf(vi)->nvips, 255);
	CU_ASSERT_EQUAL(vrrp_instance_conf(vi)->nevips, 45);
	CU_ASSERT_EQUAL(vrrp_instance_conf(vi)->evips[0].u.v4, 0x0a010000u + 255);
	vrrp_instance_free(vi);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, many, 300);
	c.mtu = 200;
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	CU_ASSERT_EQUAL(vrrp_instance_conf(vi)->nvips, (200 - 14 - 20 - 8 - 8) / 4);
	vrrp_instance_free(vi);

	/* IPv6: version 3 and ff02::12 by default */
	conf_basic(&c, 1, 0, 100, VRRP_US_PER_S, &v6, 1);
	c.saddr = ip("fe80::1");
	CU_ASSERT_EQUAL_FATAL(conf_try(&c, &vi), 0);
	k = vrrp_instance_conf(vi);
	CU_ASSERT_EQUAL(k->version, 3);
	CU_ASSERT(lb_addr_eq(&k->mcast_dst, &ff02_12));
	vrrp_instance_free(vi);
	conf_try(NULL, NULL);
	CU_ASSERT_STRING_EQUAL(vrrp_state_name(VRRP_STATE_MASTER), "MASTER");
	CU_ASSERT_STRING_EQUAL(vrrp_state_name(VRRP_STATE_COUNT), "?");
}

/* The password on the wire: truncated to 8 bytes, zero padded. */
static void test_auth_wire(void)
{
	struct lb_addr vip = ip("10.0.0.100");
	struct vrrp_instance_conf c;
	struct tnet *net = tn_new(0);
	int seen = 0;

	two_nodes(net);
	conf_basic(&c, 1, 2, 100, VRRP_US_PER_S, &vip, 1);
	c.auth_type = VRRP_AUTH_PASS;
	snprintf(c.auth_pass, sizeof(c.auth_pass), "longpassword");
	tn_inst(net, 0, &c);
	conf_basic(&c, 2, 2, 100, VRRP_US_PER_S, &vip, 1);
	c.auth_type = VRRP_AUTH_PASS;
	snprintf(c.auth_pass, sizeof(c.auth_pass), "pw");
	tn_inst(net, 0, &c);
	net->record = true;
	tn_act(net, 0, A_START, 0, 0, 0);
	tn_run(net, sec(5));
	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];

		if (!is_ipv4_vrrp(f->b, f->len))
			continue;
		seen++;
		if (f->b[35] == 1) {
			CU_ASSERT(!memcmp(f->b + f->len - 8, "longpass", 8));
		} else {
			CU_ASSERT(!memcmp(f->b + f->len - 8, "pw\0\0\0\0\0\0", 8));
		}
	}
	CU_ASSERT(seen >= 4);
	tn_free(net);
}

/* vrrp_script hysteresis (spec 3.4). */
static void test_script_status(void)
{
	struct vrrp_script_status s;

	vrrp_script_status_init(&s, 2, 3, false);
	CU_ASSERT_EQUAL(vrrp_script_status_get(&s), VRRP_TRACK_UNKNOWN);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, false), VRRP_TRACK_DOWN); /* first decides */
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, true), VRRP_TRACK_DOWN);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, true), VRRP_TRACK_UP);	/* rise 2 */
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, false), VRRP_TRACK_UP);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, false), VRRP_TRACK_UP);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, true), VRRP_TRACK_UP);	/* back to full */
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, false), VRRP_TRACK_UP);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, false), VRRP_TRACK_UP);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, false), VRRP_TRACK_DOWN); /* fall 3 */
	vrrp_script_status_init(&s, 5, 5, false);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, true), VRRP_TRACK_UP);
	vrrp_script_status_init(&s, 1, 1, true);
	CU_ASSERT_EQUAL(vrrp_script_status_get(&s), VRRP_TRACK_DOWN);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, true), VRRP_TRACK_UP);
	CU_ASSERT_EQUAL(vrrp_script_status_result(&s, false), VRRP_TRACK_DOWN);
}

/* ---- replaying the lab captures ---- */

#define RP_OFF 20.0		/* simulated time = capture time + 20 s */
#define RP_TOL (50 * MS)	/* lab processing and per-advert drift */
#define K(node, vrid) ((node) * 1000 + (vrid))
#define G(node, octet) ((node) * 1000 + 500 + (octet))

struct rp_inst {
	int node;
	int vrid, version, prio;
	enum vrrp_conf_state state;
	double adv;
	const char *pass;
	const char *vip[2];
	bool unicast;		/* peer = the other node, with its MAC */
	double pd;
	bool hpsa;
	int garp_repeat;	/* 0 = default */
	double garp_delay;	/* 0 = default */
	int track_weight;	/* 0 = no tracker */
};

struct rp_act {
	double t;
	enum tact_type type;
	int node, inst, arg;
};

/* A spec 7.3 row measured on a pair of frames: (stream, index) -> (stream, index). */
struct rp_row {
	const char *what;
	int ka, ia, kb, ib;
	int64_t sim_us;		/* exact simulated interval */
	int64_t lab_ms;		/* lab - simulation must be in [0, lab_ms] */
};

struct rp {
	const char *pcap;
	const char *ip[2], *mac[2];
	struct rp_inst in[4];
	int nin;
	struct rp_act act[8];
	int nact;
	bool arp;		/* the capture has the ARP traffic too */
	struct rp_row row[6];
	int nrow;
};

#define LB1_MAC "d6:a1:87:f7:7c:ab"
#define LB2_MAC "b2:c1:01:31:6e:b6"

static const struct rp replays[] = {
	{
		.pcap = "v2-mcast-auth-start-preempt-kill-sigterm.pcap",
		.ip = { "10.10.0.11", "10.10.0.12" },
		.mac = { LB1_MAC, LB2_MAC },
		.in = { { 0, 51, 2, 150, VRRP_CONF_STATE_MASTER, 1.0, "secret12",
			  { "10.10.0.100" } },
			{ 1, 51, 2, 100, VRRP_CONF_STATE_BACKUP, 1.0, "secret12",
			  { "10.10.0.100" } } },
		.nin = 2,
		.act = { { -3.609375, A_START, 1 },
			 { 0.842376 - 3.414062, A_START, 0 },
			 { 12.3, A_KILL, 0 },
			 { 24.740020 - 3.414062, A_START, 0 },
			 { 33.308336, A_STOP, 0 } },
		.nact = 5,
		.arp = true,
		.row = { { "kill -9 master; backup 100 master after the master's last advert",
			   K(0, 51), 11, K(1, 51), 1, 3609375, 15 },
			 { "SIGTERM master; backup 100 master after the priority-0 advert",
			   K(0, 51), 21, K(1, 51), 11, 609375, 15 },
			 { "GARPs after becoming master: 5 now", K(0, 51), 0, G(0, 100), 4, 0, 15 },
			 { "GARPs after becoming master: 5 after 5 s", G(0, 100), 0, G(0, 100), 5,
			   5000000, 15 } },
		.nrow = 4,
	},
	{
		.pcap = "v2-partition-heal-higher-prio-send-advert.pcap",
		.ip = { "10.10.0.11", "10.10.0.12" },
		.mac = { LB1_MAC, LB2_MAC },
		.in = { { 0, 51, 2, 150, VRRP_CONF_STATE_MASTER, 1.0, NULL, { "10.10.0.100" },
			  .hpsa = true },
			{ 1, 51, 2, 100, VRRP_CONF_STATE_BACKUP, 1.0, NULL, { "10.10.0.100" },
			  .hpsa = true } },
		.nin = 2,
		.act = { { -15, A_DETACH, 0, 0, 0 },
			 { 7.860976 - 8 - 3.414062, A_START, 0 },
			 { -3.609375, A_START, 1 },
			 { 7.8605, A_ATTACH, 0, 0, 0 },
			 { 15.397885, A_STOP, 0 } },
		.nact = 5,
		.arp = true,
		.row = { { "partition heal: the loser sends an advert", K(0, 51), 0, K(1, 51), 8, 0,
			   15 },
			 { "partition heal: the winner re-advertises", K(0, 51), 0, K(0, 51), 1, 0,
			   15 },
			 { "partition heal: ... with 5 GARPs in the same ms", K(0, 51), 1,
			   G(0, 100), 4, 0, 15 },
			 { "partition heal: 5 more GARPs at +5.0 s", G(0, 100), 0, G(0, 100), 5,
			   5000000, 15 } },
		.nrow = 4,
	},
	{
		.pcap = "v2-partition-heal.pcap",
		.ip = { "10.10.0.11", "10.10.0.12" },
		.mac = { LB1_MAC, LB2_MAC },
		.in = { { 0, 51, 2, 150, VRRP_CONF_STATE_MASTER, 1.0, NULL, { "10.10.0.100" } },
			{ 1, 51, 2, 100, VRRP_CONF_STATE_BACKUP, 1.0, NULL, { "10.10.0.100" } } },
		.nin = 2,
		.act = { { -15, A_DETACH, 0, 0, 0 },
			 { 2.798787 - 3 - 3.414062, A_START, 0 },
			 { -3.609375, A_START, 1 },
			 { 2.7985, A_ATTACH, 0, 0, 0 },
			 { 10.366619, A_STOP, 0 } },
		.nact = 5,
		.arp = true,
		.row = { { "partition heal, silent loser: no GARP until the second burst", K(0, 51),
			   0, G(0, 100), 0, 2000000, 15 } },
		.nrow = 1,
	},
	{
		.pcap = "v2-track-script-weight-minus60.pcap",
		.ip = { "10.10.0.11", "10.10.0.12" },
		.mac = { LB1_MAC, LB2_MAC },
		.in = { { 0, 51, 2, 150, VRRP_CONF_STATE_MASTER, 1.0, NULL, { "10.10.0.100" },
			  .track_weight = -60 },
			{ 1, 51, 2, 100, VRRP_CONF_STATE_BACKUP, 1.0, NULL, { "10.10.0.100" } } },
		.nin = 2,
		.act = { { -3.414062, A_START, 0 },
			 { -1.0, A_START, 1 },
			 { 4.5, A_TRACK_DOWN, 0, 0, 0 },
			 { 12.0, A_TRACK_UP, 0, 0, 0 },
			 { 20.636625, A_STOP, 0 } },
		.nact = 5,
		.row = { { "weighted script -60 fails on master 150: backup 100 master after "
			   "the last 150-advert",
			   K(0, 51), 4, K(1, 51), 0, 3609375, 15 },
			 { "recovered script (150 again) as backup: master after the last accepted "
			   "100-advert",
			   K(1, 51), 4, K(0, 51), 8, 3414062, 15 } },
		.nrow = 2,
	},
	{
		.pcap = "v3-mcast-adv50cs-learned-interval-kill.pcap",
		.ip = { "10.10.0.11", "10.10.0.12" },
		.mac = { LB1_MAC, LB2_MAC },
		.in = { { 0, 52, 3, 150, VRRP_CONF_STATE_BACKUP, 0.5, NULL,
			  { "10.10.0.101", "10.10.0.102" } },
			{ 1, 52, 3, 100, VRRP_CONF_STATE_BACKUP, 1.0, NULL,
			  { "10.10.0.101", "10.10.0.102" } } },
		.nin = 2,
		.act = { { -1.707031, A_START, 0 },
			 { -0.9, A_START, 1 },
			 { 6.2, A_KILL, 0 },
			 { 10.323206, A_STOP, 1 } },
		.nact = 4,
		.row = { { "v3: master adv 0.5, backup 100 configured 1 s; kill -9", K(0, 52), 12,
			   K(1, 52), 0, 1804687, 15 } },
		.nrow = 1,
	},
	{
		.pcap = "v3-unicast-dual-master-kill-preempt-delay.pcap",
		.ip = { "10.20.0.11", "10.20.0.12" },
		.mac = { LB1_MAC, LB2_MAC },
		.in = { { 0, 71, 3, 150, VRRP_CONF_STATE_BACKUP, 0.5, NULL, { "10.20.0.101" }, true,
			  5.0, false, 2, 2.0 },
			{ 0, 72, 3, 100, VRRP_CONF_STATE_BACKUP, 0.5, NULL, { "10.20.0.102" }, true,
			  0, false, 2, 2.0 },
			{ 1, 71, 3, 100, VRRP_CONF_STATE_BACKUP, 0.5, NULL, { "10.20.0.101" }, true,
			  0, false, 2, 2.0 },
			{ 1, 72, 3, 150, VRRP_CONF_STATE_BACKUP, 0.5, NULL, { "10.20.0.102" }, true,
			  5.0, false, 2, 2.0 } },
		.nin = 4,
		.act = { { 0.000031 - 1.707031, A_START, 1 },
			 { 0.054082 - 1.707031, A_START, 0 },
			 { 4.3, A_KILL, 0 },
			 { 8.6, A_START, 0 },
			 { 20.414730, A_STOP, 1 },
			 { 20.417589, A_STOP, 0 } },
		.nact = 6,
		.arp = true,
		.row = { { "v3 unicast dual-master: kill -9, prio 100 takes the peer's VIP",
			   K(0, 71), 8, K(1, 71), 0, 1804687, 15 },
			 { "preempt_delay 5, v3 0.5 s, prio 150: last accepted advert + MDI",
			   K(1, 71), 15, K(0, 71), 9, 1707031, 15 } },
		.nrow = 2,
	},
};

struct rp_frame {
	int key;
	int64_t t;
	const uint8_t *b;
	uint32_t len;
};

/* Stream key of a frame (K or G), or -1 for frames not compared (kernel ARPs). */
static int rp_key(const struct rp *r, const uint8_t mac[2][VRRP_MAC_LEN], const uint8_t *b,
		  size_t len)
{
	struct vrrp_arp a;
	int node = -1;

	if (len < 14)
		return -1;
	for (int i = 0; i < 2; i++)
		if (!memcmp(b + 6, mac[i], VRRP_MAC_LEN))
			node = i;
	if (node < 0)
		return -1;
	if (is_ipv4_vrrp(b, len))
		return K(node, b[35]);
	if (r->arp && vrrp_arp_decode(b, len, &a) == 0 && vrrp_arp_is_garp(&a))
		return G(node, (int)(a.spa.u.v4 & 0xff));
	return -1;
}

static int64_t rp_time(const struct rp_frame *f, size_t n, int key, int idx)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].key == key && idx-- == 0)
			return f[i].t;
	return -1;
}

static void rp_dump(const char *who, const struct rp_frame *f, size_t n, int key)
{
	fprintf(stderr, "  %s stream %d:", who, key);
	for (size_t i = 0; i < n; i++)
		if (f[i].key == key)
			fprintf(stderr, " %.6f", sim_time_to_sec(f[i].t) - RP_OFF);
	fputc('\n', stderr);
}

/* Replay one capture; compare stream by stream; measure its spec 7.3 rows. */
static void rp_run(const struct rp *r)
{
	uint8_t mac[2][VRRP_MAC_LEN];
	struct rp_frame *cf, *sf;
	size_t ncf = 0, nsf = 0;
	struct tnet *net;
	struct cap c;
	int64_t end;
	int keys[64], nkeys = 0;

	CU_ASSERT_EQUAL_FATAL(cap_load(r->pcap, &c), 0);
	net = tn_new(0);
	net->record = true;
	for (int n = 0; n < 2; n++) {
		tn_node(net, n ? "lb2" : "lb1", r->mac[n], r->ip[n]);
		mac_parse(r->mac[n], mac[n]);
	}
	for (int i = 0; i < r->nin; i++) {
		const struct rp_inst *p = &r->in[i];
		struct lb_addr vips[2];
		struct vrrp_instance_conf conf;
		struct vrrp_track_conf tr;
		struct vrrp_peer peer;
		int nv = p->vip[1] ? 2 : 1;

		vips[0] = ip(p->vip[0]);
		if (nv > 1)
			vips[1] = ip(p->vip[1]);
		conf_basic(&conf, p->vrid, p->version, p->prio, (int64_t)llround(p->adv * 1e6),
			   vips, (size_t)nv);
		conf.state = p->state;
		if (p->pass) {
			conf.auth_type = VRRP_AUTH_PASS;
			snprintf(conf.auth_pass, sizeof(conf.auth_pass), "%s", p->pass);
		}
		if (p->unicast) {
			memset(&peer, 0, sizeof(peer));
			peer.addr = ip(r->ip[1 - p->node]);
			mac_parse(r->mac[1 - p->node], peer.mac);
			conf.peers = &peer;
			conf.npeers = 1;
		}
		conf.preempt_delay_us = (int64_t)llround(p->pd * 1e6);
		conf.higher_prio_send_advert = p->hpsa;
		if (p->garp_repeat)
			conf.garp_master_repeat = p->garp_repeat;
		if (p->garp_delay > 0)
			conf.garp_master_delay_us = (int64_t)llround(p->garp_delay * 1e6);
		if (p->track_weight) {
			tr = (struct vrrp_track_conf){ "chk", VRRP_TRACK_SCRIPT, p->track_weight,
						       false, VRRP_TRACK_UNKNOWN };
			conf.track = &tr;
			conf.ntrack = 1;
		}
		tn_inst(net, p->node, &conf);
	}
	for (int i = 0; i < r->nact; i++)
		tn_act(net, sec(r->act[i].t + RP_OFF), r->act[i].type, r->act[i].node,
		       r->act[i].inst, r->act[i].arg);
	end = c.p[c.n - 1].t + sec(RP_OFF);
	tn_run(net, end + sec(1));

	cf = calloc(c.n + 1, sizeof(*cf));
	sf = calloc(net->nfr + 1, sizeof(*sf));
	for (size_t i = 0; i < c.n; i++) {
		int k = rp_key(r, mac, c.p[i].b, c.p[i].len);

		if (k >= 0)
			cf[ncf++] = (struct rp_frame){ k, c.p[i].t + sec(RP_OFF), c.p[i].b,
						       c.p[i].len };
	}
	for (size_t i = 0; i < net->nfr; i++) {
		const struct tframe *f = &net->fr[i];
		int k = rp_key(r, mac, f->b, f->len);

		if (k >= 0 && f->on_wire && f->t <= end + RP_TOL / 2)
			sf[nsf++] = (struct rp_frame){ k, f->t, f->b, f->len };
	}
	for (size_t i = 0; i < ncf + nsf; i++) {
		int k = i < ncf ? cf[i].key : sf[i - ncf].key, j;

		for (j = 0; j < nkeys && keys[j] != k; j++)
			;
		if (j == nkeys && nkeys < 64)
			keys[nkeys++] = k;
	}
	for (int j = 0; j < nkeys; j++) {
		size_t a = 0, b = 0;
		bool bad = false;

		for (;;) {
			while (a < ncf && cf[a].key != keys[j])
				a++;
			while (b < nsf && sf[b].key != keys[j])
				b++;
			if (a == ncf || b == nsf) {
				bad |= a != ncf || b != nsf;
				break;
			}
			if (cf[a].len != sf[b].len || memcmp(cf[a].b, sf[b].b, cf[a].len) ||
			    llabs(cf[a].t - sf[b].t) > RP_TOL) {
				bad = true;
				break;
			}
			a++;
			b++;
		}
		CU_ASSERT(!bad);
		if (bad) {
			fprintf(stderr, "\n%s: stream %d differs\n", r->pcap, keys[j]);
			rp_dump("lab", cf, ncf, keys[j]);
			rp_dump("sim", sf, nsf, keys[j]);
		}
	}
	for (int i = 0; i < r->nrow; i++) {
		const struct rp_row *w = &r->row[i];
		int64_t ca = rp_time(cf, ncf, w->ka, w->ia), cb = rp_time(cf, ncf, w->kb, w->ib);
		int64_t sa = rp_time(sf, nsf, w->ka, w->ia), sb = rp_time(sf, nsf, w->kb, w->ib);
		int64_t lab = cb - ca, simd = sb - sa;
		bool ok = ca >= 0 && cb >= 0 && sa >= 0 && sb >= 0 && simd == w->sim_us * US &&
			  lab - simd >= 0 && lab - simd <= w->lab_ms * MS;

		CU_ASSERT(ok);
		if (!ok || net->verbose)
			fprintf(stderr, "\n%s: %s: lab %.6f s, simulated %.6f s (expected %.6f)\n",
				r->pcap, w->what, lab / 1e9, simd / 1e9, w->sim_us / 1e6);
	}
	free(cf);
	free(sf);
	tn_free(net);
	cap_free(&c);
}

static void test_replays(void)
{
	for (size_t i = 0; i < sizeof(replays) / sizeof(replays[0]); i++)
		rp_run(&replays[i]);
}

/* ---- property: random fault schedules ---- */

struct prop {
	int64_t bound_dual;	/* master-down */
	int64_t tight_dual;	/* one advert interval + two crossings */
	int64_t bound_none;	/* master-down + skew + a crossing */
	int64_t settle;		/* quiet time after which nothing may change */
	int64_t dual_since, none_since;
	int64_t quiet_since;	/* last injected event, or the time of reconnection */
	int64_t max_dual, max_none;
	bool failed;
	char why[200];
};

static bool prop_connected(const struct tnet *net)
{
	for (int i = 0; i < net->nnodes; i++)
		if (!net->node[i].attached[0] || net->node[i].part != net->node[0].part)
			return false;
	return true;
}

/* The dual-master and no-master episodes so far must be within their bounds. */
static void prop_durations(struct tnet *net)
{
	struct prop *p = net->hook_arg;
	int64_t now = sim_now(net->sim);

	if (p->dual_since >= 0) {
		int64_t d = now - p->dual_since;

		if (d > p->max_dual)
			p->max_dual = d;
		if ((d > p->bound_dual || d > p->tight_dual) && !p->failed) {
			p->failed = true;
			snprintf(p->why, sizeof(p->why), "two masters for %.6f s at %.6f s",
				 d / 1e9, now / 1e9);
		}
	}
	if (p->none_since >= 0) {
		int64_t d = now - p->none_since;

		if (d > p->max_none)
			p->max_none = d;
		if (d > p->bound_none && !p->failed) {
			p->failed = true;
			snprintf(p->why, sizeof(p->why), "no master for %.6f s at %.6f s", d / 1e9,
				 now / 1e9);
		}
	}
}

/* Before every change (a state change, or an injected event when in_action). */
static void prop_pre(struct tnet *net)
{
	struct prop *p = net->hook_arg;
	int64_t now = sim_now(net->sim);

	/* a settled, connected network must not change by itself */
	if (!net->in_action && prop_connected(net) && now - p->quiet_since > p->settle &&
	    !p->failed) {
		p->failed = true;
		snprintf(p->why, sizeof(p->why),
			 "state change at %.6f s, %.6f s after the last event", now / 1e9,
			 (now - p->quiet_since) / 1e9);
	}
	prop_durations(net);
}

static void prop_post(struct tnet *net)
{
	struct prop *p = net->hook_arg;
	int64_t now = sim_now(net->sim);
	bool conn = prop_connected(net), dual, none;
	int masters = 0, cands = 0;

	for (int i = 0; i < net->nnodes; i++) {
		enum vrrp_state s = net->node[i].inst[0].st;

		masters += s == VRRP_STATE_MASTER;
		cands += s == VRRP_STATE_MASTER || s == VRRP_STATE_BACKUP;
	}
	if (net->in_action)
		p->quiet_since = now;
	dual = conn && masters >= 2;
	none = conn && masters == 0 && cands >= 1;
	p->dual_since = dual ? (p->dual_since >= 0 ? p->dual_since : now) : -1;
	/* an injected event (a node starting, a master dying) restarts the clock */
	p->none_since = none ? (p->none_since >= 0 && !net->in_action ? p->none_since : now) : -1;
}

static const char *const act_names[] = {
	"start", "stop", "kill", "detach", "attach", "track-down", "track-up", "link-down",
	"link-up", "partition", "heal",
};

/* One random schedule; returns false (and explains) when a property broke. */
static bool prop_schedule(uint64_t seed, bool verbose)
{
	static const int prios[] = { 1, 50, 100, 100, 150, 200, 254 };
	struct lb_addr vip = ip("10.0.0.100");
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
	int n = 2 + (int)rnd(&s, 2), version = rnd(&s, 2) ? 2 : 3;
	int64_t delay = rnd(&s, 2001) * US, adv_max = 0, mdi_max, t;
	bool running[3], trk[3][2], owner = rnd(&s, 8) == 0;
	struct vrrp_track_conf tr[2];
	struct tnet *net = tn_new(delay);
	struct prop p;
	char log[1024];
	size_t loglen = 0;
	int events;

	memset(&p, 0, sizeof(p));
	p.dual_since = p.none_since = -1;
	net->hook_arg = &p;
	net->verbose = net->verbose && verbose;
	for (int i = 0; i < n; i++) {
		char name[16], mac[24], addr[24];
		struct vrrp_instance_conf c;
		int64_t adv = version == 2 ? VRRP_US_PER_S : (20 + (int64_t)rnd(&s, 131)) * 10000;

		snprintf(name, sizeof(name), "n%d", i);
		snprintf(mac, sizeof(mac), "02:00:00:00:00:%02x", 0x10 + i);
		snprintf(addr, sizeof(addr), "10.0.0.%d", 10 + i);
		tn_node(net, name, mac, addr);
		conf_basic(&c, 9, version, prios[rnd(&s, 7)], adv, &vip, 1);
		if (owner && i == 0) {
			c.priority = 255;
			c.state = VRRP_CONF_STATE_MASTER;
		} else if (rnd(&s, 6) == 0) {
			c.nopreempt = true;
		} else if (rnd(&s, 6) == 0) {
			c.preempt_delay_us = (1 + (int64_t)rnd(&s, 3000)) * 1000;
		}
		tr[0] = (struct vrrp_track_conf){ "w", VRRP_TRACK_SCRIPT,
						  (rnd(&s, 2) ? 1 : -1) * (10 + (int)rnd(&s, 90)),
						  false, VRRP_TRACK_UP };
		tr[1] = (struct vrrp_track_conf){ "f", VRRP_TRACK_SCRIPT, 0, false, VRRP_TRACK_UP };
		c.track = tr;
		c.ntrack = 2;
		tn_inst(net, i, &c);
		if (adv > adv_max)
			adv_max = adv;
		running[i] = true;
		trk[i][0] = trk[i][1] = true;
		tn_act(net, rnd(&s, 2000) * MS, A_START, i, 0, 0);
	}
	mdi_max = vrrp_master_down_us(version, 1, adv_max, 3) * US;
	p.bound_dual = mdi_max;
	p.tight_dual = adv_max * US + 2 * delay + US;
	p.bound_none = mdi_max + adv_max * US + 2 * delay + US;
	/* convergence: a preempt_delay (<= 3 s) then a master-down, twice over */
	p.settle = 2 * mdi_max + sec(3) + S_NS;
	net->pre = prop_pre;
	net->post = prop_post;
	t = sec(2);
	events = 4 + (int)rnd(&s, 12);
	for (int e = 0; e < events; e++) {
		int node = (int)rnd(&s, (uint32_t)n), kind = (int)rnd(&s, 7), arg = 0;
		enum tact_type type;

		t += mdi_max * (50 + (int64_t)rnd(&s, 1500)) / 1000;
		switch (kind) {
		case 0:
			type = running[node] ? A_KILL : A_START;
			running[node] = !running[node];
			break;
		case 1:
			type = running[node] ? A_STOP : A_START;
			running[node] = !running[node];
			break;
		case 2:
			type = A_PART;
			arg = 1;
			break;
		case 3:
			type = A_HEAL;
			break;
		case 4:
		case 5:
			arg = kind - 4;
			type = trk[node][arg] ? A_TRACK_DOWN : A_TRACK_UP;
			trk[node][arg] = !trk[node][arg];
			break;
		default:
			type = A_HEAL;
			break;
		}
		tn_act(net, t, type, node, 0, arg);
		if (loglen < sizeof(log) - 64)
			loglen += (size_t)snprintf(log + loglen, sizeof(log) - loglen,
						   " %.3f:%s(n%d,%d)", t / 1e9, act_names[type],
						   node, arg);
	}
	tn_run(net, t + 3 * mdi_max + S_NS);
	prop_durations(net);
	if (net->storm && !p.failed) {
		p.failed = true;
		snprintf(p.why, sizeof(p.why), "advert storm at %.6f s", sim_now(net->sim) / 1e9);
	}
	for (int i = 0; i < n; i++)
		CU_ASSERT(vrrp_instance_sane(tn_vi(net, i, 0)));
	if (p.failed)
		fprintf(stderr, "\nproperty failed, seed %" PRIu64 " (v%d, %d nodes, delay %" PRId64
				" us, MDI %.6f s): %s\n  schedule:%s\n",
			seed, version, n, delay / US, mdi_max / 1e9, p.why, log);
	tn_free(net);
	return !p.failed;
}

static void test_property(void)
{
	int runs = test_quick() ? 1000 : 10000, failures = 0;
	const char *one = getenv("LBSIM_VRRP_SEED");

	if (one) {
		CU_ASSERT(prop_schedule(strtoull(one, NULL, 10), true));
		return;
	}
	for (int i = 0; i < runs && failures < 5; i++)
		if (!prop_schedule((uint64_t)i, false))
			failures++;
	CU_ASSERT_EQUAL(failures, 0);
}

int test_vrrp_register(void)
{
	CU_pSuite s = CU_add_suite("vrrp", NULL, NULL);

	if (!s || !CU_add_test(s, "codec_vectors", test_codec_vectors) ||
	    !CU_add_test(s, "codec_captures", test_codec_captures) ||
	    !CU_add_test(s, "codec_robust", test_codec_robust) ||
	    !CU_add_test(s, "codec_checks", test_codec_checks) ||
	    !CU_add_test(s, "codec_ipv6", test_codec_ipv6) ||
	    !CU_add_test(s, "formulas", test_formulas) ||
	    !CU_add_test(s, "mdi_exact", test_mdi_exact) ||
	    !CU_add_test(s, "startup", test_startup) ||
	    !CU_add_test(s, "v3_learned", test_v3_learned) ||
	    !CU_add_test(s, "preempt_delay", test_preempt_delay) ||
	    !CU_add_test(s, "nopreempt", test_nopreempt) ||
	    !CU_add_test(s, "tie_break", test_tie_break) ||
	    !CU_add_test(s, "lower_prio", test_lower_prio) || !CU_add_test(s, "garp", test_garp) ||
	    !CU_add_test(s, "fault", test_fault) || !CU_add_test(s, "track", test_track) ||
	    !CU_add_test(s, "sync_group", test_sync_group) ||
	    !CU_add_test(s, "unicast", test_unicast) ||
	    !CU_add_test(s, "misconfig", test_misconfig) || !CU_add_test(s, "conf", test_conf) ||
	    !CU_add_test(s, "auth_wire", test_auth_wire) ||
	    !CU_add_test(s, "script_status", test_script_status) ||
	    !CU_add_test(s, "replays", test_replays) ||
	    !CU_add_test(s, "property", test_property))
		return CU_get_error();
	return CUE_SUCCESS;
}
