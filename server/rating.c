/* rating.c: a requesting council's rating of completed work: rules, store. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

/* The five points, best first, as the radios show them. */
const char *const rating_scores[][2] = {
	{ "5", "Very satisfied" },
	{ "4", "Satisfied" },
	{ "3", "Neither satisfied nor dissatisfied" },
	{ "2", "Dissatisfied" },
	{ "1", "Very dissatisfied" },
	{ NULL, NULL },
};

/* The words for a score from 1 to 5. */
const char *
rating_label(int64_t score)
{
	return score >= 1 && score <= 5 ? rating_scores[5 - score][1] : "";
}

/*
 * An engagement's rating and whether it may still be given or changed:
 * completed, and no more than 30 days since (the server's clock).
 * Returns -1 when there is no such engagement.
 */
int
rating_load(struct ep_db *db, int64_t engagement_id, struct rating *g)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT e.consumer_id, e.completed_at "
	    "IS NOT NULL, coalesce(e.completed_at, ''), e.completed_at IS NOT "
	    "NULL AND strftime('%Y-%m-%dT%H:%M:%SZ', 'now') <= strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', e.completed_at, '+30 days'), coalesce(g.score, "
	    "0), coalesce(g.comment, ''), coalesce(g.rated_by, 0), coalesce("
	    "g.updated_at, ''), coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "e.completed_at, '+30 days'), '') FROM engagements e LEFT JOIN "
	    "engagement_ratings g ON g.engagement_id = e.id WHERE e.id = ?");
	int rc = -1;

	memset(g, 0, sizeof *g);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, engagement_id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		g->engagement_id = engagement_id;
		g->consumer_id = sqlite3_column_int64(s, 0);
		g->completed = sqlite3_column_int(s, 1);
		snprintf(g->completed_at, sizeof g->completed_at, "%s",
		    (const char *)sqlite3_column_text(s, 2));
		g->open = sqlite3_column_int(s, 3);
		g->score = sqlite3_column_int64(s, 4);
		snprintf(g->comment, sizeof g->comment, "%s",
		    (const char *)sqlite3_column_text(s, 5));
		g->rated_by = sqlite3_column_int64(s, 6);
		snprintf(g->updated_at, sizeof g->updated_at, "%s",
		    (const char *)sqlite3_column_text(s, 7));
		snprintf(g->closes_at, sizeof g->closes_at, "%s",
		    (const char *)sqlite3_column_text(s, 8));
		snprintf(g->closes_on, sizeof g->closes_on, "%.10s", g->closes_at);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* Checks a rating as typed; errors name the field. */
static void
rating_check(const char *score, const char *comment, int64_t *out,
    struct form_errors *e)
{
	if (score == NULL || strlen(score) != 1 || score[0] < '1' ||
	    score[0] > '5')
		errs_add(e, "score", "Choose how satisfied you are with the work, "
		    "from very satisfied to very dissatisfied");
	else
		*out = score[0] - '0';
	if (comment != NULL && strlen(comment) > RATING_COMMENT_MAX)
		errs_add(e, "comment", "The comment must be %d characters or fewer",
		    RATING_COMMENT_MAX);
}

/* Writes the rating and its audit event inside the caller's transaction. */
static int
rating_store(struct ep_db *db, const struct principal *who,
    const struct rating *old, int64_t score, const char *comment)
{
	struct audit_actor actor;
	sqlite3_stmt *s;
	json_t *before = json_object(), *after = json_object();
	char *summary;
	int rc;

	s = db_stmt(db, "INSERT INTO engagement_ratings (engagement_id, score, "
	    "comment, rated_by, rated_at, updated_at) VALUES (?1, ?2, ?3, ?4, "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', 'now')) ON CONFLICT (engagement_id) DO "
	    "UPDATE SET score = excluded.score, comment = excluded.comment, "
	    "rated_by = excluded.rated_by, updated_at = excluded.updated_at");
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, old->engagement_id);
	sqlite3_bind_int64(s, 2, score);
	sqlite3_bind_text(s, 3, comment, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, who->person_id);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	if (rc != 0)
		return -1;
	if (old->score != 0) {
		json_object_set_new(before, "score", json_integer(old->score));
		json_object_set_new(before, "comment", json_string(old->comment));
	}
	json_object_set_new(after, "score", json_integer(score));
	json_object_set_new(after, "comment", json_string(comment));
	summary = audit_diff_dump(before, after);
	audit_actor_of(&actor, who);
	{
		char id[24];

		snprintf(id, sizeof id, "%lld", (long long)old->engagement_id);
		rc = audit_record(db, &actor, old->score != 0 ? "rating-changed" :
		    "rated", "engagement", id, old->consumer_id, summary);
	}
	free(summary);
	return rc;
}

/*
 * Gives or changes an engagement's rating, for its consuming council's
 * requesters and approvers, once completed and for 30 days after.
 * Errors go to e, naming the field ("engagement" for the rules); nothing
 * is saved unless all is well.
 */
int
rating_set(struct ep_db *db, const struct principal *who,
    int64_t engagement_id, const char *score, const char *comment,
    struct form_errors *e)
{
	struct rating g;
	int64_t n = 0;

	if (comment == NULL)
		comment = "";
	if (db_begin(db) != 0)
		goto store;
	if (rating_load(db, engagement_id, &g) != 0) {
		errs_add(e, "engagement", "There is no such engagement");
		goto refuse;
	}
	if (who->org_id != g.consumer_id || (who->roles & RATERS) == 0) {
		errs_add(e, "engagement", "Only the requesting council's requester "
		    "or approver may rate this engagement");
		goto refuse;
	}
	if (!g.completed) {
		errs_add(e, "engagement", "The engagement is not complete yet: rate "
		    "it once the work is marked complete");
		goto refuse;
	}
	if (!g.open) {
		errs_add(e, "engagement", "Ratings can be given or changed for 30 "
		    "days after completion; this one closed on %s", g.closes_on);
		goto refuse;
	}
	rating_check(score, comment, &n, e);
	if (e->n > 0)
		goto refuse;
	if (rating_store(db, who, &g, n, comment) != 0 || db_commit(db) != 0)
		goto store;
	return 0;
refuse:
	db_rollback(db);
	return -1;
store:
	db_rollback(db);
	errs_add(e, "engagement", "The store failed: %s", db_errmsg(db));
	return -1;
}

/*
 * Where a request's requester goes once its work is marked complete: the
 * rating form of its engagement, when they may rate it. Returns -1 when
 * they may not (the caller keeps its own page).
 */
int
rating_offer_path(struct ep_db *db, const struct principal *who,
    int64_t request_id, char *out, size_t len)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT id FROM engagements WHERE "
	    "request_id = ?");
	struct rating g;
	int64_t id = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, request_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (id == 0 || rating_load(db, id, &g) != 0 || !g.open ||
	    who->org_id != g.consumer_id)
		return -1;
	snprintf(out, len, "/engagements/%lld/rating?done=completed",
	    (long long)id);
	return 0;
}
