/*
 * tests/fuzz/fuzz_frame.c - libFuzzer harness for the frame parser and the
 * IPVS forwarding methods.
 *
 * Built by `make fuzz` (clang -fsanitize=fuzzer,address,undefined) and run
 * on tests/fuzz/corpus_frame, whose seeds are plain frames: every input is
 * parsed as each link type (whole, and as a capture cut short of a longer
 * wire length); every packet that parses is forwarded by NAT (both
 * directions), DR and TUN with an MTU picked from the input's bytes. Besides
 * the sanitizers, it traps when a promise breaks: an output frame that does
 * not parse, a rewrite that turns right checksums wrong, DR or TUN changing
 * the IP packet they carry, or frames outside the scratch buffer.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "algorithms/ipvs/forward.h"
#include "algorithms/wire/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t scratch[LB_FWD_SCRATCH(4096)];

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

/*
 * Every output frame is inside scratch and parses; fragments carry a right
 * IPv4 header checksum; a rewrite keeps right checksums right; DR and TUN
 * carry the received IP packet unchanged when the TTL is left alone
 * (same_ip). l2 is the output link header size.
 */
static void check_outputs(const struct lb_pkt *p, const uint8_t *in, enum lb_kind kind,
			  const struct lb_fwd_out *o, size_t l2, bool in_ok, bool same_ip)
{
	for (unsigned i = 0; i < o->nframes; i++) {
		const struct lb_frame *f = &o->frames[i];
		struct lb_pkt q;
		int rc;

		check(f->data >= scratch && f->data + f->len <= scratch + sizeof(scratch));
		check(f->len <= f->wire_len);
		rc = lb_pkt_parse_snap(&q, LB_LT_ETHER, f->data, f->len, f->wire_len);
		if (o->flags & LB_FWD_F_ICMP) {
			check(rc == LB_PKT_OK);
			check(lb_pkt_verify(&q, f->data) == LB_PKT_OK);
			continue;
		}
		if (o->flags & LB_FWD_F_FRAG) {
			check(f->len > l2 + 20 && f->data[l2] >> 4 == 4);
			check(lb_ip4_csum_ok(f->data + l2, (size_t)(f->data[l2] & 15) * 4));
			continue;
		}
		check(rc == LB_PKT_OK || rc == LB_PKT_E_FRAGMENT);
		if (in_ok)
			check(lb_pkt_verify(&q, f->data) == LB_PKT_OK);
		if (kind == LB_KIND_TUN)
			check(q.flags & LB_PKT_F_ENCAP);
		if (same_ip && kind != LB_KIND_NAT)
			check(!memcmp(f->data + q.l3_off, in + p->l3_off, f->len - q.l3_off));
	}
}

/* lb_fwd_dr_inplace, when it accepts the frame, gives lb_fwd's DR frame. */
static void check_inplace(struct lb_fwd_ctx *ctx, const struct lb_pkt *p, const uint8_t *in,
			  size_t len, const struct lb_fwd_target *t, const struct lb_frame *f)
{
	static uint8_t copy[4096 + 64];

	if (len > sizeof(copy))
		return;
	memcpy(copy, in, len);
	if (lb_fwd_dr_inplace(ctx, copy, len, p, t) == 0)
		check(f->len <= len && !memcmp(copy, f->data, f->len));
}

static void forward_all(const struct lb_pkt *p, const uint8_t *in, size_t len, uint8_t knob)
{
	static const unsigned mtus[8] = { 0, 68, 88, 576, 1280, 1300, 1400, 1500 };
	struct lb_fwd_ctx ctx;
	struct lb_fwd_target t;
	struct lb_fwd_out o;
	struct lb_service svc;
	struct lb_dest d;
	bool in_ok = lb_pkt_verify(p, in) == LB_PKT_OK;

	/*
	 * A UDP datagram shorter than its IP payload and without checksum gets
	 * one computed over the whole IP payload, as the kernel does; a
	 * receiver checking over the UDP length rejects it. Not a bug here.
	 */
	if (p->proto == LB_PROTO_UDP && p->l4_off &&
	    p->payload_len + 8 != p->l3_off + p->ip_len - p->l4_off)
		in_ok = false;

	lb_fwd_ctx_init(&ctx, knob);
	if (knob & 0x80)
		ctx.icmp4_quote = LB_ICMP4_QUOTE_RFC792;
	ctx.dec_ttl = !(knob & 0x20);
	memset(&svc, 0, sizeof(svc));
	memset(&d, 0, sizeof(d));
	memset(&t, 0, sizeof(t));
	memset(t.eth.dst, 0x02, 6);
	memset(t.eth.src, 0x04, 6);
	t.eth.nvlan = knob & 1;
	t.eth.vlan_tci[0] = 42;
	t.mtu = mtus[(knob >> 1) & 7];
	d.svc = &svc;
	d.port = (knob & 0x10) ? 8080 : 0;
	for (int v6 = 0; v6 < 2; v6++) {
		const char *rs = v6 ? "2001:db8::21" : "10.0.0.21";
		const char *vip = v6 ? "2001:db8::100" : "10.0.0.100";
		const char *me = v6 ? "2001:db8::2" : "10.0.0.2";

		lb_addr_parse(rs, &d.addr);
		lb_addr_parse(vip, &svc.addr);
		lb_addr_parse(me, &t.laddr);
		svc.port = 80;
		for (int k = 0; k < LB_KIND_COUNT; k++) {
			for (int dir = 0; dir < 2; dir++) {
				int rc;

				if (dir && k != LB_KIND_NAT)
					continue;
				t.dir = (uint8_t)dir;
				memset(&o, 0, sizeof(o));
				o.buf = scratch;
				o.cap = sizeof(scratch);
				rc = lb_fwd(&ctx, p, in, len, (enum lb_kind)k, &d, &t, &o);
				check(rc <= 0);
				check(rc == 0 ? o.nframes >= 1 : o.nframes == 0);
				if (rc == 0)
					check_outputs(p, in, (enum lb_kind)k, &o,
						      t.eth.nvlan ? 18 : 14, in_ok, !ctx.dec_ttl);
				if (rc == 0 && k == LB_KIND_DR && !o.flags)
					check_inplace(&ctx, p, in, len, &t, &o.frames[0]);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t knob = size ? (uint8_t)(data[size - 1] ^ data[size / 2]) : 0;

	for (int lt = 0; lt < LB_LT_COUNT; lt++) {
		struct lb_pkt p;
		struct lb_flow_key k;
		int rc = lb_pkt_parse(&p, (enum lb_linktype)lt, data, size);

		check(rc >= 0 && rc < LB_PKT_E_COUNT);
		check(lb_pkt_err_name(rc)[0] != '?');
		if (rc == LB_PKT_OK || rc == LB_PKT_E_FRAGMENT) {
			rc = lb_pkt_verify(&p, data);
			check(rc == LB_PKT_OK || rc == LB_PKT_E_BAD_IP_CSUM ||
			      rc == LB_PKT_E_BAD_L4_CSUM);
			if (p.kind == LB_PKT_IP) {
				check(lb_pkt_flow_key(&p, &k) == 0);
				check(p.l3_off + p.ip_hlen <= size);
				forward_all(&p, data, size, knob);
			}
		}
		/* the same bytes as the head of a longer frame */
		rc = lb_pkt_parse_snap(&p, (enum lb_linktype)lt, data, size, size + knob * 8u);
		check(rc >= 0 && rc < LB_PKT_E_COUNT);
		if ((rc == LB_PKT_OK || rc == LB_PKT_E_FRAGMENT) && p.kind == LB_PKT_IP) {
			lb_pkt_verify(&p, data);
			forward_all(&p, data, size, knob);
		}
	}
	return 0;
}
