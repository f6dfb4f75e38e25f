/* The server's answers: the recogniser's iFlytek envelope around data, and the gateway's own failure bodies. */
#ifndef SRV_ANSWER_H
#define SRV_ANSWER_H

#include <stddef.h>

#include "srv.h"
#include "util.h"

#define SRV_JSON_TYPE "application/json;charset=UTF-8"

/* The page's error_msg for a data.error_code ("ok", "timeout", ...; "unknown" otherwise). */
const char *srv_answer_msg(int error_code);

/*
 * The body of a recognition answer (HTTP 200):
 * {"code":"0","data":{...},"desc":"success","sid":"wcr..."}, compact, keys
 * sorted, UTF-8 unescaped, as the emulator of the service writes it. With
 * r->error_code 0, data holds every field r carries (images as base64
 * JPEG without line breaks, head_portrait as {"image":...}, time_cost as
 * {"preprocess":ms,"recognize":ms}); otherwise only error_code and
 * error_msg. Returns a malloc'd string, or NULL with err.
 */
char *srv_answer_result(const struct srv_result *r, struct fz_err *err);

/* The same envelope with data {"error_code":code,"error_msg":...}. */
char *srv_answer_error(int error_code, struct fz_err *err);

/*
 * The body of the overload answer (HTTP 503 with Retry-After): the
 * platform envelope the service's backend sends when it is called too often,
 * {"code":50004,"data":null,"message":"接口正被频繁调用，请稍后再试"}.
 */
extern const char srv_answer_busy[];
/* HTTP 503 when the nonce store is down: {"code":50001,"data":null,"message":"backend down"}. */
extern const char srv_answer_store_down[];

/*
 * The recogniser's checks on an upload before any engine work: SRV_OK, or
 * 40004 (empty), 40005 (not a JPEG), 40009 (a JPEG cut short), 40010 (no
 * readable frame header), 40006 (over SRV_MAX_IMAGE_BYTES, a side over
 * SRV_MAX_SIDE or under SRV_MIN_SIDE).
 */
int srv_answer_precheck(const unsigned char *img, size_t len);

/* A fresh "wcr" + 21 hex session id into out[25]; 0 or -1. */
int srv_answer_sid(char out[25]);

/* Base64 of data without line breaks, malloc'd; NULL on failure. */
char *srv_answer_b64(const unsigned char *data, size_t len);

#endif
