/* broker.c: ranks the experts who could take a request, with reasons. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

/* Points for each part of the score; the reasons show each one. */
#define SKILL_POINTS 200	/* per level, speciality matched */
#define AREA_POINTS 100		/* per level, area only */
#define CAPACITY_POINTS 1000	/* free time covers the estimate */
#define PRICE_POINTS 500	/* the cheapest candidate */
#define SPREAD_POINTS 300	/* a provider with no recent work */
#define PREFERRED_POINTS 400	/* the requester's preferred expert */

struct broker_request {
	char area[32], speciality[64], start[11], end[11];
	int64_t minutes, preferred, consumer;
};

static int
broker_load_request(struct ep_db *db, int64_t id, struct broker_request *q)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT area, speciality, wanted_start, "
	    "wanted_end, estimated_minutes, coalesce(preferred_expert_id, 0), "
	    "consumer_id FROM requests WHERE id = ?");
	int rc = -1;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(q->area, sizeof q->area, "%s", sqlite3_column_text(s, 0));
		snprintf(q->speciality, sizeof q->speciality, "%s",
		    sqlite3_column_text(s, 1));
		snprintf(q->start, sizeof q->start, "%s", sqlite3_column_text(s, 2));
		snprintf(q->end, sizeof q->end, "%s", sqlite3_column_text(s, 3));
		q->minutes = sqlite3_column_int64(s, 4);
		q->preferred = sqlite3_column_int64(s, 5);
		q->consumer = sqlite3_column_int64(s, 6);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

static int
cand_by_id(const void *a, const void *b)
{
	const struct broker_candidate *x = a, *y = b;

	return (x->expert_id > y->expert_id) - (x->expert_id < y->expert_id);
}

static int
cand_by_score(const void *a, const void *b)
{
	const struct broker_candidate *x = a, *y = b;

	if (x->score != y->score)
		return (y->score > x->score) - (y->score < x->score);
	return cand_by_id(a, b);
}

/* Everyone holding a skill in the area, with their best levels. */
static int
broker_candidates(struct ep_db *db, const struct broker_request *q,
    struct broker_candidate **out, size_t *n)
{
	/* CROSS JOIN: start from the skill index, not a scan of experts. */
	sqlite3_stmt *s = db_stmt(db, "SELECT x.id, x.org_id, o.code, x.name, "
	    "x.grade, x.weekly_capacity_minutes, max(CASE WHEN s.speciality = ?2 "
	    "THEN s.level ELSE 0 END), max(s.level) FROM expert_skills s CROSS "
	    "JOIN experts x ON x.id = s.expert_id JOIN organisations o ON "
	    "o.id = x.org_id WHERE s.area = ?1 AND x.active = 1 GROUP BY x.id "
	    "ORDER BY x.id");
	struct broker_candidate *v = NULL;
	size_t cap = 0;

	*n = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, q->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, q->speciality, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct broker_candidate *c;

		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, sizeof *v * cap);
		}
		c = &v[(*n)++];
		memset(c, 0, sizeof *c);
		c->expert_id = sqlite3_column_int64(s, 0);
		c->provider_id = sqlite3_column_int64(s, 1);
		snprintf(c->provider, sizeof c->provider, "%s",
		    sqlite3_column_text(s, 2));
		snprintf(c->name, sizeof c->name, "%s", sqlite3_column_text(s, 3));
		snprintf(c->grade, sizeof c->grade, "%s", sqlite3_column_text(s, 4));
		c->weekly_minutes = sqlite3_column_int64(s, 5);
		c->speciality_level = sqlite3_column_int(s, 6);
		c->area_level = sqlite3_column_int(s, 7);
	}
	sqlite3_reset(s);
	*out = v;
	return 0;
}

/* Reads (expert, starts, ends[, minutes]) rows sorted by expert into spans. */
static void
broker_spans(sqlite3_stmt *s, int with_minutes, struct expert_span **v,
    size_t *n)
{
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*v = xrealloc(*v, sizeof **v * cap);
		}
		(*v)[*n].expert_id = sqlite3_column_int64(s, 0);
		(*v)[*n].starts = day_of((const char *)sqlite3_column_text(s, 1));
		(*v)[*n].ends = day_of((const char *)sqlite3_column_text(s, 2));
		(*v)[*n].minutes = with_minutes ? sqlite3_column_int64(s, 3) : 0;
		(*n)++;
	}
	sqlite3_reset(s);
}

/* The run of spans belonging to one expert (spans sorted by expert). */
static const struct expert_span *
broker_run(const struct expert_span *v, size_t n, int64_t expert, size_t *len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].expert_id < expert)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < n && v[hi].expert_id == expert; hi++)
		;
	*len = hi - lo;
	return v + lo;
}

/*
 * Every candidate's free minutes over the wanted dates, counted as the
 * directory counts them (expert_free_of): leave and engagements for all
 * candidates read in two queries, not a query per expert.
 */
static int
broker_capacity(struct ep_db *db, const struct broker_request *q,
    struct broker_candidate *v, size_t n)
{
	int64_t from = day_of(q->start), to = day_of(q->end);
	struct expert_span *leave = NULL, *commits = NULL;
	size_t nleave = 0, ncommits = 0, i;
	sqlite3_stmt *s;

	s = db_stmt(db, "SELECT expert_id, starts, ends FROM expert_leave WHERE "
	    "ends >= ?2 AND starts <= ?3 AND expert_id IN (SELECT expert_id FROM "
	    "expert_skills WHERE area = ?1) ORDER BY expert_id, starts");
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, q->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, q->start, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, q->end, -1, SQLITE_STATIC);
	broker_spans(s, 0, &leave, &nleave);
	s = db_stmt(db, "SELECT expert_id, starts, ends, committed_minutes FROM "
	    "engagements WHERE state = 'active' AND ends >= ?2 AND starts <= ?3 "
	    "AND expert_id IN (SELECT expert_id FROM expert_skills WHERE "
	    "area = ?1) ORDER BY expert_id");
	if (s == NULL) {
		free(leave);
		return -1;
	}
	sqlite3_bind_text(s, 1, q->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, q->start, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, q->end, -1, SQLITE_STATIC);
	broker_spans(s, 1, &commits, &ncommits);
	for (i = 0; i < n; i++) {
		const struct expert_span *lv, *cm;
		size_t nlv, ncm, k;
		int64_t free_m;

		lv = broker_run(leave, nleave, v[i].expert_id, &nlv);
		cm = broker_run(commits, ncommits, v[i].expert_id, &ncm);
		for (k = 0; k < nlv; k++)
			v[i].leave_days += working_days(lv[k].starts > from ?
			    lv[k].starts : from, lv[k].ends < to ? lv[k].ends : to);
		free_m = expert_free_of(v[i].weekly_minutes, from, to, lv, nlv, cm,
		    ncm);
		v[i].free_minutes = free_m > 0 ? free_m : 0;
	}
	free(leave);
	free(commits);
	return 0;
}

struct broker_share {
	int64_t provider, permille;
};

static int
share_by_provider(const void *a, const void *b)
{
	const struct broker_share *x = a, *y = b;

	return (x->provider > y->provider) - (x->provider < y->provider);
}

/*
 * The providers' shares, kept between rankings: they change only when an
 * engagement is made, so the cache holds while the store has not changed
 * (this connection's change count and PRAGMA data_version for the others)
 * and for at most a minute, as the 90-day window moves.
 */
static struct {
	uint64_t serial;
	int64_t changes, data_version;
	time_t at;
	struct broker_share *shares;
	size_t n;
} spread_cache;

static int64_t
broker_data_version(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "PRAGMA data_version");
	int64_t v = -1;

	if (s != NULL && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	if (s != NULL)
		sqlite3_reset(s);
	return v;
}

/* Each provider's share (per mille) of engaged minutes in the last 90 days,
 * sorted by provider. */
static void
broker_shares(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT provider_id, sum(committed_minutes) "
	    "FROM engagements WHERE created_at >= strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "'now', '-90 days') GROUP BY provider_id");
	int64_t changes = sqlite3_total_changes64(db->sql);
	int64_t version = broker_data_version(db);
	time_t now = time(NULL);
	size_t cap = 0, i;
	int64_t all = 0;

	if (spread_cache.serial == db->serial && spread_cache.changes == changes &&
	    spread_cache.data_version == version && now - spread_cache.at < 60)
		return;
	free(spread_cache.shares);
	memset(&spread_cache, 0, sizeof spread_cache);
	if (s == NULL)
		return;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (spread_cache.n == cap) {
			cap = cap ? cap * 2 : 64;
			spread_cache.shares = xrealloc(spread_cache.shares,
			    sizeof *spread_cache.shares * cap);
		}
		spread_cache.shares[spread_cache.n].provider =
		    sqlite3_column_int64(s, 0);
		spread_cache.shares[spread_cache.n].permille =
		    sqlite3_column_int64(s, 1);
		all += sqlite3_column_int64(s, 1);
		spread_cache.n++;
	}
	sqlite3_reset(s);
	for (i = 0; i < spread_cache.n; i++)
		spread_cache.shares[i].permille = all > 0 ?
		    spread_cache.shares[i].permille * 1000 / all : 0;
	if (spread_cache.n > 0)
		qsort(spread_cache.shares, spread_cache.n,
		    sizeof *spread_cache.shares, share_by_provider);
	spread_cache.serial = db->serial;
	spread_cache.changes = changes;
	spread_cache.data_version = version;
	spread_cache.at = now;
}

static void
broker_spread(struct ep_db *db, struct broker_candidate *v, size_t n)
{
	struct broker_share key, *hit;
	size_t i;

	broker_shares(db);
	for (i = 0; i < n && spread_cache.n > 0; i++) {
		key.provider = v[i].provider_id;
		hit = bsearch(&key, spread_cache.shares, spread_cache.n,
		    sizeof *spread_cache.shares, share_by_provider);
		if (hit != NULL)
			v[i].share_permille = hit->permille;
	}
}

/* Points for one candidate's skill, capacity, price and spread. */
static void
broker_points(const struct broker_request *q, struct broker_candidate *c,
    int64_t cheapest, int64_t pts[4])
{
	if (c->speciality_level > 0 && q->speciality[0] != '\0')
		pts[0] = c->speciality_level * SKILL_POINTS;
	else
		pts[0] = c->area_level * AREA_POINTS;
	pts[1] = c->free_minutes >= q->minutes ? CAPACITY_POINTS :
	    CAPACITY_POINTS * c->free_minutes / q->minutes;
	pts[2] = c->price > 0 && cheapest > 0 ?
	    PRICE_POINTS * cheapest / c->price : 0;
	pts[3] = SPREAD_POINTS * (1000 - c->share_permille) / 1000;
}

static int64_t
broker_cheapest(const struct broker_candidate *v, size_t n)
{
	int64_t cheapest = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].price > 0 && (cheapest == 0 || v[i].price < cheapest))
			cheapest = v[i].price;
	}
	return cheapest;
}

/* Scores every candidate: cheap, so all of them are ranked. */
static void
broker_score(const struct broker_request *q, struct broker_candidate *v,
    size_t n, int64_t cheapest)
{
	int64_t pts[4];
	size_t i;

	for (i = 0; i < n; i++) {
		broker_points(q, &v[i], cheapest, pts);
		v[i].score = pts[0] + pts[1] + pts[2] + pts[3] +
		    (v[i].expert_id == q->preferred ? PREFERRED_POINTS : 0);
	}
}

/* Writes why, for the candidates that will be shown. */
static void
broker_reasons(const struct broker_request *q, struct broker_candidate *c,
    int64_t cheapest)
{
	int64_t pts[4];
	char money[32], free[32], needed[32];
	size_t len;

	broker_points(q, c, cheapest, pts);
	if (c->speciality_level > 0 && q->speciality[0] != '\0')
		len = (size_t)snprintf(c->reasons, sizeof c->reasons,
		    "%s/%s level %d (+%lld); ", q->area, q->speciality,
		    c->speciality_level, (long long)pts[0]);
	else
		len = (size_t)snprintf(c->reasons, sizeof c->reasons,
		    "%s level %d, not %s (+%lld); ", q->area, c->area_level,
		    q->speciality[0] ? q->speciality : "a speciality",
		    (long long)pts[0]);
	units_hours_text(free, sizeof free, c->free_minutes);
	units_hours_text(needed, sizeof needed, q->minutes);
	len += (size_t)snprintf(c->reasons + len, sizeof c->reasons - len,
	    "%s free of %s needed%s (+%lld); ", free, needed,
	    c->leave_days > 0 ? ", some leave" : "", (long long)pts[1]);
	if (c->price > 0) {
		units_money_text(money, sizeof money, c->price);
		len += (size_t)snprintf(c->reasons + len, sizeof c->reasons - len,
		    "%s estimated at %s rates%s (+%lld); ", money, c->grade,
		    c->price == cheapest ? ", the cheapest" : "", (long long)pts[2]);
	} else
		len += (size_t)snprintf(c->reasons + len, sizeof c->reasons - len,
		    "no price for grade %s (+0); ", c->grade);
	len += (size_t)snprintf(c->reasons + len, sizeof c->reasons - len,
	    "%s had %lld.%lld%% of recent work (+%lld)", c->provider,
	    (long long)(c->share_permille / 10),
	    (long long)(c->share_permille % 10), (long long)pts[3]);
	if (c->expert_id == q->preferred && len < sizeof c->reasons)
		snprintf(c->reasons + len, sizeof c->reasons - len,
		    "; the requester's preferred expert (+%d)", PREFERRED_POINTS);
}

/*
 * Ranks the candidates for a request: skill match and level, free
 * capacity over the wanted dates, price from the fee rules, and a fair
 * spread of work across providers. Every candidate is scored; the best
 * `limit` are returned, best first, with their reasons (*total says how
 * many there were). Free *out.
 */
int
broker_rank(struct ep_db *db, int64_t request_id, size_t limit,
    struct broker_candidate **out, size_t *n, size_t *total)
{
	struct broker_request q;
	struct grade_price prices[8];
	size_t nprices, i, k;
	int64_t cheapest;

	*out = NULL;
	*n = 0;
	*total = 0;
	if (broker_load_request(db, request_id, &q) != 0)
		return -1;
	if (broker_candidates(db, &q, out, n) != 0)
		return -1;
	if (*n == 0)
		return 0;
	if (broker_capacity(db, &q, *out, *n) != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	broker_spread(db, *out, *n);
	nprices = estimate_by_grade(db, q.consumer, q.area, q.minutes, q.start,
	    prices, nitems(prices));
	for (i = 0; i < *n; i++) {
		for (k = 0; k < nprices; k++) {
			if (strcmp(prices[k].grade, (*out)[i].grade) == 0)
				(*out)[i].price = prices[k].pence;
		}
	}
	cheapest = broker_cheapest(*out, *n);
	broker_score(&q, *out, *n, cheapest);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cand_by_score);
	*total = *n;
	if (*n > limit)
		*n = limit;
	for (i = 0; i < *n; i++)
		broker_reasons(&q, &(*out)[i], cheapest);
	return 0;
}
