/* A bounded multipart/form-data reader: finds the imageData field of a buffered upload. */
#ifndef SRV_FORM_H
#define SRV_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define SRV_FORM_MAX_PARTS 64
#define SRV_FORM_MAX_HEADERS 8192  /* bytes of headers in one part */
#define SRV_FORM_FIELD "imageData"  /* the page's parameter name */

/*
 * Whether a Content-Type says the body is an HTML form (multipart/... or
 * application/x-www-form-urlencoded) rather than the raw image. NULL is
 * not a form: the raw body is the default, as the gateway's clients send it.
 */
bool srv_form_is_form(const char *content_type);

/*
 * Find field `name` in body[0..len) sent with content_type. Returns 0 with
 * *part pointing into body, or a data.error_code: 40008 when content_type is
 * not multipart/form-data with a usable boundary (1-70 characters), 40009
 * when the body does not follow its boundary (no opening or closing
 * delimiter, part headers unterminated or over SRV_FORM_MAX_HEADERS, more
 * than SRV_FORM_MAX_PARTS parts), 40002 when no part carries the field.
 */
int srv_form_find(const char *content_type, const unsigned char *body,
    size_t len, const char *name, const unsigned char **part, size_t *plen);

#endif
