/*
 * tests/unit/test_addr.c - suite "addr": address parsing, printing, order, arithmetic.
 *
 * Run by lbsim-test; a few hundred string round trips, well under a millisecond.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "algorithms/wire/addr.h"
#include "tests/test.h"

static void check_v4(const char *s, uint32_t want)
{
	struct lb_addr a;
	char buf[LB_ADDR_STRLEN];
	int rc = lb_addr_parse(s, &a);

	if (rc || a.af != LB_AF_INET || a.u.v4 != want)
		fprintf(stderr, "\nparse \"%s\": rc %d af %u v4 %08x want %08x\n", s, rc, a.af,
			a.u.v4, want);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(a.af, LB_AF_INET);
	CU_ASSERT_EQUAL(a.u.v4, want);
	CU_ASSERT_STRING_EQUAL(lb_addr_fmt(&a, buf, sizeof(buf)), s);
}

static void test_v4_good(void)
{
	check_v4("0.0.0.0", 0);
	check_v4("192.168.1.10", 0xC0A8010Au);
	check_v4("10.0.0.1", 0x0A000001u);
	check_v4("255.255.255.255", 0xFFFFFFFFu);
	check_v4("1.2.3.4", 0x01020304u);
}

static void check_bad(const char *s)
{
	struct lb_addr a = { .af = 99 };
	uint16_t port = 7;
	int rc1 = lb_addr_parse(s, &a), rc2;

	if (rc1 != -EINVAL)
		fprintf(stderr, "\nlb_addr_parse accepted \"%s\"\n", s);
	CU_ASSERT_EQUAL(rc1, -EINVAL);
	CU_ASSERT_EQUAL(a.af, 99);
	rc2 = lb_addr_parse_port(s, &a, &port);
	if (rc2 != -EINVAL)
		fprintf(stderr, "\nlb_addr_parse_port accepted \"%s\"\n", s);
	CU_ASSERT_EQUAL(rc2, -EINVAL);
	CU_ASSERT_EQUAL(a.af, 99);
	CU_ASSERT_EQUAL(port, 7);
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"",	      "1.2.3",	     "1.2.3.4.5",  "256.0.0.1",	 "1.2.3.-4",
		"01.2.3.4",   "1.2.3.04",    "0x1.2.3.4",  "1..2.3",	 " 1.2.3.4",
		"1.2.3.4 ",   "1.2.3.4x",    "a.b.c.d",	   "1.2.3.1000", "10.1",
		"1.2.3.4:",   "1.2.3.4:-1",  "1.2.3.4:65536", "1.2.3.4:080", "1.2.3.4:8a",
		"::g",	      "1:2:3:4:5:6:7:8:9", "[::1",	 "[::1]x",	 "[::1]:",
		"[1.2.3.4]:80", "[::1]:99999", ":::",	   "1.2.3.4:80:90",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i]);
	CU_ASSERT_EQUAL(lb_addr_parse(NULL, &(struct lb_addr){ 0 }), -EINVAL);
}

static void check_port(const char *s, uint8_t af, uint16_t want_port, const char *fmt_back)
{
	struct lb_addr a;
	uint16_t port = 1234;
	char buf[LB_ADDR_STRLEN];
	int rc = lb_addr_parse_port(s, &a, &port);

	if (rc)
		fprintf(stderr, "\nparse_port \"%s\": rc %d\n", s, rc);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(a.af, af);
	CU_ASSERT_EQUAL(port, want_port);
	lb_addr_port_fmt(&a, port, buf, sizeof(buf));
	if (strcmp(buf, fmt_back))
		fprintf(stderr, "\nport_fmt \"%s\" gave \"%s\", want \"%s\"\n", s, buf, fmt_back);
	CU_ASSERT_STRING_EQUAL(buf, fmt_back);
}

static void test_ports(void)
{
	check_port("10.0.0.1:80", LB_AF_INET, 80, "10.0.0.1:80");
	check_port("10.0.0.1", LB_AF_INET, 0, "10.0.0.1:0");
	check_port("10.0.0.1:0", LB_AF_INET, 0, "10.0.0.1:0");
	check_port("10.0.0.1:65535", LB_AF_INET, 65535, "10.0.0.1:65535");
	check_port("[2001:db8::1]:443", LB_AF_INET6, 443, "[2001:db8::1]:443");
	check_port("[::1]", LB_AF_INET6, 0, "[::1]:0");
	check_port("2001:db8::10", LB_AF_INET6, 0, "[2001:db8::10]:0");
	check_port("::ffff:10.0.0.1", LB_AF_INET6, 0, "[::ffff:10.0.0.1]:0");
}

static void test_v6(void)
{
	struct lb_addr a, b;
	char buf[LB_ADDR_STRLEN];
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0,	0,    0,    0,	  0, 0, 0, 0x01 };

	CU_ASSERT_EQUAL_FATAL(lb_addr_parse("2001:db8::1", &a), 0);
	CU_ASSERT_EQUAL(a.af, LB_AF_INET6);
	CU_ASSERT_EQUAL(memcmp(a.u.v6, want, 16), 0);
	CU_ASSERT_STRING_EQUAL(lb_addr_fmt(&a, buf, sizeof(buf)), "2001:db8::1");
	/* Non-canonical input prints canonically and compares equal. */
	CU_ASSERT_EQUAL_FATAL(lb_addr_parse("2001:0DB8:0000:0000:0000:0000:0000:0001", &b), 0);
	CU_ASSERT_TRUE(lb_addr_eq(&a, &b));
	CU_ASSERT_EQUAL_FATAL(lb_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &a), 0);
	lb_addr_port_fmt(&a, 65535, buf, sizeof(buf));
	CU_ASSERT_TRUE(strlen(buf) < LB_ADDR_STRLEN);
	CU_ASSERT_STRING_EQUAL(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	/* A too-short buffer truncates, never overruns. */
	memset(buf, 'x', sizeof(buf));
	lb_addr_fmt(&a, buf, 5);
	CU_ASSERT_STRING_EQUAL(buf, "ffff");
	CU_ASSERT_EQUAL(buf[5], 'x');
}

static void test_cmp(void)
{
	struct lb_addr a, b, c, z = { 0 };

	lb_addr_parse("10.0.0.2", &a);
	lb_addr_parse("10.0.0.10", &b);
	lb_addr_parse("::1", &c);
	CU_ASSERT_TRUE(lb_addr_cmp(&a, &b) < 0);
	CU_ASSERT_TRUE(lb_addr_cmp(&b, &a) > 0);
	CU_ASSERT_TRUE(lb_addr_cmp(&a, &a) == 0);
	CU_ASSERT_TRUE(lb_addr_cmp(&b, &c) < 0); /* IPv4 before IPv6 */
	CU_ASSERT_TRUE(lb_addr_cmp(&z, &a) < 0); /* unset first */
	CU_ASSERT_FALSE(lb_addr_eq(&a, &b));
	CU_ASSERT_TRUE(lb_addr_eq(&z, &z));
}

static void test_add(void)
{
	struct lb_addr a, r;
	char buf[LB_ADDR_STRLEN];

	lb_addr_parse("10.0.0.250", &a);
	CU_ASSERT_EQUAL(lb_addr_add(&a, 10, &r), 0);
	CU_ASSERT_STRING_EQUAL(lb_addr_fmt(&r, buf, sizeof(buf)), "10.0.1.4");
	CU_ASSERT_EQUAL(lb_addr_add(&a, 0, &r), 0);
	CU_ASSERT_TRUE(lb_addr_eq(&a, &r));
	lb_addr_parse("255.255.255.250", &a);
	CU_ASSERT_EQUAL(lb_addr_add(&a, 5, &r), 0);
	CU_ASSERT_EQUAL(r.u.v4, 0xFFFFFFFFu);
	CU_ASSERT_EQUAL(lb_addr_add(&a, 6, &r), -ERANGE);
	CU_ASSERT_EQUAL(r.u.v4, 0xFFFFFFFFu); /* untouched */

	lb_addr_parse("2001:db8::ffff:ffff", &a);
	CU_ASSERT_EQUAL(lb_addr_add(&a, 1, &r), 0);
	CU_ASSERT_STRING_EQUAL(lb_addr_fmt(&r, buf, sizeof(buf)), "2001:db8::1:0:0");
	lb_addr_parse("2001:db8::fe", &a);
	CU_ASSERT_EQUAL(lb_addr_add(&a, 0x10002, &a), 0); /* aliasing allowed */
	CU_ASSERT_STRING_EQUAL(lb_addr_fmt(&a, buf, sizeof(buf)), "2001:db8::1:100");
	lb_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0", &a);
	CU_ASSERT_EQUAL(lb_addr_add(&a, 15, &r), 0);
	CU_ASSERT_EQUAL(lb_addr_add(&a, 16, &r), -ERANGE);
	CU_ASSERT_EQUAL(lb_addr_add(&a, UINT32_MAX, &r), -ERANGE);

	a = (struct lb_addr){ 0 };
	CU_ASSERT_EQUAL(lb_addr_add(&a, 1, &r), -EINVAL);
}

/* Every IPv4 address of a sparse sweep survives fmt -> parse_port. */
static void test_round_trip(void)
{
	char buf[LB_ADDR_STRLEN];

	for (uint64_t v = 0; v <= UINT32_MAX; v += 0x01010101u / 7 + 13) {
		struct lb_addr a = { .af = LB_AF_INET, .u.v4 = (uint32_t)v }, b;
		uint16_t p = (uint16_t)(v * 2654435761u >> 16), q;

		lb_addr_port_fmt(&a, p, buf, sizeof(buf));
		if (lb_addr_parse_port(buf, &b, &q) || !lb_addr_eq(&a, &b) || p != q) {
			fprintf(stderr, "\nround trip failed for %s\n", buf);
			CU_FAIL("round trip");
			return;
		}
	}
}

int test_addr_register(void)
{
	CU_pSuite s = CU_add_suite("addr", NULL, NULL);

	if (!s || !CU_add_test(s, "v4_good", test_v4_good) || !CU_add_test(s, "bad", test_bad) ||
	    !CU_add_test(s, "ports", test_ports) || !CU_add_test(s, "v6", test_v6) ||
	    !CU_add_test(s, "cmp", test_cmp) || !CU_add_test(s, "add", test_add) ||
	    !CU_add_test(s, "round_trip", test_round_trip))
		return CU_get_error();
	return CUE_SUCCESS;
}
