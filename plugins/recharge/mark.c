/*
 * mark.c: marking invoiced the entries issued invoices hold.
 *
 * Issuing writes only the invoice (issue.c): its entries stay marked
 * approved, and the view timesheet_invoiced_entries names them invoiced
 * (migration 12). Marking their rows is left for later, a chunk at a
 * time: in the background after an invoice is issued through the server
 * (the job "recharge-mark"), by "expertpool invoice mark", and by the
 * next run before it drafts, whichever comes first.
 */
#include "recharge.h"

#include <stdatomic.h>
#include <time.h>

/* The job that marks in the background, after an issue. */
#define RC_MARK_JOB "recharge-mark"
/* The most entries the background marking marks in one transaction. */
#define RC_MARK_BACKGROUND_CHUNK 4000
/* How long, in microseconds, the background marking keeps the store's
 * write lock a transaction: about as long as a page takes to build, so
 * that a write on the server's loop that waits for it is not noticed. */
#define RC_MARK_BACKGROUND_HOLD 10000
/* The entries its first transaction marks, before it knows how fast the
 * store marks them: a council's entries lie scattered among everyone's,
 * each on a page of its own, and a job's connection starts with none of
 * them cached; about 70 microseconds each on a store of a million. */
#define RC_MARK_FIRST 128

/* 0: no marking job; 1: one queued or running; 2: one queued or
 * running, and an invoice issued since it began, so it goes round
 * again. */
static atomic_int rch_mark_wanted;

static int64_t
rch_mark_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleeps usec microseconds, at most a second. */
static void
rch_mark_rest(int64_t usec)
{
	struct timespec ts;

	if (usec > 1000000)
		usec = 1000000;
	ts.tv_sec = usec / 1000000;
	ts.tv_nsec = (long)(usec % 1000000) * 1000;
	nanosleep(&ts, NULL);
}

/*
 * Marks invoiced, all at once, the entries of the issued invoices whose
 * entries issuing left marked approved (recharge_unmarked): those their
 * lines bill and those a credit note wrote off. One pass over the
 * entries in the table's order, so each page is rewritten once for all
 * the invoices rather than once for each entry. The number marked, or -1.
 */
int
rch_mark_invoiced(ep_db *db)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT EXISTS (SELECT 1 FROM "
	    "recharge_unmarked)");
	int n, step, any = 0;

	if (s == NULL)
		return -1;
	if ((step = h->stmt_step(s)) == EP_STEP_ROW)
		any = h->stmt_int64(s, 0) != 0;
	h->stmt_reset(s);
	if (step != EP_STEP_ROW)
		return -1;
	if (!any)
		return 0;
	/* CROSS JOIN: from the few invoices to their links, never the
	 * other way round through every link of the store. */
	n = rch_exec_id(db, "UPDATE time_entries SET state = 'invoiced' WHERE "
	    "+state = 'approved' AND id IN (SELECT b.entry_id FROM "
	    "recharge_unmarked u CROSS JOIN recharge_lines l ON l.invoice_id = "
	    "u.invoice_id CROSS JOIN recharge_billed b ON b.line_id = l.id "
	    "UNION SELECT r.entry_id FROM recharge_unmarked u CROSS JOIN "
	    "recharge_released r ON r.invoice_id = u.invoice_id WHERE "
	    "r.settle = 'write_off')", 0, 0);
	if (n < 0 || rch_exec_id(db, "DELETE FROM recharge_unmarked", 0, 0) < 0)
		return -1;
	return n;
}

/* The highest credit note's id, 0 for none, -1 on error. */
static int64_t
rch_mark_credits(ep_db *db)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(max(id), 0) FROM "
	    "recharge_invoices WHERE kind = 'credit'");
	int64_t id = -1;

	if (s == NULL)
		return -1;
	if (h->stmt_step(s) == EP_STEP_ROW)
		id = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	return id;
}

/*
 * The side of the square of entries (the table's order against the
 * engagements') that a chunk of the marking takes: for n entries to mark,
 * about sqrt(chunk * n) consecutive ids. See rch_mark_chunked().
 */
static int64_t
rch_mark_block(int64_t chunk, int64_t n)
{
	int64_t lo = 1, hi = 3037000499, mid, want = chunk * n;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (mid * mid <= want)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * How many entries the next transaction of a paced marking marks, after
 * one of size entries kept the write lock took microseconds: as many as
 * keep it p->hold, moving by at most a factor of 4 down or 2 up at a
 * time, at least 16 and at most p->chunk.
 */
static int64_t
rch_mark_size(const struct rch_mark_pace *p, int64_t size, int64_t took)
{
	int64_t want = took > 0 ? size * p->hold / took : size * 2;

	if (want < size / 4)
		want = size / 4;
	if (want > size * 2)
		want = size * 2;
	if (want < 16)
		want = 16;
	return want < p->chunk ? want : p->chunk;
}

/*
 * Marks invoiced the entries of every invoice issued but not yet marked,
 * as rch_mark_invoiced() does, but p->chunk entries at a time, each
 * chunk in a transaction of its own, so that other writers wait for a
 * chunk, never for a month of entries. The entries are listed once, in a
 * temporary table, with their engagements. Marking an entry rewrites its
 * row's page and its page of time_entries_approved, whose order is the
 * engagement's: a chunk of consecutive ids holds entries of nearly every
 * engagement, so each chunk rewrote nearly every page of that index. The
 * list is cut instead into blocks of consecutive ids (rch_mark_block), and
 * each block is marked in the engagements' order: a chunk then rewrites
 * the table's pages of its block and the index's pages of a slice of the
 * engagements, about as many of each. Once a credit note is issued after
 * the listing (it may release some of them), each chunk marks only
 * entries still held; the last step marks those a credit note wrote off
 * meanwhile, and only then forgets the invoices it listed. Invoices
 * issued meanwhile wait for the next marking. With p->hold, a chunk is
 * as many entries as keep the write lock about that long (the first
 * RC_MARK_FIRST), and it rests after each chunk as long as it kept the
 * lock, so that writers on the server's loop wait little and find the
 * store free at least half the time. 0, with p->marked the entries it
 * marked, or -1 with err set.
 */
int
rch_mark_chunked(ep_db *db, struct rch_mark_pace *p, char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s;
	int64_t last = 0, next, n = -1, credits, now, took = 0, start = 0;
	int64_t size = p->hold > 0 && p->chunk > RC_MARK_FIRST ? RC_MARK_FIRST :
	    p->chunk;
	int rc = -1, k;

	/* Credit notes are never deleted, and a new one takes a higher id.
	 * An entry's lines are those of its engagement (migration 3). */
	credits = rch_mark_credits(db);
	if (h->db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS rch_mark_invoices ("
	    "id INTEGER PRIMARY KEY); CREATE TEMP TABLE IF NOT EXISTS "
	    "rch_mark_listed (id INTEGER PRIMARY KEY, engagement_id INTEGER); "
	    "CREATE TEMP TABLE IF NOT EXISTS rch_mark_order (seq INTEGER "
	    "PRIMARY KEY, id INTEGER NOT NULL); DELETE FROM "
	    "temp.rch_mark_invoices; DELETE FROM temp.rch_mark_listed; DELETE "
	    "FROM temp.rch_mark_order") != 0 ||
	    h->db_exec(db, "INSERT INTO temp.rch_mark_invoices (id) SELECT "
	    "invoice_id FROM recharge_unmarked") != 0 ||
	    h->db_exec(db, "INSERT OR IGNORE INTO temp.rch_mark_listed (id, "
	    "engagement_id) SELECT b.entry_id, l.engagement_id FROM "
	    "temp.rch_mark_invoices c CROSS JOIN recharge_lines l ON "
	    "l.invoice_id = c.id CROSS JOIN recharge_billed b ON b.line_id = "
	    "l.id UNION ALL SELECT r.entry_id, l.engagement_id FROM "
	    "temp.rch_mark_invoices c CROSS JOIN recharge_released r ON "
	    "r.invoice_id = c.id CROSS JOIN recharge_lines l ON l.id = "
	    "r.line_id WHERE r.settle = 'write_off'") != 0)
		goto list;
	if ((s = h->db_prepare(db, "SELECT count(*) FROM temp.rch_mark_listed"))
	    == NULL)
		goto list;
	if (h->stmt_step(s) == EP_STEP_ROW)
		n = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	/* seq counts from 1 in this order: the table is empty. */
	if (n < 0 || rch_exec_id(db, "INSERT INTO temp.rch_mark_order (id) "
	    "SELECT id FROM temp.rch_mark_listed ORDER BY id / ?1, "
	    "engagement_id, id", rch_mark_block(p->chunk, n), 0) < 0)
		goto list;
	p->marked = 0;
	for (;;) {
		if (took > 0)
			rch_mark_rest(took);
		if (h->db_begin(db) != 0) {
			snprintf(err, len, "cannot begin: %s", h->db_errmsg(db));
			goto out;
		}
		if (p->hold > 0)
			start = rch_mark_usec();
		if (last >= n)
			break;
		next = last + size < n ? last + size : n;
		if (credits < 0 || (now = rch_mark_credits(db)) < 0)
			goto fail;
		if (now == credits && (k = rch_exec_id(db, "UPDATE time_entries "
		    "SET state = 'invoiced' WHERE id IN (SELECT id FROM "
		    "temp.rch_mark_order WHERE seq > ?1 AND seq <= ?2) AND "
		    "+state = 'approved'", last, next)) < 0)
			goto fail;
		if (now != credits && (k = rch_exec_id(db, "UPDATE time_entries "
		    "SET state = 'invoiced' WHERE id IN (SELECT id FROM "
		    "temp.rch_mark_order WHERE seq > ?1 AND seq <= ?2) AND "
		    "+state = 'approved' AND EXISTS (SELECT 1 FROM "
		    "timesheet_invoiced_entries v WHERE v.entry_id = "
		    "time_entries.id)", last, next)) < 0)
			goto fail;
		if (h->db_commit(db) != 0)
			goto fail;
		p->marked += k;
		last = next;
		if (p->hold > 0) {
			took = rch_mark_usec() - start;
			size = rch_mark_size(p, size, took);
		}
	}
	/* Still in the last transaction: the entries written off since they
	 * were listed, then the invoices listed are marked. */
	if (h->db_exec(db, "UPDATE time_entries SET state = 'invoiced' WHERE "
	    "+state = 'approved' AND id IN (SELECT r.entry_id FROM "
	    "temp.rch_mark_invoices c CROSS JOIN recharge_released r ON "
	    "r.invoice_id = c.id WHERE r.settle = 'write_off')") != 0)
		goto fail;
	p->marked += h->db_changes(db);
	if (h->db_exec(db, "DELETE FROM recharge_unmarked WHERE invoice_id IN "
	    "(SELECT id FROM temp.rch_mark_invoices)") != 0 ||
	    h->db_commit(db) != 0)
		goto fail;
	rc = 0;
	goto out;
list:
	snprintf(err, len, "cannot list the entries to mark invoiced: %s",
	    h->db_errmsg(db));
	goto out;
fail:
	snprintf(err, len, "cannot mark invoiced entries: %s", h->db_errmsg(db));
	h->db_rollback(db);
out:
	h->db_exec(db, "DELETE FROM temp.rch_mark_invoices; DELETE FROM "
	    "temp.rch_mark_listed; DELETE FROM temp.rch_mark_order");
	return rc;
}


/* The background marking: marks until no invoice issued since it began
 * is left unmarked. */
static int
rch_mark_job(ep_job *job, ep_db *db, const char *arg, void *udata)
{
	struct rch_mark_pace pace = { RC_MARK_BACKGROUND_CHUNK,
	    RC_MARK_BACKGROUND_HOLD, 0 };
	char err[512];
	int64_t marked = 0;
	int want;

	(void)arg;
	(void)udata;
	for (;;) {
		if (rch_mark_chunked(db, &pace, err, sizeof err) != 0) {
			atomic_store(&rch_mark_wanted, 0);
			rch_host->job_fail(job, err);
			rch_host->log(rch_self, EP_LOG_WARN, "marking invoiced "
			    "entries: %s (the next run marks them)", err);
			return -1;
		}
		marked += pace.marked;
		rch_host->job_progress(job, marked, marked);
		want = 2;
		if (atomic_compare_exchange_strong(&rch_mark_wanted, &want, 1))
			continue;
		want = 1;
		if (atomic_compare_exchange_strong(&rch_mark_wanted, &want, 0))
			return 0;
	}
}

/*
 * After an invoice is issued through the server: marks its entries in
 * the background, so that the next run has none of them to mark. A job
 * already queued or running goes round once more instead. When no job
 * can start, the next run marks them.
 */
void
rch_mark_soon(void)
{
	int want;

	for (;;) {
		want = atomic_load(&rch_mark_wanted);
		if (want == 2)
			return;
		if (want == 1) {
			if (atomic_compare_exchange_strong(&rch_mark_wanted,
			    &want, 2))
				return;
			continue;
		}
		if (atomic_compare_exchange_strong(&rch_mark_wanted, &want, 1))
			break;
	}
	if (rch_host->job_start(RC_MARK_JOB, "") < 0) {
		atomic_store(&rch_mark_wanted, 0);
		rch_host->log(rch_self, EP_LOG_WARN, "cannot start marking "
		    "invoiced entries: the next run marks them");
	}
}

int
rch_mark_register(ep_plugin *self)
{
	return rch_host->job_add(self, RC_MARK_JOB, rch_mark_job, NULL);
}
