/* Direct dense convolution (stride 1, no dilation) with AVX-512 or AVX2 fused multiply-adds. */
#ifndef NN_DIRECT_H
#define NN_DIRECT_H

#include <stddef.h>

#include "nn_kern.h"

/* A band of output rows is computed from a zero-padded copy of its input
 * rows of at most about this many floats (scratch stays bounded). */
#define NN_DIRECT_BAND ((int64_t)1 << 20)

/* Whether nn_direct_conv can compute p on this processor: group 1,
 * strides and dilations 1, and AVX-512 or AVX2 with FMA. */
int nn_direct_usable(const struct nn_conv *p);
/* For tests: use at most instruction set isa (2 AVX-512, 1 AVX2, 0 none,
 * which leaves every convolution to GEMM). The default is 2. */
void nn_direct_limit(int isa);
/* Bytes of scratch nn_direct_conv needs for p (64-byte aligned). */
size_t nn_direct_scratch(const struct nn_conv *p);
/* y = conv(x, w) + b (b may be NULL), no epilogue. */
void nn_direct_conv(const struct nn_conv *p, const float *x, const float *w,
    const float *b, float *y, float *scratch);

#endif
