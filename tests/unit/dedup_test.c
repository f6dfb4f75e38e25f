/* Unit tests for dedup.c: every content added is found again among many, nothing else is, and a duplicate's record. */
#include <stdio.h>
#include <stdlib.h>

#include "dedup.h"
#include "digest.h"
#include "unit.h"

#define N 20000

/* The hex SHA-256 of the number i: a stand-in for a file's content digest. */
static void
sha_of(unsigned i, char out[65])
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u", i);

	if (digest_sha256_hex(buf, (size_t)n, out) != 0)
		abort();
}

/* Property: after adding the even numbers, each is found with its own index, no odd one is. */
static void
test_table(void)
{
	struct dedup d = { 0 };
	char sha[65];
	unsigned i, found = 0, wrong = 0;

	for (i = 0; i < N; i += 2) {
		sha_of(i, sha);
		if (dedup_add(&d, sha, i) != (long)(i / 2))
			wrong++;
	}
	CHECK(wrong == 0 && d.n == N / 2 && d.nslot >= 2 * d.n);
	for (i = 0; i < N; i++) {
		long e;
		sha_of(i, sha);
		e = dedup_find(&d, sha);
		if (i % 2 == 0 && e >= 0 && d.v[e].first == i)
			found++;
		else if (i % 2 == 1 && e != -1)
			wrong++;
	}
	CHECK(found == N / 2 && wrong == 0);
	/* Not a digest: never added. */
	CHECK(dedup_add(&d, "abc", 1) == -1);
	dedup_free(&d);
	CHECK(d.n == 0 && d.v == NULL);
	CHECK(dedup_find(&d, sha) == -1);
}

/* A duplicate's record: the first's fields under its own file, duplicate_of, no raw. */
static void
test_record(void)
{
	struct dedup d = { 0 };
	char sha[65];
	json_t *rec;
	long e;

	sha_of(7, sha);
	e = dedup_add(&d, sha, 3);
	CHECK(e == 0);
	CHECK(dedup_record(&d.v[0], "b.jpg") == NULL); /* not complete yet */
	d.v[0].rec = json_pack("{s:s, s:s, s:{s:i}, s:n}", "file", "a.jpg",
	    "name", "x", "raw", "code", 0, "error");
	rec = dedup_record(&d.v[0], "b.jpg");
	CHECK(rec != NULL);
	CHECK_STR(json_string_value(json_object_get(rec, "file")), "b.jpg");
	CHECK_STR(json_string_value(json_object_get(rec, "duplicate_of")),
	    "a.jpg");
	CHECK_STR(json_string_value(json_object_get(rec, "name")), "x");
	CHECK(json_object_get(rec, "raw") == NULL);
	CHECK(json_is_null(json_object_get(rec, "error")));
	/* The first's record is untouched. */
	CHECK_STR(json_string_value(json_object_get(d.v[0].rec, "file")),
	    "a.jpg");
	CHECK(json_object_get(d.v[0].rec, "duplicate_of") == NULL);
	json_decref(rec);
	dedup_free(&d);
}

int
main(void)
{
	test_table();
	test_record();
	return unit_done("dedup");
}
