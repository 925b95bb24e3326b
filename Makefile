# procsnap: build, test, install.  GNU make.
#
# `make` builds the core library and both programs; `make check` runs every
# test; `make deps` installs missing Debian packages (as root) or names them.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man/man1
VERSION := 0.1.0

CC      ?= cc
# The reader's JSON parser, simdjson, is C++: one file (src/archive/jsonfast.cpp).
CXX     ?= g++
# Libraries the core links; checked with pkg-config by `deps`.  libyara
# scans recovered files for snapread triage --yara (docs/TRIAGE.md).
PKGS      := libarchive libcrypto zlib libdeflate jansson simdjson yara
TEST_PKGS := cmocka
# The fixture fakeproc (a FUSE /proc that hides what a rootkit would).
FIXTURE_PKGS := fuse3
# Debian packages providing them, plus the command-line tools the tests use.
DEB_PKGS  := pkg-config python3 libarchive-dev libssl-dev zlib1g-dev libdeflate-dev libjansson-dev \
             libsimdjson-dev g++ \
             libcmocka-dev libzstd-dev libarchive-tools jq zstd libfuse3-dev \
             ansible openssh-server openssh-client python3-yaml python3-jsonschema \
             mandoc libc6-dev binutils openssl libyara-dev sleuthkit gdb strace lsof
# mactime (sleuthkit) reads snapread timeline's bodyfile (tests/it_timeline.sh);
# lsof +fg names the fd flags snapread's lsof_flags must match (it_snapread.sh).
TEST_CMDS := jq bsdtar sha256sum setpriv zstd python3 ansible-playbook /usr/sbin/sshd \
             mandoc unshare readelf openssl iconv mactime gdb strace lsof
# Python modules the tests import: jsonschema validates every --json
# output against docs/schema/ (tests/tools/schema_check.py).
TEST_PYMODS := yaml jsonschema
# The static archives `make static` links (docs: "On a compromised host").
STATIC_ARCHIVES := libc.a libarchive.a libcrypto.a libzstd.a libz.a libdeflate.a

# What `make bench` runs beside procsnap (tests/bench/run.sh): installed by
# bench-deps, apart from the rest.  python3 is the workload's interpreter.
BENCH_PKGS := lsof procps valgrind strace python3 linux-perf gzip zstd jq \
              libarchive-tools
BENCH_CMDS := lsof ps valgrind strace perf gzip zstd jq bsdtar /usr/bin/python3

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wundef \
        -Wvla -Wnull-dereference
OPT  ?= -O2 -g
ifeq ($(SANITIZE),1)
OPT  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
        -fno-sanitize-recover=undefined
BUILD ?= build-san
export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
endif
BUILD ?= build

# Recursively expanded on purpose: evaluated when a recipe runs, after
# `deps` has had the chance to install what pkg-config could not find.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstdc++
TEST_LIBS  = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

CPPFLAGS += -Iinclude -D_GNU_SOURCE -DPROCSNAP_VERSION='"$(VERSION)"'
CFLAGS   += -std=c11 $(OPT) $(WARN) -MMD -MP
# C's warnings that C++ has; no exceptions (simdjson's error codes), no RTTI.
CXXWARN  := $(filter-out -Wstrict-prototypes -Wmissing-prototypes,$(WARN))
CXXFLAGS += -std=c++17 $(OPT) $(CXXWARN) -MMD -MP -fno-exceptions -fno-rtti
ifeq ($(SANITIZE),1)
CXXFLAGS += -fno-sanitize=vptr
endif
ifeq ($(SANITIZE),1)
LDFLAGS  += -fsanitize=address,undefined
endif

# src/ is divided by role (docs/ARCHITECTURE.md).  The core library is
# every folder but cmd/, which holds the two programs and snapread's
# command files.
LIB_DIRS := util proc capture archive model view
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c))
LIB_CXX_SRC := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.cpp))
# Sources made from data files at build time (in BUILD/gen/): the built-in
# allowlist of snapread triage, docs/triage-allow.conf as a C string.
GEN      := triage_allow_conf
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(LIB_CXX_SRC:src/%.cpp=$(BUILD)/obj/%.o) \
            $(GEN:%=$(BUILD)/obj/gen/%.o)
LIB      := $(BUILD)/libprocsnap.a
# Program-side code both programs share (signals, the status line);
# procsnap_*.c are procsnap's own, cmd*.c snapread's.
PROG_COMMON_SRC := $(filter-out src/cmd/procsnap.c src/cmd/procsnap_%.c src/cmd/snapread.c src/cmd/snapread_%.c src/cmd/cmd.c src/cmd/cmd_%.c,$(wildcard src/cmd/*.c))
PROCSNAP_SRC := src/cmd/procsnap.c $(wildcard src/cmd/procsnap_*.c) $(PROG_COMMON_SRC)
SNAPREAD_SRC := src/cmd/snapread.c $(wildcard src/cmd/snapread_*.c) src/cmd/cmd.c $(wildcard src/cmd/cmd_*.c) $(PROG_COMMON_SRC)

UNIT_SRC   := $(wildcard tests/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
FIXTURE_BIN := $(BUILD)/holder $(BUILD)/stress $(BUILD)/fakeproc $(BUILD)/planted $(BUILD)/pacer

PROGS := $(BUILD)/procsnap $(BUILD)/snapread

# procsnap-static (`make static`, below) and what only it links.
STATIC_BIN   := $(BUILD)/procsnap-static
STATIC_SRC   := $(wildcard src/static/*.c)
STATIC_LIBS  := -larchive -lcrypto -lzstd -lz -ldeflate -lpthread
STATIC_STRIP ?= -s
# The integration tests that capture (the others test snapread).
STATIC_IT    := tests/it_capture.sh tests/it_deep.sh tests/it_bounds.sh \
                tests/it_faults.sh tests/it_hang.sh tests/it_pidns.sh \
                tests/it_memory.sh tests/it_exec.sh tests/it_hidden.sh \
                tests/it_touch.sh

# What it_preload.sh runs both programs under: a test rootkit that hides
# a process and a port, and a library that says when it was loaded.
PRELOAD_LIBS := $(BUILD)/tests/libhide.so $(BUILD)/tests/libinject.so
# What it_exec.sh maps into a copied program: a library of known bytes.
EXEC_LIBS    := $(BUILD)/tests/libexecmark.so
# The static program cannot be built with the sanitizers: the tests that
# run it skip it then, saying so.
IT_STATIC    := $(if $(filter 1,$(SANITIZE)),,$(STATIC_BIN))

# Fuzzing (tests/fuzz/, docs in README "Fuzzing").  Each harness
# fuzz_TARGET.c is built twice: with libFuzzer by `make fuzz` (clang, its
# own build of the library in FUZZ_BUILD), and with replay.c by `make
# check`, which replays the seed corpus and the regressions in seconds.
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_COMMON  := tests/fuzz/fuzz.c
# The other side of fuzz_archive's diff: a small real archive.
FUZZ_DEFS    := -DFUZZ_DIFF_BASE='"$(CURDIR)/fixtures/hostile/base.tar.gz"'
REPLAY_BIN   := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/replay-%)
# Where each target's inputs come from (replayed by check, seeds for fuzz).
FUZZ_SEEDS_archive := fixtures/fuzz/seed/archive fixtures/hostile fixtures/fuzz/regress/archive
FUZZ_SEEDS_extract := fixtures/fuzz/seed/archive fixtures/hostile fixtures/fuzz/regress/extract
FUZZ_SEEDS_parse   := fixtures/proc fixtures/sockdiag fixtures/fuzz/regress/parse
FUZZ_SEEDS_records := fixtures/fuzz/seed/records fixtures/fuzz/regress/records
FUZZ_SEEDS_elfcore := fixtures/fuzz/seed/elfcore fixtures/fuzz/regress/elfcore

.PHONY: all deps check layers man-lint schema-lint unit integration run install uninstall clean bench bench-deps \
	fuzz fuzz-deps fuzz-build fuzz-replay static integration-static
all: $(PROGS)

deps:
	@missing=""; \
	for p in $(PKGS) $(TEST_PKGS) $(FIXTURE_PKGS); do \
	  pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	for c in $(TEST_CMDS) $(CXX); do \
	  command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	for a in $(STATIC_ARCHIVES); do \
	  case "$$($(CC) -print-file-name=$$a)" in /*) ;; *) missing="$$missing $$a";; esac; done; \
	for m in $(TEST_PYMODS); do \
	  python3 -c "import $$m" >/dev/null 2>&1 || missing="$$missing python3-$$m"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "deps: installing Debian packages for:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq $(DEB_PKGS) >/dev/null \
	      || { echo "deps: apt-get failed" >&2; exit 2; }; \
	  else \
	    echo "deps: missing:$$missing" >&2; \
	    echo "deps: install them with: sudo apt-get install $(DEB_PKGS)" >&2; \
	    exit 2; \
	  fi; \
	fi

$(BUILD)/obj/%.o: src/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.cpp | deps
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(PKG_CFLAGS) $(CXXFLAGS) -c -o $@ $<

# docs/triage-allow.conf as one C string, line by line (\ and " escaped).
# $(1): the build directory.
define gen_allow
$(1)/gen/triage_allow_conf.c: docs/triage-allow.conf
	@mkdir -p $$(@D)
	{ echo '/* Made from docs/triage-allow.conf by the Makefile: snapread triage'"'"'s built-in allowlist. */'; \
	  echo 'extern const char triage_allow_builtin[];'; \
	  echo 'const char triage_allow_builtin[] = ""'; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$$$/\\n"/' $$<; \
	  echo ';'; } >$$@.tmp && mv $$@.tmp $$@
endef
$(eval $(call gen_allow,$(BUILD)))

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/procsnap: $(PROCSNAP_SRC:src/%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

$(BUILD)/snapread: $(SNAPREAD_SRC:src/%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

$(BUILD)/tests/%: tests/%.c $(LIB) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) \
	  $(PKG_LIBS) $(TEST_LIBS) -lpthread

$(BUILD)/holder: fixtures/holder.c fixtures/holder_mem.c fixtures/holder_flags.c fixtures/holder.h | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ fixtures/holder.c fixtures/holder_mem.c fixtures/holder_flags.c $(LDFLAGS) \
	  -lcrypto -lpthread

$(BUILD)/planted: fixtures/planted.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/pacer: fixtures/pacer.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/stress: fixtures/stress.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/fakeproc: fixtures/fakeproc.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $$(pkg-config --cflags fuse3) $(CFLAGS) -o $@ $< $(LDFLAGS) \
	  $$(pkg-config --libs fuse3)

# The benchmark suite: workloads, side-by-side runs, a report (see
# docs/PERFORMANCE.md).  Root only; about 10 minutes.  Not part of check.
BENCH_BIN := $(BUILD)/bench/floor $(BUILD)/bench/timeit $(BUILD)/bench/views

bench-deps:
	@missing=""; \
	for c in $(BENCH_CMDS); do \
	  command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "bench-deps: installing Debian packages for:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq $(BENCH_PKGS) >/dev/null \
	      || { echo "bench-deps: apt-get failed" >&2; exit 2; }; \
	  else \
	    echo "bench-deps: missing:$$missing" >&2; \
	    echo "bench-deps: install them with: sudo apt-get install $(BENCH_PKGS)" >&2; \
	    exit 2; \
	  fi; \
	fi

$(BUILD)/bench/%: tests/bench/%.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

# views times the library's two socket views: it links the library.
$(BUILD)/bench/views: tests/bench/views.c $(LIB) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) -lpthread

bench: bench-deps $(PROGS) $(BUILD)/holder $(BUILD)/pacer $(BENCH_BIN)
	BUILD=$(BUILD) bash tests/bench/run.sh
	BUILD=$(BUILD) bash tests/bench/series.sh

# ---- fuzzing: `make fuzz` -------------------------------------------------
# clang with libFuzzer (Debian: clang and libclang-rt-14-dev, installed by
# fuzz-deps).  The library is built again into FUZZ_BUILD with coverage
# and ASan+UBSan.  Each target runs FUZZ_TIME seconds, one worker, its
# corpus in FUZZ_BUILD/corpus/TARGET (kept between runs) seeded from
# FUZZ_SEEDS_TARGET; crashes go to FUZZ_BUILD/artifacts/TARGET/.
#     make fuzz FUZZ_TARGETS=archive FUZZ_TIME=3600
FUZZ_CC    ?= clang
FUZZ_CXX   ?= clang++
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60
FUZZ_PKGS  := clang libclang-rt-14-dev
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OPT   := -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIB   := $(FUZZ_BUILD)/libprocsnap.a
FUZZ_BIN   := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz-%)
# Inputs: archives are small (the seeds are under 100 KiB); /proc text
# and records are lines.
FUZZ_MAXLEN_archive := 131072
FUZZ_MAXLEN_extract := 131072
FUZZ_MAXLEN_parse   := 4096
FUZZ_MAXLEN_records := 65536
# elfcore: a program of declarations (tests/fuzz/fuzz_elfcore.c).
FUZZ_MAXLEN_elfcore := 512
FUZZ_DICT_archive := tests/fuzz/archive.dict
FUZZ_DICT_extract := tests/fuzz/archive.dict
FUZZ_DICT_parse   := tests/fuzz/parse.dict
FUZZ_DICT_records := tests/fuzz/records.dict
FUZZ_ARGS  := -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
export ASAN_OPTIONS ?= detect_leaks=1
# extract writes real files: somewhere fast, when there is a tmpfs.
FUZZ_TMP   := $(if $(wildcard /dev/shm/.),/dev/shm,/tmp)

fuzz-deps:
	@missing=""; \
	command -v $(FUZZ_CC) >/dev/null 2>&1 || missing="$$missing $(FUZZ_CC)"; \
	echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)n & 0; }' | \
	  $(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1 || missing="$$missing libFuzzer"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "fuzz-deps: installing Debian packages for:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq $(FUZZ_PKGS) >/dev/null \
	      || { echo "fuzz-deps: apt-get failed" >&2; exit 2; }; \
	  else \
	    echo "fuzz-deps: missing:$$missing" >&2; \
	    echo "fuzz-deps: install them with: sudo apt-get install $(FUZZ_PKGS)" >&2; \
	    exit 2; \
	  fi; \
	fi

$(FUZZ_BUILD)/obj/%.o: src/%.c | deps fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 $(WARN) -MMD -MP $(FUZZ_OPT) \
	  -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/obj/%.o: src/%.cpp | deps fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(CPPFLAGS) $(PKG_CFLAGS) -std=c++17 $(CXXWARN) -MMD -MP $(FUZZ_OPT) \
	  -fno-exceptions -fno-rtti -fno-sanitize=vptr -fsanitize=fuzzer-no-link -c -o $@ $<

$(eval $(call gen_allow,$(FUZZ_BUILD)))

$(FUZZ_BUILD)/obj/gen/%.o: $(FUZZ_BUILD)/gen/%.c | deps fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_OPT) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(LIB_SRC:src/%.c=$(FUZZ_BUILD)/obj/%.o) $(LIB_CXX_SRC:src/%.cpp=$(FUZZ_BUILD)/obj/%.o) \
            $(GEN:%=$(FUZZ_BUILD)/obj/gen/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz-%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON) tests/fuzz/fuzz.h $(FUZZ_LIB) | fuzz-deps
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_DEFS) -Itests/fuzz $(PKG_CFLAGS) -std=c11 $(WARN) $(FUZZ_OPT) \
	  -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_$*.c $(FUZZ_COMMON) $(FUZZ_LIB) \
	  $(PKG_LIBS) -lpthread

fuzz-build: $(FUZZ_BIN)

# One target after the other, each for FUZZ_TIME seconds; stops at the
# first finding (minimise it with -minimize_crash=1, then see
# fixtures/README.md, "fuzz").
fuzz: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts/$$t; \
	done
	$(foreach t,$(FUZZ_TARGETS),\
	  TMPDIR=$(FUZZ_TMP) LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(FUZZ_BUILD)/fuzz-$(t) $(FUZZ_BUILD)/corpus/$(t) $(FUZZ_SEEDS_$(t)) \
	  $(if $(FUZZ_DICT_$(t)),-dict=$(FUZZ_DICT_$(t))) -max_len=$(FUZZ_MAXLEN_$(t)) \
	  -max_total_time=$(FUZZ_TIME) $(FUZZ_ARGS) \
	  -artifact_prefix=$(FUZZ_BUILD)/artifacts/$(t)/ && ) true

# The static program's capture tests run after the others, not beside
# them (make -j2): two suites at once on two cores would time each other out.
check: unit integration fuzz-replay layers man-lint schema-lint
	@$(MAKE) --no-print-directory integration-static

# The man pages: mandoc -T lint has nothing to say (docs/*.1).
man-lint: | deps
	@out=$$(mandoc -T lint docs/procsnap.1 docs/snapread.1 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "man-lint: mandoc -T lint is not clean" >&2; exit 1; fi; \
	echo "man-lint: docs/procsnap.1 docs/snapread.1 clean"

# The JSON Schemas of snapread's --json are valid draft 2020-12 schemas
# (the outputs themselves are validated by every integration test).
schema-lint: | deps
	@mkdir -p $(BUILD)/tests/no-json
	python3 tests/tools/schema_check.py docs/schema $(BUILD)/tests/no-json

# No two files of src/ depend on each other (docs/ARCHITECTURE.md).
layers: $(PROGS)
	python3 tests/tools/layers.py $(BUILD)

$(BUILD)/tests/fuzz/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_COMMON) \
		tests/fuzz/fuzz.h $(LIB) | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(FUZZ_DEFS) -Itests/fuzz $(PKG_CFLAGS) $(CFLAGS) -o $@ \
	  tests/fuzz/fuzz_$*.c tests/fuzz/replay.c $(FUZZ_COMMON) $(LIB) $(LDFLAGS) \
	  $(PKG_LIBS) -lpthread

# Every seed and regression through every harness: seconds.  Under
# SANITIZE=1 with ASan+UBSan, halting on the first report.
fuzz-replay: $(REPLAY_BIN)
	$(foreach t,$(FUZZ_TARGETS),$(BUILD)/tests/fuzz/replay-$(t) $(FUZZ_SEEDS_$(t)) && ) true

unit: $(UNIT_BIN)
	@pass=0; fail=0; \
	for t in $(UNIT_BIN); do \
	  if (cd tests && ../$$t); then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; \
	echo "unit: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# The preload shim that pins clock, uname and pid for it_golden.sh.
$(BUILD)/tests/golden-shim.so: tests/golden/shim.c | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

# The test rootkit and the injection probe (tests/preload/), never
# instrumented: they are loaded into other programs.
$(BUILD)/tests/lib%.so: tests/preload/%.c | deps
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

integration: $(PROGS) $(FIXTURE_BIN) $(BUILD)/tests/golden-shim.so $(PRELOAD_LIBS) $(EXEC_LIBS) \
		$(IT_STATIC)
	BUILD=$(BUILD) bash tests/integration.sh

# ---- `make static`: build/procsnap-static ----------------------------------
# The capture program with no program interpreter (a static PIE): no
# LD_PRELOAD, no /etc/ld.so.preload, no library from the suspect's disk.
# Linked from Debian's own static archives (STATIC_ARCHIVES, checked by
# deps).  --gc-sections keeps it small: libarchive.a's table of every
# writer format would pull in the xar, 7zip, iso9660... writers and with
# them libxml2, ICU, nettle, lzma, bzip2, lz4 and acl (40 MB); Debian
# builds it with -ffunction-sections, so only what the pax writer reaches
# stays, and the others' undefined references go with them.
# --fatal-warnings: glibc's "Using 'dlopen' / 'getaddrinfo' in statically
# linked applications" must stay absent: a module loader or NSS in the
# binary would mean code from the host again.  src/static/ holds what only
# this program links.  Stripped to carry (STATIC_STRIP= keeps symbols);
# its variables are with the others at the top.
ifeq ($(SANITIZE),1)
static:
	@echo "static: not with SANITIZE=1: ASan and UBSan cannot link a static program" >&2; exit 2
integration-static:
	@echo "integration-static: skipped under SANITIZE=1 (ASan and UBSan cannot" \
	  "link a static program); the plain make check runs it"
else
static: $(STATIC_BIN)

$(STATIC_BIN): $(PROCSNAP_SRC:src/%.c=$(BUILD)/obj/%.o) $(STATIC_SRC:src/%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) -static-pie $(STATIC_STRIP) -Wl,--gc-sections -Wl,--fatal-warnings $(LDFLAGS) \
	  -o $@ $^ $(STATIC_LIBS)
	@if readelf -lW $@ | grep -q ' INTERP ' || readelf -dW $@ | grep -q '(NEEDED)'; then \
	  echo "static: $@ has a program interpreter or needs a shared library" >&2; \
	  rm -f $@; exit 1; fi
	@echo "static: $@ is static ($$(stat -c %s $@) bytes)"

# The capture tests again, against procsnap-static (snapread stays the
# dynamic one).
integration-static: $(STATIC_BIN) $(PROGS) $(FIXTURE_BIN) $(EXEC_LIBS)
	BUILD=$(BUILD) PROCSNAP=$(CURDIR)/$(STATIC_BIN) bash tests/integration.sh $(STATIC_IT)
endif

SNAPDIR ?= snapshots
run: $(PROGS)
	@mkdir -p $(SNAPDIR)
	@out=$$($(BUILD)/procsnap -o $(SNAPDIR)) || exit $$?; \
	echo "snapshot: $$out"; \
	$(BUILD)/snapread verify "$$out"

install: $(PROGS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 0755 $(PROGS) $(DESTDIR)$(BINDIR)/
	install -m 0644 docs/procsnap.1 docs/snapread.1 $(DESTDIR)$(MANDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/procsnap $(DESTDIR)$(BINDIR)/snapread \
	  $(DESTDIR)$(MANDIR)/procsnap.1 $(DESTDIR)$(MANDIR)/snapread.1

clean:
	rm -rf build build-san $(FUZZ_BUILD)

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/tests/*.d $(FUZZ_BUILD)/obj/*/*.d)
