/* GB 11643-1999 citizen identity numbers: structure, check character, birth
 * date, sex, the old 15-digit form. */
#include "idnum.h"

#include <stdint.h>
#include <string.h>

#include "width.h"

/*
 * GB 11643-1999 clause 7 (the check code, ISO 7064:1983 MOD 11-2): the
 * weight of position i (1 = leftmost, 18 = the check character) is
 * 2^(18-i) mod 11, and the check character is the value that makes the
 * weighted sum of all 18 positions 1 mod 11, X standing for 10. Written out,
 * remainder 0..10 of the sum of the first 17 gives 1 0 X 9 8 7 6 5 4 3 2.
 */
static const int idnum_weights[17] = {
    7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char idnum_checks[] = "10X98765432";

/* The earliest birth year taken as real: the standard's own annex example is
 * born in 1880. */
#define IDNUM_MIN_YEAR 1800

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * White space around a number: ASCII, the ideographic space U+3000 that a
 * Chinese input method types, no-break space, and the byte order mark a
 * Windows editor puts at the start of a file.
 */
static int
is_space_cp(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
	    cp == '\f' || cp == '\v' || cp == 0x3000 || cp == 0xa0 ||
	    cp == 0xfeff;
}

/* The character at s (n bytes left) and its length; a stray byte is itself. */
static size_t
next_cp(const char *s, size_t n, uint32_t *cp)
{
	size_t k = width_decode(s, n, cp);

	if (k == 0) {
		*cp = 0xfffd;
		k = 1;
	}
	return k;
}

/*
 * What a character stands for in a number: a digit, X or x as itself, their
 * full-width forms (U+FF10-U+FF19, U+FF38, U+FF58, typed with a Chinese
 * input method) as the ASCII ones, anything else as '?' so that the
 * structure check fails on it.
 */
static char
ascii_of(uint32_t cp)
{
	if (cp < 0x80)
		return (char)cp;
	if (cp >= 0xff10 && cp <= 0xff19)
		return (char)('0' + (cp - 0xff10));
	if (cp == 0xff38)
		return 'X';
	if (cp == 0xff58)
		return 'x';
	return '?';
}

/*
 * Trim s and map its characters with ascii_of into buf (at most 18 kept,
 * NUL-terminated). Returns the number of characters, not bytes, between
 * the white space.
 */
static size_t
idnum_normalise(const char *s, char buf[19])
{
	size_t len = strlen(s), i = 0, k, end, count = 0, o = 0;
	uint32_t cp;

	while (i < len && (k = next_cp(s + i, len - i, &cp)) > 0 &&
	    is_space_cp(cp))
		i += k;
	/* The end: after the last character that is not white space. */
	end = i;
	for (k = i; k < len;) {
		size_t step = next_cp(s + k, len - k, &cp);

		k += step;
		if (!is_space_cp(cp))
			end = k;
	}
	while (i < end) {
		i += next_cp(s + i, end - i, &cp);
		if (o < 18)
			buf[o++] = ascii_of(cp);
		count++;
	}
	buf[o] = '\0';
	return count;
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/* The number in s[0..n), n >= 1, as an int (n small enough). */
static int
digits_value(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

char
idnum_check_char(const char *first17)
{
	int sum = 0, i;

	if (first17 == NULL)
		return '\0';
	for (i = 0; i < 17; i++) {
		if (!is_digit(first17[i]))
			return '\0';
		sum += (first17[i] - '0') * idnum_weights[i];
	}
	return idnum_checks[sum % 11];
}

int
date_valid(int y, int m, int d)
{
	static const int mdays[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap, max;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	/* Gregorian rule: every 4th year, but not centuries unless divisible by
	 * 400 (2000 yes, 1900 no). */
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	max = mdays[m - 1] + (m == 2 && leap);
	return d <= max;
}

/*
 * Days since 0000-03-01 of the proleptic Gregorian calendar. Counting the
 * year from March puts the leap day last, so the days before a month are
 * (153 * (month - 3) + 2) / 5 for months March = 3 .. February = 14: the
 * construction of days_from_civil in Howard Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms" (howardhinnant.github.io/date_algorithms.html),
 * here for years >= 1 only, where plain integer division is enough.
 */
long
date_days(int y, int m, int d)
{
	long yy = y, mm = m;

	if (mm <= 2) {
		yy -= 1;
		mm += 12;
	}
	return 365 * yy + yy / 4 - yy / 100 + yy / 400 +
	    (153 * (mm - 3) + 2) / 5 + d - 1;
}

int
idnum_parse(const char *s, int as_y, int as_m, int as_d, struct idnum *out,
    struct fz_err *err)
{
	char buf[19], in[19];
	size_t n;
	int future;

	memset(out, 0, sizeof(*out));
	if (s == NULL) {
		fz_seterr(err, "no ID number");
		return -1;
	}
	/* Messages count characters: 18 full-width digits are 18, not 54. */
	n = idnum_normalise(s, in);
	s = in;

	if (n == 18) {
		if (!all_digits(s, 17) ||
		    !(is_digit(s[17]) || s[17] == 'X' || s[17] == 'x')) {
			fz_seterr(err,
			    "17 digits and a check character "
			    "(digit or X) expected");
			return -1;
		}
		memcpy(buf, s, 18);
		if (buf[17] == 'x')
			buf[17] = 'X';
	} else if (n == 15) {
		if (!all_digits(s, 15)) {
			fz_seterr(err,
			    "15 digits expected in an old-form "
			    "ID number");
			return -1;
		}
		/* GB 11643-1989 numbers have a 2-digit year and no check
		 * character; they were issued only to people born in the 1900s.
		 */
		memcpy(buf, s, 6);
		buf[6] = '1';
		buf[7] = '9';
		memcpy(buf + 8, s + 6, 9);
		buf[17] = idnum_check_char(buf);
		out->was15 = 1;
	} else {
		fz_seterr(err,
		    "17 digits and a check character expected "
		    "(or 15 digits), not %zu characters",
		    n);
		return -1;
	}
	buf[18] = '\0';

	memcpy(out->norm, buf, sizeof(out->norm));
	memcpy(out->region, buf, 6);
	out->region[6] = '\0';
	out->structure_ok = 1;
	out->check_ok = idnum_check_char(buf) == buf[17];
	out->year = digits_value(buf + 6, 4);
	out->month = digits_value(buf + 10, 2);
	out->day = digits_value(buf + 12, 2);
	out->sex = (buf[16] - '0') % 2 == 1 ? 1 : 2;

	future = 0;
	if (as_y > 0 && date_valid(as_y, as_m, as_d) &&
	    date_valid(out->year, out->month, out->day))
		future = date_days(out->year, out->month, out->day) >
		    date_days(as_y, as_m, as_d);
	out->birth_ok = out->year >= IDNUM_MIN_YEAR &&
	    date_valid(out->year, out->month, out->day) && !future;
	return 0;
}

int
idnum_valid(const struct idnum *n)
{
	return n != NULL && n->structure_ok && n->check_ok && n->birth_ok;
}

int
idnum_age(const struct idnum *n, int y, int m, int d)
{
	int age;

	if (n == NULL || !date_valid(n->year, n->month, n->day) ||
	    !date_valid(y, m, d))
		return -1;
	if (date_days(y, m, d) < date_days(n->year, n->month, n->day))
		return -1;
	age = y - n->year;
	/* Not yet had this year's birthday: compare month and day. */
	if (m < n->month || (m == n->month && d < n->day))
		age--;
	return age;
}

const char *
idnum_res_name(enum idnum_res r)
{
	switch (r) {
	case ID_PASS:
		return "pass";
	case ID_FAIL:
		return "fail";
	case ID_WARN:
		return "warn";
	case ID_SKIP:
		return "skip";
	}
	return "skip";
}
