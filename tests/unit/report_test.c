/* report_test.c: the consortium's quartiles, held to a sort: figures
 * drawn from wide and narrow ranges (most of them equal), ascending,
 * descending, one and two of them. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank value for p% of the sorted v[0, n). */
static int64_t
nearest_rank(const int64_t *sorted, size_t n, int p)
{
	size_t rank = ((size_t)p * n + 99) / 100;

	return sorted[rank > 0 ? rank - 1 : 0];
}

static void
check_spread(const int64_t *v, size_t n)
{
	int64_t *work = malloc((n + 1) * sizeof *work);
	int64_t *sorted = malloc((n + 1) * sizeof *sorted);
	struct rep_spread sp;

	assert_non_null(work);
	assert_non_null(sorted);
	memcpy(work, v, n * sizeof *v);
	memcpy(sorted, v, n * sizeof *v);
	qsort(sorted, n, sizeof *sorted, cmp64);
	report_spread(work, n, &sp);
	assert_int_equal(sp.n, (int64_t)n);
	if (n > 0) {
		assert_int_equal(sp.q1, nearest_rank(sorted, n, 25));
		assert_int_equal(sp.median, nearest_rank(sorted, n, 50));
		assert_int_equal(sp.q3, nearest_rank(sorted, n, 75));
		/* Reordered, never changed: the same values, sorted. */
		qsort(work, n, sizeof *work, cmp64);
		assert_memory_equal(work, sorted, n * sizeof *work);
	}
	free(work);
	free(sorted);
}

/* A small generator of its own, so that the figures are the same on
 * every run and every libc. */
static uint64_t
next(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

static void
test_spread(void **state)
{
	static const uint64_t ranges[] = { 1, 2, 3, 7, 100, 1000000 };
	int64_t v[257] = { 0 };
	uint64_t seed = 19;
	size_t n, i, r;

	(void)state;
	check_spread(v, 0);
	for (n = 1; n <= 257; n += (n < 12 ? 1 : 17)) {
		for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
			for (i = 0; i < n; i++)
				v[i] = (int64_t)(next(&seed) % ranges[r]) -
				    (int64_t)(ranges[r] / 2);
			check_spread(v, n);
		}
		for (i = 0; i < n; i++)
			v[i] = (int64_t)i;
		check_spread(v, n);
		for (i = 0; i < n; i++)
			v[i] = (int64_t)(n - i);
		check_spread(v, n);
	}
}

/* The benchmark's case: two hundred organisations at one rate, one
 * dearer and one cheaper. */
static void
test_spread_shared(void **state)
{
	int64_t v[200];
	struct rep_spread sp;
	size_t i;

	(void)state;
	for (i = 0; i < 200; i++)
		v[i] = 6600;
	v[17] = 9900;
	v[150] = 100;
	report_spread(v, 200, &sp);
	assert_int_equal(sp.q1, 6600);
	assert_int_equal(sp.median, 6600);
	assert_int_equal(sp.q3, 6600);
	check_spread(v, 200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_spread_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
