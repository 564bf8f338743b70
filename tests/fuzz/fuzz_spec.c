/* libFuzzer target: config.json parsing and validation (spec_parse), and the
 * linux.resources checks that run before anything is created. */
#include <stddef.h>
#include <stdint.h>

#include "linux/cgroups.h"
#include "oci/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_spec *spec;
	struct moat_err err;
	if (spec_parse((const char *)data, size, "/nonexistent-bundle", &spec, &err) == 0) {
		if (spec->resources)
			cgroups_validate(spec->resources, &err);
		spec_free(spec);
	}
	return 0;
}
