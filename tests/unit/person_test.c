/* person_test.c: passwords and roles. */
#include "server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

static void
test_password_rehash(void **state)
{
	char ours[crypto_pwhash_STRBYTES], older[crypto_pwhash_STRBYTES];
	int rehash = -1;

	(void)state;
	assert_true(sodium_init() >= 0);
	assert_int_equal(password_hash("a long enough password", ours), 0);
	assert_int_equal(password_check(ours, "a long enough password", &rehash), 0);
	assert_int_equal(rehash, 0);
	assert_int_equal(password_check(ours, "a wrong password", &rehash), -1);
	assert_non_null(strstr(ours, "$argon2id$"));
	/* A hash made with other costs verifies, and asks to be redone. */
	assert_int_equal(crypto_pwhash_str(older, "a long enough password", 22, 3,
	    8u * 1024u * 1024u), 0);
	assert_int_equal(password_check(older, "a long enough password", &rehash), 0);
	assert_int_equal(rehash, 1);
}

static void
test_roles(void **state)
{
	char text[128], bad[32];
	unsigned roles;

	(void)state;
	assert_int_equal(roles_parse("requester,finance", &roles, bad, sizeof bad), 0);
	assert_int_equal(roles, EP_ROLE_REQUESTER | EP_ROLE_FINANCE);
	roles_format(roles, text, sizeof text);
	assert_string_equal(text, "requester,finance");
	assert_int_equal(roles_parse("admin, pool-manager", &roles, bad, sizeof bad), 0);
	assert_int_equal(roles, EP_ROLE_ADMIN | EP_ROLE_POOL_MANAGER);
	assert_int_equal(roles_parse("requester,wizard", &roles, bad, sizeof bad), -1);
	assert_string_equal(bad, "wizard");
	assert_int_equal(roles_parse("", &roles, bad, sizeof bad), -1);
	assert_int_equal(role_bit("expert"), EP_ROLE_EXPERT);
	assert_int_equal(role_bit("nobody"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_rehash),
		cmocka_unit_test(test_roles),
	};

	return cmocka_run_group_tests_name("person", tests, NULL, NULL);
}
