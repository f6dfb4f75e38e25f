/* SHA-256 digests of images: what records, --resume and request signing identify bytes by. */
#ifndef DIGEST_H
#define DIGEST_H

#include <stddef.h>

/* Lowercase hex SHA-256 of data[0..len) into out. Returns 0 or -1. */
int digest_sha256_hex(const void *data, size_t len, char out[65]);

#endif
