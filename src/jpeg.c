/* JPEG header checks on a memory buffer: a walk over the marker segments, no decoding. */
#include "jpeg.h"

#include <string.h>

/* Markers named in ITU-T T.81 table B.1 that the walk treats specially. */
#define M_SOF0	0xc0
#define M_DHT	0xc4
#define M_JPG	0xc8
#define M_DAC	0xcc
#define M_RST0	0xd0
#define M_RST7	0xd7
#define M_SOI	0xd8
#define M_EOI	0xd9
#define M_SOS	0xda
#define M_APP1	0xe1
#define M_TEM	0x01

/*
 * State of one walk. Segment handlers read and fill it; a later reader (the
 * EXIF orientation in APP1, say) adds a field here and a case to segment().
 */
struct walk {
	struct jpeg_info info;
	int have_sof;            /* a frame header was seen */
	int have_sos;            /* a scan header was seen */
	int have_exif;           /* an Exif APP1 was seen: later ones are ignored */
	struct fz_err *err;
};

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* TIFF integers in the byte order of the EXIF block: big-endian for "MM". */
static unsigned
tiff16(const unsigned char *p, int big)
{
	return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static unsigned long
tiff32(const unsigned char *p, int big)
{
	if (big)
		return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
		    (unsigned long)p[2] << 8 | p[3];
	return (unsigned long)p[3] << 24 | (unsigned long)p[2] << 16 |
	    (unsigned long)p[1] << 8 | p[0];
}

/*
 * The orientation tag of an APP1 payload p[0..n): "Exif\0\0", a TIFF header
 * (II or MM, 42, offset of IFD0), then IFD0's 12-byte entries. Returns 1..8,
 * 1 when the tag is absent or anything about it is out of place, or 0 when
 * the segment is not EXIF at all (an XMP APP1, say). Every offset is checked
 * against n before it is read; n is at most 65533, so no sum overflows.
 */
static int
exif_orientation(const unsigned char *p, size_t n)
{
	const unsigned char *t, *e;
	size_t tn, ifd, count, i;
	unsigned v;
	int big;

	if (n < 6 || memcmp(p, "Exif\0\0", 6) != 0)
		return 0;
	t = p + 6;
	tn = n - 6;
	if (tn < 8)
		return 1;
	if (t[0] == 'I' && t[1] == 'I')
		big = 0;
	else if (t[0] == 'M' && t[1] == 'M')
		big = 1;
	else
		return 1;
	if (tiff16(t + 2, big) != 42)
		return 1;
	/* IFD0: a 2-byte entry count, then the entries. */
	if (tiff32(t + 4, big) > tn - 2)
		return 1;
	ifd = (size_t)tiff32(t + 4, big);
	count = tiff16(t + ifd, big);
	for (i = 0; i < count; i++) {
		/* An entry past the end ends the search: the count lied. */
		if (12 * i + 12 > tn - ifd - 2)
			return 1;
		e = t + ifd + 2 + 12 * i;
		if (tiff16(e, big) != 0x0112)
			continue;
		/* SHORT (type 3), count 1: the value sits in the first two
		 * bytes of the value field in either byte order. */
		if (tiff16(e + 2, big) != 3 || tiff32(e + 4, big) != 1)
			return 1;
		v = tiff16(e + 8, big);
		return v >= 1 && v <= 8 ? (int)v : 1;
	}
	return 1;
}

/* SOF0-SOF15 except DHT, JPG and DAC, which share the range. */
static int
is_sof(unsigned m)
{
	return m >= M_SOF0 && m <= 0xcf && m != M_DHT && m != M_JPG &&
	    m != M_DAC;
}

/* Markers without a length field: TEM and the restart markers. */
static int
is_standalone(unsigned m)
{
	return m == M_TEM || (m >= M_RST0 && m <= M_RST7);
}

/* The status for data that ends before an EOI marker. */
static int
ended(struct walk *w)
{
	if (w->have_sos) {
		fz_seterr(w->err, "truncated JPEG (no EOI marker)");
		return JPEG_TRUNCATED;
	}
	/* Without a scan there is no image at all: corrupt, not cut short. */
	if (!w->have_sof)
		fz_seterr(w->err, "corrupt JPEG (no SOF header)");
	else
		fz_seterr(w->err, "corrupt JPEG (no SOS header)");
	return JPEG_BAD;
}

static int
frame_header(struct walk *w, unsigned m, size_t off, const unsigned char *p,
    size_t n)
{
	unsigned nf;

	if (w->have_sof) {
		fz_seterr(w->err, "corrupt JPEG (second SOF header at offset "
		    "%zu)", off);
		return JPEG_BAD;
	}
	/* P, Y, X, Nf, then three bytes for each component. */
	if (n < 6 || n != 6 + 3 * (size_t)p[5]) {
		fz_seterr(w->err, "corrupt JPEG (SOF header length at offset "
		    "%zu)", off);
		return JPEG_BAD;
	}
	nf = p[5];
	if (nf == 0) {
		fz_seterr(w->err, "corrupt JPEG (no components in SOF header)");
		return JPEG_BAD;
	}
	w->info.height = be16(p + 1);
	w->info.width = be16(p + 3);
	if (w->info.width == 0 || w->info.height == 0) {
		fz_seterr(w->err, "corrupt JPEG (zero image width or height)");
		return JPEG_BAD;
	}
	w->info.components = (int)nf;
	w->info.sof = (int)m;
	w->info.precision = p[0];
	/* SOF2, SOF6, SOF10 and SOF14 are the progressive processes. */
	w->info.progressive = (m & 0x03) == 0x02;
	w->have_sof = 1;
	return JPEG_OK;
}

static int
scan_header(struct walk *w, size_t off, const unsigned char *p, size_t n)
{
	if (!w->have_sof) {
		fz_seterr(w->err, "corrupt JPEG (no SOF header)");
		return JPEG_BAD;
	}
	/* Ns, two bytes for each component, then Ss, Se, Ah/Al. */
	if (n < 1 || p[0] < 1 || p[0] > 4 || n != 1 + 2 * (size_t)p[0] + 3) {
		fz_seterr(w->err, "corrupt JPEG (SOS header length at offset "
		    "%zu)", off);
		return JPEG_BAD;
	}
	w->have_sos = 1;
	return JPEG_OK;
}

/*
 * One marker segment: marker m whose FF byte is at offset off, payload p of
 * n bytes (after the length field, already bounded by the buffer).
 */
static int
segment(struct walk *w, unsigned m, size_t off, const unsigned char *p,
    size_t n)
{
	if (is_sof(m))
		return frame_header(w, m, off, p, n);
	switch (m) {
	case M_SOS:
		return scan_header(w, off, p, n);
	case M_APP1:
		/* Only the first Exif block counts; a bad one is not an error. */
		if (!w->have_exif) {
			int o = exif_orientation(p, n);

			if (o != 0) {
				w->have_exif = 1;
				w->info.orientation = o;
			}
		}
		return JPEG_OK;
	default:
		/* APPn, DQT, DHT, DRI, COM and the rest: only the length matters. */
		return JPEG_OK;
	}
}

/*
 * Skip entropy-coded data from pos: FF 00 is a stuffed byte, FF D0-D7 a
 * restart marker, FF FF a fill byte. Returns the offset of the FF of the
 * next other marker, or len when the data ends first.
 */
static size_t
skip_entropy(const unsigned char *buf, size_t len, size_t pos)
{
	const unsigned char *q;
	unsigned b;

	while (pos < len) {
		if ((q = memchr(buf + pos, 0xff, len - pos)) == NULL)
			return len;
		pos = (size_t)(q - buf);
		if (pos + 1 >= len)
			return len;
		b = buf[pos + 1];
		if (b == 0x00 || (b >= M_RST0 && b <= M_RST7))
			pos += 2;
		else if (b == 0xff)
			pos++;
		else
			return pos;
	}
	return len;
}

int
jpeg_probe(const unsigned char *buf, size_t len, struct jpeg_info *info,
    struct fz_err *err)
{
	struct walk w;
	size_t pos, off, seglen;
	unsigned m;
	int rc;

	memset(&w, 0, sizeof(w));
	w.err = err;
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (buf == NULL || len < 2 || buf[0] != 0xff || buf[1] != M_SOI) {
		fz_seterr(err, "not a JPEG (no SOI marker)");
		return JPEG_NOT_JPEG;
	}
	/* Every iteration moves pos forward, so the walk ends. */
	pos = 2;
	for (;;) {
		if (pos >= len)
			return ended(&w);
		if (buf[pos] != 0xff) {
			fz_seterr(err, "corrupt JPEG (no marker at offset %zu)",
			    pos);
			return JPEG_BAD;
		}
		off = pos;
		while (pos < len && buf[pos] == 0xff)
			pos++;
		if (pos >= len)
			return ended(&w);
		m = buf[pos++];
		if (is_standalone(m))
			continue;
		if (m == 0x00) {
			fz_seterr(err, "corrupt JPEG (stray FF 00 at offset %zu)",
			    off);
			return JPEG_BAD;
		}
		if (m == M_SOI) {
			fz_seterr(err, "corrupt JPEG (second SOI marker at offset "
			    "%zu)", off);
			return JPEG_BAD;
		}
		if (m == M_EOI) {
			if (!w.have_sos)
				return ended(&w);
			break;
		}
		if (len - pos < 2) {
			fz_seterr(err, "truncated JPEG (segment at offset %zu "
			    "runs past the end)", off);
			return JPEG_TRUNCATED;
		}
		seglen = be16(buf + pos);
		if (seglen < 2) {
			fz_seterr(err, "corrupt JPEG (segment length at offset "
			    "%zu)", off);
			return JPEG_BAD;
		}
		if (seglen > len - pos) {
			fz_seterr(err, "truncated JPEG (segment at offset %zu "
			    "runs past the end)", off);
			return JPEG_TRUNCATED;
		}
		if ((rc = segment(&w, m, off, buf + pos + 2, seglen - 2)) !=
		    JPEG_OK)
			return rc;
		pos += seglen;
		if (m == M_SOS)
			pos = skip_entropy(buf, len, pos);
	}
	if (w.info.orientation == 0)
		w.info.orientation = 1;
	if (info != NULL)
		*info = w.info;
	return JPEG_OK;
}
