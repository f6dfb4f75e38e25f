/* Unit tests for the server's listen address rules, work queue (overload, timeout, worker indexes) and metrics text. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_http.h"
#include "srv_metrics.h"
#include "srv_queue.h"
#include "unit.h"

static int
parses(const char *s, int family, const char *addr, unsigned port)
{
	struct sockaddr_storage ss;
	struct fz_err err;
	char buf[64];
	socklen_t len;

	if (srv_listen_parse(s, &ss, &len, &err) != 0 || ss.ss_family != family)
		return 0;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
		return len == sizeof(*a) && strcmp(buf, addr) == 0 && ntohs(a->sin_port) == port;
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof(buf));
	return len == sizeof(*a6) && strcmp(buf, addr) == 0 && ntohs(a6->sin6_port) == port;
}

static int
refused(const char *s)
{
	struct sockaddr_storage ss;
	struct fz_err err;
	socklen_t len;

	return srv_listen_parse(s, &ss, &len, &err) == -1 && strstr(err.msg, "ADDR:PORT") != NULL;
}

/* 0 allowed, -1 refused, for the address s with or without keys. */
static int
allowed(const char *s, bool keys)
{
	struct sockaddr_storage ss;
	struct fz_err err;
	socklen_t len;

	if (srv_listen_parse(s, &ss, &len, &err) == -1)
		return -2;
	return srv_listen_allowed((struct sockaddr *)&ss, keys, &err);
}

static void
test_listen(void)
{
	CHECK(parses("127.0.0.1:8090", AF_INET, "127.0.0.1", 8090));
	CHECK(parses("0.0.0.0:80", AF_INET, "0.0.0.0", 80));
	CHECK(parses("localhost:0", AF_INET, "127.0.0.1", 0));
	CHECK(parses("[::1]:8090", AF_INET6, "::1", 8090));
	CHECK(parses("[::]:65535", AF_INET6, "::", 65535));
	CHECK(parses("[fe80::1]:1", AF_INET6, "fe80::1", 1));
	CHECK(refused("127.0.0.1"));
	CHECK(refused("127.0.0.1:"));
	CHECK(refused("127.0.0.1:65536"));
	CHECK(refused("127.0.0.1:-1"));
	CHECK(refused("127.0.0.1:80x"));
	CHECK(refused(":8090"));
	CHECK(refused("::1:8090"));
	CHECK(refused("[::1]8090"));
	CHECK(refused("[::1"));
	CHECK(refused("example.com:80"));
	CHECK(refused("256.0.0.1:80"));

	/* Without keys: loopback only. With keys: anywhere. */
	CHECK(allowed("127.0.0.1:8090", false) == 0);
	CHECK(allowed("127.5.6.7:8090", false) == 0);
	CHECK(allowed("[::1]:8090", false) == 0);
	CHECK(allowed("[::ffff:127.0.0.1]:8090", false) == 0);
	CHECK(allowed("0.0.0.0:8090", false) == -1);
	CHECK(allowed("[::]:8090", false) == -1);
	CHECK(allowed("192.168.1.10:8090", false) == -1);
	CHECK(allowed("128.0.0.1:8090", false) == -1);
	CHECK(allowed("[::ffff:10.0.0.1]:8090", false) == -1);
	CHECK(allowed("0.0.0.0:8090", true) == 0);
	CHECK(allowed("[::]:8090", true) == 0);
	{
		struct sockaddr_storage ss;
		struct fz_err err;
		socklen_t len;
		srv_listen_parse("0.0.0.0:1", &ss, &len, &err);
		srv_listen_allowed((struct sockaddr *)&ss, false, &err);
		CHECK(strstr(err.msg, "--keys") != NULL);
	}
}

/* --- queue ---------------------------------------------------------------- */

struct slow {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int open;          /* the gate: workers wait until it opens */
	int in_use[4];     /* per worker index, to catch two calls at once */
	int clash, calls;
	int cancelled;     /* calls that found their cancel flag set */
};

static int
gated(void *ctx, int worker, const unsigned char *jpeg, size_t len,
    const atomic_int *cancel, struct srv_result *out, struct fz_err *err)
{
	struct slow *s = ctx;

	pthread_mutex_lock(&s->lock);
	if (s->in_use[worker]++)
		s->clash = 1;
	s->calls++;
	while (!s->open)
		pthread_cond_wait(&s->cv, &s->lock);
	s->in_use[worker]--;
	s->cancelled += atomic_load(cancel) != 0;
	pthread_mutex_unlock(&s->lock);
	if (len > 0 && jpeg[0] == 'F') {
		fz_seterr(err, "engine says no");
		return -1;
	}
	out->error_code = len > 0 && jpeg[0] == 'N' ? 40007 : 0;
	out->name = strdup("名");
	return 0;
}

static unsigned char *
img(char c)
{
	unsigned char *p = malloc(4);
	memset(p, c, 4);
	return p;
}

static void
open_gate(struct slow *s)
{
	pthread_mutex_lock(&s->lock);
	s->open = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->lock);
}

static void
wait_calls(struct slow *s, int n)
{
	struct timespec ts = { 0, 1000000 };
	int c;

	do {
		pthread_mutex_lock(&s->lock);
		c = s->calls;
		pthread_mutex_unlock(&s->lock);
		if (c < n)
			nanosleep(&ts, NULL);
	} while (c < n);
}

static void
test_queue(void)
{
	struct slow s = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, { 0 }, 0, 0, 0 };
	struct srv_engine eng = { gated, &s };
	struct srv_job *j1, *j2, *j3, *j4;
	struct srv_result res;
	struct srv_queue *q;
	struct fz_err err;
	unsigned char *extra;
	long w, r;

	CHECK(srv_queue_new(&eng, 0, 1, &err) == NULL);
	CHECK(srv_queue_new(&eng, 1, -1, &err) == NULL);

	/* One worker, a queue of one: the third request is overload at once. */
	q = srv_queue_new(&eng, 1, 1, &err);
	CHECK(srv_queue_submit(q, img('A'), 4, &j1) == SRV_QUEUE_OK);
	CHECK(srv_queue_submit(q, img('B'), 4, &j2) == SRV_QUEUE_OK);
	extra = img('C');
	CHECK(srv_queue_submit(q, extra, 4, &j3) == SRV_QUEUE_FULL);
	free(extra); /* not taken over on FULL */
	wait_calls(&s, 1);
	srv_queue_depth(q, &w, &r);
	CHECK(w == 1 && r == 1);
	/* The waiting one times out: taken off the queue, the engine never sees it. */
	srv_result_init(&res);
	CHECK(srv_queue_wait(q, j2, 0.01, &res, &err) == SRV_QUEUE_TIMEOUT);
	srv_queue_depth(q, &w, &r);
	CHECK(w == 0 && r == 1);
	/* The running one times out too: its result is thrown away when it comes. */
	CHECK(srv_queue_wait(q, j1, 0.01, &res, &err) == SRV_QUEUE_TIMEOUT);
	/* The worker is still busy, so one may wait and one more is overload. */
	CHECK(srv_queue_submit(q, img('D'), 4, &j3) == SRV_QUEUE_OK);
	extra = img('E');
	CHECK(srv_queue_submit(q, extra, 4, &j4) == SRV_QUEUE_FULL);
	free(extra);
	open_gate(&s);
	CHECK(srv_queue_wait(q, j3, 10, &res, &err) == SRV_QUEUE_OK);
	CHECK_STR(res.name, "名");
	CHECK(res.error_code == 0);
	srv_result_free(&res);
	/* The engine's own outcomes: not recognised, and failed. */
	CHECK(srv_queue_submit(q, img('N'), 4, &j1) == SRV_QUEUE_OK);
	CHECK(srv_queue_wait(q, j1, 10, &res, &err) == SRV_QUEUE_OK && res.error_code == 40007);
	srv_result_free(&res);
	CHECK(srv_queue_submit(q, img('F'), 4, &j1) == SRV_QUEUE_OK);
	CHECK(srv_queue_wait(q, j1, 10, &res, &err) == SRV_QUEUE_FAILED);
	CHECK_STR(err.msg, "engine says no");
	CHECK(srv_queue_done(q) == 4); /* A (thrown away), D, N, F; never B */
	/* A, timed out while running, was told so; the others were not. */
	CHECK(s.cancelled == 1);
	srv_queue_free(q);
	CHECK(!s.clash);

	/* Queue 0 with 2 workers: exactly two at once, and never one index twice. */
	s.open = 0;
	s.calls = 0;
	q = srv_queue_new(&eng, 2, 0, &err);
	CHECK(srv_queue_submit(q, img('A'), 4, &j1) == SRV_QUEUE_OK);
	CHECK(srv_queue_submit(q, img('B'), 4, &j2) == SRV_QUEUE_OK);
	extra = img('C');
	CHECK(srv_queue_submit(q, extra, 4, &j3) == SRV_QUEUE_FULL);
	free(extra);
	wait_calls(&s, 2);
	open_gate(&s);
	CHECK(srv_queue_wait(q, j1, 10, &res, &err) == SRV_QUEUE_OK);
	srv_result_free(&res);
	CHECK(srv_queue_wait(q, j2, 10, &res, &err) == SRV_QUEUE_OK);
	srv_result_free(&res);
	srv_queue_free(q);
	CHECK(!s.clash);
}

/* --- metrics -------------------------------------------------------------- */

static void
test_metrics(void)
{
	struct srv_metrics *m = srv_metrics_new();
	char *t;

	srv_metrics_request(m, "0", 0.004, 100.2);
	srv_metrics_request(m, "0", 0.3, 100.5);
	srv_metrics_request(m, "40007", 2.0, 101.1);
	srv_metrics_request(m, "403", 0.001, 101.2);
	srv_metrics_request(m, "overload", 0.001, 101.3);
	srv_metrics_request(m, "something", 0.001, 101.3);
	t = srv_metrics_render(m, 3, 2, true, 102.0);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	CHECK(strstr(t, "# TYPE faiz_serve_requests_total counter\n") != NULL);
	CHECK(strstr(t, "faiz_serve_requests_total{result=\"0\"} 2\n") != NULL);
	CHECK(strstr(t, "faiz_serve_requests_total{result=\"40007\"} 1\n") != NULL);
	CHECK(strstr(t, "faiz_serve_requests_total{result=\"403\"} 1\n") != NULL);
	CHECK(strstr(t, "faiz_serve_requests_total{result=\"overload\"} 1\n") != NULL);
	CHECK(strstr(t, "faiz_serve_requests_total{result=\"other\"} 1\n") != NULL);
	CHECK(strstr(t, "# TYPE faiz_serve_request_duration_seconds histogram\n") != NULL);
	/* Buckets are cumulative. */
	CHECK(strstr(t, "faiz_serve_request_duration_seconds_bucket{le=\"0.005\"} 4\n") != NULL);
	CHECK(strstr(t, "faiz_serve_request_duration_seconds_bucket{le=\"0.5\"} 5\n") != NULL);
	CHECK(strstr(t, "faiz_serve_request_duration_seconds_bucket{le=\"2.5\"} 6\n") != NULL);
	CHECK(strstr(t, "faiz_serve_request_duration_seconds_bucket{le=\"+Inf\"} 6\n") != NULL);
	CHECK(strstr(t, "faiz_serve_request_duration_seconds_count 6\n") != NULL);
	CHECK(strstr(t, "faiz_serve_request_duration_seconds_sum 2.307000\n") != NULL);
	/* Images: the three answers with an error_code; over the last 10 whole seconds. */
	CHECK(strstr(t, "faiz_serve_images_total 3\n") != NULL);
	CHECK(strstr(t, "faiz_serve_images_per_second 0.300\n") != NULL);
	CHECK(strstr(t, "faiz_serve_queue_waiting 3\n") != NULL);
	CHECK(strstr(t, "faiz_serve_queue_running 2\n") != NULL);
	CHECK(strstr(t, "faiz_serve_ready 1\n") != NULL);
	free(t);
	/* Twenty seconds later the window is empty. */
	t = srv_metrics_render(m, 0, 0, false, 122.0);
	CHECK(strstr(t, "faiz_serve_images_per_second 0.000\n") != NULL);
	CHECK(strstr(t, "faiz_serve_ready 0\n") != NULL);
	free(t);
	srv_metrics_free(m);
}

int
main(void)
{
	test_listen();
	test_queue();
	test_metrics();
	return unit_done("srv_core");
}
