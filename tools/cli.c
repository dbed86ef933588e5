/*
 * tools/cli.c - `lbsim`: the command-line entry point.
 *
 * Parses the command and its options from one table (name, argument, help,
 * commands that take it), which also prints --help, then hands over to the
 * command. Usage errors exit 2 with a message naming what was wrong.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/sched/sched.h"
#include "sim/xalloc.h"
#include "tools/version.h"

#define CMD_RUN 0x1u
#define CMD_COMPARE 0x2u
#define CMD_CHECK 0x4u
#define CMD_SCHED 0x8u
#define CMD_PCAPGEN 0x10u
#define CMD_REPLAY 0x20u

enum opt_id {
	OPT_ALGO = 0,
	OPT_ALGOS,
	OPT_SET,
	OPT_SEED,
	OPT_OUT,
	OPT_REPS,
	OPT_JSON,
	OPT_NO_PLOTS,
	OPT_QUIET,
	OPT_HELP,
	OPT_OUTPUT,
	OPT_FILTER,
	OPT_DUMP,
	OPT_SPEED,
	OPT_TOPSPEED,
	OPT_MAP,
	/* count, keep last */
	OPT_COUNT
};

static const struct cli_opt {
	enum opt_id id;
	const char *name;
	const char *arg; /* NULL: a flag */
	unsigned cmds;
	const char *help;
} cli_opt_table[] = {
	{ OPT_ALGO, "--algo", "NAME", CMD_RUN | CMD_CHECK | CMD_PCAPGEN | CMD_REPLAY,
	  "use scheduler NAME for every virtual_server (overrides lb_algo)" },
	{ OPT_ALGOS, "--algos", "A,B,...", CMD_COMPARE,
	  "schedulers to compare, comma-separated, or 'all'" },
	{ OPT_SET, "--set", "PATH=VALUE", CMD_RUN | CMD_COMPARE | CMD_CHECK | CMD_PCAPGEN | CMD_REPLAY,
	  "override a scenario value: block[.name].key=value, e.g.\n"
	  "                        simulation.duration=2s, clients.web.arrival=\"poisson 5000/s\",\n"
	  "                        server.10.10.0.21.workers=8 (repeatable)" },
	{ OPT_SEED, "--seed", "N", CMD_RUN | CMD_COMPARE | CMD_SCHED | CMD_PCAPGEN | CMD_REPLAY,
	  "random seed (default: the scenario's simulation.seed)" },
	{ OPT_OUT, "--out", "DIR", CMD_RUN | CMD_COMPARE | CMD_REPLAY,
	  "results directory: lbsim.db and figures (default out)" },
	{ OPT_REPS, "--reps", "N", CMD_COMPARE,
	  "replications per scheduler, seeds SEED..SEED+N-1 (default 1)" },
	{ OPT_JSON, "--json", NULL, CMD_RUN | CMD_COMPARE | CMD_REPLAY,
	  "print one JSON object (an array for compare) on stdout" },
	{ OPT_NO_PLOTS, "--no-plots", NULL, CMD_RUN | CMD_COMPARE, "do not draw figures" },
	{ OPT_QUIET, "--quiet", NULL, CMD_RUN | CMD_COMPARE | CMD_CHECK | CMD_PCAPGEN | CMD_REPLAY,
	  "no warnings on stderr" },
	{ OPT_OUTPUT, "-o", "OUT.pcap", CMD_PCAPGEN, "the capture to write (required)" },
	{ OPT_OUTPUT, "--output", "OUT.pcap", CMD_PCAPGEN, "the same as -o" },
	{ OPT_FILTER, "--filter", "BPF", CMD_REPLAY,
	  "replay only the packets this tcpdump-style filter accepts" },
	{ OPT_DUMP, "--dump", "DIR", CMD_REPLAY,
	  "write one pcap per real server (and client.pcap) with the frames it gets" },
	{ OPT_SPEED, "--speed", "X", CMD_REPLAY,
	  "capture time runs X times faster in the simulation (default 1)" },
	{ OPT_TOPSPEED, "--topspeed", NULL, CMD_REPLAY,
	  "packets back to back, as fast as the director model takes them" },
	{ OPT_MAP, "--map", "ORIG[:PORT]=VIP[:PORT]", CMD_REPLAY,
	  "retarget packets to ORIG (a capture taken elsewhere) to a virtual service" },
	{ OPT_HELP, "--help", NULL, CMD_RUN | CMD_COMPARE | CMD_CHECK | CMD_SCHED | CMD_PCAPGEN | CMD_REPLAY,
	  "this help" },
};

static const struct cli_cmd {
	const char *name;
	unsigned bit;
	int (*fn)(const struct cli_opts *o);
	const char *usage;
	const char *summary;
} cli_cmd_table[] = {
	{ "run", CMD_RUN, cmd_run, "lbsim run SCENARIO [options]",
	  "simulate a scenario, print the result table, store it in DIR/lbsim.db" },
	{ "compare", CMD_COMPARE, cmd_compare, "lbsim compare SCENARIO --algos A,B,... [options]",
	  "run several schedulers on the same workload, one table and two figures" },
	{ "check", CMD_CHECK, cmd_check, "lbsim check SCENARIO [options]",
	  "validate a scenario, print the model summary and warnings" },
	{ "pcapgen", CMD_PCAPGEN, cmd_pcapgen, "lbsim pcapgen SCENARIO -o OUT.pcap [options]",
	  "write the scenario's client traffic as frames, as captured in front of the director" },
	{ "replay", CMD_REPLAY, cmd_replay, "lbsim replay SCENARIO TRACE [options]",
	  "replay a pcap/pcapng capture through the directors, per-server pcaps with --dump" },
	{ "sched", CMD_SCHED, cmd_sched,
	  "lbsim sched SCRIPT [--seed N]   (SCRIPT - = stdin, seed default 1)",
	  "run scheduler operations on one virtual service, print every decision" },
};

const char *cli_version(void)
{
	return LBSIM_VERSION;
}

static void cli_usage(FILE *f)
{
	fprintf(f, "usage: lbsim COMMAND SCENARIO [options]\n\n"
		   "Discrete-event simulator of LVS (IPVS) directors and keepalived.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(cli_cmd_table) / sizeof(cli_cmd_table[0]); i++)
		fprintf(f, "  %-9s %s\n", cli_cmd_table[i].name, cli_cmd_table[i].summary);
	fprintf(f, "\n  lbsim COMMAND --help   options of a command\n"
		   "  lbsim --version        version\n\n"
		   "exit status: 0 success, 1 an expect {} assertion failed, 2 bad input or usage\n");
}

static void cli_cmd_help(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "usage: %s\n\n%s.\n\noptions:\n", c->usage, c->summary);
	for (size_t i = 0; i < sizeof(cli_opt_table) / sizeof(cli_opt_table[0]); i++) {
		const struct cli_opt *o = &cli_opt_table[i];
		char left[40];

		if (!(o->cmds & c->bit))
			continue;
		snprintf(left, sizeof(left), "%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(f, "  %-21s %s\n", left, o->help);
	}
	if (c->bit == CMD_SCHED)
		cmd_sched_help(f);
	if (c->bit & (CMD_RUN | CMD_COMPARE | CMD_SCHED)) {
		fprintf(f, "\nschedulers:\n");
		for (unsigned i = 0; lb_sched_at(i); i++)
			fprintf(f, "  %-9s %s\n", lb_sched_at(i)->name, lb_sched_at(i)->summary);
	}
	fprintf(f, "\nexit status: 0 success, 1 an expect {} assertion failed, 2 bad input\n");
}

static int cli_parse_u64(const char *opt, const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		goto out_bad;
	*out = strtoull(s, &end, 10);
	if (errno || *end)
		goto out_bad;
	return 0;
out_bad:
	fprintf(stderr, "lbsim: %s: expected a non-negative integer, got '%s'\n", opt, s);
	return -EINVAL;
}

static const struct cli_opt *cli_find_opt(const char *arg, const char **inline_val)
{
	for (size_t i = 0; i < sizeof(cli_opt_table) / sizeof(cli_opt_table[0]); i++) {
		const struct cli_opt *o = &cli_opt_table[i];
		size_t n = strlen(o->name);

		if (strncmp(arg, o->name, n))
			continue;
		if (arg[n] == '\0') {
			*inline_val = NULL;
			return o;
		}
		if (arg[n] == '=' && o->arg) {
			*inline_val = arg + n + 1;
			return o;
		}
	}
	return NULL;
}

/* Apply one option to <o>: 0, or -EINVAL after a message on stderr. */
static int cli_apply(struct cli_opts *o, const struct cli_opt *opt, const char *val)
{
	uint64_t v;
	char *eq;
	int n = 0;

	switch (opt->id) {
	case OPT_ALGO:
		o->algo = val;
		return 0;
	case OPT_ALGOS:
		o->algos = val;
		return 0;
	case OPT_SET:
		eq = strchr(val, '=');
		if (!eq || eq == val) {
			fprintf(stderr, "lbsim: --set: expected PATH=VALUE, got '%s'\n", val);
			return -EINVAL;
		}
		o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
		o->sets[o->nsets].path = xstrndup(val, (size_t)(eq - val));
		o->sets[o->nsets].value = eq + 1;
		o->nsets++;
		return 0;
	case OPT_SEED:
		if (cli_parse_u64(opt->name, val, &o->seed))
			return -EINVAL;
		o->seed_set = true;
		return 0;
	case OPT_OUT:
		if (!*val) {
			fprintf(stderr, "lbsim: --out: empty directory name\n");
			return -EINVAL;
		}
		o->out = val;
		return 0;
	case OPT_REPS:
		if (cli_parse_u64(opt->name, val, &v))
			return -EINVAL;
		if (v < 1 || v > 1000) {
			fprintf(stderr, "lbsim: --reps: expected 1..1000, got '%s'\n", val);
			return -EINVAL;
		}
		o->reps = (unsigned)v;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_NO_PLOTS:
		o->no_plots = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	case OPT_OUTPUT:
		o->output = val;
		return 0;
	case OPT_FILTER:
		o->filter = val;
		return 0;
	case OPT_DUMP:
		o->dump = val;
		return 0;
	case OPT_SPEED:
		if (sscanf(val, "%lf%n", &o->speed, &n) != 1 || val[n] || !(o->speed > 0) ||
		    o->speed > 1e9) {
			fprintf(stderr, "lbsim: --speed: expected a number > 0, got '%s'\n", val);
			return -EINVAL;
		}
		return 0;
	case OPT_TOPSPEED:
		o->topspeed = true;
		return 0;
	case OPT_MAP:
		o->maps = xrealloc(o->maps, (o->nmaps + 1) * sizeof(*o->maps));
		o->maps[o->nmaps++] = val;
		return 0;
	case OPT_HELP:
	case OPT_COUNT:
		break;
	}
	return 0;
}

static void cli_free(struct cli_opts *o)
{
	for (size_t i = 0; i < o->nsets; i++)
		free((char *)o->sets[i].path);
	free(o->sets);
	free(o->maps);
}

int main(int argc, char **argv)
{
	struct cli_opts o = { .out = "out", .reps = 1, .speed = 1.0 };
	const struct cli_cmd *cmd = NULL;
	int rc = CLI_EXIT_INPUT;

	if (argc < 2) {
		cli_usage(stderr);
		return CLI_EXIT_INPUT;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("lbsim %s\n", cli_version());
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2)
			for (size_t i = 0; i < sizeof(cli_cmd_table) / sizeof(cli_cmd_table[0]); i++)
				if (!strcmp(argv[2], cli_cmd_table[i].name)) {
					cli_cmd_help(stdout, &cli_cmd_table[i]);
					return CLI_EXIT_OK;
				}
		cli_usage(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cli_cmd_table) / sizeof(cli_cmd_table[0]); i++)
		if (!strcmp(argv[1], cli_cmd_table[i].name))
			cmd = &cli_cmd_table[i];
	if (!cmd) {
		fprintf(stderr, "lbsim: unknown command '%s' (try lbsim --help)\n", argv[1]);
		return CLI_EXIT_INPUT;
	}
	o.cmd = cmd->name;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct cli_opt *opt;

		if (a[0] != '-' || !a[1]) {
			if (o.scenario && cmd->bit == CMD_REPLAY && !o.trace) {
				o.trace = a;
				continue;
			}
			if (o.scenario) {
				fprintf(stderr, "lbsim %s: unexpected argument '%s'\n", cmd->name, a);
				goto out_free;
			}
			o.scenario = a;
			continue;
		}
		opt = cli_find_opt(a, &val);
		if (!opt || !(opt->cmds & cmd->bit)) {
			fprintf(stderr, "lbsim %s: unknown option '%s' (try lbsim %s --help)\n",
				cmd->name, a, cmd->name);
			goto out_free;
		}
		if (opt->id == OPT_HELP) {
			cli_cmd_help(stdout, cmd);
			rc = CLI_EXIT_OK;
			goto out_free;
		}
		if (opt->arg && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "lbsim %s: %s needs %s\n", cmd->name, opt->name,
					opt->arg);
				goto out_free;
			}
			val = argv[++i];
		}
		if (cli_apply(&o, opt, val))
			goto out_free;
	}
	if (!o.scenario) {
		fprintf(stderr, "lbsim %s: no SCENARIO given\nusage: %s\n", cmd->name, cmd->usage);
		goto out_free;
	}
	if (cmd->bit == CMD_PCAPGEN && !o.output) {
		fprintf(stderr, "lbsim pcapgen: -o OUT.pcap is required\n");
		goto out_free;
	}
	if (cmd->bit == CMD_REPLAY && o.topspeed && o.speed != 1.0) {
		fprintf(stderr, "lbsim replay: --speed and --topspeed exclude each other\n");
		goto out_free;
	}
	if (cmd->bit == CMD_COMPARE && !o.algos) {
		fprintf(stderr, "lbsim compare: --algos A,B,... is required\n");
		goto out_free;
	}
	rc = cmd->fn(&o);
out_free:
	cli_free(&o);
	return rc;
}
