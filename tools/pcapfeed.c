/*
 * tools/pcapfeed.c - read an offline capture on a thread of its own.
 *
 * `lbsim replay` and `lbbench replay` spend about a third of their time in
 * libpcap reading records (two freads and a copy out of the page cache per
 * frame) and the rest replaying them, which needs the frames one at a time
 * and in order. With two cores the reading can run beside the replay: a
 * reader thread fills batches of frames (copied out of libpcap's buffer,
 * which its next read overwrites) and the replay thread takes them in
 * order. The replay itself stays on one thread and sees exactly the frames,
 * headers and errors pcap_next_ex would give, so results do not change by
 * a bit; only the wall time does.
 *
 * Four batches of up to 4096 frames and 1.25 MB are in flight (5 MB); the
 * threads meet once per batch under one mutex. Without a second CPU the
 * feed reads inline (pcap_next_ex, no copy).
 *
 * SPDX-License-Identifier: MIT
 */
#include "tools/pcapfeed.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/xalloc.h"

#define PF_BATCHES 4
#define PF_FRAMES 4096
#define PF_MAX_CAPLEN 262144u			   /* libpcap's largest snapshot length */
#define PF_BUF (1024u * 1024u + PF_MAX_CAPLEN) /* a batch closes when less is left */
#define PF_SPIN 2000 /* yields before a wait sleeps */
#define PF_PREFETCH 16 /* frames ahead whose lines the consumer starts loading */

/* Frames [0, n) in order; then, once they are taken, status: 1 more follow, 0 end, -1 error. */
struct pf_batch {
	unsigned n;
	int status;
	struct pcap_pkthdr hdr[PF_FRAMES];
	size_t off[PF_FRAMES];
	u_char *buf;
};

struct pcap_feed {
	pcap_t *p;
	bool threaded;
	pthread_t reader;
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	_Atomic unsigned long produced;	  /* batches filled; changed under mu */
	_Atomic unsigned long consumed;	  /* batches given back; changed under mu */
	_Atomic bool stop;		  /* the consumer is done: the reader leaves */
	struct pf_batch *b;		  /* PF_BATCHES */
	struct pf_batch *cur;		  /* the consumer's batch, or NULL */
	unsigned pos;			  /* its next frame */
	int final;			  /* 1 until the end (0) or an error (-1) was handed out */
	char err[PCAP_ERRBUF_SIZE + 64];
};

/* Fill b from the capture: until it is full, or the end or an error (then status <= 0). */
static void pf_fill(struct pcap_feed *f, struct pf_batch *b)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t used = 0;
	int rc;

	b->n = 0;
	b->status = 1;
	while (b->n < PF_FRAMES && used <= PF_BUF - PF_MAX_CAPLEN) {
		rc = pcap_next_ex(f->p, &h, &d);
		if (rc != 1) {
			/* Offline reads end with -2; 0 (a live timeout) cannot happen. */
			b->status = rc == -1 ? -1 : 0;
			if (rc == -1)
				snprintf(f->err, sizeof(f->err), "%s", pcap_geterr(f->p));
			return;
		}
		if (h->caplen > PF_MAX_CAPLEN) {
			b->status = -1;
			snprintf(f->err, sizeof(f->err), "a frame of %u captured bytes (at most %u)",
				 h->caplen, PF_MAX_CAPLEN);
			return;
		}
		b->hdr[b->n] = *h;
		b->off[b->n] = used;
		memcpy(b->buf + used, d, h->caplen);
		used += h->caplen;
		b->n++;
	}
}

/*
 * Wait a little for <ready> before sleeping on the condition: a thread that
 * sleeps for every batch and is woken by the other may be woken on the
 * other's CPU and share it for a while, which halves the pipeline. The wait
 * is a few hundred microseconds at most, about one batch.
 */
static void pf_spin(struct pcap_feed *f, bool (*ready)(struct pcap_feed *))
{
	for (unsigned i = 0; i < PF_SPIN && !ready(f); i++)
		sched_yield();
}

static bool pf_room(struct pcap_feed *f)
{
	return atomic_load(&f->produced) - atomic_load(&f->consumed) < PF_BATCHES ||
	       atomic_load(&f->stop);
}

static bool pf_full(struct pcap_feed *f)
{
	return atomic_load(&f->produced) != atomic_load(&f->consumed);
}

static void *pf_reader(void *arg)
{
	struct pcap_feed *f = arg;

	for (;;) {
		struct pf_batch *b;

		pf_spin(f, pf_room);
		pthread_mutex_lock(&f->mu);
		while (!pf_room(f))
			pthread_cond_wait(&f->emptied, &f->mu);
		if (f->stop) {
			pthread_mutex_unlock(&f->mu);
			return NULL;
		}
		b = &f->b[f->produced % PF_BATCHES];
		pthread_mutex_unlock(&f->mu);

		pf_fill(f, b);

		pthread_mutex_lock(&f->mu);
		f->produced++;
		pthread_cond_signal(&f->filled);
		pthread_mutex_unlock(&f->mu);
		if (b->status != 1)
			return NULL;
	}
}

/*
 * pcap_feed_threads_useful - whether this process may run on more than one
 * CPU, so that a reader thread can overlap the replay.
 */
bool pcap_feed_threads_useful(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return false;
	return CPU_COUNT(&set) > 1;
}

/*
 * pcap_feed_new - a feed of the frames of the offline capture p (opened,
 * filter set, nothing read yet). threaded: read on a thread of its own
 * (when pcap_feed_threads_useful says so), else inline. p stays the
 * caller's; it must not be used, nor closed, before pcap_feed_free. Never
 * NULL (allocation failure aborts; a thread that cannot start falls back to
 * reading inline).
 */
struct pcap_feed *pcap_feed_new(pcap_t *p, bool threaded)
{
	struct pcap_feed *f = xcalloc(1, sizeof(*f));

	f->p = p;
	f->final = 1;
	if (!threaded)
		return f;
	f->b = xcalloc(PF_BATCHES, sizeof(*f->b));
	for (unsigned i = 0; i < PF_BATCHES; i++)
		f->b[i].buf = xmalloc(PF_BUF);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->filled, NULL);
	pthread_cond_init(&f->emptied, NULL);
	f->threaded = pthread_create(&f->reader, NULL, pf_reader, f) == 0;
	return f;
}

/*
 * pcap_feed_next - the next frame, as pcap_next_ex: 1 with *h and *data
 * valid until the next call; 0 at the end of the capture; -1 on a read
 * error (pcap_feed_error says what), after every frame read before it. Once
 * 0 or -1 was returned, every later call returns the same.
 */
int pcap_feed_next(struct pcap_feed *f, struct pcap_pkthdr **h, const u_char **data)
{
	if (f->final != 1)
		return f->final;
	if (!f->threaded) {
		int rc = pcap_next_ex(f->p, h, data);

		if (rc == 1)
			return 1;
		if (rc == -1)
			snprintf(f->err, sizeof(f->err), "%s", pcap_geterr(f->p));
		f->final = rc == -1 ? -1 : 0;
		return f->final;
	}
	for (;;) {
		if (f->cur && f->pos < f->cur->n) {
			unsigned ahead = f->pos + PF_PREFETCH;

			/* The other core wrote these lines: start the transfer early. */
			if (ahead < f->cur->n) {
				__builtin_prefetch(&f->cur->hdr[ahead]);
				__builtin_prefetch(f->cur->buf + f->cur->off[ahead]);
				__builtin_prefetch(f->cur->buf + f->cur->off[ahead] + 64);
			}
			*h = &f->cur->hdr[f->pos];
			*data = f->cur->buf + f->cur->off[f->pos];
			f->pos++;
			return 1;
		}
		if (f->cur) {
			int status = f->cur->status;

			pthread_mutex_lock(&f->mu);
			f->consumed++;
			pthread_cond_signal(&f->emptied);
			pthread_mutex_unlock(&f->mu);
			f->cur = NULL;
			if (status != 1) {
				f->final = status;
				return status;
			}
		}
		pf_spin(f, pf_full);
		pthread_mutex_lock(&f->mu);
		while (!pf_full(f))
			pthread_cond_wait(&f->filled, &f->mu);
		f->cur = &f->b[f->consumed % PF_BATCHES];
		pthread_mutex_unlock(&f->mu);
		f->pos = 0;
	}
}

/*
 * pcap_feed_peek - the frame <ahead> frames after the one pcap_feed_next
 * last gave (1 = the next), when it is already read and in the same batch:
 * 1 with *h and *data valid until that frame has been taken; else 0 (always
 * 0 when reading inline). For looking ahead; pcap_feed_next still gives it.
 */
int pcap_feed_peek(const struct pcap_feed *f, unsigned ahead, const struct pcap_pkthdr **h,
		   const u_char **data)
{
	unsigned i;

	if (!f->cur || ahead == 0)
		return 0;
	i = f->pos - 1 + ahead;
	if (i >= f->cur->n)
		return 0;
	*h = &f->cur->hdr[i];
	*data = f->cur->buf + f->cur->off[i];
	return 1;
}

/* pcap_feed_error - what the read error was (after pcap_feed_next returned -1). */
const char *pcap_feed_error(const struct pcap_feed *f)
{
	return f->err;
}

/* pcap_feed_free - stop the reader (wherever it is) and free the feed. Accepts NULL. */
void pcap_feed_free(struct pcap_feed *f)
{
	if (!f)
		return;
	if (f->threaded) {
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		pthread_cond_signal(&f->emptied);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->reader, NULL);
	}
	if (f->b) {
		pthread_cond_destroy(&f->emptied);
		pthread_cond_destroy(&f->filled);
		pthread_mutex_destroy(&f->mu);
		for (unsigned i = 0; i < PF_BATCHES; i++)
			free(f->b[i].buf);
		free(f->b);
	}
	free(f);
}
