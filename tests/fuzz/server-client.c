/*
 * server-client.c: the whole-server fuzzer's client (tests/fuzz/
 * server-fuzz starts the server and runs it). Over loopback only, it
 * sends requests built from the route table: every route, as nobody and
 * as each role (session cookie with its CSRF token, or bearer token), with
 * ids, query strings, form, JSON and multipart bodies, headers and cookies
 * drawn from pools of good and bad values, and now and then the bytes of
 * the whole request mutated. The generator is seeded: a seed and a count
 * make the same requests.
 *
 * It stops at the first failure, writes the request that failed (and the
 * ones before it) to the artifact file and exits 1: the server process
 * has gone (a crash or a sanitizer report stops it), a 5xx other than 503
 * with Retry-After (or 501 to a method the server does not take), or an
 * answer slower than the bound.
 *
 * usage: server-client -p PORT -P PID -r ROUTES -c CREDS -o ARTIFACT
 *            [-t SECONDS] [-n REQUESTS] [-s SEED] [-b BOUND_MS]
 * ROUTES is `expertpool routes` output; CREDS has a line per role,
 * "ROLE LOGIN PASSWORD TOKEN".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUTES 256
#define MAX_IDS 8
#define REQ_MAX (256 * 1024)
#define RESP_MAX (4 * 1024 * 1024)
#define KEPT 16
#define nitems(a) (sizeof(a) / sizeof((a)[0]))

struct route {
	char method[8];
	char pattern[128];
	char roles[128];
};

struct identity {
	char role[24], login[64], password[64], token[128];
	char cookie[256];	/* "ep_session=..." once signed in */
	char csrf[128];
	int stale;		/* sign in again before its next request */
	unsigned long retry_at;	/* when a sign-in failed: not before then */
};

struct buf {
	char *s;
	size_t len, cap;
};

static struct route routes[MAX_ROUTES];
static size_t nroutes;
static struct identity ids[MAX_IDS];
static size_t nids;
static int port;
static pid_t server_pid;
static const char *artifact;
static long bound_ms = 2000;
static uint64_t rng;
static struct buf kept[KEPT];
static size_t nkept;
static unsigned long requests, by_class[6], no_answer, slowest_ms;
/* Whether the last request's method is one the server takes (libevent
 * answers any other, or a garbled request line, 501 by design). */
static int routed_method;
static int signing_in;	/* sign_in's own requests */
static char slowest[160];

/* --- a seeded generator --- */

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t
pick(size_t n)
{
	return (size_t)(next() % n);
}

static int
chance(int percent)
{
	return (int)(next() % 100) < percent;
}

/* --- buffers --- */

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_add(b, tmp, n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n :
	    sizeof tmp - 1);
}

/* Percent-encodes s for a query string or a form body. */
static void
buf_urlenc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s))
			buf_add(b, s, 1);
		else {
			e[0] = '%';
			e[1] = hex[(unsigned char)*s >> 4];
			e[2] = hex[(unsigned char)*s & 15];
			buf_add(b, e, 3);
		}
	}
}

static void
buf_jsonstr(struct buf *b, const char *s)
{
	buf_str(b, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			buf_add(b, s, 1);
	}
	buf_str(b, "\"");
}

/* --- pools of values --- */

static char long_text[6000];

static const char *const id_values[] = { "1", "2", "3", "4", "5", "6", "7",
	"8", "0", "-1", "999999", "9223372036854775807",
	"9223372036854775808", "abc", "1.5", "%00", "", "1%2F2", "01", "+1",
	"1e3", "%31", "AVD", "NRC", "../1", "1;2", "%FF" };
static const char *const org_values[] = { "AVD", "NRC", "BRK", "CSC", "ZZZ",
	"avd", "", "%00", "AVD%2F..", "A%20B", "1" };
static const char *const asset_values[] = { "app.css", "app.js", "x.css",
	"..%2F..%2Fetc%2Fpasswd", "", "%00", "favicon.ico" };
static const char *const keys[] = { "limit", "from", "to", "week", "engagement",
	"state", "q", "skill", "area", "page", "month", "period", "format",
	"next", "sort", "id", "grade", "available", "year", "org", "status",
	"quarter", "csrf", "login", "password", "name", "code", "kind", "email",
	"vat", "roles", "title", "description", "speciality", "urgency",
	"wanted_start", "wanted_end", "estimated_hours", "budget",
	"cost_centre", "po_reference", "preferred_expert", "expert", "basis",
	"bonus", "note", "reason", "comment", "date", "duration", "activity",
	"minutes", "billable", "out_of_hours", "capacity", "skills", "provider",
	"consumer", "ruleset", "terms", "cap", "scheme", "endpoint", "target",
	"baseline", "milestone", "current", "new", "confirm", "default",
	"valid_from", "valid_to", "po_required", "calendar", "address",
	"entries", "milestones", "ms_name", "ms_amount", "mode", "rebill",
	"lines", "paid_on", "file", "days", "label", "inputs", "hash", "active",
	"fte", "per_hour", "cost", "value" };
/* The filters list pages and searches read: drawn half the time. */
static const char *const filters[] = { "from", "to", "limit", "week",
	"engagement", "state", "q", "skill", "area", "page", "month", "period",
	"available", "org", "format", "next" };
static const char *const values[] = { "", "1", "0", "-1", "2", "50", "500",
	"501", "1000", "99999999999999999999", "1e3", "0x10", "1.5", "12.345",
	"2500.00", "\xc2\xa3" "1,000.50", "2026-03-04", "2026-02-29",
	"2024-02-29", "2026-13-01", "202", "2026-03", "2025-Q4", "2026/27",
	"2026-W10", "1:30", "90m", "1h30", "25:00", "0:00", "legal",
	"legal/planning-law", "it/network-security", "legal/planning-law:3",
	"it", "hr", "submitted", "approved", "draft", "queried", "hourly",
	"daily", "fixed", "capped", "advice", "drafting", "meeting", "travel",
	"court", "standard", "senior", "principal", "routine", "soon", "urgent",
	"yes", "no", "true", "on", "S", "O", "Z", "ubl", "csv", "html", "json",
	"AVD", "NRC", "BRK", "CSC", "admin", "finance,admin", "requester",
	"expert", "approver", "pool-manager", "0088", "5012345000015",
	"/", "//evil.example", "/%09/evil.example", "/\t/evil.example",
	"http://evil.example", "<script>alert(1)</script>", "'", "\"", "%",
	"%zz", "\xff\xfe", "\xc3\xa9", "=HYPERLINK(\"x\")", "a\r\nb",
	"\x01\x7f", "england-and-wales", "scotland", "northern-ireland",
	"demo-password", "x@example.gov.uk", "GB123456789", "null", "[]",
	"{}", "NaN", "-0", "1 OR 1=1", "%00", "a b", NULL /* long_text */ };

static const char *
value(void)
{
	const char *v = values[pick(nitems(values))];

	return v != NULL ? v : long_text + pick(sizeof long_text - 1);
}

/* --- HTTP over loopback --- */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
server_alive(void)
{
	return kill(server_pid, 0) == 0 || errno != ESRCH;
}

/*
 * Sends raw, reads the whole answer into resp (the server closes after
 * it). Returns 0, or -1 when no connection could be made.
 */
static int
exchange(const struct buf *raw, struct buf *resp, double *ms)
{
	struct sockaddr_in sa, from;
	struct pollfd pfd;
	double t0 = now_ms();
	size_t off = 0;
	char tmp[16384];
	ssize_t n;
	int fd, tries;

	resp->len = 0;
	buf_add(resp, "", 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (tries = 0;; tries++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return -1;
		/* Fuzzed requests come from 127.0.0.2, so that the sign-in
		 * limit they run into per address spares the client's own
		 * sign-ins from 127.0.0.1. */
		memset(&from, 0, sizeof from);
		from.sin_family = AF_INET;
		from.sin_addr.s_addr = htonl(signing_in ? INADDR_LOOPBACK :
		    INADDR_LOOPBACK + 1);
		(void)bind(fd, (struct sockaddr *)&from, sizeof from);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		close(fd);
		if (tries == 20 || !server_alive())
			return -1;
		usleep(50000);
	}
	while (off < raw->len) {
		n = send(fd, raw->s + off, raw->len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;	/* the server may answer early and close */
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		int wait = (int)(t0 + (double)bound_ms * 3 - now_ms());

		if (wait <= 0 || poll(&pfd, 1, wait) <= 0)
			break;
		n = recv(fd, tmp, sizeof tmp, 0);
		if (n <= 0)
			break;
		if (resp->len < RESP_MAX)
			buf_add(resp, tmp, (size_t)n);
	}
	close(fd);
	*ms = now_ms() - t0;
	return 0;
}

static int
status_of(const struct buf *resp)
{
	if (resp->len < 12 || strncmp(resp->s, "HTTP/1.", 7) != 0)
		return 0;
	return atoi(resp->s + 9);
}

/* A response header's value (up to the line end), or NULL. */
static const char *
header_of(const struct buf *resp, const char *name, char *out, size_t len)
{
	const char *p = resp->s, *end = strstr(resp->s, "\r\n\r\n");
	size_t n = strlen(name);

	while (p != NULL && (end == NULL || p < end)) {
		p = strstr(p, "\r\n");
		if (p == NULL)
			break;
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			size_t v = strcspn(p + n + 1, "\r\n");
			const char *s = p + n + 1 + strspn(p + n + 1, " ");

			v -= (size_t)(s - (p + n + 1));
			snprintf(out, len, "%.*s", (int)v, s);
			return out;
		}
	}
	return NULL;
}

/* Writes what led to a failure to the artifact: the requests, oldest first. */
static void
fail(const char *fmt, ...)
{
	va_list ap;
	FILE *f;
	size_t i;

	va_start(ap, fmt);
	fprintf(stderr, "server-client: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (artifact != NULL && (f = fopen(artifact, "wb")) != NULL) {
		for (i = nkept > KEPT ? nkept - KEPT : 0; i < nkept; i++) {
			const struct buf *b = &kept[i % KEPT];

			fprintf(f, "=== request %zu of %lu (%zu bytes)\n", i + 1,
			    requests, b->len);
			fwrite(b->s, 1, b->len, f);
			fprintf(f, "\n");
		}
		fclose(f);
		fprintf(stderr, "server-client: the last requests are in %s\n",
		    artifact);
	}
	exit(1);
}

/* Extracts "name=value" of a Set-Cookie into out. */
static void
cookie_of(const struct buf *resp, const char *name, char *out, size_t len)
{
	const char *p = resp->s;
	size_t n = strlen(name);

	while ((p = strcasestr(p, "\r\nSet-Cookie: ")) != NULL) {
		p += 14;
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			snprintf(out, len, "%.*s", (int)strcspn(p, ";\r"), p);
			return;
		}
	}
}

static void
csrf_of(const struct buf *resp, char *out, size_t len)
{
	const char *p = strstr(resp->s, "name=\"csrf\" value=\"");

	if (p != NULL) {
		p += 19;
		snprintf(out, len, "%.*s", (int)strcspn(p, "\""), p);
	}
}

/* Signs id in with the form, as a browser would: its cookie and CSRF. */
static void
sign_in(struct identity *id)
{
	struct buf raw = { 0 }, resp = { 0 }, body = { 0 };
	char login_cookie[256] = "", csrf[128] = "";
	double ms;

	id->cookie[0] = id->csrf[0] = '\0';
	id->stale = 0;
	signing_in = 1;
	buf_str(&raw, "GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n");
	if (exchange(&raw, &resp, &ms) != 0)
		fail("cannot reach the server to sign in");
	cookie_of(&resp, "ep_login", login_cookie, sizeof login_cookie);
	csrf_of(&resp, csrf, sizeof csrf);
	buf_str(&body, "csrf=");
	buf_urlenc(&body, csrf);
	buf_str(&body, "&login=");
	buf_urlenc(&body, id->login);
	buf_str(&body, "&password=");
	buf_urlenc(&body, id->password);
	raw.len = 0;
	buf_printf(&raw, "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\nCookie: %s\r\nContent-Type: application/"
	    "x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n", login_cookie,
	    body.len);
	buf_add(&raw, body.s, body.len);
	if (exchange(&raw, &resp, &ms) != 0)
		fail("cannot reach the server to sign in");
	cookie_of(&resp, "ep_session", id->cookie, sizeof id->cookie);
	if (id->cookie[0] != '\0') {
		raw.len = 0;
		buf_printf(&raw, "GET /account/password HTTP/1.1\r\nHost: "
		    "127.0.0.1\r\nConnection: close\r\nCookie: %s\r\n\r\n",
		    id->cookie);
		if (exchange(&raw, &resp, &ms) == 0)
			csrf_of(&resp, id->csrf, sizeof id->csrf);
	} else {
		/* Disabled, its password changed, or rate limited: it goes on
		 * with its token only, and tries again a while later. */
		fprintf(stderr, "server-client: %s cannot sign in (%d)\n",
		    id->login, status_of(&resp));
		id->retry_at = requests + 5000;
	}
	signing_in = 0;
	free(raw.s);
	free(resp.s);
	free(body.s);
}

/* --- building a request --- */

/* The route's path with each {param} filled. */
static void
fill_path(struct buf *b, const char *pattern)
{
	const char *p = pattern, *open;

	while ((open = strchr(p, '{')) != NULL) {
		const char *close = strchr(open, '}');

		buf_add(b, p, (size_t)(open - p));
		if (strncmp(open, "{org}", 5) == 0)
			buf_str(b, org_values[pick(nitems(org_values))]);
		else if (strncmp(open, "{name}", 6) == 0)
			buf_str(b, asset_values[pick(nitems(asset_values))]);
		else
			buf_str(b, chance(70) ? id_values[pick(8)] :
			    id_values[pick(nitems(id_values))]);
		p = close ? close + 1 : open + strlen(open);
	}
	buf_str(b, p);
	if (chance(3))
		buf_str(b, chance(50) ? "/" : "/extra");
}

static void
add_query(struct buf *b)
{
	int i, n = (int)pick(4);

	for (i = 0; i < n; i++) {
		buf_str(b, i == 0 ? "?" : "&");
		buf_urlenc(b, chance(50) ? filters[pick(nitems(filters))] :
		    keys[pick(nitems(keys))]);
		if (chance(90)) {
			buf_str(b, "=");
			buf_urlenc(b, value());
		}
	}
}

static void
json_value(struct buf *b, int depth)
{
	static const char *const numbers[] = { "0", "1", "-1", "7", "90",
		"1440", "1441", "2500", "1.5", "12.345", "0.1", "1e300", "-0.0",
		"99999999999999999999", "9223372036854775807", "1E2", "2e-5" };
	size_t i, n;

	switch (pick(depth > 2 ? 5 : 7)) {
	case 0:
	case 1:
		buf_jsonstr(b, value());
		break;
	case 2:
		buf_str(b, numbers[pick(nitems(numbers))]);
		break;
	case 3:
		buf_str(b, chance(50) ? "true" : "false");
		break;
	case 4:
		buf_str(b, "null");
		break;
	case 5:
		buf_str(b, "[");
		for (i = 0, n = pick(3); i < n; i++) {
			if (i)
				buf_str(b, ",");
			json_value(b, depth + 1);
		}
		buf_str(b, "]");
		break;
	default:
		buf_str(b, "{");
		for (i = 0, n = pick(3); i < n; i++) {
			if (i)
				buf_str(b, ",");
			buf_jsonstr(b, chance(50) ? "name" : chance(50) ? "amount" :
			    keys[pick(nitems(keys))]);
			buf_str(b, ":");
			json_value(b, depth + 1);
		}
		buf_str(b, "}");
	}
}

static void
json_body(struct buf *b)
{
	size_t i, n = pick(8);

	if (chance(5)) {
		buf_str(b, chance(50) ? "[1, 2" : "{\"a\": }");
		return;
	}
	buf_str(b, "{");
	for (i = 0; i < n; i++) {
		if (i)
			buf_str(b, ", ");
		buf_jsonstr(b, keys[pick(nitems(keys))]);
		buf_str(b, ": ");
		json_value(b, 0);
	}
	buf_str(b, "}");
}

static void
form_body(struct buf *b, const struct identity *id)
{
	size_t i, n = pick(8);

	if (id != NULL && chance(85)) {
		buf_str(b, "csrf=");
		buf_urlenc(b, id->csrf);
	} else
		buf_str(b, chance(50) ? "csrf=x" : "");
	for (i = 0; i < n; i++) {
		buf_str(b, "&");
		buf_urlenc(b, keys[pick(nitems(keys))]);
		buf_str(b, "=");
		buf_urlenc(b, value());
	}
}

static void
multipart_body(struct buf *b, const struct identity *id, char *type,
    size_t tlen)
{
	static const char *const rows[] = { "1,2026-03-04,1:30,advice,Call,yes",
		"1,2026-03-05,90m,drafting,\"Grounds, of appeal\",no",
		"2,2026-02-30,25:00,court,,maybe", "x,y,z", "\"unterminated",
		"1,2026-03-06,0:45,travel,=HYPERLINK(\"x\"),yes,extra" };
	size_t i, n = pick(6);

	snprintf(type, tlen, "multipart/form-data; boundary=%s",
	    chance(90) ? "XyZ" : "\"XyZ\"");
	buf_printf(b, "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\""
	    "\r\n\r\n%s\r\n", id ? id->csrf : "x");
	buf_str(b, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
	    "filename=\"week.csv\"\r\nContent-Type: text/csv\r\n\r\n");
	if (chance(80))
		buf_str(b, "engagement,date,duration,activity,note,billable\r\n");
	for (i = 0; i < n; i++) {
		buf_str(b, chance(10) ? value() : rows[pick(nitems(rows))]);
		buf_str(b, "\r\n");
	}
	buf_str(b, chance(90) ? "--XyZ--\r\n" : "--XyZ");
}

/* One to eight byte edits of the whole request. */
static void
mutate(struct buf *b)
{
	static const char *const tokens[] = { "\r\n", "\r\n\r\n", " ", ":",
		"%", "%00", "/", "..", "?", "&", "=", "{", "\"", "\x00", "\xff",
		"Content-Length: 99999999\r\n", "Transfer-Encoding: chunked\r\n" };
	size_t edits = pick(8) + 1, i, pos, n;
	const char *t;

	for (i = 0; i < edits && b->len > 0; i++) {
		pos = pick(b->len);
		switch (pick(4)) {
		case 0:
			b->s[pos] ^= (char)(1u << pick(8));
			break;
		case 1:
			n = pick(b->len - pos) % 16 + 1;
			if (pos + n > b->len)
				n = b->len - pos;
			memmove(b->s + pos, b->s + pos + n, b->len - pos - n);
			b->len -= n;
			break;
		default:
			t = tokens[pick(nitems(tokens))];
			n = *t ? strlen(t) : 1;
			buf_add(b, t, n);	/* grows; then moved into place */
			memmove(b->s + pos + n, b->s + pos, b->len - n - pos);
			memcpy(b->s + pos, t, n);
			break;
		}
	}
}

static const char *
role_match(const struct route *r, size_t *which)
{
	size_t i, start = pick(nids + 1);

	/* Nobody now and then; most often someone the route admits; else
	 * anyone. */
	if (start == nids || chance(10)) {
		*which = MAX_IDS;
		return "nobody";
	}
	for (i = 0; i < nids; i++) {
		size_t k = (start + i) % nids;

		if (chance(85) ? strstr(r->roles, ids[k].role) != NULL : 1) {
			*which = k;
			return ids[k].role;
		}
	}
	*which = start;
	return ids[start].role;
}

static void
build(struct buf *raw, const struct route *r, struct identity *id)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH",
		"DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO" };
	struct buf path = { 0 }, body = { 0 };
	char type[128] = "", type_check[16];
	const char *method = r->method;
	int api = strncmp(r->pattern, "/api/", 5) == 0;
	int bearer = id != NULL && (api ? chance(80) : chance(10));

	if (chance(5))
		method = methods[pick(nitems(methods))];
	fill_path(&path, r->pattern);
	if (chance(40))
		add_query(&path);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		if (strcmp(r->pattern, "/timesheet/import") == 0 && chance(80))
			multipart_body(&body, id, type, sizeof type);
		else if (api ? chance(90) : chance(5)) {
			json_body(&body);
			snprintf(type, sizeof type, "application/json");
		} else {
			form_body(&body, id);
			snprintf(type, sizeof type,
			    "application/x-www-form-urlencoded");
		}
		if (chance(3))
			snprintf(type, sizeof type, "%s", value());
	}
	buf_printf(raw, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
	    "close\r\n", method, path.s);
	if (id != NULL && id->cookie[0] != '\0' && (!bearer || chance(20)))
		buf_printf(raw, "Cookie: %s%s\r\n", id->cookie,
		    chance(10) ? "; ep_login=x; ep_session=" : "");
	else if (chance(5))
		buf_printf(raw, "Cookie: ep_session=%s\r\n", value());
	if (bearer)
		buf_printf(raw, "Authorization: Bearer %s\r\n",
		    chance(95) ? id->token : value());
	if (api || chance(10))
		buf_str(raw, "Accept: application/json\r\n");
	if (api && chance(20))
		buf_printf(raw, "Idempotency-Key: k%u\r\n", (unsigned)pick(20));
	if (chance(5))
		buf_printf(raw, "X-Forwarded-For: %s\r\n", chance(50) ?
		    "10.0.0.1, 127.0.0.1" : value());
	if (chance(3))
		buf_printf(raw, "Referer: %s\r\n", value());
	if (type[0] != '\0')
		buf_printf(raw, "Content-Type: %s\r\n", type);
	if (body.len > 0 || strcmp(method, "POST") == 0)
		buf_printf(raw, "Content-Length: %zu\r\n", body.len);
	buf_str(raw, "\r\n");
	if (body.s != NULL)
		buf_add(raw, body.s, body.len);
	snprintf(type_check, sizeof type_check, " %s ", method);
	routed_method = strstr(" GET POST PUT PATCH DELETE HEAD ",
	    type_check) != NULL;
	if (chance(8)) {
		mutate(raw);
		routed_method = 0;
	}
	free(path.s);
	free(body.s);
}

/* --- reading the inputs --- */

static void
read_routes(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof line, f) != NULL && nroutes < MAX_ROUTES) {
		struct route *r = &routes[nroutes];

		if (sscanf(line, "%7s\t%127s\t%127s", r->method, r->pattern,
		    r->roles) == 3)
			nroutes++;
	}
	fclose(f);
}

static void
read_creds(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof line, f) != NULL && nids < MAX_IDS) {
		struct identity *id = &ids[nids];

		memset(id, 0, sizeof *id);
		if (sscanf(line, "%23s %63s %63s %127s", id->role, id->login,
		    id->password, id->token) == 4)
			nids++;
	}
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct buf raw = { 0 }, resp = { 0 };
	const char *routes_path = NULL, *creds_path = NULL;
	double t_end, start = now_ms(), ms;
	long seconds = 0, max = 0;
	uint64_t seed = 1;
	char ra[64];
	size_t i;
	int c;

	while ((c = getopt(argc, argv, "p:P:r:c:o:t:n:s:b:")) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 'P': server_pid = (pid_t)atol(optarg); break;
		case 'r': routes_path = optarg; break;
		case 'c': creds_path = optarg; break;
		case 'o': artifact = optarg; break;
		case 't': seconds = atol(optarg); break;
		case 'n': max = atol(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'b': bound_ms = atol(optarg); break;
		default: goto usage;
		}
	}
	if (port <= 0 || server_pid <= 0 || routes_path == NULL ||
	    creds_path == NULL || (seconds <= 0 && max <= 0))
		goto usage;
	rng = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	memset(long_text, 'A', sizeof long_text - 1);
	read_routes(routes_path);
	read_creds(creds_path);
	if (nroutes == 0 || nids == 0)
		goto usage;
	for (i = 0; i < nids; i++)
		sign_in(&ids[i]);
	t_end = seconds > 0 ? start + (double)seconds * 1e3 : 0;
	while ((max <= 0 || requests < (unsigned long)max) &&
	    (t_end == 0 || now_ms() < t_end)) {
		const struct route *r = &routes[pick(nroutes)];
		struct identity *id;
		struct buf *k;
		size_t which;
		int status;

		/* A wrong current password counts against the person's
		 * sign-ins: tried rarely, so each role keeps its session. */
		if (strcmp(r->pattern, "/account/password") == 0 &&
		    strcmp(r->method, "POST") == 0 && chance(95))
			continue;
		k = &kept[nkept++ % KEPT];

		role_match(r, &which);
		id = which < nids ? &ids[which] : NULL;
		if (id != NULL && id->stale && requests >= id->retry_at)
			sign_in(id);
		raw.len = 0;
		build(&raw, r, id);
		k->len = 0;
		buf_add(k, raw.s, raw.len);
		requests++;
		if (exchange(&raw, &resp, &ms) != 0 || !server_alive())
			fail("the server has gone (request %lu: %s %s)", requests,
			    r->method, r->pattern);
		status = status_of(&resp);
		if (status == 0)
			no_answer++;
		else
			by_class[status / 100 < 6 ? status / 100 : 0]++;
		if (ms > (double)slowest_ms) {
			slowest_ms = (unsigned long)ms;
			snprintf(slowest, sizeof slowest, "%s %s", r->method,
			    r->pattern);
		}
		if (status >= 500 && !(status == 503 &&
		    header_of(&resp, "Retry-After", ra, sizeof ra) != NULL) &&
		    !(status == 501 && !routed_method))
			fail("%d from %s %s (request %lu)", status, r->method,
			    r->pattern, requests);
		if (ms > (double)bound_ms)
			fail("%.0f ms, past the bound of %ld ms, for %s %s "
			    "(request %lu)", ms, bound_ms, r->method, r->pattern,
			    requests);
		/* Signing out or changing a password ends the session. */
		if (id != NULL && (strcmp(r->pattern, "/logout") == 0 ||
		    strcmp(r->pattern, "/account/password") == 0 ||
		    status == 401 || (status == 303 && strstr(resp.s,
		    "Location: /login") != NULL)))
			id->stale = 1;
	}
	ms = now_ms() - start;
	printf("server-client: %lu requests in %.1f s (%.0f/s): 2xx %lu, 3xx "
	    "%lu, 4xx %lu, 5xx %lu, no answer %lu; slowest %lu ms (%s)\n",
	    requests, ms / 1e3, (double)requests * 1e3 / (ms > 0 ? ms : 1),
	    by_class[2], by_class[3], by_class[4], by_class[5], no_answer,
	    slowest_ms, slowest);
	for (i = 0; i < KEPT; i++)
		free(kept[i].s);
	free(raw.s);
	free(resp.s);
	return 0;
usage:
	fprintf(stderr, "usage: server-client -p PORT -P PID -r ROUTES -c CREDS "
	    "[-o ARTIFACT] [-t SECONDS] [-n REQUESTS] [-s SEED] [-b BOUND_MS]\n");
	return 2;
}
