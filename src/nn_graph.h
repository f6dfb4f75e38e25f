/* The runtime's internal model: values, nodes with parsed attributes, and the limits every loaded graph obeys. */
#ifndef NN_GRAPH_H
#define NN_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"

/* ONNX TensorProto.DataType codes for the types the runtime carries.
 * Integer tensors (shapes, indices) are stored as int64_t whatever their
 * declared width; Cast to INT32 wraps the value as the spec's C cast does. */
enum nn_dtype {
	NN_F32 = 1,
	NN_I32 = 6,
	NN_I64 = 7,
};

/* Bounds for hostile files: far above what the two models need. */
#define NN_MAX_NODES 100000
#define NN_MAX_IN 8             /* inputs per node (BatchNormalization has 5) */
#define NN_MAX_ELEMS ((int64_t)1 << 28) /* 1 GiB of float32 per tensor */
#define NN_MAX_DIM ((int64_t)1 << 24)
#define NN_MAX_CONST_BYTES ((size_t)256 << 20)
#define NN_MAX_FOLD_BYTES ((size_t)64 << 20) /* made by folding at load */
#define NN_OPSET_MIN 9
#define NN_OPSET_MAX 11

enum nn_op {
	NN_OP_CONSTANT,
	NN_OP_CONV,
	NN_OP_CONVTRANSPOSE,
	NN_OP_BATCHNORM,
	NN_OP_ADD,
	NN_OP_SUB,
	NN_OP_MUL,
	NN_OP_DIV,
	NN_OP_POW,
	NN_OP_CLIP,
	NN_OP_RELU,
	NN_OP_HARDSIGMOID,
	NN_OP_SIGMOID,
	NN_OP_SQRT,
	NN_OP_GLOBALAVGPOOL,
	NN_OP_AVGPOOL,
	NN_OP_RESIZE,
	NN_OP_CONCAT,
	NN_OP_TRANSPOSE,
	NN_OP_RESHAPE,
	NN_OP_SQUEEZE,
	NN_OP_MATMUL,
	NN_OP_REDUCEMEAN,
	NN_OP_SOFTMAX,
	NN_OP_SHAPE,
	NN_OP_GATHER,
	NN_OP_SLICE,
	NN_OP_CAST,
	NN_OP_COUNT
};

/* A run-time tensor: float32 or integer (always int64_t storage). */
struct nn_t {
	int dtype;
	int ndim;
	int64_t dims[NN_MAX_DIMS];
	void *data;
};

/* One step of a fused element-wise epilogue applied in place to a node's
 * float output: the chains of scalar Add/Mul/Div/Clip/activations that
 * follow convolutions in these models, and the x * f(x) gates
 * (hard-swish, swish) where SAVE remembers x and MULX multiplies by it. */
enum nn_ep {
	NN_EP_ADD,   /* y + c */
	NN_EP_SUB,   /* y - c */
	NN_EP_RSUB,  /* c - y */
	NN_EP_MUL,   /* y * c */
	NN_EP_DIV,   /* y / c */
	NN_EP_RDIV,  /* c / y */
	NN_EP_CLIP,  /* min(max(y, c), c2) */
	NN_EP_RELU,
	NN_EP_HSIG,  /* max(0, min(1, c * y + c2)) */
	NN_EP_SIGMOID,
	NN_EP_SAVE,  /* x = y */
	NN_EP_MULX,  /* y = x * y */
	/* Macro steps, made at load from the sequences above so that the
	 * common gates take one pass; each computes the same floats in the
	 * same order as its sequence. */
	NN_EP_HSWISH, /* SAVE ADD(c) CLIP(c2,c3) MULX DIV(c4) */
	NN_EP_XHSIG,  /* SAVE HSIG(c,c2) MULX */
	NN_EP_SWISH,  /* SAVE MUL(c) SIGMOID MULX */
	NN_EP_AFFINE, /* MUL(c) ADD(c2) */
};
#define NN_MAX_EP 16
struct nn_epstep {
	int op;
	float c, c2, c3, c4;
	int rank1; /* load-time only: the constant had shape [1] */
};

enum nn_resize_mode { NN_RS_NEAREST, NN_RS_LINEAR };
enum nn_resize_ctm {
	NN_CTM_HALF_PIXEL,
	NN_CTM_ASYMMETRIC,
	NN_CTM_ALIGN_CORNERS,
	NN_CTM_PYTORCH_HALF_PIXEL,
};
enum nn_nearest {
	NN_NEAR_ROUND_PREFER_FLOOR,
	NN_NEAR_ROUND_PREFER_CEIL,
	NN_NEAR_FLOOR,
	NN_NEAR_CEIL,
};

/* Attributes of every supported operator, parsed and checked at load. */
struct nn_attr {
	int64_t kernel[2], strides[2], pads[4], dil[2], outpad[2];
	int has_kernel;
	int64_t group;
	float alpha, beta, eps, cmin, cmax;
	int64_t axis;
	int naxes;
	int64_t axes[NN_MAX_DIMS];
	int nperm;
	int64_t perm[NN_MAX_DIMS];
	int keepdims;
	int to;
	int nslice; /* Slice-1 attributes */
	int64_t starts[NN_MAX_DIMS], ends[NN_MAX_DIMS];
	int count_include_pad;
	int rs_mode, rs_ctm, rs_nearest;
};

struct nn_node {
	int op;
	int nin;
	int in[NN_MAX_IN]; /* value indices; -1 for an omitted optional input */
	int out;           /* value index */
	char *name;        /* for messages: node name or first output */
	struct nn_attr a;
	int nep;
	struct nn_epstep ep[NN_MAX_EP];
	int ep_rank1;      /* an absorbed constant was [1]: a 0-d result becomes [1] */
	int dead;          /* folded away or absorbed into another node */
};

struct nn_value {
	char *name;
	int producer;      /* node index, or -1 for the graph input / a constant */
	struct nn_t c;     /* constant data when is_const */
	int is_const;
	int is_input;
	int nuse;          /* consuming nodes (live ones, after optimisation) */
	int last_use;      /* position in the schedule of the last consumer */
};

struct nn_model {
	char *name;
	int opset;
	int nval, nnode;
	struct nn_value *val;
	struct nn_node *node;
	int *order;        /* schedule: live node indices, topological */
	int norder;
	int input;         /* value index of the single graph input */
	int in_ndim;       /* declared rank of the input (0 if undeclared) */
	int output;        /* value index of the first graph output */
};

size_t nn_dtype_size(int dtype);
/* Number of elements, or -1 if a dimension is negative or the product exceeds NN_MAX_ELEMS. */
int64_t nn_numel(const struct nn_t *t);
const char *nn_op_name(int op);

#endif
