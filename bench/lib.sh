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

# The sqlite3 shell, with room kept at the top of its heap: building a
# store in one transaction, glibc's malloc otherwise hands memory back to
# the system and takes it again over and over (store_month of 300,000
# entries: 60 s; with the pad, 8.5 s).
sqlite3() {
	GLIBC_TUNABLES=glibc.malloc.top_pad=16777216 command sqlite3 "$@"
}

# The store functions' page cache (256 MB): the indexes of millions of
# entries are built in memory, not through the disk; the rows are the same.
STORE_CACHE="PRAGMA cache_size=-262144;"

# store_month DB ENTRIES: the invoice run's October: 200 organisations,
# 1,000 experts, 5,000 engagements and ENTRIES approved entries, in SQL in
# one transaction (after `expertpool init` and a default agreement).
store_month() {
sqlite3 "$1" <<SQL
$STORE_CACHE
PRAGMA journal_mode=WAL;
PRAGMA foreign_keys=OFF;
BEGIN;
WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < 200)
INSERT INTO organisations (id, code, name, kind)
    SELECT 1000 + v, printf('O%03d', v), printf('Council %d', v), 'district' FROM c;
INSERT INTO people (id, org_id, login, name) SELECT id, id, 'p' || id, 'P' FROM organisations WHERE id >= 1000;
WITH RECURSIVE c(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM c WHERE v < 999)
INSERT INTO experts (id, org_id, name, grade, weekly_capacity_minutes)
    SELECT 1 + v, 1000 + 1 + v % 200, 'X', CASE v % 3 WHEN 0 THEN 'junior'
    WHEN 1 THEN 'standard' ELSE 'senior' END, 2220 FROM c;
WITH RECURSIVE c(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM c WHERE v < 4999)
INSERT INTO requests (id, consumer_id, requester_id, area, title, urgency,
    wanted_start, wanted_end, estimated_minutes, state)
    SELECT 1 + v, 1000 + 1 + (v * 7 + 3) % 200, 1000 + 1 + (v * 7 + 3) % 200,
    'legal', 'R', 'routine', '2026-10-01', '2026-12-31', 600, 'engaged' FROM c;
INSERT INTO offers (id, request_id, expert_id, provider_id, basis, state)
    SELECT r.id, r.id, 1 + (r.id - 1) % 1000, 1000 + 1 + ((r.id - 1) % 1000) % 200,
    'hourly', 'accepted' FROM requests r;
INSERT INTO engagements (id, request_id, offer_id, expert_id, provider_id,
    consumer_id, basis, starts, ends, committed_minutes)
    SELECT o.id, o.id, o.id, o.expert_id, o.provider_id, r.consumer_id,
    'hourly', '2026-10-01', '2026-12-31', 6000 FROM offers o JOIN requests r
    ON r.id = o.request_id;
WITH RECURSIVE c(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM c WHERE v < $2 - 1)
INSERT INTO time_entries (engagement_id, entry_date, minutes, activity, state)
    SELECT 1 + v % 5000, printf('2026-10-%02d', 1 + (v / 5000) % 31),
    15 + (v * 37) % 226, CASE v % 4 WHEN 0 THEN 'advice' WHEN 1 THEN
    'drafting' WHEN 2 THEN 'meeting' ELSE 'travel' END, 'approved' FROM c;
COMMIT;
SQL
}

# store_broker DB EXPERTS: the marketplace: 200 organisations, EXPERTS
# experts, 100,000 past requests (20,000 of them engaged) and the request
# to rank, "Ranking target" (after `expertpool init`).
store_broker() {
	{ echo "$STORE_CACHE"; sed -e "s/WHERE i < 5000)/WHERE i < $2)/" \
	    -e "s/% 5000 + 1/% $2 + 1/" "$top/tests/broker/store.sql"; } |
	    sqlite3 "$1"
}

# store_reports DB ORGS ENTRIES SUBMITTED: a year of ENTRIES approved
# entries over ORGS organisations' 5,000 engagements, and SUBMITTED
# submitted entries of the first organisation's, with the summary
# triggers dropped: sum them with `expertpool report rebuild`. The
# triggers that keep the other summaries as entries are written (the
# timesheet's on time_entries, the core's on the period summaries) are
# dropped while the rows go in and made again, as they were, after.
store_reports() {
kept=$(sqlite3 "$1" "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger' AND name NOT GLOB 'report_v*' AND tbl_name IN ('time_entries', 'report_period_hours', 'report_period_flow') AND sql LIKE '%AFTER INSERT%' ORDER BY name")
sqlite3 "$1" <<SQL
$STORE_CACHE
-- Summed once at the end, not row by row.
$(sqlite3 "$1" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'report_v*'")
$(sqlite3 "$1" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger' AND name NOT GLOB 'report_v*' AND tbl_name IN ('time_entries', 'report_period_hours', 'report_period_flow') AND sql LIKE '%AFTER INSERT%'")
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO organisations (code, name, kind)
    SELECT printf('C%03d', i), printf('Council %03d', i), 'district' FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4)
INSERT INTO experts (org_id, name, grade, weekly_capacity_minutes)
    SELECT o.id, o.code || ' expert ' || n.i, CASE n.i % 3 WHEN 0 THEN 'junior'
    WHEN 1 THEN 'standard' ELSE 'senior' END, 2220 FROM organisations o, n;
INSERT INTO expert_skills (expert_id, area, speciality, level)
    SELECT id, CASE id % 4 WHEN 0 THEN 'legal' WHEN 1 THEN 'it' WHEN 2 THEN
    'procurement' ELSE 'hr' END, 'general', 3 FROM experts;
-- 5,000 engagements: each consumer with 25 providers' experts.
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 24)
INSERT INTO requests (consumer_id, requester_id, area, title, urgency,
    wanted_start, wanted_end, estimated_minutes, state, submitted_at,
    first_offer_at, engaged_at)
    SELECT o.id, 1, CASE (o.id + n.i) % 4 WHEN 0 THEN 'legal' WHEN 1 THEN 'it'
    WHEN 2 THEN 'procurement' ELSE 'hr' END, 'Bench', 'routine', '2026-04-01',
    '2027-03-31', 6000, 'engaged', '2026-04-01T09:00:00Z',
    strftime('%Y-%m-%dT%H:%M:%SZ', '2026-04-01 09:00:00', '+' || ((o.id * 7 + n.i * 13) % 5000) || ' minutes'),
    '2026-04-09T09:00:00Z' FROM organisations o, n;
INSERT INTO offers (request_id, expert_id, provider_id, basis, state)
    SELECT r.id, x.id, x.org_id, 'hourly', 'accepted' FROM requests r
    JOIN experts x ON x.id = 1 + (r.id * 37) % (5 * $2);
INSERT INTO engagements (request_id, offer_id, expert_id, provider_id,
    consumer_id, basis, starts, ends, committed_minutes)
    SELECT f.request_id, f.id, f.expert_id, f.provider_id, r.consumer_id,
    'hourly', r.wanted_start, r.wanted_end, 6000 FROM offers f JOIN requests r
    ON r.id = f.request_id;
-- Entries: a year of approved time over every engagement, then the
-- submitted entries the writer approves, all for C001 (its approver's).
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $3 - 1)
INSERT INTO time_entries (engagement_id, entry_date, minutes, activity,
    state, priced_pence)
    SELECT 1 + i % 5000, date('2026-04-01', '+' || (i * 7 % 365) || ' days'),
    30 + i % 300, 'advice', 'approved', (30 + i % 300) * 110 FROM n;
CREATE TEMP TABLE c1 AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id
    FROM engagements WHERE consumer_id = (SELECT id FROM organisations
    WHERE code = 'C001');
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $4 - 1)
INSERT INTO time_entries (engagement_id, entry_date, minutes, activity,
    state, priced_pence, submitted_at)
    SELECT c1.id, date('2026-04-01', '+' || (i * 7 % 365) || ' days'),
    30 + i % 300, 'advice', 'submitted', (30 + i % 300) * 110,
    '2027-03-31T17:00:00Z' FROM n JOIN c1 ON c1.k = n.i % (SELECT count(*) FROM c1);
$kept
SQL
}
