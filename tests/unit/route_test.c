/* route_test.c: the route table: matching, parameters, 404 and 405. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void
h_a(ep_req *r, void *arg)
{
	(void)r;
	(void)arg;
}

static int
setup(void **state)
{
	(void)state;
	log_init(EP_LOG_ERROR - 1);
	assert_int_equal(route_add(NULL, "GET", "/", 0, h_a, NULL), 0);
	assert_int_equal(route_add(NULL, "GET", "/healthz", 0, h_a, NULL), 0);
	assert_int_equal(route_add(NULL, "GET", "/api/v1/requests/{id}",
	    EP_ROLE_REQUESTER, h_a, NULL), 0);
	assert_int_equal(route_add(NULL, "POST", "/api/v1/requests", EP_ROLE_ANY,
	    h_a, NULL), 0);
	assert_int_equal(route_add(NULL, "GET", "/orgs/{org}/people/{id}",
	    EP_ROLE_ADMIN, h_a, NULL), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	route_clear();
	return 0;
}

static void
test_exact(void **state)
{
	const struct route *r;
	struct route_params p;

	(void)state;
	assert_int_equal(route_match("GET", "/healthz", &r, &p), ROUTE_FOUND);
	assert_string_equal(r->pattern, "/healthz");
	assert_int_equal(p.n, 0);
	assert_int_equal(route_match("GET", "/", &r, &p), ROUTE_FOUND);
	assert_string_equal(r->pattern, "/");
	assert_int_equal(route_match("HEAD", "/healthz", &r, &p), ROUTE_FOUND);
}

static void
test_params(void **state)
{
	const struct route *r;
	struct route_params p;

	(void)state;
	assert_int_equal(route_match("GET", "/orgs/KENT/people/42", &r, &p),
	    ROUTE_FOUND);
	assert_string_equal(r->pattern, "/orgs/{org}/people/{id}");
	assert_int_equal(r->roles, EP_ROLE_ADMIN);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.name[0], "{org}");
	assert_string_equal(p.value[0], "KENT");
	assert_string_equal(p.value[1], "42");
	route_params_free(&p);
	assert_int_equal(p.n, 0);
}

static void
test_not_found(void **state)
{
	const struct route *r;
	struct route_params p;

	(void)state;
	assert_int_equal(route_match("GET", "/healthz/", &r, &p), ROUTE_NOT_FOUND);
	assert_int_equal(route_match("GET", "/nope", &r, &p), ROUTE_NOT_FOUND);
	assert_int_equal(route_match("GET", "/api/v1/requests/", &r, &p),
	    ROUTE_NOT_FOUND);
	assert_int_equal(route_match("GET", "/api/v1/requests/1/x", &r, &p),
	    ROUTE_NOT_FOUND);
	assert_int_equal(route_match("GET", "/orgs/A/people", &r, &p),
	    ROUTE_NOT_FOUND);
	assert_null(r);
}

static void
test_bad_method(void **state)
{
	const struct route *r;
	struct route_params p;

	(void)state;
	assert_int_equal(route_match("POST", "/healthz", &r, &p),
	    ROUTE_BAD_METHOD);
	assert_int_equal(route_match("DELETE", "/api/v1/requests", &r, &p),
	    ROUTE_BAD_METHOD);
	assert_int_equal(p.n, 0);
}

static void
test_refused(void **state)
{
	(void)state;
	assert_int_equal(route_add(NULL, "GET", "/healthz", 0, h_a, NULL), -1);
	assert_int_equal(route_add(NULL, "BREW", "/coffee", 0, h_a, NULL), -1);
	assert_int_equal(route_add(NULL, "GET", "no-slash", 0, h_a, NULL), -1);
	assert_int_equal(route_add(NULL, "GET", "/a//b", 0, h_a, NULL), -1);
	assert_int_equal(route_add(NULL, "GET", "/x", 1u << 9, h_a, NULL), -1);
	assert_int_equal(route_add(NULL, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
	    0, h_a, NULL), -1);
	assert_int_equal(route_count(), 5);
}

static void
test_remove_owner(void **state)
{
	struct ep_plugin fake;
	const struct route *r;
	struct route_params p;

	(void)state;
	memset(&fake, 0, sizeof fake);
	assert_int_equal(route_add(&fake, "GET", "/plugin/{x}", 0, h_a, NULL), 0);
	assert_int_equal(route_count(), 6);
	assert_int_equal(route_match("GET", "/plugin/1", &r, &p), ROUTE_FOUND);
	route_params_free(&p);
	route_remove_owner(&fake);
	assert_int_equal(route_count(), 5);
	assert_int_equal(route_match("GET", "/plugin/1", &r, &p), ROUTE_NOT_FOUND);
	assert_int_equal(route_at(4)->index, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_owner, setup, teardown),
	};

	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
