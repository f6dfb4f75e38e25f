/* Input images: open without blocking, refuse what is not a regular file, bound the read, probe the JPEG. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"

static int
fail(const char **code, const char *c, struct fz_err *err, const char *msg)
{
	*code = c;
	fz_seterr(err, "%s", msg);
	return -1;
}

int
input_load(const char *path, struct image *img,
    const struct input_limits *lim, const char **code, struct fz_err *err)
{
	struct stat st;
	struct fz_err jerr;
	ssize_t n;
	size_t got = 0;
	int fd, js;

	memset(img, 0, sizeof(*img));
	/* O_NONBLOCK: opening a FIFO must not hang the batch. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) == -1)
		return fail(code, "unreadable", err, strerror(errno));
	if (fstat(fd, &st) == -1) {
		close(fd);
		return fail(code, "unreadable", err, strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(code, "not_regular", err, "is a directory");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(code, "not_regular", err,
		    "not a regular file (FIFO, device or socket)");
	}
	if (st.st_size == 0) {
		close(fd);
		return fail(code, "empty", err, "empty file");
	}
	if ((unsigned long long)st.st_size > lim->max_bytes) {
		close(fd);
		*code = "too_large";
		if (lim->recogniser)
			fz_seterr(err, "%lld bytes, over the recogniser's limit "
			    "of %zu bytes", (long long)st.st_size,
			    lim->max_bytes);
		else
			fz_seterr(err, "%lld bytes, over the %zu bytes this "
			    "tool reads", (long long)st.st_size, lim->max_bytes);
		return -1;
	}
	img->len = (size_t)st.st_size;
	if ((img->data = malloc(img->len)) == NULL) {
		close(fd);
		return fail(code, "unreadable", err, "out of memory");
	}
	while (got < img->len) {
		n = read(fd, img->data + got, img->len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			input_free(img);
			return fail(code, "unreadable", err, strerror(errno));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	/* The file shrank while we read it: check what we have. */
	img->len = got;

	js = jpeg_probe(img->data, img->len, &img->info, &jerr);
	if (js != JPEG_OK) {
		*code = js == JPEG_NOT_JPEG ? "not_jpeg" :
		    js == JPEG_TRUNCATED ? "truncated" : "bad_jpeg";
		fz_seterr(err, "%s", jerr.msg);
		input_free(img);
		return -1;
	}
	if (lim->max_side != 0 && (img->info.width > lim->max_side ||
	    img->info.height > lim->max_side)) {
		*code = "image_size";
		fz_seterr(err, "%ux%u pixels, over the recogniser's largest side "
		    "of %u", img->info.width, img->info.height, lim->max_side);
		input_free(img);
		return -1;
	}
	if (digest_sha256_hex(img->data, img->len, img->sha256) == -1) {
		input_free(img);
		return fail(code, "unreadable", err, "SHA-256 failed");
	}
	return 0;
}

void
input_free(struct image *img)
{
	free(img->data);
	memset(img, 0, sizeof(*img));
}
