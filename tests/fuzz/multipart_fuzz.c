/*
 * multipart_fuzz.c: the multipart/form-data reader (http.c) with any
 * Content-Type and body. The input's first line is the header value, the
 * rest the body. Invariants: at most 32 fields, none longer than 4 KiB,
 * every name shorter than 64 bytes.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/keyvalq_struct.h>
#include <event2/http.h>

#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t tlen = nl ? (size_t)(nl - (const char *)data) : size;
	char *type = xstrndup((const char *)data, tlen);
	size_t blen = nl ? size - tlen - 1 : 0;
	char *body = xmalloc(blen + 1);
	struct evkeyvalq *kv;
	struct evkeyval *f;
	int fields = 0;

	/* The body as the server holds it (http_body): its own buffer,
	 * NUL-terminated, its length up to the first NUL. */
	memcpy(body, nl ? nl + 1 : "", blen);
	body[blen] = '\0';
	blen = strlen(body);
	kv = http_parse_multipart(type, body, blen);
	for (f = kv->tqh_first; f != NULL; f = f->next.tqe_next) {
		FUZZ_ASSERT(strlen(f->key) < 64);
		FUZZ_ASSERT(strlen(f->value) <= 4096);
		fields++;
	}
	FUZZ_ASSERT(fields <= 32);
	evhttp_clear_headers(kv);
	free(kv);
	free(body);
	free(type);
	return 0;
}
