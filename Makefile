# bambufarm — see README.md. `make run` and `make test` are the two commands.
#
#   make          release build under build/
#   make run      install what is missing (as root), build, migrate, serve
#   make test     install what tests need, layer check, sanitizer build,
#                 unit + e2e tests
#   make bench    the benchmark on SQLite and PostgreSQL (figures, not
#                 pass/fail)
#   make fmt      clang-format every C file
#   make clean    remove build/

SHELL := /bin/bash
PYTHON := /usr/bin/python3

# Debian packages: to build and run, and what the tests add.
DEBS_RUN := gcc g++ make pkg-config libc6-dev libfcgi-dev libfcgi-bin \
	spawn-fcgi multiwatch nginx libsqlite3-dev libjson-c-dev \
	libctemplate-dev libsodium-dev libmosquitto-dev libcurl4-openssl-dev \
	libssl-dev curl ca-certificates libcsv-dev libpq-dev
DEBS_TEST := libcmocka-dev python3 python3-pytest python3-pytest-xdist \
	python3-requests wrk sqlite3 procps mosquitto openssl \
	python3-paho-mqtt python3-pyftpdlib python3-openssl python3-aiosmtpd time \
	clang chromium chromium-driver python3-selenium \
	postgresql python3-psycopg2

CC := gcc
CXX := g++
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wvla -Wformat=2 -Werror
CPPFLAGS := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Ilib -Itests/unit \
	-I/usr/include/postgresql \
	-DFARM_TEMPLATE_DIR='"$(CURDIR)/templates"'
CFLAGS_COMMON := -std=c11 $(WARN) -g
CXXFLAGS_COMMON := -std=c++11 -Wall -Wextra -Wshadow -Werror -g -Ilib
# Programs link the lib archive, so each takes only the modules it uses;
# --as-needed drops the libraries those modules did not need.
LIBS := -Wl,--as-needed -lfcgi -lsqlite3 -ljson-c -lsodium -lctemplate \
	-lmosquitto -lcurl -lssl -lcrypto -lpthread -lcsv -lpq

SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer

# Two flavours from the same sources: release in build/, sanitizers in
# build/asan/.
BUILD ?= build
REL := $(BUILD)
ASAN := $(BUILD)/asan
# Release hardening: fortified libc calls, stack protector, PIE and full
# RELRO (tests/build/test_hardening.sh checks the binaries).
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now
REL_FLAGS := -O2 $(HARDEN)
# FARM_TEST_HOOKS compiles in what only tests use (a fake clock, crash
# points), as SQLite does with its test-only code: `make` builds none of it.
ASAN_FLAGS := -O1 $(SAN) -DFARM_TEST_HOOKS

LAYERS := base store domain web notify dispatch bambu net
LIB_C := $(wildcard $(LAYERS:%=lib/%/*.c))
LIB_CC := $(wildcard $(LAYERS:%=lib/%/*.cc))
LIB_H := $(wildcard $(LAYERS:%=lib/%/*.h))
SQL_SQLITE := $(sort $(wildcard sql/sqlite/*.sql))
SQL_POSTGRES := $(sort $(wildcard sql/postgres/*.sql))
GEN := $(BUILD)/gen/migrations_sqlite.c
GEN_PG := $(BUILD)/gen/migrations_postgres.c
PROGRAMS := farm.fcgi farmctl $(if $(wildcard dispatcher/dispatch.c),farm-dispatch) \
	$(if $(wildcard tools/bambu-sim.c),bambu-sim) \
	$(if $(wildcard tools/net-probe.c),net-probe) \
	$(if $(wildcard tools/farm-deliver.c),farm-deliver)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

# Objects keep their source path (build/obj/lib/base/arena.o,
# build/obj/dispatcher/dispatch.o), so two sources never share an object.
objs = $(patsubst %.c,$(1)/obj/%.o,$(LIB_C)) \
	$(patsubst %.cc,$(1)/obj/%.o,$(LIB_CC)) \
	$(1)/obj/gen_migrations_sqlite.o $(1)/obj/gen_migrations_postgres.o
# Objects every program needs whether or not it names them (the migrations
# are reached only through a table).
core = $(1)/obj/gen_migrations_sqlite.o $(1)/obj/gen_migrations_postgres.o

.PHONY: all asan deps deps-test run demo test unit unit-pg e2e e2e-pg browser fuzz-replay fuzz \
	bench fmt clean check-layers check-hooks

all: $(addprefix $(REL)/,$(PROGRAMS)) $(REL)/trivial-fcgi

asan: $(addprefix $(ASAN)/,$(PROGRAMS)) \
	$(patsubst tests/unit/%.c,$(ASAN)/unit/%,$(UNIT_SRC))

$(GEN): tools/embed-sql.sh $(SQL_SQLITE)
	@mkdir -p $(@D)
	tools/embed-sql.sh sqlite $(SQL_SQLITE) > $@.tmp && mv $@.tmp $@
$(GEN_PG): tools/embed-sql.sh $(SQL_POSTGRES)
	@mkdir -p $(@D)
	tools/embed-sql.sh postgres $(SQL_POSTGRES) > $@.tmp && mv $@.tmp $@

# Per-flavour compile rules.
define flavour
$(1)/obj/%.o: %.c $(LIB_H) | $(GEN) $(GEN_PG)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(CFLAGS_COMMON) $(2) -c $$< -o $$@
$(1)/obj/%.o: %.cc lib/web/tmpl.h
	@mkdir -p $$(@D)
	$$(CXX) $$(CXXFLAGS_COMMON) $(2) -c $$< -o $$@
$(1)/obj/gen_migrations_sqlite.o: $(GEN)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(CFLAGS_COMMON) $(2) -c $$< -o $$@
$(1)/obj/gen_migrations_postgres.o: $(GEN_PG)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(CFLAGS_COMMON) $(2) -c $$< -o $$@
$(1)/libfarm.a: $(call objs,$(1))
	rm -f $$@ && ar rcs $$@ $$^
$(1)/farm.fcgi: $(1)/obj/cgi-bin/farm.o $(1)/libfarm.a
	$$(CXX) $(2) $$< $(call core,$(1)) $(1)/libfarm.a $$(LIBS) -o $$@
$(1)/farmctl: $(1)/obj/tools/farmctl.o $(1)/libfarm.a
	$$(CXX) $(2) $$< $(call core,$(1)) $(1)/libfarm.a $$(LIBS) -o $$@
$(1)/farm-dispatch: $(1)/obj/dispatcher/dispatch.o $(1)/libfarm.a
	$$(CXX) $(2) $$< $(call core,$(1)) $(1)/libfarm.a $$(LIBS) -o $$@
$(1)/bambu-sim: $(1)/obj/tools/bambu-sim.o $(1)/libfarm.a
	$$(CXX) $(2) $$< $(call core,$(1)) $(1)/libfarm.a $$(LIBS) -o $$@
$(1)/net-probe: $(1)/obj/tools/net-probe.o $(1)/libfarm.a
	$$(CXX) $(2) $$< $(call core,$(1)) $(1)/libfarm.a $$(LIBS) -o $$@
$(1)/farm-deliver: $(1)/obj/tools/farm-deliver.o $(1)/libfarm.a
	$$(CXX) $(2) $$< $(call core,$(1)) $(1)/libfarm.a $$(LIBS) -o $$@
$(1)/unit/%: tests/unit/%.c $(1)/libfarm.a $(LIB_H)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(CFLAGS_COMMON) $(2) -c $$< -o $$@.o
	$$(CXX) $(2) $$@.o $(call core,$(1)) $(1)/libfarm.a $$(LIBS) -lcmocka -o $$@
endef
$(eval $(call flavour,$(REL),$(REL_FLAGS) $(HARDEN_LD)))
$(eval $(call flavour,$(ASAN),$(ASAN_FLAGS)))

$(REL)/trivial-fcgi: tools/trivial-fcgi.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS_COMMON) -O2 $< -lfcgi -o $@

# Installs missing Debian packages when root; otherwise says what to run.
define need_debs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages; run as root:"; \
	    echo "  apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call need_debs,$(DEBS_RUN))

deps-test: deps
	$(call need_debs,$(DEBS_TEST))

run: deps
	$(MAKE) all
	tools/run.sh $(REL)

# The app with three simulated printers (broker, FTPS and bambu-sim on
# loopback), for a first look.
demo: deps-test
	$(MAKE) all
	$(PYTHON) tools/demo.py

test: deps-test
	$(MAKE) check-layers
	$(MAKE) asan $(REL)/trivial-fcgi
	$(MAKE) check-hooks
	$(MAKE) unit
	$(MAKE) unit-pg
	$(MAKE) fuzz-replay
	$(MAKE) e2e
	$(MAKE) e2e-pg
	$(MAKE) browser

# Includes point down the layers (DESIGN.md, Layout); the checker's own test
# shows it failing on an upward include.
check-layers:
	tools/check-layers.sh lib
	tests/layers/test_check_layers.sh
	tools/check-table-owners.sh lib && tests/layers/test_table_owners.sh

# Test hooks (FARM_TEST_HOOKS) stay out of what `make` builds, and what it
# builds is hardened; the sanitizer build shows each check can fail.
check-hooks: all $(ASAN)/farm-dispatch $(ASAN)/farm.fcgi
	tests/build/test_no_hooks.sh $(REL) $(ASAN)
	tests/build/test_hardening.sh $(REL) $(ASAN)

unit: asan
	@set -e; for t in $(patsubst tests/unit/%.c,$(ASAN)/unit/%,$(UNIT_SRC)); do \
	  echo "== $$t"; $$t; done

# The unit tests again on PostgreSQL: a throwaway cluster (tests/pg/run.sh)
# whose maintenance database each fixture empties and migrates.
unit-pg: asan
	@tests/pg/run.sh sh -c 'set -e; export FARM_DATABASE="$$FARM_TEST_PG"; \
	  for t in $(patsubst tests/unit/%.c,$(ASAN)/unit/%,$(UNIT_SRC)); do \
	  echo "== $$t (postgresql)"; $$t; done'

# The e2e tests run in parallel (pytest-xdist): each worker process starts
# its own servers on free loopback ports. E2E_JOBS=0: all in one process.
E2E_JOBS ?= auto
# Files that need the PostgreSQL cluster (FARM_TEST_PG): only e2e-pg runs them.
E2E_PG_ONLY := test_db_copy.py test_scale_out.py
e2e: asan
	cd tests/e2e && FARM_BIN_DIR=$(CURDIR)/$(ASAN) $(PYTHON) -m pytest -q \
	  -p no:cacheprovider -n $(E2E_JOBS) --durations=10 $(E2E_PG_ONLY:%=--ignore=%) .

# The whole e2e suite again on PostgreSQL: every stack gets a database of
# its own on one throwaway cluster.
e2e-pg: asan
	cd tests/e2e && FARM_BIN_DIR=$(CURDIR)/$(ASAN) ../pg/run.sh $(PYTHON) -m \
	  pytest -q -p no:cacheprovider -n $(E2E_JOBS) --durations=10 .

# The dashboard in headless Chromium (Selenium) against the same real stack;
# screenshots of every page land in build/screenshots/.
browser: asan
	cd tests/browser && FARM_BIN_DIR=$(CURDIR)/$(ASAN) $(PYTHON) -m pytest -q \
	  -p no:cacheprovider -n $(E2E_JOBS) --durations=5 .

# Fuzz targets: `make test` replays the saved corpus (tests/fuzz/corpus/
# <target>/) under the sanitizers; `make fuzz` builds every target with
# clang's libFuzzer and runs each in turn for FUZZ_SECONDS, or for
# FUZZ_RUNS executions when that is set (`make fuzz FUZZ_RUNS=10000000`).
# New inputs it finds land in build/fuzz-corpus/<target>/.
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
# What the clang build links: every lib/ source, built by clang with
# libFuzzer's coverage into build/fuzzlib/asan/libfarm.a (the route table
# reaches every handler, the field tables their domain modules), and LIBS.
# Warnings are the gcc builds' business (clang's -Wformat=2 differs).
FUZZ_LIB := $(BUILD)/fuzzlib/asan/libfarm.a

$(ASAN)/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(wildcard tests/fuzz/*.h) \
		$(ASAN)/libfarm.a $(LIB_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS_COMMON) $(ASAN_FLAGS) -c $< -o $@.o
	$(CC) $(CPPFLAGS) $(CFLAGS_COMMON) $(ASAN_FLAGS) -c tests/fuzz/replay.c \
		-o $@.replay.o
	$(CXX) $(ASAN_FLAGS) $@.o $@.replay.o $(ASAN)/libfarm.a $(LIBS) -o $@

fuzz-replay: $(patsubst %,$(ASAN)/fuzz/%,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== replay fuzz_$$t"; $(ASAN)/fuzz/$$t tests/fuzz/corpus/$$t; done

fuzz: deps-test
	$(MAKE) BUILD=$(BUILD)/fuzzlib CC=clang CXX=clang++ WARN="-Wall -Wextra" \
	  CXXFLAGS_COMMON="-std=c++11 -g -Ilib" \
	  ASAN_FLAGS="-O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_LIB)
	@mkdir -p $(BUILD)/libfuzzer
	@set -e; for t in $(FUZZ_TARGETS); do \
	  clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) \
	    -c tests/fuzz/fuzz_$$t.c -o $(BUILD)/libfuzzer/$$t.o; \
	  clang++ -fsanitize=fuzzer $(FUZZ_SAN) $(BUILD)/libfuzzer/$$t.o \
	    $(FUZZ_LIB) $(LIBS) -o $(BUILD)/libfuzzer/$$t; done
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz_$$t"; mkdir -p $(BUILD)/fuzz-corpus/$$t; \
	  $(BUILD)/libfuzzer/$$t -print_final_stats=1 \
	    $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS)) \
	    $(BUILD)/fuzz-corpus/$$t tests/fuzz/corpus/$$t; done

# The benchmark, SQLite beside PostgreSQL (a throwaway cluster each time,
# tests/pg/run.sh): the web tier (tools/bench.sh), then farm-dispatch
# --watch over 1,000 simulated printers (tools/bench_dispatch_scale.sh: one
# dispatcher on SQLite; two sharing them by leases on PostgreSQL, and one
# alone there for comparison), then the outbox and the Etsy import; a
# summary of both backends at the end (BENCH_RESULTS collects the figures).
BENCH_RESULTS ?= $(abspath $(BUILD))/bench-results.tsv
bench: deps-test all
	@rm -f $(BENCH_RESULTS)
	env -u FARM_TEST_PG BENCH_RESULTS=$(BENCH_RESULTS) tools/bench.sh
	BENCH_RESULTS=$(BENCH_RESULTS) tests/pg/run.sh tools/bench.sh
	env -u FARM_TEST_PG BENCH_RESULTS=$(BENCH_RESULTS) tools/bench_load.sh
	BENCH_RESULTS=$(BENCH_RESULTS) tests/pg/run.sh tools/bench_load.sh
	env -u FARM_TEST_PG BENCH_RESULTS=$(BENCH_RESULTS) \
	  tools/bench_dispatch_scale.sh $(REL)
	BENCH_RESULTS=$(BENCH_RESULTS) tests/pg/run.sh \
	  tools/bench_dispatch_scale.sh $(REL)
	BENCH_RESULTS=$(BENCH_RESULTS) BENCH_DISPATCHERS=1 tests/pg/run.sh \
	  tools/bench_dispatch_scale.sh $(REL)
	tools/bench_outbox.sh
	tools/bench_etsy.sh
	tools/bench_summary.sh $(BENCH_RESULTS)

fmt:
	clang-format -i $(LIB_C) $(LIB_CC) $(LIB_H) $(wildcard cgi-bin/*.c tools/*.c tests/unit/*.c)

clean:
	rm -rf $(BUILD)
