/* Input images: reading one file with bounds and checking it before any upload. */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>

#include "jpeg.h"
#include "util.h"

/* The recogniser takes at most 4 MB after base64: 3 MiB of JPEG. */
#define INPUT_MAX_UPLOAD 3145728u
/* The recogniser's largest side. */
#define INPUT_MAX_SIDE 4000u

/* What input_load accepts: a size read at all, and a largest side (0: any). */
struct input_limits {
	size_t max_bytes;
	unsigned max_side;
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
