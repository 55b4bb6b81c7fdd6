/* run.c: the monthly invoice run: price approved entries, build drafts. */
#include "recharge.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Entries priced with one call into the rule set. */
#define RC_BATCH 256

/* A run silent this long (no draft committed) may be taken over. */
#define RC_RUN_STALE 600

/* A line being gathered: one engagement's entries at one rate. */
struct rch_group {
	char description[96];
	char unit[16];
	size_t hash;		/* index of the rule set's hash in st->hashes */
	int64_t unit_price, quantity, amount, line;
	char vat;
};

/* A line of the draft and an entry it bills; line holds the group's
 * index until the engagement's lines are written. */
struct rch_link {
	int64_t line, entry;
};

/* An engagement as the run sees it. */
struct rch_eng {
	int64_t id, provider, consumer, agreement, budget, cap, terms;
	int64_t open; /* open entries, some perhaps on other drafts */
	char basis[12], ends[11], completed[11], grade[16];
	char provider_code[16], consumer_code[16], ruleset[65];
	char calendar[20];	/* the provider's, as the run prices it */
	char *po, *cost_centre, vat;
};

/* The entries of one engagement waiting to be priced together. */
struct rch_batch {
	struct ep_fee_entry in[RC_BATCH];
	struct ep_fee_result out[RC_BATCH];
	int64_t id[RC_BATCH], sign[RC_BATCH];
	char date[RC_BATCH][11], activity[RC_BATCH][16];
	size_t n;
};

/* The run's state and the draft being filled. */
struct rch_state {
	ep_db *db;
	ep_fees *fees;
	const char *period;
	int64_t provider;	/* whose drafts the run builds; 0: everyone's */
	char start[11], next[11];
	FILE *report;
	rch_progress_fn progress;
	void *parg;
	int dry_run, in_tx;
	int marked;		/* the step began by marking entries invoiced */
	int64_t tell;		/* the person told when the run ends; 0: nobody */
	int64_t run_id, done, total;
	/* the current draft */
	const struct rch_eng *key;
	int64_t invoice, position, subtotal, consumer_before;
	int cc_mixed;
	/* the draft's lines being gathered, the current engagement's from
	 * eng_groups on; each engagement's from first[i] */
	struct rch_group *groups;
	size_t ngroups, groups_cap, eng_groups;
	size_t *first;
	size_t first_cap;
	/* the draft's links */
	struct rch_link *links;
	size_t nlinks, links_cap;
	struct rch_batch *batch;
	/* the rule-set hashes the draft's lines carry, each kept once */
	char (*hashes)[80];
	size_t nhashes, hashes_cap;
	/* the month's deferred entries, sorted, as the store stood at
	 * data version def_version (-1: not read yet) */
	int64_t *deferred;
	size_t ndeferred, deferred_cap;
	int64_t def_version;
	struct rch_run_summary *sum;
	char *err;
	size_t errlen;
};

/* A run in a job, as far as it has got, for the run page: its counts
 * in memory, as the drafts it commits show only whole. */
struct rch_live {
	ep_job *job; /* NULL when the slot is free */
	char period[8];
	int64_t provider, done, total;
};

#define RC_LIVE_SLOTS 8

static int rch_fail(struct rch_state *st, const char *what);

static pthread_mutex_t rch_live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rch_live rch_live[RC_LIVE_SLOTS];

/* An approved, billable entry of the month or earlier, not deferred past
 * this month. The state and billable terms are written as the partial
 * index time_entries_approved has them, so the run reads entries from
 * that index alone; the month's deferrals are read once as a list, not
 * looked up for each entry (the same rows, as an entry id is never
 * NULL). */
#define RC_OPEN_ONCE "t.state = 'approved' AND t.billable = 1 AND " \
	"t.entry_date < ?2 AND t.id NOT IN (SELECT d.entry_id FROM " \
	"recharge_deferrals d WHERE d.period = ?1)"

/* ... and on no draft: an entry's lines are its engagement's, and an
 * entry on an issued invoice is marked invoiced, not approved, by the
 * time a step reads it (rch_step_begin marks the entries of invoices
 * issued since), so only the engagement's draft lines are looked at. */
#define RC_UNBILLED(eng) "NOT EXISTS (SELECT 1 FROM recharge_lines l JOIN " \
	"recharge_invoices i ON i.id = l.invoice_id JOIN recharge_billed b ON " \
	"b.line_id = l.id AND b.entry_id = t.id WHERE l.engagement_id = " eng \
	" AND i.state = 'draft')"

static int
rch_fail(struct rch_state *st, const char *what)
{
	snprintf(st->err, st->errlen, "%s: %s", what,
	    rch_host->db_errmsg(st->db));
	return -1;
}

/* Runs one statement with the period and an id; -1 with st->err naming
 * what failed. */
static int
rch_do(struct rch_state *st, const char *sql, int64_t id, const char *what)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(st->db, sql);
	int rc;

	if (s == NULL)
		return rch_fail(st, what);
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_int64(s, 2, id);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	return rc == EP_STEP_DONE ? 0 : rch_fail(st, what);
}

static int64_t
rch_scalar(ep_db *db, const char *sql, const char *t1, const char *t2,
    int64_t i3, int64_t i4)
{
	const struct ep_host *h = rch_host;
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
	if (i4 != 0)
		h->stmt_bind_int64(s, 4, i4);
	if (h->stmt_step(s) == EP_STEP_ROW)
		v = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return v;
}

/* Whether the process that claimed a run is still there. */
int
rch_run_alive(int64_t pid)
{
	if (pid <= 0 || pid != (pid_t)pid)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/*
 * A running run of the month that is still alive: its process is there
 * and it has committed a draft within RC_RUN_STALE seconds. 1 (with err
 * saying so), 0 when there is none (a dead one is marked abandoned), -1
 * when the store fails.
 */
static int
rch_run_busy(struct rch_state *st)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(st->db, "SELECT id, pid, started_at, "
	    "CAST((julianday('now') - julianday(beat_at)) * 86400 AS INTEGER) "
	    "FROM recharge_runs WHERE period = ?1 AND state = 'running' AND "
	    "(?2 = 0 OR provider_id IS NULL OR provider_id = ?2)");
	int64_t id = 0, pid = 0, quiet = 0;
	char since[24] = "";
	int step;

	if (s == NULL)
		return rch_fail(st, "runs");
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_int64(s, 2, st->provider);
	if ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		id = h->stmt_int64(s, 0);
		pid = h->stmt_int64(s, 1);
		rch_copy(since, sizeof since, h->stmt_text(s, 2));
		quiet = h->stmt_int64(s, 3);
		step = h->stmt_step(s);
	}
	h->stmt_reset(s);
	if (step != EP_STEP_DONE)
		return rch_fail(st, "runs");
	if (id == 0)
		return 0;
	if (rch_run_alive(pid) && quiet < RC_RUN_STALE) {
		snprintf(st->err, st->errlen, "period: a run of %s is already "
		    "running (process %lld, since %s): wait for it to finish",
		    st->period, (long long)pid, since);
		return 1;
	}
	if (st->dry_run)
		return 0;
	return rch_do(st, "UPDATE recharge_runs SET state = 'abandoned', "
	    "finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?2 "
	    "AND period = ?1", id, "runs");
}

/* Claims the month for this run, in a transaction of its own. */
static int
rch_claim(struct rch_state *st)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	int rc;

	if (h->db_begin(st->db) != 0)
		return rch_fail(st, "cannot begin");
	if (rch_run_busy(st) != 0)
		goto fail;
	if ((s = h->db_prepare(st->db, "INSERT INTO recharge_runs (period, "
	    "pid, provider_id) VALUES (?, ?, nullif(?, 0))")) == NULL)
		goto store;
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_int64(s, 2, (int64_t)getpid());
	h->stmt_bind_int64(s, 3, st->provider);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE)
		goto store;
	st->run_id = h->db_last_id(st->db);
	if (h->db_commit(st->db) != 0)
		goto store;
	return 0;
store:
	rch_fail(st, "claiming the month");
fail:
	h->db_rollback(st->db);
	return -1;
}

/*
 * Begins one step of the run (a draft dropped or built) in a transaction
 * of its own, once the run's claim is seen to hold; the claim's beat
 * says the run is alive. The entries of invoices issued since are marked
 * invoiced first (st->marked says if any were), so that the step reads
 * every entry an issued invoice holds as invoiced, not approved: the run
 * marks the bulk before its first step, a chunk at a time
 * (rch_mark_chunked), and a step only those of invoices issued while the
 * run goes on. A dry run is one transaction throughout, marked once at
 * its start.
 */
static int
rch_step_begin(struct rch_state *st)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	int rc;

	if (st->dry_run)
		return 0;
	if (h->db_begin(st->db) != 0)
		return rch_fail(st, "cannot begin");
	st->in_tx = 1;
	if ((s = h->db_prepare(st->db, "UPDATE recharge_runs SET beat_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), entries = ?2, invoices = ?3, "
	    "net_pence = ?4 WHERE id = ?1 AND state = 'running'")) == NULL)
		return rch_fail(st, "runs");
	h->stmt_bind_int64(s, 1, st->run_id);
	h->stmt_bind_int64(s, 2, st->sum->entries);
	h->stmt_bind_int64(s, 3, st->sum->invoices);
	h->stmt_bind_int64(s, 4, st->sum->net);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE)
		return rch_fail(st, "runs");
	if (h->db_changes(st->db) != 1) {
		snprintf(st->err, st->errlen, "period: another run of %s took "
		    "the month over: this one stops", st->period);
		return -1;
	}
	if ((rc = rch_mark_invoiced(st->db)) < 0)
		return rch_fail(st, "marking invoiced entries");
	st->marked = rc > 0;
	return 0;
}

static int
rch_step_commit(struct rch_state *st)
{
	const struct ep_host *h = rch_host;

	if (st->dry_run)
		return 0;
	st->in_tx = 0;
	if (h->db_commit(st->db) != 0) {
		rch_fail(st, "cannot commit");
		h->db_rollback(st->db);
		return -1;
	}
	return 0;
}

/* Drops the month's drafts, one per step: the run builds them again. */
static int
rch_drop_drafts(struct rch_state *st)
{
	static const char *const sql[] = {
		"DELETE FROM recharge_billed WHERE line_id IN (SELECT id FROM "
		    "recharge_lines WHERE invoice_id = ?2)",
		"DELETE FROM recharge_terms WHERE invoice_id = ?2",
		"DELETE FROM recharge_lines WHERE invoice_id = ?2",
		"DELETE FROM recharge_invoices WHERE id = ?2 AND state = 'draft'",
	};
	int64_t id;
	size_t i;

	for (;;) {
		if (rch_step_begin(st) != 0)
			return -1;
		id = rch_scalar(st->db, "SELECT id FROM recharge_invoices WHERE "
		    "period = ?1 AND state = 'draft' AND kind = 'invoice' AND "
		    "(?3 IS NULL OR provider_id = ?3) ORDER BY id LIMIT 1",
		    st->period, NULL, st->provider, 0);
		if (id == 0)
			return rch_step_commit(st);
		for (i = 0; i < sizeof sql / sizeof sql[0]; i++) {
			if (rch_do(st, sql[i], id, "dropping drafts") != 0)
				return -1;
		}
		if (rch_step_commit(st) != 0)
			return -1;
	}
}

/* Appends one line to the current draft; returns its id or 0. */
static int64_t
rch_line_add(struct rch_state *st, const char *kind, int64_t engagement,
    const char *description, const char *unit, int64_t quantity,
    int64_t unit_price, int64_t amount, char vat, const char *hash,
    const char *po)
{
	const struct ep_host *h = rch_host;
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
rch_terms_add(struct rch_state *st, int64_t engagement, const char *hash,
    int64_t priced, int64_t before, int64_t cap, const char *inputs)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(st->db, "INSERT INTO recharge_terms "
	    "(invoice_id, engagement_id, ruleset_hash, priced, billed_before, "
	    "cap, inputs) VALUES (?, ?, ?, ?, ?, ?, ?)");
	int rc;

	if (s == NULL)
		return rch_fail(st, "terms");
	h->stmt_bind_int64(s, 1, st->invoice);
	h->stmt_bind_int64(s, 2, engagement);
	h->stmt_bind_text(s, 3, hash);
	h->stmt_bind_int64(s, 4, priced);
	h->stmt_bind_int64(s, 5, before);
	h->stmt_bind_int64(s, 6, cap);
	if (inputs != NULL)
		h->stmt_bind_text(s, 7, inputs);
	else
		h->stmt_bind_null(s, 7);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	return rc == EP_STEP_DONE ? 0 : rch_fail(st, "terms");
}

/*
 * Invoice-level terms, totals and VAT; a draft with no lines goes. The
 * monthly cap is what the agreement's other invoices of the month to
 * the consumer (issued, and this run's drafts so far) left of it.
 */
static int
rch_invoice_finish(struct rch_state *st)
{
	const struct ep_host *h = rch_host;
	const struct rch_eng *k = st->key;
	struct ep_fee_invoice in;
	struct ep_fee_result res;
	ep_stmt *s;
	int64_t net, vat, before_cap, bp;
	size_t i;
	int rc;
	char money[32];

	if (st->position == 0) {
		/* Nothing to bill (every entry went to another draft, or an
		 * engagement ended with nothing due): no draft, nor its terms. */
		st->nlinks = 0;
		return rch_do(st, "DELETE FROM recharge_terms WHERE invoice_id = ?2",
		    st->invoice, "empty draft") != 0 || rch_do(st, "DELETE FROM "
		    "recharge_invoices WHERE id = ?2 AND period = ?1", st->invoice,
		    "empty draft") != 0 ? -1 : 0;
	}
	before_cap = k->cap;
	if (k->cap >= 0) {
		int64_t used = rch_scalar(st->db, "SELECT coalesce(sum(net_pence), "
		    "0) FROM recharge_invoices WHERE period = ?1 AND kind = "
		    "'invoice' AND agreement_id = ?3 AND consumer_id = ?4 AND "
		    "id != ?5", st->period, NULL, k->agreement, k->consumer);

		before_cap = k->cap > used ? k->cap - used : 0;
	}
	memset(&in, 0, sizeof in);
	in.size = sizeof in;
	res.size = sizeof res;
	in.period = st->period;
	in.consumer = k->consumer_code;
	in.provider = k->provider_code;
	in.agreement = k->agreement;
	in.vat = k->vat;
	in.subtotal = st->subtotal;
	in.cap = before_cap;
	in.consumer_before = st->consumer_before;
	if (h->fees_invoice(st->fees, k->ruleset, NULL, &in, &res) != 0) {
		snprintf(st->err, st->errlen, "invoice terms for %s to %s: %s",
		    k->provider_code, k->consumer_code, res.error);
		return -1;
	}
	for (i = 0; i < res.nlines; i++) {
		if (rch_line_add(st, "invoice", 0, res.lines[i].description,
		    res.lines[i].unit, res.lines[i].quantity,
		    res.lines[i].unit_price, res.lines[i].amount,
		    res.lines[i].vat ? res.lines[i].vat : k->vat,
		    res.ruleset_hash, "") == 0)
			return -1;
	}
	if (rch_terms_add(st, 0, res.ruleset_hash, st->subtotal,
	    st->consumer_before, before_cap, NULL) != 0)
		return -1;
	net = st->subtotal + res.total;
	bp = k->vat == 'S' ? RC_VAT_S_BP : 0;
	vat = rch_vat(net, bp);
	s = h->db_prepare(st->db, "UPDATE recharge_invoices SET net_pence = ?, "
	    "vat_pence = ?, total_pence = ?, vat_reason = ?, po_reference = ?, "
	    "buyer_reference = ? WHERE id = ?");
	h->stmt_bind_int64(s, 1, net);
	h->stmt_bind_int64(s, 2, vat);
	h->stmt_bind_int64(s, 3, net + vat);
	h->stmt_bind_text(s, 4, k->vat == 'O' ? (res.vat_reason[0] ?
	    res.vat_reason : "Outside the scope of VAT") : "");
	h->stmt_bind_text(s, 5, k->po);
	h->stmt_bind_text(s, 6, !st->cc_mixed && k->cost_centre[0] ?
	    k->cost_centre : k->consumer_code);
	h->stmt_bind_int64(s, 7, st->invoice);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE)
		return rch_fail(st, "invoice totals");
	st->sum->invoices++;
	st->sum->net += net;
	if (st->report != NULL) {
		rch_host->money_plain(money, sizeof money, net);
		fprintf(st->report, "%s -> %s  agreement %lld  VAT %c  %s%s%s"
		    "%lld lines  net %s", k->provider_code, k->consumer_code,
		    (long long)k->agreement, k->vat, *k->po ? "PO " : "", k->po,
		    *k->po ? "  " : "", (long long)st->position, money);
		rch_host->money_plain(money, sizeof money, vat);
		fprintf(st->report, "  VAT %s", money);
		rch_host->money_plain(money, sizeof money, net + vat);
		fprintf(st->report, "  total %s\n", money);
	}
	return 0;
}

/* Starts the draft for the key engagement's provider, consumer,
 * agreement, VAT category and purchase order. */
static int
rch_invoice_new(struct rch_state *st, const struct rch_eng *g)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	char v[2] = { g->vat, '\0' };
	int rc;

	/* The consumer's month on its other invoices: issued ones, and the
	 * drafts this run made before (the month's older drafts are gone). */
	st->consumer_before = rch_scalar(st->db, "SELECT coalesce(sum("
	    "net_pence), 0) FROM recharge_invoices WHERE period = ?1 AND "
	    "kind = 'invoice' AND consumer_id = ?3", st->period, NULL,
	    g->consumer, 0);
	s = h->db_prepare(st->db, "INSERT INTO recharge_invoices (period, "
	    "provider_id, consumer_id, agreement_id, ruleset, vat_category, "
	    "vat_rate_bp, terms_days, calendar) VALUES (?, ?, ?, nullif(?, 0), "
	    "?, ?, ?, ?, ?)");
	if (s == NULL)
		return rch_fail(st, "new draft");
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_int64(s, 2, g->provider);
	h->stmt_bind_int64(s, 3, g->consumer);
	h->stmt_bind_int64(s, 4, g->agreement);
	h->stmt_bind_text(s, 5, g->ruleset);
	h->stmt_bind_text(s, 6, v);
	h->stmt_bind_int64(s, 7, g->vat == 'S' ? RC_VAT_S_BP : 0);
	h->stmt_bind_int64(s, 8, g->terms);
	h->stmt_bind_text(s, 9, g->calendar);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE)
		return rch_fail(st, "new draft");
	st->invoice = h->db_last_id(st->db);
	st->key = g;
	st->position = 0;
	st->subtotal = 0;
	st->cc_mixed = 0;
	return 0;
}

/* Adds one priced charge to the engagement's group for its rate. */
static size_t
rch_group_add(struct rch_state *st, size_t hash, const char *description,
    const char *unit, int64_t quantity, int64_t unit_price, int64_t amount,
    char vat)
{
	struct rch_group *g;
	size_t i;

	for (i = st->eng_groups; i < st->ngroups; i++) {
		g = &st->groups[i];
		if (g->unit_price == unit_price && g->vat == vat &&
		    g->hash == hash && strcmp(g->description, description) == 0 &&
		    strcmp(g->unit, unit) == 0) {
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
	rch_copy(g->description, sizeof g->description, description);
	rch_copy(g->unit, sizeof g->unit, unit);
	g->hash = hash;
	g->unit_price = unit_price;
	g->quantity = quantity;
	g->amount = amount;
	g->vat = vat;
	return st->ngroups++;
}

/* The index of a rule-set hash among the draft's, added if new: lines
 * compare the index, not the text. */
static size_t
rch_hash_index(struct rch_state *st, const char *hash)
{
	size_t i;

	for (i = st->nhashes; i > 0; i--) {
		if (strcmp(st->hashes[i - 1], hash) == 0)
			return i - 1;
	}
	if (st->nhashes == st->hashes_cap) {
		st->hashes_cap = st->hashes_cap * 2 + 4;
		st->hashes = realloc(st->hashes, st->hashes_cap *
		    sizeof *st->hashes);
		if (st->hashes == NULL)
			abort();
	}
	rch_copy(st->hashes[st->nhashes], sizeof st->hashes[0], hash);
	return st->nhashes++;
}

/* Remembers that the engagement's group will bill the entry. */
static void
rch_link_add(struct rch_state *st, int64_t entry, size_t group)
{
	if (st->nlinks == st->links_cap) {
		st->links_cap = st->links_cap * 2 + 1024;
		st->links = realloc(st->links, st->links_cap *
		    sizeof *st->links);
		if (st->links == NULL)
			abort();
	}
	st->links[st->nlinks].line = (int64_t)group;
	st->links[st->nlinks].entry = entry;
	st->nlinks++;
}

/*
 * Prices the batch's entries (with one call into the rule set) and adds their charges to the engagement's groups, linking
 * each entry to every group its charges went to.
 */
static int
rch_batch_price(struct rch_state *st, const struct rch_eng *g)
{
	const struct ep_host *h = rch_host;
	struct rch_batch *b = st->batch;
	size_t i, j, k, n = b->n, failed = 0, seen[EP_FEE_MAX_LINES], nseen;
	size_t hash = 0;
	const char *last = NULL;

	b->n = 0;
	if (n == 0)
		return 0;
	b->out[0].size = sizeof b->out[0];
	if (h->fees_price_batch(st->fees, g->ruleset, NULL, b->in, n, b->out,
	    &failed) != 0) {
		snprintf(st->err, st->errlen, "entry %lld: %s",
		    (long long)b->id[failed], b->out[failed].error);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct ep_fee_result *res = &b->out[i];
		int64_t sign = b->sign[i];

		nseen = 0;
		if (last == NULL || strcmp(last, res->ruleset_hash) != 0) {
			hash = rch_hash_index(st, res->ruleset_hash);
			last = res->ruleset_hash;
		}
		for (j = 0; j < res->nlines; j++) {
			k = rch_group_add(st, hash,
			    res->lines[j].description, res->lines[j].unit,
			    sign * res->lines[j].quantity, res->lines[j].unit_price,
			    sign * res->lines[j].amount,
			    res->lines[j].vat ? res->lines[j].vat : g->vat);
			seen[nseen++] = k;
		}
		if (nseen == 0)
			seen[nseen++] = rch_group_add(st, hash,
			    "Time recorded, no charge", "each", 0, 0, 0, g->vat);
		for (j = 0; j < nseen; j++) {
			for (k = 0; k < j && seen[k] != seen[j]; k++)
				;
			if (k == j)
				rch_link_add(st, b->id[i], seen[j]);
		}
		st->done++;
		st->sum->entries++;
	}
	return 0;
}

static int
rch_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Reads the month's deferred entries into a sorted list, unless the
 * list was read at the store's data version now (version): no other
 * connection has committed since, so it holds. The version is taken
 * before the list is read, so a commit between the two reads it again.
 */
static int
rch_deferred_read(struct rch_state *st, int64_t version)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	int step;

	if (version >= 0 && version == st->def_version)
		return 0;
	if ((s = h->db_prepare(st->db, "SELECT entry_id FROM "
	    "recharge_deferrals WHERE period = ?")) == NULL)
		return rch_fail(st, "deferrals");
	h->stmt_bind_text(s, 1, st->period);
	st->ndeferred = 0;
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		if (st->ndeferred == st->deferred_cap) {
			st->deferred_cap = st->deferred_cap * 2 + 64;
			st->deferred = realloc(st->deferred, st->deferred_cap *
			    sizeof *st->deferred);
			if (st->deferred == NULL)
				abort();
		}
		st->deferred[st->ndeferred++] = h->stmt_int64(s, 0);
	}
	h->stmt_reset(s);
	if (step != EP_STEP_DONE)
		return rch_fail(st, "deferrals");
	if (st->ndeferred > 1)
		qsort(st->deferred, st->ndeferred, sizeof *st->deferred,
		    rch_id_cmp);
	st->def_version = version;
	return 0;
}

/* Whether the entry is deferred past this month. */
static int
rch_deferred(const struct rch_state *st, int64_t id)
{
	return st->ndeferred > 0 && bsearch(&id, st->deferred, st->ndeferred,
	    sizeof *st->deferred, rch_id_cmp) != NULL;
}

/* Prices the engagement's unbilled entries, as streamed in the index's
 * order (date, then id), a batch at a time; the month's deferred ones
 * (st->deferred) are passed over. */
static int
rch_price_entries(struct rch_state *st, const struct rch_eng *g)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(st->db, "SELECT t.id, t.entry_date, "
	    "t.minutes, t.activity, t.out_of_hours FROM time_entries t WHERE "
	    "t.engagement_id = ?3 AND t.state = 'approved' AND t.billable = 1 "
	    "AND t.entry_date < ?2 AND t.id NOT IN (SELECT b.entry_id FROM recharge_lines l JOIN recharge_invoices i ON i.id = "
	    "l.invoice_id JOIN recharge_billed b ON b.line_id = l.id WHERE "
	    "l.engagement_id = ?3 AND i.state = 'draft') ORDER BY t.entry_date, "
	    "t.id");
	struct rch_batch *b = st->batch;
	int rc = -1, step;

	if (s == NULL)
		return rch_fail(st, "entries");
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_text(s, 2, st->next);
	h->stmt_bind_int64(s, 3, g->id);
	b->n = 0;
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		struct ep_fee_entry *fe = &b->in[b->n];
		int64_t minutes, id = h->stmt_int64(s, 0);

		if (rch_deferred(st, id))
			continue;
		minutes = h->stmt_int64(s, 2);
		b->id[b->n] = id;
		b->sign[b->n] = minutes < 0 ? -1 : 1;
		rch_copy(b->date[b->n], sizeof b->date[b->n], h->stmt_text(s, 1));
		rch_copy(b->activity[b->n], sizeof b->activity[b->n],
		    h->stmt_text(s, 3));
		memset(fe, 0, sizeof *fe);
		fe->size = sizeof *fe;
		fe->minutes = minutes * b->sign[b->n];
		fe->date = b->date[b->n];
		fe->activity = b->activity[b->n];
		fe->out_of_hours = (int)h->stmt_int64(s, 4);
		fe->grade = g->grade;
		fe->basis = g->basis;
		fe->consumer = g->consumer_code;
		fe->provider = g->provider_code;
		fe->agreement = g->agreement;
		fe->vat = g->vat;
		fe->calendar = h->calendar_code(g->calendar);
		if (++b->n == RC_BATCH && rch_batch_price(st, g) != 0)
			goto out;
	}
	if (step != EP_STEP_DONE) {
		rch_fail(st, "reading entries");
		goto out;
	}
	rc = rch_batch_price(st, g);
out:
	h->stmt_reset(s);
	return rc;
}

/* Writes the lines gathered for an engagement (groups from..to). */
static int
rch_flush_engagement(struct rch_state *st, const struct rch_eng *g,
    size_t from, size_t to, int64_t *priced)
{
	size_t i;

	*priced = 0;
	for (i = from; i < to; i++) {
		struct rch_group *gr = &st->groups[i];

		gr->line = rch_line_add(st, "entries", g->id, gr->description,
		    gr->unit, gr->quantity, gr->unit_price, gr->amount, gr->vat,
		    st->hashes[gr->hash], g->po);
		if (gr->line == 0)
			return -1;
		*priced += gr->amount;
	}
	return 0;
}

static int
rch_link_cmp(const void *a, const void *b)
{
	const struct rch_link *x = a, *y = b;

	if (x->line != y->line)
		return (x->line > y->line) - (x->line < y->line);
	return (x->entry > y->entry) - (x->entry < y->entry);
}

/* Appends a separator and an entry id to the list being built, with
 * room left for its closing bracket. */
static void
rch_ids_add(struct rch_buf *b, char sep, int64_t id)
{
	char tmp[24];
	size_t n = 0;
	uint64_t v = id < 0 ? (uint64_t)0 - (uint64_t)id : (uint64_t)id;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (id < 0)
		tmp[n++] = '-';
	if (b->cap - b->len < n + 3) {
		b->cap = b->cap * 2 + n + 4096;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
	}
	b->s[b->len++] = sep;
	while (n > 0)
		b->s[b->len++] = tmp[--n];
}

/* Links one line to its entries, given as "[id,id,...]": one statement
 * a line, as a row at a time costs more than the row. */
static int
rch_bill_line(struct rch_state *st, int64_t line, struct rch_buf *ids)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(st->db, "INSERT INTO recharge_billed "
	    "(line_id, entry_id) SELECT ?1, value FROM json_each(?2)");
	int rc;

	ids->s[ids->len] = ']';
	ids->s[ids->len + 1] = '\0';
	if (s == NULL)
		return rch_fail(st, "billing entries");
	h->stmt_bind_int64(s, 1, line);
	h->stmt_bind_text(s, 2, ids->s);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	ids->len = 0;
	if (rc != EP_STEP_DONE) {
		snprintf(st->err, st->errlen, "billing entries of line %lld: %s",
		    (long long)line, h->db_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* Records which lines bill each entry of the draft, in key order: the
 * draft's lines are the newest, so the rows go on the table's end. */
static int
rch_bill_entries(struct rch_state *st)
{
	struct rch_buf ids = { NULL, 0, 0 };
	size_t i, j;
	int rc = 0;

	if (st->nlinks > 1)
		qsort(st->links, st->nlinks, sizeof *st->links, rch_link_cmp);
	for (i = 0; i < st->nlinks && rc == 0; i = j) {
		ids.len = 0;
		for (j = i; j < st->nlinks && st->links[j].line ==
		    st->links[i].line; j++)
			rch_ids_add(&ids, j == i ? '[' : ',', st->links[j].entry);
		rc = rch_bill_line(st, st->links[i].line, &ids);
	}
	rch_buf_free(&ids);
	st->nlinks = 0;
	return rc;
}

/* Fixed fees, budgets and bonus, once per engagement and month. */
static int
rch_engagement_terms(struct rch_state *st, const struct rch_eng *g,
    int64_t priced)
{
	const struct ep_host *h = rch_host;
	struct ep_fee_engagement in;
	struct ep_fee_result res;
	struct rch_eng_inputs kept;
	char *inputs;
	ep_stmt *s;
	int64_t before;
	size_t i;
	int rc;

	if (rch_scalar(st->db, "SELECT count(*) FROM recharge_terms t JOIN "
	    "recharge_invoices i ON i.id = t.invoice_id WHERE i.period = ?1 AND "
	    "i.state != 'draft' AND t.engagement_id = ?3", st->period, NULL,
	    g->id, 0) > 0)
		return 0;
	/* A line credited to be written off stays billed (migration 8). */
	before = rch_scalar(st->db, "SELECT coalesce(sum(CASE WHEN i.kind = "
	    "'credit' AND l.settle = 'rebill' THEN -l.amount WHEN i.kind = "
	    "'credit' THEN 0 ELSE l.amount END), 0) FROM recharge_lines "
	    "l JOIN recharge_invoices i ON i.id = l.invoice_id WHERE "
	    "l.engagement_id = ?3 AND l.expense_id IS NULL AND i.state != "
	    "'draft'", NULL, NULL, g->id, 0);
	/* The inputs, as JSON kept with the terms, and priced from that
	 * JSON read back: verify prices exactly what the run did. */
	s = h->db_prepare(st->db, RC_ENG_INPUTS);
	if (s == NULL)
		return rch_fail(st, "engagement inputs");
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_text(s, 2, st->next);
	h->stmt_bind_text(s, 3, st->start);
	h->stmt_bind_int64(s, 4, g->id);
	inputs = h->stmt_step(s) == EP_STEP_ROW ? strdup(h->stmt_text(s, 0)) :
	    NULL;
	h->stmt_reset(s);
	if (inputs == NULL)
		return rch_fail(st, "engagement inputs");
	memset(&in, 0, sizeof in);
	in.size = sizeof in;
	in.id = g->id;
	in.period = st->period;
	in.consumer = g->consumer_code;
	in.provider = g->provider_code;
	in.agreement = g->agreement;
	in.vat = g->vat;
	in.priced = priced;
	in.billed_before = before;
	if (rch_eng_inputs_read(st->db, inputs, &in, &kept, st->err,
	    st->errlen) != 0) {
		free(inputs);
		return -1;
	}
	if (rch_eng_price(st->fees, g->ruleset, NULL, &in, &kept, &res) != 0) {
		snprintf(st->err, st->errlen, "engagement %lld: %s",
		    (long long)g->id, res.error);
		free(inputs);
		return -1;
	}
	for (i = 0; i < res.nlines; i++) {
		if (rch_line_add(st, "engagement", g->id, res.lines[i].description,
		    res.lines[i].unit, res.lines[i].quantity,
		    res.lines[i].unit_price, res.lines[i].amount,
		    res.lines[i].vat ? res.lines[i].vat : g->vat,
		    res.ruleset_hash, g->po) == 0) {
			free(inputs);
			return -1;
		}
	}
	st->subtotal += res.total;
	rc = rch_terms_add(st, g->id, res.ruleset_hash, priced, before, -1,
	    inputs);
	free(inputs);
	return rc;
}

/* The store's change counter: it moves when another connection commits. */
static int64_t
rch_data_version(struct rch_state *st)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(st->db, "PRAGMA data_version");
	int64_t v = -1;

	if (s != NULL && h->stmt_step(s) == EP_STEP_ROW)
		v = h->stmt_int64(s, 0);
	if (s != NULL)
		h->stmt_reset(s);
	return v;
}

/* Reads and prices the draft's engagements' entries into lines and
 * links in memory, as the store stands at data version (0 throughout
 * a dry run, one transaction); nothing is written. */
static int
rch_draft_price(struct rch_state *st, const struct rch_eng *g, size_t n,
    int64_t version)
{
	size_t i;

	if (rch_deferred_read(st, version) != 0)
		return -1;
	if (n + 1 > st->first_cap) {
		st->first_cap = n + 64;
		st->first = realloc(st->first, st->first_cap * sizeof *st->first);
		if (st->first == NULL)
			abort();
	}
	st->ngroups = st->nlinks = st->nhashes = 0;
	for (i = 0; i < n; i++) {
		st->first[i] = st->eng_groups = st->ngroups;
		if (rch_price_entries(st, &g[i]) != 0)
			return -1;
		if (st->progress != NULL)
			st->progress(st->done, st->total, st->parg);
	}
	st->first[n] = st->ngroups;
	return 0;
}

/* The engagement's approved expenses, as lines of their own. */
static int
rch_draft_expenses(struct rch_state *st, const struct rch_eng *g)
{
	struct rch_expense_draft d;
	int64_t amount, n;

	d.invoice = st->invoice;
	d.engagement = g->id;
	d.next = st->next;
	d.po = g->po;
	d.vat = g->vat;
	if (rch_expense_lines(st->db, &d, &st->position, &amount, &n, st->err,
	    st->errlen) != 0)
		return -1;
	st->subtotal += amount;
	st->sum->lines += n;
	return 0;
}

/* Writes the priced draft: its invoice, lines, terms and links. */
static int
rch_draft_write(struct rch_state *st, const struct rch_eng *g, size_t n)
{
	int64_t priced;
	size_t i;

	if (rch_invoice_new(st, g) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(g[i].cost_centre, g[0].cost_centre) != 0)
			st->cc_mixed = 1;
		if (rch_flush_engagement(st, &g[i], st->first[i], st->first[i + 1],
		    &priced) != 0)
			return -1;
		st->subtotal += priced;
		if (rch_engagement_terms(st, &g[i], priced) != 0 ||
		    rch_draft_expenses(st, &g[i]) != 0)
			return -1;
	}
	for (i = 0; i < st->nlinks; i++)
		st->links[i].line = st->groups[st->links[i].line].line;
	return rch_invoice_finish(st) != 0 || rch_bill_entries(st) != 0 ? -1 : 0;
}

/*
 * Builds one draft from its engagements (same provider, consumer,
 * agreement, VAT category and purchase order) in one step: a crash
 * leaves the draft whole or not there. The entries are read and priced
 * before the step takes the write lock, so other writers have it
 * meanwhile; if another connection committed since (the store's change
 * counter moved), they are read and priced again inside the step.
 */
static int
rch_draft(struct rch_state *st, const struct rch_eng *g, size_t n)
{
	const struct ep_host *h = rch_host;
	char idtext[24], summary[200];
	int64_t entries = st->sum->entries, lines = st->sum->lines;
	int64_t done = st->done, version = 0;

	if (!st->dry_run && (version = rch_data_version(st)) < 0)
		return rch_fail(st, "data version");
	if (rch_draft_price(st, g, n, st->dry_run ? 0 : version) != 0 ||
	    rch_step_begin(st) != 0)
		return -1;
	if (!st->dry_run && ((version = rch_data_version(st)) !=
	    st->def_version || st->marked)) {
		st->done = done;
		st->sum->entries = entries;
		if (version < 0 || rch_draft_price(st, g, n, version) != 0)
			return -1;
	}
	if (rch_draft_write(st, g, n) != 0)
		return -1;
	if (!st->dry_run && st->position > 0) {
		snprintf(idtext, sizeof idtext, "%lld", (long long)st->invoice);
		snprintf(summary, sizeof summary, "{\"period\":\"%s\",\"run\":%lld,"
		    "\"entries\":%lld,\"lines\":%lld}", st->period,
		    (long long)st->run_id, (long long)(st->sum->entries - entries),
		    (long long)(st->sum->lines - lines));
		if (h->audit(st->db, NULL, "draft", "invoice", idtext, g->provider,
		    summary) != 0)
			return rch_fail(st, "audit");
	}
	return rch_step_commit(st);
}

static void
rch_eng_read(ep_stmt *s, struct rch_eng *g)
{
	const struct ep_host *h = rch_host;

	memset(g, 0, sizeof *g);
	g->id = h->stmt_int64(s, 0);
	g->provider = h->stmt_int64(s, 1);
	g->consumer = h->stmt_int64(s, 2);
	g->agreement = h->stmt_int64(s, 3);
	rch_copy(g->basis, sizeof g->basis, h->stmt_text(s, 4));
	g->budget = h->stmt_int64(s, 5);
	rch_copy(g->ends, sizeof g->ends, h->stmt_text(s, 6));
	rch_copy(g->completed, sizeof g->completed, h->stmt_text(s, 7));
	rch_copy(g->grade, sizeof g->grade, h->stmt_text(s, 8));
	rch_copy(g->provider_code, sizeof g->provider_code, h->stmt_text(s, 9));
	rch_copy(g->consumer_code, sizeof g->consumer_code, h->stmt_text(s, 10));
	rch_copy(g->ruleset, sizeof g->ruleset, h->stmt_text(s, 11));
	g->vat = h->stmt_text(s, 12)[0];
	g->cap = h->stmt_int64(s, 13);
	g->terms = h->stmt_int64(s, 14);
	g->open = h->stmt_int64(s, 17);
	rch_copy(g->calendar, sizeof g->calendar, h->stmt_text(s, 18));
	if ((g->po = strdup(h->stmt_text(s, 15))) == NULL ||
	    (g->cost_centre = strdup(h->stmt_text(s, 16))) == NULL)
		abort();
}

/* Every engagement with something to bill this month, in invoice order:
 * one draft per provider, consumer, agreement, VAT category and PO. */
#define RC_ENGAGEMENTS "WITH g AS (SELECT e.*, coalesce(e.agreement_id, " \
	"(SELECT a.id FROM agreements a WHERE a.provider_id = e.provider_id " \
	"AND a.consumer_id = e.consumer_id AND a.valid_from < ?2 AND " \
	"(a.valid_to IS NULL OR a.valid_to >= ?3) ORDER BY a.valid_from DESC " \
	"LIMIT 1), (SELECT a.id FROM agreements a WHERE a.provider_id IS NULL " \
	"AND a.valid_from < ?2 AND (a.valid_to IS NULL OR a.valid_to >= ?3) " \
	"ORDER BY a.valid_from DESC LIMIT 1)) AS agreement FROM engagements e " \
	"WHERE EXISTS (SELECT 1 FROM time_entries t WHERE t.engagement_id = " \
	"e.id AND " RC_OPEN_ONCE " AND " RC_UNBILLED("e.id") ") OR " \
	"EXISTS (SELECT 1 FROM expenses x WHERE x.engagement_id = e.id AND " \
	"x.state = 'approved' AND x.spent_on < ?2) OR " \
	"(london_date(e.completed_at) >= ?3 AND " \
	"london_date(e.completed_at) < ?2) OR EXISTS (SELECT 1 FROM milestones m " \
	"WHERE m.offer_id = e.offer_id AND m.done >= ?3 AND m.done < ?2) OR " \
	RC_DONE_CARRIED " OR EXISTS (SELECT 1 FROM milestones m WHERE " \
	"m.offer_id = e.offer_id AND " RC_MS_CARRIED("m") ")) " \
	"SELECT g.id, g.provider_id, " \
	"g.consumer_id, coalesce(g.agreement, 0), g.basis, " \
	"coalesce(g.budget_pence, -1), g.ends, " \
	"coalesce(london_date(g.completed_at), ''), x.grade, p.code, c.code, " \
	"coalesce(a.ruleset, 'standard'), coalesce(a.vat_category, 'S'), " \
	"coalesce(a.monthly_cap_pence, -1), coalesce(a.payment_terms_days, " \
	"c.payment_terms_days), coalesce(q.po_reference, ''), " \
	"coalesce(nullif(g.ledger_code, ''), q.cost_centre, ''), (SELECT count(*) FROM time_entries t " \
	"WHERE t.engagement_id = g.id AND " RC_OPEN_ONCE "), p.calendar " \
	"FROM g JOIN experts x " \
	"ON x.id = " \
	"g.expert_id JOIN organisations p ON p.id = g.provider_id JOIN " \
	"organisations c ON c.id = g.consumer_id JOIN requests q ON q.id = " \
	"g.request_id LEFT JOIN agreements a ON a.id = g.agreement WHERE " \
	"?4 = 0 OR g.provider_id = ?4 ORDER BY " \
	"c.code, p.code, coalesce(g.agreement, 0), coalesce(a.vat_category, " \
	"'S'), coalesce(q.po_reference, ''), g.id"

static void
rch_engs_free(struct rch_eng *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].po);
		free(v[i].cost_centre);
	}
	free(v);
}

/* Reads the month's engagements whole before the first draft's step, so
 * no statement stays open across the steps' commits. */
static int
rch_engagements(struct rch_state *st, struct rch_eng **out, size_t *nout)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(st->db, RC_ENGAGEMENTS);
	struct rch_eng *v = NULL;
	size_t n = 0, cap = 0;
	int step;

	*out = NULL;
	*nout = 0;
	if (s == NULL)
		return rch_fail(st, "engagements");
	h->stmt_bind_text(s, 1, st->period);
	h->stmt_bind_text(s, 2, st->next);
	h->stmt_bind_text(s, 3, st->start);
	h->stmt_bind_int64(s, 4, st->provider);
	while ((step = h->stmt_step(s)) == EP_STEP_ROW) {
		if (n == cap) {
			cap = cap * 2 + 64;
			if ((v = realloc(v, cap * sizeof *v)) == NULL)
				abort();
		}
		rch_eng_read(s, &v[n++]);
	}
	h->stmt_reset(s);
	if (step != EP_STEP_DONE) {
		rch_engs_free(v, n);
		return rch_fail(st, "engagements");
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Whether two engagements' time goes on the same draft. */
static int
rch_same_draft(const struct rch_eng *a, const struct rch_eng *b)
{
	return a->provider == b->provider && a->consumer == b->consumer &&
	    a->agreement == b->agreement && a->vat == b->vat &&
	    strcmp(a->po, b->po) == 0;
}

/* How many entries the run will price, for its progress: the open ones
 * of the month's engagements less those other months' drafts hold. From
 * the drafts to their links (CROSS JOIN fixes the order): the other way,
 * from every link ever made, reads the whole history of invoices. */
static int64_t
rch_count(struct rch_state *st, const struct rch_eng *v, size_t n)
{
	int64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += v[i].open;
	return total - rch_scalar(st->db, "SELECT count(DISTINCT b.entry_id) "
	    "FROM recharge_invoices i CROSS JOIN recharge_lines l ON "
	    "l.invoice_id = i.id CROSS JOIN recharge_billed b ON b.line_id = "
	    "l.id CROSS JOIN time_entries t ON t.id = b.entry_id WHERE i.state "
	    "= 'draft' AND (?3 IS NULL OR i.provider_id = ?3) AND "
	    RC_OPEN_ONCE, st->period, st->next, st->provider, 0);
}

/* Tells whoever started the run how it ended, inside the step that ends
 * it: what it made, or why it stopped. */
static int
rch_run_tell(struct rch_state *st, int ok)
{
	const struct ep_host *h = rch_host;
	const struct rch_run_summary *out = st->sum;
	char subject[80], body[800], net[32];

	if (st->tell <= 0)
		return 0;
	h->pence_text(net, sizeof net, out->net);
	snprintf(subject, sizeof subject, "Invoice run for %s %s", st->period,
	    ok ? "finished" : "failed");
	if (ok)
		snprintf(body, sizeof body, "The invoice run for %s has finished: "
		    "%lld draft invoices from %lld entries, %s before VAT.\n\n"
		    "Review the drafts and issue them from the invoices page.",
		    st->period, (long long)out->invoices, (long long)out->entries,
		    net);
	else
		snprintf(body, sizeof body, "The invoice run for %s stopped: %s\n\n"
		    "Drafts it finished are kept. Put the problem right and run "
		    "the month again from the invoices page.", st->period, st->err);
	return h->notify_person(st->db, st->tell, subject, body, "/invoices");
}

/* The run's last step: its audit event, and the claim marked done. */
static int
rch_run_done(struct rch_state *st)
{
	const struct ep_host *h = rch_host;
	const struct rch_run_summary *out = st->sum;
	char summary[200];

	if (st->dry_run)
		return 0;
	if (rch_step_begin(st) != 0)
		return -1;
	snprintf(summary, sizeof summary, "{\"period\":\"%s\",\"run\":%lld,"
	    "\"provider\":%lld,\"entries\":%lld,\"invoices\":%lld,"
	    "\"net\":%lld}", st->period, (long long)st->run_id,
	    (long long)st->provider, (long long)out->entries,
	    (long long)out->invoices, (long long)out->net);
	if (h->audit(st->db, NULL, "run", "invoice-run", st->period,
	    st->provider, summary) != 0)
		return rch_fail(st, "audit");
	if (rch_run_tell(st, 1) != 0)
		return rch_fail(st, "outbox");
	if (rch_do(st, "UPDATE recharge_runs SET state = 'done', finished_at = "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?2", st->run_id,
	    "runs") != 0)
		return -1;
	return rch_step_commit(st);
}

/* Marks a failed run's claim, so the next run need not wait for it. */
static void
rch_run_failed(struct rch_state *st)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;

	if (st->dry_run || st->run_id == 0 || h->db_begin(st->db) != 0)
		return;
	s = h->db_prepare(st->db, "UPDATE recharge_runs SET state = 'failed', "
	    "error = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
	    "WHERE id = ? AND state = 'running'");
	if (s != NULL) {
		h->stmt_bind_text(s, 1, st->err);
		h->stmt_bind_int64(s, 2, st->run_id);
		h->stmt_step(s);
		h->stmt_reset(s);
	}
	rch_run_tell(st, 0);
	if (h->db_commit(st->db) != 0)
		h->db_rollback(st->db);
}

/*
 * The run for a month, of one provider's drafts (a council's finance
 * officer runs their own) or, with provider 0, the whole consortium's.
 * It claims the month for them (runs whose councils overlap wait for one
 * another), drops their drafts of the month and builds them again from
 * every approved entry on no draft (of the month or earlier: late approvals,
 * adjustments, lines excluded last month), committing each draft in a
 * step of its own so other writers get their turns; a crash leaves every
 * draft whole or absent, and the next run of the month starts over. An
 * entry is taken only when no draft holds it as the store stands in the
 * step that links it, so running again never bills an entry twice. A
 * dry run is one transaction, rolled back: it reports and saves nothing.
 */
int
rch_run(ep_db *db, ep_fees *f, const char *period, int64_t provider,
    int dry_run, int64_t tell, FILE *report, rch_progress_fn progress,
    void *parg, struct rch_run_summary *out, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	struct rch_state st;
	struct rch_mark_pace pace = { RC_MARK_CHUNK, 0, 0 };
	struct rch_eng *engs = NULL;
	size_t neng = 0, i, j;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&st, 0, sizeof st);
	if (!rch_host->month_ok(period)) {
		snprintf(err, len, "period: \"%s\" is not a month as YYYY-MM",
		    period ? period : "");
		return -1;
	}
	st.db = db;
	st.fees = f;
	st.period = period;
	st.provider = provider;
	snprintf(st.start, sizeof st.start, "%s-01", period);
	rch_period_next(period, st.next);
	st.report = report;
	st.progress = progress;
	st.parg = parg;
	st.dry_run = dry_run;
	st.tell = tell;
	st.sum = out;
	st.err = err;
	st.errlen = len;
	st.def_version = -1;
	err[0] = '\0';
	if ((st.batch = malloc(sizeof *st.batch)) == NULL)
		abort();
	if (dry_run) {
		if (h->db_begin(db) != 0) {
			snprintf(err, len, "cannot begin: %s", h->db_errmsg(db));
			goto out;
		}
		st.in_tx = 1;
		if (rch_run_busy(&st) != 0)
			goto out;
		if (rch_mark_invoiced(db) < 0) {
			rch_fail(&st, "marking invoiced entries");
			goto out;
		}
	} else if (rch_claim(&st) != 0 || rch_mark_chunked(db, &pace, err,
	    len) != 0)
		goto out;
	if (rch_drop_drafts(&st) != 0)
		goto out;
	if (rch_engagements(&st, &engs, &neng) != 0)
		goto out;
	st.total = rch_count(&st, engs, neng);
	if (progress != NULL)
		progress(0, st.total, parg);
	for (i = 0; i < neng; i = j) {
		for (j = i + 1; j < neng && rch_same_draft(&engs[i], &engs[j]); j++)
			;
		if (rch_draft(&st, engs + i, j - i) != 0)
			goto out;
	}
	if (progress != NULL)
		progress(st.done, st.done, parg);
	if (rch_run_done(&st) != 0)
		goto out;
	rc = 0;
out:
	if (st.in_tx)
		h->db_rollback(db);
	if (rc != 0)
		rch_run_failed(&st);
	rch_engs_free(engs, neng);
	free(st.batch);
	free(st.groups);
	free(st.first);
	free(st.links);
	free(st.hashes);
	free(st.deferred);
	return rc;
}

/* Takes a slot for a job's run; -1 when all are taken (progress then
 * shows at the end only). */
static int
rch_live_begin(ep_job *job, const char *period, int64_t provider)
{
	int i, slot = -1;

	pthread_mutex_lock(&rch_live_lock);
	for (i = 0; i < RC_LIVE_SLOTS && slot < 0; i++) {
		if (rch_live[i].job == NULL) {
			slot = i;
			rch_live[i].job = job;
			rch_copy(rch_live[i].period, sizeof rch_live[i].period, period);
			rch_live[i].provider = provider;
			rch_live[i].done = rch_live[i].total = 0;
		}
	}
	pthread_mutex_unlock(&rch_live_lock);
	return slot;
}

static void
rch_live_end(int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&rch_live_lock);
	rch_live[slot].job = NULL;
	pthread_mutex_unlock(&rch_live_lock);
}

/* How far the running job for the period and provider (0: the whole
 * consortium) has got: 1 with its counts, or 0 when no such run is
 * counting yet. A second such run is refused while the first runs. */
int
rch_run_live(const char *period, int64_t provider, int64_t *done,
    int64_t *total)
{
	int i, found = 0;

	pthread_mutex_lock(&rch_live_lock);
	for (i = 0; i < RC_LIVE_SLOTS; i++) {
		if (rch_live[i].job != NULL && rch_live[i].total > 0 &&
		    rch_live[i].provider == provider &&
		    strcmp(rch_live[i].period, period) == 0) {
			*done = rch_live[i].done;
			*total = rch_live[i].total;
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&rch_live_lock);
	return found;
}

struct rch_job_arg {
	ep_job *job;
	int slot;
};

static void
rch_job_progress(int64_t done, int64_t total, void *arg)
{
	struct rch_job_arg *a = arg;

	if (a->slot >= 0) {
		pthread_mutex_lock(&rch_live_lock);
		rch_live[a->slot].done = done;
		rch_live[a->slot].total = total;
		pthread_mutex_unlock(&rch_live_lock);
	}
	rch_host->job_progress(a->job, done, total);
}

/* A run job's argument, "PERIOD" or "PERIOD:PROVIDER": 0 when well
 * formed, with the period copied out and the provider (0: everyone). */
int
rch_run_arg(const char *arg, char period[8], int64_t *provider)
{
	char *end;

	*provider = 0;
	if (arg == NULL || strlen(arg) < 7)
		return -1;
	memcpy(period, arg, 7);
	period[7] = '\0';
	if (!rch_host->month_ok(period))
		return -1;
	if (arg[7] == '\0')
		return 0;
	if (arg[7] != ':')
		return -1;
	*provider = strtoll(arg + 8, &end, 10);
	return *end == '\0' && *provider > 0 ? 0 : -1;
}

/* The run as a background job; the argument as rch_run_arg reads it. */
int
rch_run_job(ep_job *job, ep_db *db, const char *arg, void *udata)
{
	const struct ep_host *h = rch_host;
	struct rch_run_summary sum;
	struct rch_job_arg a;
	char err[512], period[8];
	int64_t provider;
	ep_fees *f;
	int rc;

	(void)udata;
	if ((f = h->fees_open(db, err, sizeof err)) == NULL) {
		h->job_fail(job, err);
		return -1;
	}
	if (rch_run_arg(arg, period, &provider) != 0) {
		h->fees_close(f);
		h->job_fail(job, "period: not a month as YYYY-MM");
		return -1;
	}
	a.job = job;
	a.slot = rch_live_begin(job, period, provider);
	rc = rch_run(db, f, period, provider, 0, h->job_person(job), NULL,
	    rch_job_progress, &a, &sum, err, sizeof err);
	rch_live_end(a.slot);
	h->fees_close(f);
	if (rc != 0)
		h->job_fail(job, err);
	return rc;
}
