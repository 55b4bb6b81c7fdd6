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
	if (audit_json_id(db, actor, "create", "agreement", *id, consumer,
	    sum) != 0)
		goto rollback;
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

/* One version of an agreement as stored. */
struct agreement_row {
	int64_t id, provider, consumer, terms, cap; /* cap -1: none */
	char ruleset[72], vat[4], from[11], to[11]; /* to "": open */
	int64_t replaced_by;
};

/* Reads one version; -1 when there is none. */
static int
agreement_load(struct ep_db *db, int64_t id, struct agreement_row *a)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT coalesce(provider_id, 0), "
	    "coalesce(consumer_id, 0), ruleset, payment_terms_days, "
	    "coalesce(monthly_cap_pence, -1), vat_category, valid_from, "
	    "coalesce(valid_to, ''), coalesce((SELECT n.id FROM agreements n "
	    "WHERE n.replaces = a.id), 0) FROM agreements a WHERE id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	memset(a, 0, sizeof *a);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		a->id = id;
		a->provider = sqlite3_column_int64(s, 0);
		a->consumer = sqlite3_column_int64(s, 1);
		snprintf(a->ruleset, sizeof a->ruleset, "%s",
		    sqlite3_column_text(s, 2));
		a->terms = sqlite3_column_int64(s, 3);
		a->cap = sqlite3_column_int64(s, 4);
		snprintf(a->vat, sizeof a->vat, "%s", sqlite3_column_text(s, 5));
		snprintf(a->from, sizeof a->from, "%s", sqlite3_column_text(s, 6));
		snprintf(a->to, sizeof a->to, "%s", sqlite3_column_text(s, 7));
		a->replaced_by = sqlite3_column_int64(s, 8);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* True when a version's terms have priced something: an engagement holds
 * them or a fee estimate was given under them. */
static int
agreement_in_use(struct ep_db *db, int64_t id)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT EXISTS (SELECT 1 FROM engagements "
	    "WHERE agreement_id = ?1) OR EXISTS (SELECT 1 FROM fee_quotes WHERE "
	    "agreement_id = ?1)");
	int used = 1;

	if (s == NULL)
		return 1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		used = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return used;
}

/* Checks the date a new version starts from against the current one. */
static void
agreement_vary_from(struct ep_db *db, const struct agreement_row *cur,
    const char *from, struct form_errors *e)
{
	char today[11];

	london_today(today);
	if (from == NULL || *from == '\0')
		errs_add(e, "valid_from", "Enter the date the new terms start "
		    "from");
	else if (!date_ok(from))
		errs_add(e, "valid_from", "Valid from must be a real date as "
		    "YYYY-MM-DD");
	else if (strcmp(from, cur->from) <= 0)
		errs_add(e, "valid_from", "The new terms must start after the "
		    "current ones, which start on %s", cur->from);
	else if (*cur->to != '\0' && strcmp(from, cur->to) > 0)
		errs_add(e, "valid_from", "The new terms must start on or before "
		    "%s, the last day of the current ones", cur->to);
	else if (strcmp(from, today) < 0 && agreement_in_use(db, cur->id))
		errs_add(e, "valid_from", "Work has been priced under the current "
		    "terms: the new ones must start today (%s) or later", today);
}

/* Checks the new terms, each defaulting to the current version's. */
static void
agreement_vary_terms(const struct agreement_row *cur,
    const struct agreement_input *in, struct agreement_row *n,
    struct form_errors *e)
{
	*n = *cur;
	n->replaced_by = 0;
	if (in->ruleset != NULL && !ruleset_name_ok(in->ruleset))
		errs_add(e, "ruleset", "Enter the fee rule set's name, such as "
		    "standard");
	else if (in->ruleset != NULL)
		snprintf(n->ruleset, sizeof n->ruleset, "%s", in->ruleset);
	if (in->payment_terms != NULL && parse_int64(in->payment_terms, 0, 365,
	    &n->terms) != 0)
		errs_add(e, "payment_terms", "Payment terms must be a whole number "
		    "of days from 0 to 365");
	if (in->monthly_cap != NULL && *in->monthly_cap == '\0')
		n->cap = -1;
	else if (in->monthly_cap != NULL && parse_money(in->monthly_cap,
	    &n->cap) != 0)
		errs_add(e, "monthly_cap", "Monthly cap must be an amount in pounds "
		    "and pence, such as 15000.00, or empty for none");
	if (in->vat != NULL && strcmp(in->vat, "S") != 0 &&
	    strcmp(in->vat, "O") != 0)
		errs_add(e, "vat", "VAT treatment must be S (standard rated, 20%%) "
		    "or O (outside the scope of VAT)");
	else if (in->vat != NULL)
		snprintf(n->vat, sizeof n->vat, "%s", in->vat);
	if (in->valid_to != NULL && *in->valid_to != '\0' &&
	    !date_ok(in->valid_to))
		errs_add(e, "valid_to", "Valid to must be a real date as "
		    "YYYY-MM-DD, or empty for no end");
	else if (in->valid_to != NULL)
		snprintf(n->to, sizeof n->to, "%s", in->valid_to);
	if (in->valid_from != NULL && date_ok(in->valid_from))
		snprintf(n->from, sizeof n->from, "%s", in->valid_from);
	if (errs_get(e, "valid_to") == NULL && *n->to != '\0' &&
	    strcmp(n->to, n->from) < 0)
		errs_add(e, "valid_to", "Valid to must be on or after the date the "
		    "new terms start");
}

/* The audit summary of a variation: the terms that change, before and
 * after, the dates of both versions and the version replaced. */
static char *
agreement_vary_summary(const struct agreement_row *cur,
    const struct agreement_row *n)
{
	json_t *before = json_object(), *after = json_object(), *o;
	char *text;

	audit_diff_text(before, after, "ruleset", cur->ruleset, n->ruleset);
	audit_diff_int(before, after, "payment_terms_days", cur->terms,
	    n->terms);
	if (cur->cap != n->cap) {
		json_object_set_new(before, "monthly_cap_pence", cur->cap >= 0 ?
		    json_integer(cur->cap) : json_null());
		json_object_set_new(after, "monthly_cap_pence", n->cap >= 0 ?
		    json_integer(n->cap) : json_null());
	}
	audit_diff_text(before, after, "vat", cur->vat, n->vat);
	json_object_set_new(before, "valid_from", json_string(cur->from));
	json_object_set_new(before, "valid_to", *cur->to ?
	    json_string(cur->to) : json_null());
	json_object_set_new(after, "valid_from", json_string(n->from));
	json_object_set_new(after, "valid_to", *n->to ? json_string(n->to) :
	    json_null());
	o = json_pack("{s:o,s:o,s:I}", "before", before, "after", after,
	    "replaces", (json_int_t)cur->id);
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

/* Writes the new version and closes the current one the day before. */
static int
agreement_vary_write(struct ep_db *db, const struct agreement_row *cur,
    const struct agreement_row *n, int64_t *id)
{
	sqlite3_stmt *s = db_stmt(db, "UPDATE agreements SET valid_to = "
	    "date(?, '-1 day') WHERE id = ?");

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, n->from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, cur->id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	s = db_stmt(db, "INSERT INTO agreements (provider_id, consumer_id, "
	    "ruleset, payment_terms_days, monthly_cap_pence, vat_category, "
	    "valid_from, valid_to, replaces) VALUES (nullif(?, 0), nullif(?, 0), "
	    "?, ?, ?, ?, ?, nullif(?, ''), ?)");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, cur->provider);
	sqlite3_bind_int64(s, 2, cur->consumer);
	sqlite3_bind_text(s, 3, n->ruleset, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, n->terms);
	if (n->cap >= 0)
		sqlite3_bind_int64(s, 5, n->cap);
	sqlite3_bind_text(s, 6, n->vat, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, n->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, n->to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, cur->id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	return 0;
}

/*
 * Varies an agreement: a new version with the terms of in (each NULL one
 * carried over; an empty cap or end date means none) starts on
 * in->valid_from, and the current version ends the day before. Terms an
 * engagement or an estimate was priced under are never rewritten, and a
 * version already replaced cannot be varied again. Audited.
 */
int
agreement_vary(struct ep_db *db, const struct audit_actor *actor, int64_t id,
    const struct agreement_input *in, struct form_errors *e, int64_t *new_id)
{
	struct agreement_row cur, n;
	char idtext[24];
	char *text = NULL;

	if (agreement_load(db, id, &cur) != 0) {
		errs_add(e, "id", "There is no agreement with id %lld",
		    (long long)id);
		return -1;
	}
	if (cur.replaced_by != 0) {
		errs_add(e, "id", "Agreement %lld has been replaced by version "
		    "%lld: vary that one", (long long)id, (long long)cur.replaced_by);
		return -1;
	}
	agreement_vary_from(db, &cur, in->valid_from, e);
	agreement_vary_terms(&cur, in, &n, e);
	if (e->n > 0)
		return -1;
	if (db_begin(db) != 0)
		goto fail;
	if (agreement_vary_write(db, &cur, &n, new_id) != 0)
		goto rollback;
	text = agreement_vary_summary(&cur, &n);
	snprintf(idtext, sizeof idtext, "%lld", (long long)*new_id);
	if (audit_record(db, actor, "vary", "agreement", idtext, cur.consumer,
	    text) != 0 || db_commit(db) != 0)
		goto rollback;
	free(text);
	return 0;
rollback:
	db_rollback(db);
fail:
	free(text);
	errs_add(e, "valid_from", "The new terms could not be saved: %s",
	    db_errmsg(db));
	return -1;
}
