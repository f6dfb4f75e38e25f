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

/* One IFD entry for exif_block(). */
struct ent {
	unsigned tag, type;
	unsigned long count;
	unsigned value;
};

static void
w16(unsigned char *p, unsigned v, int big)
{
	p[big ? 0 : 1] = (unsigned char)(v >> 8);
	p[big ? 1 : 0] = (unsigned char)v;
}

static void
w32(unsigned char *p, unsigned long v, int big)
{
	int i;

	for (i = 0; i < 4; i++)
		p[big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

/*
 * An APP1 payload: "Exif\0\0", a TIFF header in the given byte order whose
 * IFD0 offset is ifd, and at ifd (when it fits) an entry count of nfield
 * followed by the ne entries given. Returns the payload length.
 */
static size_t
exif_block(unsigned char *b, size_t cap, int big, unsigned long ifd,
    unsigned nfield, const struct ent *e, size_t ne)
{
	size_t n, i;

	memset(b, 0, cap);
	memcpy(b, "Exif\0\0", 6);
	b[6] = b[7] = big ? 'M' : 'I';
	w16(b + 8, 42, big);
	w32(b + 10, ifd, big);
	n = 14;
	if (ifd > 1000)
		return n;
	n = 6 + ifd;
	w16(b + n, nfield, big);
	n += 2;
	for (i = 0; i < ne; i++, n += 12) {
		w16(b + n, e[i].tag, big);
		w16(b + n + 2, e[i].type, big);
		w32(b + n + 4, e[i].count, big);
		/* A SHORT value is left-justified in the 4-byte field. */
		w16(b + n + 8, e[i].value, big);
	}
	w32(b + n, 0, big);
	return n + 4;
}

static void
app1(struct jb *j, const unsigned char *p, size_t n)
{
	PUT(j, 0xff, 0xe1, (unsigned char)((n + 2) >> 8),
	    (unsigned char)(n + 2));
	put(j, p, n);
}

/* A baseline image with the given APP1 payload right after SOI. */
static void
with_app1(struct jb *j, const unsigned char *p, size_t n)
{
	j->n = 0;
	soi(j);
	app1(j, p, n);
	app0(j);
	dqt(j);
	sof(j, 0xc0, 64, 48);
	dht(j);
	sos(j);
	scan_data(j);
	eoi(j);
}

/* The orientation probe finds with this APP1, or -1 when the probe fails. */
static int
orient(const unsigned char *p, size_t n)
{
	struct jb j;
	struct jpeg_info info;

	with_app1(&j, p, n);
	if (jpeg_probe(j.b, j.n, &info, NULL) != JPEG_OK)
		return -1;
	return info.orientation;
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

	/* EXIF orientation: little-endian (II) and big-endian (MM). */
	{
		unsigned char b[512];
		size_t n, cut;
		const struct ent o6[] = {
			{ 0x010f, 2, 4, 0 },     /* Make, ASCII: ignored */
			{ 0x0112, 3, 1, 6 },
			{ 0x011a, 5, 1, 0 },
		};
		struct ent e[3];
		int all_ok, v;

		baseline(&j, 640, 480);
		CHECK(probe(&j, &info, &err) == JPEG_OK);
		CHECK(info.orientation == 1);

		n = exif_block(b, sizeof(b), 0, 8, 3, o6, 3);
		CHECK(orient(b, n) == 6);
		n = exif_block(b, sizeof(b), 1, 8, 3, o6, 3);
		CHECK(orient(b, n) == 6);
		/* The IFD need not follow the header directly. */
		n = exif_block(b, sizeof(b), 1, 40, 3, o6, 3);
		CHECK(orient(b, n) == 6);
		for (v = 1; v <= 8; v++) {
			e[0] = (struct ent){ 0x0112, 3, 1, (unsigned)v };
			n = exif_block(b, sizeof(b), v & 1, 8, 1, e, 1);
			CHECK(orient(b, n) == v);
		}
		/* Values outside 1..8 are ignored. */
		e[0] = (struct ent){ 0x0112, 3, 1, 0 };
		n = exif_block(b, sizeof(b), 0, 8, 1, e, 1);
		CHECK(orient(b, n) == 1);
		e[0].value = 9;
		n = exif_block(b, sizeof(b), 1, 8, 1, e, 1);
		CHECK(orient(b, n) == 1);
		e[0].value = 0x0600;  /* 6 read in the wrong byte order */
		n = exif_block(b, sizeof(b), 1, 8, 1, e, 1);
		CHECK(orient(b, n) == 1);

		/* The tag missing from IFD0; an empty IFD0. */
		e[0] = (struct ent){ 0x010f, 2, 4, 0 };
		e[1] = (struct ent){ 0x0110, 2, 4, 0 };
		n = exif_block(b, sizeof(b), 0, 8, 2, e, 2);
		CHECK(orient(b, n) == 1);
		n = exif_block(b, sizeof(b), 1, 8, 0, e, 0);
		CHECK(orient(b, n) == 1);

		/* Wrong type (LONG, ASCII) or count (2, 0). */
		e[0] = (struct ent){ 0x0112, 4, 1, 6 };
		n = exif_block(b, sizeof(b), 0, 8, 1, e, 1);
		CHECK(orient(b, n) == 1);
		e[0] = (struct ent){ 0x0112, 2, 1, 6 };
		n = exif_block(b, sizeof(b), 1, 8, 1, e, 1);
		CHECK(orient(b, n) == 1);
		e[0] = (struct ent){ 0x0112, 3, 2, 6 };
		n = exif_block(b, sizeof(b), 0, 8, 1, e, 1);
		CHECK(orient(b, n) == 1);
		e[0] = (struct ent){ 0x0112, 3, 0, 6 };
		n = exif_block(b, sizeof(b), 1, 8, 1, e, 1);
		CHECK(orient(b, n) == 1);

		/* IFD0 offset past the end, at the end, huge. */
		e[0] = (struct ent){ 0x0112, 3, 1, 6 };
		n = exif_block(b, sizeof(b), 0, 5000, 1, e, 1);
		CHECK(n == 14);
		CHECK(orient(b, n) == 1);
		n = exif_block(b, sizeof(b), 1, 0xffffffffUL, 1, e, 1);
		CHECK(orient(b, n) == 1);
		n = exif_block(b, sizeof(b), 0, 8, 1, e, 1);
		w32(b + 10, (unsigned long)(n - 6 - 1), 0);
		CHECK(orient(b, n) == 1);
		w32(b + 10, (unsigned long)(n - 6 - 2), 0);  /* count = 0 */
		CHECK(orient(b, n) == 1);
		/* An entry count larger than the entries present. */
		e[0] = (struct ent){ 0x010f, 2, 4, 0 };
		n = exif_block(b, sizeof(b), 1, 8, 40, e, 1);
		CHECK(orient(b, n) == 1);
		n = exif_block(b, sizeof(b), 1, 8, 0xffff, e, 1);
		CHECK(orient(b, n) == 1);

		/* Bad byte order mark, bad magic, not Exif at all (XMP). */
		e[0] = (struct ent){ 0x0112, 3, 1, 6 };
		n = exif_block(b, sizeof(b), 0, 8, 1, e, 1);
		b[7] = 'M';
		CHECK(orient(b, n) == 1);
		n = exif_block(b, sizeof(b), 0, 8, 1, e, 1);
		b[8] = 43;
		CHECK(orient(b, n) == 1);
		CHECK(orient((const unsigned char *)"http://ns.adobe.com/xap/1.0/",
		    29) == 1);
		CHECK(orient((const unsigned char *)"Exif", 4) == 1);
		CHECK(orient((const unsigned char *)"", 0) == 1);

		/* A truncated APP1: every shorter segment, orientation 1 or 6. */
		e[0] = (struct ent){ 0x010f, 2, 4, 0 };
		e[1] = (struct ent){ 0x0112, 3, 1, 6 };
		n = exif_block(b, sizeof(b), 1, 8, 2, e, 2);
		all_ok = 1;
		for (cut = 0; cut <= n; cut++) {
			v = orient(b, cut);
			/* Only a whole entry is read: it ends at 6+8+2+24. */
			if (cut >= 6 + 8 + 2 + 24 ? v != 6 : v != 1)
				all_ok = 0;
		}
		CHECK(all_ok);
		/* The APP1 segment itself running past the end of the file. */
		with_app1(&j, b, n);
		j.n = 2 + 4 + 10;
		CHECK(probe(&j, &info, &err) == JPEG_TRUNCATED);

		/* The first Exif block wins; an XMP block before it is skipped. */
		j.n = 0;
		soi(&j);
		app1(&j, (const unsigned char *)"http://ns.adobe.com/xap/1.0/",
		    29);
		e[0] = (struct ent){ 0x0112, 3, 1, 3 };
		n = exif_block(b, sizeof(b), 0, 8, 1, e, 1);
		app1(&j, b, n);
		e[0].value = 8;
		n = exif_block(b, sizeof(b), 0, 8, 1, e, 1);
		app1(&j, b, n);
		app0(&j);
		dqt(&j);
		sof(&j, 0xc0, 64, 48);
		dht(&j);
		sos(&j);
		scan_data(&j);
		eoi(&j);
		CHECK(probe(&j, &info, &err) == JPEG_OK);
		CHECK(info.orientation == 3);

		/* Every byte of the EXIF block changed: no crash, always 1..8. */
		e[0] = (struct ent){ 0x010f, 2, 4, 0 };
		e[1] = (struct ent){ 0x0112, 3, 1, 6 };
		n = exif_block(b, sizeof(b), 0, 8, 2, e, 2);
		all_ok = 1;
		for (i = 0; i < n; i++) {
			for (k = 0; k < 256; k += 5) {
				unsigned char m[512];

				memcpy(m, b, n);
				m[i] = (unsigned char)k;
				v = orient(m, n);
				if (v < 1 || v > 8)
					all_ok = 0;
			}
		}
		CHECK(all_ok);
	}

	return unit_done("jpeg");
}
