/* Local engine: the recognised lines of a rectified card into the service's fields, the card's rules choosing between the recogniser's alternatives. */
#ifndef LOC_FIELDS_H
#define LOC_FIELDS_H

#include <stddef.h>

#include "ocr_line.h"
#include "util.h"

/*
 * Confidence. A field's is the least of its characters'. A character's is
 * the probability the recogniser gave the chosen alternative, p; where a
 * card rule settles the character (a valid number with at most one unsure
 * character, one of the 56 names, a region name of the number, 男/女 by a
 * sure number, a period), it is p / (p + q + r): q the probability of the
 * alternatives the rule still allows there, r what the recogniser left
 * outside its top k, which may hold the right character. A character the
 * check character chose also counts, in q, the chance that the emitted
 * one was right and another character is wrong with its right one outside
 * the list. A field not found has 0.
 *
 * A field whose confidence is below LOC_FIELDS_LOW_CONF is listed in
 * loc_fields.low (the record's low_confidence warning). A character read
 * with at least LOC_FIELDS_SURE is sure enough to be evidence for another
 * field (the number's birth date for the printed birthday and back). A
 * field that still breaks its card rule after the choice (a number that
 * fails its check, a date that does not exist, a 民族 that is none of the
 * 56, a period that is not 5/10/20 years or 长期, an address that does not
 * begin with a GB/T 2260 name, a name of one character) gets at most
 * LOC_FIELDS_BROKEN_CONF, so it is always flagged.
 */
#define LOC_FIELDS_LOW_CONF 0.80
#define LOC_FIELDS_SURE 0.90
#define LOC_FIELDS_BROKEN_CONF 0.50

#define LOC_FIELD_TEXT 512 /* bytes of a field with the NUL */
#define LOC_MAX_CHANGES 32

enum loc_field {
	LOC_NAME,
	LOC_SEX,
	LOC_PEOPLE,
	LOC_BIRTHDAY,
	LOC_ADDRESS,
	LOC_ID_NUMBER,
	LOC_AUTHORITY,
	LOC_VALIDITY,
	LOC_NFIELDS
};

enum loc_side {
	LOC_SIDE_AUTO,      /* decide from the label words */
	LOC_SIDE_FRONT,     /* name .. id_number */
	LOC_SIDE_BACK,      /* issue_authority, validity */
	LOC_SIDE_TEMPORARY, /* all eight on one side */
	LOC_SIDE_NONE       /* (output only) no label of either side found */
};

/* Why a field was changed: the card rule that chose the alternative. */
enum loc_reason {
	LOC_WHY_FORM,           /* a character the field's form requires:
	                           a digit in a number or date, X for ×,
	                           年/月/日, 长期, 男/女, a separator */
	LOC_WHY_CHECK,          /* the only substitution that makes the
	                           number's check character right */
	LOC_WHY_CHECK_PRINTED,  /* several did; the sure printed birthday
	                           or sex picked one */
	LOC_WHY_BIRTH_NUMBER,   /* printed birthday from the number */
	LOC_WHY_SEX_NUMBER,     /* printed sex from the 17th digit */
	LOC_WHY_ETHNIC,         /* the only reading that is one of the 56 */
	LOC_WHY_ADDRESS_REGION, /* the number's GB/T 2260 region names */
	LOC_WHY_AUTH_SUFFIX,    /* 公安局 / 分局 */
	LOC_WHY_AUTH_REGION,    /* the only reading naming a GB/T 2260 unit */
	LOC_WHY_PERIOD          /* the only reading with a 5/10/20-year
	                           period on the same day */
};

/* One change: the field's text before and after, and why. */
struct loc_change {
	enum loc_field field;
	enum loc_reason why;
	char from[LOC_FIELD_TEXT];
	char to[LOC_FIELD_TEXT];
};

struct loc_value {
	char text[LOC_FIELD_TEXT]; /* the service's format; "" if not found */
	double conf;               /* [0, 1]; 0 if not found */
	int found;
};

struct loc_fields {
	enum loc_side side;
	struct loc_value f[LOC_NFIELDS]; /* only the side's fields are found */
	struct loc_change changes[LOC_MAX_CHANGES];
	size_t nchanges;
	enum loc_field low[LOC_NFIELDS]; /* the side's fields below
	                                    LOC_FIELDS_LOW_CONF, field order */
	size_t nlow;
};

/*
 * Assign lines[0..n) of one rectified card to fields and apply the card's
 * rules. side is the card finder's decision or LOC_SIDE_AUTO. Labels are
 * found by their words (one character may be misread), values on the
 * label's row to its right or in the same line, the address over its
 * wrapped lines; lines that belong to no field are ignored. Full-width
 * digits, letters and spaces are folded. A character is changed only to
 * one of the recogniser's own alternatives at that position, and only when
 * a rule leaves exactly one; each change is listed. Returns 0 with out
 * filled (a card with no fields gives side LOC_SIDE_NONE and every field of
 * the asked side, if any, not found), or -1 on bad arguments.
 */
int loc_fields_read(const struct ocr_line *lines, size_t n,
    enum loc_side side, struct loc_fields *out, struct fz_err *err);

/* "name", "sex", "people", "birthday", "address", "id_number",
 * "issue_authority", "validity": the service's keys. */
const char *loc_field_name(enum loc_field f);

/* "form", "check_character", ... (see the enum); for the record. */
const char *loc_reason_name(enum loc_reason r);

/* The GB/T 3304 names, generated into build/ethnic_data.c by
 * tools/gen-ethnic.awk from data/gbt3304-ethnic-groups.tsv. */
extern const char *const loc_ethnic_names[];
extern const size_t loc_ethnic_count;

#endif
