/*
 * tests/unit/test_ha.c - suite "ha": directors running keepalived's VRRP
 * (models/ha.c) for the VIP, the clients following the VIP's owner.
 *
 * The dr-http pair of scenarios/ha/ (lb1 priority 150, lb2 priority 100,
 * advert 1 s) with one fault each: a crash hands the VIP to lb2 one
 * master-down interval (3.609375 s) after lb1's last advert, a graceful stop
 * one skew time (0.609375 s) after its priority-0 advert, a partition makes
 * both masters until the heal; a crash under clients with a timeout over a
 * lossy link counts their late answers apart. Runs are deterministic. The
 * fixture's lvs_sync_daemon lets connections carry on over a stop; copies
 * without it show them breaking. About a second in all.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "models/world.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"
#include "tests/test.h"

#define HA_DIR "scenarios/ha"
#define HA_DOWN 3.609375  /* 3 adverts + skew (256 - 100) / 256 */
#define HA_SKEW 0.609375
#define HA_SLACK 0.0002	  /* frames cross the segment in 50 us */

/*
 * Copy keepalived.conf <src> without its lvs_sync_daemon line into a new
 * temporary file whose name goes to <dst> (PATH_MAX). Returns 0 or -1.
 */
static int ha_copy_nosync(const char *src, char *dst)
{
	char line[512];
	FILE *in, *out;
	int fd;

	snprintf(dst, PATH_MAX, "/tmp/lbsim-test-XXXXXX");
	in = fopen(src, "r");
	if (!in)
		return -1;
	fd = mkstemp(dst);
	if (fd == -1) {
		fclose(in);
		return -1;
	}
	out = fdopen(fd, "w");
	while (fgets(line, sizeof(line), in))
		if (!strstr(line, "lvs_sync_daemon"))
			fputs(line, out);
	fclose(in);
	fclose(out);
	return 0;
}

/*
 * The dr-http pair with <faults> (the body of a fault {} block), with the
 * fixture's connection sync or (sync false) without it; <links> are extra
 * blocks and <client_keys> extra keys of the clients block ("" for none).
 * NULL on error.
 */
static struct scenario *ha_load_net(const char *links, const char *client_keys,
				    const char *faults, bool sync)
{
	char lb1[PATH_MAX], lb2[PATH_MAX], src1[PATH_MAX], src2[PATH_MAX], *text;
	struct scenario *scn = NULL;

	if (!realpath(HA_DIR "/dr-http.lb1.conf", src1) ||
	    !realpath(HA_DIR "/dr-http.lb2.conf", src2))
		return NULL;
	if (sync) {
		snprintf(lb1, sizeof(lb1), "%s", src1);
		snprintf(lb2, sizeof(lb2), "%s", src2);
	} else if (ha_copy_nosync(src1, lb1)) {
		return NULL;
	} else if (ha_copy_nosync(src2, lb2)) {
		unlink(lb1);
		return NULL;
	}
	if (asprintf(&text,
		"simulation { duration 50s warmup 5s seed 1 }\n%s\n"
		"clients web { sources 192.0.2.0/24 arrival poisson 200/s target 10.10.0.100:80\n"
		"  service exponential 5ms requests deterministic 3 think exponential 1s %s }\n"
		"server 10.10.0.21 { workers 4 }\nserver 10.10.0.22 { workers 4 }\n"
		"server 10.10.0.23 { workers 2 }\nserver 10.10.0.29 { workers 1 }\n"
		"director lb1 { include %s }\ndirector lb2 { include %s }\n"
		"fault { %s }\n",
		links, client_keys, lb1, lb2, faults) >= 0) {
		scn = test_scenario_text(text, NULL, 0);
		free(text);
	}
	if (!sync) {
		unlink(lb1);
		unlink(lb2);
	}
	return scn;
}

static struct scenario *ha_load_sync(const char *faults, bool sync)
{
	return ha_load_net("", "", faults, sync);
}

static struct scenario *ha_load(const char *faults)
{
	return ha_load_sync(faults, true);
}

static struct run_result *ha_run(const struct scenario *scn)
{
	struct world_opts wo = { 0 };
	struct run_result *r;
	struct world *w;
	char err[512];

	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "\n%s\n", err);
		return NULL;
	}
	r = run_result_new();
	world_run(w);
	world_fill_result(w, r);
	world_free(w);
	return r;
}

/* The time of the first transition of <dir> to <to> at or after <from_s>; -1 if none. */
static double ha_when(const struct run_result *r, const char *dir, const char *to, double from_s)
{
	for (size_t i = 0; i < r->ntransitions; i++) {
		const struct run_transition *t = &r->transitions[i];

		if (t->t_s >= from_s && !strcmp(t->director, dir) && !strcmp(t->to, to))
			return t->t_s;
	}
	return -1;
}

/* Who is MASTER at the end: a bit per director (lb1 1, lb2 2). */
static unsigned ha_masters(const struct run_result *r)
{
	unsigned m = 0;

	for (size_t i = 0; i < r->ntransitions; i++) {
		const struct run_transition *t = &r->transitions[i];
		unsigned bit = !strcmp(t->director, "lb1") ? 1 : 2;

		if (!strcmp(t->to, "MASTER"))
			m |= bit;
		else if (!strcmp(t->from, "MASTER"))
			m &= ~bit;
	}
	return m;
}

/* Completions per second summed over the throughput samples after <from_s>. */
static double ha_completed_after(const struct run_result *r, double from_s)
{
	double n = 0;

	for (size_t i = 0; i < r->nseries; i++) {
		const struct run_series *s = &r->series[i];

		if (strcmp(s->name, "throughput"))
			continue;
		for (size_t k = 0; k < s->n; k++)
			if (s->t[k] > from_s)
				n += s->v[k];
	}
	return n;
}

static void test_crash(void)
{
	struct scenario *scn = ha_load("at 30s crash director lb1");
	struct run_result *r;
	double m1, m2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* lb1 starts as BACKUP and wins after its own master-down interval */
	m1 = ha_when(r, "lb1", "MASTER", 0);
	CU_ASSERT(m1 > 3.41 && m1 < 3.42);
	CU_ASSERT(ha_when(r, "lb2", "MASTER", 0) >= 30);
	/* lb1's last advert is in the second before the crash */
	m2 = ha_when(r, "lb2", "MASTER", 30);
	CU_ASSERT(m2 >= 30 + HA_DOWN - 1 && m2 <= 30 + HA_DOWN + HA_SLACK);
	CU_ASSERT_EQUAL_FATAL(r->nfailovers, 1);
	/* which failover: lb1's VI_WEB, its VIP, taken over by lb2 */
	CU_ASSERT_STRING_EQUAL(r->failovers[0].instance, "VI_WEB");
	CU_ASSERT_STRING_EQUAL(r->failovers[0].vips, "10.10.0.100");
	CU_ASSERT_STRING_EQUAL(r->failovers[0].from, "lb1");
	CU_ASSERT_STRING_EQUAL(r->failovers[0].to, "lb2");
	CU_ASSERT_DOUBLE_EQUAL(r->failovers[0].fault_at_s, 30, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(r->failovers[0].detected_s, m2, 1e-9);
	CU_ASSERT(r->failovers[0].takeover_s >= HA_DOWN - 1 &&
		  r->failovers[0].takeover_s <= HA_DOWN + HA_SLACK);
	CU_ASSERT(r->failovers[0].master_at_s >= m2);
	CU_ASSERT(r->failed > 0);
	/* the clients' view of the outage: some of the run's failures, not all counted twice */
	CU_ASSERT(r->failovers[0].failed_during > 0);
	CU_ASSERT(r->failovers[0].failed_during <= (int64_t)r->failed);
	CU_ASSERT(r->failovers[0].refused_during >= 0 &&
		  r->failovers[0].refused_during <= (int64_t)r->refused);
	/* clients without a timeout never time out */
	CU_ASSERT_EQUAL(r->timed_out, 0);
	CU_ASSERT_EQUAL(r->failovers[0].timed_out_during, 0);
	CU_ASSERT_EQUAL(r->split_brain_s, 0);
	CU_ASSERT_EQUAL(ha_masters(r), 2);
	/* traffic goes to lb2 after the takeover: requests complete again */
	CU_ASSERT(ha_completed_after(r, m2 + 1) > 0);
	run_result_free(r);
	scenario_free(scn);
}

/*
 * Clients that give up after 200 ms, over a WAN that loses 1 % of the
 * packets: a loss costs an RTO of 200 ms or more, so some answers come too
 * late, during the crash's outage as before and after it. Those count as
 * failed and, apart, as timed out; the requests the dead director swallows
 * fail without timing out. Each request ends once, in one counter.
 */
static void test_crash_timeouts(void)
{
	struct scenario *scn = ha_load_net("link wan { latency 5ms loss 1% }",
					   "timeout 200ms link wan", "at 30s crash director lb1",
					   true);
	const struct run_failover *o;
	struct run_result *r;
	double v = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->nfailovers, 1);
	o = &r->failovers[0];
	CU_ASSERT(o->takeover_s >= HA_DOWN - 1 && o->takeover_s <= HA_DOWN + HA_SLACK);
	CU_ASSERT(o->timed_out_during > 0);
	CU_ASSERT(o->timed_out_during < o->failed_during);
	CU_ASSERT(o->timed_out_during <= (int64_t)r->timed_out);
	CU_ASSERT(o->failed_during <= (int64_t)r->failed);
	/* timeouts outside the outage too, all of them among the failed */
	CU_ASSERT(r->timed_out > (uint64_t)o->timed_out_during);
	CU_ASSERT(r->timed_out < r->failed);
	CU_ASSERT(r->completed + r->failed + r->refused <= r->requests);
	CU_ASSERT_EQUAL(run_result_metric(r, "timed_out", &v), 0);
	CU_ASSERT_DOUBLE_EQUAL(v, (double)r->timed_out, 0);
	run_result_free(r);
	scenario_free(scn);
}

static void test_stop(void)
{
	struct scenario *scn = ha_load("at 30.2s stop director lb1");
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->nfailovers, 1);
	CU_ASSERT(r->failovers[0].takeover_s >= HA_SKEW &&
		  r->failovers[0].takeover_s <= HA_SKEW + HA_SLACK);
	CU_ASSERT(ha_when(r, "lb1", "STOP", 30) > 30.19);
	/* connections open through lb1 that send again after the takeover break */
	CU_ASSERT(r->failovers[0].broken_connections > 0);
	CU_ASSERT_EQUAL(ha_masters(r), 2);
	run_result_free(r);
	scenario_free(scn);
}

static void test_partition(void)
{
	struct scenario *scn = ha_load("at 20s partition lb1 lb2\n at 30s heal");
	struct run_result *r;
	double m2, back;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	m2 = ha_when(r, "lb2", "MASTER", 20);
	CU_ASSERT(m2 >= 20 + HA_DOWN - 1 && m2 <= 20 + HA_DOWN + HA_SLACK);
	back = ha_when(r, "lb2", "BACKUP", 20);
	CU_ASSERT(back >= 30 && back < 31.1);
	/* two masters from lb2's takeover to lb1's first advert after the heal */
	CU_ASSERT_DOUBLE_EQUAL(r->split_brain_s, back - m2, 1e-6);
	CU_ASSERT(r->split_brain_s > 30 - 20 - HA_DOWN);
	CU_ASSERT_EQUAL(ha_masters(r), 1);
	CU_ASSERT_EQUAL(r->nfailovers, 0);
	run_result_free(r);
	scenario_free(scn);
}

static void test_block_and_script(void)
{
	struct scenario *scn = ha_load("at 10s block vrrp lb2\n at 20s unblock vrrp lb2\n"
				       " at 30.5s fail script chk_director on lb1");
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(scn->nwarnings, 2); /* script_user, enable_script_security */
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(ha_when(r, "lb2", "MASTER", 10) < 15);
	CU_ASSERT(r->split_brain_s > 5);
	/*
	 * The script (interval 2, fall 2) fails its runs at 32 and 34 s: 150 -
	 * 60 < 100 from 34 s, lb2 discards lb1's adverts of priority 90 and
	 * takes over when the last advert of 150 (before 34 s) is a master-down
	 * old (suite ha_spec checks it to the nanosecond)
	 */
	CU_ASSERT(ha_when(r, "lb2", "MASTER", 30) >= 34 + HA_DOWN - 1 &&
		  ha_when(r, "lb2", "MASTER", 30) <= 34 + HA_DOWN + HA_SLACK);
	CU_ASSERT_EQUAL(ha_masters(r), 2);
	run_result_free(r);
	scenario_free(scn);
}

static void test_determinism(void)
{
	struct scenario *scn = ha_load("at 30s crash director lb1");
	struct run_result *a, *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	a = ha_run(scn);
	b = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(a->completed, b->completed);
	CU_ASSERT_EQUAL(a->failed, b->failed);
	CU_ASSERT_EQUAL(a->events, b->events);
	CU_ASSERT_EQUAL_FATAL(a->ntransitions, b->ntransitions);
	CU_ASSERT(!memcmp(a->transitions, b->transitions, a->ntransitions * sizeof(*a->transitions)));
	CU_ASSERT_EQUAL_FATAL(a->nfailovers, b->nfailovers);
	CU_ASSERT(!memcmp(a->failovers, b->failovers, a->nfailovers * sizeof(*a->failovers)));
	run_result_free(a);
	run_result_free(b);
	scenario_free(scn);
}

/* Run the dr-http pair with <faults>, with or without sync: its only failover. */
static bool ha_failover_of(const char *faults, bool sync, struct run_failover *fo)
{
	struct scenario *scn = ha_load_sync(faults, sync);
	struct run_result *r;
	bool ok = false;

	if (!scn)
		return false;
	r = ha_run(scn);
	if (r && r->nfailovers == 1) {
		*fo = r->failovers[0];
		ok = true;
	}
	run_result_free(r);
	scenario_free(scn);
	return ok;
}

/*
 * A graceful stop hands the VIP over in 0.61 s, with many connections open
 * (three requests 1 s of think time apart). Without lvs_sync_daemon they
 * break on lb2; with it lb2 knows those lb1 opened up to its last batch and
 * they carry on. The batch not yet sent at the stop is lost (the kernel
 * frees it), so a few born in the last moments still break.
 */
static void test_sync_stop(void)
{
	const char *faults = "at 30.2s stop director lb1";
	struct run_failover off, on;

	CU_ASSERT_FATAL(ha_failover_of(faults, false, &off));
	CU_ASSERT_FATAL(ha_failover_of(faults, true, &on));
	CU_ASSERT(off.broken_connections > 50);
	CU_ASSERT_EQUAL(off.synced_connections, -1);
	CU_ASSERT(on.synced_connections > 0);
	CU_ASSERT(on.broken_connections * 10 < off.broken_connections);
	/* the same connections are in flight either way */
	CU_ASSERT_EQUAL(on.broken_connections + (uint64_t)on.synced_connections,
			off.broken_connections);
	CU_ASSERT_DOUBLE_EQUAL(on.takeover_s, off.takeover_s, 1e-9);
}

/*
 * Two directors, each with the instances VI_EXT (VRID 61, 192.0.2.100, the
 * clients' target) and VI_INT (VRID 62, 172.16.10.1), lb1 at priority 120,
 * lb2 at 110; on lb1 only VI_INT tracks a script (weight 0: FAULT when it
 * fails). With <group> both instances of each director are in one
 * vrrp_sync_group. <globals> is text at the top of each director block,
 * <client_keys> extra keys of the clients block, <faults> the body of the
 * fault block. NULL on error.
 */
static struct scenario *ha_load_pair(bool group, const char *globals, const char *client_keys,
				     const char *faults)
{
	static const char dir[] =
		"director %s {\n%s%s"
		"  vrrp_script chk_int {\n    script \"/bin/true\"\n    interval 1\n  }\n"
		"  vrrp_instance VI_EXT {\n    state BACKUP\n    interface eth0\n"
		"    virtual_router_id 61\n    priority %d\n    advert_int 1\n"
		"    virtual_ipaddress {\n      192.0.2.100/24\n    }\n  }\n"
		"  vrrp_instance VI_INT {\n    state BACKUP\n    interface eth1\n"
		"    virtual_router_id 62\n    priority %d\n    advert_int 1\n"
		"    virtual_ipaddress {\n      172.16.10.1/24\n    }\n%s  }\n"
		"  virtual_server 192.0.2.100 443 {\n    lb_algo rr\n    lb_kind NAT\n"
		"    protocol TCP\n    real_server 172.16.10.21 8443 {\n      weight 1\n    }\n"
		"  }\n}\n";
	const char *sg = group ? "  vrrp_sync_group SG {\n    group {\n      VI_EXT\n"
				 "      VI_INT\n    }\n  }\n"
			       : "";
	struct scenario *scn;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "simulation { duration 30s warmup 5s seed 1 }\n"
		   "clients web { sources 192.0.2.0/24 arrival poisson 50/s\n"
		   "  target 192.0.2.100:443 service exponential 5ms %s }\n"
		   "server 172.16.10.21 { workers 4 }\n", client_keys);
	fprintf(f, dir, "lb1", globals, sg, 120, 120,
		"    track_script {\n      chk_int\n    }\n");
	fprintf(f, dir, "lb2", globals, sg, 110, 110, "");
	fprintf(f, "fault { %s }\n", faults);
	fclose(f);
	scn = test_scenario_text(text, NULL, 0);
	free(text);
	return scn;
}

/* The pair of ha_load_pair whose lb1 VI_INT's script fails at 15 s. */
static struct scenario *ha_load_group(bool group)
{
	return ha_load_pair(group, "", "", "at 15s fail script chk_int on lb1");
}

/* Did instance <inst> of <dir> go to (to) or leave (!to) MASTER at or after <from_s>? */
static bool ha_inst_master(const struct run_result *r, const char *dir, const char *inst,
			   bool to, double from_s)
{
	for (size_t i = 0; i < r->ntransitions; i++) {
		const struct run_transition *t = &r->transitions[i];

		if (t->t_s >= from_s && !strcmp(t->director, dir) && !strcmp(t->instance, inst) &&
		    !strcmp(to ? t->to : t->from, "MASTER"))
			return true;
	}
	return false;
}

/*
 * Only lb1's VI_INT has a fault cause. Alone, it goes FAULT and lb2 takes
 * VRID 62 only; in a sync group VI_EXT follows it out of MASTER, so lb2
 * becomes master of both and the two VIPs stay together.
 */
static void test_sync_group(void)
{
	for (int group = 0; group < 2; group++) {
		struct scenario *scn = ha_load_group(group);
		struct run_result *r;

		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		r = ha_run(scn);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT(ha_inst_master(r, "lb1", "VI_EXT", true, 0));
		CU_ASSERT(ha_inst_master(r, "lb1", "VI_INT", true, 0));
		CU_ASSERT(!ha_inst_master(r, "lb1", "VI_EXT", true, 15));
		CU_ASSERT(ha_inst_master(r, "lb1", "VI_INT", false, 15));
		CU_ASSERT(ha_inst_master(r, "lb2", "VI_INT", true, 15));
		CU_ASSERT_EQUAL(ha_inst_master(r, "lb1", "VI_EXT", false, 15), group);
		CU_ASSERT_EQUAL(ha_inst_master(r, "lb2", "VI_EXT", true, 15), group);
		CU_ASSERT_EQUAL(r->split_brain_s, 0);
		/*
		 * One failover per instance that left MASTER, told apart by
		 * their names: VI_INT's FAULT first, then (group) VI_EXT's.
		 */
		CU_ASSERT_EQUAL_FATAL(r->nfailovers, 1 + (size_t)group);
		CU_ASSERT_STRING_EQUAL(r->failovers[0].instance, "VI_INT");
		CU_ASSERT_STRING_EQUAL(r->failovers[0].vips, "172.16.10.1");
		if (group) {
			CU_ASSERT_STRING_EQUAL(r->failovers[1].instance, "VI_EXT");
			CU_ASSERT_STRING_EQUAL(r->failovers[1].vips, "192.0.2.100");
		}
		for (size_t i = 0; i < r->nfailovers; i++) {
			CU_ASSERT_DOUBLE_EQUAL(r->failovers[i].fault_at_s, 15, 1e-9);
			CU_ASSERT_STRING_EQUAL(r->failovers[i].from, "lb1");
			CU_ASSERT_STRING_EQUAL(r->failovers[i].to, "lb2");
		}
		run_result_free(r);
		scenario_free(scn);
	}
}

/*
 * A stop of lb1 moves its sync group (VI_EXT, then VI_INT: two failovers)
 * with connections of three requests open to VI_EXT's VIP, the only one the
 * clients use. Whatever those connections and requests go through is
 * VI_EXT's: broken (without lvs_sync_daemon) or synced (with it), and the
 * requests lost in the outage; VI_INT's failover, the latest one, counts
 * nothing. The run's totals stay whole.
 */
static void test_group_counts(void)
{
	for (int sync = 0; sync < 2; sync++) {
		struct scenario *scn = ha_load_pair(
			true, sync ? "  global_defs {\n    lvs_sync_daemon eth0 id 7\n  }\n" : "",
			"requests deterministic 3 think exponential 1s",
			"at 15.2s stop director lb1");
		const struct run_failover *ext, *in;
		struct run_result *r;

		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		r = ha_run(scn);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL_FATAL(r->nfailovers, 2);
		ext = &r->failovers[0];
		in = &r->failovers[1];
		CU_ASSERT_STRING_EQUAL(ext->instance, "VI_EXT");
		CU_ASSERT_STRING_EQUAL(in->instance, "VI_INT");
		if (sync) {
			CU_ASSERT(ext->synced_connections > 0);
			CU_ASSERT_EQUAL(in->synced_connections, 0);
		} else {
			CU_ASSERT(ext->broken_connections > 0);
			CU_ASSERT_EQUAL(ext->synced_connections, -1);
			CU_ASSERT_EQUAL(in->synced_connections, -1);
		}
		CU_ASSERT_EQUAL(in->broken_connections, 0);
		CU_ASSERT(ext->failed_during > 0);
		CU_ASSERT(ext->failed_during <= (int64_t)r->failed);
		CU_ASSERT(ext->refused_during <= (int64_t)r->refused);
		CU_ASSERT_EQUAL(in->failed_during, 0);
		CU_ASSERT_EQUAL(in->timed_out_during, 0);
		CU_ASSERT_EQUAL(in->refused_during, 0);
		run_result_free(r);
		scenario_free(scn);
	}
}

/*
 * lb1 is master of VI_4 (VRID 81, 10.0.0.1, advert 3 s) and VI_6 (VRID 82,
 * 2001:db8::1, VRRPv3 over IPv6, advert 1 s) when it crashes at 20 s; lb2 takes VI_6 over
 * first, then VI_4. An IPv6 VIP has no ARP entry, so VI_6's failover never
 * reaches the router: VI_4's GARPs from lb2, for VI_4's VIP, must not
 * complete it.
 */
static void test_garp_own_vip(void)
{
	static const char dir[] =
		"director %s {\n"
		"  vrrp_instance VI_4 {\n    state BACKUP\n    interface eth0\n"
		"    virtual_router_id 81\n    priority %d\n    advert_int 3\n"
		"    virtual_ipaddress {\n      10.0.0.1/24\n    }\n  }\n"
		"  vrrp_instance VI_6 {\n    state BACKUP\n    interface eth0\n"
		"    virtual_router_id 82\n    priority %d\n    advert_int 1\n"
		"    mcast_src_ip 2001:db8::%d\n"
		"    virtual_ipaddress {\n      2001:db8::1/64\n    }\n  }\n"
		"  virtual_server 10.0.0.1 80 {\n    lb_algo rr\n    lb_kind NAT\n"
		"    protocol TCP\n    real_server 172.16.10.21 80 {\n      weight 1\n    }\n"
		"  }\n}\n";
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const struct run_failover *v4, *v6;
	struct scenario *scn;
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "simulation { duration 40s warmup 1s seed 1 }\n"
		   "clients web { sources 192.0.2.0/24 arrival poisson 50/s\n"
		   "  target 10.0.0.1:80 service exponential 5ms }\n"
		   "server 172.16.10.21 { workers 4 }\n");
	fprintf(f, dir, "lb1", 150, 150, 11);
	fprintf(f, dir, "lb2", 100, 100, 12);
	fprintf(f, "fault { at 20s crash director lb1 }\n");
	fclose(f);
	scn = test_scenario_text(text, NULL, 0);
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->nfailovers, 2);
	v4 = &r->failovers[0];
	v6 = &r->failovers[1];
	CU_ASSERT_STRING_EQUAL(v4->instance, "VI_4");
	CU_ASSERT_STRING_EQUAL(v6->instance, "VI_6");
	/* VI_6's adverts (to ff02::12, not vrrp_mcast_group4) reach lb2: no split brain */
	CU_ASSERT_EQUAL(r->split_brain_s, 0);
	CU_ASSERT_STRING_EQUAL(v6->to, "lb2");
	CU_ASSERT(v6->detected_s > 20 && v6->detected_s < v4->detected_s);
	CU_ASSERT(v4->master_at_s >= v4->detected_s && v4->master_at_s < v4->detected_s + 0.001);
	CU_ASSERT_EQUAL(v6->master_at_s, -1);
	CU_ASSERT_EQUAL(v6->takeover_s, -1);
	run_result_free(r);
	scenario_free(scn);
}

/*
 * A lone director whose instance holds 30 VIPs crashes: nobody takes over
 * (to is ""), and the VIP list stops at a whole address before ",...".
 */
static void test_no_successor(void)
{
	char *text = NULL, want[256];
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&text, &len);
	struct scenario *scn;
	struct run_result *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "simulation { duration 15s warmup 1s seed 1 }\n"
		   "clients web { sources 192.0.2.0/24 arrival poisson 50/s\n"
		   "  target 10.0.0.1:80 service exponential 5ms }\n"
		   "server 172.16.10.21 { workers 4 }\n"
		   "director lb1 {\n  vrrp_instance VI_MANY {\n    state BACKUP\n"
		   "    interface eth0\n    virtual_router_id 71\n    priority 100\n"
		   "    virtual_ipaddress {\n");
	for (int i = 1; i <= 30; i++)
		fprintf(f, "      10.0.0.%d/24\n", i);
	fprintf(f, "    }\n  }\n  virtual_server 10.0.0.1 80 {\n    lb_algo rr\n"
		   "    lb_kind NAT\n    protocol TCP\n"
		   "    real_server 172.16.10.21 80 {\n      weight 1\n    }\n  }\n}\n"
		   "fault { at 10s crash director lb1 }\n");
	fclose(f);
	scn = test_scenario_text(text, NULL, 0);
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	r = ha_run(scn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->nfailovers, 1);
	CU_ASSERT_STRING_EQUAL(r->failovers[0].instance, "VI_MANY");
	CU_ASSERT_STRING_EQUAL(r->failovers[0].from, "lb1");
	CU_ASSERT_STRING_EQUAL(r->failovers[0].to, "");
	CU_ASSERT(r->failovers[0].detected_s < 0);
	/* 10.0.0.1 to 10.0.0.26 fit in 255 characters with ",..." after them */
	for (int i = 1; i <= 26; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "10.0.0.%d,", i);
	snprintf(want + n, sizeof(want) - n, "...");
	CU_ASSERT_STRING_EQUAL(r->failovers[0].vips, want);
	run_result_free(r);
	scenario_free(scn);
}

/* Batches sent while lb1 and lb2 are partitioned are lost: more breaks. */
static void test_sync_partition(void)
{
	struct run_failover on, cut;

	CU_ASSERT_FATAL(ha_failover_of("at 30.2s stop director lb1", true, &on));
	CU_ASSERT_FATAL(ha_failover_of("at 29s partition lb1 lb2\n at 30.1s heal\n"
				       " at 30.2s stop director lb1",
				       true, &cut));
	CU_ASSERT(cut.broken_connections > on.broken_connections + 50);
	CU_ASSERT(cut.synced_connections < on.synced_connections);
}

int test_ha_register(void)
{
	CU_pSuite s = CU_add_suite("ha", NULL, NULL);

	if (!s || !CU_add_test(s, "crash: lb2 takes over", test_crash) ||
	    !CU_add_test(s, "crash with client timeouts", test_crash_timeouts) ||
	    !CU_add_test(s, "graceful stop", test_stop) ||
	    !CU_add_test(s, "partition and heal", test_partition) ||
	    !CU_add_test(s, "block vrrp, failing script", test_block_and_script) ||
	    !CU_add_test(s, "determinism", test_determinism) ||
	    !CU_add_test(s, "connection sync saves a stop", test_sync_stop) ||
	    !CU_add_test(s, "connection sync lost in a partition", test_sync_partition) ||
	    !CU_add_test(s, "sync group fails over as one", test_sync_group) ||
	    !CU_add_test(s, "sync group: each failover counts its VIPs'", test_group_counts) ||
	    !CU_add_test(s, "a GARP completes its own instance's failover", test_garp_own_vip) ||
	    !CU_add_test(s, "no successor, many VIPs", test_no_successor))
		return CU_get_error();
	return CUE_SUCCESS;
}
