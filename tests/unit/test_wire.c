/*
 * tests/unit/test_wire.c - suite "wire": frame parsing, checksums, builders
 * and IPv4 fragmentation (algorithms/wire/frame.c).
 *
 * Run by lbsim-test; about 0.3 s (10^5 random checksum updates, every
 * prefix of every sample frame parsed from its own exact-size heap copy so
 * that ASan sees any read past the end). LBSIM_TEST_QUICK=1 runs 10^4.
 *
 * The sample frames were built field by field by a separate Python
 * implementation of the formats and of RFC 1071 (not part of the tree) and
 * are written here as hex, one header per line; the reference frames of
 * spec/vrrp-keepalived.md 1.9 (captured from keepalived on Linux) give
 * checksums computed by a kernel.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "algorithms/wire/frame.h"
#include "tests/test.h"

/* ---- sample frames ---- */

/* 192.0.2.1:51000 -> 192.0.2.2:443 SYN, DF, MSS 1460, SACK-permitted, timestamps, WS 7 */
static const char f_eth_tcp_syn[] =
	"66778899aabb 001122334455 0800"
	"4500003cbeef40004006f7c8c0000201c0000202"
	"c73801bb0102030400000000a002faf019d00000"
	"020405b4 0402 080a0001e24000000000 01 030307";

/* 802.1Q tag (PCP 1, VID 100), 10.0.0.1:53 -> 10.0.0.2:33000, 12 bytes */
static const char f_vlan_udp[] =
	"66778899aabb 001122334455 8100 2064 0800"
	"45000028000100003f1167c20a0000010a000002"
	"003580e80014043a"
	"303132333435363738396162";

/* 802.1ad S-tag VID 10 + 802.1Q C-tag VID 20, IPv6 TCP PSH|ACK "hello" */
static const char f_qinq_ip6_tcp[] =
	"66778899aabb 001122334455 88a8 000a 8100 0014 86dd"
	"620abcde 0019 06 40 20010db8000000000000000000000001 20010db8000000000000000000000002"
	"01bbc35000000007000000085018012c4a3a0000"
	"68656c6c6f";

/* IPv4 with a Router Alert option (IHL 6), ICMP echo request id 0x1234 seq 1 */
static const char f_ip4_opts_icmp[] =
	"66778899aabb 001122334455 0800"
	"46b800280063000001010db20a0101010a010102 94040000"
	"08002e3712340001"
	"70696e6764617461";

/* IPv6 hop-by-hop, destination options, routing (1 address), atomic fragment, UDP */
static const char f_ip6_ext_udp[] =
	"66778899aabb 001122334455 86dd"
	"60000000 003c 00 09 20010db800000000000000000000000a 20010db800000000000000000000000b"
	"3c00010400000000"
	"2b00010400000000"
	"2c02000000000000 20010db800000000000000000000000c"
	"11000000deadbeef"
	"03e807d0000ca5a6"
	"78797a77";

/* IPv6 non-first fragment (offset 1448), 16 bytes of UDP data */
static const char f_ip6_frag2[] =
	"66778899aabb 001122334455 86dd"
	"60000000 0018 2c 09 20010db800000000000000000000000a 20010db800000000000000000000000b"
	"110005a80000cafe"
	"6162636465666768696a6b6c6d6e6f70";

/* IPv4 non-first fragment (offset 1480) */
static const char f_ip4_frag2[] =
	"66778899aabb 001122334455 0800"
	"45000024444400b91e1143ca0a0000010a000002"
	"6162636465666768696a6b6c6d6e6f70";

/* IPv4 first fragment (MF) of a 108-byte UDP datagram */
static const char f_ip4_frag1_udp[] =
	"66778899aabb 001122334455 0800"
	"45000044444520001e1124620a0000010a000002"
	"0fa00fa1006c8257"
	"6162636465666768696a6b6c6d6e6f707172737475767778797a6162636465666768696a6b6c6d6e";

/* ICMPv6 echo request id 7 seq 9 "v6ping" */
static const char f_icmp6[] =
	"66778899aabb 001122334455 86dd"
	"60000000 000e 3a ff 20010db8000000000000000000000001 20010db8000000000000000000000002"
	"8000cf2a00070009"
	"763670696e67";

/* Linux cooked v1: to us, ARPHRD_ETHER, 6-byte address, IPv4 UDP "sll!" */
static const char f_sll_udp[] =
	"0000 0001 0006 0011223344550000 0800"
	"4500002000050000401122a5ac100001ac100002"
	"13881770000c9d2c"
	"736c6c21";

/* Linux cooked v2: IPv6, ifindex 3, ARPHRD_ETHER, outgoing, IPv6 TCP FIN|ACK */
static const char f_sll2_tcp6[] =
	"86dd 0000 00000003 0001 04 06 66778899aabb0000"
	"60000000 0014 06 40 20010db8000000000000000000000005 20010db8000000000000000000000006"
	"0016ea60000000010000000250110064697900 00";

/* raw IPv4 UDP (NTP-sized) */
static const char f_raw4_udp[] =
	"4500004c007740004011b8d6c0a80001c0a80002"
	"007b007b00387d34"
	"000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000";

/* raw IPv6 TCP, link-local, hop limit 1 */
static const char f_raw6_tcp[] =
	"60000000 0017 06 01 fe800000000000000000000000000001 fe800000000000000000000000000002"
	"00b39c400000000b0000000c50103e8004db0000"
	"626770";

/* spec/vrrp-keepalived.md 1.9 (c): keepalived's gratuitous ARP for 10.10.0.100 */
static const char f_garp[] =
	"ffffffffffff b2c101316eb6 0806"
	"0001 0800 06 04 0001 b2c101316eb6 0a0a0064 ffffffffffff 0a0a0064";

/* IPIP: 10.10.0.2 -> 10.20.0.21 carrying 198.51.100.7:40002 -> 10.10.0.100:80 "xyz" */
static const char f_ipip[] =
	"020000000021 020000000001 0800"
	"4510003f0000400039042d770a0a00020a140015"
	"4510002b0099400039060c7cc63364070a0a0064"
	"9c4200500000000700000009501003e8e8240000"
	"78797a";

/* IPv6 in IPv4 (protocol 41) */
static const char f_6in4[] =
	"020000000021 020000000001 0800"
	"45b800520400000037296a970a0a00020a140015"
	"6b800000 0016 06 37 20010db8000000000000000000000007 20010db8000100000000000000000100"
	"9c4701bb0000000100000002501003e849020000"
	"6869";

/* spec/vrrp-keepalived.md 1.9 (a), (d), (e): kernel-checksummed VRRP frames */
static const char f_vrrp2[] =
	"01005e000012 b2c101316eb6 0800"
	"45c000280001 0000 ff70 d07c 0a0a000c e0000012"
	"21336401010101de0a0a0064 7365637265743132";
static const char f_vrrp3[] =
	"01005e000012 d6a187f77cab 0800"
	"45c000240001 0000 ff70 d081 0a0a000b e0000012"
	"3134960200323910 0a0a0065 0a0a0066";
static const char f_vrrp3u[] =
	"d6a187f77cab b2c101316eb6 0800"
	"45c000200001 0000 ff70 a66e 0a14000c 0a14000b"
	"314896010032194f 0a140066";

struct frame_case {
	const char *name;
	enum lb_linktype lt;
	const char *hex;
	int rc;
};

static const struct frame_case cases[] = {
	{ "eth_tcp_syn", LB_LT_ETHER, f_eth_tcp_syn, LB_PKT_OK },
	{ "vlan_udp", LB_LT_ETHER, f_vlan_udp, LB_PKT_OK },
	{ "qinq_ip6_tcp", LB_LT_ETHER, f_qinq_ip6_tcp, LB_PKT_OK },
	{ "ip4_opts_icmp", LB_LT_ETHER, f_ip4_opts_icmp, LB_PKT_OK },
	{ "ip6_ext_udp", LB_LT_ETHER, f_ip6_ext_udp, LB_PKT_OK },
	{ "ip6_frag2", LB_LT_ETHER, f_ip6_frag2, LB_PKT_E_FRAGMENT },
	{ "ip4_frag2", LB_LT_ETHER, f_ip4_frag2, LB_PKT_E_FRAGMENT },
	{ "ip4_frag1_udp", LB_LT_ETHER, f_ip4_frag1_udp, LB_PKT_OK },
	{ "icmp6", LB_LT_ETHER, f_icmp6, LB_PKT_OK },
	{ "sll_udp", LB_LT_SLL, f_sll_udp, LB_PKT_OK },
	{ "sll2_tcp6", LB_LT_SLL2, f_sll2_tcp6, LB_PKT_OK },
	{ "raw4_udp", LB_LT_RAW, f_raw4_udp, LB_PKT_OK },
	{ "raw6_tcp", LB_LT_RAW, f_raw6_tcp, LB_PKT_OK },
	{ "ipv4_udp", LB_LT_IPV4, f_raw4_udp, LB_PKT_OK },
	{ "ipv6_tcp", LB_LT_IPV6, f_raw6_tcp, LB_PKT_OK },
	{ "garp", LB_LT_ETHER, f_garp, LB_PKT_OK },
	{ "ipip", LB_LT_ETHER, f_ipip, LB_PKT_OK },
	{ "6in4", LB_LT_ETHER, f_6in4, LB_PKT_OK },
	{ "vrrp2", LB_LT_ETHER, f_vrrp2, LB_PKT_OK },
	{ "vrrp3", LB_LT_ETHER, f_vrrp3, LB_PKT_OK },
	{ "vrrp3u", LB_LT_ETHER, f_vrrp3u, LB_PKT_OK },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static uint8_t buf_a[70000], buf_b[70000];

static size_t load(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = test_unhex(hex, out, cap);

	CU_ASSERT_FATAL(n > 0);
	return n;
}

static int parse_hex(const char *hex, enum lb_linktype lt, struct lb_pkt *p, size_t *len)
{
	*len = load(hex, buf_a, sizeof(buf_a));
	return lb_pkt_parse(p, lt, buf_a, *len);
}

static struct lb_addr a4(uint32_t v)
{
	struct lb_addr a;

	memset(&a, 0, sizeof(a));
	a.af = LB_AF_INET;
	a.u.v4 = v;
	return a;
}

static struct lb_addr a6(const char *s)
{
	struct lb_addr a;

	CU_ASSERT_FATAL(lb_addr_parse(s, &a) == 0);
	return a;
}

static bool addr_is(const struct lb_addr *a, const char *s)
{
	struct lb_addr b = a6(s);

	return lb_addr_eq(a, &b);
}

/* Simple xorshift: the tests' own deterministic stream. */
static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* ---- parsing ---- */

static void test_parse_eth_tcp(void)
{
	struct lb_pkt p;
	struct lb_flow_key k;
	size_t len;
	static const uint8_t a[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t b[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };

	CU_ASSERT_EQUAL(parse_hex(f_eth_tcp_syn, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(len, 74);
	CU_ASSERT_EQUAL(p.kind, LB_PKT_IP);
	CU_ASSERT_EQUAL(p.linktype, LB_LT_ETHER);
	CU_ASSERT(!memcmp(p.dst_mac, b, 6));
	CU_ASSERT(!memcmp(p.src_mac, a, 6));
	CU_ASSERT_EQUAL(p.ethertype, 0x0800);
	CU_ASSERT_EQUAL(p.nvlan, 0);
	CU_ASSERT_EQUAL(p.l3_off, 14);
	CU_ASSERT_EQUAL(p.l4_off, 34);
	CU_ASSERT_EQUAL(p.payload_off, 74);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(p.ip_ver, 4);
	CU_ASSERT_EQUAL(p.ip_hlen, 20);
	CU_ASSERT_EQUAL(p.ip_len, 60);
	CU_ASSERT_EQUAL(p.ip_id, 0xbeef);
	CU_ASSERT_EQUAL(p.ttl, 64);
	CU_ASSERT_EQUAL(p.flags, LB_PKT_F_DF);
	CU_ASSERT_EQUAL(p.frag_off, 0);
	CU_ASSERT_EQUAL(p.proto, LB_PROTO_TCP);
	CU_ASSERT(lb_addr_eq(&p.saddr, &(struct lb_addr){ 0 }) == false);
	CU_ASSERT_EQUAL(p.saddr.u.v4, 0xC0000201u);
	CU_ASSERT_EQUAL(p.daddr.u.v4, 0xC0000202u);
	CU_ASSERT_EQUAL(p.sport, 51000);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(p.seq, 0x01020304u);
	CU_ASSERT_EQUAL(p.ack, 0);
	CU_ASSERT_EQUAL(p.tcp_flags, LB_TCP_SYN);
	CU_ASSERT_EQUAL(p.tcp_win, 64240);
	CU_ASSERT_EQUAL(p.tcp_mss, 1460);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_pkt_flow_key(&p, &k), 0);
	CU_ASSERT_EQUAL(k.saddr.u.v4, 0xC0000201u);
	CU_ASSERT_EQUAL(k.daddr.u.v4, 0xC0000202u);
	CU_ASSERT_EQUAL(k.sport, 51000);
	CU_ASSERT_EQUAL(k.dport, 443);
	CU_ASSERT_EQUAL(k.proto, LB_PROTO_TCP);
}

static void test_parse_vlan(void)
{
	struct lb_pkt p;
	size_t len;

	CU_ASSERT_EQUAL(parse_hex(f_vlan_udp, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.nvlan, 1);
	CU_ASSERT_EQUAL(p.vlan_tpid[0], 0x8100);
	CU_ASSERT_EQUAL(p.vlan_tci[0], 0x2064);
	CU_ASSERT_EQUAL(p.ethertype, 0x0800);
	CU_ASSERT_EQUAL(p.l3_off, 18);
	CU_ASSERT_EQUAL(p.proto, LB_PROTO_UDP);
	CU_ASSERT_EQUAL(p.sport, 53);
	CU_ASSERT_EQUAL(p.dport, 33000);
	CU_ASSERT_EQUAL(p.payload_off, 46);
	CU_ASSERT_EQUAL(p.payload_len, 12);
	CU_ASSERT_EQUAL(p.ttl, 63);
	CU_ASSERT_EQUAL(p.flags, 0);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);

	CU_ASSERT_EQUAL(parse_hex(f_qinq_ip6_tcp, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.nvlan, 2);
	CU_ASSERT_EQUAL(p.vlan_tpid[0], 0x88a8);
	CU_ASSERT_EQUAL(p.vlan_tci[0], 10);
	CU_ASSERT_EQUAL(p.vlan_tpid[1], 0x8100);
	CU_ASSERT_EQUAL(p.vlan_tci[1], 20);
	CU_ASSERT_EQUAL(p.ethertype, 0x86dd);
	CU_ASSERT_EQUAL(p.l3_off, 22);
	CU_ASSERT_EQUAL(p.ip_ver, 6);
	CU_ASSERT_EQUAL(p.tos, 0x20);
	CU_ASSERT_EQUAL(p.flowlabel, 0xabcde);
	CU_ASSERT_EQUAL(p.ttl, 64);
	CU_ASSERT_EQUAL(p.ip_len, 65);
	CU_ASSERT_EQUAL(p.ip_hlen, 40);
	CU_ASSERT(addr_is(&p.saddr, "2001:db8::1"));
	CU_ASSERT(addr_is(&p.daddr, "2001:db8::2"));
	CU_ASSERT_EQUAL(p.sport, 443);
	CU_ASSERT_EQUAL(p.dport, 50000);
	CU_ASSERT_EQUAL(p.seq, 7);
	CU_ASSERT_EQUAL(p.ack, 8);
	CU_ASSERT_EQUAL(p.tcp_flags, LB_TCP_PSH | LB_TCP_ACK);
	CU_ASSERT_EQUAL(p.tcp_mss, 0);
	CU_ASSERT_EQUAL(p.payload_len, 5);
	CU_ASSERT(!memcmp(buf_a + p.payload_off, "hello", 5));
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
}

static void test_parse_ip4_opts_icmp(void)
{
	struct lb_pkt p;
	size_t len;

	CU_ASSERT_EQUAL(parse_hex(f_ip4_opts_icmp, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.ip_hlen, 24);
	CU_ASSERT_EQUAL(p.flags, LB_PKT_F_IPOPTS);
	CU_ASSERT_EQUAL(p.tos, 0xb8);
	CU_ASSERT_EQUAL(p.ttl, 1);
	CU_ASSERT_EQUAL(p.proto, LB_PROTO_ICMP);
	CU_ASSERT_EQUAL(p.l4_off, 38);
	CU_ASSERT_EQUAL(p.icmp_type, 8);
	CU_ASSERT_EQUAL(p.icmp_code, 0);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(p.payload_len, 8);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);

	CU_ASSERT_EQUAL(parse_hex(f_icmp6, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.proto, LB_PROTO_ICMPV6);
	CU_ASSERT_EQUAL(p.icmp_type, 128);
	CU_ASSERT_EQUAL(p.ttl, 255);
	CU_ASSERT_EQUAL(p.payload_len, 6);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
}

static void test_parse_ip6_ext(void)
{
	struct lb_pkt p;
	size_t len;

	CU_ASSERT_EQUAL(parse_hex(f_ip6_ext_udp, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.ip_ver, 6);
	CU_ASSERT_EQUAL(p.proto, LB_PROTO_UDP);
	CU_ASSERT_EQUAL(p.ip_hlen, 40 + 8 + 8 + 24 + 8);
	CU_ASSERT_EQUAL(p.l4_off, 14 + 88);
	CU_ASSERT_EQUAL(p.frag_id, 0xdeadbeef);
	CU_ASSERT_EQUAL(p.frag_off, 0);
	CU_ASSERT_EQUAL(p.flags, LB_PKT_F_IPOPTS | LB_PKT_F_FRAG);
	CU_ASSERT_EQUAL(p.sport, 1000);
	CU_ASSERT_EQUAL(p.dport, 2000);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	CU_ASSERT_EQUAL(p.ttl, 9);

	CU_ASSERT_EQUAL(parse_hex(f_ip6_frag2, LB_LT_ETHER, &p, &len), LB_PKT_E_FRAGMENT);
	CU_ASSERT_EQUAL(p.kind, LB_PKT_IP);
	CU_ASSERT_EQUAL(p.proto, LB_PROTO_UDP);
	CU_ASSERT_EQUAL(p.frag_off, 1448);
	CU_ASSERT_EQUAL(p.frag_id, 0xcafe);
	CU_ASSERT_EQUAL(p.flags & (LB_PKT_F_FRAG | LB_PKT_F_MF), LB_PKT_F_FRAG);
	CU_ASSERT_EQUAL(p.l4_off, 0);
	CU_ASSERT(addr_is(&p.daddr, "2001:db8::b"));

	CU_ASSERT_EQUAL(parse_hex(f_ip4_frag2, LB_LT_ETHER, &p, &len), LB_PKT_E_FRAGMENT);
	CU_ASSERT_EQUAL(p.frag_off, 1480);
	CU_ASSERT_EQUAL(p.ip_id, 0x4444);
	CU_ASSERT_EQUAL(p.proto, LB_PROTO_UDP);
	CU_ASSERT_EQUAL(p.l4_off, 0);
	CU_ASSERT_EQUAL(p.sport, 0);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);

	CU_ASSERT_EQUAL(parse_hex(f_ip4_frag1_udp, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.flags, LB_PKT_F_MF | LB_PKT_F_FRAG);
	CU_ASSERT_EQUAL(p.sport, 4000);
	CU_ASSERT_EQUAL(p.payload_len, 40);
}

static void test_parse_cooked_raw(void)
{
	struct lb_pkt p;
	size_t len;
	static const uint8_t a[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t b[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };

	CU_ASSERT_EQUAL(parse_hex(f_sll_udp, LB_LT_SLL, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.l3_off, 16);
	CU_ASSERT_EQUAL(p.sll_pkttype, 0);
	CU_ASSERT_EQUAL(p.sll_hatype, 1);
	CU_ASSERT(!memcmp(p.src_mac, a, 6));
	CU_ASSERT_EQUAL(p.ethertype, 0x0800);
	CU_ASSERT_EQUAL(p.sport, 5000);
	CU_ASSERT_EQUAL(p.payload_len, 4);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);

	CU_ASSERT_EQUAL(parse_hex(f_sll2_tcp6, LB_LT_SLL2, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.l3_off, 20);
	CU_ASSERT_EQUAL(p.sll_ifindex, 3);
	CU_ASSERT_EQUAL(p.sll_pkttype, 4);
	CU_ASSERT(!memcmp(p.src_mac, b, 6));
	CU_ASSERT_EQUAL(p.tcp_flags, LB_TCP_FIN | LB_TCP_ACK);
	CU_ASSERT_EQUAL(p.sport, 22);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);

	CU_ASSERT_EQUAL(parse_hex(f_raw4_udp, LB_LT_RAW, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.l3_off, 0);
	CU_ASSERT_EQUAL(p.ip_ver, 4);
	CU_ASSERT_EQUAL(p.payload_len, 48);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_IPV4, buf_a, len), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_IPV6, buf_a, len), LB_PKT_E_BAD_IP_VERSION);

	CU_ASSERT_EQUAL(parse_hex(f_raw6_tcp, LB_LT_RAW, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.ip_ver, 6);
	CU_ASSERT_EQUAL(p.sport, 179);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_IPV6, buf_a, len), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_IPV4, buf_a, len), LB_PKT_E_BAD_IP_VERSION);
	buf_a[0] = 0x50;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_RAW, buf_a, len), LB_PKT_E_BAD_IP_VERSION);
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_COUNT, buf_a, len), LB_PKT_E_LINKTYPE);
}

static void test_parse_arp(void)
{
	struct lb_pkt p;
	size_t len;
	static const uint8_t mac[6] = { 0xb2, 0xc1, 0x01, 0x31, 0x6e, 0xb6 };
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct lb_flow_key k;

	CU_ASSERT_EQUAL(parse_hex(f_garp, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(len, 42);
	CU_ASSERT_EQUAL(p.kind, LB_PKT_ARP);
	CU_ASSERT_EQUAL(p.ethertype, LB_ETH_P_ARP);
	CU_ASSERT_EQUAL(p.arp_op, LB_ARP_REQUEST);
	CU_ASSERT(!memcmp(p.arp_sha, mac, 6));
	CU_ASSERT(!memcmp(p.arp_tha, bc, 6));
	CU_ASSERT_EQUAL(p.saddr.u.v4, 0x0a0a0064u);
	CU_ASSERT_EQUAL(p.daddr.u.v4, 0x0a0a0064u);
	CU_ASSERT_EQUAL(lb_pkt_flow_key(&p, &k), -EINVAL);
	buf_a[15] = 6; /* hardware type 6 (IEEE 802) */
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, buf_a, len), LB_PKT_E_BAD_ARP);
}

static void test_parse_tunnels(void)
{
	struct lb_pkt p;
	size_t len;

	CU_ASSERT_EQUAL(parse_hex(f_ipip, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_ENCAP);
	CU_ASSERT_EQUAL(p.outer.ip_ver, 4);
	CU_ASSERT_EQUAL(p.outer.saddr.u.v4, 0x0a0a0002u);
	CU_ASSERT_EQUAL(p.outer.daddr.u.v4, 0x0a140015u);
	CU_ASSERT_EQUAL(p.outer.l3_off, 14);
	CU_ASSERT_EQUAL(p.outer.ip_len, 63);
	CU_ASSERT_EQUAL(p.outer.flags, LB_PKT_F_DF);
	CU_ASSERT_EQUAL(p.l3_off, 34);
	CU_ASSERT_EQUAL(p.ip_ver, 4);
	CU_ASSERT_EQUAL(p.saddr.u.v4, 0xc6336407u);
	CU_ASSERT_EQUAL(p.daddr.u.v4, 0x0a0a0064u);
	CU_ASSERT_EQUAL(p.ip_id, 0x99);
	CU_ASSERT_EQUAL(p.proto, LB_PROTO_TCP);
	CU_ASSERT_EQUAL(p.sport, 40002);
	CU_ASSERT_EQUAL(p.dport, 80);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
	buf_a[24] ^= 1; /* outer header checksum */
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_E_BAD_IP_CSUM);

	CU_ASSERT_EQUAL(parse_hex(f_6in4, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_ENCAP);
	CU_ASSERT_EQUAL(p.outer.ip_ver, 4);
	CU_ASSERT_EQUAL(p.outer.tos, 0xb8);
	CU_ASSERT_EQUAL(p.ip_ver, 6);
	CU_ASSERT_EQUAL(p.tos, 0xb8);
	CU_ASSERT_EQUAL(p.dport, 443);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
	/* an inner packet of the wrong version */
	buf_a[34] = 0x45;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, buf_a, len), LB_PKT_E_BAD_IP_VERSION);
}

static void test_parse_errors(void)
{
	struct lb_pkt p;
	size_t len;
	uint8_t *f = buf_a;

	/* IHL below 5 */
	len = load(f_eth_tcp_syn, f, sizeof(buf_a));
	f[14] = 0x44;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_IHL);
	/* IHL 15: the header (60) eats the TCP header, total length 60 < IHL*4? no: = 60 */
	f[14] = 0x4f;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_TRUNC_L4);
	/* version 5 under ethertype IPv4 */
	f[14] = 0x55;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_IP_VERSION);
	/* total length beyond the capture, and below the header */
	len = load(f_eth_tcp_syn, f, sizeof(buf_a));
	f[16] = 0x01;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_IP_LEN);
	f[16] = 0;
	f[17] = 19;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_IP_LEN);
	/* TCP data offset 4, then past the packet */
	len = load(f_eth_tcp_syn, f, sizeof(buf_a));
	f[46] = 0x40;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_TCP_DOFF);
	f[46] = 0xf0;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_TCP_DOFF);
	/* UDP length 7, then longer than the IP payload */
	len = load(f_vlan_udp, f, sizeof(buf_a));
	f[42] = 0;
	f[43] = 7;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_UDP_LEN);
	f[43] = 21;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_UDP_LEN);
	/* a third VLAN tag */
	len = load("66778899aabb001122334455 88a8000a 81000014 81000015 0800"
		   "45000014000100003f1167c20a0000010a000002",
		   f, sizeof(buf_a));
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_VLAN_DEPTH);
	/* LLDP: not IP, link fields kept */
	len = load("0180c200000e 001122334455 88cc 0207040011223344", f, sizeof(buf_a));
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_NOT_IP);
	CU_ASSERT_EQUAL(p.kind, LB_PKT_OTHER);
	CU_ASSERT_EQUAL(p.ethertype, 0x88cc);
	/* 802.3 length field */
	f[12] = 0x00;
	f[13] = 0x26;
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_NOT_IP);
	/* nine IPv6 extension headers (destination options) */
	{
		char hex[1024];
		int n = snprintf(hex, sizeof(hex), "%s", "66778899aabb00112233445586dd"
							 "60000000 0048 3c 40"
							 "20010db8000000000000000000000001"
							 "20010db8000000000000000000000002");

		for (int i = 0; i < 9; i++)
			n += snprintf(hex + n, sizeof(hex) - (size_t)n, "%s",
				      i < 8 ? "3c00010400000000" : "3b00010400000000");
		len = load(hex, f, sizeof(buf_a));
		CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_BAD_EXTHDR);
		/* eight are fine (the eighth names no next header) */
		f[19] = 0x40;
		f[54 + 7 * 8] = 0x3b;
		len -= 8;
		CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_OK);
		CU_ASSERT_EQUAL(p.proto, 59);
		CU_ASSERT_EQUAL(p.ip_hlen, 40 + 64);
		/* a header length reaching past the packet */
		f[54 + 1] = 20;
		CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, len), LB_PKT_E_TRUNC_EXTHDR);
	}
	/* Ethernet padding after a short IP packet is ignored */
	len = load(f_garp, f, sizeof(buf_a));
	memset(f + len, 0, 60 - len);
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, 60), LB_PKT_OK);
	len = load(f_ip4_frag2, f, sizeof(buf_a));
	memset(f + len, 0xee, 64 - len);
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, f, 64), LB_PKT_E_FRAGMENT);
	CU_ASSERT_EQUAL(p.ip_len, 36);

	for (int e = 0; e < LB_PKT_E_COUNT; e++) {
		const char *name = lb_pkt_err_name(e);

		CU_ASSERT(name && strcmp(name, "?") != 0);
		for (int e2 = 0; e2 < e; e2++)
			CU_ASSERT(strcmp(name, lb_pkt_err_name(e2)) != 0);
	}
	CU_ASSERT_STRING_EQUAL(lb_pkt_err_name(LB_PKT_E_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(lb_pkt_err_name(-1), "?");
	CU_ASSERT_STRING_EQUAL(lb_pkt_err_name(LB_PKT_E_TRUNC_L4), "trunc_l4");
}

static void test_parse_snap(void)
{
	struct lb_pkt p;
	size_t len = load(f_vlan_udp, buf_a, sizeof(buf_a));
	uint8_t *copy;

	/* headers captured, payload not: parses with SNAP */
	copy = malloc(46);
	memcpy(copy, buf_a, 46);
	CU_ASSERT_EQUAL(lb_pkt_parse_snap(&p, LB_LT_ETHER, copy, 46, len), LB_PKT_OK);
	CU_ASSERT(p.flags & LB_PKT_F_SNAP);
	CU_ASSERT_EQUAL(p.payload_len, 12);
	CU_ASSERT_EQUAL(p.caplen, 46);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, copy), LB_PKT_OK);
	/* without the wire length it is a bad IP length */
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, copy, 46), LB_PKT_E_BAD_IP_LEN);
	/* headers cut */
	CU_ASSERT_EQUAL(lb_pkt_parse_snap(&p, LB_LT_ETHER, copy, 40, len), LB_PKT_E_TRUNC_L4);
	free(copy);
}

/*
 * Every prefix of every sample frame, each from its own heap block of
 * exactly that size: an error until the packet is complete (ASan catches
 * any read past the end), and with the true wire length only errors that
 * are about headers.
 */
static void test_truncation(void)
{
	for (size_t c = 0; c < NCASES; c++) {
		struct lb_pkt p;
		size_t len = load(cases[c].hex, buf_b, sizeof(buf_b));
		size_t need;
		int rc = lb_pkt_parse(&p, cases[c].lt, buf_b, len);

		if (rc != cases[c].rc)
			fprintf(stderr, "\n%s: rc %s\n", cases[c].name, lb_pkt_err_name(rc));
		CU_ASSERT_EQUAL_FATAL(rc, cases[c].rc);
		if (p.kind == LB_PKT_ARP)
			need = p.l3_off + 28;
		else if (p.flags & LB_PKT_F_ENCAP)
			need = p.outer.l3_off + p.outer.ip_len;
		else
			need = p.l3_off + p.ip_len;
		CU_ASSERT_EQUAL(need, len);
		for (size_t n = 0; n < len; n++) {
			uint8_t *copy = malloc(n ? n : 1);
			struct lb_pkt q;
			int r;

			memcpy(copy, buf_b, n);
			r = lb_pkt_parse(&q, cases[c].lt, copy, n);
			if (r == LB_PKT_OK || r == cases[c].rc)
				fprintf(stderr, "\n%s: prefix %zu parsed as %s\n", cases[c].name, n,
					lb_pkt_err_name(r));
			CU_ASSERT(r != LB_PKT_OK && r != cases[c].rc);
			r = lb_pkt_parse_snap(&q, cases[c].lt, copy, n, len);
			if (r == LB_PKT_OK || r == LB_PKT_E_FRAGMENT) {
				CU_ASSERT(q.flags & LB_PKT_F_SNAP);
				CU_ASSERT_EQUAL(lb_pkt_verify(&q, copy), LB_PKT_OK);
			}
			free(copy);
		}
	}
}

/* Random byte flips of the sample frames: anything may come back, nothing may crash. */
static void test_mutations(void)
{
	unsigned iters = test_quick() ? 3000 : 30000;

	for (unsigned i = 0; i < iters; i++) {
		const struct frame_case *fc = &cases[rnd() % NCASES];
		size_t len = load(fc->hex, buf_b, sizeof(buf_b));
		unsigned flips = 1 + (unsigned)(rnd() % 4);
		size_t cut = len - (size_t)(rnd() % (len / 4 + 1));
		uint8_t *copy;
		struct lb_pkt p;
		int r;

		for (unsigned k = 0; k < flips; k++)
			buf_b[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
		copy = malloc(cut);
		memcpy(copy, buf_b, cut);
		r = lb_pkt_parse(&p, (enum lb_linktype)(rnd() % LB_LT_COUNT), copy, cut);
		CU_ASSERT(r >= 0 && r < LB_PKT_E_COUNT);
		if (r == LB_PKT_OK || r == LB_PKT_E_FRAGMENT) {
			int v = lb_pkt_verify(&p, copy);

			CU_ASSERT(v == LB_PKT_OK || v == LB_PKT_E_BAD_IP_CSUM ||
				  v == LB_PKT_E_BAD_L4_CSUM);
		}
		free(copy);
	}
}

/*
 * lb_pkt_peek_flow agrees with the full parse: on the sample frames and on
 * random mutations and cuts of them (exact-size copies, so ASan sees any
 * read past the end), a peeked key equals lb_pkt_flow_key of the parse
 * whenever the parse finds an unfragmented TCP or UDP packet, and every
 * untagged Ethernet IPv4 TCP/UDP first fragment with its ports captured is
 * peeked.
 */
static void test_peek_flow(void)
{
	unsigned iters = test_quick() ? 3000 : 30000, peeked = 0, agreed = 0;

	for (unsigned i = 0; i < iters + NCASES; i++) {
		const struct frame_case *fc = &cases[i < NCASES ? i : rnd() % NCASES];
		size_t len = load(fc->hex, buf_b, sizeof(buf_b)), cut = len;
		enum lb_linktype lt = i < NCASES ? fc->lt : (enum lb_linktype)(rnd() % 2 ? LB_LT_ETHER : fc->lt);
		struct lb_flow_key kp, kf;
		unsigned fl = 0;
		struct lb_pkt p;
		uint8_t *copy;
		int r, q;

		if (i >= NCASES) {
			unsigned flips = (unsigned)(rnd() % 3);

			for (unsigned k = 0; k < flips; k++)
				buf_b[14 + rnd() % (len - 14)] ^= (uint8_t)(1u << (rnd() % 8));
			cut = len - (size_t)(rnd() % (len / 4 + 1));
		}
		copy = malloc(cut);
		memcpy(copy, buf_b, cut);
		q = lb_pkt_peek_flow(lt, copy, cut, &kp, &fl);
		r = lb_pkt_parse_snap(&p, lt, copy, cut, len);
		if (r == LB_PKT_OK && p.kind == LB_PKT_IP && !(p.flags & LB_PKT_F_ENCAP) &&
		    (p.proto == LB_PROTO_TCP || p.proto == LB_PROTO_UDP) && lt == LB_LT_ETHER &&
		    p.nvlan == 0 && p.ip_ver == 4 && !(p.flags & LB_PKT_F_FRAG) && p.l4_off + 4 <= cut) {
			CU_ASSERT_EQUAL(q, 0);
			CU_ASSERT_EQUAL(lb_pkt_flow_key(&p, &kf), 0);
			if (q == 0) {
				CU_ASSERT(lb_addr_eq(&kp.saddr, &kf.saddr) && lb_addr_eq(&kp.daddr, &kf.daddr));
				CU_ASSERT(kp.sport == kf.sport && kp.dport == kf.dport && kp.proto == kf.proto);
				if (p.proto == LB_PROTO_TCP && p.l4_off + 14 <= cut)
					CU_ASSERT_EQUAL(fl, p.tcp_flags);
				if (p.proto == LB_PROTO_UDP)
					CU_ASSERT_EQUAL(fl, 0);
				agreed++;
			}
		}
		peeked += q == 0;
		free(copy);
	}
	CU_ASSERT(agreed > 0 && peeked >= agreed);
}

static void test_linktypes(void)
{
	static const struct {
		int dlt;
		enum lb_linktype lt;
	} map[] = {
		{ 1, LB_LT_ETHER },  { 12, LB_LT_RAW },	  { 14, LB_LT_RAW },   { 101, LB_LT_RAW },
		{ 113, LB_LT_SLL },  { 276, LB_LT_SLL2 }, { 228, LB_LT_IPV4 }, { 229, LB_LT_IPV6 },
	};
	enum lb_linktype lt;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		lt = LB_LT_COUNT;
		CU_ASSERT_EQUAL(lb_linktype_from_dlt(map[i].dlt, &lt), 0);
		CU_ASSERT_EQUAL(lt, map[i].lt);
	}
	CU_ASSERT_EQUAL(lb_linktype_from_dlt(0, &lt), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(lb_linktype_from_dlt(105, &lt), -EPROTONOSUPPORT);
	CU_ASSERT_STRING_EQUAL(lb_linktype_name(LB_LT_SLL2), "sll2");
	CU_ASSERT_STRING_EQUAL(lb_linktype_name(LB_LT_COUNT), "?");
}

/* ---- checksums ---- */

/* The reference: RFC 1071's loop over big-endian 16-bit words, then fold and complement. */
static uint16_t naive_csum(const uint8_t *b, size_t len, uint32_t init)
{
	uint64_t s = init;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void test_csum_vectors(void)
{
	/* RFC 1071 section 3: sum 0xddf2 */
	static const uint8_t rfc1071[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	/* A common textbook IPv4 header (checksum 0xb861) */
	uint8_t h[20];
	struct lb_pkt p;
	size_t len;
	uint8_t odd[9];
	uint32_t sum;

	CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(rfc1071, 8, 0)), (uint16_t)~0xddf2);
	memcpy(odd + 1, rfc1071, 8);
	CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(odd + 1, 8, 0)), (uint16_t)~0xddf2);
	/* in pieces of even length */
	sum = lb_csum_partial(rfc1071, 2, 0);
	CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(rfc1071 + 2, 6, sum)), (uint16_t)~0xddf2);

	CU_ASSERT_EQUAL(test_unhex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7", h, 20), 20);
	CU_ASSERT(lb_ip4_csum_ok(h, 20));
	CU_ASSERT_EQUAL(lb_ip4_csum(h, 20), 0xb861);
	h[11] = 0;
	lb_ip4_csum_set(h, 20);
	CU_ASSERT_EQUAL(h[10], 0xb8);
	CU_ASSERT_EQUAL(h[11], 0x61);
	h[8] = 0x3f;
	CU_ASSERT(!lb_ip4_csum_ok(h, 20));

	/* keepalived's frames: header checksums by Linux; VRRPv3 sums a pseudo-header */
	CU_ASSERT_EQUAL(parse_hex(f_vrrp2, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_ip4_csum(buf_a + 14, 20), 0xd07c);
	CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(buf_a + 34, 20, 0)), 0);
	CU_ASSERT_EQUAL(parse_hex(f_vrrp3, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_ip4_csum(buf_a + 14, 20), 0xd081);
	CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(buf_a + 34, 16,
						     lb_csum_pseudo(&p.saddr, &p.daddr, 112, 16))),
			0);
	CU_ASSERT_EQUAL(parse_hex(f_vrrp3u, LB_LT_ETHER, &p, &len), LB_PKT_OK);
	CU_ASSERT_EQUAL(lb_ip4_csum(buf_a + 14, 20), 0xa66e);
	CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(buf_a + 34, 12,
						     lb_csum_pseudo(&p.saddr, &p.daddr, 112, 12))),
			0);
}

/* The L4 checksums of the independently built frames, recomputed and verified. */
static void test_csum_l4_frames(void)
{
	for (size_t c = 0; c < NCASES; c++) {
		struct lb_pkt p;
		size_t len = load(cases[c].hex, buf_a, sizeof(buf_a));
		size_t l4len;
		uint16_t stored, co;

		if (lb_pkt_parse(&p, cases[c].lt, buf_a, len) != LB_PKT_OK || p.kind != LB_PKT_IP ||
		    (p.flags & LB_PKT_F_FRAG))
			continue;
		CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
		if (p.proto == LB_PROTO_TCP)
			co = 16;
		else if (p.proto == LB_PROTO_UDP)
			co = 6;
		else if (p.proto == LB_PROTO_ICMP || p.proto == LB_PROTO_ICMPV6)
			co = 2;
		else
			continue;
		l4len = p.l3_off + p.ip_len - p.l4_off;
		stored = (uint16_t)(buf_a[p.l4_off + co] << 8 | buf_a[p.l4_off + co + 1]);
		CU_ASSERT_EQUAL(lb_l4_csum(&p.saddr, &p.daddr, p.proto, buf_a + p.l4_off, l4len),
				stored);
		buf_a[p.l4_off + 1] ^= 0x10;
		CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_E_BAD_L4_CSUM);
		CU_ASSERT_EQUAL(lb_l4_csum_set(&p.saddr, &p.daddr, p.proto, buf_a + p.l4_off,
					       l4len),
				0);
		CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
	}
	/* UDP over IPv4 with checksum 0 means none */
	{
		struct lb_pkt p;
		size_t len;

		CU_ASSERT_EQUAL(parse_hex(f_vlan_udp, LB_LT_ETHER, &p, &len), LB_PKT_OK);
		buf_a[44] = buf_a[45] = 0;
		CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_OK);
		buf_a[18 + 8]++; /* TTL: now the IP header checksum is wrong */
		CU_ASSERT_EQUAL(lb_pkt_verify(&p, buf_a), LB_PKT_E_BAD_IP_CSUM);
	}
}

/* lb_csum_partial against the naive loop: lengths 0..300, every alignment, chained. */
static void test_csum_partial_naive(void)
{
	static uint8_t b[320];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)rnd();
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len <= 300; len++) {
			uint32_t init = (uint32_t)rnd() & 0xffffff;
			size_t half = (len / 2) & ~(size_t)1;

			CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(b + off, len, init)),
					naive_csum(b + off, len, init));
			uint32_t head = lb_csum_partial(b + off, half, 0);

			CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(b + off + half, len - half, head)),
					naive_csum(b + off, len, 0));
		}
	}
	/* all ones: the accumulator must not overflow */
	{
		static uint8_t ff[65536];

		memset(ff, 0xff, sizeof(ff));
		CU_ASSERT_EQUAL(lb_csum_fold(lb_csum_partial(ff, sizeof(ff), 0xffffffffu)),
				naive_csum(ff, sizeof(ff), 0xffffffffu));
	}
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/*
 * The L4 checksum from scratch with the naive loop: pseudo-header bytes
 * (RFC 793 / RFC 8200 layout) and the segment with its field zeroed.
 */
static uint16_t naive_l4(const uint8_t *l3, bool v6, const uint8_t *l4, size_t len, size_t co)
{
	static uint8_t b[2048];
	size_t ph = v6 ? 40 : 12;
	uint16_t c;

	memset(b, 0, ph);
	if (v6) {
		memcpy(b, l3 + 8, 32);
		b[34] = (uint8_t)(len >> 8);
		b[35] = (uint8_t)len;
		b[39] = l3[6];
	} else {
		memcpy(b, l3 + 12, 8);
		b[9] = l3[9];
		b[10] = (uint8_t)(len >> 8);
		b[11] = (uint8_t)len;
	}
	memcpy(b + ph, l4, len);
	b[ph + co] = b[ph + co + 1] = 0;
	c = naive_csum(b, ph + len, 0);
	return co == 6 && c == 0 ? 0xffff : c;
}

/*
 * RFC 1624 updates against full recomputation: random TCP/UDP packets over
 * IPv4/IPv6, a random field changed (address, port, TTL/protocol word,
 * sequence number), header and L4 checksums updated incrementally.
 */
static void test_csum_incremental(void)
{
	unsigned iters = test_quick() ? 10000 : 100000;
	static uint8_t frame[1600];
	unsigned mismatches = 0;
	bool reported = false;

	for (unsigned it = 0; it < iters; it++) {
		bool v6 = rnd() & 1, tcp = rnd() & 1;
		struct lb_ip_spec ip;
		struct lb_pkt p;
		size_t plen = (size_t)(rnd() % 64);
		uint8_t pay[64];
		uint8_t *l3, *l4;
		size_t l4len, co;
		int n;
		unsigned what = (unsigned)(rnd() % 5);
		uint16_t ic, c;

		memset(&ip, 0, sizeof(ip));
		for (size_t i = 0; i < plen; i++)
			pay[i] = (uint8_t)rnd();
		if (v6) {
			ip.saddr.af = ip.daddr.af = LB_AF_INET6;
			for (int i = 0; i < 16; i++) {
				ip.saddr.u.v6[i] = (uint8_t)rnd();
				ip.daddr.u.v6[i] = (uint8_t)rnd();
			}
		} else {
			ip.saddr = a4((uint32_t)rnd());
			ip.daddr = a4((uint32_t)rnd());
		}
		ip.ttl = (uint8_t)(2 + rnd() % 250);
		ip.id = (uint16_t)rnd();
		if (tcp) {
			struct lb_tcp_spec t = { .sport = (uint16_t)rnd(),
						 .dport = (uint16_t)rnd(),
						 .seq = (uint32_t)rnd(),
						 .ack = (uint32_t)rnd(),
						 .flags = LB_TCP_ACK,
						 .win = (uint16_t)rnd(),
						 .payload = pay,
						 .payload_len = plen };

			n = lb_build_tcp(frame, sizeof(frame), NULL, &ip, &t);
		} else {
			struct lb_udp_spec u = { .sport = (uint16_t)rnd(),
						 .dport = (uint16_t)rnd(),
						 .payload = pay,
						 .payload_len = plen };

			n = lb_build_udp(frame, sizeof(frame), NULL, &ip, &u);
		}
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_FATAL(lb_pkt_parse(&p, LB_LT_RAW, frame, (size_t)n) == LB_PKT_OK);
		CU_ASSERT_FATAL(lb_pkt_verify(&p, frame) == LB_PKT_OK);
		l3 = frame;
		l4 = frame + p.l4_off;
		l4len = (size_t)n - p.l4_off;
		co = tcp ? 16 : 6;
		ic = v6 ? 0 : get16(l3 + 10);
		c = get16(l4 + co);
		if (what == 3 && !tcp)
			what = 1;
		switch (what) {
		case 0: /* source address */
		case 4: /* destination address */
		{
			size_t ao = v6 ? (what ? 24 : 8) : (what ? 16 : 12);

			if (v6) {
				uint8_t o[16], nw[16];

				memcpy(o, l3 + ao, 16);
				for (int i = 0; i < 16; i++)
					nw[i] = (uint8_t)rnd();
				memcpy(l3 + ao, nw, 16);
				c = lb_csum_replace16(c, o, nw);
			} else {
				uint32_t o = (uint32_t)get16(l3 + ao) << 16 | get16(l3 + ao + 2);
				uint32_t nw = (uint32_t)rnd();

				put16(l3 + ao, (uint16_t)(nw >> 16));
				put16(l3 + ao + 2, (uint16_t)nw);
				ic = lb_csum_replace4(ic, o, nw);
				c = lb_csum_replace4(c, o, nw);
			}
			break;
		}
		case 1: /* a port */
		{
			size_t po = (rnd() & 1) ? 2 : 0;
			uint16_t o = get16(l4 + po), nw = (uint16_t)rnd();

			put16(l4 + po, nw);
			c = lb_csum_replace2(c, o, nw);
			break;
		}
		case 2: /* the IPv4 TTL/protocol word or the IPv6 hop limit (not summed) */
			if (v6) {
				l3[7]--;
			} else {
				uint16_t o = get16(l3 + 8);

				l3[8]--;
				ic = lb_csum_replace2(ic, o, get16(l3 + 8));
			}
			break;
		case 3: /* TCP sequence number */
		{
			uint32_t o = (uint32_t)get16(l4 + 4) << 16 | get16(l4 + 6);
			uint32_t nw = (uint32_t)rnd();

			put16(l4 + 4, (uint16_t)(nw >> 16));
			put16(l4 + 6, (uint16_t)nw);
			c = lb_csum_replace4(c, o, nw);
			break;
		}
		}
		if (!tcp && c == 0)
			c = 0xffff;
		if (!v6) {
			if (ic != lb_ip4_csum(l3, 20))
				mismatches++;
			put16(l3 + 10, ic);
		}
		put16(l4 + co, c);
		if (c != naive_l4(l3, v6, l4, l4len, co))
			mismatches++;
		CU_ASSERT_FATAL(lb_pkt_parse(&p, LB_LT_RAW, frame, (size_t)n) == LB_PKT_OK);
		if (lb_pkt_verify(&p, frame) != LB_PKT_OK)
			mismatches++;
		if (mismatches && !reported) {
			fprintf(stderr, "\nincremental mismatch: v6 %d tcp %d change %u\n", v6, tcp,
				what);
			reported = true;
		}
	}
	CU_ASSERT_EQUAL(mismatches, 0);
}

/* ---- builders ---- */

static const struct lb_eth_spec eth_ab = {
	.dst = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb },
	.src = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 },
};

static void expect_frame(const uint8_t *got, int n, const char *hex)
{
	size_t len = load(hex, buf_b, sizeof(buf_b));

	CU_ASSERT_EQUAL_FATAL(n, (int)len);
	if (memcmp(got, buf_b, len)) {
		fprintf(stderr, "\nframe differs:\n got ");
		for (size_t i = 0; i < len; i++)
			fprintf(stderr, "%02x", got[i]);
		fprintf(stderr, "\nwant %s\n", hex);
	}
	CU_ASSERT(!memcmp(got, buf_b, len));
}

/* Every capacity below the frame's size must give -ENOSPC and write nothing past cap. */
#define EXPECT_ENOSPC(call_with_cap, full)                                         \
	do {                                                                       \
		for (size_t cap_ = 0; cap_ < (size_t)(full); cap_++) {             \
			uint8_t *b_ = malloc(cap_ ? cap_ : 1);                     \
			size_t cap = cap_;                                         \
			uint8_t *buf = b_;                                         \
			CU_ASSERT_EQUAL(call_with_cap, -ENOSPC);                   \
			free(b_);                                                  \
		}                                                                  \
	} while (0)

static void test_build_tcp_udp(void)
{
	static const uint8_t opts[16] = { 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0xe2, 0x40,
					  0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07 };
	struct lb_ip_spec ip = { .ttl = 64, .id = 0xbeef, .df = true };
	struct lb_tcp_spec t = { .sport = 51000,
				 .dport = 443,
				 .seq = 0x01020304,
				 .flags = LB_TCP_SYN,
				 .win = 64240,
				 .mss = 1460,
				 .opts = opts,
				 .optlen = sizeof(opts) };
	struct lb_eth_spec e;
	uint8_t out[256];
	int n;

	ip.saddr = a4(0xC0000201u);
	ip.daddr = a4(0xC0000202u);
	n = lb_build_tcp(out, sizeof(out), &eth_ab, &ip, &t);
	expect_frame(out, n, f_eth_tcp_syn);
	EXPECT_ENOSPC(lb_build_tcp(buf, cap, &eth_ab, &ip, &t), n);

	/* UDP in a VLAN */
	memset(&ip, 0, sizeof(ip));
	ip.saddr = a4(0x0a000001u);
	ip.daddr = a4(0x0a000002u);
	ip.ttl = 63;
	ip.id = 1;
	e = eth_ab;
	e.nvlan = 1;
	e.vlan_tci[0] = 0x2064;
	{
		struct lb_udp_spec u = { .sport = 53,
					 .dport = 33000,
					 .payload = (const uint8_t *)"0123456789ab",
					 .payload_len = 12 };

		n = lb_build_udp(out, sizeof(out), &e, &ip, &u);
		expect_frame(out, n, f_vlan_udp);
		EXPECT_ENOSPC(lb_build_udp(buf, cap, &e, &ip, &u), n);
	}

	/* IPv6 TCP in QinQ */
	memset(&ip, 0, sizeof(ip));
	ip.saddr = a6("2001:db8::1");
	ip.daddr = a6("2001:db8::2");
	ip.ttl = 64;
	ip.tos = 0x20;
	ip.flowlabel = 0xabcde;
	e.nvlan = 2;
	e.vlan_tpid[0] = 0x88a8;
	e.vlan_tci[0] = 10;
	e.vlan_tci[1] = 20;
	{
		struct lb_tcp_spec t6 = { .sport = 443,
					  .dport = 50000,
					  .seq = 7,
					  .ack = 8,
					  .flags = LB_TCP_PSH | LB_TCP_ACK,
					  .win = 300,
					  .mss = 1440, /* not a SYN: no option */
					  .payload = (const uint8_t *)"hello",
					  .payload_len = 5 };

		n = lb_build_tcp(out, sizeof(out), &e, &ip, &t6);
		expect_frame(out, n, f_qinq_ip6_tcp);
	}

	/* IPv4 options and ICMP via lb_build_ip, raw */
	{
		static const uint8_t ra[4] = { 0x94, 0x04, 0x00, 0x00 };
		struct lb_ip_spec io = { .ttl = 1, .tos = 0xb8, .id = 99, .opts = ra, .optlen = 4 };
		uint8_t icmp[16];

		io.saddr = a4(0x0a010101u);
		io.daddr = a4(0x0a010102u);
		CU_ASSERT_EQUAL(test_unhex("08002e3712340001 70696e6764617461", icmp, 16), 16);
		n = lb_build_ip(out, sizeof(out), &eth_ab, &io, LB_PROTO_ICMP, icmp, 16);
		expect_frame(out, n, f_ip4_opts_icmp);
		io.optlen = 3;
		CU_ASSERT_EQUAL(lb_build_ip(out, sizeof(out), NULL, &io, 1, icmp, 16), -EINVAL);
		io.optlen = 4;
		io.daddr = a6("::1");
		CU_ASSERT_EQUAL(lb_build_ip(out, sizeof(out), NULL, &io, 1, icmp, 16), -EINVAL);
	}

	/* the payload pattern */
	{
		struct lb_udp_spec u = { .sport = 1, .dport = 2, .payload_len = 30 };
		struct lb_pkt p;

		u.no_csum = true;
		memset(&ip, 0, sizeof(ip));
		ip.saddr = a4(1);
		ip.daddr = a4(2);
		n = lb_build_udp(out, sizeof(out), NULL, &ip, &u);
		CU_ASSERT_EQUAL(n, 58);
		CU_ASSERT(!memcmp(out + 28, "abcdefghijklmnopqrstuvwxyzabcd", 30));
		CU_ASSERT_EQUAL(out[26], 0);
		CU_ASSERT_EQUAL(out[27], 0);
		CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_RAW, out, (size_t)n), LB_PKT_OK);
		CU_ASSERT_EQUAL(lb_pkt_verify(&p, out), LB_PKT_OK);
	}
}

static void test_build_arp(void)
{
	struct lb_eth_spec e = { .src = { 0xb2, 0xc1, 0x01, 0x31, 0x6e, 0xb6 } };
	struct lb_arp_spec a = { .op = LB_ARP_REPLY,
				 .sha = { 0x02, 0, 0, 0, 0, 1 },
				 .tha = { 0x02, 0, 0, 0, 0, 2 },
				 .spa = 0x0a000001,
				 .tpa = 0x0a000002 };
	struct lb_eth_spec ue = { .dst = { 0x02, 0, 0, 0, 0, 2 }, .src = { 0x02, 0, 0, 0, 0, 1 } };
	uint8_t out[128];
	struct lb_pkt p;
	int n;

	/* keepalived's GARP, byte for byte as captured (spec 1.9 (c)) */
	n = lb_build_garp(out, sizeof(out), &e, 0x0a0a0064u, false);
	expect_frame(out, n, f_garp);
	EXPECT_ENOSPC(lb_build_garp(buf, cap, &e, 0x0a0a0064u, false), n);
	/* the unsolicited-reply form */
	n = lb_build_garp(out, sizeof(out), &e, 0x0a0a0064u, true);
	expect_frame(out, n,
		     "ffffffffffff b2c101316eb6 0806"
		     "0001 0800 06 04 0002 b2c101316eb6 0a0a0064 b2c101316eb6 0a0a0064");
	/* a tagged GARP */
	e.nvlan = 1;
	e.vlan_tci[0] = 5;
	n = lb_build_garp(out, sizeof(out), &e, 0x0a0a0064u, false);
	expect_frame(out, n,
		     "ffffffffffff b2c101316eb6 8100 0005 0806"
		     "0001 0800 06 04 0001 b2c101316eb6 0a0a0064 ffffffffffff 0a0a0064");
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, out, (size_t)n), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.kind, LB_PKT_ARP);
	CU_ASSERT_EQUAL(p.nvlan, 1);
	/* a unicast reply */
	n = lb_build_arp(out, sizeof(out), &ue, &a);
	expect_frame(out, n,
		     "020000000002 020000000001 0806"
		     "0001 0800 06 04 0002 020000000001 0a000001 020000000002 0a000002");
	CU_ASSERT_EQUAL(lb_build_arp(out, sizeof(out), NULL, &a), -EINVAL);
	e.nvlan = 3;
	CU_ASSERT_EQUAL(lb_build_garp(out, sizeof(out), &e, 1, false), -EINVAL);
}

static void test_build_icmp(void)
{
	struct lb_ip_spec ip = { .ttl = 64, .tos = 0xc0, .id = 0x0102 };
	struct lb_pkt p;
	uint8_t out[1600], orig[1500];
	size_t olen;
	int n;

	/* RFC 792 quoting of the SYN above: its IP header + 8 bytes */
	olen = load(f_eth_tcp_syn, buf_a, sizeof(buf_a)) - 14;
	memcpy(orig, buf_a + 14, olen);
	ip.saddr = a4(0xC0000202u);
	ip.daddr = a4(0xC0000201u);
	n = lb_build_icmp4_frag_needed(out, sizeof(out), &eth_ab, &ip, 1400, orig, olen,
				       LB_ICMP4_QUOTE_RFC792);
	expect_frame(out, n,
		     "66778899aabb 001122334455 0800"
		     "45c00038010200004001f4ffc0000202c0000201"
		     "03042a8a00000578"
		     "4500003cbeef40004006f7c8c0000201c0000202"
		     "c73801bb01020304");
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_ETHER, out, (size_t)n), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.icmp_code, 4);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, out), LB_PKT_OK);
	EXPECT_ENOSPC(lb_build_icmp4_frag_needed(buf, cap, &eth_ab, &ip, 1400, orig, olen, 0), n);
	/* the Linux quote is the whole (60-byte) packet here */
	n = lb_build_icmp4_frag_needed(out, sizeof(out), NULL, &ip, 1400, orig, olen,
				       LB_ICMP4_QUOTE_LINUX);
	CU_ASSERT_EQUAL(n, 20 + 8 + 60);
	CU_ASSERT(!memcmp(out + 28, orig, 60));
	CU_ASSERT_EQUAL(lb_build_icmp4_frag_needed(out, sizeof(out), NULL, &ip, 1400, orig, 10, 0),
			-EINVAL);

	/* ICMPv6 Packet Too Big never exceeds 1280 bytes */
	memset(orig, 0x5a, sizeof(orig));
	orig[0] = 0x60;
	memset(&ip, 0, sizeof(ip));
	ip.saddr = a6("2001:db8::1");
	ip.daddr = a6("2001:db8::2");
	ip.ttl = 64;
	n = lb_build_icmp6_too_big(out, sizeof(out), NULL, &ip, 1280, orig, sizeof(orig));
	CU_ASSERT_EQUAL(n, 1280);
	CU_ASSERT_EQUAL(lb_pkt_parse(&p, LB_LT_RAW, out, (size_t)n), LB_PKT_OK);
	CU_ASSERT_EQUAL(p.icmp_type, 2);
	CU_ASSERT_EQUAL(lb_pkt_verify(&p, out), LB_PKT_OK);
	CU_ASSERT(!memcmp(out + 48, orig, 1232));
	n = lb_build_icmp6_too_big(out, sizeof(out), NULL, &ip, 1280, orig, 100);
	CU_ASSERT_EQUAL(n, 148);
	ip.saddr = a4(1);
	CU_ASSERT_EQUAL(lb_build_icmp6_too_big(out, sizeof(out), NULL, &ip, 1280, orig, 100),
			-EINVAL);
}

/* Reassemble IPv4 fragments (raw frames) into out; returns the datagram length or 0. */
static size_t reassemble(const struct lb_frame *f, int n, size_t l2, uint8_t *out)
{
	size_t total = 0;
	bool last_seen = false;
	size_t got = 0;

	for (int i = 0; i < n; i++) {
		const uint8_t *h = f[i].data + l2;
		size_t hl = (size_t)(h[0] & 15) * 4;
		size_t tl = get16(h + 2);
		size_t off = (size_t)(get16(h + 6) & 0x1fff) * 8;

		if (i == 0)
			memcpy(out, h, hl);
		memcpy(out + (size_t)(out[0] & 15) * 4 + off, h + hl, tl - hl);
		got += tl - hl;
		if (!(h[6] & 0x20)) {
			last_seen = true;
			total = off + tl - hl;
		}
	}
	if (!last_seen || got != total)
		return 0;
	return (size_t)(out[0] & 15) * 4 + total;
}

static void test_fragment(void)
{
	/* Router Alert (copied) + a timestamp option (not copied) */
	static const uint8_t opts[12] = { 0x94, 0x04, 0x00, 0x00, 0x44, 0x08,
					  0x05, 0x00, 0x00, 0x00, 0x00, 0x00 };
	struct lb_ip_spec ip = { .ttl = 64, .id = 0x4242, .opts = opts, .optlen = 12 };
	struct lb_udp_spec u = { .sport = 7, .dport = 9, .payload_len = 3970 };
	static uint8_t pkt[4200], frags[8000], re[4200];
	struct lb_frame fr[8];
	int n, len;

	ip.saddr = a4(0x0a000001u);
	ip.daddr = a4(0x0a000002u);
	len = lb_build_udp(pkt, sizeof(pkt), NULL, &ip, &u);
	CU_ASSERT_EQUAL_FATAL(len, 32 + 8 + 3970);

	n = lb_ip4_fragment(pkt, (size_t)len, 1500, &eth_ab, frags, sizeof(frags), fr, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (int i = 0; i < n; i++) {
		const uint8_t *h = fr[i].data + 14;
		struct lb_pkt p;
		int rc = lb_pkt_parse(&p, LB_LT_ETHER, fr[i].data, fr[i].len);

		CU_ASSERT(fr[i].len - 14 <= 1500);
		CU_ASSERT_EQUAL(fr[i].len, fr[i].wire_len);
		CU_ASSERT(lb_ip4_csum_ok(h, 32));
		CU_ASSERT_EQUAL(h[0], 0x48);
		CU_ASSERT_EQUAL(get16(h + 4), 0x4242);
		CU_ASSERT_EQUAL(p.ip_hlen, 32);
		CU_ASSERT_EQUAL(!!(h[6] & 0x20), i < n - 1);
		CU_ASSERT_EQUAL(h[6] & 0x40, 0);
		CU_ASSERT_EQUAL(rc, i == 0 ? LB_PKT_OK : LB_PKT_E_FRAGMENT);
		/* the timestamp option survives only in the first fragment */
		CU_ASSERT(!memcmp(h + 20, opts, 4));
		if (i == 0) {
			CU_ASSERT(!memcmp(h + 24, opts + 4, 8));
			CU_ASSERT_EQUAL(fr[i].len, 14 + 32 + 1464);
		} else {
			CU_ASSERT(!memcmp(h + 24, "\x01\x01\x01\x01\x01\x01\x01\x01", 8));
		}
		CU_ASSERT_EQUAL((get16(h + 6) & 0x1fff) * 8, i * 1464);
	}
	CU_ASSERT_EQUAL(reassemble(fr, n, 14, re), (size_t)len);
	/* the first header keeps its options: compare all but header fields that differ */
	CU_ASSERT(!memcmp(re + 32, pkt + 32, (size_t)len - 32));
	CU_ASSERT(!memcmp(re + 20, pkt + 20, 12));

	/* fragmenting a first fragment keeps MF on the last piece and the base offset */
	pkt[6] |= 0x20;
	lb_ip4_csum_set(pkt, 32);
	n = lb_ip4_fragment(pkt, (size_t)len, 2000, NULL, frags, sizeof(frags), fr, 8);
	CU_ASSERT_EQUAL(n, 3);
	for (int i = 0; i < n; i++)
		CU_ASSERT(fr[i].data[6] & 0x20);
	pkt[6] &= (uint8_t)~0x20;
	lb_ip4_csum_set(pkt, 32);

	/* fits: one unchanged copy */
	n = lb_ip4_fragment(pkt, (size_t)len, 9000, NULL, frags, sizeof(frags), fr, 8);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(fr[0].len, (size_t)len);
	CU_ASSERT(!memcmp(fr[0].data, pkt, (size_t)len));

	/* limits */
	CU_ASSERT_EQUAL(lb_ip4_fragment(pkt, (size_t)len, 39, NULL, frags, sizeof(frags), fr, 8),
			-EINVAL);
	CU_ASSERT_EQUAL(lb_ip4_fragment(pkt, (size_t)len, 68, NULL, frags, sizeof(frags), fr, 8),
			-E2BIG);
	CU_ASSERT_EQUAL(lb_ip4_fragment(pkt, (size_t)len, 1500, NULL, frags, 3000, fr, 8), -ENOSPC);
	CU_ASSERT_EQUAL(lb_ip4_fragment(pkt, (size_t)len - 1, 1500, NULL, frags, sizeof(frags), fr,
					8),
			-EINVAL);
	/* minimum MTU, no options: 8-byte pieces are allowed */
	{
		struct lb_ip_spec i2 = { .ttl = 9, .id = 1 };
		struct lb_udp_spec u2 = { .sport = 1, .dport = 2, .payload_len = 100 };
		static struct lb_frame many[64];

		i2.saddr = a4(1);
		i2.daddr = a4(2);
		len = lb_build_udp(pkt, sizeof(pkt), NULL, &i2, &u2);
		n = lb_ip4_fragment(pkt, (size_t)len, 28, NULL, frags, sizeof(frags), many, 64);
		CU_ASSERT_EQUAL(n, 14);
		CU_ASSERT_EQUAL(reassemble(many, n, 0, re), (size_t)len);
		CU_ASSERT(!memcmp(re + 20, pkt + 20, (size_t)len - 20));
	}
}

int test_wire_register(void)
{
	CU_pSuite s = CU_add_suite("wire", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "parse Ethernet TCP", test_parse_eth_tcp) ||
	    !CU_add_test(s, "parse VLAN and QinQ", test_parse_vlan) ||
	    !CU_add_test(s, "parse IPv4 options, ICMP, ICMPv6", test_parse_ip4_opts_icmp) ||
	    !CU_add_test(s, "parse IPv6 extension headers, fragments", test_parse_ip6_ext) ||
	    !CU_add_test(s, "parse SLL, SLL2, raw", test_parse_cooked_raw) ||
	    !CU_add_test(s, "parse ARP", test_parse_arp) ||
	    !CU_add_test(s, "parse IPIP and 6in4", test_parse_tunnels) ||
	    !CU_add_test(s, "parse errors", test_parse_errors) ||
	    !CU_add_test(s, "parse snapped captures", test_parse_snap) ||
	    !CU_add_test(s, "every truncation is an error", test_truncation) ||
	    !CU_add_test(s, "random mutations", test_mutations) ||
	    !CU_add_test(s, "link types", test_linktypes) ||
	    !CU_add_test(s, "flow peek agrees with the parse", test_peek_flow) ||
	    !CU_add_test(s, "checksum vectors", test_csum_vectors) ||
	    !CU_add_test(s, "L4 checksums of sample frames", test_csum_l4_frames) ||
	    !CU_add_test(s, "csum_partial vs naive", test_csum_partial_naive) ||
	    !CU_add_test(s, "incremental = full recomputation", test_csum_incremental) ||
	    !CU_add_test(s, "build TCP, UDP, IP", test_build_tcp_udp) ||
	    !CU_add_test(s, "build ARP and GARP", test_build_arp) ||
	    !CU_add_test(s, "build ICMP errors", test_build_icmp) ||
	    !CU_add_test(s, "IPv4 fragmentation", test_fragment))
		return CU_get_error();
	return CUE_SUCCESS;
}
