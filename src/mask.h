/* --mask: hide most of the personal data in a record before it goes into logs or tickets. */
#ifndef MASK_H
#define MASK_H

#include <jansson.h>

/*
 * Mask rec in place:
 *   id_number, "input" (--check-id records) and checks.id_number.normalised:
 *     the first 6 and the last 4 characters stay, the rest become '*'
 *     (anything of 10 characters or fewer is all '*');
 *   name: the surname stays (two characters for a compound surname such as
 *     欧阳 or 司马 when the name is longer than two), every other character
 *     becomes '*';
 *   address: the province and the city stay, the rest becomes "***" (see
 *     mask_address);
 *   raw: removed; the untouched response holds the same fields and the
 *     base64 portrait, personal data as much as the rest.
 * Other fields (sex, people, birthday, authority, validity, checks) stay.
 * Should memory run out, a field is set to null rather than left as it was.
 */
void mask_record(json_t *rec);

/* The masked forms of one value, malloc'd; NULL when out of memory. */
char *mask_id(const char *s);
char *mask_name(const char *s);
/*
 * Keeps the province (through the first 省 or 自治区) and the city after it
 * (through the first 市, 自治州, 州, 盟 or 地区); for 北京市, 上海市, 天津市
 * and 重庆市, the district or county (through the first 区 or 县). Without
 * a province, the city alone, when it comes within the first characters.
 * What follows becomes "***"; with nothing recognisable the whole is "***".
 */
char *mask_address(const char *s);

#endif
