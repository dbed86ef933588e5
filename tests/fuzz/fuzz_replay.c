/*
 * tests/fuzz/fuzz_replay.c - libFuzzer harness for the pcap path of `lbsim replay`.
 *
 * Each input is a whole capture file: libpcap opens it from memory
 * (fmemopen + pcap_fopen_offline, pcap or pcapng), and every frame it yields
 * goes through models/replay.c on a small built-in scenario with a NAT, a DR
 * and a TUN service (parse, connection table, scheduling, forwarding, model
 * replies, the dump sink). Built and run by `make fuzz` / `make fuzz-quick`
 * (clang -fsanitize=fuzzer,address,undefined); seeds in
 * tests/fuzz/corpus_replay are small captures made by `lbsim pcapgen` and
 * keepalived's.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "algorithms/wire/frame.h"
#include "models/replay.h"
#include "results/result.h"
#include "scenarios/lang/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_scenario[] =
	"simulation { duration 10s }\n"
	"link lan { latency 100us mtu 1400 }\n"
	"server 172.16.0.1 { link lan }\nserver 172.16.0.2 { }\n"
	"director lb {\n"
	" virtual_server 10.10.0.100 80 { lb_algo wlc\n lb_kind DR\n protocol TCP\n"
	"  real_server 172.16.0.1 80 { weight 2 }\n real_server 172.16.0.2 80 { weight 1 } }\n"
	" virtual_server 192.0.2.100 80 { lb_algo rr\n lb_kind NAT\n protocol TCP\n"
	"  persistence_timeout 60\n"
	"  real_server 172.16.0.1 8080 { weight 1 }\n real_server 172.16.0.2 8080 { weight 1 } }\n"
	" virtual_server 192.0.2.101 53 { lb_algo sh\n lb_kind TUN\n protocol UDP\n"
	"  real_server 172.16.0.1 53 { weight 1 } }\n"
	"}\n";

static struct scenario *fuzz_scn;

static void fuzz_sink(void *ctx, int port, sim_time_t at, const uint8_t *frame, size_t len)
{
	volatile uint8_t sink = len ? frame[len - 1] : 0;

	(void)sink;
}

/* The scenario, loaded once from a temporary file. */
static struct scenario *fuzz_scenario_get(void)
{
	char path[] = "/tmp/lbsim-fuzz-XXXXXX", err[512];
	int fd;
	FILE *f;

	if (fuzz_scn)
		return fuzz_scn;
	fd = mkstemp(path);
	if (fd == -1 || !(f = fdopen(fd, "w")))
		abort();
	fputs(fuzz_scenario, f);
	fclose(f);
	if (scenario_load(path, NULL, 0, &fuzz_scn, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	unlink(path);
	return fuzz_scn;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay_conf rc = { .scn = fuzz_scenario_get(), .seed = 1, .speed = 1.0,
				  .model_replies = size & 1, .sink = fuzz_sink };
	char ebuf[PCAP_ERRBUF_SIZE], err[512];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct run_result *r;
	struct replay *rp;
	enum lb_linktype lt;
	FILE *f;
	pcap_t *p;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!p) {
		fclose(f);
		return 0;
	}
	if (lb_linktype_from_dlt(pcap_datalink(p), &lt) ||
	    replay_new(&rc, &rp, err, sizeof(err))) {
		pcap_close(p);
		return 0;
	}
	while (pcap_next_ex(p, &h, &d) == 1)
		replay_packet(rp, (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec, lt, d,
			      h->caplen, h->len);
	replay_finish(rp);
	r = run_result_new();
	replay_fill_result(rp, r);
	run_result_free(r);
	replay_free(rp);
	pcap_close(p);
	return 0;
}
