/* config_test.c: the options table and the Lua configuration file. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char *
write_file(const char *text)
{
	char *path = xstrdup("/tmp/ep-config-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_int_equal(c.max_body_bytes, 4194304);
	assert_int_equal(c.log_requests, 1);
	assert_int_equal(c.tls, 0);
	config_free(&c);
}

static void
test_set_bounds(void **state)
{
	struct config c;
	char *err = NULL;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "max_connections", "64", &err), 0);
	assert_int_equal(c.max_connections, 64);
	assert_int_equal(config_set(&c, "max_connections", "0", &err), -1);
	assert_non_null(strstr(err, "max_connections"));
	assert_non_null(strstr(err, "from 1 to 100000"));
	free(err);
	assert_int_equal(config_set(&c, "max_connections", "12x", &err), -1);
	free(err);
	assert_int_equal(config_set(&c, "tls", "maybe", &err), -1);
	assert_non_null(strstr(err, "tls"));
	free(err);
	assert_int_equal(config_set(&c, "colour", "red", &err), -1);
	assert_non_null(strstr(err, "colour"));
	free(err);
	assert_int_equal(c.max_connections, 64);
	config_free(&c);
}

static void
test_file(void **state)
{
	struct config c;
	char *err = NULL;
	char *path = write_file("listen = '127.0.0.1:9000'\n"
	    "max_body_bytes = 2048 * 2\n"
	    "tls = true\n");

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, &err), 0);
	assert_string_equal(c.listen, "127.0.0.1:9000");
	assert_int_equal(c.max_body_bytes, 4096);
	assert_int_equal(c.tls, 1);
	config_free(&c);
	unlink(path);
	free(path);
}

static void
test_file_errors(void **state)
{
	static const char *bad[][2] = {
		{ "listen = 'a:1'\nmax_body_byte = 1\n", "max_body_byte" },
		{ "max_body_bytes = 'big'\n", "max_body_bytes: expected a whole" },
		{ "max_body_bytes = 1.5\n", "max_body_bytes" },
		{ "tls = true\nlisten = = 'x'\n", ":2:" },
		{ "os.execute('true')\n", "os" },
		{ "max_body_bytes = 10\n", "from 1024" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		struct config c;
		char *err = NULL;
		char *path = write_file(bad[i][0]);

		config_defaults(&c);
		assert_int_equal(config_load(&c, path, &err), -1);
		assert_non_null(err);
		if (strstr(err, bad[i][1]) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i][1]);
		free(err);
		config_free(&c);
		unlink(path);
		free(path);
	}
}

static void
test_missing_file(void **state)
{
	struct config c;
	char *err = NULL;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/ep.lua", &err), -1);
	assert_non_null(strstr(err, "/nonexistent/ep.lua"));
	free(err);
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_bounds),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
