/* import.c: CSV import of hours, all or nothing. */
#include "timesheet.h"

int
ts_import_command(ep_db *db, int argc, char **argv, void *arg)
{
	(void)db;
	(void)argc;
	(void)argv;
	(void)arg;
	return 2;
}

void
ts_import_routes(void)
{
}
