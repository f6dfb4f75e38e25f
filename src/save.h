/* Saving the images a recogniser returns: JPEG checks, safe all-or-nothing writes. */
#ifndef SAVE_H
#define SAVE_H

#include <stddef.h>

#include <jansson.h>

#include "util.h"

enum save_status {
	SAVE_OK = 0,
	SAVE_BAD_IMAGE = -1,  /* error code "bad_image": nothing written */
	SAVE_EXISTS = -2,     /* error code "exists": nothing written */
	SAVE_FAILED = -3      /* error code "save_failed": nothing left behind */
};

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

/* One image's bytes, as a recogniser returned them; NULL or 0 bytes: absent. */
struct save_bytes {
	const unsigned char *data;
	size_t len;
};

/*
 * Save the requested kinds present in imgs (indexed cropped, portrait,
 * id_number: enum recog_image_kind) into dirfd, which names dir (used for
 * paths and messages only). stem comes from the input file name, never
 * from a server; one holding '/' or starting with '.' is refused.
 *
 * All images are checked as JPEG first; any failure returns
 * SAVE_BAD_IMAGE and writes nothing. Each is then written through
 * safefile: mode 0600 to a temporary file in dirfd, and only when all are
 * written are they moved to their names, never replacing anything without
 * force (SAVE_EXISTS, "PATH: file exists (use --force)"); with force a
 * symbolic link at the name is replaced itself, never its target. On any
 * failure the temporary files and every file this call created are
 * removed (SAVE_FAILED, "PATH: reason"). On success images_out (may be
 * NULL) gets "cropped", "portrait" and "id_number" set to the saved paths.
 */
int save_images(int dirfd, const char *dir, const char *stem,
    const struct save_bytes *imgs, unsigned kinds, int force,
    json_t *images_out, struct fz_err *err);

/*
 * save_images in two steps, so that a journal can hold the record between
 * them: save_stage checks and writes the images to temporary files, sets
 * images_out to the paths they will have and tmps_out (may be NULL) to
 * {kind: temporary name}; save_finish gives them their names (and on
 * failure removes everything, the images_out keys too); save_discard
 * removes the temporary files. Both free st.
 */
struct save_staged;
int save_stage(int dirfd, const char *dir, const char *stem,
    const struct save_bytes *imgs, unsigned kinds, int force,
    json_t *images_out, json_t *tmps_out, struct save_staged **st,
    struct fz_err *err);
int save_finish(struct save_staged *st, struct fz_err *err);
void save_discard(struct save_staged *st);

/*
 * After a crash: give the temporary files tmps ({kind: name}, from a
 * journaled record) of stem their names, as save_finish would have.
 * Files already moved are left alone. SAVE_OK, or SAVE_EXISTS /
 * SAVE_FAILED with err.
 */
int save_adopt(int dirfd, const char *dir, const char *stem,
    const json_t *tmps, int force, struct fz_err *err);

#endif
