/*
 * tools/cmd_check.c - `lbsim check`: validate a scenario and summarise its model.
 *
 * Loads the scenario exactly as `run` would (so every error and warning is
 * the same), builds the world once to prove it can be built, then prints
 * what will be simulated and the offered load against the servers' capacity,
 * which is what a reader checks first when a result looks odd.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "algorithms/sched/sched.h"
#include "models/world.h"
#include "sim/xalloc.h"

static const char *const cmd_check_kind_name[LB_KIND_COUNT] = { "NAT", "DR", "TUN" };

static const char *check_proto(uint8_t p)
{
	return p == LB_PROTO_TCP ? "TCP" : p == LB_PROTO_UDP ? "UDP" : "SCTP";
}

static void check_dist(FILE *f, const struct dist *d, double scale, const char *unit)
{
	fprintf(f, "%s mean %g %s", dist_kind_name(d->kind), dist_mean(d) * scale, unit);
}

static void check_vs(FILE *f, const struct scenario *scn, const struct scn_vs *v,
		     const char *algo)
{
	char a[LB_ADDR_STRLEN];

	if (v->fwmark)
		fprintf(f, "  virtual_server fwmark %u", v->fwmark);
	else
		fprintf(f, "  virtual_server %s", lb_addr_port_fmt(&v->addr, v->port, a, sizeof(a)));
	fprintf(f, " %s %s %s", check_proto(v->proto), algo ? algo : v->sched,
		cmd_check_kind_name[v->kind]);
	if (v->persistence_timeout_s)
		fprintf(f, " persistence %u s", v->persistence_timeout_s);
	fprintf(f, "\n");
	for (size_t i = 0; i < v->nrs; i++) {
		const struct scn_rs *r = &v->rs[i];
		const struct scn_server *s = scenario_find_server(scn, &r->addr);

		fprintf(f, "    real_server %-22s weight %-6d", lb_addr_port_fmt(&r->addr, r->port, a, sizeof(a)),
			r->weight);
		if (s)
			fprintf(f, " %u worker%s x %.2f, %s, backlog %u%s%s", s->workers,
				s->workers == 1 ? "" : "s", s->speed,
				s->discipline == SCN_DISC_PS ? "ps" : "fifo", s->backlog,
				s->up ? "" : ", DOWN", s->implicit ? " (default model)" : "");
		fprintf(f, "\n");
	}
}

/* Offered work (seconds of work per second) against capacity of the target's servers. */
static void check_load(FILE *f, const struct scenario *scn, const struct scn_clients *c)
{
	double offered = c->arrival.rate_per_s * dist_mean(&c->requests) * dist_mean(&c->service);
	double capacity = 0;

	if (c->arrival.kind == SCN_ARRIVAL_ONOFF)
		offered *= (double)c->arrival.on_ns / (double)(c->arrival.on_ns + c->arrival.off_ns);
	for (size_t d = 0; d < scn->ndirectors; d++)
		for (size_t i = 0; i < scn->directors[d].nvs; i++) {
			const struct scn_vs *v = &scn->directors[d].vs[i];

			if (v->port != c->target_port || !lb_addr_eq(&v->addr, &c->target))
				continue;
			for (size_t k = 0; k < v->nrs; k++) {
				const struct scn_server *s = scenario_find_server(scn, &v->rs[k].addr);

				if (s && s->up)
					capacity += s->workers * s->speed;
			}
		}
	fprintf(f, "  offered load %.3f s of work per s, capacity %.3f: utilisation %.1f %%\n",
		offered, capacity, capacity > 0 ? 100 * offered / capacity : 0);
}

int cmd_check(const struct cli_opts *o)
{
	static const char *const arrival_name[SCN_ARRIVAL_KIND_COUNT] = { "poisson", "deterministic",
									  "onoff" };
	struct scenario *scn;
	struct world *w;
	char err[1024], a[LB_ADDR_STRLEN];
	FILE *f = stdout;

	if (cli_load_scenario(o, &scn))
		return CLI_EXIT_INPUT;
	struct world_opts wo = { .algo = o->algo };
	if (world_new(scn, &wo, &w, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	world_free(w);

	fprintf(f, "scenario %s\n  sha256 ", scn->path);
	for (int i = 0; i < 32; i++)
		fprintf(f, "%02x", scn->sha256[i]);
	fprintf(f, "\nsimulation duration %g s, warmup %g s, seed %llu, fidelity %s, kernel %s\n",
		sim_time_to_sec(scn->sim.duration_ns), sim_time_to_sec(scn->sim.warmup_ns),
		(unsigned long long)scn->sim.seed,
		scn->sim.fidelity == SCN_FIDELITY_PACKET ? "packet" : "request",
		scn->sim.kernel == LB_PROFILE_LEGACY ? "legacy" : "current");
	for (size_t d = 0; d < scn->ndirectors; d++) {
		const struct scn_director *dir = &scn->directors[d];

		fprintf(f, "director %s: cpu %g us per packet, nic ", dir->name,
			sim_time_to_sec(dir->cpu_per_packet_ns) * 1e6);
		if (dir->nic_bps > 0)
			fprintf(f, "%g Gbit/s\n", dir->nic_bps / 1e9);
		else
			fprintf(f, "unlimited\n");
		for (size_t i = 0; i < dir->nvs; i++)
			check_vs(f, scn, &dir->vs[i], o->algo);
	}
	for (size_t i = 0; i < scn->nclients; i++) {
		const struct scn_clients *c = &scn->clients[i];

		fprintf(f, "clients %s: %s %g/s from %s/%u to ", c->name, arrival_name[c->arrival.kind],
			c->arrival.rate_per_s, lb_addr_fmt(&c->src_base, a, sizeof(a)), c->src_prefix);
		fprintf(f, "%s %s\n  service ", lb_addr_port_fmt(&c->target, c->target_port, a, sizeof(a)),
			check_proto(c->proto));
		check_dist(f, &c->service, 1e3, "ms");
		fprintf(f, ", response ");
		check_dist(f, &c->response_size, 1, "B");
		fprintf(f, ", requests ");
		check_dist(f, &c->requests, 1, "per connection");
		fprintf(f, "\n");
		check_load(f, scn, c);
	}
	for (size_t i = 0; i < scn->nlinks; i++) {
		const struct scn_link *l = &scn->links[i];

		fprintf(f, "link %s: latency %g ms, bandwidth ", l->name,
			sim_time_to_sec(l->latency_ns) * 1e3);
		if (l->bandwidth_bps > 0)
			fprintf(f, "%g Mbit/s", l->bandwidth_bps / 1e6);
		else
			fprintf(f, "unlimited");
		fprintf(f, ", loss %g %%, mtu %u%s\n", l->loss * 100, l->mtu, l->up ? "" : ", DOWN");
	}
	for (size_t i = 0; i < scn->nexpects; i++)
		fprintf(f, "expect %s\n", scn->expects[i].text);
	fprintf(f, "ok: %zu warning%s\n", scn->nwarnings, scn->nwarnings == 1 ? "" : "s");
	scenario_free(scn);
	return CLI_EXIT_OK;
}
