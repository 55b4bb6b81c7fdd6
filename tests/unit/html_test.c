/* html_test.c: the page writer's printf and escaping, held to a plain
 * reference: every character class, every conversion, and text longer
 * than the writer's own buffer with the characters to escape at its
 * edges. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

/* The evbuffer's contents as a string the caller frees. */
static char *
drain(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	assert_non_null(s);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

/* The escaping every page relies on, one character at a time. */
static char *
reference_escape(const char *s)
{
	char *out = malloc(strlen(s) * 6 + 1), *o = out;

	assert_non_null(out);
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': o = stpcpy(o, "&amp;"); break;
		case '<': o = stpcpy(o, "&lt;"); break;
		case '>': o = stpcpy(o, "&gt;"); break;
		case '"': o = stpcpy(o, "&quot;"); break;
		case '\'': o = stpcpy(o, "&#39;"); break;
		default: *o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void
test_conversions(void **state)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	(void)state;
	html_printf(b, "<p class=\"x\">%s|%R|%d|%D|%P|%%|%s|%R</p>",
	    "a&b<c>d\"e'f", "<b>raw</b>", -42, (int64_t)INT64_MIN,
	    (int64_t)123456, NULL, NULL);
	s = drain(b);
	assert_string_equal(s, "<p class=\"x\">a&amp;b&lt;c&gt;d&quot;e&#39;f|"
	    "<b>raw</b>|-42|-9223372036854775808|£1,234.56|%||</p>");
	free(s);
	html_printf(b, "no conversions at all");
	html_printf(b, "");
	html_printf(b, "%d", 0);
	s = drain(b);
	assert_string_equal(s, "no conversions at all0");
	free(s);
	html_escape(b, NULL);
	html_escape(b, "");
	html_escape(b, "&&''");
	s = drain(b);
	assert_string_equal(s, "&amp;&amp;&#39;&#39;");
	free(s);
	evbuffer_free(b);
}

/* The writer's buffer: text is handed on when it fills. */
#define WBUF sizeof(((struct html_w *)0)->buf)

/* Text of every length up to three times the writer's buffer, each with
 * characters to escape placed to fall on and around its edges. */
static void
test_long_text(void **state)
{
	static const char special[] = "&<>\"'";
	struct evbuffer *b = evbuffer_new();
	size_t len, i;
	char *text = malloc(3 * WBUF + 100), *want, *got, *full;

	(void)state;
	assert_non_null(text);
	for (len = 0; len < 3 * WBUF + 100; len += len < 64 ? 1 : 97) {
		for (i = 0; i < len; i++)
			text[i] = (i % 409 == 0 || i % WBUF == WBUF - 1 ||
			    i % WBUF == 0 || i % WBUF == 1) ? special[i % 5] :
			    (char)('a' + i % 26);
		text[len] = '\0';
		want = reference_escape(text);
		html_escape(b, text);
		got = drain(b);
		if (strcmp(got, want) != 0)
			fail_msg("html_escape differs at length %zu", len);
		free(got);
		html_printf(b, "<td>%s</td>%R%D", text, text, (int64_t)len);
		got = drain(b);
		if (asprintf(&full, "<td>%s</td>%s%zu", want, text, len) < 0)
			fail();
		if (strcmp(got, full) != 0)
			fail_msg("html_printf differs at length %zu", len);
		free(full);
		free(got);
		free(want);
	}
	free(text);
	evbuffer_free(b);
}

/* Numbers and text through one writer, past its buffer many times over:
 * each number as printf writes it, wherever the buffer's end falls. */
static void
test_writer(void **state)
{
	static const int64_t edges[] = { 0, 1, -1, 9, 10, -10, 99, 100, 999,
		1000, 123456789, -987654321, INT64_MAX, INT64_MIN,
		INT64_MIN + 1, 1000000000000000000 };
	struct evbuffer *b = evbuffer_new();
	struct html_w w;
	char *want = malloc(40 * 4 * WBUF), *o = want, *got;
	size_t i, k;

	(void)state;
	assert_non_null(want);
	html_w_begin(&w, b);
	for (k = 0; o - want < (ptrdiff_t)(3 * WBUF); k++) {
		for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
			int64_t v = edges[i] + (int64_t)(k % 3) - 1;

			if (edges[i] == INT64_MIN)
				v = INT64_MIN;
			if (edges[i] == INT64_MAX)
				v = INT64_MAX;
			html_w_int(&w, v);
			html_w_lit(&w, "<");
			o += sprintf(o, "%lld<", (long long)v);
		}
		html_w_text(&w, k % 2 ? "a&b" : "");
		o = stpcpy(o, k % 2 ? "a&amp;b" : "");
	}
	html_w_end(&w);
	got = drain(b);
	assert_string_equal(got, want);
	free(got);
	free(want);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
