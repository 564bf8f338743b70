#include "util/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int bad_type(struct moat_err *err, const char *where, const char *key, const char *what)
{
	return moat_fail(err, EINVAL, "%s%s%s: expected %s", where, *where ? "." : "", key, what);
}

int json_opt_string(json_t *obj, const char *key, const char *where, char **out, struct moat_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad_type(err, where, key, "a string");
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return moat_fail(err, EINVAL, "%s.%s: contains a NUL byte", where, key);
	char *d = strdup(s);
	if (!d)
		return moat_fail_errno(err, ENOMEM, "%s.%s", where, key);
	free(*out);
	*out = d;
	return 0;
}

int json_opt_bool(json_t *obj, const char *key, const char *where, bool *out, struct moat_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad_type(err, where, key, "true or false");
	*out = json_is_true(v);
	return 0;
}

int json_opt_int(json_t *obj, const char *key, const char *where, int64_t min, int64_t max, int64_t *out,
		 bool *present, struct moat_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return bad_type(err, where, key, "an integer");
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return moat_fail(err, ERANGE, "%s.%s: %" PRId64 " is out of range [%" PRId64 ", %" PRId64 "]", where,
				 key, (int64_t)i, min, max);
	*out = i;
	if (present)
		*present = true;
	return 0;
}

int json_opt_uint(json_t *obj, const char *key, const char *where, uint64_t max, uint64_t *out, bool *present,
		  struct moat_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_real(v)) {
		/* jansson turns integers above INT64_MAX into reals; accept exact ones up to 2^64-1 */
		double d = json_real_value(v);
		if (d < 0 || d > 18446744073709551615.0 || d != (double)(uint64_t)d)
			return bad_type(err, where, key, "a non-negative integer");
		*out = (uint64_t)d;
	} else if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0)
			return moat_fail(err, ERANGE, "%s.%s: must not be negative", where, key);
		*out = (uint64_t)i;
	} else {
		return bad_type(err, where, key, "a non-negative integer");
	}
	if (*out > max)
		return moat_fail(err, ERANGE, "%s.%s: %" PRIu64 " is larger than %" PRIu64, where, key, *out, max);
	if (present)
		*present = true;
	return 0;
}

int json_opt_object(json_t *obj, const char *key, const char *where, json_t **out, struct moat_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad_type(err, where, key, "an object");
	*out = v;
	return 0;
}

int json_opt_array(json_t *obj, const char *key, const char *where, json_t **out, struct moat_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad_type(err, where, key, "an array");
	*out = v;
	return 0;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int json_opt_strv(json_t *obj, const char *key, const char *where, char ***out, size_t *n, struct moat_err *err)
{
	json_t *arr = NULL;
	int r = json_opt_array(obj, key, where, &arr, err);
	if (r < 0 || !arr)
		return r;
	size_t len = json_array_size(arr);
	char **v = calloc(len + 1, sizeof(char *));
	if (!v)
		return moat_fail_errno(err, ENOMEM, "%s.%s", where, key);
	for (size_t i = 0; i < len; i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s)) {
			strv_free(v);
			return moat_fail(err, EINVAL, "%s%s%s[%zu]: expected a string without NUL bytes", where,
					 *where ? "." : "", key, i);
		}
		v[i] = strdup(json_string_value(s));
		if (!v[i]) {
			strv_free(v);
			return moat_fail_errno(err, ENOMEM, "%s.%s", where, key);
		}
	}
	strv_free(*out);
	*out = v;
	if (n)
		*n = len;
	return 0;
}
