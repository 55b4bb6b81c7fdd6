/* log.c: the log, buffered so that a line per request costs no syscall. */
#include "server.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#define LOG_BUFSIZE 65536
#define LOG_FLUSH_AT (LOG_BUFSIZE / 2)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[LOG_BUFSIZE];
static size_t log_used;
static int log_lvl = EP_LOG_INFO;
static struct event *log_timer;

static const char *log_names[] = { "error", "warn", "info", "debug" };

void
log_init(int level)
{
	log_lvl = level;
}

void
log_set_level(int level)
{
	log_lvl = level;
}

int
log_level(void)
{
	return log_lvl;
}

/* Write out the buffer; the caller holds log_lock. */
static void
log_flush_locked(void)
{
	size_t off = 0;

	while (off < log_used) {
		ssize_t n = write(STDERR_FILENO, log_buf + off, log_used - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	log_used = 0;
}

void
log_flush(void)
{
	pthread_mutex_lock(&log_lock);
	log_flush_locked();
	pthread_mutex_unlock(&log_lock);
}

static void
log_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	log_flush();
}

/* Flush on a timer while an event loop runs; without one, every line is
 * written at once. */
void
log_attach(struct event_base *base)
{
	struct timeval tv = { 0, 200000 };

	log_timer = event_new(base, -1, EV_PERSIST, log_timer_cb, NULL);
	event_add(log_timer, &tv);
}

void
log_detach(void)
{
	if (log_timer != NULL) {
		event_free(log_timer);
		log_timer = NULL;
	}
	log_flush();
}

/* Append one finished line (with its newline). */
void
log_line(const char *line, size_t len)
{
	pthread_mutex_lock(&log_lock);
	if (log_used + len > sizeof log_buf)
		log_flush_locked();
	if (len > sizeof log_buf) {
		ssize_t n = write(STDERR_FILENO, line, len);
		(void)n;
	} else {
		memcpy(log_buf + log_used, line, len);
		log_used += len;
	}
	if (log_timer == NULL || log_used >= LOG_FLUSH_AT)
		log_flush_locked();
	pthread_mutex_unlock(&log_lock);
}

void
log_vmsg(int level, const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int k;

	if (level > log_lvl)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(line + n, sizeof line - n, ".%03ldZ %s %s%s", ts.tv_nsec / 1000000,
	    log_names[level < 0 ? 0 : level > 3 ? 3 : level], prefix ? prefix : "",
	    prefix ? ": " : "");
	if (k > 0)
		n += (size_t)k;
	k = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	if (k > 0) {
		size_t i, end = n + (size_t)k;

		if (end > sizeof line - 2)
			end = sizeof line - 2;
		/* One event, one line: a line break or other control byte
		 * from a request (a login name, a path) cannot forge another
		 * entry or drive a terminal. */
		for (i = n; i < end; i++)
			if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
				line[i] = '?';
		n = end;
	}
	if (n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	log_line(line, n);
	if (level == EP_LOG_ERROR)
		log_flush();
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, NULL, fmt, ap);
	va_end(ap);
}
