/* The recogniser result every backend hands back: creation, errors, warnings, freeing. */
#include "recog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct recog_result *
recog_result_new(size_t id)
{
	struct recog_result *r;
	size_t i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->id = id;
	for (i = 0; i < RECOG_NFLAGS; i++)
		r->flags[i] = -1;
	return r;
}

int
recog_text_set(struct recog_text *t, const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return -1;
	memcpy(p, s, n);
	p[n] = '\0';
	free(t->s);
	t->s = p;
	t->len = n;
	return 0;
}

int
recog_result_error(struct recog_result *r, const char *code,
    const char *fmt, ...)
{
	va_list ap;
	char buf[2048];

	snprintf(r->code, sizeof(r->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->message);
	return (r->message = fz_strdup(buf)) == NULL ? -1 : 0;
}

int
recog_result_warn(struct recog_result *r, const char *code,
    const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strlist_push(&r->warnings, code) == -1)
		return -1;
	if (strlist_push(&r->warnings, buf) == -1) {
		free(r->warnings.v[--r->warnings.n]);
		return -1;
	}
	return 0;
}

void
recog_result_free(struct recog_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->type.s);
	for (i = 0; i < RECOG_NTEXT; i++)
		free(r->text[i].s);
	free(r->sid.s);
	for (i = 0; i < RECOG_NIMAGES; i++)
		free(r->images[i].data);
	strlist_free(&r->warnings);
	json_decref(r->prepared);
	json_decref(r->raw);
	free(r->message);
	json_decref(r->confidence);
	json_decref(r->changes);
	recog_result_free(r->next_card);
	free(r);
}
