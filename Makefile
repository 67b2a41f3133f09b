# xfed — GNU make.  `make` builds, `make check` runs every test, `make demo`
# runs the agent against a private BIND on loopback.  Both check and demo
# first make sure the Debian packages are installed (scripts/deps.sh).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR	?=

CC	?= cc
PKGS	:= ldns libconfuse jansson libsystemd libcrypto
BUILD	:= build

# Deferred (=) so that pkg-config runs only once the packages exist.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -pthread
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS   = $(shell pkg-config --libs check)

CFLAGS	?= -O2 -g
XCFLAGS	:= -std=c11 -pthread -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	   -Wmissing-prototypes -Wstrict-prototypes -Iinclude
ifeq ($(SANITIZE),1)
# Any UBSan finding stops the test that hit it, instead of a mere message.
XCFLAGS	+= -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
endif

VERSION	:= 0.1.0
LIB_SRCS := $(filter-out agent/xfedd.c agent/xfedctl.c,$(wildcard agent/*.c))
LIB_OBJS := $(LIB_SRCS:agent/%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/check_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

.PHONY: all check check-sanitize check-valgrind soak unit integration demo install clean deps tests bench bench-log bench-config fuzz

all: $(BUILD)/xfedd $(BUILD)/xfedctl

$(BUILD)/obj/%.o: agent/%.c $(wildcard include/*.h) | $(BUILD)/obj
	$(CC) $(CFLAGS) $(XCFLAGS) -DXFED_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/libxfed.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/xfedd: $(BUILD)/obj/xfedd.o $(BUILD)/libxfed.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/xfedctl: $(BUILD)/obj/xfedctl.o $(BUILD)/libxfed.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libxfed.a $(wildcard include/*.h) \
		$(wildcard tests/unit/*.h) | $(BUILD)/tests
	$(CC) $(CFLAGS) $(XCFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -o $@ $< \
		$(BUILD)/libxfed.a $(PKG_LIBS) $(CHECK_LIBS) $(LDFLAGS)

$(BUILD)/tests/%: tests/tools/%.c $(BUILD)/libxfed.a $(wildcard include/*.h) | $(BUILD)/tests
	$(CC) $(CFLAGS) $(XCFLAGS) $(PKG_CFLAGS) -o $@ $< \
		$(BUILD)/libxfed.a $(PKG_LIBS) $(LDFLAGS)

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

tests: all $(UNIT_BINS) $(TOOL_BINS)

deps:
	@scripts/deps.sh

# The README's test command.  Unit suites first (no network), then the
# integration suites, each against its own named on a free loopback port;
# then all of it again with AddressSanitizer and UBSan built in, and the
# core integration suites with xfedd and xfedctl under valgrind.
check: deps
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory check-sanitize
	@$(MAKE) --no-print-directory check-valgrind

# Integration scripts side by side, this many at once (default 1: on two
# cores they compete for the CPU and took longer; the ones that
# time answers run alone: tests/run-integration.sh).
TEST_JOBS ?= 1
INTEGRATION_TESTS := $(basename $(notdir $(wildcard tests/integration/t_*.sh)))
# The fuzz smoke run builds its own sanitized targets: once is enough.
SANITIZE_TESTS ?= $(filter-out t_fuzz_smoke,$(INTEGRATION_TESTS))

ASAN_BUILD := $(BUILD)/asan
check-sanitize:
	@echo "=== every suite again with ASan+UBSan ($(ASAN_BUILD))"
	@$(MAKE) --no-print-directory tests SANITIZE=1 BUILD=$(ASAN_BUILD)
	@scripts/run-unit.sh $(UNIT_BINS:$(BUILD)/%=$(ASAN_BUILD)/%)
	@XFEDD=$(CURDIR)/$(ASAN_BUILD)/xfedd \
		XFEDCTL=$(CURDIR)/$(ASAN_BUILD)/xfedctl \
		XFED_TOOLS=$(CURDIR)/$(ASAN_BUILD)/tests \
		XFED_TEST_JOBS=$(TEST_JOBS) TESTS="$(SANITIZE_TESTS)" \
		tests/run-integration.sh

VALGRIND_TESTS ?= t_converge t_change t_conflict t_race t_repoint t_daemon \
		  t_daemon_timers t_audit
check-valgrind:
	@echo "=== $(VALGRIND_TESTS) with xfedd and xfedctl under valgrind"
	@XFED_VALGRIND=1 TESTS="$(VALGRIND_TESTS)" tests/run-integration.sh

unit: tests
	@scripts/run-unit.sh $(UNIT_BINS)

integration: tests
	@XFED_TEST_JOBS=$(TEST_JOBS) tests/run-integration.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

# The unit names Debian's paths; rewritten here for PREFIX and SYSCONFDIR.
$(BUILD)/bench_log: tests/bench/bench_log.c $(BUILD)/libxfed.a $(wildcard include/*.h)
	$(CC) $(CFLAGS) $(XCFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libxfed.a \
		$(PKG_LIBS) $(LDFLAGS)

# Filtering and verifying a 1,000,000-record audit log, against grep.
bench-log: $(BUILD)/bench_log
	$(BUILD)/bench_log

$(BUILD)/bench_config: tests/bench/bench_config.c $(BUILD)/libxfed.a $(wildcard include/*.h)
	$(CC) $(CFLAGS) $(XCFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libxfed.a \
		$(PKG_LIBS) $(LDFLAGS)

# Reading configurations of 1k/10k/20k domains: time, linearity, peak RSS.
bench-config: $(BUILD)/bench_config
	$(BUILD)/bench_config

# The agent for SOAK_MINUTES under constant interference (scripts/soak.sh);
# not part of check.
soak: deps
	@$(MAKE) --no-print-directory all
	@scripts/soak.sh

# libFuzzer targets (fuzz/README.md), each for FUZZ_SECONDS; needs clang.
FUZZ_SECONDS ?= 60
fuzz: deps
	@fuzz/run.sh $(FUZZ_SECONDS)

# Speed and memory against a hand-batched nsupdate (bench/README.md).
bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(SYSCONFDIR)/xfed $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSCONFDIR)/logrotate.d
	install -m 0755 $(BUILD)/xfedd $(DESTDIR)$(SBINDIR)/xfedd
	install -m 0755 $(BUILD)/xfedctl $(DESTDIR)$(BINDIR)/xfedctl
	install -m 0644 etc/xfed.conf $(DESTDIR)$(SYSCONFDIR)/xfed/xfed.conf.example
	install -m 0644 man/xfedd.8 man/xfedctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/xfed.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 completion/xfedctl.bash $(DESTDIR)$(BASHCOMPDIR)/xfedctl
	if [ -f etc/logrotate.d/xfed ]; then install -m 0644 etc/logrotate.d/xfed \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/xfed; fi
	sed -e 's|/usr/sbin/xfedd|$(SBINDIR)/xfedd|g' \
	    -e 's|/usr/bin/xfedctl|$(BINDIR)/xfedctl|g' \
	    -e 's|/etc/xfed/|$(SYSCONFDIR)/xfed/|g' \
	    systemd/xfedd.service >$(DESTDIR)$(UNITDIR)/xfedd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/xfedd.service

clean:
	rm -rf $(BUILD)
