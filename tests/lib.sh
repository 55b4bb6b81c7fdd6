# tests/lib.sh: helpers for server tests: TAP output, a private server on
# an ephemeral loopback port in a temporary directory, cleaned up on exit.

: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
EXPERTPOOLD="$top_builddir/expertpoold"
EXPERTPOOL="$top_builddir/expertpool"
TEST_PLUGINS="$top_builddir/tests/plugins/.libs"

# The test clock. No test depends on the day it runs: a test derives its
# dates from the clock (today, day, month below) or sets the clock itself
# with test_clock. EP_TEST_NOW, a UTC instant "YYYY-MM-DD HH:MM:SS", sets
# it for a whole run (scripts/test pins a far-future one). The clock is
# Debian's libfaketime, preloaded into every process the test starts and
# shifted, not frozen, so server, CLI, sqlite3 and date agree and time
# still passes.
# Looked for where Debian puts it before asking dpkg, which costs every
# test a tenth of a second of CPU.
FAKETIME_LIB=
for _f in /usr/lib/*/faketime/libfaketime.so.1; do
	[ -f "$_f" ] && { FAKETIME_LIB=$_f; break; }
done
[ -n "$FAKETIME_LIB" ] || FAKETIME_LIB=$(dpkg -L libfaketime 2>/dev/null |
    grep '/libfaketime\.so\.1$' | head -n 1)

# test_clock INSTANT: from here on, the clock reads INSTANT (UTC) and runs on.
test_clock() {
	[ -n "$FAKETIME_LIB" ] || { echo "Bail out! libfaketime is not installed (scripts/deps)"; exit 1; }
	_real=$(env -u LD_PRELOAD -u FAKETIME date -u +%s)
	_want=$(env -u LD_PRELOAD -u FAKETIME date -u -d "$1 UTC" +%s) ||
	    { echo "Bail out! test_clock: cannot read the instant '$1'"; exit 1; }
	_off=$((_want - _real))
	FAKETIME="$( [ $_off -ge 0 ] && echo "+$_off" || echo "$_off" )"
	FAKETIME_DONT_FAKE_MONOTONIC=1
	LD_PRELOAD="$FAKETIME_LIB"
	# libfaketime is preloaded before a sanitizer build's runtime.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export FAKETIME FAKETIME_DONT_FAKE_MONOTONIC LD_PRELOAD \
	    ASAN_OPTIONS
}
[ -z "${EP_TEST_NOW:-}" ] || test_clock "$EP_TEST_NOW"

# off_clock COMMAND...: runs a Java tool (the Peppol validator) on the
# machine's clock, with a JVM set for one short run: its rules read no
# clock, and a JVM under libfaketime, its compilers and collectors on
# every thread, spends four times the CPU for the same verdict.
off_clock() {
	env -u LD_PRELOAD -u FAKETIME -u FAKETIME_DONT_FAKE_MONOTONIC \
	    JAVA_TOOL_OPTIONS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" "$@"
}

# today: the London date on the test clock, YYYY-MM-DD (a council's day).
today() { TZ=Europe/London date +%F; }
# day N [FROM]: the date N days after FROM (default today); N may be negative.
day() {
	_s=$(date -u -d "${2:-$(today)} 12:00" +%s) || return 1
	date -u -d "@$((_s + $1 * 86400))" +%F
}
# month N [FROM]: the month N months after FROM's (YYYY-MM or a date;
# default this month), YYYY-MM.
month() {
	_m=${2:-$(today)}
	_k=$(( ${_m%%-*} * 12 + $(echo "$_m" | cut -c6-7 | sed 's/^0//') - 1 + $1 ))
	printf '%04d-%02d\n' $((_k / 12)) $((_k % 12 + 1))
}
# monday [DATE]: the Monday of DATE's week (default today's).
monday() {
	_d=${1:-$(today)}
	day "-$(( $(date -u -d "$_d 12:00" +%u) - 1 ))" "$_d"
}
# workday N [FROM]: the Wednesday of the week N days after FROM (default
# today), or the first Wednesday after it clear of Christmas and New Year
# and of the fixed-date holidays of Scotland and Northern Ireland: a day
# every UK calendar prices at the weekday rate, whatever today is.
workday() {
	_w=$(day 2 "$(monday "$(day "$1" "${2:-}")")")
	while :; do
		case $(echo "$_w" | cut -c6-10) in
		12-1[89]|12-[23]?|01-0[1-6]|03-17|07-12|11-30) _w=$(day 7 "$_w") ;;
		*) break ;;
		esac
	done
	echo "$_w"
}

# The sqlite3 shell, with room kept at the top of its heap: building a
# large store in one transaction, glibc's malloc otherwise hands memory
# back to the system and takes it again over and over (tests/broker's
# store: 203,000 brk calls, 45 s; with the pad, 5.5 s).
sqlite3() {
	GLIBC_TUNABLES=glibc.malloc.top_pad=16777216 command sqlite3 "$@"
}

T=$(mktemp -d /tmp/ep-test.XXXXXX)
chmod 755 "$T"
SERVER_PID=
PORT=
_n=0
_failed=0

cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

plan() { echo "1..$1"; }
ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() {
	_n=$((_n + 1)); _failed=$((_failed + 1))
	echo "not ok $_n - $1"
	shift
	for line in "$@"; do echo "# $line"; done
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	desc=$1; shift
	if "$@" >"$T/check.out" 2>&1; then ok "$desc"
	else not_ok "$desc" "command: $*" "$(head -c 600 "$T/check.out")"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# expect_match DESCRIPTION PATTERN TEXT: TEXT contains the fixed string PATTERN.
expect_match() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1" "expected to contain: $2" "actual: $(printf %s "$3" | head -c 600)" ;;
	esac
}

# cpu_ms PID: the CPU time (user and system, every thread) the process has
# used so far, in milliseconds. A bound on what a request costs the server
# is checked on this, not on the wall clock, which a busy machine stretches.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000 / hz }' \
	    "/proc/$1/stat"
}

# start_server [FLAGS...]: starts expertpoold on 127.0.0.1:0 and reads the port.
start_server() {
	: >"$T/server.log"
	"$EXPERTPOOLD" --listen 127.0.0.1:0 --db "$T/test.db" \
	    --plugins "${PLUGINS_DIR:-$T/no-plugins}" "$@" 2>"$T/server.log" &
	SERVER_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' \
		    "$T/server.log" | head -n 1)
		[ -n "$PORT" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	echo "# server did not start:"; sed 's/^/# /' "$T/server.log"
	return 1
}

# stop_server: SIGTERM, and wait; sets SERVER_STATUS.
stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	SERVER_STATUS=$?
	SERVER_PID=
}

# http METHOD PATH [CURL ARGS...]: prints the status code; body in $T/body.
http() {
	m=$1; p=$2; shift 2
	curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -X "$m" \
	    --max-time 10 "$@" "http://127.0.0.1:$PORT$p"
}

finish() {
	[ "$_failed" -eq 0 ]
}

# The state of time entry t as people see it: an approved entry that an
# issued invoice holds is invoiced (timesheet migration 10).
ENTRY_STATE="CASE WHEN t.state = 'approved' AND EXISTS (SELECT 1 FROM \
timesheet_invoiced_entries v WHERE v.entry_id = t.id) THEN 'invoiced' ELSE \
t.state END"

# ep ARGS...: the CLI against the test store.
ep() { "$EXPERTPOOL" --db "$T/test.db" --plugins "${PLUGINS_DIR:-$T/no-plugins}" "$@"; }

# add_user LOGIN ORG ROLES [PASSWORD]: creates a person through the CLI.
add_user() {
	echo "${4:-password-$1}" | ep user add "$1" --org "$2" --roles "$3" \
	    --name "Test $1" >/dev/null
}

# web_login JAR LOGIN PASSWORD: signs in with the form; prints the status.
web_login() {
	curl -s -c "$1" -b "$1" -o "$T/login.html" \
	    "http://127.0.0.1:$PORT/login"
	_csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/login.html")
	curl -s -c "$1" -b "$1" -o "$T/body" -w '%{http_code}' \
	    --data-urlencode "csrf=$_csrf" --data-urlencode "login=$2" \
	    --data-urlencode "password=$3" "http://127.0.0.1:$PORT/login"
}

# page_csrf JAR PATH: the CSRF token on a signed-in page.
page_csrf() {
	curl -s -b "$1" "http://127.0.0.1:$PORT$2" |
	    sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1
}

# metric NAME: a value from /metrics.
metric() {
	curl -s "http://127.0.0.1:$PORT/metrics" | sed -n "s/^$1 //p"
}
