/* notify.c: the timesheet's messages: hours to approve, queried, approved,
 * and an engagement's budget at 80% and at 100%. */
#include "timesheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "3 h 30 m" on 2031-01-06, for the body of a message about an entry. */
static void
ts_tell_entry_text(char *out, size_t len, const struct ts_entry_row *t)
{
	snprintf(out, len, "%lld h %02lld m of %s on %s", (long long)(t->minutes /
	    60), (long long)(t->minutes % 60), t->activity, t->date);
}

/* The engagement's request title, for the subject; "" when unknown. */
static void
ts_tell_title(ep_db *db, int64_t engagement, char *out, size_t len,
    int64_t *requester)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT r.title, r.requester_id FROM "
	    "engagements e JOIN requests r ON r.id = e.request_id WHERE e.id = ?");

	out[0] = '\0';
	*requester = 0;
	h->stmt_bind_int64(s, 1, engagement);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		snprintf(out, len, "%s", h->stmt_text(s, 0));
		*requester = h->stmt_int64(s, 1);
	}
	h->stmt_reset(s);
}

/*
 * An entry has been submitted: the consuming council's approvers are
 * asked to decide it, or, for an answer to a query, the approver who
 * asked (queried_by).
 */
int
ts_tell_submitted(ep_db *db, const struct ts_entry_row *t, int64_t queried_by)
{
	const struct ep_host *h = ts_host;
	char what[96], title[201], subject[256], body[640];
	int64_t requester;

	ts_tell_entry_text(what, sizeof what, t);
	ts_tell_title(db, t->engagement, title, sizeof title, &requester);
	snprintf(subject, sizeof subject, "Hours to approve: %s", title);
	snprintf(body, sizeof body, "%s has been %s on \"%s\" (entry %lld).\n\n"
	    "Approve it, or query it with a comment, on your approvals page.",
	    what, queried_by > 0 ? "corrected and submitted again after your "
	    "query" : "submitted", title, (long long)t->id);
	if (queried_by > 0)
		return h->notify_person(db, queried_by, subject, body,
		    "/approvals");
	return h->notify_role(db, EP_ROLE_APPROVER, t->consumer, subject, body,
	    "/approvals");
}

/* An approver (or the council's local policy) approved an entry, or
 * queried it with a comment: the expert who logged it is told. */
int
ts_tell_decided(ep_db *db, const struct ts_entry_row *t, int approved,
    const char *comment)
{
	const struct ep_host *h = ts_host;
	char what[96], title[201], subject[256], *body;
	int64_t requester;
	int rc;

	if (t->created_by <= 0)
		return 0;
	ts_tell_entry_text(what, sizeof what, t);
	ts_tell_title(db, t->engagement, title, sizeof title, &requester);
	snprintf(subject, sizeof subject, "Hours %s: %s", approved ?
	    "approved" : "queried", title);
	if (approved) {
		if ((body = malloc(512)) == NULL)
			return -1;
		snprintf(body, 512, "%s on \"%s\" (entry %lld) is approved and will "
		    "be invoiced in the next monthly run.", what, title,
		    (long long)t->id);
	} else {
		size_t n = strlen(comment) + 512;

		if ((body = malloc(n)) == NULL)
			return -1;
		snprintf(body, n, "%s on \"%s\" (entry %lld) has been queried.\n\n"
		    "The approver asks: %s\n\nCorrect the entry and submit it "
		    "again from your timesheet.", what, title, (long long)t->id,
		    comment);
	}
	rc = h->notify_person(db, t->created_by, subject, body, "/timesheet");
	free(body);
	return rc;
}

/*
 * Hours just logged took an engagement's budget to 80% or to 100%: its
 * requester and the pool managers are told, once as the mark is passed.
 */
int
ts_tell_budget(ep_db *db, const struct ts_engagement *g, int mark,
    int64_t allowed)
{
	const struct ep_host *h = ts_host;
	char title[201], subject[256], body[640], cap[32], link[48];
	int64_t requester;

	ts_tell_title(db, g->id, title, sizeof title, &requester);
	h->pence_text(cap, sizeof cap, allowed);
	snprintf(subject, sizeof subject, "Budget %d%% used: %s", mark, title);
	snprintf(body, sizeof body, "Hours logged on \"%s\" (engagement %lld) "
	    "have used %d%% of its budget of %s.\n\n%s", title, (long long)g->id,
	    mark, cap, mark >= 100 ? "No more time can be logged until the "
	    "requester agrees a budget variation." : "To let the work go past "
	    "the budget, the requester can agree a budget variation.");
	snprintf(link, sizeof link, "/engagements/%lld/budget", (long long)g->id);
	if (requester > 0 && h->notify_person(db, requester, subject, body,
	    link) != 0)
		return -1;
	return h->notify_role(db, EP_ROLE_POOL_MANAGER, 0, subject, body, link);
}

/* The mark (80 or 100) a charge takes the used budget past, or 0. */
int
ts_budget_mark(int64_t before, int64_t after, int64_t allowed)
{
	if (allowed <= 0 || after <= before)
		return 0;
	if (before * 100 < allowed * 100 && after * 100 >= allowed * 100)
		return 100;
	if (before * 100 < allowed * 80 && after * 100 >= allowed * 80)
		return 80;
	return 0;
}
