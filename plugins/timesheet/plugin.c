/* plugin.c: the timesheet plugin's entry point: schema, routes, commands. */
#include "timesheet.h"

#include <stdio.h>

const struct ep_host *ts_host;
ep_plugin *ts_self;

extern const char *const ts_migrations[];	/* migrations.c, generated */
extern const size_t ts_nmigrations;

/* Registers the plugin's migrations, numbered from 1 in order. */
static int
ts_migrations_add(ep_plugin *self, const struct ep_host *host)
{
	size_t i;

	for (i = 0; i < ts_nmigrations; i++)
		if (host->migration_add(self, (int)i + 1, ts_migrations[i]) != 0)
			return -1;
	return 0;
}

static int
ts_init(ep_plugin *self, const struct ep_host *host)
{
	ts_host = host;
	ts_self = self;
	if (ts_migrations_add(self, host) != 0 ||
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
	ts_expense_routes();
	return 0;
}

static void
ts_fini(ep_plugin *self)
{
	(void)self;
	ts_api_fini();
}

EP_PLUGIN_DECLARE("timesheet", "1.0", NULL, ts_init, ts_fini)
