/* metrics.c: request counters and latency histogram, in Prometheus text. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#define METRICS_STATUSES 12

struct metrics_route {
	int status[METRICS_STATUSES];
	uint64_t count[METRICS_STATUSES];
};

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t metrics_bounds[] = { 100, 250, 500, 1000, 2500, 5000,
	10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000 };

static struct metrics_route *metrics_routes; /* one per route, + unmatched */
static size_t metrics_nroutes;
static uint64_t metrics_buckets[nitems(metrics_bounds) + 1];
static uint64_t metrics_sum_us;
static uint64_t metrics_count;
static uint64_t metrics_started;

static void
metrics_grow(size_t want)
{
	size_t i;

	metrics_routes = xrealloc(metrics_routes, sizeof *metrics_routes * want);
	for (i = metrics_nroutes; i < want; i++)
		memset(&metrics_routes[i], 0, sizeof metrics_routes[i]);
	metrics_nroutes = want;
	if (metrics_started == 0)
		metrics_started = now_usec();
}

/* Counts one answered request; route NULL means no route matched. */
void
metrics_observe(const struct route *route, int status, uint64_t usec)
{
	size_t slot = route ? route->index + 1 : 0;
	struct metrics_route *m;
	size_t b;
	int i;

	if (slot >= metrics_nroutes)
		metrics_grow(route_count() + 1 > slot + 1 ? route_count() + 1 :
		    slot + 1);
	m = &metrics_routes[slot];
	for (i = 0; i < METRICS_STATUSES; i++) {
		if (m->status[i] == status || m->status[i] == 0) {
			m->status[i] = status;
			m->count[i]++;
			break;
		}
	}
	if (i == METRICS_STATUSES) /* too many distinct codes: fold into the last */
		m->count[METRICS_STATUSES - 1]++;
	for (b = 0; b < nitems(metrics_bounds) && usec > metrics_bounds[b]; b++)
		;
	metrics_buckets[b]++;
	metrics_sum_us += usec;
	metrics_count++;
}

void
metrics_reset(void)
{
	free(metrics_routes);
	metrics_routes = NULL;
	metrics_nroutes = 0;
	memset(metrics_buckets, 0, sizeof metrics_buckets);
	metrics_sum_us = metrics_count = 0;
}

/* The whole exposition, text format version 0.0.4. */
void
metrics_render(struct evbuffer *out)
{
	uint64_t cum = 0, batches, items, syncs, per_client, memory, deadline;
	size_t r, b;
	int i;

	group_stats(&batches, &items, &syncs);
	conn_refusals(&per_client, &memory, &deadline);
	evbuffer_add_printf(out,
	    "# HELP expertpool_http_requests_total Requests answered, by route "
	    "and status.\n"
	    "# TYPE expertpool_http_requests_total counter\n");
	for (r = 0; r < metrics_nroutes; r++) {
		const struct route *rt = r ? route_at(r - 1) : NULL;

		for (i = 0; i < METRICS_STATUSES; i++) {
			if (metrics_routes[r].status[i] == 0)
				break;
			evbuffer_add_printf(out,
			    "expertpool_http_requests_total{method=\"%s\","
			    "route=\"%s\",status=\"%d\"} %llu\n",
			    rt ? rt->method : "", rt ? rt->pattern : "unmatched",
			    metrics_routes[r].status[i],
			    (unsigned long long)metrics_routes[r].count[i]);
		}
	}
	evbuffer_add_printf(out,
	    "# HELP expertpool_http_request_duration_seconds Time from request "
	    "received to reply queued.\n"
	    "# TYPE expertpool_http_request_duration_seconds histogram\n");
	for (b = 0; b <= nitems(metrics_bounds); b++) {
		cum += metrics_buckets[b];
		if (b < nitems(metrics_bounds))
			evbuffer_add_printf(out,
			    "expertpool_http_request_duration_seconds_bucket"
			    "{le=\"%g\"} %llu\n", (double)metrics_bounds[b] / 1e6,
			    (unsigned long long)cum);
		else
			evbuffer_add_printf(out,
			    "expertpool_http_request_duration_seconds_bucket"
			    "{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	}
	evbuffer_add_printf(out,
	    "expertpool_http_request_duration_seconds_sum %.6f\n"
	    "expertpool_http_request_duration_seconds_count %llu\n"
	    "# HELP expertpool_http_open_connections Client connections open now.\n"
	    "# TYPE expertpool_http_open_connections gauge\n"
	    "expertpool_http_open_connections %d\n"
	    "# HELP expertpool_http_refused_total Connections refused before "
	    "a request was answered, by cause.\n"
	    "# TYPE expertpool_http_refused_total counter\n"
	    "expertpool_http_refused_total{cause=\"per_client\"} %llu\n"
	    "expertpool_http_refused_total{cause=\"memory\"} %llu\n"
	    "expertpool_http_refused_total{cause=\"deadline\"} %llu\n"
	    "# HELP expertpool_store_busy_retries_total Times a store call "
	    "waited for a lock.\n"
	    "# TYPE expertpool_store_busy_retries_total counter\n"
	    "expertpool_store_busy_retries_total %llu\n"
	    "# HELP expertpool_password_checks_total Argon2id verifications "
	    "run at sign-in.\n"
	    "# TYPE expertpool_password_checks_total counter\n"
	    "expertpool_password_checks_total %llu\n"
	    "# HELP expertpool_group_commits_total Transactions committed for "
	    "queued writes.\n"
	    "# TYPE expertpool_group_commits_total counter\n"
	    "expertpool_group_commits_total %llu\n"
	    "# HELP expertpool_group_writes_total Writes committed in groups.\n"
	    "# TYPE expertpool_group_writes_total counter\n"
	    "expertpool_group_writes_total %llu\n"
	    "# HELP expertpool_group_syncs_total Fsyncs that made groups durable.\n"
	    "# TYPE expertpool_group_syncs_total counter\n"
	    "expertpool_group_syncs_total %llu\n"
	    "# HELP expertpool_jobs_running Background jobs running now.\n"
	    "# TYPE expertpool_jobs_running gauge\n"
	    "expertpool_jobs_running %d\n"
	    "# HELP expertpool_start_time_seconds When the server started.\n"
	    "# TYPE expertpool_start_time_seconds gauge\n"
	    "expertpool_start_time_seconds %llu\n",
	    (double)metrics_sum_us / 1e6, (unsigned long long)metrics_count,
	    http_open_connections(), (unsigned long long)per_client,
	    (unsigned long long)memory, (unsigned long long)deadline,
	    (unsigned long long)db_busy_retries(),
	    (unsigned long long)login_hash_count(), (unsigned long long)batches,
	    (unsigned long long)items, (unsigned long long)syncs, job_running(), (unsigned long long)(metrics_started / 1000000u));
}
