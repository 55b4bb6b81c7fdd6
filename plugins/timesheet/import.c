/* import.c: CSV import of hours, all or nothing: reading, checking and
 * writing a file, and the CLI's command (import-pages.c is the web's). */
#include "timesheet.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TS_IMPORT_MAX_LINES 200000
#define TS_IMPORT_TRIES 3          /* checks of a file, the last one locked */

static const char *const ts_csv_header[TS_CSV_COLUMNS] = { "engagement",
	"date", "duration", "activity", "note", "billable" };

void
ts_import_error(struct ts_import *im, int line, const char *fmt, ...)
{
	struct ts_import_error *v;
	char msg[600];
	va_list ap;

	im->bad++;
	if (im->nerrors == im->cap) {
		int cap = im->cap ? im->cap * 2 : 64;

		if ((v = realloc(im->errors, (size_t)cap * sizeof *v)) == NULL)
			return;
		im->errors = v;
		im->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if ((im->errors[im->nerrors].message = strdup(msg)) == NULL)
		return;
	im->errors[im->nerrors++].line = line;
}

void
ts_import_free(struct ts_import *im)
{
	int i;

	for (i = 0; i < im->nerrors; i++)
		free(im->errors[i].message);
	free(im->errors);
	memset(im, 0, sizeof *im);
}

static char *
ts_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* yes/no, y/n, true/false, 1/0; empty is billable. -1 for anything else. */
static int
ts_yes_no(const char *s)
{
	static const char *const yes[] = { "", "yes", "y", "true", "1", NULL };
	static const char *const no[] = { "no", "n", "false", "0", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	}
	for (i = 0; no[i] != NULL; i++) {
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int
ts_header_ok(struct ts_csv *c)
{
	int i;

	if (c->nfield != TS_CSV_COLUMNS)
		return 0;
	for (i = 0; i < TS_CSV_COLUMNS; i++) {
		if (strcasecmp(ts_trim(c->field[i]), ts_csv_header[i]) != 0)
			return 0;
	}
	return 1;
}

/*
 * What the rules read from the store, read once for a whole file: an
 * engagement ("e ID": its context, and in store the pence it has charged)
 * or an expert's day ("d EXPERT DATE": in store the minutes logged). file
 * is what the file's good lines so far add to store. The store may change
 * while the file is checked; before anything is written, each is read
 * again under the write lock and must be as it was.
 */
struct ts_memo {
	char key[48];
	int64_t id;             /* the engagement, or the expert */
	char date[11];
	struct ts_context c;    /* engagements */
	int64_t store, file;
};

struct ts_memos {
	struct ts_memo **slot;  /* open addressing; cap is a power of two */
	size_t n, cap;
};

static uint64_t
ts_memo_hash(const char *s)
{
	uint64_t h = 14695981039346656037u;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211u;
	}
	return h;
}

static void
ts_memos_free(struct ts_memos *ms)
{
	size_t i;

	for (i = 0; i < ms->cap; i++)
		free(ms->slot[i]);
	free(ms->slot);
	memset(ms, 0, sizeof *ms);
}

/* The memo for key, a new empty one (*fresh set) if there is none; NULL
 * when out of memory. */
static struct ts_memo *
ts_memo_get(struct ts_memos *ms, const char *key, int *fresh)
{
	struct ts_memo **slot, *m;
	size_t i, cap;

	*fresh = 0;
	if (ms->n * 2 >= ms->cap) {
		cap = ms->cap ? ms->cap * 2 : 64;
		if ((slot = calloc(cap, sizeof *slot)) == NULL)
			return NULL;
		for (i = 0; i < ms->cap; i++) {
			size_t j;

			if ((m = ms->slot[i]) == NULL)
				continue;
			for (j = ts_memo_hash(m->key) & (cap - 1); slot[j] != NULL;
			    j = (j + 1) & (cap - 1))
				;
			slot[j] = m;
		}
		free(ms->slot);
		ms->slot = slot;
		ms->cap = cap;
	}
	for (i = ts_memo_hash(key) & (ms->cap - 1); ms->slot[i] != NULL;
	    i = (i + 1) & (ms->cap - 1)) {
		if (strcmp(ms->slot[i]->key, key) == 0)
			return ms->slot[i];
	}
	if ((m = calloc(1, sizeof *m)) == NULL)
		return NULL;
	snprintf(m->key, sizeof m->key, "%s", key);
	ms->slot[i] = m;
	ms->n++;
	*fresh = 1;
	return m;
}

/* An engagement's context and the pence it has charged, as stored. */
static void
ts_memo_read_engagement(ep_db *db, int64_t id, struct ts_context *c,
    int64_t *used)
{
	memset(c, 0, sizeof *c);
	*used = 0;
	c->found = ts_engagement_load(db, id, &c->g) == 0;
	if (!c->found)
		return;
	c->allowed = ts_budget_allowed(db, &c->g);
	if (c->allowed >= 0)
		*used = ts_budget_used(db, id);
}

/* True when two reads of an engagement say the same to the rules. */
static int
ts_context_same(const struct ts_context *a, const struct ts_context *b)
{
	const struct ts_engagement *x = &a->g, *y = &b->g;

	if (a->found != b->found)
		return 0;
	if (!a->found)
		return 1;
	return a->allowed == b->allowed && x->id == y->id &&
	    x->expert_id == y->expert_id && x->expert_person == y->expert_person &&
	    x->provider_id == y->provider_id && x->consumer_id == y->consumer_id &&
	    x->agreement_id == y->agreement_id && x->budget == y->budget &&
	    x->vat == y->vat && strcmp(x->starts, y->starts) == 0 &&
	    strcmp(x->ends, y->ends) == 0 && strcmp(x->state, y->state) == 0 &&
	    strcmp(x->basis, y->basis) == 0 && strcmp(x->grade, y->grade) == 0 &&
	    strcmp(x->consumer, y->consumer) == 0 &&
	    strcmp(x->provider, y->provider) == 0 &&
	    strcmp(x->ruleset, y->ruleset) == 0 &&
	    strcmp(x->title, y->title) == 0;
}

/* Under the write lock: is everything the check read still as it was? */
static int
ts_memos_current(ep_db *db, const struct ts_memos *ms)
{
	struct ts_context now;
	const struct ts_memo *m;
	int64_t used;
	size_t i;

	for (i = 0; i < ms->cap; i++) {
		if ((m = ms->slot[i]) == NULL)
			continue;
		if (m->key[0] == 'e') {
			ts_memo_read_engagement(db, m->id, &now, &used);
			if (!ts_context_same(&m->c, &now) || used != m->store)
				return 0;
		} else if (ts_day_minutes(db, m->id, m->date) != m->store)
			return 0;
	}
	return 1;
}

/* A good line, checked and priced, waiting to be written. */
struct ts_pending {
	const struct ts_memo *engagement;
	int line;
	int billable;
	char date[11];
	char activity[16];
	char *note;
	struct ts_checked k;
};

struct ts_pendings {
	struct ts_pending *v;
	size_t n, cap;
};

static void
ts_pendings_free(struct ts_pendings *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->v[i].note);
	free(ps->v);
	memset(ps, 0, sizeof *ps);
}

/* What one file's check has gathered. */
struct ts_check_state {
	ep_db *db;
	ep_fees *fees;
	const struct ts_actor *actor;
	struct ts_memos memos;
	struct ts_pendings pending;
	struct ts_import *im;
};

/* The engagement's memo for a line, read from the store the first time. */
static struct ts_memo *
ts_line_engagement(struct ts_check_state *st, int64_t id)
{
	struct ts_memo *m;
	char key[48];
	int fresh;

	snprintf(key, sizeof key, "e %lld", (long long)id);
	if ((m = ts_memo_get(&st->memos, key, &fresh)) != NULL && fresh) {
		m->id = id;
		ts_memo_read_engagement(st->db, id, &m->c, &m->store);
	}
	return m;
}

/* The expert's day's memo for a line, read the first time. */
static struct ts_memo *
ts_line_day(struct ts_check_state *st, int64_t expert, const char *date)
{
	struct ts_memo *m;
	char key[48];
	int fresh;

	snprintf(key, sizeof key, "d %lld %s", (long long)expert, date);
	if ((m = ts_memo_get(&st->memos, key, &fresh)) != NULL && fresh) {
		m->id = expert;
		snprintf(m->date, sizeof m->date, "%s", date);
		m->store = ts_day_minutes(st->db, expert, date);
	}
	return m;
}

/* Keeps a good line to write once the whole file is known to be good. */
static int
ts_line_keep(struct ts_check_state *st, const struct ts_memo *eng, int line,
    const struct ts_entry_in *in, const struct ts_checked *k)
{
	struct ts_pendings *ps = &st->pending;
	struct ts_pending *p;

	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 256;

		if ((p = realloc(ps->v, cap * sizeof *p)) == NULL)
			return -1;
		ps->v = p;
		ps->cap = cap;
	}
	p = &ps->v[ps->n];
	memset(p, 0, sizeof *p);
	if ((p->note = strdup(in->note)) == NULL)
		return -1;
	p->engagement = eng;
	p->line = line;
	p->billable = in->billable;
	snprintf(p->date, sizeof p->date, "%s", in->date);
	snprintf(p->activity, sizeof p->activity, "%s", in->activity);
	p->k = *k;
	ps->n++;
	return 0;
}

/*
 * One data record through the same rules as the grid and the API, against
 * what the store held when the file's check first needed it plus the
 * file's own good lines before this one.
 */
static void
ts_import_line(struct ts_check_state *st, struct ts_csv *c)
{
	const struct ep_host *h = ts_host;
	struct ts_import *im = st->im;
	struct ts_memo *eng, *day = NULL;
	struct ts_entry_in in;
	struct ts_context cx;
	struct ts_checked k;
	ep_errors *e;
	char *end, activity[16];
	long long engagement;
	size_t i;

	if (c->nfield != TS_CSV_COLUMNS) {
		ts_import_error(im, c->record_line, "expected %d columns (%s), "
		    "found %d", TS_CSV_COLUMNS, "engagement,date,duration,activity,"
		    "note,billable", c->nfield);
		return;
	}
	memset(&in, 0, sizeof in);
	errno = 0;
	engagement = strtoll(ts_trim(c->field[0]), &end, 10);
	if (errno != 0 || *end != '\0' || engagement <= 0) {
		ts_import_error(im, c->record_line, "engagement must be the number "
		    "of one of your engagements, not \"%.40s\"", c->field[0]);
		return;
	}
	if ((in.billable = ts_yes_no(ts_trim(c->field[5]))) < 0) {
		ts_import_error(im, c->record_line, "billable must be yes or no, "
		    "not \"%.40s\"", c->field[5]);
		return;
	}
	snprintf(activity, sizeof activity, "%s", ts_trim(c->field[3]));
	for (i = 0; activity[i] != '\0'; i++)
		activity[i] = (char)tolower((unsigned char)activity[i]);
	in.engagement = engagement;
	in.date = ts_trim(c->field[1]);
	in.duration = ts_trim(c->field[2]);
	in.activity = activity;
	in.note = c->field[4];
	if ((eng = ts_line_engagement(st, engagement)) == NULL)
		goto oom;
	cx = eng->c;
	cx.used = eng->store + eng->file;
	if (cx.found && ts_host->date_ok(in.date)) {
		if ((day = ts_line_day(st, cx.g.expert_id, in.date)) == NULL)
			goto oom;
		cx.day = day->store + day->file;
	}
	if ((e = h->errors_new()) == NULL)
		goto oom;
	if (ts_entry_check(st->fees, st->actor, &cx, &in, "line", e, &k) != 0)
		ts_import_error(im, c->record_line, "%s", h->errors_get(e, "line") ?
		    h->errors_get(e, "line") : "the entry could not be checked");
	else if (ts_line_keep(st, eng, c->record_line, &in, &k) != 0) {
		h->errors_free(e);
		goto oom;
	} else {
		eng->file += k.priced;
		if (day != NULL)
			day->file += k.minutes;
		im->minutes += k.minutes;
	}
	h->errors_free(e);
	return;
oom:
	snprintf(im->failure, sizeof im->failure, "out of memory");
}

/* The number of data records after the header, for progress. */
static int64_t
ts_import_count(const char *text, size_t len)
{
	struct ts_csv *c = malloc(sizeof *c);
	int64_t n = 0;
	int rc;

	if (c == NULL)
		return 0;
	ts_csv_init(c, text, len);
	if (ts_csv_next(c) != 0) {
		while ((rc = ts_csv_next(c)) != 0) {
			if (!(rc > 0 && c->nfield == 1 && *ts_trim(c->field[0]) ==
			    '\0'))
				n++;
		}
	}
	free(c);
	return n;
}

/* Checks every line after the header into st, reporting progress. */
static void
ts_import_check(struct ts_check_state *st, const char *text, size_t len,
    int64_t total, const struct ts_import_hooks *hk)
{
	struct ts_import *im = st->im;
	struct ts_csv *c;
	int rc;

	if ((c = malloc(sizeof *c)) == NULL) {
		snprintf(im->failure, sizeof im->failure, "out of memory");
		return;
	}
	ts_csv_init(c, text, len);
	ts_csv_next(c); /* the header, checked already */
	while (im->failure[0] == '\0' && (rc = ts_csv_next(c)) != 0) {
		if (rc > 0 && c->nfield == 1 && *ts_trim(c->field[0]) == '\0')
			continue; /* a blank line */
		if (++im->lines > TS_IMPORT_MAX_LINES) {
			ts_import_error(im, c->record_line, "a file may hold at most "
			    "%d lines; split it", TS_IMPORT_MAX_LINES);
			break;
		}
		if (rc < 0)
			ts_import_error(im, c->record_line, "%s", c->err);
		else
			ts_import_line(st, c);
		if (hk != NULL && hk->progress != NULL)
			hk->progress(im->lines, total, hk->arg);
	}
	free(c);
	if (im->bad == 0 && im->lines == 0)
		ts_import_error(im, 2, "there are no entries after the header");
}

/* Writes the checked lines, each audited; -1 at the first that fails. */
static int
ts_import_write(struct ts_check_state *st)
{
	const struct ep_host *h = ts_host;
	const struct ts_pending *p;
	struct ts_entry_in in;
	struct ts_result res;
	ep_errors *e;
	size_t i;
	int rc = 0;

	if ((e = h->errors_new()) == NULL)
		return -1;
	for (i = 0; i < st->pending.n && rc == 0; i++) {
		p = &st->pending.v[i];
		memset(&in, 0, sizeof in);
		in.engagement = p->engagement->id;
		in.date = p->date;
		in.activity = p->activity;
		in.note = p->note;
		in.billable = p->billable;
		if ((rc = ts_entry_write(st->db, st->actor, 0, &in,
		    &p->engagement->c.g, &p->k, "line", e, &res)) != 0)
			ts_import_error(st->im, p->line, "%s", h->errors_get(e,
			    "line") ? h->errors_get(e, "line") :
			    "the entry could not be saved");
	}
	h->errors_free(e);
	return rc;
}

/* Starts an attempt afresh. */
static void
ts_check_reset(struct ts_check_state *st)
{
	ts_memos_free(&st->memos);
	ts_pendings_free(&st->pending);
	ts_import_free(st->im);
}

/*
 * Imports a CSV file's entries for one expert, all or nothing: every line
 * is checked (so every bad one is reported with its line number), and only
 * when all are good is anything written, in one transaction. The check
 * reads without the store's write lock, so the server's other writes go on
 * meanwhile; the transaction then reads again what the check relied on
 * (each engagement, its budget, the expert's days) and, if any of it
 * changed, the file is checked again, the last time under the lock from
 * the start. hk->finish, if any, runs inside the transaction before it
 * commits. Returns 0 when all were saved.
 */
int
ts_import_run(ep_db *db, ep_fees *f, const struct ts_actor *a,
    const char *text, size_t len, const struct ts_import_hooks *hk,
    struct ts_import *im)
{
	const struct ep_host *h = ts_host;
	struct ts_check_state st;
	struct ts_csv *c;
	int64_t total = 0;
	int attempt, locked = 0, rc = -1;

	memset(im, 0, sizeof *im);
	memset(&st, 0, sizeof st);
	st.db = db;
	st.fees = f;
	st.actor = a;
	st.im = im;
	if ((a->roles & EP_ROLE_EXPERT) == 0) {
		snprintf(im->failure, sizeof im->failure, "%s is not an expert: "
		    "only experts log hours", a->login);
		return -1;
	}
	if ((c = malloc(sizeof *c)) == NULL) {
		snprintf(im->failure, sizeof im->failure, "out of memory");
		return -1;
	}
	ts_csv_init(c, text, len);
	rc = ts_csv_next(c);
	if (rc <= 0 || !ts_header_ok(c)) {
		ts_import_error(im, 1, "the first line must be the header "
		    "engagement,date,duration,activity,note,billable");
		free(c);
		return -1;
	}
	free(c);
	if (hk != NULL && hk->progress != NULL)
		total = ts_import_count(text, len);
	for (attempt = 0; attempt < TS_IMPORT_TRIES; attempt++) {
		ts_check_reset(&st);
		locked = attempt == TS_IMPORT_TRIES - 1;
		if (locked && h->db_begin(db) != 0)
			goto busy;
		ts_import_check(&st, text, len, total, hk);
		if (im->bad > 0 || im->failure[0] != '\0')
			goto fail;
		if (!locked) {
			if (h->db_begin(db) != 0)
				goto busy;
			locked = 1;
			if (!ts_memos_current(db, &st.memos)) {
				h->db_rollback(db);
				locked = 0;
				continue;
			}
		}
		break;
	}
	if (ts_import_write(&st) != 0 || (hk != NULL && hk->finish != NULL &&
	    hk->finish(db, im, hk->arg) != 0))
		goto store;
	if (h->db_commit(db) != 0)
		goto store;
	ts_memos_free(&st.memos);
	ts_pendings_free(&st.pending);
	return 0;
busy:
	locked = 0;
	snprintf(im->failure, sizeof im->failure, "the store is busy: %s",
	    h->db_errmsg(db));
	goto fail;
store:
	if (im->bad == 0)
		snprintf(im->failure, sizeof im->failure, "the store failed: %s",
		    h->db_errmsg(db));
fail:
	if (locked)
		h->db_rollback(db);
	ts_memos_free(&st.memos);
	ts_pendings_free(&st.pending);
	return -1;
}

/* Reads a whole file, bounded; NULL with errno set. */
static char *
ts_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *bigger;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			if (cap >= TS_IMPORT_MAX_BYTES) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 262144;
			if ((bigger = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = bigger;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/*
 * expertpool timesheet import FILE --user LOGIN: an expert's hours from a
 * CSV file, all or nothing. Each bad line is printed as FILE:LINE: why.
 */
int
ts_import_command(ep_db *db, int argc, char **argv, void *arg)
{
	const struct ep_host *h = ts_host;
	const char *file = NULL, *login = NULL;
	struct ts_actor a;
	struct ts_import im;
	char *text, total[32], err[256];
	size_t len = 0;
	ep_fees *f;
	int i, rc, bad = 0;

	(void)arg;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			login = argv[++i];
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			bad = 1;
	}
	if (argc < 2 || strcmp(argv[1], "import") != 0 || bad || file == NULL ||
	    login == NULL) {
		fprintf(stderr, "usage: expertpool timesheet import FILE "
		    "--user LOGIN\n");
		return 2;
	}
	if (ts_actor_login(db, login, &a) != 0) {
		fprintf(stderr, "expertpool: there is no person \"%s\"\n", login);
		return 1;
	}
	if ((text = ts_read_file(file, &len)) == NULL) {
		fprintf(stderr, "expertpool: %s: %s\n", file, strerror(errno));
		return 1;
	}
	if ((f = h->fees_open(db, err, sizeof err)) == NULL) {
		fprintf(stderr, "expertpool: %s\n", err);
		free(text);
		return 1;
	}
	rc = ts_import_run(db, f, &a, text, len, NULL, &im);
	h->fees_close(f);
	free(text);
	if (rc != 0) {
		for (i = 0; i < im.nerrors; i++)
			fprintf(stderr, "%s:%d: %s\n", file, im.errors[i].line,
			    im.errors[i].message);
		if (im.failure[0] != '\0')
			fprintf(stderr, "expertpool: %s\n", im.failure);
		else
			fprintf(stderr, "%s: %d bad line%s; nothing was imported\n",
			    file, im.bad, im.bad == 1 ? "" : "s");
		ts_import_free(&im);
		return 1;
	}
	ts_host->hours_text(total, sizeof total, im.minutes);
	printf("imported %d entries (%s) for %s from %s\n", im.lines, total,
	    login, file);
	ts_import_free(&im);
	return 0;
}

