/* http.c: the HTTP front: limits, one generic callback, replies and logging. */
#include "server.h"

#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>
#include <sodium.h>

#define HTTP_FORM_FIELDS_MAX 4096	/* fields a form body may hold */

static struct evhttp *http;
static struct evhttp_bound_socket *http_socket;
static struct event_base *http_base;
static struct ep_db *http_store;
static int http_bound_port;
static int http_draining;
static int http_inflight;
static void (*http_drained)(void);
static uint32_t http_rid_prefix;
static uint64_t http_rid_next;
static struct ep_req *http_free_reqs;

/* Every page (text/html) carries these; every reply carries nosniff. */
static const char *http_security_headers[][2] = {
	{ "Referrer-Policy", "same-origin" },
	{ "Content-Security-Policy",
	  "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
	  "form-action 'self'; base-uri 'none'" },
};

const char *
http_method_name(int type)
{
	switch (type) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	default:
		return "OTHER";
	}
}

const char *
http_req_method(struct ep_req *r)
{
	return http_method_name(evhttp_request_get_command(r->ev));
}

struct ep_db *
http_db(void)
{
	return http_store;
}

int
http_open_connections(void)
{
	return conn_count();
}

int
http_port(void)
{
	return http_bound_port;
}

/* Sixteen lower-case hex digits and a NUL, without printf. */
static void
http_hex(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--) {
		out[i] = digits[v & 0xf];
		v >>= 4;
	}
	out[16] = '\0';
}

static struct ep_req *
http_req_new(struct evhttp_request *ev)
{
	struct ep_req *r = http_free_reqs;

	if (r != NULL)
		http_free_reqs = *(struct ep_req **)(void *)r;
	else
		r = xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->ev = ev;
	r->start = mono_usec();
	http_hex(r->rid, ((uint64_t)http_rid_prefix << 32) |
	    (++http_rid_next & 0xffffffffu));
	http_inflight++;
	return r;
}

static void
http_req_free(struct ep_req *r)
{
	route_params_free(&r->params);
	if (r->query != NULL) {
		evhttp_clear_headers(r->query);
		free(r->query);
	}
	if (r->form != NULL) {
		evhttp_clear_headers(r->form);
		free(r->form);
	}
	free(r->path);
	free(r->body);
	*(struct ep_req **)(void *)r = http_free_reqs;
	http_free_reqs = r;
	http_inflight--;
	if (http_draining && http_inflight == 0 && http_drained != NULL) {
		void (*done)(void) = http_drained;

		http_drained = NULL;
		done();
	}
}

/* Appends a decimal number; returns the new end. */
static char *
http_utoa(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *
http_append(char *p, const char *end, const char *s, size_t len)
{
	if (len > (size_t)(end - p))
		len = (size_t)(end - p);
	memcpy(p, s, len);
	return p + len;
}

/*
 * Appends up to 512 bytes of a (decoded) path with spaces, control bytes
 * and DEL percent-encoded again: a request cannot break or forge a line,
 * nor shift where its status and time are read from.
 */
static char *
http_append_path(char *p, const char *end, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; path[i] != '\0' && i < 512 && end - p >= 3; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c <= 0x20 || c == 0x7f) {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 0xf];
		} else {
			*p++ = (char)c;
		}
	}
	return p;
}

/*
 * One line per request: time, method, path, status, microseconds, request
 * id. Built by hand: this runs for every request and printf shows up in
 * profiles.
 */
static void
http_log(struct ep_req *r, const char *method, int status, uint64_t usec)
{
	static time_t stamp_sec;
	static char stamp[32];
	static size_t stamp_len;
	char line[1100];
	char *p = line, *end = line + 1024;
	time_t sec = (time_t)(now_usec() / 1000000u);
	const char *path = r->path ? r->path : evhttp_request_get_uri(r->ev);

	if (!cfg.log_requests)
		return;
	if (sec != stamp_sec) {
		struct tm tm;

		gmtime_r(&sec, &tm);
		stamp_len = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		stamp_sec = sec;
	}
	if (path == NULL)
		path = "-";
	p = http_append(p, end, stamp, stamp_len);
	p = http_append(p, end, " request ", 9);
	p = http_append(p, end, method, strlen(method));
	*p++ = ' ';
	p = http_append_path(p, end, path);
	*p++ = ' ';
	p = http_utoa(p, (uint64_t)status);
	*p++ = ' ';
	p = http_utoa(p, usec);
	p = http_append(p, line + sizeof line, "us ", 3);
	p = http_append(p, line + sizeof line, r->rid, 16);
	*p++ = '\n';
	log_line(line, (size_t)(p - line));
}

void
http_reply_header(struct ep_req *r, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), name, value);
}

static void
http_finish(struct ep_req *r, int status, const char *type,
    struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
	uint64_t usec;
	size_t i;

	if (r->replied) {
		log_error("http: %s replied twice (%d after %d)", r->rid, status,
		    r->status);
		return;
	}
	r->replied = 1;
	r->status = status;
	if (type != NULL)
		evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "X-Request-Id", r->rid);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (type != NULL && strncmp(type, "text/html", 9) == 0) {
		for (i = 0; i < nitems(http_security_headers); i++)
			evhttp_add_header(h, http_security_headers[i][0],
			    http_security_headers[i][1]);
	}
	if (http_draining)
		evhttp_add_header(h, "Connection", "close");
	conn_replied(evhttp_request_get_connection(r->ev));
	evhttp_send_reply(r->ev, status, NULL, body);
	usec = mono_usec() - r->start;
	metrics_observe(r->route, status, usec);
	http_log(r, http_method_name(evhttp_request_get_command(r->ev)), status,
	    usec);
	http_req_free(r);
}

/* The one way to answer: exactly once per request. */
void
http_reply(struct ep_req *r, int status, const char *type, const char *body,
    size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	if (body != NULL && len > 0)
		evbuffer_add(buf, body, len);
	http_finish(r, status, type, buf);
	evbuffer_free(buf);
}

void
http_reply_buffer(struct ep_req *r, int status, const char *type,
    struct evbuffer *body)
{
	http_finish(r, status, type, body);
}

static void
http_error(struct ep_req *r, int status, const char *message)
{
	char body[256];
	int n = snprintf(body, sizeof body, "%d %s\n", status, message);

	http_reply(r, status, "text/plain; charset=utf-8", body, (size_t)n);
}

const char *
http_param(struct ep_req *r, const char *name)
{
	int i;

	for (i = 0; i < r->params.n; i++) {
		const char *seg = r->params.name[i];
		size_t len = strlen(name);

		if (strncmp(seg + 1, name, len) == 0 && seg[len + 1] == '}' &&
		    seg[len + 2] == '\0')
			return r->params.value[i];
	}
	return NULL;
}

const char *
http_query(struct ep_req *r, const char *name)
{
	if (r->query == NULL) {
		const char *q = evhttp_uri_get_query(
		    evhttp_request_get_evhttp_uri(r->ev));

		r->query = xcalloc(1, sizeof *r->query);
		r->query->tqh_first = NULL;
		r->query->tqh_last = &r->query->tqh_first;
		if (q != NULL)
			evhttp_parse_query_str(q, r->query);
	}
	return evhttp_find_header(r->query, name);
}

const char *
http_header(struct ep_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

static struct evkeyvalq *
http_parse_pairs(const char *text)
{
	struct evkeyvalq *kv = xcalloc(1, sizeof *kv);
	size_t fields = 1;
	const char *p;

	kv->tqh_first = NULL;
	kv->tqh_last = &kv->tqh_first;
	if (text == NULL || *text == '\0')
		return kv;
	/* A form of more fields than any page has is read as empty: its
	 * handler then refuses it as missing what it needs, and nobody can
	 * make the server build a list of a million fields. */
	for (p = text; (p = strchr(p, '&')) != NULL; p++)
		if (++fields > HTTP_FORM_FIELDS_MAX)
			return kv;
	evhttp_parse_query_str(text, kv);
	return kv;
}

/* A name="..." or boundary=... parameter of a header value, into out. */
static int
http_header_param(const char *v, const char *end, const char *name,
    char *out, size_t len)
{
	size_t nlen = strlen(name), n = 0;
	const char *p;

	for (p = v; p + nlen < end; p++) {
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
	} else {
		for (; p < end && *p != ';' && *p != ' ' && *p != '\r' &&
		    n + 1 < len; p++)
			out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Parts of a multipart/form-data body (RFC 7578), one after another. */
struct http_parts {
	const char *p, *end;
	char delim[84];
	size_t dlen;
	int n;			/* parts looked at so far */
};
struct http_part {
	char name[64];		/* "" when its Content-Disposition names none */
	int file;		/* it has a filename= */
	const char *data;	/* into the body */
	size_t len;
};
#define HTTP_PARTS_MAX 32

/* Finds the first part's start from the Content-Type's boundary; -1 when
 * the type has none (or too long a one) or the body does not open. */
static int
http_parts_open(struct http_parts *it, const char *type, const char *body,
    size_t len)
{
	char boundary[80];

	if (type == NULL || http_header_param(type, type + strlen(type),
	    "boundary", boundary, sizeof boundary) != 0 ||
	    strlen(boundary) > 70)
		return -1;
	it->dlen = (size_t)snprintf(it->delim, sizeof it->delim, "\r\n--%s",
	    boundary);
	it->end = body + len;
	it->n = 0;
	/* The first delimiter may open the body without its CRLF. */
	if (len >= it->dlen - 2 && memcmp(body, it->delim + 2, it->dlen - 2) == 0)
		it->p = body + it->dlen - 2;
	else if ((it->p = memmem(body, len, it->delim, it->dlen)) != NULL)
		it->p += it->dlen;
	else
		return -1;
	return 0;
}

/*
 * The next part: 1, or 0 at the closing delimiter, after HTTP_PARTS_MAX
 * parts, or where the body stops being well formed (a header block over
 * 4 KiB, no delimiter after the part).
 */
static int
http_parts_next(struct http_parts *it, struct http_part *part)
{
	const char *p = it->p, *end = it->end, *hdr_end, *next, *cd, *eol;

	if (it->n++ >= HTTP_PARTS_MAX)
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;		/* transport padding */
	if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
		return 0;	/* "--": the closing delimiter */
	p += 2;
	hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
	if (hdr_end == NULL || hdr_end - p > 4096)
		return 0;
	next = memmem(hdr_end + 4, (size_t)(end - hdr_end - 4), it->delim,
	    it->dlen);
	if (next == NULL)
		return 0;
	/* The part's Content-Disposition line, compared only where the
	 * header block has room for its name. */
	for (cd = p; cd < hdr_end; cd = eol ? eol + 2 : hdr_end) {
		if (hdr_end - cd >= 20 && strncasecmp(cd,
		    "content-disposition:", 20) == 0)
			break;
		eol = memmem(cd, (size_t)(hdr_end - cd), "\r\n", 2);
	}
	part->name[0] = '\0';
	part->file = 0;
	if (cd < hdr_end) {
		eol = memmem(cd, (size_t)(hdr_end - cd), "\r\n", 2);
		if (eol == NULL)
			eol = hdr_end;
		if (http_header_param(cd, eol, "name", part->name,
		    sizeof part->name) != 0)
			part->name[0] = '\0';
		part->file = memmem(cd, (size_t)(eol - cd), "filename=", 9) !=
		    NULL;
	}
	part->data = hdr_end + 4;
	part->len = (size_t)(next - part->data);
	it->p = next + it->dlen;
	return 1;
}

/*
 * The small text fields of a multipart/form-data body, so a file upload
 * form's CSRF token and plain fields read like any form's. File parts and
 * fields over 4 KiB are left to http_multipart_part.
 */
struct evkeyvalq *
http_parse_multipart(const char *type, const char *body, size_t len)
{
	struct evkeyvalq *kv = http_parse_pairs(NULL);
	struct http_parts it;
	struct http_part part;
	char *value;

	if (http_parts_open(&it, type, body, len) != 0)
		return kv;
	while (http_parts_next(&it, &part)) {
		if (part.name[0] == '\0' || part.file || part.len > 4096)
			continue;
		value = xstrndup(part.data, part.len);
		evhttp_add_header(kv, part.name, value);
		free(value);
	}
	return kv;
}

/*
 * The content of the part named name, file or not: a pointer into the
 * body and its length. -1 when there is no such part among the first
 * HTTP_PARTS_MAX, or the body is not multipart/form-data.
 */
int
http_multipart_part(const char *type, const char *body, size_t len,
    const char *name, const char **data, size_t *dlen)
{
	struct http_parts it;
	struct http_part part;

	if (type == NULL || strncasecmp(type, "multipart/form-data", 19) != 0 ||
	    http_parts_open(&it, type, body, len) != 0)
		return -1;
	while (http_parts_next(&it, &part)) {
		if (strcmp(part.name, name) == 0) {
			*data = part.data;
			*dlen = part.len;
			return 0;
		}
	}
	return -1;
}

/* A field of the form: application/x-www-form-urlencoded, or the text
 * fields of multipart/form-data. */
const char *
http_form(struct ep_req *r, const char *name)
{
	const char *type;

	if (r->form == NULL) {
		type = http_header(r, "Content-Type");
		if (type != NULL && strncasecmp(type, "multipart/form-data",
		    19) == 0) {
			size_t len;
			const char *body = http_body(r, &len);

			r->form = http_parse_multipart(type, body, len);
		} else
			r->form = http_parse_pairs(http_body(r, NULL));
	}
	return evhttp_find_header(r->form, name);
}

/* A field of the form as text, "" when it was not sent: for forms whose
 * every field is sent and checked. */
const char *
http_form_text(struct ep_req *r, const char *name)
{
	const char *v = http_form(r, name);

	return v != NULL ? v : "";
}

/* Every value of a repeated form field (checkboxes), in order. */
void
http_form_each(struct ep_req *r, const char *name,
    void (*fn)(const char *value, void *arg), void *arg)
{
	struct evkeyval *kv;

	if (r->form == NULL)
		http_form(r, name);
	for (kv = r->form->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (strcmp(kv->key, name) == 0)
			fn(kv->value, arg);
	}
}

/* Is addr one of the comma- or space-separated addresses in list? */
int
http_listed(const char *addr, const char *list)
{
	size_t n = strlen(addr), k;
	const char *p = list;

	while (p != NULL && *p != '\0') {
		p += strspn(p, ", \t");
		k = strcspn(p, ", \t");
		if (k == n && k > 0 && strncmp(p, addr, n) == 0)
			return 1;
		p += k;
	}
	return 0;
}

/*
 * Behind a trusted proxy, the client is the nearest address in
 * X-Forwarded-For that is not itself a trusted proxy, read from the right
 * (the proxy appends what it saw; anything further left the client could
 * have written). Anything that is not an address stops the walk.
 */
static void
http_forwarded_for(struct ep_req *r, const char *xff)
{
	char hop[64], bin[sizeof(struct in6_addr)];
	const char *end, *start;
	size_t n;

	if (xff == NULL)
		return;
	end = xff + strlen(xff);
	for (;;) {
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		n = (size_t)(end - start);
		while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof hop)
			return;
		memcpy(hop, start, n);
		hop[n] = '\0';
		if (inet_pton(AF_INET, hop, bin) != 1 &&
		    inet_pton(AF_INET6, hop, bin) != 1)
			return;
		snprintf(r->client, sizeof r->client, "%s", hop);
		if (!http_listed(hop, cfg.trusted_proxies))
			return;
		while (start > xff && start[-1] != ',')
			start--;
		if (start == xff)
			return;
		end = start - 1;	/* the comma before this hop */
	}
}

/* Is the peer itself (not whoever it forwards for) one of list? */
int
http_peer_listed(struct ep_req *r, const char *list)
{
	struct evhttp_connection *c = evhttp_request_get_connection(r->ev);
	char *addr = NULL;
	ev_uint16_t port;

	if (c != NULL)
		evhttp_connection_get_peer(c, &addr, &port);
	return addr != NULL && http_listed(addr, list);
}

/* The client's address as text, for rate limits and the audit trail:
 * the peer's, or behind a trusted proxy the one it forwarded. */
const char *
http_client_address(struct ep_req *r)
{
	struct evhttp_connection *c;
	char *addr = NULL;
	ev_uint16_t port;

	if (r->client[0] != '\0')
		return r->client;
	c = evhttp_request_get_connection(r->ev);
	if (c != NULL)
		evhttp_connection_get_peer(c, &addr, &port);
	snprintf(r->client, sizeof r->client, "%s", addr ? addr : "-");
	if (http_listed(r->client, cfg.trusted_proxies))
		http_forwarded_for(r, http_header(r, "X-Forwarded-For"));
	return r->client;
}

/* The handler will reply later, from the event loop (after a worker). */
void
http_defer(struct ep_req *r)
{
	r->deferred = 1;
	evhttp_request_own(r->ev);
}

/* 303 See Other: the answer to a form that worked. */
void
http_redirect(struct ep_req *r, const char *location)
{
	http_reply_header(r, "Location", location);
	http_reply(r, 303, "text/plain; charset=utf-8", "See Other\n", 10);
}

/* API clients: bearer tokens, /api/ paths, or asking for JSON. */
int
http_wants_json(struct ep_req *r)
{
	const char *accept = http_header(r, "Accept");

	return (r->path != NULL && strncmp(r->path, "/api/", 5) == 0) ||
	    (accept != NULL && strstr(accept, "application/json") != NULL &&
	    strstr(accept, "text/html") == NULL);
}

/* A JSON error with a stable code and, where one is to blame, the field. */
void
http_json_error(struct ep_req *r, int status, const char *code,
    const char *field, const char *message)
{
	json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
	    message);
	char *text;

	if (field != NULL)
		json_object_set_new(json_object_get(o, "error"), "field",
		    json_string(field));
	text = json_dumps(o, JSON_COMPACT);
	http_reply(r, status, "application/json", text, strlen(text));
	free(text);
	json_decref(o);
}

/* The body as one NUL-terminated string (bodies with NULs are cut there). */
const char *
http_body(struct ep_req *r, size_t *len)
{
	if (r->body == NULL) {
		struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
		size_t n = evbuffer_get_length(in);

		r->body = xmalloc(n + 1);
		evbuffer_copyout(in, r->body, n);
		r->body[n] = '\0';
	}
	if (len != NULL)
		*len = strlen(r->body);
	return r->body;
}

/* The size of the request's header block, as the client sent it. */
static int64_t
http_header_bytes(struct evhttp_request *ev)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(ev);
	struct evkeyval *kv;
	int64_t n = (int64_t)strlen(evhttp_request_get_uri(ev)) + 16;

	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next)
		n += (int64_t)(strlen(kv->key) + strlen(kv->value) + 4);
	return n;
}

/* Decodes the request path; NULL for one with a NUL or no leading '/'. */
static char *
http_decode_path(struct evhttp_request *ev)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	size_t len;
	char *p;

	if (raw == NULL || raw[0] != '/')
		return NULL;
	if (strchr(raw, '%') == NULL)
		return xstrdup(raw);
	p = evhttp_uridecode(raw, 0, &len);
	if (p == NULL || strlen(p) != len) {
		free(p);
		return NULL;
	}
	return p;
}

/*
 * The one entry for every request. Checks run in a fixed order: draining
 * (503), path (400/404), method (405), authentication and roles (401/403),
 * then the handler; a handler that returns without replying gets a 500.
 */
static void
http_request_cb(struct evhttp_request *ev, void *arg)
{
	const char *method = http_method_name(evhttp_request_get_command(ev));
	struct ep_req *r = http_req_new(ev);
	const struct route *route;
	int read_tx;

	(void)arg;
	if (conn_request_read(evhttp_request_get_connection(ev)) != 0) {
		/* Its connection was refused meanwhile and is shut. */
		http_error(r, 503, "Service Unavailable");
		return;
	}
	if (http_header_bytes(ev) > cfg.max_header_bytes) {
		http_reply_header(r, "Connection", "close");
		http_error(r, 431, "Request Header Fields Too Large");
		return;
	}
	if (http_draining) {
		http_error(r, 503, "Service Unavailable: shutting down");
		return;
	}
	r->path = http_decode_path(ev);
	if (r->path == NULL) {
		http_error(r, 400, "Bad Request: malformed path");
		return;
	}
	switch (route_match(method, r->path, &route, &r->params)) {
	case ROUTE_NOT_FOUND:
		if (http_wants_json(r))
			http_json_error(r, 404, "not_found", NULL, "no such path");
		else
			page_message(r, 404, "Page not found", "If you typed the web "
			    "address, check it is correct. If you pasted the web "
			    "address, check you copied the entire address.");
		return;
	case ROUTE_BAD_METHOD:
		http_error(r, 405, "Method Not Allowed");
		return;
	case ROUTE_FOUND:
		break;
	}
	r->route = route;
	/* A signed-in GET reads from one snapshot: one lock round for the
	 * session, the ownership check and the page's reads. */
	read_tx = http_store != NULL && route->roles != EP_ROLE_PUBLIC &&
	    strcmp(route->method, "GET") == 0 && db_read_begin(http_store) == 0;
	if (auth_check(r) == 0)
		route->fn(r, route->arg);
	if (read_tx)
		db_read_end(http_store);
	if (!r->replied && !r->deferred) {
		log_error("http: %s %s %s ended without a reply", r->rid, method,
		    r->path);
		http_error(r, 500, "Internal Server Error");
	}
}

/*
 * The listening socket, with the kernel's largest backlog (evhttp's own
 * bind asks for 128): a burst of connections, as after a restart, waits
 * in the queue instead of having its SYNs dropped and retried a second
 * later.
 */
static struct evhttp_bound_socket *
http_listen(const char *host, int port)
{
	struct addrinfo hints, *ai = NULL;
	struct evhttp_bound_socket *bound;
	char service[8];
	int fd, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof service, "%d", port);
	if (getaddrinfo(host, service, &hints, &ai) != 0 || ai == NULL)
		return NULL;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof one) != 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return NULL;
	}
	freeaddrinfo(ai);
	if ((bound = evhttp_accept_socket_with_handle(http, fd)) == NULL)
		close(fd);
	return bound;
}

/* Binds, sets every limit, and starts serving on the event loop. */
int
http_start(struct event_base *base, struct ep_db *db, char **err)
{
	struct timeval tv;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char *host = NULL;
	int port;

	if (parse_listen(cfg.listen, &host, &port) != 0) {
		*err = xprintf("listen: expected ADDR:PORT, got \"%s\"", cfg.listen);
		return -1;
	}
	http_base = base;
	http_store = db;
	http_rid_prefix = randombytes_random();
	http = evhttp_new(base);
	/* evhttp itself cuts off at four times the limit (answering 400);
	 * below that we answer 431 with a reason. */
	evhttp_set_max_headers_size(http, cfg.max_header_bytes * 4);
	evhttp_set_max_body_size(http, cfg.max_body_bytes);
	tv.tv_sec = cfg.request_timeout;
	tv.tv_usec = 0;
	evhttp_set_timeout_tv(http, &tv);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_HEAD);
	evhttp_set_default_content_type(http, "text/plain; charset=utf-8");
	evhttp_set_gencb(http, http_request_cb, NULL);
	http_socket = http_listen(host, port);
	if (http_socket == NULL) {
		*err = xprintf("listen: cannot bind %s", cfg.listen);
		free(host);
		evhttp_free(http);
		http = NULL;
		return -1;
	}
	conn_start(base, http, evhttp_bound_socket_get_listener(http_socket));
	{
		/* Accepted sockets inherit this: replies larger than a segment
		 * must not wait for the client's delayed ACK (Nagle). */
		int one = 1;

		setsockopt(evhttp_bound_socket_get_fd(http_socket), IPPROTO_TCP,
		    TCP_NODELAY, &one, sizeof one);
	}
	if (getsockname(evhttp_bound_socket_get_fd(http_socket),
	    (struct sockaddr *)&ss, &sslen) == 0) {
		if (ss.ss_family == AF_INET)
			http_bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			http_bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	log_info("listening on http://%s%s%s:%d/", strchr(host, ':') ? "[" : "",
	    host, strchr(host, ':') ? "]" : "", http_bound_port);
	free(host);
	return 0;
}

/* Stops accepting; new requests on open connections get 503; calls done
 * once no request is in flight. */
void
http_drain(void (*done)(void))
{
	if (http_socket != NULL) {
		conn_unlisten();
		evhttp_del_accept_socket(http, http_socket);
		http_socket = NULL;
	}
	http_draining = 1;
	if (http_inflight == 0)
		done();
	else
		http_drained = done;
}

void
http_stop(void)
{
	struct ep_req *r;

	if (http != NULL) {
		evhttp_free(http);
		http = NULL;
		conn_stop();
	}
	while ((r = http_free_reqs) != NULL) {
		http_free_reqs = *(struct ep_req **)(void *)r;
		free(r);
	}
	http_store = NULL;
}
