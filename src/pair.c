/* --pair: which images are the two sides of one card, and the person record made from them. */
#include "pair.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record.h"
#include "util.h"

/* Families of side markers: a pair needs both markers of one family. */
enum pair_family { FAM_NONE, FAM_LATIN, FAM_FACE, FAM_EMBLEM, FAM_DIGIT,
	FAM_LETTER };

/* A stem split into its rest (stem[0..baselen)) and its marker. */
struct pair_mark {
	const char *stem;
	size_t baselen;
	int family;     /* enum pair_family */
	int which;      /* 1 front, 2 back, 0 none */
	size_t idx;     /* the input's index */
};

static const struct {
	const char *word;
	int family, which;
	int need_sep;   /* 1: only after a separator or alone */
} pair_words[] = {
	{ "front", FAM_LATIN, 1, 1 },
	{ "back", FAM_LATIN, 2, 1 },
	{ "正面", FAM_FACE, 1, 0 },
	{ "反面", FAM_FACE, 2, 0 },
	{ "背面", FAM_FACE, 2, 0 },
	{ "人像面", FAM_EMBLEM, 1, 0 },
	{ "国徽面", FAM_EMBLEM, 2, 0 },
};

static int
is_sep(char c)
{
	return c == '_' || c == '-' || c == '.' || c == ' ';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The rest before a marker at pos: separators before it dropped. */
static size_t
rest_len(const char *stem, size_t pos)
{
	while (pos > 0 && is_sep(stem[pos - 1]))
		pos--;
	return pos;
}

static void
stem_mark(const char *stem, size_t idx, struct pair_mark *mk)
{
	size_t n, wn, pos, i;
	char last;

	memset(mk, 0, sizeof(*mk));
	mk->stem = stem != NULL ? stem : "";
	mk->idx = idx;
	n = strlen(mk->stem);
	for (i = 0; i < sizeof(pair_words) / sizeof(pair_words[0]); i++) {
		wn = strlen(pair_words[i].word);
		if (wn > n)
			continue;
		pos = n - wn;
		/* Latin words any case; the Chinese ones compare bytewise. */
		if (strcasecmp(mk->stem + pos, pair_words[i].word) != 0)
			continue;
		if (pair_words[i].need_sep && pos > 0 &&
		    !is_sep(mk->stem[pos - 1]))
			continue;
		mk->family = pair_words[i].family;
		mk->which = pair_words[i].which;
		mk->baselen = rest_len(mk->stem, pos);
		return;
	}
	if (n == 0)
		return;
	last = mk->stem[n - 1];
	pos = n - 1;
	if ((last == '1' || last == '2') &&
	    (pos == 0 || !is_digit(mk->stem[pos - 1]))) {
		mk->family = FAM_DIGIT;
		mk->which = last - '0';
		mk->baselen = rest_len(mk->stem, pos);
	} else if ((last == 'a' || last == 'A' || last == 'b' || last == 'B') &&
	    pos > 0 && is_sep(mk->stem[pos - 1])) {
		mk->family = FAM_LETTER;
		mk->which = last == 'a' || last == 'A' ? 1 : 2;
		mk->baselen = rest_len(mk->stem, pos);
	}
}

/* Order by family, then rest, then input index: one group per family and rest. */
static int
mark_cmp(const void *pa, const void *pb)
{
	const struct pair_mark *a = pa, *b = pb;
	size_t n = a->baselen < b->baselen ? a->baselen : b->baselen;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((c = memcmp(a->stem, b->stem, n)) != 0)
		return c;
	if (a->baselen != b->baselen)
		return a->baselen < b->baselen ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int
same_group(const struct pair_mark *a, const struct pair_mark *b)
{
	return a->family == b->family && a->baselen == b->baselen &&
	    memcmp(a->stem, b->stem, a->baselen) == 0;
}

static const char *
side_of(const char *const *sides, size_t i)
{
	return sides != NULL ? sides[i] : NULL;
}

static int
side_is(const char *side, const char *what)
{
	return side != NULL && strcmp(side, what) == 0;
}

/* May a and b be the two sides of one card, as far as recognition tells? */
static int
sides_allow(const char *a, const char *b)
{
	if (side_is(a, "temporary") || side_is(b, "temporary"))
		return 0;
	if (side_is(a, "front") && side_is(b, "front"))
		return 0;
	return !(side_is(a, "back") && side_is(b, "back"));
}

static size_t
page_of(const size_t *page, size_t i)
{
	return page != NULL ? page[i] : 0;
}

static void
pair_two(size_t a, size_t b, long *partner, const char **rule)
{
	partner[a] = (long)b;
	partner[b] = (long)a;
	rule[a] = rule[b] = "consecutive";
}

/*
 * The cards of each page (a file of several), in reading order: a front
 * pairs with the card after it when that is a back (the front above its
 * back on a photocopy, left of it on a scan of several people). Only a
 * page of exactly two cards pairs a back followed by a front: on a page
 * of more, a back before a front is more likely the back of a front the
 * engine did not find, and a wrong pair would mix two people.
 */
static void
pages(const char *const *sides, const size_t *page, size_t n,
    long *partner, const char **rule)
{
	size_t i, p;

	for (i = 0; i + 1 < n; i++) {
		if ((p = page_of(page, i)) == 0 || page_of(page, i + 1) != p ||
		    partner[i] != -1 || partner[i + 1] != -1)
			continue;
		if (side_is(side_of(sides, i), "front") &&
		    side_is(side_of(sides, i + 1), "back"))
			pair_two(i, i + 1, partner, rule);
	}
	for (i = 0; i + 1 < n; i++) {
		if ((p = page_of(page, i)) == 0 || page_of(page, i + 1) != p ||
		    (i > 0 && page_of(page, i - 1) == p) ||
		    (i + 2 < n && page_of(page, i + 2) == p))
			continue;
		if (partner[i] == -1 && partner[i + 1] == -1 &&
		    side_is(side_of(sides, i), "back") &&
		    side_is(side_of(sides, i + 1), "front"))
			pair_two(i, i + 1, partner, rule);
	}
}

int
pair_plan(const char *const *stems, const char *const *sides,
    const size_t *page, size_t n, long *partner, const char **rule)
{
	struct pair_mark *mk;
	size_t i, j, k, g, nf, nb, f = 0, b = 0, prev;
	int have_prev;

	for (i = 0; i < n; i++) {
		partner[i] = -1;
		rule[i] = NULL;
	}
	if (n == 0)
		return 0;
	if ((mk = calloc(n, sizeof(*mk))) == NULL)
		return -1;
	for (i = 0, k = 0; i < n; i++) {
		if (page_of(page, i) != 0)
			continue;
		stem_mark(stems[i], i, &mk[k]);
		if (mk[k].family != FAM_NONE)
			k++;
	}
	qsort(mk, k, sizeof(*mk), mark_cmp);
	for (g = 0; g < k; g = j) {
		nf = nb = 0;
		for (j = g; j < k && same_group(&mk[g], &mk[j]); j++) {
			if (mk[j].which == 1) {
				nf++;
				f = mk[j].idx;
			} else {
				nb++;
				b = mk[j].idx;
			}
		}
		if (nf != 1 || nb != 1 ||
		    !sides_allow(side_of(sides, f), side_of(sides, b)))
			continue;
		partner[f] = (long)b;
		partner[b] = (long)f;
		rule[f] = rule[b] = "name";
	}
	free(mk);

	pages(sides, page, n, partner, rule);
	/* Consecutive order among the other inputs: a front next to a back. */
	have_prev = 0;
	prev = 0;
	for (i = 0; i < n; i++) {
		if (page_of(page, i) != 0) {
			have_prev = 0; /* a page's cards pair among themselves */
			continue;
		}
		if (partner[i] != -1)
			continue;
		if (have_prev &&
		    ((side_is(side_of(sides, prev), "front") &&
		    side_is(side_of(sides, i), "back")) ||
		    (side_is(side_of(sides, prev), "back") &&
		    side_is(side_of(sides, i), "front")))) {
			partner[prev] = (long)i;
			partner[i] = (long)prev;
			rule[prev] = rule[i] = "consecutive";
			have_prev = 0;
			continue;
		}
		prev = i;
		have_prev = 1;
	}
	return 0;
}

/*
 * How surely r is the front: its recognised side first, then the marker in
 * its file name. Higher is more front.
 */
static int
front_score(const json_t *r)
{
	const char *side = record_str(r, "side");
	struct pair_mark mk;
	char *stem;
	int score = 2;

	if (side_is(side, "front"))
		return 4;
	if (side_is(side, "back"))
		return 0;
	if ((stem = fz_stem(record_str(r, "file") != NULL ?
	    record_str(r, "file") : "")) != NULL) {
		stem_mark(stem, 0, &mk);
		if (mk.which != 0)
			score = mk.which == 1 ? 3 : 1;
		free(stem);
	}
	return score;
}

/* Append copies of r's warnings to out, each with r's file. */
static int
copy_warnings(json_t *out, const json_t *r)
{
	const json_t *w = json_object_get(r, "warnings"), *file;
	json_t *c;
	size_t i;

	file = json_object_get(r, "file");
	for (i = 0; i < json_array_size(w); i++) {
		if ((c = json_deep_copy(json_array_get(w, i))) == NULL)
			return -1;
		if (json_is_object(c) && json_object_set_new(c, "file",
		    file != NULL ? json_deep_copy(file) : json_null()) == -1) {
			json_decref(c);
			return -1;
		}
		if (json_array_append_new(out, c) == -1)
			return -1;
	}
	return 0;
}

/* A copy of r's error with r's file, or JSON null. */
static json_t *
copy_error(const json_t *r)
{
	const json_t *e = json_object_get(r, "error"), *file;
	json_t *c;

	if (!json_is_object(e))
		return json_null();
	file = json_object_get(r, "file");
	if ((c = json_deep_copy(e)) == NULL)
		return NULL;
	if (json_object_set_new(c, "file", file != NULL ?
	    json_deep_copy(file) : json_null()) == -1) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* A copy of r's key, or JSON null. */
static json_t *
field(const json_t *r, const char *key)
{
	const json_t *v = json_object_get(r, key);

	return v != NULL ? json_deep_copy(v) : json_null();
}

static const char *const pair_front_fields[] = { "name", "sex", "people",
	"birthday", "address", "id_number", NULL };
static const char *const pair_back_fields[] = { "issue_authority",
	"validity", NULL };

json_t *
pair_person(const json_t *front, const json_t *back, const char *rule)
{
	const json_t *t, *fc, *bv;
	json_t *p, *checks, *warnings, *err;
	int bad = 0, i, fk, fn, bk, bn;

	if (front_score(back) > front_score(front)) {
		t = front;
		front = back;
		back = t;
	}
	if ((p = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(p, "files", json_pack("[o, o]",
	    field(front, "file"), field(back, "file")));
	bad |= json_object_set_new(p, "pairing",
	    rule != NULL ? json_string(rule) : json_null());
	record_card(front, &fk, &fn);
	record_card(back, &bk, &bn);
	if (fn > 1 || bn > 1)
		bad |= json_object_set_new(p, "cards", json_pack("[i, i]", fk,
		    bk));
	for (i = 0; pair_front_fields[i] != NULL; i++)
		bad |= json_object_set_new(p, pair_front_fields[i],
		    field(front, pair_front_fields[i]));
	for (i = 0; pair_back_fields[i] != NULL; i++)
		bad |= json_object_set_new(p, pair_back_fields[i],
		    field(back, pair_back_fields[i]));

	fc = json_object_get(front, "checks");
	checks = json_is_object(fc) ? json_deep_copy(fc) : json_object();
	if (checks != NULL) {
		/* The validity is the back's, whatever the front carried. */
		json_object_del(checks, "validity");
		bv = json_object_get(json_object_get(back, "checks"),
		    "validity");
		if (bv != NULL)
			bad |= json_object_set_new(checks, "validity",
			    json_deep_copy(bv));
	}
	bad |= json_object_set_new(p, "checks", checks);

	if ((warnings = json_array()) == NULL ||
	    json_object_set_new(p, "warnings", warnings) == -1)
		goto fail;
	bad |= copy_warnings(warnings, front);
	bad |= copy_warnings(warnings, back);
	err = copy_error(front);
	if (json_is_null(err))
		err = copy_error(back);
	bad |= json_object_set_new(p, "error", err);
	bad |= json_object_set_new(p, "engine", field(front, "engine"));
	if (bad)
		goto fail;
	return p;
fail:
	json_decref(p);
	return NULL;
}

int
pair_mark_unpaired(json_t *rec)
{
	const char *side = record_str(rec, "side");
	json_t *w = json_object_get(rec, "warnings");
	const char *msg;

	if (side_is(side, "temporary"))
		return 0;
	if (side_is(side, "front"))
		msg = "no back found to pair with this front";
	else if (side_is(side, "back"))
		msg = "no front found to pair with this back";
	else
		msg = "no partner found for this image";
	if (!json_is_array(w)) {
		if (json_object_set_new(rec, "warnings", json_array()) == -1)
			return -1;
		w = json_object_get(rec, "warnings");
	}
	return json_array_append_new(w, json_pack("{s:s, s:s}", "code",
	    "unpaired", "message", msg));
}
