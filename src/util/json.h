/* Typed access to jansson values with errors that name the field, e.g.
 * "process.args[2]: expected a string".  `where` is the dotted path of obj. */
#ifndef MOAT_UTIL_JSON_H
#define MOAT_UTIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

/* json_loadb for OCI documents: unsigned integers above INT64_MAX (podman
 * writes 18446744073709551615 for "unlimited") are kept exactly, where jansson
 * alone refuses them; json_opt_uint reads them back. */
json_t *json_load_oci(const char *text, size_t len, json_error_t *jerr);

/* Each returns 0 when the key is absent (leaving *out untouched) or well-typed,
 * and a negative errno with a message otherwise. */
int json_opt_string(json_t *obj, const char *key, const char *where, char **out, struct moat_err *err);
int json_opt_bool(json_t *obj, const char *key, const char *where, bool *out, struct moat_err *err);
int json_opt_int(json_t *obj, const char *key, const char *where, int64_t min, int64_t max, int64_t *out,
		 bool *present, struct moat_err *err);
/* uint64 values: JSON integers are int64 in jansson; -1 and larger are handled by the caller's range. */
int json_opt_uint(json_t *obj, const char *key, const char *where, uint64_t max, uint64_t *out, bool *present,
		  struct moat_err *err);
int json_opt_object(json_t *obj, const char *key, const char *where, json_t **out, struct moat_err *err);
int json_opt_array(json_t *obj, const char *key, const char *where, json_t **out, struct moat_err *err);
/* An array of strings into a NULL-terminated malloc'd vector (strings malloc'd). */
int json_opt_strv(json_t *obj, const char *key, const char *where, char ***out, size_t *n, struct moat_err *err);

void strv_free(char **v);

#endif
