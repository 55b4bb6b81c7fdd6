/* plugin.c: the timesheet plugin's entry point: schema, routes, commands. */
#include "timesheet.h"

#include <stdio.h>

const struct ep_host *ts_host;
ep_plugin *ts_self;

extern const char ts_migration_1[];
extern const char ts_migration_2[];
extern const char ts_migration_3[];
extern const char ts_migration_4[];
extern const char ts_migration_5[];
extern const char ts_migration_6[];

static int
ts_init(ep_plugin *self, const struct ep_host *host)
{
	ts_host = host;
	ts_self = self;
	if (host->migration_add(self, 1, ts_migration_1) != 0 ||
	    host->migration_add(self, 2, ts_migration_2) != 0 ||
	    host->migration_add(self, 3, ts_migration_3) != 0 ||
	    host->migration_add(self, 4, ts_migration_4) != 0 ||
	    host->migration_add(self, 5, ts_migration_5) != 0 ||
	    host->migration_add(self, 6, ts_migration_6) != 0 ||
	    host->job_add(self, TS_IMPORT_JOB, ts_import_job, NULL) != 0 ||
	    host->command_add(self, "timesheet", "import FILE",
	    ts_import_command, NULL) != 0 ||
	    host->nav_add(self, EP_ROLE_EXPERT, "/timesheet", "Timesheet",
	    "Log your hours week by week") != 0 ||
	    host->nav_add(self, TS_ROLES_APPROVE, "/approvals", "Approvals",
	    "Approve or query hours logged for your council") != 0)
		return -1;
	ts_week_routes();
	ts_approve_routes();
	ts_api_routes();
	ts_import_routes();
	return 0;
}

static void
ts_fini(ep_plugin *self)
{
	(void)self;
	ts_api_fini();
}

EP_PLUGIN_DECLARE("timesheet", "1.0", NULL, ts_init, ts_fini)
