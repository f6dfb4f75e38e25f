/* Unit tests for pair.c: pairing by name and by order, and the person record. */
#include <stdlib.h>

#include "checks.h"
#include "pair.h"
#include "record.h"
#include "unit.h"

#define NMAX 8

static long partner[NMAX];
static const char *rule[NMAX];

/* Plan n stems with sides; 0 on success. */
static int
plan(size_t n, const char *const *stems, const char *const *sides)
{
	return pair_plan(stems, sides, NULL, n, partner, rule);
}

static int
paired(size_t a, size_t b, const char *how)
{
	return partner[a] == (long)b && partner[b] == (long)a &&
	    rule[a] != NULL && rule[b] != NULL && strcmp(rule[a], how) == 0 &&
	    strcmp(rule[b], how) == 0;
}

static int
alone(size_t a)
{
	return partner[a] == -1 && rule[a] == NULL;
}

static void
test_names(void)
{
	const char *s1[] = { "zhang_front", "li_back", "zhang_back",
		"li_front" };
	const char *d1[] = { "front", "back", "back", "front" };
	const char *s2[] = { "张三反面", "张三正面", "李四_正面", "李四_背面" };
	const char *s3[] = { "王五人像面", "王五国徽面" };
	const char *s4[] = { "x-1", "x-2", "card1", "card2" };
	const char *s5[] = { "id_a", "id_B", "Zhang FRONT", "Zhang.Back" };
	const char *s6[] = { "1", "2", "front", "back" };

	CHECK(plan(4, s1, d1) == 0);
	CHECK(paired(0, 2, "name"));
	CHECK(paired(1, 3, "name"));

	/* Sides unknown (not recognised): names alone decide. */
	CHECK(plan(4, s2, NULL) == 0);
	CHECK(paired(0, 1, "name"));
	CHECK(paired(2, 3, "name"));
	CHECK(plan(2, s3, NULL) == 0);
	CHECK(paired(0, 1, "name"));
	CHECK(plan(4, s4, NULL) == 0);
	CHECK(paired(0, 1, "name"));
	CHECK(paired(2, 3, "name"));
	CHECK(plan(4, s5, NULL) == 0);
	CHECK(paired(0, 1, "name"));
	CHECK(paired(2, 3, "name"));
	CHECK(plan(4, s6, NULL) == 0);
	CHECK(paired(0, 1, "name"));
	CHECK(paired(2, 3, "name"));
}

static void
test_not_names(void)
{
	/* No markers: numbered scans, words ending in "back", letters without a separator. */
	const char *s1[] = { "img_0001", "img_0002", "scan11", "scan12",
		"feedback", "xfront", "xa", "xb" };
	const char *s2[] = { "x_front", "x_back" };
	const char *d2[] = { "front", "front" };
	const char *s3[] = { "x_front", "x_front", "x_back" };
	const char *d3[] = { "front", "front", "back" };
	const char *s4[] = { "x_正面", "x_反面" };
	const char *d4[] = { "temporary", "back" };
	const char *s5[] = { "x_front", "y_back" };
	size_t i;

	CHECK(plan(8, s1, NULL) == 0);
	for (i = 0; i < 8; i++)
		CHECK(alone(i));
	/* Two fronts never pair, whatever the names say. */
	CHECK(plan(2, s2, d2) == 0);
	CHECK(alone(0) && alone(1));
	/* Two x_front (from two directories): no pair by name; by order instead. */
	CHECK(plan(3, s3, d3) == 0);
	CHECK(alone(0));
	CHECK(paired(1, 2, "consecutive"));
	/* A temporary card is complete alone. */
	CHECK(plan(2, s4, d4) == 0);
	CHECK(alone(0) && alone(1));
	/* Different rests. */
	CHECK(plan(2, s5, NULL) == 0);
	CHECK(alone(0) && alone(1));
	CHECK(plan(0, s5, NULL) == 0);
}

static void
test_consecutive(void)
{
	const char *s1[] = { "a", "b", "c", "d" };
	const char *d1[] = { "front", "back", "back", "front" };
	const char *d2[] = { "front", "front", "back", NULL };
	const char *d3[] = { "front", NULL, "back", "back" };
	const char *s4[] = { "p", "q_front", "r", "q_back", "s" };
	const char *d4[] = { "back", "front", "front", "back", "temporary" };

	CHECK(plan(4, s1, d1) == 0);
	CHECK(paired(0, 1, "consecutive"));
	CHECK(paired(2, 3, "consecutive"));
	/* The first front has no back after it; the second has. */
	CHECK(plan(4, s1, d2) == 0);
	CHECK(alone(0));
	CHECK(paired(1, 2, "consecutive"));
	CHECK(alone(3));
	/* An unrecognised image between them breaks the order. */
	CHECK(plan(4, s1, d3) == 0);
	CHECK(alone(0) && alone(1) && alone(2) && alone(3));
	/* Name pairs first; the rest in order, skipping the named ones. */
	CHECK(plan(5, s4, d4) == 0);
	CHECK(paired(1, 3, "name"));
	CHECK(paired(0, 2, "consecutive"));
	CHECK(alone(4));
}

static json_t *
rec(const char *file, const char *side)
{
	json_t *r = record_new(file, "faiz");

	if (side != NULL)
		json_object_set_new(r, "side", json_string(side));
	return r;
}

static void
test_person(void)
{
	const struct checks_opts o = { 2026, 5, 1 };
	json_t *f = rec("cards/zhang_front.jpg", "front");
	json_t *b = rec("cards/zhang_back.jpg", "back"), *p, *w;

	json_object_set_new(f, "name", json_string("张三"));
	json_object_set_new(f, "sex", json_string("男"));
	json_object_set_new(f, "people", json_string("汉"));
	json_object_set_new(f, "birthday", json_string("1992年8月22日"));
	json_object_set_new(f, "address", json_string("广东省广州市海珠区"));
	json_object_set_new(f, "id_number", json_string("440105199208221233"));
	json_object_set_new(b, "issue_authority",
	    json_string("广州市公安局海珠分局"));
	json_object_set_new(b, "validity",
	    json_string("2019.03.01-2039.03.01"));
	json_array_append_new(json_object_get(b, "warnings"),
	    json_pack("{s:s, s:s}", "code", "small_image", "message", "x"));
	CHECK(checks_record(f, &o) == 0);
	CHECK(checks_record(b, &o) == 0);

	/* Given back first: the back is still taken as the back. */
	p = pair_person(b, f, "name");
	CHECK(p != NULL);
	CHECK_STR(json_string_value(json_array_get(json_object_get(p, "files"),
	    0)), "cards/zhang_front.jpg");
	CHECK_STR(json_string_value(json_array_get(json_object_get(p, "files"),
	    1)), "cards/zhang_back.jpg");
	CHECK_STR(record_str(p, "pairing"), "name");
	CHECK_STR(record_str(p, "name"), "张三");
	CHECK_STR(record_str(p, "id_number"), "440105199208221233");
	CHECK_STR(record_str(p, "issue_authority"), "广州市公安局海珠分局");
	CHECK_STR(record_str(p, "validity"), "2019.03.01-2039.03.01");
	CHECK(json_object_get(json_object_get(p, "checks"), "id_number") !=
	    NULL);
	CHECK(json_object_get(json_object_get(p, "checks"), "validity") !=
	    NULL);
	CHECK(json_array_size(json_object_get(p, "warnings")) == 1);
	w = json_array_get(json_object_get(p, "warnings"), 0);
	CHECK_STR(record_str(w, "code"), "small_image");
	CHECK_STR(record_str(w, "file"), "cards/zhang_back.jpg");
	CHECK(json_is_null(json_object_get(p, "error")));
	/* The inputs are not changed. */
	CHECK(json_object_get(json_array_get(json_object_get(b, "warnings"),
	    0), "file") == NULL);

	/* Then the checks that need both: 26 at issue, 20 years; authority 海珠. */
	CHECK(checks_pair(p, &o) == 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(
	    json_object_get(p, "checks"), "validity"), "period_age")), "pass");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p,
	    "checks"), "authority")), "pass");
	CHECK(json_array_size(json_object_get(p, "warnings")) == 1);
	json_decref(p);
	json_decref(f);
	json_decref(b);

	/* Both failed: the name says which is the front; the front's error comes first. */
	f = rec("x_front.jpg", NULL);
	b = rec("x_back.jpg", NULL);
	record_set_error(f, "40007", "fail to recognize");
	record_set_error(b, "40006", "invalid image size");
	p = pair_person(b, f, "name");
	CHECK_STR(json_string_value(json_array_get(json_object_get(p, "files"),
	    0)), "x_front.jpg");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p,
	    "error"), "code")), "40007");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p,
	    "error"), "file")), "x_front.jpg");
	CHECK(json_is_null(json_object_get(p, "name")));
	json_decref(p);
	json_decref(f);

	/* Only the back failed. */
	f = rec("y.jpg", "front");
	p = pair_person(f, b, "consecutive");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p,
	    "error"), "code")), "40006");
	CHECK_STR(record_str(p, "pairing"), "consecutive");
	json_decref(p);
	json_decref(f);
	json_decref(b);
}

static void
test_unpaired(void)
{
	json_t *r = rec("a.jpg", "front");

	CHECK(pair_mark_unpaired(r) == 0);
	CHECK(json_array_size(json_object_get(r, "warnings")) == 1);
	CHECK_STR(record_str(json_array_get(json_object_get(r, "warnings"), 0),
	    "code"), "unpaired");
	json_decref(r);
	r = rec("t.jpg", "temporary");
	CHECK(pair_mark_unpaired(r) == 0);
	CHECK(json_array_size(json_object_get(r, "warnings")) == 0);
	json_decref(r);
}

/* The cards of one file of several (page numbers) pair only among themselves. */
static void
test_pages(void)
{
	/* A photocopy page (front above back), then a page of two people. */
	const char *st[] = { "scan1", "scan1", "p", "p", "p", "p", "x_front",
		"x_back" };
	const char *sd[] = { "front", "back", "front", "back", "front", "back",
		"front", "back" };
	const size_t pg[] = { 1, 1, 3, 3, 3, 3, 0, 0 };
	/* Engine missed person 1's front: back, front, back on one page. */
	const char *st2[] = { "p", "p", "p" };
	const char *sd2[] = { "back", "front", "back" };
	const size_t pg2[] = { 1, 1, 1 };
	/* Two cards alone on a page, the back above the front: one person. */
	const char *sd3[] = { "back", "front" };
	const size_t pg3[] = { 1, 1 };
	/* A page's card never pairs across files, by name or by order. */
	const char *st4[] = { "a_front", "a_back", "a_back" };
	const char *sd4[] = { "front", "back", "back" };
	const size_t pg4[] = { 0, 2, 2 };
	const char *st5[] = { "b", "p", "p", "c" };
	const char *sd5[] = { "front", "front", "front", "back" };
	const size_t pg5[] = { 0, 2, 2, 0 };

	CHECK(pair_plan(st, sd, pg, 8, partner, rule) == 0);
	CHECK(paired(0, 1, "consecutive"));
	CHECK(paired(2, 3, "consecutive"));
	CHECK(paired(4, 5, "consecutive"));
	CHECK(paired(6, 7, "name"));
	CHECK(pair_plan(st2, sd2, pg2, 3, partner, rule) == 0);
	CHECK(alone(0));
	CHECK(paired(1, 2, "consecutive"));
	CHECK(pair_plan(st2, sd3, pg3, 2, partner, rule) == 0);
	CHECK(paired(0, 1, "consecutive"));
	CHECK(pair_plan(st4, sd4, pg4, 3, partner, rule) == 0);
	CHECK(alone(0) && alone(1) && alone(2));
	CHECK(pair_plan(st5, sd5, pg5, 4, partner, rule) == 0);
	CHECK(alone(0) && alone(1) && alone(2) && alone(3));
}

int
main(void)
{
	test_names();
	test_not_names();
	test_consecutive();
	test_pages();
	test_person();
	test_unpaired();
	return unit_done("pair");
}
