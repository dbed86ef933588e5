/*
 * tests/unit/test_forward.c - suite "forward": IPVS NAT (in and out, IPv4
 * and IPv6), DR and TUN forwarding, MTU handling (ICMP errors, fragments)
 * and the refusals of algorithms/ipvs/forward.c.
 *
 * Run by lbsim-test; a few milliseconds.
 *
 * Every expected frame was built field by field by a separate Python
 * implementation of the formats and of RFC 1071 (not part of the tree)
 * and is written here as hex, one header per line; long frames are their
 * headers in hex followed by a stated slice of the input frame.
 *
 * Addresses: client 198.51.100.7 / 2001:db8::7 behind router MAC
 * 02:..:fe; director MAC 02:..:01, address 10.10.0.2; VIP 10.10.0.100 /
 * 2001:db8:1::100; real server MAC 02:..:21 at 10.10.0.21 (NAT, DR) or
 * 10.20.0.21 (TUN) / 2001:db8:2::21.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "algorithms/ipvs/forward.h"
#include "algorithms/wire/frame.h"
#include "tests/test.h"

/* ---- vectors ---- */

/* NAT in: 198.51.100.7:40000 -> 10.10.0.100:80 becomes -> 10.10.0.21:8080, TTL 57 -> 56 */
static const char nat_in4_in[] =
	"020000000001 0200000000fe 0800"
	"4500003a123440003906fae1c63364070a0a0064"
	"9c400050000003e8000007d05018721082190000"
	"474554202f20485454502f312e300d0a0d0a";
static const char nat_in4_out[] =
	"020000000021 020000000001 0800"
	"4500003a123440003806fc30c63364070a0a0015"
	"9c401f90000003e8000007d05018721063280000"
	"474554202f20485454502f312e300d0a0d0a";

/* NAT out: 10.10.0.21:8080 -> client becomes 10.10.0.100:80 -> client, TTL 64 -> 63 */
static const char nat_out4_in[] =
	"020000000001 020000000021 0800"
	"45000040432140004006c33d0a0a0015c6336407"
	"1f909c40000007d0000003fa501801f515b60000"
	"485454502f312e3020323030204f4b0d0a0d0a68656c6c6f";
static const char nat_out4_out[] =
	"0200000000fe 020000000001 0800"
	"45000040432140003f06c3ee0a0a0064c6336407"
	"00509c40000007d0000003fa501801f534a70000"
	"485454502f312e3020323030204f4b0d0a0d0a68656c6c6f";

/* NAT in, IPv6 UDP: [2001:db8::7]:5353 -> [2001:db8:1::100]:53 -> [2001:db8:2::21]:5300, hop 60 -> 59 */
static const char nat_in6_in[] =
	"020000000001 0200000000fe 86dd"
	"62812345 001d 11 3c 20010db8000000000000000000000007 20010db8000100000000000000000100"
	"14e90035001dfdf8"
	"123401000001000000000000037777770000010001";
static const char nat_in6_out[] =
	"020000000021 020000000001 86dd"
	"62812345 001d 11 3b 20010db8000000000000000000000007 20010db8000200000000000000000021"
	"14e914b4001dea57"
	"123401000001000000000000037777770000010001";

/* NAT out, IPv6 UDP, hop limit 64 -> 63 */
static const char nat_out6_in[] =
	"020000000001 020000000021 86dd"
	"60000000 0020 11 40 20010db8000200000000000000000021 20010db8000000000000000000000007"
	"14b414e90020e6c0"
	"123481800000000000000000000000000000000000000000";
static const char nat_out6_out[] =
	"0200000000fe 020000000001 86dd"
	"60000000 0020 11 3f 20010db8000100000000000000000100 20010db8000000000000000000000007"
	"003514e90020fa61"
	"123481800000000000000000000000000000000000000000";

/* NAT in, UDP without checksum (the kernel computes one), dest port 0 (packet's port kept) */
static const char nat_in4_udp0_in[] =
	"020000000001 0200000000fe 0800"
	"450000250007000032115417c63364090a0a0064"
	"04d2020200110000"
	"3c31333e68656c6c6f";
static const char nat_in4_udp0_out[] =
	"020000000021 020000000001 0800"
	"450000250007000031115565c63364090a0a0016"
	"04d202020011115a"
	"3c31333e68656c6c6f";

/* DR: SYN arriving on VLAN 7 leaves on VLAN 100 to the real server's MAC, TTL 57 -> 56 */
static const char dr4_in[] =
	"020000000001 0200000000fe 8100 0007 0800"
	"4500002c0055400039060ccfc63364070a0a0064"
	"9c41005000000005000000006002faf0cbf60000020405b4";
static const char dr4_out[] =
	"020000000021 020000000001 8100 0064 0800"
	"4500002c0055400038060dcfc63364070a0a0064"
	"9c41005000000005000000006002faf0cbf60000020405b4";
/* ... and with dec_ttl off (kernels before 4.3): IP untouched */
static const char dr4_out_legacy[] =
	"020000000021 020000000001 8100 0064 0800"
	"4500002c0055400039060ccfc63364070a0a0064"
	"9c41005000000005000000006002faf0cbf60000020405b4";

/* TUN, inner DF: inner TTL 57 -> 56; outer 10.10.0.2 -> 10.20.0.21, TOS 0x10, TTL 56, DF, ID 0 */
static const char tun4_in[] =
	"020000000001 0200000000fe 0800"
	"4510002b0099400039060c7cc63364070a0a0064"
	"9c4200500000000700000009501003e8e8240000"
	"78797a";
static const char tun4_out[] =
	"020000000021 020000000001 0800"
	"4510003f0000400038042e770a0a00020a140015"
	"4510002b0099400038060d7cc63364070a0a0064"
	"9c4200500000000700000009501003e8e8240000"
	"78797a";
/* ... with dec_ttl off: the inner packet untouched, outer TTL 57 */
static const char tun4_out_legacy[] =
	"020000000021 020000000001 0800"
	"4510003f0000400039042d770a0a00020a140015"
	"4510002b0099400039060c7cc63364070a0a0064"
	"9c4200500000000700000009501003e8e8240000"
	"78797a";

/* TUN, inner without DF: outer ID 0x0100 from the context, no DF */
static const char tun4_nodf_in[] =
	"020000000001 0200000000fe 0800"
	"4502002b009a000039064c89c63364070a0a0064"
	"9c4300500000000700000009501003e8163b0000"
	"616263";
static const char tun4_nodf_out[] =
	"020000000021 020000000001 0800"
	"4502003f0100000038046d850a0a00020a140015"
	"4502002b009a000038064d89c63364070a0a0064"
	"9c4300500000000700000009501003e8163b0000"
	"616263";

/* TUN, IPv6 inside IPv4 (protocol 41), traffic class 0xb8 -> TOS, hop limit 55 - 1 -> TTL */
static const char tun64_in[] =
	"020000000001 0200000000fe 86dd"
	"6b800000 0016 06 37 20010db8000000000000000000000007 20010db8000100000000000000000100"
	"9c4701bb0000000100000002501003e849020000"
	"6869";
static const char tun64_out[] =
	"020000000021 020000000001 0800"
	"45b800520400000036296b970a0a00020a140015"
	"6b800000 0016 06 36 20010db8000000000000000000000007 20010db8000100000000000000000100"
	"9c4701bb0000000100000002501003e849020000"
	"6869";

/* 1500-byte inner packet with DF (headers; 1460 payload bytes follow) */
static const char big_df_in_hdr[] =
	"020000000001 0200000000fe 0800"
	"451005dc00774000390606edc63364070a0a0064"
	"9c44005000000064000000c8501003e8dd010000";
/*
 * ... answered, MTU 1500 - 20 = 1480, from the VIP, TOS 0xd0, ID 0x0200,
 * Linux quote: 548 bytes of the packet after its TTL decrement (57 -> 56)
 */
static const char big_df_icmp_linux_hdr[] = /* + input bytes 20..547 of the IP packet */
	"0200000000fe 020000000001 0800"
	"45d0024002000000400141450a0a0064c6336407"
	"0304bf12000005c8"
	"451005dc00774000380607edc63364070a0a0064";
/* ... RFC 792 quote (IP header + 8 bytes) */
static const char big_df_icmp_rfc[] =
	"0200000000fe 020000000001 0800"
	"45d00038020000004001434d0a0a0064c6336407"
	"03045a3b000005c8"
	"451005dc00774000380607edc63364070a0a0064"
	"9c44005000000064";

/* 1500-byte inner packet without DF: the outer datagram leaves in two fragments */
static const char big_nodf_in_hdr[] =
	"020000000001 0200000000fe 0800"
	"450005dc00780000390646fcc63364070a0a0064"
	"9c45005000000064000000c8501003e8dd000000";
static const char big_nodf_frag1_hdr[] = /* + inner bytes 20..1479 */
	"020000000021 020000000001 0800"
	"450005dc03002000380445ea0a0a00020a140015"
	"450005dc00780000380647fcc63364070a0a0064";
static const char big_nodf_frag2_hdr[] = /* + inner bytes 1480..1499 */
	"020000000021 020000000001 0800"
	"45000028030000b938046ae50a0a00020a140015";

/* 1400-byte IPv6 packet (1340 payload bytes follow), IPv6 tunnel, MTU 1400 */
static const char big6_in_hdr[] =
	"020000000001 0200000000fe 86dd"
	"60000000 0550 06 37 20010db8000000000000000000000007 20010db8000100000000000000000100"
	"9c4601bb0000000100000002501003e86f5a0000";
/* ... Packet Too Big, MTU 1360, from the VIP; quotes the first 1232 bytes (hop limit 54) */
static const char big6_ptb_hdr[] = /* + input bytes 40..1231 of the IP packet */
	"0200000000fe 020000000001 86dd"
	"60000000 04d8 3a 40 20010db8000100000000000000000100 20010db8000000000000000000000007"
	"0200fb1000000550"
	"60000000 0550 06 36 20010db8000000000000000000000007 20010db8000100000000000000000100";

/* ---- helpers ---- */

static const uint8_t mac_cl[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t mac_dir[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_rs[6] = { 0x02, 0, 0, 0, 0, 0x21 };

static uint8_t in_buf[2048], want[2048], scratch[8192];

static struct lb_addr addr(const char *s)
{
	struct lb_addr a;

	CU_ASSERT_FATAL(lb_addr_parse(s, &a) == 0);
	return a;
}

static size_t load(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = test_unhex(hex, out, cap);

	CU_ASSERT_FATAL(n > 0);
	return n;
}

/* A header in hex followed by n bytes of the a..z payload pattern (built here, not by lb_). */
static size_t load_big(const char *hdr, size_t n, uint8_t *out)
{
	size_t h = load(hdr, out, 2048);

	for (size_t i = 0; i < n; i++)
		out[h + i] = (uint8_t)('a' + i % 26);
	return h + n;
}

static void target(struct lb_fwd_target *t, const uint8_t dst[6])
{
	memset(t, 0, sizeof(*t));
	memcpy(t->eth.dst, dst, 6);
	memcpy(t->eth.src, mac_dir, 6);
}

static void dest(struct lb_dest *d, const char *a, uint16_t port)
{
	memset(d, 0, sizeof(*d));
	d->addr = addr(a);
	d->port = port;
}

static void out_init(struct lb_fwd_out *o)
{
	memset(o, 0, sizeof(*o));
	o->buf = scratch;
	o->cap = sizeof(scratch);
}

static void same_bytes(const uint8_t *got, size_t glen, const uint8_t *exp, size_t elen)
{
	CU_ASSERT_EQUAL_FATAL(glen, elen);
	if (memcmp(got, exp, elen)) {
		fprintf(stderr, "\n got ");
		for (size_t i = 0; i < glen; i++)
			fprintf(stderr, "%02x", got[i]);
		fprintf(stderr, "\nwant ");
		for (size_t i = 0; i < elen; i++)
			fprintf(stderr, "%02x", exp[i]);
		fprintf(stderr, "\n");
	}
	CU_ASSERT(!memcmp(got, exp, elen));
}

/* Parse in_hex, forward it, expect exactly one frame equal to out_hex (which must verify). */
static void one(struct lb_fwd_ctx *ctx, const char *in_hex, enum lb_kind kind,
		const struct lb_dest *d, const struct lb_fwd_target *t, const char *out_hex)
{
	struct lb_pkt p, q;
	struct lb_fwd_out o;
	size_t n = load(in_hex, in_buf, sizeof(in_buf));
	size_t w = load(out_hex, want, sizeof(want));

	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(ctx, &p, in_buf, n, kind, d, t, &o), 0);
	CU_ASSERT_EQUAL_FATAL(o.nframes, 1);
	CU_ASSERT_EQUAL(o.flags, 0);
	CU_ASSERT_EQUAL(o.frames[0].wire_len, o.frames[0].len);
	same_bytes(o.frames[0].data, o.frames[0].len, want, w);
	CU_ASSERT_EQUAL(lb_pkt_parse(&q, LB_LT_ETHER, o.frames[0].data, o.frames[0].len),
			LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_pkt_verify(&q, o.frames[0].data), LB_PKT_OK);
}

/* ---- tests ---- */

static void test_nat(void)
{
	struct lb_fwd_ctx ctx;
	struct lb_fwd_target t;
	struct lb_service svc;
	struct lb_dest d;

	lb_fwd_ctx_init(&ctx, 1);
	dest(&d, "10.10.0.21", 8080);
	target(&t, mac_rs);
	one(&ctx, nat_in4_in, LB_KIND_NAT, &d, &t, nat_in4_out);

	/* out, the virtual address given by the caller ... */
	target(&t, mac_cl);
	t.dir = LB_FWD_OUT;
	t.vaddr = addr("10.10.0.100");
	t.vport = 80;
	one(&ctx, nat_out4_in, LB_KIND_NAT, &d, &t, nat_out4_out);
	/* ... or taken from the dest's service */
	memset(&svc, 0, sizeof(svc));
	svc.addr = addr("10.10.0.100");
	svc.port = 80;
	d.svc = &svc;
	memset(&t.vaddr, 0, sizeof(t.vaddr));
	t.vport = 0;
	one(&ctx, nat_out4_in, LB_KIND_NAT, &d, &t, nat_out4_out);

	dest(&d, "2001:db8:2::21", 5300);
	target(&t, mac_rs);
	one(&ctx, nat_in6_in, LB_KIND_NAT, &d, &t, nat_in6_out);
	target(&t, mac_cl);
	t.dir = LB_FWD_OUT;
	t.vaddr = addr("2001:db8:1::100");
	t.vport = 53;
	one(&ctx, nat_out6_in, LB_KIND_NAT, &d, &t, nat_out6_out);

	dest(&d, "10.10.0.22", 0);
	target(&t, mac_rs);
	one(&ctx, nat_in4_udp0_in, LB_KIND_NAT, &d, &t, nat_in4_udp0_out);
	CU_ASSERT_EQUAL(ctx.nfwd[LB_KIND_NAT], 6);
	CU_ASSERT_EQUAL(ctx.ndrop, 0);
}

static void test_dr(void)
{
	struct lb_fwd_ctx ctx;
	struct lb_fwd_target t;
	struct lb_pkt p;
	size_t n;

	lb_fwd_ctx_init(&ctx, 1);
	target(&t, mac_rs);
	t.eth.nvlan = 1;
	t.eth.vlan_tci[0] = 100;
	one(&ctx, dr4_in, LB_KIND_DR, NULL, &t, dr4_out);
	CU_ASSERT_EQUAL(ctx.nfwd[LB_KIND_DR], 1);
	ctx.dec_ttl = false;
	one(&ctx, dr4_in, LB_KIND_DR, NULL, &t, dr4_out_legacy);
	ctx.dec_ttl = true;

	/* in place: only when the tags match */
	n = load(dr4_in, in_buf, sizeof(in_buf));
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_fwd_dr_inplace(&ctx, in_buf, n, &p, &t), -EINVAL);
	t.eth.vlan_tci[0] = 7;
	CU_ASSERT_EQUAL(lb_fwd_dr_inplace(&ctx, in_buf, n, &p, &t), 0);
	load(dr4_out, want, sizeof(want));
	want[15] = 7;
	same_bytes(in_buf, n, want, n);
	CU_ASSERT_EQUAL(ctx.nfwd[LB_KIND_DR], 3);
	n = load(dr4_in, in_buf, sizeof(in_buf));
	ctx.dec_ttl = false;
	CU_ASSERT_EQUAL(lb_fwd_dr_inplace(&ctx, in_buf, n, &p, &t), 0);
	load(dr4_out_legacy, want, sizeof(want));
	want[15] = 7;
	same_bytes(in_buf, n, want, n);
	t.mtu = 40;
	CU_ASSERT_EQUAL(lb_fwd_dr_inplace(&ctx, in_buf, n, &p, &t), -EMSGSIZE);
	t.mtu = 0;
	ctx.dec_ttl = true;
	p.ttl = 1;
	CU_ASSERT_EQUAL(lb_fwd_dr_inplace(&ctx, in_buf, n, &p, &t), -ETIMEDOUT);
}

static void test_tun(void)
{
	struct lb_fwd_ctx ctx;
	struct lb_fwd_target t;
	struct lb_dest d;

	dest(&d, "10.20.0.21", 80);
	target(&t, mac_rs);
	t.laddr = addr("10.10.0.2");
	lb_fwd_ctx_init(&ctx, 0x0100);
	one(&ctx, tun4_in, LB_KIND_TUN, &d, &t, tun4_out);
	CU_ASSERT_EQUAL(ctx.ip_id, 0x0100); /* DF: ID 0, counter untouched */
	ctx.dec_ttl = false;
	one(&ctx, tun4_in, LB_KIND_TUN, &d, &t, tun4_out_legacy);
	ctx.dec_ttl = true;
	one(&ctx, tun4_nodf_in, LB_KIND_TUN, &d, &t, tun4_nodf_out);
	CU_ASSERT_EQUAL(ctx.ip_id, 0x0101);
	lb_fwd_ctx_init(&ctx, 0x0400);
	one(&ctx, tun64_in, LB_KIND_TUN, &d, &t, tun64_out);
	/* a tunnel endpoint of another family than ours */
	t.laddr = addr("2001:db8::2");
	{
		struct lb_pkt p;
		struct lb_fwd_out o;
		size_t n = load(tun4_in, in_buf, sizeof(in_buf));

		CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
		out_init(&o);
		CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), -EINVAL);
		CU_ASSERT_EQUAL(o.nframes, 0);
		CU_ASSERT_EQUAL(ctx.ndrop, 1);
	}
}

static void test_tun_too_big(void)
{
	struct lb_fwd_ctx ctx;
	struct lb_fwd_target t;
	struct lb_fwd_out o;
	struct lb_dest d;
	struct lb_pkt p, q;
	size_t n, w;

	dest(&d, "10.20.0.21", 80);
	target(&t, mac_rs);
	t.laddr = addr("10.10.0.2");
	t.mtu = 1500;

	/* DF: ICMP fragmentation needed, Linux quoting */
	lb_fwd_ctx_init(&ctx, 0x0200);
	n = load_big(big_df_in_hdr, 1460, in_buf);
	CU_ASSERT_EQUAL_FATAL(n, 1514);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), 0);
	CU_ASSERT_EQUAL(o.flags, LB_FWD_F_ICMP);
	CU_ASSERT_EQUAL_FATAL(o.nframes, 1);
	w = load(big_df_icmp_linux_hdr, want, sizeof(want));
	memcpy(want + w, in_buf + 34, 528);
	same_bytes(o.frames[0].data, o.frames[0].len, want, w + 528);
	CU_ASSERT_EQUAL(lb_pkt_parse(&q, LB_LT_ETHER, o.frames[0].data, o.frames[0].len),
			LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_pkt_verify(&q, o.frames[0].data), LB_PKT_OK);
	CU_ASSERT_EQUAL(ctx.nicmp, 1);
	CU_ASSERT_EQUAL(ctx.nfwd[LB_KIND_TUN], 0);

	/* DF: RFC 792 quoting */
	lb_fwd_ctx_init(&ctx, 0x0200);
	ctx.icmp4_quote = LB_ICMP4_QUOTE_RFC792;
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), 0);
	w = load(big_df_icmp_rfc, want, sizeof(want));
	same_bytes(o.frames[0].data, o.frames[0].len, want, w);

	/* no DF: the outer datagram in two fragments */
	lb_fwd_ctx_init(&ctx, 0x0300);
	n = load_big(big_nodf_in_hdr, 1460, in_buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), 0);
	CU_ASSERT_EQUAL(o.flags, LB_FWD_F_FRAG);
	CU_ASSERT_EQUAL_FATAL(o.nframes, 2);
	w = load(big_nodf_frag1_hdr, want, sizeof(want));
	memcpy(want + w, in_buf + 34, 1460);
	same_bytes(o.frames[0].data, o.frames[0].len, want, w + 1460);
	w = load(big_nodf_frag2_hdr, want, sizeof(want));
	memcpy(want + w, in_buf + 14 + 1480, 20);
	same_bytes(o.frames[1].data, o.frames[1].len, want, w + 20);
	/* reassembled: the outer payload is the inner packet, TTL 57 -> 56 */
	{
		static uint8_t re[1600];

		memcpy(re, o.frames[0].data + 34, 1480);
		memcpy(re + 1480, o.frames[1].data + 34, 20);
		in_buf[14 + 8]--;
		lb_ip4_csum_set(in_buf + 14, 20);
		CU_ASSERT(!memcmp(re, in_buf + 14, 1500));
	}
	CU_ASSERT_EQUAL(ctx.nfrag, 1);
	CU_ASSERT_EQUAL(ctx.nfwd[LB_KIND_TUN], 1);

	/* IPv6 over IPv6: Packet Too Big with MTU 1400 - 40 */
	dest(&d, "2001:db8:2::21", 443);
	t.laddr = addr("2001:db8:1::2");
	t.mtu = 1400;
	n = load_big(big6_in_hdr, 1340, in_buf);
	CU_ASSERT_EQUAL_FATAL(n, 1414);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), 0);
	CU_ASSERT_EQUAL(o.flags, LB_FWD_F_ICMP);
	w = load(big6_ptb_hdr, want, sizeof(want));
	memcpy(want + w, in_buf + 54, 1192);
	same_bytes(o.frames[0].data, o.frames[0].len, want, w + 1192);
	CU_ASSERT_EQUAL(o.frames[0].len - 14, 1280);
	CU_ASSERT_EQUAL(lb_pkt_parse(&q, LB_LT_ETHER, o.frames[0].data, o.frames[0].len),
			LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_pkt_verify(&q, o.frames[0].data), LB_PKT_OK);

	/* a link MTU that leaves less than the IPv6 minimum: dropped */
	t.mtu = 1300;
	out_init(&o);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), -EMSGSIZE);
	CU_ASSERT_EQUAL(o.nframes, 0);
	/* IPv4 inside an IPv6 tunnel without DF would need IPv6 fragments: refused */
	n = load_big(big_nodf_in_hdr, 1460, in_buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	t.mtu = 1500;
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), -EMSGSIZE);
	/* IPv4 minimum */
	dest(&d, "10.20.0.21", 80);
	t.laddr = addr("10.10.0.2");
	t.mtu = 87;
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), -EMSGSIZE);
	t.mtu = 88;
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), 0);
	CU_ASSERT_EQUAL(o.nframes, 24); /* 1500 bytes in 64-byte pieces (88 - 20 rounded to 8) */
}

/* DR and NAT check the MTU too, without tunnel overhead; NAT out answers from laddr. */
static void test_mtu_other_modes(void)
{
	struct lb_fwd_ctx ctx;
	struct lb_fwd_target t;
	struct lb_fwd_out o;
	struct lb_dest d;
	struct lb_pkt p, q;
	static uint8_t re[1600];
	size_t n;

	lb_fwd_ctx_init(&ctx, 7);
	target(&t, mac_rs);
	t.mtu = 1400;
	n = load_big(big_df_in_hdr, 1460, in_buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), 0);
	CU_ASSERT_EQUAL(o.flags, LB_FWD_F_ICMP);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&q, LB_LT_ETHER, o.frames[0].data, o.frames[0].len),
			      LB_PKT_OK);
	CU_ASSERT_EQUAL(q.saddr.u.v4, 0x0a0a0064u);
	CU_ASSERT_EQUAL(q.daddr.u.v4, 0xc6336407u);
	CU_ASSERT_EQUAL(q.ip_id, 7);
	CU_ASSERT_EQUAL(q.tos, 0xd0);
	CU_ASSERT(!memcmp(q.dst_mac, mac_cl, 6));
	CU_ASSERT_EQUAL(o.frames[0].data[34 + 6], 1400 >> 8);
	CU_ASSERT_EQUAL(o.frames[0].data[34 + 7], 1400 & 0xff);
	CU_ASSERT_EQUAL(lb_pkt_verify(&q, o.frames[0].data), LB_PKT_OK);

	/* NAT in: the quote is the packet as the client sent it */
	dest(&d, "10.10.0.21", 8080);
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, &d, &t, &o), 0);
	CU_ASSERT_EQUAL(o.flags, LB_FWD_F_ICMP);
	CU_ASSERT(!memcmp(o.frames[0].data + 42 + 20, in_buf + 34, 528));
	CU_ASSERT_EQUAL(o.frames[0].data[42 + 8], 56);
	CU_ASSERT(lb_ip4_csum_ok(o.frames[0].data + 42, 20));

	/* DR without DF: fragments of the packet itself, reassembling to it */
	n = load_big(big_nodf_in_hdr, 1460, in_buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), 0);
	CU_ASSERT_EQUAL(o.flags, LB_FWD_F_FRAG);
	CU_ASSERT_EQUAL_FATAL(o.nframes, 2);
	CU_ASSERT_EQUAL(o.frames[0].len, 14 + 20 + 1376);
	CU_ASSERT(!memcmp(o.frames[0].data, mac_rs, 6));
	memcpy(re + 20, o.frames[0].data + 34, 1376);
	memcpy(re + 20 + 1376, o.frames[1].data + 34, o.frames[1].len - 34);
	CU_ASSERT_EQUAL(o.frames[1].len - 34, 1480 - 1376);
	CU_ASSERT(!memcmp(re + 20, in_buf + 34, 1480));

	/* NAT out: ICMP from our address to the real server */
	n = load_big(big_df_in_hdr, 1460, in_buf);
	/* make it a reply: the real server 10.10.0.21 -> the client */
	in_buf[26] = 10;
	in_buf[27] = 10;
	in_buf[28] = 0;
	in_buf[29] = 21;
	lb_ip4_csum_set(in_buf + 14, 20);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	target(&t, mac_cl);
	t.dir = LB_FWD_OUT;
	t.mtu = 1400;
	t.vaddr = addr("10.10.0.100");
	t.vport = 80;
	out_init(&o);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, &d, &t, &o), -EINVAL);
	t.laddr = addr("10.10.0.2");
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, &d, &t, &o), 0);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&q, LB_LT_ETHER, o.frames[0].data, o.frames[0].len),
			      LB_PKT_OK);
	CU_ASSERT_EQUAL(q.saddr.u.v4, 0x0a0a0002u);
	CU_ASSERT_EQUAL(q.daddr.u.v4, 0x0a0a0015u);

	/* IPv6 DR: Packet Too Big with the link MTU */
	n = load_big(big6_in_hdr, 1340, in_buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	target(&t, mac_rs);
	t.mtu = 1280;
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), 0);
	CU_ASSERT_EQUAL(o.flags, LB_FWD_F_ICMP);
	CU_ASSERT_EQUAL(o.frames[0].data[54 + 6], 1280 >> 8);
	CU_ASSERT_EQUAL(o.frames[0].data[54 + 7], 1280 & 0xff);
}

static void test_refusals(void)
{
	struct lb_fwd_ctx ctx;
	struct lb_fwd_target t;
	struct lb_fwd_out o;
	struct lb_dest d;
	struct lb_pkt p;
	size_t n;
	uint64_t drops;

	lb_fwd_ctx_init(&ctx, 1);
	dest(&d, "10.10.0.21", 8080);
	target(&t, mac_rs);

	/* NAT of ICMP */
	n = load("020000000001 0200000000fe 0800"
		 "4500001c0001000040014638c63364070a0a0064"
		 "0800f7ff00000000",
		 in_buf, sizeof(in_buf));
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	out_init(&o);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, &d, &t, &o), -EPROTONOSUPPORT);
	/* ... but DR of it is fine */
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), 0);

	/* NAT of a fragment */
	n = load("020000000001 0200000000fe 0800"
		 "45000024444400b91e1143ca0a0000010a000002"
		 "6162636465666768696a6b6c6d6e6f70",
		 in_buf, sizeof(in_buf));
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_E_FRAGMENT);
	d.addr = addr("10.0.0.9");
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, &d, &t, &o), -EPROTO);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), 0);
	CU_ASSERT_EQUAL(o.frames[0].len, 14 + 36);

	/* NAT out with TTL 1 */
	n = load(nat_out4_in, in_buf, sizeof(in_buf));
	in_buf[22] = 1;
	lb_ip4_csum_set(in_buf + 14, 20);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	target(&t, mac_cl);
	t.dir = LB_FWD_OUT;
	t.vaddr = addr("10.10.0.100");
	t.vport = 80;
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, &d, &t, &o), -ETIMEDOUT);
	/* TTL 1 towards a real server too, unless the kernel predates the decrement */
	t.dir = LB_FWD_IN;
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), -ETIMEDOUT);
	ctx.dec_ttl = false;
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), 0);
	ctx.dec_ttl = true;
	t.dir = LB_FWD_OUT;
	/* direction OUT with DR / TUN */
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, &d, &t, &o), -EINVAL);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, &d, &t, &o), -EINVAL);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_COUNT, &d, &t, &o), -EINVAL);

	/* family mismatch, missing dest */
	n = load(nat_in4_in, in_buf, sizeof(in_buf));
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	target(&t, mac_rs);
	d.addr = addr("2001:db8::21");
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, &d, &t, &o), -EINVAL);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, NULL, &t, &o), -EINVAL);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_TUN, NULL, &t, &o), -EINVAL);
	/* ARP */
	n = load("ffffffffffff b2c101316eb6 0806"
		 "0001 0800 06 04 0001 b2c101316eb6 0a0a0064 ffffffffffff 0a0a0064",
		 in_buf, sizeof(in_buf));
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), -EINVAL);
	CU_ASSERT_EQUAL(o.nframes, 0);

	/* no ICMP about an ICMP error (time exceeded), but about an echo request */
	{
		struct lb_ip_spec is = { .ttl = 64, .id = 1, .df = true };
		uint8_t msg[72];
		int len;

		memset(msg, 0, sizeof(msg));
		msg[0] = 11;
		is.saddr = addr("198.51.100.7");
		is.daddr = addr("10.10.0.100");
		len = lb_build_ip(in_buf, sizeof(in_buf), &t.eth, &is, LB_PROTO_ICMP, msg,
				  sizeof(msg));
		CU_ASSERT_FATAL(len == 14 + 20 + 72);
		CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, (size_t)len),
				      LB_PKT_OK);
		t.mtu = 80;
		CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, (size_t)len, LB_KIND_DR, NULL, &t, &o),
				-EMSGSIZE);
		CU_ASSERT_EQUAL(o.nframes, 0);
		in_buf[34] = 8;
		CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, (size_t)len),
				      LB_PKT_OK);
		CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, (size_t)len, LB_KIND_DR, NULL, &t, &o), 0);
		CU_ASSERT_EQUAL(o.flags, LB_FWD_F_ICMP);
	}
	/* nor to a multicast source */
	t.mtu = 100;
	n = load_big(big_df_in_hdr, 1460, in_buf);
	in_buf[26] = 224;
	lb_ip4_csum_set(in_buf + 14, 20);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_DR, NULL, &t, &o), -EMSGSIZE);
	CU_ASSERT_EQUAL(o.nframes, 0);

	/* every scratch size that is too small */
	n = load(nat_in4_in, in_buf, sizeof(in_buf));
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse(&p, LB_LT_ETHER, in_buf, n), LB_PKT_OK);
	dest(&d, "10.10.0.21", 8080);
	target(&t, mac_rs);
	drops = ctx.ndrop;
	for (size_t cap = 0; cap < n; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		memset(&o, 0, sizeof(o));
		o.buf = b;
		o.cap = cap;
		CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, n, LB_KIND_NAT, &d, &t, &o), -ENOSPC);
		CU_ASSERT_EQUAL(o.nframes, 0);
		free(b);
	}
	CU_ASSERT_EQUAL(ctx.ndrop, drops + n);
}

/* A capture cut after the headers: rewrites still work, frames keep their wire length. */
static void test_snapped(void)
{
	struct lb_fwd_ctx ctx;
	struct lb_fwd_target t;
	struct lb_fwd_out o;
	struct lb_dest d;
	struct lb_pkt p;
	size_t n, w;

	lb_fwd_ctx_init(&ctx, 1);
	dest(&d, "10.10.0.21", 8080);
	target(&t, mac_rs);
	n = load(nat_in4_in, in_buf, sizeof(in_buf));
	w = load(nat_in4_out, want, sizeof(want));
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse_snap(&p, LB_LT_ETHER, in_buf, 54, n), LB_PKT_OK);
	out_init(&o);
	CU_ASSERT_EQUAL_FATAL(lb_fwd(&ctx, &p, in_buf, 54, LB_KIND_NAT, &d, &t, &o), 0);
	CU_ASSERT_EQUAL(o.frames[0].len, 54);
	CU_ASSERT_EQUAL(o.frames[0].wire_len, w);
	CU_ASSERT(!memcmp(o.frames[0].data, want, 54));

	/* too big and no DF would need the missing bytes */
	n = load_big(big_nodf_in_hdr, 1460, in_buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse_snap(&p, LB_LT_ETHER, in_buf, 100, n), LB_PKT_OK);
	t.mtu = 1000;
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, 100, LB_KIND_DR, NULL, &t, &o), -ENODATA);
	/* ... an RFC 792 ICMP quote does not */
	n = load_big(big_df_in_hdr, 1460, in_buf);
	CU_ASSERT_EQUAL_FATAL(lb_pkt_parse_snap(&p, LB_LT_ETHER, in_buf, 100, n), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, 100, LB_KIND_DR, NULL, &t, &o), -ENODATA);
	ctx.icmp4_quote = LB_ICMP4_QUOTE_RFC792;
	CU_ASSERT_EQUAL(lb_fwd(&ctx, &p, in_buf, 100, LB_KIND_DR, NULL, &t, &o), 0);
	CU_ASSERT_EQUAL(o.flags, LB_FWD_F_ICMP);
}

int test_forward_register(void)
{
	CU_pSuite s = CU_add_suite("forward", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "NAT in/out, IPv4/IPv6", test_nat) ||
	    !CU_add_test(s, "DR", test_dr) ||
	    !CU_add_test(s, "TUN", test_tun) ||
	    !CU_add_test(s, "TUN too big: ICMP, fragments, PTB", test_tun_too_big) ||
	    !CU_add_test(s, "MTU in DR and NAT", test_mtu_other_modes) ||
	    !CU_add_test(s, "refusals", test_refusals) ||
	    !CU_add_test(s, "snapped captures", test_snapped))
		return CU_get_error();
	return CUE_SUCCESS;
}
