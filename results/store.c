/*
 * results/store.c - the SQLite results database (<out>/lbsim.db).
 *
 * tools/ opens the store once per command, writes each finished run with
 * store_write_run() (one per run, one per algorithm and replication under
 * compare) and closes it. A run is one transaction: a crash or a full disk
 * leaves either the whole run or none of it. Several lbsim processes may
 * share one database; writers wait for each other through the busy timeout.
 * A run writes a few dozen metric rows plus one row per series sample, so
 * even long runs stay in the thousands of rows.
 *
 * Schema version 2 (PRAGMA user_version = 2):
 *
 *   run(id INTEGER PRIMARY KEY, scenario TEXT, scenario_sha256 TEXT,
 *       seed INTEGER, algo TEXT, params TEXT, version TEXT, started TEXT,
 *       wall_s REAL, events INTEGER, status TEXT)
 *   metric(run INTEGER REFERENCES run(id), scope TEXT, name TEXT, value REAL)
 *   server_metric(run INTEGER REFERENCES run(id), server TEXT, name TEXT, value REAL,
 *       director TEXT, vs TEXT)
 *   series(run INTEGER REFERENCES run(id), name TEXT, t REAL, value REAL)
 *   transition(run INTEGER REFERENCES run(id), t REAL, director TEXT,
 *       instance TEXT, from_state TEXT, to_state TEXT)
 *   failover(run INTEGER REFERENCES run(id), fault_at REAL, detected REAL,
 *       master_at REAL, takeover REAL, broken INTEGER, failed_during INTEGER,
 *       refused_during INTEGER, timed_out_during INTEGER, instance TEXT,
 *       vips TEXT, from_director TEXT, to_director TEXT, synced INTEGER)
 *
 * Version 2 added transition and failover (HA runs: one row per VRRP state
 * change and per failover; a time that never came is NULL) and the metric
 * ('run', 'split_brain_s'). A version 1 database is upgraded in place: the
 * schema is all CREATE ... IF NOT EXISTS, so opening it creates the new
 * tables and bumps user_version; its old runs simply have no such rows.
 * failover's failed_during and refused_during, then timed_out_during (of
 * failed_during, the requests answered after the client's timeout), came
 * later in version 2, and after them the names that tell apart the
 * failovers of one fault: instance (the VRRP instance that was master),
 * vips (its virtual_ipaddress list, "a,b"), from_director and to_director
 * (NULL when nobody took over), then synced (the JSON's synced_connections:
 * the connections lvs_sync_daemon saved; NULL when no director syncs, as
 * the JSON leaves it out). A database without some of these gets them by
 * ALTER TABLE (NULL in its old rows). The run-scope metric timed_out came
 * with timed_out_during; older runs have no such row. server_metric's
 * director and vs (the virtual service, "vip:port" or "fwmark N"), which
 * tell apart one real server's rows under two directors or services, came
 * later still and are added the same way; a row is one (director, vs,
 * server, name) of its run.
 *
 * SPDX-License-Identifier: MIT
 */
#include "results/result.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "sim/xalloc.h"

#define STORE_SCHEMA_VERSION 2
#define STORE_BUSY_MS 10000
#define STORE_FILE "lbsim.db"

struct store {
	sqlite3 *db;
	sqlite3_stmt *ins_run;
	sqlite3_stmt *ins_metric;
	sqlite3_stmt *ins_server;
	sqlite3_stmt *ins_series;
	sqlite3_stmt *ins_transition;
	sqlite3_stmt *ins_failover;
	int step_rc;		/* the last failing step's code and message */
	char step_msg[256];
};

static const char store_schema[] =
	"CREATE TABLE IF NOT EXISTS run (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  scenario TEXT,\n"
	"  scenario_sha256 TEXT,\n"
	"  seed INTEGER,\n"
	"  algo TEXT,\n"
	"  params TEXT,\n"
	"  version TEXT,\n"
	"  started TEXT,\n"
	"  wall_s REAL,\n"
	"  events INTEGER,\n"
	"  status TEXT\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS metric (\n"
	"  run INTEGER REFERENCES run(id),\n"
	"  scope TEXT,\n"
	"  name TEXT,\n"
	"  value REAL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS server_metric (\n"
	"  run INTEGER REFERENCES run(id),\n"
	"  server TEXT,\n"
	"  name TEXT,\n"
	"  value REAL,\n"
	"  director TEXT,\n"
	"  vs TEXT\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS series (\n"
	"  run INTEGER REFERENCES run(id),\n"
	"  name TEXT,\n"
	"  t REAL,\n"
	"  value REAL\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS transition (\n"
	"  run INTEGER REFERENCES run(id),\n"
	"  t REAL,\n"
	"  director TEXT,\n"
	"  instance TEXT,\n"
	"  from_state TEXT,\n"
	"  to_state TEXT\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS failover (\n"
	"  run INTEGER REFERENCES run(id),\n"
	"  fault_at REAL,\n"
	"  detected REAL,\n"
	"  master_at REAL,\n"
	"  takeover REAL,\n"
	"  broken INTEGER,\n"
	"  failed_during INTEGER,\n"
	"  refused_during INTEGER,\n"
	"  timed_out_during INTEGER,\n"
	"  instance TEXT,\n"
	"  vips TEXT,\n"
	"  from_director TEXT,\n"
	"  to_director TEXT,\n"
	"  synced INTEGER\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS metric_run ON metric(run);\n"
	"CREATE INDEX IF NOT EXISTS server_metric_run ON server_metric(run);\n"
	"CREATE INDEX IF NOT EXISTS series_run ON series(run, name);\n"
	"CREATE INDEX IF NOT EXISTS transition_run ON transition(run);\n"
	"CREATE INDEX IF NOT EXISTS failover_run ON failover(run);\n";

/* Columns added after their table, in order: ALTER TABLE adds the missing ones. */
static const struct {
	const char *table, *name, *type;
} store_late[] = {
	{ "failover", "failed_during", "INTEGER" },
	{ "failover", "refused_during", "INTEGER" },
	{ "failover", "timed_out_during", "INTEGER" },
	{ "failover", "instance", "TEXT" },
	{ "failover", "vips", "TEXT" },
	{ "failover", "from_director", "TEXT" },
	{ "failover", "to_director", "TEXT" },
	{ "failover", "synced", "INTEGER" },
	{ "server_metric", "director", "TEXT" },
	{ "server_metric", "vs", "TEXT" },
};

/* The run-scope metrics, stored under these names (expect {} uses the same). */
static const char *const store_run_metrics[] = {
	"requests",	 "completed",	 "refused",	 "failed",	  "timed_out",
	"throughput",	 "mean_response", "p50_response", "p90_response", "p99_response",
	"p999_response", "imbalance",	 "cov",		  "utilization_max",
};

static void store_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A failed SQLite call's code as -errno: a busy database is -EBUSY, the rest -EIO. */
static int store_code_errno(int code)
{
	switch (code & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return -EACCES;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int store_errno(sqlite3 *db)
{
	return store_code_errno(sqlite3_errcode(db));
}

static int store_exec(struct store *st, const char *sql, const char *what, char *err,
		      size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	store_err(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errmsg(st->db));
	sqlite3_free(msg);
	return store_errno(st->db);
}

/* Create the tables of a new database, or check the version of an old one. */
static int store_schema_init(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int version, rc;
	size_t i;

	rc = store_exec(st, "BEGIN IMMEDIATE", "results database", err, errlen);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
		goto out_sqlerr;
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		goto out_sqlerr;
	}
	version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version > STORE_SCHEMA_VERSION) {
		store_err(err, errlen,
			  "results database has schema version %d; this lbsim knows up to %d",
			  version, STORE_SCHEMA_VERSION);
		rc = -EINVAL;
		goto out_rollback;
	}
	rc = store_exec(st, store_schema, "results database schema", err, errlen);
	if (rc)
		goto out_rollback;
	/*
	 * a database from before the outage counts, the failover names or the
	 * server rows' director and vs: add the missing columns
	 */
	for (i = 0; i < sizeof(store_late) / sizeof(store_late[0]); i++) {
		char sql[96];

		snprintf(sql, sizeof(sql), "SELECT %s FROM %s", store_late[i].name,
			 store_late[i].table);
		if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK) {
			sqlite3_finalize(q);
			continue;
		}
		snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", store_late[i].table,
			 store_late[i].name, store_late[i].type);
		rc = store_exec(st, sql, "results database schema", err, errlen);
		if (rc)
			goto out_rollback;
	}
	if (version < STORE_SCHEMA_VERSION) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		rc = store_exec(st, sql, "results database schema", err, errlen);
		if (rc)
			goto out_rollback;
	}
	return store_exec(st, "COMMIT", "results database schema", err, errlen);

out_sqlerr:
	store_err(err, errlen, "results database: %s", sqlite3_errmsg(st->db));
	rc = store_errno(st->db);
out_rollback:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int store_prepare(struct store *st, const char *sql, sqlite3_stmt **out, char *err,
			 size_t errlen)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) == SQLITE_OK)
		return 0;
	store_err(err, errlen, "results database: %s", sqlite3_errmsg(st->db));
	return store_errno(st->db);
}

/*
 * Open the results database at <path>, creating the file and the tables when
 * they do not exist. <path> names the database file, or a directory (which
 * must exist) that holds it as lbsim.db. Returns 0 and a store in *out that
 * the caller closes with store_close(); or -errno with a message in <err>.
 */
int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	struct stat sb;
	char *file;
	int rc;

	*out = NULL;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		size_t len = strlen(path) + sizeof(STORE_FILE) + 2;

		file = xmalloc(len);
		snprintf(file, len, "%s/%s", path, STORE_FILE);
	} else {
		file = xstrdup(path);
	}

	st = xcalloc(1, sizeof(*st));
	if (sqlite3_open_v2(file, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		store_err(err, errlen, "%s: %s", file,
			  st->db ? sqlite3_errmsg(st->db) : "cannot open database");
		rc = st->db ? store_errno(st->db) : -ENOMEM;
		goto out_close;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	sqlite3_extended_result_codes(st->db, 0);

	rc = store_exec(st, "PRAGMA foreign_keys = ON", file, err, errlen);
	if (rc)
		goto out_close;
	rc = store_schema_init(st, err, errlen);
	if (rc)
		goto out_close;

	rc = store_prepare(st,
			   "INSERT INTO run (scenario, scenario_sha256, seed, algo, params, "
			   "version, started, wall_s, events, status) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			   &st->ins_run, err, errlen);
	if (!rc)
		rc = store_prepare(st,
				   "INSERT INTO metric (run, scope, name, value) "
				   "VALUES (?1, ?2, ?3, ?4)",
				   &st->ins_metric, err, errlen);
	if (!rc)
		rc = store_prepare(st,
				   "INSERT INTO server_metric (run, server, name, value, "
				   "director, vs) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				   &st->ins_server, err, errlen);
	if (!rc)
		rc = store_prepare(st,
				   "INSERT INTO series (run, name, t, value) "
				   "VALUES (?1, ?2, ?3, ?4)",
				   &st->ins_series, err, errlen);
	if (!rc)
		rc = store_prepare(st,
				   "INSERT INTO transition (run, t, director, instance, "
				   "from_state, to_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				   &st->ins_transition, err, errlen);
	if (!rc)
		rc = store_prepare(st,
				   "INSERT INTO failover (run, fault_at, detected, master_at, "
				   "takeover, broken, failed_during, refused_during, "
				   "timed_out_during, instance, vips, from_director, to_director, "
				   "synced) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
				   "?12, ?13, ?14)",
				   &st->ins_failover, err, errlen);
	if (rc)
		goto out_close;
	free(file);
	*out = st;
	return 0;

out_close:
	store_close(st);
	free(file);
	return rc;
}

/* Close the database and free <st>. NULL is accepted. */
void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->ins_run);
	sqlite3_finalize(st->ins_metric);
	sqlite3_finalize(st->ins_server);
	sqlite3_finalize(st->ins_series);
	sqlite3_finalize(st->ins_transition);
	sqlite3_finalize(st->ins_failover);
	sqlite3_close(st->db);
	free(st);
}

/* A REAL column value; SQLite has no NaN or infinity, so those become NULL. */
static int store_bind_real(sqlite3_stmt *q, int i, double v)
{
	return isfinite(v) ? sqlite3_bind_double(q, i, v) : sqlite3_bind_null(q, i);
}

static int store_bind_text(sqlite3_stmt *q, int i, const char *s)
{
	return s ? sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(q, i);
}

/*
 * Run a bound INSERT and make it reusable. Returns SQLITE_DONE, or the
 * failing code with the message kept in <st> (reset would clear it).
 */
static int store_step(struct store *st, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	if (rc != SQLITE_DONE) {
		st->step_rc = rc;
		snprintf(st->step_msg, sizeof(st->step_msg), "%s", sqlite3_errmsg(st->db));
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

/* One (run, text, text, value) row into <q>; 0, or -1 with the error kept in <st>. */
static int store_put4(struct store *st, sqlite3_stmt *q, int64_t run, const char *a,
		      const char *b, double v)
{
	sqlite3_bind_int64(q, 1, run);
	store_bind_text(q, 2, a);
	store_bind_text(q, 3, b);
	store_bind_real(q, 4, v);
	return store_step(st, q) == SQLITE_DONE ? 0 : -1;
}

/* started_unix as ISO 8601 UTC with milliseconds ("2024-05-01T12:00:00.123Z"). */
static void store_iso8601(double unix_s, char *buf, size_t len)
{
	time_t sec = (time_t)floor(unix_s);
	int ms = (int)((unix_s - floor(unix_s)) * 1000.0);
	struct tm tm;
	char base[32];

	if (ms > 999)
		ms = 999;
	if (!gmtime_r(&sec, &tm) || !strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%s.%03dZ", base, ms);
}

static int store_insert_run(struct store *st, const struct run_result *r, int64_t *id)
{
	sqlite3_stmt *q = st->ins_run;
	char started[48];

	store_iso8601(r->started_unix, started, sizeof(started));
	store_bind_text(q, 1, r->scenario);
	store_bind_text(q, 2, r->scenario_sha256[0] ? r->scenario_sha256 : NULL);
	/* INTEGER is signed 64-bit: a seed above INT64_MAX reads back negative */
	sqlite3_bind_int64(q, 3, (sqlite3_int64)r->seed);
	store_bind_text(q, 4, r->algo);
	store_bind_text(q, 5, r->params_json ? r->params_json : "{}");
	store_bind_text(q, 6, r->version ? r->version : "unknown");
	store_bind_text(q, 7, started);
	store_bind_real(q, 8, r->wall_s);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)r->events);
	store_bind_text(q, 10, r->expect_failed ? "expect_failed" : "ok");
	if (store_step(st, q) != SQLITE_DONE)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* A failover time that never came (-1) is NULL. */
static int store_bind_when(sqlite3_stmt *q, int i, double v)
{
	return v < 0 ? sqlite3_bind_null(q, i) : store_bind_real(q, i, v);
}

/*
 * An HA run's VRRP transitions, failovers and split-brain time (nothing for
 * other runs). -1 on the first failing statement, the error kept in <st>.
 */
static int store_insert_ha(struct store *st, const struct run_result *r, int64_t id)
{
	size_t i;

	if (!r->ha)
		return 0;
	if (store_put4(st, st->ins_metric, id, "run", "split_brain_s", r->split_brain_s))
		return -1;
	for (i = 0; i < r->ntransitions; i++) {
		const struct run_transition *t = &r->transitions[i];
		sqlite3_stmt *q = st->ins_transition;

		sqlite3_bind_int64(q, 1, id);
		store_bind_real(q, 2, t->t_s);
		store_bind_text(q, 3, t->director);
		store_bind_text(q, 4, t->instance);
		store_bind_text(q, 5, t->from);
		store_bind_text(q, 6, t->to);
		if (store_step(st, q) != SQLITE_DONE)
			return -1;
	}
	for (i = 0; i < r->nfailovers; i++) {
		const struct run_failover *o = &r->failovers[i];
		sqlite3_stmt *q = st->ins_failover;

		sqlite3_bind_int64(q, 1, id);
		store_bind_real(q, 2, o->fault_at_s);
		store_bind_when(q, 3, o->detected_s);
		store_bind_when(q, 4, o->master_at_s);
		store_bind_when(q, 5, o->takeover_s);
		sqlite3_bind_int64(q, 6, (sqlite3_int64)o->broken_connections);
		sqlite3_bind_int64(q, 7, o->failed_during);
		sqlite3_bind_int64(q, 8, o->refused_during);
		sqlite3_bind_int64(q, 9, o->timed_out_during);
		store_bind_text(q, 10, o->instance);
		store_bind_text(q, 11, o->vips);
		store_bind_text(q, 12, o->from);
		store_bind_text(q, 13, o->to[0] ? o->to : NULL);
		/* -1: no lvs_sync_daemon, as json.c leaves synced_connections out */
		if (o->synced_connections < 0)
			sqlite3_bind_null(q, 14);
		else
			sqlite3_bind_int64(q, 14, o->synced_connections);
		if (store_step(st, q) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/*
 * The body of store_write_run, inside its transaction: the run row, the
 * run-scope metrics (plus measured_s, events_per_s), one 'expect' metric per
 * expect (its measured value; 'expect_pass' holds 1 or 0), the per-server
 * metrics, every series sample and, for an HA run, its transitions and
 * failovers. -1 on the first failing statement.
 */
static int store_insert_all(struct store *st, const struct run_result *r, int64_t *id)
{
	size_t i, j;
	double v;

	if (store_insert_run(st, r, id))
		return -1;
	for (i = 0; i < sizeof(store_run_metrics) / sizeof(store_run_metrics[0]); i++) {
		if (run_result_metric(r, store_run_metrics[i], &v))
			continue;
		if (store_put4(st, st->ins_metric, *id, "run", store_run_metrics[i], v))
			return -1;
	}
	if (store_put4(st, st->ins_metric, *id, "run", "measured_s", r->measured_s) ||
	    store_put4(st, st->ins_metric, *id, "run", "events_per_s", r->events_per_s))
		return -1;
	for (i = 0; i < r->nexpects; i++) {
		const struct run_expect_result *e = &r->expects[i];

		if (store_put4(st, st->ins_metric, *id, "expect", e->text,
			       e->known ? e->measured : NAN) ||
		    store_put4(st, st->ins_metric, *id, "expect_pass", e->text, e->pass ? 1 : 0))
			return -1;
	}
	for (i = 0; i < r->nservers; i++) {
		const struct run_server_result *s = &r->servers[i];
		const struct {
			const char *name;
			double v;
		} m[] = {
			{ "requests", (double)s->requests },
			{ "connections", (double)s->connections },
			{ "refused", (double)s->refused },
			{ "utilization", s->utilization },
			{ "weight", s->weight },
			{ "packets", (double)s->packets },
			{ "bytes", (double)s->bytes },
		};
		size_t nm = sizeof(m) / sizeof(m[0]) - (r->replay ? 0 : 2);

		for (j = 0; j < nm; j++) {
			sqlite3_stmt *q = st->ins_server;

			sqlite3_bind_int64(q, 1, *id);
			store_bind_text(q, 2, s->addr);
			store_bind_text(q, 3, m[j].name);
			store_bind_real(q, 4, m[j].v);
			store_bind_text(q, 5, s->director);
			store_bind_text(q, 6, s->vs);
			if (store_step(st, q) != SQLITE_DONE)
				return -1;
		}
	}
	for (i = 0; i < r->nextra; i++)
		if (store_put4(st, st->ins_metric, *id, r->extra[i].scope, r->extra[i].name,
			       r->extra[i].value))
			return -1;
	for (i = 0; i < r->nseries; i++) {
		const struct run_series *s = &r->series[i];

		for (j = 0; j < s->n; j++) {
			sqlite3_stmt *q = st->ins_series;

			sqlite3_bind_int64(q, 1, *id);
			store_bind_text(q, 2, s->name);
			store_bind_real(q, 3, s->t[j]);
			store_bind_real(q, 4, s->v[j]);
			if (store_step(st, q) != SQLITE_DONE)
				return -1;
		}
	}
	return store_insert_ha(st, r, *id);
}

/*
 * Write the finished run <r> and all its metrics, server rows and series in
 * one transaction. Returns 0 and the new run's id in *run_id (when not NULL);
 * or -errno with SQLite's message in <err>, and nothing of the run written.
 */
int store_write_run(struct store *st, const struct run_result *r, int64_t *run_id, char *err,
		    size_t errlen)
{
	int64_t id = 0;
	int rc;

	rc = store_exec(st, "BEGIN IMMEDIATE", "results database", err, errlen);
	if (rc)
		return rc;
	st->step_rc = SQLITE_OK;
	if (store_insert_all(st, r, &id)) {
		store_err(err, errlen, "results database: %s", st->step_msg);
		rc = store_code_errno(st->step_rc);
		goto out_rollback;
	}
	rc = store_exec(st, "COMMIT", "results database", err, errlen);
	if (rc)
		goto out_rollback;
	if (run_id)
		*run_id = id;
	return 0;

out_rollback:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
