# faiz-idcard: build, install, test.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

CC ?= cc
PKG_CONFIG ?= pkg-config
LIBS_PC = libcurl jansson libcrypto libturbojpeg xlsxwriter libmicrohttpd hiredis

WARN = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wwrite-strings -Wformat=2 -Wno-format-nonliteral
HARDEN = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CFLAGS ?= -O2 -g
CFLAGS += $(WARN) $(HARDEN) $(shell $(PKG_CONFIG) --cflags $(LIBS_PC))
LDFLAGS += -pie -Wl,-z,relro,-z,now
# libb64 ships no pkg-config file.
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC)) -lb64 -lm

SRCS = $(wildcard src/*.c)
# The GB/T 2260 table (data/gbt2260-timeline.tsv) compiled in as generated C.
REGION_TSV = data/gbt2260-timeline.tsv
REGION_GEN = tools/gen-region.awk
GEN_SRC = build/region_data.c
OBJS = $(SRCS:.c=.o) build/region_data.o
LIBOBJS = $(filter-out src/main.o,$(OBJS))
UNIT_SRCS = $(wildcard tests/unit/*_test.c)
UNIT_BINS = $(UNIT_SRCS:.c=)

ASAN_DIR = build/asan
ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OBJS = $(patsubst src/%.c,$(ASAN_DIR)/%.o,$(SRCS)) $(ASAN_DIR)/region_data.o

BATS ?= bats
BATS_JOBS ?=

# libFuzzer targets: every fuzz/fuzz_NAME.c is one, linked against all of
# src/ but main.c, built by clang into build/fuzz/ with the fuzzer's
# coverage hooks. Adding a file is enough; a target may set
# FUZZ_MAXLEN_NAME (default 4096) and commit seeds in fuzz/corpus/NAME/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR = build/fuzz
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
FUZZ_CFLAGS = $(WARN) -fPIE $(FUZZ_FLAGS) $(shell $(PKG_CONFIG) --cflags $(LIBS_PC))
FUZZ_SRCS = $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES = $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_BINS = $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_OBJS = $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(filter-out src/main.c,$(SRCS))) \
	$(FUZZ_DIR)/obj/region_data.o
FUZZ_MAXLEN_response = 16384
FUZZ_MAXLEN_jpeg = 16384
FUZZ_MAXLEN_prepare = 16384
FUZZ_MAXLEN_resume = 8192
FUZZ_MAXLEN_gather = 10000
FUZZ_MAXLEN_b64 = 4096
FUZZ_MAXLEN_config = 4096
FUZZ_MAXLEN_idnum = 64
FUZZ_MAXLEN_dates = 256
FUZZ_MAXLEN_form = 8192

all: faiz-idcard

faiz-idcard: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

src/%.o: src/%.c src/*.h
	$(CC) $(CFLAGS) -c -o $@ $<

$(ASAN_DIR)/%.o: src/%.c src/*.h
	@mkdir -p $(ASAN_DIR)
	$(CC) $(filter-out -O2 -D_FORTIFY_SOURCE=2,$(CFLAGS)) $(ASAN_FLAGS) -c -o $@ $<

# Written to a temporary file first so that a failed run (the generator
# rejects malformed or unsorted data) never leaves a half-written table.
$(GEN_SRC): $(REGION_TSV) $(REGION_GEN)
	@mkdir -p build
	awk -f $(REGION_GEN) $(REGION_TSV) > $@.tmp || { rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

build/region_data.o: $(GEN_SRC) src/region.h
	$(CC) $(CFLAGS) -Isrc -c -o $@ $(GEN_SRC)

$(ASAN_DIR)/region_data.o: $(GEN_SRC) src/region.h
	@mkdir -p $(ASAN_DIR)
	$(CC) $(filter-out -O2 -D_FORTIFY_SOURCE=2,$(CFLAGS)) $(ASAN_FLAGS) -Isrc -c -o $@ $(GEN_SRC)

$(ASAN_DIR)/faiz-idcard: $(ASAN_OBJS)
	$(CC) $(filter-out -O2,$(CFLAGS)) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $(ASAN_OBJS) $(LDLIBS)

tests/unit/%_test: tests/unit/%_test.c tests/unit/unit.h $(ASAN_OBJS)
	$(CC) $(filter-out -O2 -D_FORTIFY_SOURCE=2,$(CFLAGS)) $(ASAN_FLAGS) -Isrc $(LDFLAGS) -o $@ $< \
		$(filter-out $(ASAN_DIR)/main.o,$(ASAN_OBJS)) $(LDLIBS)

# A test double of `faiz-idcard serve`: the srv_* modules with a fake
# engine (tests/srv_testd.c), for tests/88-serve.bats. Never installed.
SRV_TESTD = build/srv-testd
$(SRV_TESTD): tests/srv_testd.c $(LIBOBJS)
	@mkdir -p build
	$(CC) $(CFLAGS) -Isrc $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

$(ASAN_DIR)/srv-testd: tests/srv_testd.c $(ASAN_OBJS)
	$(CC) $(filter-out -O2 -D_FORTIFY_SOURCE=2,$(CFLAGS)) $(ASAN_FLAGS) -Isrc $(LDFLAGS) -o $@ $< \
		$(filter-out $(ASAN_DIR)/main.o,$(ASAN_OBJS)) $(LDLIBS)

# The whole suite: unit tests, man page lint, bats against the normal
# build, then bats again against the ASan+UBSan build. tests/run prints the
# closing "N passed, N failed" line.
check: faiz-idcard $(ASAN_DIR)/faiz-idcard $(UNIT_BINS) $(FUZZ_BINS) $(SRV_TESTD) $(ASAN_DIR)/srv-testd
	sh tests/run

# The client under valgrind (memcheck): a 50-image batch with -j 4 and
# --save-images, and each error path; no error and no definite or indirect
# leak. Ends with "valgrind: N passed, N failed".
check-valgrind: faiz-idcard
	bash tests/valgrind.sh

# A benchmark, not a test (never part of check): pacing against the backend's
# 1/s limiter, concurrency, CPU and memory; prints a table. About 5 minutes.
bench: faiz-idcard
	bash tests/bench.sh

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do ./$$t || exit 1; done

$(FUZZ_DIR)/obj/%.o: src/%.c src/*.h
	@mkdir -p $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/obj/region_data.o: $(GEN_SRC) src/region.h
	@mkdir -p $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -Isrc -c -o $@ $(GEN_SRC)

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc $(LDFLAGS) -o $@ $< \
		$(FUZZ_OBJS) $(LDLIBS)

# Kept between builds: make would otherwise delete them as intermediates.
.SECONDARY: $(FUZZ_OBJS)

fuzz-build: $(FUZZ_BINS)

# Each target for FUZZ_SECONDS from its committed seeds; new inputs go to a
# scratch corpus under build/ so the seeds stay as committed. One line per
# target; any crash, leak or timeout fails the run (make -j runs several).
fuzz: $(FUZZ_NAMES:%=fuzz-run-%)

fuzz-run-%: $(FUZZ_DIR)/fuzz_%
	@sh fuzz/run.sh $* $(FUZZ_SECONDS) $(or $(FUZZ_MAXLEN_$*),4096)

# Replays the committed seeds and crash reproducers (fuzz/regress/NAME/)
# through every target once, without fuzzing.
fuzz-regress: $(FUZZ_BINS)
	@sh fuzz/regress.sh $(FUZZ_NAMES)

lint-man:
	mandoc -Tlint -W warning man/faiz-idcard.1

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		build-essential pkg-config libcurl4-openssl-dev libjansson-dev \
		libb64-dev libssl-dev libturbojpeg0-dev mandoc bats bats-assert bats-support \
		python3 python3-pil fonts-wqy-zenhei curl jq ca-certificates \
		zsh fish valgrind util-linux bsdutils mount openssl time \
		libxlsxwriter-dev python3-openpyxl \
		clang libclang-rt-14-dev \
		libmicrohttpd-dev libhiredis-dev redis-server nginx-light wrk systemd man-db

install: faiz-idcard
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 faiz-idcard $(DESTDIR)$(BINDIR)/faiz-idcard
	install -m 0644 man/faiz-idcard.1 $(DESTDIR)$(MANDIR)/man1/faiz-idcard.1
	install -m 0644 completions/faiz-idcard.bash $(DESTDIR)$(BASHCOMPDIR)/faiz-idcard
	install -m 0644 completions/_faiz-idcard $(DESTDIR)$(ZSHCOMPDIR)/_faiz-idcard
	install -m 0644 completions/faiz-idcard.fish $(DESTDIR)$(FISHCOMPDIR)/faiz-idcard.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/faiz-idcard \
		$(DESTDIR)$(MANDIR)/man1/faiz-idcard.1 \
		$(DESTDIR)$(BASHCOMPDIR)/faiz-idcard \
		$(DESTDIR)$(ZSHCOMPDIR)/_faiz-idcard \
		$(DESTDIR)$(FISHCOMPDIR)/faiz-idcard.fish

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf faiz-idcard src/*.o build $(UNIT_BINS)

.PHONY: all check check-valgrind bench unit lint-man deps install uninstall format clean \
	fuzz fuzz-build fuzz-regress
