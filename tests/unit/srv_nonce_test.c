/* Unit tests for srv_nonce.c: memory expiry and bound, threads, and Redis (a redis-server started here on loopback). */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "srv_nonce.h"
#include "unit.h"

#define NTHREADS 8
#define PER_THREAD 2000

static struct srv_nonce *shared;
static int fresh_count[NTHREADS];

static int
put(struct srv_nonce *s, const char *nonce, double now)
{
	struct fz_err err;

	return srv_nonce_check(s, nonce, strlen(nonce), now, &err);
}

static void
test_memory(void)
{
	struct srv_nonce *s;
	struct fz_err err;
	char buf[32];
	int i, ok;

	s = srv_nonce_new(NULL, 0, &err);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(put(s, "1234", 100.0) == 1);
	CHECK(put(s, "1234", 100.0) == 0);
	CHECK(put(s, "1234", 399.9) == 0);  /* still inside 300 s */
	CHECK(put(s, "12345", 120.0) == 1); /* a prefix is another nonce */
	CHECK(srv_nonce_count(s, 120.0) == 2);
	CHECK(put(s, "1234", 400.0) == 1);  /* expired at 100 + 300, stored afresh */
	CHECK(put(s, "1234", 699.0) == 0);
	CHECK(srv_nonce_count(s, 425.0) == 1); /* "12345" expired at 420 */
	/* Binary nonces are compared by length and bytes. */
	CHECK(srv_nonce_check(s, "a\0b", 3, 500.0, &err) == 1);
	CHECK(srv_nonce_check(s, "a\0c", 3, 500.0, &err) == 1);
	CHECK(srv_nonce_check(s, "a\0b", 3, 500.0, &err) == 0);
	/* Over-long nonces are refused before storing. */
	{
		char *big = malloc(SRV_NONCE_MAX_LEN + 2);
		memset(big, 'x', SRV_NONCE_MAX_LEN + 1);
		big[SRV_NONCE_MAX_LEN + 1] = '\0';
		CHECK(put(s, big, 500.0) == -1);
		free(big);
	}
	srv_nonce_free(s);

	/* Bounded: when full of live nonces, refuse rather than forget one. */
	s = srv_nonce_new(NULL, 100, &err);
	for (i = 0, ok = 1; i < 100; i++) {
		snprintf(buf, sizeof(buf), "n%d", i);
		ok &= put(s, buf, 10.0 + i * 0.01) == 1;
	}
	CHECK(ok);
	CHECK(srv_nonce_check(s, "one-more", 8, 20.0, &err) == -1);
	CHECK(strstr(err.msg, "full") != NULL);
	CHECK(put(s, "n5", 20.0) == 0); /* the stored ones still count as replays */
	/* Once the oldest expire, room comes back. */
	CHECK(put(s, "one-more", 310.02) == 1);
	CHECK(srv_nonce_count(s, 310.02) <= 100);
	CHECK(put(s, "n99", 310.02) == 0);
	srv_nonce_free(s);
}

static void *
hammer(void *arg)
{
	int t = (int)(long)arg, i;
	char buf[32];

	/* Every thread offers the same nonces: each must be fresh exactly once overall. */
	for (i = 0; i < PER_THREAD; i++) {
		snprintf(buf, sizeof(buf), "shared-%d", (i * 7 + t) % PER_THREAD);
		if (put(shared, buf, 1.0) == 1)
			fresh_count[t]++;
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t th[NTHREADS];
	struct fz_err err;
	long i, total = 0;

	shared = srv_nonce_new(NULL, 0, &err);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, hammer, (void *)i);
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		total += fresh_count[i];
	}
	CHECK(total == PER_THREAD);
	CHECK(srv_nonce_count(shared, 1.0) == PER_THREAD);
	srv_nonce_free(shared);
}

static int
free_port(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) == -1)
		return -1;
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static pid_t
start_redis(int port, const char *sock)
{
	char ports[16];
	pid_t pid;

	snprintf(ports, sizeof(ports), "%d", port);
	if ((pid = fork()) == 0) {
		freopen("/dev/null", "w", stdout);
		execlp("redis-server", "redis-server", "--port", ports,
		    "--bind", "127.0.0.1", "--unixsocket", sock, "--save", "",
		    "--appendonly", "no", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static struct srv_nonce *
connect_retry(const char *url, struct fz_err *err)
{
	struct timespec ts = { 0, 50000000 };
	struct srv_nonce *s;
	int i;

	/* redis-server takes a moment to listen; give it up to 5 s. */
	for (i = 0; i < 100; i++) {
		if ((s = srv_nonce_new(url, 0, err)) != NULL)
			return s;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void
test_redis(void)
{
	char dir[] = "/tmp/srv_nonce_test.XXXXXX", sock[256], url[300], tcp[64];
	struct srv_nonce *a, *b, *c;
	struct fz_err err;
	pid_t pid;
	int port, st;

	/* URLs that are refused before any connection. */
	CHECK(srv_nonce_new("http://127.0.0.1/", 0, &err) == NULL);
	CHECK(srv_nonce_new("redis://", 0, &err) == NULL);
	CHECK(srv_nonce_new("redis://127.0.0.1:99999/0", 0, &err) == NULL);
	CHECK(srv_nonce_new("redis://127.0.0.1:6379/x", 0, &err) == NULL);
	CHECK(srv_nonce_new("unix:relative.sock", 0, &err) == NULL);
	/* An error never shows the password. */
	CHECK(srv_nonce_new("redis://:hunter2secret@127.0.0.1:1/0", 0, &err) == NULL);
	CHECK(strstr(err.msg, "hunter2secret") == NULL);

	if (mkdtemp(dir) == NULL || (port = free_port()) == -1) {
		CHECK(0);
		return;
	}
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	pid = start_redis(port, sock);
	snprintf(tcp, sizeof(tcp), "redis://127.0.0.1:%d/3", port);
	snprintf(url, sizeof(url), "unix://%s", sock);
	a = connect_retry(tcp, &err);
	b = connect_retry(url, &err);
	CHECK(a != NULL);
	CHECK(b != NULL);
	if (a != NULL && b != NULL) {
		/* Two instances share it: a nonce seen by one is a replay at the other. */
		CHECK(put(a, "4821", 0) == 1);
		CHECK(put(a, "4821", 0) == 0);
		/* b uses database 0, a database 3: separate stores. */
		CHECK(put(b, "4821", 0) == 1);
		c = connect_retry(sock, &err); /* a bare path, database 0 like b */
		CHECK(c != NULL);
		if (c != NULL) {
			CHECK(put(c, "4821", 0) == 0);
			CHECK(put(c, "fresh-at-c", 0) == 1);
			CHECK(put(b, "fresh-at-c", 0) == 0);
			srv_nonce_free(c);
		}
		CHECK(srv_nonce_count(a, 0) == -1);
		/* Redis down: an error, never "fresh". */
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
		pid = -1;
		CHECK(put(a, "after-redis-died", 0) == -1);
		CHECK(srv_nonce_check(b, "x", 1, 0, &err) == -1);
		CHECK(strstr(err.msg, "redis") != NULL);
	}
	srv_nonce_free(a);
	srv_nonce_free(b);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
	/* Down at start: the store is not created. */
	CHECK(srv_nonce_new(tcp, 0, &err) == NULL);
	unlink(sock);
	rmdir(dir);
}

int
main(void)
{
	/* hiredis writes to a socket Redis may have closed; the server ignores SIGPIPE too. */
	signal(SIGPIPE, SIG_IGN);
	test_memory();
	test_threads();
	test_redis();
	return unit_done("srv_nonce");
}
