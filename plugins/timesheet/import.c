/* import.c: CSV import of hours, all or nothing, from the CLI and the web. */
#include "timesheet.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TS_CSV_COLUMNS 6
#define TS_CSV_MAX_RECORD 4096     /* characters in one record */
#define TS_IMPORT_MAX_LINES 200000
#define TS_IMPORT_MAX_BYTES (64 * 1024 * 1024)
#define TS_IMPORT_SHOWN 50         /* bad lines listed on the page */
#define TS_MULTIPART_MAX_PARTS 16
#define TS_IMPORT_TRIES 3          /* checks of a file, the last one locked */

static const char *const ts_csv_header[TS_CSV_COLUMNS] = { "engagement",
	"date", "duration", "activity", "note", "billable" };

/*
 * An RFC 4180 reader over a buffer: fields separated by commas, records
 * by CRLF or LF, fields in double quotes may hold commas, newlines and
 * doubled quotes. One record at a time into a fixed buffer, so a file of
 * any length needs no more memory than its longest line allows.
 */
struct ts_csv {
	const char *p, *end;
	int line;                   /* the next record's first line */
	int record_line;            /* the current record's first line */
	int nfield;
	char *field[TS_CSV_COLUMNS + 1];
	char buf[TS_CSV_MAX_RECORD + 16];
	char err[96];
};

static void
ts_csv_init(struct ts_csv *c, const char *text, size_t len)
{
	memset(c, 0, sizeof *c);
	c->p = text;
	c->end = text + len;
	c->line = 1;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		c->p += 3; /* a spreadsheet's byte order mark */
}

static void
ts_csv_bad(struct ts_csv *c, const char *msg)
{
	if (c->err[0] == '\0')
		snprintf(c->err, sizeof c->err, "%s", msg);
}

/* The next record: 1, 0 at the end, -1 for a malformed one (c->err). */
static int
ts_csv_next(struct ts_csv *c)
{
	size_t n = 0, off[TS_CSV_COLUMNS + 1];
	int quoted, i;
	char ch;

	c->err[0] = '\0';
	if (c->p >= c->end)
		return 0;
	c->record_line = c->line;
	c->nfield = 0;
	for (;;) {
		if (c->nfield == TS_CSV_COLUMNS + 1) {
			ts_csv_bad(c, "more than 6 columns");
			c->nfield--;
		}
		off[c->nfield++] = n;
		quoted = c->p < c->end && *c->p == '"';
		if (quoted)
			c->p++;
		for (;;) {
			if (c->p >= c->end) {
				if (quoted)
					ts_csv_bad(c, "a quoted field is not closed");
				goto record_end;
			}
			ch = *c->p;
			if (quoted && ch == '"') {
				if (c->p + 1 < c->end && c->p[1] == '"')
					c->p++;
				else {
					c->p++;
					quoted = 0;
					if (c->p < c->end && *c->p != ',' &&
					    *c->p != '\r' && *c->p != '\n')
						ts_csv_bad(c, "text after a closing quote");
					continue;
				}
			} else if (!quoted && ch == ',') {
				c->p++;
				break;
			} else if (!quoted && (ch == '\n' || ch == '\r')) {
				c->p += ch == '\r' && c->p + 1 < c->end &&
				    c->p[1] == '\n' ? 2 : 1;
				c->line++;
				goto record_end;
			} else if (!quoted && ch == '"')
				ts_csv_bad(c, "a quote inside an unquoted field");
			else if (ch == '\n')
				c->line++;
			if (n < TS_CSV_MAX_RECORD)
				c->buf[n++] = *c->p;
			else
				ts_csv_bad(c, "the line is too long");
			c->p++;
		}
		if (n < sizeof c->buf - 1)
			c->buf[n++] = '\0';
	}
record_end:
	c->buf[n] = '\0';
	for (i = 0; i < c->nfield; i++)
		c->field[i] = c->buf + off[i];
	return c->err[0] != '\0' ? -1 : 1;
}

/* One bad line, for the report. */
struct ts_import_error {
	int line;
	char *message;
};

/* What an import did: every line read, and each bad one with why. */
struct ts_import {
	int lines;              /* data lines read */
	int64_t minutes;
	struct ts_import_error *errors;
	int nerrors, cap;
	int bad;                /* bad lines, whether held in errors or not */
	char failure[256];      /* a failure that is no line's fault */
};

/* What a caller may add to an import: progress as lines are checked, and
 * work of its own inside the import's transaction, before it commits. */
struct ts_import_hooks {
	void (*progress)(int64_t done, int64_t total, void *arg);
	int (*finish)(ep_db *db, const struct ts_import *im, void *arg);
	void *arg;
};

static void
ts_import_error(struct ts_import *im, int line, const char *fmt, ...)
    EP_PRINTF(3, 4);

static void
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

static void
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
	if (cx.found && ts_date_ok(in.date)) {
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
static int
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
	ts_format_minutes(total, sizeof total, im.minutes);
	printf("imported %d entries (%s) for %s from %s\n", im.lines, total,
	    login, file);
	ts_import_free(&im);
	return 0;
}

/* A parameter of a header value (boundary=, name=), unquoted, into out. */
static int
ts_header_param(const char *v, size_t vlen, const char *name, char *out,
    size_t len)
{
	size_t nlen = strlen(name), n = 0;
	const char *p = v, *end = v + vlen;

	for (; p + nlen < end; p++) {
		if ((p == v || p[-1] == ';' || p[-1] == ' ') &&
		    strncasecmp(p, name, nlen) == 0 && p[nlen] == '=')
			break;
	}
	if (p + nlen >= end)
		return -1;
	p += nlen + 1;
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"' && n + 1 < len; p++)
			out[n++] = *p;
		if (p >= end || *p != '"')
			return -1;
	} else {
		for (; p < end && *p != ';' && *p != ' ' && *p != '\r' &&
		    n + 1 < len; p++)
			out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/*
 * The content of the multipart/form-data part named `name` (RFC 7578):
 * the boundary from the Content-Type, parts found with memmem, at most
 * TS_MULTIPART_MAX_PARTS looked at. Points into the body; -1 if absent
 * or the body is not well formed.
 */
static int
ts_multipart_part(const char *type, const char *body, size_t len,
    const char *name, const char **out, size_t *outlen)
{
	char boundary[80], delim[84], part_name[64];
	const char *p = body, *end = body + len, *hdr_end, *next;
	size_t dlen;
	int parts;

	if (type == NULL || strncasecmp(type, "multipart/form-data", 19) != 0 ||
	    ts_header_param(type, strlen(type), "boundary", boundary,
	    sizeof boundary) != 0 || strlen(boundary) > 70)
		return -1;
	dlen = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", boundary);
	/* The first delimiter may open the body without its CRLF. */
	if (len >= dlen - 2 && memcmp(p, delim + 2, dlen - 2) == 0)
		p += dlen - 2;
	else if ((p = memmem(p, len, delim, dlen)) != NULL)
		p += dlen;
	else
		return -1;
	for (parts = 0; parts < TS_MULTIPART_MAX_PARTS; parts++) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return -1; /* the closing delimiter: not found */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
		hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hdr_end == NULL || hdr_end - p > 4096)
			return -1;
		next = memmem(hdr_end + 4, (size_t)(end - hdr_end - 4), delim, dlen);
		if (next == NULL)
			return -1;
		part_name[0] = '\0';
		{
			const char *cd = p;

			while (cd < hdr_end && strncasecmp(cd,
			    "content-disposition:", 20) != 0) {
				cd = memmem(cd, (size_t)(hdr_end - cd), "\r\n", 2);
				cd = cd ? cd + 2 : hdr_end;
			}
			if (cd < hdr_end) {
				const char *eol = memmem(cd, (size_t)(hdr_end - cd),
				    "\r\n", 2);

				ts_header_param(cd, (size_t)((eol ? eol : hdr_end) -
				    cd), "name", part_name, sizeof part_name);
			}
		}
		if (strcmp(part_name, name) == 0) {
			*out = hdr_end + 4;
			*outlen = (size_t)(next - *out);
			return 0;
		}
		p = next + dlen;
	}
	return -1;
}

/* The upload form, with the bad lines of a refused file listed above it. */
static void
ts_import_page(ep_req *r, int status, const struct ts_import *im,
    const char *notice)
{
	const struct ep_host *h = ts_host;
	ep_page *b = h->page_begin(r, "Import hours", NULL);
	int i, shown;

	if (im != NULL && (im->bad > 0 || im->failure[0] != '\0')) {
		h->html(b, "<div class=\"govuk-error-summary\" data-module=\"govuk-"
		    "error-summary\"><div role=\"alert\"><h2 class=\"govuk-error-"
		    "summary__title\">There is a problem: nothing was imported</h2>"
		    "<div class=\"govuk-error-summary__body\"><ul class=\"govuk-list "
		    "govuk-error-summary__list\">\n");
		if (im->failure[0] != '\0')
			h->html(b, "<li><a href=\"#file\">%s</a></li>\n", im->failure);
		shown = im->nerrors < TS_IMPORT_SHOWN ? im->nerrors :
		    TS_IMPORT_SHOWN;
		for (i = 0; i < shown; i++)
			h->html(b, "<li><a href=\"#file\">Line %d: %s</a></li>\n",
			    im->errors[i].line, im->errors[i].message);
		if (im->bad > shown)
			h->html(b, "<li id=\"more-errors\">and %d more bad lines</li>\n",
			    im->bad - shown);
		h->html(b, "</ul></div></div></div>\n");
	}
	h->html(b, "<h1 class=\"govuk-heading-l\">Import hours</h1>\n");
	if (notice != NULL)
		h->html(b, "<div class=\"govuk-notification-banner govuk-"
		    "notification-banner--success\" role=\"alert\" id=\"notice\">"
		    "<div class=\"govuk-notification-banner__content\"><p class=\""
		    "govuk-notification-banner__heading\">%s</p></div></div>\n",
		    notice);
	h->html(b, "<p class=\"govuk-body\">A CSV file with the header line "
	    "<code>engagement,date,duration,activity,note,billable</code> and one "
	    "entry a line, such as <code>12,2026-11-02,1:30,advice,\"Call, then "
	    "letter\",yes</code>. Every line is checked; if any is wrong, nothing "
	    "is imported and each bad line is listed.</p>\n");
	h->form_begin(b, r, "/timesheet/import");
	h->html(b, "<div class=\"govuk-form-group%R\">\n<label class=\"govuk-"
	    "label\" for=\"file\">CSV file</label>\n<input class=\"govuk-file-"
	    "upload\" id=\"file\" name=\"file\" type=\"file\" accept=\".csv,"
	    "text/csv\">\n</div>\n<button type=\"submit\" class=\"govuk-button\" "
	    "formenctype=\"multipart/form-data\">Import</button>\n</form>\n",
	    im != NULL ? " govuk-form-group--error" : "");
	h->page_end(r, b, status);
}

static void
ts_import_get_cb(ep_req *r, void *arg)
{
	(void)arg;
	ts_import_page(r, 200, NULL, NULL);
}

/* A refusal of the upload itself, before any job. */
static void
ts_import_refuse(ep_req *r, const char *why)
{
	struct ts_import im;

	memset(&im, 0, sizeof im);
	snprintf(im.failure, sizeof im.failure, "%s", why);
	ts_import_page(r, 400, &im, NULL);
}

/* Holds an upload's text in the store for its job; its id, or -1. */
static int64_t
ts_upload_stage(ep_db *db, int64_t person, int64_t org, const char *csv)
{
	const struct ep_host *h = ts_host;
	static const char *const prune[] = {
		/* A file whose job never finished (the server stopped under
		 * it) is dropped a day on; a job takes seconds. */
		"DELETE FROM timesheet_uploads WHERE created_at < strftime("
		"'%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day')",
		/* What an import came to is shown on its job's page, which
		 * its uploader reads at once; a month on it goes. */
		"DELETE FROM timesheet_import_results WHERE finished_at < "
		"strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 month')",
	};
	ep_stmt *s;
	int64_t id = -1;
	size_t i;

	for (i = 0; i < sizeof prune / sizeof prune[0]; i++) {
		if ((s = h->db_prepare(db, prune[i])) == NULL)
			return -1;
		if (h->stmt_step(s) != EP_STEP_DONE) {
			h->stmt_reset(s);
			return -1;
		}
		h->stmt_reset(s);
	}
	s = h->db_prepare(db, "INSERT INTO timesheet_uploads (person_id, "
	    "org_id, csv) VALUES (?, ?, ?)");
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, person);
	h->stmt_bind_int64(s, 2, org);
	h->stmt_bind_text(s, 3, csv);
	if (h->stmt_step(s) == EP_STEP_DONE)
		id = h->db_last_id(db);
	h->stmt_reset(s);
	return id;
}

static int
ts_upload_remove(ep_db *db, int64_t upload)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "DELETE FROM timesheet_uploads WHERE "
	    "id = ?");
	int rc;

	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, upload);
	rc = h->stmt_step(s) == EP_STEP_DONE ? 0 : -1;
	h->stmt_reset(s);
	return rc;
}

/*
 * The upload: only what is cheap is checked here (a file was sent, it is
 * text, not too big); the file is held in the store and a job imports it,
 * so the event loop never spends a file's length of time on it. The answer
 * is the job's page.
 */
static void
ts_import_post_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	const char *body, *csv;
	size_t len = 0, csvlen = 0;
	int64_t person = h->req_person(r), org = h->req_org(r), upload, job;
	char loc[64], jarg[80], *text;

	(void)arg;
	body = h->req_body(r, &len);
	if (ts_multipart_part(h->req_header(r, "Content-Type"), body, len,
	    "file", &csv, &csvlen) != 0 || csvlen == 0) {
		ts_import_refuse(r, "Choose a CSV file to import");
		return;
	}
	if (csvlen > TS_IMPORT_MAX_BYTES) {
		ts_import_refuse(r, "The file is too big: split it");
		return;
	}
	if (memchr(csv, '\0', csvlen) != NULL) {
		ts_import_refuse(r, "The file is not a CSV text file");
		return;
	}
	if ((text = malloc(csvlen + 1)) == NULL) {
		h->page_message(r, 503, "Sorry, there is a problem", "The import "
		    "could not be started. Try again.");
		return;
	}
	memcpy(text, csv, csvlen);
	text[csvlen] = '\0';
	upload = ts_upload_stage(h->req_db(r), person, org, text);
	free(text);
	/* The job's argument starts with the organisation, for the route's
	 * owner query, and names the person, whose page alone it is. */
	snprintf(jarg, sizeof jarg, "%lld %lld %lld", (long long)org,
	    (long long)person, (long long)upload);
	if (upload < 0 || (job = h->job_start(TS_IMPORT_JOB, jarg)) < 0) {
		if (upload >= 0)
			ts_upload_remove(h->req_db(r), upload);
		h->page_message(r, 503, "Sorry, there is a problem", "The import "
		    "could not be started. Try again.");
		return;
	}
	snprintf(loc, sizeof loc, "/timesheet/import/%lld", (long long)job);
	h->redirect(r, loc);
}

/* What the page that follows an import job needs to know. */
struct ts_import_job {
	ep_job *job;
	int64_t person, upload;
};

static void
ts_import_job_progress(int64_t done, int64_t total, void *arg)
{
	const struct ts_import_job *j = arg;

	ts_host->job_progress(j->job, done, total);
}

/*
 * What an import came to, for its page, and the upload gone: inside the
 * import's transaction when it succeeds, in one of its own when not.
 * The first bad lines are kept, as LINE<tab>why, a line each.
 */
static int
ts_import_record(ep_db *db, const struct ts_import *im, void *arg)
{
	const struct ep_host *h = ts_host;
	const struct ts_import_job *j = arg;
	char *errors = NULL, *p;
	size_t cap = 1, used = 0, n;
	ep_stmt *s;
	int i, rc = -1;

	for (i = 0; i < im->nerrors && i < TS_IMPORT_SHOWN; i++)
		cap += strlen(im->errors[i].message) + 16;
	if ((errors = malloc(cap)) == NULL)
		return -1;
	errors[0] = '\0';
	for (i = 0; i < im->nerrors && i < TS_IMPORT_SHOWN; i++) {
		n = (size_t)snprintf(errors + used, cap - used, "%d\t%s\n",
		    im->errors[i].line, im->errors[i].message);
		/* A quoted field may put a tab or newline in a message. */
		for (p = strchr(errors + used, '\t') + 1; *p != '\n'; p++) {
			if (*p == '\t' || *p == '\r')
				*p = ' ';
		}
		for (p = errors + used; p < errors + used + n - 1; p++) {
			if (*p == '\n')
				*p = ' ';
		}
		used += n;
	}
	s = h->db_prepare(db, "INSERT INTO timesheet_import_results (upload_id, "
	    "person_id, entries, minutes, bad, errors, failure) VALUES (?, ?, ?, "
	    "?, ?, ?, ?)");
	if (s == NULL)
		goto out;
	h->stmt_bind_int64(s, 1, j->upload);
	h->stmt_bind_int64(s, 2, j->person);
	h->stmt_bind_int64(s, 3, im->bad == 0 && im->failure[0] == '\0' ?
	    im->lines : 0);
	h->stmt_bind_int64(s, 4, im->minutes);
	h->stmt_bind_int64(s, 5, im->bad);
	h->stmt_bind_text(s, 6, errors);
	h->stmt_bind_text(s, 7, im->failure);
	rc = h->stmt_step(s) == EP_STEP_DONE ? 0 : -1;
	h->stmt_reset(s);
	if (rc == 0)
		rc = ts_upload_remove(db, j->upload);
out:
	free(errors);
	return rc;
}

/* The held file's text, and its uploader's identity; 0, or -1 with why. */
static int
ts_import_job_load(ep_db *db, const struct ts_import_job *j,
    struct ts_actor *a, char **text, char *why, size_t len)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT csv FROM timesheet_uploads "
	    "WHERE id = ? AND person_id = ?");

	*text = NULL;
	if (s == NULL) {
		snprintf(why, len, "the store failed: %s", h->db_errmsg(db));
		return -1;
	}
	h->stmt_bind_int64(s, 1, j->upload);
	h->stmt_bind_int64(s, 2, j->person);
	if (h->stmt_step(s) == EP_STEP_ROW)
		*text = strdup(h->stmt_text(s, 0));
	h->stmt_reset(s);
	if (*text == NULL) {
		snprintf(why, len, "the uploaded file is no longer held");
		return -1;
	}
	if (ts_actor_person(db, j->person, a) != 0) {
		snprintf(why, len, "your account can no longer import hours");
		free(*text);
		*text = NULL;
		return -1;
	}
	a->job = 1;
	return 0;
}

/*
 * The import as a job: the argument is "ORG PERSON UPLOAD". It runs as the
 * person who uploaded, read afresh (so audit records name them, and a
 * person disabled meanwhile imports nothing), with a fee engine of its own.
 */
int
ts_import_job(ep_job *job, ep_db *db, const char *arg, void *udata)
{
	const struct ep_host *h = ts_host;
	struct ts_import_job j = { job, 0, 0 };
	struct ts_import_hooks hk = { ts_import_job_progress, ts_import_record,
	    &j };
	struct ts_import im;
	struct ts_actor a;
	long long org, person, upload;
	char why[256], *text = NULL;
	ep_fees *f = NULL;
	int rc = -1;

	(void)udata;
	memset(&im, 0, sizeof im);
	if (sscanf(arg, "%lld %lld %lld", &org, &person, &upload) != 3) {
		h->job_fail(job, "the job names no upload");
		return -1;
	}
	j.person = person;
	j.upload = upload;
	if (ts_import_job_load(db, &j, &a, &text, why, sizeof why) != 0)
		snprintf(im.failure, sizeof im.failure, "%s", why);
	else if ((f = h->fees_open(db, why, 200)) == NULL)
		snprintf(im.failure, sizeof im.failure, "the fee rules could not "
		    "be opened: %.200s", why);
	else
		rc = ts_import_run(db, f, &a, text, strlen(text), &hk, &im);
	if (f != NULL)
		h->fees_close(f);
	free(text);
	if (rc != 0) {
		if (h->db_begin(db) != 0 || ts_import_record(db, &im, &j) != 0 ||
		    h->db_commit(db) != 0) {
			h->db_rollback(db);
			h->log(ts_self, EP_LOG_ERROR, "import %lld: cannot record "
			    "its result: %s", upload, h->db_errmsg(db));
		}
		if (im.failure[0] != '\0')
			h->job_fail(job, im.failure);
		else {
			snprintf(why, sizeof why, "%d bad line%s; nothing was "
			    "imported", im.bad, im.bad == 1 ? "" : "s");
			h->job_fail(job, why);
		}
	}
	ts_import_free(&im);
	return rc;
}

/* A finished import's result, as the job recorded it; -1 when there is
 * none (the job failed before it could record one). */
static int
ts_import_result(ep_db *db, int64_t upload, int64_t person,
    struct ts_import *im)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(db, "SELECT entries, minutes, bad, errors, "
	    "failure FROM timesheet_import_results WHERE upload_id = ? AND "
	    "person_id = ?");
	char *errors, *line, *tab, *next;
	int rc = -1, bad;

	memset(im, 0, sizeof *im);
	if (s == NULL)
		return -1;
	h->stmt_bind_int64(s, 1, upload);
	h->stmt_bind_int64(s, 2, person);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		im->lines = (int)h->stmt_int64(s, 0);
		im->minutes = h->stmt_int64(s, 1);
		bad = (int)h->stmt_int64(s, 2);
		snprintf(im->failure, sizeof im->failure, "%s",
		    h->stmt_text(s, 4));
		if ((errors = strdup(h->stmt_text(s, 3))) != NULL) {
			for (line = errors; (next = strchr(line, '\n')) != NULL;
			    line = next + 1) {
				*next = '\0';
				if ((tab = strchr(line, '\t')) != NULL)
					ts_import_error(im, atoi(line), "%s", tab + 1);
			}
			free(errors);
		}
		im->bad = bad;
		rc = 0;
	}
	h->stmt_reset(s);
	return rc;
}

/* An import's page while it runs: how far it has got, refreshed every
 * second by the browser itself (no script), with a link to do it now. */
static void
ts_import_progress_page(ep_req *r, int64_t job, const char *state,
    int64_t done, int64_t total)
{
	const struct ep_host *h = ts_host;
	ep_page *b = h->page_begin(r, "Import hours", NULL);

	h->html(b, "<meta http-equiv=\"refresh\" content=\"1\">\n<h1 class=\""
	    "govuk-heading-l\">Import hours</h1>\n<p class=\"govuk-body\" id=\""
	    "import-state\">");
	if (strcmp(state, "queued") == 0 || total == 0)
		h->html(b, "The file is waiting to be checked.");
	else if (done < total)
		h->html(b, "Checking the file: %D of %D lines checked.", done,
		    total);
	else
		h->html(b, "All %D lines are checked; saving them.", total);
	h->html(b, "</p>\n<p class=\"govuk-body\"><progress id=\"import-"
	    "progress\" aria-label=\"Lines checked\" max=\"%D\" value=\"%D\">%D "
	    "of %D</progress></p>\n<p class=\"govuk-body\">This page refreshes "
	    "every second. <a class=\"govuk-link\" href=\"/timesheet/import/%D\">"
	    "Refresh it now</a>.</p>\n", total > 0 ? total : 1, done, done, total,
	    job);
	h->page_end(r, b, 200);
}

/*
 * The page that follows an import job: its progress while it runs, then
 * the notice of what was imported or the bad lines of a refused file with
 * the form to try again. The route's owner query admits the uploader's
 * organisation; the page is the uploader's alone.
 */
static void
ts_import_job_cb(ep_req *r, void *arg)
{
	const struct ep_host *h = ts_host;
	ep_stmt *s = h->db_prepare(h->req_db(r), "SELECT state, done, total, "
	    "coalesce(message, ''), arg FROM jobs WHERE id = ? AND name = '"
	    TS_IMPORT_JOB "'");
	const char *id = h->req_param(r, "id");
	long long org = 0, person = 0, upload = 0;
	char state[12] = "", message[200] = "", notice[128], total[32];
	int64_t job = id ? strtoll(id, NULL, 10) : 0, done = 0, lines = 0;
	struct ts_import im;

	(void)arg;
	if (s != NULL) {
		h->stmt_bind_int64(s, 1, job);
		if (h->stmt_step(s) == EP_STEP_ROW &&
		    sscanf(h->stmt_text(s, 4), "%lld %lld %lld", &org, &person,
		    &upload) == 3) {
			snprintf(state, sizeof state, "%s", h->stmt_text(s, 0));
			done = h->stmt_int64(s, 1);
			lines = h->stmt_int64(s, 2);
			snprintf(message, sizeof message, "%s", h->stmt_text(s, 3));
		}
		h->stmt_reset(s);
	}
	if (state[0] == '\0' || person != h->req_person(r)) {
		h->page_message(r, 404, "Page not found", "If you typed the web "
		    "address, check it is correct.");
		return;
	}
	if (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0) {
		ts_import_progress_page(r, job, state, done, lines);
		return;
	}
	if (ts_import_result(h->req_db(r), upload, person, &im) != 0) {
		if (strcmp(state, "done") == 0) {
			/* ts_upload_stage prunes results a month old */
			ts_import_page(r, 200, NULL, "This import finished more "
			    "than a month ago; what it came to is no longer kept");
			return;
		}
		memset(&im, 0, sizeof im);
		snprintf(im.failure, sizeof im.failure, "The import failed: %s",
		    message[0] ? message : "the server's log says why");
	}
	if (strcmp(state, "done") == 0 && im.bad == 0 && im.failure[0] == '\0') {
		ts_format_minutes(total, sizeof total, im.minutes);
		if (im.lines == 1)
			snprintf(notice, sizeof notice, "1 entry was imported as a "
			    "draft (%s)", total);
		else
			snprintf(notice, sizeof notice, "%d entries were imported as "
			    "drafts (%s)", im.lines, total);
		ts_import_page(r, 200, NULL, notice);
	} else
		ts_import_page(r, 200, &im, NULL);
	ts_import_free(&im);
}

void
ts_import_routes(void)
{
	ts_host->route_add(ts_self, "GET", "/timesheet/import", EP_ROLE_EXPERT,
	    ts_import_get_cb, NULL);
	ts_host->route_add(ts_self, "POST", "/timesheet/import", EP_ROLE_EXPERT,
	    ts_import_post_cb, NULL);
	ts_host->route_add_owned(ts_self, "GET", "/timesheet/import/{id}",
	    EP_ROLE_EXPERT, "SELECT CAST(arg AS INTEGER) FROM jobs WHERE id = ?1 "
	    "AND name = '" TS_IMPORT_JOB "'", ts_import_job_cb, NULL);
}
