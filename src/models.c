/* Finding the OCR models: the places looked at in order, each file read once
 * and checked by size and SHA-256. */
#include "models.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"

#ifndef FZ_MODELSDIR
#define FZ_MODELSDIR "/usr/local/share/faiz-idcard/models"
#endif

#define MODELS_PATH_MAX 4096

/*
 * The committed values of models/MANIFEST, in enum models_file order.
 * tests/unit/models_test.c fails when they differ from the manifest, so a
 * model update changes both or the build's tests say so.
 */
static const struct models_expect committed[MODELS_NFILES] = {
    {"ch_PP-OCRv4_det_infer.onnx", 4745517,
        "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"},
    {"ch_PP-OCRv4_rec_infer.onnx", 10822323,
        "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"},
    {"ppocr_keys_v1.txt", 26249,
        "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7"},
};

static const struct models_expect *expect = committed;
static const char *installed = FZ_MODELSDIR;

const struct models_expect *
models_expected(void)
{
	return committed;
}

void
models_test_override(
    const struct models_expect *table, const char *installed_dir)
{
	expect = table ? table : committed;
	installed = installed_dir ? installed_dir : FZ_MODELSDIR;
}

/* What went wrong, gathered over all places; cut short rather than overflow. */
struct report {
	char buf[sizeof(((struct fz_err *)0)->msg) - 64];
	size_t len;
};

static void report_add(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
report_add(struct report *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->len += (size_t)n;
	if (r->len >= sizeof(r->buf))
		r->len = sizeof(r->buf) - 1;
}

/*
 * Reads path, which must be a regular file of exactly e->bytes bytes with
 * e->sha256; the size is checked before anything is read, so a wrong or
 * hostile file costs nothing. Returns 0 with *data, or -1 after adding
 * sep and what was wrong to r.
 */
static int
read_checked(const char *path, const struct models_expect *e,
    unsigned char **data, const char *sep, struct report *r)
{
	struct stat st;
	unsigned char *buf = NULL;
	char hex[65];
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		report_add(r, "%s%s %s", sep, e->name,
		    errno == ENOENT ? "missing" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		report_add(r, "%s%s not a regular file", sep, e->name);
		goto fail;
	}
	if ((unsigned long long)st.st_size != (unsigned long long)e->bytes) {
		report_add(r, "%s%s wrong size: %lld bytes, expected %zu", sep,
		    e->name, (long long)st.st_size, e->bytes);
		goto fail;
	}
	if ((buf = malloc(e->bytes ? e->bytes : 1)) == NULL) {
		report_add(r, "%s%s out of memory", sep, e->name);
		goto fail;
	}
	while (got < e->bytes) {
		n = read(fd, buf + got, e->bytes - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			report_add(r, "%s%s unreadable: %s", sep, e->name,
			    n < 0 ? strerror(errno) : "shorter than its size");
			goto fail;
		}
		got += (size_t)n;
	}
	if (digest_sha256_hex(buf, e->bytes, hex) != 0) {
		report_add(r, "%s%s cannot compute its SHA-256", sep, e->name);
		goto fail;
	}
	if (strcmp(hex, e->sha256) != 0) {
		report_add(r, "%s%s wrong SHA-256", sep, e->name);
		goto fail;
	}
	close(fd);
	*data = buf;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

/*
 * Tries one directory: 0 with *out filled when every file verifies, or -1
 * after adding "LABEL DIR (problems)" to r. Every file is checked even
 * after a failure, so the message lists them all.
 */
static int
try_dir(const char *label, const char *dir, struct models_set *out,
    struct report *r)
{
	struct models_set s;
	struct stat st;
	int i, bad = 0;

	memset(&s, 0, sizeof(s));
	report_add(r, "%s%s %s (", r->len ? "; " : "", label, dir);
	if (stat(dir, &st) != 0) {
		report_add(r, "%s)",
		    errno == ENOENT ? "no such directory" : strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		report_add(r, "not a directory)");
		return -1;
	}
	if ((s.dir = fz_strdup(dir)) == NULL) {
		report_add(r, "out of memory)");
		return -1;
	}
	for (i = 0; i < MODELS_NFILES; i++) {
		if ((s.path[i] = fz_printf("%s/%s", dir, expect[i].name)) ==
		    NULL) {
			report_add(r, "%sout of memory", bad ? ", " : "");
			bad = 1;
		} else if (read_checked(s.path[i], &expect[i], &s.data[i],
		               bad ? ", " : "", r) != 0) {
			bad = 1;
		} else {
			s.len[i] = expect[i].bytes;
		}
	}
	if (bad) {
		report_add(r, ")");
		models_set_free(&s);
		return -1;
	}
	*out = s;
	return 0;
}

/* models/ in the directory of the running binary, or NULL if unknown. */
static char *
beside_binary(void)
{
	char exe[MODELS_PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	return fz_printf("%s/models", exe[0] ? exe : "");
}

int
models_find(const char *cli_dir, struct models_set *out, struct fz_err *err)
{
	struct report r;
	const char *env;
	char *beside = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	r.len = 0;
	r.buf[0] = '\0';
	env = getenv("FAIZ_MODELS");
	if (cli_dir != NULL) {
		rc = try_dir("--models", cli_dir, out, &r);
	} else if (env != NULL && env[0] != '\0') {
		rc = try_dir("FAIZ_MODELS", env, out, &r);
	} else {
		rc = try_dir("installed", installed, out, &r);
		if (rc != 0) {
			beside = beside_binary();
			if (beside != NULL)
				rc = try_dir(
				    "beside the binary", beside, out, &r);
			else
				report_add(&r,
				    "; the binary's own directory is unknown");
		}
	}
	if (rc != 0)
		fz_seterr(err,
		    "no usable OCR models: %s; make models fetches them",
		    r.buf);
	free(beside);
	return rc;
}

void
models_set_free(struct models_set *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < MODELS_NFILES; i++) {
		free(s->path[i]);
		free(s->data[i]);
	}
	free(s->dir);
	memset(s, 0, sizeof(*s));
}
