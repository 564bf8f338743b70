#include "util/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdbool.h>
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

/* Big unsigned literals travel as a string marked by a leading NUL, which
 * json_opt_string refuses, so the marker can never pass for a real string. */
#define BIG_MARK '\0'

json_t *json_load_oci(const char *text, size_t len, json_error_t *jerr)
{
	/* a copy with every integer literal above INT64_MAX quoted as "\u0000DIGITS" */
	size_t cap = len + 1, o = 0;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	bool in_str = false;
	for (size_t i = 0; i < len;) {
		char ch = text[i];
		if (in_str) {
			if (ch == '\\' && i + 1 < len) {
				buf[o++] = text[i++];
			} else if (ch == '"') {
				in_str = false;
			}
			buf[o++] = text[i++];
			continue;
		}
		if (ch == '"') {
			in_str = true;
			buf[o++] = text[i++];
			continue;
		}
		size_t j = i;
		while (j < len && text[j] >= '0' && text[j] <= '9')
			j++;
		bool plain = j > i && (i == 0 || !strchr("-.eE+0123456789", text[i - 1])) &&
			     (j == len || !strchr(".eE", text[j]));
		if (plain && (j - i > 19 || (j - i == 19 && strncmp(text + i, "9223372036854775807", 19) > 0))) {
			size_t need = o + (j - i) + 8 + (len - j) + 1;
			if (need > cap) {
				char *nb = realloc(buf, need);
				if (!nb) {
					free(buf);
					return NULL;
				}
				buf = nb;
				cap = need;
			}
			memcpy(buf + o, "\"\\u0000", 7);
			o += 7;
			memcpy(buf + o, text + i, j - i);
			o += j - i;
			buf[o++] = '"';
			i = j;
			continue;
		}
		if (j > i) {
			memcpy(buf + o, text + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		buf[o++] = text[i++];
	}
	json_t *doc = json_loadb(buf, o, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, jerr);
	free(buf);
	return doc;
}

int json_opt_uint(json_t *obj, const char *key, const char *where, uint64_t max, uint64_t *out, bool *present,
		  struct moat_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v) && json_string_length(v) > 1 && json_string_value(v)[0] == BIG_MARK) {
		char *end;
		errno = 0;
		unsigned long long u = strtoull(json_string_value(v) + 1, &end, 10);
		if (errno == ERANGE || *end)
			return moat_fail(err, ERANGE, "%s.%s: larger than 18446744073709551615", where, key);
		*out = u;
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
