/* run.c: the monthly invoice run: price approved entries, build drafts. */
#include "recharge.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A line being gathered: one engagement's entries at one rate. */
struct rc_group {
	char description[96];
	char unit[16];
	char hash[80];
	int64_t unit_price, quantity, amount;
	char vat;
};

/* An entries line written, and its invoice, for the links to name. */
struct rc_line_ref {
	int64_t id, invoice;
};

/* Which line bills an entry: kept for the whole run and written at its
 * end in entry order (line is an index into the run's line refs). */
struct rc_link {
	int64_t entry;
	size_t line;
};

/* An engagement as the run sees it. */
struct rc_eng {
	int64_t id, provider, consumer, agreement, budget, cap, terms;
	char basis[12], ends[11], completed[11], grade[16];
	char provider_code[16], consumer_code[16], ruleset[65];
	char po[201], cost_centre[201], vat;
};

/* The draft being filled, and the run's running state. */
struct rc_state {
	ep_db *db;
	ep_fees *fees;
	const char *period;
	char start[11], next[11];
	FILE *report;
	rc_progress_fn progress;
	void *parg;
	int64_t done, total;
	/* the current invoice */
	int64_t invoice, provider, consumer, agreement, position;
	int64_t subtotal, cap, consumer_before, consumer_seen;
	char vat, ruleset[65], po[201], cost_centre[201];
	char provider_code[16], consumer_code[16];
	int po_mixed, cc_mixed;
	/* the current engagement */
	struct rc_group *groups;
	size_t ngroups, groups_cap;
	/* the run's entries lines and links */
	struct rc_line_ref *lines;
	size_t nlines, lines_cap;
	struct rc_link *links;
	size_t nlinks, links_cap, eng_links;
	struct rc_run_summary *sum;
	char *err;
	size_t errlen;
};

/* A run in a job, as far as it has got. The run writes in one
 * transaction, so progress in the store shows only at its end; the run
 * page reads these instead while the job runs. */
struct rc_live {
	ep_job *job; /* NULL when the slot is free */
	char period[8];
	int64_t done, total;
};

#define RC_LIVE_SLOTS 8

static int rc_fail(struct rc_state *st, const char *what);

static pthread_mutex_t rc_live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rc_live rc_live[RC_LIVE_SLOTS];

/* An approved, billable entry of the month or earlier, not yet billed nor
 * deferred past this month. The state and billable terms are written as
 * the partial index time_entries_approved has them, so the run reads
 * entries from that index alone. */
#define RC_CANDIDATE "t.state = 'approved' AND t.billable = 1 AND " \
	"t.entry_date < ?2 AND NOT EXISTS (SELECT 1 FROM recharge_billed b " \
	"WHERE b.entry_id = t.id) AND NOT EXISTS (SELECT 1 FROM " \
	"recharge_deferrals d WHERE d.entry_id = t.id AND d.period = ?1)"

static int
rc_fail(struct rc_state *st, const char *what)
{
	snprintf(st->err, st->errlen, "%s: %s", what,
	    rc_host->db_errmsg(st->db));
	return -1;
}

/* Drops the month's drafts: the run builds them again from scratch. */
static int
rc_drop_drafts(struct rc_state *st)
{
	static const char *const sql[] = {
		"DELETE FROM recharge_billed WHERE invoice_id IN (SELECT id FROM "
		    "recharge_invoices WHERE period = ?1 AND state = 'draft' AND "
		    "kind = 'invoice')",
		"DELETE FROM recharge_terms WHERE invoice_id IN (SELECT id FROM "
		    "recharge_invoices WHERE period = ?1 AND state = 'draft' AND "
		    "kind = 'invoice')",
		"DELETE FROM recharge_lines WHERE invoice_id IN (SELECT id FROM "
		    "recharge_invoices WHERE period = ?1 AND state = 'draft' AND "
		    "kind = 'invoice')",
		"DELETE FROM recharge_invoices WHERE period = ?1 AND "
		    "state = 'draft' AND kind = 'invoice'",
	};
	const struct ep_host *h = rc_host;
	size_t i;

	for (i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		ep_stmt *s = h->db_prepare(st->db, sql[i]);
		int rc;

		if (s == NULL)
			return rc_fail(st, "dropping drafts");
		h->stmt_bind_text(s, 1, st->period);
		rc = h->stmt_step(s);
		h->stmt_reset(s);
		if (rc != EP_STEP_DONE)
			return rc_fail(st, "dropping drafts");
	}
	return 0;
}

static int64_t
rc_scalar(ep_db *db, const char *sql, const char *t1, const char *t2,
    int64_t i3)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(db, sql);
	int64_t v = 0;

	if (s == NULL)
		return 0;
	if (t1 != NULL)
		h->stmt_bind_text(s, 1, t1);
	if (t2 != NULL)
		h->stmt_bind_text(s, 2, t2);
	if (i3 != 0)
		h->stmt_bind_int64(s, 3, i3);
	if (h->stmt_step(s) == EP_STEP_ROW)
		v = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return v;
}

/* Appends one line to the current invoice; returns its id or 0. */
static int64_t
rc_line_add(struct rc_state *st, const char *kind, int64_t engagement,
    const char *description, const char *unit, int64_t quantity,
    int64_t unit_price, int64_t amount, char vat, const char *hash,
    const char *po)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(st->db, "INSERT INTO recharge_lines "
	    "(invoice_id, position, kind, engagement_id, description, unit, "
	    "quantity, unit_price, amount, vat, ruleset_hash, po_reference) "
	    "VALUES (?, ?, ?, nullif(?, 0), ?, ?, ?, ?, ?, ?, ?, ?)");
	char v[2] = { vat, '\0' };
	int rc;

	if (s == NULL)
		return 0;
	if (unit_price < 0) {
		unit_price = -unit_price;
		quantity = -quantity;
	}
	h->stmt_bind_int64(s, 1, st->invoice);
	h->stmt_bind_int64(s, 2, ++st->position);
	h->stmt_bind_text(s, 3, kind);
	h->stmt_bind_int64(s, 4, engagement);
	h->stmt_bind_text(s, 5, description);
	h->stmt_bind_text(s, 6, unit);
	h->stmt_bind_int64(s, 7, quantity);
	h->stmt_bind_int64(s, 8, unit_price);
	h->stmt_bind_int64(s, 9, amount);
	h->stmt_bind_text(s, 10, v);
	h->stmt_bind_text(s, 11, hash);
	h->stmt_bind_text(s, 12, po ? po : "");
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE) {
		snprintf(st->err, st->errlen, "engagement %lld: line \"%s\": %s",
		    (long long)engagement, description, h->db_errmsg(st->db));
		return 0;
	}
	st->sum->lines++;
	return h->db_last_id(st->db);
}

static int
rc_terms_add(struct rc_state *st, int64_t engagement, const char *hash,
    int64_t priced, int64_t before, int64_t cap)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(st->db, "INSERT INTO recharge_terms "
	    "(invoice_id, engagement_id, ruleset_hash, priced, billed_before, "
	    "cap) VALUES (?, ?, ?, ?, ?, ?)");
	int rc;

	if (s == NULL)
		return rc_fail(st, "terms");
	h->stmt_bind_int64(s, 1, st->invoice);
	h->stmt_bind_int64(s, 2, engagement);
	h->stmt_bind_text(s, 3, hash);
	h->stmt_bind_int64(s, 4, priced);
	h->stmt_bind_int64(s, 5, before);
	h->stmt_bind_int64(s, 6, cap);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	return rc == EP_STEP_DONE ? 0 : rc_fail(st, "terms");
}

/* Invoice-level terms, totals and VAT; a draft with no lines goes. */
static int
rc_invoice_finish(struct rc_state *st)
{
	const struct ep_host *h = rc_host;
	struct ep_fee_invoice in;
	struct ep_fee_result res;
	ep_stmt *s;
	int64_t net, vat, before_cap, bp;
	size_t i;
	int rc;
	char money[32];

	if (st->invoice == 0)
		return 0;
	if (st->position == 0) {
		s = h->db_prepare(st->db, "DELETE FROM recharge_invoices WHERE "
		    "id = ?");
		h->stmt_bind_int64(s, 1, st->invoice);
		rc = h->stmt_step(s);
		h->stmt_reset(s);
		st->invoice = 0;
		return rc == EP_STEP_DONE ? 0 : rc_fail(st, "empty draft");
	}
	before_cap = st->cap;
	if (st->cap >= 0) {
		/* What earlier issued invoices of the month used of the cap. */
		int64_t used = rc_scalar(st->db, "SELECT coalesce(sum(net_pence), "
		    "0) FROM recharge_invoices WHERE period = ?1 AND kind = "
		    "'invoice' AND state != 'draft' AND agreement_id = ?3 AND "
		    "consumer_id = (SELECT id FROM organisations WHERE code = ?2)",
		    st->period, st->consumer_code, st->agreement);
		before_cap = st->cap > used ? st->cap - used : 0;
	}
	memset(&in, 0, sizeof in);
	in.period = st->period;
	in.consumer = st->consumer_code;
	in.provider = st->provider_code;
	in.agreement = st->agreement;
	in.vat = st->vat;
	in.subtotal = st->subtotal;
	in.cap = before_cap;
	in.consumer_before = st->consumer_before;
	if (h->fees_invoice(st->fees, st->ruleset, NULL, &in, &res) != 0) {
		snprintf(st->err, st->errlen, "invoice terms for %s to %s: %s",
		    st->provider_code, st->consumer_code, res.error);
		return -1;
	}
	for (i = 0; i < res.nlines; i++) {
		if (rc_line_add(st, "invoice", 0, res.lines[i].description,
		    res.lines[i].unit, res.lines[i].quantity,
		    res.lines[i].unit_price, res.lines[i].amount,
		    res.lines[i].vat ? res.lines[i].vat : st->vat,
		    res.ruleset_hash, "") == 0)
			return -1;
	}
	if (rc_terms_add(st, 0, res.ruleset_hash, st->subtotal,
	    st->consumer_before, before_cap) != 0)
		return -1;
	net = st->subtotal + res.total;
	bp = st->vat == 'S' ? RC_VAT_S_BP : 0;
	vat = rc_vat(net, bp);
	s = h->db_prepare(st->db, "UPDATE recharge_invoices SET net_pence = ?, "
	    "vat_pence = ?, total_pence = ?, vat_reason = ?, po_reference = ?, "
	    "buyer_reference = ? WHERE id = ?");
	h->stmt_bind_int64(s, 1, net);
	h->stmt_bind_int64(s, 2, vat);
	h->stmt_bind_int64(s, 3, net + vat);
	h->stmt_bind_text(s, 4, st->vat == 'O' ? (res.vat_reason[0] ?
	    res.vat_reason : "Outside the scope of VAT") : "");
	h->stmt_bind_text(s, 5, st->po_mixed ? "" : st->po);
	h->stmt_bind_text(s, 6, !st->cc_mixed && st->cost_centre[0] ?
	    st->cost_centre : st->consumer_code);
	h->stmt_bind_int64(s, 7, st->invoice);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE)
		return rc_fail(st, "invoice totals");
	st->consumer_before += net;
	st->sum->invoices++;
	st->sum->net += net;
	if (st->report != NULL) {
		rc_money(money, sizeof money, net);
		fprintf(st->report, "%s -> %s  agreement %lld  VAT %c  %lld lines  "
		    "net %s", st->provider_code, st->consumer_code,
		    (long long)st->agreement, st->vat, (long long)st->position,
		    money);
		rc_money(money, sizeof money, vat);
		fprintf(st->report, "  VAT %s", money);
		rc_money(money, sizeof money, net + vat);
		fprintf(st->report, "  total %s\n", money);
	}
	st->invoice = 0;
	return 0;
}

/* Starts the draft for an engagement's provider, consumer and agreement,
 * finishing the previous one when the key changes. */
static int
rc_invoice_for(struct rc_state *st, const struct rc_eng *g)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s;
	char v[2] = { g->vat, '\0' };
	int rc;

	if (st->invoice != 0 && st->provider == g->provider &&
	    st->consumer == g->consumer && st->agreement == g->agreement &&
	    st->vat == g->vat) {
		if (strcmp(st->po, g->po) != 0)
			st->po_mixed = 1;
		if (strcmp(st->cost_centre, g->cost_centre) != 0)
			st->cc_mixed = 1;
		return 0;
	}
	if (rc_invoice_finish(st) != 0)
		return -1;
	if (st->consumer_seen != g->consumer) {
		st->consumer_seen = g->consumer;
		st->consumer_before = rc_scalar(st->db, "SELECT coalesce(sum("
		    "net_pence), 0) FROM recharge_invoices WHERE period = ?1 AND "
		    "kind = 'invoice' AND state != 'draft' AND consumer_id = ?3",
		    st->period, NULL, g->consumer);
	}
	s = h->db_prepare(st->db, "INSERT INTO recharge_invoices (period, "
	    "provider_id, consumer_id, agreement_id, ruleset, vat_category, "
	    "vat_rate_bp, terms_days) VALUES (?, ?, ?, nullif(?, 0), ?, ?, ?, ?)");
	if (s == NULL)
		return rc_fail(st, "new draft");
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_int64(s, 2, g->provider);
	h->stmt_bind_int64(s, 3, g->consumer);
	h->stmt_bind_int64(s, 4, g->agreement);
	h->stmt_bind_text(s, 5, g->ruleset);
	h->stmt_bind_text(s, 6, v);
	h->stmt_bind_int64(s, 7, g->vat == 'S' ? RC_VAT_S_BP : 0);
	h->stmt_bind_int64(s, 8, g->terms);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE)
		return rc_fail(st, "new draft");
	st->invoice = h->db_last_id(st->db);
	st->provider = g->provider;
	st->consumer = g->consumer;
	st->agreement = g->agreement;
	st->vat = g->vat;
	st->position = 0;
	st->subtotal = 0;
	st->cap = g->cap;
	st->po_mixed = st->cc_mixed = 0;
	rc_copy(st->ruleset, sizeof st->ruleset, g->ruleset);
	rc_copy(st->po, sizeof st->po, g->po);
	rc_copy(st->cost_centre, sizeof st->cost_centre, g->cost_centre);
	rc_copy(st->provider_code, sizeof st->provider_code, g->provider_code);
	rc_copy(st->consumer_code, sizeof st->consumer_code, g->consumer_code);
	return 0;
}

/* Adds one priced charge to the engagement's group for its rate. */
static size_t
rc_group_add(struct rc_state *st, const char *hash, const char *description,
    const char *unit, int64_t quantity, int64_t unit_price, int64_t amount,
    char vat)
{
	struct rc_group *g;
	size_t i;

	for (i = 0; i < st->ngroups; i++) {
		g = &st->groups[i];
		if (g->unit_price == unit_price && g->vat == vat &&
		    strcmp(g->description, description) == 0 &&
		    strcmp(g->unit, unit) == 0 && strcmp(g->hash, hash) == 0) {
			g->quantity += quantity;
			g->amount += amount;
			return i;
		}
	}
	if (st->ngroups == st->groups_cap) {
		st->groups_cap = st->groups_cap * 2 + 8;
		st->groups = realloc(st->groups, st->groups_cap *
		    sizeof *st->groups);
		if (st->groups == NULL)
			abort();
	}
	g = &st->groups[st->ngroups];
	memset(g, 0, sizeof *g);
	rc_copy(g->description, sizeof g->description, description);
	rc_copy(g->unit, sizeof g->unit, unit);
	rc_copy(g->hash, sizeof g->hash, hash);
	g->unit_price = unit_price;
	g->quantity = quantity;
	g->amount = amount;
	g->vat = vat;
	return st->ngroups++;
}

/* Remembers that the engagement's group will bill the entry: the group's
 * line is the engagement's first line ref plus the group's index. */
static void
rc_link_add(struct rc_state *st, int64_t entry, size_t group)
{
	if (st->nlinks == st->links_cap) {
		st->links_cap = st->links_cap * 2 + 1024;
		st->links = realloc(st->links, st->links_cap *
		    sizeof *st->links);
		if (st->links == NULL)
			abort();
	}
	st->links[st->nlinks].entry = entry;
	st->links[st->nlinks].line = st->nlines + group;
	st->nlinks++;
}

/* Prices the engagement's unbilled entries, one by one, as streamed in
 * the index's order (date, then id). */
static int
rc_price_entries(struct rc_state *st, const struct rc_eng *g)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(st->db, "SELECT t.id, t.entry_date, "
	    "t.minutes, t.activity, t.out_of_hours FROM time_entries t WHERE "
	    "t.engagement_id = ?3 AND " RC_CANDIDATE " ORDER BY t.entry_date, "
	    "t.id");
	struct ep_fee_entry fe;
	struct ep_fee_result res;
	char date[11], activity[16];
	int rc = -1, step;
	size_t i, first;

	if (s == NULL)
		return rc_fail(st, "entries");
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_text(s, 2, st->next);
	h->stmt_bind_int64(s, 3, g->id);
	memset(&fe, 0, sizeof fe);
	fe.grade = g->grade;
	fe.basis = g->basis;
	fe.consumer = g->consumer_code;
	fe.provider = g->provider_code;
	fe.agreement = g->agreement;
	fe.vat = g->vat;
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		int64_t id = h->stmt_int64(s, 0), minutes = h->stmt_int64(s, 2);
		int64_t sign = minutes < 0 ? -1 : 1;

		rc_copy(date, sizeof date, h->stmt_text(s, 1));
		rc_copy(activity, sizeof activity, h->stmt_text(s, 3));
		fe.minutes = minutes * sign;
		fe.date = date;
		fe.activity = activity;
		fe.out_of_hours = (int)h->stmt_int64(s, 4);
		if (h->fees_price(st->fees, g->ruleset, NULL, &fe, &res) != 0) {
			snprintf(st->err, st->errlen, "entry %lld: %s",
			    (long long)id, res.error);
			goto out;
		}
		first = (size_t)-1;
		for (i = 0; i < res.nlines; i++) {
			size_t k = rc_group_add(st, res.ruleset_hash,
			    res.lines[i].description, res.lines[i].unit,
			    sign * res.lines[i].quantity, res.lines[i].unit_price,
			    sign * res.lines[i].amount,
			    res.lines[i].vat ? res.lines[i].vat : g->vat);

			if (first == (size_t)-1)
				first = k;
		}
		if (first == (size_t)-1)
			first = rc_group_add(st, res.ruleset_hash, "Time recorded, "
			    "no charge", "each", 0, 0, 0, g->vat);
		rc_link_add(st, id, first);
		st->done++;
	}
	if (step != EP_STEP_DONE) {
		rc_fail(st, "reading entries");
		goto out;
	}
	rc = 0;
out:
	h->stmt_reset(s);
	return rc;
}

/* Runs one statement without parameters; -1 with st->err naming what. */
static int
rc_do(struct rc_state *st, const char *sql, const char *what)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(st->db, sql);
	int rc;

	if (s == NULL)
		return rc_fail(st, what);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	return rc == EP_STEP_DONE ? 0 : rc_fail(st, what);
}

static int
rc_link_cmp(const void *a, const void *b)
{
	const struct rc_link *x = a, *y = b;

	return (x->entry > y->entry) - (x->entry < y->entry);
}

/* Copies the run's links, sorted by entry, into a table of the
 * connection's own (temp) for rc_bill_entries to write in one statement;
 * the array goes once they are there. */
static int
rc_links_stage(struct rc_state *st)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s;
	size_t i;
	int rc;

	qsort(st->links, st->nlinks, sizeof *st->links, rc_link_cmp);
	if (rc_do(st, "DROP TABLE IF EXISTS temp.rc_run_links",
	    "billing entries") != 0 || rc_do(st, "CREATE TEMP TABLE "
	    "rc_run_links (entry_id INTEGER PRIMARY KEY, invoice_id INTEGER, "
	    "line_id INTEGER)", "billing entries") != 0)
		return -1;
	for (i = 0; i < st->nlinks; i++) {
		const struct rc_link *l = &st->links[i];
		const struct rc_line_ref *line = &st->lines[l->line];

		if ((s = h->db_prepare(st->db, "INSERT INTO temp.rc_run_links "
		    "VALUES (?, ?, ?)")) == NULL)
			return rc_fail(st, "billing entries");
		h->stmt_bind_int64(s, 1, l->entry);
		h->stmt_bind_int64(s, 2, line->invoice);
		h->stmt_bind_int64(s, 3, line->id);
		rc = h->stmt_step(s);
		h->stmt_reset(s);
		if (rc != EP_STEP_DONE) {
			snprintf(st->err, st->errlen, "billing entry %lld: %s",
			    (long long)l->entry, h->db_errmsg(st->db));
			return -1;
		}
	}
	free(st->links);
	st->links = NULL;
	st->links_cap = 0;
	return 0;
}

/*
 * Records which line bills each entry of the run, once every line exists,
 * in one statement in entry order: the UNIQUE entry_id (which refuses an
 * entry billed twice) grows at its end and the foreign key checks read
 * time_entries' pages in order, once each, where engagement order loaded
 * a random page of the table per link. One INSERT ... SELECT for them
 * all: statements of 64 rows each took a third longer at a million.
 */
static int
rc_bill_entries(struct rc_state *st)
{
	if (rc_links_stage(st) != 0 || rc_do(st, "INSERT INTO recharge_billed "
	    "(entry_id, invoice_id, line_id) SELECT entry_id, invoice_id, "
	    "line_id FROM temp.rc_run_links ORDER BY entry_id",
	    "billing entries") != 0)
		return -1;
	return rc_do(st, "DROP TABLE temp.rc_run_links", "billing entries");
}

/* Writes the engagement's lines; its links wait for the run's end. */
static int
rc_flush_engagement(struct rc_state *st, const struct rc_eng *g,
    int64_t *priced)
{
	size_t i;

	*priced = 0;
	if (st->nlines + st->ngroups > st->lines_cap) {
		st->lines_cap = (st->nlines + st->ngroups) * 2;
		st->lines = realloc(st->lines, st->lines_cap * sizeof *st->lines);
		if (st->lines == NULL)
			abort();
	}
	for (i = 0; i < st->ngroups; i++) {
		struct rc_group *gr = &st->groups[i];
		struct rc_line_ref *line = &st->lines[st->nlines + i];

		line->invoice = st->invoice;
		line->id = rc_line_add(st, "entries", g->id, gr->description,
		    gr->unit, gr->quantity, gr->unit_price, gr->amount, gr->vat,
		    gr->hash, g->po);
		if (line->id == 0)
			return -1;
		*priced += gr->amount;
	}
	st->nlines += st->ngroups;
	st->sum->entries += (int64_t)(st->nlinks - st->eng_links);
	st->eng_links = st->nlinks;
	return 0;
}

/* Fixed fees, budgets and bonus, once per engagement and month. */
static int
rc_engagement_terms(struct rc_state *st, const struct rc_eng *g,
    int64_t priced)
{
	const struct ep_host *h = rc_host;
	struct ep_fee_engagement in;
	struct ep_fee_result res;
	int64_t before;
	size_t i;

	if (rc_scalar(st->db, "SELECT count(*) FROM recharge_terms t JOIN "
	    "recharge_invoices i ON i.id = t.invoice_id WHERE i.period = ?1 AND "
	    "i.state != 'draft' AND t.engagement_id = ?3", st->period, NULL,
	    g->id) > 0)
		return 0;
	before = rc_scalar(st->db, "SELECT coalesce(sum(CASE i.kind WHEN "
	    "'credit' THEN -l.amount ELSE l.amount END), 0) FROM recharge_lines "
	    "l JOIN recharge_invoices i ON i.id = l.invoice_id WHERE "
	    "l.engagement_id = ?3 AND i.state != 'draft'", NULL, NULL, g->id);
	memset(&in, 0, sizeof in);
	in.id = g->id;
	in.basis = g->basis;
	in.period = st->period;
	in.consumer = g->consumer_code;
	in.provider = g->provider_code;
	in.agreement = g->agreement;
	in.vat = g->vat;
	in.fixed_fee = strcmp(g->basis, "fixed") == 0 && g->budget > 0 ?
	    g->budget : 0;
	in.budget = g->budget;
	in.bonus = 0;
	in.due = g->ends;
	in.completed = g->completed[0] ? g->completed : NULL;
	in.priced = priced;
	in.billed_before = before;
	if (h->fees_engagement(st->fees, g->ruleset, NULL, &in, &res) != 0) {
		snprintf(st->err, st->errlen, "engagement %lld: %s",
		    (long long)g->id, res.error);
		return -1;
	}
	for (i = 0; i < res.nlines; i++) {
		if (rc_line_add(st, "engagement", g->id, res.lines[i].description,
		    res.lines[i].unit, res.lines[i].quantity,
		    res.lines[i].unit_price, res.lines[i].amount,
		    res.lines[i].vat ? res.lines[i].vat : g->vat,
		    res.ruleset_hash, g->po) == 0)
			return -1;
	}
	st->subtotal += res.total;
	return rc_terms_add(st, g->id, res.ruleset_hash, priced, before, -1);
}

static void
rc_eng_read(ep_stmt *s, struct rc_eng *g)
{
	const struct ep_host *h = rc_host;

	memset(g, 0, sizeof *g);
	g->id = h->stmt_int64(s, 0);
	g->provider = h->stmt_int64(s, 1);
	g->consumer = h->stmt_int64(s, 2);
	g->agreement = h->stmt_int64(s, 3);
	rc_copy(g->basis, sizeof g->basis, h->stmt_text(s, 4));
	g->budget = h->stmt_int64(s, 5);
	rc_copy(g->ends, sizeof g->ends, h->stmt_text(s, 6));
	rc_copy(g->completed, sizeof g->completed, h->stmt_text(s, 7));
	rc_copy(g->grade, sizeof g->grade, h->stmt_text(s, 8));
	rc_copy(g->provider_code, sizeof g->provider_code, h->stmt_text(s, 9));
	rc_copy(g->consumer_code, sizeof g->consumer_code, h->stmt_text(s, 10));
	rc_copy(g->ruleset, sizeof g->ruleset, h->stmt_text(s, 11));
	g->vat = h->stmt_text(s, 12)[0];
	g->cap = h->stmt_int64(s, 13);
	g->terms = h->stmt_int64(s, 14);
	rc_copy(g->po, sizeof g->po, h->stmt_text(s, 15));
	rc_copy(g->cost_centre, sizeof g->cost_centre, h->stmt_text(s, 16));
}

/* Every engagement with something to bill this month, in invoice order. */
#define RC_ENGAGEMENTS "WITH g AS (SELECT e.*, coalesce(e.agreement_id, " \
	"(SELECT a.id FROM agreements a WHERE a.provider_id = e.provider_id " \
	"AND a.consumer_id = e.consumer_id AND a.valid_from < ?2 AND " \
	"(a.valid_to IS NULL OR a.valid_to >= ?3) ORDER BY a.valid_from DESC " \
	"LIMIT 1), (SELECT a.id FROM agreements a WHERE a.provider_id IS NULL " \
	"AND a.valid_from < ?2 AND (a.valid_to IS NULL OR a.valid_to >= ?3) " \
	"ORDER BY a.valid_from DESC LIMIT 1)) AS agreement FROM engagements e " \
	"WHERE EXISTS (SELECT 1 FROM time_entries t WHERE t.engagement_id = " \
	"e.id AND " RC_CANDIDATE ") OR (e.completed_at >= ?3 AND " \
	"e.completed_at < ?2)) SELECT g.id, g.provider_id, g.consumer_id, " \
	"coalesce(g.agreement, 0), g.basis, coalesce(g.budget_pence, -1), " \
	"g.ends, coalesce(substr(g.completed_at, 1, 10), ''), x.grade, p.code, " \
	"c.code, coalesce(a.ruleset, 'standard'), coalesce(a.vat_category, " \
	"'S'), coalesce(a.monthly_cap_pence, -1), coalesce(a.payment_terms_days, " \
	"c.payment_terms_days), q.po_reference, q.cost_centre FROM g JOIN " \
	"experts x ON x.id = g.expert_id JOIN organisations p ON p.id = " \
	"g.provider_id JOIN organisations c ON c.id = g.consumer_id JOIN " \
	"requests q ON q.id = g.request_id LEFT JOIN agreements a ON a.id = " \
	"g.agreement ORDER BY c.code, p.code, coalesce(g.agreement, 0), " \
	"coalesce(a.vat_category, 'S'), g.id"

static int
rc_run_engagements(struct rc_state *st)
{
	const struct ep_host *h = rc_host;
	ep_stmt *s = h->db_prepare(st->db, RC_ENGAGEMENTS);
	struct rc_eng g;
	int64_t priced;
	int step, rc = -1;

	if (s == NULL)
		return rc_fail(st, "engagements");
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_text(s, 2, st->next);
	h->stmt_bind_text(s, 3, st->start);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		rc_eng_read(s, &g);
		if (rc_invoice_for(st, &g) != 0)
			goto out;
		st->ngroups = 0;
		if (rc_price_entries(st, &g) != 0 ||
		    rc_flush_engagement(st, &g, &priced) != 0)
			goto out;
		st->subtotal += priced;
		if (rc_engagement_terms(st, &g, priced) != 0)
			goto out;
		if (st->progress != NULL)
			st->progress(st->done, st->total, st->parg);
	}
	if (step != EP_STEP_DONE) {
		rc_fail(st, "engagements");
		goto out;
	}
	if (rc_invoice_finish(st) != 0 || rc_bill_entries(st) != 0)
		goto out;
	rc = 0;
out:
	h->stmt_reset(s);
	return rc;
}

/*
 * The run for a month, in one transaction: the month's drafts are dropped
 * and built again from every approved entry not yet billed (of the month
 * or earlier: late approvals, adjustments, lines excluded last month), so
 * running it again refreshes drafts and never bills an entry twice (the
 * UNIQUE entry in recharge_billed). A dry run reports and rolls back.
 */
int
rc_run(ep_db *db, ep_fees *f, const char *period, int dry_run, FILE *report,
    rc_progress_fn progress, void *parg, struct rc_run_summary *out,
    char *err, size_t len)
{
	const struct ep_host *h = rc_host;
	struct rc_state st;
	char summary[160];
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&st, 0, sizeof st);
	if (!rc_period_ok(period)) {
		snprintf(err, len, "period: \"%s\" is not a month as YYYY-MM",
		    period ? period : "");
		return -1;
	}
	st.db = db;
	st.fees = f;
	st.period = period;
	snprintf(st.start, sizeof st.start, "%s-01", period);
	rc_period_next(period, st.next);
	st.report = report;
	st.progress = progress;
	st.parg = parg;
	st.sum = out;
	st.err = err;
	st.errlen = len;
	err[0] = '\0';
	if (h->db_begin(db) != 0) {
		snprintf(err, len, "cannot begin: %s", h->db_errmsg(db));
		return -1;
	}
	if (rc_drop_drafts(&st) != 0)
		goto out;
	st.total = rc_scalar(db, "SELECT count(*) FROM time_entries t WHERE "
	    RC_CANDIDATE, period, st.next, 0);
	if (st.total > 0 && (st.links = malloc((size_t)st.total *
	    sizeof *st.links)) != NULL)
		st.links_cap = (size_t)st.total;
	if (progress != NULL)
		progress(0, st.total, parg);
	if (rc_run_engagements(&st) != 0)
		goto out;
	if (progress != NULL)
		progress(st.total, st.total, parg);
	snprintf(summary, sizeof summary, "{\"period\":\"%s\",\"entries\":%lld,"
	    "\"invoices\":%lld,\"net\":%lld}", period, (long long)out->entries,
	    (long long)out->invoices, (long long)out->net);
	if (!dry_run && h->audit(db, NULL, "run", "invoice-run", period, 0,
	    summary) != 0) {
		rc_fail(&st, "audit");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 || dry_run)
		h->db_rollback(db);
	else if (h->db_commit(db) != 0) {
		snprintf(err, len, "cannot commit: %s", h->db_errmsg(db));
		h->db_rollback(db);
		rc = -1;
	}
	free(st.groups);
	free(st.lines);
	free(st.links);
	return rc;
}

/* Takes a slot for a job's run; -1 when all are taken (progress then
 * shows at the end only). */
static int
rc_live_begin(ep_job *job, const char *period)
{
	int i, slot = -1;

	pthread_mutex_lock(&rc_live_lock);
	for (i = 0; i < RC_LIVE_SLOTS && slot < 0; i++) {
		if (rc_live[i].job == NULL) {
			slot = i;
			rc_live[i].job = job;
			rc_copy(rc_live[i].period, sizeof rc_live[i].period, period);
			rc_live[i].done = rc_live[i].total = 0;
		}
	}
	pthread_mutex_unlock(&rc_live_lock);
	return slot;
}

static void
rc_live_end(int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&rc_live_lock);
	rc_live[slot].job = NULL;
	pthread_mutex_unlock(&rc_live_lock);
}

/* How far the running job for the period has got: 1 with its counts, or
 * 0 when no run of the period is counting yet. A second run of a month
 * waits for the first's transaction, with nothing counted. */
int
rc_run_live(const char *period, int64_t *done, int64_t *total)
{
	int i, found = 0;

	pthread_mutex_lock(&rc_live_lock);
	for (i = 0; i < RC_LIVE_SLOTS; i++) {
		if (rc_live[i].job != NULL && rc_live[i].total > 0 &&
		    strcmp(rc_live[i].period, period) == 0) {
			*done = rc_live[i].done;
			*total = rc_live[i].total;
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&rc_live_lock);
	return found;
}

struct rc_job_arg {
	ep_job *job;
	int slot;
};

static void
rc_job_progress(int64_t done, int64_t total, void *arg)
{
	struct rc_job_arg *a = arg;

	if (a->slot >= 0) {
		pthread_mutex_lock(&rc_live_lock);
		rc_live[a->slot].done = done;
		rc_live[a->slot].total = total;
		pthread_mutex_unlock(&rc_live_lock);
	}
	rc_host->job_progress(a->job, done, total);
}

/* The run as a background job; the argument is the period. */
int
rc_run_job(ep_job *job, ep_db *db, const char *arg, void *udata)
{
	const struct ep_host *h = rc_host;
	struct rc_run_summary sum;
	struct rc_job_arg a;
	char err[512];
	ep_fees *f;
	int rc;

	(void)udata;
	if ((f = h->fees_open(db, err, sizeof err)) == NULL) {
		h->job_fail(job, err);
		return -1;
	}
	a.job = job;
	a.slot = rc_live_begin(job, arg);
	rc = rc_run(db, f, arg, 0, NULL, rc_job_progress, &a, &sum, err,
	    sizeof err);
	rc_live_end(a.slot);
	h->fees_close(f);
	if (rc != 0)
		h->job_fail(job, err);
	return rc;
}
