/* Saved-image stems, unique within a run: x, x-2, x-3 ... in input order, in linear expected time. */
#include "stems.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * An open-addressing set of names (not owned). next is the K to try
 * first for "NAME-K" when NAME is a base stem that more inputs share:
 * counters only grow, so each taken name stops at most one base once and
 * the whole assignment makes at most n + (names in the set) attempts.
 */
struct slot {
	const char *key;
	size_t next;
};

struct nameset {
	struct slot *v;
	size_t mask;
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *
find(const struct nameset *set, const char *key)
{
	size_t i = (size_t)hash(key) & set->mask;

	while (set->v[i].key != NULL && strcmp(set->v[i].key, key) != 0)
		i = (i + 1) & set->mask;
	return &set->v[i];
}

/*
 * Whether stem looks like card K >= 2 of another input: "P.cardK" with K
 * digits not starting with 0 and P not empty. Returns P's length, or 0.
 */
static size_t
card_shaped(const char *stem)
{
	const char *d = strrchr(stem, '.');
	const char *p;

	if (d == NULL || d == stem || strncmp(d, ".card", 5) != 0)
		return 0;
	p = d + 5;
	if (*p < '1' || *p > '9' || (p[0] == '1' && p[1] == '\0'))
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' ? (size_t)(d - stem) : 0;
}

/* Put key in the set: 0, or 1 when it is there already. */
static int
claim(struct nameset *set, const char *key)
{
	struct slot *sl = find(set, key);

	if (sl->key != NULL)
		return 1;
	sl->key = key;
	sl->next = 2;
	return 0;
}

char *
stems_base(const char *path)
{
	char *s, *named;

	if ((s = fz_stem(path)) == NULL)
		return NULL;
	if (s[0] != '.' && s[0] != '\0')
		return s;
	named = fz_printf("image%s", s);
	free(s);
	return named;
}

char *
stems_card(const char *stem, int card, int ncards)
{
	if (ncards <= 1 || card <= 1)
		return fz_strdup(stem);
	return fz_printf("%s.card%d", stem, card);
}

void
stems_free(char **stems, size_t n)
{
	size_t i;

	if (stems == NULL)
		return;
	for (i = 0; i < n; i++)
		free(stems[i]);
	free(stems);
}

char **
stems_unique(const char *const *paths, size_t n, struct fz_err *err)
{
	struct nameset set = { NULL, 0 };
	struct slot *sl, *base;
	unsigned char *dup = NULL;
	char **stems = NULL, *cand;
	size_t i, cap = 16, k;

	/* At most 2n names go in (bases, then one per duplicate): keep the
	 * table at most half full so probes stay short. */
	while (cap < 4 * n) {
		if (cap > SIZE_MAX / 2 / sizeof(*set.v)) {
			fz_seterr(err, "too many inputs");
			return NULL;
		}
		cap *= 2;
	}
	set.mask = cap - 1;
	if ((set.v = calloc(cap, sizeof(*set.v))) == NULL ||
	    (stems = calloc(n ? n : 1, sizeof(*stems))) == NULL ||
	    (dup = calloc(n ? n : 1, 1)) == NULL)
		goto oom;
	/* Names shaped like another card's stem (see stems_card) go in last. */
	for (i = 0; i < n; i++) {
		if ((stems[i] = stems_base(paths[i])) == NULL)
			goto oom;
		if (card_shaped(stems[i]) == 0)
			dup[i] = claim(&set, stems[i]);
	}
	for (i = 0; i < n; i++) {
		if ((k = card_shaped(stems[i])) == 0)
			continue;
		cand = fz_printf("%.*s", (int)k, stems[i]);
		if (cand == NULL)
			goto oom;
		base = find(&set, cand);
		free(cand);
		dup[i] = base->key != NULL ? 1 : claim(&set, stems[i]);
	}
	/* In input order, so the second x is x-2 and the third x-3. Every
	 * name in the set stays owned by stems[] until the end: a duplicate's
	 * base is never in the set under its own pointer. */
	for (i = 0; i < n; i++) {
		if (!dup[i])
			continue;
		base = find(&set, stems[i]);
		for (k = base->key != NULL ? base->next : 2;; k++) {
			if ((cand = fz_printf("%s-%zu", stems[i], k)) == NULL)
				goto oom;
			sl = find(&set, cand);
			if (sl->key == NULL)
				break;
			free(cand);
		}
		if (base->key != NULL)
			base->next = k + 1;
		sl->key = cand;
		sl->next = 2;
		free(stems[i]);
		stems[i] = cand;
	}
	free(set.v);
	free(dup);
	return stems;
oom:
	fz_seterr(err, "out of memory");
	stems_free(stems, n);
	free(set.v);
	free(dup);
	return NULL;
}
