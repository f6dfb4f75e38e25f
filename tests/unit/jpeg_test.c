/* Unit tests for jpeg.c: hand-built JPEG byte streams, good and broken. */
#include <stdlib.h>

#include "jpeg.h"
#include "unit.h"

struct jb {
	unsigned char b[4096];
	size_t n;
};

static void
put(struct jb *j, const unsigned char *p, size_t n)
{
	if (j->n + n > sizeof(j->b))
		abort();
	memcpy(j->b + j->n, p, n);
	j->n += n;
}

#define PUT(j, ...) put((j), (const unsigned char[]){ __VA_ARGS__ }, \
    sizeof((const unsigned char[]){ __VA_ARGS__ }))

static void
app0(struct jb *j)
{
	PUT(j, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01,
	    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00);
}

static void
dqt(struct jb *j)
{
	int i;

	PUT(j, 0xff, 0xdb, 0x00, 0x43, 0x00);
	for (i = 0; i < 64; i++)
		PUT(j, (unsigned char)(i + 1));
}

static void
sof(struct jb *j, unsigned char m, unsigned w, unsigned h)
{
	PUT(j, 0xff, m, 0x00, 0x11, 0x08, (unsigned char)(h >> 8),
	    (unsigned char)h, (unsigned char)(w >> 8), (unsigned char)w, 0x03,
	    0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01);
}

static void
dht(struct jb *j)
{
	int i;

	/* 2 length + 1 class/id + 16 counts + 12 values = 31. */
	PUT(j, 0xff, 0xc4, 0x00, 0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01,
	    0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	for (i = 0; i < 12; i++)
		PUT(j, (unsigned char)i);
}

static void
sos(struct jb *j)
{
	PUT(j, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03,
	    0x11, 0x00, 0x3f, 0x00);
}

/* Entropy-coded bytes with a stuffed FF 00, restart markers and a fill byte. */
static void
scan_data(struct jb *j)
{
	PUT(j, 0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78, 0xff, 0xff,
	    0xd1, 0x9a, 0xbc);
}

static void
soi(struct jb *j)
{
	PUT(j, 0xff, 0xd8);
}

static void
eoi(struct jb *j)
{
	PUT(j, 0xff, 0xd9);
}

static void
baseline(struct jb *j, unsigned w, unsigned h)
{
	j->n = 0;
	soi(j);
	app0(j);
	dqt(j);
	sof(j, 0xc0, w, h);
	dht(j);
	sos(j);
	scan_data(j);
	eoi(j);
}

static int
probe(const struct jb *j, struct jpeg_info *info, struct fz_err *err)
{
	err->msg[0] = '\0';
	return jpeg_probe(j->b, j->n, info, err);
}

int
main(void)
{
	struct jb j;
	struct jpeg_info info;
	struct fz_err err;
	unsigned char one = 0xff;
	size_t i, k;
	int rc, all_short_fail;

	/* A baseline image: dimensions and components come from SOF0. */
	baseline(&j, 640, 480);
	CHECK(probe(&j, &info, &err) == JPEG_OK);
	CHECK(info.width == 640);
	CHECK(info.height == 480);
	CHECK(info.components == 3);
	CHECK(info.progressive == 0);

	/* Large dimensions use both bytes. */
	baseline(&j, 4032, 3024);
	CHECK(probe(&j, &info, &err) == JPEG_OK);
	CHECK(info.width == 4032 && info.height == 3024);

	/* Progressive: SOF2, two scans with a DHT between them. */
	j.n = 0;
	soi(&j);
	dqt(&j);
	sof(&j, 0xc2, 300, 200);
	dht(&j);
	sos(&j);
	scan_data(&j);
	dht(&j);
	sos(&j);
	scan_data(&j);
	eoi(&j);
	CHECK(probe(&j, &info, &err) == JPEG_OK);
	CHECK(info.progressive == 1);
	CHECK(info.width == 300 && info.height == 200);

	/* Other SOF markers: C1 extended, C3 lossless are not progressive; C9 arithmetic. */
	baseline(&j, 10, 20);
	j.b[2 + 18 + 69 + 1] = 0xc1;
	CHECK(probe(&j, &info, &err) == JPEG_OK && info.progressive == 0);
	j.b[2 + 18 + 69 + 1] = 0xc9;
	CHECK(probe(&j, &info, &err) == JPEG_OK && info.width == 10);
	/* C8 (JPG) is not a frame header: no SOF. */
	j.b[2 + 18 + 69 + 1] = 0xc8;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK_STR(err.msg, "corrupt JPEG (no SOF header)");

	/* Empty, one byte, other formats. */
	CHECK(jpeg_probe(j.b, 0, &info, &err) == JPEG_NOT_JPEG);
	CHECK_STR(err.msg, "not a JPEG (no SOI marker)");
	CHECK(jpeg_probe(&one, 1, &info, &err) == JPEG_NOT_JPEG);
	CHECK(jpeg_probe(NULL, 0, NULL, NULL) == JPEG_NOT_JPEG);
	CHECK(jpeg_probe((const unsigned char *)"GIF89a....", 10, &info, &err) ==
	    JPEG_NOT_JPEG);
	CHECK(jpeg_probe((const unsigned char *)"\x89PNG\r\n\x1a\n", 8, &info,
	    &err) == JPEG_NOT_JPEG);
	CHECK(info.width == 0 && info.height == 0);

	/* No EOI: cut off in the entropy-coded data. */
	baseline(&j, 640, 480);
	j.n -= 2;
	CHECK(probe(&j, &info, &err) == JPEG_TRUNCATED);
	CHECK_STR(err.msg, "truncated JPEG (no EOI marker)");
	/* Cut between FF and D9. */
	j.n += 1;
	CHECK(probe(&j, &info, &err) == JPEG_TRUNCATED);

	/* A segment running past the end: cut inside the DQT at offset 20. */
	baseline(&j, 640, 480);
	j.n = 30;
	CHECK(probe(&j, &info, &err) == JPEG_TRUNCATED);
	CHECK_STR(err.msg, "truncated JPEG (segment at offset 20 runs past the end)");
	/* Cut inside the length field itself. */
	j.n = 21 + 1;
	CHECK(probe(&j, &info, &err) == JPEG_TRUNCATED);

	/* A length field below 2. */
	baseline(&j, 640, 480);
	j.b[4] = 0x00;
	j.b[5] = 0x01;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK_STR(err.msg, "corrupt JPEG (segment length at offset 2)");

	/* A length larger than the file. */
	baseline(&j, 640, 480);
	j.b[4] = 0xff;
	CHECK(probe(&j, &info, &err) == JPEG_TRUNCATED);

	/* No SOF before SOS. */
	j.n = 0;
	soi(&j);
	app0(&j);
	dqt(&j);
	dht(&j);
	sos(&j);
	scan_data(&j);
	eoi(&j);
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK_STR(err.msg, "corrupt JPEG (no SOF header)");

	/* SOI alone; SOI and EOI; SOF but no SOS. */
	j.n = 0;
	soi(&j);
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK_STR(err.msg, "corrupt JPEG (no SOF header)");
	eoi(&j);
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	j.n = 0;
	soi(&j);
	sof(&j, 0xc0, 8, 8);
	eoi(&j);
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK_STR(err.msg, "corrupt JPEG (no SOS header)");
	j.n -= 2;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);

	/* Zero width, zero height. */
	baseline(&j, 0, 480);
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK_STR(err.msg, "corrupt JPEG (zero image width or height)");
	baseline(&j, 640, 0);
	CHECK(probe(&j, &info, &err) == JPEG_BAD);

	/* A SOF whose length does not match its component count. */
	baseline(&j, 640, 480);
	j.b[2 + 18 + 69 + 2 + 7] = 2;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK(strstr(err.msg, "SOF header length") != NULL);
	j.b[2 + 18 + 69 + 2 + 7] = 0;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);

	/* Two frame headers. */
	j.n = 0;
	soi(&j);
	sof(&j, 0xc0, 8, 8);
	sof(&j, 0xc0, 8, 8);
	sos(&j);
	scan_data(&j);
	eoi(&j);
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK(strstr(err.msg, "second SOF") != NULL);

	/* Bytes after EOI are allowed, even marker-like ones. */
	baseline(&j, 640, 480);
	PUT(&j, 0x00, 0x11, 0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 'x');
	CHECK(probe(&j, &info, &err) == JPEG_OK);
	CHECK(info.width == 640);

	/* Fill bytes before markers, a stray RST and TEM between segments. */
	j.n = 0;
	soi(&j);
	PUT(&j, 0xff, 0xff, 0xff);
	app0(&j);
	PUT(&j, 0xff, 0xd3, 0xff, 0x01, 0xff);
	dqt(&j);
	sof(&j, 0xc0, 33, 44);
	dht(&j);
	sos(&j);
	scan_data(&j);
	PUT(&j, 0xff, 0xff, 0xff);
	eoi(&j);
	CHECK(probe(&j, &info, &err) == JPEG_OK);
	CHECK(info.width == 33 && info.height == 44);

	/* Garbage where a marker should be. */
	baseline(&j, 640, 480);
	j.b[20] = 0x00;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK_STR(err.msg, "corrupt JPEG (no marker at offset 20)");
	/* A second SOI, and FF 00 outside a scan. */
	baseline(&j, 640, 480);
	j.b[21] = 0xd8;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	j.b[21] = 0x00;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);

	/* A bad SOS header: zero components. */
	baseline(&j, 640, 480);
	j.b[2 + 18 + 69 + 19 + 33 + 4] = 0;
	CHECK(probe(&j, &info, &err) == JPEG_BAD);
	CHECK(strstr(err.msg, "SOS header length") != NULL);

	/* FF as the very last byte of the scan. */
	baseline(&j, 640, 480);
	j.n -= 1;
	CHECK(probe(&j, &info, &err) == JPEG_TRUNCATED);

	/* Every proper prefix of a good file fails, and none reads out of bounds. */
	baseline(&j, 640, 480);
	all_short_fail = 1;
	for (i = 0; i < j.n; i++) {
		rc = jpeg_probe(j.b, i, NULL, NULL);
		if (rc == JPEG_OK || (i >= 2 && rc == JPEG_NOT_JPEG))
			all_short_fail = 0;
	}
	CHECK(all_short_fail);

	/* Every single-byte change is handled without a crash (ASan watches). */
	for (i = 2; i < j.n; i++) {
		for (k = 0; k < 256; k += 17) {
			struct jb m = j;

			m.b[i] = (unsigned char)k;
			(void)jpeg_probe(m.b, m.n, &info, &err);
		}
	}
	CHECK(1);

	return unit_done("jpeg");
}
