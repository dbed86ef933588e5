/*
 * tests/unit/test_queue.c - the event queue against a naive sorted array.
 *
 * Run by lbsim-test (suite "queue"). Whatever implementation QUEUE= selects
 * must pass: empty queue, FIFO among equal times, growth from a tiny hint,
 * and 10^5 random pushes and pops compared entry by entry with a sorted
 * reference (SQLite's bitvec self-test idea).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "sim/queue.h"
#include "sim/xalloc.h"
#include "tests/test.h"

/* xorshift64*: the tests' own deterministic generator. */
static uint64_t tq_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void test_queue_empty(void)
{
	struct queue *q = queue_new(0);
	struct queue_entry e = { .at = 7, .seq = 8, .item = &e };

	CU_ASSERT_EQUAL(queue_len(q), 0);
	CU_ASSERT_FALSE(queue_pop(q, &e));
	CU_ASSERT_FALSE(queue_peek(q, &e));
	CU_ASSERT_EQUAL(e.at, 7); /* untouched */
	queue_push(q, 5, 1, q);
	CU_ASSERT_TRUE(queue_peek(q, &e));
	CU_ASSERT_EQUAL(e.at, 5);
	CU_ASSERT_PTR_EQUAL(e.item, q);
	CU_ASSERT_EQUAL(queue_len(q), 1);
	CU_ASSERT_TRUE(queue_pop(q, &e));
	CU_ASSERT_EQUAL(e.seq, 1);
	CU_ASSERT_FALSE(queue_pop(q, &e));
	CU_ASSERT_PTR_NOT_NULL(queue_impl_name());
	queue_free(q);
	queue_free(NULL);
}

/* Equal times leave in seq (push) order, interleaved with other times. */
static void test_queue_fifo(void)
{
	struct queue *q = queue_new(4);
	struct queue_entry e;
	uint64_t seq = 1, last_seq = 0;
	sim_time_t last_at = -1;
	size_t k = 0;

	/* Three times (50, 150, 250) pushed interleaved, many of each. */
	for (int i = 0; i < 1000; i++) {
		queue_push(q, 150, seq++, NULL);
		queue_push(q, 50 + (i % 3) * 100, seq++, NULL);
	}

	while (queue_pop(q, &e)) {
		if (e.at == last_at)
			CU_ASSERT(e.seq > last_seq);
		CU_ASSERT(e.at >= last_at);
		last_at = e.at;
		last_seq = e.seq;
		k++;
	}
	CU_ASSERT_EQUAL(k, 2000);
	queue_free(q);
}

static void test_queue_growth(void)
{
	struct queue *q = queue_new(1);
	struct queue_entry e;
	size_t n = test_quick() ? 20000 : 200000;

	/* Decreasing times: every push climbs to the root. */
	for (size_t i = 0; i < n; i++)
		queue_push(q, (sim_time_t)(n - i), i + 1, (void *)(uintptr_t)i);
	CU_ASSERT_EQUAL(queue_len(q), n);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_TRUE_FATAL(queue_pop(q, &e));
		if (e.at != (sim_time_t)(i + 1) || (uintptr_t)e.item != n - 1 - i) {
			CU_FAIL("growth: wrong order");
			break;
		}
	}
	CU_ASSERT_EQUAL(queue_len(q), 0);
	queue_free(q);
}

static int tq_cmp(const void *pa, const void *pb)
{
	const struct queue_entry *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

/*
 * 10^5 random operations against a reference kept sorted in descending
 * order (so its minimum is at the end). Times come from a small range so
 * that equal times (ordered by seq) are frequent; pushes dominate at first,
 * pops later, so the queue grows and shrinks through many sizes.
 */
static void test_queue_random(void)
{
	size_t ops = test_quick() ? 20000 : 100000;
	struct queue *q = queue_new(0);
	struct queue_entry *ref = xmalloc(ops * sizeof(*ref));
	size_t nref = 0, bad = 0;
	uint64_t s = 0x1234567887654321ULL, seq = 1;
	sim_time_t now = 0;

	for (size_t op = 0; op < ops; op++) {
		uint64_t r = tq_rand(&s);
		bool push = nref == 0 || (op < ops / 2 ? r % 100 < 70 : r % 100 < 35);

		if (push) {
			struct queue_entry e = {
				.at = now + (sim_time_t)(tq_rand(&s) % 64),
				.seq = seq++,
			};
			size_t lo = 0, hi = nref;

			e.item = (void *)(uintptr_t)e.seq;
			/* Insert keeping ref descending. */
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (tq_cmp(&ref[mid], &e) > 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			memmove(&ref[lo + 1], &ref[lo], (nref - lo) * sizeof(*ref));
			ref[lo] = e;
			nref++;
			queue_push(q, e.at, e.seq, e.item);
		} else {
			struct queue_entry got, peeked;

			CU_ASSERT_TRUE(queue_peek(q, &peeked));
			CU_ASSERT_TRUE(queue_pop(q, &got));
			nref--;
			if (got.at != ref[nref].at || got.seq != ref[nref].seq ||
			    got.item != ref[nref].item || peeked.seq != got.seq)
				bad++;
			now = got.at; /* like a simulation: never push in the past */
		}
		if (queue_len(q) != nref)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	while (nref > 0) {
		struct queue_entry got;

		CU_ASSERT_TRUE_FATAL(queue_pop(q, &got));
		nref--;
		CU_ASSERT_EQUAL(got.seq, ref[nref].seq);
	}
	CU_ASSERT_EQUAL(queue_len(q), 0);
	free(ref);
	queue_free(q);
}

int test_queue_register(void)
{
	CU_pSuite s = CU_add_suite("queue", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "empty pop and peek", test_queue_empty) ||
	    !CU_add_test(s, "equal times leave in push order", test_queue_fifo) ||
	    !CU_add_test(s, "growth from a tiny hint", test_queue_growth) ||
	    !CU_add_test(s, "random ops vs sorted reference", test_queue_random))
		return CU_get_error();
	return CUE_SUCCESS;
}
