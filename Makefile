# SPDX-License-Identifier: GPL-2.0
# leakscope build.  `make` builds the tool, `make test` runs every test,
# `make bench` the benchmarks, `make soak` an hour under churn (SOAK_MINUTES),
# `make deps` installs the Debian packages,
# `make man` the man page, `make install` both (PREFIX=/usr/local, DESTDIR).
# `make static` a static binary, build/static/leakscope; `make image` the
# container image from it (Dockerfile; IMAGE=leakscope:VERSION, dockerd needed).
# `make test-kernels` runs the integration tests in QEMU guests booting Debian's
# 5.10, 6.1, 6.12 and newest kernels (tests/kernels/run.sh).
# Knobs: V=1 (show commands), SANITIZE=address,undefined (user-space code),
# BPF_EXTRA_CFLAGS=-D... (the BPF compile; a change rebuilds the BPF object).

OUT       := build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX   := vmlinux/$(ARCH)/vmlinux.h
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
SCDOC     ?= scdoc
PREFIX    ?= /usr/local
DESTDIR   ?=

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
CFLAGS    += $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT) \
             -DLEAKSCOPE_VERSION='"$(VERSION)"'
LDLIBS    := -lbpf -ldw -lelf -lz -lm -ldl
# the live view (user/tui.c) only: the core and its tests do without
CURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
# STATIC=1 (make static, in its own tree): every library linked in, so the
# binary runs in a scratch image.  The demangler comes from GCC's libsupc++.a
# (no dlopen), --listen takes numeric addresses (no getaddrinfo, whose NSS a
# static glibc would load at run time), and libmicrohttpd's GnuTLS references
# are answered by user/static/gnutls_stubs.c (no TLS is ever asked for), as
# are libdwfl's debuginfod hooks (user/static/debuginfod_stubs.c: dlopen).
# libelf.a and libdw.a of Debian 12 need libz, liblzma and libbz2, no libzstd.
# Any linker warning fails the link.
ifeq ($(STATIC),1)
CFLAGS    += -DLEAKSCOPE_STATIC
LDFLAGS   += -static -Wl,--fatal-warnings
LDLIBS    := -lbpf -ldw -lelf -lz -llzma -lbz2 -lm -lsupc++
CURSES_LIBS := $(shell pkg-config --static --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
STATIC_OBJS := $(OUT)/user/static/gnutls_stubs.o $(OUT)/user/static/debuginfod_stubs.o
endif
ifneq ($(SANITIZE),)
CFLAGS    += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
endif

# -fms-extensions: kernels from 6.19 on are built with it, and their BTF has
# anonymous members of named struct types (`struct ns_tree;` inside struct
# ns_common), which bpftool dumps as they are (vmlinux/arm64 comes from 7.3).
BPF_EXTRA_CFLAGS ?=
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(dir $(VMLINUX)) \
              -Iinclude -Ibpf $(WARN) -Wno-unused-function -Wno-unused-parameter \
              -fms-extensions -Wno-microsoft-anon-tag $(BPF_EXTRA_CFLAGS)

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
# leakscope_plain: the same programs without kfunc externs, for kernels
# without bpf_rdonly_cast (bpf/compat.bpf.h); its layout must match.
SKELS     := $(OUT)/leakscope.skel.h $(OUT)/leakscope_plain.skel.h $(OUT)/skel-layout.ok
# --heap's uprobes: an object of its own, opened only with --heap
SKELS     += $(OUT)/heap.skel.h

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
# defined before `test:` names it: a rule's prerequisites expand when read
FUZZ_BIN  := $(OUT)/fuzz/fuzz_recording
FUZZ_BINS := $(FUZZ_BIN) $(OUT)/fuzz/fuzz_text $(OUT)/fuzz/fuzz_readers
WL_SRCS   := $(wildcard tests/workloads/*.c)
WL_BINS   := $(patsubst tests/workloads/%.c,$(OUT)/workloads/%,$(WL_SRCS))
# Go workloads, built when Debian's golang-go is there (make deps installs
# it; the tests that need them skip without, saying so).  Offline, as root,
# from a fresh clone: the build cache and GOPATH under $(OUT), the
# toolchain the one installed.
GO        ?= go
GO_WL_SRCS := $(wildcard tests/workloads/*.go)
ifneq ($(shell command -v $(GO) 2>/dev/null),)
WL_BINS   += $(patsubst tests/workloads/%.go,$(OUT)/workloads/%,$(GO_WL_SRCS))
endif
# C++ workloads (new and delete through libstdc++ to malloc)
CXX_WL_SRCS := $(wildcard tests/workloads/*.cc)
WL_BINS   += $(patsubst tests/workloads/%.cc,$(OUT)/workloads/%,$(CXX_WL_SRCS))
GO_ENV    := GOCACHE=$(abspath $(OUT))/gocache GOPATH=$(abspath $(OUT))/gopath \
             GOTOOLCHAIN=local GOFLAGS= GO111MODULE=off CGO_ENABLED=0
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))
BENCH_BPF  := $(wildcard bench/*.bpf.c)
BENCH_SKELS := $(patsubst bench/%.bpf.c,$(OUT)/%.skel.h,$(BENCH_BPF))

.PHONY: all clean test unit asan-unit bench deps vmlinux fuzz man install bpf-arm64 \
        vmlinux-arm64 FORCE test-kernels test-ringbuf soak bench-scale static image \
        bench-heap

all: $(OUT)/leakscope $(WL_BINS)

$(OUT) $(OUT)/core $(OUT)/user $(OUT)/tests $(OUT)/workloads $(OUT)/bench:
	$(Q)mkdir -p $@

# ---- BPF
# The flags the BPF objects were built with: a change (BPF_EXTRA_CFLAGS) rebuilds them.
$(OUT)/bpf-cflags: FORCE | $(OUT)
	$(Q)echo '$(CLANG) $(BPF_CFLAGS)' | cmp -s - $@ || echo '$(CLANG) $(BPF_CFLAGS)' > $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(OUT)/bpf-cflags | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/leakscope_plain.bpf.o: bpf/leakscope.bpf.c $(BPF_HDRS) $(OUT)/bpf-cflags | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DLS_NO_KFUNCS -c $< -o $@

# The loader opens the plain object through leakscope.skel.h's struct: the
# two skeletons must declare the same maps, programs and global variables.
$(OUT)/skel-layout.ok: $(OUT)/leakscope.skel.h $(OUT)/leakscope_plain.skel.h
	$(call msg,CHECK,$@)
	$(Q)sed -n '/^struct leakscope_bpf {/,/^};/p' $< > $@.fast && \
		sed 's/leakscope_plain_bpf/leakscope_bpf/g' $(OUT)/leakscope_plain.skel.h | \
		sed -n '/^struct leakscope_bpf {/,/^};/p' > $@.plain && \
		test -s $@.fast && cmp -s $@.fast $@.plain || \
		{ echo "Error: leakscope_plain.skel.h's layout differs from leakscope.skel.h's" >&2; \
		  diff $@.fast $@.plain >&2; exit 1; }
	$(Q)rm -f $@.fast $@.plain && touch $@

$(OUT)/%.bpf.o: bench/%.bpf.c $(BPF_HDRS) $(OUT)/bpf-cflags | $(OUT)
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

$(OUT)/user/static/%.o: user/static/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/leakscope: $(TOOL_OBJS) $(STATIC_OBJS) $(OUT)/libleakscope_core.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lmicrohttpd $(CURSES_LIBS) -lpthread

# ---- tests
$(OUT)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(OUT)/libleakscope_core.a | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/core -Itests/unit $(LDFLAGS) $< $(OUT)/libleakscope_core.a -o $@ -lz -lm -lpthread

# The symbolizer lives in user/ (libelf) but is unit-tested without root:
# link its source straight in, no libbpf needed.
$(OUT)/tests/test_symbols: tests/unit/test_symbols.c user/symbols.c user/sym_debug.c user/sym_names.c user/symbols.h user/sym_debug.h tests/unit/harness.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests/unit $(LDFLAGS) tests/unit/test_symbols.c user/symbols.c user/sym_debug.c user/sym_names.c -o $@ -ldw -lelf -lz -ldl

# The same built as the static binary is (make static): its demangler linked
# from libsupc++.a, not loaded with dlopen.
UNIT_BINS += $(OUT)/tests/test_symbols_static
$(OUT)/tests/test_symbols_static: tests/unit/test_symbols.c user/symbols.c user/sym_debug.c user/sym_names.c user/symbols.h user/sym_debug.h tests/unit/harness.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -DLEAKSCOPE_STATIC -Iuser -Itests/unit $(LDFLAGS) tests/unit/test_symbols.c user/symbols.c user/sym_debug.c user/sym_names.c -o $@ -ldw -lelf -lz -lsupc++

# Likewise the /proc and sock_diag readers, on processes and sockets of the
# test's own, and the smaps reader.
READER_SRCS := user/procfs.c user/sockdiag.c user/regions.c
$(OUT)/tests/test_readers: tests/unit/test_readers.c $(READER_SRCS) $(READER_SRCS:.c=.h) tests/unit/harness.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests/unit $(LDFLAGS) tests/unit/test_readers.c $(READER_SRCS) -o $@

$(OUT)/tests/test_heap_target: tests/unit/test_heap_target.c user/heap_target.c user/heap_target.h tests/unit/harness.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests/unit $(LDFLAGS) tests/unit/test_heap_target.c user/heap_target.c -o $@ -lelf -ldl

$(OUT)/tests/test_regions: tests/unit/test_regions.c user/regions.c user/regions.h tests/unit/harness.h | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests/unit $(LDFLAGS) tests/unit/test_regions.c user/regions.c -o $@ -lpthread

# --heap's workloads: their allocation sites are read from frame pointers
$(OUT)/workloads/heap_frag $(OUT)/workloads/heap_leak: WL_CFLAGS := -fno-omit-frame-pointer
$(OUT)/workloads/%: tests/workloads/%.c tests/workloads/wl_common.h | $(OUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) -O1 -g $(WL_CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude $< -o $@ -lpthread

$(OUT)/workloads/%: tests/workloads/%.cc | $(OUT)/workloads
	$(call msg,CXX,$@)
	$(Q)$(CXX) -O1 -g -fno-omit-frame-pointer $(WARN) -std=gnu++17 $< -o $@

$(OUT)/workloads/%: tests/workloads/%.go | $(OUT)/workloads
	$(call msg,GO,$@)
	$(Q)$(GO_ENV) $(GO) build -o $@ $<

unit: $(UNIT_BINS)

# The unit tests again under ASan+UBSan, in their own tree, so `make test`
# (what the README and CI run) checks both in one go.
ASAN_OUT := $(OUT)/asan
asan-unit:
	$(Q)$(MAKE) --no-print-directory OUT=$(ASAN_OUT) SANITIZE=address,undefined \
		$(patsubst $(OUT)/%,$(ASAN_OUT)/%,$(UNIT_BINS))

# the static binary too: tests/integration/test_image.py runs it and its image
test: all $(UNIT_BINS) asan-unit $(FUZZ_BINS) static
	$(Q)OUT=$(OUT) ASAN_OUT=$(ASAN_OUT) tests/run.sh

# ---- fuzzing the recording reader (clang's libFuzzer, ASan, UBSan)
$(FUZZ_BIN): tests/fuzz/fuzz_recording.c $(wildcard user/core/*.c user/core/*.h) include/leakscope.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser/core $(WARN) \
		tests/fuzz/fuzz_recording.c $(wildcard user/core/*.c) -o $@ -lz -lm

# the text and HTML escapers and JSON string writer; the /proc and sock_diag parsers
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -Iuser/core $(WARN)
$(OUT)/fuzz/fuzz_text: tests/fuzz/fuzz_text.c $(wildcard user/core/*.c user/core/*.h)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $< user/core/text.c user/core/json.c user/core/html_text.c -o $@

$(OUT)/fuzz/fuzz_readers: tests/fuzz/fuzz_readers.c $(READER_SRCS) $(READER_SRCS:.c=.h) user/core/records.c \
		user/core/cgroup_path.c user/core/cgroup_path.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $< $(READER_SRCS) user/core/records.c user/core/cgroup_path.c -o $@

fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$${FUZZ_SECONDS:-60} OUT=$(OUT) tests/fuzz/run.sh
	$(Q)FUZZ_SECONDS=$${FUZZ_EXTRA_SECONDS:-20} OUT=$(OUT) tests/fuzz/run-target.sh text
	$(Q)FUZZ_SECONDS=$${FUZZ_EXTRA_SECONDS:-20} OUT=$(OUT) tests/fuzz/run-target.sh readers

# ---- the soak run (root; not part of `make test`): the whole machine for
# SOAK_MINUTES (default 60) under churn; SOAK_MINUTES=5 is CI's short one
soak: all
	$(Q)OUT=$(OUT) SOAK_MINUTES=$${SOAK_MINUTES:-60} python3 tests/soak/soak.py

# ---- the kernel matrix: Debian's kernels in QEMU (root; skips without QEMU)
# KERNELS="6.1 newest" for some of tests/kernels/kernels.list, TESTS= as for test.
test-kernels: all
	$(Q)OUT=$(OUT) tests/kernels/run.sh

# ---- other architectures and paths
# The BPF object (and its skeleton) for arm64, from vmlinux/arm64/vmlinux.h.
bpf-arm64:
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/arm64 ARCH=arm64 \
		$(OUT)/arm64/leakscope.bpf.o $(OUT)/arm64/leakscope.skel.h \
		$(OUT)/arm64/leakscope_plain.skel.h $(OUT)/arm64/skel-layout.ok \
		$(OUT)/arm64/heap.skel.h

# vmlinux/arm64/vmlinux.h from the BTF of the newest arm64 kernel Debian builds
# (trixie-backports): the BPF side reads fields as new kernels name them, and
# older kernels through ___old flavours, so the header must be as new as x86's.
vmlinux-arm64:
	$(Q)d=$$(KARCH=arm64 tests/kernels/fetch.sh trixie-backports) && \
		tests/kernels/btf.sh "$$d" $(OUT)/arm64-vmlinux.btf && \
		BTF=$(OUT)/arm64-vmlinux.btf ARCH=arm64 vmlinux/gen-vmlinux.sh

# The tool built with unix records forced through the ring buffer (the path
# other architectures take) in $(OUT)/ringbuf, and socket tests run on it
# (RINGBUF_SUBTESTS="": all of them).
RINGBUF_CFLAGS := -DLS_FORCE_RINGBUF=1
# The subtests whose unix records take that path, each way a record goes:
# conns and closes of pairs, socketpairs, bursts, dups, forks, exec.
RINGBUF_SUBTESTS ?= unix_leak_both_sides,unix_leak_whole_machine,unix_closing_client_is_stable,$\
	connections_before_attach,socketpair_pairs,peer_that_exits,burst_nothing_lost,$\
	dup_keeps_it_open,forked_children_close_what_they_inherit,exec_closes_close_on_exec_ends
test-ringbuf:
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/ringbuf BPF_EXTRA_CFLAGS=$(RINGBUF_CFLAGS) all
	$(Q)OUT=$(OUT)/ringbuf UNIT=0 TESTS=sockets SUBTESTS="$(RINGBUF_SUBTESTS)" tests/run.sh

# ---- benchmarks
$(OUT)/bench/replay: bench/replay.c $(OUT)/libleakscope_core.a | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/core $< $(OUT)/libleakscope_core.a -o $@ -lz -lm -lpthread

$(OUT)/bench/regions: bench/regions.c user/regions.c user/regions.h | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) bench/regions.c user/regions.c -o $@

$(OUT)/bench/floor: bench/floor.c user/links.c user/links.h $(BENCH_SKELS) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) bench/floor.c user/links.c -o $@ $(LDLIBS) -lpthread

$(OUT)/bench/heap_floor: bench/heap_floor.c user/heap_target.c user/heap_target.h $(BENCH_SKELS) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) bench/heap_floor.c user/heap_target.c -o $@ $(LDLIBS)

# the loop itself as a program would be built: -O2, nothing else
$(OUT)/bench/heap_loop: bench/heap_loop.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g $(WARN) $< -o $@

$(OUT)/bench/%: bench/%.c $(BENCH_SKELS) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(LDLIBS) -lpthread

bench: all $(BENCH_BINS)
	$(Q)OUT=$(OUT) bench/run.sh

# --heap: ns per malloc+free untraced, under empty uprobes, under --heap
bench-heap: all $(OUT)/bench/heap_loop $(OUT)/bench/heap_floor
	$(Q)OUT=$(OUT) bench/heap.sh

# cost as the host grows: a million unix ends, thousands of processes
bench-scale: all
	$(Q)OUT=$(OUT) python3 bench/scale.py

# ---- the static binary and the container image
# build/static/leakscope: the same sources in their own tree (STATIC=1 above),
# stripped (the image carries no debug information of its own).
static:
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/static STATIC=1 $(OUT)/static/leakscope
	$(Q)strip -o $(OUT)/static/leakscope.stripped $(OUT)/static/leakscope

# FROM scratch with the static binary copied in: no download, works offline.
# The context is a directory holding the binary alone.
IMAGE ?= leakscope:$(VERSION)
DOCKER ?= docker
image: static
	$(Q)rm -rf $(OUT)/image && mkdir -p $(OUT)/image && \
		cp $(OUT)/static/leakscope.stripped $(OUT)/image/leakscope && \
		cp Dockerfile $(OUT)/image/Dockerfile
	DOCKER_BUILDKIT=0 $(DOCKER) build -t $(IMAGE) $(OUT)/image

# ---- man page and install
$(OUT)/leakscope.8: docs/leakscope.8.scd VERSION | $(OUT)
	$(call msg,SCDOC,$@)
	$(Q)sed 's/@VERSION@/$(VERSION)/' $< | $(SCDOC) > $@.tmp && mv $@.tmp $@

man: $(OUT)/leakscope.8

install: $(OUT)/leakscope $(OUT)/leakscope.8
	install -D -m 0755 $(OUT)/leakscope $(DESTDIR)$(PREFIX)/sbin/leakscope
	install -D -m 0644 $(OUT)/leakscope.8 $(DESTDIR)$(PREFIX)/share/man/man8/leakscope.8

# ---- housekeeping
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		make gcc g++ libc6-dev clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool \
		pkg-config python3 iproute2 util-linux socat libcap2-bin procps \
		libasan8 libubsan1 libclang-rt-14-dev scdoc libmicrohttpd-dev prometheus \
		qemu-system-x86 busybox-static kmod xz-utils zstd debian-archive-keyring \
		docker.io libdw-dev binutils golang-go libncurses-dev tmux \
		libstdc++-12-dev liblzma-dev libbz2-dev python3-yaml chromium-headless-shell \
		redis-server

vmlinux:
	vmlinux/gen-vmlinux.sh

clean:
	rm -rf $(OUT)

# Keep intermediate BPF objects (skeletons embed them, but debugging wants them).
.SECONDARY:
