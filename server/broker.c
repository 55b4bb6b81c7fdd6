/* broker.c: ranks the experts who could take a request, with reasons. */
#include "server.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * The directory as the ranking reads it: active experts, their skills,
 * leave and active engagements, and the engagements made in the last 90
 * days. It is read again whenever the directory's generation changes
 * (report_generations 'directory', given a new random value by triggers in
 * the same transaction as any change to organisations, experts, skills,
 * leave or engagements), so a ranking never reads it against another
 * store than the one it came from; only the request, the window's start
 * and the prices are read each time.
 */
struct broker_expert {
	int64_t id, org_id, weekly;
	char *name, *provider, *grade;
	size_t share;		/* index into providers, or SIZE_MAX */
};

struct broker_skill {
	char *area, *speciality;
	size_t expert;		/* index into experts */
	int level;
};

struct broker_recent {
	int64_t created;	/* seconds since 1970 */
	size_t provider;	/* index into providers */
	int64_t minutes;
};

static struct broker_dir {
	int valid;
	int64_t gen;
	int64_t since;		/* the window's start the recent rows began at */
	struct broker_expert *x;
	struct broker_skill *sk;	/* by area, then expert */
	struct expert_span *leave;	/* by expert, then start */
	struct expert_span *commits;	/* by expert */
	struct broker_recent *recent;	/* by created_at */
	int64_t *providers;		/* sorted */
	size_t nx, nsk, nleave, ncommits, nrecent, nproviders;
} broker_kept;
static pthread_mutex_t broker_lock = PTHREAD_MUTEX_INITIALIZER;

/* Grows an array by one element of size sz, doubling its capacity. */
static void *
broker_grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 4096;
	return xrealloc(v, *cap * sz);
}

static void
broker_dir_free(struct broker_dir *d)
{
	size_t i;

	for (i = 0; i < d->nx; i++) {
		free(d->x[i].name);
		free(d->x[i].provider);
		free(d->x[i].grade);
	}
	for (i = 0; i < d->nsk; i++) {
		free(d->sk[i].area);
		free(d->sk[i].speciality);
	}
	free(d->x);
	free(d->sk);
	free(d->leave);
	free(d->commits);
	free(d->recent);
	free(d->providers);
	memset(d, 0, sizeof *d);
}

static int
expert_by_id(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key;
	const struct broker_expert *x = elem;

	return (id > x->id) - (id < x->id);
}

static int
int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The active experts, by id, with their provider's code. */
static int
broker_read_experts(struct ep_db *db, struct broker_dir *d)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT x.id, x.org_id, o.code, x.name, "
	    "x.grade, x.weekly_capacity_minutes FROM experts x JOIN "
	    "organisations o ON o.id = x.org_id WHERE x.active = 1 ORDER BY "
	    "x.id");
	size_t cap = 0;

	if (s == NULL)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct broker_expert *x;

		d->x = broker_grow(d->x, d->nx, &cap, sizeof *d->x);
		x = &d->x[d->nx++];
		x->id = sqlite3_column_int64(s, 0);
		x->org_id = sqlite3_column_int64(s, 1);
		x->provider = xstrdup(db_text(s, 2));
		x->name = xstrdup(db_text(s, 3));
		x->grade = xstrdup(db_text(s, 4));
		x->weekly = sqlite3_column_int64(s, 5);
		x->share = SIZE_MAX;
	}
	sqlite3_reset(s);
	return 0;
}

/* The active experts' skills, by area and then expert. */
static int
broker_read_skills(struct ep_db *db, struct broker_dir *d)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT s.area, s.expert_id, "
	    "s.speciality, s.level FROM expert_skills s JOIN experts x ON "
	    "x.id = s.expert_id WHERE x.active = 1 ORDER BY s.area, "
	    "s.expert_id");
	size_t cap = 0;

	if (s == NULL)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 1);
		const struct broker_expert *x = bsearch(&id, d->x, d->nx,
		    sizeof *d->x, expert_by_id);
		struct broker_skill *k;

		if (x == NULL)
			continue;
		d->sk = broker_grow(d->sk, d->nsk, &cap, sizeof *d->sk);
		k = &d->sk[d->nsk++];
		k->area = xstrdup(db_text(s, 0));
		k->expert = (size_t)(x - d->x);
		k->speciality = xstrdup(db_text(s, 2));
		k->level = sqlite3_column_int(s, 3);
	}
	sqlite3_reset(s);
	return 0;
}

/* Reads (expert, starts, ends[, minutes]) rows sorted by expert into spans. */
static int
broker_spans(struct ep_db *db, const char *sql, int with_minutes,
    struct expert_span **v, size_t *n)
{
	sqlite3_stmt *s = db_stmt(db, sql);
	size_t cap = 0;

	if (s == NULL)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		*v = broker_grow(*v, *n, &cap, sizeof **v);
		(*v)[*n].expert_id = sqlite3_column_int64(s, 0);
		(*v)[*n].starts = day_of(db_text(s, 1));
		(*v)[*n].ends = day_of(db_text(s, 2));
		(*v)[*n].minutes = with_minutes ? sqlite3_column_int64(s, 3) : 0;
		(*n)++;
	}
	sqlite3_reset(s);
	return 0;
}

/* The start of the providers' window: 90 days before now, in seconds
 * since 1970 (created_at is stored to the second). */
static int
broker_since(struct ep_db *db, int64_t *since)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT unixepoch('now', '-90 days')");
	int rc = -1;

	if (s != NULL && sqlite3_step(s) == SQLITE_ROW) {
		*since = sqlite3_column_int64(s, 0);
		rc = 0;
	}
	if (s != NULL)
		sqlite3_reset(s);
	return rc;
}

/* The engagements made since the window's start, by when, and the
 * providers who made them. */
static int
broker_read_recent(struct ep_db *db, struct broker_dir *d)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT unixepoch(created_at), "
	    "provider_id, committed_minutes FROM engagements WHERE created_at "
	    ">= strftime('%Y-%m-%dT%H:%M:%SZ', ?, 'unixepoch') ORDER BY "
	    "created_at");
	int64_t *ids;
	size_t cap = 0, i, k;

	if (s == NULL)
		return -1;
	ids = NULL;
	sqlite3_bind_int64(s, 1, d->since);
	while (sqlite3_step(s) == SQLITE_ROW) {
		d->recent = broker_grow(d->recent, d->nrecent, &cap,
		    sizeof *d->recent);
		d->recent[d->nrecent].created = sqlite3_column_int64(s, 0);
		d->recent[d->nrecent].provider = (size_t)sqlite3_column_int64(s, 1);
		d->recent[d->nrecent++].minutes = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	/* Providers: the distinct ids, sorted; rows then hold their index. */
	ids = xcalloc(d->nrecent + 1, sizeof *ids);
	for (i = 0; i < d->nrecent; i++)
		ids[i] = (int64_t)d->recent[i].provider;
	qsort(ids, d->nrecent, sizeof *ids, int64_cmp);
	for (i = k = 0; i < d->nrecent; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	d->providers = ids;
	d->nproviders = k;
	for (i = 0; i < d->nrecent; i++) {
		int64_t id = (int64_t)d->recent[i].provider;
		int64_t *hit = bsearch(&id, ids, k, sizeof *ids, int64_cmp);

		d->recent[i].provider = (size_t)(hit - ids);
	}
	for (i = 0; i < d->nx; i++) {
		int64_t *hit = bsearch(&d->x[i].org_id, ids, k, sizeof *ids,
		    int64_cmp);

		d->x[i].share = hit != NULL ? (size_t)(hit - ids) : SIZE_MAX;
	}
	return 0;
}

/*
 * The kept directory, read again unless it came from this generation and
 * its recent rows reach back to since; in one read transaction, so the
 * generation and the rows agree. Called with broker_lock held.
 */
static const struct broker_dir *
broker_dir_get(struct ep_db *db, int64_t since)
{
	struct broker_dir d;
	int64_t gen = 0;
	int began, known, rc;

	known = db_generation(db, "directory", &gen);
	if (known && broker_kept.valid && broker_kept.gen == gen &&
	    since >= broker_kept.since)
		return &broker_kept;
	began = db->tx_depth == 0 && db_read_begin(db) == 0;
	memset(&d, 0, sizeof d);
	d.since = since;
	known = db_generation(db, "directory", &gen);
	rc = broker_read_experts(db, &d);
	if (rc == 0)
		rc = broker_read_skills(db, &d);
	if (rc == 0)
		rc = broker_spans(db, "SELECT expert_id, starts, ends FROM "
		    "expert_leave ORDER BY expert_id, starts", 0, &d.leave,
		    &d.nleave);
	if (rc == 0)
		rc = broker_spans(db, "SELECT expert_id, starts, ends, "
		    "committed_minutes FROM engagements WHERE state = 'active' "
		    "ORDER BY expert_id", 1, &d.commits, &d.ncommits);
	if (rc == 0)
		rc = broker_read_recent(db, &d);
	if (began)
		db_read_end(db);
	if (rc != 0) {
		broker_dir_free(&d);
		return NULL;
	}
	d.valid = known;
	d.gen = gen;
	broker_dir_free(&broker_kept);
	broker_kept = d;
	return &broker_kept;
}

/* One candidate while all are scored; the shown ones become
 * broker_candidates. */
struct broker_cand {
	const struct broker_expert *x;
	int speciality_level, area_level;
	int64_t leave_days, free_minutes, price, share_permille, score;
};

/* The kept skills' rows for an area: [*lo, return). */
static size_t
broker_area(const struct broker_dir *d, const char *area, size_t *lo)
{
	size_t a = 0, b = d->nsk, m;

	while (a < b) {
		m = (a + b) / 2;
		if (strcmp(d->sk[m].area, area) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	for (b = a; b < d->nsk && strcmp(d->sk[b].area, area) == 0; b++)
		;
	return b;
}

/* Everyone holding a skill in the area, by expert, with their best
 * levels. */
static struct broker_cand *
broker_candidates(const struct broker_dir *d, const struct broker_request *q,
    size_t *n)
{
	struct broker_cand *v = NULL, *c = NULL;
	size_t lo, hi = broker_area(d, q->area, &lo), i;

	*n = 0;
	if (hi > lo)
		v = xcalloc(hi - lo, sizeof *v);
	for (i = lo; i < hi; i++) {
		const struct broker_skill *k = &d->sk[i];

		if (c == NULL || c->x != &d->x[k->expert]) {
			c = &v[(*n)++];
			c->x = &d->x[k->expert];
		}
		if (k->level > c->area_level)
			c->area_level = k->level;
		if (strcmp(k->speciality, q->speciality) == 0 &&
		    k->level > c->speciality_level)
			c->speciality_level = k->level;
	}
	return v;
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

/* The spans of a run that overlap from..to, in order, into *buf. */
static size_t
broker_overlapping(const struct expert_span *v, size_t n, int64_t from,
    int64_t to, struct expert_span **buf, size_t *cap)
{
	size_t i, k = 0;

	if (n > *cap) {
		*cap = n;
		*buf = xrealloc(*buf, n * sizeof **buf);
	}
	for (i = 0; i < n; i++)
		if (v[i].ends >= from && v[i].starts <= to)
			(*buf)[k++] = v[i];
	return k;
}

/*
 * Every candidate's free minutes over the wanted dates, counted as the
 * directory counts them (expert_free_of), from the kept leave and
 * engagements that overlap the dates.
 */
static void
broker_capacity(const struct broker_dir *d, const struct broker_request *q,
    struct broker_cand *v, size_t n)
{
	int64_t from = day_of(q->start), to = day_of(q->end), free_m;
	struct expert_span *lv = NULL, *cm = NULL;
	const struct expert_span *run;
	size_t lvcap = 0, cmcap = 0, nlv, ncm, len, i, k;

	for (i = 0; i < n; i++) {
		run = broker_run(d->leave, d->nleave, v[i].x->id, &len);
		nlv = broker_overlapping(run, len, from, to, &lv, &lvcap);
		run = broker_run(d->commits, d->ncommits, v[i].x->id, &len);
		ncm = broker_overlapping(run, len, from, to, &cm, &cmcap);
		for (k = 0; k < nlv; k++)
			v[i].leave_days += working_days(lv[k].starts > from ?
			    lv[k].starts : from, lv[k].ends < to ? lv[k].ends : to);
		free_m = expert_free_of(v[i].x->weekly, from, to, lv, nlv, cm,
		    ncm);
		v[i].free_minutes = free_m > 0 ? free_m : 0;
	}
	free(lv);
	free(cm);
}

/* Each candidate's provider's share (per mille) of the minutes engaged
 * since the window's start. */
static void
broker_spread(const struct broker_dir *d, int64_t since,
    struct broker_cand *v, size_t n)
{
	int64_t *sum, all = 0;
	size_t a = 0, b = d->nrecent, m, i;

	while (a < b) {
		m = (a + b) / 2;
		if (d->recent[m].created < since)
			a = m + 1;
		else
			b = m;
	}
	sum = xcalloc(d->nproviders + 1, sizeof *sum);
	for (i = a; i < d->nrecent; i++) {
		sum[d->recent[i].provider] += d->recent[i].minutes;
		all += d->recent[i].minutes;
	}
	for (i = 0; i < n; i++)
		if (v[i].x->share != SIZE_MAX && all > 0)
			v[i].share_permille = sum[v[i].x->share] * 1000 / all;
	free(sum);
}

/* Points for one candidate's skill, capacity, price and spread. */
static void
broker_points(const struct broker_request *q, const struct broker_cand *c,
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
broker_cheapest(const struct broker_cand *v, size_t n)
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
broker_score(const struct broker_request *q, struct broker_cand *v,
    size_t n, int64_t cheapest)
{
	int64_t pts[4];
	size_t i;

	for (i = 0; i < n; i++) {
		broker_points(q, &v[i], cheapest, pts);
		v[i].score = pts[0] + pts[1] + pts[2] + pts[3] +
		    (v[i].x->id == q->preferred ? PREFERRED_POINTS : 0);
	}
}

static int
cand_by_score(const void *a, const void *b)
{
	const struct broker_cand *x = a, *y = b;

	if (x->score != y->score)
		return (y->score > x->score) - (y->score < x->score);
	return (x->x->id > y->x->id) - (x->x->id < y->x->id);
}

/* A shown candidate with why, from its scored facts. */
static void
broker_shown(const struct broker_request *q, const struct broker_cand *c,
    int64_t cheapest, struct broker_candidate *out)
{
	int64_t pts[4];
	char money[32], free[32], needed[32];
	size_t len;

	memset(out, 0, sizeof *out);
	out->expert_id = c->x->id;
	out->provider_id = c->x->org_id;
	snprintf(out->name, sizeof out->name, "%s", c->x->name);
	snprintf(out->provider, sizeof out->provider, "%s", c->x->provider);
	snprintf(out->grade, sizeof out->grade, "%s", c->x->grade);
	out->weekly_minutes = c->x->weekly;
	out->speciality_level = c->speciality_level;
	out->area_level = c->area_level;
	out->leave_days = c->leave_days;
	out->free_minutes = c->free_minutes;
	out->price = c->price;
	out->share_permille = c->share_permille;
	out->score = c->score;
	broker_points(q, c, cheapest, pts);
	if (c->speciality_level > 0 && q->speciality[0] != '\0')
		len = (size_t)snprintf(out->reasons, sizeof out->reasons,
		    "%s/%s level %d (+%lld); ", q->area, q->speciality,
		    c->speciality_level, (long long)pts[0]);
	else
		len = (size_t)snprintf(out->reasons, sizeof out->reasons,
		    "%s level %d, not %s (+%lld); ", q->area, c->area_level,
		    q->speciality[0] ? q->speciality : "a speciality",
		    (long long)pts[0]);
	units_hours_text(free, sizeof free, c->free_minutes);
	units_hours_text(needed, sizeof needed, q->minutes);
	len += (size_t)snprintf(out->reasons + len, sizeof out->reasons - len,
	    "%s free of %s needed%s (+%lld); ", free, needed,
	    c->leave_days > 0 ? ", some leave" : "", (long long)pts[1]);
	if (c->price > 0) {
		units_money_text(money, sizeof money, c->price);
		len += (size_t)snprintf(out->reasons + len,
		    sizeof out->reasons - len, "%s estimated at %s rates%s "
		    "(+%lld); ", money, out->grade, c->price == cheapest ?
		    ", the cheapest" : "", (long long)pts[2]);
	} else
		len += (size_t)snprintf(out->reasons + len,
		    sizeof out->reasons - len, "no price for grade %s (+0); ",
		    out->grade);
	len += (size_t)snprintf(out->reasons + len, sizeof out->reasons - len,
	    "%s had %lld.%lld%% of recent work (+%lld)", out->provider,
	    (long long)(c->share_permille / 10),
	    (long long)(c->share_permille % 10), (long long)pts[3]);
	if (c->x->id == q->preferred && len < sizeof out->reasons)
		snprintf(out->reasons + len, sizeof out->reasons - len,
		    "; the requester's preferred expert (+%d)", PREFERRED_POINTS);
}

/* Scores the candidates from the kept directory and writes the best
 * limit of them to *out. Called with broker_lock held. */
static int
broker_rank_kept(const struct broker_dir *d, const struct broker_request *q,
    int64_t since, const struct grade_price *prices, size_t nprices,
    size_t limit, struct broker_candidate **out, size_t *n, size_t *total)
{
	struct broker_cand *v;
	size_t nv, i, k;
	int64_t cheapest;

	v = broker_candidates(d, q, &nv);
	if (nv == 0) {
		free(v);
		return 0;
	}
	broker_capacity(d, q, v, nv);
	broker_spread(d, since, v, nv);
	for (i = 0; i < nv; i++) {
		for (k = 0; k < nprices; k++) {
			if (strcmp(prices[k].grade, v[i].x->grade) == 0)
				v[i].price = prices[k].pence;
		}
	}
	cheapest = broker_cheapest(v, nv);
	broker_score(q, v, nv, cheapest);
	qsort(v, nv, sizeof *v, cand_by_score);
	*total = nv;
	*n = nv < limit ? nv : limit;
	*out = xcalloc(*n + 1, sizeof **out);
	for (i = 0; i < *n; i++)
		broker_shown(q, &v[i], cheapest, &(*out)[i]);
	free(v);
	return 0;
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
	const struct broker_dir *d;
	int64_t since;
	size_t nprices;
	int rc = -1;

	*out = NULL;
	*n = 0;
	*total = 0;
	if (broker_load_request(db, request_id, &q) != 0 ||
	    broker_since(db, &since) != 0)
		return -1;
	nprices = estimate_by_grade(db, q.consumer, q.area, q.minutes, q.start,
	    prices, nitems(prices));
	pthread_mutex_lock(&broker_lock);
	if ((d = broker_dir_get(db, since)) != NULL)
		rc = broker_rank_kept(d, &q, since, prices, nprices, limit, out, n,
		    total);
	pthread_mutex_unlock(&broker_lock);
	return rc;
}
