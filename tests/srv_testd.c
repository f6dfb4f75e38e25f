/* TEST DOUBLE, never shipped: the srv_* server with a fake engine that reads a specimen card's fields from its COM segment. */
/*
 * The engine of issue H is not there yet; this program drives the server
 * modules exactly as `faiz-idcard serve` will, with an engine that
 * "recognises" the synthetic cards of tests/mkcards.py by reading the
 * FAIZ-SPECIMEN JSON they carry (as tests/emulator.py does), and returns the
 * upload itself as every cut-out image. It is built into build/ for the
 * tests only.
 *
 *   srv-testd --port-file FILE [--listen ADDR:PORT] [--keys FILE] [--redis URL]
 *             [-j N] [--queue N] [--delay SECONDS] [--timeout SECONDS]
 *             [--conn-timeout SECONDS] [--max-body BYTES] [--ready-after SECONDS]
 *             [--require-body-hash] [--engine-fail] [--tls-cert F --tls-key F]
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "digest.h"
#include "srv.h"
#include "srv_http.h"

struct fake {
	double delay;
	int fail;
	int nworkers;
	int *busy; /* per worker index: catches two calls at once on one index */
};

static const char prefix[] = "FAIZ-SPECIMEN ";

/* The JSON of the first FAIZ-SPECIMEN COM segment before the scan, or NULL. */
static json_t *
specimen(const unsigned char *d, size_t n)
{
	size_t i = 2, seg;

	while (i + 4 <= n && d[i] == 0xFF) {
		if (d[i + 1] == 0xFF) {
			i++;
			continue;
		}
		if (d[i + 1] == 0xDA || d[i + 1] == 0xD9)
			return NULL;
		seg = (size_t)d[i + 2] << 8 | d[i + 3];
		if (seg < 2 || i + 2 + seg > n)
			return NULL;
		if (d[i + 1] == 0xFE && seg - 2 >= sizeof(prefix) - 1 &&
		    memcmp(d + i + 4, prefix, sizeof(prefix) - 1) == 0)
			return json_loadb((const char *)d + i + 4 + sizeof(prefix) - 1,
			    seg - 2 - (sizeof(prefix) - 1), 0, NULL);
		i += 2 + seg;
	}
	return NULL;
}

static char *
field(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? fz_strdup(json_string_value(v)) : NULL;
}

static int
flag(json_t *o, const char *k, int dflt)
{
	json_t *v = json_object_get(o, k);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static int
copy_image(struct srv_image *im, const unsigned char *d, size_t n)
{
	if ((im->data = malloc(n)) == NULL)
		return -1;
	memcpy(im->data, d, n);
	im->len = n;
	return 0;
}

static void
sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
recognise(void *ctx, int worker, const unsigned char *jpeg, size_t len,
    const atomic_int *cancel, struct srv_result *out, struct fz_err *err)
{
	struct fake *f = ctx;
	const char *type;
	char hex[65];
	json_t *o;
	int rc = 0;

	(void)cancel; /* the fake's delay is not cut short */
	if (worker < 0 || worker >= f->nworkers ||
	    __atomic_exchange_n(&f->busy[worker], 1, __ATOMIC_SEQ_CST)) {
		fz_seterr(err, "worker index %d used twice at once", worker);
		return -1;
	}
	if (f->delay > 0)
		sleep_s(f->delay);
	if (f->fail) {
		fz_seterr(err, "fake engine told to fail");
		rc = -1;
		goto done;
	}
	o = specimen(jpeg, len);
	type = json_string_value(json_object_get(o, "type"));
	if (type == NULL) {
		out->error_code = 40007;
		json_decref(o);
		goto done;
	}
	digest_sha256_hex(jpeg, len, hex);
	out->time_preprocess_ms = 80 + strtol((char[]){ hex[0], hex[1], 0 }, NULL, 16) % 120;
	out->time_recognize_ms = 150 + strtol((char[]){ hex[2], hex[3], 0 }, NULL, 16) % 250;
	out->head_covered = flag(o, "head_covered", 0);
	out->head_blurred = flag(o, "head_blurred", 0);
	out->border_covered = flag(o, "border_covered", 0);
	out->gray_image = flag(o, "gray_image", 0);
	out->complete = flag(o, "complete", 1);
	if (copy_image(&out->cropped_image, jpeg, len) == -1)
		rc = -1;
	if (strcmp(type, "第二代身份证背面") == 0) {
		out->type = SRV_CARD_BACK;
		out->issue_authority = field(o, "issue_authority");
		out->validity = field(o, "validity");
	} else {
		out->type = strcmp(type, "临时身份证") == 0 ? SRV_CARD_TEMPORARY : SRV_CARD_FRONT;
		out->name = field(o, "name");
		out->sex = field(o, "sex");
		out->people = field(o, "people");
		out->birthday = field(o, "birthday");
		out->address = field(o, "address");
		out->id_number = field(o, "id_number");
		if (copy_image(&out->head_portrait, jpeg, len) == -1 ||
		    copy_image(&out->id_number_image, jpeg, len) == -1)
			rc = -1;
	}
	json_decref(o);
	if (rc == -1)
		fz_seterr(err, "out of memory");
done:
	__atomic_store_n(&f->busy[worker], 0, __ATOMIC_SEQ_CST);
	return rc;
}

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "srv-testd: %s\n", line);
	fflush(stderr);
}

struct ready_arg {
	struct srv_http *s;
	double after;
};

static void *
ready_later(void *p)
{
	struct ready_arg *a = p;

	sleep_s(a->after);
	srv_http_set_ready(a->s, true);
	return NULL;
}

static double
num(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || v < 0) {
		fprintf(stderr, "srv-testd: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port-file", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "keys", required_argument, NULL, 'k' },
		{ "redis", required_argument, NULL, 'r' },
		{ "queue", required_argument, NULL, 'q' },
		{ "delay", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "conn-timeout", required_argument, NULL, 'c' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "ready-after", required_argument, NULL, 'a' },
		{ "require-body-hash", no_argument, NULL, 'b' },
		{ "engine-fail", no_argument, NULL, 'f' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct srv_config cfg;
	struct fake f = { 0 };
	struct srv_engine eng = { recognise, &f };
	struct ready_arg ra = { NULL, 0 };
	const char *port_file = NULL;
	struct srv_http *s;
	struct fz_err err;
	pthread_t rt;
	sigset_t set;
	char tmp[4096];
	FILE *fp;
	int c;

	srv_config_init(&cfg);
	cfg.listen = "127.0.0.1:0";
	cfg.log = log_line;
	while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port_file = optarg; break;
		case 'l': cfg.listen = optarg; break;
		case 'k': cfg.keys_file = optarg; break;
		case 'r': cfg.redis_url = optarg; break;
		case 'j': cfg.workers = (int)num(optarg); break;
		case 'q': cfg.queue = (int)num(optarg); break;
		case 'd': f.delay = num(optarg); break;
		case 't': cfg.request_timeout = num(optarg); break;
		case 'c': cfg.conn_timeout = (unsigned)num(optarg); break;
		case 'm': cfg.max_body = (size_t)num(optarg); break;
		case 'a': ra.after = num(optarg); break;
		case 'b': cfg.require_body_hash = true; break;
		case 'f': f.fail = 1; break;
		case 'C': cfg.tls_cert = optarg; break;
		case 'K': cfg.tls_key = optarg; break;
		default: return 2;
		}
	}
	if (port_file == NULL || optind != argc) {
		fprintf(stderr, "usage: srv-testd --port-file FILE [options]\n");
		return 2;
	}
	f.nworkers = cfg.workers > 0 ? cfg.workers : 1;
	if ((f.busy = calloc((size_t)f.nworkers, sizeof(int))) == NULL)
		return 1;
	if (srv_signals_block(&set, &err) == -1 ||
	    (s = srv_http_start(&cfg, &eng, &err)) == NULL) {
		fprintf(stderr, "srv-testd: %s\n", err.msg);
		free(f.busy);
		return 1;
	}
	ra.s = s;
	if (ra.after > 0)
		pthread_create(&rt, NULL, ready_later, &ra);
	else
		srv_http_set_ready(s, true);
	snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
	if ((fp = fopen(tmp, "w")) == NULL || fprintf(fp, "%u\n", srv_http_port(s)) < 0 ||
	    fclose(fp) != 0 || rename(tmp, port_file) != 0) {
		fprintf(stderr, "srv-testd: %s: cannot write\n", port_file);
		srv_http_free(s);
		free(f.busy);
		return 1;
	}
	c = srv_http_run(s, &set);
	if (ra.after > 0) {
		/* Stopped before it was ready: the sleeping thread is cancelled, not waited for. */
		pthread_cancel(rt);
		pthread_join(rt, NULL);
	}
	srv_http_free(s);
	free(f.busy);
	return c;
}
