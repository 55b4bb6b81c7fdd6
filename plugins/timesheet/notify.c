/* notify.c: the timesheet's messages: hours to approve, queried, approved,
 * and an engagement's budget at 80% and at 100%. */
#include "timesheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The activity's word as a sentence has it: "advice", "court". */
static void
ts_tell_activity(char *out, size_t len, const char *activity)
{
	size_t i;

	snprintf(out, len, "%s", activity);
	for (i = 0; ts_activities[i][0] != NULL; i++) {
		if (strcmp(ts_activities[i][0], activity) == 0) {
			snprintf(out, len, "%s", ts_activities[i][1]);
			if (out[0] >= 'A' && out[0] <= 'Z')
				out[0] = (char)(out[0] - 'A' + 'a');
		}
	}
}

/* One column of one row, by id ("" when there is none): a person's or an
 * organisation's name, or an engagement's request title. */
static void
ts_tell_lookup(ep_db *db, const char *sql, int64_t id, char *out, size_t len)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, sql);

	out[0] = '\0';
	if (s == NULL)
		return;
	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW)
		snprintf(out, len, "%s", h->stmt_text(s, 0));
	h->stmt_reset(s);
}

#define TS_SQL_PERSON "SELECT name FROM people WHERE id = ?"
#define TS_SQL_ORG "SELECT name FROM organisations WHERE id = ?"
#define TS_SQL_TITLE "SELECT r.title FROM engagements e JOIN requests r ON " \
	"r.id = e.request_id WHERE e.id = ?"
#define TS_SQL_REQUESTER "SELECT r.requester_id FROM engagements e JOIN " \
	"requests r ON r.id = e.request_id WHERE e.id = ?"

/* The week's page of the timesheet that holds date. */
static void
ts_tell_week_link(char *out, size_t len, const char *date)
{
	char monday[11], sunday[11];

	if (ts_week_bounds(date, monday, sunday) == 0)
		snprintf(out, len, "/timesheet?week=%s", monday);
	else
		snprintf(out, len, "/timesheet");
}

/* Empties a gathering of messages. */
void
ts_tell_begin(struct ts_tell *tl)
{
	memset(tl, 0, sizeof *tl);
}

/* Forgets what was gathered, unsent (the action failed). */
void
ts_tell_free(struct ts_tell *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		free(tl->v[i].query);
	free(tl->v);
	memset(tl, 0, sizeof *tl);
}

static int
ts_tell_push(struct ts_tell *tl, int kind, const struct ts_entry_row *t,
    int64_t to, int64_t by, const char *query)
{
	struct ts_told *w;

	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 16;

		if ((w = realloc(tl->v, cap * sizeof *w)) == NULL)
			return -1;
		tl->v = w;
		tl->cap = cap;
	}
	w = &tl->v[tl->n];
	memset(w, 0, sizeof *w);
	w->kind = kind;
	w->to = to;
	w->by = by;
	w->consumer = t->consumer;
	w->expert = t->created_by;
	w->engagement = t->engagement;
	w->minutes = t->minutes;
	w->adjusts = t->adjusts;
	snprintf(w->date, sizeof w->date, "%s", t->date);
	snprintf(w->activity, sizeof w->activity, "%s", t->activity);
	if (query != NULL && *query != '\0' && (w->query = strdup(query)) ==
	    NULL)
		return -1;
	tl->n++;
	return 0;
}

/*
 * Something an entry's change owes someone: kept in the actor's gathering
 * when the action covers several entries (one message each, sent by
 * ts_tell_flush), or sent at once for a single entry.
 */
int
ts_tell_add(ep_db *db, const struct ts_actor *a, int kind,
    const struct ts_entry_row *t, int64_t to, int64_t by, const char *query)
{
	struct ts_tell one;

	if (a != NULL && a->tell != NULL)
		return ts_tell_push(a->tell, kind, t, to, by, query);
	ts_tell_begin(&one);
	if (ts_tell_push(&one, kind, t, to, by, query) != 0) {
		ts_tell_free(&one);
		return -1;
	}
	return ts_tell_flush(db, &one);
}

static int
ts_cmp64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Orders the gathering by message (kind, recipient, decider, council,
 * expert), then by date, so each message's entries lie together. */
static int
ts_told_cmp(const void *pa, const void *pb)
{
	const struct ts_told *a = pa, *b = pb;
	int c;

	if ((c = ts_cmp64(a->kind, b->kind)) != 0 ||
	    (c = ts_cmp64(a->to, b->to)) != 0 ||
	    (c = ts_cmp64(a->by, b->by)) != 0 ||
	    (c = ts_cmp64(a->consumer, b->consumer)) != 0 ||
	    (c = ts_cmp64(a->expert, b->expert)) != 0 ||
	    (c = strcmp(a->date, b->date)) != 0)
		return c;
	return ts_cmp64(a->engagement, b->engagement);
}

static int
ts_told_same(const struct ts_told *a, const struct ts_told *b)
{
	return a->kind == b->kind && a->to == b->to && a->by == b->by &&
	    a->consumer == b->consumer && a->expert == b->expert;
}

/* "Planning appeal advice", or "Planning appeal advice and 2 other
 * engagements": what a message's entries were for. */
static void
ts_tell_about(ep_db *db, const struct ts_told *v, size_t n, char *out,
    size_t len, int *several)
{
	char title[201];
	size_t i, j;
	int others = 0;

	for (i = 1; i < n; i++) {
		for (j = 0; j < i && v[j].engagement != v[i].engagement; j++)
			;
		if (j == i && v[i].engagement != v[0].engagement)
			others++;
	}
	ts_tell_lookup(db, TS_SQL_TITLE, v[0].engagement, title, sizeof title);
	if (others == 0)
		snprintf(out, len, "%s", title);
	else
		snprintf(out, len, "%s and %d other engagement%s", title, others,
		    others == 1 ? "" : "s");
	*several = others > 0;
}

/* The entries, a line each: "- 2 November 2026: 1 h 30 m of advice". */
static void
ts_tell_lines(ep_db *db, FILE *f, const struct ts_told *v, size_t n,
    int several)
{
	char hours[32], date[32], activity[24], title[201];
	size_t i;

	for (i = 0; i < n; i++) {
		ts_host->hours_text(hours, sizeof hours, v[i].minutes);
		ts_host->date_words(date, sizeof date, v[i].date);
		ts_tell_activity(activity, sizeof activity, v[i].activity);
		fprintf(f, "- %s: %s of %s", date, hours, activity);
		if (several) {
			ts_tell_lookup(db, TS_SQL_TITLE, v[i].engagement, title,
			    sizeof title);
			fprintf(f, ", for \"%s\"", title);
		}
		if (v[i].adjusts > 0)
			fprintf(f, " (a correction to hours approved before)");
		fprintf(f, "\n");
		if (v[i].query != NULL)
			fprintf(f, "  Your query was: %s\n", v[i].query);
	}
}

/* "3 entries, 4 h 15 m in all" or "1 entry of 2 h". */
static void
ts_tell_count(char *out, size_t len, const struct ts_told *v, size_t n)
{
	char hours[32];
	int64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += v[i].minutes;
	ts_host->hours_text(hours, sizeof hours, total);
	if (n == 1)
		snprintf(out, len, "1 entry of %s", hours);
	else
		snprintf(out, len, "%zu entries, %s in all", n, hours);
}

/* One message: the n entries of v, which share kind and recipient. */
static int
ts_tell_send(ep_db *db, const struct ts_told *v, size_t n)
{
	const struct ep_host *h = ts_host;
	char about[256], count[80], expert[201], by[201], council[201];
	char link[64], subject[512], *body = NULL;
	const char *prefix;
	size_t blen = 0;
	FILE *f;
	int several, rc = -1;

	ts_tell_about(db, v, n, about, sizeof about, &several);
	ts_tell_count(count, sizeof count, v, n);
	ts_tell_lookup(db, TS_SQL_PERSON, v[0].expert, expert, sizeof expert);
	ts_tell_lookup(db, TS_SQL_PERSON, v[0].by, by, sizeof by);
	ts_tell_lookup(db, TS_SQL_ORG, v[0].consumer, council, sizeof council);
	if ((f = open_memstream(&body, &blen)) == NULL)
		return -1;
	switch (v[0].kind) {
	case TS_TELL_SUBMITTED:
		fprintf(f, "%s has submitted hours for %s to approve: %s.\n\n",
		    expert, council, count);
		ts_tell_lines(db, f, v, n, several);
		fprintf(f, "\nWhat to do: on your approvals page, approve the "
		    "hours that are right, or query an entry with a comment "
		    "saying what is wrong.");
		prefix = "Hours to approve";
		snprintf(link, sizeof link, "/approvals");
		break;
	case TS_TELL_ANSWERED:
		fprintf(f, "%s has corrected the hours you queried and submitted "
		    "them again: %s.\n\n", expert, count);
		ts_tell_lines(db, f, v, n, several);
		fprintf(f, "\nWhat to do: as you asked the question, you decide "
		    "these hours. On your approvals page, approve them, or query "
		    "them again with a comment.");
		prefix = "Queried hours submitted again";
		snprintf(link, sizeof link, "/approvals");
		break;
	default:
		if (v[0].by > 0)
			fprintf(f, "%s of %s has approved your hours: %s.\n\n", by,
			    council, count);
		else
			fprintf(f, "%s's local policy approved your hours as soon as "
			    "you submitted them: %s.\n\n", council, count);
		ts_tell_lines(db, f, v, n, several);
		fprintf(f, "\nThey will be invoiced to %s in the next monthly "
		    "invoice run. There is nothing more for you to do.", council);
		prefix = "Hours approved";
		ts_tell_week_link(link, sizeof link, v[0].date);
		break;
	}
	if (fclose(f) != 0 || body == NULL)
		goto out;
	snprintf(subject, sizeof subject, "%s: %s", prefix, about);
	if (v[0].kind == TS_TELL_SUBMITTED)
		rc = h->notify_role(db, EP_ROLE_APPROVER, v[0].consumer, subject,
		    body, link);
	else
		rc = h->notify_person(db, v[0].to, subject, body, link);
out:
	free(body);
	return rc;
}

/*
 * Sends what an action gathered: one message to each recipient for each
 * kind, however many entries it covers; then empties the gathering.
 */
int
ts_tell_flush(ep_db *db, struct ts_tell *tl)
{
	size_t i = 0, j;
	int rc = 0;

	if (tl->n > 1)
		qsort(tl->v, tl->n, sizeof tl->v[0], ts_told_cmp);
	while (rc == 0 && i < tl->n) {
		for (j = i + 1; j < tl->n && ts_told_same(&tl->v[i], &tl->v[j]); j++)
			;
		if (tl->v[i].kind == TS_TELL_SUBMITTED || tl->v[i].to > 0)
			rc = ts_tell_send(db, &tl->v[i], j - i);
		i = j;
	}
	ts_tell_free(tl);
	return rc;
}

/* An approver queried an entry with a comment: the expert who logged it
 * is told what was asked and what to do. One entry, one message. */
int
ts_tell_queried(ep_db *db, const struct ts_actor *a,
    const struct ts_entry_row *t, const char *comment)
{
	const struct ep_host *h = ts_host;
	char hours[32], date[32], activity[24], title[201], by[201];
	char council[201], subject[256], link[64], *body;
	size_t n;
	int rc;

	if (t->created_by <= 0)
		return 0;
	ts_host->hours_text(hours, sizeof hours, t->minutes);
	ts_host->date_words(date, sizeof date, t->date);
	ts_tell_activity(activity, sizeof activity, t->activity);
	ts_tell_lookup(db, TS_SQL_TITLE, t->engagement, title, sizeof title);
	ts_tell_lookup(db, TS_SQL_PERSON, a->person, by, sizeof by);
	ts_tell_lookup(db, TS_SQL_ORG, t->consumer, council, sizeof council);
	snprintf(subject, sizeof subject, "Hours queried: %s", title);
	ts_tell_week_link(link, sizeof link, t->date);
	n = strlen(comment) + 1024;
	if ((body = malloc(n)) == NULL)
		return -1;
	snprintf(body, n, "%s of %s has queried your %s of %s on %s, for "
	    "\"%s\".\n\nThey ask: %s\n\nWhat to do: open your timesheet for that "
	    "week, correct the entry or add a note that answers the question, "
	    "and submit it again. It goes back to %s to decide.", by, council,
	    hours, activity, date, title, comment, by);
	rc = h->notify_person(db, t->created_by, subject, body, link);
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
	char title[201], subject[256], body[640], cap[32], link[48], who[24];
	int64_t requester;

	ts_tell_lookup(db, TS_SQL_TITLE, g->id, title, sizeof title);
	ts_tell_lookup(db, TS_SQL_REQUESTER, g->id, who, sizeof who);
	requester = strtoll(who, NULL, 10);
	h->pence_text(cap, sizeof cap, allowed);
	snprintf(subject, sizeof subject, "Budget %d%% used: %s", mark, title);
	snprintf(body, sizeof body, "Hours logged on \"%s\" have used %d%% of "
	    "its budget of %s.\n\n%s", title, mark, cap, mark >= 100 ? "No more "
	    "time can be logged until the budget is raised. What to do: if the "
	    "work should go on, the requester agrees a budget variation on the "
	    "engagement's budget page." : "What to do: if the work will need "
	    "more than the budget, the requester can agree a budget variation "
	    "on the engagement's budget page before it runs out.");
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
