/* Load-time graph rewriting: fold constants, fold BatchNormalization and per-channel affines into convolutions, fuse element-wise epilogues. */
#include "nn_opt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"

static int
is_const(const struct nn_model *m, int v)
{
	return v >= 0 && m->val[v].is_const;
}

/* Who reads each value: built once per pass; dead readers are skipped
 * when walking, and absorbing a node keeps the lists valid because the
 * anchor takes over the absorbed node's output value. */
struct uses {
	int *first, *next, *user;
	int nv;
};

static void
uses_free(struct uses *u)
{
	free(u->first);
	free(u->next);
	free(u->user);
	memset(u, 0, sizeof(*u));
}

/* Use counts over live nodes (and the graph output), and the reader lists. */
static int
count_uses(struct nn_model *m, struct uses *u)
{
	size_t nedge = (size_t)m->nnode * NN_MAX_IN + 1;
	int i, j, e = 0;

	uses_free(u);
	u->nv = m->nval;
	u->first = malloc(((size_t)m->nval + 1) * sizeof(int));
	u->next = malloc(nedge * sizeof(int));
	u->user = malloc(nedge * sizeof(int));
	if (u->first == NULL || u->next == NULL || u->user == NULL)
		return -1;
	for (i = 0; i < m->nval; i++) {
		m->val[i].nuse = 0;
		u->first[i] = -1;
	}
	for (i = m->nnode - 1; i >= 0; i--) {
		if (m->node[i].dead)
			continue;
		for (j = 0; j < m->node[i].nin; j++) {
			int v = m->node[i].in[j];

			if (v < 0)
				continue;
			m->val[v].nuse++;
			u->user[e] = i;
			u->next[e] = u->first[v];
			u->first[v] = e++;
		}
	}
	m->val[m->output].nuse++;
	return 0;
}

/* The first live reader of value v, or -1. */
static int
consumer(const struct nn_model *m, const struct uses *u, int v)
{
	int e;

	if (v < 0 || v >= u->nv)
		return -1;
	for (e = u->first[v]; e >= 0; e = u->next[e])
		if (!m->node[u->user[e]].dead)
			return u->user[e];
	return -1;
}

/* Evaluates every node whose inputs are all constant, once, at load. */
static int
fold_constants(struct nn_model *m, struct fz_err *err)
{
	struct nn_scratch s = { 0 };
	size_t folded = 0;
	int k, j, rc = -1;

	for (k = 0; k < m->norder; k++) {
		struct nn_node *nd = &m->node[m->order[k]];
		const struct nn_t *in[NN_MAX_IN] = { 0 };
		struct nn_value *o = &m->val[nd->out];
		int64_t n;
		size_t bytes;

		if (nd->op == NN_OP_CONSTANT) {
			nd->dead = 1;
			continue;
		}
		for (j = 0; j < nd->nin; j++) {
			if (nd->in[j] >= 0 && !is_const(m, nd->in[j]))
				break;
			in[j] = nd->in[j] >= 0 ? &m->val[nd->in[j]].c : NULL;
		}
		if (j < nd->nin)
			continue;
		if (nn_op_shape(nd, in, &o->c, err) != 0)
			goto out;
		n = nn_numel(&o->c);
		bytes = (size_t)n * nn_dtype_size(o->c.dtype);
		folded += bytes;
		if (folded > NN_MAX_FOLD_BYTES) {
			fz_seterr(err, "node %.64s: folded constants too large",
			    nd->name);
			goto out;
		}
		o->c.data = malloc(bytes > 0 ? bytes : 1);
		if (o->c.data == NULL) {
			fz_seterr(err, "out of memory");
			goto out;
		}
		if (nn_op_exec(nd, in, &o->c, &s, err) != 0)
			goto out;
		o->is_const = 1;
		nd->dead = 1;
	}
	rc = 0;
out:
	nn_scratch_free(&s);
	return rc;
}

/* Per-output-channel view of a constant c broadcast against a 4-D [N,M,H,W]
 * output: 1 if c is a scalar or [M,1,1]/[1,M,1,1]-like; *per_ch says which. */
static int
channel_const(const struct nn_t *c, int64_t mch, int *per_ch)
{
	int64_t n = nn_numel(c);
	int i;

	if (c->dtype != NN_F32 || c->ndim > 4 || n < 1)
		return 0;
	if (n == 1) {
		*per_ch = 0;
		return 1;
	}
	for (i = 0; i < c->ndim; i++) {
		int pos = 4 - c->ndim + i;

		if (c->dims[i] != 1 && !(pos == 1 && c->dims[i] == mch))
			return 0;
	}
	*per_ch = 1;
	return 1;
}

/* A new constant value (for a bias a convolution did not have). */
static int
new_const(struct nn_model *m, int *capval, int64_t len, const char *name)
{
	struct nn_value *v;

	if (m->nval >= *capval) {
		int cap = *capval * 2 + 8;
		struct nn_value *nv = realloc(m->val, (size_t)cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		m->val = nv;
		*capval = cap;
	}
	v = &m->val[m->nval];
	memset(v, 0, sizeof(*v));
	v->producer = -1;
	v->is_const = 1;
	v->name = malloc(strlen(name) + 6);
	v->c.dtype = NN_F32;
	v->c.ndim = 1;
	v->c.dims[0] = len;
	v->c.data = calloc((size_t)(len > 0 ? len : 1), sizeof(float));
	if (v->name == NULL || v->c.data == NULL) {
		free(v->name);
		free(v->c.data);
		return -1;
	}
	strcpy(v->name, name);
	strcat(v->name, ".bias");
	return m->nval++;
}

/*
 * Folds into a convolution with constant, unshared weights the per-channel
 * affine maps that follow it alone: BatchNormalization, and Mul/Add/Sub by
 * a scalar or per-channel constant. y*s + t per channel becomes W*s and
 * B*s + t, which changes results only by float rounding.
 */
static int
fold_affine(struct nn_model *m, struct uses *us, int *capval)
{
	int i;

	if (count_uses(m, us) != 0)
		return -1;
	for (i = 0; i < m->nnode; i++) {
		struct nn_node *cv = &m->node[i];
		int tr = cv->op == NN_OP_CONVTRANSPOSE;
		struct nn_t *w;
		int64_t mch, per, cg, mg, c, j, kk;

		if (cv->dead || (cv->op != NN_OP_CONV && !tr))
			continue;
		if (!is_const(m, cv->in[1]) || m->val[cv->in[1]].nuse != 1 ||
		    (cv->nin > 2 && cv->in[2] >= 0 &&
		    (!is_const(m, cv->in[2]) || m->val[cv->in[2]].nuse != 1)))
			continue;
		w = &m->val[cv->in[1]].c;
		if (w->ndim != 4 || w->dtype != NN_F32 || cv->a.group < 1)
			continue;
		mch = tr ? w->dims[1] * cv->a.group : w->dims[0];
		if (mch < 1 || (!tr && mch % cv->a.group != 0) ||
		    (tr && w->dims[0] % cv->a.group != 0))
			continue;
		if (cv->nin > 2 && cv->in[2] >= 0) {
			struct nn_t *b = &m->val[cv->in[2]].c;

			if (b->ndim != 1 || b->dims[0] != mch || b->dtype != NN_F32)
				continue;
		}
		per = nn_numel(w) / mch;
		for (;;) {
			int v = cv->out, u, k, per_ch = 0, other = -1, sub = 0;
			struct nn_node *nu;
			float *sc, *sh, *bias;

			if (v == m->output || m->val[v].nuse != 1)
				break;
			u = consumer(m, us, v);
			if (u < 0)
				break;
			nu = &m->node[u];
			if (nu->op == NN_OP_BATCHNORM) {
				if (nu->in[0] != v)
					break;
				for (k = 1; k < 5; k++) {
					struct nn_t *p = &m->val[nu->in[k]].c;

					if (!is_const(m, nu->in[k]) || p->dtype != NN_F32 ||
					    p->ndim != 1 || p->dims[0] != mch)
						break;
				}
				if (k < 5)
					break;
			} else if (nu->op == NN_OP_ADD || nu->op == NN_OP_MUL ||
			    nu->op == NN_OP_SUB) {
				other = nu->in[0] == v ? nu->in[1] : nu->in[0];
				if (nu->in[0] == nu->in[1] || !is_const(m, other) ||
				    !channel_const(&m->val[other].c, mch, &per_ch))
					break;
				if (nu->op == NN_OP_SUB) {
					if (nu->in[0] != v)
						break;
					sub = 1;
				}
			} else {
				break;
			}
			sc = malloc((size_t)mch * sizeof(float));
			sh = malloc((size_t)mch * sizeof(float));
			if (sc == NULL || sh == NULL) {
				free(sc);
				free(sh);
				return -1;
			}
			for (c = 0; c < mch; c++) {
				if (nu->op == NN_OP_BATCHNORM) {
					const float *g = m->val[nu->in[1]].c.data;
					const float *be = m->val[nu->in[2]].c.data;
					const float *mu = m->val[nu->in[3]].c.data;
					const float *var = m->val[nu->in[4]].c.data;

					sc[c] = g[c] / sqrtf(var[c] + nu->a.eps);
					sh[c] = be[c] - mu[c] * sc[c];
				} else {
					const float *o = m->val[other].c.data;
					float x = o[per_ch ? c : 0];

					sc[c] = nu->op == NN_OP_MUL ? x : 1.0f;
					sh[c] = nu->op == NN_OP_MUL ? 0.0f : sub ? -x : x;
				}
			}
			/* Scale the weights of each output channel. */
			if (!tr) {
				for (c = 0; c < mch; c++)
					for (j = 0; j < per; j++)
						((float *)w->data)[c * per + j] *= sc[c];
			} else {
				cg = w->dims[0] / cv->a.group;
				mg = w->dims[1];
				kk = w->dims[2] * w->dims[3];
				for (c = 0; c < w->dims[0]; c++)
					for (j = 0; j < mg * kk; j++)
						((float *)w->data)[c * mg * kk + j] *=
						    sc[(c / cg) * mg + j / kk];
			}
			if (cv->nin < 3 || cv->in[2] < 0) {
				int b = new_const(m, capval, mch, cv->name);

				if (b < 0) {
					free(sc);
					free(sh);
					return -1;
				}
				cv = &m->node[i];
				cv->nin = 3;
				cv->in[2] = b;
				m->val[b].nuse = 1;
			}
			w = &m->val[cv->in[1]].c; /* m->val may have moved */
			bias = m->val[cv->in[2]].c.data;
			for (c = 0; c < mch; c++)
				bias[c] = bias[c] * sc[c] + sh[c];
			free(sc);
			free(sh);
			/* The convolution now produces the folded node's output. */
			nu->dead = 1;
			cv->out = nu->out;
			m->val[cv->out].producer = i;
			m->val[v].nuse = 0;
		}
	}
	return 0;
}

/* The epilogue step for node u applied to value v, if u is element-wise
 * with only scalar constants besides v. */
static int
ep_step(const struct nn_model *m, const struct nn_node *u, int v,
    struct nn_epstep *st)
{
	int other, first;
	const struct nn_t *c;

	memset(st, 0, sizeof(*st));
	switch (u->op) {
	case NN_OP_RELU:
		st->op = NN_EP_RELU;
		return u->in[0] == v;
	case NN_OP_SIGMOID:
		st->op = NN_EP_SIGMOID;
		return u->in[0] == v;
	case NN_OP_HARDSIGMOID:
		st->op = NN_EP_HSIG;
		st->c = u->a.alpha;
		st->c2 = u->a.beta;
		return u->in[0] == v;
	case NN_OP_CLIP:
		if (u->in[0] != v)
			return 0;
		st->op = NN_EP_CLIP;
		st->c = u->a.cmin;
		st->c2 = u->a.cmax;
		if (u->nin > 1 && u->in[1] >= 0) {
			c = &m->val[u->in[1]].c;
			if (!is_const(m, u->in[1]) || c->dtype != NN_F32 ||
			    nn_numel(c) != 1 || c->ndim > 1)
				return 0;
			st->c = ((const float *)c->data)[0];
		}
		if (u->nin > 2 && u->in[2] >= 0) {
			c = &m->val[u->in[2]].c;
			if (!is_const(m, u->in[2]) || c->dtype != NN_F32 ||
			    nn_numel(c) != 1 || c->ndim > 1)
				return 0;
			st->c2 = ((const float *)c->data)[0];
		}
		return 1;
	case NN_OP_ADD:
	case NN_OP_SUB:
	case NN_OP_MUL:
	case NN_OP_DIV:
		if (u->in[0] == u->in[1])
			return 0;
		first = u->in[0] == v;
		other = first ? u->in[1] : u->in[0];
		if (!first && u->in[1] != v)
			return 0;
		if (!is_const(m, other))
			return 0;
		c = &m->val[other].c;
		/* Rank at most 1 so broadcasting leaves v's shape unchanged for rank >= 1. */
		if (c->dtype != NN_F32 || nn_numel(c) != 1 || c->ndim > 1)
			return 0;
		st->c = ((const float *)c->data)[0];
		st->rank1 = c->ndim == 1;
		st->op = u->op == NN_OP_ADD ? NN_EP_ADD :
		    u->op == NN_OP_MUL ? NN_EP_MUL :
		    u->op == NN_OP_SUB ? (first ? NN_EP_SUB : NN_EP_RSUB) :
		    (first ? NN_EP_DIV : NN_EP_RDIV);
		return 1;
	}
	return 0;
}

/* Absorbs u (which consumes only the anchor's output) into anchor a. */
static void
absorb(struct nn_model *m, int a, int u)
{
	m->node[u].dead = 1;
	m->node[a].out = m->node[u].out;
	m->val[m->node[a].out].producer = a;
}

/* Exactly two distinct live readers of v: returns 0 and their indices. */
static int
two_consumers(const struct nn_model *m, const struct uses *u, int v, int *c1,
    int *c2)
{
	int e, n = 0;

	if (v < 0 || v >= u->nv)
		return -1;
	for (e = u->first[v]; e >= 0; e = u->next[e]) {
		int i = u->user[e];

		if (m->node[i].dead || (n > 0 && i == *c1) || (n > 1 && i == *c2))
			continue;
		if (n == 0)
			*c1 = i;
		else if (n == 1)
			*c2 = i;
		else
			return -1;
		n++;
	}
	return n == 2 ? 0 : -1;
}

/*
 * Tries to absorb the gate y = v * f(v) (hard-swish: Add, Clip, Div or
 * HardSigmoid; swish: Mul, Sigmoid) where f is a chain of scalar steps.
 * Returns 1 if absorbed.
 */
static int
absorb_gate(struct nn_model *m, const struct uses *us, int a, int v)
{
	struct nn_epstep chain[NN_MAX_EP];
	int c1 = -1, c2 = -1, k, pass, mul, cur, nch, nodes[NN_MAX_EP];
	struct nn_node *an = &m->node[a];

	if (m->val[v].nuse != 2 || two_consumers(m, us, v, &c1, &c2) != 0)
		return 0;
	for (pass = 0; pass < 2; pass++) {
		int start = pass == 0 ? c1 : c2, other = pass == 0 ? c2 : c1;
		struct nn_node *mn = &m->node[other];

		if (mn->op != NN_OP_MUL)
			continue;
		mul = other;
		cur = start;
		nch = 0;
		/* Follow the chain from v through single-use scalar steps to mn. */
		for (;;) {
			int val = nch == 0 ? v : m->node[nodes[nch - 1]].out;

			if (nch >= NN_MAX_EP - 2 || !ep_step(m, &m->node[cur], val,
			    &chain[nch]))
				break;
			nodes[nch++] = cur;
			val = m->node[cur].out;
			if (val == m->output || m->val[val].nuse != 1)
				break;
			if ((mn->in[0] == v && mn->in[1] == val) ||
			    (mn->in[1] == v && mn->in[0] == val)) {
				if (an->nep + nch + 2 > NN_MAX_EP)
					return 0;
				an->ep[an->nep++] = (struct nn_epstep){ NN_EP_SAVE, 0, 0, 0, 0, 0 };
				for (k = 0; k < nch; k++) {
					an->ep_rank1 |= chain[k].rank1;
					an->ep[an->nep++] = chain[k];
					m->node[nodes[k]].dead = 1;
				}
				an->ep[an->nep++] = (struct nn_epstep){ NN_EP_MULX, 0, 0, 0, 0, 0 };
				absorb(m, a, mul);
				return 1;
			}
			cur = consumer(m, us, val);
			if (cur < 0)
				break;
		}
	}
	return 0;
}

static int
ep_is(const struct nn_epstep *e, int n, int k, const int *ops, int len)
{
	int i;

	if (k + len > n)
		return 0;
	for (i = 0; i < len; i++)
		if (e[k + i].op != ops[i])
			return 0;
	return 1;
}

/* Replaces the common step sequences of an epilogue by macro steps. */
static void
ep_compile(struct nn_node *nd)
{
	static const int hswish[] = { NN_EP_SAVE, NN_EP_ADD, NN_EP_CLIP,
		NN_EP_MULX, NN_EP_DIV };
	static const int xhsig[] = { NN_EP_SAVE, NN_EP_HSIG, NN_EP_MULX };
	static const int swish[] = { NN_EP_SAVE, NN_EP_MUL, NN_EP_SIGMOID,
		NN_EP_MULX };
	static const int affine[] = { NN_EP_MUL, NN_EP_ADD };
	struct nn_epstep out[NN_MAX_EP], *e = nd->ep, st;
	int k = 0, n = 0;

	while (k < nd->nep) {
		memset(&st, 0, sizeof(st));
		if (ep_is(e, nd->nep, k, hswish, 5)) {
			st.op = NN_EP_HSWISH;
			st.c = e[k + 1].c;
			st.c2 = e[k + 2].c;
			st.c3 = e[k + 2].c2;
			st.c4 = e[k + 4].c;
			k += 5;
		} else if (ep_is(e, nd->nep, k, xhsig, 3)) {
			st.op = NN_EP_XHSIG;
			st.c = e[k + 1].c;
			st.c2 = e[k + 1].c2;
			k += 3;
		} else if (ep_is(e, nd->nep, k, swish, 4)) {
			st.op = NN_EP_SWISH;
			st.c = e[k + 1].c;
			k += 4;
		} else if (ep_is(e, nd->nep, k, affine, 2)) {
			st.op = NN_EP_AFFINE;
			st.c = e[k].c;
			st.c2 = e[k + 1].c;
			k += 2;
		} else {
			st = e[k++];
		}
		out[n++] = st;
	}
	memcpy(nd->ep, out, (size_t)n * sizeof(out[0]));
	nd->nep = n;
}

static int
fuse_epilogues(struct nn_model *m, struct uses *us)
{
	int k;

	if (count_uses(m, us) != 0)
		return -1;
	for (k = 0; k < m->norder; k++) {
		int a = m->order[k];
		struct nn_node *an = &m->node[a];

		if (an->dead || an->op == NN_OP_SHAPE || an->op == NN_OP_CAST ||
		    an->op == NN_OP_GATHER || an->op == NN_OP_CONSTANT)
			continue;
		for (;;) {
			int v = an->out, u;
			struct nn_epstep st;

			if (v == m->output || an->nep >= NN_MAX_EP)
				break;
			if (m->val[v].nuse == 1) {
				u = consumer(m, us, v);
				if (u < 0 || !ep_step(m, &m->node[u], v, &st))
					break;
				an->ep[an->nep++] = st;
				an->ep_rank1 |= st.rank1;
				absorb(m, a, u);
				continue;
			}
			if (!absorb_gate(m, us, a, v))
				break;
		}
		ep_compile(an);
	}
	return 0;
}

/* Drops nodes the output does not depend on and lays out the schedule. */
static int
schedule(struct nn_model *m, struct uses *us)
{
	char *need = calloc((size_t)m->nval + 1, 1);
	int k, j, n = 0;

	if (need == NULL)
		return -1;
	need[m->output] = 1;
	for (k = m->norder - 1; k >= 0; k--) {
		struct nn_node *nd = &m->node[m->order[k]];

		if (nd->dead)
			continue;
		if (!need[nd->out]) {
			nd->dead = 1;
			continue;
		}
		for (j = 0; j < nd->nin; j++)
			if (nd->in[j] >= 0)
				need[nd->in[j]] = 1;
	}
	free(need);
	for (k = 0; k < m->norder; k++)
		if (!m->node[m->order[k]].dead)
			m->order[n++] = m->order[k];
	m->norder = n;
	if (count_uses(m, us) != 0)
		return -1;
	for (j = 0; j < m->nval; j++)
		m->val[j].last_use = -1;
	for (k = 0; k < m->norder; k++) {
		struct nn_node *nd = &m->node[m->order[k]];

		for (j = 0; j < nd->nin; j++)
			if (nd->in[j] >= 0)
				m->val[nd->in[j]].last_use = k;
	}
	/* Constants no live node reads are freed now. */
	for (j = 0; j < m->nval; j++) {
		if (m->val[j].is_const && m->val[j].nuse == 0) {
			free(m->val[j].c.data);
			m->val[j].c.data = NULL;
			m->val[j].is_const = 0;
		}
	}
	return 0;
}

int
nn_opt_model(struct nn_model *m, struct fz_err *err)
{
	struct uses us = { 0 };
	int capval = m->nval, rc = -1;

	if (fold_constants(m, err) != 0)
		return -1;
	/* Dead nodes are pruned first so that use counts are exact for folding. */
	if (schedule(m, &us) != 0 || fold_affine(m, &us, &capval) != 0 ||
	    fuse_epilogues(m, &us) != 0 || schedule(m, &us) != 0) {
		fz_seterr(err, "out of memory");
		goto out;
	}
	if (m->val[m->output].is_const || m->output == m->input ||
	    m->norder == 0) {
		fz_seterr(err, "the graph output does not depend on its input");
		goto out;
	}
	rc = 0;
out:
	uses_free(&us);
	return rc;
}
