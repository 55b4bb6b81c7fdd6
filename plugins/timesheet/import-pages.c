/* import-pages.c: the web's CSV import: the upload form, the file held in
 * the store for a job that imports it, and the page that follows the job. */
#include "timesheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TS_IMPORT_SHOWN 50         /* bad lines listed on the page */

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
		ts_notice(b, notice);
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
	const char *csv;
	size_t csvlen = 0;
	int64_t person = h->req_person(r), org = h->req_org(r), upload, job;
	char loc[64], jarg[80], *text;

	(void)arg;
	if (h->req_file(r, "file", &csv, &csvlen) != 0 || csvlen == 0) {
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
	if (upload < 0 || (job = h->job_start_as(r, TS_IMPORT_JOB, jarg)) < 0) {
		if (upload >= 0)
			ts_upload_remove(h->req_db(r), upload);
		if (upload >= 0 && job == EP_JOB_PERSON_BUSY) {
			h->reply_header(r, "Retry-After", "30");
			h->page_message(r, 503, "Your earlier imports are still "
			    "running", "Wait for one of them to finish, then upload "
			    "this file again.");
		} else
			h->page_message(r, 503, "Sorry, there is a problem", "The "
			    "import could not be started. Try again in a minute.");
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

/* An import's page while it runs: how far it has got, with a link to
 * check again and the script that checks for the person where scripts
 * run; the page never reloads itself. */
static void
ts_import_progress_page(ep_req *r, int64_t job, const char *state,
    int64_t done, int64_t total)
{
	const struct ep_host *h = ts_host;
	ep_page *b = h->page_begin(r, "Import hours", NULL);

	h->html(b, "<h1 class=\"govuk-heading-l\">Import hours</h1>\n<div "
	    "data-ep-progress aria-live=\"polite\"><p class=\"govuk-body\" id=\""
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
	    "of %D</progress></p></div>\n<p class=\"govuk-body\"><a class=\""
	    "govuk-link\" id=\"check-progress\" href=\"/timesheet/import/%D\">"
	    "Check progress</a></p>\n<script src=\"/assets/progress.js\" defer>"
	    "</script>\n", total > 0 ? total : 1, done, done, total, job);
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
		ts_host->hours_text(total, sizeof total, im.minutes);
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
