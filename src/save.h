/* Saving the images the service returns: strict base64, JPEG checks, safe all-or-nothing writes. */
#ifndef SAVE_H
#define SAVE_H

#include <stddef.h>

#include <jansson.h>

#include "util.h"

/* The most base64 text save_b64_decode accepts (the response bound). */
#define SAVE_B64_MAX (16UL * 1024 * 1024)

enum save_status {
	SAVE_OK = 0,
	SAVE_BAD_IMAGE = -1,  /* error code "bad_image": nothing written */
	SAVE_EXISTS = -2,     /* error code "exists": nothing written */
	SAVE_FAILED = -3      /* error code "save_failed": nothing left behind */
};

/*
 * Decode base64 strictly: A-Z a-z 0-9 + / with = padding (at most two) only
 * at the end; CR, LF and spaces are skipped; the length without them must be
 * a multiple of 4. Input over SAVE_B64_MAX bytes is refused. On success
 * returns 0 with a malloc'd *out of *outlen bytes (the caller frees it);
 * otherwise -1 with "invalid base64" (or another reason) in err.
 */
int save_b64_decode(const char *in, size_t inlen, unsigned char **out,
    size_t *outlen, struct fz_err *err);

/*
 * Before any upload: would saving the kinds (enum image_kind bits) for stem
 * into dir replace an existing file, or any symbolic link? Returns 1 and the
 * first such path in *which (malloc'd, the caller frees it), 0 when none
 * would, -1 for a bad stem or no memory (*which NULL). Names are
 * DIR/<stem>.cropped.jpg, DIR/<stem>.portrait.jpg, DIR/<stem>.id_number.jpg.
 */
int save_would_clobber(const char *dir, const char *stem, unsigned kinds,
    char **which);

/*
 * Open dir, creating it mode 0700 if missing (one level). dir itself may be
 * a symbolic link; files inside it are never followed. Returns a descriptor
 * (O_DIRECTORY, close-on-exec) or -1 with "DIR: reason" in err.
 */
int save_dir_open(const char *dir, struct fz_err *err);

/*
 * Save the requested kinds present in the response's data object
 * (data.cropped_image, data.head_portrait.image, data.id_number_image; a
 * missing, null or empty value counts as absent) into dirfd, which names
 * dir (used for paths and messages only). stem comes from the input file
 * name, never from the server; one holding '/' or starting with '.' is
 * refused.
 *
 * All images are decoded and checked as JPEG first; any failure returns
 * SAVE_BAD_IMAGE and writes nothing. Each is then written mode 0600 to a
 * temporary file in dirfd, and only when all are written are they moved to
 * their names: without force by linkat(2), which never replaces anything
 * (SAVE_EXISTS, "PATH: file exists (use --force)"); with force by
 * renameat(2), which replaces a symbolic link itself, never its target. On
 * any failure the temporary files and every file this call created are
 * removed (SAVE_FAILED, "PATH: reason"). On success images_out (may be
 * NULL) gets "cropped", "portrait" and "id_number" set to the saved paths.
 */
int save_images(int dirfd, const char *dir, const char *stem,
    const json_t *data, unsigned kinds, int force, json_t *images_out,
    struct fz_err *err);

#endif
