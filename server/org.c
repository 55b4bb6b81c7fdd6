/* org.c: organisations: validation, creation, changes, look-ups. */
#include "server.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

const char *const org_kinds[][2] = {
	{ "district", "District council" },
	{ "county", "County council" },
	{ "unitary", "Unitary authority" },
	{ "borough", "Borough council" },
	{ "centre", "Regional centre" },
	{ "partner", "Partner firm" },
	{ NULL, NULL },
};

static int
org_kind_ok(const char *kind)
{
	size_t i;

	for (i = 0; org_kinds[i][0] != NULL; i++) {
		if (strcmp(org_kinds[i][0], kind) == 0)
			return 1;
	}
	return 0;
}

/* A loose e-mail check: something@something.something, no spaces. */
int
email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && strchr(at + 1, '.') != NULL &&
	    strchr(at + 1, '@') == NULL && strpbrk(s, " \t<>\"") == NULL &&
	    at[strlen(at) - 1] != '.';
}

/* UK VAT numbers: GB then 9 or 12 digits (spaces allowed and removed). */
static int
vat_normalise(const char *in, char *out, size_t len)
{
	size_t j = 0, digits = 0;

	if (strncasecmp(in, "GB", 2) != 0)
		return -1;
	out[j++] = 'G';
	out[j++] = 'B';
	for (in += 2; *in != '\0'; in++) {
		if (*in == ' ')
			continue;
		if (!isdigit((unsigned char)*in) || j + 1 >= len)
			return -1;
		out[j++] = *in;
		digits++;
	}
	out[j] = '\0';
	return digits == 9 || digits == 12 ? 0 : -1;
}

/* Checks every field, naming each problem; fills the cleaned values. */
static void
org_validate(const struct org_input *in, struct form_errors *e, char *vat,
    size_t vatlen, int64_t *terms, int *po)
{
	const char *p;

	if (in->code == NULL || *in->code == '\0')
		errs_add(e, "code", "Enter a code, such as AVD");
	else {
		for (p = in->code; *p != '\0'; p++) {
			if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p))
				break;
		}
		if (*p != '\0' || strlen(in->code) < 2 || strlen(in->code) > 12)
			errs_add(e, "code", "Code must be 2 to 12 capital letters or "
			    "digits, such as AVD");
	}
	if (in->name == NULL || *in->name == '\0')
		errs_add(e, "name", "Enter the organisation's name");
	else if (strlen(in->name) > 200)
		errs_add(e, "name", "Name must be 200 characters or fewer");
	if (in->kind == NULL || !org_kind_ok(in->kind))
		errs_add(e, "kind", "Choose the kind of organisation");
	vat[0] = '\0';
	if (in->vat_number != NULL && *in->vat_number != '\0' &&
	    vat_normalise(in->vat_number, vat, vatlen) != 0)
		errs_add(e, "vat_number", "VAT number must be GB followed by 9 or "
		    "12 digits, such as GB123456789");
	if (in->invoice_email != NULL && *in->invoice_email != '\0' &&
	    !email_ok(in->invoice_email))
		errs_add(e, "invoice_email", "Enter an email address in the correct "
		    "format, like finance@example.gov.uk");
	*terms = 30;
	if (in->payment_terms != NULL && *in->payment_terms != '\0' &&
	    parse_int64(in->payment_terms, 0, 365, terms) != 0)
		errs_add(e, "payment_terms", "Payment terms must be a whole number "
		    "of days from 0 to 365");
	if (in->calendar != NULL && *in->calendar != '\0' &&
	    !fee_valid_calendar(in->calendar))
		errs_add(e, "calendar", "Choose the bank holiday calendar: "
		    "england-and-wales, scotland or northern-ireland");
	*po = 0;
	if (in->po_required != NULL && *in->po_required != '\0') {
		if (strcmp(in->po_required, "yes") == 0 ||
		    strcmp(in->po_required, "1") == 0)
			*po = 1;
		else if (strcmp(in->po_required, "no") != 0 &&
		    strcmp(in->po_required, "0") != 0)
			errs_add(e, "po_required", "Say whether a purchase order is "
			    "required: yes or no");
	}
}

/*
 * Creates an organisation after checking every field; nothing is saved
 * unless all are good. Audited in the same transaction.
 */
int
org_add(struct ep_db *db, const struct audit_actor *actor,
    const struct org_input *in, struct form_errors *e, int64_t *id)
{
	char vat[24];
	int64_t terms;
	int po;
	sqlite3_stmt *s;
	json_t *sum;
	const char *calendar = in->calendar != NULL && *in->calendar != '\0' ?
	    in->calendar : fee_calendars[0][0];

	org_validate(in, e, vat, sizeof vat, &terms, &po);
	if (e->n == 0 && org_id_by_code(db, in->code) > 0)
		errs_add(e, "code", "An organisation with code %s already exists",
		    in->code);
	if (e->n > 0)
		return -1;
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "INSERT INTO organisations (code, name, kind, "
	    "billing_address, vat_number, po_required, invoice_email, "
	    "payment_terms_days, calendar) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_text(s, 1, in->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, in->billing_address ? in->billing_address : "",
	    -1, SQLITE_STATIC);
	if (vat[0] != '\0')
		sqlite3_bind_text(s, 5, vat, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, po);
	sqlite3_bind_text(s, 7, in->invoice_email ? in->invoice_email : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, terms);
	sqlite3_bind_text(s, 9, calendar, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	*id = sqlite3_last_insert_rowid(db->sql);
	sum = json_pack("{s:{s:s,s:s,s:s,s:b,s:I,s:s}}", "after", "code",
	    in->code, "name", in->name, "kind", in->kind, "po_required", po,
	    "payment_terms_days", (json_int_t)terms, "calendar", calendar);
	if (audit_json(db, actor, "create", "organisation", in->code, *id,
	    sum) != 0)
		goto rollback;
	if (db_commit(db) != 0)
		goto rollback;
	return 0;
rollback:
	db_rollback(db);
fail:
	errs_add(e, "code", "The organisation could not be saved: %s",
	    db_errmsg(db));
	return -1;
}

/* "Scotland" for "scotland": a calendar as people read it. */
const char *
org_calendar_label(const char *calendar)
{
	size_t i;

	for (i = 0; calendar != NULL && fee_calendars[i][0] != NULL; i++) {
		if (strcmp(calendar, fee_calendars[i][0]) == 0)
			return fee_calendars[i][1];
	}
	return calendar != NULL ? calendar : "";
}

int64_t
org_id_by_code(struct ep_db *db, const char *code)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id FROM organisations WHERE code = ?");
	int64_t id = 0;

	if (s == NULL || code == NULL)
		return 0;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

/* The fields of an organisation that can change, as text, for a diff. */
struct org_state {
	char name[256], kind[16], address[1024], vat[24], email[256];
	char terms[16], po[4], calendar[32];
};

/* Reads an organisation's changeable fields; -1 when there is none. */
static int
org_state_load(struct ep_db *db, int64_t id, char *code, size_t codelen,
    struct org_state *st)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT code, name, kind, billing_address, "
	    "coalesce(vat_number, ''), invoice_email, payment_terms_days, "
	    "po_required, calendar FROM organisations WHERE id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(code, codelen, "%s", sqlite3_column_text(s, 0));
		snprintf(st->name, sizeof st->name, "%s", sqlite3_column_text(s, 1));
		snprintf(st->kind, sizeof st->kind, "%s", sqlite3_column_text(s, 2));
		snprintf(st->address, sizeof st->address, "%s",
		    sqlite3_column_text(s, 3));
		snprintf(st->vat, sizeof st->vat, "%s", sqlite3_column_text(s, 4));
		snprintf(st->email, sizeof st->email, "%s",
		    sqlite3_column_text(s, 5));
		snprintf(st->terms, sizeof st->terms, "%d",
		    sqlite3_column_int(s, 6));
		snprintf(st->po, sizeof st->po, "%s", sqlite3_column_int(s, 7) ?
		    "yes" : "no");
		snprintf(st->calendar, sizeof st->calendar, "%s",
		    sqlite3_column_text(s, 8));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/*
 * Changes an organisation: each field of in that is not NULL replaces the
 * current one (the code never changes: invoice numbers carry it). The
 * whole record is checked as it would be; nothing is saved unless all is
 * good. Audited with the fields before and after; *changed is 0 when the
 * record was already so.
 */
int
org_update(struct ep_db *db, const struct audit_actor *actor, int64_t id,
    const struct org_input *in, struct form_errors *e, int *changed)
{
	struct org_state old, neu;
	struct org_input m;
	char code[16], vat[24];
	int64_t terms;
	int po;
	sqlite3_stmt *s;
	json_t *before, *after;
	char *text = NULL;

	*changed = 0;
	if (org_state_load(db, id, code, sizeof code, &old) != 0) {
		errs_add(e, "id", "There is no organisation with id %lld",
		    (long long)id);
		return -1;
	}
	m.code = code;
	m.name = in->name ? in->name : old.name;
	m.kind = in->kind ? in->kind : old.kind;
	m.billing_address = in->billing_address ? in->billing_address :
	    old.address;
	m.vat_number = in->vat_number ? in->vat_number : old.vat;
	m.invoice_email = in->invoice_email ? in->invoice_email : old.email;
	m.payment_terms = in->payment_terms ? in->payment_terms : old.terms;
	m.po_required = in->po_required ? in->po_required : old.po;
	m.calendar = in->calendar ? in->calendar : old.calendar;
	if (in->payment_terms != NULL && *in->payment_terms == '\0')
		errs_add(e, "payment_terms", "Enter the payment terms in days");
	if (*m.calendar == '\0')
		errs_add(e, "calendar", "Choose the bank holiday calendar: "
		    "england-and-wales, scotland or northern-ireland");
	org_validate(&m, e, vat, sizeof vat, &terms, &po);
	if (e->n > 0)
		return -1;
	snprintf(neu.name, sizeof neu.name, "%s", m.name);
	snprintf(neu.kind, sizeof neu.kind, "%s", m.kind);
	snprintf(neu.address, sizeof neu.address, "%s", m.billing_address);
	snprintf(neu.vat, sizeof neu.vat, "%s", vat);
	snprintf(neu.email, sizeof neu.email, "%s", m.invoice_email);
	snprintf(neu.terms, sizeof neu.terms, "%lld", (long long)terms);
	snprintf(neu.po, sizeof neu.po, "%s", po ? "yes" : "no");
	snprintf(neu.calendar, sizeof neu.calendar, "%s", m.calendar);
	before = json_object();
	after = json_object();
	audit_diff_text(before, after, "name", old.name, neu.name);
	audit_diff_text(before, after, "kind", old.kind, neu.kind);
	audit_diff_text(before, after, "billing_address", old.address,
	    neu.address);
	audit_diff_text(before, after, "vat_number", old.vat, neu.vat);
	audit_diff_text(before, after, "invoice_email", old.email, neu.email);
	audit_diff_text(before, after, "payment_terms_days", old.terms,
	    neu.terms);
	audit_diff_text(before, after, "po_required", old.po, neu.po);
	audit_diff_text(before, after, "calendar", old.calendar, neu.calendar);
	if ((text = audit_diff_dump(before, after)) == NULL)
		return 0;
	if (db_begin(db) != 0)
		goto fail;
	s = db_stmt(db, "UPDATE organisations SET name = ?, kind = ?, "
	    "billing_address = ?, vat_number = nullif(?, ''), invoice_email = ?, "
	    "payment_terms_days = ?, po_required = ?, calendar = ? WHERE id = ?");
	if (s == NULL)
		goto rollback;
	sqlite3_bind_text(s, 1, neu.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, neu.kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, neu.address, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, neu.vat, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, neu.email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, terms);
	sqlite3_bind_int(s, 7, po);
	sqlite3_bind_text(s, 8, neu.calendar, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		goto rollback;
	}
	sqlite3_reset(s);
	if (audit_record(db, actor, "update", "organisation", code, id,
	    text) != 0 || db_commit(db) != 0)
		goto rollback;
	free(text);
	*changed = 1;
	return 0;
rollback:
	db_rollback(db);
fail:
	free(text);
	errs_add(e, "name", "The organisation could not be saved: %s",
	    db_errmsg(db));
	return -1;
}
