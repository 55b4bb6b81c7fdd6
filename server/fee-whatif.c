/* fee-whatif.c: re-pricing a past month with a candidate rule set. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

struct whatif_acc {
	char consumer[16];
	int64_t entries;
	int64_t old_total;
	int64_t new_total;
	int64_t changed;
};

/* True when something provides the priced-entries view. */
static int
whatif_have_view(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT 1 FROM sqlite_master "
	    "WHERE name = 'fee_priced_entries' AND type IN ('view', 'table')");
	int yes;

	if (s == NULL)
		return 0;
	yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return yes;
}

static const char *
whatif_text(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);

	return t ? t : "";
}

/*
 * Prices every entry of the period in fee_priced_entries with the candidate
 * at candidate_path and calls cb once per consumer (ordered by code) with
 * the charged total and the candidate's. With party (an organisation's
 * code), only the entries it provided or consumed: what it is a party to. Changes nothing in the store; if
 * any entry fails to price, no row is reported at all. The view missing
 * is FEE_E_NOTFOUND: the store has no priced entries. progress, if not
 * NULL, is told the count of entries priced every 4,096 and at the end.
 */
int
fee_whatif(struct ep_db *db, struct fee_engine *fe, const char *period,
    const char *party, const char *candidate_path, fee_whatif_cb cb,
    fee_whatif_progress_cb progress, void *arg, char **err)
{
	struct fee_ruleset *rs = NULL;
	struct fee_lines lines = { 0 };
	struct whatif_acc *acc = NULL;
	struct fee_whatif_row row;
	sqlite3_stmt *s;
	size_t nacc = 0, i;
	struct stat sb;
	int64_t priced = 0;
	char *tests;
	char from[16], to[32];
	int st = FEE_OK, y, m, step;

	if (!fee_valid_period(period)) {
		*err = xprintf("period: must be a month, YYYY-MM");
		return FEE_E_INPUT;
	}
	if (strlen(candidate_path) <= 4) {
		*err = xprintf("ruleset: %s is not a .lua file", candidate_path);
		return FEE_E_INPUT;
	}
	if (!whatif_have_view(db)) {
		*err = xprintf("no priced entries in this store "
		    "(nothing provides the fee_priced_entries view)");
		return FEE_E_NOTFOUND;
	}
	tests = xprintf("%.*s_test.lua", (int)strlen(candidate_path) - 4,
	    candidate_path);
	rs = fee_load(fe, candidate_path, stat(tests, &sb) == 0, err);
	free(tests);
	if (rs == NULL)
		return FEE_E_INPUT;
	y = atoi(period);
	m = atoi(period + 5);
	snprintf(from, sizeof from, "%s-01", period);
	snprintf(to, sizeof to, "%04d-%02d-01", m == 12 ? y + 1 : y,
	    m == 12 ? 1 : m + 1);
	s = db_stmt(db, "SELECT p.entry_id, p.consumer_code, p.provider_code, "
	    "p.agreement_id, p.entry_date, p.minutes, p.activity, "
	    "p.out_of_hours, p.grade, p.basis, p.charged_pence, "
	    "coalesce(a.vat_category, 'S') FROM fee_priced_entries p "
	    "LEFT JOIN agreements a ON a.id = p.agreement_id "
	    "WHERE p.entry_date >= ?1 AND p.entry_date < ?2 AND (?3 IS NULL "
	    "OR p.consumer_code = ?3 OR p.provider_code = ?3) "
	    "ORDER BY p.consumer_code, p.entry_id");
	if (s == NULL) {
		*err = xprintf("fee_priced_entries: %s", db_errmsg(db));
		st = FEE_E_STORE;
		goto out;
	}
	sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	if (party != NULL)
		sqlite3_bind_text(s, 3, party, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct fee_entry e;
		const char *consumer = whatif_text(s, 1);
		char *perr = NULL;
		int64_t charged = sqlite3_column_int64(s, 10);

		memset(&e, 0, sizeof e);
		e.consumer = consumer;
		e.provider = whatif_text(s, 2);
		e.agreement = sqlite3_column_int64(s, 3);
		e.date = whatif_text(s, 4);
		e.minutes = sqlite3_column_int64(s, 5);
		e.activity = whatif_text(s, 6);
		e.out_of_hours = sqlite3_column_int(s, 7) != 0;
		e.grade = whatif_text(s, 8);
		e.basis = whatif_text(s, 9);
		e.vat = whatif_text(s, 11)[0];
		st = fee_price(rs, &e, &lines, &perr);
		if (st != FEE_OK) {
			*err = xprintf("entry %lld: %s",
			    (long long)sqlite3_column_int64(s, 0), perr);
			free(perr);
			goto out;
		}
		if (nacc == 0 || strcmp(acc[nacc - 1].consumer, consumer) != 0) {
			acc = xrealloc(acc, (nacc + 1) * sizeof *acc);
			memset(&acc[nacc], 0, sizeof *acc);
			snprintf(acc[nacc].consumer, sizeof acc[nacc].consumer, "%s",
			    consumer);
			nacc++;
		}
		acc[nacc - 1].entries++;
		acc[nacc - 1].old_total += charged;
		acc[nacc - 1].new_total += lines.total;
		if (charged != lines.total)
			acc[nacc - 1].changed++;
		if (++priced % 4096 == 0 && progress != NULL)
			progress(priced, arg);
	}
	if (step != SQLITE_DONE) {
		*err = xprintf("fee_priced_entries: %s", db_errmsg(db));
		st = FEE_E_STORE;
		goto out;
	}
	if (progress != NULL)
		progress(priced, arg);
	for (i = 0; i < nacc; i++) {
		row.consumer = acc[i].consumer;
		row.entries = acc[i].entries;
		row.old_total = acc[i].old_total;
		row.new_total = acc[i].new_total;
		row.changed = acc[i].changed;
		cb(&row, arg);
	}
out:
	if (s != NULL)
		sqlite3_reset(s);
	free(acc);
	fee_lines_free(&lines);
	fee_ruleset_free(rs);
	return st;
}
