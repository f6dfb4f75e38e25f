/* Direct dense convolution (stride 1, no dilation) for the cases where GEMM on im2col columns spends its time packing. */
#include "nn_direct.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define NN_DIRECT_X86 1
#endif

/*
 * Why: det's neck has 3x3 convolutions from 96 channels to 24 at a quarter
 * of the card's size. As im2col columns times a 24-row weight matrix,
 * OpenBLAS packs the 864 x 29376 columns for a product only 24 rows deep:
 * 24 ms each, at under a quarter of the processor's multiply-add rate, and
 * a third of det's time. Here each output tile of MB channels x TPX pixels
 * stays in registers while every input channel and tap is added into it,
 * with the weights broadcast from a packed copy: the padded input rows are
 * read straight, nothing is packed but the weights.
 *
 * Every output is bias, then + w * x for channel, row, column of the
 * kernel in that order, each a fused multiply-add: the AVX-512 and AVX2
 * versions compute the same floats, whatever their tile sizes. Processors
 * with neither (and clang builds) keep the GEMM path.
 */

#ifdef NN_DIRECT_X86

/* Output pixels of one tile in a row, for both versions: the padded rows
 * are this many columns wider than the output, rounded up. */
#define TPX 96

/* The padded input of output rows [oy0, oy0 + rows): channel c's row r is
 * input row oy0 + r - pad top, columns shifted by pad left, zero outside. */
static void
pad_band(const struct nn_conv *p, const float *x, int64_t oy0, int64_t rows,
    int64_t pw, float *xp)
{
	const int64_t prow = rows + p->kh - 1;
	int64_t c, r, lo, n;

	for (c = 0; c < p->c; c++) {
		const float *xc = x + c * p->h * p->w;

		for (r = 0; r < prow; r++) {
			float *d = xp + (c * prow + r) * pw;
			int64_t iy = oy0 + r - p->pad[0];

			memset(d, 0, (size_t)pw * sizeof(float));
			if (iy < 0 || iy >= p->h)
				continue;
			lo = p->pad[1];
			n = p->w < pw - lo ? p->w : pw - lo;
			if (n > 0)
				memcpy(d + lo, xc + iy * p->w, (size_t)n * sizeof(float));
		}
	}
}

/* Weights as [m / mb][c][kh][kw][mb], channels past m zero. */
static void
pack_weights(const struct nn_conv *p, const float *w, int64_t mb, float *wp)
{
	const int64_t taps = p->c * p->kh * p->kw;
	const int64_t blocks = (p->m + mb - 1) / mb;
	int64_t bl, t, i;

	for (bl = 0; bl < blocks; bl++)
		for (t = 0; t < taps; t++)
			for (i = 0; i < mb; i++) {
				int64_t m = bl * mb + i;

				wp[(bl * taps + t) * mb + i] = m < p->m ? w[m * taps + t] : 0.0f;
			}
}

/*
 * One version of the tile loop: VT holds VL floats, a tile is MB output
 * channels by NV vectors (MB * NV accumulators, which the register file
 * must hold with NV inputs and a broadcast beside them).
 */
#define DIRECT_ROWS(NAME, TARGET, VT, VL, MB, NV, LOADU, STOREU, SET1, FMA) \
__attribute__((target(TARGET))) static void \
NAME(const struct nn_conv *p, const float *xp, int64_t pw, int64_t oy0, \
    int64_t rows, const float *wp, const float *b, float *y) \
{ \
	const int64_t prow = rows + p->kh - 1, cs = prow * pw; \
	const int64_t plane = p->oh * p->ow; \
	int64_t oy, ox, m0, c, ky, kx, i, j; \
\
	for (oy = 0; oy < rows; oy++) \
	for (ox = 0; ox < p->ow; ox += VL * NV) \
	for (m0 = 0; m0 < p->m; m0 += MB) { \
		const float *wb = wp + m0 * p->c * p->kh * p->kw; \
		VT acc[MB][NV]; \
\
		for (i = 0; i < MB; i++) { \
			VT bv = SET1(b != NULL && m0 + i < p->m ? b[m0 + i] : 0.0f); \
\
			for (j = 0; j < NV; j++) \
				acc[i][j] = bv; \
		} \
		for (c = 0; c < p->c; c++) \
			for (ky = 0; ky < p->kh; ky++) { \
				const float *row = xp + c * cs + (oy + ky) * pw + ox; \
\
				for (kx = 0; kx < p->kw; kx++, wb += MB) { \
					VT v[NV]; \
\
					for (j = 0; j < NV; j++) \
						v[j] = LOADU(row + kx + j * VL); \
					for (i = 0; i < MB; i++) { \
						VT wv = SET1(wb[i]); \
\
						for (j = 0; j < NV; j++) \
							acc[i][j] = FMA(wv, v[j], acc[i][j]); \
					} \
				} \
			} \
		for (i = 0; i < MB && m0 + i < p->m; i++) { \
			float *yr = y + (m0 + i) * plane + (oy0 + oy) * p->ow + ox; \
			float t[VL * NV]; \
\
			if (ox + VL * NV <= p->ow) { \
				for (j = 0; j < NV; j++) \
					STOREU(yr + j * VL, acc[i][j]); \
				continue; \
			} \
			for (j = 0; j < NV; j++) \
				STOREU(t + j * VL, acc[i][j]); \
			memcpy(yr, t, (size_t)(p->ow - ox) * sizeof(float)); \
		} \
	} \
}

/* 32 registers: 8 x 3 accumulators of 16 floats. */
DIRECT_ROWS(rows_avx512, "avx512f", __m512, 16, 8, 3, _mm512_loadu_ps,
    _mm512_storeu_ps, _mm512_set1_ps, _mm512_fmadd_ps)
/* 16 registers: 3 x 4 accumulators of 8 floats. */
DIRECT_ROWS(rows_avx2, "avx2,fma", __m256, 8, 3, 4, _mm256_loadu_ps,
    _mm256_storeu_ps, _mm256_set1_ps, _mm256_fmadd_ps)

static int isa_cap = 2;

void
nn_direct_limit(int isa)
{
	isa_cap = isa;
}

static int
have(int avx512)
{
	if (isa_cap < (avx512 ? 2 : 1))
		return 0;
	__builtin_cpu_init();
	if (avx512)
		return __builtin_cpu_supports("avx512f");
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int
nn_direct_usable(const struct nn_conv *p)
{
	return p->group == 1 && p->sh == 1 && p->sw == 1 && p->dh == 1 &&
	    p->dw == 1 && (have(1) || have(0));
}

static int64_t
block_m(void)
{
	return have(1) ? 8 : 3;
}

static int64_t
padded_w(const struct nn_conv *p)
{
	return (p->ow + TPX - 1) / TPX * TPX + p->kw - 1;
}

/* Output rows a band holds: its padded input at most NN_DIRECT_BAND floats. */
static int64_t
band_rows(const struct nn_conv *p)
{
	int64_t per = p->c * padded_w(p), rows = NN_DIRECT_BAND / per - (p->kh - 1);

	if (rows < 1)
		rows = 1;
	return rows < p->oh ? rows : p->oh;
}

size_t
nn_direct_scratch(const struct nn_conv *p)
{
	const int64_t mb = block_m();
	const int64_t blocks = (p->m + mb - 1) / mb;
	const int64_t rows = band_rows(p);
	const size_t wsz = (size_t)(blocks * mb * p->c * p->kh * p->kw);
	const size_t xsz = (size_t)(p->c * (rows + p->kh - 1) * padded_w(p));

	/* + 16 floats: the weights' end rounded to a 64-byte line. */
	return (wsz + 16 + xsz) * sizeof(float);
}

void
nn_direct_conv(const struct nn_conv *p, const float *x, const float *w,
    const float *b, float *y, float *scratch)
{
	const int64_t mb = block_m(), blocks = (p->m + mb - 1) / mb;
	const int64_t pw = padded_w(p), rows = band_rows(p);
	const size_t wsz = (size_t)(blocks * mb * p->c * p->kh * p->kw);
	float *wp = scratch, *xp = scratch + (wsz + 15) / 16 * 16;
	int64_t n, oy0, r;

	pack_weights(p, w, mb, wp);
	for (n = 0; n < p->n; n++) {
		const float *xn = x + n * p->c * p->h * p->w;
		float *yn = y + n * p->m * p->oh * p->ow;

		for (oy0 = 0; oy0 < p->oh; oy0 += rows) {
			r = p->oh - oy0 < rows ? p->oh - oy0 : rows;
			pad_band(p, xn, oy0, r, pw, xp);
			if (mb == 8)
				rows_avx512(p, xp, pw, oy0, r, wp, b, yn);
			else
				rows_avx2(p, xp, pw, oy0, r, wp, b, yn);
		}
	}
}

#else

void
nn_direct_limit(int isa)
{
	(void)isa;
}

int
nn_direct_usable(const struct nn_conv *p)
{
	(void)p;
	return 0;
}

size_t
nn_direct_scratch(const struct nn_conv *p)
{
	(void)p;
	return 0;
}

void
nn_direct_conv(const struct nn_conv *p, const float *x, const float *w,
    const float *b, float *y, float *scratch)
{
	(void)p, (void)x, (void)w, (void)b, (void)y, (void)scratch;
}

#endif
