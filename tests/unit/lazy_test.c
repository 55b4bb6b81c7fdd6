/* lazy_test.c: kits of libraries opened when first used: found, or a
 * clear reason that names the library or the function. */
#include "server.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lazy.h"
#include "pdf-libs.h"

/* libm's cos and floor, called through a table. */
static struct {
	double	(*cos)(double);
	double	(*floor)(double);
} m;

static const char *const m_libs[] = { "libm.so.6", NULL };
static const struct lazy_fn m_fns[] = {
	{ "cos", (void **)&m.cos }, { "floor", (void **)&m.floor },
	{ NULL, NULL }
};
static int m_loaded_calls;

static void
m_loaded(void)
{
	m_loaded_calls++;
}

static void
test_found(void **state)
{
	static struct lazy_kit kit = LAZY_KIT(m_libs, m_fns, m_loaded);
	char err[300];

	(void)state;
	assert_false(lazy_is_open(&kit));
	assert_int_equal(lazy_open(&kit, err, sizeof err), 0);
	assert_int_equal(lazy_open(&kit, err, sizeof err), 0);
	assert_true(lazy_is_open(&kit));
	assert_int_equal(m_loaded_calls, 1);
	assert_true(m.cos(0.0) == 1.0);
	assert_true(m.floor(2.5) == 2.0);
}

static void
test_no_library(void **state)
{
	static const char *const libs[] = { "libm.so.6",
	    "libexpertpool-absent.so.9", NULL };
	static struct lazy_kit kit = LAZY_KIT(libs, m_fns, NULL);
	char err[300];

	(void)state;
	assert_int_equal(lazy_open(&kit, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot load libexpertpool-absent.so.9"));
	/* The same answer again, without trying again. */
	err[0] = '\0';
	assert_int_equal(lazy_open(&kit, err, sizeof err), -1);
	assert_non_null(strstr(err, "libexpertpool-absent.so.9"));
	assert_false(lazy_is_open(&kit));
}

static void
test_no_function(void **state)
{
	static void (*absent)(void);
	static const struct lazy_fn fns[] = {
		{ "cos", (void **)&m.cos },
		{ "expertpool_absent", (void **)&absent },
		{ NULL, NULL }
	};
	static struct lazy_kit kit = LAZY_KIT(m_libs, fns, NULL);
	char err[300];

	(void)state;
	assert_int_equal(lazy_open(&kit, err, sizeof err), -1);
	assert_string_equal(err, "expertpool_absent not found in libm.so.6");
}

/* The PDFs' kit: every function it names is found in the libraries
 * configure found, and drawing through it works. */
static void
test_pdf_libs(void **state)
{
	cairo_surface_t *s;
	cairo_t *cr;
	char err[300];

	(void)state;
	assert_int_equal(pdf_libs_open(err, sizeof err), 0);
	s = cairo_pdf_surface_create_for_stream(NULL, NULL, 100, 100);
	cr = cairo_create(s);
	cairo_move_to(cr, 0, 0);
	cairo_line_to(cr, 10, 10);
	cairo_stroke(cr);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found),
		cmocka_unit_test(test_no_library),
		cmocka_unit_test(test_no_function),
		cmocka_unit_test(test_pdf_libs),
	};

	return cmocka_run_group_tests_name("lazy", tests, NULL, NULL);
}
