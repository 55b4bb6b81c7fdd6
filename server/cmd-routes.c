/* cmd-routes.c: expertpool routes: the route table, for tests and audits. */
#include "server.h"

static int
cmd_routes_exec(struct ep_db *db, int argc, char **argv)
{
	char roles[128];
	size_t i;

	(void)db;
	(void)argv;
	if (argc != 1)
		return cmd_usage("routes");
	routes_register_all();
	for (i = 0; i < route_count(); i++) {
		const struct route *r = route_at(i);

		if (r->roles == EP_ROLE_PUBLIC)
			snprintf(roles, sizeof roles, "public");
		else
			roles_format(r->roles, roles, sizeof roles);
		printf("%s\t%s\t%s\t%s\n", r->method, r->pattern, roles,
		    r->owner_sql ? r->owner_sql : "-");
	}
	return CMD_OK;
}

const struct cmd_entry cmd_routes_entry = {
	.name = "routes",
	.usage = "",
	.help = "print the route table: method, path, roles, ownership query",
	.exec = cmd_routes_exec,
};
