/*
 * tests/unit/test_sched_kernel.c - suite "sched_kernel": the IPVS schedulers
 * sed, nq, fo, ovf, sh, dh and mh, and the remap measurement.
 *
 *  - the decision vectors of spec/ipvs-schedulers.md section 9 (V-SED-1,
 *    V-NQ-1, V-FO-1, V-OVF-1, V-SH-1..5, V-DH-1, V-MH-1..6), under both
 *    profiles where they differ (sh and dh hash differently under legacy;
 *    the legacy expectations were computed with spec/ipvs_refmodel.py);
 *  - the SipHash-1-3 self-test vectors and the mh key check values (spec 3);
 *  - mh: table shares against weights, and the disruption of removing or
 *    adding one dest (spec 7), with the changed-slot counts pinned as golden
 *    values (from ipvs_refmodel.py, which reproduces the spec 7 table);
 *  - each scheduler against a naive reference written here from the spec
 *    text, on 10^5 random operations per profile (dest add/delete/edit with
 *    weight 0 and thresholds, connection bind/flip/unbind, picks with random
 *    flow keys and random sh/mh flags); the first differing pick fails and
 *    prints the step and both states; sed and nq also over 96 addresses
 *    with deletes held off below 72 linked dests (lists past 64);
 *  - lb_remap_measure on mh (about 1/N moves) and sh (heavy remapping).
 *
 * Run by lbsim-test; about 0.7 s (0.2 s in quick mode under the sanitizers;
 * quick mode shrinks the operation, flow and removal counts only).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_rng.h>

#include "algorithms/ipvs/service.h"
#include "algorithms/sched/mh.h"
#include "algorithms/sched/remap.h"
#include "algorithms/sched/sched.h"
#include "tests/sched_fix.h"
#include "tests/test.h"

#define MAXD 16
#define CLIENT 0xC0A8010Au /* 192.168.1.10 */

/* ---- fixture: dests 'A', 'B', ... = D0, D1, ... = 10.0.0.(i+1):80 ---- */

struct fix {
	struct lb_service svc;
	struct lb_dest *d[MAXD];
	unsigned n;
};

static struct lb_dest *fix_add(struct fix *f, unsigned i, int w)
{
	struct lb_addr a = { .af = LB_AF_INET, .u.v4 = 0x0A000001u + i };
	int rc = lb_service_add_dest(&f->svc, &a, 80, w, 0, 0, &f->d[i]);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (i >= f->n)
		f->n = i + 1;
	return f->d[i];
}

/*
 * List order D0, D1, ... with the given weights (added in reverse), conf
 * flags and mh size set, then the scheduler, whose init sees the whole list.
 */
static void fix_build(struct fix *f, enum lb_profile profile, const struct lb_sched_ops *ops,
		      unsigned flags, const int *w, unsigned n)
{
	memset(f, 0, sizeof(*f));
	lb_service_init(&f->svc, profile);
	f->svc.conf.flags = flags;
	for (unsigned i = n; i-- > 0;)
		fix_add(f, i, w[i]);
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f->svc, ops), 0);
	for (unsigned i = 0; i < n; i++)
		CU_ASSERT_PTR_EQUAL_FATAL(f->svc.dests[i], f->d[i]);
}

static char fix_name(const struct fix *f, const struct lb_dest *d)
{
	return sched_fix_name(f->d, f->n, d);
}

/* Picks along want ("A B -"); bump: each picked dest gets one more active conn. */
static void expect_seq(struct fix *f, const char *label, const char *want, bool bump)
{
	sched_fix_expect_seq(&f->svc, f->d, f->n, NULL, label, want, bump);
}

static struct lb_flow_key key4(uint32_t saddr, uint16_t sport, uint8_t proto)
{
	return (struct lb_flow_key){
		.saddr = { .af = LB_AF_INET, .u.v4 = saddr },
		.daddr = { .af = LB_AF_INET, .u.v4 = 0x0A000064u },
		.sport = sport,
		.dport = 80,
		.proto = proto,
	};
}

/* Pick for one key; want is 'A'.. or '-'. */
static void expect_key(struct fix *f, const char *label, const struct lb_flow_key *k, char want)
{
	char got = fix_name(f, lb_service_pick(&f->svc, k));

	if (got != want)
		fprintf(stderr, "\n%s (%s, %s): want %c got %c\n", label, f->svc.sched->name,
			f->svc.profile == LB_PROFILE_LEGACY ? "legacy" : "current", want, got);
	CU_ASSERT_EQUAL(got, want);
}

static void test_registry(void)
{
	static const char *const names[] = { "sed", "nq", "fo", "ovf", "sh", "dh", "mh" };
	static const struct lb_sched_ops *const ops[] = {
		&sched_sed_ops, &sched_nq_ops, &sched_fo_ops, &sched_ovf_ops,
		&sched_sh_ops,	&sched_dh_ops, &sched_mh_ops,
	};

	for (unsigned i = 0; i < 7; i++) {
		CU_ASSERT_PTR_EQUAL(lb_sched_find(names[i]), ops[i]);
		CU_ASSERT_TRUE(ops[i]->flags & LB_SCHED_F_KERNEL);
		CU_ASSERT_FALSE(ops[i]->flags & LB_SCHED_F_RANDOM);
		CU_ASSERT_EQUAL(!!(ops[i]->flags & LB_SCHED_F_HASH), i >= 4);
		CU_ASSERT_PTR_NOT_NULL(ops[i]->summary);
	}
	CU_ASSERT_FALSE(sched_wlc_ops.flags & LB_SCHED_F_HASH);
}

/* ---- V-SED-1, V-NQ-1, V-FO-1, V-OVF-1 ---- */

static void test_sed(void)
{
	struct fix f;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_sed_ops, 0, (int[]){ 1, 3 }, 2);
	expect_seq(&f, "V-SED-1", "B B A B B B A B", true);
	/* A 3/1 against B 7/3; inactive connections do not count */
	for (int k = 0; k < 1000; k++)
		lb_dest_conn_bind(f.d[1], false);
	expect_seq(&f, "sed inactive ignored", "B", false);
	f.d[1]->flags |= LB_DEST_F_OVERLOAD;
	lb_dest_load_changed(f.d[1]); /* sed is indexed: announce direct writes */
	expect_seq(&f, "sed B overloaded", "A", false);
	lb_service_edit_dest(&f.svc, f.d[0], 0, 0, 0);
	expect_seq(&f, "sed none", "-", false);
	lb_service_fini(&f.svc);

	/* no active connections (UDP): the first dest of the highest weight */
	fix_build(&f, LB_PROFILE_LEGACY, &sched_sed_ops, 0, (int[]){ 0, 2, 5, 1, 5 }, 5);
	expect_seq(&f, "sed idle", "C C C", false);
	lb_service_fini(&f.svc);
}

static void test_nq(void)
{
	struct fix f;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_nq_ops, 0, (int[]){ 1, 3 }, 2);
	expect_seq(&f, "V-NQ-1", "A B B B B B A B", true);
	lb_service_fini(&f.svc);

	/* the first idle eligible dest, whatever the weights */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_nq_ops, 0, (int[]){ 0, 1, 9 }, 3);
	expect_seq(&f, "nq idle", "B B", false);
	lb_dest_conn_bind(f.d[1], true);
	expect_seq(&f, "nq B busy", "C", false);
	lb_dest_conn_bind(f.d[2], true);
	expect_seq(&f, "nq both busy", "C", false); /* 2/1 against 2/9 */
	f.d[2]->flags |= LB_DEST_F_OVERLOAD;
	lb_dest_load_changed(f.d[2]);
	expect_seq(&f, "nq C overloaded", "B", false);
	lb_service_fini(&f.svc);
}

static void test_fo(void)
{
	struct fix f;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_fo_ops, 0, (int[]){ 5, 10, 10 }, 3);
	expect_seq(&f, "V-FO-1", "B B", true);
	f.d[1]->flags |= LB_DEST_F_OVERLOAD;
	expect_seq(&f, "V-FO-1 B overloaded", "C C", false);
	lb_service_edit_dest(&f.svc, f.d[2], 0, 0, 0);
	expect_seq(&f, "fo C quiesced", "A", false);
	lb_service_edit_dest(&f.svc, f.d[0], 0, 0, 0);
	expect_seq(&f, "fo none", "-", false);
	lb_service_fini(&f.svc);
}

static void test_ovf(void)
{
	struct fix f;

	fix_build(&f, LB_PROFILE_CURRENT, &sched_ovf_ops, 0, (int[]){ 2, 3, 1 }, 3);
	expect_seq(&f, "V-OVF-1", "B B B B A A A C C -", true);
	lb_dest_conn_unbind(f.d[1], true);
	expect_seq(&f, "ovf B below its budget", "B", false);
	lb_service_fini(&f.svc);
}

/* ---- sh ---- */

static void test_sh_vectors(void)
{
	static const int w111[] = { 1, 1, 1 };
	struct lb_flow_key k = key4(CLIENT, 0, LB_PROTO_TCP);
	struct fix f;

	for (int p = 0; p < LB_PROFILE_COUNT; p++) {
		bool leg = p == LB_PROFILE_LEGACY;

		/* V-SH-1: bucket 248 (legacy 234) of D0 D1 D2 D0 ... */
		fix_build(&f, p, &sched_sh_ops, 0, w111, 3);
		k = key4(CLIENT, 12345, LB_PROTO_TCP);
		expect_key(&f, "V-SH-1", &k, leg ? 'A' : 'C');
		/* the same client as an IPv6 address whose words fold to it */
		k.saddr.af = LB_AF_INET6;
		memset(k.saddr.u.v6, 0, 16);
		memcpy(k.saddr.u.v6 + 4, "\x12\x34\x56\x78", 4);
		memcpy(k.saddr.u.v6 + 8, "\x12\x34\x56\x78", 4);
		memcpy(k.saddr.u.v6 + 12, "\xc0\xa8\x01\x0a", 4);
		expect_key(&f, "V-SH-1 IPv6 fold", &k, leg ? 'A' : 'C');
		CU_ASSERT_PTR_NULL(lb_service_pick(&f.svc, NULL));
		lb_service_fini(&f.svc);

		/* V-SH-2: sh-port adds the source port (bucket 87/156, legacy 83/42) */
		fix_build(&f, p, &sched_sh_ops, LB_SVC_F_SH_PORT, w111, 3);
		k = key4(CLIENT, 12345, LB_PROTO_TCP);
		expect_key(&f, "V-SH-2 port 12345", &k, leg ? 'C' : 'A');
		k = key4(CLIENT, 40000, LB_PROTO_UDP);
		expect_key(&f, "V-SH-2 port 40000", &k, 'A');
		k = key4(CLIENT, 12345, 1); /* ICMP: no port */
		expect_key(&f, "V-SH-2 no port protocol", &k, leg ? 'A' : 'C');
		f.svc.conf.flags = LB_SVC_F_MH_PORT; /* mh's bit is not sh's */
		k = key4(CLIENT, 12345, LB_PROTO_TCP);
		expect_key(&f, "V-SH-2 mh-port ignored", &k, leg ? 'A' : 'C');
		lb_service_fini(&f.svc);

		/* V-SH-3: weights 2,1,1 cycle D0 D0 D1 D2 */
		fix_build(&f, p, &sched_sh_ops, 0, (int[]){ 2, 1, 1 }, 3);
		expect_key(&f, "V-SH-3", &k, leg ? 'B' : 'A');
		lb_service_fini(&f.svc);

		/*
		 * V-SH-4: the client's dest quiesced (current: D2, legacy: D0).
		 * No dest; with sh-fallback the probe starts at bucket 2*ih:
		 * 240 (D0), legacy 212 (D2).
		 */
		fix_build(&f, p, &sched_sh_ops, 0, w111, 3);
		lb_service_edit_dest(&f.svc, f.d[leg ? 0 : 2], 0, 0, 0);
		expect_key(&f, "V-SH-4", &k, '-');
		f.svc.conf.flags = LB_SVC_F_SH_FALLBACK;
		expect_key(&f, "V-SH-4 fallback", &k, leg ? 'C' : 'A');
		f.svc.conf.flags = LB_SVC_F_MH_FALLBACK;
		expect_key(&f, "V-SH-4 mh-fallback ignored", &k, '-');
		/* OVERLOAD makes a bucket unusable just like weight 0 */
		lb_service_edit_dest(&f.svc, f.d[leg ? 0 : 2], 1, 0, 0);
		f.d[leg ? 0 : 2]->flags |= LB_DEST_F_OVERLOAD;
		expect_key(&f, "sh overloaded", &k, '-');
		f.svc.conf.flags = LB_SVC_F_SH_FALLBACK;
		expect_key(&f, "sh overloaded fallback", &k, leg ? 'C' : 'A');
		/* nothing usable: the probe runs out */
		for (unsigned i = 0; i < 3; i++)
			lb_service_edit_dest(&f.svc, f.d[i], 0, 0, 0);
		expect_key(&f, "sh all quiesced", &k, '-');
		/* empty list: empty buckets */
		for (unsigned i = 0; i < 3; i++)
			lb_service_del_dest(&f.svc, f.d[i]);
		expect_key(&f, "sh no dests", &k, '-');
		lb_service_fini(&f.svc);
	}
}

/* V-SH-5: 172.16.0.0/16 over three equal dests. */
static void test_sh_spread(void)
{
	static const unsigned want[LB_PROFILE_COUNT][3] = { { 22016, 21759, 21761 },
							    { 22016, 21760, 21760 } };
	struct fix f;

	for (int p = 0; p < LB_PROFILE_COUNT; p++) {
		unsigned got[3] = { 0 };

		fix_build(&f, p, &sched_sh_ops, 0, (int[]){ 1, 1, 1 }, 3);
		for (uint32_t a = 0; a < 65536; a++) {
			struct lb_flow_key k = key4(0xAC100000u + a, 0, LB_PROTO_TCP);
			char c = fix_name(&f, lb_service_pick(&f.svc, &k));

			CU_ASSERT_FATAL(c >= 'A' && c <= 'C');
			got[c - 'A']++;
		}
		for (int i = 0; i < 3; i++) {
			if (got[i] != want[p][i])
				fprintf(stderr, "\nV-SH-5 %s: D%d got %u want %u\n",
					p ? "legacy" : "current", i, got[i], want[p][i]);
			CU_ASSERT_EQUAL(got[i], want[p][i]);
		}
		lb_service_fini(&f.svc);
	}
}

/* Table sizes: 2^4..2^20 buckets, others refused. */
static void test_sh_bits(void)
{
	struct lb_flow_key k = key4(CLIENT, 0, LB_PROTO_TCP);
	struct lb_service svc;
	struct fix f;

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	svc.conf.sh_bits = 3;
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &sched_sh_ops), -EINVAL);
	svc.conf.sh_bits = 21;
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &sched_sh_ops), -EINVAL);
	CU_ASSERT_PTR_NULL(lb_service_pick(&svc, &k));
	svc.conf.sh_bits = 20;
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &sched_sh_ops), 0);
	lb_service_fini(&svc);

	/* 16 buckets: hash_32(client, 4) = 15 -> D0; legacy 0x...0A * 0xB1 & 15 = 10 -> D1 */
	for (int p = 0; p < LB_PROFILE_COUNT; p++) {
		memset(&f, 0, sizeof(f));
		lb_service_init(&f.svc, p);
		f.svc.conf.sh_bits = 4;
		for (unsigned i = 3; i-- > 0;)
			fix_add(&f, i, 1);
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f.svc, &sched_sh_ops), 0);
		expect_key(&f, "sh 16 buckets", &k, p == LB_PROFILE_LEGACY ? 'B' : 'A');
		lb_service_fini(&f.svc);
	}
}

/* V-DH-1 and dh's rules. */
static void test_dh(void)
{
	struct lb_flow_key k = key4(CLIENT, 1234, LB_PROTO_TCP);
	struct fix f;

	k.daddr.u.v4 = 0xCB007105u; /* 203.0.113.5 */
	for (int p = 0; p < LB_PROFILE_COUNT; p++) {
		bool leg = p == LB_PROFILE_LEGACY;
		char want = leg ? 'A' : 'C'; /* bucket 117 / 185 */
		struct lb_flow_key other = k;

		fix_build(&f, p, &sched_dh_ops, LB_SVC_F_SH_FALLBACK | LB_SVC_F_SH_PORT,
			  (int[]){ 1, 1, 1 }, 3);
		expect_key(&f, "V-DH-1", &k, want);
		/* the source does not matter, weights do not shape the table */
		other.saddr.u.v4 = 0x01020304u;
		other.sport = 999;
		expect_key(&f, "dh source ignored", &other, want);
		lb_service_edit_dest(&f.svc, f.d[want - 'A'], 7, 0, 0);
		expect_key(&f, "dh weight ignored", &k, want);
		lb_service_edit_dest(&f.svc, f.d[want - 'A'], 0, 0, 0);
		expect_key(&f, "dh quiesced, no fallback", &k, '-');
		lb_service_edit_dest(&f.svc, f.d[want - 'A'], 1, 0, 0);
		f.d[want - 'A']->flags |= LB_DEST_F_OVERLOAD;
		expect_key(&f, "dh overloaded", &k, '-');
		f.d[want - 'A']->flags &= ~LB_DEST_F_OVERLOAD;
		/* delete D1: list D0 D2, bucket b holds [b mod 2] */
		lb_service_del_dest(&f.svc, f.d[1]);
		expect_key(&f, "dh D1 deleted", &k, 'C'); /* 185 and 117 are odd */
		CU_ASSERT_PTR_NULL(lb_service_pick(&f.svc, NULL));
		lb_service_fini(&f.svc);
	}
}

/* ---- SipHash and mh ---- */

static void test_siphash(void)
{
	static const uint32_t want[5] = { 0x050fc4dc, 0x7d57ca93, 0x4dc7d44d, 0xe7ddf7fb,
					  0x88d38328 };
	uint8_t in[64];
	uint32_t v;

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(mh_hsiphash(in, i, UINT64_C(0x0706050403020100),
					    UINT64_C(0x0f0e0d0c0b0a0908)),
				want[i]);
	v = 0;
	CU_ASSERT_EQUAL(mh_hsiphash(&v, 4, MH_KEY1, MH_KEY1), 0x1d5a77c2u);
	CU_ASSERT_EQUAL(mh_hsiphash(&v, 4, MH_KEY2, MH_KEY2), 0xf882433fu);
	v = 1; /* little-endian hosts: the bytes 01 00 00 00 */
	CU_ASSERT_EQUAL(mh_hsiphash(&v, 4, MH_KEY1, MH_KEY1), 0x16ec66b2u);
	CU_ASSERT_EQUAL(mh_hsiphash(&v, 4, MH_KEY2, MH_KEY2), 0x8210aad1u);
	/* longer inputs run through full 8-byte blocks: just stable and distinct */
	CU_ASSERT_NOT_EQUAL(mh_hsiphash(in, 8, MH_KEY1, MH_KEY1),
			    mh_hsiphash(in, 9, MH_KEY1, MH_KEY1));
}

static uint32_t h32(uint32_t v, uint64_t key)
{
	return mh_hsiphash(&v, 4, key, key);
}

/* Slots owned by each of f's dests, into cnt[0..n-1]. */
static void mh_counts(const struct fix *f, unsigned *cnt)
{
	uint32_t m = mh_table_size(&f->svc);

	memset(cnt, 0, f->n * sizeof(*cnt));
	for (uint32_t s = 0; s < m; s++) {
		char c = fix_name(f, mh_table_dest(&f->svc, s));

		CU_ASSERT_FATAL(c >= 'A' && c < 'A' + (int)f->n);
		cnt[c - 'A']++;
	}
}

/* V-MH-1 .. V-MH-5 */
static void test_mh_vectors(void)
{
	static const uint32_t h1[3] = { 0x439c0cbe, 0xa1cf683b, 0x2cdf0afa };
	static const uint32_t h2[3] = { 0x97b3dc47, 0xfa5d46df, 0xedeb33d0 };
	static const uint32_t off[3] = { 3167, 1231, 1631 }, skip[3] = { 700, 3544, 3453 };
	static const char slots[] = "ABBCCABCCAAB";
	struct lb_flow_key k = key4(CLIENT, 12345, LB_PROTO_TCP);
	struct lb_dest *before[4093];
	unsigned cnt[3];
	struct fix f;
	bool same = true;

	for (unsigned i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(h32(0x0A000051u + i, MH_KEY1), h1[i]);
		CU_ASSERT_EQUAL(h32(0x0A000051u + i, MH_KEY2), h2[i]);
		CU_ASSERT_EQUAL(h1[i] % 4093, off[i]);
		CU_ASSERT_EQUAL(h2[i] % 4092 + 1, skip[i]);
	}
	fix_build(&f, LB_PROFILE_CURRENT, &sched_mh_ops, 0, (int[]){ 1, 1, 1 }, 3);
	CU_ASSERT_EQUAL_FATAL(mh_table_size(&f.svc), 4093);
	mh_counts(&f, cnt);
	CU_ASSERT(cnt[0] == 1365 && cnt[1] == 1364 && cnt[2] == 1364);
	for (unsigned s = 0; s < 12; s++)
		CU_ASSERT_EQUAL(fix_name(&f, mh_table_dest(&f.svc, s)), slots[s]);
	CU_ASSERT_PTR_NULL(mh_table_dest(&f.svc, 4093));

	/* V-MH-2: slot 3323; V-MH-3: with mh-port, slot 1391 */
	CU_ASSERT_EQUAL(h32(CLIENT, MH_KEY1), 0xd5e959b6u);
	CU_ASSERT_EQUAL(h32(CLIENT + 12345, MH_KEY1), 0x03b68316u);
	expect_key(&f, "V-MH-2", &k, 'A');
	f.svc.conf.flags = LB_SVC_F_MH_PORT;
	expect_key(&f, "V-MH-3", &k, 'C');
	k.proto = 1;
	expect_key(&f, "V-MH-3 ICMP has no port", &k, 'A');
	k.proto = LB_PROTO_TCP;
	f.svc.conf.flags = LB_SVC_F_SH_PORT; /* sh's bit is not mh's */
	expect_key(&f, "V-MH-3 sh-port ignored", &k, 'A');

	/* V-MH-4: D0 quiesced, the table is unchanged (last_weight) */
	for (uint32_t s = 0; s < 4093; s++)
		before[s] = mh_table_dest(&f.svc, s);
	f.svc.conf.flags = 0;
	lb_service_edit_dest(&f.svc, f.d[0], 0, 0, 0);
	for (uint32_t s = 0; s < 4093; s++)
		same &= before[s] == mh_table_dest(&f.svc, s);
	CU_ASSERT_TRUE(same);
	expect_key(&f, "V-MH-4", &k, '-');
	f.svc.conf.flags = LB_SVC_F_MH_FALLBACK;
	expect_key(&f, "V-MH-4 fallback (r 3323, slot 2802)", &k, 'C');
	/* r 3324 -> slot 1365 (D0, unusable), r 3325 -> slot 1693 (D1) */
	CU_ASSERT_EQUAL(h32(CLIENT + 3324, MH_KEY1) % 4093, 1365);
	CU_ASSERT_EQUAL(h32(CLIENT + 3325, MH_KEY1) % 4093, 1693);
	f.d[2]->flags |= LB_DEST_F_OVERLOAD;
	expect_key(&f, "V-MH-4 fallback, D2 overloaded", &k, 'B');
	lb_service_edit_dest(&f.svc, f.d[1], 0, 0, 0);
	expect_key(&f, "mh nothing usable", &k, '-');
	CU_ASSERT_PTR_NULL(lb_service_pick(&f.svc, NULL));
	lb_service_fini(&f.svc);

	/* V-MH-5 */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_mh_ops, 0, (int[]){ 4, 3, 2 }, 3);
	mh_counts(&f, cnt);
	CU_ASSERT(cnt[0] == 1820 && cnt[1] == 1365 && cnt[2] == 908);
	lb_service_fini(&f.svc);
	fix_build(&f, LB_PROFILE_CURRENT, &sched_mh_ops, 0, (int[]){ 100, 1, 1 }, 3);
	mh_counts(&f, cnt);
	CU_ASSERT(cnt[0] == 3937 && cnt[1] == 78 && cnt[2] == 78);
	lb_service_fini(&f.svc);

	/* never a positive weight: every slot empty, no dest */
	fix_build(&f, LB_PROFILE_CURRENT, &sched_mh_ops, 0, (int[]){ 0, 0 }, 2);
	CU_ASSERT_PTR_NULL(mh_table_dest(&f.svc, 0));
	expect_key(&f, "mh all last_weight 0", &k, '-');
	lb_service_edit_dest(&f.svc, f.d[1], 3, 0, 0);
	expect_key(&f, "mh B weighted", &k, 'B');
	lb_service_fini(&f.svc);
}

/* V-MH-6: the paper's Table 1 with injected permutations. */
static void test_mh_populate(void)
{
	struct mh_perm p[3] = { { .offset = 3, .skip = 4, .turns = 1 },
				{ .offset = 0, .skip = 2, .turns = 1 },
				{ .offset = 3, .skip = 1, .turns = 1 } };
	static const int32_t t1[7] = { 1, 0, 1, 0, 2, 2, 0 };
	static const int32_t t2[7] = { 0, 0, 0, 0, 2, 2, 2 };
	static const int32_t t3[7] = { 0, 0, 1, 0, 0, 0, 1 };
	struct mh_perm q[2];
	int32_t t[7];

	mh_populate(7, p, 3, t);
	CU_ASSERT_EQUAL(memcmp(t, t1, sizeof(t)), 0);
	/* without B2: B1 and B3 only (B3 becomes index 1) */
	q[0] = p[0];
	q[1] = p[2];
	mh_populate(7, q, 2, t);
	for (int i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(t[i], t2[i] == 2 ? 1 : t2[i]);
	/* weighted: B1 two turns per round, B2 one */
	q[0] = p[0];
	q[0].turns = 2;
	q[1] = p[1];
	mh_populate(7, q, 2, t);
	CU_ASSERT_EQUAL(memcmp(t, t3, sizeof(t)), 0);
	/* no turns at all: all empty; a dest without turns takes no slot */
	q[0].turns = q[1].turns = 0;
	mh_populate(7, q, 2, t);
	for (int i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(t[i], -1);
	p[1].turns = 0;
	mh_populate(7, p, 3, t);
	for (int i = 0; i < 7; i++)
		CU_ASSERT_NOT_EQUAL(t[i], 1);
}

/* Table sizes, and more dests than slots. */
static void test_mh_sizes(void)
{
	static const unsigned ok[] = { 0,     251,   509,   1021,  2039,  4093,
				       8191,  16381, 32749, 65521, 131071 };
	static const unsigned bad[] = { 1, 2, 7, 250, 4091, 4095, 65537, 131072 };
	struct lb_flow_key k;
	struct lb_service svc;
	struct lb_addr a = { .af = LB_AF_INET };
	struct lb_dest *gone = NULL;
	bool same = true, hit = false;
	struct lb_dest *before[251];

	lb_service_init(&svc, LB_PROFILE_CURRENT);
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		svc.conf.mh_size = ok[i];
		CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &sched_mh_ops), 0);
		CU_ASSERT_EQUAL(mh_table_size(&svc), ok[i] ? ok[i] : 4093);
	}
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		svc.conf.mh_size = bad[i];
		CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &sched_mh_ops), -EINVAL);
		CU_ASSERT_EQUAL(mh_table_size(&svc), 0);
	}

	/* 252 dests cannot fit 251 slots: init refuses */
	svc.conf.mh_size = 251;
	for (unsigned i = 0; i < 252; i++) {
		a.u.v4 = 0x0A000001u + i;
		CU_ASSERT_EQUAL_FATAL(lb_service_add_dest(&svc, &a, 80, 1, 0, 0, NULL), 0);
	}
	CU_ASSERT_EQUAL(lb_service_set_sched(&svc, &sched_mh_ops), -EINVAL);
	/* 251 fit (one slot each); later adds keep the old table */
	lb_service_del_dest(&svc, svc.dests[0]);
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&svc, &sched_mh_ops), 0);
	for (uint32_t s = 0; s < 251; s++)
		before[s] = mh_table_dest(&svc, s);
	a.u.v4 = 0x0B000001u;
	CU_ASSERT_EQUAL(lb_service_add_dest(&svc, &a, 80, 1, 0, 0, NULL), 0);
	a.u.v4 = 0x0B000002u;
	CU_ASSERT_EQUAL(lb_service_add_dest(&svc, &a, 80, 1, 0, 0, NULL), 0);
	gone = svc.dests[100];
	lb_service_del_dest(&svc, gone); /* 252 left: still refused */
	for (uint32_t s = 0; s < 251; s++)
		same &= before[s] == mh_table_dest(&svc, s);
	CU_ASSERT_TRUE(same);
	/* a client of the deleted dest's slot gets no dest, never the deleted one */
	for (uint32_t c = 0; c < 100000 && !hit; c++) {
		k = key4(c, 0, LB_PROTO_TCP);
		if (mh_table_dest(&svc, h32(c, MH_KEY1) % 251) == gone) {
			hit = true;
			CU_ASSERT_PTR_NULL(lb_service_pick(&svc, &k));
			svc.conf.flags = LB_SVC_F_MH_FALLBACK;
			CU_ASSERT_PTR_NOT_NULL(lb_service_pick(&svc, &k));
			CU_ASSERT_PTR_NOT_EQUAL(lb_service_pick(&svc, &k), gone);
		}
	}
	CU_ASSERT_TRUE(hit);
	lb_service_fini(&svc);
}

/* Slot shares follow the weights 1..10 within 1 % plus one round of turns. */
static void test_mh_shares(void)
{
	static const unsigned sizes[] = { 4093, 65521 };
	int w[10];
	unsigned cnt[10], hits[10] = { 0 };
	unsigned nflows = test_quick() ? 20000 : 100000;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	struct fix f;

	for (int i = 0; i < 10; i++)
		w[i] = i + 1;
	for (unsigned z = 0; z < 2; z++) {
		uint32_t m = sizes[z];

		memset(&f, 0, sizeof(f));
		lb_service_init(&f.svc, LB_PROFILE_CURRENT);
		f.svc.conf.mh_size = m;
		for (unsigned i = 10; i-- > 0;)
			fix_add(&f, i, w[i]);
		CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&f.svc, &sched_mh_ops), 0);
		mh_counts(&f, cnt);
		for (int i = 0; i < 10; i++) {
			double ideal = (double)m * w[i] / 55.0;

			if (fabs(cnt[i] - ideal) > 0.01 * ideal + w[i]) {
				fprintf(stderr, "\nmh M %u weight %d: %u slots, ideal %.1f\n", m,
					w[i], cnt[i], ideal);
				CU_FAIL("mh share off");
			}
		}
		/* random clients land in proportion to the slots (5 sigma) */
		memset(hits, 0, sizeof(hits));
		gsl_rng_set(r, 7 + z);
		for (unsigned c = 0; c < nflows; c++) {
			struct lb_flow_key k = key4((uint32_t)gsl_rng_get(r),
						    (uint16_t)gsl_rng_get(r), LB_PROTO_TCP);

			hits[fix_name(&f, lb_service_pick(&f.svc, &k)) - 'A']++;
		}
		for (int i = 0; i < 10; i++) {
			double p = (double)cnt[i] / m, mean = p * nflows;

			if (fabs(hits[i] - mean) > 5 * sqrt(nflows * p * (1 - p)) + 1) {
				fprintf(stderr, "\nmh M %u D%d: %u hits, expected %.0f\n", m, i,
					hits[i], mean);
				CU_FAIL("mh lookup share off");
			}
		}
		lb_service_fini(&f.svc);
	}
	gsl_rng_free(r);
}

/* ---- mh disruption (spec 7) ---- */

/* A fresh mh service of n equal dests 10.1.(i/250).(i%250+1):80 in list order i. */
static void mh_spec_service(struct lb_service *svc, unsigned n, uint32_t m, unsigned flags)
{
	struct lb_addr a = { .af = LB_AF_INET };

	lb_service_init(svc, LB_PROFILE_CURRENT);
	svc->conf.mh_size = m;
	svc->conf.flags = flags;
	for (unsigned i = n; i-- > 0;) {
		a.u.v4 = 0x0A010001u + ((i / 250) << 8) + i % 250;
		CU_ASSERT_EQUAL_FATAL(lb_service_add_dest(svc, &a, 80, 1, 0, 0, NULL), 0);
	}
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(svc, &sched_mh_ops), 0);
}

struct disrupt_case {
	unsigned n;
	uint32_t m;
	unsigned nrem;
	unsigned step;		/* removed dests: 0, step, 2 step, ... */
	double spec_extra;	/* spec 7 table, percent beyond 1/N */
	unsigned changed[10];	/* golden changed-slot counts (ipvs_refmodel.py) */
};

static const struct disrupt_case disrupt_cases[] = {
	{ 3, 4093, 3, 1, 0.11, { 1370, 1366, 1370 } },
	{ 10, 4093, 10, 1, 1.16, { 458, 460, 461, 447, 451, 461, 457, 462, 458, 454 } },
	{ 10, 65521, 10, 1, 0.24,
	  { 6772, 6713, 6751, 6660, 6681, 6720, 6754, 6694, 6702, 6664 } },
	{ 100, 4093, 10, 10, 2.99, { 162, 157, 164, 176, 167, 159, 156, 152, 166, 174 } },
	{ 100, 65521, 10, 10, 0.57,
	  { 1026, 1006, 1023, 1041, 1015, 1013, 1018, 1009, 1042, 1070 } },
};

/*
 * Remove each chosen dest from a fresh copy of the service: pin the changed
 * slot count, check that all of the dest's slots moved and that its share
 * was floor or ceil of M/N, that the average extra stays within 1.5 times the
 * spec's, and that random flows move exactly when their slot changed.
 */
static void test_mh_disruption(void)
{
	unsigned nflows = test_quick() ? 20000 : 100000;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	uint32_t *fslot = malloc(nflows * sizeof(*fslot));
	struct lb_flow_key *fk = malloc(nflows * sizeof(*fk));

	CU_ASSERT_FATAL(fslot && fk);
	gsl_rng_set(r, 99);
	for (unsigned c = 0; c < nflows; c++) {
		fk[c] = key4((uint32_t)gsl_rng_get(r), 0, LB_PROTO_TCP);
		fslot[c] = 0;
	}
	for (unsigned z = 0; z < sizeof(disrupt_cases) / sizeof(disrupt_cases[0]); z++) {
		const struct disrupt_case *dc = &disrupt_cases[z];
		unsigned nrem = test_quick() && dc->m > 4093 ? 3 : dc->nrem;
		struct lb_dest **base = malloc(dc->m * sizeof(*base));
		double extra = 0;
		struct lb_service svc;

		CU_ASSERT_FATAL(base != NULL);
		for (unsigned c = 0; c < nflows; c++)
			fslot[c] = h32(fk[c].saddr.u.v4, MH_KEY1) % dc->m;
		for (unsigned k = 0; k < nrem; k++) {
			unsigned rem = k * dc->step, changed = 0, own = 0, moved = 0;
			bool own_moved = true, exact = true;
			struct lb_dest *gone;

			mh_spec_service(&svc, dc->n, dc->m, 0);
			for (uint32_t s = 0; s < dc->m; s++)
				base[s] = mh_table_dest(&svc, s);
			gone = svc.dests[rem];
			CU_ASSERT_EQUAL(lb_service_del_dest(&svc, gone), 0);
			for (uint32_t s = 0; s < dc->m; s++) {
				struct lb_dest *now = mh_table_dest(&svc, s);

				changed += now != base[s];
				own += base[s] == gone;
				own_moved &= base[s] != gone || now != gone;
			}
			for (unsigned c = 0; c < nflows; c++) {
				struct lb_dest *now = lb_service_pick(&svc, &fk[c]);
				bool slot_changed = base[fslot[c]] != now;

				moved += slot_changed;
				exact &= now == mh_table_dest(&svc, fslot[c]);
			}
			if (changed != dc->changed[k] || !own_moved || !exact ||
			    (own != dc->m / dc->n && own != (dc->m + dc->n - 1) / dc->n))
				fprintf(stderr, "\nmh N %u M %u remove D%u: changed %u (golden %u) "
					"own %u own_moved %d flows_exact %d\n", dc->n, dc->m, rem,
					changed, dc->changed[k], own, own_moved, exact);
			CU_ASSERT_EQUAL(changed, dc->changed[k]);
			CU_ASSERT_TRUE(own_moved && exact);
			CU_ASSERT(own == dc->m / dc->n || own == (dc->m + dc->n - 1) / dc->n);
			extra += (double)(changed - own) / dc->m;
			/* flows: the moved share estimates the changed-slot share */
			{
				double p = (double)changed / dc->m, q = (double)moved / nflows;

				if (fabs(q - p) > 5 * sqrt(p * (1 - p) / nflows) + 1e-3) {
					fprintf(stderr, "\nmh N %u M %u remove D%u: %.4f of flows "
						"moved, %.4f of slots\n", dc->n, dc->m, rem, q, p);
					CU_FAIL("flow share off");
				}
			}
			lb_service_fini(&svc);
		}
		extra = 100 * extra / nrem;
		if (extra > 1.5 * dc->spec_extra) {
			fprintf(stderr, "\nmh N %u M %u: extra %.2f %% beyond 1/N, spec %.2f %%\n",
				dc->n, dc->m, extra, dc->spec_extra);
			CU_FAIL("mh disruption above the spec's");
		}
		free(base);
	}
	free(fk);
	free(fslot);
	gsl_rng_free(r);
}

/*
 * Adding 10.2.0.k:80 (k = 1..10) at the head of N equal dests: golden
 * changed-slot counts (spec 7 quotes their averages, 10.2 % and 1.54 %);
 * deleting it again restores the table exactly.
 */
static void test_mh_add(void)
{
	static const unsigned gold10[10] = { 414, 413, 420, 421, 418, 414, 426, 427, 423, 417 };
	static const unsigned gold100[10] = { 977,  1006, 1034, 1006, 1032,
					      1027, 1038, 1004, 1030, 1024 };

	for (unsigned z = 0; z < 2; z++) {
		unsigned n = z ? 100 : 10, kmax = test_quick() && z ? 3 : 10;
		uint32_t m = z ? 65521 : 4093;
		const unsigned *gold = z ? gold100 : gold10;
		struct lb_dest **base = malloc(m * sizeof(*base));
		struct lb_service svc;

		CU_ASSERT_FATAL(base != NULL);
		mh_spec_service(&svc, n, m, 0);
		for (uint32_t s = 0; s < m; s++)
			base[s] = mh_table_dest(&svc, s);
		for (unsigned k = 1; k <= kmax; k++) {
			struct lb_addr a = { .af = LB_AF_INET, .u.v4 = 0x0A020000u + k };
			struct lb_dest *nd;
			unsigned changed = 0, back = 0;

			CU_ASSERT_EQUAL_FATAL(lb_service_add_dest(&svc, &a, 80, 1, 0, 0, &nd), 0);
			for (uint32_t s = 0; s < m; s++)
				changed += mh_table_dest(&svc, s) != base[s];
			lb_service_del_dest(&svc, nd);
			for (uint32_t s = 0; s < m; s++)
				back += mh_table_dest(&svc, s) != base[s];
			if (changed != gold[k - 1] || back)
				fprintf(stderr, "\nmh N %u M %u add 10.2.0.%u: changed %u (golden "
					"%u), %u differ after removing it again\n", n, m, k,
					changed, gold[k - 1], back);
			CU_ASSERT_EQUAL(changed, gold[k - 1]);
			CU_ASSERT_EQUAL(back, 0);
		}
		lb_service_fini(&svc);
		free(base);
	}
}

/* Spec 7 item 4: quiescing moves exactly the quiesced dest's clients. */
static void test_mh_quiesce(void)
{
	unsigned nflows = test_quick() ? 5000 : 20000, on_q = 0, bad = 0;
	struct lb_dest **before = malloc(nflows * sizeof(*before));
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	struct lb_service svc;
	struct lb_dest *q;

	CU_ASSERT_FATAL(before != NULL);
	mh_spec_service(&svc, 10, 4093, LB_SVC_F_MH_PORT);
	q = svc.dests[3];
	gsl_rng_set(r, 5);
	for (unsigned c = 0; c < nflows; c++) {
		struct lb_flow_key k = key4((uint32_t)gsl_rng_get(r), (uint16_t)c, LB_PROTO_TCP);

		before[c] = lb_service_pick(&svc, &k);
		on_q += before[c] == q;
	}
	lb_service_edit_dest(&svc, q, 0, 0, 0);
	for (int fb = 0; fb < 2; fb++) {
		svc.conf.flags = LB_SVC_F_MH_PORT | (fb ? LB_SVC_F_MH_FALLBACK : 0);
		gsl_rng_set(r, 5);
		for (unsigned c = 0; c < nflows; c++) {
			struct lb_flow_key k =
				key4((uint32_t)gsl_rng_get(r), (uint16_t)c, LB_PROTO_TCP);
			struct lb_dest *d = lb_service_pick(&svc, &k);

			if (before[c] != q)
				bad += d != before[c];
			else
				bad += fb ? (!d || d == q) : d != NULL;
		}
	}
	CU_ASSERT(on_q > nflows / 20);
	CU_ASSERT_EQUAL(bad, 0);
	lb_service_fini(&svc);
	gsl_rng_free(r);
	free(before);
}

/* ---- lb_remap_measure ---- */

static void test_remap(void)
{
	unsigned nflows = test_quick() ? 20000 : 100000;
	struct lb_sched_conf conf = { .mh_size = 4093 };
	struct lb_remap a, b;
	int rc;

	rc = lb_remap_measure("mh", NULL, 10, nflows, 42, &a);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(a.ndests, 10);
	CU_ASSERT_EQUAL(a.nflows, nflows);
	/* the middle dest (D5) owns 409 of 4093 slots; 52 more slots change */
	CU_ASSERT(fabs(a.removed_own_frac - 409.0 / 4093) < 0.006);
	CU_ASSERT(a.removed_frac > 0.005 && a.removed_frac < 0.025);
	CU_ASSERT(fabs(a.removed_moved_frac - 461.0 / 4093) < 0.006);
	CU_ASSERT(fabs(a.added_new_frac - 0.1) < 0.01);
	CU_ASSERT(a.added_frac >= a.added_new_frac && a.added_frac < a.added_new_frac + 0.03);
	if (a.removed_frac >= 0.025 || a.added_frac >= a.added_new_frac + 0.03)
		fprintf(stderr, "\nremap mh: removed %.4f own %.4f, added %.4f new %.4f\n",
			a.removed_frac, a.removed_own_frac, a.added_frac, a.added_new_frac);

	/* deterministic */
	CU_ASSERT_EQUAL(lb_remap_measure("mh", &conf, 10, nflows, 42, &b), 0);
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	CU_ASSERT_EQUAL(lb_remap_measure("mh", &conf, 10, nflows, 43, &b), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);

	/* a bigger table disturbs less */
	conf.mh_size = 65521;
	CU_ASSERT_EQUAL(lb_remap_measure("mh", &conf, 100, nflows, 1, &b), 0);
	CU_ASSERT(fabs(b.removed_own_frac - 0.01) < 0.003);
	CU_ASSERT(b.removed_frac < 0.01);

	/* sh and dh remap most flows: every bucket after the removed dest shifts */
	CU_ASSERT_EQUAL(lb_remap_measure("sh", NULL, 10, nflows, 42, &b), 0);
	CU_ASSERT(b.removed_frac > 0.5 && b.added_frac > 0.5);
	CU_ASSERT(fabs(b.removed_own_frac - 0.1) < 0.02);
	CU_ASSERT_EQUAL(lb_remap_measure("dh", NULL, 10, nflows, 42, &b), 0);
	CU_ASSERT(b.removed_frac > 0.5 && b.added_frac > 0.5);

	/* refusals */
	CU_ASSERT_EQUAL(lb_remap_measure("wlc", NULL, 10, 100, 1, &b), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(lb_remap_measure("twos", NULL, 10, 100, 1, &b), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(lb_remap_measure("nope", NULL, 10, 100, 1, &b), -ENOENT);
	CU_ASSERT_EQUAL(lb_remap_measure("mh", NULL, 1, 100, 1, &b), -EINVAL);
	CU_ASSERT_EQUAL(lb_remap_measure("mh", NULL, 10, 0, 1, &b), -EINVAL);
	conf.mh_size = 4091;
	CU_ASSERT_EQUAL(lb_remap_measure("mh", &conf, 10, 100, 1, &b), -EINVAL);
	conf.mh_size = 251;
	CU_ASSERT_EQUAL(lb_remap_measure("mh", &conf, 300, 100, 1, &b), -EINVAL);
}

/* ---- differential tests against naive references ---- */

#define NADDR 96 /* address numbers, at most; most runs use 12 */
#define MAXCONN 4096

enum kref { K_SED, K_NQ, K_FO, K_OVF, K_SH, K_DH, K_MH, K_COUNT };

static const char *const kref_names[K_COUNT] = { "sed", "nq", "fo", "ovf", "sh", "dh", "mh" };

struct rdest {
	bool exists, linked;
	int weight, last_weight;
	uint32_t u, l;
	long active, inact;
	bool overload;
};

struct rconn {
	int id;
	bool active;
};

struct kdiff {
	enum kref which;
	enum lb_profile profile;
	int naddr;		 /* address numbers in use, <= NADDR */
	int minlist;		 /* deletes leave at least this many dests linked */
	unsigned sh_bits;	 /* sh: table bits */
	uint32_t m;		 /* mh: table size */
	unsigned mh_bits;	 /* mh: TAB_INDEX / 2 */
	int mh_table[4093];	 /* mh reference: ids, -1 = empty */
	struct rdest rd[NADDR];
	int list[NADDR];
	int n;
	struct lb_flow_key key; /* of the current pick */
	unsigned flags;		/* of the current pick */

	struct lb_service svc;
	struct lb_dest *real[NADDR];
	struct rconn conns[MAXCONN];
	int nconns;
	long step;
	char op[128];
};

/* Dest id: 10.0.0.(id+1), or 2001:db8::(id+1) for ids 9 and up; port 80 + id % 3. */
static struct lb_addr kd_addr(int id)
{
	struct lb_addr a = { .af = LB_AF_INET, .u.v4 = 0x0A000001u + (uint32_t)id };

	if (id >= 9) {
		a.af = LB_AF_INET6;
		memset(a.u.v6, 0, 16);
		a.u.v6[0] = 0x20;
		a.u.v6[1] = 0x01;
		a.u.v6[2] = 0x0d;
		a.u.v6[3] = 0xb8;
		a.u.v6[15] = (uint8_t)(id + 1);
	}
	return a;
}

static uint16_t kd_port(int id)
{
	return (uint16_t)(80 + id % 3);
}

/* Spec 3, "IPv6 fold": XOR of the four big-endian 32-bit words. */
static uint32_t ref_addr(const struct lb_addr *a)
{
	uint32_t w[4];

	if (a->af == LB_AF_INET)
		return a->u.v4;
	for (int i = 0; i < 4; i++)
		w[i] = (uint32_t)a->u.v6[4 * i] << 24 | (uint32_t)a->u.v6[4 * i + 1] << 16 |
		       (uint32_t)a->u.v6[4 * i + 2] << 8 | a->u.v6[4 * i + 3];
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

/* SipHash-1-3 of the 4 little-endian bytes of v, key (k, k), low 32 bits (spec 3). */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
static void ref_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
}

static uint32_t ref_sip(uint32_t x, uint64_t k)
{
	const uint8_t c[] = "somepseudorandomlygeneratedbytes";
	uint64_t v[4], b = (uint64_t)4 << 56 | x;

	for (int i = 0; i < 4; i++) {
		v[i] = 0;
		for (int j = 0; j < 8; j++) /* each 8-character group read big-endian */
			v[i] = v[i] << 8 | c[8 * i + j];
		v[i] ^= k;
	}
	v[3] ^= b;
	ref_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int i = 0; i < 3; i++)
		ref_sipround(v);
	return (uint32_t)(v[0] ^ v[1] ^ v[2] ^ v[3]);
}

static bool ref_usable(const struct rdest *d)
{
	return d->weight > 0 && !d->overload;
}

static uint32_t ref_h_sh(const struct kdiff *x, uint32_t key, unsigned bits)
{
	if (x->profile == LB_PROFILE_LEGACY)
		return (uint32_t)(((uint64_t)key * 2654435761ull) & ((1ull << bits) - 1));
	return (uint32_t)((uint32_t)(key * 0x61C88647u) >> (32 - bits));
}

static bool ref_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

/* 2.5: the wlc scan with cost active + 1 */
static int ref_sed(struct kdiff *x)
{
	int i, least = -1;

	for (i = 0; i < x->n; i++)
		if (ref_usable(&x->rd[x->list[i]])) {
			least = x->list[i];
			break;
		}
	if (least < 0)
		return -1;
	for (i++; i < x->n; i++) {
		const struct rdest *d = &x->rd[x->list[i]];

		if (!d->overload && (x->rd[least].active + 1) * (long long)d->weight >
					    (d->active + 1) * (long long)x->rd[least].weight)
			least = x->list[i];
	}
	return least;
}

/* 2.6 */
static int ref_nq(struct kdiff *x)
{
	int least = -1;

	for (int i = 0; i < x->n; i++) {
		const struct rdest *d = &x->rd[x->list[i]];

		if (d->overload || d->weight == 0)
			continue;
		if (d->active == 0)
			return x->list[i];
		if (least < 0 || (x->rd[least].active + 1) * (long long)d->weight >
					 (d->active + 1) * (long long)x->rd[least].weight)
			least = x->list[i];
	}
	return least;
}

/* 2.7 */
static int ref_fo(struct kdiff *x)
{
	int best = -1, hw = 0;

	for (int i = 0; i < x->n; i++) {
		const struct rdest *d = &x->rd[x->list[i]];

		if (!d->overload && d->weight > hw) {
			best = x->list[i];
			hw = d->weight;
		}
	}
	return best;
}

/* 2.8 */
static int ref_ovf(struct kdiff *x)
{
	int best = -1;

	for (int i = 0; i < x->n; i++) {
		const struct rdest *d = &x->rd[x->list[i]];

		if (d->overload || d->weight == 0 || d->active > d->weight)
			continue;
		if (best < 0 || d->weight > x->rd[best].weight)
			best = x->list[i];
	}
	return best;
}

/* 2.10, the table rebuilt from scratch at every pick */
static int ref_sh(struct kdiff *x)
{
	unsigned size = 1u << x->sh_bits;
	int table[1u << 12];
	uint32_t key = ref_addr(&x->key.saddr), ih;
	int pos = 0, got = 0;

	for (unsigned b = 0; b < size; b++) {
		if (x->n == 0) {
			table[b] = -1;
			continue;
		}
		table[b] = x->list[pos];
		/* max(weight, 1) consecutive buckets each */
		if (++got >= (x->rd[x->list[pos]].weight > 1 ? x->rd[x->list[pos]].weight : 1)) {
			got = 0;
			pos = (pos + 1) % x->n;
		}
	}
	if ((x->flags & LB_SVC_F_SH_PORT) && ref_has_ports(x->key.proto))
		key += x->key.sport;
	ih = ref_h_sh(x, key, x->sh_bits);
	if (table[ih] < 0)
		return -1;
	if (ref_usable(&x->rd[table[ih]]))
		return table[ih];
	if (!(x->flags & LB_SVC_F_SH_FALLBACK))
		return -1;
	for (unsigned off = 0; off < size; off++) {
		/* bucket(r) = (r + hash) mod size with r = (off + ih) mod size */
		int id = table[(((off + ih) % size) + ih) % size];

		if (id < 0)
			return -1;
		if (ref_usable(&x->rd[id]))
			return id;
	}
	return -1;
}

/* 2.11 */
static int ref_dh(struct kdiff *x)
{
	uint32_t b = ref_h_sh(x, ref_addr(&x->key.daddr), 8);
	int id;

	if (x->n == 0)
		return -1;
	id = x->list[b % (unsigned)x->n];
	return ref_usable(&x->rd[id]) ? id : -1;
}

/* 2.12 populate, in the paper's form: next[i] counts along offset + j * skip. */
static void ref_mh_rebuild(struct kdiff *x)
{
	uint32_t m = x->m, off[NADDR], skip[NADDR], next[NADDR], filled = 0;
	int g = 0, maxw = 0, turns[NADDR], shift = 0, bl = 0;

	for (uint32_t s = 0; s < m; s++)
		x->mh_table[s] = -1;
	for (int i = 0; i < x->n; i++) {
		int lw = x->rd[x->list[i]].last_weight, a = g, b = lw;

		if (lw > 0) {
			while (b) { /* gcd */
				int t = a % b;

				a = b;
				b = t;
			}
			g = a;
		}
		maxw = lw > maxw ? lw : maxw;
	}
	if (g < 1)
		return;
	for (int v = maxw / g; v; v >>= 1)
		bl++;
	shift = bl - (int)x->mh_bits > 0 ? bl - (int)x->mh_bits : 0;
	for (int i = 0; i < x->n; i++) {
		int id = x->list[i], lw = x->rd[id].last_weight;
		struct lb_addr a = kd_addr(id);
		uint32_t v = ref_addr(&a) + kd_port(id);

		off[i] = ref_sip(v, MH_KEY1) % m;
		skip[i] = ref_sip(v, MH_KEY2) % (m - 1) + 1;
		next[i] = 0;
		turns[i] = (lw / g) >> shift;
		if (turns[i] == 0 && lw != 0)
			turns[i] = 1;
	}
	while (filled < m) {
		for (int i = 0; i < x->n && filled < m; i++) {
			for (int t = 0; t < turns[i] && filled < m; t++) {
				uint32_t c = (uint32_t)((off[i] + (uint64_t)next[i] * skip[i]) % m);

				while (x->mh_table[c] >= 0) {
					next[i]++;
					c = (uint32_t)((off[i] + (uint64_t)next[i] * skip[i]) % m);
				}
				x->mh_table[c] = x->list[i];
				next[i]++;
				filled++;
			}
		}
	}
}

static int ref_mh(struct kdiff *x)
{
	uint32_t a = ref_addr(&x->key.saddr), port = 0, ih;
	int id;

	if ((x->flags & LB_SVC_F_MH_PORT) && ref_has_ports(x->key.proto))
		port = x->key.sport;
	ih = ref_sip(a + port, MH_KEY1) % x->m;
	id = x->mh_table[ih];
	if (id < 0)
		return -1;
	if (ref_usable(&x->rd[id]))
		return id;
	if (!(x->flags & LB_SVC_F_MH_FALLBACK))
		return -1;
	for (uint32_t off = 0; off < x->m; off++) {
		id = x->mh_table[ref_sip(a + port + (off + ih) % x->m, MH_KEY1) % x->m];
		if (id < 0)
			return -1;
		if (ref_usable(&x->rd[id]))
			return id;
	}
	return -1;
}

static int ref_pick(struct kdiff *x)
{
	switch (x->which) {
	case K_SED:
		return ref_sed(x);
	case K_NQ:
		return ref_nq(x);
	case K_FO:
		return ref_fo(x);
	case K_OVF:
		return ref_ovf(x);
	case K_SH:
		return ref_sh(x);
	case K_DH:
		return ref_dh(x);
	default:
		return ref_mh(x);
	}
}

/* Any add, delete or edit (spec 1.5: mh rebuilds on all three). */
static void ref_changed(struct kdiff *x)
{
	if (x->which == K_MH)
		ref_mh_rebuild(x);
}

/* ---- reference bookkeeping: spec 1.2 list order, 1.4 OVERLOAD ---- */

static long ref_total(const struct rdest *d)
{
	return d->active + d->inact;
}

static uint32_t ref_l_eff(const struct rdest *d)
{
	return d->l ? d->l : (uint32_t)((3ull * d->u + 3) / 4);
}

static void ref_thresholds(struct kdiff *x, struct rdest *d, uint32_t u, uint32_t l)
{
	bool changed = u != d->u || l != d->l;
	uint32_t old_u = d->u;
	long t = ref_total(d);

	d->u = u;
	d->l = l;
	if (x->profile == LB_PROFILE_LEGACY) {
		if (u == 0 || u > old_u)
			d->overload = false;
	} else if (changed) {
		if (u == 0)
			d->overload = false;
		else if (t >= (long)u)
			d->overload = true;
		else if (t < (long)ref_l_eff(d))
			d->overload = false;
	}
}

static void ref_bind(struct kdiff *x, int id, bool active)
{
	struct rdest *d = &x->rd[id];

	if (active)
		d->active++;
	else
		d->inact++;
	if (d->u && (x->profile == LB_PROFILE_LEGACY ? ref_total(d) >= (long)d->u
						     : ref_total(d) == (long)d->u))
		d->overload = true;
}

static void ref_unbind(struct kdiff *x, int id, bool active)
{
	struct rdest *d = &x->rd[id];
	long before = ref_total(d), t;

	if (active)
		d->active--;
	else
		d->inact--;
	t = ref_total(d);
	if (x->profile == LB_PROFILE_CURRENT) {
		if (before == (long)ref_l_eff(d))
			d->overload = false;
	} else if (d->l) {
		if (t < (long)d->l)
			d->overload = false;
	} else if (d->u) {
		if (4 * t < 3 * (long)d->u)
			d->overload = false;
	} else {
		d->overload = false;
	}
}

/* ---- driver ---- */

static int kd_real_id(const struct kdiff *x, const struct lb_dest *d)
{
	if (!d)
		return -1;
	for (int id = 0; id < NADDR; id++)
		if (x->real[id] == d)
			return id;
	return -2;
}

static void kd_dump(const struct kdiff *x)
{
	char buf[LB_ADDR_STRLEN];

	fprintf(stderr, "  reference list (head first):\n");
	for (int i = 0; i < x->n; i++) {
		const struct rdest *d = &x->rd[x->list[i]];

		fprintf(stderr, "    D%-2d w %4d lw %4d u %3u l %3u act %4ld inact %4ld%s\n",
			x->list[i], d->weight, d->last_weight, d->u, d->l, d->active, d->inact,
			d->overload ? " OVERLOAD" : "");
	}
	fprintf(stderr, "  real list:\n");
	for (unsigned i = 0; i < x->svc.ndests; i++) {
		const struct lb_dest *d = x->svc.dests[i];

		fprintf(stderr, "    D%-2d w %4d lw %4d u %3u l %3u act %4d inact %4d%s\n",
			kd_real_id(x, d), d->weight, d->last_weight, d->u_threshold,
			d->l_threshold, d->activeconns, d->inactconns,
			lb_dest_is_overloaded(d) ? " OVERLOAD" : "");
	}
	fprintf(stderr, "  key: src %s:%u", lb_addr_fmt(&x->key.saddr, buf, sizeof(buf)),
		x->key.sport);
	fprintf(stderr, " dst %s proto %u flags %#x\n",
		lb_addr_fmt(&x->key.daddr, buf, sizeof(buf)), x->key.proto, x->flags);
}

static bool kd_fail(const struct kdiff *x, const char *what)
{
	fprintf(stderr, "\n%s/%s step %ld after \"%s\": %s\n", kref_names[x->which],
		x->profile == LB_PROFILE_LEGACY ? "legacy" : "current", x->step, x->op, what);
	kd_dump(x);
	return false;
}

static bool kd_same_state(const struct kdiff *x)
{
	if ((int)x->svc.ndests != x->n)
		return kd_fail(x, "dest count differs");
	for (int i = 0; i < x->n; i++) {
		const struct lb_dest *d = x->svc.dests[i];
		const struct rdest *r = &x->rd[x->list[i]];

		if (kd_real_id(x, d) != x->list[i])
			return kd_fail(x, "list order differs");
		if (d->weight != r->weight || d->last_weight != r->last_weight ||
		    d->activeconns != r->active || d->inactconns != r->inact ||
		    lb_dest_is_overloaded(d) != r->overload)
			return kd_fail(x, "dest state differs");
	}
	return true;
}

static uint32_t below(gsl_rng *r, unsigned long n)
{
	return (uint32_t)gsl_rng_uniform_int(r, n);
}

static int kd_weight(gsl_rng *ops)
{
	static const int w[] = { 0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 30, 100, 300, 5000 };

	return w[below(ops, sizeof(w) / sizeof(w[0]))];
}

static void kd_thresholds(gsl_rng *ops, uint32_t *u, uint32_t *l)
{
	*u = below(ops, 3) == 0 ? 0 : 1 + below(ops, 40);
	*l = below(ops, 2) == 0 ? 0 : below(ops, *u + 1);
}

static bool kd_add(struct kdiff *x, gsl_rng *ops)
{
	int id = (int)below(ops, (unsigned long)x->naddr), w = kd_weight(ops);
	struct lb_addr a = kd_addr(id);
	struct rdest *r = &x->rd[id];
	uint32_t u = 0, l = 0;
	struct lb_dest *d = NULL;
	int rc;

	if (below(ops, 4) == 0)
		kd_thresholds(ops, &u, &l);
	snprintf(x->op, sizeof(x->op), "add D%d w %d u %u l %u", id, w, u, l);
	rc = lb_service_add_dest(&x->svc, &a, kd_port(id), w, u, l, &d);
	if (r->linked)
		return rc == -EEXIST ? true : kd_fail(x, "re-add of a linked dest not -EEXIST");
	if (rc)
		return kd_fail(x, "add failed");
	x->real[id] = d;
	if (r->exists)
		ref_thresholds(x, r, u, l);
	else
		*r = (struct rdest){ .exists = true, .u = u, .l = l };
	r->linked = true;
	r->weight = w;
	r->last_weight = w;
	memmove(x->list + 1, x->list, (size_t)x->n * sizeof(x->list[0]));
	x->list[0] = id;
	x->n++;
	ref_changed(x);
	return true;
}

static bool kd_del(struct kdiff *x, gsl_rng *ops)
{
	int pos, id;

	if (x->n == 0 || x->n <= x->minlist)
		return true;
	pos = (int)below(ops, (unsigned long)x->n);
	id = x->list[pos];
	snprintf(x->op, sizeof(x->op), "del D%d", id);
	if (lb_service_del_dest(&x->svc, x->real[id]))
		return kd_fail(x, "del failed");
	memmove(x->list + pos, x->list + pos + 1, (size_t)(x->n - pos - 1) * sizeof(x->list[0]));
	x->n--;
	x->rd[id].linked = false;
	ref_changed(x);
	return true;
}

static bool kd_edit(struct kdiff *x, gsl_rng *ops, bool thresholds)
{
	struct rdest *r;
	int id, w;
	uint32_t u, l;

	if (x->n == 0)
		return true;
	id = x->list[below(ops, (unsigned long)x->n)];
	r = &x->rd[id];
	w = thresholds ? r->weight : kd_weight(ops);
	u = r->u;
	l = r->l;
	if (thresholds)
		kd_thresholds(ops, &u, &l);
	snprintf(x->op, sizeof(x->op), "edit D%d w %d u %u l %u", id, w, u, l);
	if (lb_service_edit_dest(&x->svc, x->real[id], w, u, l))
		return kd_fail(x, "edit failed");
	r->weight = w;
	if (w)
		r->last_weight = w;
	ref_thresholds(x, r, u, l);
	ref_changed(x);
	return true;
}

static void kd_conn_add(struct kdiff *x, int id, bool active)
{
	if (x->nconns == MAXCONN)
		return;
	x->conns[x->nconns++] = (struct rconn){ .id = id, .active = active };
	lb_dest_conn_bind(x->real[id], active);
	ref_bind(x, id, active);
}

/* A random flow: clients from a small pool or anywhere, some IPv6, any protocol. */
static void kd_key(struct kdiff *x, gsl_rng *ops)
{
	static const uint8_t protos[] = { 6, 17, 132, 1 };
	struct lb_addr *as[2] = { &x->key.saddr, &x->key.daddr };

	for (int i = 0; i < 2; i++) {
		unsigned k = below(ops, 10);

		if (k == 0) {
			as[i]->af = LB_AF_INET6;
			for (int j = 0; j < 16; j++)
				as[i]->u.v6[j] = (uint8_t)below(ops, 256);
		} else {
			as[i]->af = LB_AF_INET;
			as[i]->u.v4 = k < 6 ? (i ? 0xCB007100u : 0xC0A80100u) + below(ops, 64)
					    : (uint32_t)gsl_rng_get(ops);
		}
	}
	x->key.sport = (uint16_t)below(ops, 65536);
	x->key.dport = 80;
	x->key.proto = protos[below(ops, 4)];
	/* flags are read at pick time (ipvsadm -E may change them); sh's and mh's bits */
	x->flags = below(ops, 16);
	x->svc.conf.flags = x->flags;
}

static bool kd_pick(struct kdiff *x, gsl_rng *ops)
{
	struct lb_dest *d;
	int want;

	kd_key(x, ops);
	snprintf(x->op, sizeof(x->op), "pick");
	want = ref_pick(x);
	d = lb_service_pick(&x->svc, &x->key);
	if (kd_real_id(x, d) != want) {
		fprintf(stderr, "\nreference picked D%d, real picked D%d\n", want,
			kd_real_id(x, d));
		return kd_fail(x, "picks differ");
	}
	if (d && below(ops, 10) < 8)
		kd_conn_add(x, want, below(ops, 10) < 7);
	return true;
}

static bool kd_conn(struct kdiff *x, gsl_rng *ops, bool drain)
{
	unsigned k = drain ? 2 : below(ops, 3);
	struct rconn *c;

	if (k == 0 || x->nconns == 0) {
		if (x->n == 0)
			return true;
		k = (unsigned)x->list[below(ops, (unsigned long)x->n)];
		snprintf(x->op, sizeof(x->op), "bind D%u", k);
		kd_conn_add(x, (int)k, below(ops, 2));
		return true;
	}
	c = &x->conns[below(ops, (unsigned long)x->nconns)];
	if (k == 1) {
		snprintf(x->op, sizeof(x->op), "set_active D%d %d", c->id, !c->active);
		c->active = !c->active;
		lb_dest_conn_set_active(x->real[c->id], c->active);
		x->rd[c->id].active += c->active ? 1 : -1;
		x->rd[c->id].inact += c->active ? -1 : 1;
		return true;
	}
	snprintf(x->op, sizeof(x->op), "unbind D%d active %d", c->id, c->active);
	lb_dest_conn_unbind(x->real[c->id], c->active);
	ref_unbind(x, c->id, c->active);
	*c = x->conns[--x->nconns];
	return true;
}

/*
 * nops random operations on scheduler which under profile; sh uses 2^sh_bits
 * buckets, mh a table of m slots (tab_bits its TAB_INDEX / 2).
 */
static void kd_run_n(enum kref which, enum lb_profile profile, unsigned sh_bits, uint32_t m,
		     unsigned tab_bits, unsigned long seed, long nops, int naddr, int minlist)
{
	struct kdiff *x = calloc(1, sizeof(*x));
	gsl_rng *ops = gsl_rng_alloc(gsl_rng_mt19937);
	bool ok = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	x->which = which;
	x->profile = profile;
	x->naddr = naddr;
	x->minlist = minlist;
	x->sh_bits = sh_bits;
	x->m = m;
	x->mh_bits = tab_bits;
	gsl_rng_set(ops, seed);
	lb_service_init(&x->svc, profile);
	x->svc.conf.sh_bits = sh_bits;
	x->svc.conf.mh_size = m;
	CU_ASSERT_EQUAL_FATAL(lb_service_set_sched(&x->svc, lb_sched_find(kref_names[which])), 0);
	ref_changed(x);

	for (x->step = 0; ok && x->step < nops; x->step++) {
		static const int limit[] = { 30, 150, 400, 800 };
		unsigned r = below(ops, 100);
		bool drain = x->nconns > limit[x->step / 1500 % 4];

		if (drain && r >= 15)
			ok = kd_conn(x, ops, true);
		else if (r < 4)
			ok = kd_add(x, ops);
		else if (r < 7)
			ok = kd_del(x, ops);
		else if (r < 12)
			ok = kd_edit(x, ops, false);
		else if (r < 15)
			ok = kd_edit(x, ops, true);
		else if (r < 60)
			ok = kd_pick(x, ops);
		else
			ok = kd_conn(x, ops, false);
		if (ok)
			ok = kd_same_state(x);
	}
	CU_ASSERT_TRUE(ok);
	lb_service_fini(&x->svc);
	gsl_rng_free(ops);
	free(x);
}

/* kd_run_n over 12 addresses, deletes unrestricted. */
static void kd_run(enum kref which, enum lb_profile profile, unsigned sh_bits, uint32_t m,
		   unsigned tab_bits, unsigned long seed, long nops)
{
	kd_run_n(which, profile, sh_bits, m, tab_bits, seed, nops, 12, 0);
}

static long kd_nops(void)
{
	return test_quick() ? 10000 : 100000;
}

static void kd_both(enum kref which)
{
	kd_run(which, LB_PROFILE_CURRENT, 8, 251, 4, 3000 + which, kd_nops());
	kd_run(which, LB_PROFILE_LEGACY, 8, 251, 4, 4000 + which, kd_nops());
}

/* Long lists: from empty to about 72 dests, then held there. */
static void kd_long(enum kref which)
{
	kd_run_n(which, LB_PROFILE_CURRENT, 8, 251, 4, 9000 + which, kd_nops(), NADDR, 72);
	kd_run_n(which, LB_PROFILE_LEGACY, 8, 251, 4, 9100 + which, kd_nops(), NADDR, 72);
}

static void test_diff_sed(void)
{
	kd_both(K_SED);
	kd_long(K_SED);
}

static void test_diff_nq(void)
{
	kd_both(K_NQ);
	kd_long(K_NQ);
}

static void test_diff_fo(void)
{
	kd_both(K_FO);
}

static void test_diff_ovf(void)
{
	kd_both(K_OVF);
}

static void test_diff_sh(void)
{
	kd_both(K_SH);
	/* other table sizes, both hashes */
	kd_run(K_SH, LB_PROFILE_CURRENT, 4, 251, 4, 5001, kd_nops() / 5);
	kd_run(K_SH, LB_PROFILE_LEGACY, 12, 251, 4, 5002, kd_nops() / 5);
}

static void test_diff_dh(void)
{
	kd_both(K_DH);
}

static void test_diff_mh(void)
{
	kd_both(K_MH);
	/* the default table (TAB_INDEX 12) */
	kd_run(K_MH, LB_PROFILE_CURRENT, 8, 4093, 6, 6001, kd_nops() / 5);
}

int test_sched_kernel_register(void)
{
	static const struct {
		const char *name;
		CU_TestFunc fn;
	} tests[] = {
		{ "registry", test_registry },
		{ "V-SED-1", test_sed },
		{ "V-NQ-1", test_nq },
		{ "V-FO-1", test_fo },
		{ "V-OVF-1", test_ovf },
		{ "V-SH-1..4", test_sh_vectors },
		{ "V-SH-5", test_sh_spread },
		{ "sh table bits", test_sh_bits },
		{ "V-DH-1", test_dh },
		{ "siphash", test_siphash },
		{ "V-MH-1..5", test_mh_vectors },
		{ "V-MH-6 populate", test_mh_populate },
		{ "mh sizes", test_mh_sizes },
		{ "mh shares", test_mh_shares },
		{ "mh disruption", test_mh_disruption },
		{ "mh add", test_mh_add },
		{ "mh quiesce", test_mh_quiesce },
		{ "remap", test_remap },
		{ "diff sed", test_diff_sed },
		{ "diff nq", test_diff_nq },
		{ "diff fo", test_diff_fo },
		{ "diff ovf", test_diff_ovf },
		{ "diff sh", test_diff_sh },
		{ "diff dh", test_diff_dh },
		{ "diff mh", test_diff_mh },
	};
	CU_pSuite s = CU_add_suite("sched_kernel", NULL, NULL);

	if (!s)
		return CU_get_error();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return CU_get_error();
	return CUE_SUCCESS;
}
