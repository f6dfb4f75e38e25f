/* GB/T 2260 administrative division codes with their history: decode the region
 * part of an ID number. */
#include "region.h"

#include <string.h>

/* The rows of one code: region_rows[lo..hi). */
struct span {
	size_t lo, hi;
};

/* The rows of code (6 characters) by binary search; lo == hi when it is not in
 * the table. */
static struct span
find_code(const char *code)
{
	struct span sp;
	size_t lo = 0, hi = region_nrows, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(region_rows[mid].code, code, 6) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	sp.lo = sp.hi = lo;
	while (sp.hi < region_nrows &&
	    memcmp(region_rows[sp.hi].code, code, 6) == 0)
		sp.hi++;
	return sp;
}

/* The last year a row was in force: the newest list's rows are still in force.
 */
static int
row_last(const struct region_row *r)
{
	return r->last_year >= region_newest_year ? 9999 : r->last_year;
}

/*
 * The row of sp that applies to someone born in year (0: unknown): the one
 * in force in that year, else the earliest starting after it, else (all
 * ended before) the last one, with *in_force = 0. Rows are sorted by
 * first_year. NULL for an empty span.
 */
static const struct region_row *
pick_row(struct span sp, int year, int *in_force)
{
	const struct region_row *after = NULL;
	size_t i;

	*in_force = 0;
	if (sp.lo == sp.hi)
		return NULL;
	if (year <= 0) {
		*in_force = 1;
		return &region_rows[sp.hi - 1];
	}
	for (i = sp.lo; i < sp.hi; i++) {
		const struct region_row *r = &region_rows[i];

		if (r->first_year <= year && year <= row_last(r)) {
			*in_force = 1;
			return r;
		}
		if (r->first_year > year && after == NULL)
			after = r;
	}
	if (after != NULL) {
		*in_force = 1;
		return after;
	}
	return &region_rows[sp.hi - 1];
}

/*
 * The name of the parent code (province or city) in year, the year the
 * child row applies: the row in force then, else the row nearest in time
 * (lists have gaps of a year or two), or NULL when the parent code is not in
 * the table at all or none of its rows overlaps [first, last].
 */
static const char *
parent_name(const char *code, int year, int first, int last)
{
	struct span sp = find_code(code);
	const struct region_row *best = NULL;
	long best_gap = 0;
	size_t i;

	for (i = sp.lo; i < sp.hi; i++) {
		const struct region_row *r = &region_rows[i];
		long gap;

		if (r->first_year > last || row_last(r) < first)
			continue;
		if (year < r->first_year)
			gap = r->first_year - year;
		else if (year > row_last(r))
			gap = year - row_last(r);
		else
			gap = 0;
		if (best == NULL || gap < best_gap) {
			best = r;
			best_gap = gap;
		}
	}
	return best != NULL ? best->name : NULL;
}

static int
six_digits(const char *s)
{
	int i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[6] == '\0';
}

/* Fill province and city of out for code, a row applying from first to last,
 * seen in year. */
static void
fill_parents(
    const char *code, int year, int first, int last, struct region_hit *out)
{
	char pcode[7], ccode[7];

	memcpy(pcode, code, 2);
	memcpy(pcode + 2, "0000", 5);
	memcpy(ccode, code, 4);
	memcpy(ccode + 4, "00", 3);
	if (strcmp(code, pcode) != 0)
		out->province = parent_name(pcode, year, first, last);
	if (strcmp(code, ccode) != 0 && strcmp(ccode, pcode) != 0)
		out->city = parent_name(ccode, year, first, last);
}

/* The year a row applies to a person born in birth_year: within its span. */
static int
clamp_year(int birth_year, const struct region_row *row)
{
	if (birth_year < row->first_year)
		return row->first_year;
	if (birth_year > row->last_year)
		return row->last_year;
	return birth_year;
}

int
region_lookup(const char *code6, int birth_year, struct region_hit *out)
{
	const struct region_row *row;
	char ccode[7];
	const char *sfx;
	struct span sp;
	int in_force, year;

	memset(out, 0, sizeof(*out));
	if (!six_digits(code6))
		return -1;

	sp = find_code(code6);
	if ((row = pick_row(sp, birth_year, &in_force)) != NULL) {
		out->known = 1;
		out->in_force = in_force;
		/* The year the row applies to the person, for the parents. */
		year = clamp_year(birth_year, row);
		fill_parents(code6, year, row->first_year, row_last(row), out);
		if (strcmp(code6 + 2, "0000") == 0)
			out->province = row->name;
		else if (strcmp(code6 + 4, "00") == 0)
			out->city = row->name;
		else
			out->county = row->name;
		return 0;
	}

	/* Not in the lists: a city-district roll-up when the city exists. */
	sfx = code6 + 4;
	if (strcmp(sfx, "01") != 0 && strcmp(sfx, "02") != 0 &&
	    strcmp(sfx, "11") != 0 && strcmp(sfx, "20") != 0)
		return 0;
	memcpy(ccode, code6, 4);
	memcpy(ccode + 4, "00", 3);
	if ((row = pick_row(find_code(ccode), birth_year, &in_force)) == NULL)
		return 0;
	out->rollup = 1;
	out->in_force = in_force;
	year = clamp_year(birth_year, row);
	out->city = row->name;
	fill_parents(ccode, year, row->first_year, row_last(row), out);
	return 0;
}

/* Bytes in the UTF-8 character starting with byte c (1 for a stray byte). */
static size_t
utf8_len(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8)
		return 4;
	if (c >= 0xe0)
		return c < 0xf0 ? 3 : 1;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* Characters in s[0..n). */
static size_t
utf8_count(const char *s, size_t n)
{
	size_t i = 0, k = 0;

	while (i < n) {
		i += utf8_len((unsigned char)s[i]);
		k++;
	}
	return k;
}

/* Byte length of the first k characters of s[0..n) (n if it has fewer). */
static size_t
utf8_prefix(const char *s, size_t n, size_t k)
{
	size_t i = 0;

	while (i < n && k-- > 0)
		i += utf8_len((unsigned char)s[i]);
	return i < n ? i : n;
}

/* Does text contain s[0..n)? */
static int
contains(const char *text, const char *s, size_t n)
{
	size_t tn = strlen(text), i;

	if (n == 0 || n > tn)
		return 0;
	for (i = 0; i + n <= tn; i++)
		if (memcmp(text + i, s, n) == 0)
			return 1;
	return 0;
}

/* Does text contain a[0..an) directly followed by b? */
static int
contains2(const char *text, const char *a, size_t an, const char *b)
{
	char buf[128];
	size_t bn = strlen(b);

	if (an + bn >= sizeof(buf))
		return 0;
	memcpy(buf, a, an);
	memcpy(buf + an, b, bn);
	return contains(text, buf, an + bn);
}

/*
 * Unit suffixes of GB/T 2260 names, longest first so that 自治州 is
 * stripped whole rather than as 州. The autonomous ones carry the unit an
 * authority's short form ends with (恩施州, 长阳县).
 */
static const struct {
	const char *sfx;
	const char *unit; /* for the short form, or NULL */
} region_suffixes[] = {
    {"特别行政区", NULL},
    {"维吾尔自治区", NULL},
    {"壮族自治区", NULL},
    {"回族自治区", NULL},
    {"自治区", NULL},
    {"自治州", "州"},
    {"自治县", "县"},
    {"自治旗", "旗"},
    {"地区", NULL},
    {"林区", NULL},
    {"特区", NULL},
    {"新区", NULL},
    {"矿区", NULL},
    {"省", NULL},
    {"市", NULL},
    {"区", NULL},
    {"县", NULL},
    {"旗", NULL},
    {"盟", NULL},
    {"州", NULL},
};

static int
name_matches(const char *name, const char *text)
{
	size_t n, sn, core, k, i;

	if (name == NULL || *name == '\0')
		return 0;
	n = strlen(name);
	if (contains(text, name, n))
		return 1;
	for (i = 0; i < sizeof(region_suffixes) / sizeof(region_suffixes[0]);
	     i++) {
		sn = strlen(region_suffixes[i].sfx);
		if (sn >= n ||
		    memcmp(name + n - sn, region_suffixes[i].sfx, sn) != 0)
			continue;
		core = n - sn;
		if (utf8_count(name, core) < 2)
			return 0;
		if (contains(text, name, core))
			return 1;
		if (region_suffixes[i].unit != NULL) {
			/* 恩施土家族苗族自治州 -> 恩施州, 黔东南苗族侗族自治州
			 * -> 黔东南州. */
			for (k = 2; k <= 4; k++) {
				size_t pn = utf8_prefix(name, core, k);

				if (pn < core &&
				    contains2(text, name, pn,
				        region_suffixes[i].unit))
					return 1;
			}
		}
		return 0;
	}
	return 0;
}

int
region_matches_authority(const struct region_hit *h, const char *authority)
{
	if (h == NULL || authority == NULL)
		return 0;
	return name_matches(h->county, authority) ||
	    name_matches(h->city, authority) ||
	    name_matches(h->province, authority);
}
