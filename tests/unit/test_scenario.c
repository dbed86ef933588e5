/*
 * tests/unit/test_scenario.c - scenario loading: the keepalived fixtures,
 * every lbsim block, defaults, units, address ranges, --set overrides and
 * a table of bad scenarios with their file:line:col and message.
 *
 * Run by lbsim-test (suite "scenario"); reads tests/data/keepalived/ and
 * tests/data/scenarios/.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "scenarios/lang/scenario.h"
#include "scenarios/lang/units.h"
#include "tests/test.h"

#define KAD_DIR TEST_DATA_DIR "/keepalived"
#define SCN_DIR TEST_DATA_DIR "/scenarios"

static struct scenario *load(const char *path, const struct scn_set *sets, size_t nsets)
{
	struct scenario *scn = NULL;
	char err[1024] = "";

	if (scenario_load(path, sets, nsets, &scn, err, sizeof(err))) {
		fprintf(stderr, "\n%s: unexpected error: %s\n", path, err);
		return NULL;
	}
	return scn;
}

static size_t count_warnings(const struct scenario *scn, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < scn->nwarnings; i++)
		n += strstr(scn->warnings[i], needle) != NULL;
	return n;
}

static struct lb_addr addr(const char *s)
{
	struct lb_addr a = { 0 };

	CU_ASSERT_EQUAL(lb_addr_parse(s, &a), 0);
	return a;
}

static bool addr_is(const struct lb_addr *a, const char *s)
{
	struct lb_addr b = addr(s);

	return lb_addr_eq(a, &b);
}

static void check_rs(const struct scn_rs *rs, const char *a, uint16_t port, int weight)
{
	CU_ASSERT_TRUE(addr_is(&rs->addr, a));
	CU_ASSERT_EQUAL(rs->port, port);
	CU_ASSERT_EQUAL(rs->weight, weight);
}

/* ---- the keepalived fixtures ---- */

static void test_fixture_dr_http(void)
{
	static const char *const files[] = { KAD_DIR "/dr-http.lb1.conf",
					     KAD_DIR "/dr-http.lb2.conf" };

	for (int f = 0; f < 2; f++) {
		struct scenario *scn = load(files[f], NULL, 0);
		const struct scn_vs *vs;

		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		CU_ASSERT_TRUE(scn->nwarnings > 0);
		CU_ASSERT_EQUAL(count_warnings(scn, "'vrrp_instance' is not modelled yet"), 0);
		CU_ASSERT_EQUAL(count_warnings(scn, "'vrrp_script' is not modelled yet"), 0);
		CU_ASSERT_EQUAL(count_warnings(scn, "'router_id' is not modelled yet"), 0);
		CU_ASSERT_EQUAL(count_warnings(scn, "'script_user' is not modelled yet"), 1);
		CU_ASSERT_EQUAL(count_warnings(scn, "'HTTP_GET' is not modelled yet"), 0);
		CU_ASSERT_EQUAL(count_warnings(scn, "'quorum' is not modelled yet"), 0);
		/* the three real servers and the sorry server */
		CU_ASSERT_EQUAL(count_warnings(scn, "4 real server(s) have no server block"), 1);
		CU_ASSERT_EQUAL_FATAL(scn->ndirectors, 1);
		CU_ASSERT_STRING_EQUAL(scn->directors[0].name, "director");
		CU_ASSERT_EQUAL(scn->directors[0].cpu_per_packet_ns, 1000);
		CU_ASSERT_EQUAL_FATAL(scn->directors[0].nvs, 1);
		vs = &scn->directors[0].vs[0];
		CU_ASSERT_TRUE(addr_is(&vs->addr, "10.10.0.100"));
		CU_ASSERT_EQUAL(vs->port, 80);
		CU_ASSERT_STRING_EQUAL(vs->sched, "wlc");
		CU_ASSERT_EQUAL(vs->kind, LB_KIND_DR);
		CU_ASSERT_EQUAL(vs->proto, LB_PROTO_TCP);
		CU_ASSERT_EQUAL(vs->persistence_timeout_s, 0);
		CU_ASSERT_EQUAL_FATAL(vs->nrs, 3);
		check_rs(&vs->rs[0], "10.10.0.21", 80, 100);
		check_rs(&vs->rs[1], "10.10.0.22", 80, 100);
		check_rs(&vs->rs[2], "10.10.0.23", 80, 50);
		CU_ASSERT_FALSE(vs->rs[0].inhibit_on_failure);
		CU_ASSERT_TRUE(vs->rs[2].inhibit_on_failure);
		CU_ASSERT_EQUAL(vs->rs[0].loc.line, 55);
		CU_ASSERT_EQUAL(vs->rs[0].loc.col, 5);
		CU_ASSERT_EQUAL(scn->nservers, 4);
		CU_ASSERT_TRUE(scn->nservers == 4 && scn->servers[3].implicit);
		/* health checking: VS timings, quorum, sorry server; HTTP_GET urls */
		CU_ASSERT_EQUAL(vs->delay_loop_ns, 3 * SIM_SEC);
		CU_ASSERT_EQUAL(vs->connect_timeout_ns, 5 * SIM_SEC);
		CU_ASSERT_EQUAL(vs->retry, CHECK_UNSET);
		CU_ASSERT_TRUE(vs->alpha);
		CU_ASSERT_EQUAL(vs->quorum, 150);
		CU_ASSERT_EQUAL(vs->hysteresis, 20);
		CU_ASSERT_TRUE(vs->sorry_server);
		CU_ASSERT_TRUE(addr_is(&vs->sorry_addr, "10.10.0.29"));
		CU_ASSERT_EQUAL(vs->sorry_port, 80);
		CU_ASSERT_EQUAL_FATAL(vs->rs[0].ncheckers, 1);
		{
			const struct check_conf *c = &vs->rs[0].checkers[0].conf;

			CU_ASSERT_EQUAL(c->kind, CHECK_HTTP);
			CU_ASSERT_EQUAL(c->connect_timeout_ns, 2 * SIM_SEC);
			CU_ASSERT_EQUAL(c->retry, 2);
			CU_ASSERT_EQUAL(c->delay_before_retry_ns, SIM_SEC);
			CU_ASSERT_EQUAL(c->delay_loop_ns, CHECK_UNSET);
			CU_ASSERT_EQUAL_FATAL(c->n_urls, 2);
			CU_ASSERT_EQUAL(c->urls[0].n_status, 1);
			CU_ASSERT_EQUAL(c->urls[0].status[0].lo, 200);
			CU_ASSERT_STRING_EQUAL(c->urls[1].digest, "5d41402abc4b2a76b9719d911017c592");
			CU_ASSERT_EQUAL(c->urls[1].n_status, 0);
			c = &vs->rs[2].checkers[0].conf;
			CU_ASSERT_EQUAL_FATAL(c->n_urls, 1);
			CU_ASSERT_STRING_EQUAL(c->urls[0].path, "/healthz");
			CU_ASSERT_EQUAL(c->urls[0].n_status, 2);
			CU_ASSERT_EQUAL(c->urls[0].status[0].hi, 299);
			CU_ASSERT_EQUAL(c->urls[0].status[1].lo, 304);
		}
		CU_ASSERT_EQUAL(scn->nclients, 0);
		scenario_free(scn);
	}
}

static void test_fixture_nat_sync(void)
{
	static const char *const files[] = { KAD_DIR "/nat-sync.lb1.conf",
					     KAD_DIR "/nat-sync.lb2.conf" };

	for (int f = 0; f < 2; f++) {
		struct scenario *scn = load(files[f], NULL, 0);
		const struct scn_vs *vs;

		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		CU_ASSERT_EQUAL(count_warnings(scn, "'vrrp_sync_group' is not modelled yet"), 0);
		CU_ASSERT_EQUAL(count_warnings(scn, "'ops' is not modelled yet"), 1);
		CU_ASSERT_EQUAL_FATAL(scn->ndirectors, 1);
		CU_ASSERT_EQUAL_FATAL(scn->directors[0].nvs, 2);
		vs = &scn->directors[0].vs[0];
		CU_ASSERT_TRUE(addr_is(&vs->addr, "192.0.2.100"));
		CU_ASSERT_EQUAL(vs->port, 443);
		CU_ASSERT_STRING_EQUAL(vs->sched, "wrr");
		CU_ASSERT_EQUAL(vs->kind, LB_KIND_NAT);
		CU_ASSERT_EQUAL(vs->proto, LB_PROTO_TCP);
		CU_ASSERT_EQUAL(vs->persistence_timeout_s, 600);
		CU_ASSERT_TRUE(addr_is(&vs->persistence_mask, "255.255.255.0"));
		CU_ASSERT_EQUAL_FATAL(vs->nrs, 3);
		check_rs(&vs->rs[0], "172.16.10.21", 8443, 3);
		check_rs(&vs->rs[1], "172.16.10.22", 8443, 2);
		check_rs(&vs->rs[2], "172.16.10.23", 8443, 1);
		CU_ASSERT_TRUE(vs->rs[1].inhibit_on_failure);
		vs = &scn->directors[0].vs[1];
		CU_ASSERT_EQUAL(vs->port, 53);
		CU_ASSERT_STRING_EQUAL(vs->sched, "rr");
		CU_ASSERT_EQUAL(vs->kind, LB_KIND_NAT);
		CU_ASSERT_EQUAL(vs->proto, LB_PROTO_UDP);
		CU_ASSERT_EQUAL(vs->persistence_timeout_s, 0);
		CU_ASSERT_TRUE(addr_is(&vs->persistence_mask, "255.255.255.255"));
		CU_ASSERT_EQUAL_FATAL(vs->nrs, 2);
		check_rs(&vs->rs[0], "172.16.10.21", 53, 1);
		check_rs(&vs->rs[1], "172.16.10.22", 53, 1);
		CU_ASSERT_EQUAL_FATAL(vs->rs[0].ncheckers, 1);
		CU_ASSERT_EQUAL(vs->rs[0].checkers[0].conf.kind, CHECK_DNS);
		CU_ASSERT_EQUAL(vs->rs[0].checkers[0].conf.retry, CHECK_UNSET);
		CU_ASSERT_EQUAL(vs->delay_loop_ns, 10 * SIM_SEC);
		/* the three real servers and the sorry server 172.16.10.29 */
		CU_ASSERT_EQUAL(scn->nservers, 4);
		vs = &scn->directors[0].vs[0];
		CU_ASSERT_TRUE(vs->sorry_server && vs->sorry_port == 8443);
		CU_ASSERT_EQUAL(vs->delay_loop_ns, 5 * SIM_SEC);
		CU_ASSERT_EQUAL_FATAL(vs->rs[0].ncheckers, 1);
		CU_ASSERT_EQUAL(vs->rs[0].checkers[0].conf.kind, CHECK_TCP);
		CU_ASSERT_EQUAL(vs->rs[0].checkers[0].conf.retry, 3);
		CU_ASSERT_EQUAL(vs->rs[0].checkers[0].conf.connect_timeout_ns, 2 * SIM_SEC);
		CU_ASSERT_EQUAL_FATAL(vs->rs[2].ncheckers, 1);
		CU_ASSERT_EQUAL(vs->rs[2].checkers[0].conf.kind, CHECK_MISC);
		CU_ASSERT_EQUAL(vs->rs[2].checkers[0].conf.misc_timeout_ns, 4 * SIM_SEC);
		CU_ASSERT_STRING_EQUAL(vs->rs[2].checkers[0].misc_path,
				       "/usr/local/lib/lbsim/check_rs.sh 172.16.10.23 8443");
		scenario_free(scn);
	}
}

static void test_fixture_dual_master(void)
{
	static const char *const files[] = { KAD_DIR "/dual-master.lb1.conf",
					     KAD_DIR "/dual-master.lb2.conf" };

	for (int f = 0; f < 2; f++) {
		struct scenario *scn = load(files[f], NULL, 0);
		const struct scn_director *d;

		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		CU_ASSERT_EQUAL(count_warnings(scn, "is not modelled yet"),
				count_warnings(scn, "'script_user'") +
					count_warnings(scn, "'enable_script_security'") +
					count_warnings(scn, "'connect_port'"));
		CU_ASSERT_EQUAL(count_warnings(scn, "'SSL_GET' is not modelled yet"), 0);
		CU_ASSERT_EQUAL_FATAL(scn->ndirectors, 1);
		d = &scn->directors[0];
		/* "virtual_server group WEB_AA" is one service per group member */
		CU_ASSERT_EQUAL_FATAL(d->nvs, 3);
		for (int v = 0; v < 2; v++) {
			CU_ASSERT_TRUE(addr_is(&d->vs[v].addr, v ? "10.20.0.102" : "10.20.0.101"));
			CU_ASSERT_EQUAL(d->vs[v].port, 80);
			CU_ASSERT_STRING_EQUAL(d->vs[v].sched, "lc");
			CU_ASSERT_EQUAL(d->vs[v].kind, LB_KIND_DR);
			CU_ASSERT_EQUAL(d->vs[v].proto, LB_PROTO_TCP);
			CU_ASSERT_EQUAL_FATAL(d->vs[v].nrs, 4);
			check_rs(&d->vs[v].rs[0], "10.20.0.21", 80, 10);
			check_rs(&d->vs[v].rs[3], "10.20.0.24", 80, 10);
		}
		CU_ASSERT_EQUAL(d->vs[2].fwmark, 10);
		CU_ASSERT_EQUAL(d->vs[2].addr.af, 0);
		CU_ASSERT_STRING_EQUAL(d->vs[2].sched, "sh");
		CU_ASSERT_EQUAL(d->vs[2].kind, LB_KIND_DR);
		CU_ASSERT_EQUAL(d->vs[2].persistence_timeout_s, 900);
		CU_ASSERT_EQUAL_FATAL(d->vs[2].nrs, 2);
		check_rs(&d->vs[2].rs[0], "10.20.0.21", 0, 1); /* DR + fwmark: no port */
		check_rs(&d->vs[2].rs[1], "10.20.0.22", 0, 1);
		CU_ASSERT_EQUAL(scn->nservers, 4);
		scenario_free(scn);
	}
}

/* ---- VRRP: the fixtures' vrrp_instance, vrrp_script, vrrp_sync_group ---- */

static void test_vrrp_dr_http(void)
{
	static const char *const files[] = { KAD_DIR "/dr-http.lb1.conf",
					     KAD_DIR "/dr-http.lb2.conf" };

	for (int f = 0; f < 2; f++) {
		struct scenario *scn = load(files[f], NULL, 0);
		const struct scn_director *d;
		const struct scn_vrrp_instance *v;
		const struct scn_vrrp_script *sc;

		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		d = &scn->directors[0];
		CU_ASSERT_STRING_EQUAL(d->vrrp.router_id, f ? "lb2" : "lb1");
		CU_ASSERT_EQUAL(d->vrrp.version, 2);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_delay_s, 5);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_repeat, 3);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_refresh_s, 60);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_refresh_repeat, 1);
		CU_ASSERT_EQUAL(d->vrrp.garp_lower_prio_repeat, 3);
		CU_ASSERT_EQUAL(d->vrrp.down_timer_adverts, 3);
		CU_ASSERT_FALSE(d->vrrp.strict);
		CU_ASSERT_TRUE(addr_is(&d->vrrp.mcast_group4, "224.0.0.18"));
		CU_ASSERT_STRING_EQUAL(d->vrrp.sync_if, "eth0");
		CU_ASSERT_STRING_EQUAL(d->vrrp.sync_inst, "VI_WEB");
		CU_ASSERT_EQUAL(d->vrrp.sync_id, 51);
		CU_ASSERT_EQUAL_FATAL(d->nscripts, 1);
		sc = &d->scripts[0];
		CU_ASSERT_STRING_EQUAL(sc->name, "chk_director");
		CU_ASSERT_STRING_EQUAL(sc->script, "/usr/bin/test -d /proc/sys/net/ipv4/vs");
		CU_ASSERT_EQUAL(sc->interval_s, 2);
		CU_ASSERT_EQUAL(sc->timeout_s, 1);
		CU_ASSERT_EQUAL(sc->rise, 2);
		CU_ASSERT_EQUAL(sc->fall, 2);
		CU_ASSERT_EQUAL(sc->weight, -60);
		CU_ASSERT_FALSE(sc->init_fail);
		CU_ASSERT_EQUAL_FATAL(d->ninstances, 1);
		v = &d->instances[0];
		CU_ASSERT_STRING_EQUAL(v->name, "VI_WEB");
		CU_ASSERT_EQUAL(v->state_master, f == 0);
		CU_ASSERT_STRING_EQUAL(v->interface, "eth0");
		CU_ASSERT_EQUAL(v->vrid, 51);
		CU_ASSERT_EQUAL(v->priority, f ? 100 : 150);
		CU_ASSERT_EQUAL(v->advert_int_us, 1000000);
		CU_ASSERT_EQUAL(v->version, 2);
		CU_ASSERT_EQUAL(v->auth_type, SCN_VRRP_AUTH_PASS);
		CU_ASSERT_STRING_EQUAL(v->auth_pass, "lbsim51");
		CU_ASSERT_EQUAL_FATAL(v->nvips, 1);
		CU_ASSERT_TRUE(addr_is(&v->vips[0].addr, "10.10.0.100"));
		CU_ASSERT_EQUAL(v->vips[0].prefix, 24);
		CU_ASSERT_STRING_EQUAL(v->vips[0].dev, "eth0");
		CU_ASSERT_STRING_EQUAL(v->vips[0].label, "eth0:web");
		CU_ASSERT_EQUAL_FATAL(v->ntrack_script, 1);
		CU_ASSERT_STRING_EQUAL(v->track_script[0].name, "chk_director");
		CU_ASSERT_EQUAL(v->track_script[0].weight, -60); /* the script's */
		CU_ASSERT_FALSE(v->nopreempt);
		CU_ASSERT_EQUAL(v->preempt_delay_ns, 0);
		CU_ASSERT_EQUAL(v->garp_master_delay_s, 5);
		CU_ASSERT_EQUAL(v->garp_master_repeat, 3);
		CU_ASSERT_EQUAL(v->garp_master_refresh_s, 60);
		CU_ASSERT_TRUE(v->accept);
		CU_ASSERT_STRING_EQUAL(v->notify.notify, "/usr/local/lib/lbsim/notify.sh");
		CU_ASSERT_PTR_NULL(v->notify.master);
		CU_ASSERT_PTR_NULL(v->sync_group);
		CU_ASSERT_EQUAL(v->loc.line, 26);
		scenario_free(scn);
	}
}

static void test_vrrp_nat_sync(void)
{
	static const char *const files[] = { KAD_DIR "/nat-sync.lb1.conf",
					     KAD_DIR "/nat-sync.lb2.conf" };

	for (int f = 0; f < 2; f++) {
		struct scenario *scn = load(files[f], NULL, 0);
		const struct scn_director *d;
		const struct scn_vrrp_sync_group *g;

		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		d = &scn->directors[0];
		CU_ASSERT_STRING_EQUAL(d->vrrp.router_id, f ? "nat-lb2" : "nat-lb1");
		/* vrrp_min_garp: repeat 1, no second burst, no refresh */
		CU_ASSERT_TRUE(d->vrrp.min_garp);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_repeat, 1);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_delay_s, 0);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_refresh_s, 0);
		CU_ASSERT_PTR_NULL(d->vrrp.sync_if);
		CU_ASSERT_EQUAL(d->vrrp.sync_id, 0);
		CU_ASSERT_EQUAL(d->nscripts, 0);
		CU_ASSERT_EQUAL_FATAL(d->nsync_groups, 1);
		g = &d->sync_groups[0];
		CU_ASSERT_STRING_EQUAL(g->name, "SG_NAT");
		CU_ASSERT_EQUAL_FATAL(g->ninstances, 2);
		CU_ASSERT_STRING_EQUAL(g->instances[0], "VI_EXT");
		CU_ASSERT_STRING_EQUAL(g->instances[1], "VI_INT");
		CU_ASSERT_STRING_EQUAL(g->notify.master, "/usr/local/lib/lbsim/nat-role.sh master");
		CU_ASSERT_STRING_EQUAL(g->notify.fault, "/usr/local/lib/lbsim/nat-role.sh fault");
		CU_ASSERT_EQUAL_FATAL(d->ninstances, 2);
		for (int i = 0; i < 2; i++) {
			const struct scn_vrrp_instance *v = &d->instances[i];

			CU_ASSERT_STRING_EQUAL(v->name, i ? "VI_INT" : "VI_EXT");
			CU_ASSERT_FALSE(v->state_master);
			CU_ASSERT_STRING_EQUAL(v->interface, i ? "eth1" : "eth0");
			CU_ASSERT_EQUAL(v->vrid, i ? 62 : 61);
			CU_ASSERT_EQUAL(v->priority, f ? 110 : 120);
			CU_ASSERT_EQUAL(v->advert_int_us, 1000000);
			CU_ASSERT_EQUAL(v->preempt_delay_ns, f ? 0 : 15 * SIM_SEC);
			CU_ASSERT_EQUAL(v->auth_type, SCN_VRRP_AUTH_NONE);
			CU_ASSERT_EQUAL(v->garp_master_repeat, 1);
			CU_ASSERT_EQUAL_FATAL(v->nvips, 1);
			CU_ASSERT_TRUE(addr_is(&v->vips[0].addr, i ? "172.16.10.1" : "192.0.2.100"));
			CU_ASSERT_EQUAL(v->vips[0].prefix, 24);
			CU_ASSERT_EQUAL_FATAL(v->ntrack_if, 1);
			CU_ASSERT_STRING_EQUAL(v->track_if[0].name, i ? "eth0" : "eth1");
			CU_ASSERT_EQUAL(v->track_if[0].weight, 0);
			CU_ASSERT_STRING_EQUAL(v->sync_group, "SG_NAT");
		}
		scenario_free(scn);
	}
}

static void test_vrrp_dual_master(void)
{
	static const char *const files[] = { KAD_DIR "/dual-master.lb1.conf",
					     KAD_DIR "/dual-master.lb2.conf" };

	for (int f = 0; f < 2; f++) {
		struct scenario *scn = load(files[f], NULL, 0);
		const struct scn_director *d;

		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		d = &scn->directors[0];
		CU_ASSERT_EQUAL(d->vrrp.version, 3);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_repeat, 2);
		CU_ASSERT_EQUAL(d->vrrp.garp_master_delay_s, 2);
		CU_ASSERT_EQUAL_FATAL(d->nscripts, 1);
		CU_ASSERT_EQUAL(d->scripts[0].interval_s, 1);
		CU_ASSERT_EQUAL(d->scripts[0].timeout_s, 1); /* = interval */
		CU_ASSERT_EQUAL(d->scripts[0].fall, 3);
		CU_ASSERT_EQUAL(d->scripts[0].rise, 2);
		CU_ASSERT_EQUAL(d->scripts[0].weight, 0);
		CU_ASSERT_EQUAL(d->nsync_groups, 0);
		CU_ASSERT_EQUAL_FATAL(d->ninstances, 2);
		for (int i = 0; i < 2; i++) {
			const struct scn_vrrp_instance *v = &d->instances[i];
			/* mirrored priorities; preempt_delay on the preferred one */
			bool home = (i == 0) == (f == 0);

			CU_ASSERT_STRING_EQUAL(v->name, i ? "VI_B" : "VI_A");
			CU_ASSERT_EQUAL(v->vrid, i ? 72 : 71);
			CU_ASSERT_EQUAL(v->priority, home ? 150 : 100);
			CU_ASSERT_EQUAL(v->preempt_delay_ns, home ? 5 * SIM_SEC : 0);
			CU_ASSERT_EQUAL(v->version, 3);
			CU_ASSERT_EQUAL(v->advert_int_us, 500000);
			CU_ASSERT_TRUE(addr_is(&v->unicast_src, f ? "10.20.0.12" : "10.20.0.11"));
			CU_ASSERT_EQUAL_FATAL(v->nunicast_peers, 1);
			CU_ASSERT_TRUE(addr_is(&v->unicast_peers[0], f ? "10.20.0.11" : "10.20.0.12"));
			CU_ASSERT_EQUAL(v->mcast_src.af, 0);
			CU_ASSERT_EQUAL_FATAL(v->nvips, 1);
			CU_ASSERT_TRUE(addr_is(&v->vips[0].addr, i ? "10.20.0.102" : "10.20.0.101"));
			CU_ASSERT_EQUAL_FATAL(v->ntrack_script, 1);
			CU_ASSERT_EQUAL(v->track_script[0].weight, 0);
			CU_ASSERT_EQUAL(v->garp_master_repeat, 2);
		}
		scenario_free(scn);
	}
}

/* keepalived's corrections: warnings, not errors (spec 3.4, 3.7, 4.4, 4.6). */
static void test_vrrp_corrections(void)
{
	struct scenario *scn = load(SCN_DIR "/vrrp-corrections.conf", NULL, 0);
	const struct scn_director *d;
	const struct scn_vrrp_instance *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(count_warnings(scn, "'script_user' is not modelled yet"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, "'use_vmac' is not modelled yet"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, "vrrp_script no_command has no script; dropped"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, "weight 254 clamped to 253"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, ":31:11: warning: priority '300' is invalid"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, "auth_pass is truncated to 8"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, ":20:13: warning: VRRPv2 advert_int is whole"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, "nopreempt does not work with state MASTER"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, ":24:3: warning: vrrp_instance VI_1: track_script "
					    "'nope' names no vrrp_script"),
			1);
	d = &scn->directors[0];
	CU_ASSERT_TRUE(d->vrrp.strict);
	CU_ASSERT_TRUE(d->vrrp.lower_prio_no_advert);
	CU_ASSERT_EQUAL(d->vrrp.garp_lower_prio_repeat, 0);
	CU_ASSERT_EQUAL(d->vrrp.startup_delay_ns, 2500 * SIM_MSEC);
	CU_ASSERT_TRUE(addr_is(&d->vrrp.mcast_group4, "224.0.0.19"));
	CU_ASSERT_EQUAL_FATAL(d->nscripts, 1);
	CU_ASSERT_EQUAL(d->scripts[0].interval_s, 1); /* 0 -> 1 */
	CU_ASSERT_EQUAL(d->scripts[0].timeout_s, 1);
	CU_ASSERT_EQUAL(d->scripts[0].weight, 253);
	CU_ASSERT_TRUE(d->scripts[0].reverse);
	CU_ASSERT_EQUAL_FATAL(d->ninstances, 2);
	v = &d->instances[0];
	CU_ASSERT_EQUAL(v->priority, 255); /* state MASTER, no priority */
	CU_ASSERT_FALSE(v->nopreempt);
	CU_ASSERT_EQUAL(v->advert_int_us, 2000000); /* v2: 1.5 rounds to 2 */
	CU_ASSERT_TRUE(v->strict);
	CU_ASSERT_TRUE(v->accept); /* strict, but priority 255 */
	CU_ASSERT_EQUAL_FATAL(v->ntrack_script, 1);
	CU_ASSERT_STRING_EQUAL(v->track_script[0].name, "chk");
	CU_ASSERT_EQUAL(v->track_script[0].weight, 253);
	CU_ASSERT_TRUE(v->track_script[0].reverse);
	v = &d->instances[1];
	CU_ASSERT_EQUAL(v->priority, 100); /* 300 is invalid */
	CU_ASSERT_EQUAL(v->version, 3);
	CU_ASSERT_EQUAL(v->advert_int_us, 120000); /* v3: nearest 10 ms */
	CU_ASSERT_STRING_EQUAL(v->auth_pass, "12345678");
	CU_ASSERT_FALSE(v->accept);
	CU_ASSERT_EQUAL(v->vips[0].prefix, 32);
	scenario_free(scn);
}

/* ---- lbsim blocks ---- */

static void file_sha(const char *const *paths, size_t n, unsigned char out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned len = 32;

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	for (size_t i = 0; i < n; i++) {
		char buf[4096];
		size_t got;
		FILE *f = fopen(paths[i], "rb");

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			EVP_DigestUpdate(c, buf, got);
		fclose(f);
	}
	EVP_DigestFinal_ex(c, out, &len);
	EVP_MD_CTX_free(c);
}

static void test_full(void)
{
	static const char *const read_order[] = { SCN_DIR "/full.conf", SCN_DIR "/full-lb1.conf",
						  SCN_DIR "/service-times.txt" };
	struct scenario *scn = load(SCN_DIR "/full.conf", NULL, 0);
	const struct scn_clients *c;
	const struct scn_director *d;
	const struct scn_server *s;
	const struct scn_link *l;
	unsigned char sha[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(scn->sim.duration_ns, 120 * SIM_SEC);
	CU_ASSERT_EQUAL(scn->sim.warmup_ns, 5 * SIM_SEC);
	CU_ASSERT_EQUAL(scn->sim.seed, 42);
	CU_ASSERT_EQUAL(scn->sim.fidelity, SCN_FIDELITY_PACKET);
	CU_ASSERT_EQUAL(scn->sim.kernel, LB_PROFILE_LEGACY);
	CU_ASSERT_EQUAL(scn->sim.loc.line, 2);

	CU_ASSERT_EQUAL_FATAL(scn->nclients, 2);
	c = &scn->clients[0];
	CU_ASSERT_STRING_EQUAL(c->name, "web");
	CU_ASSERT_TRUE(addr_is(&c->src_base, "198.51.100.0"));
	CU_ASSERT_EQUAL(c->src_prefix, 22);
	CU_ASSERT_EQUAL(c->arrival.kind, SCN_ARRIVAL_POISSON);
	CU_ASSERT_DOUBLE_EQUAL(c->arrival.rate_per_s, 3000, 1e-9);
	CU_ASSERT_TRUE(addr_is(&c->target, "10.10.0.100"));
	CU_ASSERT_EQUAL(c->target_port, 80);
	CU_ASSERT_EQUAL(c->proto, LB_PROTO_TCP);
	CU_ASSERT_EQUAL(c->service.kind, DIST_LOGNORMAL);
	CU_ASSERT_DOUBLE_EQUAL(c->service.p[0], 0.002, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(c->service.p[1], 0.001, 1e-15);
	CU_ASSERT_EQUAL(c->request_size.kind, DIST_UNIFORM);
	CU_ASSERT_DOUBLE_EQUAL(c->request_size.p[0], 200, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c->request_size.p[1], 1000, 1e-9);
	CU_ASSERT_EQUAL(c->response_size.kind, DIST_PARETO);
	CU_ASSERT_DOUBLE_EQUAL(c->response_size.p[0], 20000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c->response_size.p[1], 2.5, 1e-12); /* shape: no unit */
	CU_ASSERT_EQUAL(c->requests.kind, DIST_DETERMINISTIC);
	CU_ASSERT_DOUBLE_EQUAL(c->requests.p[0], 3, 1e-12);
	CU_ASSERT_EQUAL(c->think.kind, DIST_EXPONENTIAL);
	CU_ASSERT_DOUBLE_EQUAL(c->think.p[0], 500e-6, 1e-15);
	CU_ASSERT_EQUAL(c->timeout_ns, 2 * SIM_SEC);
	CU_ASSERT_EQUAL(c->retries, 2);
	CU_ASSERT_EQUAL(c->retry_delay_ns, 250 * SIM_MSEC);
	CU_ASSERT_STRING_EQUAL(c->link, "wan");
	c = &scn->clients[1];
	CU_ASSERT_EQUAL(c->arrival.kind, SCN_ARRIVAL_ONOFF);
	CU_ASSERT_DOUBLE_EQUAL(c->arrival.rate_per_s, 50000, 1e-9);
	CU_ASSERT_EQUAL(c->arrival.on_ns, SIM_SEC);
	CU_ASSERT_EQUAL(c->arrival.off_ns, 4 * SIM_SEC);
	CU_ASSERT_EQUAL(c->proto, LB_PROTO_UDP);
	CU_ASSERT_EQUAL(c->service.kind, DIST_EMPIRICAL);
	CU_ASSERT_EQUAL(c->service.nsamples, 3);
	CU_ASSERT_PTR_NULL(c->link);

	CU_ASSERT_EQUAL_FATAL(scn->nlinks, 2);
	l = scenario_find_link(scn, "wan");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->latency_ns, 10 * SIM_MSEC);
	CU_ASSERT_DOUBLE_EQUAL(l->bandwidth_bps, 1e9, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(l->loss, 0.005, 1e-15);
	CU_ASSERT_EQUAL(l->mtu, 9000);
	CU_ASSERT_TRUE(l->up);
	l = scenario_find_link(scn, "lan");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->latency_ns, 50 * SIM_USEC);
	CU_ASSERT_DOUBLE_EQUAL(l->bandwidth_bps, 1e10, 1e-3);
	CU_ASSERT_EQUAL(l->mtu, 1500);
	CU_ASSERT_FALSE(l->up);
	CU_ASSERT_PTR_NULL(scenario_find_link(scn, "nope"));

	{
		struct lb_addr a = addr("10.10.0.21");

		s = scenario_find_server(scn, &a);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->workers, 4);
	CU_ASSERT_DOUBLE_EQUAL(s->speed, 1.5, 1e-12);
	CU_ASSERT_EQUAL(s->backlog, 64);
	CU_ASSERT_EQUAL(s->discipline, SCN_DISC_PS);
	CU_ASSERT_TRUE(s->up);
	CU_ASSERT_STRING_EQUAL(s->link, "lan");
	CU_ASSERT_FALSE(s->implicit);
	CU_ASSERT_EQUAL_FATAL(scn->nservers, 6); /* .21, .22-23 ranged, .31-33 implicit */
	CU_ASSERT_TRUE(addr_is(&scn->servers[2].addr, "10.10.0.23"));
	CU_ASSERT_EQUAL(scn->servers[2].workers, 2);
	CU_ASSERT_FALSE(scn->servers[2].up);
	CU_ASSERT_TRUE(scn->servers[5].implicit);
	CU_ASSERT_EQUAL(count_warnings(scn, "3 real server(s) have no server block"), 1);

	CU_ASSERT_EQUAL_FATAL(scn->ndirectors, 2);
	d = &scn->directors[0];
	CU_ASSERT_STRING_EQUAL(d->name, "lb1");
	CU_ASSERT_EQUAL(d->cpu_per_packet_ns, 2 * SIM_USEC);
	CU_ASSERT_DOUBLE_EQUAL(d->nic_bps, 25e9, 1e-3);
	CU_ASSERT_EQUAL_FATAL(d->nvs, 1);
	CU_ASSERT_STRING_EQUAL(d->vs[0].sched, "mh");
	CU_ASSERT_EQUAL(d->vs[0].sched_conf.flags, LB_SVC_F_MH_PORT | LB_SVC_F_MH_FALLBACK);
	CU_ASSERT_EQUAL_FATAL(d->vs[0].nrs, 3);
	check_rs(&d->vs[0].rs[0], "10.10.0.21", 80, 100); /* DR: port forced to the VS's */
	CU_ASSERT_EQUAL(d->vs[0].rs[0].uthreshold, 1000);
	CU_ASSERT_EQUAL(d->vs[0].rs[0].lthreshold, 800);
	check_rs(&d->vs[0].rs[1], "10.10.0.22", 80, 5); /* VS-wide weight */
	CU_ASSERT_TRUE(d->vs[0].rs[1].inhibit_on_failure);
	check_rs(&d->vs[0].rs[2], "10.10.0.23", 80, 0);
	CU_ASSERT_STRING_EQUAL(d->vs[0].rs[0].loc.file, SCN_DIR "/full-lb1.conf");
	d = &scn->directors[1];
	CU_ASSERT_STRING_EQUAL(d->name, "director");
	CU_ASSERT_EQUAL(d->cpu_per_packet_ns, SIM_USEC);
	CU_ASSERT_DOUBLE_EQUAL(d->nic_bps, 10e9, 1e-3);
	CU_ASSERT_EQUAL_FATAL(d->nvs, 1);
	CU_ASSERT_EQUAL_FATAL(d->vs[0].nrs, 3);
	check_rs(&d->vs[0].rs[2], "10.10.0.33", 53, 7);

	CU_ASSERT_EQUAL_FATAL(scn->nexpects, 5);
	CU_ASSERT_STRING_EQUAL(scn->expects[0].metric, "p99_response");
	CU_ASSERT_EQUAL(scn->expects[0].op, SCN_CMP_LT);
	CU_ASSERT_DOUBLE_EQUAL(scn->expects[0].value, 0.05, 1e-15);
	CU_ASSERT_STRING_EQUAL(scn->expects[0].text, "p99_response < 50ms");
	CU_ASSERT_EQUAL(scn->expects[1].op, SCN_CMP_EQ);
	CU_ASSERT_DOUBLE_EQUAL(scn->expects[2].value, 2900, 1e-9);
	CU_ASSERT_EQUAL(scn->expects[2].op, SCN_CMP_GE);
	CU_ASSERT_DOUBLE_EQUAL(scn->expects[3].value, 0.9, 1e-15);
	CU_ASSERT_STRING_EQUAL(scn->expects[4].metric, "imbalance");
	CU_ASSERT_STRING_EQUAL(scn_cmp_str(scn->expects[3].op), "<=");

	CU_ASSERT_EQUAL(scn->nfaults, 1);
	CU_ASSERT_EQUAL(count_warnings(scn, "'router_id' is not modelled yet"), 0);
	/* the top-level global_defs reach the director lb1 and its instance */
	for (size_t i = 0; i < scn->ndirectors; i++) {
		const struct scn_director *dd = &scn->directors[i];

		CU_ASSERT_STRING_EQUAL(dd->vrrp.router_id, "top");
		if (!strcmp(dd->name, "lb1")) {
			CU_ASSERT_EQUAL_FATAL(dd->ninstances, 1);
			CU_ASSERT_STRING_EQUAL(dd->instances[0].name, "VI_1");
			CU_ASSERT_EQUAL(dd->instances[0].vrid, 51);
			CU_ASSERT_EQUAL(dd->instances[0].priority, 150);
			CU_ASSERT_EQUAL_FATAL(dd->instances[0].nvips, 1);
			CU_ASSERT_TRUE(addr_is(&dd->instances[0].vips[0].addr, "10.10.0.100"));
			CU_ASSERT_EQUAL(dd->instances[0].vips[0].prefix, 24);
			CU_ASSERT_PTR_NULL(dd->instances[0].vips[0].dev);
		}
	}
	CU_ASSERT_EQUAL(scn->lvs.tcp_ns, 900 * SIM_SEC);
	CU_ASSERT_EQUAL(scn->lvs.tcpfin_ns, 30 * SIM_SEC);
	CU_ASSERT_EQUAL(scn->lvs.udp_ns, 0);
	file_sha(read_order, 3, sha);
	CU_ASSERT_EQUAL(memcmp(sha, scn->sha256, 32), 0);
	CU_ASSERT_EQUAL(scn->nfiles, 3);
	scenario_free(scn);
}

static void test_defaults(void)
{
	struct scenario *scn = load(SCN_DIR "/defaults.conf", NULL, 0);
	const struct scn_clients *c;
	const struct scn_vs *vs;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(scn->sim.duration_ns, 60 * SIM_SEC);
	CU_ASSERT_EQUAL(scn->sim.warmup_ns, 0);
	CU_ASSERT_EQUAL(scn->sim.seed, 1);
	CU_ASSERT_EQUAL(scn->sim.fidelity, SCN_FIDELITY_REQUEST);
	CU_ASSERT_EQUAL(scn->sim.kernel, LB_PROFILE_CURRENT);
	CU_ASSERT_EQUAL(scn->sim.fin_timeout_ns, 120 * SIM_SEC);
	CU_ASSERT_EQUAL(scn->sim.max_requests, 0);
	CU_ASSERT_EQUAL_FATAL(scn->ndirectors, 1);
	CU_ASSERT_EQUAL(scn->directors[0].cpu_per_packet_ns, SIM_USEC);
	CU_ASSERT_DOUBLE_EQUAL(scn->directors[0].nic_bps, 10e9, 1e-3);
	CU_ASSERT_EQUAL_FATAL(scn->directors[0].nvs, 1);
	vs = &scn->directors[0].vs[0];
	CU_ASSERT_STRING_EQUAL(vs->sched, "wlc");
	CU_ASSERT_EQUAL(vs->kind, LB_KIND_NAT);
	CU_ASSERT_EQUAL(vs->proto, LB_PROTO_UDP);
	CU_ASSERT_EQUAL(vs->sched_conf.flags, 0);
	CU_ASSERT_EQUAL(vs->sched_conf.d, 2);
	CU_ASSERT_EQUAL(vs->sched_conf.mh_size, 4093);
	CU_ASSERT_EQUAL_FATAL(vs->nrs, 1);
	check_rs(&vs->rs[0], "10.0.1.1", 80, 1); /* NAT: omitted port = VS port */
	CU_ASSERT_EQUAL(count_warnings(scn, "no protocol given, UDP assumed"), 1);
	CU_ASSERT_EQUAL_FATAL(scn->nservers, 1);
	CU_ASSERT_TRUE(scn->servers[0].implicit);
	CU_ASSERT_EQUAL(scn->servers[0].workers, 1);
	CU_ASSERT_DOUBLE_EQUAL(scn->servers[0].speed, 1.0, 0);
	CU_ASSERT_EQUAL(scn->servers[0].backlog, 1024);
	CU_ASSERT_EQUAL(scn->servers[0].discipline, SCN_DISC_FIFO);
	CU_ASSERT_TRUE(scn->servers[0].up);
	CU_ASSERT_EQUAL(scn->nclients, 0);
	CU_ASSERT_EQUAL(scn->nexpects, 0);
	scenario_free(scn);

	/* clients with only the required keys */
	scn = load(SCN_DIR "/range.conf", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL_FATAL(scn->nclients, 1);
	c = &scn->clients[0];
	CU_ASSERT_EQUAL(c->arrival.kind, SCN_ARRIVAL_DETERMINISTIC);
	CU_ASSERT_DOUBLE_EQUAL(c->arrival.rate_per_s, 100, 0);
	CU_ASSERT_TRUE(addr_is(&c->src_base, "198.51.100.0"));
	CU_ASSERT_EQUAL(c->src_prefix, 24);
	CU_ASSERT_EQUAL(c->proto, LB_PROTO_TCP);
	CU_ASSERT_EQUAL(c->service.kind, DIST_EXPONENTIAL);
	CU_ASSERT_DOUBLE_EQUAL(c->service.p[0], 0.01, 1e-15);
	CU_ASSERT_EQUAL(c->request_size.kind, DIST_DETERMINISTIC);
	CU_ASSERT_DOUBLE_EQUAL(c->request_size.p[0], 300, 0);
	CU_ASSERT_DOUBLE_EQUAL(c->response_size.p[0], 10000, 0);
	CU_ASSERT_DOUBLE_EQUAL(c->requests.p[0], 1, 0);
	CU_ASSERT_EQUAL(c->think.kind, DIST_DETERMINISTIC);
	CU_ASSERT_DOUBLE_EQUAL(c->think.p[0], 0, 0);
	CU_ASSERT_EQUAL(c->timeout_ns, 0);
	CU_ASSERT_EQUAL(c->retries, 0);
	CU_ASSERT_EQUAL(c->retry_delay_ns, SIM_SEC);
	CU_ASSERT_PTR_NULL(c->link);
	scenario_free(scn);
}

static void test_range(void)
{
	struct scenario *scn = load(SCN_DIR "/range.conf", NULL, 0);
	const struct scn_vs *vs;

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(scn->nwarnings, 0);
	CU_ASSERT_EQUAL_FATAL(scn->nservers, 100);
	CU_ASSERT_TRUE(addr_is(&scn->servers[0].addr, "10.0.1.1"));
	CU_ASSERT_TRUE(addr_is(&scn->servers[99].addr, "10.0.1.100"));
	CU_ASSERT_EQUAL(scn->servers[99].workers, 8);
	CU_ASSERT_FALSE(scn->servers[50].implicit);
	CU_ASSERT_EQUAL_FATAL(scn->ndirectors, 1);
	vs = &scn->directors[0].vs[0];
	CU_ASSERT_STRING_EQUAL(vs->sched, "wrr");
	CU_ASSERT_EQUAL_FATAL(vs->nrs, 100);
	check_rs(&vs->rs[0], "10.0.1.1", 8080, 3);
	check_rs(&vs->rs[42], "10.0.1.43", 8080, 3);
	check_rs(&vs->rs[99], "10.0.1.100", 8080, 3);
	scenario_free(scn);
}

/* ---- units ---- */

static void test_units(void)
{
	static const struct {
		const char *s;
		sim_time_t ns;
	} durations[] = {
		{ "60s", 60 * SIM_SEC },     { "2ms", 2 * SIM_MSEC },
		{ "500us", 500 * SIM_USEC }, { "100ns", 100 },
		{ "1.5m", 90 * SIM_SEC },    { "2h", 7200 * SIM_SEC },
		{ "3", 3 * SIM_SEC },	     { "0.5", SIM_SEC / 2 },
		{ "1e-3s", SIM_MSEC },	     { "0", 0 },
	};
	static const char *const bad_durations[] = { "10xs", "",    "s",    "-1s",    "1 s",
						     "inf",  "nan", "0x10", "1.2.3s", "1ms2" };
	char err[256];
	sim_time_t t;
	double v;
	long long ll;
	bool b;

	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		CU_ASSERT_EQUAL(units_duration(durations[i].s, &t, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(t, durations[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad_durations) / sizeof(bad_durations[0]); i++)
		CU_ASSERT_EQUAL(units_duration(bad_durations[i], &t, err, sizeof(err)), -EINVAL);
	units_duration("10xs", &t, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected a duration like 10ms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "got '10xs'"));

	CU_ASSERT(!units_rate("3000/s", &v, err, sizeof(err)) && v == 3000);
	CU_ASSERT(!units_rate("50/ms", &v, err, sizeof(err)) && v == 50000);
	CU_ASSERT(!units_rate("180/min", &v, err, sizeof(err)) && fabs(v - 3) < 1e-12);
	CU_ASSERT(!units_rate("7200/h", &v, err, sizeof(err)) && fabs(v - 2) < 1e-12);
	CU_ASSERT(!units_rate("25", &v, err, sizeof(err)) && v == 25);
	CU_ASSERT_EQUAL(units_rate("10/sec", &v, err, sizeof(err)), -EINVAL);

	CU_ASSERT(!units_size("20KB", &v, err, sizeof(err)) && v == 20000);
	CU_ASSERT(!units_size("10KiB", &v, err, sizeof(err)) && v == 10240);
	CU_ASSERT(!units_size("1MB", &v, err, sizeof(err)) && v == 1e6);
	CU_ASSERT(!units_size("2MiB", &v, err, sizeof(err)) && v == 2097152);
	CU_ASSERT(!units_size("1500B", &v, err, sizeof(err)) && v == 1500);
	CU_ASSERT(!units_size("1500", &v, err, sizeof(err)) && v == 1500);
	CU_ASSERT_EQUAL(units_size("1Kb", &v, err, sizeof(err)), -EINVAL);

	CU_ASSERT(!units_bandwidth("1Gbit", &v, err, sizeof(err)) && v == 1e9);
	CU_ASSERT(!units_bandwidth("1Gbps", &v, err, sizeof(err)) && v == 1e9);
	CU_ASSERT(!units_bandwidth("100Mbit", &v, err, sizeof(err)) && v == 1e8);
	CU_ASSERT(!units_bandwidth("10kbit", &v, err, sizeof(err)) && v == 1e4);
	CU_ASSERT(!units_bandwidth("64000", &v, err, sizeof(err)) && v == 64000);
	CU_ASSERT_EQUAL(units_bandwidth("1GB", &v, err, sizeof(err)), -EINVAL);

	CU_ASSERT(!units_fraction("5%", &v, err, sizeof(err)) && fabs(v - 0.05) < 1e-15);
	CU_ASSERT(!units_fraction("0.05", &v, err, sizeof(err)) && v == 0.05);
	CU_ASSERT(!units_fraction("100%", &v, err, sizeof(err)) && v == 1);
	CU_ASSERT_EQUAL(units_fraction("101%", &v, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(units_fraction("1.5", &v, err, sizeof(err)), -EINVAL);

	CU_ASSERT(!units_int("42", 0, 100, &ll, err, sizeof(err)) && ll == 42);
	CU_ASSERT(!units_int("-3", -5, 5, &ll, err, sizeof(err)) && ll == -3);
	CU_ASSERT_EQUAL(units_int("101", 0, 100, &ll, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected an integer 0..100, got '101'"));
	CU_ASSERT_EQUAL(units_int("1.5", 0, 100, &ll, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(units_int("99999999999999999999", 0, LLONG_MAX, &ll, err, sizeof(err)),
			-EINVAL);

	CU_ASSERT(!units_number("-2.5e1", &v, err, sizeof(err)) && v == -25);
	CU_ASSERT_EQUAL(units_number("2ms", &v, err, sizeof(err)), -EINVAL);

	static const char *const yes[] = { "on", "true", "yes", "YES" };
	static const char *const no[] = { "off", "false", "no" };

	for (size_t i = 0; i < 4; i++)
		CU_ASSERT(!units_bool(yes[i], &b, err, sizeof(err)) && b);
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT(!units_bool(no[i], &b, err, sizeof(err)) && !b);
	CU_ASSERT_EQUAL(units_bool("maybe", &b, err, sizeof(err)), -EINVAL);
}

/* ---- --set ---- */

static void test_set(void)
{
	static const struct scn_set sets[] = {
		{ "simulation.duration", "30s" },	     /* replace */
		{ "clients.web.arrival", "poisson 5000/s" }, /* replace, re-tokenized */
		{ "server.10.10.0.21.workers", "16" },	     /* a name with dots */
		{ "link.wan.latency", "1ms" },
		{ "director.lb1.nic", "1Gbit" },
		{ "clients.dns.link", "wan" },	       /* add an absent key */
		{ "expect.p99_response", "> 1ms" },    /* replace an expect */
		{ "simulation.max_requests", "1000" }, /* add to the simulation */
		{ "clients.web.service", "uniform 1ms 3ms" },
	};
	struct scenario *scn = load(SCN_DIR "/full.conf", sets, sizeof(sets) / sizeof(sets[0]));
	struct lb_addr a = addr("10.10.0.21");

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(scn->sim.duration_ns, 30 * SIM_SEC);
	CU_ASSERT_EQUAL(scn->sim.warmup_ns, 5 * SIM_SEC);
	CU_ASSERT_EQUAL(scn->sim.max_requests, 1000);
	CU_ASSERT_DOUBLE_EQUAL(scn->clients[0].arrival.rate_per_s, 5000, 0);
	CU_ASSERT_EQUAL(scn->clients[0].service.kind, DIST_UNIFORM);
	CU_ASSERT_DOUBLE_EQUAL(scn->clients[0].service.p[1], 0.003, 1e-15);
	CU_ASSERT_EQUAL(scenario_find_server(scn, &a)->workers, 16);
	CU_ASSERT_EQUAL(scenario_find_link(scn, "wan")->latency_ns, SIM_MSEC);
	CU_ASSERT_DOUBLE_EQUAL(scn->directors[0].nic_bps, 1e9, 0);
	CU_ASSERT_STRING_EQUAL(scn->clients[1].link, "wan");
	CU_ASSERT_EQUAL_FATAL(scn->nexpects, 5);
	CU_ASSERT_STRING_EQUAL(scn->expects[4].metric, "p99_response");
	CU_ASSERT_EQUAL(scn->expects[4].op, SCN_CMP_GT);
	CU_ASSERT_DOUBLE_EQUAL(scn->expects[4].value, 0.001, 1e-15);
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_STRING_NOT_EQUAL(scn->expects[i].metric, "p99_response");
	scenario_free(scn);

	/* a --set on a file without the block: simulation and expect always exist */
	{
		static const struct scn_set s2[] = { { "simulation.seed", "7" },
						     { "expect.refused", "== 0" } };

		scn = load(SCN_DIR "/defaults.conf", s2, 2);
		CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
		CU_ASSERT_EQUAL(scn->sim.seed, 7);
		CU_ASSERT_EQUAL(scn->nexpects, 1);
		scenario_free(scn);
	}
}

static void test_set_errors(void)
{
	static const struct {
		const char *path, *value, *want;
	} bad[] = {
		{ "simulation.durations", "1s",
		  "--set:1:1: error: --set simulation.durations: unknown key 'durations'" },
		{ "clients.nope.arrival", "poisson 1/s",
		  "--set clients.nope.arrival: no clients block named 'nope'" },
		{ "server.10.10.0.99.workers", "2", "no server block named '10.10.0.99'" },
		{ "bogus.x", "1", "--set bogus.x: expected BLOCK[.NAME].KEY" },
		{ "clients.arrival", "poisson 1/s",
		  "--set clients.arrival: expected clients.NAME.KEY" },
		{ "clients.web.arrival", "poisson",
		  "--set:1:21: error: arrival: poisson takes 1 parameter(s), got 0" },
		{ "clients.web.arrival", "poisson 1/s 2",
		  "--set:1:33: error: arrival: expected 2 value(s), got 3" },
		{ "simulation.duration", "5xs",
		  "--set:1:21: error: duration: expected a duration" },
		{ "expect.p42", "< 1", "unknown expect metric 'p42'" },
		{ "link.wan.latency", "", "--set link.wan.latency: expected one value" },
		{ "link.wan.latency", "1ms { x }", "--set link.wan.latency: expected one value" },
		{ "link.wan.latency", "{ 1ms }", "--set:1:18: error: '{' without a keyword" },
		{ "simulation.warmup", "3m", "warmup (180s) must be shorter than duration (120s)" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scn_set set = { bad[i].path, bad[i].value };
		struct scenario *scn = NULL;
		char err[1024] = "";
		int ret = scenario_load(SCN_DIR "/full.conf", &set, 1, &scn, err, sizeof(err));

		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT_PTR_NULL(scn);
		if (!strstr(err, bad[i].want)) {
			fprintf(stderr, "\n--set %s=%s: error '%s' lacks '%s'\n", bad[i].path,
				bad[i].value, err, bad[i].want);
			CU_FAIL("--set error message");
		}
	}
}

/* ---- bad scenarios ---- */

static void test_bad_files(void)
{
	static const struct {
		const char *file; /* in tests/data/scenarios/bad/ */
		const char *loc;  /* "line:col" */
		const char *want;
	} bad[] = {
		{ "bad_unit.conf", "3:11", "duration: expected a duration like 10ms" },
		{ "unknown_key.conf", "1:39",
		  "unknown key 'sed' in simulation; expected one of duration" },
		{ "missing_brace.conf", "9:1", "missing '}' for block opened at 7:13" },
		{ "extra_brace.conf", "7:1", "Extra '}' found" },
		{ "unknown_dist.conf", "8:10", "unknown distribution 'gaussian'" },
		{ "dist_arity.conf", "8:45", "service: uniform takes 2 parameter(s), got 1" },
		{ "negative_weight.conf", "4:10",
		  "weight: expected an integer 0..2147483647, got '-5'" },
		{ "dup_clients.conf", "8:9", "clients 'web' already defined at" },
		{ "target_not_vs.conf", "7:1",
		  "clients web: target 1.2.3.4:80 is not a virtual_server" },
		{ "warmup_ge_duration.conf", "1:28",
		  "warmup (10s) must be shorter than duration (10s)" },
		{ "bad_address.conf", "3:14",
		  "expected an IPv4 or IPv6 address, got '10.0.1.300'" },
		{ "include_missing.conf", "2:10", "cannot read include file" },
		{ "unknown_rs_keyword.conf", "5:3", "unknown keyword 'wieght' in real_server" },
		{ "bad_expect_op.conf", "7:39", "expected an operator < <= > >= == !=, got '=<'" },
		{ "unknown_metric.conf", "7:10", "unknown expect metric 'p98_response'" },
		{ "link_undefined.conf", "7:1", "link 'lan' is not defined" },
		{ "no_virtual_server.conf", "1:1", "no virtual_server" },
		{ "bad_lb_kind.conf", "2:10", "lb_kind: expected NAT, DR or TUN" },
		{ "workers_zero.conf", "7:27", "workers: expected an integer 1..1000000, got '0'" },
		{ "zero_rate.conf", "7:31", "arrival: the rate must be > 0" },
		{ "lvs_timeouts.conf", "3:33", "lvs_timeouts: expected tcp, tcpfin or udp, got 'udpp'" },
		{ "fault_verb.conf", "6:9", "fault: unknown 'explode'" },
		{ "fault_server.conf", "6:21", "fault: no server 10.0.9.9" },
		{ "fault_time.conf", "6:5", "fault: " },
		{ "dup_server.conf", "8:8", "server 10.0.1.3 already defined at" },
		{ "unknown_toplevel.conf", "7:1", "unknown keyword 'clientz'" },
		{ "protocol_mismatch.conf", "4:1",
		  "is a UDP virtual_server but the clients use TCP" },
		{ "bad_port.conf", "1:25", "virtual_server port: expected an integer 0..65535" },
		{ "lb_kind_in_rs.conf", "4:3", "lb_kind is not accepted in real_server" },
		{ "unterminated_quote.conf", "2:12", "unterminated quoted string" },
		{ "missing_target.conf", "7:1", "clients web: target is required" },
		{ "bad_rate.conf", "7:31", "expected a rate like 3000/s" },
		{ "include_cycle.conf", "2:9", "include cycle: " },
		{ "bad_bandwidth.conf", "7:22", "bandwidth: expected a bandwidth like 1Gbit" },
		{ "bad_loss.conf", "7:17", "loss: expected a fraction 0..1 or a percentage" },
		{ "empty_expect_value.conf", "7:10", "p99_response: expected 2 value(s)" },
		{ "bad_group.conf", "1:22", "no virtual_server_group named 'NOPE'" },
		{ "bad_enum.conf", "1:23", "fidelity: expected request or packet, got 'flow'" },
		{ "bad_status_code.conf", "7:17", "status_code: expected codes 100..599" },
		{ "bad_retry.conf", "5:10", "retry: expected an integer 0..2147483647, got '-1'" },
		{ "bad_digest.conf", "7:11", "digest: expected an MD5 of 32 hex digits" },
		{ "http_no_url.conf", "4:3", "HTTP_GET needs at least one url" },
		{ "vrrp_vrid0.conf", "3:20",
		  "virtual_router_id: expected an integer 1..255, got '0'" },
		{ "vrrp_no_vrid.conf", "1:15", "vrrp_instance VI_1: virtual_router_id (1..255)" },
		{ "vrrp_sync_missing.conf", "4:3",
		  "vrrp_sync_group SG: no vrrp_instance named 'VI_2'" },
		{ "vrrp_sync_old.conf", "2:2", "unknown keyword 'VI_1' in vrrp_sync_group SG" },
		{ "vrrp_advert_abc.conf", "4:13", "advert_int: expected seconds" },
		{ "vrrp_vip_family.conf", "6:3", "VIP is IPv6 but the instance is IPv4" },
		{ "vrrp_sync_daemon_inst.conf", "2:2",
		  "lvs_sync_daemon: no vrrp_instance named 'VI_X'" },
		{ "fault_interface.conf", "15:24",
		  "fault: director 'lb1' has no interface 'eth9' (its keepalived configuration "
		  "names eth0, eth1)" },
		{ "fault_interface_dir.conf", "12:30", "fault: no director 'lb9'" },
		{ "fault_two_on_a_line.conf", "9:30",
		  "fault: unexpected 'at' after '10.0.1.1' (one fault a line)" },
		{ "fault_interface_syntax.conf", "12:24",
		  "fault: expected 'down interface NAME on DIRECTOR'" },
		{ "vrrp_fail_probability.conf", "3:25",
		  "lbsim_fail_probability: expected a fraction 0..1 or a percentage" },
		{ "misc_fail_probability.conf", "6:27",
		  "lbsim_fail_probability: expected a fraction 0..1 or a percentage" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[256], prefix[512], err[2048] = "";
		struct scenario *scn = NULL;
		const char *file = bad[i].file;
		int ret;

		snprintf(path, sizeof(path), SCN_DIR "/bad/%s", file);
		/* the cycle is reported where it closes, in the included file */
		if (!strcmp(file, "include_cycle.conf"))
			file = "include_cycle2.conf";
		snprintf(prefix, sizeof(prefix), SCN_DIR "/bad/%s:%s: error: ", file, bad[i].loc);
		ret = scenario_load(path, NULL, 0, &scn, err, sizeof(err));
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT_PTR_NULL(scn);
		if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, bad[i].want)) {
			fprintf(stderr, "\n%s: got '%s', want '%s...%s'\n", bad[i].file, err,
				prefix, bad[i].want);
			CU_FAIL("bad scenario message");
		}
	}
}

/*
 * VRRP faults: interface faults name the interface and its director; a
 * VRRP fault in a scenario without vrrp_instance warns (once per fault, the
 * crash of a director does not).
 */
static void test_vrrp_faults(void)
{
	struct scenario *scn = load(TEST_DATA_DIR "/ha/nat-sync-link.conf", NULL, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL_FATAL(scn->nfaults, 2);
	CU_ASSERT_EQUAL(scn->faults[0].kind, SCN_FAULT_DOWN_INTERFACE);
	CU_ASSERT_EQUAL(scn->faults[1].kind, SCN_FAULT_UP_INTERFACE);
	CU_ASSERT_STRING_EQUAL(scn->faults[0].name, "eth1");
	CU_ASSERT_STRING_EQUAL(scn->faults[0].name2, "lb1");
	CU_ASSERT_EQUAL(scn->faults[1].at_ns, 30300 * SIM_MSEC);
	CU_ASSERT_EQUAL(count_warnings(scn, "acts on VRRP"), 0);
	scenario_free(scn);
	scn = load(SCN_DIR "/vrrp-fault-noinst.conf", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scn);
	CU_ASSERT_EQUAL(count_warnings(scn, "acts on VRRP"), 1);
	CU_ASSERT_EQUAL(count_warnings(scn, ":8:2: warning: fault 'at 10s block vrrp director'"), 1);
	scenario_free(scn);
}

static void test_metrics_table(void)
{
	size_t n = 0;

	while (scn_expect_metrics[n])
		n++;
	CU_ASSERT_EQUAL(n, 15);
	CU_ASSERT_STRING_EQUAL(scn_cmp_str(SCN_CMP_NE), "!=");
	CU_ASSERT_STRING_EQUAL(scn_cmp_str(SCN_CMP_COUNT), "?");
	scenario_free(NULL);
}

int test_scenario_register(void)
{
	CU_pSuite s = CU_add_suite("scenario", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "fixture dr-http", test_fixture_dr_http) ||
	    !CU_add_test(s, "fixture nat-sync", test_fixture_nat_sync) ||
	    !CU_add_test(s, "fixture dual-master", test_fixture_dual_master) ||
	    !CU_add_test(s, "vrrp dr-http", test_vrrp_dr_http) ||
	    !CU_add_test(s, "vrrp nat-sync", test_vrrp_nat_sync) ||
	    !CU_add_test(s, "vrrp dual-master", test_vrrp_dual_master) ||
	    !CU_add_test(s, "vrrp corrections", test_vrrp_corrections) ||
	    !CU_add_test(s, "every lbsim block", test_full) ||
	    !CU_add_test(s, "defaults", test_defaults) ||
	    !CU_add_test(s, "address ranges", test_range) || !CU_add_test(s, "units", test_units) ||
	    !CU_add_test(s, "--set overrides", test_set) ||
	    !CU_add_test(s, "--set errors", test_set_errors) ||
	    !CU_add_test(s, "bad scenarios", test_bad_files) ||
	    !CU_add_test(s, "VRRP faults", test_vrrp_faults) ||
	    !CU_add_test(s, "metrics table", test_metrics_table))
		return CU_get_error();
	return CUE_SUCCESS;
}
