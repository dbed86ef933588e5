/*
 * tools/cmd_sched.c - `lbsim sched SCRIPT`: drive one IPVS virtual service
 * (algorithms/ipvs service + connection table) from a script of operations
 * and print every scheduling decision.
 *
 * Called once per invocation by tools/cli.c; other tools (test vector
 * generators, teaching material) drive it through scripts, so the syntax and
 * the decision lines are a contract. A script is read line by line and
 * executed as it is read: one operation per line, `#` starts a comment.
 * Scripts are small (thousands of lines); each operation costs what the
 * scheduler or the connection table costs.
 *
 *   service IP:PORT [tcp|udp|sctp] [nat|dr|tun]   default 10.0.0.100:80 tcp dr
 *   scheduler NAME [FLAG...]        (re)create the service: no dests, no conns
 *       flags: sh-fallback sh-port mh-fallback mh-port d=N table=M
 *              persistence[=SECONDS] granularity=MASK|/PREFIX
 *   set-scheduler NAME [FLAG...]    change the scheduler, keep dests and conns
 *   profile current|legacy          connection-overhead and overload rules
 *   add IP[:PORT] [weight W] [upper U] [lower L]   new dest at the list head
 *   edit IP[:PORT] [weight W] [upper U] [lower L]
 *   del IP[:PORT]
 *   conns IP[:PORT] ACTIVE INACTIVE connections the script did not open
 *   pick CLIENT[:PORT] [to DADDR]   one decision: "CLIENT -> IP:PORT" / "-> none"
 *   open CLIENT:PORT [to DADDR]     pick, then an established connection
 *   close CLIENT:PORT [to DADDR]    the client closes: the entry goes inactive
 *   advance DURATION                time passes; entries and templates expire
 *   sysctl NAME VALUE               conn_reuse_mode, expire_nodest_conn,
 *                                   expire_quiescent_template, sloppy_tcp
 *   timeout STATE DURATION          e.g. "timeout established 10s", "timeout udp 1m"
 *   show                            the dest list in kernel order, with counters
 *
 * `pick` and `open` print exactly one line each; `show` prints the service
 * and one line per dest (deleted dests still holding connections last);
 * nothing else prints. The first error prints "SCRIPT:LINE:COL: error: ..."
 * on stderr and stops the run with status 2. The clock (starting at 0) and
 * the connection table's sysctls and timeouts belong to the run, so they
 * carry over when `scheduler` creates a new service; the service's
 * env->now_ns is that clock.
 *
 * Deliberately different from a real director: `pick` is a bare decision
 * (persistence templates are found, created and re-armed, but no connection
 * is made), and `conns` sets counters directly, on top of which the
 * connections opened by the script are counted; OVERLOAD then follows the
 * current profile's edit rule (set at >= upper, cleared below the low mark).
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/ipvs/conn.h"
#include "algorithms/ipvs/service.h"
#include "algorithms/sched/sched.h"
#include "scenarios/lang/units.h"
#include "sim/rng.h"
#include "sim/xalloc.h"

#define SCHED_MAX_TOKENS 32
#define SCHED_DEFAULT_VIP 0x0A000064u /* 10.0.0.100 */
#define SCHED_PERSIST_DEFAULT_S 300   /* ipvsadm -p without a value */

struct sched_tok {
	const char *s;
	unsigned col; /* 1-based */
};

struct sched_run {
	const char *path;
	unsigned line;
	/* the virtual service and the settings the next "scheduler" uses */
	struct lb_service svc;
	bool have_svc;
	struct lb_addr vaddr;
	uint16_t vport;
	uint8_t proto;
	enum lb_kind kind;
	enum lb_profile profile;
	struct lb_conn_table *tab;
	gsl_rng *rng;
	struct lb_env env;
	int64_t now;
};

/* Report an error at tok (or column 1) of the current line; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) static int sched_err(const struct sched_run *r,
							   const struct sched_tok *tok,
							   const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s:%u:%u: error: ", r->path, r->line, tok ? tok->col : 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static int64_t sched_now(void *ctx)
{
	return ((const struct sched_run *)ctx)->now;
}

/* Split line in place into tokens; stops at '#'. Returns the count or -E2BIG. */
static int sched_tokenize(char *line, struct sched_tok *tok)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == SCHED_MAX_TOKENS)
			return -E2BIG;
		tok[n].s = p;
		tok[n].col = (unsigned)(p - line) + 1;
		n++;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '#')
			p++;
		if (*p == '#') {
			*p = '\0';
			return n;
		}
		if (*p)
			*p++ = '\0';
	}
}

static int sched_u64(const struct sched_run *r, const struct sched_tok *t, const char *what,
		     uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	if (t->s[0] < '0' || t->s[0] > '9')
		goto out_bad;
	*out = strtoull(t->s, &end, 10);
	if (errno || *end || *out > max)
		goto out_bad;
	return 0;
out_bad:
	return sched_err(r, t, "%s: expected an integer 0..%llu, got '%s'", what,
			 (unsigned long long)max, t->s);
}

/* IP or IP:PORT (port defaults to def_port); the family must match the service's. */
static int sched_addr_port(const struct sched_run *r, const struct sched_tok *t, uint16_t def_port,
			   struct lb_addr *a, uint16_t *port)
{
	if (lb_addr_parse_port(t->s, a, port))
		return sched_err(r, t, "expected an address like 10.0.0.1:80, got '%s'", t->s);
	if (a->af != r->vaddr.af)
		return sched_err(r, t, "'%s' is not of the service's address family", t->s);
	if (!*port)
		*port = def_port;
	return 0;
}

static int sched_need_svc(const struct sched_run *r, const struct sched_tok *t)
{
	if (r->have_svc)
		return 0;
	return sched_err(r, t, "no service yet: start with 'scheduler NAME'");
}

/* ---- service ---- */

/* Expire every entry and give the dests their counters back; then drop the service. */
static void sched_drop_service(struct sched_run *r)
{
	if (!r->have_svc)
		return;
	lb_conn_table_flush(r->tab, NULL);
	lb_service_fini(&r->svc);
	r->have_svc = false;
}

static void sched_known_list(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; lb_sched_at(i) && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "",
					lb_sched_at(i)->name);
}

/* Parse "scheduler NAME FLAG..." into ops and svc's conf/persistence fields. */
static int sched_parse_sched(struct sched_run *r, const struct sched_tok *tok, int n,
			     const struct lb_sched_ops **ops, struct lb_sched_conf *conf,
			     uint32_t *persist_s, struct lb_addr *mask)
{
	char known[512];
	uint64_t v;

	if (n < 2)
		return sched_err(r, &tok[0], "scheduler: expected a scheduler name");
	*ops = lb_sched_find(tok[1].s);
	if (!*ops) {
		sched_known_list(known, sizeof(known));
		return sched_err(r, &tok[1], "unknown scheduler '%s' (known: %s)", tok[1].s, known);
	}
	for (int i = 2; i < n; i++) {
		const struct sched_tok *t = &tok[i];
		const char *eq = strchr(t->s, '=');
		struct sched_tok val = { eq ? eq + 1 : "",
					 t->col + (eq ? (unsigned)(eq - t->s) + 1 : 0) };

		if (!strcmp(t->s, "sh-fallback") || !strcmp(t->s, "mh-fallback")) {
			conf->flags |=
				t->s[0] == 's' ? LB_SVC_F_SH_FALLBACK : LB_SVC_F_MH_FALLBACK;
		} else if (!strcmp(t->s, "sh-port") || !strcmp(t->s, "mh-port")) {
			conf->flags |= t->s[0] == 's' ? LB_SVC_F_SH_PORT : LB_SVC_F_MH_PORT;
		} else if (!strncmp(t->s, "d=", 2)) {
			if (sched_u64(r, &val, "d", 1000, &v))
				return -EINVAL;
			if (!v)
				return sched_err(r, &val, "d: expected 1..1000, got 0");
			conf->d = (unsigned)v;
		} else if (!strncmp(t->s, "table=", 6)) {
			if (sched_u64(r, &val, "table", 1u << 24, &v))
				return -EINVAL;
			conf->mh_size = (unsigned)v;
		} else if (!strcmp(t->s, "persistence")) {
			*persist_s = SCHED_PERSIST_DEFAULT_S;
		} else if (!strncmp(t->s, "persistence=", 12)) {
			if (sched_u64(r, &val, "persistence", 31536000, &v))
				return -EINVAL;
			*persist_s = (uint32_t)v;
		} else if (!strncmp(t->s, "granularity=", 12)) {
			if (val.s[0] == '/') {
				unsigned bits = r->vaddr.af == LB_AF_INET6 ? 128 : 32;
				struct sched_tok pv = { val.s + 1, val.col + 1 };

				if (sched_u64(r, &pv, "granularity prefix", bits, &v))
					return -EINVAL;
				memset(mask, 0, sizeof(*mask));
				mask->af = r->vaddr.af;
				if (mask->af == LB_AF_INET)
					mask->u.v4 = v ? ~0u << (32 - v) : 0;
				else
					for (unsigned b = 0; b < v; b++)
						mask->u.v6[b / 8] |= (uint8_t)(0x80u >> (b % 8));
			} else if (lb_addr_parse(val.s, mask) || mask->af != r->vaddr.af) {
				return sched_err(r, &val,
						 "granularity: expected a netmask like "
						 "255.255.255.0 or /24, got '%s'",
						 val.s);
			}
		} else {
			return sched_err(r, t,
					 "unknown scheduler flag '%s' (sh-fallback sh-port "
					 "mh-fallback mh-port d=N table=M persistence=SECONDS "
					 "granularity=MASK)",
					 t->s);
		}
	}
	return 0;
}

static int sched_init_error(struct sched_run *r, const struct sched_tok *t, int rc)
{
	return sched_err(r, t, "scheduler %s: cannot initialise: %s", t->s, strerror(-rc));
}

static int op_scheduler(struct sched_run *r, const struct sched_tok *tok, int n)
{
	const struct lb_sched_ops *ops;
	struct lb_service scratch;
	struct lb_sched_conf conf;
	struct lb_addr mask;
	uint32_t persist = 0;
	int rc;

	memset(&mask, 0, sizeof(mask));
	lb_service_init(&scratch, r->profile); /* for the conf defaults; allocates nothing */
	conf = scratch.conf;
	if (sched_parse_sched(r, tok, n, &ops, &conf, &persist, &mask))
		return -EINVAL;
	sched_drop_service(r);
	lb_service_init(&r->svc, r->profile);
	r->svc.addr = r->vaddr;
	r->svc.port = r->vport;
	r->svc.proto = r->proto;
	r->svc.kind = r->kind;
	r->svc.conf = conf;
	r->svc.persistence_timeout_s = persist;
	r->svc.persistence_mask = mask;
	r->svc.rng = r->rng;
	r->svc.env = &r->env;
	r->have_svc = true;
	rc = lb_service_set_sched(&r->svc, ops);
	if (rc)
		return sched_init_error(r, &tok[1], rc);
	return 0;
}

static int op_set_scheduler(struct sched_run *r, const struct sched_tok *tok, int n)
{
	const struct lb_sched_ops *ops;
	struct lb_sched_conf conf;
	struct lb_addr mask;
	uint32_t persist = 0;
	int rc;

	if (sched_need_svc(r, &tok[0]))
		return -EINVAL;
	memset(&mask, 0, sizeof(mask));
	conf = r->svc.conf;
	conf.flags = 0;
	if (sched_parse_sched(r, tok, n, &ops, &conf, &persist, &mask))
		return -EINVAL;
	r->svc.conf = conf;
	r->svc.persistence_timeout_s = persist;
	r->svc.persistence_mask = mask;
	rc = lb_service_set_sched(&r->svc, ops);
	if (rc)
		return sched_init_error(r, &tok[1], rc);
	return 0;
}

static int op_service(struct sched_run *r, const struct sched_tok *tok, int n)
{
	struct lb_addr a;
	uint16_t port;

	if (n < 2)
		return sched_err(r, &tok[0],
				 "service: expected IP:PORT [tcp|udp|sctp] [nat|dr|tun]");
	if (lb_addr_parse_port(tok[1].s, &a, &port))
		return sched_err(r, &tok[1], "expected an address like 10.0.0.100:80, got '%s'",
				 tok[1].s);
	if (r->have_svc && a.af != r->vaddr.af && r->svc.ndests + r->svc.ntrash)
		return sched_err(r, &tok[1],
				 "service: cannot change the address family of a "
				 "service with destinations");
	r->vaddr = a;
	r->vport = port;
	for (int i = 2; i < n; i++) {
		const char *s = tok[i].s;

		if (!strcmp(s, "tcp"))
			r->proto = LB_PROTO_TCP;
		else if (!strcmp(s, "udp"))
			r->proto = LB_PROTO_UDP;
		else if (!strcmp(s, "sctp"))
			r->proto = LB_PROTO_SCTP;
		else if (!strcmp(s, "nat"))
			r->kind = LB_KIND_NAT;
		else if (!strcmp(s, "dr"))
			r->kind = LB_KIND_DR;
		else if (!strcmp(s, "tun"))
			r->kind = LB_KIND_TUN;
		else
			return sched_err(r, &tok[i],
					 "service: expected tcp, udp, sctp, nat, dr or "
					 "tun, got '%s'",
					 s);
	}
	if (r->have_svc) {
		r->svc.addr = r->vaddr;
		r->svc.port = r->vport;
		r->svc.proto = r->proto;
		r->svc.kind = r->kind;
	}
	return 0;
}

static int op_profile(struct sched_run *r, const struct sched_tok *tok, int n)
{
	if (n != 2 || (strcmp(tok[1].s, "current") && strcmp(tok[1].s, "legacy")))
		return sched_err(r, n > 1 ? &tok[1] : &tok[0],
				 "profile: expected 'current' or 'legacy'");
	r->profile = !strcmp(tok[1].s, "legacy") ? LB_PROFILE_LEGACY : LB_PROFILE_CURRENT;
	if (r->have_svc)
		lb_service_set_profile(&r->svc, r->profile);
	return 0;
}

/* "[weight W] [upper U] [lower L]" from tok[i..n); absent values stay as given. */
static int sched_dest_opts(struct sched_run *r, const struct sched_tok *tok, int i, int n, int *w,
			   uint32_t *u, uint32_t *l)
{
	uint64_t v;

	for (; i < n; i += 2) {
		const char *k = tok[i].s;

		if (strcmp(k, "weight") && strcmp(k, "upper") && strcmp(k, "lower"))
			return sched_err(r, &tok[i], "expected weight, upper or lower, got '%s'",
					 k);
		if (i + 1 >= n)
			return sched_err(r, &tok[i], "%s: missing value", k);
		if (sched_u64(r, &tok[i + 1], k, k[0] == 'w' ? 2147483647u : 4294967295u, &v))
			return -EINVAL;
		if (k[0] == 'w')
			*w = (int)v;
		else if (k[0] == 'u')
			*u = (uint32_t)v;
		else
			*l = (uint32_t)v;
	}
	return 0;
}

static int op_add_edit(struct sched_run *r, const struct sched_tok *tok, int n, bool add)
{
	char buf[LB_ADDR_STRLEN];
	struct lb_dest *d = NULL;
	struct lb_addr a;
	uint16_t port;
	int w = 1, rc;
	uint32_t u = 0, l = 0;

	if (sched_need_svc(r, &tok[0]))
		return -EINVAL;
	if (n < 2)
		return sched_err(r, &tok[0], "%s: expected IP:PORT", tok[0].s);
	if (sched_addr_port(r, &tok[1], r->svc.port, &a, &port))
		return -EINVAL;
	lb_addr_port_fmt(&a, port, buf, sizeof(buf));
	if (!add) {
		d = lb_service_find_dest(&r->svc, &a, port);
		if (!d)
			return sched_err(r, &tok[1], "edit: no destination %s", buf);
		w = d->weight;
		u = d->u_threshold;
		l = d->l_threshold;
	}
	if (sched_dest_opts(r, tok, 2, n, &w, &u, &l))
		return -EINVAL;
	if (add)
		rc = lb_service_add_dest(&r->svc, &a, port, w, u, l, &d);
	else
		rc = lb_service_edit_dest(&r->svc, d, w, u, l);
	if (rc == -EEXIST)
		return sched_err(r, &tok[1], "add: destination %s already exists", buf);
	if (rc == -EINVAL)
		return sched_err(r, &tok[1], "%s %s: lower threshold %u above upper %u", tok[0].s,
				 buf, l, u);
	if (rc)
		return sched_err(r, &tok[1], "%s %s: %s", tok[0].s, buf, strerror(-rc));
	return 0;
}

static struct lb_dest *sched_find_dest(struct sched_run *r, const struct sched_tok *t)
{
	char buf[LB_ADDR_STRLEN];
	struct lb_addr a;
	struct lb_dest *d;
	uint16_t port;

	if (sched_addr_port(r, t, r->svc.port, &a, &port))
		return NULL;
	d = lb_service_find_dest(&r->svc, &a, port);
	if (!d)
		sched_err(r, t, "no destination %s", lb_addr_port_fmt(&a, port, buf, sizeof(buf)));
	return d;
}

static int op_del(struct sched_run *r, const struct sched_tok *tok, int n)
{
	struct lb_dest *d;

	if (sched_need_svc(r, &tok[0]))
		return -EINVAL;
	if (n != 2)
		return sched_err(r, &tok[0], "del: expected IP:PORT");
	d = sched_find_dest(r, &tok[1]);
	if (!d)
		return -EINVAL;
	lb_service_del_dest(&r->svc, d);
	lb_conn_table_dest_removed(r->tab, d);
	return 0;
}

/* The script's own live connections on d, by counter. */
static void sched_live(const struct sched_run *r, const struct lb_dest *d, int32_t *act,
		       int32_t *inact)
{
	*act = *inact = 0;
	for (struct lb_conn *c = lb_conn_table_next(r->tab, NULL); c;
	     c = lb_conn_table_next(r->tab, c)) {
		if (c->dest != d || (c->flags & LB_CONN_F_TEMPLATE))
			continue;
		if (c->flags & LB_CONN_F_INACTIVE)
			(*inact)++;
		else
			(*act)++;
	}
}

static int op_conns(struct sched_run *r, const struct sched_tok *tok, int n)
{
	uint64_t a, i;
	int32_t la, li;
	uint32_t total, l_eff;
	struct lb_dest *d;

	if (sched_need_svc(r, &tok[0]))
		return -EINVAL;
	if (n != 4)
		return sched_err(r, &tok[0], "conns: expected IP:PORT ACTIVE INACTIVE");
	d = sched_find_dest(r, &tok[1]);
	if (!d || sched_u64(r, &tok[2], "active", 1000000000, &a) ||
	    sched_u64(r, &tok[3], "inactive", 1000000000, &i))
		return -EINVAL;
	sched_live(r, d, &la, &li);
	d->activeconns = (int32_t)a + la;
	d->inactconns = (int32_t)i + li;
	total = (uint32_t)d->activeconns + (uint32_t)d->inactconns;
	l_eff = d->l_threshold ? d->l_threshold : d->u_threshold - d->u_threshold / 4;
	if (!d->u_threshold)
		d->flags &= ~LB_DEST_F_OVERLOAD;
	else if (total >= d->u_threshold)
		d->flags |= LB_DEST_F_OVERLOAD;
	else if (total < l_eff)
		d->flags &= ~LB_DEST_F_OVERLOAD;
	if (r->svc.sched && r->svc.sched->load_changed)
		r->svc.sched->load_changed(&r->svc, d);
	return 0;
}

/* CLIENT[:PORT] [to DADDR] into a flow key to the service. */
static int sched_client_key(struct sched_run *r, const struct sched_tok *tok, int n, bool need_port,
			    struct lb_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	if (n < 2)
		return sched_err(r, &tok[0], "%s: expected CLIENT_IP%s", tok[0].s,
				 need_port ? ":PORT" : "[:PORT]");
	if (lb_addr_parse_port(tok[1].s, &k->saddr, &k->sport))
		return sched_err(r, &tok[1],
				 "expected a client address like 192.168.1.10:40000, "
				 "got '%s'",
				 tok[1].s);
	if (k->saddr.af != r->vaddr.af)
		return sched_err(r, &tok[1], "'%s' is not of the service's address family",
				 tok[1].s);
	if (need_port && !k->sport)
		return sched_err(r, &tok[1],
				 "%s: expected CLIENT_IP:PORT (a connection needs a "
				 "port), got '%s'",
				 tok[0].s, tok[1].s);
	k->daddr = r->svc.addr;
	k->dport = r->svc.port;
	k->proto = r->svc.proto;
	if (n == 2)
		return 0;
	if (n != 4 || strcmp(tok[2].s, "to"))
		return sched_err(r, &tok[2], "%s: expected 'to DADDR' after the client", tok[0].s);
	if (lb_addr_parse(tok[3].s, &k->daddr) || k->daddr.af != r->vaddr.af)
		return sched_err(r, &tok[3], "expected a destination address, got '%s'", tok[3].s);
	return 0;
}

static void sched_print(const struct sched_tok *client, const struct lb_dest *d)
{
	char buf[LB_ADDR_STRLEN];

	if (d)
		printf("%s -> %s\n", client->s,
		       lb_addr_port_fmt(&d->addr, d->port, buf, sizeof(buf)));
	else
		printf("%s -> none\n", client->s);
}

static int sched_table_error(struct sched_run *r, const struct sched_tok *t, int rc)
{
	if (rc == -E2BIG)
		return sched_err(r, t, "too many distinct timeouts (255 at most)");
	return sched_err(r, t, "%s", strerror(-rc));
}

static int op_pick(struct sched_run *r, const struct sched_tok *tok, int n)
{
	struct lb_flow_key k;
	struct lb_dest *d = NULL;
	int rc;

	if (sched_need_svc(r, &tok[0]) || sched_client_key(r, tok, n, false, &k))
		return -EINVAL;
	rc = lb_conn_persist_pick(r->tab, &r->svc, &k, r->now, &d);
	if (rc && rc != -ENOENT)
		return sched_table_error(r, &tok[1], rc);
	sched_print(&tok[1], d);
	return 0;
}

/*
 * open: the handshake as the director sees it. TCP: SYN in; NAT also sees
 * the SYN-ACK out; then the client's ACK: the entry is ESTABLISHED. Other
 * protocols: one datagram.
 */
static int op_open(struct sched_run *r, const struct sched_tok *tok, int n)
{
	struct lb_flow_key k;
	struct lb_conn *c = NULL;
	int rc;

	if (sched_need_svc(r, &tok[0]) || sched_client_key(r, tok, n, true, &k))
		return -EINVAL;
	rc = lb_conn_in(r->tab, &r->svc, &k, LB_TCP_SYN, r->now, &c);
	if (rc == -ENOENT || rc == -EHOSTDOWN || rc == -ENOTCONN) {
		sched_print(&tok[1], NULL);
		return 0;
	}
	if (rc)
		return sched_table_error(r, &tok[1], rc);
	if (k.proto == LB_PROTO_TCP) {
		if (r->svc.kind == LB_KIND_NAT)
			lb_conn_packet(r->tab, c, LB_CONN_DIR_OUT, LB_TCP_SYN | LB_TCP_ACK, r->now);
		lb_conn_in(r->tab, &r->svc, &k, LB_TCP_ACK, r->now, &c);
	}
	sched_print(&tok[1], c ? c->dest : NULL);
	return 0;
}

/*
 * close: the client's FIN. DR/TUN: the entry goes to FIN_WAIT (inactive,
 * 2 min); NAT: the server's FIN and the last ACK follow, TIME_WAIT (2 min).
 * Other protocols: nothing (their entries are inactive anyway).
 */
static int op_close(struct sched_run *r, const struct sched_tok *tok, int n)
{
	struct lb_flow_key k;
	struct lb_conn *c;

	if (sched_need_svc(r, &tok[0]) || sched_client_key(r, tok, n, true, &k))
		return -EINVAL;
	lb_conn_table_expire(r->tab, r->now);
	if (!lb_conn_lookup(r->tab, &k))
		return sched_err(r, &tok[1],
				 "close: no connection from %s (never opened, or "
				 "expired)",
				 tok[1].s);
	if (k.proto != LB_PROTO_TCP)
		return 0;
	if (lb_conn_in(r->tab, &r->svc, &k, LB_TCP_FIN | LB_TCP_ACK, r->now, &c))
		return 0; /* dest deleted: the packet is dropped */
	if (r->svc.kind == LB_KIND_NAT) {
		lb_conn_packet(r->tab, c, LB_CONN_DIR_OUT, LB_TCP_FIN | LB_TCP_ACK, r->now);
		lb_conn_in(r->tab, &r->svc, &k, LB_TCP_ACK, r->now, &c);
	}
	return 0;
}

static int op_advance(struct sched_run *r, const struct sched_tok *tok, int n)
{
	char err[160];
	sim_time_t d;

	if (n != 2)
		return sched_err(r, n > 2 ? &tok[2] : &tok[0],
				 "advance: expected one duration like 10s (no space before the unit)");
	if (units_duration(tok[1].s, &d, err, sizeof(err)))
		return sched_err(r, &tok[1], "advance: %s", err);
	if (d > INT64_MAX / 4 - r->now)
		return sched_err(r, &tok[1], "advance: the clock would run past 73 years");
	r->now += d;
	lb_conn_table_expire(r->tab, r->now);
	return 0;
}

static int op_sysctl(struct sched_run *r, const struct sched_tok *tok, int n)
{
	struct lb_conn_conf conf = *lb_conn_table_conf(r->tab);
	uint64_t v;

	if (n != 3)
		return sched_err(r, &tok[0], "sysctl: expected NAME VALUE");
	if (!strcmp(tok[1].s, "conn_reuse_mode")) {
		if (sched_u64(r, &tok[2], tok[1].s, 3, &v))
			return -EINVAL;
		conf.conn_reuse_mode = (unsigned)v;
	} else if (!strcmp(tok[1].s, "expire_nodest_conn") ||
		   !strcmp(tok[1].s, "expire_quiescent_template") ||
		   !strcmp(tok[1].s, "sloppy_tcp")) {
		if (sched_u64(r, &tok[2], tok[1].s, 1, &v))
			return -EINVAL;
		if (!strcmp(tok[1].s, "sloppy_tcp"))
			conf.sloppy_tcp = v;
		else if (!strcmp(tok[1].s, "expire_nodest_conn"))
			conf.expire_nodest_conn = v;
		else
			conf.expire_quiescent_template = v;
	} else {
		return sched_err(r, &tok[1],
				 "sysctl: unknown name '%s' (conn_reuse_mode "
				 "expire_nodest_conn expire_quiescent_template "
				 "sloppy_tcp)",
				 tok[1].s);
	}
	return lb_conn_table_set_conf(r->tab, &conf) ? sched_table_error(r, &tok[1], -E2BIG) : 0;
}

static int op_timeout(struct sched_run *r, const struct sched_tok *tok, int n)
{
	struct lb_conn_conf conf = *lb_conn_table_conf(r->tab);
	char err[160], name[24];
	sim_time_t d;
	int s = -1;

	if (n != 3)
		return sched_err(r, &tok[0], "timeout: expected STATE DURATION");
	for (int i = 0; i < LB_CONN_S_COUNT; i++) {
		const char *sn = lb_conn_state_name((enum lb_conn_state)i);
		size_t j;

		for (j = 0; sn[j] && j + 1 < sizeof(name); j++)
			name[j] = (char)(sn[j] >= 'A' && sn[j] <= 'Z' ? sn[j] - 'A' + 'a' : sn[j]);
		name[j] = '\0';
		if (!strcmp(name, tok[1].s))
			s = i;
	}
	if (s < 0)
		return sched_err(r, &tok[1],
				 "timeout: unknown state '%s' (none established "
				 "syn_sent syn_recv fin_wait time_wait close "
				 "close_wait last_ack listen synack udp)",
				 tok[1].s);
	if (units_duration(tok[2].s, &d, err, sizeof(err)))
		return sched_err(r, &tok[2], "timeout: %s", err);
	conf.timeout_ns[s] = d;
	return lb_conn_table_set_conf(r->tab, &conf) ? sched_table_error(r, &tok[2], -E2BIG) : 0;
}

static const char *const sched_kind_name[LB_KIND_COUNT] = { "nat", "dr", "tun" };

static void sched_show_dest(const struct lb_dest *d, const char *note)
{
	char buf[LB_ADDR_STRLEN];

	printf("  %s weight %d active %d inactive %d persist %d%s%s\n",
	       lb_addr_port_fmt(&d->addr, d->port, buf, sizeof(buf)), d->weight, d->activeconns,
	       d->inactconns, d->persistconns, lb_dest_is_overloaded(d) ? " overload" : "", note);
}

/* show: the service line, then the dests in kernel order, then deleted dests still in use. */
static int op_show(struct sched_run *r, const struct sched_tok *tok, int n)
{
	char buf[LB_ADDR_STRLEN];

	if (sched_need_svc(r, &tok[0]))
		return -EINVAL;
	if (n != 1)
		return sched_err(r, &tok[1], "show: takes no arguments");
	printf("service %s %s %s %s%s, t=%.9gs, connections %zu, templates %zu\n",
	       lb_addr_port_fmt(&r->svc.addr, r->svc.port, buf, sizeof(buf)),
	       r->svc.proto == LB_PROTO_UDP    ? "udp"
	       : r->svc.proto == LB_PROTO_SCTP ? "sctp"
					       : "tcp",
	       sched_kind_name[r->svc.kind], r->svc.sched ? r->svc.sched->name : "(none)",
	       r->svc.profile == LB_PROFILE_LEGACY ? " legacy" : "", (double)r->now / 1e9,
	       lb_conn_table_count(r->tab), lb_conn_table_templates(r->tab));
	for (unsigned i = 0; i < r->svc.ndests; i++)
		sched_show_dest(r->svc.dests[i], "");
	for (unsigned i = 0; i < r->svc.ntrash; i++) {
		const struct lb_dest *d = r->svc.trash[i];

		if (d->activeconns || d->inactconns || d->persistconns)
			sched_show_dest(d, " deleted");
	}
	return 0;
}

static int op_add(struct sched_run *r, const struct sched_tok *tok, int n)
{
	return op_add_edit(r, tok, n, true);
}

static int op_edit(struct sched_run *r, const struct sched_tok *tok, int n)
{
	return op_add_edit(r, tok, n, false);
}

static const struct sched_op {
	const char *name;
	int (*fn)(struct sched_run *r, const struct sched_tok *tok, int n);
} sched_op_table[] = {
	{ "service", op_service },
	{ "scheduler", op_scheduler },
	{ "set-scheduler", op_set_scheduler },
	{ "profile", op_profile },
	{ "add", op_add },
	{ "edit", op_edit },
	{ "del", op_del },
	{ "conns", op_conns },
	{ "pick", op_pick },
	{ "open", op_open },
	{ "close", op_close },
	{ "advance", op_advance },
	{ "sysctl", op_sysctl },
	{ "timeout", op_timeout },
	{ "show", op_show },
};

static int sched_line(struct sched_run *r, char *line)
{
	struct sched_tok tok[SCHED_MAX_TOKENS];
	int n = sched_tokenize(line, tok);

	if (n < 0)
		return sched_err(r, NULL, "too many words on one line (%d at most)",
				 SCHED_MAX_TOKENS);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < sizeof(sched_op_table) / sizeof(sched_op_table[0]); i++)
		if (!strcmp(tok[0].s, sched_op_table[i].name))
			return sched_op_table[i].fn(r, tok, n);
	return sched_err(r, &tok[0],
			 "unknown operation '%s' (service scheduler set-scheduler "
			 "profile add edit del conns pick open close advance sysctl "
			 "timeout show)",
			 tok[0].s);
}

/* cmd_sched_help - the script syntax, printed by `lbsim sched --help`. */
void cmd_sched_help(FILE *f)
{
	fprintf(f,
		"\nscript (one operation per line, # comments):\n"
		"  service IP:PORT [tcp|udp|sctp] [nat|dr|tun]   default 10.0.0.100:80 tcp dr\n"
		"  scheduler NAME [FLAG...]       (re)create the service; flags: sh-fallback "
		"sh-port\n"
		"                                 mh-fallback mh-port d=N table=M\n"
		"                                 persistence[=SECONDS] granularity=MASK|/PREFIX\n"
		"  set-scheduler NAME [FLAG...]   change the scheduler, keep dests and "
		"connections\n"
		"  profile current|legacy         connection-overhead rules (default current)\n"
		"  add IP:PORT [weight W] [upper U] [lower L]   new dest, at the head of the list\n"
		"  edit IP:PORT [weight W] [upper U] [lower L]\n"
		"  del IP:PORT\n"
		"  conns IP:PORT ACTIVE INACTIVE  connections besides those the script opened\n"
		"  pick CLIENT[:PORT] [to DADDR]  schedule, print 'CLIENT -> IP:PORT' or '-> "
		"none'\n"
		"  open CLIENT:PORT [to DADDR]    pick, then an established connection (prints)\n"
		"  close CLIENT:PORT [to DADDR]   the client closes; the entry goes inactive\n"
		"  advance DURATION               time passes (10s, 2m, ...); entries expire\n"
		"  sysctl NAME VALUE              conn_reuse_mode expire_nodest_conn\n"
		"                                 expire_quiescent_template sloppy_tcp\n"
		"  timeout STATE DURATION         e.g. timeout established 10s\n"
		"  show                           the dests in kernel order with their counters\n");
}

/*
 * cmd_sched - run the script o->scenario ("-" = stdin) with the random
 * stream rng_stream_new(seed, "sched"), seed from --seed or 1. Returns
 * CLI_EXIT_OK, or CLI_EXIT_INPUT after the first error (message on stderr).
 */
int cmd_sched(const struct cli_opts *o)
{
	struct sched_run r;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int rc = CLI_EXIT_OK;

	memset(&r, 0, sizeof(r));
	r.path = strcmp(o->scenario, "-") ? o->scenario : "<stdin>";
	f = strcmp(o->scenario, "-") ? fopen(o->scenario, "r") : stdin;
	if (!f) {
		fprintf(stderr, "lbsim sched: cannot open '%s': %s\n", o->scenario,
			strerror(errno));
		return CLI_EXIT_INPUT;
	}
	r.vaddr.af = LB_AF_INET;
	r.vaddr.u.v4 = SCHED_DEFAULT_VIP;
	r.vport = 80;
	r.proto = LB_PROTO_TCP;
	r.kind = LB_KIND_DR;
	r.profile = LB_PROFILE_CURRENT;
	r.env.ctx = &r;
	r.env.now_ns = sched_now;
	r.rng = rng_stream_new(o->seed_set ? o->seed : 1, "sched");
	r.tab = lb_conn_table_new(NULL);
	while (getline(&line, &cap, f) >= 0) {
		r.line++;
		if (sched_line(&r, line)) {
			rc = CLI_EXIT_INPUT;
			break;
		}
	}
	if (rc == CLI_EXIT_OK && ferror(f)) {
		fprintf(stderr, "lbsim sched: reading '%s': %s\n", r.path, strerror(errno));
		rc = CLI_EXIT_INPUT;
	}
	fflush(stdout);
	free(line);
	if (f != stdin)
		fclose(f);
	sched_drop_service(&r);
	lb_conn_table_free(r.tab);
	rng_stream_free(r.rng);
	return rc;
}
