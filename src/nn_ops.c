/* The ONNX operators the two PP-OCRv4 models use, each to its specification at opsets 9-11: shapes and execution. */
#include "nn_ops.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F(t) ((float *)(t)->data)
#define I(t) ((int64_t *)(t)->data)

static int
bad(struct fz_err *err, const struct nn_node *nd, const char *what)
{
	fz_seterr(err, "node %.64s (%s): %s", nd->name, nn_op_name(nd->op), what);
	return -1;
}

/* An axis in [-rank, rank + extra) made non-negative. */
static int
norm_axis(int64_t axis, int rank, int extra, int64_t *out)
{
	if (axis < -rank || axis >= rank + extra)
		return -1;
	*out = axis < 0 ? axis + rank : axis;
	return 0;
}

static int64_t
prod(const int64_t *d, int from, int to)
{
	int64_t n = 1;
	int i;

	for (i = from; i < to; i++)
		n *= d[i];
	return n;
}

/* Reads a small integer vector (shape-like input) of at most max entries. */
static int
int_vec(const struct nn_t *t, int max, int64_t *v, int *n)
{
	int64_t k, cnt;

	if (t == NULL || t->dtype == NN_F32 || t->data == NULL || t->ndim > 1)
		return -1;
	cnt = nn_numel(t);
	if (cnt < 0 || cnt > max)
		return -1;
	for (k = 0; k < cnt; k++)
		v[k] = I(t)[k];
	*n = (int)cnt;
	return 0;
}

static int
float_scalar(const struct nn_t *t, float *v)
{
	if (t == NULL || t->dtype != NN_F32 || nn_numel(t) != 1 || t->data == NULL)
		return -1;
	*v = F(t)[0];
	return 0;
}

/* ---- convolution ---- */

static int
conv_params(const struct nn_node *nd, const struct nn_t *const *in,
    struct nn_conv *p, struct fz_err *err)
{
	const struct nn_t *x = in[0], *w = in[1], *b = in[2 < nd->nin ? 2 : 0];
	const struct nn_attr *a = &nd->a;
	const int tr = nd->op == NN_OP_CONVTRANSPOSE;
	int64_t ekh, ekw;

	if (x->dtype != NN_F32 || w->dtype != NN_F32 || x->ndim != 4 ||
	    w->ndim != 4)
		return bad(err, nd, "needs 4-D float input and weights (2-D convolution)");
	memset(p, 0, sizeof(*p));
	p->n = x->dims[0];
	p->c = x->dims[1];
	p->h = x->dims[2];
	p->w = x->dims[3];
	p->kh = w->dims[2];
	p->kw = w->dims[3];
	p->sh = a->strides[0];
	p->sw = a->strides[1];
	p->dh = a->dil[0];
	p->dw = a->dil[1];
	p->group = a->group;
	memcpy(p->pad, a->pads, sizeof(p->pad));
	if (a->has_kernel && (a->kernel[0] != p->kh || a->kernel[1] != p->kw))
		return bad(err, nd, "kernel_shape does not match the weights");
	if (p->kh < 1 || p->kw < 1 || p->kh > 1024 || p->kw > 1024)
		return bad(err, nd, "bad kernel size");
	if (p->c % p->group != 0)
		return bad(err, nd, "channels not divisible by group");
	if (!tr) {
		p->m = w->dims[0];
		if (w->dims[1] * p->group != p->c || p->m % p->group != 0)
			return bad(err, nd, "weights do not match input channels and group");
	} else {
		p->m = w->dims[1] * p->group;
		if (w->dims[0] != p->c)
			return bad(err, nd, "weights do not match input channels");
	}
	if (nd->nin > 2 && in[2] != NULL) {
		b = in[2];
		if (b->dtype != NN_F32 || b->ndim != 1 || b->dims[0] != p->m)
			return bad(err, nd, "bias does not match output channels");
	}
	ekh = (p->kh - 1) * p->dh + 1;
	ekw = (p->kw - 1) * p->dw + 1;
	if (!tr) {
		int64_t th = p->h + p->pad[0] + p->pad[2] - ekh;
		int64_t tw = p->w + p->pad[1] + p->pad[3] - ekw;

		if (th < 0 || tw < 0)
			return bad(err, nd, "input smaller than the kernel");
		p->oh = th / p->sh + 1;
		p->ow = tw / p->sw + 1;
	} else {
		if (a->outpad[0] >= p->sh && a->outpad[0] >= p->dh)
			return bad(err, nd, "output_padding too large");
		if (a->outpad[1] >= p->sw && a->outpad[1] >= p->dw)
			return bad(err, nd, "output_padding too large");
		p->oh = p->sh * (p->h - 1) + a->outpad[0] + ekh - p->pad[0] - p->pad[2];
		p->ow = p->sw * (p->w - 1) + a->outpad[1] + ekw - p->pad[1] - p->pad[3];
		if (p->oh < 1 || p->ow < 1)
			return bad(err, nd, "padding leaves no output");
	}
	return 0;
}

/* ---- broadcasting element-wise binary operators ---- */

static int
bcast_shape(const struct nn_t *a, const struct nn_t *b, struct nn_t *o)
{
	int r = a->ndim > b->ndim ? a->ndim : b->ndim, i;

	o->ndim = r;
	for (i = 0; i < r; i++) {
		int ia = i - (r - a->ndim), ib = i - (r - b->ndim);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;

		if (da != db && da != 1 && db != 1)
			return -1;
		o->dims[i] = da == 1 ? db : da;
	}
	return 0;
}

/* Output dims with per-operand strides (0 where broadcast), adjacent
 * dimensions merged where both operands allow, so the innermost loop is
 * as long as possible. Returns the merged rank. */
static int
bcast_plan(const struct nn_t *a, const struct nn_t *b, const struct nn_t *o,
    int64_t *d, int64_t *sa, int64_t *sb)
{
	int64_t ta[NN_MAX_DIMS], tb[NN_MAX_DIMS], acc_a = 1, acc_b = 1;
	int r = o->ndim, i, k;

	for (i = r - 1; i >= 0; i--) {
		int ia = i - (r - a->ndim), ib = i - (r - b->ndim);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;

		ta[i] = da == 1 ? 0 : acc_a;
		tb[i] = db == 1 ? 0 : acc_b;
		acc_a *= da;
		acc_b *= db;
	}
	k = 0;
	for (i = 0; i < r; i++) {
		if (o->dims[i] == 1)
			continue;
		if (k > 0 && sa[k - 1] == ta[i] * o->dims[i] &&
		    sb[k - 1] == tb[i] * o->dims[i]) {
			d[k - 1] *= o->dims[i];
			sa[k - 1] = ta[i];
			sb[k - 1] = tb[i];
			continue;
		}
		d[k] = o->dims[i];
		sa[k] = ta[i];
		sb[k] = tb[i];
		k++;
	}
	if (k == 0) {
		d[0] = 1;
		sa[0] = sb[0] = 0;
		k = 1;
	}
	return k;
}

#define BIN_LOOP(T, EXPR)                                                   \
	do {                                                                \
		const T *pa = (const T *)a->data, *pb = (const T *)b->data; \
		T *po = (T *)o->data;                                       \
		int64_t idx[NN_MAX_DIMS] = { 0 }, oa = 0, ob = 0, j;        \
		const int64_t n = d[r - 1], ia = sa[r - 1], ib = sb[r - 1]; \
		for (;;) {                                                  \
			const T *xa = pa + oa, *xb = pb + ob;               \
			if (ia == 1 && ib == 1) {                           \
				for (j = 0; j < n; j++) {                   \
					T x = xa[j], y = xb[j];             \
					po[j] = (EXPR);                     \
				}                                           \
			} else if (ia == 1) {                               \
				const T y = xb[0];                          \
				for (j = 0; j < n; j++) {                   \
					T x = xa[j];                        \
					po[j] = (EXPR);                     \
				}                                           \
			} else if (ib == 1) {                               \
				const T x = xa[0];                          \
				for (j = 0; j < n; j++) {                   \
					T y = xb[j];                        \
					po[j] = (EXPR);                     \
				}                                           \
			} else {                                            \
				for (j = 0; j < n; j++) {                   \
					T x = xa[0], y = xb[0];             \
					po[j] = (EXPR);                     \
				}                                           \
			}                                                   \
			po += n;                                            \
			for (k = r - 2; k >= 0; k--) {                      \
				oa += sa[k];                                \
				ob += sb[k];                                \
				if (++idx[k] < d[k])                        \
					break;                              \
				oa -= sa[k] * d[k];                         \
				ob -= sb[k] * d[k];                         \
				idx[k] = 0;                                 \
			}                                                   \
			if (k < 0)                                          \
				break;                                      \
		}                                                           \
	} while (0)

NN_HOT static int
binary_exec(const struct nn_node *nd, const struct nn_t *a,
    const struct nn_t *b, struct nn_t *o, struct fz_err *err)
{
	int64_t d[NN_MAX_DIMS], sa[NN_MAX_DIMS], sb[NN_MAX_DIMS];
	int r, k;

	if (nn_numel(o) == 0)
		return 0;
	r = bcast_plan(a, b, o, d, sa, sb);
	if (a->dtype == NN_F32) {
		switch (nd->op) {
		case NN_OP_ADD: BIN_LOOP(float, x + y); break;
		case NN_OP_SUB: BIN_LOOP(float, x - y); break;
		case NN_OP_MUL: BIN_LOOP(float, x * y); break;
		case NN_OP_DIV: BIN_LOOP(float, x / y); break;
		case NN_OP_POW:
			if (b->ndim <= 1 && nn_numel(b) == 1 && F(b)[0] == 2.0f)
				BIN_LOOP(float, ((void)y, x * x));
			else
				BIN_LOOP(float, powf(x, y));
			break;
		}
		return 0;
	}
	if (nd->op == NN_OP_DIV) {
		int64_t i, nb = nn_numel(b);

		for (i = 0; i < nb; i++)
			if (I(b)[i] == 0 || (I(b)[i] == -1))
				return bad(err, nd, "integer division by zero or -1");
	}
	/* Integer arithmetic wraps (unsigned) rather than invoking undefined behaviour. */
	switch (nd->op) {
	case NN_OP_ADD: BIN_LOOP(int64_t, (int64_t)((uint64_t)x + (uint64_t)y)); break;
	case NN_OP_SUB: BIN_LOOP(int64_t, (int64_t)((uint64_t)x - (uint64_t)y)); break;
	case NN_OP_MUL: BIN_LOOP(int64_t, (int64_t)((uint64_t)x * (uint64_t)y)); break;
	case NN_OP_DIV: BIN_LOOP(int64_t, x / y); break;
	}
	if (o->dtype == NN_I32) {
		int64_t i, n = nn_numel(o);

		for (i = 0; i < n; i++)
			I(o)[i] = (int32_t)(uint32_t)(uint64_t)I(o)[i];
	}
	return 0;
}

/* ---- shape functions ---- */

static int
resize_scales(const struct nn_node *nd, const struct nn_t *const *in,
    const struct nn_t *x, float *sc, int64_t *od, struct fz_err *err)
{
	const struct nn_t *scales = in[2], *sizes = nd->nin > 3 ? in[3] : NULL;
	int i, n;

	if (sizes != NULL && nn_numel(sizes) > 0) {
		int64_t v[NN_MAX_DIMS];

		if (int_vec(sizes, NN_MAX_DIMS, v, &n) != 0 || n != x->ndim)
			return bad(err, nd, "sizes must be one integer per dimension");
		if (scales != NULL && nn_numel(scales) > 0)
			return bad(err, nd, "both scales and sizes given");
		for (i = 0; i < n; i++) {
			if (v[i] < 1 || v[i] > NN_MAX_DIM || x->dims[i] < 1)
				return bad(err, nd, "bad output size");
			od[i] = v[i];
			sc[i] = (float)v[i] / (float)x->dims[i];
		}
		return 0;
	}
	if (scales == NULL || scales->dtype != NN_F32 || scales->ndim != 1 ||
	    scales->dims[0] != x->ndim || scales->data == NULL)
		return bad(err, nd, "scales must be one float per dimension");
	for (i = 0; i < x->ndim; i++) {
		float s = F(scales)[i];
		double o;

		if (!(s > 0.0f) || s > 1e6f)
			return bad(err, nd, "bad scale");
		o = (double)((float)x->dims[i] * s);
		if (o > (double)NN_MAX_DIM)
			return bad(err, nd, "output too large");
		sc[i] = s;
		od[i] = (int64_t)o;
		if (od[i] < 1 && x->dims[i] > 0)
			return bad(err, nd, "scale leaves an empty output");
	}
	return 0;
}

static int
slice_params(const struct nn_node *nd, const struct nn_t *const *in,
    const struct nn_t *x, int64_t *st, int64_t *stp, int64_t *od,
    struct fz_err *err)
{
	int64_t s[NN_MAX_DIMS], e[NN_MAX_DIMS], ax[NN_MAX_DIMS], sp[NN_MAX_DIMS];
	int n, ne, na, ns, i, j, seen[NN_MAX_DIMS] = { 0 };

	if (nd->a.nslice > 0) {
		n = nd->a.nslice;
		memcpy(s, nd->a.starts, sizeof(s));
		memcpy(e, nd->a.ends, sizeof(e));
		if (nd->a.naxes > 0)
			memcpy(ax, nd->a.axes, sizeof(ax));
		else
			for (i = 0; i < n; i++)
				ax[i] = i;
		for (i = 0; i < n; i++)
			sp[i] = 1;
	} else {
		if (int_vec(in[1], NN_MAX_DIMS, s, &n) != 0 ||
		    int_vec(in[2], NN_MAX_DIMS, e, &ne) != 0 || ne != n)
			return bad(err, nd, "starts and ends must be integer vectors "
			    "of one length");
		if (nd->nin > 3 && in[3] != NULL) {
			if (int_vec(in[3], NN_MAX_DIMS, ax, &na) != 0 || na != n)
				return bad(err, nd, "bad axes");
		} else {
			for (i = 0; i < n; i++)
				ax[i] = i;
		}
		if (nd->nin > 4 && in[4] != NULL) {
			if (int_vec(in[4], NN_MAX_DIMS, sp, &ns) != 0 || ns != n)
				return bad(err, nd, "bad steps");
		} else {
			for (i = 0; i < n; i++)
				sp[i] = 1;
		}
	}
	for (j = 0; j < x->ndim; j++) {
		st[j] = 0;
		stp[j] = 1;
		od[j] = x->dims[j];
	}
	for (i = 0; i < n; i++) {
		int64_t a, dim, b0, e0, step = sp[i];

		if (norm_axis(ax[i], x->ndim, 0, &a) != 0 || seen[a]++)
			return bad(err, nd, "bad or repeated axis");
		if (step == 0 || step == INT64_MIN)
			return bad(err, nd, "step must not be zero");
		dim = x->dims[a];
		b0 = s[i] < 0 ? s[i] + dim : s[i];
		e0 = e[i] < 0 ? e[i] + dim : e[i];
		if (step > 0) {
			b0 = b0 < 0 ? 0 : b0 > dim ? dim : b0;
			e0 = e0 < 0 ? 0 : e0 > dim ? dim : e0;
			od[a] = e0 > b0 ? (e0 - b0 + step - 1) / step : 0;
		} else {
			b0 = b0 < 0 ? 0 : b0 > dim - 1 ? dim - 1 : b0;
			e0 = e0 < -1 ? -1 : e0 > dim - 1 ? dim - 1 : e0;
			od[a] = b0 > e0 ? (b0 - e0 + (-step) - 1) / (-step) : 0;
		}
		st[a] = b0;
		stp[a] = step;
	}
	return 0;
}

/* Axes of ReduceMean as a mask; all axes when none are given. */
static int
reduce_mask(const struct nn_node *nd, int rank, int *mask)
{
	int i;
	int64_t a;

	memset(mask, 0, sizeof(int) * NN_MAX_DIMS);
	if (nd->a.naxes <= 0) {
		for (i = 0; i < rank; i++)
			mask[i] = 1;
		return 0;
	}
	for (i = 0; i < nd->a.naxes; i++) {
		if (norm_axis(nd->a.axes[i], rank, 0, &a) != 0 || mask[a])
			return -1;
		mask[a] = 1;
	}
	return 0;
}

static int
matmul_shape(const struct nn_node *nd, const struct nn_t *a,
    const struct nn_t *b, struct nn_t *o, struct fz_err *err)
{
	struct nn_t ba = { 0 }, bb = { 0 };
	int64_t m, k, k2, n;
	int i;

	if (a->ndim < 1 || b->ndim < 1)
		return bad(err, nd, "inputs must have at least one dimension");
	m = a->ndim >= 2 ? a->dims[a->ndim - 2] : 1;
	k = a->dims[a->ndim - 1];
	k2 = b->ndim >= 2 ? b->dims[b->ndim - 2] : b->dims[0];
	n = b->ndim >= 2 ? b->dims[b->ndim - 1] : 1;
	if (k != k2)
		return bad(err, nd, "inner dimensions differ");
	ba.ndim = a->ndim > 2 ? a->ndim - 2 : 0;
	bb.ndim = b->ndim > 2 ? b->ndim - 2 : 0;
	for (i = 0; i < ba.ndim; i++)
		ba.dims[i] = a->dims[i];
	for (i = 0; i < bb.ndim; i++)
		bb.dims[i] = b->dims[i];
	if (bcast_shape(&ba, &bb, o) != 0)
		return bad(err, nd, "batch dimensions do not broadcast");
	if (a->ndim >= 2)
		o->dims[o->ndim++] = m;
	if (b->ndim >= 2)
		o->dims[o->ndim++] = n;
	return 0;
}

int
nn_op_shape(const struct nn_node *nd, const struct nn_t *const *in,
    struct nn_t *out, struct fz_err *err)
{
	const struct nn_t *x = in[0];
	const struct nn_attr *a = &nd->a;
	int i, j, n;
	int64_t ax, v[NN_MAX_DIMS];

	out->dtype = x != NULL ? x->dtype : NN_F32;
	out->ndim = x != NULL ? x->ndim : 0;
	if (x != NULL)
		memcpy(out->dims, x->dims, sizeof(out->dims));
	for (i = 0; i < nd->nin; i++) {
		if (in[i] != NULL && nn_numel(in[i]) < 0)
			return bad(err, nd, "input too large");
	}
	switch (nd->op) {
	case NN_OP_CONV:
	case NN_OP_CONVTRANSPOSE: {
		struct nn_conv p;

		if (conv_params(nd, in, &p, err) != 0)
			return -1;
		out->dims[1] = p.m;
		out->dims[2] = p.oh;
		out->dims[3] = p.ow;
		break;
	}
	case NN_OP_BATCHNORM:
		if (x->dtype != NN_F32 || x->ndim < 2)
			return bad(err, nd, "needs float input of rank 2 or more");
		for (i = 1; i < 5; i++)
			if (in[i]->dtype != NN_F32 || in[i]->ndim != 1 ||
			    in[i]->dims[0] != x->dims[1])
				return bad(err, nd, "parameters must be [C]");
		break;
	case NN_OP_ADD:
	case NN_OP_SUB:
	case NN_OP_MUL:
	case NN_OP_DIV:
	case NN_OP_POW:
		if (in[0]->dtype != in[1]->dtype ||
		    (nd->op == NN_OP_POW && x->dtype != NN_F32))
			return bad(err, nd, "input types differ or are not supported");
		if (bcast_shape(in[0], in[1], out) != 0)
			return bad(err, nd, "shapes do not broadcast");
		break;
	case NN_OP_CLIP: {
		float f;

		if (x->dtype != NN_F32)
			return bad(err, nd, "needs float input");
		for (i = 1; i < nd->nin; i++)
			if (in[i] != NULL && float_scalar(in[i], &f) != 0)
				return bad(err, nd, "min and max must be float scalars");
		break;
	}
	case NN_OP_RELU:
	case NN_OP_HARDSIGMOID:
	case NN_OP_SIGMOID:
	case NN_OP_SQRT:
		if (x->dtype != NN_F32)
			return bad(err, nd, "needs float input");
		break;
	case NN_OP_GLOBALAVGPOOL:
		if (x->dtype != NN_F32 || x->ndim < 3)
			return bad(err, nd, "needs float input of rank 3 or more");
		for (i = 2; i < x->ndim; i++)
			out->dims[i] = 1;
		break;
	case NN_OP_AVGPOOL: {
		int64_t th, tw;

		if (x->dtype != NN_F32 || x->ndim != 4)
			return bad(err, nd, "needs 4-D float input");
		th = x->dims[2] + a->pads[0] + a->pads[2] - a->kernel[0];
		tw = x->dims[3] + a->pads[1] + a->pads[3] - a->kernel[1];
		if (th < 0 || tw < 0)
			return bad(err, nd, "input smaller than the kernel");
		if (a->pads[0] >= a->kernel[0] || a->pads[2] >= a->kernel[0] ||
		    a->pads[1] >= a->kernel[1] || a->pads[3] >= a->kernel[1])
			return bad(err, nd, "padding as large as the kernel");
		out->dims[2] = th / a->strides[0] + 1;
		out->dims[3] = tw / a->strides[1] + 1;
		break;
	}
	case NN_OP_RESIZE: {
		float sc[NN_MAX_DIMS];

		if (x->dtype != NN_F32 || x->ndim < 1)
			return bad(err, nd, "needs float input");
		if (resize_scales(nd, in, x, sc, out->dims, err) != 0)
			return -1;
		if (a->rs_mode == NN_RS_LINEAR) {
			for (i = 0; i < x->ndim - 2; i++)
				if (out->dims[i] != x->dims[i])
					return bad(err, nd, "linear mode resizes only "
					    "the last two dimensions");
			if (x->ndim < 2)
				return bad(err, nd, "linear mode needs rank 2 or more");
		}
		break;
	}
	case NN_OP_CONCAT:
		if (x->ndim < 1 || norm_axis(a->axis, x->ndim, 0, &ax) != 0)
			return bad(err, nd, "bad axis");
		out->dims[ax] = 0;
		for (i = 0; i < nd->nin; i++) {
			if (in[i] == NULL || in[i]->ndim != x->ndim ||
			    in[i]->dtype != x->dtype)
				return bad(err, nd, "inputs differ in rank or type");
			for (j = 0; j < x->ndim; j++)
				if (j != ax && in[i]->dims[j] != x->dims[j])
					return bad(err, nd, "inputs differ in shape");
			out->dims[ax] += in[i]->dims[ax];
		}
		break;
	case NN_OP_TRANSPOSE: {
		int seen[NN_MAX_DIMS] = { 0 };

		if (a->nperm >= 0 && a->nperm != x->ndim)
			return bad(err, nd, "perm does not match the rank");
		for (i = 0; i < x->ndim; i++) {
			int64_t p = a->nperm >= 0 ? a->perm[i] : x->ndim - 1 - i;

			if (p < 0 || p >= x->ndim || seen[p]++)
				return bad(err, nd, "perm is not a permutation");
			out->dims[i] = x->dims[p];
		}
		break;
	}
	case NN_OP_RESHAPE: {
		int64_t known = 1, total = nn_numel(x);
		int neg = -1;

		if (int_vec(in[1], NN_MAX_DIMS, v, &n) != 0)
			return bad(err, nd, "shape must be an integer vector");
		out->ndim = n;
		for (i = 0; i < n; i++) {
			if (v[i] == 0) {
				if (i >= x->ndim)
					return bad(err, nd, "0 refers past the input rank");
				v[i] = x->dims[i];
			}
			if (v[i] == -1) {
				if (neg >= 0)
					return bad(err, nd, "more than one -1");
				neg = i;
				continue;
			}
			if (v[i] < 0 || v[i] > NN_MAX_ELEMS)
				return bad(err, nd, "bad dimension");
			known *= v[i];
			if (known > NN_MAX_ELEMS)
				return bad(err, nd, "bad dimension");
			out->dims[i] = v[i];
		}
		if (neg >= 0) {
			if (known == 0 || total % known != 0)
				return bad(err, nd, "cannot infer -1");
			out->dims[neg] = total / known;
		} else if (known != total) {
			return bad(err, nd, "element count changes");
		}
		break;
	}
	case NN_OP_SQUEEZE: {
		int mask[NN_MAX_DIMS] = { 0 };

		for (i = 0; i < a->naxes; i++) {
			if (norm_axis(a->axes[i], x->ndim, 0, &ax) != 0 ||
			    mask[ax] || x->dims[ax] != 1)
				return bad(err, nd, "axis out of range, repeated or not 1");
			mask[ax] = 1;
		}
		if (a->naxes < 0)
			for (i = 0; i < x->ndim; i++)
				mask[i] = x->dims[i] == 1;
		out->ndim = 0;
		for (i = 0; i < x->ndim; i++)
			if (!mask[i])
				out->dims[out->ndim++] = x->dims[i];
		break;
	}
	case NN_OP_MATMUL:
		if (in[0]->dtype != NN_F32 || in[1]->dtype != NN_F32)
			return bad(err, nd, "needs float inputs");
		if (matmul_shape(nd, in[0], in[1], out, err) != 0)
			return -1;
		break;
	case NN_OP_REDUCEMEAN: {
		int mask[NN_MAX_DIMS];

		if (x->dtype != NN_F32 || reduce_mask(nd, x->ndim, mask) != 0)
			return bad(err, nd, "needs float input and valid axes");
		out->ndim = 0;
		for (i = 0; i < x->ndim; i++) {
			if (!mask[i])
				out->dims[out->ndim++] = x->dims[i];
			else if (a->keepdims)
				out->dims[out->ndim++] = 1;
		}
		break;
	}
	case NN_OP_SOFTMAX:
		if (x->dtype != NN_F32 || norm_axis(a->axis, x->ndim, 1, &ax) != 0)
			return bad(err, nd, "needs float input and a valid axis");
		break;
	case NN_OP_SHAPE:
		out->dtype = NN_I64;
		out->ndim = 1;
		out->dims[0] = x->ndim;
		break;
	case NN_OP_GATHER: {
		const struct nn_t *idx = in[1];

		if (idx->dtype == NN_F32 || x->ndim < 1 ||
		    norm_axis(a->axis, x->ndim, 0, &ax) != 0 ||
		    x->ndim - 1 + idx->ndim > NN_MAX_DIMS)
			return bad(err, nd, "bad indices or axis");
		out->ndim = 0;
		for (i = 0; i < ax; i++)
			out->dims[out->ndim++] = x->dims[i];
		for (i = 0; i < idx->ndim; i++)
			out->dims[out->ndim++] = idx->dims[i];
		for (i = (int)ax + 1; i < x->ndim; i++)
			out->dims[out->ndim++] = x->dims[i];
		break;
	}
	case NN_OP_SLICE: {
		int64_t st[NN_MAX_DIMS], sp[NN_MAX_DIMS];

		if (slice_params(nd, in, x, st, sp, out->dims, err) != 0)
			return -1;
		break;
	}
	case NN_OP_CAST:
		out->dtype = a->to;
		break;
	default:
		return bad(err, nd, "cannot be run");
	}
	if (nn_numel(out) < 0)
		return bad(err, nd, "output too large");
	return 0;
}

/* ---- execution ---- */

NN_HOT static void
transpose_exec(const struct nn_t *x, const struct nn_attr *a, struct nn_t *o)
{
	int64_t istr[NN_MAX_DIMS], s[NN_MAX_DIMS], idx[NN_MAX_DIMS] = { 0 };
	int64_t acc = 1, off = 0, total = nn_numel(o), t, inner, is;
	size_t es = nn_dtype_size(x->dtype);
	int r = x->ndim, i, k;
	const char *src = x->data;
	char *dst = o->data;

	for (i = r - 1; i >= 0; i--) {
		istr[i] = acc;
		acc *= x->dims[i];
	}
	for (i = 0; i < r; i++)
		s[i] = istr[a->nperm >= 0 ? a->perm[i] : r - 1 - i];
	if (r == 0 || total == 0) {
		if (total > 0)
			memcpy(dst, src, es);
		return;
	}
	inner = o->dims[r - 1];
	is = s[r - 1];
	for (t = 0; t < total; t += inner) {
		if (es == sizeof(float)) {
			const float *p = (const float *)src + off;
			float *q = (float *)dst + t;
			int64_t j;

			for (j = 0; j < inner; j++)
				q[j] = p[j * is];
		} else {
			const int64_t *p = (const int64_t *)src + off;
			int64_t *q = (int64_t *)dst + t, j;

			for (j = 0; j < inner; j++)
				q[j] = p[j * is];
		}
		for (k = r - 2; k >= 0; k--) {
			off += s[k];
			if (++idx[k] < o->dims[k])
				break;
			off -= s[k] * o->dims[k];
			idx[k] = 0;
		}
	}
}

static void
matmul_exec(const struct nn_t *a, const struct nn_t *b, struct nn_t *o)
{
	int64_t m = a->ndim >= 2 ? a->dims[a->ndim - 2] : 1;
	int64_t k = a->dims[a->ndim - 1];
	int64_t n = b->ndim >= 2 ? b->dims[b->ndim - 1] : 1;
	int ra = a->ndim > 2 ? a->ndim - 2 : 0, rb = b->ndim > 2 ? b->ndim - 2 : 0;
	int rr = ra > rb ? ra : rb, i;
	int64_t batch = 1, t, oa, ob, rem;

	nn_blas_init();
	if (nn_numel(o) == 0)
		return;
	if (k == 0) {
		memset(o->data, 0, (size_t)nn_numel(o) * sizeof(float));
		return;
	}
	for (i = 0; i < ra; i++)
		batch *= a->dims[i];
	/* A plain weight matrix B: the batch folds into the rows of one GEMM. */
	if (rb == 0) {
		nn_sgemm(batch * m, n, k, F(a), F(b), F(o));
		return;
	}
	batch = 1;
	for (i = 0; i < rr; i++)
		batch *= o->dims[i];
	for (t = 0; t < batch; t++) {
		/* Batch index t in the broadcast batch dims -> offsets in a and b. */
		int64_t sa = 1, sb = 1;

		oa = ob = 0;
		rem = t;
		for (i = rr - 1; i >= 0; i--) {
			int64_t d = o->dims[i], c = rem % d;
			int ia = i - (rr - ra), ib = i - (rr - rb);

			rem /= d;
			if (ia >= 0) {
				if (a->dims[ia] != 1)
					oa += c * sa;
				sa *= a->dims[ia];
			}
			if (ib >= 0) {
				if (b->dims[ib] != 1)
					ob += c * sb;
				sb *= b->dims[ib];
			}
		}
		nn_sgemm(m, n, k, F(a) + oa * m * k, F(b) + ob * k * n,
		    F(o) + t * m * n);
	}
}

static void
reducemean_exec(const struct nn_node *nd, const struct nn_t *x, struct nn_t *o)
{
	int mask[NN_MAX_DIMS], i, r = x->ndim, k;
	int64_t ostr[NN_MAX_DIMS], acc = 1, idx[NN_MAX_DIMS] = { 0 }, t, total;
	int64_t cnt = 1, on = nn_numel(o), off = 0;
	double *sum;

	reduce_mask(nd, r, mask);
	for (i = r - 1; i >= 0; i--) {
		ostr[i] = mask[i] ? 0 : acc;
		if (!mask[i])
			acc *= x->dims[i];
		else
			cnt *= x->dims[i];
	}
	total = nn_numel(x);
	/* Reducing trailing axes only: each output is the mean of one contiguous run. */
	for (k = r; k > 0 && mask[k - 1]; k--)
		;
	for (i = 0; i < k && !mask[i]; i++)
		;
	if (i == k && cnt > 0) {
		for (t = 0; t < on; t++) {
			const float *p = F(x) + t * cnt;
			double s = 0.0;
			int64_t j;

			for (j = 0; j < cnt; j++)
				s += p[j];
			F(o)[t] = (float)(s / (double)cnt);
		}
		return;
	}
	sum = calloc((size_t)(on > 0 ? on : 1), sizeof(double));
	if (sum == NULL) {
		for (t = 0; t < on; t++)
			F(o)[t] = NAN;
		return;
	}
	for (t = 0; t < total; t++) {
		sum[off] += F(x)[t];
		for (k = r - 1; k >= 0; k--) {
			off += ostr[k];
			if (++idx[k] < x->dims[k])
				break;
			off -= ostr[k] * x->dims[k];
			idx[k] = 0;
		}
	}
	for (t = 0; t < on; t++)
		F(o)[t] = cnt > 0 ? (float)(sum[t] / (double)cnt) : NAN;
	free(sum);
}

NN_HOT static void
softmax_exec(const struct nn_t *x, int64_t axis, struct nn_t *o)
{
	int64_t rows = prod(x->dims, 0, (int)axis);
	int64_t cols = prod(x->dims, (int)axis, x->ndim), r;

	for (r = 0; r < rows; r++)
		nn_softmax_row(F(x) + r * cols, F(o) + r * cols, cols);
}

/* Source coordinate of output coordinate i along one axis (Resize-11). */
static float
resize_coord(int ctm, int64_t i, float scale, int64_t in, int64_t out)
{
	switch (ctm) {
	case NN_CTM_ASYMMETRIC:
		return (float)i / scale;
	case NN_CTM_ALIGN_CORNERS:
		return out == 1 ? 0.0f : (float)i * (float)(in - 1) / (float)(out - 1);
	case NN_CTM_PYTORCH_HALF_PIXEL:
		return out > 1 ? ((float)i + 0.5f) / scale - 0.5f : 0.0f;
	default:
		return ((float)i + 0.5f) / scale - 0.5f;
	}
}

static int64_t
resize_nearest(int mode, float xf, int64_t in)
{
	int64_t r;

	switch (mode) {
	case NN_NEAR_FLOOR:
		r = (int64_t)floorf(xf);
		break;
	case NN_NEAR_CEIL:
		r = (int64_t)ceilf(xf);
		break;
	case NN_NEAR_ROUND_PREFER_CEIL:
		r = (int64_t)floorf(xf + 0.5f);
		break;
	default:
		/* Halves go down: x.5 -> x. */
		r = xf == floorf(xf) + 0.5f ? (int64_t)floorf(xf) :
		    (int64_t)roundf(xf);
		break;
	}
	return r < 0 ? 0 : r >= in ? in - 1 : r;
}

NN_HOT static int
resize_exec(const struct nn_node *nd, const struct nn_t *const *in,
    const struct nn_t *x, struct nn_t *o, struct nn_scratch *s,
    struct fz_err *err)
{
	const struct nn_attr *a = &nd->a;
	float sc[NN_MAX_DIMS];
	int64_t od[NN_MAX_DIMS], *map, *mp[NN_MAX_DIMS], istr[NN_MAX_DIMS];
	int64_t tot = 0, acc = 1, idx[NN_MAX_DIMS] = { 0 }, t, n, inner;
	int r = x->ndim, i, k;

	if (resize_scales(nd, in, x, sc, od, err) != 0)
		return -1;
	for (i = 0; i < r; i++)
		tot += od[i];
	map = nn_scratch_get(s, (size_t)(tot + 1) * sizeof(int64_t) * 2);
	if (map == NULL)
		return bad(err, nd, "out of memory");
	for (i = r - 1; i >= 0; i--) {
		istr[i] = acc;
		acc *= x->dims[i];
	}
	if (a->rs_mode == NN_RS_LINEAR) {
		int64_t h = x->dims[r - 2], w = x->dims[r - 1];
		int64_t oh = od[r - 2], ow = od[r - 1], planes = prod(x->dims, 0, r - 2);
		int64_t p, oy, ox;
		float *lx = (float *)(map + 2 * ow);

		/* Per column: left index (map), right index (map + ow), weight lx. */
		if (nn_scratch_get(s, (size_t)(4 * ow) * sizeof(int64_t)) == NULL)
			return bad(err, nd, "out of memory");
		map = s->p;
		lx = (float *)(map + 2 * ow);
		for (ox = 0; ox < ow; ox++) {
			float xf = resize_coord(a->rs_ctm, ox, sc[r - 1], w, ow);
			int64_t x0;

			xf = xf < 0.0f ? 0.0f : xf > (float)(w - 1) ? (float)(w - 1) : xf;
			x0 = (int64_t)xf;
			map[ox] = x0;
			map[ow + ox] = x0 + 1 < w ? x0 + 1 : w - 1;
			lx[ox] = xf - (float)x0;
		}
		for (p = 0; p < planes; p++) {
			const float *src = F(x) + p * h * w;
			float *dst = F(o) + p * oh * ow;

			for (oy = 0; oy < oh; oy++) {
				float yf = resize_coord(a->rs_ctm, oy, sc[r - 2], h, oh), ly;
				int64_t y0, y1;
				const float *r0, *r1;

				yf = yf < 0.0f ? 0.0f : yf > (float)(h - 1) ? (float)(h - 1) : yf;
				y0 = (int64_t)yf;
				y1 = y0 + 1 < h ? y0 + 1 : h - 1;
				ly = yf - (float)y0;
				r0 = src + y0 * w;
				r1 = src + y1 * w;
				for (ox = 0; ox < ow; ox++) {
					float top = r0[map[ox]] + (r0[map[ow + ox]] -
					    r0[map[ox]]) * lx[ox];
					float bot = r1[map[ox]] + (r1[map[ow + ox]] -
					    r1[map[ox]]) * lx[ox];

					dst[oy * ow + ox] = top + (bot - top) * ly;
				}
			}
		}
		return 0;
	}
	/* Nearest: an index table per axis, then a gather. */
	t = 0;
	for (i = 0; i < r; i++) {
		int64_t j;

		mp[i] = map + t;
		for (j = 0; j < od[i]; j++)
			mp[i][j] = resize_nearest(a->rs_nearest,
			    resize_coord(a->rs_ctm, j, sc[i], x->dims[i], od[i]),
			    x->dims[i]) * istr[i];
		t += od[i];
	}
	n = nn_numel(o);
	if (n == 0)
		return 0;
	if (r == 0) {
		F(o)[0] = F(x)[0];
		return 0;
	}
	inner = od[r - 1];
	for (t = 0; t < n; t += inner) {
		int64_t base = 0, j;
		float *q = F(o) + t;
		const float *p;

		for (k = 0; k < r - 1; k++)
			base += mp[k][idx[k]];
		p = F(x) + base;
		for (j = 0; j < inner; j++)
			q[j] = p[mp[r - 1][j]];
		for (k = r - 2; k >= 0; k--) {
			if (++idx[k] < od[k])
				break;
			idx[k] = 0;
		}
	}
	return 0;
}

static void
concat_exec(const struct nn_node *nd, const struct nn_t *const *in,
    struct nn_t *o)
{
	int64_t ax = 0, outer, inner, off = 0, t, chunk, ochunk;
	size_t es = nn_dtype_size(o->dtype);
	int i;

	norm_axis(nd->a.axis, o->ndim, 0, &ax);
	outer = prod(o->dims, 0, (int)ax);
	inner = prod(o->dims, (int)ax + 1, o->ndim);
	ochunk = o->dims[ax] * inner;
	for (i = 0; i < nd->nin; i++) {
		chunk = in[i]->dims[ax] * inner;
		for (t = 0; t < outer; t++)
			memcpy((char *)o->data + (size_t)(t * ochunk + off) * es,
			    (const char *)in[i]->data + (size_t)(t * chunk) * es,
			    (size_t)chunk * es);
		off += chunk;
	}
}

static int
gather_exec(const struct nn_node *nd, const struct nn_t *x,
    const struct nn_t *idx, struct nn_t *o, struct fz_err *err)
{
	int64_t ax = 0, outer, inner, dim, ni = nn_numel(idx), t, j;
	size_t es = nn_dtype_size(x->dtype);

	norm_axis(nd->a.axis, x->ndim, 0, &ax);
	outer = prod(x->dims, 0, (int)ax);
	inner = prod(x->dims, (int)ax + 1, x->ndim);
	dim = x->dims[ax];
	for (j = 0; j < ni; j++)
		if (I(idx)[j] < -dim || I(idx)[j] >= dim)
			return bad(err, nd, "index out of range");
	for (t = 0; t < outer; t++) {
		for (j = 0; j < ni; j++) {
			int64_t k = I(idx)[j] < 0 ? I(idx)[j] + dim : I(idx)[j];

			memcpy((char *)o->data + (size_t)((t * ni + j) * inner) * es,
			    (const char *)x->data + (size_t)((t * dim + k) * inner) * es,
			    (size_t)inner * es);
		}
	}
	return 0;
}

static void
slice_exec(const struct nn_t *x, const int64_t *st, const int64_t *sp,
    struct nn_t *o)
{
	int64_t istr[NN_MAX_DIMS], idx[NN_MAX_DIMS] = { 0 }, acc = 1, base = 0;
	int64_t n = nn_numel(o), t, j, inner, is;
	size_t es = nn_dtype_size(x->dtype);
	int r = x->ndim, i, k;

	if (n == 0)
		return;
	if (r == 0) {
		memcpy(o->data, x->data, es);
		return;
	}
	for (i = r - 1; i >= 0; i--) {
		istr[i] = acc;
		acc *= x->dims[i];
	}
	for (i = 0; i < r; i++)
		base += st[i] * istr[i];
	inner = o->dims[r - 1];
	is = sp[r - 1] * istr[r - 1];
	for (t = 0; t < n; t += inner) {
		int64_t off = base;

		for (k = 0; k < r - 1; k++)
			off += idx[k] * sp[k] * istr[k];
		for (j = 0; j < inner; j++)
			memcpy((char *)o->data + (size_t)(t + j) * es,
			    (const char *)x->data + (size_t)(off + j * is) * es, es);
		for (k = r - 2; k >= 0; k--) {
			if (++idx[k] < o->dims[k])
				break;
			idx[k] = 0;
		}
	}
}

static void
cast_exec(const struct nn_t *x, struct nn_t *o)
{
	int64_t n = nn_numel(o), i;

	for (i = 0; i < n; i++) {
		if (x->dtype == NN_F32 && o->dtype == NN_F32) {
			F(o)[i] = F(x)[i];
		} else if (x->dtype == NN_F32) {
			float f = F(x)[i];
			/* Out of range is undefined in the spec; saturate, NaN -> 0. */
			int64_t v = f != f ? 0 : f >= 9.2e18f ? INT64_MAX :
			    f <= -9.2e18f ? INT64_MIN : (int64_t)f;

			I(o)[i] = o->dtype == NN_I32 ?
			    (int32_t)(uint32_t)(uint64_t)v : v;
		} else if (o->dtype == NN_F32) {
			F(o)[i] = (float)I(x)[i];
		} else {
			I(o)[i] = o->dtype == NN_I32 ?
			    (int32_t)(uint32_t)(uint64_t)I(x)[i] : I(x)[i];
		}
	}
}

static void
avgpool_exec(const struct nn_attr *a, const struct nn_t *x, struct nn_t *o)
{
	int64_t planes = x->dims[0] * x->dims[1], h = x->dims[2], w = x->dims[3];
	int64_t oh = o->dims[2], ow = o->dims[3], p, oy, ox, y, xx;

	for (p = 0; p < planes; p++) {
		const float *src = F(x) + p * h * w;
		float *dst = F(o) + p * oh * ow;

		for (oy = 0; oy < oh; oy++) {
			int64_t y0 = oy * a->strides[0] - a->pads[0];
			int64_t y1 = y0 + a->kernel[0];
			int64_t yc0 = y0 < 0 ? 0 : y0, yc1 = y1 > h ? h : y1;

			for (ox = 0; ox < ow; ox++) {
				int64_t x0 = ox * a->strides[1] - a->pads[1];
				int64_t x1 = x0 + a->kernel[1];
				int64_t xc0 = x0 < 0 ? 0 : x0, xc1 = x1 > w ? w : x1;
				int64_t cnt;
				float sum = 0.0f;

				for (y = yc0; y < yc1; y++)
					for (xx = xc0; xx < xc1; xx++)
						sum += src[y * w + xx];
				if (a->count_include_pad) {
					/* The window clipped to the padded input. */
					int64_t ye = y1 < h + a->pads[2] ? y1 : h + a->pads[2];
					int64_t xe = x1 < w + a->pads[3] ? x1 : w + a->pads[3];

					cnt = (ye - y0) * (xe - x0);
				} else {
					cnt = (yc1 - yc0) * (xc1 - xc0);
				}
				dst[oy * ow + ox] = cnt > 0 ? sum / (float)cnt : 0.0f;
			}
		}
	}
}

int
nn_op_exec(const struct nn_node *nd, const struct nn_t *const *in,
    struct nn_t *out, struct nn_scratch *s, struct fz_err *err)
{
	const struct nn_t *x = in[0];
	const struct nn_attr *a = &nd->a;
	int64_t n = nn_numel(out), i, ax = 0;
	int ep_done = 0;

	switch (nd->op) {
	case NN_OP_CONV:
	case NN_OP_CONVTRANSPOSE: {
		struct nn_conv p;
		const float *b = nd->nin > 2 && in[2] != NULL ? F(in[2]) : NULL;
		int rc;

		if (conv_params(nd, in, &p, err) != 0)
			return -1;
		rc = nd->op == NN_OP_CONV ?
		    nn_conv2d(&p, F(x), F(in[1]), b, F(out), nd->ep, nd->nep, s) :
		    nn_convt2d(&p, F(x), F(in[1]), b, F(out), nd->ep, nd->nep, s);
		if (rc != 0)
			return bad(err, nd, "out of memory");
		ep_done = 1;
		break;
	}
	case NN_OP_BATCHNORM: {
		int64_t c = x->dims[1], inner = prod(x->dims, 2, x->ndim);
		int64_t outer = x->dims[0], t, k, j;

		for (t = 0; t < outer; t++) {
			for (k = 0; k < c; k++) {
				const float sc = F(in[1])[k] /
				    sqrtf(F(in[4])[k] + a->eps);
				const float bb = F(in[2])[k] - F(in[3])[k] * sc;
				const float *p = F(x) + (t * c + k) * inner;
				float *q = F(out) + (t * c + k) * inner;

				for (j = 0; j < inner; j++)
					q[j] = p[j] * sc + bb;
			}
		}
		break;
	}
	case NN_OP_ADD:
	case NN_OP_SUB:
	case NN_OP_MUL:
	case NN_OP_DIV:
	case NN_OP_POW:
		if (binary_exec(nd, in[0], in[1], out, err) != 0)
			return -1;
		break;
	case NN_OP_CLIP: {
		float lo = a->cmin, hi = a->cmax;

		if (nd->nin > 1 && in[1] != NULL)
			float_scalar(in[1], &lo);
		if (nd->nin > 2 && in[2] != NULL)
			float_scalar(in[2], &hi);
		for (i = 0; i < n; i++) {
			float v = F(x)[i];

			v = v < lo ? lo : v;
			F(out)[i] = v > hi ? hi : v;
		}
		break;
	}
	case NN_OP_RELU:
		for (i = 0; i < n; i++)
			F(out)[i] = F(x)[i] > 0.0f ? F(x)[i] : 0.0f;
		break;
	case NN_OP_HARDSIGMOID: {
		struct nn_epstep st = { NN_EP_HSIG, a->alpha, a->beta, 0, 0, 0 };

		memcpy(out->data, x->data, (size_t)n * sizeof(float));
		nn_ep_apply(&st, 1, F(out), (size_t)n);
		break;
	}
	case NN_OP_SIGMOID: {
		struct nn_epstep st = { NN_EP_SIGMOID, 0, 0, 0, 0, 0 };

		memcpy(out->data, x->data, (size_t)n * sizeof(float));
		nn_ep_apply(&st, 1, F(out), (size_t)n);
		break;
	}
	case NN_OP_SQRT:
		for (i = 0; i < n; i++)
			F(out)[i] = sqrtf(F(x)[i]);
		break;
	case NN_OP_GLOBALAVGPOOL: {
		int64_t planes = x->dims[0] * x->dims[1];
		int64_t inner = prod(x->dims, 2, x->ndim), j;

		for (i = 0; i < planes; i++) {
			const float *p = F(x) + i * inner;
			float sum = 0.0f;

			for (j = 0; j < inner; j++)
				sum += p[j];
			F(out)[i] = inner > 0 ? sum / (float)inner : NAN;
		}
		break;
	}
	case NN_OP_AVGPOOL:
		avgpool_exec(a, x, out);
		break;
	case NN_OP_RESIZE:
		if (resize_exec(nd, in, x, out, s, err) != 0)
			return -1;
		break;
	case NN_OP_CONCAT:
		concat_exec(nd, in, out);
		break;
	case NN_OP_TRANSPOSE:
		transpose_exec(x, a, out);
		break;
	case NN_OP_RESHAPE:
	case NN_OP_SQUEEZE:
		if (out->data != x->data)
			memcpy(out->data, x->data, (size_t)n * nn_dtype_size(x->dtype));
		break;
	case NN_OP_MATMUL:
		matmul_exec(in[0], in[1], out);
		break;
	case NN_OP_REDUCEMEAN:
		reducemean_exec(nd, x, out);
		break;
	case NN_OP_SOFTMAX:
		norm_axis(a->axis, x->ndim, 1, &ax);
		softmax_exec(x, ax, out);
		break;
	case NN_OP_SHAPE:
		for (i = 0; i < x->ndim; i++)
			I(out)[i] = x->dims[i];
		break;
	case NN_OP_GATHER:
		if (gather_exec(nd, x, in[1], out, err) != 0)
			return -1;
		break;
	case NN_OP_SLICE: {
		int64_t st[NN_MAX_DIMS], sp[NN_MAX_DIMS], od[NN_MAX_DIMS];

		if (slice_params(nd, in, x, st, sp, od, err) != 0)
			return -1;
		slice_exec(x, st, sp, out);
		break;
	}
	case NN_OP_CAST:
		cast_exec(x, out);
		break;
	default:
		return bad(err, nd, "cannot be run");
	}
	if (!ep_done && nd->nep > 0 && out->dtype == NN_F32)
		nn_ep_apply(nd->ep, nd->nep, F(out), (size_t)n);
	return 0;
}
