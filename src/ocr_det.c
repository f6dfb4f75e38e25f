/* Text detection around the det model: input preparation and DB post-processing
 * (regions, minimum-area rectangles, unclip) as PaddleOCR does them. */
#include "ocr_det.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Largest map accepted: the det model's output for a 4096x4096 input. */
#define MAP_MAX_PIXELS (4096L * 4096L)

void
ocr_det_defaults(struct ocr_det_params *p)
{
	p->limit_side = 960;
	p->thresh = 0.3f;
	/* 0.5 rather than PaddleOCR's 0.6: 0.6 dropped one-character values
	 * (engine-notes). */
	p->box_thresh = 0.5f;
	p->unclip_ratio = 1.5f;
	p->min_size = 3;
	p->max_candidates = 1000;
}

int
ocr_det_size(
    int w, int h, int limit_side, int *in_w, int *in_h, struct fz_err *err)
{
	double ratio;
	long rw, rh;

	if (w < 1 || h < 1 || w > OCR_MAX_SIDE || h > OCR_MAX_SIDE ||
	    limit_side < 32 || limit_side > 4096) {
		fz_seterr(err,
		    "bad size for text detection: %dx%d, long side %d", w, h,
		    limit_side);
		return -1;
	}
	ratio = (double)limit_side / (w > h ? w : h);
	/* The model halves the size five times and doubles it back: multiples
	 * of 32. */
	rw = lround(w * ratio / 32) * 32;
	rh = lround(h * ratio / 32) * 32;
	*in_w = (int)(rw < 32 ? 32 : rw);
	*in_h = (int)(rh < 32 ? 32 : rh);
	return 0;
}

int
ocr_det_input(const struct ocr_image *img, int in_w, int in_h, float *out,
    struct fz_err *err)
{
	static const float mean[3] = {0.485f, 0.456f, 0.406f};
	static const float sd[3] = {0.229f, 0.224f, 0.225f};
	size_t n = (size_t)in_w * (size_t)in_h, i;
	unsigned char *px;
	int c;

	if (in_w < 1 || in_h < 1 || in_w > 4096 || in_h > 4096) {
		fz_seterr(err, "bad det input size %dx%d", in_w, in_h);
		return -1;
	}
	if ((px = malloc(n * 3)) == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	if (ocr_img_resize(img, in_w, in_h, px, err) != 0) {
		free(px);
		return -1;
	}
	/* PaddleOCR applies the (RGB-ordered) ImageNet constants to the B, G, R
	 * planes as read. */
	for (c = 0; c < 3; c++)
		for (i = 0; i < n; i++)
			out[c * n + i] =
			    (px[i * 3 + c] / 255.0f - mean[c]) / sd[c];
	free(px);
	return 0;
}

struct pt {
	int x, y;
};

/* A rotated rectangle: corners in order around it, and its two sides. */
struct rect {
	double x[4], y[4];
	double w, h;
};

static int
cmp_pt(const void *a, const void *b)
{
	const struct pt *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return (p->y > q->y) - (p->y < q->y);
}

static long
cross(struct pt o, struct pt a, struct pt b)
{
	return (long)(a.x - o.x) * (b.y - o.y) -
	    (long)(a.y - o.y) * (b.x - o.x);
}

/* Convex hull (Andrew's monotone chain) of p[0..n) into h; returns its size. */
static size_t
hull(struct pt *p, size_t n, struct pt *h)
{
	size_t k = 0, i, lo;

	qsort(p, n, sizeof(*p), cmp_pt);
	if (n < 3) {
		memcpy(h, p, n * sizeof(*p));
		return n;
	}
	for (i = 0; i < n; i++) {
		while (k >= 2 && cross(h[k - 2], h[k - 1], p[i]) <= 0)
			k--;
		h[k++] = p[i];
	}
	for (lo = k + 1, i = n - 1; i-- > 0;) {
		while (k >= lo && cross(h[k - 2], h[k - 1], p[i]) <= 0)
			k--;
		h[k++] = p[i];
	}
	return k - 1;
}

/*
 * The minimum-area rectangle around a convex polygon grown by pad on every
 * side (pad 0: the polygon itself). One of its sides lies along an edge of
 * the hull, so each edge's direction is tried.
 */
static void
min_rect(const struct pt *h, size_t n, double pad, struct rect *r)
{
	double best = -1;
	size_t i, j;

	if (n == 1) {
		const double sx[4] = {-pad, pad, pad, -pad},
		             sy[4] = {-pad, -pad, pad, pad};

		for (i = 0; i < 4; i++) {
			r->x[i] = h[0].x + sx[i];
			r->y[i] = h[0].y + sy[i];
		}
		r->w = r->h = 2 * pad;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct pt a = h[i], b = h[(i + 1) % n];
		double dx = b.x - a.x, dy = b.y - a.y, len = hypot(dx, dy);
		double ux, uy, s0 = 1e300, s1 = -1e300, t0 = 1e300, t1 = -1e300;

		if (len == 0)
			continue;
		ux = dx / len;
		uy = dy / len;
		for (j = 0; j < n; j++) {
			double s = h[j].x * ux + h[j].y * uy;
			double t = -h[j].x * uy + h[j].y * ux;

			s0 = fmin(s0, s);
			s1 = fmax(s1, s);
			t0 = fmin(t0, t);
			t1 = fmax(t1, t);
		}
		s0 -= pad;
		s1 += pad;
		t0 -= pad;
		t1 += pad;
		if (best < 0 || (s1 - s0) * (t1 - t0) < best) {
			const double ss[4] = {s0, s1, s1, s0},
			             tt[4] = {t0, t0, t1, t1};

			best = (s1 - s0) * (t1 - t0);
			for (j = 0; j < 4; j++) {
				r->x[j] = ss[j] * ux - tt[j] * uy;
				r->y[j] = ss[j] * uy + tt[j] * ux;
			}
			r->w = s1 - s0;
			r->h = t1 - t0;
		}
	}
}

/*
 * Mean of map over the rectangle's pixels, its corners truncated to whole
 * pixels within its clipped bounding box (PaddleOCR's "fast" score). The
 * pixels are those OpenCV's fillPoly paints: centres inside or on the
 * polygon, and every pixel its edges pass through as 8-connected lines,
 * which on a slanted box adds a rim that lowers the mean by up to 0.1.
 * Returns -1 when out of memory.
 */
static double
box_score(const float *map, int mw, int mh, const struct rect *r)
{
	double lo_x = 1e300, hi_x = -1e300, lo_y = 1e300, hi_y = -1e300;
	double sum = 0;
	long cnt = 0, area2 = 0;
	struct pt v[4];
	int xmin, xmax, ymin, ymax, bw, bh, x, y, i;
	unsigned char *mask;

	for (i = 0; i < 4; i++) {
		lo_x = fmin(lo_x, r->x[i]);
		hi_x = fmax(hi_x, r->x[i]);
		lo_y = fmin(lo_y, r->y[i]);
		hi_y = fmax(hi_y, r->y[i]);
	}
	xmin = (int)fmin(fmax(floor(lo_x), 0), mw - 1);
	xmax = (int)fmin(fmax(ceil(hi_x), 0), mw - 1);
	ymin = (int)fmin(fmax(floor(lo_y), 0), mh - 1);
	ymax = (int)fmin(fmax(ceil(hi_y), 0), mh - 1);
	bw = xmax - xmin + 1;
	bh = ymax - ymin + 1;
	if ((mask = calloc((size_t)bw * bh, 1)) == NULL)
		return -1;
	for (i = 0; i < 4; i++) {
		v[i].x = (int)(r->x[i] - xmin);
		v[i].y = (int)(r->y[i] - ymin);
	}
	for (i = 0; i < 4; i++)
		area2 += (long)v[i].x * v[(i + 1) % 4].y -
		    (long)v[(i + 1) % 4].x * v[i].y;
	for (y = 0; y < bh; y++)
		for (x = 0; x < bw; x++) {
			struct pt q = {x, y};
			int in = area2 != 0;

			for (i = 0; i < 4 && in; i++) {
				long c = cross(v[i], v[(i + 1) % 4], q);

				in = area2 > 0 ? c >= 0 : c <= 0;
			}
			mask[(size_t)y * bw + x] = (unsigned char)in;
		}
	for (i = 0; i < 4; i++) {
		const struct pt a = v[i], b = v[(i + 1) % 4];
		int n = abs(b.x - a.x) > abs(b.y - a.y) ? abs(b.x - a.x)
		                                        : abs(b.y - a.y),
		    k;

		for (k = 0; k <= n; k++) {
			int px = a.x +
			    (n ? (int)lround((double)k * (b.x - a.x) / n) : 0);
			int py = a.y +
			    (n ? (int)lround((double)k * (b.y - a.y) / n) : 0);

			if (px >= 0 && py >= 0 && px < bw && py < bh)
				mask[(size_t)py * bw + px] = 1;
		}
	}
	for (y = 0; y < bh; y++)
		for (x = 0; x < bw; x++)
			if (mask[(size_t)y * bw + x]) {
				sum += map[(size_t)(ymin + y) * mw + xmin + x];
				cnt++;
			}
	free(mask);
	return cnt ? sum / cnt : 0;
}

/*
 * Unclip: the rectangle grown by d = area * ratio / perimeter on every
 * side, with rounded corners, and the minimum-area rectangle of that. As
 * in PaddleOCR the corners are first truncated to whole pixels (Clipper
 * works on integers), which tilts and widens the result by up to a pixel.
 */
static void
unclip(struct rect *r, double ratio)
{
	double d = r->w * r->h * ratio / (2 * (r->w + r->h));
	struct pt q[4], h[9];
	size_t n;
	int i;

	for (i = 0; i < 4; i++) {
		q[i].x = (int)r->x[i];
		q[i].y = (int)r->y[i];
	}
	n = hull(q, 4, h);
	min_rect(h, n, d, r);
}

/* Stable sort of 4 or fewer corner indices by one coordinate. */
static void
sort_by(int *idx, int n, const float *key)
{
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && key[idx[j]] < key[idx[j - 1]]; j--) {
			int t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

/*
 * Maps the rectangle from the map to the picture and orders its corners
 * clockwise from the top-left (the two leftmost by y, then the two
 * rightmost). Returns 0, or -1 for a box 3 pixels thin or less.
 */
static int
to_picture(
    const struct rect *r, int mw, int mh, int iw, int ih, struct ocr_box *b)
{
	float x[4], y[4];
	int idx[4] = {0, 1, 2, 3}, left[2], right[2], i;
	int order[4];

	for (i = 0; i < 4; i++) {
		x[i] = (float)fmin(fmax(rint(r->x[i] / mw * iw), 0), iw);
		y[i] = (float)fmin(fmax(rint(r->y[i] / mh * ih), 0), ih);
	}
	sort_by(idx, 4, x);
	left[0] = idx[0];
	left[1] = idx[1];
	right[0] = idx[2];
	right[1] = idx[3];
	sort_by(left, 2, y);
	sort_by(right, 2, y);
	order[0] = left[0];
	order[1] = right[0];
	order[2] = right[1];
	order[3] = left[1];
	for (i = 0; i < 4; i++) {
		b->x[i] = fminf(x[order[i]], (float)(iw - 1));
		b->y[i] = fminf(y[order[i]], (float)(ih - 1));
	}
	if ((int)hypotf(b->x[0] - b->x[1], b->y[0] - b->y[1]) <= 3 ||
	    (int)hypotf(b->x[0] - b->x[3], b->y[0] - b->y[3]) <= 3)
		return -1;
	return 0;
}

/* Reading order: by the top-left corner's y then x, then neighbours within 10
 * pixels in y by x. */
static void
reading_order(struct ocr_boxes *bs)
{
	size_t i, j;

	for (i = 1; i < bs->n; i++)
		for (j = i; j > 0; j--) {
			const struct ocr_box *a = &bs->v[j - 1], *b = &bs->v[j];
			struct ocr_box t;

			if (a->y[0] < b->y[0] ||
			    (a->y[0] == b->y[0] && a->x[0] <= b->x[0]))
				break;
			t = bs->v[j];
			bs->v[j] = bs->v[j - 1];
			bs->v[j - 1] = t;
		}
	for (i = 0; i + 1 < bs->n; i++)
		for (j = i + 1; j > 0; j--) {
			struct ocr_box *a = &bs->v[j - 1], *b = &bs->v[j], t;

			if (!(fabsf(b->y[0] - a->y[0]) < 10 &&
			        b->x[0] < a->x[0]))
				break;
			t = *a;
			*a = *b;
			*b = t;
		}
}

int
ocr_det_boxes(const float *map, int map_w, int map_h, int img_w, int img_h,
    const struct ocr_det_params *p, struct ocr_boxes *out, struct fz_err *err)
{
	size_t npx, cand = 0, cap = 0, top, nreg, nh, i;
	unsigned char *seen = NULL;
	uint32_t *stack = NULL;
	struct pt *pts = NULL, *hl = NULL;
	int *rmin = NULL, *rmax = NULL;
	int rc = -1, y0, y1, y;

	memset(out, 0, sizeof(*out));
	if (map_w < 1 || map_h < 1 || (long)map_w * map_h > MAP_MAX_PIXELS ||
	    img_w < 1 || img_h < 1 || img_w > OCR_MAX_SIDE ||
	    img_h > OCR_MAX_SIDE) {
		fz_seterr(err,
		    "bad sizes for text detection: map %dx%d, picture %dx%d",
		    map_w, map_h, img_w, img_h);
		return -1;
	}
	npx = (size_t)map_w * map_h;
	seen = calloc(npx, 1);
	stack = malloc(npx * sizeof(*stack));
	pts = malloc(2 * (size_t)map_h * sizeof(*pts));
	/* The monotone chain can hold up to twice its points on the way. */
	hl = malloc((4 * (size_t)map_h + 2) * sizeof(*hl));
	rmin = malloc((size_t)map_h * sizeof(*rmin));
	rmax = malloc((size_t)map_h * sizeof(*rmax));
	if (!seen || !stack || !pts || !hl || !rmin || !rmax)
		goto oom;

	for (i = 0; i < npx && cand < p->max_candidates; i++) {
		struct rect r;
		struct ocr_box b;
		double score;

		if (seen[i] || !(map[i] > p->thresh))
			continue;
		cand++;
		/* Flood fill of one 8-connected region, keeping each row's
		 * extremes. */
		y0 = y1 = (int)(i / map_w);
		rmin[y0] = rmax[y0] = (int)(i % map_w);
		seen[i] = 1;
		stack[0] = (uint32_t)i;
		top = 1;
		while (top > 0) {
			size_t q = stack[--top];
			int qx = (int)(q % map_w), qy = (int)(q / map_w), dx,
			    dy;

			if (qy < y0 || qy > y1) {
				/* Rows are reached in any order; a new one
				 * starts empty. */
				for (y = qy < y0 ? qy : y1 + 1;
				     y < (qy < y0 ? y0 : qy + 1); y++) {
					rmin[y] = map_w;
					rmax[y] = -1;
				}
				y0 = qy < y0 ? qy : y0;
				y1 = qy > y1 ? qy : y1;
			}
			rmin[qy] = qx < rmin[qy] ? qx : rmin[qy];
			rmax[qy] = qx > rmax[qy] ? qx : rmax[qy];
			for (dy = -1; dy <= 1; dy++)
				for (dx = -1; dx <= 1; dx++) {
					int nx = qx + dx, ny = qy + dy;
					size_t ni;

					if (nx < 0 || ny < 0 || nx >= map_w ||
					    ny >= map_h)
						continue;
					ni = (size_t)ny * map_w + nx;
					if (!seen[ni] && map[ni] > p->thresh) {
						seen[ni] = 1;
						stack[top++] = (uint32_t)ni;
					}
				}
		}
		/* The hull of a region is the hull of its rows' end pixels. */
		nreg = 0;
		for (y = y0; y <= y1; y++) {
			if (rmax[y] < 0)
				continue;
			pts[nreg].x = rmin[y];
			pts[nreg++].y = y;
			if (rmax[y] != rmin[y]) {
				pts[nreg].x = rmax[y];
				pts[nreg++].y = y;
			}
		}
		nh = hull(pts, nreg, hl);
		min_rect(hl, nh, 0, &r);
		if (fmin(r.w, r.h) < p->min_size)
			continue;
		if ((score = box_score(map, map_w, map_h, &r)) < 0)
			goto oom;
		if (p->box_thresh > score)
			continue;
		unclip(&r, p->unclip_ratio);
		if (fmin(r.w, r.h) < p->min_size + 2)
			continue;
		if (to_picture(&r, map_w, map_h, img_w, img_h, &b) != 0)
			continue;
		b.score = (float)score;
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct ocr_box *nv = realloc(out->v, nc * sizeof(*nv));

			if (nv == NULL)
				goto oom;
			out->v = nv;
			cap = nc;
		}
		out->v[out->n++] = b;
	}
	reading_order(out);
	rc = 0;
	goto done;
oom:
	fz_seterr(err, "out of memory");
	ocr_boxes_free(out);
done:
	free(seen);
	free(stack);
	free(pts);
	free(hl);
	free(rmin);
	free(rmax);
	return rc;
}

void
ocr_boxes_free(struct ocr_boxes *b)
{
	if (b == NULL)
		return;
	free(b->v);
	b->v = NULL;
	b->n = 0;
}
