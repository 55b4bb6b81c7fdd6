/*
 * driver.c: runs a fuzz target without libFuzzer, for make check: every
 * file of the seed corpus, then a fixed number of inputs mutated from it
 * by a seeded generator, so each run tries the same inputs. A crash, a
 * sanitizer report or a failed invariant fails the test. Built with clang
 * and -fsanitize=fuzzer instead (scripts/fuzz), the same target is
 * explored by libFuzzer for as long as one likes.
 *
 * usage: TARGET [CORPUS_DIR [MUTATIONS]]; prints TAP. Without a directory,
 * $top_srcdir/tests/fuzz/corpus/NAME for a program NAME_fuzz, as make check
 * runs it; FUZZ_MUTATIONS overrides the count.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define FUZZ_MAX 65536

struct input {
	unsigned char *data;
	size_t len;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Fragments the parsers under test give meaning to. */
static const char *const tokens[] = { "\r\n", "\r\n\r\n", "--", "\"", ";",
    "=", "/", "{", "}", ":", "-", ".", "%", "0", "9", "99999999999999999999",
    "-1", "name=", "boundary=", "filename=", "Content-Disposition: ",
    "form-data", "2026-02-29", "2025-Q4", "2026/27", "1h30", "1:30", "90m",
    "legal/planning-law:3", "admin,finance", "127.0.0.1:", "GET", "POST",
    "\0", "\xff", "é" };

/* One to eight random edits of in, into out; returns out's length. */
static size_t
mutate(const struct input *in, unsigned char *out)
{
	size_t len = in->len, pos, n, i, edits = next() % 8 + 1;
	const char *tok;

	memcpy(out, in->data, len);
	for (i = 0; i < edits; i++) {
		pos = len ? next() % (len + 1) : 0;
		switch (next() % 5) {
		case 0:		/* flip a byte */
			if (len)
				out[pos % len] ^= (unsigned char)(1u << next() % 8);
			break;
		case 1:		/* insert a random byte */
			if (len < FUZZ_MAX) {
				memmove(out + pos + 1, out + pos, len - pos);
				out[pos] = (unsigned char)next();
				len++;
			}
			break;
		case 2:		/* delete a run */
			if (len) {
				pos %= len;
				n = next() % (len - pos) + 1;
				memmove(out + pos, out + pos + n, len - pos - n);
				len -= n;
			}
			break;
		case 3:		/* insert a token */
			tok = tokens[next() % (sizeof tokens / sizeof tokens[0])];
			n = *tok ? strlen(tok) : 1;
			if (len + n <= FUZZ_MAX) {
				memmove(out + pos + n, out + pos, len - pos);
				memcpy(out + pos, tok, n);
				len += n;
			}
			break;
		default:	/* repeat a run */
			if (len) {
				pos %= len;
				n = next() % (len - pos) + 1;
				if (len + n <= FUZZ_MAX) {
					memmove(out + pos + n, out + pos, len - pos);
					len += n;
				}
			}
			break;
		}
	}
	return len;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct input *corpus = NULL;
	unsigned char *buf;
	char **names = NULL, path[4096 + 258], dir[4096];
	const char *base, *top = getenv("top_srcdir");
	struct dirent *de;
	size_t n = 0, cap = 0, i;
	long mutations;
	DIR *d;
	FILE *f;

	if (argc > 3) {
		fprintf(stderr, "usage: %s [CORPUS_DIR [MUTATIONS]]\n", argv[0]);
		return 2;
	}
	if (argc >= 2)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	else {
		base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
		snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%.*s",
		    top ? top : ".", (int)(strstr(base, "_fuzz") ?
		    (size_t)(strstr(base, "_fuzz") - base) : strlen(base)), base);
	}
	mutations = argc == 3 ? strtol(argv[2], NULL, 10) :
	    &fuzz_mutations != NULL ? fuzz_mutations : 20000;
	if (getenv("FUZZ_MUTATIONS") != NULL)
		mutations = strtol(getenv("FUZZ_MUTATIONS"), NULL, 10);
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if ((d = opendir(dir)) == NULL) {
		printf("1..1\nnot ok 1 - no seed corpus at %s\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			corpus = realloc(corpus, cap * sizeof *corpus);
			if (names == NULL || corpus == NULL)
				abort();
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	printf("1..2\n");
	fflush(stdout);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if ((f = fopen(path, "rb")) == NULL ||
		    (corpus[i].data = malloc(FUZZ_MAX)) == NULL)
			abort();
		corpus[i].len = fread(corpus[i].data, 1, FUZZ_MAX, f);
		fclose(f);
		LLVMFuzzerTestOneInput(corpus[i].data, corpus[i].len);
	}
	printf("ok 1 - %zu seed inputs from %s\n", n, dir);
	fflush(stdout);
	if ((buf = malloc(FUZZ_MAX)) == NULL)
		abort();
	for (i = 0; n > 0 && i < (size_t)mutations; i++) {
		size_t len = mutate(&corpus[next() % n], buf);

		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("ok 2 - %ld mutated inputs\n", n > 0 ? mutations : 0L);
	for (i = 0; i < n; i++) {
		free(corpus[i].data);
		free(names[i]);
	}
	free(corpus);
	free(names);
	free(buf);
	return 0;
}
