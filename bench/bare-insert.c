/* bare-insert.c: the baseline for logging an entry: a bare evhttp server
 * that inserts one row per POST into SQLite (WAL, synchronous=NORMAL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sqlite3.h>

static sqlite3 *db;
static sqlite3_stmt *insert;

/* One row a request, the body stored as it came: no parsing, no rules. */
static void
insert_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evbuffer *out = evbuffer_new();
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
	int rc;

	(void)arg;
	sqlite3_bind_text(insert, 1, body ? body : "", (int)len, SQLITE_STATIC);
	rc = sqlite3_step(insert);
	sqlite3_reset(insert);
	if (rc != SQLITE_DONE) {
		evbuffer_add_printf(out, "%s\n", sqlite3_errmsg(db));
		evhttp_send_reply(req, 500, "Internal Server Error", out);
	} else {
		evbuffer_add_printf(out, "{\"id\":%lld}\n",
		    (long long)sqlite3_last_insert_rowid(db));
		evhttp_send_reply(req, 201, "Created", out);
	}
	evbuffer_free(out);
}

int
main(int argc, char **argv)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	const char *path = argc > 1 ? argv[1] : "bare-insert.db";
	struct evhttp_bound_socket *sock;
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, "
	    "body TEXT NOT NULL)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO entries (body) VALUES (?)", -1,
	    &insert, NULL) != SQLITE_OK) {
		fprintf(stderr, "bare-insert: %s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	evhttp_set_gencb(http, insert_cb, NULL); /* any path: the same script */
	sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	if (sock == NULL) {
		fprintf(stderr, "bare-insert: cannot bind\n");
		return 1;
	}
	getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin,
	    &len);
	printf("listening on http://127.0.0.1:%d/\n", ntohs(sin.sin_port));
	fflush(stdout);
	event_base_dispatch(base);
	return 0;
}
