/* bare-http.c: the baseline: a bare evhttp server answering 200 "ok". */
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

static void
ok_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add(b, "ok\n", 3);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
insert_cb(struct evhttp_request *req, void *arg)
{
	ok_cb(req, arg);
}

int
main(int argc, char **argv)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	int port = argc > 1 ? atoi(argv[1]) : 0;
	struct evhttp_bound_socket *sock;
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	evhttp_set_gencb(http, ok_cb, NULL);
	evhttp_set_cb(http, "/insert", insert_cb, NULL);
	sock = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (unsigned short)port);
	if (sock == NULL) {
		fprintf(stderr, "bare-http: cannot bind %d\n", port);
		return 1;
	}
	getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin,
	    &len);
	printf("listening on http://127.0.0.1:%d/\n", ntohs(sin.sin_port));
	fflush(stdout);
	event_base_dispatch(base);
	return 0;
}
