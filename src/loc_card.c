/* Local engine, card finding: edges, line votes, card-shaped quadrilaterals, sub-pixel sides, perspective rectification, side and orientation cues. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loc_card.h"

#define LOC_PI 3.14159265358979323846

/*
 * The method, in order:
 *
 * 1. A work copy of the photo, box-averaged to at most WORK_SIDE pixels on
 *    the long side: card edges survive, texture and noise average out, and
 *    the search cost no longer depends on the camera's resolution.
 * 2. Colour edges: a light Gaussian, Sobel on each channel, the strongest
 *    channel per pixel (a card on a background of the same brightness but
 *    another colour still has an edge), thinned by non-maximum suppression
 *    and kept by hysteresis.
 * 3. Line votes: each edge pixel votes for lines near its own gradient
 *    direction only (a Hough transform restricted by orientation, so
 *    texture does not pile up votes for every line). The strongest few
 *    dozen separate lines are kept, plus the four frame borders.
 * 4. For every line, which stretches of it have edge pixels of the same
 *    direction beside them (prefix sums, so any segment's support is one
 *    subtraction).
 * 5. Quadrilaterals from two roughly parallel pairs of lines that cross at
 *    50 degrees or more: convex, big enough, with a long/short ratio near
 *    the card's 1.585 (1.2-2.1 allows 30 degrees of tilt), scored by how
 *    much of each side has edge evidence away from the rounded corners. At
 *    most one side may be a frame border (a card cut by the frame); it
 *    counts as half-evidenced and the missing part is extrapolated from
 *    the card's proportions later.
 * 6. Greedy selection: a quad that holds two or more separate card-like
 *    quads (a photocopy page around its two cards) gives way to them;
 *    then best first, dropping those that overlap one already taken.
 * 7. Each side refitted at full resolution: the colour-gradient peak
 *    along the side's normal at 40 places between 10% and 90% of its
 *    length (clear of the rounded corners), sub-pixel by a parabola,
 *    then a total-least-squares line with outliers (a finger, glare)
 *    dropped; the corners are where the refitted lines cross.
 * 8. Order: the long side on top, then front/back and upright/upside-down
 *    from pixel cues of the rectified card (loc_decide_side).
 */

#ifndef WORK_SIDE
#define WORK_SIDE 800
#endif
#define ANG_BINS 180            /* Hough: one-degree steps */
#define VOTE_SPREAD 5           /* degrees either side of the gradient direction */
/*
 * Lines kept from the votes, and the least votes a line needs (a fraction of
 * the work image's short side). The first pass keeps few: the cost of the
 * quad search grows with the fourth power of the count. A photo where it
 * finds no card or several (a scan of many cards, whose portrait boxes and
 * text rows crowd the list) is searched again with more and weaker lines:
 * a blurred card edge wanders by a pixel or two and spreads its votes.
 */
#define LINES_FIRST 64
#define VOTES_FIRST 0.06
#define LINES_AGAIN 80
#define VOTES_AGAIN 0.04
#define MAX_LINES LINES_AGAIN
#define MAX_CANDS 300
#define MAX_POOL 40000
#define DIR_TOL (14.0 * LOC_PI / 180.0)
#define CORNER_SKIP 0.10        /* side fraction near each corner left out (rounded corners) */
#define ASPECT_MIN 1.20
#define ASPECT_MAX 2.10
#define ACCEPT_SCORE 0.62

struct plane {
	int w, h;
	float *v;
};

struct line {
	double c, s, rho;       /* c x + s y = rho, (c, s) the unit normal */
	double t0;              /* parameter of the first support cell */
	int n;                  /* cells */
	int *pref;              /* prefix sums of supported cells, n + 1 */
	int virt;               /* a frame border, not an edge */
	int votes;
};

struct cand {
	struct loc_pt c[4];     /* work-image coordinates, polygon order */
	int li[4];              /* line of side i (from c[i] to c[i+1]) */
	double sup[4], ins[4];
	double score, area;
	int dead;
};

/* ------------------------------------------------------------ small geometry */

static double
cross3(struct loc_pt a, struct loc_pt b, struct loc_pt c)
{
	return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

static double
dist(struct loc_pt a, struct loc_pt b)
{
	return hypot(a.x - b.x, a.y - b.y);
}

static double
poly_area(const struct loc_pt *p, int n)
{
	double s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += p[i].x * p[(i + 1) % n].y - p[(i + 1) % n].x * p[i].y;
	return s / 2;
}

static int
line_meet(double c1, double s1, double r1, double c2, double s2, double r2, struct loc_pt *p)
{
	double det = c1 * s2 - s1 * c2;

	if (fabs(det) < 1e-9)
		return -1;
	p->x = (r1 * s2 - s1 * r2) / det;
	p->y = (c1 * r2 - r1 * c2) / det;
	return 0;
}

/* Clips convex polygon p (n points, either winding) by the half-plane left of a->b (for positive area). */
static int
clip_half(const struct loc_pt *p, int n, struct loc_pt a, struct loc_pt b, double sign, struct loc_pt *out)
{
	int i, m = 0;

	for (i = 0; i < n; i++) {
		struct loc_pt cur = p[i], prev = p[(i + n - 1) % n];
		double dc = sign * cross3(a, b, cur), dp = sign * cross3(a, b, prev);

		if (dc >= 0) {
			if (dp < 0) {
				double t = dp / (dp - dc);
				out[m].x = prev.x + t * (cur.x - prev.x);
				out[m].y = prev.y + t * (cur.y - prev.y);
				m++;
			}
			out[m++] = cur;
		} else if (dp >= 0) {
			double t = dp / (dp - dc);
			out[m].x = prev.x + t * (cur.x - prev.x);
			out[m].y = prev.y + t * (cur.y - prev.y);
			m++;
		}
	}
	return m;
}

/* Area of the intersection of two convex quadrilaterals. */
static double
quad_overlap(const struct loc_pt *a, const struct loc_pt *b)
{
	struct loc_pt p[16], q[16];
	double sign = poly_area(b, 4) >= 0 ? 1 : -1;
	int i, n = 4;

	memcpy(p, a, 4 * sizeof(*a));
	for (i = 0; i < 4 && n > 0; i++) {
		n = clip_half(p, n, b[i], b[(i + 1) % 4], sign, q);
		memcpy(p, q, (size_t)n * sizeof(*p));
	}
	return n >= 3 ? fabs(poly_area(p, n)) : 0;
}

/* Solves the 8x8 system for the homography mapping src[i] to dst[i]; h[8] = 1. */
static int
homography(const struct loc_pt *src, const struct loc_pt *dst, double h[9])
{
	double a[8][9];
	int i, j, k;

	for (i = 0; i < 4; i++) {
		double x = src[i].x, y = src[i].y, u = dst[i].x, v = dst[i].y;
		double r0[9] = { x, y, 1, 0, 0, 0, -u * x, -u * y, u };
		double r1[9] = { 0, 0, 0, x, y, 1, -v * x, -v * y, v };

		memcpy(a[2 * i], r0, sizeof(r0));
		memcpy(a[2 * i + 1], r1, sizeof(r1));
	}
	for (i = 0; i < 8; i++) {
		int piv = i;

		for (j = i + 1; j < 8; j++)
			if (fabs(a[j][i]) > fabs(a[piv][i]))
				piv = j;
		if (fabs(a[piv][i]) < 1e-12)
			return -1;
		if (piv != i)
			for (k = 0; k < 9; k++) {
				double t = a[i][k];
				a[i][k] = a[piv][k];
				a[piv][k] = t;
			}
		for (j = 0; j < 8; j++) {
			double f;

			if (j == i)
				continue;
			f = a[j][i] / a[i][i];
			for (k = i; k < 9; k++)
				a[j][k] -= f * a[i][k];
		}
	}
	for (i = 0; i < 8; i++)
		h[i] = a[i][8] / a[i][i];
	h[8] = 1;
	return 0;
}

/* ------------------------------------------------------------ pixels */

static int
check_image(const struct loc_image *img, struct fz_err *err)
{
	if (img == NULL || img->px == NULL || (img->channels != 1 && img->channels != 3)) {
		fz_seterr(err, "image: not an 8-bit grey or RGB buffer");
		return -1;
	}
	if (img->w < LOC_MIN_SIDE || img->h < LOC_MIN_SIDE || img->w > LOC_MAX_SIDE ||
	    img->h > LOC_MAX_SIDE || (long)img->w * img->h > LOC_MAX_PIXELS) {
		fz_seterr(err, "image: %dx%d is outside %d..%d pixels a side or over %ld pixels",
		    img->w, img->h, LOC_MIN_SIDE, LOC_MAX_SIDE, LOC_MAX_PIXELS);
		return -1;
	}
	if (img->stride < img->w * img->channels) {
		fz_seterr(err, "image: stride %d shorter than a row", img->stride);
		return -1;
	}
	return 0;
}

/* Bilinear sample of every channel at continuous (x, y) (pixel-centre convention) into v; -1 outside.
 * Inlined: rectifying a card takes up to 16 of these per output pixel. */
static inline __attribute__((always_inline)) int
sample_px(const struct loc_image *img, double x, double y, double *v)
{
	double fx = x - 0.5, fy = y - 0.5, ax, ay;
	int x0, y0, ch, c = img->channels, st = img->stride;
	const unsigned char *p;

	if (!(fx >= 0 && fy >= 0 && fx <= img->w - 1 && fy <= img->h - 1))
		return -1;
	x0 = (int)fx;
	y0 = (int)fy;
	if (x0 >= img->w - 1)
		x0 = img->w - 2;
	if (y0 >= img->h - 1)
		y0 = img->h - 2;
	ax = fx - x0;
	ay = fy - y0;
	p = img->px + (size_t)y0 * (size_t)st + (size_t)x0 * (size_t)c;
	for (ch = 0; ch < c; ch++)
		v[ch] = (1 - ay) * ((1 - ax) * p[ch] + ax * p[ch + c]) +
		    ay * ((1 - ax) * p[ch + st] + ax * p[ch + st + c]);
	return 0;
}

void
loc_image_free(struct loc_image *img)
{
	if (img == NULL)
		return;
	free(img->px);
	img->px = NULL;
}

/* loc_rectify with at most maxns x maxns samples per output pixel. */
static int
rectify_ns(const struct loc_image *img, const struct loc_pt c[4], int w, int h,
    int maxns, struct loc_image *out, struct fz_err *err)
{
	struct loc_pt rect[4] = { { 0, 0 }, { w, 0 }, { w, h }, { 0, h } };
	double H[9], sx, sy, off[4];
	int x, y, ch, ns, i, j;
	unsigned char *px;

	memset(out, 0, sizeof(*out));
	if (check_image(img, err) == -1)
		return -1;
	if (w < 8 || h < 8 || w > 4096 || h > 4096) {
		fz_seterr(err, "rectify: output size %dx%d out of range", w, h);
		return -1;
	}
	if (homography(rect, c, H) == -1) {
		fz_seterr(err, "rectify: degenerate quadrilateral");
		return -1;
	}
	/* Samples per output pixel and axis: enough that a card larger than
	 * the output is averaged, not aliased. */
	sx = (dist(c[0], c[1]) + dist(c[3], c[2])) / 2 / w;
	sy = (dist(c[0], c[3]) + dist(c[1], c[2])) / 2 / h;
	ns = (int)ceil(fmax(sx, sy));
	if (ns < 1)
		ns = 1;
	if (ns > maxns)
		ns = maxns;
	px = malloc((size_t)w * (size_t)h * (size_t)img->channels);
	if (px == NULL) {
		fz_seterr(err, "rectify: out of memory");
		return -1;
	}
	/* The sub-sample offsets (i + 0.5) / ns, computed once. */
	for (i = 0; i < ns; i++)
		off[i] = (i + 0.5) / ns;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			double acc[3] = { 0, 0, 0 };
			int got = 0;

			for (j = 0; j < ns; j++)
				for (i = 0; i < ns; i++) {
					double u = x + off[i], v = y + off[j];
					double z = H[6] * u + H[7] * v + H[8], val[3];

					got++;
					/* Outside the photo is black. */
					if (fabs(z) < 1e-12 || sample_px(img, (H[0] * u + H[1] * v + H[2]) / z,
					    (H[3] * u + H[4] * v + H[5]) / z, val) == -1)
						continue;
					for (ch = 0; ch < img->channels; ch++)
						acc[ch] += val[ch];
				}
			for (ch = 0; ch < img->channels; ch++)
				px[((size_t)y * (size_t)w + (size_t)x) * (size_t)img->channels + (size_t)ch] =
				    (unsigned char)(acc[ch] / got + 0.5);
		}
	out->w = w;
	out->h = h;
	out->channels = img->channels;
	out->stride = w * img->channels;
	out->px = px;
	return 0;
}

int
loc_rectify(const struct loc_image *img, const struct loc_pt c[4], int w, int h,
    struct loc_image *out, struct fz_err *err)
{
	return rectify_ns(img, c, w, h, 4, out, err);
}

/* ------------------------------------------------------------ work image and edges */

struct work {
	int w, h, k, nch;
	float *pl[3];           /* smoothed channels */
	float *mag, *dir;       /* colour gradient magnitude, direction of the normal in [0, pi) */
	unsigned char *edge;
};

static void
work_free(struct work *wk)
{
	int i;

	for (i = 0; i < 3; i++)
		free(wk->pl[i]);
	free(wk->mag);
	free(wk->dir);
	free(wk->edge);
}

/* Horizontal pass at x, the edge pixel repeated past either end. */
static float
blur5_clamped(const float *r, int x, int w, const float *k)
{
	float s = 0;

	for (int i = -2; i <= 2; i++) {
		int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;

		s += k[i + 2] * r[xx];
	}
	return s;
}

/*
 * Separable [1 4 6 4 1]/16 with the edge pixel repeated. Away from the
 * edges the loops have no clamping in them, so the compiler vectorises
 * them across x; every output sums its five terms in the same order as
 * blur5_clamped does, so the floats are the same everywhere.
 */
void
loc_blur5(float *v, float *tmp, int w, int h)
{
	static const float k[5] = { 1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f };
	int x, y, i, lo = w < 2 ? w : 2, hi = w - 2 > lo ? w - 2 : lo;

	for (y = 0; y < h; y++) {
		const float *r = v + (size_t)y * w;
		float *o = tmp + (size_t)y * w;

		for (x = 0; x < lo; x++)
			o[x] = blur5_clamped(r, x, w, k);
		for (; x < hi; x++)
			o[x] = 0 + k[0] * r[x - 2] + k[1] * r[x - 1] + k[2] * r[x] +
			    k[3] * r[x + 1] + k[4] * r[x + 2];
		for (; x < w; x++)
			o[x] = blur5_clamped(r, x, w, k);
	}
	for (y = 0; y < h; y++) {
		const float *a[5];
		float *o = v + (size_t)y * w;

		for (i = -2; i <= 2; i++) {
			int yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;

			a[i + 2] = tmp + (size_t)yy * w;
		}
		for (x = 0; x < w; x++)
			o[x] = 0 + k[0] * a[0][x] + k[1] * a[1][x] + k[2] * a[2][x] +
			    k[3] * a[3][x] + k[4] * a[4][x];
	}
}

static int
work_build(const struct loc_image *img, struct work *wk)
{
	int maxd = img->w > img->h ? img->w : img->h;
	int x, y, c, i, j;
	size_t n;
	float *tmp;

	memset(wk, 0, sizeof(*wk));
	wk->k = (maxd + WORK_SIDE - 1) / WORK_SIDE;
	wk->w = img->w / wk->k;
	wk->h = img->h / wk->k;
	wk->nch = img->channels;
	n = (size_t)wk->w * (size_t)wk->h;
	for (c = 0; c < wk->nch; c++)
		if ((wk->pl[c] = malloc(n * sizeof(float))) == NULL)
			return -1;
	wk->mag = calloc(n, sizeof(float));
	wk->dir = calloc(n, sizeof(float));
	wk->edge = calloc(n, 1);
	tmp = malloc(n * sizeof(float));
	if (wk->mag == NULL || wk->dir == NULL || wk->edge == NULL || tmp == NULL) {
		free(tmp);
		return -1;
	}
	/* All channels in one pass over the photo's rows (sums and minima of
	 * bytes: exact in any order). */
	for (y = 0; y < wk->h; y++)
		for (x = 0; x < wk->w; x++) {
			unsigned s[3] = { 0, 0, 0 }, mn[3] = { 255, 255, 255 };

			for (j = 0; j < wk->k; j++) {
				const unsigned char *p = img->px + (size_t)(y * wk->k + j) * (size_t)img->stride +
				    (size_t)(x * wk->k) * (size_t)img->channels;
				for (i = 0; i < wk->k; i++, p += img->channels)
					for (c = 0; c < wk->nch; c++) {
						unsigned v = p[c];
						s[c] += v;
						mn[c] = v < mn[c] ? v : mn[c];
					}
			}
			/* Half mean, half minimum: a thin dark line (a card's
			 * printed outline on a photocopy) keeps its contrast
			 * instead of being averaged away. */
			for (c = 0; c < wk->nch; c++)
				wk->pl[c][(size_t)y * wk->w + x] = 0.5f * (float)s[c] / (float)(wk->k * wk->k) +
				    0.5f * (float)mn[c];
		}
	for (c = 0; c < wk->nch; c++)
		loc_blur5(wk->pl[c], tmp, wk->w, wk->h);
	free(tmp);
	return 0;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/*
 * Sobel per channel (strongest channel wins), non-maximum suppression,
 * hysteresis. The direction is the structure tensor's (the products of
 * the winning gradient's components, smoothed over a few pixels): a
 * slanted edge in the reduced image is a staircase whose pixels' own
 * gradients swing by 10 degrees and more, and would then vote for lines
 * beside the edge's, the tensor's stays within a degree or two.
 */
static int
work_edges(struct work *wk)
{
	int w = wk->w, h = wk->h, x, y, c;
	size_t n = (size_t)w * h, i, m = 0, top = 0;
	float *keep, *vals, hi, lo, *jxx, *jyy, *jxy, *tmp;
	size_t *stack;

	jxx = calloc(n, sizeof(float));
	jyy = calloc(n, sizeof(float));
	jxy = calloc(n, sizeof(float));
	tmp = malloc(n * sizeof(float));
	if (jxx == NULL || jyy == NULL || jxy == NULL || tmp == NULL) {
		free(jxx);
		free(jyy);
		free(jxy);
		free(tmp);
		return -1;
	}
	for (y = 1; y < h - 1; y++)
		for (x = 1; x < w - 1; x++) {
			float best = 0, bgx = 0, bgy = 0;
			for (c = 0; c < wk->nch; c++) {
				const float *p = wk->pl[c] + (size_t)y * w + x;
				float gx = (p[-w + 1] + 2 * p[1] + p[w + 1]) - (p[-w - 1] + 2 * p[-1] + p[w - 1]);
				float gy = (p[w - 1] + 2 * p[w] + p[w + 1]) - (p[-w - 1] + 2 * p[-w] + p[-w + 1]);
				float g = gx * gx + gy * gy;
				if (g > best) {
					best = g;
					bgx = gx;
					bgy = gy;
				}
			}
			wk->mag[(size_t)y * w + x] = sqrtf(best);
			jxx[(size_t)y * w + x] = bgx * bgx;
			jyy[(size_t)y * w + x] = bgy * bgy;
			jxy[(size_t)y * w + x] = bgx * bgy;
		}
	loc_blur5(jxx, tmp, w, h);
	loc_blur5(jyy, tmp, w, h);
	loc_blur5(jxy, tmp, w, h);
	for (i = 0; i < n; i++) {
		float a = 0.5f * atan2f(2 * jxy[i], jxx[i] - jyy[i]);

		if (a < 0)
			a += (float)LOC_PI;
		if (a >= (float)LOC_PI)
			a -= (float)LOC_PI;
		wk->dir[i] = a;
	}
	free(jxx);
	free(jyy);
	free(jxy);
	free(tmp);
	keep = calloc(n, sizeof(float));
	vals = malloc(n * sizeof(float));
	stack = malloc(n * sizeof(size_t));
	if (keep == NULL || vals == NULL || stack == NULL) {
		free(keep);
		free(vals);
		free(stack);
		return -1;
	}
	for (y = 1; y < h - 1; y++)
		for (x = 1; x < w - 1; x++) {
			size_t o = (size_t)y * w + x;
			float g = wk->mag[o], a = wk->dir[o], g1, g2;
			int sec = (int)floorf((a + (float)LOC_PI / 8) / ((float)LOC_PI / 4)) % 4;
			ptrdiff_t d = sec == 0 ? 1 : sec == 1 ? w + 1 : sec == 2 ? w : w - 1;

			if (g < 4)
				continue;
			g1 = wk->mag[(ptrdiff_t)o + d];
			g2 = wk->mag[(ptrdiff_t)o - d];
			if (g >= g1 && g > g2) {
				keep[o] = g;
				vals[m++] = g;
			}
		}
	hi = 40;
	if (m > 16) {
		qsort(vals, m, sizeof(float), cmp_float);
		hi = vals[m * 70 / 100];
	}
	if (hi < 24)
		hi = 24;
	if (hi > 120)
		hi = 120;
	lo = hi * 0.4f;
	for (i = 0; i < n; i++)
		if (keep[i] >= hi && !wk->edge[i]) {
			wk->edge[i] = 1;
			stack[top++] = i;
			while (top > 0) {
				size_t o = stack[--top];
				int dy, dx;
				for (dy = -1; dy <= 1; dy++)
					for (dx = -1; dx <= 1; dx++) {
						ptrdiff_t q = (ptrdiff_t)o + dy * w + dx;
						if (q < 0 || (size_t)q >= n)
							continue;
						if (!wk->edge[q] && keep[q] >= lo) {
							wk->edge[q] = 1;
							stack[top++] = (size_t)q;
						}
					}
			}
		}
	free(keep);
	free(vals);
	free(stack);
	return 0;
}

/* ------------------------------------------------------------ lines */

static double
ang_diff(double a, double b)
{
	double d = fmod(fabs(a - b), LOC_PI);
	return d > LOC_PI / 2 ? LOC_PI - d : d;
}

/* Parameter range of the line inside the w x h frame. */
static int
line_span(const struct line *l, int w, int h, double *ta, double *tb)
{
	double lo = 1e18, hi = -1e18;
	struct loc_pt p;
	int got = 0;

	/* Crossings with x = 0, x = w, y = 0, y = h inside the frame. */
	if (line_meet(l->c, l->s, l->rho, 1, 0, 0, &p) == 0 && p.y >= -1e-6 && p.y <= h + 1e-6) {
		double t = -l->s * p.x + l->c * p.y;
		lo = fmin(lo, t), hi = fmax(hi, t), got++;
	}
	if (line_meet(l->c, l->s, l->rho, 1, 0, w, &p) == 0 && p.y >= -1e-6 && p.y <= h + 1e-6) {
		double t = -l->s * p.x + l->c * p.y;
		lo = fmin(lo, t), hi = fmax(hi, t), got++;
	}
	if (line_meet(l->c, l->s, l->rho, 0, 1, 0, &p) == 0 && p.x >= -1e-6 && p.x <= w + 1e-6) {
		double t = -l->s * p.x + l->c * p.y;
		lo = fmin(lo, t), hi = fmax(hi, t), got++;
	}
	if (line_meet(l->c, l->s, l->rho, 0, 1, h, &p) == 0 && p.x >= -1e-6 && p.x <= w + 1e-6) {
		double t = -l->s * p.x + l->c * p.y;
		lo = fmin(lo, t), hi = fmax(hi, t), got++;
	}
	if (got < 2 || hi - lo < 2)
		return -1;
	*ta = lo;
	*tb = hi;
	return 0;
}

/* Whether cell k of line l has an edge pixel of the line's direction (nd) beside it; its centre in *hx, *hy. */
static int
cell_hit(const struct work *wk, const struct line *l, double nd, double t, double tol, double *hx, double *hy)
{
	double px = l->rho * l->c - l->s * t, py = l->rho * l->s + l->c * t, bd = 1e9;
	int cx = (int)floor(px), cy = (int)floor(py), dx, dy, hit = 0;

	for (dy = -2; dy <= 2; dy++)
		for (dx = -2; dx <= 2; dx++) {
			int x = cx + dx, y = cy + dy;
			size_t o;
			double d;
			if (x < 0 || y < 0 || x >= wk->w || y >= wk->h)
				continue;
			o = (size_t)y * wk->w + x;
			if (!wk->edge[o])
				continue;
			d = fabs(l->c * (x + 0.5) + l->s * (y + 0.5) - l->rho);
			if (d > tol || d >= bd || ang_diff(wk->dir[o], nd) > DIR_TOL)
				continue;
			bd = d;
			*hx = x + 0.5;
			*hy = y + 0.5;
			hit = 1;
		}
	return hit;
}

static double
line_normal_dir(const struct line *l)
{
	double nd = atan2(l->s, l->c);
	return nd < 0 ? nd + LOC_PI : nd;
}

/* Refits a voted line to the edge pixels beside it (total least squares): the votes are one degree coarse. */
static void
line_refit(const struct work *wk, struct line *l)
{
	double ta, tb, t, hx, hy, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, mx, my, th, c, s;
	double nd = line_normal_dir(l);
	long n = 0;

	if (l->virt || line_span(l, wk->w, wk->h, &ta, &tb) == -1)
		return;
	for (t = floor(ta) + 0.5; t < tb; t += 1)
		if (cell_hit(wk, l, nd, t, 2.5, &hx, &hy)) {
			sx += hx, sy += hy, sxx += hx * hx, syy += hy * hy, sxy += hx * hy;
			n++;
		}
	if (n < 12)
		return;
	mx = sx / n;
	my = sy / n;
	th = 0.5 * atan2(2 * (sxy / n - mx * my), (sxx / n - mx * mx) - (syy / n - my * my)) + LOC_PI / 2;
	c = cos(th);
	s = sin(th);
	if (c * l->c + s * l->s < 0)
		c = -c, s = -s;
	/* A refit that turns the line by more than the vote spread found another line: keep the vote. */
	if (c * l->c + s * l->s < cos(2.5 * LOC_PI / 180))
		return;
	l->c = c;
	l->s = s;
	l->rho = c * mx + s * my;
}

/* Which cells of the line have an edge pixel of the line's direction beside them. */
static int
line_support(const struct work *wk, struct line *l)
{
	double ta, tb, nd, hx, hy;
	int k;

	line_refit(wk, l);
	line_refit(wk, l);
	nd = line_normal_dir(l);
	if (line_span(l, wk->w, wk->h, &ta, &tb) == -1)
		return -1;
	l->t0 = floor(ta);
	l->n = (int)ceil(tb - l->t0);
	l->pref = malloc(((size_t)l->n + 1) * sizeof(int));
	if (l->pref == NULL)
		return -2;
	l->pref[0] = 0;
	for (k = 0; k < l->n; k++) {
		int hit = !l->virt && cell_hit(wk, l, nd, l->t0 + k + 0.5, 1.6, &hx, &hy);
		l->pref[k + 1] = l->pref[k] + hit;
	}
	return 0;
}

/* Supported and in-frame lengths of the part of line l between parameters a and b. */
static void
seg_support(const struct line *l, double a, double b, double *sup, double *ins)
{
	double lo = fmin(a, b), hi = fmax(a, b), len = hi - lo;
	double ilo = fmax(lo, l->t0), ihi = fmin(hi, l->t0 + l->n);
	int k0, k1;

	if (len < 1 || ihi <= ilo) {
		*sup = 0;
		*ins = 0;
		return;
	}
	k0 = (int)floor(ilo - l->t0);
	k1 = (int)ceil(ihi - l->t0);
	if (k0 < 0)
		k0 = 0;
	if (k1 > l->n)
		k1 = l->n;
	*ins = (ihi - ilo) / len;
	*sup = k1 > k0 ? (double)(l->pref[k1] - l->pref[k0]) / (ihi - ilo) : 0;
	if (*sup > 1)
		*sup = 1;
}

/* The line votes of an image's edges: acc[b * R + rho + D] for angle bin b. */
struct votes {
	int *acc;
	int D, R;
	double cs[ANG_BINS], sn[ANG_BINS];
};

/* Each edge pixel's votes, cast once for every search of the image; 0 or -1 out of memory. */
static int
cast_votes(const struct work *wk, struct votes *vt)
{
	int w = wk->w, h = wk->h, x, y, b;

	vt->D = (int)ceil(hypot(w, h)) + 1;
	vt->R = 2 * vt->D + 1;
	if ((vt->acc = calloc((size_t)ANG_BINS * (size_t)vt->R, sizeof(int))) == NULL)
		return -1;
	for (b = 0; b < ANG_BINS; b++) {
		vt->cs[b] = cos(b * LOC_PI / ANG_BINS);
		vt->sn[b] = sin(b * LOC_PI / ANG_BINS);
	}
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			size_t o = (size_t)y * w + x;
			int b0, db;
			if (!wk->edge[o])
				continue;
			b0 = (int)lround(wk->dir[o] * ANG_BINS / LOC_PI);
			for (db = -VOTE_SPREAD; db <= VOTE_SPREAD; db++) {
				int bb = (b0 + db + ANG_BINS) % ANG_BINS;
				double rho = (x + 0.5) * vt->cs[bb] + (y + 0.5) * vt->sn[bb];
				vt->acc[(size_t)bb * vt->R + (size_t)(lround(rho) + vt->D)]++;
			}
		}
	return 0;
}

/* The strongest max_lines - 4 peaks of vt with at least min_votes (a
 * fraction of the shorter side), then the frame's four borders. */
static int
find_lines(const struct work *wk, const struct votes *vt, int max_lines, double min_votes,
    struct line *lines, int *nlines)
{
	int w = wk->w, h = wk->h, D = vt->D, R = vt->R;
	const int *acc = vt->acc;
	const double *cs = vt->cs, *sn = vt->sn;
	int b, r, n = 0;
	int minv = (int)(min_votes * (w < h ? w : h));
	struct {
		int v, b, r;
	} *pk;
	int npk = 0, cap = 4096, i, j;

	if ((pk = malloc((size_t)cap * sizeof(*pk))) == NULL)
		return -1;
	/* Local maxima over +-3 degrees and +-4 pixels (angle wrapping flips
	 * rho): two cards side by side have nearly collinear edges that must
	 * stay two lines. */
	for (b = 0; b < ANG_BINS; b++)
		for (r = 0; r < R; r++) {
			int v = acc[(size_t)b * R + r], is_max = 1, db, dr;
			if (v < minv)
				continue;
			for (db = -3; db <= 3 && is_max; db++)
				for (dr = -4; dr <= 4 && is_max; dr++) {
					int bb = b + db, rr = r + dr, u;
					if (db == 0 && dr == 0)
						continue;
					if (bb < 0) {
						bb += ANG_BINS;
						rr = 2 * D - rr;
					} else if (bb >= ANG_BINS) {
						bb -= ANG_BINS;
						rr = 2 * D - rr;
					}
					if (rr < 0 || rr >= R)
						continue;
					u = acc[(size_t)bb * R + rr];
					if (u > v || (u == v && (bb * R + rr) < (b * R + r)))
						is_max = 0;
				}
			if (!is_max)
				continue;
			if (npk == cap) {
				/* Keep the strongest: replace the weakest peak. */
				int wi = 0;
				for (i = 1; i < npk; i++)
					if (pk[i].v < pk[wi].v)
						wi = i;
				if (pk[wi].v >= v)
					continue;
				pk[wi].v = v, pk[wi].b = b, pk[wi].r = r;
				continue;
			}
			pk[npk].v = v, pk[npk].b = b, pk[npk].r = r;
			npk++;
		}
	/* Strongest first (selection, npk is small). */
	for (i = 0; i < npk && n < max_lines - 4; i++) {
		int best = i;
		for (j = i + 1; j < npk; j++)
			if (pk[j].v > pk[best].v)
				best = j;
		if (best != i) {
			int v = pk[i].v, bb = pk[i].b, rr = pk[i].r;
			pk[i] = pk[best];
			pk[best].v = v, pk[best].b = bb, pk[best].r = rr;
		}
		memset(&lines[n], 0, sizeof(lines[n]));
		lines[n].c = cs[pk[i].b];
		lines[n].s = sn[pk[i].b];
		lines[n].rho = pk[i].r - D;
		lines[n].votes = pk[i].v;
		n++;
	}
	free(pk);
	/* The frame borders, for a card cut by the frame. */
	{
		double fr[4][3] = { { 1, 0, 0.5 }, { 1, 0, w - 0.5 }, { 0, 1, 0.5 }, { 0, 1, h - 0.5 } };
		for (i = 0; i < 4; i++) {
			memset(&lines[n], 0, sizeof(lines[n]));
			lines[n].c = fr[i][0];
			lines[n].s = fr[i][1];
			lines[n].rho = fr[i][2];
			lines[n].virt = 1;
			n++;
		}
	}
	*nlines = n;
	return 0;
}

/* ------------------------------------------------------------ quadrilaterals */

static double
cand_aspect(const struct loc_pt *c)
{
	double a = dist(c[0], c[1]) + dist(c[2], c[3]);
	double b = dist(c[1], c[2]) + dist(c[3], c[0]);
	double r = a > b ? a / b : b / a;
	return r;
}

static void
eval_quad(const struct work *wk, const struct line *L, int a, int b, int c, int d,
    struct cand *out, int *nout)
{
	struct loc_pt p[4];
	int li[4] = { c, b, d, a };
	struct cand q;
	double sl = 0, ssum = 0, mins = 1, area, r, pen, minside;
	int i, nvirt = 0, sgn = 0;

	if (line_meet(L[a].c, L[a].s, L[a].rho, L[c].c, L[c].s, L[c].rho, &p[0]) ||
	    line_meet(L[c].c, L[c].s, L[c].rho, L[b].c, L[b].s, L[b].rho, &p[1]) ||
	    line_meet(L[b].c, L[b].s, L[b].rho, L[d].c, L[d].s, L[d].rho, &p[2]) ||
	    line_meet(L[d].c, L[d].s, L[d].rho, L[a].c, L[a].s, L[a].rho, &p[3]))
		return;
	for (i = 0; i < 4; i++) {
		double cr = cross3(p[i], p[(i + 1) % 4], p[(i + 2) % 4]);
		int s = cr > 0 ? 1 : cr < 0 ? -1 : 0;
		if (s == 0 || (sgn != 0 && s != sgn))
			return;
		sgn = s;
		/* Corners may leave the frame a little (a cut corner), not far. */
		if (p[i].x < -0.35 * wk->w || p[i].x > 1.35 * wk->w || p[i].y < -0.35 * wk->h ||
		    p[i].y > 1.35 * wk->h)
			return;
		if (L[li[i]].virt)
			nvirt++;
	}
	if (nvirt > 2)
		return;
	area = fabs(poly_area(p, 4));
	if (area < 0.012 * wk->w * wk->h)
		return;
	minside = 1e18;
	for (i = 0; i < 4; i++)
		minside = fmin(minside, dist(p[i], p[(i + 1) % 4]));
	if (minside < 0.06 * fmin(wk->w, wk->h))
		return;
	r = cand_aspect(p);
	if (nvirt == 0 && (r < ASPECT_MIN || r > ASPECT_MAX))
		return;
	/* One side on the frame: a cut card, any visible part of 60% or more.
	 * Two: a card filling the frame, which must have its own proportions. */
	if (nvirt == 1 && (r < 0.5 || r > 2.6))
		return;
	if (nvirt == 2 && (r < ASPECT_MIN || r > ASPECT_MAX))
		return;
	memset(&q, 0, sizeof(q));
	for (i = 0; i < 4; i++) {
		const struct line *l = &L[li[i]];
		struct loc_pt u = p[i], v = p[(i + 1) % 4];
		double tu = -l->s * u.x + l->c * u.y, tv = -l->s * v.x + l->c * v.y;
		double len = dist(u, v), skip = CORNER_SKIP * (tv - tu), s, in;

		seg_support(l, tu + skip, tv - skip, &s, &in);
		if (l->virt) {
			s = 0.5;
			in = 1;
		} else if (in < 0.5) {
			return;
		}
		q.sup[i] = l->virt ? 0 : s;
		q.ins[i] = l->virt ? 0 : in;
		/* Evidence counts only for the part inside the frame. */
		s = l->virt ? s : s * fmin(1, in + 0.25);
		sl += len;
		ssum += s * len;
		/* A frame border is weaker evidence than a seen edge, but must not
		 * be what makes the weakest side weak. */
		mins = fmin(mins, l->virt ? 0.75 : s);
		q.li[i] = li[i];
		q.c[i] = p[i];
	}
	if (mins < 0.25 || ssum / sl < 0.45)
		return;
	pen = exp(-pow(log(r / LOC_CARD_ASPECT) / 0.25, 2));
	if (nvirt == 1 && (r < ASPECT_MIN || r > ASPECT_MAX))
		pen = 0.5;
	/* Big quads are favoured a little: a card's own edges are long and
	 * strong, while text rows and pictures inside it make small
	 * card-shaped quads of weaker evidence. */
	q.score = (ssum / sl) * (0.6 + 0.4 * mins) * (0.7 + 0.3 * pen) *
	    (0.75 + 0.25 * fmin(1, sqrt(area / (0.25 * wk->w * wk->h))));
	q.area = area;
	if (*nout < MAX_POOL)
		out[(*nout)++] = q;
}

/* Near-duplicates (every corner within 2% of the frame's diagonal of a better one's) are dropped; keeps at most MAX_CANDS. */
static int
distinct(struct cand *c, int n, double diag)
{
	int i, j, k, m = 0;
	double lim2 = 0.02 * diag * 0.02 * diag;

	for (i = 0; i < n && m < MAX_CANDS; i++) {
		int dup = 0;
		for (j = 0; j < m && !dup; j++) {
			int same = 1;
			for (k = 0; k < 4 && same; k++) {
				int kk, near = 0;
				for (kk = 0; kk < 4; kk++) {
					double dx = c[i].c[k].x - c[j].c[kk].x, dy = c[i].c[k].y - c[j].c[kk].y;
					near |= dx * dx + dy * dy < lim2;
				}
				same = near;
			}
			dup = same;
		}
		if (!dup)
			c[m++] = c[i];
	}
	return m;
}

static int
cmp_cand(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	return (a->score < b->score) - (a->score > b->score);
}

/*
 * A quad that holds two or more separate good quads (a photocopy page)
 * gives way to them. Two cards on a page are the same size: their areas
 * differ by under 1.2 times on a flat copy, while the portrait box of a card
 * and something lying on it (a coin, another card) differ by 1.5 times or
 * more in the photos measured; so a pair counts within 1.35 times, or
 * within 2 times when the larger is over a fifth of the container: bigger
 * than anything printed on a card (the portrait box is 17% of it), so the
 * container is a sheet, or the frame, around a card and something else.
 */
static int
pair_of_cards(double a1, double a2, double container)
{
	double big = fmax(a1, a2), small = fmin(a1, a2);

	return big < 1.35 * small || (big < 2 * small && big > 0.2 * container);
}

static void
drop_containers(struct cand *c, int n)
{
	int i, j, k;

	for (i = 0; i < n; i++) {
		int inner[MAX_CANDS], ni = 0, found = 0;
		for (j = 0; j < n && ni < MAX_CANDS; j++) {
			/* A card on an A4 page is 7.4% of it. */
			if (j == i || c[j].area > 0.25 * c[i].area || c[j].area < 0.03 * c[i].area ||
			    c[j].score < fmax(0.65, 0.6 * c[i].score))
				continue;
			if (quad_overlap(c[j].c, c[i].c) > 0.9 * c[j].area)
				inner[ni++] = j;
		}
		for (j = 0; j < ni && !found; j++)
			for (k = j + 1; k < ni && !found; k++)
				if (quad_overlap(c[inner[j]].c, c[inner[k]].c) <
				    0.05 * fmin(c[inner[j]].area, c[inner[k]].area) &&
				    pair_of_cards(c[inner[j]].area, c[inner[k]].area, c[i].area))
					found = 1;
		if (found)
			c[i].dead = 1;
	}
}

/*
 * A quad inside a bigger one that is 12-70% of its area is part of that
 * card (the portrait box is 17% of a card, text blocks more), unless the
 * bigger one is much weaker. A card on a page is under 8% of an A4 page, so
 * a page with a single card on it does not swallow the card.
 */
static void
drop_inner(struct cand *c, int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n && !c[i].dead; j++) {
			if (j == i || c[j].dead || c[i].area < 0.12 * c[j].area || c[i].area > 0.7 * c[j].area ||
			    c[j].score < 0.85 * c[i].score)
				continue;
			if (quad_overlap(c[i].c, c[j].c) > 0.9 * c[i].area)
				c[i].dead = 1;
		}
}

/* ------------------------------------------------------------ refinement at full resolution */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Colour step across the normal at p: mean over channels of |I(p + half n) - I(p - half n)|. */
static double
step_at(const struct loc_image *img, struct loc_pt p, double nx, double ny, double half)
{
	double a[3], b[3], s = 0;
	int ch;

	if (sample_px(img, p.x + half * nx, p.y + half * ny, a) == -1 ||
	    sample_px(img, p.x - half * nx, p.y - half * ny, b) == -1)
		return -1;
	for (ch = 0; ch < img->channels; ch++)
		s += fabs(a[ch] - b[ch]);
	return s / img->channels;
}

/* Refits the line through u-v to the strongest colour step near it; 0 if refitted. */
static int
refine_side(const struct loc_image *img, struct loc_pt u, struct loc_pt v, double range,
    double *lc, double *ls, double *lr)
{
	enum { NS = 40, NO = 64 };
	struct loc_pt pts[NS];
	int np = 0, i, it;
	double len = dist(u, v), dx, dy, nx, ny;

	if (len < 8)
		return -1;
	dx = (v.x - u.x) / len;
	dy = (v.y - u.y) / len;
	nx = -dy;
	ny = dx;
	if (range > (NO / 2 - 1) * 0.5)
		range = (NO / 2 - 1) * 0.5;
	for (i = 0; i < NS; i++) {
		double f = CORNER_SKIP + (1 - 2 * CORNER_SKIP) * (i + 0.5) / NS;
		struct loc_pt m = { u.x + f * (v.x - u.x), u.y + f * (v.y - u.y) };
		double g[NO], best = -1, off;
		int k, nk = (int)(2 * range / 0.5) + 1, bk = -1;

		for (k = 0; k < nk; k++) {
			struct loc_pt q;
			off = -range + 0.5 * k;
			q.x = m.x + off * nx;
			q.y = m.y + off * ny;
			g[k] = step_at(img, q, nx, ny, 0.75);
			if (g[k] > best) {
				best = g[k];
				bk = k;
			}
		}
		if (bk <= 0 || bk >= nk - 1 || best < 6)
			continue;
		off = -range + 0.5 * bk;
		{
			double a = g[bk - 1], b = g[bk], c = g[bk + 1], den = a - 2 * b + c;
			if (a >= 0 && c >= 0 && fabs(den) > 1e-9)
				off += 0.5 * 0.5 * (a - c) / den;
		}
		pts[np].x = m.x + off * nx;
		pts[np].y = m.y + off * ny;
		np++;
	}
	if (np < 8)
		return -1;
	/* Total least squares, twice dropping points far from the line. */
	{
		int use[NS];
		for (i = 0; i < np; i++)
			use[i] = 1;
		for (it = 0; it < 3; it++) {
			double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0, th, c, s, r, res[NS], sorted[NS], med;
			int n = 0, j;
			for (i = 0; i < np; i++)
				if (use[i])
					mx += pts[i].x, my += pts[i].y, n++;
			if (n < 6)
				return -1;
			mx /= n;
			my /= n;
			for (i = 0; i < np; i++)
				if (use[i]) {
					double ex = pts[i].x - mx, ey = pts[i].y - my;
					sxx += ex * ex, syy += ey * ey, sxy += ex * ey;
				}
			/* Normal = eigenvector of the smaller eigenvalue. */
			th = 0.5 * atan2(2 * sxy, sxx - syy) + LOC_PI / 2;
			c = cos(th);
			s = sin(th);
			r = c * mx + s * my;
			*lc = c, *ls = s, *lr = r;
			if (it == 2)
				break;
			n = 0;
			for (i = 0; i < np; i++) {
				res[i] = fabs(c * pts[i].x + s * pts[i].y - r);
				if (use[i])
					sorted[n++] = res[i];
			}
			for (i = 1; i < n; i++)
				for (j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
					double t = sorted[j];
					sorted[j] = sorted[j - 1];
					sorted[j - 1] = t;
				}
			med = sorted[n / 2];
			for (i = 0; i < np; i++)
				use[i] = res[i] <= fmax(0.75, 3 * med);
		}
	}
	return 0;
}

void
loc_side_gaps(const struct loc_image *img, const struct loc_pt *c, double *gaps)
{
	enum { NG = 100 };
	int i, k, j;

	for (i = 0; i < 4; i++) {
		struct loc_pt u = c[i], v = c[(i + 1) % 4];
		double len = dist(u, v), nx, ny, st[NG], sorted[NG], med, thr;
		int run = 0, longest = 0;

		gaps[i] = 1;
		if (len < 8)
			continue;
		nx = -(v.y - u.y) / len;
		ny = (v.x - u.x) / len;
		for (k = 0; k < NG; k++) {
			double f = 0.08 + 0.84 * (k + 0.5) / NG, best = -1;
			struct loc_pt m = { u.x + f * (v.x - u.x), u.y + f * (v.y - u.y) };
			for (j = -4; j <= 4; j++) {
				struct loc_pt q = { m.x + 0.5 * j * nx, m.y + 0.5 * j * ny };
				/* A wide step (3 pixels across) so that a blurred edge still counts as an edge. */
				best = fmax(best, step_at(img, q, nx, ny, 1.5));
			}
			st[k] = sorted[k] = best;
		}
		qsort(sorted, NG, sizeof(double), cmp_double);
		med = sorted[NG / 2];
		/* A step clearly weaker than this side's typical one counts as missing. */
		thr = fmax(3, 0.3 * med);
		for (k = 0; k < NG; k++) {
			run = st[k] < thr ? run + 1 : 0;
			if (run > longest)
				longest = run;
		}
		gaps[i] = (double)longest / NG;
	}
}

/* ------------------------------------------------------------ cut cards */

/* The side si lies on the frame: move its corners out along the crossing sides to the card's proportions. */
static void
extrapolate_cut(struct loc_pt *c, int si)
{
	int a = si, b = (si + 1) % 4, bb = (si + 2) % 4, aa = (si + 3) % 4;
	double opp = dist(c[bb], c[aa]);
	double la = dist(c[aa], c[a]), lb = dist(c[bb], c[b]), cur = (la + lb) / 2;
	double t1 = opp * LOC_CARD_ASPECT, t2 = opp / LOC_CARD_ASPECT, target;

	/* Only ever extend: the hypothesis that needs the smaller extension wins. */
	if (t2 >= cur)
		target = t2;
	else if (t1 >= cur)
		target = t1;
	else
		return;
	if (la > 1)
		c[a].x = c[aa].x + (c[a].x - c[aa].x) * target / la,
		c[a].y = c[aa].y + (c[a].y - c[aa].y) * target / la;
	if (lb > 1)
		c[b].x = c[bb].x + (c[b].x - c[bb].x) * target / lb,
		c[b].y = c[bb].y + (c[b].y - c[bb].y) * target / lb;
}

/* ------------------------------------------------------------ side and orientation */

struct boxf {
	double l, t, r, b;
};

/* Fraction of pixels of box bx (card fractions) for which the mask plane is set / mean of a float plane. */
static double
box_mean(const float *v, int w, int h, struct boxf bx)
{
	int x0 = (int)(bx.l * w), x1 = (int)(bx.r * w), y0 = (int)(bx.t * h), y1 = (int)(bx.b * h), x, y;
	double s = 0;

	for (y = y0; y < y1; y++)
		for (x = x0; x < x1; x++)
			s += v[(size_t)y * w + x];
	return (x1 > x0 && y1 > y0) ? s / ((double)(x1 - x0) * (y1 - y0)) : 0;
}

static struct boxf
rot180(struct boxf b)
{
	struct boxf r = { 1 - b.r, 1 - b.b, 1 - b.l, 1 - b.t };
	return r;
}

enum loc_card_side
loc_decide_side(const struct loc_image *card, struct loc_cues *cu, int *flip, double *side_conf,
    double *orient_conf)
{
	/* Where the layout puts the portrait (front, right half) and the
	 * national emblem (back, top left), as card fractions. These are the
	 * printed card's proportions (GB/T 16649), not one generator's. */
	static const struct boxf portrait = { 0.62, 0.12, 0.92, 0.80 };
	static const struct boxf emblem = { 0.05, 0.07, 0.25, 0.40 };
	/* The box for dark mass: 21 pixels across at the full 856-pixel width. */
	int w = card->w, h = card->h, x, y, r = (10 * card->w + LOC_RECT_W / 2) / LOC_RECT_W;
	size_t n = (size_t)w * h;
	float *lum = malloc(n * sizeof(float)), *mass = malloc(n * sizeof(float)),
	      *red = malloc(n * sizeof(float));
	double *integ = malloc((size_t)(w + 1) * (size_t)(h + 1) * sizeof(double));
	int hist[256] = { 0 };
	double paper = 200, fo, bo;
	long cum = 0;
	enum loc_card_side side = LOC_CARD_UNKNOWN;

	memset(cu, 0, sizeof(*cu));
	*flip = 0;
	*side_conf = 0;
	*orient_conf = 0;
	if (lum == NULL || mass == NULL || red == NULL || integ == NULL)
		goto done;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			const unsigned char *p = card->px + (size_t)y * card->stride + (size_t)x * card->channels;
			double l, rd = 0;
			if (card->channels == 3) {
				l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
				rd = p[0] - (p[1] > p[2] ? p[1] : p[2]);
				rd = (rd > 60 && p[0] > 110) ? 1 : 0;
			} else {
				l = p[0];
			}
			lum[(size_t)y * w + x] = (float)l;
			red[(size_t)y * w + x] = (float)rd;
			hist[(int)l]++;
		}
	/* Paper: the 75th percentile of brightness. */
	for (x = 0; x < 256; x++) {
		cum += hist[x];
		if (cum >= (long)(0.75 * (double)n)) {
			paper = x;
			break;
		}
	}
	/* Dark mass: brightness box-averaged over 2.5% of the card's width (text
	 * strokes average out towards the paper, a photo's hair and clothes or
	 * the emblem's disc stay dark), how far below the paper. */
	for (y = 0; y <= h; y++)
		for (x = 0; x <= w; x++)
			integ[(size_t)y * (w + 1) + x] = (x == 0 || y == 0) ? 0 :
			    lum[(size_t)(y - 1) * w + (x - 1)] + integ[(size_t)(y - 1) * (w + 1) + x] +
			    integ[(size_t)y * (w + 1) + x - 1] - integ[(size_t)(y - 1) * (w + 1) + x - 1];
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			int x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
			int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;
			double s = integ[(size_t)y1 * (w + 1) + x1] - integ[(size_t)y0 * (w + 1) + x1] -
			    integ[(size_t)y1 * (w + 1) + x0] + integ[(size_t)y0 * (w + 1) + x0];
			double m = (paper - s / ((double)(x1 - x0) * (y1 - y0)) - 25) / 80;
			mass[(size_t)y * w + x] = (float)(m < 0 ? 0 : m > 1 ? 1 : m);
		}
	cu->portrait_mass = box_mean(mass, w, h, portrait);
	cu->portrait_mass_rot = box_mean(mass, w, h, rot180(portrait));
	cu->emblem_mass = box_mean(mass, w, h, emblem);
	cu->emblem_mass_rot = box_mean(mass, w, h, rot180(emblem));
	cu->emblem_red = box_mean(red, w, h, emblem);
	cu->emblem_red_rot = box_mean(red, w, h, rot180(emblem));
	/* Front: a big dark portrait on one short half, the other nearly
	 * empty of mass. Back: a red (or, grey, dark) emblem in one corner and
	 * nothing like it in the opposite one, and no portrait-sized mass. */
	fo = cu->portrait_mass - cu->portrait_mass_rot;
	bo = (cu->emblem_mass - cu->emblem_mass_rot) + 2 * (cu->emblem_red - cu->emblem_red_rot);
	cu->front = fabs(fo) - 0.5 * fmax(cu->emblem_red, cu->emblem_red_rot) * 4;
	cu->back = fabs(bo) + 2 * fmax(cu->emblem_red, cu->emblem_red_rot) -
	    0.6 * fmax(cu->portrait_mass, cu->portrait_mass_rot);
	if (cu->front <= 0.02 && cu->back <= 0.02)
		goto done;
	if (cu->front >= cu->back) {
		side = LOC_CARD_FRONT;
		cu->flip = -fo;
	} else {
		side = LOC_CARD_BACK;
		cu->flip = -bo;
	}
	*flip = cu->flip > 0;
	*side_conf = fmin(1, fabs(cu->front - cu->back) / 0.2);
	*orient_conf = fmin(1, fabs(cu->flip) / 0.15);
done:
	free(lum);
	free(mass);
	free(red);
	free(integ);
	return side;
}

/* ------------------------------------------------------------ the search */

/* Puts the corners in screen-clockwise order with the long side first, top edge as level as can be. */
static void
order_corners(struct loc_pt *c)
{
	struct loc_pt t[4];
	int i, start = 0;
	double best = -1e18;

	if (poly_area(c, 4) < 0) {
		struct loc_pt s = c[1];
		c[1] = c[3];
		c[3] = s;
	}
	for (i = 0; i < 4; i++) {
		struct loc_pt a = c[i], b = c[(i + 1) % 4], cc = c[(i + 2) % 4], d = c[(i + 3) % 4];
		double lon = dist(a, b) + dist(cc, d), sh = dist(b, cc) + dist(d, a);
		/* Long side first, then the one pointing most to the right. */
		double val = (lon >= sh ? 10 : 0) + (b.x - a.x) / fmax(dist(a, b), 1e-9);
		if (val > best) {
			best = val;
			start = i;
		}
	}
	for (i = 0; i < 4; i++)
		t[i] = c[(start + i) % 4];
	memcpy(c, t, sizeof(t));
}

static int
rotation_of(const struct loc_pt *c)
{
	double a = atan2(c[1].y - c[0].y, c[1].x - c[0].x) * 180 / LOC_PI;
	int q = (int)lround(a / 90);
	return ((q % 4) + 4) % 4 * 90;
}

/* Reading order: rows top to bottom (vertical spans overlapping by half), left to right. */
static void
reading_order(struct loc_quad *q, int n)
{
	double cy[LOC_MAX_CARDS], lo[LOC_MAX_CARDS], hi[LOC_MAX_CARDS], cx[LOC_MAX_CARDS];
	int row[LOC_MAX_CARDS], i, j, nrow = 0;
	double rlo[LOC_MAX_CARDS], rhi[LOC_MAX_CARDS];

	for (i = 0; i < n; i++) {
		cx[i] = cy[i] = 0;
		lo[i] = 1e18;
		hi[i] = -1e18;
		for (j = 0; j < 4; j++) {
			cx[i] += q[i].c[j].x / 4;
			cy[i] += q[i].c[j].y / 4;
			lo[i] = fmin(lo[i], q[i].c[j].y);
			hi[i] = fmax(hi[i], q[i].c[j].y);
		}
	}
	/* Sort by centre y first (insertion; n <= 8). */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && cy[j - 1] > cy[j]; j--) {
			struct loc_quad t = q[j];
			double a;
			q[j] = q[j - 1], q[j - 1] = t;
			a = cy[j], cy[j] = cy[j - 1], cy[j - 1] = a;
			a = cx[j], cx[j] = cx[j - 1], cx[j - 1] = a;
			a = lo[j], lo[j] = lo[j - 1], lo[j - 1] = a;
			a = hi[j], hi[j] = hi[j - 1], hi[j - 1] = a;
		}
	for (i = 0; i < n; i++) {
		for (j = 0; j < nrow; j++)
			if (fmin(hi[i], rhi[j]) - fmax(lo[i], rlo[j]) >
			    0.5 * fmin(hi[i] - lo[i], rhi[j] - rlo[j]))
				break;
		if (j == nrow) {
			rlo[nrow] = lo[i];
			rhi[nrow] = hi[i];
			nrow++;
		}
		row[i] = j;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && (row[j - 1] > row[j] || (row[j - 1] == row[j] && cx[j - 1] > cx[j])); j--) {
			struct loc_quad t = q[j];
			double a;
			int r = row[j];
			q[j] = q[j - 1], q[j - 1] = t;
			row[j] = row[j - 1], row[j - 1] = r;
			a = cx[j], cx[j] = cx[j - 1], cx[j - 1] = a;
		}
}

/* Refines, extrapolates, orients and decides the side of one chosen candidate: 0, 1 if it is not a card after all, -1. */
static int
finish_card(const struct loc_image *img, const struct work *wk, const struct line *L,
    const struct cand *cd, struct loc_quad *out, struct fz_err *err)
{
	double lc[4], ls[4], lr[4];
	struct loc_pt c[4], full[4];
	int i, virt = -1, nvirt = 0, flip;
	double k = wk->k;
	struct loc_image rect;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < 4; i++) {
		full[i].x = cd->c[i].x * k;
		full[i].y = cd->c[i].y * k;
	}
	for (i = 0; i < 4; i++) {
		const struct line *l = &L[cd->li[i]];
		if (l->virt) {
			virt = i;
			nvirt++;
			lc[i] = l->c;
			ls[i] = l->s;
			/* The frame border of the full image. */
			lr[i] = l->rho < 1 ? 0.5 : (l->c > 0.5 ? img->w - 0.5 : img->h - 0.5);
			continue;
		}
		if (refine_side(img, full[i], full[(i + 1) % 4], 1.5 * k + 2.5, &lc[i], &ls[i], &lr[i]) == -1) {
			lc[i] = l->c;
			ls[i] = l->s;
			lr[i] = l->rho * k;
		}
	}
	for (i = 0; i < 4; i++) {
		int p = (i + 3) % 4;
		if (line_meet(lc[p], ls[p], lr[p], lc[i], ls[i], lr[i], &c[i]) == -1 ||
		    dist(c[i], full[i]) > 0.1 * (dist(full[0], full[2]) + 1)) {
			/* Refit went astray: keep the coarse corner. */
			c[i] = full[i];
		}
	}
	/* One side on the frame: extend the card to its proportions. Two: it
	 * fills the frame and there is nothing to extend from. */
	if (nvirt == 1) {
		double before = fabs(poly_area(c, 4));
		extrapolate_cut(c, virt);
		/* Under 55% of a card in view is too little to call it one. */
		if (fabs(poly_area(c, 4)) > 1.8 * before)
			return 1;
	}
	out->cut = nvirt > 0;
	/* Carry the per-side evidence with the corners through the reordering. */
	{
		struct loc_pt tagged[4];
		double sup[4], ins[4];
		int j, m;
		memcpy(tagged, c, sizeof(c));
		order_corners(c);
		for (i = 0; i < 4; i++) {
			/* Side i of the ordered quad starts at c[i]: find the same side in cd. */
			sup[i] = ins[i] = 0;
			for (j = 0; j < 4; j++) {
				m = (j + 1) % 4;
				if ((dist(tagged[j], c[i]) < 1e-6 && dist(tagged[m], c[(i + 1) % 4]) < 1e-6) ||
				    (dist(tagged[m], c[i]) < 1e-6 && dist(tagged[j], c[(i + 1) % 4]) < 1e-6)) {
					sup[i] = cd->sup[j];
					ins[i] = cd->ins[j];
				}
			}
		}
		memcpy(out->support, sup, sizeof(sup));
		memcpy(out->inside, ins, sizeof(ins));
	}
	memcpy(out->c, c, sizeof(c));
	out->score = cd->score > 1 ? 1 : cd->score;
	/* The side and orientation cues are coarse: half the rectified size
	 * at no more than 2 x 2 samples a pixel is enough. (Up to 4 x 4, as
	 * loc_rectify takes, cost as much as the full card read later.) */
	if (rectify_ns(img, out->c, LOC_RECT_W / 2, LOC_RECT_H / 2, 2, &rect, err) == -1)
		return -1;
	out->side = loc_decide_side(&rect, &out->cues, &flip, &out->side_conf, &out->orient_conf);
	loc_image_free(&rect);
	if (flip) {
		struct loc_pt t[4];
		double s[4], in[4];
		for (i = 0; i < 4; i++) {
			t[i] = out->c[(i + 2) % 4];
			s[i] = out->support[(i + 2) % 4];
			in[i] = out->inside[(i + 2) % 4];
		}
		memcpy(out->c, t, sizeof(t));
		memcpy(out->support, s, sizeof(s));
		memcpy(out->inside, in, sizeof(in));
	}
	out->rotation = rotation_of(out->c);
	/* Neither a portrait nor an emblem: only a very clear quad is taken for a card. */
	if (out->side == LOC_CARD_UNKNOWN && out->score < 0.8)
		return 1;
	return 0;
}

/* One search of wk's edges for cards, keeping max_lines lines of at least
 * min_votes: the cards into res (not yet ordered); -1 out of memory. */
static int
find_pass(const struct loc_image *img, const struct work *wk, const struct votes *vt, int max_lines,
    double min_votes, struct loc_result *res, struct fz_err *err)
{
	struct line L[MAX_LINES];
	struct cand *cands = NULL;
	int nl = 0, nc = 0, i, j, a, b, c, d, rc = -1;
	int taken[LOC_MAX_CARDS], nt = 0;
	double th[MAX_LINES];

	memset(res, 0, sizeof(*res));
	memset(L, 0, sizeof(L));
	if (find_lines(wk, vt, max_lines, min_votes, L, &nl) == -1) {
		fz_seterr(err, "image: out of memory finding the card");
		goto out;
	}
	for (i = 0; i < nl; i++) {
		int r = line_support(wk, &L[i]);
		if (r == -2) {
			fz_seterr(err, "image: out of memory finding the card");
			goto out;
		}
		if (r == -1)
			L[i].n = 0;
	}
	cands = malloc(MAX_POOL * sizeof(*cands));
	if (cands == NULL) {
		fz_seterr(err, "image: out of memory finding the card");
		goto out;
	}
	/* Pairs (a, b) and (c, d) of roughly parallel lines, the pairs crossing at 50 degrees or more. */
	for (i = 0; i < nl; i++)
		th[i] = atan2(L[i].s, L[i].c);
	for (a = 0; a < nl; a++)
		for (b = a + 1; b < nl; b++) {
			if (L[a].n == 0 || L[b].n == 0 || ang_diff(th[a], th[b]) > 35 * LOC_PI / 180)
				continue;
			for (c = a + 1; c < nl; c++)
				for (d = c + 1; d < nl; d++) {
					if (c == b || d == b || L[c].n == 0 || L[d].n == 0)
						continue;
					if (ang_diff(th[c], th[d]) > 35 * LOC_PI / 180)
						continue;
					if (ang_diff(th[a], th[c]) < 50 * LOC_PI / 180 ||
					    ang_diff(th[b], th[d]) < 50 * LOC_PI / 180)
						continue;
					eval_quad(wk, L, a, b, c, d, cands, &nc);
				}
		}
	qsort(cands, (size_t)nc, sizeof(*cands), cmp_cand);
	nc = distinct(cands, nc, hypot(wk->w, wk->h));
	drop_containers(cands, nc);
	drop_inner(cands, nc);
	for (i = 0; i < nc && nt < LOC_MAX_CARDS; i++) {
		int ok = !cands[i].dead && cands[i].score >= ACCEPT_SCORE;
		if (ok && nt > 0 && cands[i].score < 0.7 * cands[taken[0]].score)
			ok = 0;
		for (j = 0; j < nt && ok; j++) {
			double ov = quad_overlap(cands[i].c, cands[taken[j]].c);
			if (ov > 0.15 * fmin(cands[i].area, cands[taken[j]].area))
				ok = 0;
		}
		if (ok)
			taken[nt++] = i;
	}
	for (i = 0; i < nt; i++) {
		int r = finish_card(img, wk, L, &cands[taken[i]], &res->card[res->n], err);
		if (r == -1)
			goto out;
		if (r == 0)
			res->n++;
	}
	rc = 0;
out:
	for (i = 0; i < nl; i++)
		free(L[i].pref);
	free(cands);
	return rc;
}

int
loc_find_cards(const struct loc_image *img, struct loc_result *res, struct fz_err *err)
{
	struct work wk;
	struct votes vt = { 0 };
	struct loc_result *again = NULL;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (check_image(img, err) == -1)
		return -1;
	if (work_build(img, &wk) == -1 || work_edges(&wk) == -1 || cast_votes(&wk, &vt) == -1) {
		fz_seterr(err, "image: out of memory finding the card");
		goto out;
	}
	if (find_pass(img, &wk, &vt, LINES_FIRST, VOTES_FIRST, res, err) == -1)
		goto out;
	if (res->n != 1) {
		/* The second search sees every line the first did: it keeps
		 * its answer unless it found fewer cards. */
		if ((again = malloc(sizeof(*again))) == NULL) {
			fz_seterr(err, "image: out of memory finding the card");
			goto out;
		}
		if (find_pass(img, &wk, &vt, LINES_AGAIN, VOTES_AGAIN, again, err) == -1)
			goto out;
		if (again->n >= res->n)
			*res = *again;
	}
	reading_order(res->card, res->n);
	rc = 0;
out:
	free(again);
	free(vt.acc);
	work_free(&wk);
	return rc;
}
