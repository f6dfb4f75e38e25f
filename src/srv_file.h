/* Bounded reads of the server's small input files (keys, TLS certificate and key). */
#ifndef SRV_FILE_H
#define SRV_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/*
 * Read the regular file path, at most max bytes, into a fresh
 * NUL-terminated buffer; *len its length, *mode its permission bits.
 * Symbolic links are followed (systemd credentials and config managers
 * link files into place); a FIFO or device is refused without blocking.
 * NULL with err on failure. The caller wipes the buffer if it is secret.
 */
char *srv_file_read(const char *path, size_t max, size_t *len, mode_t *mode,
    struct fz_err *err);

#endif
