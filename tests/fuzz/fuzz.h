/* fuzz.h: the libFuzzer entry points every target in tests/fuzz defines. */
#ifndef EP_FUZZ_H
#define EP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: a target that needs setting up defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Optional: how many mutated inputs make check tries (driver.c), for a
 * target whose inputs are slow; 20000 without it. */
extern const long fuzz_mutations __attribute__((weak));

/*
 * Splits an input at its first newline: the first line (a header value, a
 * method) and the rest (a body, a path), each a new NUL-terminated string,
 * cut at any NUL as the server's strings are. rest is "" without a newline.
 */
static inline void
fuzz_split(const uint8_t *data, size_t size, char **first, char **rest)
{
	const char *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - (const char *)data) : size;

	*first = xstrndup((const char *)data, n);
	*rest = nl ? xstrndup(nl + 1, size - n - 1) : xstrdup("");
}

/* A failed invariant: says which and aborts, so every build reports it. */
#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#endif
