/* Input images: reading one file with bounds and checking it before any upload. */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>

#include "jpeg.h"
#include "util.h"

/* Larger files are refused unread, whatever the recogniser takes. */
#define INPUT_MAX_READ (64u * 1024 * 1024)

/*
 * What input_load accepts: a size read at all, and a largest side (0:
 * any). When the limits are the recogniser's own (a backend that takes
 * files as they are), messages say so.
 */
struct input_limits {
	size_t max_bytes;
	unsigned max_side;
	int recogniser;
};

struct image {
	unsigned char *data;
	size_t len;
	struct jpeg_info info;
	char sha256[65];  /* lowercase hex of data */
};

/*
 * Read and check path. On failure returns -1, sets *code to the record's
 * error code (unreadable, not_regular, empty, not_jpeg, bad_jpeg,
 * truncated, too_large, image_size) and err to the reason. A file over
 * lim->max_bytes is refused without being read.
 */
int input_load(const char *path, struct image *img,
    const struct input_limits *lim, const char **code, struct fz_err *err);
void input_free(struct image *img);

#endif
