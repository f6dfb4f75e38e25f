/* JPEG header checks on a memory buffer: structure, dimensions, EXIF orientation, end marker. */
#ifndef JPEG_H
#define JPEG_H

#include <stddef.h>

#include "util.h"

struct jpeg_info {
	unsigned width, height;  /* from the SOF header, both non-zero */
	int components;          /* colour components in the frame (1 grey, 3 colour) */
	int progressive;         /* 1 for a progressive frame (SOF2, SOF6, SOF10, SOF14) */
	int orientation;         /* EXIF orientation 1..8 from the first Exif APP1; 1 when absent or invalid */
	int sof;                 /* the frame header's marker, 0xc0..0xcf: the coding process */
	int precision;           /* sample precision in bits from the SOF header (8 or 12 in practice) */
};

enum jpeg_status {
	JPEG_OK = 0,
	JPEG_NOT_JPEG,  /* no SOI marker at the start */
	JPEG_BAD,       /* corrupt segments, no SOF or SOS, zero width or height */
	JPEG_TRUNCATED  /* no EOI marker, or a segment running past the end */
};

/*
 * Validate the marker structure of the JPEG in buf[0..len) without decoding
 * it: SOI at the start; marker segments with bounded lengths up to a frame
 * header (SOFn), which gives the dimensions; a scan header (SOS); the
 * entropy-coded data (with FF 00 stuffing and RSTn markers, and further
 * segments between the scans of a progressive image) up to the EOI marker.
 * Bytes after EOI are allowed: phones append data there. The EXIF
 * orientation (tag 0x0112 in IFD0 of the first "Exif" APP1 segment) is read
 * when present; a damaged EXIF block never fails the probe, it only leaves
 * the orientation at 1.
 *
 * Returns an enum jpeg_status. On success info (may be NULL) is filled;
 * otherwise err (may be NULL) gets a lower-case reason such as "not a JPEG
 * (no SOI marker)", "truncated JPEG (no EOI marker)" or "corrupt JPEG (no
 * SOF header)".
 */
int jpeg_probe(const unsigned char *buf, size_t len, struct jpeg_info *info,
    struct fz_err *err);

#endif
