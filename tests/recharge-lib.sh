# tests/recharge-lib.sh: a store with the timesheet and recharge plugins
# and a month of approved hours between three councils, for the recharge
# tests. Sourced after tests/lib.sh.

PLUGINS_DIR="$T/plugins"
mkdir -p "$PLUGINS_DIR"
chmod 755 "$PLUGINS_DIR"
for p in timesheet recharge; do
	cp "$top_builddir/plugins/$p/.libs/$p.so" "$PLUGINS_DIR/"
done
RULES="$top_srcdir/rules"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/sealing.key"
printf 'sealing_key_file = "%s"\n' "$T/sealing.key" >"$T/sealed.conf"

# rc ARGS...: the CLI with the plugins, the fee rules and the sealing key.
rc() {
	"$EXPERTPOOL" --db "$T/test.db" --plugins "$PLUGINS_DIR" \
	    --rules "$RULES" --config "$T/sealed.conf" "$@"
}

# rc_bg ARGS...: rc in the background, as the process $! names, so that a
# kill reaches the CLI itself (a function run with & is a subshell whose
# death leaves its child running).
rc_bg() {
	( exec "$EXPERTPOOL" --db "$T/test.db" --plugins "$PLUGINS_DIR" \
	    --rules "$RULES" --config "$T/sealed.conf" "$@" ) &
}

# rc_fixtures: AVD, BRK and CDH; AVD recharges BRK standard rated (20%),
# BRK recharges AVD outside the scope of VAT; hours in October 2026.
rc_fixtures() {
	ep init >/dev/null
	ep org add AVD --name "Avondale District Council" --kind district \
	    --address "Civic Centre, 1 High Street, Avondale AV1 1AA" \
	    --vat GB123456789 --email invoices@avondale.example >/dev/null
	ep org add BRK --name "Brookfield Borough Council" --kind borough \
	    --address "Town Hall, Brookfield BR2 2BB" --vat GB987654321 >/dev/null
	ep org add CDH --name "Cedarholme County Council" --kind county \
	    --address "County Hall, Cedarholme CD3 3CC" --vat GB555666777 >/dev/null
	ep agreement add --provider AVD --consumer BRK --ruleset standard \
	    --terms 30 --vat S --from 2026-01-01 >/dev/null
	ep agreement add --provider BRK --consumer AVD --ruleset standard \
	    --terms 14 --vat O --from 2026-01-01 >/dev/null
	ep agreement add --provider CDH --consumer AVD --ruleset standard \
	    --terms 30 --vat S --from 2026-01-01 >/dev/null
	for u in AVD BRK CDH; do
		lc=$(echo "$u" | tr A-Z a-z)
		add_user "$lc-req" "$u" requester
		add_user "$lc-fin" "$u" finance
		add_user "$lc-exp" "$u" expert
	done
	ep invoice endpoint set --org AVD --scheme 0088 --id 5012345000015 >/dev/null
	ep invoice endpoint set --org BRK --scheme 0088 --id 5012345000039 >/dev/null
	ep invoice endpoint set --org CDH --scheme 0088 --id 5012345000022 >/dev/null
	sqlite3 "$T/test.db" <<'SQL'
INSERT INTO experts (org_id, person_id, name, grade, weekly_capacity_minutes)
    SELECT org_id, id, name, CASE login WHEN 'brk-exp' THEN 'senior'
    ELSE 'standard' END, 2220 FROM people WHERE login LIKE '%-exp'
    ORDER BY id;
-- Requests: BRK asks AVD, AVD asks BRK and CDH.
INSERT INTO requests (consumer_id, requester_id, area, title, urgency,
    wanted_start, wanted_end, estimated_minutes, state, po_reference,
    cost_centre)
SELECT c.id, p.id, 'legal', 'Planning appeal advice ' || x.code, 'routine',
    '2026-10-01', '2026-12-31', 6000, 'engaged', 'PO-' || c.code || '-4500012399',
    'CC-' || c.code
    FROM (SELECT 'AVD' AS code, 'BRK' AS cons UNION ALL SELECT 'BRK', 'AVD'
    UNION ALL SELECT 'CDH', 'AVD') x
    JOIN organisations c ON c.code = x.cons
    JOIN people p ON p.org_id = c.id AND p.login LIKE '%-req'
    ORDER BY x.code;
INSERT INTO offers (request_id, expert_id, provider_id, basis, state)
    SELECT r.id, e.id, e.org_id, 'hourly', 'accepted' FROM requests r
    JOIN experts e ON r.title = 'Planning appeal advice ' ||
    (SELECT code FROM organisations WHERE id = e.org_id);
INSERT INTO engagements (request_id, offer_id, expert_id, provider_id,
    consumer_id, basis, starts, ends, committed_minutes)
    SELECT o.request_id, o.id, o.expert_id, o.provider_id, r.consumer_id,
    'hourly', '2026-10-01', '2026-12-31', 6000 FROM offers o
    JOIN requests r ON r.id = o.request_id ORDER BY o.id;
-- October: AVD's expert for BRK; BRK's for AVD; CDH's for AVD.
INSERT INTO time_entries (engagement_id, entry_date, minutes, activity,
    state, created_by)
SELECT g.id, d.day, d.minutes, d.activity, 'approved', x.person_id
    FROM engagements g JOIN experts x ON x.id = g.expert_id
    JOIN organisations p ON p.id = g.provider_id
    JOIN (SELECT 'AVD' AS code, '2026-10-05' AS day, 90 AS minutes,
    'advice' AS activity UNION ALL SELECT 'AVD', '2026-10-06', 60, 'drafting'
    UNION ALL SELECT 'AVD', '2026-10-07', 45, 'travel'
    UNION ALL SELECT 'AVD', '2026-10-08', 95, 'advice'
    UNION ALL SELECT 'AVD', '2026-10-10', 120, 'court'
    UNION ALL SELECT 'BRK', '2026-10-05', 120, 'advice'
    UNION ALL SELECT 'BRK', '2026-10-12', 30, 'meeting'
    UNION ALL SELECT 'CDH', '2026-10-14', 240, 'research') d ON d.code = p.code
    ORDER BY g.id, d.day;
-- Not billed in October: November's hours and an entry not yet approved.
INSERT INTO time_entries (engagement_id, entry_date, minutes, activity,
    state, created_by)
SELECT g.id, '2026-11-02', 60, 'advice', 'approved', x.person_id
    FROM engagements g JOIN experts x ON x.id = g.expert_id
    WHERE g.provider_id = (SELECT id FROM organisations WHERE code = 'AVD');
INSERT INTO time_entries (engagement_id, entry_date, minutes, activity,
    state, created_by)
SELECT g.id, '2026-10-20', 60, 'advice', 'submitted', x.person_id
    FROM engagements g JOIN experts x ON x.id = g.expert_id
    WHERE g.provider_id = (SELECT id FROM organisations WHERE code = 'AVD');
SQL
}
