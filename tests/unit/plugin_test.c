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
	snprintf(want, sizeof want, "built for plugin ABI %d.0, but this host "
	    "speaks ABI %d.%d", EP_ABI_MAJOR + 1, EP_ABI_MAJOR, EP_ABI_MINOR);
	expect_refused("bad-abi", want);
}

/* A plugin built for ABI 1.x, whose block has no size first, is told so. */
static void
test_abi_1(void **state)
{
	char want[96];

	(void)state;
	snprintf(want, sizeof want, "built for plugin ABI 1.x, but this host "
	    "speaks ABI %d.%d", EP_ABI_MAJOR, EP_ABI_MINOR);
	expect_refused("abi-1", want);
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

/* A plugin built for the first minor of this major loads on this host. */
static void
test_old_minor_loads(void **state)
{
	char *path = plugin_path("old-minor");
	char *err = NULL;
	const struct route *r;
	struct route_params p;

	(void)state;
	assert_int_equal(plugin_load(path, &err), 0);
	assert_int_equal(plugin_first()->info->abi_minor, 0);
	assert_true(plugin_first()->info->host_size <= host_table.size);
	assert_int_equal(route_match("GET", "/old-minor", &r, &p), ROUTE_FOUND);
	route_params_free(&p);
	assert_int_equal(plugin_nmigrations(), 1);
	free(path);
}

/* One built for a newer minor loads too, and its probe of a member this
 * host lacks fails. */
static void
test_new_minor_loads(void **state)
{
	char *path = plugin_path("new-minor");
	char *err = NULL;
	const struct route *r;
	struct route_params p;

	(void)state;
	assert_int_equal(plugin_load(path, &err), 0);
	assert_int_equal(plugin_first()->info->abi_minor, EP_ABI_MINOR + 1);
	assert_true(plugin_first()->info->host_size > host_table.size);
	assert_int_equal(route_match("GET", "/new-minor", &r, &p), ROUTE_FOUND);
	route_params_free(&p);
	free(path);
}

/* EP_HOST_HAS reads the running host's size, not the plugin's header. */
static void
test_host_has(void **state)
{
	struct ep_host older = host_table;

	(void)state;
	assert_true(EP_HOST_HAS(&host_table, job_person));
	older.size = (uint32_t)offsetof(struct ep_host, job_person);
	assert_false(EP_HOST_HAS(&older, job_person));
	assert_true(EP_HOST_HAS(&older, notify_address));
}

/* A plugin whose requirement is absent is refused, naming it. */
static void
test_requires_absent(void **state)
{
	char *hello = plugin_path("hello"), *path = plugin_path("needs-absent");
	char *err = NULL;

	(void)state;
	assert_int_equal(plugin_load(path, &err), -1);
	if (strstr(err, "plugin needs-absent requires plugin hello, which is "
	    "not loaded") == NULL)
		fail_msg("%s", err);
	free(err);
	assert_int_equal(plugin_load(hello, &err), 0);
	assert_int_equal(plugin_load(path, &err), -1);
	if (strstr(err, "requires plugin absent-plugin, which is not loaded") ==
	    NULL || strstr(err, path) == NULL)
		fail_msg("%s", err);
	assert_string_equal(plugin_first()->info->name, "hello");
	assert_null(plugin_first()->next);
	free(err);
	free(hello);
	free(path);
}

/* Copies a built test plugin into dir under another file name. */
static void
copy_plugin(const char *name, const char *dir, const char *as)
{
	char *from = plugin_path(name), *to = xprintf("%s/%s", dir, as);
	char *cmd = xprintf("cp '%s' '%s' && chmod 755 '%s'", from, to, to);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(to);
	free(from);
}

/* A directory's plugins start each after those it requires, whatever
 * their names; one whose requirement is not there stops the load. */
static void
test_dir_order(void **state)
{
	char dir[] = "/tmp/ep-plugins-XXXXXX";
	char *err = NULL, *cmd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	copy_plugin("needs-hello", dir, "a-needs-hello.so");
	copy_plugin("hello", dir, "hello.so");
	assert_int_equal(plugin_load_dir(dir, &err), 0);
	/* Started hello first: its migration registered first. */
	assert_int_equal(plugin_nmigrations(), 2);
	assert_string_equal(plugin_migration_at(0)->owner->info->name, "hello");
	assert_string_equal(plugin_migration_at(1)->owner->info->name,
	    "a-needs-hello");
	plugin_unload_all();
	route_clear();
	copy_plugin("needs-absent", dir, "needs-absent.so");
	assert_int_equal(plugin_load_dir(dir, &err), -1);
	if (strstr(err, "plugin needs-absent requires plugin absent-plugin, "
	    "which is not loaded") == NULL)
		fail_msg("%s", err);
	free(err);
	cmd = xprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hello_loads, teardown),
		cmocka_unit_test_teardown(test_wrong_abi, teardown),
		cmocka_unit_test_teardown(test_abi_1, teardown),
		cmocka_unit_test_teardown(test_no_entry, teardown),
		cmocka_unit_test_teardown(test_failing_init_undone, teardown),
		cmocka_unit_test_teardown(test_not_a_file, teardown),
		cmocka_unit_test_teardown(test_world_writable_dir, teardown),
		cmocka_unit_test_teardown(test_register_after_init, teardown),
		cmocka_unit_test_teardown(test_old_minor_loads, teardown),
		cmocka_unit_test_teardown(test_new_minor_loads, teardown),
		cmocka_unit_test_teardown(test_host_has, teardown),
		cmocka_unit_test_teardown(test_requires_absent, teardown),
		cmocka_unit_test_teardown(test_dir_order, teardown),
	};

	return cmocka_run_group_tests_name("plugin", tests, NULL, NULL);
}
