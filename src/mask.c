/* --mask: hide most of the personal data in a record before it goes into logs or tickets. */
#include "mask.h"

#include <stdlib.h>
#include <string.h>

/* The most characters a province or city name runs to (克孜勒苏柯尔克孜自治州 has 11). */
#define MASK_NAME_CHARS 12

/* Compound surnames, kept whole. */
static const char *const mask_compound[] = {
	"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容",
	"长孙", "宇文", "司徒", "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫",
	"西门", "百里", "呼延", "万俟", "澹台", "公冶", "太史", "申屠", "闻人",
	"赫连", "拓跋", "司空", "钟离", "淳于", "单于", "濮阳", "第五", NULL
};

static const char *const mask_municipal[] = { "北京市", "上海市", "天津市",
	"重庆市", NULL };

/* Bytes in the UTF-8 character starting with byte c (1 for a stray byte). */
static size_t
u8len(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8)
		return 4;
	if (c >= 0xe0 && c < 0xf0)
		return 3;
	if (c >= 0xc0 && c < 0xe0)
		return 2;
	return 1;
}

/* Byte offset of the next character after s[i], never past the end. */
static size_t
u8next(const char *s, size_t i)
{
	size_t k, n = u8len((unsigned char)s[i]);

	for (k = 1; k < n; k++)
		if (s[i + k] == '\0')
			return i + k;
	return i + n;
}

static size_t
u8count(const char *s)
{
	size_t i = 0, k = 0;

	while (s[i] != '\0') {
		i = u8next(s, i);
		k++;
	}
	return k;
}

/* s's first `keep` characters, then `stars` '*', then its last `tail` characters. */
static char *
keep_ends(const char *s, size_t keep, size_t stars, size_t tail)
{
	size_t n = u8count(s), i = 0, k, head, from;
	char *out;

	for (k = 0; k < keep && s[i] != '\0'; k++)
		i = u8next(s, i);
	head = i;
	for (; k + tail < n && s[i] != '\0'; k++)
		i = u8next(s, i);
	from = i;
	if ((out = malloc(head + stars + strlen(s + from) + 1)) == NULL)
		return NULL;
	memcpy(out, s, head);
	memset(out + head, '*', stars);
	strcpy(out + head + stars, s + from);
	return out;
}

char *
mask_id(const char *s)
{
	size_t n = u8count(s);

	if (n <= 10)
		return keep_ends(s, 0, n, 0);
	return keep_ends(s, 6, n - 10, 4);
}

char *
mask_name(const char *s)
{
	size_t n = u8count(s), keep = 1, i;

	if (n <= 1)
		return keep_ends(s, n, 0, 0);
	/* 欧阳 alone is more likely 欧 with the given name 阳. */
	for (i = 0; n > 2 && mask_compound[i] != NULL; i++)
		if (strncmp(s, mask_compound[i], strlen(mask_compound[i])) ==
		    0)
			keep = 2;
	return keep_ends(s, keep, n - keep, 0);
}

/*
 * The end (byte offset) of the earliest of words found starting within
 * MASK_NAME_CHARS characters from s[from], or 0 when none. A word listed
 * with a trailing "!" must not be followed by 市 (the 州 of 广州市 is not an
 * autonomous prefecture).
 */
static size_t
find_unit(const char *s, size_t from, const char *const *words)
{
	size_t i = from, k, j, wn;
	const char *w;
	int not_city;

	for (k = 0; k < MASK_NAME_CHARS && s[i] != '\0'; k++) {
		for (j = 0; words[j] != NULL; j++) {
			w = words[j];
			wn = strlen(w);
			not_city = w[wn - 1] == '!';
			if (not_city)
				wn--;
			if (strncmp(s + i, w, wn) != 0)
				continue;
			if (not_city && strncmp(s + i + wn, "市",
			    strlen("市")) == 0)
				continue;
			return i + wn;
		}
		i = u8next(s, i);
	}
	return 0;
}

char *
mask_address(const char *s)
{
	static const char *const prov[] = { "省", "自治区", NULL };
	static const char *const city[] = { "市", "自治州", "州!", "盟", "地区",
		NULL };
	static const char *const district[] = { "区", "县", NULL };
	size_t keep = 0, p, c, i, n = strlen(s);
	char *out;

	for (i = 0; mask_municipal[i] != NULL; i++) {
		p = strlen(mask_municipal[i]);
		if (strncmp(s, mask_municipal[i], p) == 0) {
			c = find_unit(s, p, district);
			keep = c > 0 ? c : p;
			break;
		}
	}
	if (mask_municipal[i] == NULL) {
		p = find_unit(s, 0, prov);
		c = find_unit(s, p, city);
		keep = c > 0 ? c : p;
	}
	if ((out = malloc(keep + 4)) == NULL)
		return NULL;
	memcpy(out, s, keep);
	strcpy(out + keep, keep < n ? "***" : "");
	return out;
}

/* Replace obj[key], a string, by mask(string); null when out of memory. */
static void
mask_key(json_t *obj, const char *key, char *(*mask)(const char *))
{
	const char *v = json_string_value(json_object_get(obj, key));
	json_t *m = NULL;
	char *s;

	if (v == NULL)
		return;
	if ((s = mask(v)) != NULL) {
		m = json_string(s);
		free(s);
	}
	/* Replacing a key's value allocates nothing, so the old one goes in any case. */
	if (m == NULL || json_object_set_new(obj, key, m) == -1)
		json_object_set_new(obj, key, json_null());
}

void
mask_record(json_t *rec)
{
	if (!json_is_object(rec))
		return;
	mask_key(rec, "id_number", mask_id);
	mask_key(rec, "input", mask_id);
	mask_key(json_object_get(json_object_get(rec, "checks"), "id_number"),
	    "normalised", mask_id);
	mask_key(rec, "name", mask_name);
	mask_key(rec, "address", mask_address);
	json_object_del(rec, "raw");
}
