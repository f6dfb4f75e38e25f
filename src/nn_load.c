/* Loading an ONNX model: protobuf-c parsing, validation of every field the runtime relies on, topological order. */
#include "nn.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn_graph.h"
#include "nn_opt.h"
#include "onnx.pb-c.h"

#define NN_DEFAULT_MAX_BYTES ((size_t)64 << 20)
/* protobuf-c unpacks nested messages recursively with no depth limit;
 * wire_depth() rejects deeper nesting before it is handed a file. */
#define NN_MAX_NESTING 24

/* Message kinds on the recursive paths of onnx.proto (see wire_child). */
enum wire_msg {
	W_NONE, W_MODEL, W_GRAPH, W_NODE, W_ATTR, W_VINFO, W_TYPE,
	W_TYPE_SEQ, W_TYPE_MAP, W_TYPE_OPT, W_TRAIN, W_FUNC
};

/* The sub-message kind of field number f of message kind m (W_NONE for
 * scalars, bytes and messages that cannot nest further). */
static int
wire_child(int m, uint64_t f)
{
	switch (m) {
	case W_MODEL:
		return f == 7 ? W_GRAPH : f == 20 ? W_TRAIN : f == 25 ? W_FUNC : W_NONE;
	case W_GRAPH:
		return f == 1 ? W_NODE : (f >= 11 && f <= 13) ? W_VINFO : W_NONE;
	case W_NODE:
		return f == 5 ? W_ATTR : W_NONE;
	case W_ATTR:
		return (f == 6 || f == 11) ? W_GRAPH : (f == 14 || f == 15) ? W_TYPE : W_NONE;
	case W_VINFO:
		return f == 2 ? W_TYPE : W_NONE;
	case W_TYPE:
		return f == 4 ? W_TYPE_SEQ : f == 5 ? W_TYPE_MAP : f == 9 ? W_TYPE_OPT : W_NONE;
	case W_TYPE_SEQ:
	case W_TYPE_OPT:
		return f == 1 ? W_TYPE : W_NONE;
	case W_TYPE_MAP:
		return f == 2 ? W_TYPE : W_NONE;
	case W_TRAIN:
		return (f == 1 || f == 2) ? W_GRAPH : W_NONE;
	case W_FUNC:
		return f == 7 ? W_NODE : W_NONE;
	}
	return W_NONE;
}

static int
wire_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t r = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		r |= (uint64_t)(**p & 0x7f) << shift;
		if ((*(*p)++ & 0x80) == 0) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* Walks the wire format of message kind m and fails on malformed framing
 * or on nesting deeper than NN_MAX_NESTING along the recursive paths. */
static int
wire_depth(const unsigned char *p, const unsigned char *end, int m, int depth)
{
	uint64_t key, len;
	int child;

	if (depth > NN_MAX_NESTING)
		return -1;
	while (p < end) {
		if (wire_varint(&p, end, &key) != 0)
			return -1;
		switch (key & 7) {
		case 0:
			if (wire_varint(&p, end, &len) != 0)
				return -1;
			break;
		case 1:
			if (end - p < 8)
				return -1;
			p += 8;
			break;
		case 5:
			if (end - p < 4)
				return -1;
			p += 4;
			break;
		case 2:
			if (wire_varint(&p, end, &len) != 0 ||
			    len > (uint64_t)(end - p))
				return -1;
			child = wire_child(m, key >> 3);
			if (child != W_NONE &&
			    wire_depth(p, p + len, child, depth + 1) != 0)
				return -1;
			p += len;
			break;
		default:
			return -1; /* groups (3, 4) and invalid wire types */
		}
	}
	return 0;
}

const char *
nn_op_name(int op)
{
	static const char *const names[NN_OP_COUNT] = {
		[NN_OP_CONSTANT] = "Constant",
		[NN_OP_CONV] = "Conv",
		[NN_OP_CONVTRANSPOSE] = "ConvTranspose",
		[NN_OP_BATCHNORM] = "BatchNormalization",
		[NN_OP_ADD] = "Add",
		[NN_OP_SUB] = "Sub",
		[NN_OP_MUL] = "Mul",
		[NN_OP_DIV] = "Div",
		[NN_OP_POW] = "Pow",
		[NN_OP_CLIP] = "Clip",
		[NN_OP_RELU] = "Relu",
		[NN_OP_HARDSIGMOID] = "HardSigmoid",
		[NN_OP_SIGMOID] = "Sigmoid",
		[NN_OP_SQRT] = "Sqrt",
		[NN_OP_GLOBALAVGPOOL] = "GlobalAveragePool",
		[NN_OP_AVGPOOL] = "AveragePool",
		[NN_OP_RESIZE] = "Resize",
		[NN_OP_CONCAT] = "Concat",
		[NN_OP_TRANSPOSE] = "Transpose",
		[NN_OP_RESHAPE] = "Reshape",
		[NN_OP_SQUEEZE] = "Squeeze",
		[NN_OP_MATMUL] = "MatMul",
		[NN_OP_REDUCEMEAN] = "ReduceMean",
		[NN_OP_SOFTMAX] = "Softmax",
		[NN_OP_SHAPE] = "Shape",
		[NN_OP_GATHER] = "Gather",
		[NN_OP_SLICE] = "Slice",
		[NN_OP_CAST] = "Cast",
	};

	return op >= 0 && op < NN_OP_COUNT ? names[op] : "?";
}

size_t
nn_dtype_size(int dtype)
{
	return dtype == NN_F32 ? sizeof(float) : sizeof(int64_t);
}

int64_t
nn_numel(const struct nn_t *t)
{
	int64_t n = 1;
	int i;

	for (i = 0; i < t->ndim; i++) {
		if (t->dims[i] < 0 || t->dims[i] > NN_MAX_ELEMS)
			return -1;
		n *= t->dims[i];
		if (n > NN_MAX_ELEMS)
			return -1;
	}
	return n;
}

/* Name -> value index, open addressing (FNV-1a). */
struct names {
	int *slot;
	size_t cap;
};

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int
names_find(const struct names *h, const struct nn_model *m, const char *s)
{
	size_t i = name_hash(s) & (h->cap - 1);

	while (h->slot[i] >= 0) {
		if (strcmp(m->val[h->slot[i]].name, s) == 0)
			return h->slot[i];
		i = (i + 1) & (h->cap - 1);
	}
	return -1;
}

static void
names_put(struct names *h, const struct nn_model *m, int v)
{
	size_t i = name_hash(m->val[v].name) & (h->cap - 1);

	while (h->slot[i] >= 0)
		i = (i + 1) & (h->cap - 1);
	h->slot[i] = v;
}

struct loader {
	struct nn_model *m;
	struct names names;
	int capval;
	size_t const_bytes;
	struct fz_err *err;
};

/* A new value named s; it is an error for a name to be defined twice. */
static int
value_new(struct loader *L, const char *s)
{
	struct nn_value *v;

	if (s == NULL || s[0] == '\0') {
		fz_seterr(L->err, "%s: a value has an empty name", L->m->name);
		return -1;
	}
	if (names_find(&L->names, L->m, s) >= 0) {
		fz_seterr(L->err, "%s: value '%.64s' is defined twice",
		    L->m->name, s);
		return -1;
	}
	if (L->m->nval >= L->capval) {
		fz_seterr(L->err, "%s: too many values", L->m->name);
		return -1;
	}
	v = &L->m->val[L->m->nval];
	memset(v, 0, sizeof(*v));
	v->producer = -1;
	v->name = strdup(s);
	if (v->name == NULL) {
		fz_seterr(L->err, "%s: out of memory", L->m->name);
		return -1;
	}
	names_put(&L->names, L->m, L->m->nval);
	return L->m->nval++;
}

/* Copies a TensorProto into t after checking its type, dimensions and
 * that the data present matches them exactly. */
static int
tensor_from_proto(struct loader *L, const Onnx__TensorProto *tp,
    const char *what, struct nn_t *t)
{
	int64_t n;
	size_t i, bytes, wire;
	int dt;

	memset(t, 0, sizeof(*t));
	dt = tp->has_data_type ? tp->data_type : 0;
	if (dt != NN_F32 && dt != NN_I32 && dt != NN_I64) {
		fz_seterr(L->err, "%s: %.64s: tensor data type %d is not supported "
		    "(float, int32 and int64 are)", L->m->name, what, dt);
		return -1;
	}
	if ((tp->has_data_location && tp->data_location ==
	    ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
	    tp->n_external_data > 0 || tp->segment != NULL) {
		fz_seterr(L->err, "%s: %.64s: external or segmented tensor data "
		    "is not supported", L->m->name, what);
		return -1;
	}
	if (tp->n_dims > NN_MAX_DIMS) {
		fz_seterr(L->err, "%s: %.64s: %zu dimensions (at most %d)",
		    L->m->name, what, tp->n_dims, NN_MAX_DIMS);
		return -1;
	}
	t->dtype = dt;
	t->ndim = (int)tp->n_dims;
	for (i = 0; i < tp->n_dims; i++)
		t->dims[i] = tp->dims[i];
	n = nn_numel(t);
	if (n < 0) {
		fz_seterr(L->err, "%s: %.64s: absurd tensor dimensions",
		    L->m->name, what);
		return -1;
	}
	wire = dt == NN_I64 ? 8 : 4;
	bytes = (size_t)n * nn_dtype_size(dt);
	if (L->const_bytes + bytes > NN_MAX_CONST_BYTES) {
		fz_seterr(L->err, "%s: %.64s: constants exceed %zu MiB",
		    L->m->name, what, NN_MAX_CONST_BYTES >> 20);
		return -1;
	}
	if (tp->has_raw_data) {
		if (tp->raw_data.len != (size_t)n * wire)
			goto mismatch;
	} else if (dt == NN_F32) {
		if (tp->n_float_data != (size_t)n)
			goto mismatch;
	} else if (dt == NN_I32) {
		if (tp->n_int32_data != (size_t)n)
			goto mismatch;
	} else if (tp->n_int64_data != (size_t)n) {
		goto mismatch;
	}
	t->data = malloc(bytes > 0 ? bytes : 1);
	if (t->data == NULL) {
		fz_seterr(L->err, "%s: out of memory", L->m->name);
		return -1;
	}
	L->const_bytes += bytes;
	/* raw_data is little-endian like the hosts this builds for. */
	if (n == 0) {
		/* nothing to copy (memcpy may not take the NULL source) */
	} else if (dt == NN_F32) {
		memcpy(t->data, tp->has_raw_data ? (const void *)tp->raw_data.data :
		    (const void *)tp->float_data, (size_t)n * 4);
	} else if (dt == NN_I64) {
		memcpy(t->data, tp->has_raw_data ? (const void *)tp->raw_data.data :
		    (const void *)tp->int64_data, (size_t)n * 8);
	} else {
		int64_t *o = t->data;
		int32_t x;

		for (i = 0; i < (size_t)n; i++) {
			if (tp->has_raw_data)
				memcpy(&x, tp->raw_data.data + 4 * i, 4);
			else
				x = tp->int32_data[i];
			o[i] = x;
		}
	}
	return 0;
mismatch:
	fz_seterr(L->err, "%s: %.64s: tensor data does not match its "
	    "dimensions (%lld elements)", L->m->name, what, (long long)n);
	return -1;
}

static const struct {
	const char *name;
	int op, min_in, max_in;
} op_table[] = {
	{ "Constant", NN_OP_CONSTANT, 0, 0 },
	{ "Conv", NN_OP_CONV, 2, 3 },
	{ "ConvTranspose", NN_OP_CONVTRANSPOSE, 2, 3 },
	{ "BatchNormalization", NN_OP_BATCHNORM, 5, 5 },
	{ "Add", NN_OP_ADD, 2, 2 },
	{ "Sub", NN_OP_SUB, 2, 2 },
	{ "Mul", NN_OP_MUL, 2, 2 },
	{ "Div", NN_OP_DIV, 2, 2 },
	{ "Pow", NN_OP_POW, 2, 2 },
	{ "Clip", NN_OP_CLIP, 1, 3 },
	{ "Relu", NN_OP_RELU, 1, 1 },
	{ "HardSigmoid", NN_OP_HARDSIGMOID, 1, 1 },
	{ "Sigmoid", NN_OP_SIGMOID, 1, 1 },
	{ "Sqrt", NN_OP_SQRT, 1, 1 },
	{ "GlobalAveragePool", NN_OP_GLOBALAVGPOOL, 1, 1 },
	{ "AveragePool", NN_OP_AVGPOOL, 1, 1 },
	{ "Resize", NN_OP_RESIZE, 3, 4 },
	{ "Concat", NN_OP_CONCAT, 1, NN_MAX_IN },
	{ "Transpose", NN_OP_TRANSPOSE, 1, 1 },
	{ "Reshape", NN_OP_RESHAPE, 2, 2 },
	{ "Squeeze", NN_OP_SQUEEZE, 1, 1 },
	{ "MatMul", NN_OP_MATMUL, 2, 2 },
	{ "ReduceMean", NN_OP_REDUCEMEAN, 1, 1 },
	{ "Softmax", NN_OP_SOFTMAX, 1, 1 },
	{ "Shape", NN_OP_SHAPE, 1, 1 },
	{ "Gather", NN_OP_GATHER, 2, 2 },
	{ "Slice", NN_OP_SLICE, 1, 5 },
	{ "Cast", NN_OP_CAST, 1, 1 },
};

/* Attribute parsing: each operator names the attributes it accepts;
 * any other attribute is an error, so nothing is silently ignored. */
struct attrs {
	struct loader *L;
	const Onnx__NodeProto *np;
	const char *node;
	unsigned used; /* bit per attribute index consumed */
};

static const Onnx__AttributeProto *
attr_get(struct attrs *A, const char *name, int type)
{
	size_t i;

	for (i = 0; i < A->np->n_attribute && i < 32; i++) {
		const Onnx__AttributeProto *a = A->np->attribute[i];

		if (a->name == NULL || strcmp(a->name, name) != 0)
			continue;
		A->used |= 1u << i;
		if (!a->has_type || (int)a->type != type) {
			fz_seterr(A->L->err, "%s: node %.64s: attribute %s has "
			    "the wrong type", A->L->m->name, A->node, name);
			return (const Onnx__AttributeProto *)-1;
		}
		return a;
	}
	return NULL;
}
#define ATTR_BAD(a) ((a) == (const Onnx__AttributeProto *)-1)

static int
attr_int(struct attrs *A, const char *name, int64_t def, int64_t lo,
    int64_t hi, int64_t *out)
{
	const Onnx__AttributeProto *a =
	    attr_get(A, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

	if (ATTR_BAD(a))
		return -1;
	*out = a != NULL ? a->i : def;
	if (*out < lo || *out > hi) {
		fz_seterr(A->L->err, "%s: node %.64s: attribute %s = %lld is out "
		    "of range", A->L->m->name, A->node, name, (long long)*out);
		return -1;
	}
	return 0;
}

static int
attr_float(struct attrs *A, const char *name, float def, float *out)
{
	const Onnx__AttributeProto *a =
	    attr_get(A, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

	if (ATTR_BAD(a))
		return -1;
	*out = a != NULL ? a->f : def;
	return 0;
}

/* A list of ints of length in [minn, maxn], each in [lo, hi]; *n = -1 if absent. */
static int
attr_ints(struct attrs *A, const char *name, int minn, int maxn, int64_t lo,
    int64_t hi, int64_t *v, int *n)
{
	const Onnx__AttributeProto *a =
	    attr_get(A, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	size_t i;

	if (ATTR_BAD(a))
		return -1;
	*n = -1;
	if (a == NULL)
		return 0;
	if (a->n_ints < (size_t)minn || a->n_ints > (size_t)maxn)
		goto bad;
	for (i = 0; i < a->n_ints; i++) {
		if (a->ints[i] < lo || a->ints[i] > hi)
			goto bad;
		v[i] = a->ints[i];
	}
	*n = (int)a->n_ints;
	return 0;
bad:
	fz_seterr(A->L->err, "%s: node %.64s: attribute %s has a bad length or "
	    "value", A->L->m->name, A->node, name);
	return -1;
}

/* A string attribute matched against choices; returns the index, def if absent. */
static int
attr_enum(struct attrs *A, const char *name, const char *const *choices,
    int def, int *out)
{
	const Onnx__AttributeProto *a =
	    attr_get(A, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	int i;

	if (ATTR_BAD(a))
		return -1;
	*out = def;
	if (a == NULL)
		return 0;
	for (i = 0; choices[i] != NULL; i++) {
		if (strlen(choices[i]) == a->s.len &&
		    memcmp(choices[i], a->s.data, a->s.len) == 0) {
			*out = i;
			return 0;
		}
	}
	fz_seterr(A->L->err, "%s: node %.64s: %s '%.*s' is not supported",
	    A->L->m->name, A->node, name, (int)(a->s.len > 64 ? 64 : a->s.len),
	    (const char *)a->s.data);
	return -1;
}

/* kernel_shape, strides, pads, dilations and auto_pad of Conv and the pools (2-D only). */
static int
attr_window(struct attrs *A, struct nn_attr *at, int dilations)
{
	static const char *const autopad[] = { "NOTSET", "VALID", NULL };
	int n, i, ap;

	if (attr_ints(A, "kernel_shape", 2, 2, 1, 1024, at->kernel, &n) != 0)
		return -1;
	at->has_kernel = n == 2;
	at->strides[0] = at->strides[1] = 1;
	at->dil[0] = at->dil[1] = 1;
	memset(at->pads, 0, sizeof(at->pads));
	if (attr_ints(A, "strides", 2, 2, 1, 1024, at->strides, &n) != 0 ||
	    attr_ints(A, "pads", 4, 4, 0, 1024, at->pads, &n) != 0)
		return -1;
	if (dilations &&
	    attr_ints(A, "dilations", 2, 2, 1, 1024, at->dil, &n) != 0)
		return -1;
	/* SAME_UPPER/SAME_LOWER are not used by these models. */
	if (attr_enum(A, "auto_pad", autopad, 0, &ap) != 0)
		return -1;
	if (ap == 1)
		for (i = 0; i < 4; i++)
			at->pads[i] = 0;
	return 0;
}

static int
parse_attrs(struct loader *L, const Onnx__NodeProto *np, struct nn_node *nd)
{
	static const char *const rs_modes[] = { "nearest", "linear", NULL };
	static const char *const rs_ctm[] = { "half_pixel", "asymmetric",
		"align_corners", "pytorch_half_pixel", NULL };
	static const char *const rs_near[] = { "round_prefer_floor",
		"round_prefer_ceil", "floor", "ceil", NULL };
	struct attrs A = { L, np, nd->name, 0 };
	struct nn_attr *at = &nd->a;
	int64_t v;
	int n, opset = L->m->opset;
	size_t i;
	float ign;

	at->group = 1;
	at->cmin = -FLT_MAX;
	at->cmax = FLT_MAX;
	switch (nd->op) {
	case NN_OP_CONV:
	case NN_OP_CONVTRANSPOSE:
		if (attr_window(&A, at, 1) != 0 ||
		    attr_int(&A, "group", 1, 1, 1 << 20, &at->group) != 0)
			return -1;
		if (nd->op == NN_OP_CONVTRANSPOSE) {
			const Onnx__AttributeProto *a;

			if (attr_ints(&A, "output_padding", 2, 2, 0, 1024,
			    at->outpad, &n) != 0)
				return -1;
			a = attr_get(&A, "output_shape",
			    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
			if (a != NULL) {
				if (!ATTR_BAD(a))
					fz_seterr(L->err, "%s: node %.64s: "
					    "ConvTranspose output_shape is not "
					    "supported", L->m->name, nd->name);
				return -1;
			}
		}
		break;
	case NN_OP_AVGPOOL:
		if (attr_window(&A, at, 0) != 0 ||
		    attr_int(&A, "count_include_pad", 0, 0, 1, &v) != 0)
			return -1;
		at->count_include_pad = (int)v;
		if (!at->has_kernel) {
			fz_seterr(L->err, "%s: node %.64s: AveragePool needs "
			    "kernel_shape", L->m->name, nd->name);
			return -1;
		}
		if (opset >= 10) {
			if (attr_int(&A, "ceil_mode", 0, 0, 0, &v) != 0)
				return -1;
		}
		break;
	case NN_OP_BATCHNORM:
		if (attr_float(&A, "epsilon", 1e-5f, &at->eps) != 0 ||
		    attr_float(&A, "momentum", 0.9f, &ign) != 0)
			return -1;
		break;
	case NN_OP_CLIP:
		if (opset < 11) {
			if (nd->nin != 1) {
				fz_seterr(L->err, "%s: node %.64s: Clip takes one "
				    "input before opset 11", L->m->name, nd->name);
				return -1;
			}
			if (attr_float(&A, "min", -FLT_MAX, &at->cmin) != 0 ||
			    attr_float(&A, "max", FLT_MAX, &at->cmax) != 0)
				return -1;
		}
		break;
	case NN_OP_HARDSIGMOID:
		if (attr_float(&A, "alpha", 0.2f, &at->alpha) != 0 ||
		    attr_float(&A, "beta", 0.5f, &at->beta) != 0)
			return -1;
		break;
	case NN_OP_RESIZE:
		if (opset < 11) {
			fz_seterr(L->err, "%s: node %.64s: Resize before opset 11 "
			    "is not supported", L->m->name, nd->name);
			return -1;
		}
		if (attr_enum(&A, "mode", rs_modes, 0, &at->rs_mode) != 0 ||
		    attr_enum(&A, "coordinate_transformation_mode", rs_ctm, 0,
		    &at->rs_ctm) != 0 ||
		    attr_enum(&A, "nearest_mode", rs_near, 0,
		    &at->rs_nearest) != 0 ||
		    attr_float(&A, "cubic_coeff_a", -0.75f, &ign) != 0 ||
		    attr_int(&A, "exclude_outside", 0, 0, 0, &v) != 0 ||
		    attr_float(&A, "extrapolation_value", 0.0f, &ign) != 0)
			return -1;
		break;
	case NN_OP_CONCAT:
		if (attr_int(&A, "axis", INT64_MIN, -NN_MAX_DIMS,
		    NN_MAX_DIMS - 1, &at->axis) != 0)
			return -1;
		if (at->axis == INT64_MIN) {
			fz_seterr(L->err, "%s: node %.64s: Concat needs axis",
			    L->m->name, nd->name);
			return -1;
		}
		break;
	case NN_OP_GATHER:
		if (attr_int(&A, "axis", 0, -NN_MAX_DIMS, NN_MAX_DIMS - 1,
		    &at->axis) != 0)
			return -1;
		break;
	case NN_OP_SOFTMAX:
		if (attr_int(&A, "axis", 1, -NN_MAX_DIMS, NN_MAX_DIMS - 1,
		    &at->axis) != 0)
			return -1;
		break;
	case NN_OP_TRANSPOSE:
		if (attr_ints(&A, "perm", 0, NN_MAX_DIMS, 0, NN_MAX_DIMS - 1,
		    at->perm, &at->nperm) != 0)
			return -1;
		break;
	case NN_OP_SQUEEZE:
		if (attr_ints(&A, "axes", 0, NN_MAX_DIMS, -NN_MAX_DIMS,
		    NN_MAX_DIMS - 1, at->axes, &at->naxes) != 0)
			return -1;
		break;
	case NN_OP_REDUCEMEAN:
		if (attr_ints(&A, "axes", 0, NN_MAX_DIMS, -NN_MAX_DIMS,
		    NN_MAX_DIMS - 1, at->axes, &at->naxes) != 0 ||
		    attr_int(&A, "keepdims", 1, 0, 1, &v) != 0)
			return -1;
		at->keepdims = (int)v;
		break;
	case NN_OP_SLICE:
		if (opset < 10) {
			int ns, ne;

			if (nd->nin != 1) {
				fz_seterr(L->err, "%s: node %.64s: Slice takes one "
				    "input before opset 10", L->m->name, nd->name);
				return -1;
			}
			if (attr_ints(&A, "starts", 1, NN_MAX_DIMS, INT64_MIN,
			    INT64_MAX, at->starts, &ns) != 0 ||
			    attr_ints(&A, "ends", 1, NN_MAX_DIMS, INT64_MIN,
			    INT64_MAX, at->ends, &ne) != 0 ||
			    attr_ints(&A, "axes", 1, NN_MAX_DIMS, -NN_MAX_DIMS,
			    NN_MAX_DIMS - 1, at->axes, &at->naxes) != 0)
				return -1;
			if (ns < 0 || ns != ne ||
			    (at->naxes >= 0 && at->naxes != ns)) {
				fz_seterr(L->err, "%s: node %.64s: Slice needs "
				    "starts and ends (and axes) of one length",
				    L->m->name, nd->name);
				return -1;
			}
			at->nslice = ns;
		} else if (nd->nin < 3) {
			fz_seterr(L->err, "%s: node %.64s: Slice needs data, "
			    "starts and ends", L->m->name, nd->name);
			return -1;
		}
		break;
	case NN_OP_CAST:
		if (attr_int(&A, "to", -1, INT64_MIN, INT64_MAX, &v) != 0)
			return -1;
		if (v != NN_F32 && v != NN_I32 && v != NN_I64) {
			fz_seterr(L->err, "%s: node %.64s: Cast to type %lld is not "
			    "supported", L->m->name, nd->name, (long long)v);
			return -1;
		}
		at->to = (int)v;
		break;
	case NN_OP_CONSTANT: {
		const Onnx__AttributeProto *a = attr_get(&A, "value",
		    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);

		if (ATTR_BAD(a))
			return -1;
		if (a == NULL || a->t == NULL) {
			fz_seterr(L->err, "%s: node %.64s: Constant needs a tensor "
			    "value", L->m->name, nd->name);
			return -1;
		}
		if (tensor_from_proto(L, a->t, nd->name,
		    &L->m->val[nd->out].c) != 0)
			return -1;
		L->m->val[nd->out].is_const = 1;
		break;
	}
	default:
		break;
	}
	for (i = 0; i < np->n_attribute; i++) {
		if (i >= 32 || !(A.used & (1u << i))) {
			const char *an = np->attribute[i]->name;

			fz_seterr(L->err, "%s: node %.64s: %s attribute '%.64s' is "
			    "not supported", L->m->name, nd->name,
			    nn_op_name(nd->op), an != NULL ? an : "");
			return -1;
		}
	}
	return 0;
}

static int
parse_node(struct loader *L, const Onnx__NodeProto *np, struct nn_node *nd)
{
	struct nn_model *m = L->m;
	size_t i, k;
	int v;

	nd->op = -1;
	nd->out = -1;
	for (i = 0; i < NN_MAX_IN; i++)
		nd->in[i] = -1;
	if (np->name != NULL && np->name[0] != '\0')
		nd->name = strdup(np->name);
	else if (np->n_output > 0 && np->output[0] != NULL)
		nd->name = strdup(np->output[0]);
	else
		nd->name = strdup("(unnamed)");
	if (nd->name == NULL) {
		fz_seterr(L->err, "%s: out of memory", m->name);
		return -1;
	}
	if (np->domain != NULL && np->domain[0] != '\0' &&
	    strcmp(np->domain, "ai.onnx") != 0) {
		fz_seterr(L->err, "%s: node %.64s: operator domain '%.64s' is not "
		    "supported", m->name, nd->name, np->domain);
		return -1;
	}
	for (k = 0; k < sizeof(op_table) / sizeof(op_table[0]); k++)
		if (np->op_type != NULL && strcmp(np->op_type, op_table[k].name) == 0)
			break;
	if (k == sizeof(op_table) / sizeof(op_table[0])) {
		fz_seterr(L->err, "%s: node %.64s: operator %.64s is not supported",
		    m->name, nd->name, np->op_type != NULL ? np->op_type : "(none)");
		return -1;
	}
	nd->op = op_table[k].op;
	if (np->n_input < (size_t)op_table[k].min_in ||
	    np->n_input > (size_t)op_table[k].max_in) {
		fz_seterr(L->err, "%s: node %.64s: %s with %zu inputs",
		    m->name, nd->name, op_table[k].name, np->n_input);
		return -1;
	}
	if (np->n_output != 1) {
		fz_seterr(L->err, "%s: node %.64s: %s with %zu outputs (the runtime "
		    "supports one)", m->name, nd->name, op_table[k].name,
		    np->n_output);
		return -1;
	}
	/* Inputs are resolved after every output is known (see link_inputs). */
	nd->nin = (int)np->n_input;
	v = value_new(L, np->output[0]);
	if (v < 0)
		return -1;
	nd->out = v;
	return parse_attrs(L, np, nd);
}

static int
link_inputs(struct loader *L, const Onnx__GraphProto *g)
{
	struct nn_model *m = L->m;
	int i, j, v;

	for (i = 0; i < m->nnode; i++) {
		struct nn_node *nd = &m->node[i];

		for (j = 0; j < nd->nin; j++) {
			const char *s = g->node[i]->input[j];

			if (s == NULL || s[0] == '\0') {
				nd->in[j] = -1; /* an omitted optional input */
				continue;
			}
			v = names_find(&L->names, m, s);
			if (v < 0) {
				fz_seterr(L->err, "%s: node %.64s: input '%.64s' is "
				    "not defined", m->name, nd->name, s);
				return -1;
			}
			nd->in[j] = v;
		}
		/* Required inputs may not be omitted. */
		if (nd->in[0] < 0 && nd->op != NN_OP_CONSTANT)
			goto missing;
		if ((nd->op == NN_OP_CONV || nd->op == NN_OP_CONVTRANSPOSE ||
		    nd->op == NN_OP_MATMUL || nd->op == NN_OP_RESHAPE ||
		    nd->op == NN_OP_GATHER || nd->op == NN_OP_ADD ||
		    nd->op == NN_OP_SUB || nd->op == NN_OP_MUL ||
		    nd->op == NN_OP_DIV || nd->op == NN_OP_POW) && nd->in[1] < 0)
			goto missing;
		if (nd->op == NN_OP_BATCHNORM)
			for (j = 1; j < 5; j++)
				if (nd->in[j] < 0)
					goto missing;
		if (nd->op == NN_OP_SLICE && m->opset >= 10 &&
		    (nd->in[1] < 0 || nd->in[2] < 0))
			goto missing;
		continue;
missing:
		fz_seterr(L->err, "%s: node %.64s: a required input is missing",
		    m->name, nd->name);
		return -1;
	}
	return 0;
}

/* Kahn's algorithm over the node list; anything left over is a cycle. */
static int
topo_sort(struct loader *L)
{
	struct nn_model *m = L->m;
	int *indeg = NULL, *queue = NULL, *first = NULL, *next = NULL,
	    *users = NULL;
	int i, j, head = 0, tail = 0, nu = 0, rc = -1;
	size_t nedge = (size_t)m->nnode * NN_MAX_IN;

	indeg = calloc((size_t)m->nnode + 1, sizeof(int));
	queue = calloc((size_t)m->nnode + 1, sizeof(int));
	first = malloc(((size_t)m->nval + 1) * sizeof(int));
	next = malloc((nedge + 1) * sizeof(int));
	users = malloc((nedge + 1) * sizeof(int));
	m->order = malloc(((size_t)m->nnode + 1) * sizeof(int));
	if (!indeg || !queue || !first || !next || !users || !m->order) {
		fz_seterr(L->err, "%s: out of memory", m->name);
		goto out;
	}
	for (i = 0; i < m->nval; i++)
		first[i] = -1;
	/* Edge lists: for each value, the nodes that read it. */
	for (i = 0; i < m->nnode; i++) {
		for (j = 0; j < m->node[i].nin; j++) {
			int v = m->node[i].in[j];

			if (v < 0)
				continue;
			users[nu] = i;
			next[nu] = first[v];
			first[v] = nu++;
			if (m->val[v].producer >= 0)
				indeg[i]++;
		}
	}
	for (i = 0; i < m->nnode; i++)
		if (indeg[i] == 0)
			queue[tail++] = i;
	while (head < tail) {
		int n = queue[head++], e;

		m->order[m->norder++] = n;
		for (e = first[m->node[n].out]; e >= 0; e = next[e])
			if (--indeg[users[e]] == 0)
				queue[tail++] = users[e];
	}
	if (m->norder != m->nnode) {
		for (i = 0; i < m->nnode; i++)
			if (indeg[i] > 0)
				break;
		fz_seterr(L->err, "%s: the graph has a cycle (through node %.64s)",
		    m->name, i < m->nnode ? m->node[i].name : "?");
		goto out;
	}
	rc = 0;
out:
	free(indeg);
	free(queue);
	free(first);
	free(next);
	free(users);
	return rc;
}

static int
build(struct loader *L, const Onnx__ModelProto *mp)
{
	struct nn_model *m = L->m;
	const Onnx__GraphProto *g = mp->graph;
	size_t i, nvmax;
	int v, opset = -1;

	for (i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = mp->opset_import[i];

		if (o->domain == NULL || o->domain[0] == '\0' ||
		    strcmp(o->domain, "ai.onnx") == 0)
			opset = o->has_version ? (int)(o->version > 1000 ? 1000 :
			    o->version < -1 ? -1 : o->version) : -1;
	}
	if (opset < NN_OPSET_MIN || opset > NN_OPSET_MAX) {
		fz_seterr(L->err, "%s: ONNX opset %d is not supported (%d to %d are)",
		    m->name, opset, NN_OPSET_MIN, NN_OPSET_MAX);
		return -1;
	}
	m->opset = opset;
	if (g == NULL) {
		fz_seterr(L->err, "%s: the model has no graph", m->name);
		return -1;
	}
	if (g->n_node == 0 || g->n_node > NN_MAX_NODES) {
		fz_seterr(L->err, "%s: %zu nodes (1 to %d are accepted)", m->name,
		    g->n_node, NN_MAX_NODES);
		return -1;
	}
	if (g->n_sparse_initializer > 0) {
		fz_seterr(L->err, "%s: sparse initializers are not supported",
		    m->name);
		return -1;
	}
	if (g->n_input > NN_MAX_NODES || g->n_initializer > NN_MAX_NODES) {
		fz_seterr(L->err, "%s: too many inputs or initializers", m->name);
		return -1;
	}
	nvmax = g->n_node + g->n_input + g->n_initializer;
	L->capval = (int)nvmax;
	L->names.cap = 16;
	while (L->names.cap < 2 * nvmax)
		L->names.cap *= 2;
	L->names.slot = malloc(L->names.cap * sizeof(int));
	m->val = calloc(nvmax, sizeof(*m->val));
	m->node = calloc(g->n_node, sizeof(*m->node));
	if (!L->names.slot || !m->val || !m->node) {
		fz_seterr(L->err, "%s: out of memory", m->name);
		return -1;
	}
	for (i = 0; i < L->names.cap; i++)
		L->names.slot[i] = -1;
	for (i = 0; i < g->n_initializer; i++) {
		v = value_new(L, g->initializer[i]->name);
		if (v < 0 || tensor_from_proto(L, g->initializer[i], m->val[v].name,
		    &m->val[v].c) != 0)
			return -1;
		m->val[v].is_const = 1;
	}
	m->input = -1;
	for (i = 0; i < g->n_input; i++) {
		const Onnx__ValueInfoProto *vi = g->input[i];
		const Onnx__TypeProto *tp = vi->type;

		if (vi->name != NULL && names_find(&L->names, m, vi->name) >= 0)
			continue; /* an initializer also listed as an input */
		if (m->input >= 0) {
			fz_seterr(L->err, "%s: more than one graph input (the "
			    "runtime supports one)", m->name);
			return -1;
		}
		v = value_new(L, vi->name);
		if (v < 0)
			return -1;
		m->val[v].is_input = 1;
		m->input = v;
		if (tp != NULL && tp->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE &&
		    tp->tensor_type != NULL) {
			if (tp->tensor_type->has_elem_type &&
			    tp->tensor_type->elem_type != NN_F32) {
				fz_seterr(L->err, "%s: the graph input is not float32",
				    m->name);
				return -1;
			}
			if (tp->tensor_type->shape != NULL) {
				if (tp->tensor_type->shape->n_dim > NN_MAX_DIMS) {
					fz_seterr(L->err, "%s: the graph input has too "
					    "many dimensions", m->name);
					return -1;
				}
				m->in_ndim = (int)tp->tensor_type->shape->n_dim;
			}
		}
	}
	if (m->input < 0) {
		fz_seterr(L->err, "%s: the graph has no input", m->name);
		return -1;
	}
	m->nnode = (int)g->n_node;
	for (i = 0; i < g->n_node; i++) {
		if (parse_node(L, g->node[i], &m->node[i]) != 0)
			return -1;
		m->val[m->node[i].out].producer = (int)i;
	}
	if (link_inputs(L, g) != 0)
		return -1;
	if (g->n_output < 1 || g->output[0]->name == NULL ||
	    (m->output = names_find(&L->names, m, g->output[0]->name)) < 0) {
		fz_seterr(L->err, "%s: the graph output is missing or not defined",
		    m->name);
		return -1;
	}
	return topo_sort(L);
}

void
nn_model_free(struct nn_model *m)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nval; i++) {
		free(m->val[i].name);
		free(m->val[i].c.data);
	}
	for (i = 0; i < m->nnode; i++)
		free(m->node[i].name);
	free(m->val);
	free(m->node);
	free(m->order);
	free(m->name);
	free(m);
}

static int
load_mem(const unsigned char *data, size_t len, size_t max_bytes,
    const char *name, struct nn_model **out, struct fz_err *err)
{
	struct loader L = { 0 };
	Onnx__ModelProto *mp = NULL;
	struct nn_model *m;
	int rc = -1;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->name = strdup(name)) == NULL) {
		free(m);
		fz_seterr(err, "%s: out of memory", name);
		return -1;
	}
	L.m = m;
	L.err = err;
	if (len > max_bytes) {
		fz_seterr(err, "%s: larger than %zu bytes", name, max_bytes);
		goto out;
	}
	if (len == 0 || wire_depth(data, data + len, W_MODEL, 0) != 0) {
		fz_seterr(err, "%s: not an ONNX model (malformed or too deeply "
		    "nested protobuf)", name);
		goto out;
	}
	mp = onnx__model_proto__unpack(NULL, len, data);
	if (mp == NULL) {
		fz_seterr(err, "%s: not an ONNX model (protobuf parse failed)",
		    name);
		goto out;
	}
	if (build(&L, mp) != 0)
		goto out;
	if (nn_opt_model(m, err) != 0) {
		struct fz_err e2 = *err;

		fz_seterr(err, "%s: %s", name, e2.msg);
		goto out;
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	if (mp != NULL)
		onnx__model_proto__free_unpacked(mp, NULL);
	free(L.names.slot);
	nn_model_free(m);
	return rc;
}

int
nn_model_load_mem(const unsigned char *data, size_t len, const char *name,
    struct nn_model **out, struct fz_err *err)
{
	return load_mem(data, len, NN_DEFAULT_MAX_BYTES, name, out, err);
}

int
nn_model_load(const char *path, size_t max_bytes, struct nn_model **out,
    struct fz_err *err)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd, rc;

	*out = NULL;
	if (max_bytes == 0)
		max_bytes = NN_DEFAULT_MAX_BYTES;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fz_seterr(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fz_seterr(err, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((uintmax_t)st.st_size > max_bytes) {
		fz_seterr(err, "%s: larger than %zu bytes", path, max_bytes);
		close(fd);
		return -1;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		fz_seterr(err, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fz_seterr(err, "%s: %s", path, r < 0 ? strerror(errno) :
			    "file shrank while reading");
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	rc = load_mem(buf, got, max_bytes, path, out, err);
	free(buf);
	return rc;
}
