/* The --text-lines engine: det + rec on any JPEG, text lines in upright pixel coordinates. */
#include "textlines.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "models.h"
#include "nn.h"
#include "ocr_img.h"
#include "ocr_rec.h"

/* Pictures larger than this are refused before decoding (a bomb). */
#define TL_MAX_PIXELS (100ULL * 1000 * 1000)
/* The widest rec input: 48 x 960 at most 120 CTC steps (ocr_line.h). */
#define TL_REC_MIN_W 320
#define TL_REC_MAX_W 960
/* Lines read on one card at most: a card has about 15; more is clutter. */
#define TL_CARD_MAX_LINES 64

struct textlines {
	struct nn_model *det, *rec;
	struct ocr_keys keys;
	struct ocr_det_params dp;
};

struct textlines_ws {
	struct nn_ws *det, *rec;
	const atomic_int *cancel; /* NULL: never */
};

int
textlines_open(const char *models_dir, struct textlines **out,
    struct fz_err *err)
{
	struct models_set ms;
	struct textlines *t;
	int rc = -1;

	*out = NULL;
	if (models_find(models_dir, &ms, err) != 0)
		return -1;
	t = calloc(1, sizeof *t);
	if (t == NULL) {
		fz_seterr(err, "out of memory");
		goto done;
	}
	ocr_det_defaults(&t->dp);
	if (nn_model_load_mem(ms.data[MODELS_DET], ms.len[MODELS_DET],
		ms.path[MODELS_DET], &t->det, err) != 0 ||
	    nn_model_load_mem(ms.data[MODELS_REC], ms.len[MODELS_REC],
		ms.path[MODELS_REC], &t->rec, err) != 0 ||
	    ocr_keys_parse(ms.data[MODELS_KEYS], ms.len[MODELS_KEYS], &t->keys,
		err) != 0) {
		textlines_close(t);
		t = NULL;
		goto done;
	}
	*out = t;
	rc = 0;
done:
	models_set_free(&ms);
	return rc;
}

void
textlines_close(struct textlines *t)
{
	if (t == NULL)
		return;
	nn_model_free(t->det);
	nn_model_free(t->rec);
	ocr_keys_free(&t->keys);
	free(t);
}

struct textlines_ws *
textlines_ws_new(const struct textlines *t)
{
	struct textlines_ws *ws = calloc(1, sizeof *ws);

	if (ws == NULL)
		return NULL;
	ws->det = nn_ws_new(t->det);
	ws->rec = nn_ws_new(t->rec);
	if (ws->det == NULL || ws->rec == NULL) {
		textlines_ws_free(ws);
		return NULL;
	}
	return ws;
}

void
textlines_ws_set_cancel(struct textlines_ws *ws, const atomic_int *flag)
{
	ws->cancel = flag;
}

int
textlines_ws_cancelled(const struct textlines_ws *ws)
{
	return ws->cancel != NULL && atomic_load(ws->cancel) != 0;
}

void
textlines_ws_free(struct textlines_ws *ws)
{
	if (ws == NULL)
		return;
	nn_ws_free(ws->det);
	nn_ws_free(ws->rec);
	free(ws);
}

void
textline_set_free(struct textline_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* RGB from image.c to the BGR the OCR modules read (PaddleOCR's order). */
static unsigned char *
to_bgr(const struct image_px *p, struct fz_err *err)
{
	size_t n = (size_t)p->w * p->h;
	unsigned char *bgr = malloc(n * 3);

	if (bgr == NULL) {
		fz_seterr(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		bgr[3 * i] = p->px[3 * i + 2];
		bgr[3 * i + 1] = p->px[3 * i + 1];
		bgr[3 * i + 2] = p->px[3 * i];
	}
	return bgr;
}

static int
detect(const struct textlines *t, const struct ocr_det_params *dp,
    struct textlines_ws *ws, const struct ocr_image *img,
    struct ocr_boxes *boxes, struct fz_err *err)
{
	int in_w, in_h, rc = -1;
	float *in = NULL;
	struct nn_tensor ti, to;

	if (ocr_det_size(img->w, img->h, dp->limit_side, &in_w, &in_h,
		err) != 0)
		return -1;
	in = malloc((size_t)3 * in_w * in_h * sizeof *in);
	if (in == NULL) {
		fz_seterr(err, "out of memory");
		return -1;
	}
	if (ocr_det_input(img, in_w, in_h, in, err) != 0)
		goto done;
	memset(&ti, 0, sizeof ti);
	ti.ndim = 4;
	ti.dims[0] = 1;
	ti.dims[1] = 3;
	ti.dims[2] = in_h;
	ti.dims[3] = in_w;
	ti.data = in;
	if (nn_run(t->det, ws->det, &ti, &to, err) != 0)
		goto done;
	if (to.ndim != 4 || to.dims[2] != in_h || to.dims[3] != in_w) {
		fz_seterr(err, "det model: unexpected output shape");
		goto done;
	}
	rc = ocr_det_boxes(to.data, in_w, in_h, img->w, img->h, dp, boxes,
	    err);
done:
	free(in);
	return rc;
}

/* The rec model on box b of img, padded to min_w: the output in *to (it
 * lives in ws until the next run). */
static int
run_rec(const struct textlines *t, struct textlines_ws *ws,
    const struct ocr_image *img, const struct ocr_box *b, int min_w,
    struct nn_tensor *to, int *in_w, struct fz_err *err)
{
	float *in = NULL;
	int w, rc = -1;
	struct nn_tensor ti;

	if (ocr_rec_input(img, b, min_w, TL_REC_MAX_W, &in, &w, err) != 0)
		return -1;
	memset(&ti, 0, sizeof ti);
	ti.ndim = 4;
	ti.dims[0] = 1;
	ti.dims[1] = 3;
	ti.dims[2] = OCR_REC_HEIGHT;
	ti.dims[3] = w;
	ti.data = in;
	if (nn_run(t->rec, ws->rec, &ti, to, err) != 0)
		goto done;
	if (to->ndim != 3 || to->dims[0] != 1 || to->dims[1] < 1) {
		fz_seterr(err, "rec model: unexpected output shape");
		goto done;
	}
	*in_w = w;
	rc = 0;
done:
	free(in);
	return rc;
}

static int
recognise(const struct textlines *t, struct textlines_ws *ws,
    const struct ocr_image *img, const struct ocr_box *b, struct ocr_text *txt,
    struct fz_err *err)
{
	struct nn_tensor to;
	int w;

	if (run_rec(t, ws, img, b, TL_REC_MIN_W, &to, &w, err) != 0)
		return -1;
	return ocr_rec_decode(to.data, (size_t)to.dims[1], (size_t)to.dims[2],
	    &t->keys, txt, err);
}

int
textlines_read(const struct textlines *t, struct textlines_ws *ws,
    const unsigned char *data, size_t len, struct textline_set *out,
    struct fz_err *err)
{
	struct image_px px = { 0 };
	struct ocr_boxes boxes = { 0 };
	unsigned char *bgr = NULL;
	struct ocr_image img;
	int rc = -1;

	out->v = NULL;
	out->n = 0;
	if (image_decode_upright_rgb(data, len, TL_MAX_PIXELS, 0, &px, err) !=
	    0)
		return -1;
	if (px.c != 3) {
		fz_seterr(err, "unexpected %u-channel picture", px.c);
		goto done;
	}
	bgr = to_bgr(&px, err);
	if (bgr == NULL)
		goto done;
	img.bgr = bgr;
	img.w = (int)px.w;
	img.h = (int)px.h;
	img.stride = (size_t)3 * px.w;
	if (detect(t, &t->dp, ws, &img, &boxes, err) != 0)
		goto done;
	if (boxes.n > 0) {
		out->v = calloc(boxes.n, sizeof *out->v);
		if (out->v == NULL) {
			fz_seterr(err, "out of memory");
			goto done;
		}
	}
	for (size_t i = 0; i < boxes.n; i++) {
		struct ocr_text txt;
		struct textline *l = &out->v[out->n];

		if (recognise(t, ws, &img, &boxes.v[i], &txt, err) != 0)
			goto done;
		if (txt.text == NULL || txt.text[0] == '\0') {
			/* a box the recogniser reads as nothing is no line */
			ocr_text_free(&txt);
			continue;
		}
		memcpy(l->x, boxes.v[i].x, sizeof l->x);
		memcpy(l->y, boxes.v[i].y, sizeof l->y);
		l->text = txt.text; /* ownership moves to the line */
		l->confidence = txt.confidence;
		out->n++;
	}
	rc = 0;
done:
	if (rc != 0)
		textline_set_free(out);
	ocr_boxes_free(&boxes);
	free(bgr);
	image_px_free(&px);
	return rc;
}

void
textlines_det_defaults(const struct textlines *t, struct ocr_det_params *dp)
{
	*dp = t->dp;
}

/* The width ocr_rec_input gives box b before padding (its rule: the longer
 * opposite sides, height 48 keeping the aspect ratio, at most max_w). */
static int
rec_content_w(const struct ocr_box *b)
{
	double w = fmax(hypot(b->x[1] - b->x[0], b->y[1] - b->y[0]),
	    hypot(b->x[2] - b->x[3], b->y[2] - b->y[3]));
	double h = fmax(hypot(b->x[3] - b->x[0], b->y[3] - b->y[0]),
	    hypot(b->x[2] - b->x[1], b->y[2] - b->y[1]));
	double r;

	if (!((int)w >= 1 && (int)h >= 1))
		return 1;
	r = fmin(ceil(OCR_REC_HEIGHT * (double)(int)w / (int)h), TL_REC_MAX_W);
	return r < 1 ? 1 : (int)r;
}

int
textlines_read_card(const struct textlines *t, struct textlines_ws *ws,
    const struct ocr_image *card, const struct ocr_det_params *dp,
    float pad, size_t max_lines, struct ocr_line **lines, size_t *n,
    struct fz_err *err)
{
	struct ocr_boxes boxes = { 0 };
	struct ocr_line *v = NULL;
	size_t i, m = 0;
	int rc = -1;

	*lines = NULL;
	*n = 0;
	if (textlines_ws_cancelled(ws)) {
		fz_seterr(err, "cancelled");
		return -1;
	}
	if (detect(t, dp != NULL ? dp : &t->dp, ws, card, &boxes, err) != 0)
		return -1;
	if (max_lines == 0 || max_lines > TL_CARD_MAX_LINES)
		max_lines = TL_CARD_MAX_LINES;
	if (boxes.n > max_lines)
		boxes.n = max_lines; /* reading order: the card's top */
	if (boxes.n > 0 && (v = calloc(boxes.n, sizeof(*v))) == NULL) {
		fz_seterr(err, "out of memory");
		goto done;
	}
	for (i = 0; i < boxes.n; i++) {
		struct ocr_box b = boxes.v[i];
		struct nn_tensor to;
		int w, cw;
		float dy = pad * (b.y[3] - b.y[0] + b.y[2] - b.y[1]) * 0.5f;

		/* A time limit or a cancelled request: stop between lines. */
		if (textlines_ws_cancelled(ws)) {
			fz_seterr(err, "cancelled");
			goto done;
		}

		/* A little more room above and below than det's unclip gives:
		 * the recogniser was trained on looser crops. */
		b.y[0] -= dy;
		b.y[1] -= dy;
		b.y[2] += dy;
		b.y[3] += dy;
		if (run_rec(t, ws, card, &b, 1, &to, &w, err) != 0)
			goto done;
		cw = rec_content_w(&b);
		if (ocr_rec_decode_line(to.data, (size_t)to.dims[1],
			(size_t)to.dims[2], &t->keys, &boxes.v[i],
			(float)cw / (float)w, (float)card->w, (float)card->h,
			&v[m], err) != 0)
			goto done;
		if (v[m].nchars > 0)
			m++;
	}
	*lines = v;
	*n = m;
	v = NULL;
	rc = 0;
done:
	free(v);
	ocr_boxes_free(&boxes);
	return rc;
}
