# tests/lib.sh: helpers for server tests: TAP output, a private server on
# an ephemeral loopback port in a temporary directory, cleaned up on exit.

: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
EXPERTPOOLD="$top_builddir/expertpoold"
EXPERTPOOL="$top_builddir/expertpool"
TEST_PLUGINS="$top_builddir/tests/plugins/.libs"

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
