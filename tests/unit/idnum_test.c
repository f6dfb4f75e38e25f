/* Unit tests for idnum.c: GB 11643-1999 check characters, parsing, the 15-digit
 * form, dates and ages. */
#include <string.h>

#include "idnum.h"
#include "unit.h"

/*
 * Sources of the vectors (each quoted where it is used):
 * [GB]  GB 11643-1999 "公民身份号码", clause 7 (check code: ISO 7064:1983
 *       MOD 11-2, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, remainders
 *       0..10 -> 1 0 X 9 8 7 6 5 4 3 2) and annex A (examples 北京市朝阳区
 *       11010519491231002X, 广东省汕头市 440524188001010014), as quoted in
 *       https://download.csdn.net/download/kudy21/2033732 and
 *       http://8miu.fun/bangzhuzhongxin/2146.html (the standard's text is at
 *       https://blog.csdn.net/chenlu5201314/article/details/90484093).
 * [JX]  jxlwqq/id-validator, tests/IdValidatorTest.php (commit a0d449a).
 * [JXP] jxlwqq/id-validator.py, test_validator.py (commit 572a869).
 * [ED]  Edditoria/validid, src/test/shared/data.coffee (commit a46430d).
 */

/* As of 2024-06-01 unless a test says otherwise. */
#define ASOF 2024, 6, 1

static int
parses(const char *s, struct idnum *n)
{
	struct fz_err err;

	err.msg[0] = '\0';
	return idnum_parse(s, ASOF, n, &err);
}

static int
valid(const char *s)
{
	struct idnum n;

	return parses(s, &n) == 0 && idnum_valid(&n);
}

static void
test_check_char(void)
{
	/* [GB] annex A: the check character of 11010519491231002X is X (the
	 * weighted sum of the first 17 digits is 167, 167 mod 11 = 2 -> X). */
	CHECK(idnum_check_char("11010519491231002") == 'X');
	/* [GB] annex A: 440524188001010014. */
	CHECK(idnum_check_char("44052418800101001") == '4');
	/* [JX] 440308199901101512 valid, ...513 invalid: check char 2. */
	CHECK(idnum_check_char("44030819990110151") == '2');
	/* [ED] 11010120170210193X valid. */
	CHECK(idnum_check_char("11010120170210193") == 'X');
	/* Not 17 digits. */
	CHECK(idnum_check_char("1101051949123100") == '\0');
	CHECK(idnum_check_char("1101051949123100A") == '\0');
	CHECK(idnum_check_char(NULL) == '\0');
}

static void
test_standard_example(void)
{
	struct idnum n;

	/* [GB] annex A: 北京市朝阳区, born 1949-12-31, sequence 002 (even:
	 * female). */
	CHECK(parses("11010519491231002X", &n) == 0);
	CHECK_STR(n.norm, "11010519491231002X");
	CHECK(n.structure_ok && n.check_ok && n.birth_ok);
	CHECK(idnum_valid(&n));
	CHECK(n.year == 1949 && n.month == 12 && n.day == 31);
	CHECK(n.sex == 2);
	CHECK(n.was15 == 0);
	CHECK_STR(n.region, "110105");
	CHECK(idnum_age(&n, 2024, 6, 1) == 74);
	CHECK(idnum_age(&n, 2024, 12, 30) == 74);
	CHECK(idnum_age(&n, 2024, 12, 31) == 75);

	/* [GB] annex A: 广东省汕头市, born 1880: the year >= 1800 rule lets it
	 * pass. */
	CHECK(parses("440524188001010014", &n) == 0);
	CHECK(idnum_valid(&n));
	CHECK(n.year == 1880 && n.sex == 1);
}

static void
test_peer_vectors(void)
{
	struct idnum n;
	struct fz_err err;

	/* [JX] and [JXP] valid numbers. */
	CHECK(valid("440308199901101512"));
	CHECK(valid("500154199301135886"));
	/* [JXP] and [ED] ("src: Wikipedia"): Hong Kong and Taiwan codes. */
	CHECK(valid("810000199408230021"));
	CHECK(valid("830000199201300022"));
	/* [JX] getInfo: 440308199901101512 is male, born 1999-01-10. */
	CHECK(parses("440308199901101512", &n) == 0);
	CHECK(n.sex == 1 && n.year == 1999 && n.month == 1 && n.day == 10);
	/* [ED] valid numbers. */
	CHECK(valid("11010120170210193X"));
	CHECK(valid("120103198806018241"));
	CHECK(valid("310101200001013948"));
	CHECK(valid("110101188606258888"));

	/* [JX] 验证码不合法: wrong check character. */
	CHECK(parses("440308199901101513", &n) == 0);
	CHECK(n.structure_ok && !n.check_ok && n.birth_ok && !idnum_valid(&n));
	/* [ED] fail test: checksum. */
	CHECK(parses("110102197810272321", &n) == 0 && !n.check_ok);
	/* [JX] 出生日期码不合法: 30 February 1999. */
	CHECK(parses("440308199902301512", &n) == 0);
	CHECK(!n.birth_ok && !idnum_valid(&n));
	/* [JX] 号码位数不合法: 14 digits. */
	CHECK(parses("44030819990110", &n) == -1 && !n.structure_ok);
	/* [ED] fail test: length (17 and 19 digits). */
	CHECK(idnum_parse("98765432101234567", ASOF, &n, &err) == -1);
	CHECK(strstr(err.msg, "17 digits and a check character") != NULL);
	CHECK(idnum_parse("9876543210123456789", ASOF, &n, &err) == -1);
	/* [ED] fail test: characters and format. */
	CHECK(parses("110102YYYYMMDD888X", &n) == -1);
	CHECK(parses("98765432101234567A", &n) == -1);
	CHECK(parses("A87654321012345678", &n) == -1);
	/* [ED] fail test: future date, with "today" in 2020 as in that suite
	 * ("#todo update every year"): born 2020-01-01 passes, 2020-12-12 not.
	 */
	{
		struct idnum m;

		CHECK(idnum_parse("11010120200101888X", 2020, 6, 1, &m, &err) ==
		        0 &&
		    idnum_valid(&m));
		CHECK(idnum_parse("110101202012128881", 2020, 6, 1, &m, &err) ==
		        0 &&
		    m.check_ok && !m.birth_ok);
	}
}

static void
test_old_form(void)
{
	struct idnum n;

	/* [GB] the 18-digit example without the century and the check
	 * character is the 15-digit form of the same person. */
	CHECK(parses("110105491231002", &n) == 0);
	CHECK_STR(n.norm, "11010519491231002X");
	CHECK(n.was15 && n.check_ok && idnum_valid(&n));
	CHECK(n.sex == 2 && n.year == 1949);
	/* [JX] testUpgradeId: 610104620927690 -> 610104196209276908, valid. */
	CHECK(parses("610104620927690", &n) == 0);
	CHECK_STR(n.norm, "610104196209276908");
	CHECK(idnum_valid(&n));
	/* [JX] getInfo 610104620927690: 'sex' => 0 (female), born 1962-09-27.
	 */
	CHECK(n.sex == 2 && n.month == 9 && n.day == 27);
	/* [JX] 出生日期码不合法: 15 digits with day 32. */
	CHECK(parses("610104620932690", &n) == 0);
	CHECK(n.structure_ok && n.was15 && !n.birth_ok && !idnum_valid(&n));
	/* Month 13 in the old form. */
	CHECK(parses("110105491331002", &n) == 0 && !n.birth_ok);
	/* Letters in the old form. */
	CHECK(parses("11010549123100X", &n) == -1);
}

static void
test_edges(void)
{
	struct idnum n;
	struct fz_err err;

	/* Lower-case x accepted, normalised; surrounding spaces trimmed. */
	CHECK(parses("11010519491231002x", &n) == 0);
	CHECK_STR(n.norm, "11010519491231002X");
	CHECK(idnum_valid(&n));
	CHECK(parses("  11010519491231002X\t\n", &n) == 0 && idnum_valid(&n));
	/* Inner spaces are not trimmed. */
	CHECK(parses("110105 19491231002X", &n) == -1);
	/* Wrong check character, including X where a digit belongs. */
	CHECK(parses("110105194912310021", &n) == 0 && !n.check_ok);
	CHECK(parses("44030819990110151X", &n) == 0 && !n.check_ok);
	/* 31 February. */
	CHECK(parses("110105194902310026", &n) == 0 && !n.birth_ok);
	/* 29 February: 2000 is a leap year (divisible by 400), 1900 is not. */
	CHECK(date_valid(2000, 2, 29));
	CHECK(!date_valid(1900, 2, 29));
	CHECK(date_valid(2024, 2, 29) && !date_valid(2023, 2, 29));
	{
		char num[19];

		memcpy(num, "11010520000229001", 17);
		num[17] = idnum_check_char(num);
		num[18] = '\0';
		CHECK(parses(num, &n) == 0 && n.check_ok && n.birth_ok);
		/* Turns 1 on 1 March 2001, 4 on 29 February 2004. */
		CHECK(idnum_age(&n, 2001, 2, 28) == 0);
		CHECK(idnum_age(&n, 2001, 3, 1) == 1);
		CHECK(idnum_age(&n, 2004, 2, 29) == 4);
		CHECK(idnum_age(&n, 1999, 1, 1) == -1);
		memcpy(num, "11010519000229001", 17);
		num[17] = idnum_check_char(num);
		CHECK(parses(num, &n) == 0 && n.check_ok && !n.birth_ok);
	}
	/* Future birth date: after as_of fails, on as_of passes, no as_of skips
	 * the test. */
	{
		char num[19];

		memcpy(num, "11010120240602888", 17);
		num[17] = idnum_check_char(num);
		num[18] = '\0';
		CHECK(
		    idnum_parse(num, 2024, 6, 1, &n, &err) == 0 && !n.birth_ok);
		CHECK(
		    idnum_parse(num, 2024, 6, 2, &n, &err) == 0 && n.birth_ok);
		CHECK(idnum_parse(num, 0, 0, 0, &n, &err) == 0 && n.birth_ok);
	}
	/* Before 1800. */
	{
		char num[19];

		memcpy(num, "11010517991231001", 17);
		num[17] = idnum_check_char(num);
		num[18] = '\0';
		CHECK(parses(num, &n) == 0 && n.check_ok && !n.birth_ok);
	}
	/* 17 and 19 characters, letters, empty, NULL. */
	CHECK(idnum_parse("11010519491231002", ASOF, &n, &err) == -1);
	CHECK(strstr(err.msg, "17 digits and a check character") != NULL);
	CHECK(parses("11010519491231002X1", &n) == -1);
	CHECK(parses("1101051949123100AX", &n) == -1);
	CHECK(parses("", &n) == -1);
	CHECK(parses("   ", &n) == -1);
	CHECK(idnum_parse(NULL, ASOF, &n, &err) == -1);
	CHECK(!idnum_valid(NULL));
	/*
	 * Issue F.20: what a Chinese input method types. A full-width X
	 * (U+FF38, 3 bytes) and full-width digits count as the ASCII ones,
	 * the ideographic space U+3000, U+00A0 and a BOM are white space.
	 */
	CHECK(parses("11010519491231002\xef\xbc\xb8", &n) == 0 &&
	    idnum_valid(&n));
	CHECK_STR(n.norm, "11010519491231002X");
	CHECK(parses("\xe3\x80\x80\xef\xbc\x94\xef\xbc\x94\xef\xbc\x90"
	    "\xef\xbc\x91\xef\xbc\x90\xef\xbc\x95"
	    "199208220038\xe3\x80\x80", &n) == 0 && idnum_valid(&n));
	CHECK_STR(n.norm, "440105199208220038");
	CHECK(parses("\xef\xbb\xbf\xc2\xa0" "1101051949123100\xef\xbc\x92"
	    "\xef\xbd\x98", &n) == 0 && idnum_valid(&n));
	/* An ideographic space inside the number is not trimmed. */
	CHECK(parses("110105\xe3\x80\x80" "19491231002X", &n) == -1);
	/* Messages count characters, not bytes: 17 full-width digits are 17. */
	CHECK(idnum_parse("\xef\xbc\x91\xef\xbc\x91\xef\xbc\x90\xef\xbc\x91"
	    "\xef\xbc\x90\xef\xbc\x95\xef\xbc\x91\xef\xbc\x99\xef\xbc\x94"
	    "\xef\xbc\x99\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x91"
	    "\xef\xbc\x90\xef\xbc\x90\xef\xbc\x92", ASOF, &n, &err) == -1);
	CHECK_STR(err.msg, "17 digits and a check character expected (or 15 "
	    "digits), not 17 characters");
	CHECK(idnum_parse("\xe5\xbc\xa0\xe4\xb8\x89", ASOF, &n, &err) == -1);
	CHECK_STR(err.msg, "17 digits and a check character expected (or 15 "
	    "digits), not 2 characters");
	/* A stray byte counts as one character. */
	CHECK(idnum_parse("\xff" "1", ASOF, &n, &err) == -1);
	CHECK(strstr(err.msg, "not 2 characters") != NULL);
	/* 18 characters, one of them Chinese: the structure fails, no overrun. */
	CHECK(parses("11010519491231002\xe5\xbc\xa0", &n) == -1);
}

static void
test_dates(void)
{
	CHECK(!date_valid(2024, 0, 1) && !date_valid(2024, 13, 1));
	CHECK(!date_valid(2024, 4, 31) && date_valid(2024, 12, 31));
	CHECK(!date_valid(2024, 1, 0) && !date_valid(0, 1, 1));
	CHECK(date_days(2024, 3, 1) - date_days(2024, 2, 28) == 2);
	CHECK(date_days(2023, 3, 1) - date_days(2023, 2, 28) == 1);
	CHECK(date_days(2001, 1, 1) - date_days(2000, 1, 1) == 366);
	CHECK(date_days(1901, 1, 1) - date_days(1900, 1, 1) == 365);
	/* 1970-01-01 is 719468 days after 0000-03-01: the offset in Hinnant's
	 * days_from_civil (cited in idnum.c). */
	CHECK(date_days(1970, 1, 1) == 719468);
	CHECK(strcmp(idnum_res_name(ID_PASS), "pass") == 0);
	CHECK(strcmp(idnum_res_name(ID_FAIL), "fail") == 0);
	CHECK(strcmp(idnum_res_name(ID_WARN), "warn") == 0);
	CHECK(strcmp(idnum_res_name(ID_SKIP), "skip") == 0);
}

int
main(void)
{
	test_check_char();
	test_standard_example();
	test_peer_vectors();
	test_old_form();
	test_edges();
	test_dates();
	return unit_done("idnum");
}
