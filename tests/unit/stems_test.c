/* Unit and property tests for stems.c: unique saved-image stems, the first of a name keeping it. */
#include <stdint.h>
#include <stdlib.h>

#include "stems.h"
#include "unit.h"

#define TRIALS 3000
#define NMAX 300

/* A small deterministic generator (xorshift64*), so a failure repeats. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned
pick(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 2685821657736338717ULL) >> 33) % n;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_examples(void)
{
	const char *p1[] = { "a/x.jpg", "b/x.jpg", "c/x.jpeg", "x-2.jpg" };
	const char *p2[] = { "a/.jpg", "b/.hidden.jpg", "c/", "d/.jpg" };
	const char *p3[25];
	char buf[25][32], want[32], **s;
	struct fz_err e;
	size_t i;

	/* x-2 is some input's own name, so the second x skips it. */
	CHECK((s = stems_unique(p1, 4, &e)) != NULL);
	if (s != NULL) {
		CHECK_STR(s[0], "x");
		CHECK_STR(s[1], "x-3");
		CHECK_STR(s[2], "x-4");
		CHECK_STR(s[3], "x-2");
	}
	stems_free(s, 4);

	CHECK((s = stems_unique(p2, 4, &e)) != NULL);
	if (s != NULL) {
		CHECK_STR(s[0], "image.jpg");
		CHECK_STR(s[1], "image.hidden");
		CHECK_STR(s[2], "image");
		CHECK_STR(s[3], "image.jpg-2");
	}
	stems_free(s, 4);

	/* The reported layout: a folder per person, all front.jpg. */
	for (i = 0; i < 25; i++) {
		snprintf(buf[i], sizeof(buf[i]), "people/p%02zu/front.jpg", i + 1);
		p3[i] = buf[i];
	}
	CHECK((s = stems_unique(p3, 25, &e)) != NULL);
	if (s != NULL) {
		CHECK_STR(s[0], "front");
		for (i = 1; i < 25; i++) {
			snprintf(want, sizeof(want), "front-%zu", i + 1);
			CHECK_STR(s[i], want);
		}
	}
	stems_free(s, 25);

	CHECK((s = stems_unique(NULL, 0, &e)) != NULL);
	stems_free(s, 0);
}

/* The K of "BASE-K" when stem is that, else 0. */
static size_t
suffix_of(const char *stem, const char *base)
{
	size_t n = strlen(base), k = 0;
	const char *p;

	if (strncmp(stem, base, n) != 0 || stem[n] != '-' || stem[n + 1] == '\0')
		return 0;
	for (p = stem + n + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		k = k * 10 + (size_t)(*p - '0');
	}
	return k;
}

/* Whether base is "P.cardK" (K >= 2, no leading 0) for a P among bases. */
static int
shadows(const char *base, char **bases, size_t n)
{
	const char *d = strrchr(base, '.');
	size_t i, len;

	if (d == NULL || d == base || strncmp(d, ".card", 5) != 0 ||
	    d[5] < '1' || d[5] > '9' || strcmp(d + 5, "1") == 0 ||
	    strspn(d + 5, "0123456789") != strlen(d + 5))
		return 0;
	len = (size_t)(d - base);
	for (i = 0; i < n; i++)
		if (strlen(bases[i]) == len && strncmp(bases[i], base, len) == 0)
			return 1;
	return 0;
}

/*
 * Random lists drawn from a few directories and names (some of which look
 * like generated names, some hidden or empty), so most lists repeat names
 * many times: the stems are unique, the first input with a base keeps it,
 * later ones get BASE-K with K rising in input order.
 */
static void
test_property(void)
{
	static const char *const dirs[] = { "", "a/", "b/c/", "/abs/", "./" };
	static const char *const names[] = { "front", "back", "front-2",
		"front-3", "x", "x-2-2", ".hid", "", "front-10", "Front",
		"front.card2", "x.card12", "x.card1", "back.card03" };
	static const char *const exts[] = { ".jpg", ".jpeg", "", ".a.jpg" };
	static char bufs[NMAX][64];
	const char *paths[NMAX];
	char *bases[NMAX], **s, *sorted[NMAX];
	size_t i, j, n, bad = 0, lastk;
	struct fz_err e;
	int t;

	for (t = 0; t < TRIALS; t++) {
		n = pick(NMAX + 1);
		for (i = 0; i < n; i++) {
			snprintf(bufs[i], sizeof(bufs[i]), "%s%s%s",
			    dirs[pick(5)], names[pick(14)], exts[pick(4)]);
			paths[i] = bufs[i];
		}
		if ((s = stems_unique(paths, n, &e)) == NULL) {
			bad++;
			continue;
		}
		for (i = 0; i < n; i++)
			bases[i] = stems_base(paths[i]);
		for (i = 0; i < n; i++) {
			int first = !shadows(bases[i], bases, n);
			for (j = 0; j < i && first; j++)
				first = strcmp(bases[j], bases[i]) != 0;
			if (first) {
				bad += strcmp(s[i], bases[i]) != 0;
				continue;
			}
			/* A later one: BASE-K, K above every earlier K of
			 * the same base. */
			lastk = 1;
			for (j = 0; j < i; j++)
				if (strcmp(bases[j], bases[i]) == 0 &&
				    strcmp(s[j], bases[j]) != 0)
					lastk = suffix_of(s[j], bases[j]);
			bad += suffix_of(s[i], bases[i]) <= lastk;
		}
		memcpy(sorted, s, n * sizeof(*s));
		qsort(sorted, n, sizeof(*sorted), cmp_str);
		for (i = 1; i < n; i++)
			bad += strcmp(sorted[i - 1], sorted[i]) == 0;
		/* No stem is the stem of another input's card K >= 2. */
		for (j = 0; j < n; j++)
			for (int k = 2; k <= 12; k++) {
				char *c = stems_card(s[j], k, 12);
				bad += c == NULL || bsearch(&c, sorted, n,
				    sizeof(*sorted), cmp_str) != NULL;
				free(c);
			}
		for (i = 0; i < n; i++)
			free(bases[i]);
		stems_free(s, n);
	}
	CHECK(bad == 0);
}

/* Many inputs with one name: each gets the next K (the reported hang). */
static void
test_many(void)
{
	enum { N = 20000 };
	const char **paths = calloc(N, sizeof(*paths));
	char **s, want[32];
	struct fz_err e;
	size_t i, bad = 0;

	CHECK(paths != NULL);
	if (paths == NULL)
		return;
	for (i = 0; i < N; i++)
		paths[i] = "dir/front.jpg";
	CHECK((s = stems_unique(paths, N, &e)) != NULL);
	for (i = 1; s != NULL && i < N; i++) {
		snprintf(want, sizeof(want), "front-%zu", i + 1);
		bad += strcmp(s[i], want) != 0;
	}
	CHECK(bad == 0);
	stems_free(s, N);
	free(paths);
}

/* A file named like another input's card 2 does not take that card's stem. */
static void
test_card_shaped(void)
{
	const char *p[] = { "x.card2.jpg", "x.jpg", "y.card2.jpg", "x.card1.jpg",
		"z/x.card2.jpg" };
	struct fz_err e;
	char **s;

	CHECK((s = stems_unique(p, 5, &e)) != NULL);
	if (s != NULL) {
		CHECK_STR(s[0], "x.card2-2");
		CHECK_STR(s[1], "x");
		CHECK_STR(s[2], "y.card2"); /* no input y */
		CHECK_STR(s[3], "x.card1"); /* card 1 keeps the page's stem */
		CHECK_STR(s[4], "x.card2-3");
	}
	stems_free(s, 5);
}

/* Card 1 (and a file of one card) keeps the input's stem; card K is STEM.cardK. */
static void
test_card(void)
{
	char *a = stems_card("page", 1, 1), *b = stems_card("page", 1, 2);
	char *c = stems_card("page", 2, 2), *d = stems_card("x-2", 12, 12);

	CHECK(a != NULL && strcmp(a, "page") == 0);
	CHECK(b != NULL && strcmp(b, "page") == 0);
	CHECK(c != NULL && strcmp(c, "page.card2") == 0);
	CHECK(d != NULL && strcmp(d, "x-2.card12") == 0);
	free(a);
	free(b);
	free(c);
	free(d);
}

int
main(void)
{
	test_examples();
	test_card_shaped();
	test_card();
	test_property();
	test_many();
	return unit_done("stems");
}
