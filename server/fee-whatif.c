/* fee-whatif.c: re-pricing a past month's invoices with a candidate rule
 * set, changing nothing. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

/* The views the recharge plugin provides for this (its migrations 4, 5). */
static const char *const whatif_views[] = { "fee_priced_invoices",
	"fee_priced_entries", "fee_priced_terms", NULL };

struct whatif_invoice {
	int64_t id, agreement, net;
	char consumer[16], provider[16], vat;
};

/* One consumer's figures, and what its invoices so far moved by: the
 * volume discount of a later invoice counts the earlier ones' totals. */
struct whatif_acc {
	struct fee_whatif_row row;
	char consumer[16];
	int64_t moved;
	int64_t *agreements, *agreement_moved;
	size_t nagreements;
};

/* An engagement's entry charges on one invoice under the candidate. */
struct whatif_eng {
	int64_t id, priced;
};

struct whatif {
	struct ep_db *db;
	struct fee_ruleset *rs;
	const char *period;
	struct fee_lines lines;
	struct whatif_eng *engs;
	size_t nengs, engs_cap;
	int64_t priced;
	fee_whatif_progress_cb progress;
	void *arg;
	char **err;
};

static int
whatif_have_views(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE name IN (?1, ?2, ?3) AND type IN ('view', 'table')");
	int n = 0;

	if (s == NULL)
		return 0;
	sqlite3_bind_text(s, 1, whatif_views[0], -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, whatif_views[1], -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, whatif_views[2], -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n == 3;
}

static const char *
whatif_text(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	return t ? t : "";
}

/* The month's invoices, whole, before any is priced. */
static int
whatif_invoices(struct whatif *w, const char *party,
    struct whatif_invoice **out, size_t *nout)
{
	sqlite3_stmt *s = db_stmt(w->db, "SELECT invoice_id, consumer_code, "
	    "provider_code, agreement_id, vat, net_pence FROM fee_priced_invoices "
	    "WHERE period = ?1 AND (?2 IS NULL OR consumer_code = ?2 OR "
	    "provider_code = ?2) ORDER BY consumer_code, invoice_id");
	struct whatif_invoice *v = NULL, *x;
	size_t n = 0;
	int step;

	*out = NULL;
	*nout = 0;
	if (s == NULL) {
		*w->err = xprintf("fee_priced_invoices: %s", db_errmsg(w->db));
		return FEE_E_STORE;
	}
	sqlite3_bind_text(s, 1, w->period, -1, SQLITE_STATIC);
	if (party != NULL)
		sqlite3_bind_text(s, 2, party, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof *v);
		x = &v[n++];
		x->id = sqlite3_column_int64(s, 0);
		snprintf(x->consumer, sizeof x->consumer, "%s", whatif_text(s, 1));
		snprintf(x->provider, sizeof x->provider, "%s", whatif_text(s, 2));
		x->agreement = sqlite3_column_int64(s, 3);
		x->vat = whatif_text(s, 4)[0] == 'O' ? 'O' : 'S';
		x->net = sqlite3_column_int64(s, 5);
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		free(v);
		*w->err = xprintf("fee_priced_invoices: %s", db_errmsg(w->db));
		return FEE_E_STORE;
	}
	*out = v;
	*nout = n;
	return FEE_OK;
}

/*
 * Whether fee_priced_entries has the calendar each entry's invoice was
 * priced with (recharge migration 5); a view without it stands for
 * invoices priced in England and Wales, the only calendar there was.
 */
static int
whatif_have_calendar(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT count(*) FROM pragma_table_info("
	    "'fee_priced_entries') WHERE name = 'calendar'");
	int n = 0;

	if (s == NULL)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n == 1;
}

/* Prices the invoice's entries into *subtotal, by engagement in w->engs. */
static int
whatif_entries(struct whatif *w, const struct whatif_invoice *inv,
    struct fee_whatif_row *row, int64_t *subtotal)
{
	sqlite3_stmt *s = db_stmt(w->db, whatif_have_calendar(w->db) ?
	    "SELECT entry_id, engagement_id, entry_date, minutes, activity, "
	    "out_of_hours, grade, basis, charged_pence, calendar FROM "
	    "fee_priced_entries WHERE invoice_id = ? ORDER BY engagement_id, "
	    "entry_id" : "SELECT entry_id, engagement_id, entry_date, minutes, "
	    "activity, out_of_hours, grade, basis, charged_pence, "
	    "'england-and-wales' FROM fee_priced_entries WHERE invoice_id = ? "
	    "ORDER BY engagement_id, entry_id");
	struct fee_entry e;
	char *perr = NULL;
	int64_t eng;
	int st, step;

	w->nengs = 0;
	*subtotal = 0;
	if (s == NULL) {
		*w->err = xprintf("fee_priced_entries: %s", db_errmsg(w->db));
		return FEE_E_STORE;
	}
	sqlite3_bind_int64(s, 1, inv->id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof e);
		e.consumer = inv->consumer;
		e.provider = inv->provider;
		e.agreement = inv->agreement;
		e.vat = inv->vat;
		e.date = whatif_text(s, 2);
		e.minutes = sqlite3_column_int64(s, 3);
		e.activity = whatif_text(s, 4);
		e.out_of_hours = sqlite3_column_int(s, 5) != 0;
		e.grade = whatif_text(s, 6);
		e.basis = whatif_text(s, 7);
		e.calendar = whatif_text(s, 9);
		st = fee_price(w->rs, &e, &w->lines, &perr);
		if (st != FEE_OK) {
			*w->err = xprintf("entry %lld: %s",
			    (long long)sqlite3_column_int64(s, 0), perr);
			free(perr);
			sqlite3_reset(s);
			return st;
		}
		eng = sqlite3_column_int64(s, 1);
		if (w->nengs == 0 || w->engs[w->nengs - 1].id != eng) {
			if (w->nengs == w->engs_cap) {
				w->engs_cap = w->engs_cap * 2 + 16;
				w->engs = xrealloc(w->engs, w->engs_cap *
				    sizeof *w->engs);
			}
			w->engs[w->nengs].id = eng;
			w->engs[w->nengs++].priced = 0;
		}
		w->engs[w->nengs - 1].priced += w->lines.total;
		*subtotal += w->lines.total;
		row->entries++;
		if (w->lines.total != sqlite3_column_int64(s, 8))
			row->changed++;
		if (++w->priced % 4096 == 0 && w->progress != NULL)
			w->progress(w->priced, w->arg);
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		*w->err = xprintf("fee_priced_entries: %s", db_errmsg(w->db));
		return FEE_E_STORE;
	}
	return FEE_OK;
}

/* The candidate's engagement lines for one set of engagement terms. */
static int
whatif_engagement(struct whatif *w, const struct whatif_invoice *inv,
    int64_t id, int64_t billed_before, const char *inputs, int64_t *total)
{
	struct fee_milestone ms[64];
	struct fee_engagement_in g;
	json_t *root, *list, *m;
	json_error_t jerr;
	char *perr = NULL;
	size_t i, n;
	int st;

	*total = 0;
	if ((root = json_loads(inputs, 0, &jerr)) == NULL) {
		*w->err = xprintf("engagement %lld: its terms' inputs cannot be "
		    "read: %s", (long long)id, jerr.text);
		return FEE_E_STORE;
	}
	memset(&g, 0, sizeof g);
	g.id = id;
	g.period = w->period;
	g.consumer = inv->consumer;
	g.provider = inv->provider;
	g.agreement = inv->agreement;
	g.vat = inv->vat;
	g.basis = json_string_value(json_object_get(root, "basis"));
	g.budget = json_integer_value(json_object_get(root, "budget"));
	g.fixed_fee = json_integer_value(json_object_get(root, "fixed_fee"));
	g.bonus = json_integer_value(json_object_get(root, "bonus"));
	g.due = json_string_value(json_object_get(root, "due"));
	g.completed = json_string_value(json_object_get(root, "completed"));
	g.billed_before = billed_before;
	for (i = 0; i < w->nengs; i++) {
		if (w->engs[i].id == id)
			g.priced = w->engs[i].priced;
	}
	list = json_object_get(root, "milestones");
	n = json_array_size(list);
	if (n > nitems(ms))
		n = nitems(ms);
	for (i = 0; i < n; i++) {
		m = json_array_get(list, i);
		ms[i].name = json_string_value(json_object_get(m, "name"));
		ms[i].amount = json_integer_value(json_object_get(m, "amount"));
		ms[i].done = json_string_value(json_object_get(m, "done"));
	}
	g.milestones = n > 0 ? ms : NULL;
	g.nmilestones = n;
	if (g.basis == NULL)
		g.basis = "hourly";
	st = fee_engagement(w->rs, &g, &w->lines, &perr);
	json_decref(root);
	if (st != FEE_OK) {
		*w->err = xprintf("engagement %lld: %s", (long long)id, perr);
		free(perr);
		return st;
	}
	*total = w->lines.total;
	return FEE_OK;
}

/* How much the consumer's earlier invoices under agreement moved by. */
static int64_t *
whatif_agreement_moved(struct whatif_acc *a, int64_t agreement)
{
	size_t i;

	for (i = 0; i < a->nagreements; i++) {
		if (a->agreements[i] == agreement)
			return &a->agreement_moved[i];
	}
	a->agreements = xrealloc(a->agreements, (a->nagreements + 1) *
	    sizeof *a->agreements);
	a->agreement_moved = xrealloc(a->agreement_moved,
	    (a->nagreements + 1) * sizeof *a->agreement_moved);
	a->agreements[a->nagreements] = agreement;
	a->agreement_moved[a->nagreements] = 0;
	return &a->agreement_moved[a->nagreements++];
}

/*
 * One invoice under the candidate: its entries, then the terms it was
 * priced with (engagements, then the invoice's own), the invoice's
 * volume discount and monthly cap counting what the consumer's earlier
 * invoices came to under the candidate.
 */
static int
whatif_invoice(struct whatif *w, const struct whatif_invoice *inv,
    struct whatif_acc *a)
{
	sqlite3_stmt *s;
	struct fee_invoice_in v;
	int64_t subtotal, total, eng, *moved, net;
	char *perr = NULL, *inputs;
	int st, step;

	st = whatif_entries(w, inv, &a->row, &subtotal);
	if (st != FEE_OK)
		return st;
	s = db_stmt(w->db, "SELECT engagement_id, priced, billed_before, cap, "
	    "inputs FROM fee_priced_terms WHERE invoice_id = ? ORDER BY "
	    "engagement_id = 0, engagement_id");
	if (s == NULL) {
		*w->err = xprintf("fee_priced_terms: %s", db_errmsg(w->db));
		return FEE_E_STORE;
	}
	sqlite3_bind_int64(s, 1, inv->id);
	net = subtotal;
	moved = whatif_agreement_moved(a, inv->agreement);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		eng = sqlite3_column_int64(s, 0);
		if (eng != 0) {
			inputs = xstrdup(whatif_text(s, 4));
			st = whatif_engagement(w, inv, eng,
			    sqlite3_column_int64(s, 2), inputs, &total);
			free(inputs);
			if (st != FEE_OK)
				break;
			subtotal += total;
			net = subtotal;
			continue;
		}
		memset(&v, 0, sizeof v);
		v.period = w->period;
		v.consumer = inv->consumer;
		v.provider = inv->provider;
		v.agreement = inv->agreement;
		v.vat = inv->vat;
		v.subtotal = subtotal;
		v.consumer_before = sqlite3_column_int64(s, 2) + a->moved;
		v.cap = sqlite3_column_int64(s, 3);
		if (v.cap >= 0)
			v.cap = v.cap - *moved > 0 ? v.cap - *moved : 0;
		st = fee_invoice(w->rs, &v, &w->lines, &perr);
		if (st != FEE_OK) {
			*w->err = xprintf("invoice %lld: %s", (long long)inv->id,
			    perr);
			free(perr);
			break;
		}
		net = subtotal + w->lines.total;
		if (net < 0)
			net = 0;
	}
	sqlite3_reset(s);
	if (st != FEE_OK)
		return st;
	if (step != SQLITE_DONE) {
		*w->err = xprintf("fee_priced_terms: %s", db_errmsg(w->db));
		return FEE_E_STORE;
	}
	a->row.invoices++;
	a->row.old_total += inv->net;
	a->row.new_total += net;
	a->moved += net - inv->net;
	*moved += net - inv->net;
	return FEE_OK;
}

/*
 * Prices the month's invoices again with the candidate at candidate_path
 * (the period is the invoices', as a run's) and calls cb once per
 * consumer (ordered by code) with what its invoices came to before VAT
 * and what they would under the candidate: each invoice's time entries,
 * its engagements' terms from the inputs they were priced with, and its
 * invoice terms. With party (an organisation's code), only the invoices
 * it is a party to. Changes nothing in the store; if anything fails to
 * price, no row is reported at all. The views missing is FEE_E_NOTFOUND:
 * the store has no priced invoices. progress, if not NULL, is told the
 * count of entries priced every 4,096 and at the end.
 */
int
fee_whatif(struct ep_db *db, struct fee_engine *fe, const char *period,
    const char *party, const char *candidate_path, fee_whatif_cb cb,
    fee_whatif_progress_cb progress, void *arg, char **err)
{
	struct whatif w;
	struct whatif_invoice *inv = NULL;
	struct whatif_acc *acc = NULL;
	size_t ninv = 0, nacc = 0, i;
	struct stat sb;
	char *tests;
	int st = FEE_OK;

	if (!units_month_ok(period)) {
		*err = xprintf("period: must be a month, YYYY-MM");
		return FEE_E_INPUT;
	}
	if (strlen(candidate_path) <= 4) {
		*err = xprintf("ruleset: %s is not a .lua file", candidate_path);
		return FEE_E_INPUT;
	}
	if (!whatif_have_views(db)) {
		*err = xprintf("no priced entries in this store (nothing "
		    "provides the %s, %s and %s views)", whatif_views[0],
		    whatif_views[1], whatif_views[2]);
		return FEE_E_NOTFOUND;
	}
	memset(&w, 0, sizeof w);
	w.db = db;
	w.period = period;
	w.progress = progress;
	w.arg = arg;
	w.err = err;
	tests = xprintf("%.*s_test.lua", (int)strlen(candidate_path) - 4,
	    candidate_path);
	w.rs = fee_load(fe, candidate_path, stat(tests, &sb) == 0, err);
	free(tests);
	if (w.rs == NULL)
		return FEE_E_INPUT;
	if ((st = whatif_invoices(&w, party, &inv, &ninv)) != FEE_OK)
		goto out;
	for (i = 0; i < ninv && st == FEE_OK; i++) {
		if (nacc == 0 || strcmp(acc[nacc - 1].consumer,
		    inv[i].consumer) != 0) {
			acc = xrealloc(acc, (nacc + 1) * sizeof *acc);
			memset(&acc[nacc], 0, sizeof *acc);
			snprintf(acc[nacc].consumer, sizeof acc[nacc].consumer,
			    "%s", inv[i].consumer);
			nacc++;
		}
		st = whatif_invoice(&w, &inv[i], &acc[nacc - 1]);
	}
	if (st != FEE_OK)
		goto out;
	if (progress != NULL)
		progress(w.priced, arg);
	for (i = 0; i < nacc; i++) {
		acc[i].row.consumer = acc[i].consumer;	/* acc has moved */
		cb(&acc[i].row, arg);
	}
out:
	for (i = 0; i < nacc; i++) {
		free(acc[i].agreements);
		free(acc[i].agreement_moved);
	}
	free(acc);
	free(inv);
	free(w.engs);
	fee_lines_free(&w.lines);
	fee_ruleset_free(w.rs);
	return st;
}
