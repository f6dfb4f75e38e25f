/* The runtime's numeric kernels on plain arrays: convolutions, matrix products on OpenBLAS, fused epilogues. */
#ifndef NN_KERN_H
#define NN_KERN_H

#include <stddef.h>
#include <stdint.h>

#include "nn_graph.h"

/* Hot loops get an AVX2+FMA clone picked at load time (GCC ifunc), so one
 * binary runs on any x86-64 and at full width on this project's machines.
 * Without -ffp-contract=fast (strict C11 mode) no FMA is fused silently,
 * so both clones compute the same floats. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NN_HOT
#endif

/* At the top of main: if OpenBLAS fell back to its generic kernels on a
 * processor it does not know but that has AVX2 or AVX-512, sets
 * OPENBLAS_CORETYPE and re-executes the program with argv (returns only when
 * nothing is to be done or the re-exec failed). nn_blas_core names the
 * kernels in use. */
void nn_blas_pick_core(char **argv);
const char *nn_blas_core(void);

/* Grow-only scratch memory owned by a workspace; valid until the next get. */
struct nn_scratch {
	void *p;
	size_t cap;
	size_t max; /* refuse to grow beyond this (0: no cap) */
};
void *nn_scratch_get(struct nn_scratch *s, size_t bytes);
void nn_scratch_free(struct nn_scratch *s);

/* One 2-D convolution (or transposed convolution) problem, NCHW.
 * For Conv, w is [m, c/group, kh, kw]; for ConvTranspose [c, m/group, kh, kw].
 * pad = {top, left, bottom, right} as ONNX orders them (begin h, begin w, end h, end w). */
struct nn_conv {
	int64_t n, c, h, w;     /* input */
	int64_t m, oh, ow;      /* output channels and size */
	int64_t kh, kw, sh, sw, dh, dw, group;
	int64_t pad[4];
};

/* Applies nep epilogue steps to n floats in place. */
void nn_ep_apply(const struct nn_epstep *ep, int nep, float *y, size_t n);
/* q = softmax(p) over n floats (q may be p). */
void nn_softmax_row(const float *p, float *q, int64_t n);

/* y = conv(x, w) + b (b may be NULL), then the epilogue. Returns -1 only
 * when scratch memory cannot be had. */
int nn_conv2d(const struct nn_conv *p, const float *x, const float *w,
    const float *b, float *y, const struct nn_epstep *ep, int nep,
    struct nn_scratch *s);
/* Scratch bytes nn_conv2d needs for a depthwise convolution (one padded plane). */
size_t nn_dw_scratch(const struct nn_conv *p);
int nn_convt2d(const struct nn_conv *p, const float *x, const float *w,
    const float *b, float *y, const struct nn_epstep *ep, int nep,
    struct nn_scratch *s);

/* C[m x n] = A[m x k] * B[k x n], row-major, leading dimensions k and n. */
void nn_sgemm(int64_t m, int64_t n, int64_t k, const float *a, const float *b,
    float *c);

/* Limits OpenBLAS to the calling thread (once per process). */
void nn_blas_init(void);

#endif
