/* Developer tool: finds and rectifies the ID cards in JPEG photos (loc_card), or measures it against mkphotos.py truth. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <turbojpeg.h>

#include "loc_card.h"
#include "loc_quality.h"
#include "loc_jpeg.h"

/*
 * loc-demo [-o DIR] PHOTO.jpg...   one line per card found; with -o, writes
 *                                  DIR/STEM-N.jpg, the rectified card N
 * loc-demo -b DIR                  every DIR/NAME.jpg against DIR/NAME.json
 *                                  (tests/mkphotos.py): detection, corner
 *                                  error, orientation, side, flags, time
 */

static double
cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
save_jpeg(const char *path, const struct loc_image *img)
{
	tjhandle tj = tjInitCompress();
	unsigned char *out = NULL;
	unsigned long n = 0;
	FILE *f;
	int rc = -1;

	if (tj == NULL)
		return -1;
	if (tjCompress2(tj, img->px, img->w, img->stride, img->h, img->channels == 3 ? TJPF_RGB : TJPF_GRAY,
	    &out, &n, img->channels == 3 ? TJSAMP_420 : TJSAMP_GRAY, 90, 0) == 0 &&
	    (f = fopen(path, "wb")) != NULL) {
		rc = fwrite(out, 1, n, f) == n ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	tjFree(out);
	tjDestroy(tj);
	return rc;
}

static const char *
side_name(enum loc_card_side s)
{
	return s == LOC_CARD_FRONT ? "front" : s == LOC_CARD_BACK ? "back" : "unknown";
}

static int
demo(const char *outdir, int argc, char **argv)
{
	int i, k;
	struct fz_err err;

	for (i = 0; i < argc; i++) {
		struct loc_image img;
		struct loc_result res;
		double t0;

		if (loc_load_jpeg(argv[i], &img, NULL, NULL) == -1) {
			fprintf(stderr, "loc-demo: %s: cannot decode\n", argv[i]);
			return 1;
		}
		t0 = cpu_ms();
		if (loc_find_cards(&img, &res, &err) == -1) {
			fprintf(stderr, "loc-demo: %s: %s\n", argv[i], err.msg);
			loc_image_free(&img);
			return 1;
		}
		printf("%s: %dx%d, %d card(s), %.1f ms\n", argv[i], img.w, img.h, res.n, cpu_ms() - t0);
		for (k = 0; k < res.n; k++) {
			const struct loc_quad *q = &res.card[k];
			struct loc_image rect;
			struct loc_flags fl;

			printf("  card %d: score %.3f side %s (%.2f) rot %d (%.2f) cut %d\n"
			    "    corners %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f support %.2f %.2f %.2f %.2f\n"
			    "    cues pm %.3f/%.3f em %.3f/%.3f er %.3f/%.3f front %.3f back %.3f flip %.3f\n",
			    k, q->score, side_name(q->side), q->side_conf, q->rotation, q->orient_conf, q->cut,
			    q->c[0].x, q->c[0].y, q->c[1].x, q->c[1].y, q->c[2].x, q->c[2].y, q->c[3].x,
			    q->c[3].y, q->support[0], q->support[1], q->support[2], q->support[3],
			    q->cues.portrait_mass, q->cues.portrait_mass_rot, q->cues.emblem_mass,
			    q->cues.emblem_mass_rot, q->cues.emblem_red, q->cues.emblem_red_rot, q->cues.front,
			    q->cues.back, q->cues.flip);
			if (loc_rectify(&img, q->c, LOC_RECT_W, LOC_RECT_H, &rect, &err) == -1) {
				fprintf(stderr, "loc-demo: %s: %s\n", argv[i], err.msg);
				continue;
			}
			if (loc_quality(&img, q, &rect, &fl, &err) == 0)
				printf("    gray %d (%.1f) border %d (gap %.2f out %.3f) head_blurred %d (%.2f) head_covered %d (%.2f)\n",
				    fl.gray_image, fl.chroma, fl.border_covered, fl.gap, fl.out_of_frame, fl.head_blurred,
				    fl.blur, fl.head_covered, fl.cover);
			if (outdir) {
				const char *b = strrchr(argv[i], '/');
				char path[4096];
				size_t bl;
				b = b ? b + 1 : argv[i];
				bl = strcspn(b, ".");
				snprintf(path, sizeof(path), "%s/%.*s-%d.jpg", outdir, (int)bl, b, k);
				if (save_jpeg(path, &rect) == -1)
					fprintf(stderr, "loc-demo: %s: cannot write\n", path);
			}
			loc_image_free(&rect);
		}
		loc_image_free(&img);
	}
	return 0;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct tally {
	int photos, truth, found, fp, nocard_photos, nocard_ok, orient_ok, side_ok, side_unknown, cut;
	int within1, within2, nerr;
	int flag_n[4], flag_tp[4], flag_fp[4], flag_pos[4];
	double err[4096], ms[4096];
	int nms;
};

static const char *flag_names[4] = { "gray_image", "border_covered", "head_blurred", "head_covered" };

static void
bench_one(const char *dir, const char *name, struct tally *t)
{
	char path[4096], jpath[4096];
	struct loc_image img;
	struct loc_result res;
	struct fz_err err;
	json_t *js, *cards;
	json_error_t je;
	size_t i, ntruth;
	int used[LOC_MAX_CARDS] = { 0 }, k, matched = 0;
	double t0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(jpath, sizeof(jpath), "%s/%.*s.json", dir, (int)(strlen(name) - 4), name);
	if ((js = json_load_file(jpath, 0, &je)) == NULL)
		return;
	if (loc_load_jpeg(path, &img, NULL, NULL) == -1) {
		json_decref(js);
		return;
	}
	t0 = cpu_ms();
	if (loc_find_cards(&img, &res, &err) == -1)
		res.n = 0;
	if (t->nms < 4096)
		t->ms[t->nms++] = cpu_ms() - t0;
	t->photos++;
	cards = json_object_get(js, "cards");
	ntruth = json_array_size(cards);
	if (ntruth == 0) {
		t->nocard_photos++;
		t->nocard_ok += res.n == 0;
	}
	for (i = 0; i < ntruth; i++) {
		json_t *c = json_array_get(cards, i), *co = json_object_get(c, "corners");
		struct loc_pt tc[4];
		double cx = 0, cy = 0, cw, best = 1e18, e[4], emin = 1e18;
		int j, bk = -1, r, rbest = 0;
		const char *side = json_string_value(json_object_get(c, "side"));

		for (j = 0; j < 4; j++) {
			tc[j].x = json_real_value(json_array_get(json_array_get(co, (size_t)j), 0)) +
			    json_integer_value(json_array_get(json_array_get(co, (size_t)j), 0));
			tc[j].y = json_real_value(json_array_get(json_array_get(co, (size_t)j), 1)) +
			    json_integer_value(json_array_get(json_array_get(co, (size_t)j), 1));
			cx += tc[j].x / 4;
			cy += tc[j].y / 4;
		}
		cw = (hypot(tc[1].x - tc[0].x, tc[1].y - tc[0].y) + hypot(tc[2].x - tc[3].x, tc[2].y - tc[3].y)) / 2;
		t->truth++;
		t->cut += json_is_true(json_object_get(c, "cut"));
		for (k = 0; k < res.n; k++) {
			double dx = 0, dy = 0, dd;
			for (j = 0; j < 4; j++) {
				dx += res.card[k].c[j].x / 4;
				dy += res.card[k].c[j].y / 4;
			}
			dd = hypot(dx - cx, dy - cy);
			if (!used[k] && dd < best && dd < 0.4 * cw) {
				best = dd;
				bk = k;
			}
		}
		if (bk < 0)
			continue;
		used[bk] = 1;
		matched++;
		t->found++;
		for (r = 0; r < 4; r++) {
			double m = 0;
			for (j = 0; j < 4; j++) {
				const struct loc_pt *p = &res.card[bk].c[(j + r) % 4];
				m = fmax(m, hypot(p->x - tc[j].x, p->y - tc[j].y));
			}
			e[r] = m / cw;
			if (e[r] < emin) {
				emin = e[r];
				rbest = r;
			}
		}
		if (!json_is_true(json_object_get(c, "cut"))) {
			if (t->nerr < 4096)
				t->err[t->nerr++] = emin;
			t->within1 += emin <= 0.01;
			t->within2 += emin <= 0.02;
		}
		t->orient_ok += rbest == 0;
		if (res.card[bk].side == LOC_CARD_UNKNOWN)
			t->side_unknown++;
		else
			t->side_ok += side && strcmp(side, side_name(res.card[bk].side)) == 0;
		{
			struct loc_image rect;
			struct loc_flags fl;
			int truthf[4], got[4], f;
			truthf[0] = json_is_true(json_object_get(js, "gray_image"));
			truthf[1] = json_is_true(json_object_get(c, "border_covered"));
			truthf[2] = json_is_true(json_object_get(c, "head_blurred"));
			truthf[3] = json_is_true(json_object_get(c, "head_covered"));
			if (loc_rectify(&img, res.card[bk].c, LOC_RECT_W, LOC_RECT_H, &rect, &err) == 0) {
				if (loc_quality(&img, &res.card[bk], &rect, &fl, &err) == 0) {
					got[0] = fl.gray_image, got[1] = fl.border_covered;
					got[2] = fl.head_blurred, got[3] = fl.head_covered;
					for (f = 0; f < 4; f++) {
						/* Portrait flags only on fronts. */
						if (f >= 2 && side && strcmp(side, "front") != 0)
							continue;
						t->flag_n[f]++;
						t->flag_pos[f] += truthf[f];
						t->flag_tp[f] += truthf[f] && got[f];
						t->flag_fp[f] += !truthf[f] && got[f];
					}
				}
				loc_image_free(&rect);
			}
		}
		if (getenv("LOC_BENCH_VERBOSE") && (emin > 0.01 || rbest != 0))
			printf("  %s card %zu: err %.4f rot %d side %s/%s\n", name, i, emin, rbest, side,
			    side_name(res.card[bk].side));
	}
	if (getenv("LOC_BENCH_VERBOSE") && (matched < (int)ntruth || res.n > matched))
		printf("  %s: truth %zu found %d matched %d\n", name, ntruth, res.n, matched);
	t->fp += res.n - matched;
	json_decref(js);
	loc_image_free(&img);
}

static int
bench(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct tally *t = calloc(1, sizeof(*t));
	char **names = NULL;
	size_t nn = 0, i;
	int f;

	if (d == NULL || t == NULL) {
		fprintf(stderr, "loc-demo: %s: cannot open\n", dir);
		free(t);
		if (d)
			closedir(d);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char **nv;
		if (l < 5 || strcmp(de->d_name + l - 4, ".jpg") != 0)
			continue;
		if ((nv = realloc(names, (nn + 1) * sizeof(*names))) == NULL)
			break;
		names = nv;
		names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	for (i = 0; i < nn; i++)
		bench_one(dir, names[i], t);
	qsort(t->err, (size_t)t->nerr, sizeof(double), cmp_d);
	qsort(t->ms, (size_t)t->nms, sizeof(double), cmp_d);
	printf("%s: photos %d, cards %d (cut %d), found %d, false %d, no-card photos %d/%d right\n", dir,
	    t->photos, t->truth, t->cut, t->found, t->fp, t->nocard_ok, t->nocard_photos);
	if (t->nerr)
		printf("  corner error / card width (uncut): <=1%% %d/%d, <=2%% %d/%d, median %.4f, p90 %.4f, max %.4f\n",
		    t->within1, t->nerr, t->within2, t->nerr, t->err[t->nerr / 2], t->err[t->nerr * 9 / 10],
		    t->err[t->nerr - 1]);
	printf("  orientation right %d/%d, side right %d/%d (unknown %d)\n", t->orient_ok, t->found, t->side_ok,
	    t->found, t->side_unknown);
	for (f = 0; f < 4; f++)
		printf("  %s: %d cases, %d positive, %d caught, %d false alarms\n", flag_names[f], t->flag_n[f],
		    t->flag_pos[f], t->flag_tp[f], t->flag_fp[f]);
	if (t->nms)
		printf("  locate cpu ms: median %.1f, p90 %.1f, max %.1f\n", t->ms[t->nms / 2],
		    t->ms[t->nms * 9 / 10], t->ms[t->nms - 1]);
	for (i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-b") == 0)
		return bench(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "-o") == 0)
		return demo(argv[2], argc - 3, argv + 3);
	if (argc >= 2 && argv[1][0] != '-')
		return demo(NULL, argc - 1, argv + 1);
	fprintf(stderr, "usage: loc-demo [-o DIR] PHOTO.jpg...\n       loc-demo -b DIR\n");
	return 2;
}
