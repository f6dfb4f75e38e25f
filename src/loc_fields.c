/* Local engine: the recognised lines of a rectified card into the service's fields, the card's rules choosing between the recogniser's alternatives. */
#include "loc_fields.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "idnum.h"
#include "region.h"

#define K OCR_TOPK
#define LOC_MAX_LINES 256 /* a card shows about 20 */
#define FV_CHARS 160      /* characters of one field's value */
#define MAX_PIECES (LOC_MAX_LINES * 3)
#define NAME_CPS 24 /* characters of a region or label word */

/* One character while fields are assembled: the alternatives after
 * folding, and the confidence the rules leave it (rc). */
struct ch {
	uint32_t cp[K];
	float p[K];
	int n;
	float nx;
	double rc;
};

/* A line: its characters (spaces dropped) and its box in card fractions. */
struct tl {
	struct ch c[OCR_LINE_CHARS];
	int n;
	float x0, y0, x1, y1;
	int skip;     /* title or noise: belongs to no field */
	int haslabel; /* holds a chosen label */
	int claimed;  /* taken whole by a continuation */
};

/* A part of a line: a label word, or the value text between labels. */
struct piece {
	int line, s, e;
	int label; /* enum loc_field, or -1 for a value */
	float x0, x1, y0, y1;
	int claimed;
};

/* The label of one field as chosen: its piece and its line. */
struct label {
	int found, line, s, e, mism;
	int guessed; /* placed by its row, not read (guess_labels) */
};

/* A field's value while the rules work on it. */
struct fv {
	struct ch c[FV_CHARS];
	int n;
	int found;
	int broken; /* breaks its card rule after the choice */
	int doubt;  /* keeps its rule but contradicts another: flagged */
};

struct st {
	struct tl *tl;
	int ntl;
	struct piece pc[MAX_PIECES];
	int npc;
	struct label lab[LOC_NFIELDS];
	struct fv fv[LOC_NFIELDS];
	struct loc_fields *out;
};

/* The words as printed, by field. */
static const char *const label_words[LOC_NFIELDS] = {
    "姓名", "性别", "民族", "出生", "住址", "公民身份号码", "签发机关",
    "有效期限"};

static const char *const field_names[LOC_NFIELDS] = {"name", "sex",
    "people", "birthday", "address", "id_number", "issue_authority",
    "validity"};

const char *
loc_field_name(enum loc_field f)
{
	return (unsigned)f < LOC_NFIELDS ? field_names[f] : "unknown";
}

const char *
loc_reason_name(enum loc_reason r)
{
	switch (r) {
	case LOC_WHY_FORM:
		return "form";
	case LOC_WHY_CHECK:
		return "check_character";
	case LOC_WHY_CHECK_PRINTED:
		return "check_character_and_printed";
	case LOC_WHY_BIRTH_NUMBER:
		return "birthday_from_number";
	case LOC_WHY_SEX_NUMBER:
		return "sex_from_number";
	case LOC_WHY_ETHNIC:
		return "ethnic_name";
	case LOC_WHY_ADDRESS_REGION:
		return "address_region";
	case LOC_WHY_AUTH_SUFFIX:
		return "authority_suffix";
	case LOC_WHY_AUTH_REGION:
		return "authority_region";
	case LOC_WHY_PERIOD:
		return "validity_period";
	}
	return "unknown";
}

/* ---- characters ---- */

/* The width folding NFKC does for a card's characters: full-width ASCII
 * and the ideographic space. */
static uint32_t
fold_cp(uint32_t cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		return cp - 0xfee0;
	if (cp == 0x3000)
		return ' ';
	return cp;
}

static int
is_digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}

/* UTF-8 word into codepoints; the count, at most max. */
static int
word_cps(const char *w, uint32_t *cps, int max)
{
	int n = 0;
	uint32_t cp;

	while ((cp = ocr_utf8_next(&w)) != 0 && n < max)
		cps[n++] = cp;
	return n;
}

/* Index of cp among the alternatives of c, or -1. */
static int
alt_of(const struct ch *c, uint32_t cp)
{
	int j;

	for (j = 0; j < c->n; j++)
		if (c->cp[j] == cp)
			return j;
	return -1;
}

/* Sum the probabilities of equal alternatives (after folding), keeping the
 * emitted one first and the others in falling order. */
static void
ch_merge(struct ch *c)
{
	int i, j, k;

	for (i = 0; i < c->n; i++)
		for (j = i + 1; j < c->n;) {
			if (c->cp[j] != c->cp[i]) {
				j++;
				continue;
			}
			c->p[i] += c->p[j];
			for (k = j; k + 1 < c->n; k++) {
				c->cp[k] = c->cp[k + 1];
				c->p[k] = c->p[k + 1];
			}
			c->n--;
		}
	for (i = 1; i < c->n; i++)
		for (j = i; j > 1 && c->p[j] > c->p[j - 1]; j--) {
			uint32_t tc = c->cp[j];
			float tp = c->p[j];

			c->cp[j] = c->cp[j - 1], c->p[j] = c->p[j - 1];
			c->cp[j - 1] = tc, c->p[j - 1] = tp;
		}
	for (i = 0; i < c->n; i++)
		if (c->p[i] > 1.0f)
			c->p[i] = 1.0f;
}

/* Make alternative j the chosen one (moved first, the rest keep order). */
static void
ch_choose(struct ch *c, int j)
{
	uint32_t cp = c->cp[j];
	float p = c->p[j];

	for (; j > 0; j--) {
		c->cp[j] = c->cp[j - 1];
		c->p[j] = c->p[j - 1];
	}
	c->cp[0] = cp;
	c->p[0] = p;
	c->rc = p;
}

/* The probability the recogniser left outside its listed alternatives. */
static double
ch_rest(const struct ch *c)
{
	double s = 0;
	int j;

	for (j = 0; j < c->n; j++)
		s += c->p[j];
	return s < 1.0 ? 1.0 - s : 0.0;
}

/*
 * The confidence of a character whose choice a rule fixes: its
 * probability against itself, the alternatives the rule also allows
 * (other_ok) and the mass outside the list, which may hold the right
 * character. The rule rules out the listed others.
 */
static void
ch_rule(struct ch *c, double other_ok)
{
	double p = c->p[0];

	c->rc = p + other_ok + ch_rest(c) > 0 ?
	    p / (p + other_ok + ch_rest(c)) : 0;
}

/* ---- field values ---- */

static void
fv_text(const struct fv *v, char *buf, size_t size)
{
	size_t at = 0;
	int i;
	char u[5];

	buf[0] = '\0';
	for (i = 0; i < v->n; i++) {
		size_t k = ocr_utf8_put(v->c[i].cp[0], u);

		if (at + k + 1 > size)
			break;
		memcpy(buf + at, u, k + 1);
		at += k;
	}
}

static void
fv_append(struct fv *v, const struct ch *c, int n)
{
	int i;

	for (i = 0; i < n && v->n < FV_CHARS; i++)
		v->c[v->n++] = c[i];
	v->found = 1;
}

static void
fv_remove(struct fv *v, int i)
{
	memmove(&v->c[i], &v->c[i + 1], sizeof(v->c[0]) * (size_t)(v->n - i - 1));
	v->n--;
}

/* Record a change of field f from the text before. */
static void
note(struct st *s, enum loc_field f, const char *before, enum loc_reason why)
{
	struct loc_change *c;

	if (s->out->nchanges == LOC_MAX_CHANGES)
		return;
	c = &s->out->changes[s->out->nchanges];
	fv_text(&s->fv[f], c->to, sizeof(c->to));
	if (strcmp(before, c->to) == 0)
		return;
	snprintf(c->from, sizeof(c->from), "%s", before);
	c->field = f;
	c->why = why;
	s->out->nchanges++;
}

/* Does v[at..) spell w with the recogniser's alternatives? The positions
 * where w is not the chosen reading go in *mism; -1 if some character of w
 * is not among the alternatives at all or v is too short. */
static int
spell(const struct fv *v, int at, const uint32_t *w, int wn)
{
	int i, mism = 0;

	if (at < 0 || at + wn > v->n)
		return -1;
	for (i = 0; i < wn; i++) {
		int j = alt_of(&v->c[at + i], w[i]);

		if (j < 0)
			return -1;
		mism += j > 0;
	}
	return mism;
}

/* Choose w at v[at..), noting each chosen character's rule confidence. */
static void
apply_word(struct fv *v, int at, const uint32_t *w, int wn)
{
	int i;

	for (i = 0; i < wn; i++) {
		ch_choose(&v->c[at + i], alt_of(&v->c[at + i], w[i]));
		ch_rule(&v->c[at + i], 0);
	}
}

/* ---- lines ---- */

static float
clamp01(float v)
{
	if (!(v >= 0.0f)) /* also NaN */
		return 0.0f;
	return v > 1.0f ? 1.0f : v;
}

static void
tl_from_line(struct tl *t, const struct ocr_line *l)
{
	const char *s;
	uint32_t cp;
	size_t i, nsrc;
	int j, k;

	memset(t, 0, sizeof(*t));
	t->x0 = t->y0 = 1.0f;
	for (k = 0; k < 4; k++) {
		float x = clamp01(l->nbox[k].x), y = clamp01(l->nbox[k].y);

		t->x0 = x < t->x0 ? x : t->x0;
		t->y0 = y < t->y0 ? y : t->y0;
		t->x1 = x > t->x1 ? x : t->x1;
		t->y1 = y > t->y1 ? y : t->y1;
	}
	if (l->nchars > 0) {
		nsrc = l->nchars < OCR_LINE_CHARS ? l->nchars : OCR_LINE_CHARS;
		for (i = 0; i < nsrc; i++) {
			const struct ocr_char *oc = &l->chars[i];
			struct ch c;
			int na = oc->nalt < 1 ? 1 : oc->nalt > K ? K : oc->nalt;

			memset(&c, 0, sizeof(c));
			for (j = 0; j < na; j++) {
				c.cp[j] = fold_cp(oc->cp[j]);
				c.p[j] = clamp01(oc->prob[j]);
			}
			c.n = na;
			c.nx = clamp01(oc->nx);
			ch_merge(&c);
			c.rc = c.p[0];
			/* Spaces carry nothing in a card's fields. */
			if (c.cp[0] == ' ' || c.cp[0] == OCR_BLANK)
				continue;
			t->c[t->n++] = c;
		}
	} else {
		size_t total = 0;
		const char *q = l->text;

		while (ocr_utf8_next(&q) != 0)
			total++;
		s = l->text;
		i = 0;
		while ((cp = ocr_utf8_next(&s)) != 0 && t->n < OCR_LINE_CHARS) {
			struct ch c;

			memset(&c, 0, sizeof(c));
			c.cp[0] = fold_cp(cp);
			c.p[0] = clamp01(l->conf);
			c.n = 1;
			c.rc = c.p[0];
			c.nx = t->x0 + (t->x1 - t->x0) * ((float)i + 0.5f) /
			    (float)total;
			i++;
			if (c.cp[0] != ' ')
				t->c[t->n++] = c;
		}
	}
}

/* Is cp a Latin letter? */
static int
is_latin(uint32_t cp)
{
	return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
}

/* A run of 3 or more Latin letters: a watermark or printed mark, never part
 * of a field (the only letter on a card is the number's X). */
static int
tl_latin_run(const struct tl *t)
{
	int i, run = 0;

	for (i = 0; i < t->n; i++) {
		if (is_latin(t->c[i].cp[0])) {
			if (++run >= 3)
				return 1;
		} else
			run = 0;
	}
	return 0;
}

/* Mismatches of word w at t->c[s..) by the alternatives, or -1 if w does
 * not fit there. */
static int
tl_word_at(const struct tl *t, int s, const uint32_t *w, int wn)
{
	int i, mism = 0;

	if (s + wn > t->n)
		return -1;
	for (i = 0; i < wn; i++)
		mism += alt_of(&t->c[s + i], w[i]) < 0;
	return mism;
}

/* Do the wn - 1 characters at t->c[s..) read word w with one of its
 * characters dropped (the recogniser lost it)? */
static int
tl_word_del_at(const struct tl *t, int s, const uint32_t *w, int wn)
{
	int k, i;

	if (wn < 2 || s + wn - 1 > t->n)
		return 0;
	for (k = 0; k < wn; k++) {
		for (i = 0; i < wn - 1; i++)
			if (alt_of(&t->c[s + i], w[i < k ? i : i + 1]) < 0)
				break;
		if (i == wn - 1)
			return 1;
	}
	return 0;
}

/* A character no label has and a value may start with: a digit, X, a
 * separator. */
static int
value_start_cp(uint32_t cp)
{
	return (cp >= '0' && cp <= '9') || cp == 'X' || cp == '.' || cp == '-';
}

/* Does t hold word w anywhere with at most max characters misread? */
static int
tl_has_word(const struct tl *t, const char *word, int max)
{
	uint32_t w[NAME_CPS];
	int wn = word_cps(word, w, NAME_CPS), s, m;

	for (s = 0; s + wn <= t->n; s++)
		if ((m = tl_word_at(t, s, w, wn)) >= 0 && m <= max)
			return 1;
	return 0;
}

/* x (card fraction) of the boundary before character i of t. */
static float
tl_x(const struct tl *t, int i)
{
	float lin;

	if (t->n == 0 || i <= 0)
		return t->x0;
	if (i >= t->n)
		return t->x1;
	lin = t->x0 + (t->x1 - t->x0) * (float)i / (float)t->n;
	/* The decoder's positions, if it gave sensible ones. */
	if (t->c[i - 1].nx > 0 && t->c[i].nx > t->c[i - 1].nx &&
	    t->c[i].nx <= t->x1 + 0.02f && t->c[i - 1].nx >= t->x0 - 0.02f)
		return (t->c[i - 1].nx + t->c[i].nx) / 2;
	return lin;
}

/* ---- labels ---- */

/*
 * Is character i of t too far from character i - 1 to be the next
 * character of one label: more than 1.6 line heights apart (a label's
 * characters are about one apart, the value starts some three on)? When
 * a 2-character label's second character was lost, the value's first one
 * takes its place in the line and would pass for it misread.
 */
static int
label_gap(const struct tl *t, int i)
{
	float h = (t->y1 - t->y0) * 54.0f / 85.6f;

	return i > 0 && i < t->n && t->c[i - 1].nx > 0 &&
	    t->c[i].nx - t->c[i - 1].nx > 1.6f * h;
}

/*
 * Find each field's label. A label may be misread by one character: the
 * 4- and 6-character ones anywhere at a line's start, the 2-character ones
 * only when the other character is read exactly and the line starts in the
 * label column (where the exactly read labels start), since one character
 * of two is weak evidence. Only 民族 may follow other text on its line (性别
 * 男民族汉 read as one line); every other label starts its line, so 民族路
 * inside an address is no label.
 */
static void
find_labels(struct st *s, int side_front, int side_back)
{
	float col = 1.0f;
	int pass, f, i, st, have_col = 0;

	memset(s->lab, 0, sizeof(s->lab));
	for (pass = 0; pass < 2; pass++)
		for (f = 0; f < LOC_NFIELDS; f++) {
			uint32_t w[NAME_CPS];
			int wn = word_cps(label_words[f], w, NAME_CPS);
			int front = f <= LOC_ID_NUMBER;

			if ((front && !side_front) || (!front && !side_back))
				continue;
			if (pass == 1 && s->lab[f].found)
				continue;
			for (i = 0; i < s->ntl; i++) {
				const struct tl *t = &s->tl[i];
				int maxs = f == LOC_PEOPLE ? 4 : 0;

				if (t->skip)
					continue;
				for (st = 0; st <= maxs && st + wn - 1 <= t->n;
				     st++) {
					int m = tl_word_at(t, st, w, wn);
					int len = wn, ok;

					/* A long label with one character lost
					 * (有效期 2017...): the deletion, not a
					 * substitution that would eat the value's
					 * first character, when that character is
					 * one no label has or the substitution
					 * would need more than one misread. */
					if (pass == 0 && wn >= 4 && st == 0 &&
					    m != 0 && tl_word_del_at(t, st, w, wn) &&
					    (m != 1 || value_start_cp(
					        t->c[st + wn - 1].cp[0]))) {
						m = 1;
						len = wn - 1;
					}
					if (m < 0)
						continue;
					if (pass == 0)
						ok = m == 0 || (m == 1 && wn >= 4 &&
						    st == 0);
					else
						ok = m == 1 && wn == 2 &&
						    st == 0 && have_col &&
						    t->x0 <= col + 0.03f &&
						    (t->c[0].cp[0] == w[0] ||
						        t->c[1].cp[0] == w[1]);
					if (!ok || (s->lab[f].found &&
					    s->lab[f].mism <= m))
						continue;
					/* 姓朱明伟: 名 lost, 朱 is the name's. */
					if (wn == 2 && m == 1 && len == 2 &&
					    t->c[st].cp[0] == w[0] &&
					    alt_of(&t->c[st + 1], w[1]) < 0 &&
					    label_gap(t, st + 1))
						len = 1;
					s->lab[f].found = 1;
					s->lab[f].line = i;
					s->lab[f].s = st;
					s->lab[f].e = st + len;
					s->lab[f].mism = m;
				}
			}
			if (pass == 0 && s->lab[f].found &&
			    s->lab[f].s == 0) {
				float x = s->tl[s->lab[f].line].x0;

				col = x < col ? x : col;
				have_col = 1;
			}
		}
	for (f = 0; f < LOC_NFIELDS; f++)
		if (s->lab[f].found)
			s->tl[s->lab[f].line].haslabel = 1;
}

/* Split every line into label and value pieces. */
static void
make_pieces(struct st *s)
{
	int i, f, at;
	unsigned done;

	s->npc = 0;
	for (i = 0; i < s->ntl; i++) {
		struct tl *t = &s->tl[i];

		if (t->skip || t->n == 0)
			continue;
		at = 0;
		done = 0;
		while (s->npc < MAX_PIECES) {
			int next = t->n, nf = -1;
			struct piece *p;

			/* A label placed by the rows (guess_labels) may hold
			 * no character: done keeps it from being met twice. */
			for (f = 0; f < LOC_NFIELDS; f++)
				if (s->lab[f].found && s->lab[f].line == i &&
				    !(done & 1u << f) && s->lab[f].s >= at &&
				    s->lab[f].s < next) {
					next = s->lab[f].s;
					nf = f;
				}
			if (nf < 0 && at >= t->n)
				break;
			p = &s->pc[s->npc];
			memset(p, 0, sizeof(*p));
			p->line = i;
			p->y0 = t->y0;
			p->y1 = t->y1;
			if (next > at) {
				p->s = at, p->e = next, p->label = -1;
				at = next;
			} else {
				p->s = at, p->e = s->lab[nf].e, p->label = nf;
				at = s->lab[nf].e;
				done |= 1u << nf;
			}
			p->x0 = tl_x(t, p->s);
			p->x1 = tl_x(t, p->e);
			s->npc++;
		}
	}
}

static int
label_piece(const struct st *s, int f)
{
	int i;

	for (i = 0; i < s->npc; i++)
		if (s->pc[i].label == f)
			return i;
	return -1;
}

/* Are a and b on one row: overlapping by half the smaller height? */
static int
same_row(float a0, float a1, float b0, float b1)
{
	float ov = (a1 < b1 ? a1 : b1) - (a0 > b0 ? a0 : b0);
	float h = (a1 - a0) < (b1 - b0) ? (a1 - a0) : (b1 - b0);

	return h > 0 && ov >= 0.5f * h;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/*
 * Is p, taller than a value may be, one value line that the detector
 * merged with a watermark's letters printed over it? The watermark only
 * adds height: the box still spans the whole of label lp's row, and is at
 * most three times as tall (a box of the watermark alone is taller, or
 * lies off the row).
 */
static int
value_under_mark(const struct st *s, int lp, const struct piece *p)
{
	const struct piece *l = &s->pc[lp];
	float lh = l->y1 - l->y0;

	return p->y0 <= l->y0 + 0.2f * lh && p->y1 >= l->y1 - 0.2f * lh &&
	    p->y1 - p->y0 <= 3.0f * lh;
}

/* Is p made of Latin letters only? */
static int
piece_latin(const struct st *s, const struct piece *p)
{
	int i;

	for (i = p->s; i < p->e; i++)
		if (!is_latin(s->tl[p->line].c[i].cp[0]))
			return 0;
	return p->e > p->s;
}

/*
 * Cut from the tall (watermark-merged) value piece p the tail that the
 * watermark's letters left: the characters after the first gap wider
 * than 1.8 times the piece's median step between characters, when a Latin
 * letter is among them, or after a gap wider than 1.25 times it when the
 * tail is all Latin letters (a watermark letter a space after the value;
 * a printed half-width letter follows its neighbour at less than one
 * pitch). A card's value is printed at an even pitch, and its only letter
 * is the number's X, which is not read on such a row.
 */
static void
cut_mark_tail(const struct st *s, struct piece *p)
{
	const struct ch *c = s->tl[p->line].c;
	float gaps[OCR_LINE_CHARS], med, gap;
	int n = p->e - p->s, i, k, latin, all;

	if (n < 4)
		return;
	for (i = 1; i < n; i++)
		gaps[i - 1] = c[p->s + i].nx - c[p->s + i - 1].nx;
	qsort(gaps, (size_t)(n - 1), sizeof(gaps[0]), cmp_float);
	med = gaps[(n - 1) / 2];
	for (i = p->s + 2; i < p->e; i++) {
		gap = c[i].nx - c[i - 1].nx;
		if (gap <= 1.25f * med)
			continue;
		for (latin = 0, all = 1, k = i; k < p->e; k++) {
			latin |= is_latin(c[k].cp[0]);
			all &= is_latin(c[k].cp[0]);
		}
		if (gap > 1.8f * med) {
			if (latin)
				p->e = i;
			return;
		}
		if (all) {
			p->e = i;
			return;
		}
	}
}

/*
 * The value of field f: the value pieces on its label's row to the right of
 * the label, left to right, up to the next label on that row. Returns the
 * index of the first piece taken, or -1.
 */
static int
take_row(struct st *s, int f, struct fv *v)
{
	int lp = label_piece(s, f), first = -1;
	float stop = 2.0f, from, lh;
	int i;

	if (lp < 0)
		return -1;
	from = s->pc[lp].x1 - 0.02f;
	lh = s->pc[lp].y1 - s->pc[lp].y0;
	for (i = 0; i < s->npc; i++) {
		const struct piece *p = &s->pc[i];

		if (p->label >= 0 && i != lp && p->x0 >= from &&
		    p->x0 < stop && same_row(s->pc[lp].y0, s->pc[lp].y1,
		        p->y0, p->y1))
			stop = p->x0;
	}
	for (;;) {
		int best = -1;

		for (i = 0; i < s->npc; i++) {
			const struct piece *p = &s->pc[i];

			if (p->label >= 0 || p->claimed ||
			    s->tl[p->line].claimed || p->x0 < from ||
			    p->x0 >= stop - 0.005f)
				continue;
			/* A value is printed a little larger than its label
			 * (the number half again); a watermark is much
			 * taller. */
			if (p->line != s->pc[lp].line &&
			    (!same_row(s->pc[lp].y0, s->pc[lp].y1, p->y0,
			        p->y1) || (p->y1 - p->y0 > 2.2f * lh &&
			        !value_under_mark(s, lp, p))))
				continue;
			/* After the value's first piece, its other boxes on
			 * the row are printed in the same font: a box half
			 * again as tall is a watermark's letter beside it. */
			if (first >= 0 && p->line != s->pc[first].line &&
			    p->y1 - p->y0 > 1.45f * (s->pc[first].y1 -
			    s->pc[first].y0))
				continue;
			/* Letters alone are a watermark's (the number's X
			 * is never boxed apart from its digits). */
			if (f != LOC_ID_NUMBER && piece_latin(s, p))
				continue;
			if (best < 0 || p->x0 < s->pc[best].x0)
				best = i;
		}
		if (best < 0)
			break;
		s->pc[best].claimed = 1;
		if (first < 0)
			first = best;
		if (s->pc[best].y1 - s->pc[best].y0 > 1.6f * lh)
			cut_mark_tail(s, &s->pc[best]);
		fv_append(v, &s->tl[s->pc[best].line].c[s->pc[best].s],
		    s->pc[best].e - s->pc[best].s);
	}
	v->found = v->n > 0;
	return first;
}

/* Is line i a whole, free value line (for continuations and fallbacks)? */
static int
free_line(const struct st *s, int i)
{
	int k;

	if (s->tl[i].skip || s->tl[i].haslabel || s->tl[i].claimed ||
	    s->tl[i].n == 0)
		return 0;
	for (k = 0; k < s->npc; k++)
		if (s->pc[k].line == i && s->pc[k].claimed)
			return 0;
	return 1;
}

/* Are free lines a and b parts of one printed line: one row, similar
 * heights? */
static int
row_mates(const struct st *s, int a, int b)
{
	const struct tl *t = &s->tl[a], *u = &s->tl[b];
	float h = t->y1 - t->y0, uh = u->y1 - u->y0;

	return a != b && free_line(s, b) && uh >= 0.6f * h && uh <= 1.6f * h &&
	    same_row(t->y0, t->y1, u->y0, u->y1);
}

/*
 * Take free line i and the free lines that continue it on its row (the
 * detector may cut one printed line into boxes at a wide gap): each
 * starting right of the last, at most 10% of the card width on, of a
 * similar height, left to right.
 */
static void
take_line(struct st *s, int i, struct fv *v)
{
	for (;;) {
		const struct tl *t = &s->tl[i];
		int k, next = -1;

		s->tl[i].claimed = 1;
		fv_append(v, t->c, t->n);
		for (k = 0; k < s->ntl; k++) {
			const struct tl *u = &s->tl[k];

			if (!row_mates(s, i, k) || u->x0 < t->x1 - 0.01f ||
			    u->x0 - t->x1 > 0.10f)
				continue;
			if (next < 0 || u->x0 < s->tl[next].x0)
				next = k;
		}
		if (next < 0)
			return;
		i = next;
	}
}

/*
 * The lines a value wraps onto below its first line (x0, y0..y1): each
 * starting under it (within 5% of the card width), no further below than
 * one line height, of a similar height, above stop_y. Up to max lines.
 */
static void
take_wrapped(struct st *s, float x0, float y0, float y1, float stop_y,
    int max, struct fv *v)
{
	float h = y1 - y0;
	int taken, i;

	for (taken = 0; taken < max; taken++) {
		int best = -1;

		for (i = 0; i < s->ntl; i++) {
			const struct tl *t = &s->tl[i];
			float th = t->y1 - t->y0;

			if (!free_line(s, i) || t->y0 < y0 + 0.5f * h ||
			    t->y0 - y1 > h || fabsf(t->x0 - x0) > 0.05f ||
			    th < 0.6f * h || th > 1.6f * h ||
			    (t->y0 + t->y1) / 2 >= stop_y)
				continue;
			if (best < 0 || t->y0 < s->tl[best].y0)
				best = i;
		}
		if (best < 0)
			return;
		y0 = s->tl[best].y0;
		y1 = s->tl[best].y1;
		take_line(s, best, v);
	}
}

/* Characters of t that could be part of an ID number. */
static int
numberish(const struct ch *c, int n)
{
	int i, k = 0, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < c[i].n; j++)
			if (is_digit(c[i].cp[j]) || c[i].cp[j] == 'X' ||
			    c[i].cp[j] == 'x' || c[i].cp[j] == 0xd7) {
				k++;
				break;
			}
	return k;
}

/*
 * The lowest row of free lines holding at least min digit-like characters
 * together (the number, or a period, without its label): the index of its
 * leftmost line, for take_line. -1 if none.
 */
static int
pattern_line(const struct st *s, int min)
{
	int i, k, best = -1;

	for (i = 0; i < s->ntl; i++) {
		int count, leftmost = 1;

		if (!free_line(s, i))
			continue;
		count = numberish(s->tl[i].c, s->tl[i].n);
		for (k = 0; k < s->ntl; k++)
			if (row_mates(s, i, k)) {
				count += numberish(s->tl[k].c, s->tl[k].n);
				leftmost &= s->tl[k].x0 >= s->tl[i].x0;
			}
		if (leftmost && count >= min &&
		    (best < 0 || s->tl[i].y0 > s->tl[best].y0))
			best = i;
	}
	return best;
}

/*
 * The lowest free line holding at least min digit-like characters by
 * itself, or else pattern_line's row: a label read as digits (公民身份号码
 * as 8015) is a line of its own left of the number, and no part of it.
 */
static int
digit_line(const struct st *s, int min)
{
	int i, best = -1;

	for (i = 0; i < s->ntl; i++)
		if (free_line(s, i) &&
		    numberish(s->tl[i].c, s->tl[i].n) >= min &&
		    (best < 0 || s->tl[i].y0 > s->tl[best].y0))
			best = i;
	return best >= 0 ? best : pattern_line(s, min);
}

/* ---- the ID number ---- */

/* What the printed fields say for the number, where they are sure. */
struct printed {
	int date_ok, y, m, d;
	int sex; /* 1 男, 2 女, 0 not sure */
};

/* A character of the number as one byte: anything not ASCII as '?', so a
 * CJK character can never pass for a digit by its low byte. */
static char
num_byte(uint32_t cp)
{
	return cp < 0x80 ? (char)cp : '?';
}

/*
 * Valid for choosing: structure, check character and a real birth date in
 * a year a living card holder can have (GB 11643 allows 1800 on; nobody
 * born before 1900 is alive, and the module does not know today, so the
 * upper bound is the century's end).
 */
#define NUM_MIN_YEAR 1900
#define NUM_MAX_YEAR 2099

static int
num_valid(const char *t)
{
	struct idnum n;
	struct fz_err e;

	return idnum_parse(t, 0, 0, 0, &n, &e) == 0 && !n.was15 &&
	    idnum_valid(&n) && n.year >= NUM_MIN_YEAR &&
	    n.year <= NUM_MAX_YEAR;
}

static void
num_str(const struct fv *v, char *buf)
{
	int i;

	for (i = 0; i < 18; i++)
		buf[i] = num_byte(v->c[i].cp[0]);
	buf[18] = '\0';
}

/* Does number t agree with what is surely printed, and is its region one
 * of the table (or a city-district roll-up)? */
static int
num_agrees(const char *t, const struct printed *pr)
{
	struct idnum n;
	struct fz_err e;
	struct region_hit h;

	if (idnum_parse(t, 0, 0, 0, &n, &e) == -1)
		return 0;
	if (region_lookup(n.region, n.year, &h) == -1 ||
	    (!h.known && !h.rollup))
		return 0;
	if (pr->date_ok && (n.year != pr->y || n.month != pr->m ||
	    n.day != pr->d))
		return 0;
	if (pr->sex && n.sex != pr->sex)
		return 0;
	return 1;
}

static int
num_allowed(int pos, uint32_t cp)
{
	return is_digit(cp) || (pos == 17 && cp == 'X');
}

/*
 * 19 characters where the recogniser itself said one of them may be no
 * character (the CTC blank among its alternatives): drop it if that is the
 * only such drop that leaves a valid number.
 */
static void
drop_spurious(struct st *s, struct fv *v)
{
	char t[19], before[LOC_FIELD_TEXT];
	int i, j, k, hits = 0, hit = -1;

	for (i = 0; i < 19; i++) {
		if (alt_of(&v->c[i], OCR_BLANK) < 0)
			continue;
		for (j = 0, k = 0; j < 19; j++)
			if (j != i)
				t[k++] = num_byte(v->c[j].cp[0]);
		t[18] = '\0';
		if (num_valid(t))
			hits++, hit = i;
	}
	if (hits != 1)
		return;
	fv_text(v, before, sizeof(before));
	fv_remove(v, hit);
	note(s, LOC_ID_NUMBER, before, LOC_WHY_CHECK);
}

static void
do_number(struct st *s, const struct printed *pr)
{
	struct fv *v = &s->fv[LOC_ID_NUMBER];
	char before[LOC_FIELD_TEXT], t[19];
	int i, j, unsure, nsub = 0, nagree = 0, ai = -1, aj = -1, fixed = -1;
	double p_old = 0;

	if (!v->found)
		return;
	/* The check character's x is read as x or ×; it is X. */
	fv_text(v, before, sizeof(before));
	for (i = 0; i < v->n; i++) {
		for (j = 0; j < v->c[i].n; j++)
			if (v->c[i].cp[j] == 'x' || v->c[i].cp[j] == 0xd7)
				v->c[i].cp[j] = 'X';
		ch_merge(&v->c[i]);
	}
	/* Label remnants and stray marks at either end with no digit among
	 * their readings are not part of it; inside, a character is kept
	 * whatever it is, as a position of the number. */
	while (v->n > 0 && numberish(&v->c[0], 1) == 0)
		fv_remove(v, 0);
	while (v->n > 0 && numberish(&v->c[v->n - 1], 1) == 0)
		v->n--;
	/* Positions 1-17 are digits, 18 a digit or X: the likeliest allowed
	 * alternative where the emitted one is not allowed. */
	for (i = 0; i < v->n && v->n == 18; i++) {
		int best = -1;

		if (num_allowed(i, v->c[i].cp[0]))
			continue;
		for (j = 1; j < v->c[i].n; j++)
			if (num_allowed(i, v->c[i].cp[j])) {
				best = j;
				break;
			}
		if (best > 0)
			ch_choose(&v->c[i], best);
	}
	note(s, LOC_ID_NUMBER, before, LOC_WHY_FORM);
	if (v->n == 19)
		drop_spurious(s, v);
	if (v->n != 18) {
		v->broken = 1;
		return;
	}
	num_str(v, t);
	if (!num_valid(t)) {
		/* Every single substitution among the alternatives that makes
		 * the number valid; take one only when it is the only one, or
		 * the only one that agrees with the surely printed fields. */
		for (i = 0; i < 18; i++)
			for (j = 1; j < v->c[i].n; j++) {
				char save = t[i];

				if (!num_allowed(i, v->c[i].cp[j]))
					continue;
				t[i] = (char)v->c[i].cp[j];
				if (num_valid(t)) {
					nsub++;
					if (num_agrees(t, pr))
						nagree++, ai = i, aj = j;
				}
				t[i] = save;
			}
		fv_text(v, before, sizeof(before));
		if (nagree == 1) {
			fixed = ai;
			p_old = v->c[ai].p[0];
			ch_choose(&v->c[ai], aj);
			note(s, LOC_ID_NUMBER, before, nsub == 1 ? LOC_WHY_CHECK :
			    LOC_WHY_CHECK_PRINTED);
		}
		num_str(v, t);
	}
	if (!num_valid(t)) {
		v->broken = 1;
		return;
	}
	/* Valid, but at odds with the sure printed birthday or sex or with
	 * the region table: some character is wrong all the same (two errors
	 * can cancel in the check), so it is flagged. */
	if (!num_agrees(t, pr)) {
		v->doubt = 1;
		return;
	}
	/*
	 * The check character detects every single substitution, so with at
	 * most one unsure position a valid number rules out the listed others
	 * there. Two unsure positions could both be wrong and still check
	 * (1 in 11), so then the raw probabilities stand.
	 */
	for (i = 0, unsure = 0; i < 18; i++)
		unsure += v->c[i].p[0] < LOC_FIELDS_SURE;
	if (unsure > 1)
		return;
	for (i = 0; i < 18; i++)
		ch_rule(&v->c[i], 0);
	if (fixed >= 0) {
		/*
		 * The fix competes with one more explanation: the emitted
		 * character there was right and another position is wrong,
		 * its right character outside the recogniser's list (the one
		 * digit of ten that validates, so a ninth of what it left
		 * out), weighed by the emitted character's probability.
		 */
		double other = 0;

		for (i = 0; i < 18; i++)
			if (i != fixed && v->c[i].p[0] > 0)
				other += ch_rest(&v->c[i]) / (9.0 * v->c[i].p[0]);
		ch_rule(&v->c[fixed], p_old * other);
	}
}

/* Is the number valid and its characters from..to sure after the rules? */
static int
num_sure(const struct st *s, int from, int to)
{
	const struct fv *v = &s->fv[LOC_ID_NUMBER];
	char t[19];
	int i;

	if (!v->found || v->broken || v->n != 18)
		return 0;
	num_str(v, t);
	if (!num_valid(t))
		return 0;
	for (i = from; i < to; i++)
		if (v->c[i].rc < LOC_FIELDS_SURE)
			return 0;
	return 1;
}

/* ---- birthday ---- */

static const uint32_t date_units[3] = {0x5e74, 0x6708, 0x65e5}; /* 年月日 */

/* c becomes a character of the field's printed form that the photo lost:
 * cp, certain, at nx. */
static void
ch_form(struct ch *c, uint32_t cp, float nx)
{
	memset(c, 0, sizeof(*c));
	c->cp[0] = cp;
	c->p[0] = 1.0f;
	c->rc = 1.0;
	c->n = 1;
	c->nx = nx;
}

/*
 * Bring the birthday to its form, digits 年 digits 月 digits 日: a digit
 * where the emitted character is a look-alike with a digit among its
 * alternatives, the unit word where it is among the alternatives. Fills
 * the positions of the three digit groups; 0 when the form is not there.
 */
static int
birthday_form(struct st *s, int gs[3], int ge[3])
{
	struct fv *v = &s->fv[LOC_BIRTHDAY];
	char before[LOC_FIELD_TEXT];
	int i = 0, g, j;

	fv_text(v, before, sizeof(before));
	for (g = 0; g < 3; g++) {
		gs[g] = i;
		while (i < v->n) {
			struct ch *c = &v->c[i];
			int dj = -1;

			if (is_digit(c->cp[0])) {
				i++;
				continue;
			}
			if (c->cp[0] == date_units[g] ||
			    alt_of(c, date_units[g]) >= 0)
				break;
			for (j = 1; j < c->n && dj < 0; j++)
				if (is_digit(c->cp[j]))
					dj = j;
			if (dj < 0)
				break;
			ch_choose(c, dj);
			i++;
		}
		ge[g] = i;
		if (i == v->n || ge[g] == gs[g] ||
		    alt_of(&v->c[i], date_units[g]) < 0)
			break;
		ch_choose(&v->c[i], alt_of(&v->c[i], date_units[g]));
		i++;
	}
	note(s, LOC_BIRTHDAY, before, LOC_WHY_FORM);
	return g == 3 && i == v->n && ge[0] - gs[0] == 4 &&
	    ge[1] - gs[1] <= 2 && ge[2] - gs[2] <= 2;
}

/* The number the digits v->c[a..b) make, leaving out position skip (-1: none). */
static int
digits_val_but(const struct fv *v, int a, int b, int skip)
{
	int x = 0;

	for (; a < b; a++)
		if (a != skip)
			x = x * 10 + (int)(v->c[a].cp[0] - '0');
	return x;
}

static int
digits_val(const struct fv *v, int a, int b)
{
	return digits_val_but(v, a, b, -1);
}

/* What the printed birthday and sex surely say, for the number. */
static void
printed_evidence(struct st *s, struct printed *pr, int gs[3], int ge[3],
    int form_ok)
{
	const struct fv *b = &s->fv[LOC_BIRTHDAY], *x = &s->fv[LOC_SEX];
	int i, sure = form_ok;

	memset(pr, 0, sizeof(*pr));
	for (i = 0; sure && i < b->n; i++)
		sure = b->c[i].p[0] >= LOC_FIELDS_SURE;
	if (sure) {
		pr->y = digits_val(b, gs[0], ge[0]);
		pr->m = digits_val(b, gs[1], ge[1]);
		pr->d = digits_val(b, gs[2], ge[2]);
		pr->date_ok = date_valid(pr->y, pr->m, pr->d);
	}
	if (x->n == 1 && x->c[0].p[0] >= LOC_FIELDS_SURE)
		pr->sex = x->c[0].cp[0] == 0x7537 ? 1 :
		    x->c[0].cp[0] == 0x5973 ? 2 : 0; /* 男 女 */
}

/*
 * The form all there but one group a digit too long (1月283日): the
 * character of that group whose alternatives hold the blank and without
 * which the three groups are the sure number's date (ny, nm, nd), when it
 * is the only one. Removes it and shifts the groups; 1 if it did.
 */
static int
drop_extra_digit(struct st *s, int gs[3], int ge[3], int ny, int nm, int nd)
{
	struct fv *v = &s->fv[LOC_BIRTHDAY];
	const int want[3] = { ny, nm, nd }, max[3] = { 4, 2, 2 };
	char before[LOC_FIELD_TEXT];
	int g, i, long_g = -1, hits = 0, hit = -1;

	if (gs[0] != 0 || ge[2] != v->n - 1 || v->c[ge[2]].cp[0] != 0x65e5 ||
	    gs[1] != ge[0] + 1 || gs[2] != ge[1] + 1)
		return 0;
	for (g = 0; g < 3; g++) {
		int len = ge[g] - gs[g];

		if (len < 1 || len > max[g] + 1)
			return 0;
		if (len == max[g] + 1) {
			if (long_g >= 0)
				return 0;
			long_g = g;
		} else if (digits_val(v, gs[g], ge[g]) != want[g])
			return 0;
	}
	if (long_g < 0)
		return 0;
	for (i = gs[long_g]; i < ge[long_g]; i++)
		if (alt_of(&v->c[i], OCR_BLANK) >= 0 &&
		    digits_val_but(v, gs[long_g], ge[long_g], i) == want[long_g])
			hits++, hit = i;
	if (hits != 1)
		return 0;
	fv_text(v, before, sizeof(before));
	fv_remove(v, hit);
	ge[long_g]--;
	for (g = long_g + 1; g < 3; g++)
		gs[g]--, ge[g]--;
	note(s, LOC_BIRTHDAY, before, LOC_WHY_BIRTH_NUMBER);
	return 1;
}

/*
 * The unit words 年月日 are printed in the labels' ink, apart from the
 * digits, and a faint or blurred photo can lose any of them or leave a
 * look-alike without the unit among its alternatives (1996519, 1988年1022,
 * 19558年20). When the digits, in order, are the sure number's date as the
 * card prints it (ny, nm, nd; month and day without a leading zero) and
 * every other character sits where a unit belongs, at most one to each
 * place, the field is that date in its form: the digits as read, the units
 * put in their places. Sets the groups gs, ge; 1 if it did.
 */
static int
restore_units(struct st *s, int ny, int nm, int nd, int gs[3], int ge[3])
{
	struct fv *v = &s->fv[LOC_BIRTHDAY];
	struct ch dg[8], *c;
	char want[16], before[LOC_FIELD_TEXT];
	int end[3], taken[3] = {0, 0, 0}, n = 0, i, g, k;

	if (ny < 1000 || ny > 9999 || nm < 1 || nm > 12 || nd < 1 || nd > 31)
		return 0;
	snprintf(want, sizeof(want), "%d%d%d", ny, nm, nd);
	end[0] = 4;
	end[1] = end[0] + (nm >= 10 ? 2 : 1);
	end[2] = end[1] + (nd >= 10 ? 2 : 1);
	for (i = 0; i < v->n; i++) {
		c = &v->c[i];
		if (is_digit(c->cp[0])) {
			if (n == end[2] || c->cp[0] != (uint32_t)want[n])
				return 0;
			dg[n++] = *c;
			continue;
		}
		for (g = 0; g < 3 && end[g] != n; g++)
			;
		if (g == 3 || taken[g]++)
			return 0;
	}
	if (n != end[2])
		return 0;
	fv_text(v, before, sizeof(before));
	for (g = k = n = 0; g < 3; g++) {
		gs[g] = k;
		while (n < end[g])
			v->c[k++] = dg[n++];
		ge[g] = k;
		ch_form(&v->c[k], date_units[g], v->c[k - 1].nx);
		k++;
	}
	v->n = k;
	note(s, LOC_BIRTHDAY, before, LOC_WHY_FORM);
	return 1;
}

/* The printed birthday against a sure number: where a printed digit is
 * unsure and the number's digit is among its alternatives, take it. */
static void
do_birthday(struct st *s, const int gs_in[3], const int ge_in[3], int form_ok)
{
	struct fv *v = &s->fv[LOC_BIRTHDAY];
	const struct fv *num = &s->fv[LOC_ID_NUMBER];
	char before[LOC_FIELD_TEXT], want[9];
	int g, i, y, m, d, ny = 0, nm = 0, nd = 0, sure;
	int gs[3], ge[3];

	if (!v->found)
		return;
	memcpy(gs, gs_in, sizeof(gs));
	memcpy(ge, ge_in, sizeof(ge));
	if ((sure = num_sure(s, 6, 14))) {
		for (i = 0; i < 8; i++)
			want[i] = (char)num->c[6 + i].cp[0];
		want[8] = '\0';
		ny = (want[0] - '0') * 1000 + (want[1] - '0') * 100 +
		    (want[2] - '0') * 10 + (want[3] - '0');
		nm = (want[4] - '0') * 10 + (want[5] - '0');
		nd = (want[6] - '0') * 10 + (want[7] - '0');
	}
	/* The 日 after the day is printed apart, in the labels' ink, and
	 * the detector may leave it out of the date's box. When all the
	 * rest of the form is there and its digits are the sure number's
	 * own, the line ends with the day: the form's 日 goes back. */
	if (!form_ok && sure && drop_extra_digit(s, gs, ge, ny, nm, nd))
		form_ok = 1;
	if (!form_ok && sure && gs[2] > ge[1] &&
	    ge[2] == v->n && ge[2] > gs[2] && ge[2] - gs[2] <= 2 &&
	    ge[0] - gs[0] == 4 && ge[1] - gs[1] >= 1 && ge[1] - gs[1] <= 2 &&
	    v->n < FV_CHARS &&
	    digits_val(v, gs[0], ge[0]) == ny &&
	    digits_val(v, gs[1], ge[1]) == nm &&
	    digits_val(v, gs[2], ge[2]) == nd) {
		fv_text(v, before, sizeof(before));
		ch_form(&v->c[v->n], date_units[2], v->c[v->n - 1].nx);
		v->n++;
		form_ok = 1;
		note(s, LOC_BIRTHDAY, before, LOC_WHY_FORM);
	}
	if (!form_ok && sure && restore_units(s, ny, nm, nd, gs, ge))
		form_ok = 1;
	if (form_ok && sure) {
		fv_text(v, before, sizeof(before));
		for (g = 0; g < 3; g++) {
			char exp[5];
			int len = ge[g] - gs[g];

			if (g == 0)
				memcpy(exp, want, 4), exp[4] = '\0';
			else
				snprintf(exp, sizeof(exp), len == 2 ? "%02d" :
				    "%d", g == 1 ? nm : nd);
			if ((int)strlen(exp) != len)
				continue; /* 12 printed as one digit: no
				             position to compare */
			for (i = 0; i < len; i++) {
				struct ch *c = &v->c[gs[g] + i];
				int j = alt_of(c, (uint32_t)exp[i]);

				if (j > 0 && c->p[0] < LOC_FIELDS_SURE)
					ch_choose(c, j);
				/* Agreeing with a sure number rules the
				 * other alternatives out. */
				if (c->cp[0] == (uint32_t)exp[i])
					ch_rule(c, 0);
			}
		}
		note(s, LOC_BIRTHDAY, before, LOC_WHY_BIRTH_NUMBER);
	}
	{
		char t[LOC_FIELD_TEXT];

		fv_text(v, t, sizeof(t));
		if (checks_parse_birthday(t, &y, &m, &d) == -1)
			v->broken = 1;
	}
}

/* ---- sex and people ---- */

static void
do_sex(struct st *s)
{
	struct fv *v = &s->fv[LOC_SEX];
	const uint32_t male = 0x7537, female = 0x5973;
	char before[LOC_FIELD_TEXT];
	struct ch *c;

	if (!v->found)
		return;
	/* 性别 男 民族 汉 with 民族 not read comes as one value: 男 and
	 * what follows it, which is 民族's. */
	if (v->n > 1 && !s->fv[LOC_PEOPLE].found &&
	    (alt_of(&v->c[0], male) >= 0 || alt_of(&v->c[0], female) >= 0)) {
		fv_append(&s->fv[LOC_PEOPLE], &v->c[1], v->n - 1);
		s->fv[LOC_PEOPLE].found = 1;
		v->n = 1;
	}
	if (v->n != 1) {
		v->broken = 1;
		return;
	}
	c = &v->c[0];
	fv_text(v, before, sizeof(before));
	if (num_sure(s, 16, 17)) {
		uint32_t want = (s->fv[LOC_ID_NUMBER].c[16].cp[0] - '0') % 2 ?
		    male : female;
		int j = alt_of(c, want);

		if (j > 0 && c->p[0] < LOC_FIELDS_SURE) {
			ch_choose(c, j);
			note(s, LOC_SEX, before, LOC_WHY_SEX_NUMBER);
		}
		if (c->cp[0] == want)
			ch_rule(c, 0);
	} else if (c->cp[0] != male && c->cp[0] != female) {
		int jm = alt_of(c, male), jf = alt_of(c, female);

		if ((jm > 0) != (jf > 0)) {
			ch_choose(c, jm > 0 ? jm : jf);
			note(s, LOC_SEX, before, LOC_WHY_FORM);
		}
	}
	if (c->cp[0] != male && c->cp[0] != female)
		v->broken = 1;
}

/* Index of the ethnic name spelt by cps[0..n), or -1. */
static int
ethnic_index(const uint32_t *cps, int n)
{
	size_t i;

	for (i = 0; i < loc_ethnic_count; i++) {
		uint32_t w[NAME_CPS];
		int wn = word_cps(loc_ethnic_names[i], w, NAME_CPS);

		if (wn == n && memcmp(w, cps, sizeof(w[0]) * (size_t)n) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * 民族 is one of the 56 names. If the emitted reading is not, the one
 * combination of alternatives that spells a name is taken; none when there
 * are several or none.
 */
/* How many readings of v[at..at+n) by the alternatives spell one of the
 * 56 names (at most 5^4 tried). */
static int
ethnic_readings(const struct fv *v, int at, int n)
{
	uint32_t cps[4];
	int idx[4] = {0}, i, hits = 0;

	if (n < 1 || n > 4 || at + n > v->n)
		return 0;
	for (;;) {
		for (i = 0; i < n; i++)
			cps[i] = v->c[at + i].cp[idx[i]];
		hits += ethnic_index(cps, n) >= 0;
		for (i = 0; i < n && ++idx[i] == v->c[at + i].n; i++)
			idx[i] = 0;
		if (i == n)
			return hits;
	}
}

static void
do_people(struct st *s)
{
	struct fv *v = &s->fv[LOC_PEOPLE];
	char before[LOC_FIELD_TEXT];
	uint32_t cps[4], hit[4];
	int idx[4], i, nhit = 0, n = v->n;

	if (!v->found)
		return;
	/* A label not read may leave a remnant of 民族 before the value
	 * (美壮 for 民族 壮): if no reading of the whole is one of the
	 * names, the value is the longest ending, one or two characters
	 * shorter, that some reading makes one. */
	if ((s->lab[LOC_PEOPLE].guessed || !s->lab[LOC_PEOPLE].found) &&
	    n >= 2 && (n > 4 || ethnic_readings(v, 0, n) == 0)) {
		for (i = 1; i < n && i <= 2; i++)
			if (ethnic_readings(v, i, n - i) > 0) {
				while (i-- > 0)
					fv_remove(v, 0);
				break;
			}
		n = v->n;
	}
	if (n < 1 || n > 4) {
		v->broken = 1;
		return;
	}
	for (i = 0; i < n; i++)
		cps[i] = v->c[i].cp[0];
	if (ethnic_index(cps, n) >= 0) {
		/* Confirmed: the alternatives that would spell another name
		 * with the rest stay possible. */
		for (i = 0; i < n; i++) {
			double ok = 0;
			int j;

			for (j = 1; j < v->c[i].n; j++) {
				uint32_t save = cps[i];

				cps[i] = v->c[i].cp[j];
				if (ethnic_index(cps, n) >= 0)
					ok += v->c[i].p[j];
				cps[i] = save;
			}
			ch_rule(&v->c[i], ok);
		}
		return;
	}
	/* Odometer over every combination of alternatives (at most 5^4). */
	memset(idx, 0, sizeof(idx));
	for (;;) {
		for (i = 0; i < n; i++)
			cps[i] = v->c[i].cp[idx[i]];
		if (ethnic_index(cps, n) >= 0) {
			if (nhit++ == 0)
				memcpy(hit, idx, sizeof(hit));
		}
		for (i = 0; i < n && ++idx[i] == v->c[i].n; i++)
			idx[i] = 0;
		if (i == n)
			break;
	}
	if (nhit != 1) {
		v->broken = 1;
		return;
	}
	fv_text(v, before, sizeof(before));
	for (i = 0; i < n; i++) {
		ch_choose(&v->c[i], (int)hit[i]);
		ch_rule(&v->c[i], 0);
	}
	note(s, LOC_PEOPLE, before, LOC_WHY_ETHNIC);
}

/* ---- region names ---- */

/* GB/T 2260 unit suffixes, longest first, and the unit an autonomous
 * unit's short form ends with (恩施州). */
static const struct {
	const char *sfx, *unit;
} unit_sfx[] = {{"特别行政区", NULL}, {"维吾尔自治区", NULL},
    {"壮族自治区", NULL}, {"回族自治区", NULL}, {"自治区", NULL},
    {"自治州", "州"}, {"自治县", "县"}, {"自治旗", "旗"}, {"地区", NULL},
    {"林区", NULL}, {"新区", NULL}, {"省", NULL}, {"市", NULL}, {"区", NULL},
    {"县", NULL}, {"旗", NULL}, {"盟", NULL}, {"州", NULL}};

/* Forms of a region name an authority uses: the whole name, its core
 * without the unit suffix (2+ characters), and for autonomous units the
 * first 2-4 characters with the unit. Returns the count, forms[i] of
 * lens[i] codepoints. */
enum { FORM_FULL, FORM_CORE, FORM_SHORT };

static int
name_forms(const char *name, uint32_t forms[6][NAME_CPS], int lens[6],
    int kinds[6])
{
	uint32_t w[NAME_CPS], sx[NAME_CPS], u[2];
	int wn = word_cps(name, w, NAME_CPS), nf = 0, k;
	size_t i;

	memcpy(forms[nf], w, sizeof(w));
	kinds[nf] = FORM_FULL;
	lens[nf++] = wn;
	for (i = 0; i < sizeof(unit_sfx) / sizeof(unit_sfx[0]); i++) {
		int sn = word_cps(unit_sfx[i].sfx, sx, NAME_CPS), core;

		if (sn >= wn ||
		    memcmp(w + wn - sn, sx, sizeof(sx[0]) * (size_t)sn) != 0)
			continue;
		core = wn - sn;
		if (core >= 2) {
			memcpy(forms[nf], w, sizeof(w));
			kinds[nf] = FORM_CORE;
			lens[nf++] = core;
		}
		if (unit_sfx[i].unit != NULL) {
			word_cps(unit_sfx[i].unit, u, 2);
			for (k = 2; k <= 4 && k < core; k++) {
				memcpy(forms[nf], w, sizeof(w[0]) * (size_t)k);
				forms[nf][k] = u[0];
				kinds[nf] = FORM_SHORT;
				lens[nf++] = k + 1;
			}
		}
		break;
	}
	return nf;
}

/*
 * The names tried at one place of a field: exact when the emitted reading
 * already spells one of them (w is that one); otherwise count is the number
 * of distinct names the alternatives spell there with fewer than half of
 * their characters changed, w the first. A name is taken when exact or when
 * count is 1.
 */
struct cand {
	uint32_t w[NAME_CPS];
	int n, exact, count;
};

static void
cand_try(const struct fv *v, int at, const uint32_t *w, int wn,
    struct cand *c, int fixed_len, int loose)
{
	int m, max = (wn - 1) / 2;

	/* In a slot that holds a name and nothing else (the district before
	 * 分局), one character of a 2-character name may be changed. */
	if (loose && max < 1)
		max = 1;
	if (wn < 2 || (fixed_len > 0 && wn != fixed_len))
		return;
	m = spell(v, at, w, wn);
	if (m < 0 || m > max || c->exact)
		return;
	if (m > 0 && c->count > 0 && c->n == wn &&
	    memcmp(c->w, w, sizeof(w[0]) * (size_t)wn) == 0)
		return; /* the same name from another row */
	if (m == 0 || c->count == 0) {
		memcpy(c->w, w, sizeof(w[0]) * (size_t)wn);
		c->n = wn;
	}
	if (m == 0)
		c->exact = 1;
	else
		c->count++;
}

/* ---- address ---- */

/* The length of name when the emitted reading v[at..) begins with it,
 * else 0. */
static int
spelt_at(const struct fv *v, int at, const char *name)
{
	uint32_t w[NAME_CPS];
	int n = word_cps(name, w, NAME_CPS), i;

	if (at + n > v->n)
		return 0;
	for (i = 0; i < n && w[i] == v->c[at + i].cp[0]; i++)
		;
	return i == n ? n : 0;
}

/* Is the emitted reading v[at..at+n) the whole name of some GB/T 2260
 * unit, of any year? */
static int
table_has(const struct fv *v, int at, int n)
{
	size_t r;

	for (r = 0; r < region_nrows; r++)
		if (spelt_at(v, at, region_rows[r].name) == n)
			return 1;
	return 0;
}

/*
 * An address is written in Chinese characters and digits; a Latin letter
 * read in it is a digit of a house or room number misread (O for 0, l
 * for 1) when a digit is among its alternatives: take the likeliest.
 */
static void
address_digits(struct st *s)
{
	struct fv *v = &s->fv[LOC_ADDRESS];
	char before[LOC_FIELD_TEXT];
	int i, j;

	fv_text(v, before, sizeof(before));
	for (i = 0; i < v->n; i++) {
		struct ch *c = &v->c[i];

		if (!is_latin(c->cp[0]))
			continue;
		for (j = 1; j < c->n; j++)
			if (is_digit(c->cp[j])) {
				ch_choose(c, j);
				break;
			}
	}
	note(s, LOC_ADDRESS, before, LOC_WHY_FORM);
}

/*
 * The address starts with the region names of the number's first six
 * digits, as of the birth year or now (people move, and names change, so
 * an address that does not start with them is left alone): province, city
 * and county in that order, each possibly left out. Where a name is spelt
 * by the alternatives with fewer than half its characters changed, it is
 * taken.
 */
static void
address_regions(struct st *s)
{
	struct fv *v = &s->fv[LOC_ADDRESS];
	const struct fv *num = &s->fv[LOC_ID_NUMBER];
	struct region_hit h[2];
	char code[7], before[LOC_FIELD_TEXT];
	int i, lev, at = 0, year, changed = 0;

	if (!v->found)
		return;
	address_digits(s);
	if (!num->found || num->n != 18 || num->broken)
		return;
	for (i = 0; i < 6; i++)
		code[i] = num_byte(num->c[i].cp[0]);
	code[6] = '\0';
	year = digits_val(num, 6, 10);
	if (region_lookup(code, year, &h[0]) == -1 ||
	    region_lookup(code, 0, &h[1]) == -1)
		return;
	fv_text(v, before, sizeof(before));
	for (lev = 0; lev < 3; lev++) {
		struct cand c;
		int k;

		memset(&c, 0, sizeof(c));
		for (k = 0; k < 2; k++) {
			const char *nm = lev == 0 ? h[k].province :
			    lev == 1 ? h[k].city : h[k].county;
			uint32_t w[NAME_CPS];
			int wn;

			if (nm == NULL)
				continue;
			wn = word_cps(nm, w, NAME_CPS);
			cand_try(v, at, w, wn, &c, 0, 0);
		}
		/* A reading that names some other place is where the
		 * person lives now: nothing to choose, and the levels below
		 * are that place's. */
		if (!c.exact && c.count == 1 && table_has(v, at, c.n))
			break;
		if (c.exact || c.count == 1) {
			changed |= !c.exact;
			apply_word(v, at, c.w, c.n);
			at += c.n;
		}
	}
	if (changed)
		note(s, LOC_ADDRESS, before, LOC_WHY_ADDRESS_REGION);
}

/* Does the emitted address begin with the whole name of a GB/T 2260 unit
 * (of any level and year), as every card's address does with its province
 * or province-level city? */
static int
starts_with_region(const struct fv *v)
{
	size_t r;

	for (r = 0; r < region_nrows; r++)
		if (spelt_at(v, 0, region_rows[r].name) >= 2)
			return 1;
	return 0;
}

/* The address's region names against the number's; then an address that
 * still names no region at its start (read from its tail, or from another
 * line) is flagged, never silent. */
static void
do_address(struct st *s)
{
	struct fv *v = &s->fv[LOC_ADDRESS];

	address_regions(s);
	if (v->found && v->n > 0 && !starts_with_region(v))
		v->broken = 1;
}

/* ---- issuing authority ---- */

/* Does code lie under one of the npre code prefixes pre (2 digits: a
 * province-level city's, 4: a prefecture's), as one of its counties or
 * districts? Any code when npre is 0. */
static int
code_under(const char *code, const char (*pre)[5], int npre)
{
	int i;

	if (npre == 0)
		return 1;
	if (strcmp(code + 4, "00") == 0)
		return 0;
	for (i = 0; i < npre; i++)
		if (strncmp(code, pre[i], strlen(pre[i])) == 0)
			return 1;
	return 0;
}

/*
 * The region names of length len spelt at v[at..) by any name in the
 * table (or, with npre > 0, by the counties and districts under the
 * prefixes pre; see code_under), in the forms an authority uses: before
 * 公安局 the whole name or an autonomous unit's short form (瑞金市, 恩施州),
 * before 分局 the name without its unit (海珠). See cand.
 */
static void
table_names(const struct fv *v, int at, int len, int district,
    const char (*pre)[5], int npre, struct cand *c)
{
	const char *last = NULL;
	size_t r;

	memset(c, 0, sizeof(*c));
	for (r = 0; r < region_nrows; r++) {
		uint32_t forms[6][NAME_CPS];
		int lens[6], kinds[6], nf, k;

		if (!code_under(region_rows[r].code, pre, npre) ||
		    (last != NULL && strcmp(region_rows[r].name, last) == 0))
			continue;
		last = region_rows[r].name;
		nf = name_forms(region_rows[r].name, forms, lens, kinds);
		for (k = 0; k < nf; k++)
			if (district ? kinds[k] != FORM_SHORT :
			    kinds[k] != FORM_CORE)
				cand_try(v, at, forms[k], lens[k], c, len,
				    district);
	}
}

/*
 * The code prefixes of the cities named exactly by the emitted v[0..n),
 * whose districts a 分局 after their 公安局 is named for: a prefecture's
 * first 4 digits, a province-level city's (北京市) first 2. At most max;
 * the count.
 */
static int
city_prefixes(const struct fv *v, int n, char (*pre)[5], int max)
{
	size_t r;
	int i, np = 0;

	for (r = 0; r < region_nrows && np < max; r++) {
		const char *code = region_rows[r].code;
		int len = strcmp(code + 2, "0000") == 0 ? 2 :
		    strcmp(code + 4, "00") == 0 ? 4 : 0;

		if (len == 0 || spelt_at(v, 0, region_rows[r].name) != n)
			continue;
		for (i = 0; i < np && !((int)strlen(pre[i]) == len &&
		    strncmp(pre[i], code, (size_t)len) == 0); i++)
			;
		if (i < np)
			continue;
		memcpy(pre[np], code, (size_t)len);
		pre[np++][len] = '\0';
	}
	return np;
}

/* Where word w is spelt in v from at on with at most one character from
 * the alternatives: the start, or -1 if nowhere or at two places. */
static int
find_word(const struct fv *v, int from, const char *word, int *mism)
{
	uint32_t w[NAME_CPS];
	int wn = word_cps(word, w, NAME_CPS), i, m, hit = -1, hits = 0;

	for (i = from; i + wn <= v->n; i++)
		if ((m = spell(v, i, w, wn)) == 0) {
			*mism = 0;
			return i;
		}
	for (i = from; i + wn <= v->n; i++)
		if ((m = spell(v, i, w, wn)) == 1)
			hit = i, hits++;
	*mism = 1;
	return hits == 1 ? hit : -1;
}

/* Take region names spelt at v[a..b) (one name of that length; with
 * npre > 0 of the districts under pre). */
static int
auth_region(struct st *s, int a, int b, int district, const char (*pre)[5],
    int npre)
{
	struct fv *v = &s->fv[LOC_AUTHORITY];
	struct cand c;

	if (b - a < 2)
		return 0;
	table_names(v, a, b - a, district, pre, npre, &c);
	if (c.exact) {
		apply_word(v, a, c.w, c.n);
		return 0;
	}
	if (c.count == 1) {
		apply_word(v, a, c.w, c.n);
		return 1;
	}
	return 0;
}

/*
 * An authority is "<region>公安局" or "<region>公安局<district>分局": the
 * suffix words are taken from the alternatives where one character of them
 * is misread, and the region parts where the alternatives spell exactly
 * one GB/T 2260 name of that length.
 */
static void
do_authority(struct st *s)
{
	struct fv *v = &s->fv[LOC_AUTHORITY];
	char before[LOC_FIELD_TEXT];
	uint32_t w[NAME_CPS];
	int g, m, fj = -1, fm = 0, wn, changed;

	if (!v->found)
		return;
	fv_text(v, before, sizeof(before));
	g = find_word(v, 0, "公安局", &m);
	if (g >= 0) {
		wn = word_cps("公安局", w, NAME_CPS);
		apply_word(v, g, w, wn);
		if (v->n - (g + 3) >= 3) {
			/* <district>分局 after it: 分局 ends the field. */
			wn = word_cps("分局", w, NAME_CPS);
			fm = spell(v, v->n - 2, w, wn);
			if (fm >= 0 && fm <= 1) {
				fj = v->n - 2;
				apply_word(v, fj, w, wn);
			}
		}
	}
	note(s, LOC_AUTHORITY, before, LOC_WHY_AUTH_SUFFIX);
	if (g < 0)
		return;
	fv_text(v, before, sizeof(before));
	changed = auth_region(s, 0, g, 0, NULL, 0);
	if (fj >= 0) {
		/* The district is one of the city's own when the city is
		 * known; of any city's otherwise. */
		char pre[8][5];
		int np = city_prefixes(v, g, pre, 8);

		changed |= auth_region(s, g + 3, fj, 1, pre, np);
	}
	if (changed)
		note(s, LOC_AUTHORITY, before, LOC_WHY_AUTH_REGION);
}

/* ---- validity ---- */

/*
 * Is the period of digits dg (8 with 长期, else 16) one a card has: real
 * dates, 5, 10 or 20 years to the same day, or 长期; a temporary card's
 * three months to the same day (the month's last day when it has no such
 * day).
 */
static int
period_ok(const int *dg, int longterm, int temp)
{
	int sy = dg[0] * 1000 + dg[1] * 100 + dg[2] * 10 + dg[3];
	int sm = dg[4] * 10 + dg[5], sd = dg[6] * 10 + dg[7];
	int ey, em, ed, diff;

	if (!date_valid(sy, sm, sd))
		return 0;
	if (longterm)
		return 1;
	ey = dg[8] * 1000 + dg[9] * 100 + dg[10] * 10 + dg[11];
	em = dg[12] * 10 + dg[13];
	ed = dg[14] * 10 + dg[15];
	if (!date_valid(ey, em, ed))
		return 0;
	if (temp) {
		int ty = sy + (sm + 2) / 12, tm = (sm + 2) % 12 + 1, td = sd;

		while (td > 28 && !date_valid(ty, tm, td))
			td--;
		return ey == ty && em == tm && ed == td;
	}
	diff = ey - sy;
	if (diff != 5 && diff != 10 && diff != 20)
		return 0;
	if (em == sm && ed == sd)
		return 1;
	/* A period starting on 29 February ends on 28 February or 1 March. */
	return sm == 2 && sd == 29 &&
	    ((em == 2 && ed == 28) || (em == 3 && ed == 1));
}

/*
 * The printed period: 16 digits, or 8 and 长期, in the form
 * YYYY.MM.DD-YYYY.MM.DD; separators as read are replaced by the form's.
 * Then the period rule: 5, 10 or 20 years to the same day, or 长期, with
 * real dates; if the reading breaks it, the one single substitution among
 * the alternatives that keeps it is taken.
 */
static void
do_validity(struct st *s, int temp)
{
	static const uint32_t lt[2] = {0x957f, 0x671f}; /* 长期 */
	struct fv *v = &s->fv[LOC_VALIDITY], out;
	char before[LOC_FIELD_TEXT];
	int pos[16], dg[16], nd = 0, i, j, m, longterm = 0, lt_at = -1,
	    nsub = 0, si = -1, sj = -1, unsure = 0;
	struct ch dot, dash;

	if (!v->found)
		return;
	fv_text(v, before, sizeof(before));
	for (i = 0; i < v->n && nd < 16; i++) {
		struct ch *c = &v->c[i];

		if (is_digit(c->cp[0])) {
			pos[nd++] = i;
			continue;
		}
		m = spell(v, i, lt, 2);
		if (nd == 8 && m >= 0 && m <= 1) {
			longterm = 1;
			lt_at = i;
			break;
		}
		for (j = 1; j < c->n; j++)
			if (is_digit(c->cp[j]))
				break;
		if (j < c->n) {
			ch_choose(c, j);
			pos[nd++] = i;
		}
	}
	if (nd != 8 && nd != 16) {
		v->broken = 1;
		return;
	}
	if (nd == 8 && !longterm) {
		v->broken = 1;
		return;
	}
	/* Rebuild in the form: the digits as read, the form's separators. */
	memset(&out, 0, sizeof(out));
	memset(&dot, 0, sizeof(dot));
	dot.cp[0] = '.', dot.p[0] = 1, dot.n = 1, dot.rc = 1;
	dash = dot;
	dash.cp[0] = '-';
	for (i = 0; i < nd; i++) {
		if (i == 4 || i == 6 || i == 12 || i == 14)
			fv_append(&out, &dot, 1);
		if (i == 8)
			fv_append(&out, &dash, 1);
		fv_append(&out, &v->c[pos[i]], 1);
	}
	if (longterm) {
		fv_append(&out, &dash, 1);
		fv_append(&out, &v->c[lt_at], 2);
		apply_word(&out, out.n - 2, lt, 2);
	}
	v->n = out.n;
	memcpy(v->c, out.c, sizeof(out.c[0]) * (size_t)out.n);
	note(s, LOC_VALIDITY, before, LOC_WHY_FORM);
	/* The digit positions in the rebuilt text. */
	for (i = 0, nd = 0; i < v->n; i++)
		if (is_digit(v->c[i].cp[0]))
			pos[nd++] = i;
	for (i = 0; i < nd; i++)
		dg[i] = (int)(v->c[pos[i]].cp[0] - '0');
	if (!period_ok(dg, longterm, temp)) {
		for (i = 0; i < nd; i++)
			for (j = 1; j < v->c[pos[i]].n; j++) {
				int save = dg[i];

				if (!is_digit(v->c[pos[i]].cp[j]))
					continue;
				dg[i] = (int)(v->c[pos[i]].cp[j] - '0');
				if (period_ok(dg, longterm, temp))
					nsub++, si = i, sj = j;
				dg[i] = save;
			}
		if (nsub != 1) {
			v->broken = 1;
			return;
		}
		fv_text(v, before, sizeof(before));
		ch_choose(&v->c[pos[si]], sj);
		dg[si] = (int)(v->c[pos[si]].cp[0] - '0');
		note(s, LOC_VALIDITY, before, LOC_WHY_PERIOD);
	}
	/* As for the number: with one unsure digit, the rule rules out the
	 * alternatives that break it, not those that keep it. */
	for (i = 0; i < nd; i++)
		unsure += v->c[pos[i]].p[0] < LOC_FIELDS_SURE;
	if (unsure > 1)
		return;
	for (i = 0; i < nd; i++) {
		double ok = 0;

		for (j = 1; j < v->c[pos[i]].n; j++) {
			int save = dg[i];

			if (!is_digit(v->c[pos[i]].cp[j]))
				continue;
			dg[i] = (int)(v->c[pos[i]].cp[j] - '0');
			if (period_ok(dg, longterm, temp))
				ok += v->c[pos[i]].p[j];
			dg[i] = save;
		}
		ch_rule(&v->c[pos[i]], ok);
	}
}

/* ---- assembly ---- */

/*
 * Does some line read as a valid ID number? With no label read (a blurred
 * card's small labels go first), a number whose check character, date
 * and structure hold is the front: upside down it would read as anything
 * but that.
 */
static int
has_number(const struct st *s)
{
	char t[19];
	int i, at, k;

	for (i = 0; i < s->ntl; i++) {
		const struct tl *u = &s->tl[i];

		if (u->skip)
			continue;
		for (at = 0; at + 18 <= u->n; at++) {
			for (k = 0; k < 18; k++)
				t[k] = num_byte(u->c[at + k].cp[0]);
			t[18] = '\0';
			if (num_valid(t))
				return 1;
		}
	}
	return 0;
}

static enum loc_side
decide_side(struct st *s)
{
	int f, nf = 0, nb = 0, i;

	for (f = 0; f < LOC_NFIELDS; f++)
		if (s->lab[f].found)
			*(f <= LOC_ID_NUMBER ? &nf : &nb) += 1;
	for (i = 0; i < s->ntl; i++) {
		/* A temporary card's title names it; its labels are both
		 * sides'. */
		if (s->tl[i].skip == 2 && tl_has_word(&s->tl[i], "临时", 0) &&
		    nf > 0)
			return LOC_SIDE_TEMPORARY;
		nb += s->tl[i].skip == 2; /* the back's titles */
	}
	if (nf == 0 && nb == 0)
		return has_number(s) ? LOC_SIDE_FRONT : LOC_SIDE_NONE;
	return nf >= nb ? LOC_SIDE_FRONT : LOC_SIDE_BACK;
}

/* The mean probability of t's characters as read. */
static float
tl_mean_p(const struct tl *t)
{
	float sum = 0;
	int i;

	for (i = 0; i < t->n; i++)
		sum += t->c[i].p[0];
	return t->n > 0 ? sum / (float)t->n : 0;
}

/*
 * Mark the lines that belong to no field: a watermark's letters, the
 * titles, and specks (a fleck of the guilloche or the edge of a stroke
 * that the detector boxed on its own): a box under 60% of the median
 * line's height read with a mean probability under 0.4. A speck beside a
 * label would otherwise be taken as its value, before the real one.
 */
static void
mark_lines(struct st *s)
{
	float hs[LOC_MAX_LINES], mh = 0;
	int i, nh = 0;

	for (i = 0; i < s->ntl && nh < LOC_MAX_LINES; i++)
		if (s->tl[i].n > 0)
			hs[nh++] = s->tl[i].y1 - s->tl[i].y0;
	if (nh > 0) {
		qsort(hs, (size_t)nh, sizeof(hs[0]), cmp_float);
		mh = hs[nh / 2];
	}
	for (i = 0; i < s->ntl; i++) {
		struct tl *t = &s->tl[i];

		if (tl_latin_run(t))
			t->skip = 1;
		else if (t->y1 - t->y0 < 0.6f * mh && tl_mean_p(t) < 0.4f)
			t->skip = 1;
		else if (tl_has_word(t, "中华人民共和国", 1) ||
		    tl_has_word(t, "居民身份证", 1))
			t->skip = 2;
	}
}

/*
 * A label printed with a gap ("姓 名") may come out as two boxes on one
 * row: a short line that spells the start of a label word, and the next
 * line to its right (within about two characters) that spells the rest.
 * Join them into one line so that the label is found like any other.
 */
static void
join_split_labels(struct st *s)
{
	int a, b, f, k;

	for (a = 0; a < s->ntl; a++)
		for (f = 0; f < LOC_NFIELDS; f++) {
			struct tl *A = &s->tl[a];
			uint32_t w[NAME_CPS];
			int wn = word_cps(label_words[f], w, NAME_CPS);

			if (A->skip || A->n < 1 || A->n >= wn ||
			    tl_word_at(A, 0, w, A->n) != 0)
				continue;
			for (b = 0; b < s->ntl; b++) {
				struct tl *B = &s->tl[b];

				if (b == a || B->skip || B->x0 < A->x1 - 0.01f ||
				    B->x0 - A->x1 > 0.06f ||
				    !same_row(A->y0, A->y1, B->y0, B->y1) ||
				    tl_word_at(B, 0, w + A->n, wn - A->n) != 0 ||
				    A->n + B->n > OCR_LINE_CHARS)
					continue;
				for (k = 0; k < B->n; k++)
					A->c[A->n++] = B->c[k];
				A->x1 = B->x1;
				A->y0 = B->y0 < A->y0 ? B->y0 : A->y0;
				A->y1 = B->y1 > A->y1 ? B->y1 : A->y1;
				B->skip = 3;
				break;
			}
		}
}

/*
 * 姓名 not read: the name is the line in the value column just above the
 * 性别 row (the top row of the card's text), within two label heights.
 */
static void
name_above_sex(struct st *s)
{
	int lp = label_piece(s, LOC_SEX), i, best = -1;
	float lh;

	if (lp < 0)
		return;
	lh = s->pc[lp].y1 - s->pc[lp].y0;
	for (i = 0; i < s->ntl; i++) {
		const struct tl *t = &s->tl[i];

		if (!free_line(s, i) || t->y1 > s->pc[lp].y0 + 0.2f * lh ||
		    s->pc[lp].y0 - t->y1 > 2.5f * lh ||
		    t->x0 < s->pc[lp].x1 - 0.02f || t->y1 - t->y0 > 2.2f * lh)
			continue;
		if (best < 0 || t->y0 > s->tl[best].y0)
			best = i;
	}
	if (best >= 0)
		take_line(s, best, &s->fv[LOC_NAME]);
}

/* The front's labels by rows, top to bottom (民族 shares 性别's row). */
static const enum loc_field front_rows[] = { LOC_NAME, LOC_SEX,
    LOC_BIRTHDAY, LOC_ADDRESS, LOC_ID_NUMBER };
#define FRONT_ROWS (int)(sizeof(front_rows) / sizeof(front_rows[0]))

/* Place label f on line i: the characters left of the value column vx
 * (all the label's own characters when vx is not known), maybe none. */
static void
guess_one(struct st *s, int f, int i, float vx)
{
	const struct tl *t = &s->tl[i];
	uint32_t w[NAME_CPS];
	int k = 0, wn = word_cps(label_words[f], w, NAME_CPS);

	int j, apart = 0;

	/* A box of its own with the value's box to its right is all label
	 * (公民身份号码 with the number beyond the value column). */
	for (j = 0; j < s->ntl; j++) {
		const struct tl *u = &s->tl[j];

		if (j != i && !u->skip && u->n > 0 && u->x0 >= t->x1 - 0.01f &&
		    (vx < 0 || u->x0 >= vx - 0.02f) &&
		    same_row(t->y0, t->y1, u->y0, u->y1))
			apart = 1;
	}
	if (apart && (vx < 0 || t->x1 < vx + 0.015f || f == LOC_ID_NUMBER))
		k = t->n;
	else if (vx < 0)
		k = t->n < wn ? t->n : wn;
	else
		while (k < t->n && t->c[k].nx < vx - 0.01f)
			k++;
	s->lab[f].found = 1;
	s->lab[f].line = i;
	s->lab[f].s = 0;
	s->lab[f].e = k;
	s->lab[f].mism = wn;
	s->lab[f].guessed = 1;
	s->tl[i].haslabel = 1;
}

/* The centres of the front's rows (front_rows' order) in card heights, as
 * printed: the rows are where the layout puts them on a rectified card. */
static const float row_centre[FRONT_ROWS] = { 0.140f, 0.265f, 0.385f,
    0.507f, 0.850f };

/*
 * A label the rows' count could not place (blur erased the label of one
 * row and the whole of another) placed by where the layout puts its row.
 * The read label nearest to it (or 民族, on 性别's row, or the number's
 * line when its label was not read) gives the card's offset; the free
 * line whose centre is within a third of a row of the row's centre,
 * leftmost, starting left of the middle (left of 民族 on 性别's row),
 * takes the label: its characters left of the value column, often none.
 * Only when the lines that near are all one row.
 */
/* Is line i, not 民族's, near the centre want of front row k (within a
 * third of a row), starting left of the middle (of 民族 on 性别's row)? */
static int
near_row(const struct st *s, int i, int k, float want)
{
	const struct tl *t = &s->tl[i];
	float c = (t->y0 + t->y1) / 2;

	return !t->skip && t->n > 0 && c >= want - 0.04f &&
	    c <= want + 0.04f && t->x0 <= (k == 1 ? 0.25f : 0.5f) &&
	    !(s->lab[LOC_PEOPLE].found && i == s->lab[LOC_PEOPLE].line);
}

/* The card's vertical offset at front row k, from the line of row a. */
static void
row_anchor(const struct st *s, int line, int a, int k, int *dist, float *off)
{
	const struct tl *t = &s->tl[line];
	int d = a > k ? a - k : k - a;

	if (d < *dist) {
		*dist = d;
		*off = (t->y0 + t->y1) / 2 - row_centre[a];
	}
}

static void
guess_by_layout(struct st *s, float col, float vx)
{
	int k, a, i, num = -1;

	if (vx < 0)
		vx = col + 0.09f;
	if (!s->lab[LOC_ID_NUMBER].found)
		num = digit_line(s, 15);
	for (k = 0; k < FRONT_ROWS - 1; k++) {
		int f = front_rows[k], best = -1, dist = FRONT_ROWS, nrows = 0;
		const struct label *pl = &s->lab[LOC_PEOPLE];
		float off = 0, want;

		if (s->lab[f].found)
			continue;
		for (a = 0; a < FRONT_ROWS; a++) {
			const struct label *l = &s->lab[front_rows[a]];

			if (l->found && !l->guessed)
				row_anchor(s, l->line, a, k, &dist, &off);
		}
		if (pl->found && !pl->guessed)
			row_anchor(s, pl->line, 1, k, &dist, &off);
		if (num >= 0)
			row_anchor(s, num, FRONT_ROWS - 1, k, &dist, &off);
		if (dist >= FRONT_ROWS)
			return;
		want = row_centre[k] + off;
		for (i = 0; i < s->ntl; i++)
			if (free_line(s, i) && near_row(s, i, k, want) &&
			    (best < 0 || s->tl[i].x0 < s->tl[best].x0))
				best = i;
		for (i = 0; best >= 0 && i < s->ntl; i++)
			nrows += near_row(s, i, k, want) &&
			    !same_row(s->tl[i].y0, s->tl[i].y1,
			        s->tl[best].y0, s->tl[best].y1);
		if (best >= 0 && nrows == 0)
			guess_one(s, f, best, vx);
	}
}

/*
 * Labels the words did not find, placed by the card's rows: blur erases
 * the small blue labels long before the values. The lines starting in the
 * label column, one a row from the top, are the rows of 姓名, 性别, 出生,
 * 住址 and 公民身份号码 in that order. Where the rows between two labels
 * that were read (or the card's top or bottom) are exactly as many as the
 * labels missing there, each row takes its label, whatever it was read
 * as: its characters left of the value column (where the values beside
 * the labels start), possibly none when the recogniser dropped them. 民族
 * is then the first box on 性别's row right of its value, less the label's
 * two characters when the box holds more than a value.
 */
static void
guess_labels(struct st *s)
{
	int *row = NULL, *pos = NULL, nr = 0, i, r, k, f, pa, ra;
	float col = 2.0f, vx = -1.0f, *xs = NULL;
	int nx = 0;

	for (k = 0; k < FRONT_ROWS; k++)
		if (s->lab[front_rows[k]].found &&
		    s->lab[front_rows[k]].s == 0 &&
		    s->tl[s->lab[front_rows[k]].line].x0 < col)
			col = s->tl[s->lab[front_rows[k]].line].x0;
	if (col > 1.0f)
		for (i = 0; i < s->ntl; i++)
			if (!s->tl[i].skip && s->tl[i].n > 0 &&
			    s->tl[i].x0 < col)
				col = s->tl[i].x0;
	if (col > 0.5f || s->ntl == 0)
		return;
	row = malloc(sizeof(*row) * (size_t)s->ntl);
	pos = malloc(sizeof(*pos) * (size_t)s->ntl);
	xs = malloc(sizeof(*xs) * (size_t)s->ntl);
	if (row == NULL || pos == NULL || xs == NULL)
		goto out;
	/* The label column's lines by their centres, one a row. */
	for (i = 0; i < s->ntl; i++) {
		const struct tl *t = &s->tl[i];
		int at;

		if (t->skip || t->n == 0 || t->x0 > col + 0.03f)
			continue;
		for (r = 0; r < nr; r++) {
			const struct tl *u = &s->tl[row[r]];

			if (same_row(t->y0, t->y1, u->y0, u->y1))
				break;
		}
		if (r < nr) {
			if (t->x0 < s->tl[row[r]].x0)
				row[r] = i;
			continue;
		}
		for (at = nr; at > 0 && s->tl[row[at - 1]].y0 +
		    s->tl[row[at - 1]].y1 > t->y0 + t->y1; at--)
			row[at] = row[at - 1];
		row[at] = i;
		nr++;
	}
	for (r = 0; r < nr; r++) {
		const struct tl *u = &s->tl[row[r]];

		pos[r] = -1;
		for (k = 0; k < FRONT_ROWS; k++) {
			const struct label *l = &s->lab[front_rows[k]];
			const struct tl *t = &s->tl[l->line];

			if (l->found && (l->line == row[r] ||
			    same_row(t->y0, t->y1, u->y0, u->y1)))
				pos[r] = k;
		}
	}
	/* The values beside the labels (not the number's): where the value
	 * column is. */
	for (i = 0; i < s->ntl; i++) {
		const struct tl *t = &s->tl[i];

		if (t->skip || t->n == 0 || t->x0 <= col + 0.04f ||
		    t->x0 >= col + 0.3f)
			continue;
		for (r = 0; r < nr; r++) {
			const struct tl *u = &s->tl[row[r]];

			if (pos[r] != FRONT_ROWS - 1 &&
			    same_row(t->y0, t->y1, u->y0, u->y1)) {
				xs[nx++] = t->x0;
				break;
			}
		}
	}
	if (nx > 0) {
		/* The lower third: 民族 and its value sit further right. */
		qsort(xs, (size_t)nx, sizeof(*xs), cmp_float);
		vx = xs[(nx - 1) / 3];
	}
	for (pa = -1, ra = -1, r = 0; r <= nr; r++) {
		int pb = r < nr ? pos[r] : FRONT_ROWS;

		if (r < nr && pos[r] < 0)
			continue;
		if (pb <= pa)
			goto out; /* labels out of their order: leave it */
		if (r - ra == pb - pa)
			for (k = ra + 1; k < r; k++) {
				f = front_rows[pa + (k - ra)];
				if (!s->lab[f].found)
					guess_one(s, f, row[k], vx);
			}
		pa = pb;
		ra = r;
	}
	guess_by_layout(s, col, vx);
	if (!s->lab[LOC_PEOPLE].found && s->lab[LOC_SEX].found) {
		const struct tl *u = &s->tl[s->lab[LOC_SEX].line];
		float from = (vx >= 0 ? vx : u->x1) + 0.06f;
		int p = -1, right = 0;

		for (i = 0; i < s->ntl; i++) {
			const struct tl *t = &s->tl[i];

			if (t->skip || t->haslabel || t->n == 0 ||
			    t->x0 < from || t->x0 > 0.6f ||
			    !same_row(t->y0, t->y1, u->y0, u->y1))
				continue;
			if (p < 0 || t->x0 < s->tl[p].x0) {
				right += p >= 0;
				p = i;
			} else
				right++;
		}
		if (p >= 0) {
			const struct tl *t = &s->tl[p];

			s->lab[LOC_PEOPLE].found = 1;
			s->lab[LOC_PEOPLE].line = p;
			s->lab[LOC_PEOPLE].s = 0;
			s->lab[LOC_PEOPLE].e = t->n >= 3 ?
			    2 - label_gap(t, 1) : right ? t->n : 0;
			s->lab[LOC_PEOPLE].mism = 2;
			s->lab[LOC_PEOPLE].guessed = 1;
			s->tl[p].haslabel = 1;
		}
	}
out:
	free(row);
	free(pos);
	free(xs);
}

/* The front's fields: number first, since the address stops above it and
 * the other fields take its evidence. */
static void
read_front(struct st *s)
{
	struct printed pr;
	float stop = 1.0f;
	int gs[3] = {0}, ge[3] = {0}, form_ok = 0, f, first, lp, li;

	if (take_row(s, LOC_ID_NUMBER, &s->fv[LOC_ID_NUMBER]) < 0 ||
	    numberish(s->fv[LOC_ID_NUMBER].c, s->fv[LOC_ID_NUMBER].n) < 15) {
		/* The number without its label: the lowest line of digits. */
		if ((li = digit_line(s, 15)) >= 0) {
			memset(&s->fv[LOC_ID_NUMBER], 0, sizeof(s->fv[0]));
			take_line(s, li, &s->fv[LOC_ID_NUMBER]);
		}
	}
	if (s->lab[LOC_ID_NUMBER].found)
		stop = s->tl[s->lab[LOC_ID_NUMBER].line].y0;
	for (li = 0; li < s->ntl; li++)
		if (s->tl[li].claimed && s->tl[li].y0 < stop)
			stop = s->tl[li].y0;
	for (f = LOC_NAME; f <= LOC_BIRTHDAY; f++)
		take_row(s, f, &s->fv[f]);
	if (!s->lab[LOC_NAME].found)
		name_above_sex(s);
	first = take_row(s, LOC_ADDRESS, &s->fv[LOC_ADDRESS]);
	if ((lp = label_piece(s, LOC_ADDRESS)) >= 0) {
		const struct piece *p = first >= 0 ? &s->pc[first] : &s->pc[lp];
		const struct piece *l = &s->pc[lp];
		/* A first line merged with a watermark is too tall to
		 * measure the wrapped lines by: its label's row is not. */
		int tall = p->y1 - p->y0 > 1.6f * (l->y1 - l->y0);

		take_wrapped(s, first >= 0 ? p->x0 : p->x1 + 0.03f,
		    tall ? l->y0 : p->y0, tall ? l->y1 : p->y1, stop, 3,
		    &s->fv[LOC_ADDRESS]);
		s->fv[LOC_ADDRESS].found = s->fv[LOC_ADDRESS].n > 0;
	}
	if (s->fv[LOC_BIRTHDAY].found)
		form_ok = birthday_form(s, gs, ge);
	printed_evidence(s, &pr, gs, ge, form_ok);
	do_number(s, &pr);
	do_birthday(s, gs, ge, form_ok);
	do_sex(s);
	do_people(s);
	do_address(s);
	/* A name is a surname and a given name: one character is a name read
	 * in part (blur, a covering), flagged, never silent. */
	if (s->fv[LOC_NAME].found && s->fv[LOC_NAME].n == 1)
		s->fv[LOC_NAME].broken = 1;
}

/*
 * 签发机关 not read: the authority is the free line just above the
 * validity's value and in its column (starting within 6% of the card
 * width), at most three of its heights above it.
 */
static int
authority_above(const struct st *s, float x0, float y0, float y1)
{
	float h = y1 - y0;
	int i, best = -1;

	for (i = 0; i < s->ntl; i++) {
		const struct tl *t = &s->tl[i];

		if (!free_line(s, i) || t->n < 2 || t->y1 > y0 + 0.3f * h ||
		    y0 - t->y0 > 3.0f * h || fabsf(t->x0 - x0) > 0.06f ||
		    t->y1 - t->y0 > 1.6f * h)
			continue;
		if (best < 0 || t->y0 > s->tl[best].y0)
			best = i;
	}
	return best;
}

static void
read_back(struct st *s)
{
	int first, lp, li = -1;
	float stop = 1.0f, vx0 = 0, vy0 = 0, vy1 = 0;

	if ((first = take_row(s, LOC_VALIDITY, &s->fv[LOC_VALIDITY])) >= 0) {
		vx0 = s->pc[first].x0;
		vy0 = s->pc[first].y0;
		vy1 = s->pc[first].y1;
	} else if ((li = digit_line(s, 8)) >= 0) {
		vx0 = s->tl[li].x0;
		vy0 = s->tl[li].y0;
		vy1 = s->tl[li].y1;
		take_line(s, li, &s->fv[LOC_VALIDITY]);
	}
	if (s->lab[LOC_VALIDITY].found)
		stop = s->tl[s->lab[LOC_VALIDITY].line].y0;
	first = take_row(s, LOC_AUTHORITY, &s->fv[LOC_AUTHORITY]);
	if (first >= 0 && (lp = label_piece(s, LOC_AUTHORITY)) >= 0) {
		const struct piece *p = &s->pc[first];

		take_wrapped(s, p->x0, p->y0, p->y1, stop, 1,
		    &s->fv[LOC_AUTHORITY]);
	} else if (first < 0 && s->fv[LOC_VALIDITY].found &&
	    (li = authority_above(s, vx0, vy0, vy1)) >= 0)
		take_line(s, li, &s->fv[LOC_AUTHORITY]);
	do_authority(s);
	do_validity(s, s->out->side == LOC_SIDE_TEMPORARY);
}

static void
finish(struct st *s, int from, int to)
{
	struct loc_fields *out = s->out;
	int f, i;

	for (f = from; f <= to; f++) {
		struct fv *v = &s->fv[f];
		struct loc_value *o = &out->f[f];
		double conf = v->n > 0 ? 1.0 : 0.0;

		for (i = 0; i < v->n; i++)
			conf = v->c[i].rc < conf ? v->c[i].rc : conf;
		if ((v->broken || v->doubt) && conf > LOC_FIELDS_BROKEN_CONF)
			conf = LOC_FIELDS_BROKEN_CONF;
		o->found = v->found && v->n > 0;
		fv_text(v, o->text, sizeof(o->text));
		o->conf = o->found ? conf : 0.0;
		if (o->conf < LOC_FIELDS_LOW_CONF)
			out->low[out->nlow++] = (enum loc_field)f;
	}
}

int
loc_fields_read(const struct ocr_line *lines, size_t n, enum loc_side side,
    struct loc_fields *out, struct fz_err *err)
{
	struct st *s;
	size_t i;
	int front, back;

	if (out == NULL || (lines == NULL && n > 0) || side > LOC_SIDE_TEMPORARY) {
		fz_seterr(err, "field assignment: bad arguments");
		return -1;
	}
	if (n > LOC_MAX_LINES) {
		fz_seterr(err, "field assignment: %zu text lines, at most %d "
		    "expected on a card", n, LOC_MAX_LINES);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (n > 0 && (s->tl = calloc(n, sizeof(*s->tl))) == NULL)) {
		free(s);
		fz_seterr(err, "field assignment: out of memory");
		return -1;
	}
	s->out = out;
	s->ntl = (int)n;
	for (i = 0; i < n; i++)
		tl_from_line(&s->tl[i], &lines[i]);
	mark_lines(s);
	join_split_labels(s);
	front = side == LOC_SIDE_AUTO || side == LOC_SIDE_FRONT ||
	    side == LOC_SIDE_TEMPORARY;
	back = side == LOC_SIDE_AUTO || side == LOC_SIDE_BACK ||
	    side == LOC_SIDE_TEMPORARY;
	find_labels(s, front, back);
	if (side == LOC_SIDE_AUTO) {
		side = decide_side(s);
		if (side == LOC_SIDE_FRONT)
			for (i = LOC_AUTHORITY; i < LOC_NFIELDS; i++)
				s->lab[i].found = 0;
		if (side == LOC_SIDE_BACK)
			for (i = 0; i <= LOC_ID_NUMBER; i++)
				s->lab[i].found = 0;
		for (i = 0; i < n; i++)
			s->tl[i].haslabel = 0;
		for (i = 0; i < LOC_NFIELDS; i++)
			if (s->lab[i].found)
				s->tl[s->lab[i].line].haslabel = 1;
	}
	out->side = side;
	if (side == LOC_SIDE_FRONT)
		guess_labels(s);
	make_pieces(s);
	if (side == LOC_SIDE_FRONT || side == LOC_SIDE_TEMPORARY) {
		read_front(s);
		finish(s, LOC_NAME, LOC_ID_NUMBER);
	}
	if (side == LOC_SIDE_BACK || side == LOC_SIDE_TEMPORARY) {
		read_back(s);
		finish(s, LOC_AUTHORITY, LOC_VALIDITY);
	}
	free(s->tl);
	free(s);
	return 0;
}
