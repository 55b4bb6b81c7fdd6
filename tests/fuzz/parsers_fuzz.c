/*
 * parsers_fuzz.c: the core's small parsers of typed input, each with the
 * same bytes: money, hours, dates, skills, report periods, role lists,
 * integers and listen addresses. Invariants: what parses is in range, and
 * a date or an hours figure parsed and formatted again reads the same.
 */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	char out[64], why[128], bad[64], *host = NULL;
	struct expert_skill skill;
	struct rep_period period;
	int64_t v, again, day;
	unsigned roles;
	int port;

	if (units_money_parse(s, &v) == 0) {
		FUZZ_ASSERT(v >= 0 && v <= UNITS_MAX_POUNDS * 100 + 99);
		units_money_text(out, sizeof out, v);
		FUZZ_ASSERT(units_money_parse(out, &again) == 0 && again == v);
		units_money_plain(out, sizeof out, v);
		FUZZ_ASSERT(units_money_parse(out, &again) == 0 && again == v);
	}
	if (units_hours_parse(s, &v) == 0) {
		FUZZ_ASSERT(v >= 0 && v <= UNITS_MAX_HOURS * 60);
		units_hours_text(out, sizeof out, v);
		FUZZ_ASSERT(units_hours_parse(out, &again) == 0 && again == v);
		units_hours_clock(out, sizeof out, v);
		FUZZ_ASSERT(units_hours_parse(out, &again) == 0 && again == v);
	}
	if (expert_parse_hours(s, &v) == 0)
		FUZZ_ASSERT(v >= 0 && v <= 168 * 60);
	if (units_date_ok(s)) {
		day = day_of(s);
		day_format(day, out);
		FUZZ_ASSERT(strcmp(out, s) == 0);
		FUZZ_ASSERT(day_of(out) == day);
		FUZZ_ASSERT(weekday_of(day) >= 0 && weekday_of(day) <= 6);
	}
	if (expert_parse_skill(s, &skill, why, sizeof why) == 0)
		FUZZ_ASSERT(expert_area_ok(skill.area) &&
		    skill.level >= 1 && skill.level <= 5);
	if (report_period_parse(s, &period) == 0)
		FUZZ_ASSERT(strcmp(period.first, period.last) <= 0 &&
		    units_date_ok(period.from));
	(void)roles_parse(s, &roles, bad, sizeof bad);
	(void)parse_int64(s, INT64_MIN, INT64_MAX, &v);
	if (parse_listen(s, &host, &port) == 0)
		FUZZ_ASSERT(port >= 0 && port <= 65535);
	free(host);
	free(s);
	return 0;
}
