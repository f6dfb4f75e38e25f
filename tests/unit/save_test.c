/* Unit tests for save.c: strict base64, safe all-or-nothing saving of returned images. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <b64/cencode.h>
#include <jansson.h>

#include "options.h"
#include "gw_b64.h"
#include "gw_response.h"
#include "record.h"
#include "save.h"
#include "unit.h"

/* The smallest structure jpeg_probe accepts: SOI, SOF0 (WxH, 1 component), SOS, data, EOI. */
static size_t
mini_jpeg(unsigned char *b, unsigned w, unsigned char fill)
{
	const unsigned char head[] = { 0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b,
	    0x08, 0x00, 0x10, (unsigned char)(w >> 8), (unsigned char)w, 0x01,
	    0x01, 0x11, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00,
	    0x3f, 0x00 };
	size_t n = sizeof(head);

	memcpy(b, head, n);
	b[n++] = fill;
	b[n++] = 0xff;
	b[n++] = 0x00;
	b[n++] = fill;
	b[n++] = 0xff;
	b[n++] = 0xd9;
	return n;
}

/* base64 through libb64's encoder, which breaks lines: the decoder must skip them. */
static char *
b64(const unsigned char *in, size_t n)
{
	base64_encodestate st;
	char *out;
	int k;

	if ((out = malloc(n * 2 + 16)) == NULL)
		abort();
	base64_init_encodestate(&st);
	k = base64_encode_block((const char *)in, (int)n, out, &st);
	k += base64_encode_blockend(out + k, &st);
	out[k] = '\0';
	return out;
}

static char *
b64_jpeg(unsigned w, unsigned char fill)
{
	unsigned char b[64];

	return b64(b, mini_jpeg(b, w, fill));
}

/* data object with the three images; NULL leaves one out. */
static json_t *
make_data(const char *c, const char *p, const char *i)
{
	json_t *d = json_object(), *hp = json_object();

	if (c)
		json_object_set_new(d, "cropped_image", json_string(c));
	if (p)
		json_object_set_new(hp, "image", json_string(p));
	json_object_set_new(d, "head_portrait", hp);
	if (i)
		json_object_set_new(d, "id_number_image", json_string(i));
	return d;
}

static int
file_is(const char *path, const unsigned char *want, size_t n)
{
	unsigned char buf[256];
	ssize_t r;
	int fd, ok;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW)) == -1)
		return 0;
	r = read(fd, buf, sizeof(buf));
	close(fd);
	ok = r >= 0 && (size_t)r == n && memcmp(buf, want, n) == 0;
	return ok;
}

static int
file_is_jpeg(const char *path, unsigned w, unsigned char fill)
{
	unsigned char b[64];

	return file_is(path, b, mini_jpeg(b, w, fill));
}

static int
mode_is(const char *path, mode_t mode)
{
	struct stat sb;

	return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (sb.st_mode & 07777) == mode;
}

static int
missing(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == -1 && errno == ENOENT;
}

/* Entries in dir, and how many of them are dotfiles (temporary files). */
static int
count(const char *dir, int *dots)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	*dots = 0;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (e->d_name[0] == '.')
			(*dots)++;
	}
	closedir(d);
	return n;
}

static void
write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
	close(fd);
}

static char *
cat(const char *a, const char *b)
{
	char *s = fz_printf("%s%s", a, b);

	if (s == NULL)
		abort();
	return s;
}

/*
 * The gateway's answer as the run loop gets it: the images asked for
 * decoded from data by the gateway backend, then saved from their bytes.
 */
static int
save_json(int dfd, const char *dir, const char *stem, const json_t *data,
    unsigned kinds, int force, json_t *imgs, struct fz_err *err)
{
	struct recog_result *r = recog_result_new(0);
	struct save_bytes b[RECOG_NIMAGES];
	size_t i;
	int rc;

	if (r == NULL)
		abort();
	rc = resp_images(data, kinds, r, err);
	if (rc == RESP_IMG_OK) {
		for (i = 0; i < RECOG_NIMAGES; i++) {
			b[i].data = r->images[i].data;
			b[i].len = r->images[i].len;
		}
		rc = save_images(dfd, dir, stem, b, kinds, force, imgs, err);
	} else {
		rc = rc == RESP_IMG_BAD ? SAVE_BAD_IMAGE : SAVE_FAILED;
	}
	recog_result_free(r);
	return rc;
}

static void
test_b64(void)
{
	struct fz_err err;
	unsigned char *out;
	size_t n;
	char *big;

	CHECK(gw_b64_decode("QUJD", 4, &out, &n, &err) == 0);
	CHECK(n == 3 && memcmp(out, "ABC", 3) == 0);
	free(out);
	CHECK(gw_b64_decode("QUI=", 4, &out, &n, &err) == 0);
	CHECK(n == 2 && memcmp(out, "AB", 2) == 0);
	free(out);
	CHECK(gw_b64_decode("QQ==", 4, &out, &n, &err) == 0);
	CHECK(n == 1 && out[0] == 'A');
	free(out);
	CHECK(gw_b64_decode("+/+/", 4, &out, &n, &err) == 0);
	CHECK(n == 3 && out[0] == 0xfb && out[1] == 0xff && out[2] == 0xbf);
	free(out);
	CHECK(gw_b64_decode("QUJD\r\nRA==\n", 11, &out, &n, &err) == 0);
	CHECK(n == 4 && memcmp(out, "ABCD", 4) == 0);
	free(out);
	CHECK(gw_b64_decode(" Q U J D ", 9, &out, &n, &err) == 0);
	CHECK(n == 3 && memcmp(out, "ABC", 3) == 0);
	free(out);
	CHECK(gw_b64_decode("", 0, &out, &n, &err) == 0);
	CHECK(n == 0 && out != NULL);
	free(out);

	err.msg[0] = '\0';
	CHECK(gw_b64_decode("QU*D", 4, &out, &n, &err) == -1);
	CHECK_STR(err.msg, "invalid base64");
	CHECK(out == NULL && n == 0);
	CHECK(gw_b64_decode("QUJ", 3, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("QUJDR", 5, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("Q===", 4, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("====", 4, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("QQ==QUJD", 8, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("Q=Q=", 4, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("=QUJ", 4, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("QU\tJD", 5, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("QU-_", 4, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("QUJD\0AAA", 8, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("QUJ\xc3\xa9", 5, &out, &n, &err) == -1);
	CHECK(gw_b64_decode("data:image/jpeg;base64,QUJD", 27, &out, &n,
	    &err) == -1);

	/* Bounded: one byte over the limit is refused before decoding. */
	if ((big = malloc(GW_B64_MAX + 4)) == NULL)
		abort();
	memset(big, 'A', GW_B64_MAX + 4);
	CHECK(gw_b64_decode(big, GW_B64_MAX, &out, &n, &err) == 0);
	CHECK(n == GW_B64_MAX / 4 * 3);
	free(out);
	CHECK(gw_b64_decode(big, GW_B64_MAX + 4, &out, &n, &err) ==
	    GW_B64_TOO_LARGE);
	CHECK(strstr(err.msg, "too large") != NULL);
	free(big);
}

int
main(void)
{
	char tmpl[] = "/tmp/save_test.XXXXXX";
	char *root, *dir, *p, *which, *c1, *c2, *c3, *bad, *victim, *link;
	struct fz_err err;
	json_t *data, *imgs;
	struct stat sb;
	int dfd, fd, dots, n0, rc;
	mode_t old;

	test_b64();

	if ((root = mkdtemp(tmpl)) == NULL)
		abort();
	dir = cat(root, "/out");

	/* The directory is created 0700, one level only. */
	old = umask(022);
	dfd = save_dir_open(dir, &err);
	CHECK(dfd >= 0);
	CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    (sb.st_mode & 07777) == 0700);
	p = cat(root, "/a/b");
	CHECK(save_dir_open(p, &err) == -1);
	CHECK(strstr(err.msg, p) == err.msg);
	free(p);
	p = cat(dir, "/../out");
	fd = save_dir_open(p, &err);
	CHECK(fd >= 0);
	close(fd);
	free(p);
	/* A file is not a directory. */
	p = cat(root, "/plain");
	write_text(p, "x");
	CHECK(save_dir_open(p, &err) == -1);
	free(p);
	/* dir itself may be a symbolic link. */
	p = cat(root, "/outlink");
	CHECK(symlink("out", p) == 0);
	fd = save_dir_open(p, &err);
	CHECK(fd >= 0);
	close(fd);
	free(p);

	c1 = b64_jpeg(100, 0x11);
	c2 = b64_jpeg(200, 0x22);
	c3 = b64_jpeg(300, 0x33);

	/* Nothing yet: no clobber. */
	CHECK(save_would_clobber(dir, "card", IMAGE_ALL, &which) == 0);
	CHECK(which == NULL);

	/* All three saved, mode exactly 0600 even under a umask that would cut it. */
	umask(0277);
	data = make_data(c1, c2, c3);
	imgs = json_object();
	rc = save_json(dfd, dir, "card", data, IMAGE_ALL, 0, imgs, &err);
	umask(022);
	CHECK(rc == SAVE_OK);
	p = cat(dir, "/card.cropped.jpg");
	CHECK_STR(json_string_value(json_object_get(imgs, "cropped")), p);
	CHECK(file_is_jpeg(p, 100, 0x11));
	CHECK(mode_is(p, 0600));
	free(p);
	p = cat(dir, "/card.portrait.jpg");
	CHECK_STR(json_string_value(json_object_get(imgs, "portrait")), p);
	CHECK(file_is_jpeg(p, 200, 0x22));
	CHECK(mode_is(p, 0600));
	free(p);
	p = cat(dir, "/card.id_number.jpg");
	CHECK_STR(json_string_value(json_object_get(imgs, "id_number")), p);
	CHECK(file_is_jpeg(p, 300, 0x33));
	CHECK(mode_is(p, 0600));
	free(p);
	CHECK(json_object_size(imgs) == 3);
	CHECK(count(dir, &dots) == 3 && dots == 0);
	json_decref(imgs);

	/* Now each would clobber; the first requested one is named. */
	CHECK(save_would_clobber(dir, "card", IMAGE_ALL, &which) == 1);
	p = cat(dir, "/card.cropped.jpg");
	CHECK_STR(which, p);
	free(p);
	free(which);
	CHECK(save_would_clobber(dir, "card", IMAGE_ID_NUMBER, &which) == 1);
	p = cat(dir, "/card.id_number.jpg");
	CHECK_STR(which, p);
	free(p);
	free(which);
	CHECK(save_would_clobber(dir, "other", IMAGE_ALL, &which) == 0);
	CHECK(save_would_clobber(dir, ".card", IMAGE_ALL, &which) == -1);
	CHECK(save_would_clobber(dir, "a/b", IMAGE_ALL, &which) == -1);
	json_decref(data);

	/* No overwrite without force: originals untouched, nothing new. */
	data = make_data(c3, c1, c2);
	imgs = json_object();
	rc = save_json(dfd, dir, "card", data, IMAGE_ALL, 0, imgs, &err);
	CHECK(rc == SAVE_EXISTS);
	p = cat(dir, "/card.cropped.jpg: file exists (use --force)");
	CHECK_STR(err.msg, p);
	free(p);
	CHECK(json_object_size(imgs) == 0);
	p = cat(dir, "/card.cropped.jpg");
	CHECK(file_is_jpeg(p, 100, 0x11));
	free(p);
	p = cat(dir, "/card.id_number.jpg");
	CHECK(file_is_jpeg(p, 300, 0x33));
	free(p);
	CHECK(count(dir, &dots) == 3 && dots == 0);

	/* Only the second name exists: the first, already linked, is taken back. */
	p = cat(dir, "/half.portrait.jpg");
	write_text(p, "keep");
	free(p);
	rc = save_json(dfd, dir, "half", data, IMAGE_ALL, 0, imgs, &err);
	CHECK(rc == SAVE_EXISTS);
	p = cat(dir, "/half.portrait.jpg: file exists (use --force)");
	CHECK_STR(err.msg, p);
	free(p);
	p = cat(dir, "/half.cropped.jpg");
	CHECK(missing(p));
	free(p);
	p = cat(dir, "/half.portrait.jpg");
	CHECK(file_is(p, (const unsigned char *)"keep", 4));
	free(p);
	CHECK(count(dir, &dots) == 4 && dots == 0);

	/* With force the files are replaced, still 0600. */
	rc = save_json(dfd, dir, "card", data, IMAGE_ALL, 1, imgs, &err);
	CHECK(rc == SAVE_OK);
	p = cat(dir, "/card.cropped.jpg");
	CHECK(file_is_jpeg(p, 300, 0x33));
	CHECK(mode_is(p, 0600));
	free(p);
	p = cat(dir, "/card.portrait.jpg");
	CHECK(file_is_jpeg(p, 100, 0x11));
	free(p);
	CHECK(json_object_size(imgs) == 3);
	CHECK(count(dir, &dots) == 4 && dots == 0);
	json_decref(imgs);

	/* A symbolic link at the final name is never followed. */
	victim = cat(root, "/victim");
	write_text(victim, "victim");
	link = cat(dir, "/sym.cropped.jpg");
	CHECK(symlink(victim, link) == 0);
	CHECK(save_would_clobber(dir, "sym", IMAGE_CROPPED, &which) == 1);
	CHECK_STR(which, link);
	free(which);
	imgs = json_object();
	rc = save_json(dfd, dir, "sym", data, IMAGE_CROPPED, 0, imgs, &err);
	CHECK(rc == SAVE_EXISTS);
	CHECK(file_is(victim, (const unsigned char *)"victim", 6));
	CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode));
	rc = save_json(dfd, dir, "sym", data, IMAGE_CROPPED, 1, imgs, &err);
	CHECK(rc == SAVE_OK);
	CHECK(file_is(victim, (const unsigned char *)"victim", 6));
	CHECK(lstat(link, &sb) == 0 && S_ISREG(sb.st_mode));
	CHECK(file_is_jpeg(link, 300, 0x33));
	CHECK(mode_is(victim, 0600));
	free(link);
	/* A dangling link counts as existing too. */
	link = cat(dir, "/dang.cropped.jpg");
	p = cat(root, "/nowhere");
	CHECK(symlink(p, link) == 0);
	CHECK(save_would_clobber(dir, "dang", IMAGE_CROPPED, &which) == 1);
	free(which);
	rc = save_json(dfd, dir, "dang", data, IMAGE_CROPPED, 0, imgs, &err);
	CHECK(rc == SAVE_EXISTS);
	CHECK(missing(p));
	rc = save_json(dfd, dir, "dang", data, IMAGE_CROPPED, 1, imgs, &err);
	CHECK(rc == SAVE_OK);
	CHECK(missing(p));
	CHECK(lstat(link, &sb) == 0 && S_ISREG(sb.st_mode));
	free(p);
	free(link);
	free(victim);
	json_decref(imgs);
	json_decref(data);

	/* A bad image among good ones: nothing written at all. */
	n0 = count(dir, &dots);
	bad = b64((const unsigned char *)"not a jpeg at all", 17);
	data = make_data(c1, bad, c3);
	imgs = json_object();
	rc = save_json(dfd, dir, "bad", data, IMAGE_ALL, 0, imgs, &err);
	CHECK(rc == SAVE_BAD_IMAGE);
	CHECK_STR(err.msg, "returned portrait image is not a JPEG");
	CHECK(count(dir, &dots) == n0 && dots == 0);
	CHECK(json_object_size(imgs) == 0);
	/* The bad one not requested: the rest is saved. */
	rc = save_json(dfd, dir, "bad", data, IMAGE_CROPPED | IMAGE_ID_NUMBER,
	    0, imgs, &err);
	CHECK(rc == SAVE_OK);
	CHECK(json_object_size(imgs) == 2);
	CHECK(json_object_get(imgs, "portrait") == NULL);
	CHECK(count(dir, &dots) == n0 + 2 && dots == 0);
	json_decref(data);
	free(bad);
	n0 += 2;
	data = make_data(c1, c2, "@@@@");
	rc = save_json(dfd, dir, "bad2", data, IMAGE_ALL, 1, imgs, &err);
	CHECK(rc == SAVE_BAD_IMAGE);
	CHECK_STR(err.msg, "returned id_number image is not valid base64");
	CHECK(count(dir, &dots) == n0 && dots == 0);
	json_decref(data);
	/* A truncated JPEG is not a JPEG either. */
	data = make_data("/9j/", NULL, NULL);
	rc = save_json(dfd, dir, "bad3", data, IMAGE_ALL, 0, imgs, &err);
	CHECK(rc == SAVE_BAD_IMAGE);
	CHECK_STR(err.msg, "returned cropped image is not a JPEG");
	CHECK(count(dir, &dots) == n0 && dots == 0);
	json_decref(data);
	json_decref(imgs);

	/* Only what is requested and present; null and "" are absent. */
	data = make_data(NULL, "", c3);
	json_object_set_new(data, "cropped_image", json_null());
	imgs = json_object();
	rc = save_json(dfd, dir, "back", data, IMAGE_ALL, 0, imgs, &err);
	CHECK(rc == SAVE_OK);
	CHECK(json_object_size(imgs) == 1);
	CHECK(json_object_get(imgs, "id_number") != NULL);
	CHECK(count(dir, &dots) == n0 + 1 && dots == 0);
	n0++;
	json_decref(data);
	json_decref(imgs);
	/* No data object at all: nothing to do. */
	imgs = json_object();
	CHECK(save_json(dfd, dir, "none", NULL, IMAGE_ALL, 0, imgs, &err) ==
	    SAVE_OK);
	CHECK(json_object_size(imgs) == 0);
	/* images_out may be NULL. */
	data = make_data(c1, NULL, NULL);
	CHECK(save_json(dfd, dir, "noout", data, IMAGE_ALL, 0, NULL, &err) ==
	    SAVE_OK);
	n0++;

	/* Unsafe stems are refused. */
	CHECK(save_json(dfd, dir, ".hidden", data, IMAGE_ALL, 0, imgs, &err) ==
	    SAVE_FAILED);
	CHECK(save_json(dfd, dir, "../up", data, IMAGE_ALL, 0, imgs, &err) ==
	    SAVE_FAILED);
	CHECK(save_json(dfd, dir, "", data, IMAGE_ALL, 0, imgs, &err) ==
	    SAVE_FAILED);
	CHECK(count(dir, &dots) == n0 && dots == 0);
	p = cat(root, "/up.cropped.jpg");
	CHECK(missing(p));
	free(p);
	json_decref(data);

	/*
	 * An I/O failure after the first name is in place (the second name is
	 * a directory, which rename cannot replace): everything is taken back.
	 */
	p = cat(dir, "/fail.portrait.jpg");
	CHECK(mkdir(p, 0700) == 0);
	free(p);
	n0++;
	data = make_data(c1, c2, c3);
	rc = save_json(dfd, dir, "fail", data, IMAGE_ALL, 1, imgs, &err);
	CHECK(rc == SAVE_FAILED);
	p = cat(dir, "/fail.portrait.jpg: ");
	CHECK(strncmp(err.msg, p, strlen(p)) == 0);
	free(p);
	p = cat(dir, "/fail.cropped.jpg");
	CHECK(missing(p));
	free(p);
	CHECK(count(dir, &dots) == n0 && dots == 0);
	CHECK(json_object_size(imgs) == 0);
	/* Without force the directory is an existing name. */
	rc = save_json(dfd, dir, "fail", data, IMAGE_ALL, 0, imgs, &err);
	CHECK(rc == SAVE_EXISTS);
	CHECK(count(dir, &dots) == n0 && dots == 0);
	json_decref(imgs);

	/* A trailing slash on dir gives no double slash in the paths. */
	p = cat(dir, "/");
	imgs = json_object();
	CHECK(save_json(dfd, p, "slash", data, IMAGE_CROPPED, 0, imgs, &err) ==
	    SAVE_OK);
	free(p);
	p = cat(dir, "/slash.cropped.jpg");
	CHECK_STR(json_string_value(json_object_get(imgs, "cropped")), p);
	free(p);
	json_decref(imgs);

	/* A stem that is not UTF-8 still gives valid JSON strings. */
	imgs = json_object();
	CHECK(save_json(dfd, dir, "k\xff", data, IMAGE_CROPPED, 0, imgs,
	    &err) == SAVE_OK);
	p = cat(dir, "/k\xef\xbf\xbd.cropped.jpg");
	CHECK_STR(json_string_value(json_object_get(imgs, "cropped")), p);
	free(p);
	json_decref(imgs);
	json_decref(data);

	close(dfd);
	umask(old);
	free(c1);
	free(c2);
	free(c3);
	free(dir);
	{
		/* Clean up the scratch tree. */
		char *cmd = fz_printf("rm -rf '%s'", root);

		if (cmd == NULL || system(cmd) != 0)
			CHECK(0);
		free(cmd);
	}
	return unit_done("save");
}
