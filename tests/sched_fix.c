/*
 * tests/sched_fix.c - what the scheduler suites share: naming dests A, B, ...
 * (in add order) and checking a sequence of picks against the spec's vectors.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tests/sched_fix.h"

#include <stdio.h>

#include <CUnit/CUnit.h>

#include "algorithms/sched/sched.h"

/* 'A' + the index of <x> in d[0..n), '-' for no dest, '?' for a stranger. */
char sched_fix_name(struct lb_dest *const *d, unsigned n, const struct lb_dest *x)
{
	if (!x)
		return '-';
	for (unsigned i = 0; i < n; i++)
		if (d[i] == x)
			return (char)('A' + i);
	return '?';
}

/*
 * Pick once per letter of <want> ("A B -": spaces ignored, '-' = no dest)
 * with flow <key> (may be NULL) and compare; <bump>: each picked dest gets one
 * more active connection. The whole sequence is printed on a mismatch.
 */
void sched_fix_expect_seq(struct lb_service *svc, struct lb_dest *const *d, unsigned n,
			  const struct lb_flow_key *key, const char *label, const char *want,
			  bool bump)
{
	char got[256];
	size_t k = 0;
	bool ok = true;

	for (const char *p = want; *p && k + 2 < sizeof(got); p++) {
		struct lb_dest *x;

		if (*p == ' ')
			continue;
		x = lb_service_pick(svc, key);
		got[k++] = sched_fix_name(d, n, x);
		got[k++] = ' ';
		if (sched_fix_name(d, n, x) != *p)
			ok = false;
		if (x && bump)
			lb_dest_conn_bind(x, true);
	}
	got[k ? k - 1 : 0] = '\0';
	if (!ok)
		fprintf(stderr, "\n%s (%s, %s):\n  want \"%s\"\n  got  \"%s\"\n", label,
			svc->sched->name, svc->profile == LB_PROFILE_LEGACY ? "legacy" : "current",
			want, got);
	CU_ASSERT_TRUE(ok);
}
