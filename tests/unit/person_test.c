/* person_test.c: passwords, roles and the small parsers forms rely on. */
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

static void
test_money(void **state)
{
	static const struct {
		const char *text;
		int ok;
		int64_t pence;
	} cases[] = {
		{ "15000", 1, 1500000 }, { "15000.00", 1, 1500000 },
		{ "1,234.5", 1, 123450 }, { "0.07", 1, 7 }, { "\xc2\xa3" "20", 1, 2000 },
		{ "12.345", 0, 0 }, { "12.", 0, 0 }, { "", 0, 0 }, { "-5", 0, 0 },
		{ "1e3", 0, 0 }, { "abc", 0, 0 },
		{ "100,000,000,000.00", 1, 10000000000000LL },
		{ "100000000000.01", 1, 10000000000001LL },
		{ "100000000001", 0, 0 }, { "869402510000", 0, 0 },
		{ "0000000000000000000000869402510000", 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		int64_t p = -1;
		int rc = parse_money(cases[i].text, &p);

		if ((rc == 0) != cases[i].ok || (rc == 0 && p != cases[i].pence))
			fail_msg("parse_money(\"%s\") = %d, %lld", cases[i].text, rc,
			    (long long)p);
	}
}

static void
test_pence_text(void **state)
{
	char out[32];

	(void)state;
	html_pence(out, sizeof out, 123456789);
	assert_string_equal(out, "\xc2\xa3" "1,234,567.89");
	html_pence(out, sizeof out, 5);
	assert_string_equal(out, "\xc2\xa3" "0.05");
	html_pence(out, sizeof out, -250);
	assert_string_equal(out, "-\xc2\xa3" "2.50");
}

static void
test_dates(void **state)
{
	(void)state;
	assert_true(date_ok("2026-10-31"));
	assert_true(date_ok("2024-02-29"));
	assert_false(date_ok("2026-02-29"));
	assert_false(date_ok("2026-13-01"));
	assert_false(date_ok("2026-1-01"));
	assert_false(date_ok("31/10/2026"));
	assert_false(date_ok(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_rehash),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_pence_text),
		cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests_name("person", tests, NULL, NULL);
}
