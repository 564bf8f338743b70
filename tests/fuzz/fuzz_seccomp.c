/* libFuzzer target: compiling a linux.seccomp profile with libseccomp. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "linux/seccomp.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *o = json_load_oci((const char *)data, size, &jerr);
	if (!o)
		return 0;
	struct seccomp_profile *p;
	struct moat_err err;
	if (json_is_object(o) && seccomp_profile_compile(o, &p, &err) == 0)
		seccomp_profile_free(p);
	json_decref(o);
	return 0;
}
