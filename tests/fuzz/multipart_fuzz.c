/*
 * multipart_fuzz.c: the multipart/form-data reader (http.c) with any
 * Content-Type and body. The input's first line is the header value, the
 * rest the body. Invariants: at most 32 fields, none longer than 4 KiB,
 * every name shorter than 64 bytes; a part found by name lies inside the
 * body.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <event2/keyvalq_struct.h>
#include <event2/http.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evkeyvalq *kv;
	struct evkeyval *f;
	char *type, *body;
	int fields = 0;

	/* The body as the server holds it (http_body): NUL-terminated, its
	 * length up to the first NUL. */
	fuzz_split(data, size, &type, &body);
	kv = http_parse_multipart(type, body, strlen(body));
	for (f = kv->tqh_first; f != NULL; f = f->next.tqe_next) {
		FUZZ_ASSERT(strlen(f->key) < 64);
		FUZZ_ASSERT(strlen(f->value) <= 4096);
		fields++;
	}
	FUZZ_ASSERT(fields <= 32);
	evhttp_clear_headers(kv);
	free(kv);
	/* A file part, as an upload reads it: inside the body, whole. */
	{
		const char *part;
		size_t len = strlen(body), plen;

		if (http_multipart_part(type, body, len, "file", &part,
		    &plen) == 0) {
			FUZZ_ASSERT(part >= body && part <= body + len);
			FUZZ_ASSERT(plen <= (size_t)(body + len - part));
		}
	}
	free(body);
	free(type);
	return 0;
}
