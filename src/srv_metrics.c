/* The server's counters under one mutex, rendered in the Prometheus text format. */
#include "srv_metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 10 /* seconds of history for images per second */

static const char *const results[] = {
	"0", "40002", "40004", "40005", "40006", "40007", "40008", "40009",
	"40010", "50004", "90099", "403", "overload", "store-down",
	"bad-route", "other"
};
#define NRESULTS (sizeof(results) / sizeof(results[0]))

static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct srv_metrics {
	pthread_mutex_t lock;
	unsigned long long by_result[NRESULTS];
	unsigned long long bucket[NBUCKETS]; /* not cumulative; summed on render */
	unsigned long long count, images;
	double sum;
	/* Images answered in each of the last WINDOW whole seconds, by second. */
	long long slot_sec[WINDOW];
	unsigned long slot_n[WINDOW];
};

struct srv_metrics *
srv_metrics_new(void)
{
	struct srv_metrics *m = calloc(1, sizeof(*m));
	size_t i;

	if (m == NULL)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	for (i = 0; i < WINDOW; i++)
		m->slot_sec[i] = -1;
	return m;
}

void
srv_metrics_free(struct srv_metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void
srv_metrics_request(struct srv_metrics *m, const char *result, double seconds,
    double mono)
{
	size_t i, r = NRESULTS - 1;
	long long sec = (long long)mono;

	for (i = 0; i < NRESULTS; i++)
		if (strcmp(results[i], result) == 0)
			r = i;
	pthread_mutex_lock(&m->lock);
	m->by_result[r]++;
	m->count++;
	m->sum += seconds;
	for (i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i]) {
			m->bucket[i]++;
			break;
		}
	/* An answer with a data.error_code went through the recogniser's checks: one image. */
	if (result[0] >= '0' && result[0] <= '9' && strcmp(result, "403") != 0) {
		m->images++;
		i = (size_t)(sec % WINDOW);
		if (m->slot_sec[i] != sec) {
			m->slot_sec[i] = sec;
			m->slot_n[i] = 0;
		}
		m->slot_n[i]++;
	}
	pthread_mutex_unlock(&m->lock);
}

/* A growing string for the exposition. */
struct buf {
	char *s;
	size_t n, cap;
	int bad;
};

static void
add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;
	char *ns;

	if (b->bad)
		return;
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->bad = 1;
			return;
		}
		if ((size_t)k < b->cap - b->n) {
			b->n += (size_t)k;
			return;
		}
		if ((ns = realloc(b->s, b->cap * 2)) == NULL) {
			b->bad = 1;
			return;
		}
		b->s = ns;
		b->cap *= 2;
	}
}

char *
srv_metrics_render(struct srv_metrics *m, long waiting, long running,
    bool ready, double mono)
{
	struct buf b = { NULL, 0, 4096, 0 };
	unsigned long long cum = 0, recent = 0;
	long long sec = (long long)mono;
	size_t i;

	if ((b.s = malloc(b.cap)) == NULL)
		return NULL;
	b.s[0] = '\0';
	pthread_mutex_lock(&m->lock);
	add(&b, "# HELP faiz_serve_requests_total ID-card requests answered, by result "
	    "(data.error_code, 403, overload, store-down, bad-route, other).\n"
	    "# TYPE faiz_serve_requests_total counter\n");
	for (i = 0; i < NRESULTS; i++)
		add(&b, "faiz_serve_requests_total{result=\"%s\"} %llu\n",
		    results[i], m->by_result[i]);
	add(&b, "# HELP faiz_serve_request_duration_seconds Time from request to answer.\n"
	    "# TYPE faiz_serve_request_duration_seconds histogram\n");
	for (i = 0; i < NBUCKETS; i++) {
		cum += m->bucket[i];
		add(&b, "faiz_serve_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
		    buckets[i], cum);
	}
	add(&b, "faiz_serve_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "faiz_serve_request_duration_seconds_sum %.6f\n"
	    "faiz_serve_request_duration_seconds_count %llu\n",
	    m->count, m->sum, m->count);
	/* The last WINDOW complete seconds, not the one still filling. */
	for (i = 0; i < WINDOW; i++)
		if (m->slot_sec[i] < sec && m->slot_sec[i] >= sec - WINDOW)
			recent += m->slot_n[i];
	add(&b, "# HELP faiz_serve_images_total Images through the recogniser's checks and engine.\n"
	    "# TYPE faiz_serve_images_total counter\n"
	    "faiz_serve_images_total %llu\n"
	    "# HELP faiz_serve_images_per_second Images answered per second over the last %d s.\n"
	    "# TYPE faiz_serve_images_per_second gauge\n"
	    "faiz_serve_images_per_second %.3f\n", m->images, WINDOW,
	    (double)recent / WINDOW);
	pthread_mutex_unlock(&m->lock);
	add(&b, "# HELP faiz_serve_queue_waiting Requests waiting for an engine worker.\n"
	    "# TYPE faiz_serve_queue_waiting gauge\n"
	    "faiz_serve_queue_waiting %ld\n"
	    "# HELP faiz_serve_queue_running Requests an engine worker is on.\n"
	    "# TYPE faiz_serve_queue_running gauge\n"
	    "faiz_serve_queue_running %ld\n"
	    "# HELP faiz_serve_ready 1 once the engine is loaded.\n"
	    "# TYPE faiz_serve_ready gauge\n"
	    "faiz_serve_ready %d\n", waiting, running, ready ? 1 : 0);
	if (b.bad) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
