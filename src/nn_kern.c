/* Numeric kernels: convolution by GEMM (im2col in tiles) or a direct depthwise loop, col2im, epilogues. */
#include "nn_kern.h"

#include "nn_direct.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Scratch for im2col is bounded by tiling the output rows so that a tile
 * holds about this many floats; big enough to keep sgemm efficient. */
#define NN_COL_TILE ((size_t)1 << 20)
/* Epilogue steps run over blocks this long so the block stays in L1. */
#define NN_EP_BLOCK 1024
/* Output floats a pointwise convolution computes at a time (512 KB). */
#define NN_PW_CHUNK ((size_t)1 << 17)

void *
nn_scratch_get(struct nn_scratch *s, size_t bytes)
{
	void *p;

	if (bytes <= s->cap)
		return s->p;
	if (s->max > 0 && bytes > s->max)
		return NULL;
	/* Rounded up to 64 bytes: aligned_alloc needs a multiple of the alignment. */
	bytes = (bytes + 63) & ~(size_t)63;
	p = aligned_alloc(64, bytes);
	if (p == NULL)
		return NULL;
	free(s->p);
	s->p = p;
	s->cap = bytes;
	return p;
}

void
nn_scratch_free(struct nn_scratch *s)
{
	free(s->p);
	s->p = NULL;
	s->cap = 0;
}

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void
blas_one_thread(void)
{
	/* Parallelism comes from callers (-j N workers, server threads), each
	 * with its own workspace; OpenBLAS's own threads would oversubscribe. */
	openblas_set_num_threads(1);
}

void
nn_blas_init(void)
{
	pthread_once(&blas_once, blas_one_thread);
}

/* OpenBLAS's dynamic build picks its kernels once, when the library loads,
 * from the processor's family and model. A model newer than the library
 * (Debian 12's 0.3.21 on Emerald Rapids, model 207) falls back to Prescott's
 * SSE3 kernels, which run sgemm at half the speed of the AVX-512 ones on the
 * same chip. The only way to choose is OPENBLAS_CORETYPE in the environment
 * before the library loads, so this sets it and starts the program again.
 * The instruction sets are asked of the compiler's own CPU check, which also
 * asks whether the operating system saves the wider registers; a core type
 * the user set is left alone, and so is any core OpenBLAS did recognise. */
static const char *
blas_better_core(void)
{
	const char *now = openblas_get_corename();

	if (now == NULL || strcmp(now, "Prescott") != 0)
		return NULL;
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512cd"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return "Haswell";
#endif
	return NULL;
}

void
nn_blas_pick_core(char **argv)
{
	const char *core, *pre = getenv("LD_PRELOAD");

	if (getenv("OPENBLAS_CORETYPE") != NULL)
		return;
	/* Under valgrind the new program would run outside it, unchecked. */
	if (pre != NULL && strstr(pre, "vgpreload") != NULL)
		return;
	if ((core = blas_better_core()) == NULL)
		return;
	if (setenv("OPENBLAS_CORETYPE", core, 1) == -1)
		return;
	/* Nothing has been read or opened yet; on failure carry on as we are. */
	execv("/proc/self/exe", argv);
	unsetenv("OPENBLAS_CORETYPE");
}

const char *
nn_blas_core(void)
{
	const char *c = openblas_get_corename();

	return c != NULL ? c : "unknown";
}

void
nn_sgemm(int64_t m, int64_t n, int64_t k, const float *a, const float *b,
    float *c)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
	    (int)k, 1.0f, a, (int)k, b, (int)n, 0.0f, c, (int)n);
}

static float
sigmoidf(float v)
{
	return 1.0f / (1.0f + expf(-v));
}

NN_HOT void
nn_ep_apply(const struct nn_epstep *ep, int nep, float *y, size_t n)
{
	float x[NN_EP_BLOCK];
	size_t off, i, len;
	int k;

	if (nep == 0)
		return;
	for (off = 0; off < n; off += len) {
		float *v = y + off;

		len = n - off < NN_EP_BLOCK ? n - off : NN_EP_BLOCK;
		for (k = 0; k < nep; k++) {
			const float c = ep[k].c, c2 = ep[k].c2;

			switch (ep[k].op) {
			case NN_EP_ADD:
				for (i = 0; i < len; i++)
					v[i] = v[i] + c;
				break;
			case NN_EP_SUB:
				for (i = 0; i < len; i++)
					v[i] = v[i] - c;
				break;
			case NN_EP_RSUB:
				for (i = 0; i < len; i++)
					v[i] = c - v[i];
				break;
			case NN_EP_MUL:
				for (i = 0; i < len; i++)
					v[i] = v[i] * c;
				break;
			case NN_EP_DIV:
				for (i = 0; i < len; i++)
					v[i] = v[i] / c;
				break;
			case NN_EP_RDIV:
				for (i = 0; i < len; i++)
					v[i] = c / v[i];
				break;
			case NN_EP_CLIP:
				for (i = 0; i < len; i++) {
					float t = v[i] < c ? c : v[i];

					v[i] = t > c2 ? c2 : t;
				}
				break;
			case NN_EP_RELU:
				for (i = 0; i < len; i++)
					v[i] = v[i] > 0.0f ? v[i] : 0.0f;
				break;
			case NN_EP_HSIG:
				for (i = 0; i < len; i++) {
					float t = c * v[i] + c2;

					t = t > 0.0f ? t : 0.0f;
					v[i] = t < 1.0f ? t : 1.0f;
				}
				break;
			case NN_EP_SIGMOID:
				for (i = 0; i < len; i++)
					v[i] = sigmoidf(v[i]);
				break;
			case NN_EP_HSWISH:
				for (i = 0; i < len; i++) {
					float t = v[i] + c;

					t = t < c2 ? c2 : t;
					t = t > ep[k].c3 ? ep[k].c3 : t;
					v[i] = v[i] * t / ep[k].c4;
				}
				break;
			case NN_EP_XHSIG:
				for (i = 0; i < len; i++) {
					float t = c * v[i] + c2;

					t = t > 0.0f ? t : 0.0f;
					v[i] = v[i] * (t < 1.0f ? t : 1.0f);
				}
				break;
			case NN_EP_SWISH:
				for (i = 0; i < len; i++)
					v[i] = v[i] * sigmoidf(v[i] * c);
				break;
			case NN_EP_AFFINE:
				for (i = 0; i < len; i++)
					v[i] = v[i] * c + c2;
				break;
			case NN_EP_SAVE:
				memcpy(x, v, len * sizeof(float));
				break;
			case NN_EP_MULX:
				for (i = 0; i < len; i++)
					v[i] = x[i] * v[i];
				break;
			}
		}
	}
}

/* Adds the bias of each output channel, then the epilogue, over one plane. */
NN_HOT static void
bias_ep(float *y, int64_t m, int64_t plane, const float *b,
    const struct nn_epstep *ep, int nep)
{
	int64_t c, i;

	for (c = 0; c < m; c++) {
		float *r = y + c * plane;

		if (b != NULL) {
			const float bc = b[c];

			for (i = 0; i < plane; i++)
				r[i] += bc;
		}
		nn_ep_apply(ep, nep, r, (size_t)plane);
	}
}

/* Columns [c0, c1) of each of rows rows of length len: row r to v[r]. */
NN_HOT static void
fill_cols(float *y, int64_t rows, int64_t len, int64_t c0, int64_t c1,
    const float *v)
{
	int64_t r, i;

	for (r = 0; r < rows; r++)
		for (i = c0; i < c1; i++)
			y[r * len + i] = v[r];
}

/* The epilogue on columns [c0, c1) of each of rows rows of length len. */
static void
ep_cols(const struct nn_epstep *ep, int nep, float *y, int64_t rows,
    int64_t len, int64_t c0, int64_t c1)
{
	int64_t r;

	for (r = 0; nep > 0 && r < rows; r++)
		nn_ep_apply(ep, nep, y + r * len + c0, (size_t)(c1 - c0));
}

/* The output columns [lo, hi) of an input row for kernel offset off:
 * ox*stride + off must fall in [0, width). */
static void
col_range(int64_t off, int64_t stride, int64_t width, int64_t ow,
    int64_t *lo, int64_t *hi)
{
	int64_t a = 0, b;

	if (off < 0)
		a = (-off + stride - 1) / stride;
	b = width - off <= 0 ? 0 : (width - off + stride - 1) / stride;
	if (b > ow)
		b = ow;
	*lo = a;
	*hi = b > a ? b : a;
}

/* Eight floats in one AVX register (two SSE registers in the default clone). */
typedef float nn_v8 __attribute__((vector_size(32)));

typedef int32_t nn_vi8 __attribute__((vector_size(32)));

/* a where m is set, else b (m from a vector comparison); a macro, as
 * vector arguments would change the ABI of the default clone. */
#define V8_PICK(m, a, b) ((nn_v8)(((nn_vi8)(a) & (m)) | ((nn_vi8)(b) & ~(m))))

/*
 * e^x for x <= 0, eight at a time: x = n ln 2 + r with |r| <= ln 2 / 2,
 * e^r by its Taylor series to r^6 (relative error under 2e-7), 2^n put
 * into the exponent bits. Below -87 the result is e^-87 (1.6e-38), which
 * a softmax sum cannot tell from 0.
 */
static inline __attribute__((always_inline)) void
v8_exp_neg(nn_v8 *xp)
{
	nn_v8 x = *xp;
	const nn_v8 lo = { -87.0f, -87.0f, -87.0f, -87.0f, -87.0f, -87.0f,
		-87.0f, -87.0f };
	nn_v8 t, r, e;
	nn_vi8 n;

	x = V8_PICK(x < lo, lo, x);
	t = x * 1.44269504088896341f - 0.5f;
	n = __builtin_convertvector(t, nn_vi8); /* toward zero: ceil(t) */
	t = __builtin_convertvector(n, nn_v8);
	r = x - t * 0.693145751953125f; /* ln 2 in two parts, exact products */
	r = r - t * 1.428606765330187e-06f;
	e = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 +
	    r * (1.0f / 120 + r * (1.0f / 720))))));
	*xp = e * (nn_v8)((n + 127) << 23);
}

NN_HOT void
nn_softmax_row(const float *p, float *q, int64_t n)
{
	nn_v8 mv, sv = { 0 };
	float mx = -INFINITY, s = 0.0f, m8[8], s8[8];
	int64_t j = 0, k;

	for (k = 0; k < 8; k++)
		mv[k] = -INFINITY;
	for (; j + 8 <= n; j += 8) {
		nn_v8 v;

		memcpy(&v, p + j, sizeof(v));
		mv = V8_PICK(v > mv, v, mv);
	}
	memcpy(m8, &mv, sizeof(m8));
	for (k = 0; k < 8; k++)
		mx = m8[k] > mx ? m8[k] : mx;
	for (k = j; k < n; k++)
		mx = p[k] > mx ? p[k] : mx;
	for (j = 0; j + 8 <= n; j += 8) {
		nn_v8 v;

		memcpy(&v, p + j, sizeof(v));
		v -= mx;
		v8_exp_neg(&v);
		sv += v;
		memcpy(q + j, &v, sizeof(v));
	}
	memcpy(s8, &sv, sizeof(s8));
	for (k = 0; k < 8; k++)
		s += s8[k];
	for (k = j; k < n; k++) {
		q[k] = expf(p[k] - mx);
		s += q[k];
	}
	for (j = 0; j < n; j++)
		q[j] /= s;
}

/* The zero-padded copy of one input plane that dw_plane reads: rows and
 * columns cover every tap of every output, the columns rounded up to a
 * whole number of 16-wide output blocks. */
static void
dw_geometry(const struct nn_conv *p, int64_t *ph, int64_t *pw)
{
	int64_t owb = (p->ow + 15) / 16 * 16;

	*ph = (p->oh - 1) * p->sh + (p->kh - 1) * p->dh + 1;
	*pw = (owb - 1) * p->sw + (p->kw - 1) * p->dw + 1;
}

size_t
nn_dw_scratch(const struct nn_conv *p)
{
	int64_t ph, pw;

	dw_geometry(p, &ph, &pw);
	return (size_t)(ph * pw + 32) * sizeof(float);
}

/* Sixteen inputs a stride sw apart from xp into v[0..1]. */
static inline __attribute__((always_inline)) void
dw_load16(const float *xp, int64_t sw, nn_v8 *v)
{
	if (sw == 1) {
		memcpy(&v[0], xp, sizeof(v[0]));
		memcpy(&v[1], xp + 8, sizeof(v[1]));
	} else if (sw == 2) {
		nn_v8 q0, q1, q2, q3;

		memcpy(&q0, xp, sizeof(q0));
		memcpy(&q1, xp + 8, sizeof(q1));
		memcpy(&q2, xp + 16, sizeof(q2));
		memcpy(&q3, xp + 24, sizeof(q3));
		v[0] = __builtin_shufflevector(q0, q1, 0, 2, 4, 6, 8, 10, 12, 14);
		v[1] = __builtin_shufflevector(q2, q3, 0, 2, 4, 6, 8, 10, 12, 14);
	} else {
		float t[16];
		int j;

		for (j = 0; j < 16; j++)
			t[j] = xp[j * sw];
		memcpy(v, t, sizeof(t));
	}
}

/* Sixteen outputs (fewer at the row's end) from a[0..1] plus bias. */
static inline __attribute__((always_inline)) void
dw_store16(float *yr, int64_t ox, int64_t ow, const nn_v8 *a, float bias)
{
	nn_v8 r0 = a[0] + bias, r1 = a[1] + bias;
	int64_t j;

	if (ox + 16 <= ow) {
		memcpy(yr + ox, &r0, sizeof(r0));
		memcpy(yr + ox + 8, &r1, sizeof(r1));
		return;
	}
	for (j = 0; j < 8 && ox + j < ow; j++)
		yr[ox + j] = r0[j];
	for (j = 0; j < 8 && ox + 8 + j < ow; j++)
		yr[ox + 8 + j] = r1[j];
}

/*
 * Depthwise convolution of one channel plane: the plane is copied once
 * into a zero-padded buffer, then the output is computed 16 columns at a
 * time with the sums held in registers across all taps (zeros of the
 * padding add nothing, as in the definition). Without dilation along the
 * rows, two output rows are computed together: an input row that both
 * read is loaded once for the two, which nearly halves the loads that
 * bound this loop.
 */
NN_HOT static void
dw_plane(const struct nn_conv *p, const float *x, const float *w, float bias,
    float *y, float *pad)
{
	const int64_t sw = p->sw, kw = p->kw, dw = p->dw, kh = p->kh;
	const int64_t top = p->pad[0], bot = p->pad[0] + p->h;
	int64_t ph, pw, r, c, oy, ox, ky, kx;

	dw_geometry(p, &ph, &pw);
	for (r = 0; r < ph; r++) {
		float *pr = pad + r * pw;
		int64_t iy = r - p->pad[0];

		if (iy < 0 || iy >= p->h) {
			memset(pr, 0, (size_t)pw * sizeof(float));
			continue;
		}
		/* Columns [pad, pad + w) hold the row, clipped to the buffer. */
		c = p->w < pw - p->pad[1] ? p->w : pw - p->pad[1];
		memset(pr, 0, (size_t)pw * sizeof(float));
		if (c > 0)
			memcpy(pr + p->pad[1], x + iy * p->w, (size_t)c * sizeof(float));
	}
	oy = 0;
	if (p->dh == 1) {
		for (; oy + 1 < p->oh; oy += 2) {
			/* Padded rows [r0, r1) feed rows oy and oy + 1; rows of
			 * padding are skipped (short planes, such as rec's 3 and
			 * 6 rows under a 5x5 kernel, are mostly padding). */
			const int64_t a0 = oy * p->sh, a1 = a0 + p->sh;
			int64_t r0 = a0 > top ? a0 : top;
			int64_t r1 = a1 + kh < bot ? a1 + kh : bot;

			for (ox = 0; ox < p->ow; ox += 16) {
				nn_v8 s0[2] = { { 0 }, { 0 } }, s1[2] = { { 0 }, { 0 } };

				for (r = r0; r < r1; r++) {
					const float *row = pad + r * pw + ox * sw;
					const int in0 = r - a0 < kh, in1 = r >= a1;
					const float *w0 = w + (r - a0) * kw;
					const float *w1 = w + (r - a1) * kw;

					for (kx = 0; kx < kw; kx++) {
						nn_v8 v[2];

						dw_load16(row + kx * dw, sw, v);
						if (in0) {
							s0[0] += w0[kx] * v[0];
							s0[1] += w0[kx] * v[1];
						}
						if (in1) {
							s1[0] += w1[kx] * v[0];
							s1[1] += w1[kx] * v[1];
						}
					}
				}
				dw_store16(y + oy * p->ow, ox, p->ow, s0, bias);
				dw_store16(y + (oy + 1) * p->ow, ox, p->ow, s1, bias);
			}
		}
	}
	for (; oy < p->oh; oy++) {
		float *yr = y + oy * p->ow;
		int64_t ky0 = 0, ky1 = kh;

		while (ky0 < ky1 && oy * p->sh + ky0 * p->dh < top)
			ky0++;
		while (ky1 > ky0 && oy * p->sh + (ky1 - 1) * p->dh >= bot)
			ky1--;
		for (ox = 0; ox < p->ow; ox += 16) {
			/* Two sums per column block (even and odd taps) so the
			 * adds do not wait on each other. */
			nn_v8 a[2] = { { 0 }, { 0 } }, b[2] = { { 0 }, { 0 } };
			int64_t t = 0;

			for (ky = ky0; ky < ky1; ky++) {
				const float *row = pad + (oy * p->sh + ky * p->dh) * pw +
				    ox * sw;

				for (kx = 0; kx < kw; kx++, t++) {
					const float wv = w[ky * kw + kx];
					nn_v8 v[2];

					dw_load16(row + kx * dw, sw, v);
					if (t & 1) {
						b[0] += wv * v[0];
						b[1] += wv * v[1];
					} else {
						a[0] += wv * v[0];
						a[1] += wv * v[1];
					}
				}
			}
			a[0] += b[0];
			a[1] += b[1];
			dw_store16(yr, ox, p->ow, a, bias);
		}
	}
}

/* Columns of rows [oy0, oy1) of the output for one group: col is
 * [cg*kh*kw x (oy1-oy0)*ow]. */
NN_HOT static void
im2col(const struct nn_conv *p, const float *x, int64_t cg, int64_t oy0,
    int64_t oy1, float *col)
{
	const int64_t cols = (oy1 - oy0) * p->ow;
	int64_t c, ky, kx, oy, ox, lo, hi;

	for (c = 0; c < cg; c++) {
		const float *xc = x + c * p->h * p->w;

		for (ky = 0; ky < p->kh; ky++) {
			for (kx = 0; kx < p->kw; kx++) {
				float *r = col + ((c * p->kh + ky) * p->kw + kx) * cols;
				const int64_t off = kx * p->dw - p->pad[1];

				col_range(off, p->sw, p->w, p->ow, &lo, &hi);
				for (oy = oy0; oy < oy1; oy++) {
					float *rr = r + (oy - oy0) * p->ow;
					int64_t iy = oy * p->sh - p->pad[0] + ky * p->dh;

					if (iy < 0 || iy >= p->h) {
						memset(rr, 0, (size_t)p->ow * sizeof(float));
						continue;
					}
					for (ox = 0; ox < lo; ox++)
						rr[ox] = 0.0f;
					if (p->sw == 1) {
						memcpy(rr + lo, xc + iy * p->w + lo + off,
						    (size_t)(hi - lo) * sizeof(float));
					} else {
						const float *xr = xc + iy * p->w + off;

						for (ox = lo; ox < hi; ox++)
							rr[ox] = xr[ox * p->sw];
					}
					for (ox = hi; ox < p->ow; ox++)
						rr[ox] = 0.0f;
				}
			}
		}
	}
}

/* Dense convolutions with a kernel wider than one pixel go direct where the
 * processor allows (nn_direct.c says why); 1x1 ones stay on OpenBLAS, which
 * runs them at twice the direct loop's speed (they need no im2col). */
static int
direct_wins(const struct nn_conv *p, int pointwise)
{
	return !pointwise && p->kh * p->kw > 1 && nn_direct_usable(p);
}

int
nn_conv2d(const struct nn_conv *p, const float *x, const float *w,
    const float *b, float *y, const struct nn_epstep *ep, int nep,
    struct nn_scratch *s)
{
	const int64_t cg = p->c / p->group, mg = p->m / p->group;
	const int64_t kdim = cg * p->kh * p->kw;
	const int64_t plane = p->oh * p->ow, iplane = p->h * p->w;
	const int pointwise = p->kh == 1 && p->kw == 1 && p->sh == 1 &&
	    p->sw == 1 && p->pad[0] == 0 && p->pad[1] == 0 && p->pad[2] == 0 &&
	    p->pad[3] == 0;
	int64_t n, g, rows, oy0, oy1;
	float *col = NULL, beta;

	nn_blas_init();
	if (direct_wins(p, pointwise)) {
		float *sp = nn_scratch_get(s, nn_direct_scratch(p));

		if (sp == NULL)
			return -1;
		nn_direct_conv(p, x, w, b, y, sp);
		nn_ep_apply(ep, nep, y, (size_t)(p->n * p->m * plane));
		return 0;
	}
	if (!pointwise && !(cg == 1 && mg == 1)) {
		rows = (int64_t)(NN_COL_TILE / (size_t)(kdim * p->ow));
		if (rows < 1)
			rows = 1;
		if (rows > p->oh)
			rows = p->oh;
		col = nn_scratch_get(s, (size_t)(kdim * rows * p->ow) * sizeof(float));
		if (col == NULL)
			return -1;
	} else {
		rows = p->oh;
		if (cg == 1 && mg == 1) {
			col = nn_scratch_get(s, nn_dw_scratch(p));
			if (col == NULL)
				return -1;
		}
	}
	for (n = 0; n < p->n; n++) {
		const float *xn = x + n * p->c * iplane;
		float *yn = y + n * p->m * plane;

		for (g = 0; g < p->group; g++) {
			const float *xg = xn + g * cg * iplane;
			const float *wg = w + g * mg * kdim;
			float *yg = yn + g * mg * plane;

			if (cg == 1 && mg == 1) {
				dw_plane(p, xg, wg, b != NULL ? b[g] : 0.0f, yg, col);
				nn_ep_apply(ep, nep, yg, (size_t)plane);
				continue;
			}
			/* The bias goes in first and sgemm adds to it (beta 1),
			 * which saves OpenBLAS's pass zeroing C and our pass adding b. */
			beta = b != NULL ? 1.0f : 0.0f;
			if (pointwise) {
				/* In column chunks of about NN_PW_CHUNK floats of
				 * output, so that the bias, the product and the
				 * epilogue meet the chunk in cache, not memory. */
				int64_t step = (int64_t)NN_PW_CHUNK / mg, c0, c1;

				step = step < 256 ? 256 : step / 16 * 16;
				for (c0 = 0; c0 < plane; c0 = c1) {
					c1 = c0 + step < plane ? c0 + step : plane;
					if (b != NULL)
						fill_cols(yg, mg, plane, c0, c1, b + g * mg);
					cblas_sgemm(CblasRowMajor, CblasNoTrans,
					    CblasNoTrans, (int)mg, (int)(c1 - c0), (int)cg,
					    1.0f, wg, (int)cg, xg + c0, (int)plane, beta,
					    yg + c0, (int)plane);
					ep_cols(ep, nep, yg, mg, plane, c0, c1);
				}
				continue;
			}
			for (oy0 = 0; oy0 < p->oh; oy0 = oy1) {
				oy1 = oy0 + rows < p->oh ? oy0 + rows : p->oh;
				im2col(p, xg, cg, oy0, oy1, col);
				if (b != NULL)
					fill_cols(yg, mg, plane, oy0 * p->ow,
					    oy1 * p->ow, b + g * mg);
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
				    (int)mg, (int)((oy1 - oy0) * p->ow), (int)kdim,
				    1.0f, wg, (int)kdim, col,
				    (int)((oy1 - oy0) * p->ow), beta,
				    yg + oy0 * p->ow, (int)plane);
				ep_cols(ep, nep, yg, mg, plane, oy0 * p->ow,
				    oy1 * p->ow);
			}
		}
	}
	return 0;
}

/*
 * col2im of a transposed convolution whose kernel footprints tile the
 * output (stride equal to the kernel, no padding): every output is one
 * column entry, written in place of the zeroing and the bounds-checked
 * accumulation of the general case.
 */
NN_HOT static void
convt_tiles(const struct nn_conv *p, const float *col, float *y, int64_t mg)
{
	const int64_t kh = p->kh, kw = p->kw, iplane = p->h * p->w;
	int64_t c, ky, kx, iy, ix;

	for (c = 0; c < mg; c++) {
		float *yc = y + c * p->oh * p->ow;

		for (iy = 0; iy < p->h; iy++)
			for (ky = 0; ky < kh; ky++) {
				float *yr = yc + (iy * kh + ky) * p->ow;

				for (kx = 0; kx < kw; kx++) {
					const float *r = col + ((c * kh + ky) * kw + kx) *
					    iplane + iy * p->w;

					for (ix = 0; ix < p->w; ix++)
						yr[ix * kw + kx] = r[ix];
				}
			}
	}
}

int
nn_convt2d(const struct nn_conv *p, const float *x, const float *w,
    const float *b, float *y, const struct nn_epstep *ep, int nep,
    struct nn_scratch *s)
{
	const int64_t cg = p->c / p->group, mg = p->m / p->group;
	const int64_t kk = p->kh * p->kw, iplane = p->h * p->w;
	const int64_t plane = p->oh * p->ow;
	int64_t n, g, c, ky, kx, iy, ix;
	float *col;
	/* Stride equal to the kernel, no padding or dilation: the kernel's
	 * footprints tile the output, each output has one contribution. */
	const int tiles = p->sh == p->kh && p->sw == p->kw && p->dh == 1 &&
	    p->dw == 1 && p->pad[0] == 0 && p->pad[1] == 0 &&
	    p->oh == p->h * p->sh && p->ow == p->w * p->sw;

	nn_blas_init();
	col = nn_scratch_get(s, (size_t)(mg * kk * iplane) * sizeof(float));
	if (col == NULL)
		return -1;
	for (n = 0; n < p->n; n++) {
		const float *xn = x + n * p->c * iplane;
		float *yn = y + n * p->m * plane;

		if (!tiles)
			memset(yn, 0, (size_t)(p->m * plane) * sizeof(float));
		for (g = 0; g < p->group; g++) {
			/* col[mg*kh*kw x h*w] = W_g^T x X_g, then scattered (col2im). */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
			    (int)(mg * kk), (int)iplane, (int)cg, 1.0f,
			    w + g * cg * mg * kk, (int)(mg * kk),
			    xn + g * cg * iplane, (int)iplane, 0.0f, col,
			    (int)iplane);
			if (tiles) {
				convt_tiles(p, col, yn + g * mg * plane, mg);
				continue;
			}
			for (c = 0; c < mg; c++) {
				float *yc = yn + (g * mg + c) * plane;

				for (ky = 0; ky < p->kh; ky++) {
					for (kx = 0; kx < p->kw; kx++) {
						const float *r = col +
						    ((c * p->kh + ky) * p->kw + kx) * iplane;

						for (iy = 0; iy < p->h; iy++) {
							int64_t oy = iy * p->sh - p->pad[0] +
							    ky * p->dh;
							const float *rr = r + iy * p->w;
							float *yr;

							if (oy < 0 || oy >= p->oh)
								continue;
							yr = yc + oy * p->ow;
							for (ix = 0; ix < p->w; ix++) {
								int64_t ox = ix * p->sw -
								    p->pad[1] + kx * p->dw;

								if (ox >= 0 && ox < p->ow)
									yr[ox] += rr[ix];
							}
						}
					}
				}
			}
		}
		bias_ep(yn, p->m, plane, b, ep, nep);
	}
	return 0;
}
