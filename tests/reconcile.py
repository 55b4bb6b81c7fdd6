# tests/reconcile.py DB PERIOD... -- EXPERTPOOL ARGS...: every report's
# money for every organisation and period, beside the invoices and credit
# notes read straight from the store; prints TAP lines ("ok N - ..." from
# N = $START) and exits 1 on the first organisation and period that differs,
# naming the figure. docs/reports.md says how each figure relates to the
# invoices; this is that, checked.
import json, os, sqlite3, subprocess, sys

db_path = sys.argv[1]
cut = sys.argv.index("--")
periods = sys.argv[2:cut]
cli = sys.argv[cut + 1:]
n = int(os.environ.get("START", "0"))
db = sqlite3.connect(db_path)


def months(label):
    """The first and last month of a period label, as the reports read it."""
    if "/" in label:
        y = int(label[:4])
        return "%04d-04" % y, "%04d-03" % (y + 1)
    if "-Q" in label:
        y, q = int(label[:4]), int(label[-1])
        first = 4 + 3 * (q - 1)
        fy, fm = (y, first) if first <= 12 else (y + 1, first - 12)
        ly, lm = (fy, fm + 2) if fm + 2 <= 12 else (fy + 1, fm + 2 - 12)
        return "%04d-%02d" % (fy, fm), "%04d-%02d" % (ly, lm)
    return label, label


def div(num, den):
    """num / den rounded half to even, as report_div."""
    q, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and q % 2 == 1):
        q += 1
    return q


def report(name, org, period):
    out = subprocess.run(cli + ["report", name, "--org", org, "--period",
                                period, "--format", "json"],
                         capture_output=True, check=True, text=True).stdout
    return {t["id"]: t["rows"] for t in json.loads(out)["tables"]}


def one(sql, *args):
    return db.execute(sql, args).fetchone()


def rows_sum(rows, col, skip="All areas"):
    return sum(r[col] or 0 for r in rows if r.get("area") != skip)


# Money read from the documents themselves: the lines of every issued
# invoice (plus) and credit note (minus), by the period they bill.
DOCS = """SELECT count(*), coalesce(sum(s * net), 0), coalesce(sum(s * vat),
    0), coalesce(sum(s * total), 0), coalesce(sum(s * lines), 0) FROM (
    SELECT CASE i.kind WHEN 'credit' THEN -1 ELSE 1 END AS s,
    abs(i.net_pence) AS net, abs(i.vat_pence) AS vat,
    abs(i.total_pence) AS total, (SELECT abs(coalesce(sum(l.amount), 0))
    FROM recharge_lines l WHERE l.invoice_id = i.id) AS lines
    FROM recharge_invoices i WHERE i.state != 'draft' AND i.%s = ?
    AND i.period BETWEEN ? AND ?)"""
# Priced time: approved and invoiced entries by the month worked.
PRICED = """SELECT coalesce(sum(t.minutes), 0), coalesce(sum(t.priced_pence),
    0) FROM time_entries t JOIN engagements e ON e.id = t.engagement_id
    WHERE t.state IN ('approved', 'invoiced') AND e.%s = ?
    AND substr(t.entry_date, 1, 7) BETWEEN ? AND ?"""
# The same time three ways: not billed yet (approved, held by no issued
# invoice: timesheet_invoiced_entries), billed on lines that stand
# (invoice lines less the credit notes' lines), and written off.
UNBILLED = """SELECT coalesce(sum(t.priced_pence), 0) FROM time_entries t
    JOIN engagements e ON e.id = t.engagement_id WHERE t.state = 'approved'
    AND NOT EXISTS (SELECT 1 FROM timesheet_invoiced_entries v
    WHERE v.entry_id = t.id)
    AND e.%s = ? AND substr(t.entry_date, 1, 7) BETWEEN ? AND ?"""
TIME_LINES = """SELECT coalesce(sum(CASE i.kind WHEN 'credit' THEN
    -abs(l.amount) ELSE l.amount END), 0) FROM recharge_lines l
    JOIN recharge_invoices i ON i.id = l.invoice_id WHERE i.state != 'draft'
    AND l.kind = 'entries' AND i.%s = ?"""
WRITTEN_OFF = """SELECT coalesce(sum(abs(l.amount)), 0) FROM recharge_lines l
    JOIN recharge_invoices i ON i.id = l.invoice_id WHERE i.kind = 'credit'
    AND i.state != 'draft' AND l.kind = 'entries' AND l.settle = 'write_off'
    AND i.%s = ?"""


def check(cond, what):
    global n
    n += 1
    if cond:
        print("ok %d - %s" % (n, what))
        return
    print("not ok %d - %s" % (n, what))
    sys.stdout.flush()
    sys.exit(1)


orgs = [r[0] for r in db.execute("SELECT code FROM organisations ORDER BY code")]
ids = dict(db.execute("SELECT code, id FROM organisations"))
checked = 0
for org in orgs:
    oid = ids[org]
    for period in periods:
        first, last = months(period)
        where = "%s %s" % (org, period)
        vol = report("volumes", org, period)
        uc = report("unit-costs", org, period)
        sav = report("savings", org, period)
        bench = report("benchmark", org, period)
        # Invoiced: the documents' totals, and their lines add up to them.
        inv = {r["side"]: r for r in vol["invoices"]}
        for side, col in (("Spend (as consumer)", "consumer_id"),
                          ("Income (as provider)", "provider_id")):
            docs, net, vat, total, lines = one(DOCS % col, oid, first, last)
            got = inv.get(side, {})
            want = (docs, net, vat, total)
            have = (got.get("documents", 0), got.get("net_pence", 0),
                    got.get("vat_pence", 0), got.get("total_pence", 0))
            if have != want or lines != net or net + vat != total:
                check(False, "%s: %s is the invoices less the credit notes: "
                      "report %s, documents %s, their lines %d" %
                      (where, side, have, want, lines))
        # Priced time: every report that shows it shows the same pence.
        for side, col, key in (("spend", "consumer_id", "spend_pence"),
                               ("income", "provider_id", "income_pence")):
            minutes, pence = one(PRICED % col, oid, first, last)
            hours = rows_sum(vol["hours"], key)
            if hours != pence:
                check(False, "%s: priced %s %d, entries %d" %
                      (where, side, hours, pence))
        minutes, pence = one(PRICED % "consumer_id", oid, first, last)
        figures = {
            "unit-costs by-grade": rows_sum(uc["by-grade"], "pence"),
            "unit-costs by-area": rows_sum(uc["by-area"], "pence"),
            "savings": rows_sum(sav["savings"], "spend_pence"),
        }
        for what, v in figures.items():
            if v != pence:
                check(False, "%s: %s %d, priced spend %d" %
                      (where, what, v, pence))
        mine = [r for r in bench["benchmark"]
                if r["metric"] == "Cost per hour, all areas"]
        if minutes > 0 and (not mine or mine[0]["yours"] != div(pence * 60, minutes)):
            check(False, "%s: benchmark cost per hour %s, priced %d over %d "
                  "minutes" % (where, mine, pence, minutes))
        checked += 1
    # Over everything: priced time is what is not billed yet, what stands
    # invoiced (invoices' time lines less credit notes'), and what was
    # written off.
    for side, col in (("spend", "consumer_id"), ("income", "provider_id")):
        _, pence = one(PRICED % col, oid, "0000-00", "9999-99")
        unbilled = one(UNBILLED % col, oid, "0000-00", "9999-99")[0]
        lines = one(TIME_LINES % col, oid)[0]
        off = one(WRITTEN_OFF % col, oid)[0]
        if pence != unbilled + lines + off:
            check(False, "%s: priced %s %d is not unbilled %d + invoiced "
                  "less credited %d + written off %d" %
                  (org, side, pence, unbilled, lines, off))
check(True, "every report's money agrees with the invoices, credit notes "
      "and priced entries: %d organisations x periods" % checked)
