/*
 * models/vsbuild.c - IPVS services and connection tables built from a scenario.
 *
 * The simulated director (models/director.c) and the capture replay
 * (models/replay.c) both turn a scenario's virtual_server into an
 * algorithms/ipvs service the same way: keepalived's fields, the director's
 * table sizes, the scheduler with its own random stream and the caller's
 * environment, then the real servers in config order (each at the list
 * head, as keepalived adds them). Called once per service at start-up.
 *
 * SPDX-License-Identifier: MIT
 */
#include "models/vsbuild.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "algorithms/sched/sched.h"
#include "sim/rng.h"

/*
 * Initialise <svc> for <cfg> of director <dir> with scheduler <algo> (NULL:
 * the scenario's lb_algo) and its random stream in *rng (seeded from <seed>
 * and the service's name; the caller frees it with rng_stream_free, also
 * after a failure). Returns 0, or -errno with "file:line:col: error: ..."
 * in <err>; <svc> must be finished with lb_service_fini in both cases.
 */
int vsbuild_service(struct lb_service *svc, gsl_rng **rng, const struct scenario *scn,
		    const struct scn_director *dir, const struct scn_vs *cfg, const char *algo,
		    uint64_t seed, const struct lb_env *env, char *err, size_t errlen)
{
	const char *name = algo ? algo : cfg->sched;
	const struct lb_sched_ops *ops = lb_sched_find(name);
	char buf[LB_ADDR_STRLEN], stream[160];
	int rc;

	lb_service_init(svc, scn->sim.kernel);
	*rng = NULL;
	if (!ops) {
		snprintf(err, errlen,
			 "%s:%d:%d: error: unknown scheduler '%s' (lbsim run --help lists them)",
			 cfg->loc.file, cfg->loc.line, cfg->loc.col, name);
		return -EINVAL;
	}
	svc->addr = cfg->addr;
	svc->port = cfg->port;
	svc->proto = cfg->proto;
	svc->fwmark = cfg->fwmark;
	svc->kind = cfg->kind;
	svc->conf = cfg->sched_conf;
	svc->conf.d = dir->sched_d;
	svc->conf.mh_size = dir->mh_table;
	svc->conf.sh_bits = dir->sh_bits;
	svc->persistence_timeout_s = cfg->persistence_timeout_s;
	svc->persistence_mask = cfg->persistence_mask;
	snprintf(stream, sizeof(stream), "director.%s.vs.%s.sched", dir->name,
		 lb_addr_port_fmt(&cfg->addr, cfg->port, buf, sizeof(buf)));
	*rng = rng_stream_new(seed, stream);
	svc->rng = *rng;
	svc->env = env;
	rc = lb_service_set_sched(svc, ops);
	if (rc)
		snprintf(err, errlen, "%s:%d:%d: error: scheduler '%s' cannot start (%s)%s",
			 cfg->loc.file, cfg->loc.line, cfg->loc.col, name, strerror(-rc),
			 !strcmp(name, "mh") ? "; mh_table must be one of the kernel's primes "
					       "(251 509 1021 2039 4093 8191 16381 32749 65521 131071)"
					     : "");
	return rc;
}

/* Add real server <r> to <svc> (at the list head). 0, or -errno with a message. */
int vsbuild_add_dest(struct lb_service *svc, const struct scn_rs *r, struct lb_dest **out,
		     char *err, size_t errlen)
{
	char buf[LB_ADDR_STRLEN];
	int rc = lb_service_add_dest(svc, &r->addr, r->port, r->weight, r->uthreshold,
				     r->lthreshold, out);

	if (rc)
		snprintf(err, errlen, "%s:%d:%d: error: real_server %s rejected (%s)", r->loc.file,
			 r->loc.line, r->loc.col, lb_addr_port_fmt(&r->addr, r->port, buf, sizeof(buf)),
			 strerror(-rc));
	return rc;
}

/* The lvs_timeouts in force for <dir>: its own, else the top-level ones; 0 = default. */
struct scn_lvs_timeouts vsbuild_lvs(const struct scenario *scn, const struct scn_director *dir)
{
	struct scn_lvs_timeouts t = dir->lvs;

	if (!t.tcp_ns)
		t.tcp_ns = scn->lvs.tcp_ns;
	if (!t.tcpfin_ns)
		t.tcpfin_ns = scn->lvs.tcpfin_ns;
	if (!t.udp_ns)
		t.udp_ns = scn->lvs.udp_ns;
	return t;
}

/* IPVS table settings: the kernel defaults with <lvs> (ESTABLISHED, FIN_WAIT, UDP) applied. */
void vsbuild_conn_conf(const struct scn_lvs_timeouts *lvs, struct lb_conn_conf *cc)
{
	lb_conn_conf_default(cc);
	if (lvs->tcp_ns)
		cc->timeout_ns[LB_CONN_S_ESTABLISHED] = lvs->tcp_ns;
	if (lvs->tcpfin_ns)
		cc->timeout_ns[LB_CONN_S_FIN_WAIT] = lvs->tcpfin_ns;
	if (lvs->udp_ns)
		cc->timeout_ns[LB_CONN_S_UDP] = lvs->udp_ns;
}
