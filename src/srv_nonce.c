/* The seen-nonce store: a bounded expiring hash set in memory, or SET NX EX in Redis through hiredis. */
#include "srv_nonce.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

/* Key prefix in Redis, so the store can share a database with other data. */
#define REDIS_PREFIX "faiz-idcard:nonce:"
#define REDIS_TIMEOUT_S 2
#define URL_MAX 4096

struct ent {
	struct ent *chain; /* next in the same bucket */
	struct ent *older; /* next in insertion (= expiry) order: toward the newest */
	double expiry;
	size_t len;
	char key[];
};

struct redis_target {
	char *host;     /* NULL for a unix socket */
	char *path;     /* unix socket path */
	int port;
	long db;
	char *password; /* wiped on free */
};

struct srv_nonce {
	pthread_mutex_t lock;
	/* memory */
	struct ent **buckets;
	size_t nbuckets, count, max;
	struct ent *oldest, *newest;
	uint64_t seed;
	/* redis */
	int redis;
	struct redis_target rt;
	redisContext *rc;
};

static uint64_t
hash(uint64_t seed, const char *p, size_t n)
{
	/* FNV-1a with a random seed: callers choose the nonces, so the bucket of a nonce must not be predictable. */
	uint64_t h = 1469598103934665603ULL ^ seed;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static void
target_free(struct redis_target *t)
{
	free(t->host);
	free(t->path);
	if (t->password != NULL) {
		OPENSSL_cleanse(t->password, strlen(t->password));
		free(t->password);
	}
	memset(t, 0, sizeof(*t));
}

static int
parse_num(const char *s, size_t n, long lo, long hi, long *out)
{
	char buf[16], *end;
	long v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Parse a Redis URL into t. Messages never quote the URL: it may hold a password. */
static int
parse_url(const char *url, struct redis_target *t, struct fz_err *err)
{
	const char *p, *at, *hostend, *slash, *colon;
	long v;

	memset(t, 0, sizeof(*t));
	t->port = 6379;
	if (strlen(url) > URL_MAX) {
		fz_seterr(err, "redis URL too long");
		return -1;
	}
	if (url[0] == '/' || strncmp(url, "unix:", 5) == 0) {
		p = url[0] == '/' ? url : url + 5;
		if (strncmp(p, "//", 2) == 0)
			p += 2;
		if (p[0] != '/') {
			fz_seterr(err, "redis unix socket path must be absolute");
			return -1;
		}
		if ((t->path = fz_strdup(p)) == NULL)
			goto oom;
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0) {
		fz_seterr(err, "redis URL must start with redis:// or unix: "
		    "or be an absolute socket path");
		return -1;
	}
	p = url + 8;
	slash = strchr(p, '/');
	hostend = slash != NULL ? slash : p + strlen(p);
	/* The last '@' before the path: a password may contain '@'. */
	at = NULL;
	for (const char *q = p; q < hostend; q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		/* user:password or :password; the user name is ignored (Redis < 6 has none). */
		colon = memchr(p, ':', (size_t)(at - p));
		const char *pw = colon != NULL ? colon + 1 : p;
		if (at > pw && (t->password = strndup(pw, (size_t)(at - pw))) == NULL)
			goto oom;
		p = at + 1;
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(hostend - p));
		if (rb == NULL) {
			fz_seterr(err, "redis URL: unclosed [ in the host");
			goto fail;
		}
		if ((t->host = strndup(p + 1, (size_t)(rb - p - 1))) == NULL)
			goto oom;
		colon = rb + 1 < hostend && rb[1] == ':' ? rb + 1 : NULL;
		if (rb + 1 < hostend && colon == NULL) {
			fz_seterr(err, "redis URL: junk after the host");
			goto fail;
		}
	} else {
		colon = memchr(p, ':', (size_t)(hostend - p));
		if ((t->host = strndup(p, (size_t)((colon ? colon : hostend) - p))) == NULL)
			goto oom;
	}
	if (t->host[0] == '\0') {
		fz_seterr(err, "redis URL has no host");
		goto fail;
	}
	if (colon != NULL) {
		if (parse_num(colon + 1, (size_t)(hostend - colon - 1), 1, 65535, &v) == -1) {
			fz_seterr(err, "redis URL: port must be 1-65535");
			goto fail;
		}
		t->port = (int)v;
	}
	if (slash != NULL && slash[1] != '\0') {
		if (parse_num(slash + 1, strlen(slash + 1), 0, INT_MAX, &v) == -1) {
			fz_seterr(err, "redis URL: database must be a number");
			goto fail;
		}
		t->db = v;
	}
	return 0;
oom:
	fz_seterr(err, "out of memory");
fail:
	target_free(t);
	return -1;
}

static const char *
where(const struct redis_target *t, char *buf, size_t n)
{
	if (t->path != NULL)
		snprintf(buf, n, "%s", t->path);
	else
		snprintf(buf, n, strchr(t->host, ':') ? "[%s]:%d" : "%s:%d", t->host, t->port);
	return buf;
}

/* A command whose reply must not be an error; 0 or -1. */
static int
simple_cmd(redisContext *c, int argc, const char **argv, const size_t *lens)
{
	redisReply *r = redisCommandArgv(c, argc, argv, lens);
	int ok = r != NULL && r->type != REDIS_REPLY_ERROR;

	if (r != NULL)
		freeReplyObject(r);
	return ok ? 0 : -1;
}

/* Connect (or reconnect) s->rc. The lock is held, or s is not shared yet. */
static int
redis_connect(struct srv_nonce *s, struct fz_err *err)
{
	struct timeval tv = { REDIS_TIMEOUT_S, 0 };
	char w[512], dbs[24];
	redisContext *c;

	if (s->rc != NULL) {
		redisFree(s->rc);
		s->rc = NULL;
	}
	if (s->rt.path != NULL)
		c = redisConnectUnixWithTimeout(s->rt.path, tv);
	else
		c = redisConnectWithTimeout(s->rt.host, s->rt.port, tv);
	if (c == NULL || c->err) {
		fz_seterr(err, "redis at %s: %s", where(&s->rt, w, sizeof(w)),
		    c != NULL ? c->errstr : "out of memory");
		if (c != NULL)
			redisFree(c);
		return -1;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK)
		goto failed;
	if (s->rt.password != NULL) {
		const char *argv[] = { "AUTH", s->rt.password };
		size_t lens[] = { 4, strlen(s->rt.password) };
		if (simple_cmd(c, 2, argv, lens) == -1) {
			fz_seterr(err, "redis at %s: authentication refused",
			    where(&s->rt, w, sizeof(w)));
			redisFree(c);
			return -1;
		}
	}
	if (s->rt.db != 0) {
		snprintf(dbs, sizeof(dbs), "%ld", s->rt.db);
		const char *argv[] = { "SELECT", dbs };
		size_t lens[] = { 6, strlen(dbs) };
		if (simple_cmd(c, 2, argv, lens) == -1) {
			fz_seterr(err, "redis at %s: cannot select database %ld",
			    where(&s->rt, w, sizeof(w)), s->rt.db);
			redisFree(c);
			return -1;
		}
	}
	s->rc = c;
	return 0;
failed:
	fz_seterr(err, "redis at %s: %s", where(&s->rt, w, sizeof(w)),
	    c->err ? c->errstr : "cannot set timeout");
	redisFree(c);
	return -1;
}

struct srv_nonce *
srv_nonce_new(const char *url, size_t max_entries, struct fz_err *err)
{
	struct srv_nonce *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fz_seterr(err, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		fz_seterr(err, "cannot create a mutex");
		return NULL;
	}
	if (url != NULL) {
		s->redis = 1;
		if (parse_url(url, &s->rt, err) == -1 || redis_connect(s, err) == -1)
			goto fail;
		return s;
	}
	s->max = max_entries ? max_entries : SRV_NONCE_MEM_MAX;
	/* About four live nonces a bucket when full; a power of two for masking. */
	for (s->nbuckets = 16; s->nbuckets < s->max / 4 && s->nbuckets < (1u << 20);)
		s->nbuckets <<= 1;
	if ((s->buckets = calloc(s->nbuckets, sizeof(*s->buckets))) == NULL) {
		fz_seterr(err, "out of memory");
		goto fail;
	}
	if (RAND_bytes((unsigned char *)&s->seed, sizeof(s->seed)) != 1) {
		fz_seterr(err, "cannot get random bytes");
		goto fail;
	}
	return s;
fail:
	srv_nonce_free(s);
	return NULL;
}

void
srv_nonce_free(struct srv_nonce *s)
{
	struct ent *e, *next;

	if (s == NULL)
		return;
	for (e = s->oldest; e != NULL; e = next) {
		next = e->older;
		free(e);
	}
	free(s->buckets);
	if (s->rc != NULL)
		redisFree(s->rc);
	target_free(&s->rt);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Drop expired entries from the old end; insertion order is expiry order (one TTL). */
static void
expire(struct srv_nonce *s, double now)
{
	struct ent *e, **pp;

	while ((e = s->oldest) != NULL && e->expiry <= now) {
		pp = &s->buckets[hash(s->seed, e->key, e->len) & (s->nbuckets - 1)];
		while (*pp != e)
			pp = &(*pp)->chain;
		*pp = e->chain;
		s->oldest = e->older;
		if (s->oldest == NULL)
			s->newest = NULL;
		s->count--;
		free(e);
	}
}

static int
mem_check(struct srv_nonce *s, const char *nonce, size_t len, double now,
    struct fz_err *err)
{
	struct ent *e, **head;

	expire(s, now);
	head = &s->buckets[hash(s->seed, nonce, len) & (s->nbuckets - 1)];
	for (e = *head; e != NULL; e = e->chain)
		if (e->len == len && memcmp(e->key, nonce, len) == 0)
			return 0;
	if (s->count >= s->max) {
		/* Evicting a live nonce would let its replay through: refuse instead. */
		fz_seterr(err, "nonce store full (%zu nonces in the last %d s)",
		    s->count, SRV_NONCE_TTL);
		return -1;
	}
	if ((e = malloc(sizeof(*e) + len)) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	e->len = len;
	memcpy(e->key, nonce, len);
	e->expiry = now + SRV_NONCE_TTL;
	e->older = NULL;
	e->chain = *head;
	*head = e;
	if (s->newest != NULL)
		s->newest->older = e;
	else
		s->oldest = e;
	s->newest = e;
	s->count++;
	return 1;
}

/* SET prefix+nonce 1 NX EX ttl: "OK" when fresh, nil when present. */
static int
redis_set(struct srv_nonce *s, const char *key, size_t klen)
{
	const char *argv[] = { "SET", key, "1", "NX", "EX", "300" };
	size_t lens[] = { 3, klen, 1, 2, 2, 3 };
	redisReply *r;
	int rc;

	_Static_assert(SRV_NONCE_TTL == 300, "EX argument below is the TTL");
	if (s->rc == NULL)
		return -1;
	if ((r = redisCommandArgv(s->rc, 6, argv, lens)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0)
		rc = 1;
	else if (r->type == REDIS_REPLY_NIL)
		rc = 0;
	else
		rc = -2; /* an error reply: the server answered but refused */
	freeReplyObject(r);
	return rc;
}

static int
redis_check(struct srv_nonce *s, const char *nonce, size_t len,
    struct fz_err *err)
{
	size_t plen = sizeof(REDIS_PREFIX) - 1;
	char *key, w[512];
	int rc;

	if ((key = malloc(plen + len)) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	memcpy(key, REDIS_PREFIX, plen);
	memcpy(key + plen, nonce, len);
	rc = redis_set(s, key, plen + len);
	if (rc == -1) {
		/*
		 * The connection broke (Redis restarted, idle timeout): one
		 * reconnect and retry. If the first SET had landed the retry
		 * calls the nonce a replay; the client retries with a new one.
		 */
		if (redis_connect(s, err) == 0)
			rc = redis_set(s, key, plen + len);
		else
			rc = -3;
	}
	free(key);
	if (rc == -1 || rc == -2)
		fz_seterr(err, "redis at %s: %s", where(&s->rt, w, sizeof(w)),
		    rc == -2 ? "SET refused" : s->rc && s->rc->err ?
		    s->rc->errstr : "no answer");
	return rc < 0 ? -1 : rc;
}

int
srv_nonce_check(struct srv_nonce *s, const char *nonce, size_t len,
    double now, struct fz_err *err)
{
	int rc;

	if (len > SRV_NONCE_MAX_LEN) {
		fz_seterr(err, "nonce longer than %d bytes", SRV_NONCE_MAX_LEN);
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	rc = s->redis ? redis_check(s, nonce, len, err) :
	    mem_check(s, nonce, len, now, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

long
srv_nonce_count(struct srv_nonce *s, double now)
{
	long n;

	if (s->redis)
		return -1;
	pthread_mutex_lock(&s->lock);
	expire(s, now);
	n = (long)s->count;
	pthread_mutex_unlock(&s->lock);
	return n;
}
