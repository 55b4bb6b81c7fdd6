# bench/lib.sh: shared helpers for benchmarks: build, free ports, wrk runs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(mktemp -d /tmp/ep-bench.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${BENCH_KEEP:-}" ] && echo "bench: kept $B" || rm -rf "$B"
}
trap cleanup EXIT

build_expertpool() {
	"$top/scripts/build" normal
	BUILD="$top/build/normal"
}

build_bare() {
	cc -O2 -o "$B/bare-http" "$top/bench/bare-http.c" \
	    $(pkg-config --cflags --libs libevent)
}

# port_from FILE: waits for a "listening on http://127.0.0.1:PORT/" line.
port_from() {
	i=0
	while :; do
		p=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$1" | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		i=$((i + 1)); [ $i -lt 200 ] || { echo "bench: no server in $1" >&2; cat "$1" >&2; exit 1; }
		sleep 0.05
	done
}

start_bare() {
	"$B/bare-http" >"$B/bare.log" 2>&1 & PIDS="$PIDS $!"
	BARE_PORT=$(port_from "$B/bare.log")
}

# start_expertpoold [FLAGS...]: a server on a free port, its log in $B.
start_expertpoold() {
	"$BUILD/expertpoold" --listen 127.0.0.1:0 --db "$B/bench.db" \
	    --plugins "${BENCH_PLUGINS:-$B/no-plugins}" "$@" 2>"$B/server.log" &
	PIDS="$PIDS $!"
	EP_PORT=$(port_from "$B/server.log")
}

median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# wrk_rps URL [SECONDS] [CONNECTIONS] [WRK ARGS...]: prints requests/second.
wrk_rps() {
	url=$1; secs=${2:-10}; conns=${3:-64}; shift 3 || shift $#
	threads=2; [ "$conns" -ge 2 ] || threads=1
	wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$@" "$url" >"$B/wrk.out" 2>&1
	sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$B/wrk.out"
}

# wrk_p50_ms: the last wrk run's median latency in milliseconds.
wrk_p50_ms() {
	sed -n 's/^ *50% *\([0-9.]*\)\(us\|ms\|s\)$/\1 \2/p' "$B/wrk.out" |
	    awk '{ v = $1; if ($2 == "us") v /= 1000; if ($2 == "s") v *= 1000
	    printf "%.2f", v }'
}
