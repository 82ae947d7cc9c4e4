# SPDX-License-Identifier: GPL-2.0
# leakscope build.  `make` builds the tool, `make test` runs every test,
# `make bench` the benchmarks, `make deps` installs the Debian packages.
# Knobs: V=1 (show commands), SANITIZE=address,undefined (user-space code).

OUT       := build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX   := vmlinux/$(ARCH)/vmlinux.h
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
CFLAGS    += $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT) \
             -DLEAKSCOPE_VERSION='"$(VERSION)"'
LDLIBS    := -lbpf -lelf -lz -lm
ifneq ($(SANITIZE),)
CFLAGS    += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(dir $(VMLINUX)) \
              -Iinclude -Ibpf $(WARN) -Wno-unused-function -Wno-unused-parameter

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Plain-C model: no libbpf, fed records, unit-tested without root.
CORE_SRCS := $(wildcard user/core/*.c)
CORE_OBJS := $(patsubst user/core/%.c,$(OUT)/core/%.o,$(CORE_SRCS))
# The live side: libbpf, /proc, netlink, symbols.
TOOL_SRCS := $(wildcard user/*.c)
TOOL_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(TOOL_SRCS))
BPF_SRCS  := bpf/leakscope.bpf.c
BPF_HDRS  := $(wildcard bpf/*.bpf.h) include/leakscope.h $(VMLINUX)
SKELS     := $(OUT)/leakscope.skel.h

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
# defined before `test:` names it: a rule's prerequisites expand when read
FUZZ_BIN  := $(OUT)/fuzz/fuzz_recording
WL_SRCS   := $(wildcard tests/workloads/*.c)
WL_BINS   := $(patsubst tests/workloads/%.c,$(OUT)/workloads/%,$(WL_SRCS))
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))
BENCH_BPF  := $(wildcard bench/*.bpf.c)
BENCH_SKELS := $(patsubst bench/%.bpf.c,$(OUT)/%.skel.h,$(BENCH_BPF))

.PHONY: all clean test unit asan-unit bench deps vmlinux fuzz

all: $(OUT)/leakscope $(WL_BINS)

$(OUT) $(OUT)/core $(OUT)/user $(OUT)/tests $(OUT)/workloads $(OUT)/bench:
	$(Q)mkdir -p $@

# ---- BPF
$(OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.bpf.o: bench/%.bpf.c $(BPF_HDRS) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<))_bpf > $@.tmp && mv $@.tmp $@

# ---- user space
$(OUT)/core/%.o: user/core/%.c $(wildcard user/core/*.h) include/leakscope.h | $(OUT)/core
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/core -c $< -o $@

$(OUT)/libleakscope_core.a: $(CORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/user/%.o: user/%.c $(wildcard user/*.h user/core/*.h) include/leakscope.h $(SKELS) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/core -c $< -o $@

$(OUT)/leakscope: $(TOOL_OBJS) $(OUT)/libleakscope_core.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lpthread

# ---- tests
$(OUT)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(OUT)/libleakscope_core.a | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/core -Itests/unit $(LDFLAGS) $< $(OUT)/libleakscope_core.a -o $@ -lz -lm

# The symbolizer lives in user/ (libelf) but is unit-tested without root:
# link its source straight in, no libbpf needed.
$(OUT)/tests/test_symbols: tests/unit/test_symbols.c user/symbols.c user/symbols.h tests/unit/harness.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests/unit $(LDFLAGS) tests/unit/test_symbols.c user/symbols.c -o $@ -lelf -ldl

# Likewise the /proc and sock_diag readers, on processes and sockets of the
# test's own.
READER_SRCS := user/procfs.c user/sockdiag.c
$(OUT)/tests/test_readers: tests/unit/test_readers.c $(READER_SRCS) $(READER_SRCS:.c=.h) tests/unit/harness.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests/unit $(LDFLAGS) tests/unit/test_readers.c $(READER_SRCS) -o $@

$(OUT)/workloads/%: tests/workloads/%.c tests/workloads/wl_common.h | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) -O1 -g $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude $< -o $@ -lpthread

unit: $(UNIT_BINS)

# The unit tests again under ASan+UBSan, in their own tree, so `make test`
# (what the README and CI run) checks both in one go.
ASAN_OUT := $(OUT)/asan
asan-unit:
	$(Q)$(MAKE) --no-print-directory OUT=$(ASAN_OUT) SANITIZE=address,undefined \
		$(patsubst $(OUT)/%,$(ASAN_OUT)/%,$(UNIT_BINS))

test: all $(UNIT_BINS) asan-unit $(FUZZ_BIN)
	$(Q)OUT=$(OUT) ASAN_OUT=$(ASAN_OUT) tests/run.sh

# ---- fuzzing the recording reader (clang's libFuzzer, ASan, UBSan)
$(FUZZ_BIN): tests/fuzz/fuzz_recording.c $(wildcard user/core/*.c user/core/*.h) include/leakscope.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser/core $(WARN) \
		tests/fuzz/fuzz_recording.c $(wildcard user/core/*.c) -o $@ -lz -lm

fuzz: $(FUZZ_BIN)
	$(Q)FUZZ_SECONDS=$${FUZZ_SECONDS:-60} OUT=$(OUT) tests/fuzz/run.sh

# ---- benchmarks
$(OUT)/bench/replay: bench/replay.c $(OUT)/libleakscope_core.a | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/core $< $(OUT)/libleakscope_core.a -o $@ -lz -lm

$(OUT)/bench/floor: bench/floor.c user/links.c user/links.h $(BENCH_SKELS) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) bench/floor.c user/links.c -o $@ $(LDLIBS) -lpthread

$(OUT)/bench/%: bench/%.c $(BENCH_SKELS) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(LDLIBS) -lpthread

bench: all $(BENCH_BINS)
	$(Q)OUT=$(OUT) bench/run.sh

# ---- housekeeping
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		make gcc libc6-dev clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool \
		pkg-config python3 iproute2 util-linux socat libcap2-bin procps \
		libasan8 libubsan1 libclang-rt-14-dev

vmlinux:
	vmlinux/gen-vmlinux.sh

clean:
	rm -rf $(OUT)

# Keep intermediate BPF objects (skeletons embed them, but debugging wants them).
.SECONDARY:
