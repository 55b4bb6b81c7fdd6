/* expertpoold.c: the server: flags, start-up, the event loop, clean shutdown. */
#include "server.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

static struct event_base *base;
static struct event *grace_timer;
static struct event *anchor_timer;
static struct fee_engine *fees;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: expertpoold [--listen ADDR:PORT] [--db PATH] [--plugins DIR]\n"
	    "                   [--rules DIR] [--config FILE]\n"
	    "       expertpoold --version | --help\n"
	    "\n"
	    "Serves expertpool over HTTP. Flags override the configuration file,\n"
	    "a Lua file that may set:\n");
	config_help(f);
}

static void
drained(void)
{
	event_base_loopexit(base, NULL);
}

static void
grace_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	log_warn("shutdown: grace period over, closing with requests in flight");
	event_base_loopexit(base, NULL);
}

/* SIGTERM/SIGINT: stop accepting, let requests in flight finish, then go. */
static void
signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct timeval tv = { cfg.shutdown_grace, 0 };

	(void)events;
	(void)arg;
	if (grace_timer != NULL)
		return;
	log_info("shutdown: signal %d, draining", (int)sig);
	grace_timer = evtimer_new(base, grace_cb, NULL);
	evtimer_add(grace_timer, &tv);
	http_drain(drained);
}

/* Seals the audit trail's head with the sealing key, now and then. */
static void
anchor_cb(evutil_socket_t fd, short events, void *arg)
{
	struct timeval tv = { cfg.audit_anchor_seconds, 0 };
	char *err = NULL;

	(void)fd;
	(void)events;
	if (audit_anchor(arg, &err) < 0) {
		log_error("%s", err);
		free(err);
	}
	evtimer_add(anchor_timer, &tv);
}

/* SIGHUP: re-read the fee rule sets; a version that fails is not taken. */
static void
hup_cb(evutil_socket_t sig, short events, void *arg)
{
	char *err = NULL;
	int refused;

	(void)sig;
	(void)events;
	(void)arg;
	refused = fee_reload(fees, &err);
	if (refused > 0)
		log_error("fees: reload: %d rule set%s refused, the previous "
		    "version%s stay active", refused, refused == 1 ? "" : "s",
		    refused == 1 ? "s" : "");
	else
		log_info("fees: reloaded");
	free(err);
}

static int
parse_flags(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "plugins", required_argument, NULL, 'p' },
		{ "rules", required_argument, NULL, 'r' },
		/* The old name of --rules, for units written before it. */
		{ "scripts", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[128] = { 0 };
	const char *values[128] = { 0 };
	const char *config_path = NULL;
	char *err = NULL;
	int c, i;

	names['l'] = "listen";
	names['d'] = "db";
	names['p'] = "plugins";
	names['r'] = "rules";
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
		case 'd':
		case 'p':
		case 'r':
			values[c] = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'V':
			printf("expertpoold %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
			    EP_ABI_MAJOR, EP_ABI_MINOR);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "expertpoold: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (config_path != NULL && config_load(&cfg, config_path, &err) != 0)
		goto fail;
	for (i = 0; i < 128; i++) {
		if (values[i] != NULL &&
		    config_set(&cfg, names[i], values[i], &err) != 0)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "expertpoold: %s\n", err);
	free(err);
	exit(2);
}

/*
 * The server's life: start-up (configuration, store, plugins, fee rules,
 * listener), the event loop, then an orderly shutdown in the reverse
 * order. One function because the order is the point: each step may
 * start only once the one before it has.
 */
int
main(int argc, char **argv)
{
	struct event *sigs[3] = { NULL, NULL, NULL };
	struct event_config *evcfg;
	struct ep_db *db = NULL;
	char *err = NULL;
	int applied = 0, left, n, rc = 1;

	config_defaults(&cfg);
	parse_flags(argc, argv);
	log_init(EP_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		log_error("libsodium failed to initialise");
		goto out;
	}
	oidc_init();
	/* Adds and deletes of one descriptor's events within a turn of the
	 * loop go to the kernel as one epoll_ctl, not one each (a request
	 * read, then its reply written, re-arms its connection's events).
	 * Safe because no descriptor the loop watches is a dup() of another. */
	if ((evcfg = event_config_new()) != NULL) {
		event_config_set_flag(evcfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
		base = event_base_new_with_config(evcfg);
		event_config_free(evcfg);
	}
	if (base == NULL) {
		log_error("cannot create the event loop");
		goto out;
	}
	routes_register_all();
	if (plugin_load_dir(cfg.plugins, &err) != 0)
		goto fail;
	db = db_open(cfg.db, cfg.busy_timeout_ms, &err);
	if (db == NULL || migrate_all(db, &applied, &err) != 0)
		goto fail;
	if (applied > 0)
		log_info("store %s: %d migration%s applied", cfg.db, applied,
		    applied == 1 ? "" : "s");
	job_set_db_path(cfg.db);
	if ((n = job_reap(db)) > 0)
		log_warn("%d job%s the last server left unfinished marked failed",
		    n, n == 1 ? "" : "s");
	if (job_pool_start((int)cfg.job_threads) != 0) {
		err = xstrdup("cannot start job threads");
		goto fail;
	}
	if (worker_start(base, WORKER_GENERAL, 2, 0) != 0 ||
	    worker_start(base, WORKER_PASSWORD, 1, (int)cfg.login_queue) != 0 ||
	    worker_start(base, WORKER_SSO, 2, 32) != 0 ||
	    reader_start(base) != 0) {
		err = xstrdup("cannot start worker threads");
		goto fail;
	}
	outbox_start(base);
	group_start(base, db);
	if ((fees = fee_open(cfg.rules, db, &err)) == NULL) {
		log_warn("fees: %s; no fee rule sets", err);
		free(err);
		err = NULL;
	} else
		fee_reload(fees, NULL);
	fee_set_server(fees);
	if (http_start(base, db, &err) != 0)
		goto fail;
	log_attach(base);
	sigs[0] = evsignal_new(base, SIGTERM, signal_cb, NULL);
	sigs[1] = evsignal_new(base, SIGINT, signal_cb, NULL);
	evsignal_add(sigs[0], NULL);
	evsignal_add(sigs[1], NULL);
	if (fees != NULL) {
		sigs[2] = evsignal_new(base, SIGHUP, hup_cb, NULL);
		evsignal_add(sigs[2], NULL);
	}
	anchor_timer = evtimer_new(base, anchor_cb, db);
	anchor_cb(-1, 0, db);
	event_base_dispatch(base);
	group_stop();
	outbox_stop();
	worker_stop();
	group_close();
	http_stop();
	left = job_wait_all(cfg.shutdown_grace * 1000);
	if (left > 0)
		log_warn("shutdown: %d job%s still running; their work is rolled "
		    "back", left, left == 1 ? "" : "s");
	job_pool_stop();
	if (audit_anchor(db, &err) < 0) {
		log_error("%s", err);
		free(err);
		err = NULL;
	}
	log_info("shutdown: done");
	rc = 0;
	goto out;
fail:
	log_error("%s", err ? err : "start-up failed");
	free(err);
out:
	if (sigs[0] != NULL)
		event_free(sigs[0]);
	if (sigs[1] != NULL)
		event_free(sigs[1]);
	if (sigs[2] != NULL)
		event_free(sigs[2]);
	if (grace_timer != NULL)
		event_free(grace_timer);
	if (anchor_timer != NULL)
		event_free(anchor_timer);
	log_detach();
	fee_set_server(NULL);
	fee_close(fees);
	db_close(db);
	plugin_unload_all();
	route_clear();
	assets_free();
	job_set_db_path(NULL);
	/* With finalisers: evhttp_free leaves closed connections to them. */
	if (base != NULL)
		event_base_free(base);
	config_free(&cfg);
	oidc_cleanup();
	log_flush();
	return rc;
}
