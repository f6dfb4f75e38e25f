/* Pictures for the OCR models: bilinear resizing and perspective crops, with
 * OpenCV's pixel conventions so PaddleOCR's preprocessing carries over. */
#include "ocr_img.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int
check_sizes(const struct ocr_image *src, int dw, int dh, struct fz_err *err)
{
	if (src == NULL || src->bgr == NULL || src->w < 1 || src->h < 1 ||
	    src->w > OCR_MAX_SIDE || src->h > OCR_MAX_SIDE ||
	    src->stride < (size_t)src->w * 3) {
		fz_seterr(err, "bad picture for the OCR models");
		return -1;
	}
	if (dw < 1 || dh < 1 || dw > OCR_MAX_SIDE || dh > OCR_MAX_SIDE) {
		fz_seterr(
		    err, "bad target size %dx%d for the OCR models", dw, dh);
		return -1;
	}
	return 0;
}

/* One axis of the resize: the source index and weight of the next pixel. */
static void
axis(int sn, int dn, int *idx, float *wt)
{
	double scale = (double)sn / dn;
	int d;

	for (d = 0; d < dn; d++) {
		double f = (d + 0.5) * scale - 0.5;
		int i = (int)floor(f);
		double a = f - i;

		/* Outside the outer pixel centres the edge pixel is repeated.
		 */
		if (i < 0) {
			i = 0;
			a = 0;
		}
		if (i >= sn - 1) {
			i = sn - 1;
			a = 0;
		}
		idx[d] = i;
		wt[d] = (float)a;
	}
}

static unsigned char
to_byte(float v)
{
	v = roundf(v);
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int
ocr_img_resize(const struct ocr_image *src, int dw, int dh, unsigned char *dst,
    struct fz_err *err)
{
	int *xi = NULL, *yi = NULL, x, y, c;
	float *xw = NULL, *yw = NULL;
	int rc = -1;

	if (check_sizes(src, dw, dh, err) != 0)
		return -1;
	xi = malloc(sizeof(*xi) * (size_t)dw);
	xw = malloc(sizeof(*xw) * (size_t)dw);
	yi = malloc(sizeof(*yi) * (size_t)dh);
	yw = malloc(sizeof(*yw) * (size_t)dh);
	if (xi == NULL || xw == NULL || yi == NULL || yw == NULL) {
		fz_seterr(err, "out of memory");
		goto out;
	}
	axis(src->w, dw, xi, xw);
	axis(src->h, dh, yi, yw);
	for (y = 0; y < dh; y++) {
		const unsigned char *r0 =
		    src->bgr + (size_t)yi[y] * src->stride;
		const unsigned char *r1 =
		    yi[y] + 1 < src->h ? r0 + src->stride : r0;
		unsigned char *o = dst + (size_t)y * dw * 3;

		for (x = 0; x < dw; x++) {
			int x0 = xi[x] * 3,
			    x1 = (xi[x] + 1 < src->w ? xi[x] + 1 : xi[x]) * 3;
			float a = xw[x], b = yw[y];

			for (c = 0; c < 3; c++) {
				float top =
				    r0[x0 + c] + a * (r0[x1 + c] - r0[x0 + c]);
				float bot =
				    r1[x0 + c] + a * (r1[x1 + c] - r1[x0 + c]);
				o[x * 3 + c] = to_byte(top + b * (bot - top));
			}
		}
	}
	rc = 0;
out:
	free(xi);
	free(xw);
	free(yi);
	free(yw);
	return rc;
}

/*
 * The homography h (row-major 3x3, h[8] = 1) taking (0,0), (w,0), (w,h),
 * (0,h) to the four corners: 8 equations in 8 unknowns, solved by Gaussian
 * elimination with partial pivoting. -1 when the corners are degenerate.
 */
static int
homography(const float x[4], const float y[4], int w, int hgt, double h[9])
{
	const double u[4] = {0, w, w, 0}, v[4] = {0, 0, hgt, hgt};
	double a[8][9];
	int i, j, k, p;

	for (i = 0; i < 4; i++) {
		double r0[9] = {
		    u[i], v[i], 1, 0, 0, 0, -u[i] * x[i], -v[i] * x[i], x[i]};
		double r1[9] = {
		    0, 0, 0, u[i], v[i], 1, -u[i] * y[i], -v[i] * y[i], y[i]};

		memcpy(a[2 * i], r0, sizeof(r0));
		memcpy(a[2 * i + 1], r1, sizeof(r1));
	}
	for (k = 0; k < 8; k++) {
		for (p = k, i = k + 1; i < 8; i++)
			if (fabs(a[i][k]) > fabs(a[p][k]))
				p = i;
		if (fabs(a[p][k]) < 1e-9)
			return -1;
		for (j = 0; j < 9; j++) {
			double t = a[k][j];

			a[k][j] = a[p][j];
			a[p][j] = t;
		}
		for (i = 0; i < 8; i++) {
			double f;

			if (i == k)
				continue;
			f = a[i][k] / a[k][k];
			for (j = k; j < 9; j++)
				a[i][j] -= f * a[k][j];
		}
	}
	for (i = 0; i < 8; i++)
		h[i] = a[i][8] / a[i][i];
	h[8] = 1;
	return 0;
}

int
ocr_img_warp(const struct ocr_image *src, const float x[4], const float y[4],
    int dw, int dh, unsigned char *dst, struct fz_err *err)
{
	double h[9];
	int u, v, c;

	if (check_sizes(src, dw, dh, err) != 0)
		return -1;
	if (homography(x, y, dw, dh, h) != 0) {
		fz_seterr(err, "degenerate text box");
		return -1;
	}
	for (v = 0; v < dh; v++) {
		for (u = 0; u < dw; u++) {
			double z = h[6] * u + h[7] * v + h[8];
			double sx = (h[0] * u + h[1] * v + h[2]) / z;
			double sy = (h[3] * u + h[4] * v + h[5]) / z;
			double fx, fy;
			float a, b;
			long x0, y0, x1, y1;
			const unsigned char *p00, *p01, *p10, *p11;
			unsigned char *o = dst + ((size_t)v * dw + u) * 3;

			/* A wild quadrilateral can send a point to infinity (or
			 * NaN); fmax/fmin bring any of those into range. */
			sx = fmin(fmax(sx, -1.0), (double)src->w);
			sy = fmin(fmax(sy, -1.0), (double)src->h);
			fx = floor(sx);
			fy = floor(sy);
			a = (float)(sx - fx);
			b = (float)(sy - fy);
			x0 = (long)fx;
			y0 = (long)fy;
			x1 = x0 + 1;
			y1 = y0 + 1;

			/* Repeat the edge pixels outside the picture. */
			x0 = x0 < 0 ? 0 : x0 >= src->w ? src->w - 1 : x0;
			x1 = x1 < 0 ? 0 : x1 >= src->w ? src->w - 1 : x1;
			y0 = y0 < 0 ? 0 : y0 >= src->h ? src->h - 1 : y0;
			y1 = y1 < 0 ? 0 : y1 >= src->h ? src->h - 1 : y1;
			p00 = src->bgr + (size_t)y0 * src->stride +
			    (size_t)x0 * 3;
			p01 = src->bgr + (size_t)y0 * src->stride +
			    (size_t)x1 * 3;
			p10 = src->bgr + (size_t)y1 * src->stride +
			    (size_t)x0 * 3;
			p11 = src->bgr + (size_t)y1 * src->stride +
			    (size_t)x1 * 3;
			for (c = 0; c < 3; c++) {
				float top = p00[c] + a * (p01[c] - p00[c]);
				float bot = p10[c] + a * (p11[c] - p10[c]);
				o[c] = to_byte(top + b * (bot - top));
			}
		}
	}
	return 0;
}
