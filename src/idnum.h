/* GB 11643-1999 citizen identity numbers: structure, check character, birth
 * date, sex, the old 15-digit form. */
#ifndef IDNUM_H
#define IDNUM_H

#include "util.h"

/* The result of one check, as written in a record's "checks". */
enum idnum_res { ID_PASS, ID_FAIL, ID_WARN, ID_SKIP };

struct idnum {
	char norm[19];    /* 18-character form, check char upper-case X */
	int structure_ok; /* 17 digits + digit/X (or 15 digits for the old form)
	                   */
	int check_ok;     /* ISO 7064 MOD 11-2 check character right */
	int birth_ok; /* a real calendar date, not after as_of, year >= 1800 */
	int year, month, day; /* from the number */
	int sex;              /* 1 male (odd 17th digit), 2 female */
	int was15;            /* given as 15 digits, converted (century 19) */
	char region[7];       /* the first 6 digits: the GB/T 2260 code */
};

/*
 * Parse and check s: surrounding white space is trimmed (ASCII, U+3000
 * ideographic space, U+00A0, a U+FEFF byte order mark), full-width digits
 * and X (U+FF10-U+FF19, U+FF38, U+FF58) count as the ASCII ones, a
 * lower-case x is accepted and normalised to X; messages count characters,
 * not bytes. A 15-digit number (GB 11643-1989) is
 * converted: "19" goes in front of its 2-digit year and the check character
 * is computed, so check_ok is then 1. as_y/as_m/as_d is "today" for the
 * not-in-the-future test (as_y <= 0 leaves that test out). Returns 0 when s
 * has the structure of a number at all (out filled; look at check_ok and
 * birth_ok), -1 otherwise with out zeroed and err saying what is wrong.
 */
int idnum_parse(const char *s, int as_y, int as_m, int as_d, struct idnum *out,
    struct fz_err *err);

/* The ISO 7064 MOD 11-2 check character of 17 digits: '0'-'9' or 'X'; '\0' if
 * first17 does not start with 17 digits. */
char idnum_check_char(const char *first17);

/* 1 when structure, check character and birth date are all right. */
int idnum_valid(const struct idnum *n);

/* Completed years of age on y-m-d (someone born on 29 February turns a year
 * older on 1 March in common years); -1 if the birth date is not valid or after
 * that date. */
int idnum_age(const struct idnum *n, int y, int m, int d);

/* "pass", "fail", "warn" or "skip". */
const char *idnum_res_name(enum idnum_res r);

/* Date helpers shared with the validity checks (proleptic Gregorian calendar,
 * years 1-9999). */
int date_valid(int y, int m, int d);
long date_days(
    int y, int m, int d); /* days since a fixed epoch, for differences */

#endif
