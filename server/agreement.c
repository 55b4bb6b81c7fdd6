/* agreement.c: terms between a provider and a consumer, or the default. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

/* YYYY-MM-DD naming a real day. */
int
date_ok(const char *s)
{
	struct tm tm;
	char back[11];
	const char *end;

	if (s == NULL || strlen(s) != 10)
		return 0;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return 0;
	tm.tm_hour = 12;
	if (timegm(&tm) == (time_t)-1)
		return 0;
	strftime(back, sizeof back, "%Y-%m-%d", &tm);
	return strcmp(back, s) == 0;
}

static int
ruleset_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Creates an agreement after checking every field; audited. */
int
agreement_add(struct ep_db *db, const struct audit_actor *actor,
    const struct agreement_input *in, struct form_errors *e, int64_t *id)
{
	int64_t provider = 0, consumer = 0, terms = 30, cap = -1;
	int dflt = (in->provider == NULL || *in->provider == '\0') &&
	    (in->consumer == NULL || *in->consumer == '\0');
	char today[11];
	const char *from = in->valid_from, *vat = in->vat;
	sqlite3_stmt *s;
	json_t *sum;
	char *text;

	london_today(today);
	if (!dflt) {
		if (in->provider == NULL || *in->provider == '\0')
			errs_add(e, "provider", "Choose the provider");
		else if ((provider = org_id_by_code(db, in->provider)) <= 0)
			errs_add(e, "provider", "There is no organisation with code "
			    "%s", in->provider);
		if (in->consumer == NULL || *in->consumer == '\0')
			errs_add(e, "consumer", "Choose the consumer");
		else if ((consumer = org_id_by_code(db, in->consumer)) <= 0)
			errs_add(e, "consumer", "There is no organisation with code "
			    "%s", in->consumer);
	}
	if (in->ruleset == NULL || !ruleset_name_ok(in->ruleset))
		errs_add(e, "ruleset", "Enter the fee rule set's name, such as "
		    "standard");
	if (in->payment_terms != NULL && *in->payment_terms != '\0' &&
	    parse_int64(in->payment_terms, 0, 365, &terms) != 0)
		errs_add(e, "payment_terms", "Payment terms must be a whole number "
		    "of days from 0 to 365");
	if (in->monthly_cap != NULL && *in->monthly_cap != '\0' &&
	    parse_money(in->monthly_cap, &cap) != 0)
		errs_add(e, "monthly_cap", "Monthly cap must be an amount in pounds "
		    "and pence, such as 15000.00");
	if (vat == NULL || *vat == '\0')
		vat = "S";
	if (strcmp(vat, "S") != 0 && strcmp(vat, "O") != 0)
		errs_add(e, "vat", "VAT treatment must be S (standard rated, 20%%) "
		    "or O (outside the scope of VAT)");
	if (from == NULL || *from == '\0')
		from = today;
	else if (!date_ok(from))
		errs_add(e, "valid_from", "Valid from must be a real date as "
		    "YYYY-MM-DD");
	if (in->valid_to != NULL && *in->valid_to != '\0') {
		if (!date_ok(in->valid_to))
			errs_add(e, "valid_to", "Valid to must be a real date as "
			    "YYYY-MM-DD");
		else if (strcmp(in->valid_to, from) < 0)
			errs_add(e, "valid_to", "Valid to must be on or after valid "
			    "from");
	}
	if (e->n > 0)
		return -1;
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO agreements (provider_id, consumer_id, "
	    "ruleset, payment_terms_days, monthly_cap_pence, vat_category, "
	    "valid_from, valid_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (s == NULL)
		goto rollback;
	if (!dflt) {
		sqlite3_bind_int64(s, 1, provider);
		sqlite3_bind_int64(s, 2, consumer);
	}
	sqlite3_bind_text(s, 3, in->ruleset, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, terms);
	if (cap >= 0)
		sqlite3_bind_int64(s, 5, cap);
	sqlite3_bind_text(s, 6, vat, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, from, -1, SQLITE_STATIC);
	if (in->valid_to != NULL && *in->valid_to != '\0')
		sqlite3_bind_text(s, 8, in->valid_to, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	sum = json_pack("{s:{s:s,s:s,s:s,s:I,s:I,s:s,s:s}}", "after", "provider",
	    dflt ? "*" : in->provider, "consumer", dflt ? "*" : in->consumer,
	    "ruleset", in->ruleset, "payment_terms_days", (json_int_t)terms,
	    "monthly_cap_pence", (json_int_t)cap, "vat", vat, "valid_from", from);
	text = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(sum);
	{
		char idtext[24];

		snprintf(idtext, sizeof idtext, "%lld", (long long)*id);
		if (audit_record(db, actor, "create", "agreement", idtext,
		    consumer, text) != 0) {
			free(text);
			goto rollback;
		}
	}
	free(text);
	if (db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
fail:
	errs_add(e, "ruleset", "The agreement could not be saved: %s",
	    db_errmsg(db));
	return -1;
}
