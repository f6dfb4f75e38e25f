/* Local engine, quality flags: what the service calls gray_image, border_covered, head_blurred, head_covered, measured on pixels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loc_quality.h"

/*
 * gray_image (a black-and-white photo or a photocopy):
 *   On the rectified card, each pixel's chroma is its largest opponent
 *   difference (R-G, B-G, R-B) after the card's median of each is taken
 *   off, so a colour cast from the lamp does not count as colour. A colour
 *   card has coloured print (the emblem, the guilloche, the portrait), so
 *   its 95th-percentile chroma is well above what JPEG and sensor noise
 *   leave on a grey picture; below LOC_GRAY_CHROMA (12) it is gray_image.
 *   A one-channel image is gray_image.
 *
 * border_covered (the card cut by the frame or covered at its edge):
 *   The card is cut when a side had to be extrapolated, or when a corner
 *   lies outside the frame by more than LOC_BORDER_MARGIN (0.5%) of the
 *   card's width. It is covered at an edge when, walking along a side at
 *   full resolution away from the rounded corners (100 places between 8%
 *   and 92%), the colour step of the card's edge is missing (weaker than
 *   30% of that side's median step) over a stretch longer than
 *   LOC_BORDER_GAP (6%) of the side: a finger or an object lies over it.
 *
 * head_blurred (the portrait out of focus):
 *   Inside the portrait of the rectified front (clear of the photo's own
 *   border, which is always sharp), the energy of the brightness gradient
 *   is compared after a light Gaussian (variance 1, which takes out sensor
 *   and JPEG noise) and after a further one of variance 4. For an edge
 *   blurred by sigma s the energy falls as 1/s, so the ratio R of the two
 *   gives the portrait's own blur, s^2 = (5 - R^2) / (R^2 - 1),
 *   independent of the photo's contrast and of how many edges the
 *   portrait has. Above LOC_HEAD_BLUR (1.9 pixels of the 856-wide card,
 *   about 0.2 mm) it is head_blurred. This includes the blur of a card
 *   photographed too small. A portrait with no edges is not judged.
 *
 * head_covered (something over the portrait):
 *   An ID photo has a plain light background above the shoulders on both
 *   sides of the head. Each of the two top corners of the portrait box is
 *   checked for being light (no darker than the card's paper by 50),
 *   even (brightness deviation under 24) and free of strong non-skin
 *   colour; a corner that fails is evidence 0.6. Over the whole box, the
 *   share of strongly coloured pixels whose hue is not skin's (a sticky
 *   note, a coin, a pen cap) adds evidence up to 0.6 at 15% of the box.
 *   Evidence of LOC_HEAD_COVER (0.5) or more is head_covered. A skin-
 *   coloured finger over the face itself, or a grey object on a grey
 *   photocopy away from the corners, is not seen: that needs the
 *   recogniser's view of the face.
 */

/* The portrait box of an upright front, as card fractions (as loc_card.c uses). */
static const double PORTRAIT[4] = { 0.62, 0.12, 0.92, 0.80 };
/* Inside the photo, clear of its border: the border between photo and card is always sharp. */
static const double PORTRAIT_IN[4] = { 0.66, 0.16, 0.88, 0.66 };

static double
luma(const unsigned char *p, int ch)
{
	return ch == 3 ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0];
}

/* Median of the opponent differences R-G and B-G over the card: its white point. */
static void
white_point(const struct loc_image *c, double *mrg, double *mbg)
{
	int hr[511] = { 0 }, hb[511] = { 0 }, x, y, i;
	long n = (long)c->w * c->h, cum;

	for (y = 0; y < c->h; y++)
		for (x = 0; x < c->w; x++) {
			const unsigned char *p = c->px + (size_t)y * c->stride + (size_t)x * 3;
			hr[p[0] - p[1] + 255]++;
			hb[p[2] - p[1] + 255]++;
		}
	for (i = 0, cum = 0; i < 511; i++)
		if ((cum += hr[i]) >= n / 2)
			break;
	*mrg = i - 255;
	for (i = 0, cum = 0; i < 511; i++)
		if ((cum += hb[i]) >= n / 2)
			break;
	*mbg = i - 255;
}

static double
chroma_at(const unsigned char *p, double mrg, double mbg)
{
	double a = p[0] - p[1] - mrg, b = p[2] - p[1] - mbg;
	return fmax(fabs(a), fmax(fabs(b), fabs(a - b)));
}

/* Skin: red highest, blue lowest, hue between about 5 and 40 degrees. */
static int
is_skin(const unsigned char *p)
{
	int r = p[0], g = p[1], b = p[2];
	double h;

	if (!(r > g && g >= b) || r - b < 15)
		return 0;
	h = (double)(g - b) / (r - b);
	return h >= 0.08 && h <= 0.67;
}

static double
gray_chroma(const struct loc_image *c)
{
	/* Chroma of integer pixels less integer medians is an integer 0..510: a histogram gives the percentile. */
	static const int NB = 511;
	long hist[511] = { 0 }, n = 0, cum = 0;
	double mrg, mbg;
	int x, y, k;

	if (c->channels != 3)
		return 0;
	white_point(c, &mrg, &mbg);
	/* Every second pixel each way is plenty for a percentile. */
	for (y = 0; y < c->h; y += 2)
		for (x = 0; x < c->w; x += 2) {
			k = (int)chroma_at(c->px + (size_t)y * c->stride + (size_t)x * 3, mrg, mbg);
			hist[k < NB ? k : NB - 1]++;
			n++;
		}
	for (k = 0; k < NB; k++)
		if ((cum += hist[k]) > n * 95 / 100)
			return k;
	return NB - 1;
}

static double
grad_energy(const float *v, int w, int h)
{
	double e = 0;
	int x, y;

	/* A border of 6 pixels is left out: the blur there sees the clamped edge. */
	for (y = 6; y < h - 6; y++)
		for (x = 6; x < w - 6; x++) {
			double dx = v[(size_t)y * w + x + 1] - v[(size_t)y * w + x];
			double dy = v[(size_t)(y + 1) * w + x] - v[(size_t)y * w + x];
			e += dx * dx + dy * dy;
		}
	return e / ((double)(w - 12) * (h - 12));
}

/* Estimated blur sigma of the portrait; 0 when it has no edges to judge; -1 on no memory. */
static double
portrait_blur(const struct loc_image *c)
{
	int x0 = (int)(PORTRAIT_IN[0] * c->w), y0 = (int)(PORTRAIT_IN[1] * c->h);
	int w = (int)(PORTRAIT_IN[2] * c->w) - x0, h = (int)(PORTRAIT_IN[3] * c->h) - y0, x, y, i;
	float *v = malloc((size_t)w * h * sizeof(float)), *tmp = malloc((size_t)w * h * sizeof(float));
	double e0, e1, r, s = 0;

	if (v == NULL || tmp == NULL || w < 20 || h < 20) {
		free(v);
		free(tmp);
		return v == NULL || tmp == NULL ? -1 : 0;
	}
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			v[(size_t)y * w + x] = (float)luma(c->px + (size_t)(y0 + y) * c->stride +
			    (size_t)(x0 + x) * c->channels, c->channels);
	/* One pass of the 5-tap binomial (variance 1) first, so that sensor
	 * and JPEG noise do not pass for sharpness; then four more (variance
	 * 4). With s0 the portrait's blur, the energies are in the ratio
	 * R = sqrt(s0^2 + 5) / sqrt(s0^2 + 1). */
	loc_blur5(v, tmp, w, h);
	e0 = grad_energy(v, w, h);
	for (i = 0; i < 4; i++)
		loc_blur5(v, tmp, w, h);
	e1 = grad_energy(v, w, h);
	free(v);
	free(tmp);
	if (e0 < 1 || e1 <= 0)
		return 0;
	r = e0 / e1;
	if (r <= 1.0001)
		return 99;
	s = (5 - r * r) / (r * r - 1);
	return s <= 0 ? 0 : fmin(sqrt(s), 99);
}

/* Evidence 0..1 that something lies over the portrait. */
static double
portrait_cover(const struct loc_image *c)
{
	/* Inset from the box, which is a little wider than the photo on some cards. */
	static const double corners[2][4] = { { 0.05, 0.04, 0.22, 0.28 }, { 0.75, 0.04, 0.88, 0.28 } };
	int bx0 = (int)(PORTRAIT[0] * c->w), by0 = (int)(PORTRAIT[1] * c->h);
	int bw = (int)(PORTRAIT[2] * c->w) - bx0, bh = (int)(PORTRAIT[3] * c->h) - by0;
	int hist[256] = { 0 }, x, y, k;
	long n = (long)c->w * c->h, cum = 0, sat = 0, tot = 0;
	double paper = 200, mrg = 0, mbg = 0, ev = 0;

	for (y = 0; y < c->h; y += 2)
		for (x = 0; x < c->w; x += 2)
			hist[(int)luma(c->px + (size_t)y * c->stride + (size_t)x * c->channels, c->channels)]++;
	n = (long)((c->w + 1) / 2) * ((c->h + 1) / 2);
	for (k = 0; k < 256; k++)
		if ((cum += hist[k]) >= n * 3 / 4) {
			paper = k;
			break;
		}
	if (c->channels == 3)
		white_point(c, &mrg, &mbg);
	for (k = 0; k < 2; k++) {
		int x0 = bx0 + (int)(corners[k][0] * bw), x1 = bx0 + (int)(corners[k][2] * bw);
		int y0 = by0 + (int)(corners[k][1] * bh), y1 = by0 + (int)(corners[k][3] * bh);
		double s = 0, ss = 0, m, sd;
		long cnt = 0, col = 0;
		for (y = y0; y < y1; y++)
			for (x = x0; x < x1; x++) {
				const unsigned char *p = c->px + (size_t)y * c->stride + (size_t)x * c->channels;
				double l = luma(p, c->channels);
				s += l;
				ss += l * l;
				cnt++;
				if (c->channels == 3 && chroma_at(p, mrg, mbg) > 45 && !is_skin(p))
					col++;
			}
		if (cnt == 0)
			continue;
		m = s / cnt;
		sd = sqrt(fmax(0, ss / cnt - m * m));
		if (m < paper - 50 || sd > 24 || col > cnt / 3)
			ev += 0.6;
	}
	if (c->channels == 3) {
		for (y = by0; y < by0 + bh; y++)
			for (x = bx0; x < bx0 + bw; x++) {
				const unsigned char *p = c->px + (size_t)y * c->stride + (size_t)x * 3;
				tot++;
				if (chroma_at(p, mrg, mbg) > 45 && !is_skin(p))
					sat++;
			}
		if (tot)
			ev += 0.6 * fmin(1, (double)sat / tot / 0.15);
	}
	return fmin(1, ev);
}

int
loc_quality(const struct loc_image *photo, const struct loc_quad *q, const struct loc_image *card,
    struct loc_flags *f, struct fz_err *err)
{
	double gaps[4], cw, out = 0;
	int i;

	memset(f, 0, sizeof(*f));
	if (photo == NULL || photo->px == NULL || card == NULL || card->px == NULL || q == NULL ||
	    card->w != LOC_RECT_W || card->h != LOC_RECT_H || card->channels != photo->channels ||
	    (card->channels != 1 && card->channels != 3)) {
		fz_seterr(err, "quality: expects the photo and its %dx%d rectified card", LOC_RECT_W, LOC_RECT_H);
		return -1;
	}
	f->chroma = gray_chroma(card);
	if (f->chroma < 0) {
		fz_seterr(err, "quality: out of memory");
		return -1;
	}
	f->gray_image = f->chroma < LOC_GRAY_CHROMA;

	cw = (hypot(q->c[1].x - q->c[0].x, q->c[1].y - q->c[0].y) +
	    hypot(q->c[2].x - q->c[3].x, q->c[2].y - q->c[3].y)) / 2;
	for (i = 0; i < 4; i++) {
		double o = fmax(fmax(-q->c[i].x, q->c[i].x - photo->w), fmax(-q->c[i].y, q->c[i].y - photo->h));
		out = fmax(out, o / fmax(cw, 1));
	}
	f->out_of_frame = out;
	loc_side_gaps(photo, q->c, gaps);
	for (i = 0; i < 4; i++)
		f->gap = fmax(f->gap, gaps[i]);
	f->border_covered = q->cut || out > LOC_BORDER_MARGIN || f->gap > LOC_BORDER_GAP;

	if (q->side == LOC_CARD_FRONT) {
		f->blur = portrait_blur(card);
		if (f->blur < 0) {
			fz_seterr(err, "quality: out of memory");
			return -1;
		}
		f->head_blurred = f->blur > LOC_HEAD_BLUR;
		f->cover = portrait_cover(card);
		f->head_covered = f->cover >= LOC_HEAD_COVER;
	}
	return 0;
}
