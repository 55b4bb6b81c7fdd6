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
 * days. It is kept while the directory's generation stays the same
 * (report_generations 'directory', given a new random value by triggers in
 * the same transaction as any change to organisations, experts, skills,
 * leave or engagements). When it changes, the experts and engagements
 * marked since (directory_marks, migration 0022) are read again and
 * merged in, so the kept rows are those a fresh read would give; a change
 * to an organisation, many changes, or a generation changed with no marks
 * read everything again. Only the request, the window's start and the
 * prices are read each time.
 */
struct broker_expert {
	int64_t id, org_id, weekly;
	char *name, *provider, *grade;
	size_t share;		/* index into providers, or SIZE_MAX */
};

struct broker_skill {
	char *area, *speciality;
	int64_t expert_id;
	size_t expert;		/* index into experts */
	int level;
};

/* Leave or an active engagement, with its row's id. */
struct broker_span {
	int64_t id;
	struct expert_span s;
};

struct broker_recent {
	int64_t id;
	int64_t created;	/* seconds since 1970 */
	int64_t provider_id;
	size_t provider;	/* index into providers */
	int64_t minutes;
};

/* What changed since the kept directory was read: sorted ids. */
struct broker_changes {
	int64_t *experts, *engagements;
	size_t nexperts, nengagements;
	int everything;		/* an organisation, or too many to merge */
};

/* More marks than this read everything again. */
#define BROKER_MERGED 256

static struct broker_dir {
	int valid;
	int64_t gen;
	int64_t since;		/* the window's start the recent rows began at */
	int64_t seq;		/* the highest mark when read, or -1 */
	struct broker_expert *x;
	struct broker_skill *sk;	/* by area, then expert */
	struct broker_span *leave;	/* by expert, then start */
	struct broker_span *commits;	/* by expert */
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
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(v, *cap * sz);
}

/* Frees what a kept expert or skill holds. */
static void
broker_expert_free(void *v)
{
	struct broker_expert *x = v;

	free(x->name);
	free(x->provider);
	free(x->grade);
}

static void
broker_skill_free(void *v)
{
	struct broker_skill *k = v;

	free(k->area);
	free(k->speciality);
}

static void
broker_dir_free(struct broker_dir *d)
{
	size_t i;

	for (i = 0; i < d->nx; i++)
		broker_expert_free(&d->x[i]);
	for (i = 0; i < d->nsk; i++)
		broker_skill_free(&d->sk[i]);
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

/* The kept rows' orders, as the full read's ORDER BY gives them. */
static int
expert_cmp(const void *a, const void *b)
{
	const struct broker_expert *x = a, *y = b;

	return int64_cmp(&x->id, &y->id);
}

static int
skill_cmp(const void *a, const void *b)
{
	const struct broker_skill *x = a, *y = b;
	int c = strcmp(x->area, y->area);

	return c != 0 ? c : int64_cmp(&x->expert_id, &y->expert_id);
}

static int
span_cmp(const void *a, const void *b)
{
	const struct broker_span *x = a, *y = b;

	if (x->s.expert_id != y->s.expert_id)
		return int64_cmp(&x->s.expert_id, &y->s.expert_id);
	return int64_cmp(&x->s.starts, &y->s.starts);
}

static int
recent_cmp(const void *a, const void *b)
{
	const struct broker_recent *x = a, *y = b;

	return int64_cmp(&x->created, &y->created);
}

/* Reads (expert id, org id, code, name, grade, weekly) rows into *v. */
static void
broker_expert_rows(sqlite3_stmt *s, struct broker_expert **v, size_t *n,
    size_t *cap)
{
	struct broker_expert *x;

	while (sqlite3_step(s) == SQLITE_ROW) {
		*v = broker_grow(*v, *n, cap, sizeof **v);
		x = &(*v)[(*n)++];
		x->id = sqlite3_column_int64(s, 0);
		x->org_id = sqlite3_column_int64(s, 1);
		x->provider = xstrdup(db_text(s, 2));
		x->name = xstrdup(db_text(s, 3));
		x->grade = xstrdup(db_text(s, 4));
		x->weekly = sqlite3_column_int64(s, 5);
		x->share = SIZE_MAX;
	}
	sqlite3_reset(s);
}

/* Reads (area, expert id, speciality, level) rows into *v. */
static void
broker_skill_rows(sqlite3_stmt *s, struct broker_skill **v, size_t *n,
    size_t *cap)
{
	struct broker_skill *k;

	while (sqlite3_step(s) == SQLITE_ROW) {
		*v = broker_grow(*v, *n, cap, sizeof **v);
		k = &(*v)[(*n)++];
		k->area = xstrdup(db_text(s, 0));
		k->expert_id = sqlite3_column_int64(s, 1);
		k->speciality = xstrdup(db_text(s, 2));
		k->level = sqlite3_column_int(s, 3);
		k->expert = SIZE_MAX;
	}
	sqlite3_reset(s);
}

/* Reads (id, expert, starts, ends, minutes) rows into spans. */
static void
broker_span_rows(sqlite3_stmt *s, struct broker_span **v, size_t *n,
    size_t *cap)
{
	struct broker_span *p;

	while (sqlite3_step(s) == SQLITE_ROW) {
		*v = broker_grow(*v, *n, cap, sizeof **v);
		p = &(*v)[(*n)++];
		p->id = sqlite3_column_int64(s, 0);
		p->s.expert_id = sqlite3_column_int64(s, 1);
		p->s.starts = day_of(db_text(s, 2));
		p->s.ends = day_of(db_text(s, 3));
		p->s.minutes = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
}

/* Reads (id, created, provider, minutes) rows into recent rows. */
static void
broker_recent_rows(sqlite3_stmt *s, struct broker_recent **v, size_t *n,
    size_t *cap)
{
	struct broker_recent *r;

	while (sqlite3_step(s) == SQLITE_ROW) {
		*v = broker_grow(*v, *n, cap, sizeof **v);
		r = &(*v)[(*n)++];
		r->id = sqlite3_column_int64(s, 0);
		r->created = sqlite3_column_int64(s, 1);
		r->provider_id = sqlite3_column_int64(s, 2);
		r->minutes = sqlite3_column_int64(s, 3);
		r->provider = SIZE_MAX;
	}
	sqlite3_reset(s);
}

/* Each skill's index into the experts; skills of no kept expert go. */
static void
broker_index_skills(struct broker_dir *d)
{
	const struct broker_expert *x;
	size_t i, k;

	for (i = k = 0; i < d->nsk; i++) {
		x = bsearch(&d->sk[i].expert_id, d->x, d->nx, sizeof *d->x,
		    expert_by_id);
		if (x == NULL) {
			broker_skill_free(&d->sk[i]);
			continue;
		}
		d->sk[k] = d->sk[i];
		d->sk[k++].expert = (size_t)(x - d->x);
	}
	d->nsk = k;
}

/* Recent rows' index into the providers (each of theirs is there). */
static void
broker_index_recent(struct broker_dir *d, struct broker_recent *v, size_t n)
{
	int64_t *hit;
	size_t i;

	for (i = 0; i < n; i++) {
		hit = bsearch(&v[i].provider_id, d->providers, d->nproviders,
		    sizeof *d->providers, int64_cmp);
		v[i].provider = (size_t)(hit - d->providers);
	}
}

/* Each expert's index into the providers, or SIZE_MAX. */
static void
broker_index_shares(struct broker_dir *d)
{
	int64_t *hit;
	size_t i;

	for (i = 0; i < d->nx; i++) {
		hit = d->nproviders == 0 ? NULL : bsearch(&d->x[i].org_id,
		    d->providers, d->nproviders, sizeof *d->providers, int64_cmp);
		d->x[i].share = hit != NULL ? (size_t)(hit - d->providers) :
		    SIZE_MAX;
	}
}

/* Adds the providers of recent rows v to the sorted, distinct
 * providers: 1 if any was new. */
static int
broker_add_providers(struct broker_dir *d, const struct broker_recent *v,
    size_t nv)
{
	size_t n = d->nproviders, i, k;
	int64_t *ids = xcalloc(n + nv + 1, sizeof *ids);

	if (n > 0)
		memcpy(ids, d->providers, n * sizeof *ids);
	for (i = 0; i < nv; i++)
		ids[n++] = v[i].provider_id;
	qsort(ids, n, sizeof *ids, int64_cmp);
	for (i = k = 0; i < n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	if (k == d->nproviders) {
		free(ids);
		return 0;
	}
	free(d->providers);
	d->providers = ids;
	d->nproviders = k;
	return 1;
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

/* The highest mark (migration 0022), or -1 without the table. */
static int64_t
broker_seq(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT coalesce(max(seq), 0) FROM "
	    "directory_marks");
	int64_t seq = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return seq;
}

/* Everything the ranking keeps, read afresh into d. */
static int
broker_dir_read(struct ep_db *db, struct broker_dir *d)
{
	sqlite3_stmt *s;
	size_t cap;

	if ((s = db_stmt(db, "SELECT x.id, x.org_id, o.code, x.name, "
	    "x.grade, x.weekly_capacity_minutes FROM experts x JOIN "
	    "organisations o ON o.id = x.org_id WHERE x.active = 1 ORDER BY "
	    "x.id")) == NULL)
		return -1;
	broker_expert_rows(s, &d->x, &d->nx, (cap = 0, &cap));
	if ((s = db_stmt(db, "SELECT s.area, s.expert_id, s.speciality, "
	    "s.level FROM expert_skills s JOIN experts x ON x.id = "
	    "s.expert_id WHERE x.active = 1 ORDER BY s.area, "
	    "s.expert_id")) == NULL)
		return -1;
	broker_skill_rows(s, &d->sk, &d->nsk, (cap = 0, &cap));
	broker_index_skills(d);
	if ((s = db_stmt(db, "SELECT id, expert_id, starts, ends, 0 FROM "
	    "expert_leave ORDER BY expert_id, starts")) == NULL)
		return -1;
	broker_span_rows(s, &d->leave, &d->nleave, (cap = 0, &cap));
	if ((s = db_stmt(db, "SELECT id, expert_id, starts, ends, "
	    "committed_minutes FROM engagements WHERE state = 'active' "
	    "ORDER BY expert_id")) == NULL)
		return -1;
	broker_span_rows(s, &d->commits, &d->ncommits, (cap = 0, &cap));
	if ((s = db_stmt(db, "SELECT id, unixepoch(created_at), provider_id, "
	    "committed_minutes FROM engagements WHERE created_at >= "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', ?, 'unixepoch') ORDER BY "
	    "created_at")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, d->since);
	broker_recent_rows(s, &d->recent, &d->nrecent, (cap = 0, &cap));
	broker_add_providers(d, d->recent, d->nrecent);
	broker_index_recent(d, d->recent, d->nrecent);
	broker_index_shares(d);
	return 0;
}

/* Adds id to a growing list. */
static void
broker_note(int64_t **v, size_t *n, size_t *cap, int64_t id)
{
	*v = broker_grow(*v, *n, cap, sizeof **v);
	(*v)[(*n)++] = id;
}

/* Sorts a list of ids and drops repeats. */
static void
broker_distinct(int64_t *v, size_t *n)
{
	size_t i, k;

	if (*n == 0)
		return;
	qsort(v, *n, sizeof *v, int64_cmp);
	for (i = k = 0; i < *n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*n = k;
}

/* The experts and engagements marked after seq. */
static int
broker_changes_read(struct ep_db *db, int64_t seq, struct broker_changes *c)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT kind, ref FROM directory_marks "
	    "WHERE seq > ? ORDER BY seq LIMIT ?");
	size_t capx = 0, cape = 0, n = 0;
	const char *kind;

	memset(c, 0, sizeof *c);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_int(s, 2, BROKER_MERGED + 1);
	while (sqlite3_step(s) == SQLITE_ROW) {
		kind = db_text(s, 0);
		if (strcmp(kind, "expert") == 0)
			broker_note(&c->experts, &c->nexperts, &capx,
			    sqlite3_column_int64(s, 1));
		else if (strcmp(kind, "engagement") == 0)
			broker_note(&c->engagements, &c->nengagements, &cape,
			    sqlite3_column_int64(s, 1));
		else
			c->everything = 1;
		n++;
	}
	sqlite3_reset(s);
	if (n > BROKER_MERGED || n == 0)
		c->everything = 1;
	broker_distinct(c->experts, &c->nexperts);
	broker_distinct(c->engagements, &c->nengagements);
	return 0;
}

static void
broker_changes_free(struct broker_changes *c)
{
	free(c->experts);
	free(c->engagements);
}

/* Whether an id is in a sorted list. */
static int
broker_in(int64_t id, const int64_t *v, size_t n)
{
	return n > 0 && bsearch(&id, v, n, sizeof *v, int64_cmp) != NULL;
}

/* Whether a kept row belongs to a changed expert or engagement. */
static int
drop_expert(const void *e, const struct broker_changes *c)
{
	return broker_in(((const struct broker_expert *)e)->id, c->experts,
	    c->nexperts);
}

static int
drop_skill(const void *e, const struct broker_changes *c)
{
	return broker_in(((const struct broker_skill *)e)->expert_id,
	    c->experts, c->nexperts);
}

static int
drop_leave(const void *e, const struct broker_changes *c)
{
	return broker_in(((const struct broker_span *)e)->s.expert_id,
	    c->experts, c->nexperts);
}

static int
drop_commit(const void *e, const struct broker_changes *c)
{
	return broker_in(((const struct broker_span *)e)->id, c->engagements,
	    c->nengagements);
}

static int
drop_recent(const void *e, const struct broker_changes *c)
{
	return broker_in(((const struct broker_recent *)e)->id,
	    c->engagements, c->nengagements);
}

/* Where e goes among v's n sorted rows: after those not above it. */
static size_t
broker_after(const char *v, size_t n, size_t sz, const void *e,
    int (*cmp)(const void *, const void *))
{
	size_t a = 0, b = n, m;

	while (a < b) {
		m = (a + b) / 2;
		if (cmp(e, v + m * sz) < 0)
			b = m;
		else
			a = m + 1;
	}
	return a;
}

/*
 * The sorted array v of *n elements of size sz without those drop says
 * changed (freed with gone, if any) and with add merged in (sorted by cmp
 * too, then taken; kept rows first among equals): the order a fresh read
 * gives, in place, moving only the rows after the first change.
 */
static void *
broker_merge(void *v, size_t *n, size_t sz,
    int (*drop)(const void *, const struct broker_changes *),
    const struct broker_changes *c, void (*gone)(void *), void *add,
    size_t nadd, int (*cmp)(const void *, const void *))
{
	char *old = v, *new = add;
	size_t i, k, j, o;

	if (nadd > 0)
		qsort(add, nadd, sz, cmp);
	for (i = k = 0; i < *n; i++) {
		if (drop(old + i * sz, c)) {
			if (gone != NULL)
				gone(old + i * sz);
			continue;
		}
		if (k != i)
			memcpy(old + k * sz, old + i * sz, sz);
		k++;
	}
	old = xrealloc(old, (k + nadd + 1) * sz);
	/* From the end: the kept rows after the last added one move up by
	 * as many as are added up to it, and it goes below them. */
	for (i = k, j = nadd; j > 0; j--) {
		o = broker_after(old, i, sz, new + (j - 1) * sz, cmp);
		if (o < i)
			memmove(old + (o + j) * sz, old + o * sz, (i - o) * sz);
		memcpy(old + (o + j - 1) * sz, new + (j - 1) * sz, sz);
		i = o;
	}
	*n = k + nadd;
	free(add);
	return old;
}

/* Whether the changed experts' rows x (by id) add or drop any of the
 * kept experts, moving the others' indexes. */
static int
broker_moved(const struct broker_dir *d, const struct broker_changes *c,
    const struct broker_expert *x, size_t nx)
{
	size_t i, k = 0;
	int had, has;

	for (i = 0; i < c->nexperts; i++) {
		had = d->nx > 0 && bsearch(&c->experts[i], d->x, d->nx,
		    sizeof *d->x, expert_by_id) != NULL;
		has = k < nx && x[k].id == c->experts[i];
		if (has)
			k++;
		if (had != has)
			return 1;
	}
	return 0;
}

/* One skill's index into the experts: 0, or -1 when it has none. */
static int
broker_index_skill(const struct broker_dir *d, struct broker_skill *k)
{
	const struct broker_expert *x = d->nx == 0 ? NULL : bsearch(
	    &k->expert_id, d->x, d->nx, sizeof *d->x, expert_by_id);

	if (x == NULL)
		return -1;
	k->expert = (size_t)(x - d->x);
	return 0;
}

/* The changed experts' index into the providers. */
static void
broker_index_changed(struct broker_dir *d, const struct broker_changes *c)
{
	struct broker_expert *x;
	int64_t *hit;
	size_t i;

	for (i = 0; i < c->nexperts && d->nx > 0; i++) {
		x = bsearch(&c->experts[i], d->x, d->nx, sizeof *d->x,
		    expert_by_id);
		if (x == NULL)
			continue;
		hit = d->nproviders == 0 ? NULL : bsearch(&x->org_id,
		    d->providers, d->nproviders, sizeof *d->providers,
		    int64_cmp);
		x->share = hit != NULL ? (size_t)(hit - d->providers) :
		    SIZE_MAX;
	}
}

/* The changed experts read again (row, skills, leave) and merged in. */
static int
broker_follow_experts(struct ep_db *db, struct broker_dir *d,
    const struct broker_changes *c)
{
	struct broker_expert *x = NULL;
	struct broker_skill *sk = NULL;
	struct broker_span *lv = NULL;
	size_t nx = 0, nsk = 0, nlv = 0, capx = 0, capsk = 0, caplv = 0, i;
	sqlite3_stmt *sx, *ssk, *slv;
	int rc = -1, moved;

	sx = db_stmt(db, "SELECT x.id, x.org_id, o.code, x.name, x.grade, "
	    "x.weekly_capacity_minutes FROM experts x JOIN organisations o "
	    "ON o.id = x.org_id WHERE x.active = 1 AND x.id = ?");
	ssk = db_stmt(db, "SELECT s.area, s.expert_id, s.speciality, "
	    "s.level FROM expert_skills s JOIN experts x ON x.id = "
	    "s.expert_id WHERE x.active = 1 AND s.expert_id = ?");
	slv = db_stmt(db, "SELECT id, expert_id, starts, ends, 0 FROM "
	    "expert_leave WHERE expert_id = ? ORDER BY starts");
	if (sx == NULL || ssk == NULL || slv == NULL)
		goto out;
	for (i = 0; i < c->nexperts; i++) {
		sqlite3_bind_int64(sx, 1, c->experts[i]);
		broker_expert_rows(sx, &x, &nx, &capx);
		sqlite3_bind_int64(ssk, 1, c->experts[i]);
		broker_skill_rows(ssk, &sk, &nsk, &capsk);
		sqlite3_bind_int64(slv, 1, c->experts[i]);
		broker_span_rows(slv, &lv, &nlv, &caplv);
	}
	moved = broker_moved(d, c, x, nx);
	d->x = broker_merge(d->x, &d->nx, sizeof *d->x, drop_expert, c,
	    broker_expert_free, x, nx, expert_cmp);
	/* The same experts: the kept indexes hold; only the new rows'. */
	for (i = 0; !moved && i < nsk; i++)
		moved = broker_index_skill(d, &sk[i]) != 0;
	d->sk = broker_merge(d->sk, &d->nsk, sizeof *d->sk, drop_skill, c,
	    broker_skill_free, sk, nsk, skill_cmp);
	d->leave = broker_merge(d->leave, &d->nleave, sizeof *d->leave,
	    drop_leave, c, NULL, lv, nlv, span_cmp);
	x = NULL, sk = NULL, lv = NULL;
	if (moved) {
		broker_index_skills(d);
		broker_index_shares(d);
	} else
		broker_index_changed(d, c);
	rc = 0;
out:
	free(x);
	free(sk);
	free(lv);
	return rc;
}

/* The changed engagements read again (active spans, recent rows) and
 * merged in. */
static int
broker_follow_engagements(struct ep_db *db, struct broker_dir *d,
    const struct broker_changes *c)
{
	struct broker_span *cm = NULL;
	struct broker_recent *rr = NULL;
	size_t ncm = 0, nrc = 0, capcm = 0, caprc = 0, i;
	int added;
	sqlite3_stmt *scm, *src;

	scm = db_stmt(db, "SELECT id, expert_id, starts, ends, "
	    "committed_minutes FROM engagements WHERE id = ? AND state = "
	    "'active'");
	src = db_stmt(db, "SELECT id, unixepoch(created_at), provider_id, "
	    "committed_minutes FROM engagements WHERE id = ? AND created_at "
	    ">= strftime('%Y-%m-%dT%H:%M:%SZ', ?, 'unixepoch')");
	if (scm == NULL || src == NULL)
		return -1;
	for (i = 0; i < c->nengagements; i++) {
		sqlite3_bind_int64(scm, 1, c->engagements[i]);
		broker_span_rows(scm, &cm, &ncm, &capcm);
		sqlite3_bind_int64(src, 1, c->engagements[i]);
		sqlite3_bind_int64(src, 2, d->since);
		broker_recent_rows(src, &rr, &nrc, &caprc);
	}
	d->commits = broker_merge(d->commits, &d->ncommits,
	    sizeof *d->commits, drop_commit, c, NULL, cm, ncm, span_cmp);
	/* A provider new to the window moves the others' indexes. */
	added = broker_add_providers(d, rr, nrc);
	broker_index_recent(d, rr, nrc);
	d->recent = broker_merge(d->recent, &d->nrecent, sizeof *d->recent,
	    drop_recent, c, NULL, rr, nrc, recent_cmp);
	if (added) {
		broker_index_recent(d, d->recent, d->nrecent);
		broker_index_shares(d);
	}
	return 0;
}

/* Drops the recent rows from before the window's start, so the kept
 * rows stay those of the window as it moves on. */
static void
broker_trim(struct broker_dir *d, int64_t since)
{
	size_t a = 0, b = d->nrecent, m;

	while (a < b) {
		m = (a + b) / 2;
		if (d->recent[m].created < since)
			a = m + 1;
		else
			b = m;
	}
	if (a > 0)
		memmove(d->recent, d->recent + a, (d->nrecent - a) *
		    sizeof *d->recent);
	d->nrecent -= a;
	d->since = since;
}

/*
 * The kept directory brought up to the store by merging in what was
 * marked after its seq, its window starting at since: 0, 1 when
 * everything must be read again, -1 on a store error (d is then left to
 * be freed).
 */
static int
broker_dir_follow(struct ep_db *db, struct broker_dir *d, int64_t since)
{
	struct broker_changes c;
	int rc;

	broker_trim(d, since);

	if (broker_changes_read(db, d->seq, &c) != 0)
		return -1;
	rc = c.everything;
	if (rc == 0 && c.nexperts > 0)
		rc = broker_follow_experts(db, d, &c);
	if (rc == 0 && c.nengagements > 0)
		rc = broker_follow_engagements(db, d, &c);
	broker_changes_free(&c);
	return rc;
}

/*
 * The kept directory as the store stands: kept as it is while the
 * generation is the same, followed through the marks when it is not, or
 * read again; in one transaction, so the generation, the marks and the
 * rows agree. Inside a transaction that has written (whose changes may
 * yet be rolled back, and their marks' numbers shown again) what is read
 * is kept for its generation but never followed from. Called with
 * broker_lock held.
 */
static const struct broker_dir *
broker_dir_get(struct ep_db *db, int64_t since)
{
	struct broker_dir d;
	int64_t gen = 0, seq;
	int began, known, committed, rc = 1;

	known = db_generation(db, "directory", &gen);
	if (known && broker_kept.valid && broker_kept.gen == gen &&
	    since >= broker_kept.since)
		return &broker_kept;
	began = db->tx_depth == 0 && db_read_begin(db) == 0;
	known = db_generation(db, "directory", &gen);
	committed = (began || db->tx_depth != 0) &&
	    sqlite3_txn_state(db->sql, "main") != SQLITE_TXN_WRITE;
	seq = committed ? broker_seq(db) : -1;
	if (known && broker_kept.valid && broker_kept.seq >= 0 &&
	    seq > broker_kept.seq && since >= broker_kept.since) {
		if ((rc = broker_dir_follow(db, &broker_kept, since)) == 0) {
			broker_kept.gen = gen;
			broker_kept.seq = seq;
		} else
			broker_dir_free(&broker_kept);
	}
	if (rc != 0) {
		memset(&d, 0, sizeof d);
		d.since = since;
		d.seq = seq;
		rc = broker_dir_read(db, &d);
		d.valid = known;
		d.gen = gen;
		broker_dir_free(&broker_kept);
		broker_kept = d;
	}
	if (began)
		db_read_end(db);
	if (rc != 0) {
		broker_dir_free(&broker_kept);
		return NULL;
	}
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
static const struct broker_span *
broker_run(const struct broker_span *v, size_t n, int64_t expert, size_t *len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].s.expert_id < expert)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < n && v[hi].s.expert_id == expert; hi++)
		;
	*len = hi - lo;
	return v + lo;
}

/* The spans of a run that overlap from..to, in order, into *buf. */
static size_t
broker_overlapping(const struct broker_span *v, size_t n, int64_t from,
    int64_t to, struct expert_span **buf, size_t *cap)
{
	size_t i, k = 0;

	if (n > *cap) {
		*cap = n;
		*buf = xrealloc(*buf, n * sizeof **buf);
	}
	for (i = 0; i < n; i++)
		if (v[i].s.ends >= from && v[i].s.starts <= to)
			(*buf)[k++] = v[i].s;
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
	const struct broker_span *run;
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
