/* Running a loaded model: per-thread workspaces, shapes evaluated for each input size, buffers reused by liveness. */
#include "nn.h"

#include <stdlib.h>
#include <string.h>

#include "nn_graph.h"
#include "nn_kern.h"
#include "nn_ops.h"

/* A grow-only buffer of the pool; a value holds one while it is live. */
struct wbuf {
	void *p;
	size_t cap;
	int busy;
};

struct nn_ws {
	int nval;
	struct nn_t *rt;   /* run-time tensor of each value */
	int *buf;          /* pool index holding each value, or -1 */
	struct wbuf *pool;
	int npool;
	struct nn_scratch scratch;
	size_t limit, held; /* cap and bytes held by the pool */
};

struct nn_ws *
nn_ws_new(const struct nn_model *m)
{
	struct nn_ws *ws = calloc(1, sizeof(*ws));

	if (ws == NULL)
		return NULL;
	ws->nval = m->nval;
	ws->rt = calloc((size_t)m->nval, sizeof(*ws->rt));
	ws->buf = malloc((size_t)m->nval * sizeof(int));
	/* At most one buffer per value is ever live. */
	ws->pool = calloc((size_t)m->nval, sizeof(*ws->pool));
	if (ws->rt == NULL || ws->buf == NULL || ws->pool == NULL) {
		nn_ws_free(ws);
		return NULL;
	}
	nn_blas_init();
	return ws;
}

void
nn_ws_free(struct nn_ws *ws)
{
	int i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->npool; i++)
		free(ws->pool[i].p);
	free(ws->pool);
	free(ws->rt);
	free(ws->buf);
	nn_scratch_free(&ws->scratch);
	free(ws);
}

void
nn_ws_set_limit(struct nn_ws *ws, size_t max_bytes)
{
	int i;

	ws->limit = max_bytes;
	ws->scratch.max = max_bytes;
	/* Memory already held beyond the new cap is given back. */
	if (max_bytes > 0 && ws->held + ws->scratch.cap > max_bytes) {
		for (i = 0; i < ws->npool; i++)
			free(ws->pool[i].p);
		memset(ws->pool, 0, (size_t)ws->npool * sizeof(*ws->pool));
		ws->npool = 0;
		ws->held = 0;
		nn_scratch_free(&ws->scratch);
		ws->scratch.max = max_bytes;
	}
}

/* A free buffer of at least bytes: the best fit, else the largest free one
 * grown, else a new one. After the first run of a given input size the
 * same sequence of requests is met without allocating. */
static int
pool_get(struct nn_ws *ws, size_t bytes)
{
	int i, best = -1, big = -1;

	bytes = (bytes + 63) & ~(size_t)63;
	if (bytes == 0)
		bytes = 64;
	for (i = 0; i < ws->npool; i++) {
		if (ws->pool[i].busy)
			continue;
		if (ws->pool[i].cap >= bytes &&
		    (best < 0 || ws->pool[i].cap < ws->pool[best].cap))
			best = i;
		if (big < 0 || ws->pool[i].cap > ws->pool[big].cap)
			big = i;
	}
	if (best < 0) {
		size_t keep = ws->held - (big >= 0 ? ws->pool[big].cap : 0);
		void *p;

		if (ws->limit > 0 && (bytes > ws->limit ||
		    keep + ws->scratch.cap > ws->limit - bytes))
			return -2;
		p = aligned_alloc(64, bytes);
		if (p == NULL)
			return -1;
		if (big >= 0) {
			free(ws->pool[big].p);
			best = big;
		} else {
			best = ws->npool++;
		}
		ws->held = keep + bytes;
		ws->pool[best].p = p;
		ws->pool[best].cap = bytes;
	}
	ws->pool[best].busy = 1;
	return best;
}

static void
release(struct nn_ws *ws, int v)
{
	if (ws->buf[v] >= 0) {
		ws->pool[ws->buf[v]].busy = 0;
		ws->buf[v] = -1;
	}
}

int
nn_run(const struct nn_model *m, struct nn_ws *ws,
    const struct nn_tensor *in, struct nn_tensor *out, struct fz_err *err)
{
	int k, j, i;
	int64_t n;

	memset(out, 0, sizeof(*out));
	if (ws->nval != m->nval) {
		fz_seterr(err, "%s: workspace made for another model", m->name);
		return -1;
	}
	if (in->ndim < 0 || in->ndim > NN_MAX_DIMS ||
	    (m->in_ndim > 0 && in->ndim != m->in_ndim) || in->data == NULL) {
		fz_seterr(err, "%s: input has %d dimensions, the model takes %d",
		    m->name, in->ndim, m->in_ndim);
		return -1;
	}
	for (i = 0; i < m->nval; i++) {
		ws->buf[i] = -1;
		ws->rt[i].data = NULL;
	}
	for (i = 0; i < ws->npool; i++)
		ws->pool[i].busy = 0;
	ws->rt[m->input].dtype = NN_F32;
	ws->rt[m->input].ndim = in->ndim;
	for (i = 0; i < in->ndim; i++) {
		if (in->dims[i] < 1 || in->dims[i] > NN_MAX_DIM) {
			fz_seterr(err, "%s: input dimension %d is %lld", m->name, i,
			    (long long)in->dims[i]);
			return -1;
		}
		ws->rt[m->input].dims[i] = in->dims[i];
	}
	if (nn_numel(&ws->rt[m->input]) < 0) {
		fz_seterr(err, "%s: input too large", m->name);
		return -1;
	}
	/* The input is only read: no kernel writes to its inputs. */
	ws->rt[m->input].data = in->data;
	for (k = 0; k < m->norder; k++) {
		const struct nn_node *nd = &m->node[m->order[k]];
		const struct nn_t *ins[NN_MAX_IN] = { 0 };
		struct nn_t *o = &ws->rt[nd->out];
		int b;

		for (j = 0; j < nd->nin; j++) {
			int v = nd->in[j];

			if (v < 0)
				continue;
			ins[j] = m->val[v].is_const ? &m->val[v].c : &ws->rt[v];
			if (ins[j]->data == NULL) {
				fz_seterr(err, "%s: node %.64s: input not computed",
				    m->name, nd->name);
				return -1;
			}
		}
		if (nn_op_shape(nd, ins, o, err) != 0)
			goto fail;
		if (nd->nep > 0 && o->dtype != NN_F32) {
			fz_seterr(err, "%s: node %.64s: element-wise operator on a "
			    "non-float tensor", m->name, nd->name);
			return -1;
		}
		if (nd->ep_rank1 && o->ndim == 0) {
			o->ndim = 1;
			o->dims[0] = 1;
		}
		n = nn_numel(o);
		b = pool_get(ws, (size_t)n * nn_dtype_size(o->dtype));
		if (b < 0) {
			if (b == -2)
				fz_seterr(err, "%s: node %.64s: the workspace limit of "
				    "%zu bytes is reached", m->name, nd->name, ws->limit);
			else
				fz_seterr(err, "%s: out of memory", m->name);
			return -1;
		}
		ws->buf[nd->out] = b;
		o->data = ws->pool[b].p;
		if (nn_op_exec(nd, ins, o, &ws->scratch, err) != 0)
			goto fail;
		for (j = 0; j < nd->nin; j++) {
			int v = nd->in[j];

			if (v >= 0 && v != m->output && m->val[v].last_use == k)
				release(ws, v);
		}
	}
	if (ws->rt[m->output].data == NULL) {
		fz_seterr(err, "%s: the output was not computed", m->name);
		return -1;
	}
	out->ndim = ws->rt[m->output].ndim;
	memcpy(out->dims, ws->rt[m->output].dims, sizeof(out->dims));
	if (ws->rt[m->output].dtype != NN_F32) {
		fz_seterr(err, "%s: the output is not float32", m->name);
		return -1;
	}
	out->data = ws->rt[m->output].data;
	return 0;
fail:
	{
		struct fz_err e2 = *err;

		fz_seterr(err, "%s: %s", m->name, e2.msg);
	}
	return -1;
}
