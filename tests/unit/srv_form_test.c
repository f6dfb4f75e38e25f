/* Unit tests for srv_form.c: boundaries, the imageData field, wrong Content-Types, corrupted bodies, huge parts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"
#include "srv_form.h"
#include "unit.h"

static const unsigned char *part;
static size_t plen;

static int
find(const char *ct, const char *body)
{
	part = NULL;
	plen = 0;
	return srv_form_find(ct, (const unsigned char *)body, strlen(body),
	    SRV_FORM_FIELD, &part, &plen);
}

static int
part_is(const char *want)
{
	return part != NULL && plen == strlen(want) && memcmp(part, want, plen) == 0;
}

#define CT "multipart/form-data; boundary=XyZ"
#define IMG_HDR "Content-Disposition: form-data; name=\"imageData\"; filename=\"a.jpg\"\r\n" \
	"Content-Type: image/jpeg\r\n\r\n"

static void
test_found(void)
{
	/* curl -F style: another field first, then the image, then the close. */
	CHECK(find(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhello\r\n"
	    "--XyZ\r\n" IMG_HDR "JPEGBYTES\r\n--XyZ--\r\n") == 0);
	CHECK(part_is("JPEGBYTES"));
	/* Bytes that look like a delimiter but lack the CRLF before it stay in the part. */
	CHECK(find(CT, "--XyZ\r\n" IMG_HDR "a--XyZ\r\nb\r\n--XyZX\r\n\r\n--XyZ--") == 0);
	CHECK(part_is("a--XyZ\r\nb\r\n--XyZX\r\n"));
	/* A preamble before the first delimiter; no CRLF after the close. */
	CHECK(find(CT, "This is a preamble.\r\n--XyZ\r\n" IMG_HDR "DATA\r\n--XyZ--") == 0);
	CHECK(part_is("DATA"));
	/* Media type and parameter names in any case; quoted boundary with a space. */
	CHECK(find("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b\"",
	    "--a b\r\ncontent-disposition: form-data; name=imageData\r\n\r\nQ\r\n--a b--") == 0);
	CHECK(part_is("Q"));
	/* Blanks after a delimiter (transport padding), an empty part. */
	CHECK(find(CT, "--XyZ  \r\n" IMG_HDR "\r\n--XyZ--") == 0);
	CHECK(part_is(""));
	/* A 70-character boundary is the longest allowed. */
	{
		char b[71], ct[128], body[512];
		memset(b, 'b', 70);
		b[70] = '\0';
		snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b);
		snprintf(body, sizeof(body), "--%s\r\n" IMG_HDR "X\r\n--%s--", b, b);
		CHECK(find(ct, body) == 0 && part_is("X"));
	}
}

static void
test_missing(void)
{
	/* No part named imageData: field names are case-sensitive and exact. */
	CHECK(find(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nx\r\n--XyZ--") ==
	    SRV_E_MISSING_PARAM);
	CHECK(find(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"imagedata\"\r\n\r\nx\r\n--XyZ--") ==
	    SRV_E_MISSING_PARAM);
	CHECK(find(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"imageDataX\"\r\n\r\nx\r\n--XyZ--") ==
	    SRV_E_MISSING_PARAM);
	/* filename="imageData" is not the field name. */
	CHECK(find(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"imageData\"\r\n\r\nx\r\n--XyZ--") ==
	    SRV_E_MISSING_PARAM);
	/* A part with no headers at all. */
	CHECK(find(CT, "--XyZ\r\n\r\nx\r\n--XyZ--") == SRV_E_MISSING_PARAM);
	CHECK(find(CT, "--XyZ--\r\n") == SRV_E_MISSING_PARAM);
}

static void
test_content_type(void)
{
	const char *body = "--XyZ\r\n" IMG_HDR "D\r\n--XyZ--";

	CHECK(find(NULL, body) == SRV_E_CONTENT_TYPE);
	CHECK(find("multipart/form-data", body) == SRV_E_CONTENT_TYPE);
	CHECK(find("multipart/form-data; boundary=", body) == SRV_E_CONTENT_TYPE);
	CHECK(find("multipart/form-data; boundary=\"\"", body) == SRV_E_CONTENT_TYPE);
	CHECK(find("multipart/mixed; boundary=XyZ", body) == SRV_E_CONTENT_TYPE);
	CHECK(find("application/x-www-form-urlencoded", body) == SRV_E_CONTENT_TYPE);
	CHECK(find("application/octet-stream", body) == SRV_E_CONTENT_TYPE);
	{
		char ct[128];
		snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%071d", 0);
		CHECK(find(ct, body) == SRV_E_CONTENT_TYPE);
	}
	/* Which Content-Types mean a form upload at all. */
	CHECK(srv_form_is_form("multipart/form-data; boundary=x"));
	CHECK(srv_form_is_form(" MULTIPART/mixed"));
	CHECK(srv_form_is_form("application/x-www-form-urlencoded; charset=UTF-8"));
	CHECK(!srv_form_is_form("application/octet-stream"));
	CHECK(!srv_form_is_form("image/jpeg"));
	CHECK(!srv_form_is_form(NULL));
}

static void
test_corrupt(void)
{
	char *big;
	size_t i, n;

	/* The boundary does not match the body. */
	CHECK(find("multipart/form-data; boundary=other", "--XyZ\r\n" IMG_HDR "D\r\n--XyZ--") == SRV_E_CORRUPT);
	/* The image part never ends. */
	CHECK(find(CT, "--XyZ\r\n" IMG_HDR "DATA WITHOUT END") == SRV_E_CORRUPT);
	/* Part headers never end. */
	CHECK(find(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"imageData\"\r\nD\r\n--XyZ--") ==
	    SRV_E_CORRUPT);
	/* Junk right after a delimiter. */
	CHECK(find(CT, "--XyZjunk\r\n" IMG_HDR "D\r\n--XyZ--") == SRV_E_CORRUPT);
	/* Empty body. */
	CHECK(find(CT, "") == SRV_E_CORRUPT);

	/* Part headers over the bound. */
	n = SRV_FORM_MAX_HEADERS + 200;
	big = malloc(n + 256);
	strcpy(big, "--XyZ\r\nX-Pad: ");
	for (i = strlen(big); i < n; i++)
		big[i] = 'p';
	big[i] = '\0';
	strcat(big, "\r\n" IMG_HDR "D\r\n--XyZ--");
	CHECK(find(CT, big) == SRV_E_CORRUPT);
	free(big);

	/* More parts than the bound, the image last. */
	n = (SRV_FORM_MAX_PARTS + 1) * 64 + 256;
	big = malloc(n);
	big[0] = '\0';
	for (i = 0; i < SRV_FORM_MAX_PARTS; i++)
		strcat(big, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n");
	strcat(big, "--XyZ\r\n" IMG_HDR "D\r\n--XyZ--");
	CHECK(find(CT, big) == SRV_E_CORRUPT);
	free(big);
}

static void
test_huge(void)
{
	const char *head = "--XyZ\r\n" IMG_HDR, *tail = "\r\n--XyZ--\r\n";
	size_t n = SRV_MAX_IMAGE_BYTES, hl = strlen(head), tl = strlen(tail), i;
	unsigned char *body = malloc(hl + n + tl);
	unsigned long seed = 7;
	int rc;

	/* 3 MiB of noise (with CR, LF and '-' among it) comes back byte for byte. */
	memcpy(body, head, hl);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245UL + 12345UL;
		body[hl + i] = (unsigned char)(seed >> 16);
	}
	memcpy(body + hl + n, tail, tl);
	rc = srv_form_find(CT, body, hl + n + tl, SRV_FORM_FIELD, &part, &plen);
	CHECK(rc == 0);
	CHECK(plen == n && part == body + hl);
	/* Cut anywhere inside the part: corrupted, never a shorter image. */
	rc = srv_form_find(CT, body, hl + n / 2, SRV_FORM_FIELD, &part, &plen);
	CHECK(rc == SRV_E_CORRUPT);
	free(body);
}

int
main(void)
{
	test_found();
	test_missing();
	test_content_type();
	test_corrupt();
	test_huge();
	return unit_done("srv_form");
}
