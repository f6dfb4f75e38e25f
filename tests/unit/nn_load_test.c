/* Loader and runner tests: small models built with protobuf-c, hostile files giving errors, the real models on small inputs, threads. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"
#include "nn_graph.h"
#include "nn_kern.h"
#include "nn_ops.h"
#include "onnx.pb-c.h"
#include "unit.h"

/* ---- building models ---- */

/* Everything a built model points to, freed at once. */
static void *pool[4096];
static int npool;

static void *
keep(void *p)
{
	if (p == NULL || npool == 4096)
		abort();
	pool[npool++] = p;
	return p;
}

static void
drop_all(void)
{
	while (npool > 0)
		free(pool[--npool]);
}

static Onnx__TensorProto *
tens(int dtype, int ndim, const int64_t *dims, const void *raw, size_t rawlen)
{
	Onnx__TensorProto *t = keep(malloc(sizeof(*t)));

	onnx__tensor_proto__init(t);
	t->has_data_type = 1;
	t->data_type = dtype;
	t->n_dims = (size_t)ndim;
	t->dims = keep(malloc(sizeof(int64_t) * (size_t)(ndim + 1)));
	if (ndim > 0)
		memcpy(t->dims, dims, sizeof(int64_t) * (size_t)ndim);
	if (raw != NULL) {
		t->has_raw_data = 1;
		t->raw_data.len = rawlen;
		t->raw_data.data = keep(malloc(rawlen + 1));
		memcpy(t->raw_data.data, raw, rawlen);
	}
	return t;
}

static Onnx__AttributeProto *
attr_new(const char *name, Onnx__AttributeProto__AttributeType type)
{
	Onnx__AttributeProto *a = keep(malloc(sizeof(*a)));

	onnx__attribute_proto__init(a);
	a->name = (char *)name;
	a->has_type = 1;
	a->type = type;
	return a;
}

static Onnx__AttributeProto *
attr_i(const char *name, int64_t v)
{
	Onnx__AttributeProto *a = attr_new(name,
	    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

	a->has_i = 1;
	a->i = v;
	return a;
}

static Onnx__AttributeProto *
attr_ints(const char *name, int n, const int64_t *v)
{
	Onnx__AttributeProto *a = attr_new(name,
	    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

	a->n_ints = (size_t)n;
	a->ints = keep(malloc(sizeof(int64_t) * (size_t)(n + 1)));
	memcpy(a->ints, v, sizeof(int64_t) * (size_t)n);
	return a;
}

static Onnx__AttributeProto *
attr_t(Onnx__TensorProto *t)
{
	Onnx__AttributeProto *a = attr_new("value",
	    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);

	a->t = t;
	return a;
}

struct mb {
	Onnx__NodeProto *node[64];
	int nnode;
	int64_t opset;
};

/* A node "op" reading the comma-separated ins and writing out. */
static Onnx__NodeProto *
add(struct mb *b, const char *op, const char *ins, const char *out)
{
	Onnx__NodeProto *n = keep(malloc(sizeof(*n)));
	char *s = keep(strdup(ins)), *tok, *save = NULL;

	onnx__node_proto__init(n);
	n->op_type = (char *)op;
	n->input = keep(calloc(8, sizeof(char *)));
	for (tok = strtok_r(s, ",", &save); tok != NULL && ins[0] != '\0';
	    tok = strtok_r(NULL, ",", &save))
		n->input[n->n_input++] = strcmp(tok, "-") == 0 ? (char *)"" : tok;
	n->output = keep(calloc(1, sizeof(char *)));
	n->output[0] = (char *)out;
	n->n_output = 1;
	n->attribute = keep(calloc(8, sizeof(*n->attribute)));
	b->node[b->nnode++] = n;
	return n;
}

static void
attr(Onnx__NodeProto *n, Onnx__AttributeProto *a)
{
	n->attribute[n->n_attribute++] = a;
}

static void
cfloat(struct mb *b, const char *name, int ndim, const int64_t *dims,
    const float *v)
{
	int64_t n = 1;
	int i;

	for (i = 0; i < ndim; i++)
		n *= dims[i];
	attr(add(b, "Constant", "", name),
	    attr_t(tens(NN_F32, ndim, dims, v, (size_t)n * 4)));
}

static void
cint(struct mb *b, const char *name, int n, const int64_t *v)
{
	int64_t d = n;

	attr(add(b, "Constant", "", name), attr_t(tens(NN_I64, 1, &d, v,
	    (size_t)n * 8)));
}

/* Packs a model with graph input "x" (rank 4) and output "out". */
static unsigned char *
pack(struct mb *b, size_t *len)
{
	Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
	Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
	Onnx__OperatorSetIdProto os = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto *osp = &os;
	Onnx__ValueInfoProto in = ONNX__VALUE_INFO_PROTO__INIT,
	    out = ONNX__VALUE_INFO_PROTO__INIT, *inp = &in, *outp = &out;
	Onnx__TypeProto tp = ONNX__TYPE_PROTO__INIT;
	Onnx__TypeProto__Tensor tt = ONNX__TYPE_PROTO__TENSOR__INIT;
	Onnx__TensorShapeProto sh = ONNX__TENSOR_SHAPE_PROTO__INIT;
	Onnx__TensorShapeProto__Dimension dm[4], *dmp[4];
	unsigned char *buf;
	int i;

	for (i = 0; i < 4; i++) {
		onnx__tensor_shape_proto__dimension__init(&dm[i]);
		dmp[i] = &dm[i];
	}
	sh.n_dim = 4;
	sh.dim = dmp;
	tt.has_elem_type = 1;
	tt.elem_type = 1;
	tt.shape = &sh;
	tp.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp.tensor_type = &tt;
	in.name = (char *)"x";
	in.type = &tp;
	out.name = (char *)"out";
	os.has_version = 1;
	os.version = b->opset;
	os.domain = (char *)"";
	m.has_ir_version = 1;
	m.ir_version = 8;
	m.n_opset_import = 1;
	m.opset_import = &osp;
	m.graph = &g;
	g.n_node = (size_t)b->nnode;
	g.node = b->node;
	g.n_input = 1;
	g.input = &inp;
	g.n_output = 1;
	g.output = &outp;
	*len = onnx__model_proto__get_packed_size(&m);
	buf = malloc(*len);
	onnx__model_proto__pack(&m, buf);
	return buf;
}

/* With NN_SEED_DIR set, the models built here are also written there:
 * that is how fuzz/corpus/nn_load/ got its small valid models. */
static void
seed_out(const char *name, const unsigned char *buf, size_t len)
{
	const char *dir = getenv("NN_SEED_DIR");
	char path[512];
	FILE *f;

	if (dir == NULL || dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK(fwrite(buf, 1, len, f) == len);
		fclose(f);
	}
}

/* Loads the bytes; returns 0 or -1 and, on failure, checks a message was given. */
static int
try_load(const unsigned char *p, size_t len, struct nn_model **m,
    struct fz_err *err)
{
	int rc;

	err->msg[0] = '\0';
	rc = nn_model_load_mem(p, len, "t.onnx", m, err);
	if (rc != 0) {
		CHECK(*m == NULL);
		CHECK(strncmp(err->msg, "t.onnx: ", 8) == 0);
	}
	return rc;
}

/* Expects loading b to fail with a message containing what. */
static void
expect_fail(struct mb *b, const char *what)
{
	struct nn_model *m = NULL;
	struct fz_err err;
	size_t len;
	unsigned char *buf = pack(b, &len);

	CHECK(try_load(buf, len, &m, &err) == -1);
	if (strstr(err.msg, what) == NULL) {
		fprintf(stderr, "expected '%s' in: %s\n", what, err.msg);
		CHECK(0);
	}
	nn_model_free(m);
	free(buf);
	drop_all();
}

/* x -> Conv(3x3, pad 1) -> BatchNormalization -> hard-swish -> out */
static void
build_hswish(struct mb *b)
{
	static float w[2 * 3 * 9], bias[2], g[2] = { 1.5f, 0.5f },
	    be[2] = { 0.1f, -0.2f }, mu[2] = { 0.3f, -0.1f }, var[2] = { 2.0f, 0.5f };
	static const int64_t wd[4] = { 2, 3, 3, 3 }, cd[1] = { 2 }, pads[4] = { 1, 1, 1, 1 };
	float three = 3.0f, zero = 0.0f, six = 6.0f;
	Onnx__NodeProto *c;
	int i;

	for (i = 0; i < 54; i++)
		w[i] = (float)((i * 37) % 11) / 11.0f - 0.5f;
	bias[0] = 0.25f;
	bias[1] = -0.5f;
	b->opset = 11;
	cfloat(b, "w", 4, wd, w);
	cfloat(b, "b", 1, cd, bias);
	cfloat(b, "g", 1, cd, g);
	cfloat(b, "be", 1, cd, be);
	cfloat(b, "mu", 1, cd, mu);
	cfloat(b, "var", 1, cd, var);
	cfloat(b, "three", 0, NULL, &three);
	cfloat(b, "zero", 0, NULL, &zero);
	cfloat(b, "six", 0, NULL, &six);
	c = add(b, "Conv", "x,w,b", "c");
	attr(c, attr_ints("pads", 4, pads));
	add(b, "BatchNormalization", "c,g,be,mu,var", "bn");
	add(b, "Add", "bn,three", "t1");
	add(b, "Clip", "t1,zero,six", "t2");
	add(b, "Mul", "bn,t2", "t3");
	add(b, "Div", "t3,six", "out");
}

/* The same computation operator by operator, unfused. */
static void
test_fused_model(void)
{
	struct mb b = { 0 };
	struct nn_model *m = NULL;
	struct nn_ws *ws;
	struct fz_err err;
	size_t len, i;
	unsigned char *buf;
	struct nn_tensor in = { 0 }, out;
	float x[1 * 3 * 5 * 7], ref[2 * 35];

	build_hswish(&b);
	buf = pack(&b, &len);
	seed_out("hswish.pb", buf, len);
	CHECK(try_load(buf, len, &m, &err) == 0);
	free(buf);
	if (m == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		drop_all();
		return;
	}
	/* Folded and fused: one live node (the Conv) remains. */
	CHECK(m->norder == 1);
	for (i = 0; i < 105; i++)
		x[i] = (float)((i * 13) % 17) / 4.0f - 2.0f;
	in.ndim = 4;
	in.dims[0] = 1;
	in.dims[1] = 3;
	in.dims[2] = 5;
	in.dims[3] = 7;
	in.data = x;
	/* Reference: the ops one by one through the operator layer. */
	{
		struct nn_node nd;
		struct nn_t tx = { NN_F32, 4, { 1, 3, 5, 7 }, x }, tw, tb, tc, tbn,
		    p[4];
		const struct nn_t *ins[5];
		struct nn_scratch s = { 0 };
		float cbuf[70], bnbuf[70];
		int k;

		memset(&nd, 0, sizeof(nd));
		nd.name = (char *)"ref";
		nd.op = NN_OP_CONV;
		nd.nin = 3;
		nd.a.group = 1;
		nd.a.strides[0] = nd.a.strides[1] = nd.a.dil[0] = nd.a.dil[1] = 1;
		nd.a.pads[0] = nd.a.pads[1] = nd.a.pads[2] = nd.a.pads[3] = 1;
		memset(&tw, 0, sizeof(tw));
		tw.dtype = NN_F32;
		tw.ndim = 4;
		tw.dims[0] = 2;
		tw.dims[1] = 3;
		tw.dims[2] = tw.dims[3] = 3;
		tw.data = b.node[0]->attribute[0]->t->raw_data.data;
		memset(&tb, 0, sizeof(tb));
		tb.dtype = NN_F32;
		tb.ndim = 1;
		tb.dims[0] = 2;
		tb.data = b.node[1]->attribute[0]->t->raw_data.data;
		ins[0] = &tx;
		ins[1] = &tw;
		ins[2] = &tb;
		memset(&tc, 0, sizeof(tc));
		CHECK(nn_op_shape(&nd, ins, &tc, &err) == 0);
		tc.data = cbuf;
		CHECK(nn_op_exec(&nd, ins, &tc, &s, &err) == 0);
		nd.op = NN_OP_BATCHNORM;
		nd.nin = 5;
		nd.a.eps = 1e-5f;
		for (k = 0; k < 4; k++) {
			p[k] = tb;
			p[k].data = b.node[2 + k]->attribute[0]->t->raw_data.data;
			ins[1 + k] = &p[k];
		}
		ins[0] = &tc;
		tbn = tc;
		tbn.data = bnbuf;
		CHECK(nn_op_exec(&nd, ins, &tbn, &s, &err) == 0);
		for (k = 0; k < 70; k++) {
			float v = bnbuf[k], t = v + 3.0f;

			t = t < 0.0f ? 0.0f : t > 6.0f ? 6.0f : t;
			ref[k] = v * t / 6.0f;
		}
		nn_scratch_free(&s);
	}
	ws = nn_ws_new(m);
	CHECK(ws != NULL);
	CHECK(nn_run(m, ws, &in, &out, &err) == 0);
	CHECK(out.ndim == 4 && out.dims[1] == 2 && out.dims[2] == 5 && out.dims[3] == 7);
	for (i = 0; i < 70; i++)
		if (fabsf(out.data[i] - ref[i]) > 1e-5f)
			break;
	CHECK(i == 70);
	/* The wrong rank and a zero dimension are errors. */
	in.ndim = 3;
	CHECK(nn_run(m, ws, &in, &out, &err) == -1);
	in.ndim = 4;
	in.dims[2] = 0;
	CHECK(nn_run(m, ws, &in, &out, &err) == -1);
	/* Four channels for a three-channel convolution: an error naming the node. */
	in.dims[1] = 2;
	in.dims[2] = 5;
	CHECK(nn_run(m, ws, &in, &out, &err) == -1);
	CHECK(strstr(err.msg, "Conv") != NULL);
	nn_ws_free(ws);
	nn_model_free(m);
	drop_all();
}

/* Shapes computed from the input at run time: out = Reshape(x, [N, C, -1]). */
static void
test_dynamic_shapes(void)
{
	static const int64_t st[1] = { 0 }, en[1] = { 2 }, ax[1] = { 0 }, m1[1] = { -1 };
	struct mb b = { 0 };
	struct nn_model *m = NULL;
	struct nn_ws *ws;
	struct fz_err err;
	struct nn_tensor in = { 0 }, out;
	unsigned char *buf;
	size_t len;
	int k;
	float x[2 * 3 * 4 * 5];

	b.opset = 11;
	cint(&b, "st", 1, st);
	cint(&b, "en", 1, en);
	cint(&b, "ax", 1, ax);
	cint(&b, "m1", 1, m1);
	add(&b, "Shape", "x", "s");
	add(&b, "Slice", "s,st,en,ax", "nc");
	attr(add(&b, "Concat", "nc,m1", "shape"), attr_i("axis", 0));
	add(&b, "Reshape", "x,shape", "out");
	buf = pack(&b, &len);
	seed_out("dynamic.pb", buf, len);
	CHECK(try_load(buf, len, &m, &err) == 0);
	free(buf);
	drop_all();
	if (m == NULL)
		return;
	ws = nn_ws_new(m);
	for (k = 0; k < 120; k++)
		x[k] = (float)k;
	in.ndim = 4;
	in.data = x;
	for (k = 0; k < 3; k++) {
		in.dims[0] = k == 1 ? 1 : 2;
		in.dims[1] = 3;
		in.dims[2] = k == 2 ? 2 : 4;
		in.dims[3] = 5;
		CHECK(nn_run(m, ws, &in, &out, &err) == 0);
		CHECK(out.ndim == 3 && out.dims[0] == in.dims[0] && out.dims[1] == 3 &&
		    out.dims[2] == in.dims[2] * 5);
		CHECK(out.data[7] == 7.0f);
	}
	nn_ws_free(ws);
	nn_model_free(m);
}

static Onnx__AttributeProto *
attr_f(const char *name, float v)
{
	Onnx__AttributeProto *a = attr_new(name,
	    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

	a->has_f = 1;
	a->f = v;
	return a;
}

static Onnx__AttributeProto *
attr_s(const char *name, const char *v)
{
	Onnx__AttributeProto *a = attr_new(name,
	    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);

	a->has_s = 1;
	a->s.data = (uint8_t *)v;
	a->s.len = strlen(v);
	return a;
}

/* Runs b on a 1x3x32x32 input and checks the output dims. */
static void
run_zoo(struct mb *b, const char *seed, int ndim, const int64_t *want)
{
	struct nn_model *m = NULL;
	struct nn_ws *ws;
	struct fz_err err;
	struct nn_tensor in = { 0 }, out;
	static float x[3 * 32 * 32];
	unsigned char *buf;
	size_t len;
	int i, same;

	buf = pack(b, &len);
	seed_out(seed, buf, len);
	drop_all();
	CHECK(try_load(buf, len, &m, &err) == 0);
	free(buf);
	if (m == NULL) {
		fprintf(stderr, "%s: %s\n", seed, err.msg);
		return;
	}
	for (i = 0; i < 3 * 32 * 32; i++)
		x[i] = (float)(i % 13) / 6.0f - 1.0f;
	in.ndim = 4;
	in.dims[0] = 1;
	in.dims[1] = 3;
	in.dims[2] = in.dims[3] = 32;
	in.data = x;
	ws = nn_ws_new(m);
	CHECK(nn_run(m, ws, &in, &out, &err) == 0);
	same = out.ndim == ndim;
	for (i = 0; same && i < ndim; i++)
		same = out.dims[i] == want[i];
	CHECK(same);
	for (i = 0; same && i < (int)(want[0] * (ndim > 1 ? want[1] : 1)); i++)
		CHECK(isfinite(out.data[i]));
	/* A workspace capped too low says so. */
	nn_ws_set_limit(ws, 4096);
	CHECK(nn_run(m, ws, &in, &out, &err) == -1);
	nn_ws_free(ws);
	ws = nn_ws_new(m);
	nn_ws_set_limit(ws, 4096);
	CHECK(nn_run(m, ws, &in, &out, &err) == -1);
	CHECK(strstr(err.msg, "workspace limit") != NULL);
	nn_ws_free(ws);
	nn_model_free(m);
}

/* The opset-9 operators of rec and the opset-11 ones of det, in two small graphs. */
static void
test_zoo(void)
{
	static const int64_t k2[2] = { 2, 2 }, s2[2] = { 2, 2 }, z4[4] = { 0, 0, 0, 0 };
	static const int64_t shp[3] = { 1, 3, 256 }, perm[3] = { 0, 2, 1 }, wd[2] = { 3, 4 };
	static const int64_t m1[1] = { -1 }, ax1[1] = { 1 }, st0[1] = { 0 }, en10[1] = { 10 };
	static const int64_t ax0[1] = { 0 }, two[1] = { 2 };
	static const int64_t w1d[4] = { 4, 3, 1, 1 }, wtd[4] = { 4, 2, 2, 2 }, sd[1] = { 4 };
	static float w[12], w1[12], wt[32], sc[4] = { 1, 1, 0.5f, 0.5f };
	float p2 = 2.0f;
	struct mb b;
	Onnx__NodeProto *n;
	int i;

	for (i = 0; i < 12; i++)
		w[i] = w1[i] = (float)(i % 5) / 5.0f - 0.4f;
	for (i = 0; i < 32; i++)
		wt[i] = (float)(i % 7) / 7.0f - 0.5f;
	memset(&b, 0, sizeof(b));
	b.opset = 9;
	cint(&b, "shp", 3, shp);
	cfloat(&b, "w", 2, wd, w);
	cfloat(&b, "p2", 0, NULL, &p2);
	cint(&b, "two", 1, two);
	n = add(&b, "AveragePool", "x", "ap");
	attr(n, attr_ints("kernel_shape", 2, k2));
	attr(n, attr_ints("strides", 2, s2));
	attr(n, attr_ints("pads", 4, z4));
	attr(n, attr_i("count_include_pad", 0));
	add(&b, "Reshape", "ap,shp", "r");
	attr(add(&b, "Transpose", "r", "t"), attr_ints("perm", 3, perm));
	add(&b, "MatMul", "t,w", "mm");
	n = add(&b, "ReduceMean", "mm", "rm");
	attr(n, attr_ints("axes", 1, m1));
	add(&b, "Sub", "mm,rm", "d");
	add(&b, "Pow", "d,p2", "sq");
	add(&b, "Sqrt", "sq", "ab");
	n = add(&b, "HardSigmoid", "ab", "hs");
	attr(n, attr_f("alpha", 0.3f));
	add(&b, "Sigmoid", "hs", "sg");
	n = add(&b, "Clip", "sg", "cl");
	attr(n, attr_f("min", 0.6f));
	attr(n, attr_f("max", 0.7f));
	attr(add(&b, "Softmax", "cl", "sm"), attr_i("axis", 2));
	n = add(&b, "Slice", "sm", "sl");
	attr(n, attr_ints("axes", 1, ax1));
	attr(n, attr_ints("starts", 1, st0));
	attr(n, attr_ints("ends", 1, en10));
	attr(add(&b, "Squeeze", "sl", "sq0"), attr_ints("axes", 1, ax0));
	add(&b, "Shape", "x", "xs");
	add(&b, "Gather", "xs,two", "h");
	attr(add(&b, "Cast", "h", "hf"), attr_i("to", 1));
	add(&b, "Mul", "sq0,hf", "out");
	{
		int64_t want[2] = { 10, 4 };

		run_zoo(&b, "zoo9.pb", 2, want);
	}
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	cfloat(&b, "w1", 4, w1d, w1);
	cfloat(&b, "wt", 4, wtd, wt);
	cfloat(&b, "roi", 1, (const int64_t[]){ 0 }, NULL);
	cfloat(&b, "sc", 1, sd, sc);
	add(&b, "Conv", "x,w1", "c");
	n = add(&b, "ConvTranspose", "c,wt", "ct");
	attr(n, attr_ints("kernel_shape", 2, k2));
	attr(n, attr_ints("strides", 2, s2));
	n = add(&b, "Resize", "ct,roi,sc", "rs");
	attr(n, attr_s("mode", "nearest"));
	attr(n, attr_s("coordinate_transformation_mode", "asymmetric"));
	attr(n, attr_s("nearest_mode", "floor"));
	attr(add(&b, "Concat", "rs,x", "cc"), attr_i("axis", 1));
	add(&b, "GlobalAveragePool", "cc", "gp");
	add(&b, "Relu", "gp", "out");
	{
		int64_t want[4] = { 1, 5, 1, 1 };

		run_zoo(&b, "zoo11.pb", 4, want);
	}
}

static void
test_hostile_graphs(void)
{
	struct mb b;
	static const int64_t d4[1] = { 4 }, huge[2] = { (int64_t)1 << 40, 1 << 20 };
	float f4[4] = { 1, 2, 3, 4 };

	/* An operator the runtime does not have, named in the error. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	add(&b, "LSTM", "x", "out");
	expect_fail(&b, "operator LSTM is not supported");
	/* An input nobody defines. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	add(&b, "Add", "x,ghost", "out");
	expect_fail(&b, "input 'ghost' is not defined");
	/* A cycle. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	add(&b, "Add", "x,b2", "a2");
	add(&b, "Relu", "a2", "b2");
	add(&b, "Relu", "b2", "out");
	expect_fail(&b, "cycle");
	/* A node reading its own output. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	add(&b, "Add", "x,out", "out");
	expect_fail(&b, "cycle");
	/* A value defined twice. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	add(&b, "Relu", "x", "out");
	add(&b, "Relu", "x", "out");
	expect_fail(&b, "defined twice");
	/* Unsupported opsets. */
	memset(&b, 0, sizeof(b));
	b.opset = 13;
	add(&b, "Relu", "x", "out");
	expect_fail(&b, "opset 13 is not supported");
	memset(&b, 0, sizeof(b));
	b.opset = 7;
	add(&b, "Relu", "x", "out");
	expect_fail(&b, "opset 7");
	/* Absurd dimensions, and data that does not match the dimensions. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	attr(add(&b, "Constant", "", "k"), attr_t(tens(NN_F32, 2, huge, f4, 16)));
	add(&b, "Add", "x,k", "out");
	expect_fail(&b, "absurd tensor dimensions");
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	attr(add(&b, "Constant", "", "k"), attr_t(tens(NN_F32, 1, d4, f4, 12)));
	add(&b, "Add", "x,k", "out");
	expect_fail(&b, "does not match its dimensions");
	/* A huge claim with no data at all. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	{
		int64_t big[1] = { (int64_t)1 << 25 };

		attr(add(&b, "Constant", "", "k"), attr_t(tens(NN_F32, 1, big, NULL, 0)));
	}
	add(&b, "Add", "x,k", "out");
	expect_fail(&b, "does not match");
	/* An unsupported data type. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	attr(add(&b, "Constant", "", "k"), attr_t(tens(11, 1, d4, f4, 16)));
	add(&b, "Add", "x,k", "out");
	expect_fail(&b, "data type 11 is not supported");
	/* Wrong input counts, unknown attributes, Clip with inputs at opset 9. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	add(&b, "Relu", "x,x", "out");
	expect_fail(&b, "Relu with 2 inputs");
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	attr(add(&b, "Relu", "x", "out"), attr_i("banana", 1));
	expect_fail(&b, "attribute 'banana' is not supported");
	memset(&b, 0, sizeof(b));
	b.opset = 9;
	cfloat(&b, "lo", 0, NULL, f4);
	add(&b, "Clip", "x,lo", "out");
	expect_fail(&b, "Clip takes one input before opset 11");
	/* A required input left out. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	add(&b, "Conv", "x,-", "out");
	expect_fail(&b, "required input is missing");
	/* Constant folding of a malformed constant subgraph is an error, not a crash. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	{
		int64_t bad[2] = { 3, 5 };

		cfloat(&b, "k4", 1, d4, f4);
		cint(&b, "sh", 2, bad);
		add(&b, "Reshape", "k4,sh", "r");
		add(&b, "Add", "x,r", "out");
	}
	expect_fail(&b, "element count changes");
	/* An output that does not depend on the input. */
	memset(&b, 0, sizeof(b));
	b.opset = 11;
	cfloat(&b, "k4", 1, d4, f4);
	add(&b, "Relu", "k4", "out");
	expect_fail(&b, "does not depend on its input");
}

/* Bytes of a message nested depth times through Attribute.g -> Graph.node -> Node.attribute. */
static size_t
put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v > 0);
	return n;
}

static void
test_hostile_bytes(void)
{
	static unsigned char a[1 << 16], t[1 << 16];
	struct nn_model *m = NULL;
	struct fz_err err;
	struct mb b = { 0 };
	unsigned char *buf;
	size_t len = 0, i, n, k;
	int fails = 0, depth;

	/* Deep nesting: rejected before protobuf-c recurses into it. */
	for (depth = 0; depth < 3000; depth++) {
		/* wrap a as: Node{attribute=5:Attr{g=6:Graph{node=1:...}}} */
		static const int fields[3] = { 1, 6, 5 };
		int f = fields[depth % 3];

		t[0] = (unsigned char)(f << 3 | 2);
		n = 1 + put_varint(t + 1, len);
		if (n + len > sizeof(a) - 16)
			break;
		memcpy(t + n, a, len);
		memcpy(a, t, n + len);
		len += n;
	}
	/* a is a NodeProto; inside Model.graph(7) -> Graph.node(1). */
	t[0] = 1 << 3 | 2;
	n = 1 + put_varint(t + 1, len);
	memmove(a + n, a, len);
	memcpy(a, t, n);
	len += n;
	t[0] = 7 << 3 | 2;
	n = 1 + put_varint(t + 1, len);
	memmove(a + n, a, len);
	memcpy(a, t, n);
	len += n;
	CHECK(try_load(a, len, &m, &err) == -1);
	CHECK(strstr(err.msg, "nested") != NULL);
	/* Empty and garbage input. */
	CHECK(try_load(a, 0, &m, &err) == -1);
	memset(a, 0xff, 64);
	CHECK(try_load(a, 64, &m, &err) == -1);
	/* Every prefix of a valid model: an error or (cut at a field boundary) a model. */
	build_hswish(&b);
	buf = pack(&b, &len);
	drop_all();
	CHECK(try_load(buf, len, &m, &err) == 0);
	nn_model_free(m);
	for (i = 0; i < len; i++) {
		if (try_load(buf, i, &m, &err) != 0)
			fails++;
		nn_model_free(m);
	}
	CHECK(fails > (int)len * 9 / 10);
	/* Single byte corruptions: never a crash. */
	for (k = 0; k < 2000; k++) {
		unsigned char *c = malloc(len);

		memcpy(c, buf, len);
		c[(k * 7919) % len] ^= (unsigned char)(1u << (k % 8));
		if (try_load(c, len, &m, &err) == 0)
			nn_model_free(m);
		free(c);
	}
	CHECK(1);
	free(buf);
}

/* ---- the real models ---- */

static const char *
model_path(const char *file)
{
	static char path[2][512];
	static int k;
	const char *dir = getenv("FAIZ_MODELS");

	if (dir == NULL || dir[0] == '\0')
		dir = "models";
	k ^= 1;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, file);
	return path[k];
}

struct job {
	const struct nn_model *m;
	const struct nn_tensor *in;
	float *out;
	size_t n;
	int rc;
};

static void *
worker(void *arg)
{
	struct job *j = arg;
	struct nn_ws *ws = nn_ws_new(j->m);
	struct nn_tensor out;
	struct fz_err err;
	int r;

	j->rc = ws == NULL ? -1 : 0;
	for (r = 0; r < 3 && j->rc == 0; r++) {
		if (nn_run(j->m, ws, j->in, &out, &err) != 0) {
			j->rc = -1;
			break;
		}
		/* Every repetition must give the same bytes. */
		if (r == 0)
			memcpy(j->out, out.data, j->n * sizeof(float));
		else if (memcmp(j->out, out.data, j->n * sizeof(float)) != 0)
			j->rc = -1;
	}
	nn_ws_free(ws);
	return NULL;
}

static void
fill(float *x, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		x[i] = (float)((seed >> 16) & 0x7fff) / 16384.0f - 1.0f;
	}
}

static void
test_real_models(void)
{
	struct nn_model *det = NULL, *rec = NULL, *m = NULL;
	struct nn_ws *ws;
	struct fz_err err;
	struct nn_tensor in = { 0 }, out;
	static float x[3 * 64 * 96], xr[3 * 48 * 64];
	int64_t i, t, c;
	int bad = 0;

	CHECK(nn_model_load(model_path("ch_PP-OCRv4_det_infer.onnx"), 0, &det, &err) == 0);
	CHECK(nn_model_load(model_path("ch_PP-OCRv4_rec_infer.onnx"), 0, &rec, &err) == 0);
	if (det == NULL || rec == NULL) {
		fprintf(stderr, "nn_load: %s\n", err.msg);
		nn_model_free(det);
		nn_model_free(rec);
		return;
	}
	/* Too small a limit, a missing file, a directory. */
	CHECK(nn_model_load(model_path("ch_PP-OCRv4_rec_infer.onnx"), 1 << 20, &m, &err) == -1);
	CHECK(strstr(err.msg, "larger than") != NULL);
	CHECK(nn_model_load("no/such/model.onnx", 0, &m, &err) == -1);
	CHECK(strstr(err.msg, "no/such/model.onnx") != NULL);
	CHECK(nn_model_load("tests", 0, &m, &err) == -1);
	/* det: a probability map of the input's size. */
	fill(x, sizeof(x) / sizeof(x[0]), 1);
	in.ndim = 4;
	in.dims[0] = 1;
	in.dims[1] = 3;
	in.dims[2] = 64;
	in.dims[3] = 96;
	in.data = x;
	ws = nn_ws_new(det);
	CHECK(nn_run(det, ws, &in, &out, &err) == 0);
	CHECK(out.ndim == 4 && out.dims[0] == 1 && out.dims[1] == 1 &&
	    out.dims[2] == 64 && out.dims[3] == 96);
	for (i = 0; i < 64 * 96; i++)
		bad += !(out.data[i] >= 0.0f && out.data[i] <= 1.0f);
	CHECK(bad == 0);
	/* A size that is not a multiple of 32 does not fit the model's upsampling path: an error, cleanly. */
	in.dims[2] = 50;
	CHECK(nn_run(det, ws, &in, &out, &err) == -1);
	CHECK(strstr(err.msg, "do not broadcast") != NULL);
	nn_ws_free(ws);
	/* rec: per-step class probabilities summing to one. */
	fill(xr, sizeof(xr) / sizeof(xr[0]), 2);
	in.dims[2] = 48;
	in.dims[3] = 64;
	in.data = xr;
	ws = nn_ws_new(rec);
	CHECK(nn_run(rec, ws, &in, &out, &err) == 0);
	CHECK(out.ndim == 3 && out.dims[0] == 1 && out.dims[1] == 8 &&
	    out.dims[2] == 6625);
	for (t = 0; t < out.dims[1]; t++) {
		double s = 0;

		for (c = 0; c < 6625; c++) {
			float p = out.data[t * 6625 + c];

			bad += !(p >= 0.0f && p <= 1.0f);
			s += p;
		}
		bad += fabs(s - 1.0) > 1e-3;
	}
	CHECK(bad == 0);
	/* Two threads with their own workspaces share the model and agree bit for bit. */
	{
		size_t n = (size_t)(out.dims[1] * 6625);
		float *one = malloc(n * sizeof(float));
		struct job j[2];
		pthread_t th[2];
		int k;

		memcpy(one, out.data, n * sizeof(float));
		for (k = 0; k < 2; k++) {
			j[k].m = rec;
			j[k].in = &in;
			j[k].n = n;
			j[k].out = malloc(n * sizeof(float));
			CHECK(pthread_create(&th[k], NULL, worker, &j[k]) == 0);
		}
		for (k = 0; k < 2; k++) {
			pthread_join(th[k], NULL);
			CHECK(j[k].rc == 0);
			CHECK(memcmp(j[k].out, one, n * sizeof(float)) == 0);
			free(j[k].out);
		}
		free(one);
	}
	/* A workspace made for det is refused for rec. */
	{
		struct nn_ws *wd = nn_ws_new(det);

		CHECK(nn_run(rec, wd, &in, &out, &err) == -1);
		nn_ws_free(wd);
	}
	nn_ws_free(ws);
	nn_model_free(det);
	nn_model_free(rec);
}

/* The real files cut short: errors, never crashes. */
static void
test_truncated_real(void)
{
	FILE *f = fopen(model_path("ch_PP-OCRv4_rec_infer.onnx"), "rb");
	static unsigned char buf[1 << 20];
	struct nn_model *m = NULL;
	struct fz_err err;
	size_t n, cut;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CHECK(n == sizeof(buf));
	for (cut = 1; cut < n; cut = cut * 3 + 7) {
		CHECK(try_load(buf, cut, &m, &err) == -1);
		nn_model_free(m);
	}
}

int
main(void)
{
	test_fused_model();
	test_dynamic_shapes();
	test_zoo();
	test_hostile_graphs();
	test_hostile_bytes();
	test_truncated_real();
	test_real_models();
	return unit_done("nn_load");
}
