/*
 * tests/unit/test_pcapfeed.c - the capture reader thread (tools/pcapfeed.c)
 * hands over exactly what pcap_next_ex reads, in order, in both modes:
 * headers and bytes frame by frame across batch boundaries (by count and
 * by bytes), the end, a truncated file's frames and then its error, and a
 * consumer that stops early.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <pcap/pcap.h>

#include "tests/test.h"
#include "tools/pcapfeed.h"

#define PF_T_FRAMES 20000u

/* One frame's fingerprint: header fields and an FNV-1a hash of its bytes. */
struct pf_t_rec {
	int64_t ts_s, ts_us;
	uint32_t caplen, len;
	uint64_t hash;
};

static uint64_t pf_t_fnv(const u_char *d, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * UINT64_C(0x100000001b3);
	return h;
}

/*
 * Write a capture of PF_T_FRAMES frames: sizes from 14 bytes to 113, so a
 * batch fills up on its frame count, and every 1000th frame 200000 bytes,
 * so batches also close on bytes.
 * Returns the file size, 0 on failure.
 */
static long pf_t_write(const char *path)
{
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 262144);
	pcap_dumper_t *dd = pd ? pcap_dump_open(pd, path) : NULL;
	u_char *buf = malloc(200000);
	long size;

	if (!dd || !buf) {
		free(buf);
		if (pd)
			pcap_close(pd);
		return 0;
	}
	for (uint32_t i = 0; i < PF_T_FRAMES; i++) {
		struct pcap_pkthdr h = { 0 };
		uint32_t n = i % 1000 == 999 ? 200000 : 14 + (i * 7919u) % 100u;

		for (uint32_t j = 0; j < n; j++)
			buf[j] = (u_char)(i * 31u + j * 17u);
		h.ts.tv_sec = 1700000000 + i / 100;
		h.ts.tv_usec = (i % 100) * 10000;
		h.caplen = n;
		h.len = n + (i % 3);
		pcap_dump((u_char *)dd, &h, buf);
	}
	pcap_dump_flush(dd);
	size = pcap_dump_ftell(dd);
	pcap_dump_close(dd);
	pcap_close(pd);
	free(buf);
	return size;
}

/* Read path with the feed (threaded or not), or with pcap_next_ex (ref). */
static size_t pf_t_read(const char *path, int mode, struct pf_t_rec *out, size_t cap, int *rc,
			char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, ebuf);
	struct pcap_feed *f;
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0;

	*rc = -99;
	if (!p)
		return 0;
	f = mode >= 0 ? pcap_feed_new(p, mode == 1) : NULL;
	for (;;) {
		int r = f ? pcap_feed_next(f, &h, &d) : pcap_next_ex(p, &h, &d);

		if (r != 1) {
			*rc = f ? r : (r == -2 ? 0 : r);
			snprintf(err, errlen, "%s", f ? pcap_feed_error(f) : pcap_geterr(p));
			if (f)
				CU_ASSERT_EQUAL(pcap_feed_next(f, &h, &d), r); /* stays at the end */
			break;
		}
		if (n < cap) {
			out[n].ts_s = h->ts.tv_sec;
			out[n].ts_us = h->ts.tv_usec;
			out[n].caplen = h->caplen;
			out[n].len = h->len;
			out[n].hash = pf_t_fnv(d, h->caplen);
		}
		n++;
	}
	pcap_feed_free(f);
	pcap_close(p);
	return n;
}

static void pf_t_same(const char *path, size_t expect_n, int expect_rc)
{
	struct pf_t_rec *ref = calloc(PF_T_FRAMES, sizeof(*ref));
	struct pf_t_rec *got = calloc(PF_T_FRAMES, sizeof(*got));
	char err[512], rerr[512];
	int rc, rrc;
	size_t nref = pf_t_read(path, -1, ref, PF_T_FRAMES, &rrc, rerr, sizeof(rerr));

	CU_ASSERT_EQUAL(nref, expect_n);
	CU_ASSERT_EQUAL(rrc, expect_rc);
	for (int mode = 0; mode < 2; mode++) {
		size_t n = pf_t_read(path, mode, got, PF_T_FRAMES, &rc, err, sizeof(err));

		CU_ASSERT_EQUAL(n, nref);
		CU_ASSERT_EQUAL(rc, rrc);
		CU_ASSERT(memcmp(got, ref, (n < nref ? n : nref) * sizeof(*got)) == 0);
		if (expect_rc == -1) {
			CU_ASSERT(err[0] != '\0');
			CU_ASSERT_STRING_EQUAL(err, rerr);
		}
	}
	free(ref);
	free(got);
}

static void test_same_frames(void)
{
	char path[] = "/tmp/lbsim-pcapfeed-XXXXXX";
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(pf_t_write(path) > 0);
	pf_t_same(path, PF_T_FRAMES, 0);
	unlink(path);
}

static void test_truncated(void)
{
	char path[] = "/tmp/lbsim-pcapfeed-XXXXXX";
	int fd = mkstemp(path);
	long size;

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	size = pf_t_write(path);
	CU_ASSERT_FATAL(size > 0);
	/* Cut the last frame (200000 bytes) short. */
	CU_ASSERT_FATAL(truncate(path, size - 10) == 0);
	pf_t_same(path, PF_T_FRAMES - 1, -1);
	unlink(path);
}

static void test_stop_early(void)
{
	char path[] = "/tmp/lbsim-pcapfeed-XXXXXX", ebuf[PCAP_ERRBUF_SIZE];
	int fd = mkstemp(path);
	struct pcap_pkthdr *h;
	const u_char *d;

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_FATAL(pf_t_write(path) > 0);
	for (int taken = 0; taken <= 5000; taken += 5000) {
		pcap_t *p = pcap_open_offline(path, ebuf);
		struct pcap_feed *f;

		CU_ASSERT_FATAL(p != NULL);
		f = pcap_feed_new(p, true);
		for (int i = 0; i < taken; i++)
			CU_ASSERT_EQUAL(pcap_feed_next(f, &h, &d), 1);
		pcap_feed_free(f); /* the reader may be mid-batch or waiting: it must leave */
		pcap_close(p);
	}
	unlink(path);
}

int test_pcapfeed_register(void)
{
	CU_pSuite s = CU_add_suite("pcapfeed", NULL, NULL);

	if (!s || !CU_add_test(s, "same frames as pcap_next_ex, both modes", test_same_frames) ||
	    !CU_add_test(s, "truncated capture: frames, then the error", test_truncated) ||
	    !CU_add_test(s, "consumer stops early", test_stop_early))
		return CU_get_error();
	return CUE_SUCCESS;
}
