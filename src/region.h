/* GB/T 2260 administrative division codes with their history: decode the region
 * part of an ID number. */
#ifndef REGION_H
#define REGION_H

#include <stddef.h>

/*
 * What a 6-digit code meant for a person born in a given year. The names
 * point into the compiled-in table (never freed) or are NULL.
 *   province  the XX0000 row;
 *   city      the XXXX00 row. NULL for the municipalities (11 北京, 12 天津,
 *             31 上海, 50 重庆), which have no city level in the lists, for
 *             county-level units directly under a province (4290xx), and when
 *             the code is itself a province code;
 *   county    the code's own row; NULL when the code is itself a province
 *             (XX0000) or city (XXXX00) code, whose name is then in
 *             province or city (cards of cities without counties, such as
 *             441900 东莞市, carry a city code).
 *   known     the code is in the table for some year;
 *   in_force  the code was in force in some year from the birth year on
 *             (for a roll-up: the city code was);
 *   rollup    not in the table, but a xxxx01/02/11/20 code whose XXXX00
 *             city exists: a city-district roll-up that real cards carry
 *             and the published lists omit (known = 0, province and city
 *             filled, county NULL).
 */
struct region_hit {
	const char *province, *city, *county;
	int in_force;
	int rollup;
	int known;
};

/*
 * Decode code6 for someone born in birth_year (0: unknown, then the newest
 * meaning is taken). When one code has several rows (renamed, or reused
 * for another place), the row in force in the birth year wins; failing
 * that, the earliest row starting after it; failing that (abolished before
 * the birth year) the last row, with in_force = 0. The province and city
 * are those in force in the year the chosen row applies to the person.
 * The newest list's year counts as "still in force" for any later birth
 * year. Returns 0 with out filled (see known and rollup), or -1 when code6
 * is not 6 digits (out zeroed). An unknown code gives 0 with known = 0,
 * rollup = 0 and all names NULL.
 */
int region_lookup(const char *code6, int birth_year, struct region_hit *out);

/*
 * Does authority (the issuing authority printed on the back, such as
 * "广州市公安局海珠分局") name the county, city or province of h? Each name
 * is tried whole and as its core without the unit suffix (省, 市, 区, 县,
 * 旗, 盟, 地区, 自治州, ...) when the core keeps at least 2 characters; an
 * autonomous unit is also tried in the short form authorities use, the
 * first 2-4 characters followed by the unit (恩施州 for 恩施土家族苗族自治州).
 * Returns 1 on a match, 0 otherwise (also for NULL arguments).
 */
int region_matches_authority(const struct region_hit *h, const char *authority);

/*
 * The table generated from data/gbt2260-timeline.tsv by tools/gen-region.awk
 * into build/region_data.c: sorted by code, then first_year. Only region.c
 * and its tests use it.
 */
struct region_row {
	char code[7];
	const char *name;
	short first_year, last_year;
};
extern const struct region_row region_rows[];
extern const size_t region_nrows;
extern const int region_newest_year; /* the newest list's year in the data */

#endif
