/* Local engine, one photo: every card in it found, rectified, read and checked into recogniser results. */
#include "loc_read.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "jpeg.h"
#include "loc_fields.h"
#include "loc_quality.h"
#include "ocr_img.h"

/*
 * Crops saved with --save-images, as card fractions of an upright front:
 * the portrait with its margin (the service's head_portrait), and a
 * fallback band for the number when no line of it was detected.
 */
static const double PORTRAIT_BOX[4] = { 0.60, 0.08, 0.95, 0.84 };
static const double NUMBER_BAND[4] = { 0.28, 0.76, 0.98, 0.92 };

/* The service's type strings for each side (gw_response.c maps them back). */
/*
 * Photos are decoded at most this long a side: a card filling a fifth of
 * such a frame is still wider than its 856-pixel rectified image, and a
 * 20000-pixel photo then costs 15 MB, not 1.2 GB (peak RSS at -j 2).
 */
#define LOC_READ_DECODE_SIDE 2400

/*
 * Red print (to_bgr): red minus the larger of green and blue, at its
 * largest within LOC_READ_RED_REACH pixels. From LOC_READ_RED_LO on a pixel
 * moves towards its red channel's value, all the way at LOC_READ_RED_HI; a
 * lamp's warm cast on white paper stays near the bottom of the ramp.
 */
#define LOC_READ_RED_LO 8
#define LOC_READ_RED_HI 25
#define LOC_READ_RED_REACH 2

static const char TYPE_FRONT[] = "第二代身份证";
static const char TYPE_BACK[] = "第二代身份证背面";
static const char TYPE_TEMP[] = "临时身份证";

long long
loc_read_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void
loc_read_defaults(const struct textlines *models, struct loc_read_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->models = models;
	if (models != NULL)
		textlines_det_defaults(models, &c->det);
	else
		ocr_det_defaults(&c->det);
	/* The rectified card is 856 wide: det at 864 sees it at its own
	 * scale (a multiple of 32) instead of enlarged to 960, for 20% less
	 * work and the same boxes. */
	c->det.limit_side = 864;
	/* A back's text is read as well at 640 (dev sets, seeds 36000 and
	 * 38000: authority and validity as right or more often), for 45%
	 * less det work; fronts lose names and birthdays there. */
	c->det_back_side = 640;
	/* One-character values (汉, 白) score under 0.6 (engine-notes.md). */
	c->det.box_thresh = 0.5f;
	c->rec_pad = 0.08f;
	c->rect_w = LOC_RECT_W;
	c->rect_h = LOC_RECT_H;
}

/* Rotate an RGB card 180 degrees in place (upside-down cards). */
static void
rotate180(struct loc_image *im)
{
	size_t n = (size_t)im->w * (size_t)im->h, c = (size_t)im->channels;

	for (size_t i = 0, j = n - 1; i < j; i++, j--)
		for (size_t k = 0; k < c; k++) {
			unsigned char t = im->px[i * c + k];
			im->px[i * c + k] = im->px[j * c + k];
			im->px[j * c + k] = t;
		}
}

/* The largest value within LOC_READ_RED_REACH of each of a row's n
 * values, step apart, from src to dst. */
static void
reach_max(const unsigned char *src, unsigned char *dst, int n, size_t step)
{
	for (int i = 0; i < n; i++) {
		int lo = i - LOC_READ_RED_REACH, hi = i + LOC_READ_RED_REACH;
		unsigned char m = 0;

		for (int k = lo < 0 ? 0 : lo; k <= hi && k < n; k++)
			if (src[(size_t)k * step] > m)
				m = src[(size_t)k * step];
		dst[(size_t)i * step] = m;
	}
}

/*
 * The card in BGR for the OCR modules (PaddleOCR's channel order), with
 * red print lifted to its red channel's lightness. A card's text is black
 * and its labels blue; what is red (a 样本 watermark or stamp over the
 * address, the back's emblem) is never a field, and the detector merges a
 * light red overlay with the black text under it into one region. Pale red
 * on a pale card has about the card's red value, so lifting to red erases
 * it while black text stays black. The rims of red strokes, where a blur
 * or the JPEG's halved colour resolution has mixed red with the ground,
 * are less red than the strokes but just as dark in green and blue: the
 * redness of the neighbourhood, not of the pixel, decides, and it lifts
 * gradually so that no edge of its own is drawn. -1 out of memory.
 */
static int
to_bgr(const struct loc_image *card, unsigned char *bgr)
{
	size_t np = (size_t)card->w * (size_t)card->h;
	unsigned char *red = malloc(2 * np), *tmp;

	if (red == NULL)
		return -1;
	tmp = red + np;
	for (int y = 0; y < card->h; y++) {
		const unsigned char *s = card->px + (size_t)y * card->stride;

		for (int x = 0; x < card->w; x++) {
			int r = s[3 * x], g = s[3 * x + 1], b = s[3 * x + 2];
			int d = r - (g > b ? g : b);

			red[(size_t)y * card->w + x] =
			    (unsigned char)(d < 0 ? 0 : d);
		}
	}
	for (int y = 0; y < card->h; y++)
		reach_max(red + (size_t)y * card->w, tmp + (size_t)y * card->w,
		    card->w, 1);
	for (int x = 0; x < card->w; x++)
		reach_max(tmp + x, red + x, card->h, (size_t)card->w);
	for (int y = 0; y < card->h; y++) {
		const unsigned char *s = card->px + (size_t)y * card->stride;
		const unsigned char *m = red + (size_t)y * card->w;
		unsigned char *d = bgr + (size_t)y * card->w * 3;

		for (int x = 0; x < card->w; x++) {
			int r = s[3 * x], g = s[3 * x + 1], b = s[3 * x + 2];
			int a = m[x] <= LOC_READ_RED_LO ? 0 :
			    m[x] >= LOC_READ_RED_HI ? 256 :
			    (m[x] - LOC_READ_RED_LO) * 256 /
			    (LOC_READ_RED_HI - LOC_READ_RED_LO);

			d[3 * x] = (unsigned char)(b + (r - b) * a / 256);
			d[3 * x + 1] = (unsigned char)(g + (r - g) * a / 256);
			d[3 * x + 2] = (unsigned char)r;
		}
	}
	free(red);
	return 0;
}

/* Lines and fields of the upright card; -1 on a model or memory failure. */
static int
read_card(const struct loc_read_conf *c, const struct ocr_det_params *dp,
    struct textlines_ws *ws, const struct loc_image *card, unsigned char *bgr,
    struct ocr_line **lines, size_t *n, struct loc_fields *f,
    struct fz_err *err)
{
	struct ocr_image img = { bgr, card->w, card->h, (size_t)card->w * 3 };

	if (to_bgr(card, bgr) != 0) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	free(*lines);
	*lines = NULL;
	if (textlines_read_card(c->models, ws, &img, dp, c->rec_pad,
		c->max_lines, lines, n, err) != 0)
		return -1;
	return loc_fields_read(*lines, *n, LOC_SIDE_AUTO, f, err);
}

/* read_card, and when no label of either side is found, read_card of the
 * card turned 180 degrees (left so): the pixel cues can misjudge which way
 * up a card lies (a grey copy, a covered emblem), and the text decides. */
static int
read_either_way(const struct loc_read_conf *c, const struct ocr_det_params *dp,
    struct textlines_ws *ws, struct loc_image *card, unsigned char *bgr,
    struct ocr_line **lines, size_t *n, struct loc_fields *f,
    struct fz_err *err)
{
	if (read_card(c, dp, ws, card, bgr, lines, n, f, err) != 0)
		return -1;
	if (f->side != LOC_SIDE_NONE)
		return 0;
	rotate180(card);
	return read_card(c, dp, ws, card, bgr, lines, n, f, err);
}

/* Encode the (x0, y0)-(x1, y1) fractions of card as JPEG into slot k of r. */
static int
crop_jpeg(const struct loc_image *card, double x0, double y0, double x1,
    double y1, struct recog_result *r, enum recog_image_kind k)
{
	int ix0 = (int)fmax(0, floor(x0 * card->w));
	int iy0 = (int)fmax(0, floor(y0 * card->h));
	int ix1 = (int)fmin(card->w, ceil(x1 * card->w));
	int iy1 = (int)fmin(card->h, ceil(y1 * card->h));
	struct image_px p;
	struct fz_err err;
	int rc;

	if (ix1 - ix0 < 8 || iy1 - iy0 < 8)
		return 0;
	p.w = (unsigned)(ix1 - ix0);
	p.h = (unsigned)(iy1 - iy0);
	p.c = 3;
	if ((p.px = malloc((size_t)p.w * p.h * 3)) == NULL)
		return -1;
	for (unsigned y = 0; y < p.h; y++)
		memcpy(p.px + (size_t)y * p.w * 3, card->px + (size_t)(iy0 + (int)y) *
		    card->stride + (size_t)ix0 * 3, (size_t)p.w * 3);
	rc = image_encode(&p, 90, &r->images[k].data, &r->images[k].len, &err);
	free(p.px);
	if (rc != 0)
		return recog_result_warn(r, "image_not_saved", "%s", err.msg);
	return 0;
}

/* The detected line of the number: the one with the most digits in the card's lower half. */
static const struct ocr_line *
number_line(const struct ocr_line *lines, size_t n)
{
	const struct ocr_line *best = NULL;
	int most = 11; /* fewer digits is some other line */

	for (size_t i = 0; i < n; i++) {
		int d = 0;

		if (lines[i].nbox[0].y < 0.5f)
			continue;
		for (const char *s = lines[i].text; *s; s++)
			d += (*s >= '0' && *s <= '9') || *s == 'X';
		if (d > most) {
			most = d;
			best = &lines[i];
		}
	}
	return best;
}

static int
save_crops(const struct loc_read_conf *c, const struct loc_image *card,
    enum loc_side side, const struct ocr_line *lines, size_t n,
    struct recog_result *r)
{
	struct image_px p = { card->px, (unsigned)card->w, (unsigned)card->h, 3 };
	struct fz_err err;
	const struct ocr_line *num;

	if (!c->save_images)
		return 0;
	if (image_encode(&p, 90, &r->images[RECOG_IMG_CROPPED].data,
		&r->images[RECOG_IMG_CROPPED].len, &err) != 0 &&
	    recog_result_warn(r, "image_not_saved", "%s", err.msg) != 0)
		return -1;
	if (side != LOC_SIDE_FRONT && side != LOC_SIDE_TEMPORARY)
		return 0;
	if (crop_jpeg(card, PORTRAIT_BOX[0], PORTRAIT_BOX[1], PORTRAIT_BOX[2],
		PORTRAIT_BOX[3], r, RECOG_IMG_PORTRAIT) != 0)
		return -1;
	if ((num = number_line(lines, n)) != NULL) {
		double x0 = fmin(num->nbox[0].x, num->nbox[3].x);
		double x1 = fmax(num->nbox[1].x, num->nbox[2].x);
		double y0 = fmin(num->nbox[0].y, num->nbox[1].y);
		double y1 = fmax(num->nbox[2].y, num->nbox[3].y);
		double m = (y1 - y0) * 0.25;

		return crop_jpeg(card, x0 - m, y0 - m, x1 + m, y1 + m, r,
		    RECOG_IMG_ID_NUMBER);
	}
	return crop_jpeg(card, NUMBER_BAND[0], NUMBER_BAND[1], NUMBER_BAND[2],
	    NUMBER_BAND[3], r, RECOG_IMG_ID_NUMBER);
}

/* Fields, confidences, changes and the low_confidence warning into r. */
static int
fill_fields(const struct loc_fields *f, struct recog_result *r)
{
	char low[256] = "";
	size_t at = 0;

	r->side = f->side == LOC_SIDE_FRONT ? "front" :
	    f->side == LOC_SIDE_BACK ? "back" : "temporary";
	if (recog_text_set(&r->type, f->side == LOC_SIDE_FRONT ? TYPE_FRONT :
		f->side == LOC_SIDE_BACK ? TYPE_BACK : TYPE_TEMP,
		strlen(f->side == LOC_SIDE_FRONT ? TYPE_FRONT :
		f->side == LOC_SIDE_BACK ? TYPE_BACK : TYPE_TEMP)) != 0)
		return -1;
	if ((r->confidence = json_object()) == NULL ||
	    (r->changes = json_array()) == NULL)
		return -1;
	for (int i = 0; i < LOC_NFIELDS; i++) {
		int mine = f->side == LOC_SIDE_TEMPORARY ||
		    (f->side == LOC_SIDE_FRONT) == (i < LOC_AUTHORITY);

		if (!mine)
			continue;
		/* Three decimals: enough to rank, and records stay stable. */
		if (json_object_set_new(r->confidence, loc_field_name(i),
			json_real(round(f->f[i].conf * 1000) / 1000)) != 0)
			return -1;
		if (f->f[i].found && recog_text_set(&r->text[i], f->f[i].text,
			strlen(f->f[i].text)) != 0)
			return -1;
	}
	for (size_t i = 0; i < f->nchanges; i++) {
		const struct loc_change *ch = &f->changes[i];

		if (json_array_append_new(r->changes, json_pack(
			"{s:s, s:s, s:s, s:s}", "field", loc_field_name(ch->field),
			"reason", loc_reason_name(ch->why), "from", ch->from,
			"to", ch->to)) != 0)
			return -1;
	}
	for (size_t i = 0; i < f->nlow; i++) {
		int k = snprintf(low + at, sizeof(low) - at, "%s%s (%.2f)",
		    i ? ", " : "", loc_field_name(f->low[i]),
		    f->f[f->low[i]].found ? f->f[f->low[i]].conf : 0.0);

		if (k < 0 || (size_t)k >= sizeof(low) - at)
			break;
		at += (size_t)k;
	}
	if (f->nlow > 0 && recog_result_warn(r, "low_confidence",
		"confidence below %.2f (not found: 0): %s", LOC_FIELDS_LOW_CONF,
		low) != 0)
		return -1;
	return 0;
}

/* The quality flags of card q (as read: side from the fields) into r. */
static void
fill_flags(const struct loc_image *photo, const struct loc_quad *q,
    const struct loc_image *card, enum loc_side side, struct recog_result *r)
{
	struct loc_quad qq = *q;
	struct loc_flags fl;
	struct fz_err err;

	qq.side = side == LOC_SIDE_BACK ? LOC_CARD_BACK : LOC_CARD_FRONT;
	if (loc_quality(photo, &qq, card, &fl, &err) != 0)
		return; /* flags stay unknown */
	r->flags[0] = fl.head_covered;
	r->flags[1] = fl.head_blurred;
	r->flags[2] = fl.border_covered;
	r->flags[3] = fl.gray_image;
}

/*
 * One card: 1 read into r, 0 no card text on it (either way up), -1 out
 * of memory or a model failure (err).
 */
static int
one_card(const struct loc_read_conf *c, struct textlines_ws *ws,
    const struct loc_image *photo, const struct loc_quad *q, long long t0,
    struct recog_result *r, struct fz_err *err)
{
	struct loc_image card = { 0 };
	struct loc_cues cues;
	struct loc_fields *f = NULL;
	struct ocr_line *lines = NULL;
	unsigned char *bgr = NULL;
	size_t n = 0;
	struct ocr_det_params dp;
	enum loc_card_side cue;
	double sc, oc;
	int flip = 0, rc = -1;
	long long t1;

	if (loc_rectify(photo, q->c, c->rect_w, c->rect_h, &card, err) != 0)
		goto out;
	cue = loc_decide_side(&card, &cues, &flip, &sc, &oc);
	if (flip)
		rotate180(&card);
	dp = c->det;
	if (cue == LOC_CARD_BACK && c->det_back_side > 0)
		dp.limit_side = c->det_back_side;
	t1 = loc_read_ms();
	if ((f = malloc(sizeof(*f))) == NULL ||
	    (bgr = malloc((size_t)card.w * card.h * 3)) == NULL) {
		fz_seterr(err, "out of memory");
		goto out;
	}
	if (read_either_way(c, &dp, ws, &card, bgr, &lines, &n, f, err) != 0)
		goto out;
	if (f->side != LOC_SIDE_BACK && dp.limit_side != c->det.limit_side) {
		/* Cues said back, the text does not: a front gets det at the
		 * full size, from the way up the first read began with. */
		dp = c->det;
		if (f->side == LOC_SIDE_NONE)
			rotate180(&card);
		if (read_either_way(c, &dp, ws, &card, bgr, &lines, &n, f,
		    err) != 0)
			goto out;
	}
	if (f->side == LOC_SIDE_NONE) {
		rc = 0;
		goto out;
	}
	if (fill_fields(f, r) != 0 || save_crops(c, &card, f->side, lines, n,
	    r) != 0) {
		fz_seterr(err, "out of memory");
		goto out;
	}
	fill_flags(photo, q, &card, f->side, r);
	for (int i = 0; i < 4; i++) {
		r->corners[2 * i] = q->c[i].x;
		r->corners[2 * i + 1] = q->c[i].y;
	}
	r->has_corners = 1;
	r->has_time_cost = r->has_preprocess = r->has_recognize = 1;
	r->preprocess = t1 - t0;
	r->recognize = loc_read_ms() - t1;
	rc = 1;
out:
	free(lines);
	free(bgr);
	free(f);
	loc_image_free(&card);
	return rc;
}

int
loc_read_photo(const struct loc_read_conf *c, struct textlines_ws *ws,
    const struct loc_image *photo, long long t0, struct recog_result *r)
{
	struct loc_result found;
	struct recog_result *res[LOC_MAX_CARDS] = { 0 }, *cur = r;
	struct fz_err err;
	int m = 0;

	if (photo->w < LOC_READ_MIN_SIDE || photo->h < LOC_READ_MIN_SIDE ||
	    (long)photo->w * photo->h > LOC_MAX_PIXELS) {
		return recog_result_error(r, LOC_READ_IMAGE_SIZE,
		    "a %dx%d picture: the local engine reads %d to %d pixels a "
		    "side and at most %ld million pixels", photo->w, photo->h,
		    LOC_READ_MIN_SIDE, LOC_MAX_SIDE, LOC_MAX_PIXELS / 1000000);
	}
	if (textlines_ws_cancelled(ws))
		return recog_result_error(r, LOC_READ_TIMEOUT, "cancelled") ?
		    -1 : 0;
	if (loc_find_cards(photo, &found, &err) != 0)
		return recog_result_error(r, LOC_READ_BAD_JPEG, "%s", err.msg) ?
		    -1 : 0;
	for (int i = 0; i < found.n; i++) {
		int got;

		if (cur == NULL && (cur = recog_result_new(r->id)) == NULL)
			goto oom;
		/* Each card's preprocess counts from the image's start for
		 * the first, from its own rectification for the others. */
		got = one_card(c, ws, photo, &found.card[i], m == 0 ? t0 :
		    loc_read_ms(), cur, &err);
		if (got < 0) {
			if (cur != r)
				recog_result_free(cur);
			for (int k = 1; k < m; k++)
				recog_result_free(res[k]);
			r->next_card = NULL;
			return recog_result_error(r, textlines_ws_cancelled(ws) ?
			    LOC_READ_TIMEOUT : "engine_failed", "%s",
			    err.msg) ? -1 : 0;
		}
		/* A card-shaped thing without card text leaves cur untouched
		 * for the next one. */
		if (got == 1) {
			res[m++] = cur;
			cur = NULL;
		}
	}
	if (cur != NULL && cur != r)
		recog_result_free(cur);
	if (m == 0)
		return recog_result_error(r, LOC_READ_NO_CARD, found.n == 0 ?
		    "no ID card found in the image" :
		    "no ID card text found in the image") ? -1 : 0;
	for (int k = 0; k < m; k++) {
		res[k]->card = k + 1;
		res[k]->ncards = m;
		res[k]->next_card = k + 1 < m ? res[k + 1] : NULL;
	}
	return 0;
oom:
	for (int k = 1; k < m; k++)
		recog_result_free(res[k]);
	return -1;
}

int
loc_read_quad(const struct loc_read_conf *c, struct textlines_ws *ws,
    const struct loc_image *photo, const struct loc_pt corners[4],
    struct recog_result *r)
{
	struct loc_quad q;
	struct fz_err err;
	int got;

	memset(&q, 0, sizeof(q));
	memcpy(q.c, corners, sizeof(q.c));
	for (int i = 0; i < 4; i++)
		q.support[i] = q.inside[i] = 1;
	q.score = 1;
	got = one_card(c, ws, photo, &q, loc_read_ms(), r, &err);
	if (got < 0)
		return recog_result_error(r, "engine_failed", "%s", err.msg) ?
		    -1 : 0;
	if (got == 0)
		return recog_result_error(r, LOC_READ_NO_CARD,
		    "no ID card text found at the given corners") ? -1 : 0;
	r->card = r->ncards = 1;
	return 0;
}

int
loc_read_jpeg(const struct loc_read_conf *c, struct textlines_ws *ws,
    const unsigned char *data, size_t len, struct recog_result *r)
{
	long long t0 = loc_read_ms();
	struct image_px px = { 0 };
	struct loc_image photo;
	struct jpeg_info info;
	struct fz_err err;
	int rc;

	if (jpeg_probe(data, len, &info, &err) != JPEG_OK)
		return recog_result_error(r, LOC_READ_BAD_JPEG, "%s", err.msg) ?
		    -1 : 0;
	if ((unsigned long long)info.width * info.height > LOC_MAX_PIXELS ||
	    info.width > LOC_MAX_SIDE || info.height > LOC_MAX_SIDE ||
	    info.width < LOC_READ_MIN_SIDE || info.height < LOC_READ_MIN_SIDE)
		return recog_result_error(r, LOC_READ_IMAGE_SIZE,
		    "a %ux%u picture: the local engine reads %d to %d pixels a "
		    "side and at most %ld million pixels", info.width,
		    info.height, LOC_READ_MIN_SIDE, LOC_MAX_SIDE,
		    LOC_MAX_PIXELS / 1000000) ? -1 : 0;
	if (image_decode_upright_rgb(data, len, LOC_MAX_PIXELS,
		LOC_READ_DECODE_SIDE, &px, &err) != 0)
		return recog_result_error(r, LOC_READ_BAD_JPEG, "%s", err.msg) ?
		    -1 : 0;
	photo.w = (int)px.w;
	photo.h = (int)px.h;
	photo.channels = 3;
	photo.stride = (int)px.w * 3;
	photo.px = px.px;
	rc = loc_read_photo(c, ws, &photo, t0, r);
	image_px_free(&px);
	return rc;
}
