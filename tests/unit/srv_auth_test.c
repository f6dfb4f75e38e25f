/* Unit tests for srv_auth.c: every refusal of the gateway, Java-SDK requests, window edges, the keys file and its reload. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srv_auth.h"
#include "srv_nonce.h"
#include "unit.h"

#define AK "0123456789abcdef0123456789abcdef"
#define SK "fedcba9876543210fedcba9876543210"
#define NOW 1700000000

/* Vectors computed outside the code under test: printf '%s' "BODY.SECRET" | sha256sum */
#define DIGEST_BODY "0d5f1a0c9a3b2e7f46b1c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3"
#define SIGN_DIGEST "73eece6ff32325f3f8a362a996bcb89ea4ee65a9f8da5c31943d459cbf1ea159"
#define JAVA_BODY "[B@6d06d69c"
#define SIGN_JAVA "263d8cb6d1e23326b56541287b8761cb4d397e635e167c8c8f8da3383f9aba89"
#define SIGN_NULL "cf5cc66c45a5c6f9a972ecd741bf4da27d10e9991238447d550382e95b3246cc"
#define SIGN_JAVA_SK2 "97c0c848d4a886bb7272014f0fe847b274d6f63dc22ee9b32c60f53bb0dd4cb4"

static char dir[] = "/tmp/srv_auth_test.XXXXXX";
static char path[256];
static int nonce_seq;

static void
write_keys(const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	chmod(path, mode);
}

static enum srv_auth_status
check(struct srv_auth *a, struct srv_nonce *n, const char *ak, const char *nonce,
    const char *ts, const char *body, const char *sign)
{
	struct srv_auth_req r = { ak, nonce, ts, body, sign };
	struct fz_err err;

	return srv_auth_check(a, n, &r, NOW, 1000.0, &err);
}

/* A fresh nonce each call, so tests other than the replay tests never collide. */
static const char *
fresh(void)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "nonce-%d", ++nonce_seq);
	return buf;
}

static void
test_keys_file(void)
{
	struct srv_auth *a;
	struct fz_err err;

	/* Comments, blank lines, tabs and trailing blanks. */
	write_keys("# the test keys\n\n" AK " " SK "\n  AK-two\tSK-two  \r\n#end", 0600);
	a = srv_auth_new(path, false, &err);
	CHECK(a != NULL);
	if (a != NULL) {
		CHECK(srv_auth_nkeys(a) == 2);
		srv_auth_free(a);
	}
	/* Mode 0400 is fine too; group or other bits are not. */
	chmod(path, 0400);
	a = srv_auth_new(path, false, &err);
	CHECK(a != NULL);
	srv_auth_free(a);
	chmod(path, 0640);
	CHECK(srv_auth_new(path, false, &err) == NULL);
	CHECK(strstr(err.msg, "mode 0640") != NULL);
	CHECK(strstr(err.msg, "0600") != NULL);
	CHECK(strstr(err.msg, SK) == NULL && strstr(err.msg, "SK-two") == NULL);
	chmod(path, 0604);
	CHECK(srv_auth_new(path, false, &err) == NULL);

	/* Malformed lines are named by number, never quoted. */
	write_keys(AK " " SK "\nlonely-secret-token\n", 0600);
	CHECK(srv_auth_new(path, false, &err) == NULL);
	CHECK(strstr(err.msg, "line 2") != NULL);
	CHECK(strstr(err.msg, "lonely-secret-token") == NULL);
	write_keys(AK " " SK " extra-secret\n", 0600);
	CHECK(srv_auth_new(path, false, &err) == NULL);
	CHECK(strstr(err.msg, "line 1") != NULL && strstr(err.msg, SK) == NULL);
	write_keys(AK " " SK "\n" AK " other\n", 0600);
	CHECK(srv_auth_new(path, false, &err) == NULL);
	CHECK(strstr(err.msg, "twice") != NULL);
	write_keys("# nothing\n\n", 0600);
	CHECK(srv_auth_new(path, false, &err) == NULL);
	CHECK(strstr(err.msg, "no keys") != NULL);
	unlink(path);
	CHECK(srv_auth_new(path, false, &err) == NULL);
	CHECK(strstr(err.msg, path) != NULL);
	/* A directory is not a keys file. */
	CHECK(srv_auth_new(dir, false, &err) == NULL);
	CHECK(strstr(err.msg, "not a regular file") != NULL);
}

static void
test_checks(void)
{
	struct srv_nonce *n;
	struct srv_auth *a;
	struct fz_err err;
	char ts[32];

	write_keys(AK " " SK "\nAK-two SK-two\n", 0600);
	a = srv_auth_new(path, false, &err);
	n = srv_nonce_new(NULL, 0, &err);
	CHECK(a != NULL && n != NULL);
	if (a == NULL || n == NULL)
		return;

	/* This tool's request: body = the image's SHA-256. */
	CHECK(check(a, n, AK, fresh(), "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_OK);
	/* The Java SDK's: body = byte[].toString(), a 4-digit nonce. */
	CHECK(check(a, n, AK, "4821", "1700000000", JAVA_BODY, SIGN_JAVA) == SRV_AUTH_OK);
	CHECK(check(a, n, "AK-two", "0007", "1700000000", JAVA_BODY, SIGN_JAVA_SK2) == SRV_AUTH_OK);
	/* A missing or blank body header is signed as "null". */
	CHECK(check(a, n, AK, fresh(), "1700000000", NULL, SIGN_NULL) == SRV_AUTH_OK);
	CHECK(check(a, n, AK, fresh(), "1700000000", "", SIGN_NULL) == SRV_AUTH_OK);
	CHECK(check(a, n, AK, fresh(), "1700000000", " \t ", SIGN_NULL) == SRV_AUTH_OK);

	/* Unknown or missing accessKey. */
	CHECK(check(a, n, "nobody", fresh(), "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_UNKNOWN_KEY);
	CHECK(check(a, n, NULL, fresh(), "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_UNKNOWN_KEY);
	/* The right key with another user's secret. */
	CHECK(check(a, n, "AK-two", fresh(), "1700000000", JAVA_BODY, SIGN_JAVA) == SRV_AUTH_BAD_SIGN);
	/* Missing, empty, blank nonce. */
	CHECK(check(a, n, AK, NULL, "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_NO_NONCE);
	CHECK(check(a, n, AK, "", "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_NO_NONCE);
	CHECK(check(a, n, AK, "  ", "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_NO_NONCE);

	/* Replay: the same 4-digit nonce again within 300 s, even for another user. */
	CHECK(check(a, n, AK, "4821", "1700000000", JAVA_BODY, SIGN_JAVA) == SRV_AUTH_REPLAY);
	CHECK(check(a, n, "AK-two", "4821", "1700000000", JAVA_BODY, SIGN_JAVA_SK2) == SRV_AUTH_REPLAY);
	/* An unknown key does not use the nonce up ... */
	CHECK(check(a, n, "nobody", "n-unused", "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_UNKNOWN_KEY);
	CHECK(check(a, n, AK, "n-unused", "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_OK);
	/* ... but a stale timestamp or a wrong sign does, as in the gateway. */
	CHECK(check(a, n, AK, "n-stale", "1699999000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_STALE);
	CHECK(check(a, n, AK, "n-stale", "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_REPLAY);
	CHECK(check(a, n, AK, "n-sign", "1700000000", DIGEST_BODY, SIGN_NULL) == SRV_AUTH_BAD_SIGN);
	CHECK(check(a, n, AK, "n-sign", "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_REPLAY);

	/* Timestamp window: exactly 300 s old passes, 301 s fails, any future passes. */
	snprintf(ts, sizeof(ts), "%d", NOW - 300);
	CHECK(check(a, n, AK, fresh(), ts, DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_OK);
	snprintf(ts, sizeof(ts), "%d", NOW - 301);
	CHECK(check(a, n, AK, fresh(), ts, DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_STALE);
	CHECK(check(a, n, AK, fresh(), "1800000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_OK);
	CHECK(check(a, n, AK, fresh(), "9223372036854775807", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_OK);
	CHECK(check(a, n, AK, fresh(), "+1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_OK);
	/* Long.MIN_VALUE is a valid long and stale (no overflow lets it through). */
	CHECK(check(a, n, AK, fresh(), "-9223372036854775808", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_STALE);
	CHECK(check(a, n, AK, fresh(), "0", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_STALE);
	/* Not a Java long. */
	CHECK(check(a, n, AK, fresh(), NULL, DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_BAD_TIMESTAMP);
	CHECK(check(a, n, AK, fresh(), "", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_BAD_TIMESTAMP);
	CHECK(check(a, n, AK, fresh(), "1700000000.5", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_BAD_TIMESTAMP);
	CHECK(check(a, n, AK, fresh(), " 1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_BAD_TIMESTAMP);
	CHECK(check(a, n, AK, fresh(), "9223372036854775808", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_BAD_TIMESTAMP);
	CHECK(check(a, n, AK, fresh(), "1700000000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_OK);
	/* Sign: missing, upper case (the gateway compares strings), truncated. */
	CHECK(check(a, n, AK, fresh(), "1700000000", DIGEST_BODY, NULL) == SRV_AUTH_BAD_SIGN);
	CHECK(check(a, n, AK, fresh(), "1700000000", DIGEST_BODY,
	    "73EECE6FF32325F3F8A362A996BCB89EA4EE65A9F8DA5C31943D459CBF1EA159") == SRV_AUTH_BAD_SIGN);
	CHECK(check(a, n, AK, fresh(), "1700000000", DIGEST_BODY, "73eece") == SRV_AUTH_BAD_SIGN);
	/* A body other than the signed one. */
	CHECK(check(a, n, AK, fresh(), "1700000000", JAVA_BODY, SIGN_DIGEST) == SRV_AUTH_BAD_SIGN);

	/* Without --require-body-hash any body is fine once signed; with it, only the image's SHA-256. */
	{
		struct srv_auth_req jr = { AK, "x", "1", JAVA_BODY, SIGN_JAVA };
		struct srv_auth_req hr = { AK, "x", "1",
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "" };
		struct srv_auth *b;

		CHECK(srv_auth_check_body(a, &jr, (const unsigned char *)"abc", 3) == SRV_AUTH_OK);
		b = srv_auth_new(path, true, &err);
		CHECK(b != NULL);
		if (b != NULL) {
			CHECK(srv_auth_check_body(b, &jr, (const unsigned char *)"abc", 3) == SRV_AUTH_BODY_MISMATCH);
			CHECK(srv_auth_check_body(b, &hr, (const unsigned char *)"abc", 3) == SRV_AUTH_OK);
			CHECK(srv_auth_check_body(b, &hr, (const unsigned char *)"abd", 3) == SRV_AUTH_BODY_MISMATCH);
			srv_auth_free(b);
		}
	}
	srv_nonce_free(n);

	/* A store that cannot take the nonce refuses the request (never accepts it unchecked). */
	n = srv_nonce_new(NULL, 1, &err);
	CHECK(check(a, n, AK, "first", "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_OK);
	CHECK(check(a, n, AK, "second", "1700000000", DIGEST_BODY, SIGN_DIGEST) == SRV_AUTH_STORE_DOWN);
	srv_nonce_free(n);
	srv_auth_free(a);
}

static void
test_reload(void)
{
	struct srv_nonce *n;
	struct srv_auth *a;
	struct fz_err err;

	write_keys(AK " " SK "\n", 0600);
	a = srv_auth_new(path, false, &err);
	n = srv_nonce_new(NULL, 0, &err);
	if (a == NULL || n == NULL) {
		CHECK(0);
		return;
	}
	CHECK(check(a, n, AK, fresh(), "1700000000", JAVA_BODY, SIGN_JAVA) == SRV_AUTH_OK);
	/* A new set replaces the old one. */
	write_keys("AK-two SK-two\n", 0600);
	CHECK(srv_auth_reload(a, &err) == 0);
	CHECK(check(a, n, AK, fresh(), "1700000000", JAVA_BODY, SIGN_JAVA) == SRV_AUTH_UNKNOWN_KEY);
	CHECK(check(a, n, "AK-two", fresh(), "1700000000", JAVA_BODY, SIGN_JAVA_SK2) == SRV_AUTH_OK);
	/* A broken file (wrong mode, bad line, gone) keeps the old set. */
	write_keys(AK " " SK "\n", 0644);
	CHECK(srv_auth_reload(a, &err) == -1);
	CHECK(strstr(err.msg, "0644") != NULL && strstr(err.msg, SK) == NULL);
	write_keys(AK " " SK " junk\n", 0600);
	CHECK(srv_auth_reload(a, &err) == -1);
	CHECK(strstr(err.msg, SK) == NULL);
	unlink(path);
	CHECK(srv_auth_reload(a, &err) == -1);
	CHECK(check(a, n, "AK-two", fresh(), "1700000000", JAVA_BODY, SIGN_JAVA_SK2) == SRV_AUTH_OK);
	CHECK(check(a, n, AK, fresh(), "1700000000", JAVA_BODY, SIGN_JAVA) == SRV_AUTH_UNKNOWN_KEY);
	CHECK(srv_auth_nkeys(a) == 1);
	srv_nonce_free(n);
	srv_auth_free(a);
}

static void
test_parse_long(void)
{
	long long v;

	CHECK(srv_auth_parse_long("0", &v) == 0 && v == 0);
	CHECK(srv_auth_parse_long("-1", &v) == 0 && v == -1);
	CHECK(srv_auth_parse_long("+42", &v) == 0 && v == 42);
	CHECK(srv_auth_parse_long("9223372036854775807", &v) == 0 && v == LLONG_MAX);
	CHECK(srv_auth_parse_long("-9223372036854775808", &v) == 0 && v == LLONG_MIN);
	CHECK(srv_auth_parse_long("-9223372036854775809", &v) == -1);
	CHECK(srv_auth_parse_long("+", &v) == -1);
	CHECK(srv_auth_parse_long("-", &v) == -1);
	CHECK(srv_auth_parse_long("1e3", &v) == -1);
	CHECK(srv_auth_parse_long("0x10", &v) == -1);
	CHECK(srv_auth_parse_long("12 ", &v) == -1);
	CHECK(srv_auth_parse_long(NULL, &v) == -1);
	CHECK_STR(srv_auth_status_name(SRV_AUTH_REPLAY), "replay");
	CHECK_STR(srv_auth_status_name(SRV_AUTH_STORE_DOWN), "nonce-store-down");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/keys", dir);
	test_keys_file();
	test_checks();
	test_reload();
	test_parse_long();
	unlink(path);
	rmdir(dir);
	return unit_done("srv_auth");
}
