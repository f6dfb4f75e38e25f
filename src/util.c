/* Small shared helpers: error messages, string building, clocks, paths. */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static void
vseterr(struct fz_err *e, int errnum, const char *fmt, va_list ap)
{
	if (e == NULL)
		return;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	e->errnum = errnum;
}

void
fz_seterr(struct fz_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(e, 0, fmt, ap);
	va_end(ap);
}

void
fz_seterrno(struct fz_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(e, errnum, fmt, ap);
	va_end(ap);
}

char *
fz_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

char *
fz_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if ((s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

double
fz_now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
fz_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return 0;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	/* A signal ends the sleep; the caller checks its interrupt flag. */
	if (nanosleep(&ts, NULL) == -1 && errno == EINTR)
		return 1;
	return 0;
}

char *
fz_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;
	size_t n;
	char *s;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	n = (dot && dot != base) ? (size_t)(dot - base) : strlen(base);
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, base, n);
	s[n] = '\0';
	return s;
}

void
fz_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
strlist_push(struct strlist *l, const char *s)
{
	char *c, **nv;
	size_t ncap;

	if ((c = strdup(s)) == NULL)
		return -1;
	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 8;
		if ((nv = realloc(l->v, ncap * sizeof(*nv))) == NULL) {
			free(c);
			return -1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = c;
	return 0;
}

int
strlist_pushf(struct strlist *l, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strlist_push(l, buf);
}

void
strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not valid. */
static size_t
utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;
		if (s[0] == 0xed && s[1] > 0x9f)
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xf4 && s[1] > 0x8f)
			return 0;
		return 4;
	}
	return 0;
}

char *
fz_utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0, k;
	char *out;

	/* Each bad byte becomes three bytes at most. */
	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	while (*p) {
		if ((k = utf8_seq(p)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(out + o, p, k);
		o += k;
		p += k;
	}
	out[o] = '\0';
	return out;
}
