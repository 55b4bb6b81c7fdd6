/* plugin_test.c: the loader, with good and deliberately broken plugins. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char *
plugin_path(const char *name)
{
	const char *top = getenv("top_builddir");

	return xprintf("%s/tests/plugins/.libs/%s.so", top ? top : ".", name);
}

static int
teardown(void **state)
{
	(void)state;
	plugin_unload_all();
	route_clear();
	return 0;
}

static void
expect_refused(const char *name, const char *words)
{
	char *path = plugin_path(name);
	char *err = NULL;

	assert_int_equal(plugin_load(path, &err), -1);
	assert_non_null(err);
	if (strstr(err, words) == NULL || strstr(err, path) == NULL)
		fail_msg("\"%s\" lacks the file or \"%s\"", err, words);
	assert_null(plugin_first());
	free(err);
	free(path);
}

static void
test_hello_loads(void **state)
{
	char *path = plugin_path("hello");
	char *err = NULL;
	const struct route *r;
	struct route_params p;

	(void)state;
	log_init(EP_LOG_ERROR - 1);
	assert_int_equal(plugin_load(path, &err), 0);
	assert_non_null(plugin_first());
	assert_string_equal(plugin_first()->info->name, "hello");
	assert_int_equal(route_match("GET", "/hello/items/7", &r, &p), ROUTE_FOUND);
	assert_ptr_equal(r->owner, plugin_first());
	route_params_free(&p);
	assert_int_equal(hook_count("hello.greeted"), 1);
	assert_non_null(plugin_command_find("hello"));
	assert_int_equal(plugin_nmigrations(), 1);
	/* The same plugin twice is refused by name. */
	assert_int_equal(plugin_load(path, &err), -1);
	assert_non_null(strstr(err, "already loaded"));
	free(err);
	free(path);
}

static void
test_wrong_abi(void **state)
{
	char want[96];

	(void)state;
	snprintf(want, sizeof want, "built for plugin ABI 2.0, but this host "
	    "speaks ABI %d.%d", EP_ABI_MAJOR, EP_ABI_MINOR);
	expect_refused("bad-abi", want);
}

static void
test_no_entry(void **state)
{
	(void)state;
	expect_refused("no-entry", "no entry point expertpool_plugin()");
}

static void
test_failing_init_undone(void **state)
{
	const struct route *r;
	struct route_params p;

	(void)state;
	expect_refused("fail-init", "failed to initialise");
	assert_int_equal(route_match("GET", "/half-registered", &r, &p),
	    ROUTE_NOT_FOUND);
	assert_int_equal(route_count(), 0);
}

static void
test_not_a_file(void **state)
{
	char *err = NULL;

	(void)state;
	assert_int_equal(plugin_load("/nonexistent/x.so", &err), -1);
	assert_non_null(strstr(err, "/nonexistent/x.so: cannot load"));
	free(err);
}

static void
test_world_writable_dir(void **state)
{
	char dir[] = "/tmp/ep-plugins-XXXXXX";
	char *err = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(plugin_load_dir(dir, &err), -1);
	assert_non_null(strstr(err, "its group or others can write"));
	free(err);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(plugin_load_dir(dir, &err), 0);
	assert_int_equal(plugin_load_dir("/nonexistent-dir", &err), 0);
	rmdir(dir);
}

static void
test_register_after_init(void **state)
{
	char *path = plugin_path("hello");
	char *err = NULL;
	struct ep_plugin *p;

	(void)state;
	assert_int_equal(plugin_load(path, &err), 0);
	p = plugin_first();
	assert_int_equal(host_table.route_add(p, "GET", "/later", 0,
	    (ep_handler_fn)(void (*)(void))free, NULL), -1);
	assert_int_equal(host_table.migration_add(p, 2, "SELECT 1"), -1);
	assert_int_equal(host_table.command_add(p, "later", "", NULL, NULL), -1);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hello_loads, teardown),
		cmocka_unit_test_teardown(test_wrong_abi, teardown),
		cmocka_unit_test_teardown(test_no_entry, teardown),
		cmocka_unit_test_teardown(test_failing_init_undone, teardown),
		cmocka_unit_test_teardown(test_not_a_file, teardown),
		cmocka_unit_test_teardown(test_world_writable_dir, teardown),
		cmocka_unit_test_teardown(test_register_after_init, teardown),
	};

	return cmocka_run_group_tests_name("plugin", tests, NULL, NULL);
}
