/* plugin.c: the recharge plugin's entry point: schema, routes, commands. */
#include "recharge.h"

const struct ep_host *rc_host;
ep_plugin *rc_self;

extern const char rc_migration_1[];
extern const char rc_migration_2[];
extern const char rc_migration_3[];
extern const char rc_migration_4[];
extern const char rc_migration_5[];
extern const char rc_migration_6[];

static int
rc_init(ep_plugin *self, const struct ep_host *host)
{
	if (!EP_HOST_HAS(host, fees_invoice)) {
		host->log(self, EP_LOG_ERROR, "needs a host with its own fee "
		    "engines for jobs (plugin ABI 1.1 with fees_open)");
		return -1;
	}
	if (!EP_HOST_HAS(host, job_person)) {
		host->log(self, EP_LOG_ERROR, "needs plugin ABI 1.6 or later "
		    "(notify_address and job_person, to tell people)");
		return -1;
	}
	rc_host = host;
	rc_self = self;
	if (host->migration_add(self, 1, rc_migration_1) != 0 ||
	    host->migration_add(self, 2, rc_migration_2) != 0 ||
	    host->migration_add(self, 3, rc_migration_3) != 0 ||
	    host->migration_add(self, 4, rc_migration_4) != 0 ||
	    host->migration_add(self, 5, rc_migration_5) != 0 ||
	    host->migration_add(self, 6, rc_migration_6) != 0 ||
	    host->job_add(self, "recharge-run", rc_run_job, NULL) != 0 ||
	    host->command_add(self, "invoice", "run --period YYYY-MM "
	    "[--dry-run] | list [--period YYYY-MM] | issue NUMBER | credit NUMBER "
	    "--reason TEXT [--line ID]... | paid NUMBER | verify NUMBER | export "
	    "NUMBER --format ubl|csv|html|pdf | send NUMBER | endpoint set --org "
	    "CODE --scheme 0088|9932 --id ID | endpoint list", rc_invoice_command, NULL) != 0 ||
	    host->command_add(self, "netting", "--period YYYY-MM",
	    rc_netting_command, NULL) != 0 ||
	    host->nav_add(self, RC_ROLES, "/invoices", "Invoices",
	    "Run the month, review drafts, issue invoices and credit notes") != 0 ||
	    host->nav_add(self, RC_ROLES, "/netting", "Netting",
	    "What each council owes once mutual recharges are offset") != 0 ||
	    host->nav_add(self, RC_ROLES | EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN,
	    "/finance", "Recharge finance",
	    "Invoices issued and received, income and spend by month") != 0 ||
	    host->nav_add(self, EP_ROLE_FINANCE | EP_ROLE_ADMIN, "/endpoints",
	    "Peppol endpoints", "Where each council receives e-invoices") != 0)
		return -1;
	rc_pages_routes();
	rc_netting_routes();
	rc_finance_routes();
	rc_endpoint_routes();
	rc_send_routes();
	return 0;
}

EP_PLUGIN_DECLARE("recharge", "1.0", rc_init, NULL)
