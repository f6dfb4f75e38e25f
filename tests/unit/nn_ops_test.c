/* Per-operator tests: each kernel against a straightforward reference on random shapes, broadcasting, groups, strides, padding, edge cases. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_direct.h"
#include "nn_graph.h"
#include "nn_kern.h"
#include "nn_ops.h"
#include "unit.h"

static uint64_t rng = 88172645463325252ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Uniform in [lo, hi]. */
static int64_t
ri(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 1));
}

static float
rf(void)
{
	return (float)(rnd() % 20001) / 10000.0f - 1.0f;
}

static struct nn_t
tensor(int dtype, int ndim, const int64_t *dims)
{
	struct nn_t t = { 0 };
	int64_t n, i;

	t.dtype = dtype;
	t.ndim = ndim;
	for (i = 0; i < ndim; i++)
		t.dims[i] = dims[i];
	n = nn_numel(&t);
	t.data = calloc((size_t)(n > 0 ? n : 1), nn_dtype_size(dtype));
	for (i = 0; i < n; i++) {
		if (dtype == NN_F32)
			((float *)t.data)[i] = rf();
		else
			((int64_t *)t.data)[i] = ri(-5, 5);
	}
	return t;
}

static struct nn_t
ivec(int n, const int64_t *v)
{
	int64_t d = n;
	struct nn_t t = tensor(NN_I64, 1, &d);

	memcpy(t.data, v, (size_t)n * sizeof(int64_t));
	return t;
}

static struct nn_t
fscalar(float v)
{
	struct nn_t t = tensor(NN_F32, 0, NULL);

	((float *)t.data)[0] = v;
	return t;
}

static struct nn_node
node(int op, int nin)
{
	struct nn_node n;

	memset(&n, 0, sizeof(n));
	n.op = op;
	n.nin = nin;
	n.name = (char *)"test";
	n.a.group = 1;
	n.a.strides[0] = n.a.strides[1] = 1;
	n.a.dil[0] = n.a.dil[1] = 1;
	n.a.cmin = -3.4e38f;
	n.a.cmax = 3.4e38f;
	n.a.nperm = -1;
	n.a.naxes = -1;
	n.a.keepdims = 1;
	n.a.alpha = 0.2f;
	n.a.beta = 0.5f;
	n.a.eps = 1e-5f;
	return n;
}

static struct nn_scratch scratch;
static struct fz_err err;

/* Shape then execution; out->data is allocated here. Returns 0 or -1. */
static int
run(const struct nn_node *nd, const struct nn_t *const *in, struct nn_t *out)
{
	int64_t n;

	memset(out, 0, sizeof(*out));
	if (nn_op_shape(nd, in, out, &err) != 0)
		return -1;
	n = nn_numel(out);
	out->data = calloc((size_t)(n > 0 ? n : 1), nn_dtype_size(out->dtype));
	if (out->data == NULL)
		return -1;
	if (nn_op_exec(nd, in, out, &scratch, &err) != 0) {
		free(out->data);
		out->data = NULL;
		return -1;
	}
	return 0;
}

static float
maxdiff(const float *a, const float *b, int64_t n)
{
	float m = 0.0f;
	int64_t i;

	for (i = 0; i < n; i++) {
		float d = fabsf(a[i] - b[i]);

		if (!(d <= m))
			m = d;
	}
	return m;
}

#define F(t) ((float *)(t).data)
#define I(t) ((int64_t *)(t).data)

static int
same_dims(const struct nn_t *t, int ndim, const int64_t *d)
{
	int i;

	if (t->ndim != ndim)
		return 0;
	for (i = 0; i < ndim; i++)
		if (t->dims[i] != d[i])
			return 0;
	return 1;
}

/* ---- Conv ---- */

static void
ref_conv(const struct nn_t *x, const struct nn_t *w, const float *b,
    const struct nn_attr *a, const int64_t *od, float *y)
{
	int64_t n, m, c, oy, ox, ky, kx;
	int64_t C = x->dims[1], H = x->dims[2], W = x->dims[3];
	int64_t M = w->dims[0], cg = w->dims[1], KH = w->dims[2], KW = w->dims[3];
	int64_t mg = M / a->group;

	for (n = 0; n < od[0]; n++)
		for (m = 0; m < M; m++)
			for (oy = 0; oy < od[2]; oy++)
				for (ox = 0; ox < od[3]; ox++) {
					double s = b != NULL ? b[m] : 0.0;
					int64_t g = m / mg;

					for (c = 0; c < cg; c++)
						for (ky = 0; ky < KH; ky++)
							for (kx = 0; kx < KW; kx++) {
								int64_t iy = oy * a->strides[0] - a->pads[0] + ky * a->dil[0];
								int64_t ix = ox * a->strides[1] - a->pads[1] + kx * a->dil[1];

								if (iy < 0 || iy >= H || ix < 0 || ix >= W)
									continue;
								s += (double)F(*x)[((n * C + g * cg + c) * H + iy) * W + ix] *
								    F(*w)[((m * cg + c) * KH + ky) * KW + kx];
							}
					y[((n * M + m) * od[2] + oy) * od[3] + ox] = (float)s;
				}
}

static void
test_conv(void)
{
	int trial, bad = 0, ran = 0;

	for (trial = 0; trial < 300; trial++) {
		struct nn_node nd = node(NN_OP_CONV, 3);
		int kind = trial % 4; /* 0 dense, 1 depthwise, 2 grouped, 3 pointwise */
		int64_t g = kind == 1 ? ri(1, 6) : kind == 2 ? ri(2, 3) : 1;
		int64_t cg = kind == 1 ? 1 : ri(1, 5), mg = kind == 1 ? 1 : ri(1, 5);
		int64_t xd[4], wd[4], bd[1];
		struct nn_t x, w, b, y;
		const struct nn_t *in[3];
		int64_t od[4], i;
		float *ref;
		int use_b = trial % 3 != 0;

		xd[0] = ri(1, 2);
		xd[1] = cg * g;
		xd[2] = ri(1, 13);
		xd[3] = ri(1, 21);
		wd[0] = mg * g;
		wd[1] = cg;
		wd[2] = kind == 3 ? 1 : ri(1, 5);
		wd[3] = kind == 3 ? 1 : ri(1, 5);
		bd[0] = wd[0];
		nd.a.group = g;
		if (kind != 3) {
			nd.a.strides[0] = ri(1, 3);
			nd.a.strides[1] = ri(1, 3);
			nd.a.dil[0] = ri(1, 2);
			nd.a.dil[1] = ri(1, 2);
			for (i = 0; i < 4; i++)
				nd.a.pads[i] = ri(0, 2);
		}
		x = tensor(NN_F32, 4, xd);
		w = tensor(NN_F32, 4, wd);
		b = tensor(NN_F32, 1, bd);
		in[0] = &x;
		in[1] = &w;
		in[2] = use_b ? &b : NULL;
		if (run(&nd, in, &y) != 0) {
			/* Only a kernel larger than the padded input may be refused. */
			int64_t eh = (wd[2] - 1) * nd.a.dil[0] + 1, ew = (wd[3] - 1) * nd.a.dil[1] + 1;

			if (xd[2] + nd.a.pads[0] + nd.a.pads[2] >= eh &&
			    xd[3] + nd.a.pads[1] + nd.a.pads[3] >= ew)
				bad++;
		} else {
			ran++;
			od[0] = xd[0];
			od[1] = wd[0];
			od[2] = (xd[2] + nd.a.pads[0] + nd.a.pads[2] - ((wd[2] - 1) * nd.a.dil[0] + 1)) / nd.a.strides[0] + 1;
			od[3] = (xd[3] + nd.a.pads[1] + nd.a.pads[3] - ((wd[3] - 1) * nd.a.dil[1] + 1)) / nd.a.strides[1] + 1;
			if (!same_dims(&y, 4, od)) {
				bad++;
			} else {
				ref = malloc((size_t)nn_numel(&y) * sizeof(float));
				ref_conv(&x, &w, use_b ? F(b) : NULL, &nd.a, od, ref);
				if (maxdiff(F(y), ref, nn_numel(&y)) > 1e-4f) {
					fprintf(stderr, "conv trial %d kind %d: diff %g\n", trial,
					    kind, maxdiff(F(y), ref, nn_numel(&y)));
					bad++;
				}
				free(ref);
			}
			free(y.data);
		}
		free(x.data);
		free(w.data);
		free(b.data);
	}
	CHECK(bad == 0);
	CHECK(ran > 200);
}

/*
 * Planes as wide and deep as det's neck (96 -> 24 channels, 3x3), wider
 * than a tile and, for the second shape, with more padded input than one
 * band holds, so tile edges and band seams are crossed. Each shape runs on
 * the AVX-512 tiles, the AVX2 tiles and GEMM (as far as the processor has
 * them): all agree with the reference, and the two direct versions give
 * the same floats.
 */
static void
test_conv_wide(void)
{
	static const int64_t shapes[][8] = {
		/* c, m, h, w, kh, kw, pad h, pad w */
		{ 96, 24, 9, 217, 3, 3, 1, 1 },
		{ 40, 19, 80, 340, 3, 3, 1, 1 },
		{ 7, 5, 6, 101, 5, 5, 2, 2 },
		{ 12, 10, 3, 193, 1, 3, 0, 1 },
	};
	int si, isa, bad = 0, same = 1;

	for (si = 0; si < (int)(sizeof(shapes) / sizeof(shapes[0])); si++) {
		const int64_t *sh = shapes[si];
		int64_t xd[4] = { 1, sh[0], sh[2], sh[3] };
		int64_t wd[4] = { sh[1], sh[0], sh[4], sh[5] }, bd[1] = { sh[1] };
		struct nn_node nd = node(NN_OP_CONV, 3);
		struct nn_t x = tensor(NN_F32, 4, xd), w = tensor(NN_F32, 4, wd);
		struct nn_t b = tensor(NN_F32, 1, bd), y[3];
		const struct nn_t *in[3] = { &x, &w, &b };
		int64_t od[4], n;
		float *ref;

		nd.a.pads[0] = nd.a.pads[2] = sh[6];
		nd.a.pads[1] = nd.a.pads[3] = sh[7];
		od[0] = 1;
		od[1] = sh[1];
		od[2] = sh[2] + 2 * sh[6] - sh[4] + 1;
		od[3] = sh[3] + 2 * sh[7] - sh[5] + 1;
		n = od[1] * od[2] * od[3];
		ref = malloc((size_t)n * sizeof(float));
		ref_conv(&x, &w, F(b), &nd.a, od, ref);
		for (isa = 2; isa >= 0; isa--) {
			nn_direct_limit(isa);
			if (run(&nd, in, &y[isa]) != 0 || !same_dims(&y[isa], 4, od)) {
				bad++;
				y[isa].data = NULL;
				continue;
			}
			/* Sums of up to 864 products of numbers in [-1, 1]. */
			if (maxdiff(F(y[isa]), ref, n) > 1e-3f) {
				fprintf(stderr, "wide conv %d isa %d: diff %g\n", si, isa,
				    maxdiff(F(y[isa]), ref, n));
				bad++;
			}
		}
		if (y[2].data != NULL && y[1].data != NULL &&
		    memcmp(y[2].data, y[1].data, (size_t)n * sizeof(float)) != 0)
			same = 0;
		for (isa = 0; isa < 3; isa++)
			free(y[isa].data);
		free(ref);
		free(x.data);
		free(w.data);
		free(b.data);
	}
	nn_direct_limit(2);
	CHECK(bad == 0);
	CHECK(same);
}

/* ---- ConvTranspose ---- */

static void
test_convtranspose(void)
{
	int trial, bad = 0;

	for (trial = 0; trial < 150; trial++) {
		struct nn_node nd = node(NN_OP_CONVTRANSPOSE, 3);
		int64_t g = ri(1, 2), cg = ri(1, 4), mg = ri(1, 4);
		int64_t xd[4], wd[4], bd[1], od[4], n, c, m, iy, ix, ky, kx, i;
		struct nn_t x, w, b, y;
		const struct nn_t *in[3];
		double *ref;

		xd[0] = ri(1, 2);
		xd[1] = cg * g;
		xd[2] = ri(1, 9);
		xd[3] = ri(1, 9);
		wd[0] = xd[1];
		wd[1] = mg;
		wd[2] = ri(1, 4);
		wd[3] = ri(1, 4);
		bd[0] = mg * g;
		nd.a.group = g;
		nd.a.strides[0] = ri(1, 3);
		nd.a.strides[1] = ri(1, 3);
		nd.a.dil[0] = ri(1, 2);
		nd.a.dil[1] = ri(1, 2);
		nd.a.outpad[0] = ri(0, nd.a.strides[0] - 1);
		nd.a.outpad[1] = ri(0, nd.a.strides[1] - 1);
		for (i = 0; i < 4; i++)
			nd.a.pads[i] = ri(0, 1);
		if (trial % 3 == 0) {
			/* Footprints that tile the output (the det model's
			 * 2x2 stride 2): the kernel's own fast path. */
			nd.a.strides[0] = wd[2];
			nd.a.strides[1] = wd[3];
			nd.a.dil[0] = nd.a.dil[1] = 1;
			nd.a.outpad[0] = nd.a.outpad[1] = 0;
			nd.a.pads[0] = nd.a.pads[1] = 0;
			nd.a.pads[2] = nd.a.pads[3] = 0;
		}
		x = tensor(NN_F32, 4, xd);
		w = tensor(NN_F32, 4, wd);
		b = tensor(NN_F32, 1, bd);
		in[0] = &x;
		in[1] = &w;
		in[2] = &b;
		od[0] = xd[0];
		od[1] = bd[0];
		od[2] = nd.a.strides[0] * (xd[2] - 1) + nd.a.outpad[0] + (wd[2] - 1) * nd.a.dil[0] + 1 - nd.a.pads[0] - nd.a.pads[2];
		od[3] = nd.a.strides[1] * (xd[3] - 1) + nd.a.outpad[1] + (wd[3] - 1) * nd.a.dil[1] + 1 - nd.a.pads[1] - nd.a.pads[3];
		if (od[2] < 1 || od[3] < 1) {
			if (run(&nd, in, &y) == 0) {
				bad++;
				free(y.data);
			}
			goto next;
		}
		if (run(&nd, in, &y) != 0 || !same_dims(&y, 4, od)) {
			bad++;
			free(y.data);
			goto next;
		}
		/* Reference: scatter every input pixel through the kernel. */
		ref = calloc((size_t)nn_numel(&y), sizeof(double));
		for (n = 0; n < od[0]; n++)
			for (m = 0; m < od[1]; m++)
				for (iy = 0; iy < od[2] * od[3]; iy++)
					ref[(n * od[1] + m) * od[2] * od[3] + iy] = F(b)[m];
		for (n = 0; n < xd[0]; n++)
			for (c = 0; c < xd[1]; c++)
				for (m = 0; m < mg; m++)
					for (iy = 0; iy < xd[2]; iy++)
						for (ix = 0; ix < xd[3]; ix++)
							for (ky = 0; ky < wd[2]; ky++)
								for (kx = 0; kx < wd[3]; kx++) {
									int64_t oy = iy * nd.a.strides[0] - nd.a.pads[0] + ky * nd.a.dil[0];
									int64_t ox = ix * nd.a.strides[1] - nd.a.pads[1] + kx * nd.a.dil[1];
									int64_t om = (c / cg) * mg + m;

									if (oy < 0 || oy >= od[2] || ox < 0 || ox >= od[3])
										continue;
									ref[((n * od[1] + om) * od[2] + oy) * od[3] + ox] +=
									    (double)F(x)[((n * xd[1] + c) * xd[2] + iy) * xd[3] + ix] *
									    F(w)[((c * mg + m) * wd[2] + ky) * wd[3] + kx];
								}
		for (i = 0; i < nn_numel(&y); i++)
			if (fabs(F(y)[i] - ref[i]) > 1e-4)
				break;
		if (i < nn_numel(&y))
			bad++;
		free(ref);
		free(y.data);
next:
		free(x.data);
		free(w.data);
		free(b.data);
	}
	CHECK(bad == 0);
}

/* ---- broadcasting binary operators ---- */

static int64_t
bidx(const struct nn_t *t, const struct nn_t *o, int64_t flat)
{
	int64_t idx = 0, stride = 1;
	int i;

	for (i = o->ndim - 1; i >= 0; i--) {
		int64_t c = flat % o->dims[i];
		int ti = i - (o->ndim - t->ndim);

		flat /= o->dims[i];
		if (ti >= 0) {
			if (t->dims[ti] != 1)
				idx += c * stride;
			stride *= t->dims[ti];
		}
	}
	return idx;
}

static void
test_binary(void)
{
	static const int ops[] = { NN_OP_ADD, NN_OP_SUB, NN_OP_MUL, NN_OP_DIV,
		NN_OP_POW };
	int trial, bad = 0;

	for (trial = 0; trial < 400; trial++) {
		int op = ops[trial % 5], r = (int)ri(0, 4), ra, rb, i, isint;
		int64_t d[4], da[4], db[4], j, n;
		struct nn_node nd = node(op, 2);
		struct nn_t a, b, o;
		const struct nn_t *in[2];

		isint = op != NN_OP_POW && trial % 7 == 0;
		for (i = 0; i < r; i++)
			d[i] = ri(1, 5);
		ra = (int)ri(0, r);
		rb = trial % 2 ? r : (int)ri(0, r);
		for (i = 0; i < ra; i++)
			da[i] = ri(0, 2) == 0 ? 1 : d[r - ra + i];
		for (i = 0; i < rb; i++)
			db[i] = ri(0, 2) == 0 ? 1 : d[r - rb + i];
		a = tensor(isint ? NN_I64 : NN_F32, ra, da);
		b = tensor(isint ? NN_I64 : NN_F32, rb, db);
		if (op == NN_OP_POW) {
			for (j = 0; j < nn_numel(&a); j++)
				F(a)[j] = fabsf(F(a)[j]) + 0.1f;
			if (trial % 10 == 4)
				F(b)[0] = 2.0f;
		}
		if (isint && op == NN_OP_DIV)
			for (j = 0; j < nn_numel(&b); j++)
				if (I(b)[j] == 0 || I(b)[j] == -1)
					I(b)[j] = 3;
		in[0] = &a;
		in[1] = &b;
		if (run(&nd, in, &o) != 0) {
			bad++;
			fprintf(stderr, "binary: %s\n", err.msg);
			goto next;
		}
		n = nn_numel(&o);
		for (j = 0; j < n; j++) {
			int64_t ia = bidx(&a, &o, j), ib = bidx(&b, &o, j);

			if (isint) {
				int64_t x = I(a)[ia], y = I(b)[ib];
				int64_t want = op == NN_OP_ADD ? x + y : op == NN_OP_SUB ?
				    x - y : op == NN_OP_MUL ? x * y : x / y;

				if (I(o)[j] != want)
					break;
			} else {
				float x = F(a)[ia], y = F(b)[ib];
				float want = op == NN_OP_ADD ? x + y : op == NN_OP_SUB ?
				    x - y : op == NN_OP_MUL ? x * y : op == NN_OP_DIV ?
				    x / y : powf(x, y);

				if (!(fabsf(F(o)[j] - want) <= 1e-6f * (1.0f + fabsf(want))))
					break;
			}
		}
		if (j < n)
			bad++;
		free(o.data);
next:
		free(a.data);
		free(b.data);
	}
	CHECK(bad == 0);
	/* Shapes that do not broadcast, and mixed types, are errors. */
	{
		int64_t d1[2] = { 3, 4 }, d2[2] = { 2, 4 };
		struct nn_t a = tensor(NN_F32, 2, d1), b = tensor(NN_F32, 2, d2);
		struct nn_t c = tensor(NN_I64, 2, d1), o;
		struct nn_node nd = node(NN_OP_ADD, 2);
		const struct nn_t *in[2] = { &a, &b };

		CHECK(run(&nd, in, &o) == -1);
		CHECK(strstr(err.msg, "broadcast") != NULL);
		in[1] = &c;
		CHECK(run(&nd, in, &o) == -1);
		/* Integer division by zero is an error, not a trap. */
		nd.op = NN_OP_DIV;
		in[0] = &c;
		memset(c.data, 0, 12 * sizeof(int64_t));
		CHECK(run(&nd, in, &o) == -1);
		free(a.data);
		free(b.data);
		free(c.data);
	}
}

/* ---- unary operators and the epilogue steps ---- */

static float
sig(float v)
{
	return 1.0f / (1.0f + expf(-v));
}

static void
test_unary(void)
{
	int64_t d[3] = { 2, 3, 17 }, i, n = 2 * 3 * 17;
	struct nn_t x = tensor(NN_F32, 3, d), o, lo = fscalar(-0.25f),
	    hi = fscalar(0.5f);
	const struct nn_t *in[3] = { &x, NULL, NULL };
	struct nn_node nd;
	int bad = 0;

	for (i = 0; i < n; i++)
		F(x)[i] *= 4.0f;
	nd = node(NN_OP_RELU, 1);
	CHECK(run(&nd, in, &o) == 0);
	for (i = 0; i < n; i++)
		bad += F(o)[i] != (F(x)[i] > 0 ? F(x)[i] : 0.0f);
	free(o.data);
	nd = node(NN_OP_SIGMOID, 1);
	CHECK(run(&nd, in, &o) == 0);
	for (i = 0; i < n; i++)
		bad += fabsf(F(o)[i] - sig(F(x)[i])) > 1e-6f;
	free(o.data);
	nd = node(NN_OP_HARDSIGMOID, 1);
	nd.a.alpha = 1.0f / 6.0f;
	CHECK(run(&nd, in, &o) == 0);
	for (i = 0; i < n; i++)
		bad += fabsf(F(o)[i] - fmaxf(0.0f, fminf(1.0f, F(x)[i] / 6.0f + 0.5f))) > 1e-6f;
	free(o.data);
	nd = node(NN_OP_SQRT, 1);
	for (i = 0; i < n; i++)
		F(x)[i] = fabsf(F(x)[i]);
	CHECK(run(&nd, in, &o) == 0);
	for (i = 0; i < n; i++)
		bad += F(o)[i] != sqrtf(F(x)[i]);
	free(o.data);
	for (i = 0; i < n; i++)
		F(x)[i] -= 1.0f;
	/* Clip: bounds as inputs (opset 11), one omitted; and as attributes (opset 9). */
	nd = node(NN_OP_CLIP, 3);
	in[1] = &lo;
	CHECK(run(&nd, in, &o) == 0);
	for (i = 0; i < n; i++)
		bad += F(o)[i] != fmaxf(F(x)[i], -0.25f);
	free(o.data);
	in[1] = NULL;
	in[2] = &hi;
	CHECK(run(&nd, in, &o) == 0);
	for (i = 0; i < n; i++)
		bad += F(o)[i] != fminf(F(x)[i], 0.5f);
	free(o.data);
	nd = node(NN_OP_CLIP, 1);
	nd.a.cmin = 0.0f;
	nd.a.cmax = 0.75f;
	in[2] = NULL;
	CHECK(run(&nd, in, &o) == 0);
	for (i = 0; i < n; i++)
		bad += F(o)[i] != fminf(fmaxf(F(x)[i], 0.0f), 0.75f);
	free(o.data);
	CHECK(bad == 0);
	/* A non-scalar bound is an error. */
	nd = node(NN_OP_CLIP, 2);
	in[1] = &x;
	CHECK(run(&nd, in, &o) == -1);
	free(x.data);
	free(lo.data);
	free(hi.data);
}

/* Each macro step equals the sequence of basic steps it stands for, bit for bit. */
static void
test_epilogue(void)
{
	float a[2000], b[2000];
	struct nn_epstep hs[5] = { { NN_EP_SAVE, 0, 0, 0, 0, 0 },
		{ NN_EP_ADD, 3, 0, 0, 0, 0 }, { NN_EP_CLIP, 0, 6, 0, 0, 0 },
		{ NN_EP_MULX, 0, 0, 0, 0, 0 }, { NN_EP_DIV, 6, 0, 0, 0, 0 } };
	struct nn_epstep hs1 = { NN_EP_HSWISH, 3, 0, 6, 6, 0 };
	struct nn_epstep xh[3] = { { NN_EP_SAVE, 0, 0, 0, 0, 0 },
		{ NN_EP_HSIG, 0.2f, 0.5f, 0, 0, 0 }, { NN_EP_MULX, 0, 0, 0, 0, 0 } };
	struct nn_epstep xh1 = { NN_EP_XHSIG, 0.2f, 0.5f, 0, 0, 0 };
	struct nn_epstep sw[4] = { { NN_EP_SAVE, 0, 0, 0, 0, 0 },
		{ NN_EP_MUL, 1.5f, 0, 0, 0, 0 }, { NN_EP_SIGMOID, 0, 0, 0, 0, 0 },
		{ NN_EP_MULX, 0, 0, 0, 0, 0 } };
	struct nn_epstep sw1 = { NN_EP_SWISH, 1.5f, 0, 0, 0, 0 };
	struct nn_epstep af[2] = { { NN_EP_MUL, 0.7f, 0, 0, 0, 0 },
		{ NN_EP_ADD, -0.3f, 0, 0, 0, 0 } };
	struct nn_epstep af1 = { NN_EP_AFFINE, 0.7f, -0.3f, 0, 0, 0 };
	struct nn_epstep misc[4] = { { NN_EP_RSUB, 1, 0, 0, 0, 0 },
		{ NN_EP_RDIV, 2, 0, 0, 0, 0 }, { NN_EP_SUB, 0.5f, 0, 0, 0, 0 },
		{ NN_EP_RELU, 0, 0, 0, 0, 0 } };
	int i;

	for (i = 0; i < 2000; i++)
		a[i] = b[i] = rf() * 8.0f;
	nn_ep_apply(hs, 5, a, 2000);
	nn_ep_apply(&hs1, 1, b, 2000);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	nn_ep_apply(xh, 3, a, 2000);
	nn_ep_apply(&xh1, 1, b, 2000);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	nn_ep_apply(sw, 4, a, 2000);
	nn_ep_apply(&sw1, 1, b, 2000);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	nn_ep_apply(af, 2, a, 2000);
	nn_ep_apply(&af1, 1, b, 2000);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	for (i = 0; i < 2000; i++)
		b[i] = a[i] = a[i] + 3.0f;
	nn_ep_apply(misc, 4, a, 2000);
	for (i = 0; i < 2000; i++) {
		float v = 2.0f / (1.0f - b[i]) - 0.5f;

		b[i] = v > 0.0f ? v : 0.0f;
	}
	CHECK(memcmp(a, b, sizeof(a)) == 0);
}

/* ---- pooling ---- */

static void
test_pools(void)
{
	int trial, bad = 0;

	for (trial = 0; trial < 120; trial++) {
		int64_t xd[4] = { ri(1, 2), ri(1, 3), ri(1, 9), ri(1, 11) };
		struct nn_t x = tensor(NN_F32, 4, xd), o;
		const struct nn_t *in[1] = { &x };
		struct nn_node nd = node(NN_OP_AVGPOOL, 1);
		int64_t p, oy, ox, y, xx, i, oh, ow;

		nd.a.kernel[0] = ri(1, 3);
		nd.a.kernel[1] = ri(1, 3);
		nd.a.has_kernel = 1;
		nd.a.strides[0] = ri(1, 3);
		nd.a.strides[1] = ri(1, 3);
		for (i = 0; i < 4; i++)
			nd.a.pads[i] = ri(0, nd.a.kernel[i % 2] - 1);
		nd.a.count_include_pad = trial % 2;
		oh = (xd[2] + nd.a.pads[0] + nd.a.pads[2] - nd.a.kernel[0]);
		ow = (xd[3] + nd.a.pads[1] + nd.a.pads[3] - nd.a.kernel[1]);
		if (oh < 0 || ow < 0) {
			CHECK(run(&nd, in, &o) == -1);
			free(x.data);
			continue;
		}
		oh = oh / nd.a.strides[0] + 1;
		ow = ow / nd.a.strides[1] + 1;
		if (run(&nd, in, &o) != 0 || o.dims[2] != oh || o.dims[3] != ow) {
			bad++;
			free(x.data);
			continue;
		}
		for (p = 0; p < xd[0] * xd[1]; p++)
			for (oy = 0; oy < oh; oy++)
				for (ox = 0; ox < ow; ox++) {
					double s = 0;
					int64_t cnt = 0, all = 0;

					for (y = 0; y < nd.a.kernel[0]; y++)
						for (xx = 0; xx < nd.a.kernel[1]; xx++) {
							int64_t iy = oy * nd.a.strides[0] - nd.a.pads[0] + y;
							int64_t ix = ox * nd.a.strides[1] - nd.a.pads[1] + xx;

							if (iy < xd[2] + nd.a.pads[2] && ix < xd[3] + nd.a.pads[3])
								all++;
							if (iy < 0 || ix < 0 || iy >= xd[2] || ix >= xd[3])
								continue;
							s += F(x)[(p * xd[2] + iy) * xd[3] + ix];
							cnt++;
						}
					s /= nd.a.count_include_pad ? all : cnt;
					if (fabs(F(o)[(p * oh + oy) * ow + ox] - s) > 1e-5)
						bad++;
				}
		free(o.data);
		free(x.data);
	}
	CHECK(bad == 0);
	{
		int64_t xd[4] = { 2, 3, 5, 7 }, i, j;
		struct nn_t x = tensor(NN_F32, 4, xd), o;
		const struct nn_t *in[1] = { &x };
		struct nn_node nd = node(NN_OP_GLOBALAVGPOOL, 1);
		int64_t od[4] = { 2, 3, 1, 1 };

		CHECK(run(&nd, in, &o) == 0);
		CHECK(same_dims(&o, 4, od));
		for (i = 0; i < 6; i++) {
			double s = 0;

			for (j = 0; j < 35; j++)
				s += F(x)[i * 35 + j];
			CHECK(fabs(F(o)[i] - s / 35) < 1e-6);
		}
		free(o.data);
		free(x.data);
	}
}

/* ---- Resize ---- */

static void
test_resize(void)
{
	int64_t xd[4] = { 1, 2, 3, 5 }, sd = 4, c, y, x;
	struct nn_t X = tensor(NN_F32, 4, xd), roi = tensor(NN_F32, 1, &sd);
	struct nn_t sc = tensor(NN_F32, 1, &sd), o;
	const struct nn_t *in[4] = { &X, &roi, &sc, NULL };
	struct nn_node nd = node(NN_OP_RESIZE, 3);
	int bad = 0;

	/* The models' mode: nearest, asymmetric, floor, scale 2. */
	F(sc)[0] = F(sc)[1] = 1.0f;
	F(sc)[2] = F(sc)[3] = 2.0f;
	nd.a.rs_mode = NN_RS_NEAREST;
	nd.a.rs_ctm = NN_CTM_ASYMMETRIC;
	nd.a.rs_nearest = NN_NEAR_FLOOR;
	CHECK(run(&nd, in, &o) == 0);
	CHECK(o.dims[2] == 6 && o.dims[3] == 10);
	for (c = 0; c < 2; c++)
		for (y = 0; y < 6; y++)
			for (x = 0; x < 10; x++)
				bad += F(o)[(c * 6 + y) * 10 + x] !=
				    F(X)[(c * 3 + y / 2) * 5 + x / 2];
	free(o.data);
	/* Downscale 0.5 with half_pixel and round_prefer_floor: floor(3*0.5)=1, floor(5*0.5)=2. */
	F(sc)[2] = F(sc)[3] = 0.5f;
	nd.a.rs_ctm = NN_CTM_HALF_PIXEL;
	nd.a.rs_nearest = NN_NEAR_ROUND_PREFER_FLOOR;
	CHECK(run(&nd, in, &o) == 0);
	CHECK(o.dims[2] == 1 && o.dims[3] == 2);
	/* x_orig = (i + 0.5) / 0.5 - 0.5: 0.5 -> 0 (prefer floor), 2.5 -> 2. */
	bad += F(o)[0] != F(X)[0 * 5 + 0] || F(o)[1] != F(X)[0 * 5 + 2];
	free(o.data);
	/* Linear, align_corners, to sizes 5x9: corners are exact, the centre an average. */
	{
		int64_t sz[4] = { 1, 2, 5, 9 }, z = 0;
		struct nn_t sizes = ivec(4, sz), empty = tensor(NN_F32, 1, &z);

		in[2] = &empty;
		in[3] = &sizes;
		nd.nin = 4;
		nd.a.rs_mode = NN_RS_LINEAR;
		nd.a.rs_ctm = NN_CTM_ALIGN_CORNERS;
		CHECK(run(&nd, in, &o) == 0);
		CHECK(o.dims[2] == 5 && o.dims[3] == 9);
		for (c = 0; c < 2; c++) {
			const float *s = F(X) + c * 15, *q = F(o) + c * 45;

			bad += fabsf(q[0] - s[0]) > 1e-6f || fabsf(q[8] - s[4]) > 1e-6f ||
			    fabsf(q[36] - s[10]) > 1e-6f || fabsf(q[44] - s[14]) > 1e-6f;
			/* Output (2, 4) maps to input (1, 2) exactly. */
			bad += fabsf(q[2 * 9 + 4] - s[1 * 5 + 2]) > 1e-6f;
			/* Output (1, 1) maps to (0.5, 0.5): the mean of four pixels. */
			bad += fabsf(q[1 * 9 + 1] - (s[0] + s[1] + s[5] + s[6]) / 4) > 1e-5f;
		}
		free(o.data);
		/* Linear may not resize N or C; scales and sizes together are refused. */
		sz[1] = 3;
		free(sizes.data);
		sizes = ivec(4, sz);
		in[3] = &sizes;
		CHECK(run(&nd, in, &o) == -1);
		in[2] = &sc;
		sz[1] = 2;
		free(sizes.data);
		sizes = ivec(4, sz);
		in[3] = &sizes;
		CHECK(run(&nd, in, &o) == -1);
		free(sizes.data);
		free(empty.data);
	}
	CHECK(bad == 0);
	free(X.data);
	free(roi.data);
	free(sc.data);
}

/* ---- data movement ---- */

static void
test_concat_transpose(void)
{
	int trial, bad = 0;

	for (trial = 0; trial < 60; trial++) {
		int r = (int)ri(1, 4), ax = (int)ri(0, r - 1), k, i, nin = (int)ri(1, 3);
		int64_t d[4], off = 0, j, n;
		struct nn_t t[3], o;
		const struct nn_t *in[3];
		struct nn_node nd = node(NN_OP_CONCAT, nin);

		for (i = 0; i < r; i++)
			d[i] = ri(1, 4);
		nd.a.axis = trial % 2 ? ax : ax - r;
		for (k = 0; k < nin; k++) {
			int64_t dk[4];

			memcpy(dk, d, sizeof(d));
			dk[ax] = ri(1, 3);
			t[k] = tensor(NN_F32, r, dk);
			in[k] = &t[k];
		}
		if (run(&nd, in, &o) != 0) {
			bad++;
		} else {
			/* Walk the output; find which input and position each element came from. */
			n = nn_numel(&o);
			for (j = 0; j < n; j++) {
				int64_t idx[4], rem = j, src;

				for (i = r - 1; i >= 0; i--) {
					idx[i] = rem % o.dims[i];
					rem /= o.dims[i];
				}
				for (k = 0, off = idx[ax]; off >= t[k].dims[ax]; k++)
					off -= t[k].dims[ax];
				src = 0;
				for (i = 0; i < r; i++)
					src = src * t[k].dims[i] + (i == ax ? off : idx[i]);
				bad += F(o)[j] != F(t[k])[src];
			}
			free(o.data);
		}
		for (k = 0; k < nin; k++)
			free(t[k].data);
	}
	for (trial = 0; trial < 60; trial++) {
		int r = (int)ri(1, 5), i, used[5] = { 0 };
		int64_t d[5], j, n;
		struct nn_t x, o;
		const struct nn_t *in[1] = { &x };
		struct nn_node nd = node(NN_OP_TRANSPOSE, 1);

		for (i = 0; i < r; i++)
			d[i] = ri(1, 4);
		nd.a.nperm = trial % 5 == 0 ? -1 : r;
		for (i = 0; i < r; i++) {
			int64_t p;

			do
				p = ri(0, r - 1);
			while (used[p]);
			used[p] = 1;
			nd.a.perm[i] = p;
		}
		x = tensor(trial % 3 ? NN_F32 : NN_I64, r, d);
		if (run(&nd, in, &o) != 0) {
			bad++;
			free(x.data);
			continue;
		}
		n = nn_numel(&o);
		for (j = 0; j < n; j++) {
			int64_t idx[5], xi[5], rem = j, src = 0;

			for (i = r - 1; i >= 0; i--) {
				idx[i] = rem % o.dims[i];
				rem /= o.dims[i];
			}
			for (i = 0; i < r; i++)
				xi[nd.a.nperm >= 0 ? nd.a.perm[i] : r - 1 - i] = idx[i];
			for (i = 0; i < r; i++)
				src = src * d[i] + xi[i];
			if (x.dtype == NN_F32)
				bad += F(o)[j] != F(x)[src];
			else
				bad += I(o)[j] != I(x)[src];
		}
		free(o.data);
		free(x.data);
	}
	CHECK(bad == 0);
}

static void
test_reshape_squeeze(void)
{
	int64_t d[4] = { 2, 3, 1, 4 }, s1[3] = { 0, -1, 2 }, s2[2] = { 5, -1 };
	int64_t s3[2] = { -1, -1 }, e[3] = { 2, 6, 2 }, e2[3] = { 2, 3, 4 }, e3[2] = { 2, 12 };
	struct nn_t x = tensor(NN_F32, 4, d), sh = ivec(3, s1), o;
	const struct nn_t *in[2] = { &x, &sh };
	struct nn_node nd = node(NN_OP_RESHAPE, 2);

	CHECK(run(&nd, in, &o) == 0);
	CHECK(same_dims(&o, 3, e));
	CHECK(memcmp(o.data, x.data, 24 * sizeof(float)) == 0);
	free(o.data);
	free(sh.data);
	sh = ivec(2, s2); /* 24 is not a multiple of 5 */
	in[1] = &sh;
	CHECK(run(&nd, in, &o) == -1);
	free(sh.data);
	sh = ivec(2, s3); /* two -1 */
	in[1] = &sh;
	CHECK(run(&nd, in, &o) == -1);
	free(sh.data);
	nd = node(NN_OP_SQUEEZE, 1);
	nd.a.naxes = 1;
	nd.a.axes[0] = -2;
	CHECK(run(&nd, in, &o) == 0);
	CHECK(same_dims(&o, 3, e2));
	free(o.data);
	nd.a.axes[0] = 1; /* not of size 1 */
	CHECK(run(&nd, in, &o) == -1);
	nd.a.naxes = -1; /* all ones */
	CHECK(run(&nd, in, &o) == 0);
	CHECK(same_dims(&o, 3, e2));
	free(o.data);
	/* Flatten-like reshape with a 0 copying dimension 0. */
	{
		int64_t s4[2] = { 0, 12 };

		sh = ivec(2, s4);
		in[1] = &sh;
		nd = node(NN_OP_RESHAPE, 2);
		CHECK(run(&nd, in, &o) == 0);
		CHECK(same_dims(&o, 2, e3));
		free(o.data);
		free(sh.data);
	}
	free(x.data);
}

static void
test_matmul(void)
{
	int trial, bad = 0;

	for (trial = 0; trial < 120; trial++) {
		int ra = (int)ri(1, 4), rb = (int)ri(1, 4), i, rr;
		int64_t m = ri(1, 6), k = ri(1, 7), n = ri(1, 6), da[4], db[4], batch[2];
		int64_t t, ii, jj, kk, nb = 1;
		struct nn_t a, b, o;
		const struct nn_t *in[2] = { &a, &b };
		struct nn_node nd = node(NN_OP_MATMUL, 2);

		batch[0] = ri(1, 3);
		batch[1] = ri(1, 3);
		for (i = 0; i < ra - 2; i++)
			da[i] = ri(0, 1) ? batch[2 - (ra - 2) + i] : 1;
		for (i = 0; i < rb - 2; i++)
			db[i] = ri(0, 1) ? batch[2 - (rb - 2) + i] : 1;
		if (ra >= 2) {
			da[ra - 2] = m;
			da[ra - 1] = k;
		} else {
			da[0] = k;
			m = 1;
		}
		if (rb >= 2) {
			db[rb - 2] = k;
			db[rb - 1] = n;
		} else {
			db[0] = k;
			n = 1;
		}
		a = tensor(NN_F32, ra, da);
		b = tensor(NN_F32, rb, db);
		if (run(&nd, in, &o) != 0) {
			bad++;
			goto next;
		}
		rr = (ra > rb ? ra : rb) - 2;
		for (i = 0; i < rr; i++)
			nb *= o.dims[i];
		for (t = 0; t < nb; t++) {
			/* Batch coordinates from the output, broadcast into a and b. */
			int64_t oa = 0, ob = 0, rem = t, sa = 1, sb = 1;

			for (i = rr - 1; i >= 0; i--) {
				int64_t c = rem % o.dims[i];
				int ia = i - (rr - (ra - 2)), ib = i - (rr - (rb - 2));

				rem /= o.dims[i];
				if (ia >= 0 && ra > 2) {
					oa += (da[ia] == 1 ? 0 : c) * sa;
					sa *= da[ia];
				}
				if (ib >= 0 && rb > 2) {
					ob += (db[ib] == 1 ? 0 : c) * sb;
					sb *= db[ib];
				}
			}
			for (ii = 0; ii < m; ii++)
				for (jj = 0; jj < n; jj++) {
					double s = 0;

					for (kk = 0; kk < k; kk++)
						s += (double)F(a)[oa * m * k + ii * k + kk] *
						    F(b)[ob * k * n + kk * n + jj];
					bad += fabs(F(o)[t * m * n + ii * n + jj] - s) > 1e-5;
				}
		}
		/* Rank: a 1-D operand loses its dimension in the result. */
		bad += o.ndim != (ra == 1 && rb == 1 ? 0 : ra == 1 ? rb - 1 :
		    rb == 1 ? ra - 1 : (ra > rb ? ra : rb));
		free(o.data);
next:
		free(a.data);
		free(b.data);
	}
	CHECK(bad == 0);
}

static void
test_reduce_softmax(void)
{
	int trial, bad = 0;

	for (trial = 0; trial < 80; trial++) {
		int r = (int)ri(1, 4), i, mask[4] = { 0 };
		int64_t d[4], j, n;
		struct nn_t x, o;
		const struct nn_t *in[1] = { &x };
		struct nn_node nd = node(NN_OP_REDUCEMEAN, 1);

		for (i = 0; i < r; i++)
			d[i] = ri(1, 5);
		x = tensor(NN_F32, r, d);
		nd.a.keepdims = trial % 2;
		nd.a.naxes = trial % 5 == 0 ? -1 : 0;
		for (i = 0; i < r && nd.a.naxes >= 0; i++)
			if (ri(0, 1) || (i == r - 1 && nd.a.naxes == 0)) {
				nd.a.axes[nd.a.naxes++] = ri(0, 1) ? i : i - r;
				mask[i] = 1;
			}
		if (nd.a.naxes < 0)
			for (i = 0; i < r; i++)
				mask[i] = 1;
		if (run(&nd, in, &o) != 0) {
			bad++;
			free(x.data);
			continue;
		}
		n = nn_numel(&x);
		{
			double *sum = calloc((size_t)nn_numel(&o), sizeof(double));
			int64_t cnt = 1;

			for (i = 0; i < r; i++)
				if (mask[i])
					cnt *= d[i];
			for (j = 0; j < n; j++) {
				int64_t rem = j, oi = 0, idx[4];

				for (i = r - 1; i >= 0; i--) {
					idx[i] = rem % d[i];
					rem /= d[i];
				}
				for (i = 0; i < r; i++)
					if (!mask[i])
						oi = oi * d[i] + idx[i];
				sum[oi] += F(x)[j];
			}
			for (j = 0; j < nn_numel(&o); j++)
				if (fabs(F(o)[j] - sum[j] / cnt) > 1e-6) {
					fprintf(stderr, "reducemean trial %d: %g vs %g\n", trial, F(o)[j], sum[j] / cnt);
					bad++;
				}
			free(sum);
		}
		free(o.data);
		free(x.data);
	}
	/* Softmax at opsets 9 and 11: the input coerced to 2-D at axis. */
	for (trial = 0; trial < 40; trial++) {
		int r = (int)ri(1, 4), i;
		int64_t d[4], ax, rows = 1, cols = 1, j, q;
		struct nn_t x, o;
		const struct nn_t *in[1] = { &x };
		struct nn_node nd = node(NN_OP_SOFTMAX, 1);

		for (i = 0; i < r; i++)
			d[i] = ri(1, 5);
		ax = ri(0, r);
		/* axis == rank (one column) has no negative spelling. */
		nd.a.axis = trial % 2 || ax == r ? ax : ax - r;
		for (i = 0; i < r; i++) {
			if (i < ax)
				rows *= d[i];
			else
				cols *= d[i];
		}
		x = tensor(NN_F32, r, d);
		if (run(&nd, in, &o) != 0) {
			bad++;
			free(x.data);
			continue;
		}
		for (j = 0; j < rows; j++) {
			double mx = -1e30, s = 0;

			for (q = 0; q < cols; q++)
				mx = fmax(mx, F(x)[j * cols + q]);
			for (q = 0; q < cols; q++)
				s += exp(F(x)[j * cols + q] - mx);
			for (q = 0; q < cols; q++)
				if (fabs(F(o)[j * cols + q] - exp(F(x)[j * cols + q] - mx) / s) > 1e-6) {
					fprintf(stderr, "softmax trial %d\n", trial);
					bad++;
				}
		}
		free(o.data);
		free(x.data);
	}
	CHECK(bad == 0);
}

static void
test_shape_ops(void)
{
	int64_t d[3] = { 4, 5, 6 }, iv[3] = { -1, 0, 2 }, od[3] = { 4, 3, 6 }, i, j, k;
	struct nn_t x = tensor(NN_F32, 3, d), idx = ivec(3, iv), o;
	const struct nn_t *in[5] = { &x, &idx, NULL, NULL, NULL };
	struct nn_node nd = node(NN_OP_SHAPE, 1);
	int bad = 0;

	CHECK(run(&nd, in, &o) == 0);
	CHECK(o.dtype == NN_I64 && o.ndim == 1 && o.dims[0] == 3 &&
	    I(o)[0] == 4 && I(o)[1] == 5 && I(o)[2] == 6);
	free(o.data);
	/* Gather along axis 1 with a negative index. */
	nd = node(NN_OP_GATHER, 2);
	nd.a.axis = 1;
	CHECK(run(&nd, in, &o) == 0);
	CHECK(same_dims(&o, 3, od));
	for (i = 0; i < 4; i++)
		for (j = 0; j < 3; j++)
			for (k = 0; k < 6; k++)
				bad += F(o)[(i * 3 + j) * 6 + k] !=
				    F(x)[(i * 5 + (iv[j] < 0 ? iv[j] + 5 : iv[j])) * 6 + k];
	free(o.data);
	I(idx)[0] = 5; /* out of range */
	CHECK(run(&nd, in, &o) == -1);
	/* A scalar index drops the axis. */
	{
		struct nn_t s = tensor(NN_I64, 0, NULL);

		I(s)[0] = 3;
		in[1] = &s;
		nd.a.axis = 0;
		CHECK(run(&nd, in, &o) == 0);
		CHECK(o.ndim == 2 && o.dims[0] == 5 && o.dims[1] == 6);
		CHECK(memcmp(o.data, F(x) + 90, 30 * sizeof(float)) == 0);
		free(o.data);
		free(s.data);
	}
	/* Slice at opset 10+ (inputs) with negative steps and clamping. */
	{
		int64_t st[2] = { -1, 1 }, en[2] = { INT64_MIN, 100 }, ax[2] = { 0, 2 }, sp[2] = { -2, 2 };
		struct nn_t a = ivec(2, st), b = ivec(2, en), c = ivec(2, ax), e = ivec(2, sp);
		int64_t want[3] = { 2, 5, 3 };

		nd = node(NN_OP_SLICE, 5);
		in[1] = &a;
		in[2] = &b;
		in[3] = &c;
		in[4] = &e;
		CHECK(run(&nd, in, &o) == 0);
		CHECK(same_dims(&o, 3, want));
		for (i = 0; i < 2; i++)
			for (j = 0; j < 5; j++)
				for (k = 0; k < 3; k++)
					bad += F(o)[(i * 5 + j) * 3 + k] !=
					    F(x)[((3 - 2 * i) * 5 + j) * 6 + 1 + 2 * k];
		free(o.data);
		I(e)[0] = 0; /* step 0 */
		CHECK(run(&nd, in, &o) == -1);
		I(e)[0] = 1;
		I(c)[1] = 0; /* repeated axis */
		CHECK(run(&nd, in, &o) == -1);
		free(a.data);
		free(b.data);
		free(c.data);
		free(e.data);
	}
	/* Slice-1 (opset 9): attributes; start past the end gives an empty axis. */
	{
		int64_t want[3] = { 4, 0, 6 };

		nd = node(NN_OP_SLICE, 1);
		nd.a.nslice = 1;
		nd.a.naxes = 1;
		nd.a.axes[0] = 1;
		nd.a.starts[0] = 7;
		nd.a.ends[0] = 9;
		CHECK(run(&nd, in, &o) == 0);
		CHECK(same_dims(&o, 3, want));
		free(o.data);
		nd.a.starts[0] = 1;
		nd.a.ends[0] = -1;
		CHECK(run(&nd, in, &o) == 0);
		CHECK(o.dims[1] == 3);
		CHECK(memcmp(o.data, F(x) + 6, 18 * sizeof(float)) == 0);
		free(o.data);
	}
	/* Cast: float -> int truncates toward zero, int32 wraps, int -> float. */
	{
		int64_t n = 4;
		struct nn_t f = tensor(NN_F32, 1, &n), q = tensor(NN_I64, 1, &n);

		F(f)[0] = 2.7f;
		F(f)[1] = -2.7f;
		F(f)[2] = 0.0f;
		F(f)[3] = NAN;
		in[0] = &f;
		nd = node(NN_OP_CAST, 1);
		nd.a.to = NN_I64;
		CHECK(run(&nd, in, &o) == 0);
		CHECK(I(o)[0] == 2 && I(o)[1] == -2 && I(o)[2] == 0 && I(o)[3] == 0);
		free(o.data);
		I(q)[0] = 4294967297LL; /* 2^32 + 1 */
		I(q)[1] = -7;
		in[0] = &q;
		nd.a.to = NN_I32;
		CHECK(run(&nd, in, &o) == 0);
		CHECK(o.dtype == NN_I32 && I(o)[0] == 1 && I(o)[1] == -7);
		free(o.data);
		nd.a.to = NN_F32;
		CHECK(run(&nd, in, &o) == 0);
		CHECK(o.dtype == NN_F32 && F(o)[1] == -7.0f);
		free(o.data);
		free(f.data);
		free(q.data);
	}
	CHECK(bad == 0);
	free(x.data);
	free(idx.data);
}

static void
test_batchnorm(void)
{
	int64_t d[4] = { 2, 3, 4, 5 }, c = 3, i, j, n;
	struct nn_t x = tensor(NN_F32, 4, d), p[4], o;
	const struct nn_t *in[5];
	struct nn_node nd = node(NN_OP_BATCHNORM, 5);
	int bad = 0;

	in[0] = &x;
	for (i = 0; i < 4; i++) {
		p[i] = tensor(NN_F32, 1, &c);
		in[i + 1] = &p[i];
	}
	for (i = 0; i < 3; i++)
		F(p[3])[i] = fabsf(F(p[3])[i]) + 0.1f;
	CHECK(run(&nd, in, &o) == 0);
	for (n = 0; n < 2; n++)
		for (i = 0; i < 3; i++)
			for (j = 0; j < 20; j++) {
				float v = F(x)[(n * 3 + i) * 20 + j];
				double want = (v - F(p[2])[i]) / sqrt(F(p[3])[i] + 1e-5) *
				    F(p[0])[i] + F(p[1])[i];

				bad += fabs(F(o)[(n * 3 + i) * 20 + j] - want) > 1e-5;
			}
	CHECK(bad == 0);
	free(o.data);
	/* Parameters of the wrong length are an error. */
	p[1].dims[0] = 2;
	CHECK(run(&nd, in, &o) == -1);
	for (i = 0; i < 4; i++)
		free(p[i].data);
	free(x.data);
}

/* Conv with a fused epilogue equals Conv followed by the steps. */
/*
 * A fused epilogue (hard-swish) gives the same floats as applying it after
 * the convolution, and both agree with the reference: a small dense 3x3
 * (direct), a pointwise convolution over several column chunks, and a
 * strided one over several im2col row tiles, where bias, product and
 * epilogue are applied a tile at a time.
 */
static void
test_conv_epilogue(void)
{
	static const int64_t shapes[][6] = {
		/* c, m, h, w, kernel, stride */
		{ 4, 6, 9, 11, 3, 1 },
		{ 64, 48, 40, 100, 1, 1 },
		{ 32, 8, 200, 400, 3, 2 },
	};
	struct nn_epstep hs = { NN_EP_HSWISH, 3, 0, 6, 6, 0 };
	int si;

	for (si = 0; si < 3; si++) {
		const int64_t *sh = shapes[si];
		int64_t xd[4] = { 1, sh[0], sh[2], sh[3] };
		int64_t wd[4] = { sh[1], sh[0], sh[4], sh[4] }, bd = sh[1], i, n;
		int64_t od[4];
		struct nn_t x = tensor(NN_F32, 4, xd), w = tensor(NN_F32, 4, wd);
		struct nn_t b = tensor(NN_F32, 1, &bd), o1, o2;
		const struct nn_t *in[3] = { &x, &w, &b };
		struct nn_node nd = node(NN_OP_CONV, 3);
		float *ref;

		if (sh[4] > 1)
			nd.a.pads[0] = nd.a.pads[1] = nd.a.pads[2] = nd.a.pads[3] = 1;
		nd.a.strides[0] = nd.a.strides[1] = sh[5];
		CHECK(run(&nd, in, &o1) == 0);
		nd.nep = 1;
		nd.ep[0] = hs;
		CHECK(run(&nd, in, &o2) == 0);
		n = nn_numel(&o1);
		for (i = 0; i < 4; i++)
			od[i] = o1.dims[i];
		ref = malloc((size_t)n * sizeof(float));
		ref_conv(&x, &w, F(b), &nd.a, od, ref);
		CHECK(maxdiff(F(o1), ref, n) < 1e-3f);
		nn_ep_apply(&hs, 1, F(o1), (size_t)n);
		for (i = 0; i < n; i++)
			if (F(o1)[i] != F(o2)[i])
				break;
		CHECK(i == n);
		free(ref);
		free(o1.data);
		free(o2.data);
		if (si == 0) {
			/* Mismatched channels are an error. */
			x.dims[1] = 5;
			nd.nep = 0;
			CHECK(run(&nd, in, &o1) == -1);
			CHECK(strstr(err.msg, "Conv") != NULL);
		}
		free(x.data);
		free(w.data);
		free(b.data);
	}
}

int
main(void)
{
	test_conv();
	test_conv_wide();
	test_convtranspose();
	test_conv_epilogue();
	test_binary();
	test_unary();
	test_epilogue();
	test_pools();
	test_resize();
	test_concat_transpose();
	test_reshape_squeeze();
	test_matmul();
	test_reduce_softmax();
	test_shape_ops();
	test_batchnorm();
	nn_scratch_free(&scratch);
	return unit_done("nn_ops");
}
