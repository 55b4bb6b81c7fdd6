# tests/local.mk: unit tests (cmocka), server tests (shell, TAP) and the
# test plugins the loader is tried with.

TEST_EXTENSIONS = .test
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_LOG_DRIVER = $(LOG_DRIVER)
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0; export ASAN_OPTIONS; \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1; export UBSAN_OPTIONS;

# Test plugins: shared objects that are never installed.
TEST_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
check_LTLIBRARIES += tests/plugins/hello.la tests/plugins/bad-abi.la \
	tests/plugins/no-entry.la tests/plugins/fail-init.la \
	tests/plugins/old-minor.la tests/plugins/new-minor.la \
	tests/plugins/needs-absent.la tests/plugins/needs-hello.la \
	tests/plugins/abi-1.la
tests_plugins_hello_la_SOURCES = tests/plugins/hello.c
tests_plugins_hello_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_bad_abi_la_SOURCES = tests/plugins/bad-abi.c
tests_plugins_bad_abi_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_no_entry_la_SOURCES = tests/plugins/no-entry.c
tests_plugins_no_entry_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_fail_init_la_SOURCES = tests/plugins/fail-init.c
tests_plugins_fail_init_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_old_minor_la_SOURCES = tests/plugins/old-minor.c
tests_plugins_old_minor_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_new_minor_la_SOURCES = tests/plugins/new-minor.c
tests_plugins_new_minor_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_needs_absent_la_SOURCES = tests/plugins/needs-absent.c
tests_plugins_needs_absent_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_needs_hello_la_SOURCES = tests/plugins/needs-hello.c
tests_plugins_needs_hello_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_abi_1_la_SOURCES = tests/plugins/abi-1.c
tests_plugins_abi_1_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

# Browser tests first: the longest, they start while the rest share the
# other core.
BROWSER_TESTS = tests/e2e/walks.test tests/e2e/browser.test
TESTS += $(BROWSER_TESTS)

# Unit tests (cmocka): tests/unit/NAME_test.c each, linked with the core.
# Programs without a link line of their own take LDADD.
if HAVE_CMOCKA
LDADD = libexpertpool.a $(DEPS_LIBS) $(CMOCKA_LIBS)
AM_CPPFLAGS += $(CMOCKA_CFLAGS)
UNIT_TESTS = \
	tests/unit/broker_test \
	tests/unit/calendar_test \
	tests/unit/config_test \
	tests/unit/db_test \
	tests/unit/expert_test \
	tests/unit/fee_test \
	tests/unit/html_test \
	tests/unit/lazy_test \
	tests/unit/person_test \
	tests/unit/plugin_test \
	tests/unit/report_test \
	tests/unit/route_test \
	tests/unit/units_test
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif

# Fuzz targets (tests/fuzz): each runs here over its seed corpus and a
# fixed set of mutations of it; scripts/fuzz explores them with libFuzzer.
FUZZ_TESTS = \
	tests/fuzz/csv_fuzz \
	tests/fuzz/json_fuzz \
	tests/fuzz/lua_fuzz \
	tests/fuzz/multipart_fuzz \
	tests/fuzz/parsers_fuzz \
	tests/fuzz/route_fuzz \
	tests/fuzz/writers_fuzz
check_PROGRAMS += $(FUZZ_TESTS)
TESTS += $(FUZZ_TESTS)
# Fuzz targets keep flags of their own: some build plugin sources, whose
# objects must not be confused with the plugins' libtool objects.
FUZZ_CPPFLAGS = $(AM_CPPFLAGS)
FUZZ_LDADD = libexpertpool.a $(DEPS_LIBS)
# The CSV reader is the timesheet plugin's csv.c.
tests_fuzz_csv_fuzz_SOURCES = tests/fuzz/csv_fuzz.c tests/fuzz/driver.c \
	tests/fuzz/fuzz.h plugins/timesheet/csv.c
tests_fuzz_csv_fuzz_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_csv_fuzz_LDADD = $(FUZZ_LDADD)
# The JSON bodies: the timesheet plugin's sources are linked in (the core's
# market-api.c comes from the library), the host table faked by the target.
tests_fuzz_json_fuzz_SOURCES = tests/fuzz/json_fuzz.c tests/fuzz/driver.c \
	tests/fuzz/fuzz.h plugins/pager.c plugins/timesheet/approval-pages.c \
	plugins/timesheet/csv.c plugins/timesheet/entry-api.c \
	plugins/timesheet/entry.c plugins/timesheet/expense.c \
	plugins/timesheet/expense-api.c plugins/timesheet/expense-pages.c \
	plugins/timesheet/import.c plugins/timesheet/import-pages.c \
	plugins/timesheet/notify.c plugins/timesheet/plugin.c \
	plugins/timesheet/week-pages.c
nodist_tests_fuzz_json_fuzz_SOURCES = $(nodist_plugins_timesheet_timesheet_la_SOURCES)
tests_fuzz_json_fuzz_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_json_fuzz_LDADD = $(FUZZ_LDADD)
tests_fuzz_lua_fuzz_SOURCES = tests/fuzz/lua_fuzz.c tests/fuzz/driver.c \
	tests/fuzz/fuzz.h
tests_fuzz_lua_fuzz_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_lua_fuzz_LDADD = $(FUZZ_LDADD)
tests_fuzz_multipart_fuzz_SOURCES = tests/fuzz/multipart_fuzz.c \
	tests/fuzz/driver.c tests/fuzz/fuzz.h
tests_fuzz_multipart_fuzz_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_multipart_fuzz_LDADD = $(FUZZ_LDADD)
tests_fuzz_parsers_fuzz_SOURCES = tests/fuzz/parsers_fuzz.c \
	tests/fuzz/driver.c tests/fuzz/fuzz.h
tests_fuzz_parsers_fuzz_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_parsers_fuzz_LDADD = $(FUZZ_LDADD)
tests_fuzz_route_fuzz_SOURCES = tests/fuzz/route_fuzz.c \
	tests/fuzz/driver.c tests/fuzz/fuzz.h
tests_fuzz_route_fuzz_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_route_fuzz_LDADD = $(FUZZ_LDADD)
# The export writers: the recharge plugin's export.c is read whole by the
# target, with its util.c beside it.
tests_fuzz_writers_fuzz_SOURCES = tests/fuzz/writers_fuzz.c \
	tests/fuzz/driver.c tests/fuzz/fuzz.h plugins/recharge/util.c \
	plugins/recharge/words.c
tests_fuzz_writers_fuzz_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_writers_fuzz_LDADD = $(FUZZ_LDADD)
EXTRA_DIST += tests/fuzz/corpus
# The whole server over loopback (tests/fuzz/server-fuzz): its client is
# built everywhere; make check replays a short seeded round against the
# sanitizer build only, where a report stops the server.
check_PROGRAMS += tests/fuzz/server-client
tests_fuzz_server_client_SOURCES = tests/fuzz/server-client.c
tests_fuzz_server_client_LDADD =
EXTRA_DIST += tests/fuzz/server-fuzz
if SANITIZERS
TESTS += tests/fuzz/server-fuzz
endif

# Server and CLI tests against real binaries on loopback: those over ten
# seconds of CPU first, the longest first, so that no long test starts
# last while the other core has nothing left to run; then the rest by name.
SERVER_TESTS = \
	tests/integration/reports-reconcile.test \
	tests/integration/reports-paths.test \
	tests/integration/recharge-crash.test \
	tests/integration/matrix.test \
	tests/integration/reports.test \
	tests/integration/hardening.test \
	tests/integration/notifications.test \
	tests/integration/timesheet-concurrency.test \
	tests/integration/timesheet.test \
	tests/integration/quality-year.test \
	tests/integration/recharge.test \
	tests/integration/expenses.test \
	tests/integration/backup.test \
	tests/integration/recharge-send.test \
	tests/integration/engagement-terms.test \
	tests/integration/verify-reader.test \
	tests/integration/recharge-runs.test \
	tests/integration/recharge-pdf.test \
	tests/integration/signin-turns.test \
	tests/integration/lists.test \
	tests/integration/overheads-year.test \
	tests/integration/recharge-progress.test \
	tests/integration/two-factor.test \
	tests/integration/calendar-edges.test \
	tests/integration/policies.test \
	tests/integration/access.test \
	tests/integration/api-tokens.test \
	tests/integration/broker-exact.test \
	tests/integration/broker-follow.test \
	tests/integration/calendars.test \
	tests/integration/cli.test \
	tests/integration/connections.test \
	tests/integration/corrections.test \
	tests/integration/credits.test \
	tests/integration/engagement-carry.test \
	tests/integration/engagement-changes.test \
	tests/integration/experts.test \
	tests/integration/export-escape.test \
	tests/integration/fees.test \
	tests/integration/fees-pages.test \
	tests/integration/fees-whatif.test \
	tests/integration/install.test \
	tests/integration/limits.test \
	tests/integration/margins.test \
	tests/integration/market.test \
	tests/integration/openapi.test \
	tests/integration/overheads.test \
	tests/integration/password-reset.test \
	tests/integration/plugins.test \
	tests/integration/quality.test \
	tests/integration/recharge-held.test \
	tests/integration/recharge-mark.test \
	tests/integration/recharge-money.test \
	tests/integration/server.test \
	tests/integration/sso-cli.test \
	tests/integration/statement.test \
	tests/integration/upgrade-store.test
TESTS += $(SERVER_TESTS)
EXTRA_DIST += $(BROWSER_TESTS) $(SERVER_TESTS) tests/conns.mjs tests/lib.sh tests/mail-lib.sh tests/recharge-lib.sh tests/reconcile.py tests/e2e tests/fees tests/broker docs/openapi.yaml \
	tests/fixtures
