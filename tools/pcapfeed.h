/*
 * tools/pcapfeed.h - read an offline capture on a thread of its own, handed
 * over in batches, with pcap_next_ex's contract.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LBSIM_TOOLS_PCAPFEED_H
#define LBSIM_TOOLS_PCAPFEED_H

#include <stdbool.h>

#include <pcap/pcap.h>

struct pcap_feed;

struct pcap_feed *pcap_feed_new(pcap_t *p, bool threaded);
int pcap_feed_next(struct pcap_feed *f, struct pcap_pkthdr **h, const u_char **data);
int pcap_feed_peek(const struct pcap_feed *f, unsigned ahead, const struct pcap_pkthdr **h,
		   const u_char **data);
const char *pcap_feed_error(const struct pcap_feed *f);
void pcap_feed_free(struct pcap_feed *f);
bool pcap_feed_threads_useful(void);

#endif
