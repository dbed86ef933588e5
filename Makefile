# lbsim - one Makefile, explicit object lists per folder (STYLE 12).
#
#   make            build tools/lbsim (as build/lbsim, linked to ./lbsim)
#   make demo       install missing packages, build, run the default scenario
#   make check      install, build, run every test
#   make bench      performance goals, each figure beside its goal
#   make SAN=1      ASan/UBSan build (in build-san/)
#   make QUEUE=heap event queue implementation (heap = 4-ary heap)

QUEUE ?= heap
CC ?= cc
CFLAGS ?= -O2 -g
PKGS = gsl libpcap sqlite3 libcrypto
TEST_PKGS = cunit
PKG_CONFIG ?= pkg-config

LBSIM_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter -I. -MMD -MP
ifeq ($(ERR),1)
LBSIM_CFLAGS += -Werror
endif
BUILD = build
ifeq ($(SAN),1)
BUILD = build-san
CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(COVERAGE),1)
CFLAGS += --coverage
LDFLAGS += --coverage
endif
ifeq ($(DEBUG),1)
LBSIM_CFLAGS += -DLBSIM_DEBUG
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm -pthread
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)
FINAL_CFLAGS = $(LBSIM_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

SIM_OBJS = sim/sim.o sim/queue_$(QUEUE).o sim/rng.o sim/dist.o sim/stats.o sim/xalloc.o
ALGO_OBJS = algorithms/wire/addr.o algorithms/ipvs/service.o algorithms/ipvs/conn.o \
	algorithms/wire/frame.o algorithms/ipvs/forward.o \
	algorithms/sched/sched.o \
	algorithms/sched/rr.o algorithms/sched/wrr.o algorithms/sched/lc.o \
	algorithms/sched/wlc.o algorithms/sched/lcindex.o algorithms/sched/twos.o \
	algorithms/sched/pod.o \
	algorithms/sched/lbl.o algorithms/sched/lblc.o algorithms/sched/lblcr.o \
	algorithms/sched/wsample.o algorithms/sched/podnr.o algorithms/sched/jsq.o \
	algorithms/sched/lrt.o algorithms/sched/ring.o algorithms/sched/hrw.o \
	algorithms/sched/random.o algorithms/sched/wrandom.o \
	algorithms/sched/sed.o algorithms/sched/nq.o algorithms/sched/fo.o algorithms/sched/ovf.o \
	algorithms/sched/sh.o algorithms/sched/dh.o algorithms/sched/mh.o algorithms/sched/remap.o
ALGO_OBJS += algorithms/vrrp/codec.o algorithms/vrrp/vrrp.o
ALGO_OBJS += algorithms/check/checker.o
LANG_OBJS = scenarios/lang/lexer.o scenarios/lang/units.o scenarios/lang/scenario.o
MODEL_OBJS = models/world.o models/client.o models/director.o models/server.o models/link.o \
	models/replay.o models/vsbuild.o models/ctltimer.o models/packet.o models/health.o models/ha.o
RESULTS_OBJS = results/report.o results/json.o results/store.o results/plot.o
TOOL_OBJS = tools/cli.o tools/cmd_common.o tools/cmd_run.o tools/cmd_check.o tools/cmd_pcapgen.o tools/cmd_replay.o tools/pcapfeed.o tools/progress.o tools/cmd_sched.o
LIB_OBJS = $(SIM_OBJS) $(ALGO_OBJS) $(LANG_OBJS) $(MODEL_OBJS) $(RESULTS_OBJS)

TEST_OBJS = tests/test_main.o tests/sched_fix.o tests/testlib.o \
	tests/unit/test_queue.o tests/unit/test_sim.o \
	tests/unit/test_rng.o tests/unit/test_dist.o tests/unit/test_stats.o \
	tests/unit/test_addr.o tests/unit/test_service.o tests/unit/test_sched_vectors.o \
	tests/unit/test_sched_diff.o tests/unit/test_sched_extra.o tests/unit/test_sched_kernel.o tests/unit/test_lexer.o tests/unit/test_scenario.o \
	tests/unit/test_models.o tests/validation/test_validation.o tests/unit/test_conn.o \
	tests/unit/test_lcindex.o tests/unit/test_wire.o tests/unit/test_forward.o
TEST_OBJS += tests/unit/test_vrrp.o tests/unit/test_ha.o
TEST_OBJS += tests/unit/test_check.o
TEST_OBJS += tests/unit/test_packet.o
TEST_OBJS += tests/unit/test_pcapfeed.o tools/pcapfeed.o
TEST_OBJS += tests/unit/test_ha_prop.o
TEST_OBJS += tests/unit/test_ha_spec.o
TEST_OBJS += tests/unit/test_check_prop.o
TEST_OBJS += tests/unit/test_replay.o

B_LIB_OBJS = $(addprefix $(BUILD)/,$(LIB_OBJS))
B_TOOL_OBJS = $(addprefix $(BUILD)/,$(TOOL_OBJS))
B_TEST_OBJS = $(addprefix $(BUILD)/,$(TEST_OBJS))
B_BENCH_OBJS = $(BUILD)/tools/lbbench.o $(BUILD)/tools/bench_e2e.o $(BUILD)/tools/bench_sched.o $(BUILD)/tools/bench_conn.o $(BUILD)/tools/bench_replay.o $(BUILD)/tools/bench_ha.o \
	$(BUILD)/tools/cmd_pcapgen.o $(BUILD)/tools/cmd_common.o $(BUILD)/tools/pcapfeed.o

ifeq ($(V),1)
Q =
QUIET_CC =
QUIET_LINK =
else
Q = @
QUIET_CC = @printf '    CC %s\n' $@;
QUIET_LINK = @printf '  LINK %s\n' $@;
endif

.PHONY: all demo check test bench plots clean hdrcheck deps fuzz fuzz-quick
all: $(BUILD)/lbsim lbsim

lbsim: $(BUILD)/lbsim
	$(Q)ln -sf $(BUILD)/lbsim lbsim

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(FINAL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(FINAL_CFLAGS) $(TEST_CFLAGS) -c $< -o $@

$(BUILD)/tools/version.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define LBSIM_VERSION "$(VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
FORCE:
$(BUILD)/tools/cli.o: $(BUILD)/tools/version.h
$(BUILD)/tools/cli.o: FINAL_CFLAGS += -I$(BUILD)

$(BUILD)/lbsim: $(B_TOOL_OBJS) $(B_LIB_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/lbsim-test: $(B_TEST_OBJS) $(B_LIB_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/lbbench: $(B_BENCH_OBJS) $(B_LIB_OBJS)
	$(QUIET_LINK)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

deps:
	@sh tools/install-deps.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	./lbsim run scenarios/default.conf --out out

# Unit, vector, differential and validation suites (CUnit), then the CLI,
# scenario-library, determinism and bad-input checks, then a sanitizer pass.
check: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/lbsim-test
	$(BUILD)/lbsim-test
	sh tests/cli/run.sh ./lbsim
	sh tests/sched/run.sh ./lbsim
	sh tests/cli/replay.sh ./lbsim
	$(Q)$(MAKE) --no-print-directory SAN=1 build-san/lbsim-test build-san/lbsim
	LBSIM_TEST_QUICK=1 ASAN_OPTIONS=detect_leaks=1 build-san/lbsim-test
	LBSIM_QUICK=1 sh tests/cli/run.sh build-san/lbsim
	sh tests/cli/replay.sh build-san/lbsim
	if command -v clang >/dev/null; then $(MAKE) --no-print-directory fuzz-quick; \
	else echo "fuzz: clang not found, skipped"; fi

# libFuzzer harnesses (clang only): the frame parser and the forwarding methods,
# `make fuzz` runs FUZZ_SECONDS on tests/fuzz/corpus_frame (new inputs go to
# build-fuzz/corpus_frame, crashes to build-fuzz/crash-*; the committed seeds
# stay as they are). `make fuzz-quick` runs 20 s (the end of `make check`).
FUZZ_SECONDS ?= 300
FUZZ_SRCS = tests/fuzz/fuzz_frame.c algorithms/wire/frame.c algorithms/wire/addr.c \
	algorithms/ipvs/forward.c
build-fuzz/fuzz_frame: $(FUZZ_SRCS) algorithms/wire/frame.h algorithms/ipvs/forward.h
	@mkdir -p build-fuzz/corpus_frame
	clang -std=c11 -D_GNU_SOURCE -g -O1 -I. $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(FUZZ_SRCS)

# The pcap path: a whole capture file a run, through libpcap and the replay.
FUZZ_REPLAY_SRCS = tests/fuzz/fuzz_replay.c $(LIB_OBJS:.o=.c)
build-fuzz/fuzz_replay: $(FUZZ_REPLAY_SRCS) $(shell find sim algorithms models scenarios results -name '*.h')
	@mkdir -p build-fuzz/corpus_replay
	clang -std=c11 -D_GNU_SOURCE -g -O1 -I. $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(FUZZ_REPLAY_SRCS) $(PKG_LIBS)

fuzz: build-fuzz/fuzz_frame build-fuzz/fuzz_replay
	build-fuzz/fuzz_frame -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-artifact_prefix=build-fuzz/ build-fuzz/corpus_frame tests/fuzz/corpus_frame
	build-fuzz/fuzz_replay -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-artifact_prefix=build-fuzz/replay- build-fuzz/corpus_replay tests/fuzz/corpus_replay

# 20 s in `make check`: quiet unless it finds something (then the log's end).
fuzz-quick: build-fuzz/fuzz_frame build-fuzz/fuzz_replay
	@build-fuzz/fuzz_frame -max_total_time=15 -max_len=4096 -artifact_prefix=build-fuzz/ \
		build-fuzz/corpus_frame tests/fuzz/corpus_frame >build-fuzz/fuzz-quick.log 2>&1 || \
		{ tail -40 build-fuzz/fuzz-quick.log; exit 1; }
	@printf 'fuzz frames: '; grep '^Done' build-fuzz/fuzz-quick.log
	@build-fuzz/fuzz_replay -max_total_time=15 -max_len=65536 \
		-artifact_prefix=build-fuzz/replay- build-fuzz/corpus_replay tests/fuzz/corpus_replay \
		>build-fuzz/fuzz-quick.log 2>&1 || { tail -40 build-fuzz/fuzz-quick.log; exit 1; }
	@printf 'fuzz captures: '; grep '^Done' build-fuzz/fuzz-quick.log

test: all $(BUILD)/lbsim-test
	$(BUILD)/lbsim-test $(SUITES)

bench: all $(BUILD)/lbbench
	$(BUILD)/lbbench

plots: all
	./lbsim run scenarios/default.conf --out out >/dev/null

hdrcheck:
	@for h in $$(find sim algorithms models scenarios results tools -name '*.h'); do \
		echo "#include \"$$h\"" | \
		$(CC) $(filter-out -MMD -MP,$(FINAL_CFLAGS)) -x c -fsyntax-only - || exit 1; done

clean:
	rm -rf build build-san build-fuzz lbsim

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
