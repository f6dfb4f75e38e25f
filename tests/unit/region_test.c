/* Unit tests for region.c: GB/T 2260 codes over time, roll-ups, unknown codes,
 * issuing-authority matching. */
#include <string.h>

#include "region.h"
#include "unit.h"

/*
 * Expected names are rows of data/gbt2260-timeline.tsv (quoted next to each
 * test). [JX] marks cases also asserted by jxlwqq/id-validator,
 * tests/IdValidatorTest.php (commit a0d449a), testGetInfo, whose data comes
 * from the same compilation of the Ministry of Civil Affairs lists.
 */

static struct region_hit
look(const char *code, int year)
{
	struct region_hit h;

	memset(&h, 0x55, sizeof(h)); /* lookup must fill every field */
	CHECK(region_lookup(code, year, &h) == 0);
	return h;
}

static void
test_table(void)
{
	size_t i;
	int sorted = 1;

	CHECK(region_nrows > 7000);
	CHECK(region_newest_year == 2023);
	for (i = 1; i < region_nrows; i++) {
		int c = strcmp(region_rows[i - 1].code, region_rows[i].code);

		if (c > 0 ||
		    (c == 0 &&
		        region_rows[i - 1].first_year >
		            region_rows[i].first_year))
			sorted = 0;
	}
	CHECK(sorted);
}

static void
test_in_force(void)
{
	struct region_hit h;

	/* 440105 海珠区 1980-2023, 440100 广州市, 440000 广东省. */
	h = look("440105", 1990);
	CHECK(h.known && h.in_force && !h.rollup);
	CHECK_STR(h.county, "海珠区");
	CHECK_STR(h.city, "广州市");
	CHECK_STR(h.province, "广东省");
	/* Born after the newest list: still in force. */
	h = look("440105", 2030);
	CHECK(h.known && h.in_force);
	/* Born before the first list (1980): the earliest row applies. */
	h = look("440105", 1949);
	CHECK(h.known && h.in_force);
	CHECK_STR(h.county, "海珠区");

	/* 110101 东城区 under 北京市: a municipality has no city level. */
	h = look("110101", 1990);
	CHECK(h.known && h.in_force);
	CHECK_STR(h.county, "东城区");
	CHECK_STR(h.province, "北京市");
	CHECK(h.city == NULL);

	/* [JX] 440308 -> 广东省 深圳市 盐田区; 610104 -> 陕西省 西安市 莲湖区.
	 */
	h = look("440308", 1999);
	CHECK_STR(h.province, "广东省");
	CHECK_STR(h.city, "深圳市");
	CHECK_STR(h.county, "盐田区");
	h = look("610104", 1962);
	CHECK_STR(h.province, "陕西省");
	CHECK_STR(h.city, "西安市");
	CHECK_STR(h.county, "莲湖区");

	/* A city code without counties (441900 东莞市) and a province code. */
	h = look("441900", 2000);
	CHECK(h.known && h.county == NULL);
	CHECK_STR(h.city, "东莞市");
	CHECK_STR(h.province, "广东省");
	h = look("440000", 2000);
	CHECK(h.known && h.city == NULL && h.county == NULL);
	CHECK_STR(h.province, "广东省");
	/* 429004 仙桃市 is directly under 湖北省: there is no 429000 row. */
	h = look("429004", 2000);
	CHECK(h.known && h.city == NULL);
	CHECK_STR(h.county, "仙桃市");
	CHECK_STR(h.province, "湖北省");
	/* Birth year unknown (0): the newest meaning. */
	h = look("130123", 0);
	CHECK(h.known && h.in_force);
	CHECK_STR(h.county, "正定县");
}

static void
test_abolished(void)
{
	struct region_hit h;

	/* 110103 崇文区 1980-2009 (merged into 东城区 in 2010). */
	h = look("110103", 2012);
	CHECK(h.known && !h.in_force && !h.rollup);
	CHECK_STR(h.county, "崇文区");
	CHECK_STR(h.province, "北京市");
	h = look("110103", 2009);
	CHECK(h.known && h.in_force);
	h = look("110103", 1985);
	CHECK(h.known && h.in_force);
}

static void
test_reused(void)
{
	struct region_hit h;

	/* 130123 栾城县 1986-1992, 正定县 1993-2023 (and 130124 the other way
	 * round). */
	h = look("130123", 1990);
	CHECK(h.known && h.in_force);
	CHECK_STR(h.county, "栾城县");
	CHECK_STR(h.city, "石家庄市");
	CHECK_STR(h.province, "河北省");
	h = look("130123", 2000);
	CHECK(h.known && h.in_force);
	CHECK_STR(h.county, "正定县");
	/* Born before either row: the earliest row starting after the birth
	 * year. */
	h = look("130123", 1970);
	CHECK(h.in_force);
	CHECK_STR(h.county, "栾城县");
	/* 130124 栾城县 1993-2013: abolished before a 2015 birth. */
	h = look("130124", 2015);
	CHECK(h.known && !h.in_force);
	CHECK_STR(h.county, "栾城县");

	/* [JX] 362324: 1980 -> 江西省 宜春地区 丰城县, 1982 -> 江西省 上饶地区
	 * 铅山县; the TSV has 362324 丰城县 1980-1981, 铅山县 1982-1999 and
	 * 362300 宜春地区 1980-1981, 上饶地区 1982-1999: the city follows the
	 * year. */
	h = look("362324", 1980);
	CHECK_STR(h.county, "丰城县");
	CHECK_STR(h.city, "宜春地区");
	CHECK_STR(h.province, "江西省");
	h = look("362324", 1981);
	CHECK_STR(h.county, "丰城县");
	CHECK_STR(h.city, "宜春地区");
	h = look("362324", 1982);
	CHECK(h.in_force);
	CHECK_STR(h.county, "铅山县");
	CHECK_STR(h.city, "上饶地区");
	/* Abolished in 1999: 2001 is too late for either row. */
	h = look("362324", 2001);
	CHECK(h.known && !h.in_force);
	CHECK_STR(h.county, "铅山县");

	/* 500101 万县区 1997, 万州区 1998-2023 (a rename). */
	h = look("500101", 1997);
	CHECK_STR(h.county, "万县区");
	h = look("500101", 1998);
	CHECK_STR(h.county, "万州区");
	CHECK_STR(h.province, "重庆市");
}

static void
test_rollup_unknown(void)
{
	struct region_hit h;

	/* 440101 is in no list, 440100 广州市 is: a city-district roll-up. */
	h = look("440101", 1990);
	CHECK(h.rollup && !h.known && h.in_force);
	CHECK(h.county == NULL);
	CHECK_STR(h.city, "广州市");
	CHECK_STR(h.province, "广东省");
	h = look("440102", 2010); /* 东山区 1980-2004: known, not a roll-up */
	CHECK(h.known && !h.rollup && !h.in_force);
	h = look("440120", 1990);
	CHECK(h.rollup && !h.known);
	/* 440199: not one of the roll-up endings. */
	h = look("440199", 1990);
	CHECK(!h.rollup && !h.known && h.province == NULL && h.city == NULL);
	/* 110111 房山区 exists; 110120 does not and 110100 has no row. */
	h = look("110120", 1990);
	CHECK(!h.rollup && !h.known);

	/* Unknown: 990000; [JX] 111111 (地址码不合法). */
	h = look("990000", 1990);
	CHECK(!h.known && !h.rollup && !h.in_force);
	CHECK(h.province == NULL && h.city == NULL && h.county == NULL);
	h = look("111111", 1999);
	CHECK(!h.known && !h.rollup);

	/* Not 6 digits. */
	CHECK(region_lookup("44010", 1990, &h) == -1 && !h.known);
	CHECK(region_lookup("4401051", 1990, &h) == -1);
	CHECK(region_lookup("44a105", 1990, &h) == -1);
	CHECK(region_lookup("", 1990, &h) == -1);
	CHECK(region_lookup(NULL, 1990, &h) == -1);
}

static void
test_authority(void)
{
	struct region_hit h, bare;

	h = look("440105", 1990);
	CHECK(region_matches_authority(&h, "广州市公安局海珠分局") == 1);
	CHECK(region_matches_authority(&h, "北京市公安局") == 0);
	/* The county alone, the province alone, by core name. */
	CHECK(region_matches_authority(&h, "海珠分局") == 1);
	CHECK(region_matches_authority(&h, "广东省公安厅") == 1);
	CHECK(region_matches_authority(&h, "深圳市公安局") == 0);
	CHECK(region_matches_authority(&h, "") == 0);
	CHECK(region_matches_authority(&h, NULL) == 0);
	CHECK(region_matches_authority(NULL, "广州市公安局") == 0);

	h = look("110101", 2000);
	CHECK(region_matches_authority(&h, "北京市公安局东城分局") == 1);
	CHECK(region_matches_authority(&h, "上海市公安局") == 0);

	/* 422802 利川市 under 422800 恩施土家族苗族自治州 (1993-2023): the
	 * short form 恩施州. */
	h = look("422802", 2000);
	CHECK_STR(h.city, "恩施土家族苗族自治州");
	CHECK(region_matches_authority(&h, "恩施州公安局") == 1);
	CHECK(region_matches_authority(&h, "恩施土家族苗族自治州公安局") == 1);
	CHECK(region_matches_authority(&h, "宜昌市公安局") == 0);

	/* A core of one character (郊区 -> 郊) is not tried: only the whole
	 * name. */
	memset(&bare, 0, sizeof(bare));
	bare.county = "郊区";
	CHECK(region_matches_authority(&bare, "城郊派出所") == 0);
	CHECK(region_matches_authority(&bare, "郊区公安分局") == 1);
	/* 自治区 provinces: 广西壮族自治区 -> 广西. */
	bare.county = NULL;
	bare.province = "广西壮族自治区";
	CHECK(region_matches_authority(&bare, "广西公安厅") == 1);
	bare.province = "内蒙古自治区";
	CHECK(region_matches_authority(&bare, "内蒙古自治区公安厅") == 1);
	CHECK(region_matches_authority(&bare, "蒙古") == 0);
}

int
main(void)
{
	test_table();
	test_in_force();
	test_abolished();
	test_reused();
	test_rollup_unknown();
	test_authority();
	return unit_done("region");
}
