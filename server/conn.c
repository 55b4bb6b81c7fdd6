/*
 * conn.c: client connections: how many one client address may hold open,
 * how long a request may take to arrive whole, how much request data the
 * server holds at once, and the server-wide connection limit.
 *
 * evhttp (libevent 2.1) offers no hook between accepting a socket and
 * reading from it, so each accepted connection is adopted just after
 * evhttp sets it up: the bufferevent it asked us for (conn_bev_cb) names
 * the evhttp connection as its callbacks' argument, and an event made
 * active at accept runs before the event loop next polls, so before the
 * connection's first read. From there a close callback keeps every count
 * exact, and a callback on the input buffer sees each request's first
 * byte and its size.
 *
 * A connection over its address's limit, or past the memory budget, is
 * answered with a one-line reply and shut down at once: left to time out,
 * such connections are what exhaust a server.
 */
#include "server.h"

#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <sodium.h>

enum conn_state {
	CONN_IDLE,		/* between requests: evhttp's idle timeout */
	CONN_READING,		/* a request has begun: the deadline runs */
	CONN_HANDLING,		/* read whole, being answered */
	CONN_REFUSED		/* answered at once and being shut down */
};

/* One client address: an IPv4 address, or an IPv6 /64. */
struct conn_client {
	struct conn_client *next;
	unsigned char key[16];
	int open;
};

struct conn {
	struct conn *next;		/* in its bucket, by evcon */
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	struct evbuffer_cb_entry *watch;
	struct conn_client *client;	/* NULL: not limited by address */
	struct event *deadline;
	size_t held;			/* bytes counted in conn_held */
	enum conn_state state;
};

static struct event_base *conn_base;
static struct evconnlistener *conn_listener;
static struct event *conn_adopt_ev;
static struct bufferevent **conn_pending;
static size_t conn_npending, conn_pending_cap;
static struct conn **conn_table;
static struct conn_client **conn_clients;
static size_t conn_buckets;		/* a power of two, both tables */
static unsigned char conn_key[crypto_shorthash_KEYBYTES];
static int conn_open;			/* accepted and not yet closed */
static int conn_paused;
static int64_t conn_held;		/* request bytes being received */
static uint64_t conn_refused_client, conn_refused_memory, conn_deadlines;

static size_t
conn_slot(const struct evhttp_connection *evcon)
{
	uint64_t v = (uint64_t)(uintptr_t)evcon;

	return (size_t)((v >> 4) * 0x9e3779b97f4a7c15ULL >> 32) &
	    (conn_buckets - 1);
}

static struct conn *
conn_find(const struct evhttp_connection *evcon)
{
	struct conn *c;

	if (conn_table == NULL || evcon == NULL)
		return NULL;
	for (c = conn_table[conn_slot(evcon)]; c != NULL; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

/* Pauses accepting at the server-wide limit and resumes below it. */
static void
conn_pace(void)
{
	if (conn_listener == NULL)
		return;
	if (!conn_paused && conn_open >= cfg.max_connections) {
		evconnlistener_disable(conn_listener);
		conn_paused = 1;
		log_warn("http: %d connections open, the limit: accepting paused",
		    conn_open);
	} else if (conn_paused && conn_open < cfg.max_connections) {
		evconnlistener_enable(conn_listener);
		conn_paused = 0;
		log_info("http: %d connections open: accepting again", conn_open);
	}
}

/*
 * The address a peer is limited under, in 16 bytes: IPv4 as v4-mapped
 * IPv6, IPv6 cut to its /64 (one site's hosts share it). 0 if the peer
 * is a trusted proxy, which speaks for many clients, or has no address.
 */
static int
conn_client_key(int fd, unsigned char key[16])
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[INET6_ADDRSTRLEN];

	memset(key, 0, 16);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in->sin_addr, 4);
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

		memcpy(key, &in6->sin6_addr, 16);
		if (!IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			memset(key + 8, 0, 8);
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
	} else {
		return 0;
	}
	return !http_listed(text, cfg.trusted_proxies);
}

/* The client's entry, made if new; keyed SipHash, so that addresses an
 * attacker picks cannot crowd one bucket. */
static struct conn_client *
conn_client_get(const unsigned char key[16])
{
	unsigned char h[crypto_shorthash_BYTES];
	struct conn_client *cl, **slot;
	uint64_t v;

	crypto_shorthash(h, key, 16, conn_key);
	memcpy(&v, h, sizeof v);
	slot = &conn_clients[v & (conn_buckets - 1)];
	for (cl = *slot; cl != NULL; cl = cl->next)
		if (memcmp(cl->key, key, 16) == 0)
			return cl;
	cl = xcalloc(1, sizeof *cl);
	memcpy(cl->key, key, 16);
	cl->next = *slot;
	*slot = cl;
	return cl;
}

static void
conn_client_put(struct conn_client *cl)
{
	unsigned char h[crypto_shorthash_BYTES];
	struct conn_client **p;
	uint64_t v;

	if (--cl->open > 0)
		return;
	crypto_shorthash(h, cl->key, 16, conn_key);
	memcpy(&v, h, sizeof v);
	for (p = &conn_clients[v & (conn_buckets - 1)]; *p != NULL;
	    p = &(*p)->next) {
		if (*p == cl) {
			*p = cl->next;
			free(cl);
			return;
		}
	}
}

/* Stops counting a connection's request bytes against the budget. */
static void
conn_release(struct conn *c)
{
	conn_held -= (int64_t)c->held;
	c->held = 0;
}

/*
 * Answers with a short reply written straight to the socket (nothing of
 * evhttp's is being written: the connection is not answering a request)
 * and shuts it both ways, so evhttp reads an end of file at once and
 * frees the connection.
 */
static void
conn_refuse(struct conn *c, int status, const char *reason, const char *why)
{
	int fd = (int)bufferevent_getfd(c->bev), n;
	char reply[512];

	if (c->state == CONN_REFUSED)
		return;
	evtimer_del(c->deadline);
	conn_release(c);
	if (c->client != NULL) {
		conn_client_put(c->client);
		c->client = NULL;
	}
	c->state = CONN_REFUSED;
	if (fd < 0)
		return;
	n = snprintf(reply, sizeof reply, "HTTP/1.1 %d %s\r\n%s"
	    "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n\r\n%s: %s\n", status, reason,
	    status == 408 ? "" : "Retry-After: 5\r\n",
	    strlen(reason) + 3 + strlen(why), reason, why);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 && n > 0 &&
	    (size_t)n < sizeof reply)
		(void)send(fd, reply, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_RDWR);
}

static void
conn_deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)events;
	if (c->state != CONN_READING)
		return;
	conn_deadlines++;
	log_warn("http: a request took over %lld s to arrive: connection closed",
	    (long long)cfg.request_deadline);
	conn_refuse(c, 408, "Request Timeout",
	    "the request took too long to arrive");
}

static void
conn_begin_request(struct conn *c)
{
	struct timeval tv = { (time_t)cfg.request_deadline, 0 };

	c->state = CONN_READING;
	evtimer_add(c->deadline, &tv);
}

/* Data arrived: a request's first byte starts its deadline, and every
 * byte counts against the budget until the request is read whole. */
static void
conn_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn *c = arg;

	(void)buf;
	if (info->n_added == 0 || c->state == CONN_REFUSED)
		return;
	c->held += info->n_added;
	conn_held += (int64_t)info->n_added;
	if (c->state == CONN_IDLE)
		conn_begin_request(c);
	if (conn_held > cfg.max_request_memory) {
		conn_refused_memory++;
		log_warn("http: requests being received hold over %lld bytes: "
		    "a connection refused", (long long)cfg.max_request_memory);
		conn_refuse(c, 503, "Service Unavailable",
		    "too busy, try again shortly");
	}
}

/* evhttp frees the connection: every count is given back. */
static void
conn_closed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg, **p;

	(void)evcon;
	for (p = &conn_table[conn_slot(c->evcon)]; *p != NULL; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (c->watch != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->watch);
	conn_release(c);
	if (c->client != NULL)
		conn_client_put(c->client);
	event_free(c->deadline);
	free(c);
	if (conn_open > 0)
		conn_open--;
	conn_pace();
}

/* Takes on one connection evhttp has just set up; see the top. */
static void
conn_adopt(struct bufferevent *bev)
{
	bufferevent_data_cb readcb;
	void *arg = NULL;
	unsigned char key[16];
	struct conn *c;
	size_t slot;
	int fd;

	bufferevent_getcb(bev, &readcb, NULL, NULL, &arg);
	fd = (int)bufferevent_getfd(bev);
	if (readcb == NULL || arg == NULL || fd < 0) {
		/* Freed already: evhttp could not take it on. */
		if (conn_open > 0)
			conn_open--;
		conn_pace();
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->evcon = arg;
	c->bev = bev;
	c->state = CONN_IDLE;
	c->deadline = evtimer_new(conn_base, conn_deadline_cb, c);
	slot = conn_slot(c->evcon);
	c->next = conn_table[slot];
	conn_table[slot] = c;
	evhttp_connection_set_closecb(c->evcon, conn_closed_cb, c);
	c->watch = evbuffer_add_cb(bufferevent_get_input(bev), conn_input_cb, c);
	if (!conn_client_key(fd, key))
		return;
	c->client = conn_client_get(key);
	if (c->client->open++ < cfg.max_connections_per_client)
		return;
	conn_refused_client++;
	if (conn_refused_client == 1 || conn_refused_client % 1000 == 0)
		log_warn("http: a client address holds %d connections, its "
		    "limit: refused (%llu so far)", c->client->open - 1,
		    (unsigned long long)conn_refused_client);
	conn_refuse(c, 429, "Too Many Requests",
	    "this address has too many connections open");
}

static void
conn_adopt_cb(evutil_socket_t fd, short events, void *arg)
{
	size_t i;

	(void)fd;
	(void)events;
	(void)arg;
	for (i = 0; i < conn_npending; i++) {
		conn_adopt(conn_pending[i]);
		bufferevent_decref(conn_pending[i]);
	}
	conn_npending = 0;
}

/* evhttp asks for each accepted connection's bufferevent. */
static struct bufferevent *
conn_bev_cb(struct event_base *base, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE);

	(void)arg;
	if (bev == NULL)
		return NULL;
	if (conn_npending == conn_pending_cap) {
		conn_pending_cap = conn_pending_cap ? conn_pending_cap * 2 : 16;
		conn_pending = xrealloc(conn_pending,
		    conn_pending_cap * sizeof *conn_pending);
	}
	bufferevent_incref(bev);	/* until adopted, whatever evhttp does */
	conn_pending[conn_npending++] = bev;
	if (conn_npending == 1)
		event_active(conn_adopt_ev, EV_TIMEOUT, 0);
	conn_open++;
	conn_pace();
	return bev;
}

/* Sets up the tables and takes over evhttp's connections on listener. */
void
conn_start(struct event_base *base, struct evhttp *http,
    struct evconnlistener *listener)
{
	conn_base = base;
	conn_listener = listener;
	conn_buckets = 64;
	while (conn_buckets < (size_t)cfg.max_connections && conn_buckets < 65536)
		conn_buckets <<= 1;
	conn_table = xcalloc(conn_buckets, sizeof *conn_table);
	conn_clients = xcalloc(conn_buckets, sizeof *conn_clients);
	crypto_shorthash_keygen(conn_key);
	conn_adopt_ev = event_new(base, -1, 0, conn_adopt_cb, NULL);
	evhttp_set_bevcb(http, conn_bev_cb, NULL);
}

/* No more accepting (the listener is gone); counting goes on. */
void
conn_unlisten(void)
{
	conn_listener = NULL;
}

/* After evhttp_free has closed every connection. */
void
conn_stop(void)
{
	size_t i;

	conn_adopt_cb(-1, 0, NULL);
	if (conn_adopt_ev != NULL)
		event_free(conn_adopt_ev);
	conn_adopt_ev = NULL;
	for (i = 0; conn_clients != NULL && i < conn_buckets; i++) {
		while (conn_clients[i] != NULL) {
			struct conn_client *cl = conn_clients[i];

			conn_clients[i] = cl->next;
			free(cl);
		}
	}
	free(conn_clients);
	free(conn_table);
	free(conn_pending);
	conn_clients = NULL;
	conn_table = NULL;
	conn_pending = NULL;
	conn_npending = conn_pending_cap = 0;
	conn_listener = NULL;
}

/* A request has been read whole: its deadline and its bytes end here.
 * -1 if its connection has been refused: it is not to be answered. */
int
conn_request_read(struct evhttp_connection *evcon)
{
	struct conn *c = conn_find(evcon);

	if (c == NULL)
		return 0;
	if (c->state == CONN_REFUSED)
		return -1;
	evtimer_del(c->deadline);
	conn_release(c);
	c->state = CONN_HANDLING;
	return 0;
}

/* Its reply is on its way: the next request's deadline starts at its
 * first byte, or now if it has begun to arrive already. */
void
conn_replied(struct evhttp_connection *evcon)
{
	struct conn *c = conn_find(evcon);

	if (c == NULL || c->state != CONN_HANDLING)
		return;
	c->state = CONN_IDLE;
	if (c->held > 0)
		conn_begin_request(c);
}

int
conn_count(void)
{
	return conn_open;
}

void
conn_refusals(uint64_t *per_client, uint64_t *memory, uint64_t *deadline)
{
	*per_client = conn_refused_client;
	*memory = conn_refused_memory;
	*deadline = conn_deadlines;
}
