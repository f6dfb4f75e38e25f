/* The gateway's request checks against the keys file; the key set swaps atomically on reload. */
#include "srv_auth.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "gw_sign.h"
#include "srv_file.h"

struct key {
	char *access, *secret;
};

struct keyset {
	struct key *v;
	size_t n;
};

struct srv_auth {
	char *path;
	bool require_body_hash;
	pthread_rwlock_t lock; /* readers verify; reload swaps the set under the write lock */
	struct keyset *keys;
};

static const char *const status_names[] = {
	[SRV_AUTH_OK] = "ok",
	[SRV_AUTH_UNKNOWN_KEY] = "unknown-key",
	[SRV_AUTH_NO_NONCE] = "no-nonce",
	[SRV_AUTH_REPLAY] = "replay",
	[SRV_AUTH_BAD_TIMESTAMP] = "bad-timestamp",
	[SRV_AUTH_STALE] = "stale",
	[SRV_AUTH_BAD_SIGN] = "bad-sign",
	[SRV_AUTH_BODY_MISMATCH] = "body-mismatch",
	[SRV_AUTH_STORE_DOWN] = "nonce-store-down",
};

const char *
srv_auth_status_name(enum srv_auth_status s)
{
	if ((size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[s];
}

static void
keyset_free(struct keyset *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		free(k->v[i].access);
		if (k->v[i].secret != NULL) {
			OPENSSL_cleanse(k->v[i].secret, strlen(k->v[i].secret));
			free(k->v[i].secret);
		}
	}
	free(k->v);
	free(k);
}

/* The file's bytes, refused unless neither group nor others have any access to it. */
static char *
read_keys_file(const char *path, size_t *lenp, struct fz_err *err)
{
	mode_t mode;
	char *buf;

	if ((buf = srv_file_read(path, SRV_KEYS_MAX_BYTES, lenp, &mode, err)) == NULL)
		return NULL;
	if ((mode & (S_IRWXG | S_IRWXO)) != 0) {
		OPENSSL_cleanse(buf, *lenp);
		free(buf);
		fz_seterr(err, "%s: keys file is mode %04o: it holds secret keys "
		    "and must be mode 0600 (chmod 600 %s)", path, (unsigned)mode,
		    path);
		return NULL;
	}
	return buf;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next whitespace-separated token in [*p, end); NULL at the end. */
static const char *
token(const char **p, const char *end, size_t *n)
{
	const char *s = *p, *t;

	while (s < end && is_space(*s))
		s++;
	if (s == end)
		return NULL;
	for (t = s; t < end && !is_space(*t); t++)
		;
	*n = (size_t)(t - s);
	*p = t;
	return s;
}

static int
parse_keys(const char *path, const char *buf, size_t len, struct keyset *ks,
    struct fz_err *err)
{
	const char *line = buf, *end = buf + len, *eol, *p, *a, *s;
	size_t an, sn, xn, i, cap = 0, lineno = 0;
	struct key *nv;

	for (; line < end; line = eol + 1) {
		lineno++;
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		p = line;
		if ((a = token(&p, eol, &an)) == NULL || *a == '#')
			continue;
		/* Only line numbers in messages: a malformed line may be a secret. */
		if (memchr(line, '\0', (size_t)(eol - line)) != NULL) {
			fz_seterr(err, "%s: line %zu: NUL byte", path, lineno);
			return -1;
		}
		if ((s = token(&p, eol, &sn)) == NULL ||
		    token(&p, eol, &xn) != NULL) {
			fz_seterr(err, "%s: line %zu: expected "
			    "\"ACCESS_KEY SECRET_KEY\"", path, lineno);
			return -1;
		}
		if (an > SRV_KEY_MAX_LEN || sn > SRV_KEY_MAX_LEN) {
			fz_seterr(err, "%s: line %zu: key longer than %d "
			    "characters", path, lineno, SRV_KEY_MAX_LEN);
			return -1;
		}
		for (i = 0; i < ks->n; i++)
			if (strlen(ks->v[i].access) == an &&
			    memcmp(ks->v[i].access, a, an) == 0) {
				fz_seterr(err, "%s: line %zu: access key "
				    "listed twice", path, lineno);
				return -1;
			}
		if (ks->n == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nv = realloc(ks->v, cap * sizeof(*nv))) == NULL)
				goto oom;
			ks->v = nv;
		}
		ks->v[ks->n].access = strndup(a, an);
		ks->v[ks->n].secret = strndup(s, sn);
		ks->n++;
		if (ks->v[ks->n - 1].access == NULL || ks->v[ks->n - 1].secret == NULL)
			goto oom;
	}
	if (ks->n == 0) {
		fz_seterr(err, "%s: no keys in the keys file", path);
		return -1;
	}
	return 0;
oom:
	fz_seterr(err, "out of memory");
	return -1;
}

static struct keyset *
load_keys(const char *path, struct fz_err *err)
{
	struct keyset *ks;
	size_t len;
	char *buf;
	int rc;

	if ((buf = read_keys_file(path, &len, err)) == NULL)
		return NULL;
	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		fz_seterr(err, "out of memory");
		rc = -1;
	} else
		rc = parse_keys(path, buf, len, ks, err);
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (rc == -1) {
		keyset_free(ks);
		return NULL;
	}
	return ks;
}

struct srv_auth *
srv_auth_new(const char *keys_file, bool require_body_hash, struct fz_err *err)
{
	struct srv_auth *a;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->path = fz_strdup(keys_file)) == NULL) {
		free(a);
		fz_seterr(err, "out of memory");
		return NULL;
	}
	a->require_body_hash = require_body_hash;
	if (pthread_rwlock_init(&a->lock, NULL) != 0) {
		free(a->path);
		free(a);
		fz_seterr(err, "cannot create a lock");
		return NULL;
	}
	if ((a->keys = load_keys(a->path, err)) == NULL) {
		srv_auth_free(a);
		return NULL;
	}
	return a;
}

int
srv_auth_reload(struct srv_auth *a, struct fz_err *err)
{
	struct keyset *fresh, *old;

	/* Parsed outside the lock: requests go on with the old keys meanwhile. */
	if ((fresh = load_keys(a->path, err)) == NULL)
		return -1;
	pthread_rwlock_wrlock(&a->lock);
	old = a->keys;
	a->keys = fresh;
	pthread_rwlock_unlock(&a->lock);
	keyset_free(old);
	return 0;
}

size_t
srv_auth_nkeys(struct srv_auth *a)
{
	size_t n;

	pthread_rwlock_rdlock(&a->lock);
	n = a->keys->n;
	pthread_rwlock_unlock(&a->lock);
	return n;
}

void
srv_auth_free(struct srv_auth *a)
{
	if (a == NULL)
		return;
	keyset_free(a->keys);
	pthread_rwlock_destroy(&a->lock);
	free(a->path);
	free(a);
}

int
srv_auth_parse_long(const char *s, long long *out)
{
	const char *p = s;
	int neg = 0;
	unsigned long long v = 0, lim;

	if (s == NULL)
		return -1;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p == '\0')
		return -1;
	/* Long.MAX_VALUE, or one more for Long.MIN_VALUE. */
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (lim - (unsigned long long)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (neg)
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	else
		*out = (long long)v;
	return 0;
}

/* Blank as Java's isBlank: empty or only whitespace. */
static int
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!(*s == ' ' || (*s >= '\t' && *s <= '\r') ||
		    (*s >= 0x1c && *s <= 0x1f)))
			return 0;
	return 1;
}

enum srv_auth_status
srv_auth_check(struct srv_auth *a, struct srv_nonce *n,
    const struct srv_auth_req *req, time_t now, double mono,
    struct fz_err *err)
{
	enum srv_auth_status st = SRV_AUTH_OK;
	const struct key *k = NULL;
	const char *body;
	char want[65];
	long long ts;
	size_t i;
	int fresh;

	pthread_rwlock_rdlock(&a->lock);
	if (req->access_key != NULL)
		for (i = 0; i < a->keys->n && k == NULL; i++)
			if (strcmp(a->keys->v[i].access, req->access_key) == 0)
				k = &a->keys->v[i];
	if (k == NULL) {
		st = SRV_AUTH_UNKNOWN_KEY;
		goto done;
	}
	if (req->nonce == NULL || blank(req->nonce) ||
	    strlen(req->nonce) > SRV_NONCE_MAX_LEN) {
		st = SRV_AUTH_NO_NONCE;
		goto done;
	}
	/* Stored now, before timestamp and sign are looked at, as the gateway does. */
	fresh = srv_nonce_check(n, req->nonce, strlen(req->nonce), mono, err);
	if (fresh != 1) {
		st = fresh == 0 ? SRV_AUTH_REPLAY : SRV_AUTH_STORE_DOWN;
		goto done;
	}
	if (srv_auth_parse_long(req->timestamp, &ts) == -1) {
		st = SRV_AUTH_BAD_TIMESTAMP;
		goto done;
	}
	/* now - ts > window, written so that no value of ts can overflow. */
	if (ts < (long long)now - SRV_TIMESTAMP_WINDOW) {
		st = SRV_AUTH_STALE;
		goto done;
	}
	body = req->body == NULL || blank(req->body) ? "null" : req->body;
	if (sign_body(body, strlen(body), k->secret, want) == -1) {
		fz_seterr(err, "SHA-256 failed");
		st = SRV_AUTH_STORE_DOWN;
		goto done;
	}
	if (req->sign == NULL || strlen(req->sign) != 64 ||
	    CRYPTO_memcmp(req->sign, want, 64) != 0)
		st = SRV_AUTH_BAD_SIGN;
done:
	pthread_rwlock_unlock(&a->lock);
	OPENSSL_cleanse(want, sizeof(want));
	return st;
}

enum srv_auth_status
srv_auth_check_body(struct srv_auth *a, const struct srv_auth_req *req,
    const unsigned char *image, size_t len)
{
	char hex[65];

	if (!a->require_body_hash)
		return SRV_AUTH_OK;
	if (req->body == NULL || digest_sha256_hex(image, len, hex) == -1 ||
	    strcmp(req->body, hex) != 0)
		return SRV_AUTH_BODY_MISMATCH;
	return SRV_AUTH_OK;
}
