/* multipart/form-data (RFC 7578) on a buffered body: the boundary from Content-Type, part headers, one field. */
#include "srv_form.h"

#include <string.h>
#include <strings.h>

#include "srv.h"

#define BOUNDARY_MAX 70 /* RFC 2046 */

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
prefix_ci(const char *s, size_t n, const char *p)
{
	size_t i;

	for (i = 0; p[i] != '\0'; i++)
		if (i >= n || lower((unsigned char)s[i]) != p[i])
			return 0;
	return 1;
}

bool
srv_form_is_form(const char *ct)
{
	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return prefix_ci(ct, strlen(ct), "multipart/") ||
	    prefix_ci(ct, strlen(ct), "application/x-www-form-urlencoded");
}

static const unsigned char *
find(const unsigned char *h, size_t hn, const unsigned char *n, size_t nn)
{
	const unsigned char *p, *end;

	if (nn == 0 || hn < nn)
		return NULL;
	end = h + hn - nn + 1;
	for (p = h; p < end; p++) {
		if ((p = memchr(p, n[0], (size_t)(end - p))) == NULL)
			return NULL;
		if (memcmp(p, n, nn) == 0)
			return p;
	}
	return NULL;
}

/*
 * The next delimiter in [h, h+hn): "\r\n--boundary" followed by "--" or by
 * optional blanks and CRLF. A match followed by anything else is content
 * (a boundary that merely starts the same way).
 */
static const unsigned char *
find_delim(const unsigned char *h, size_t hn, const unsigned char *d, size_t dn)
{
	const unsigned char *p, *end = h + hn, *q;

	while ((p = find(h, (size_t)(end - h), d, dn)) != NULL) {
		q = p + dn;
		if (end - q >= 2 && q[0] == '-' && q[1] == '-')
			return p;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (end - q >= 2 && q[0] == '\r' && q[1] == '\n')
			return p;
		h = p + 1;
	}
	return NULL;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * Value of parameter `key` in a header value "type; k=v; k="v"" into out
 * (unquoted, backslash escapes taken literally). 1 found, 0 not, -1 too long.
 */
static int
param(const char *v, size_t vn, const char *key, char *out, size_t outsz)
{
	const char *p = v, *end = v + vn, *k, *q;
	size_t kn = strlen(key), n;
	int quoted;

	while ((p = memchr(p, ';', (size_t)(end - p))) != NULL) {
		p = skip_ws(p + 1, end);
		k = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		q = p;
		while (q > k && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (p == end || *p != '=')
			continue;
		p = skip_ws(p + 1, end);
		quoted = p < end && *p == '"';
		if (quoted)
			p++;
		n = 0;
		for (; p < end; p++) {
			if (quoted && *p == '"')
				break;
			if (!quoted && (*p == ';' || *p == ' ' || *p == '\t'))
				break;
			if (quoted && *p == '\\' && p + 1 < end)
				p++;
			if (n + 1 >= outsz)
				return -1;
			out[n++] = *p;
		}
		out[n] = '\0';
		if ((size_t)(q - k) == kn && prefix_ci(k, kn, key))
			return 1;
	}
	return 0;
}

/* The part's Content-Disposition names `name`: 1 yes, 0 no. */
static int
part_is(const char *hdr, size_t hn, const char *name)
{
	const char *line = hdr, *end = hdr + hn, *eol, *v;
	char got[256];

	for (; line < end; line = eol + 2) {
		eol = (const char *)find((const unsigned char *)line,
		    (size_t)(end - line), (const unsigned char *)"\r\n", 2);
		if (eol == NULL)
			eol = end;
		if (!prefix_ci(line, (size_t)(eol - line), "content-disposition:"))
			continue;
		v = skip_ws(line + 20, eol);
		if (!prefix_ci(v, (size_t)(eol - v), "form-data"))
			return 0;
		return param(v, (size_t)(eol - v), "name", got, sizeof(got)) == 1 &&
		    strcmp(got, name) == 0;
	}
	return 0;
}

int
srv_form_find(const char *ct, const unsigned char *body, size_t len,
    const char *name, const unsigned char **part, size_t *plen)
{
	unsigned char delim[BOUNDARY_MAX + 4]; /* "\r\n--" boundary */
	char b[BOUNDARY_MAX + 2];
	const unsigned char *p, *end = body + len, *hend, *next;
	size_t dn, nparts = 0;
	int r;

	if (ct == NULL)
		return SRV_E_CONTENT_TYPE;
	ct = skip_ws(ct, ct + strlen(ct));
	if (!prefix_ci(ct, strlen(ct), "multipart/form-data"))
		return SRV_E_CONTENT_TYPE;
	r = param(ct, strlen(ct), "boundary", b, sizeof(b));
	if (r != 1 || b[0] == '\0' || strlen(b) > BOUNDARY_MAX)
		return SRV_E_CONTENT_TYPE;
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, b, strlen(b));
	dn = 4 + strlen(b);

	/* The first delimiter may open the body (no CRLF before it) or follow a preamble. */
	if (len >= dn - 2 && memcmp(body, delim + 2, dn - 2) == 0)
		p = body + dn - 2;
	else if ((p = find(body, len, delim, dn)) != NULL)
		p += dn;
	else
		return SRV_E_CORRUPT;
	for (;;) {
		/* After a delimiter: "--" closes the body, else optional blanks then CRLF. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return SRV_E_MISSING_PARAM;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return SRV_E_CORRUPT;
		p += 2;
		if (++nparts > SRV_FORM_MAX_PARTS)
			return SRV_E_CORRUPT;
		/* Headers end at an empty line; a part may have none (CRLF at once). */
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			hend = p;
		else {
			size_t room = (size_t)(end - p);
			if (room > SRV_FORM_MAX_HEADERS + 4)
				room = SRV_FORM_MAX_HEADERS + 4;
			if ((hend = find(p, room, (const unsigned char *)"\r\n\r\n", 4)) == NULL)
				return SRV_E_CORRUPT;
			hend += 2;
		}
		if ((next = find_delim(hend + 2, (size_t)(end - hend - 2), delim, dn)) == NULL)
			return SRV_E_CORRUPT;
		if (part_is((const char *)p, (size_t)(hend - p), name)) {
			*part = hend + 2;
			*plen = (size_t)(next - hend - 2);
			return SRV_OK;
		}
		p = next + dn;
	}
}
