/* plugin.c: the recharge plugin's entry point: schema, routes, commands. */
#include "recharge.h"

const struct ep_host *rch_host;
ep_plugin *rch_self;

extern const char *const rch_migrations[];	/* migrations.c, generated */
extern const size_t rch_nmigrations;

/* Registers the plugin's migrations, numbered from 1 in order. */
static int
rch_migrations_add(ep_plugin *self, const struct ep_host *host)
{
	size_t i;

	for (i = 0; i < rch_nmigrations; i++)
		if (host->migration_add(self, (int)i + 1, rch_migrations[i]) != 0)
			return -1;
	return 0;
}

static int
rch_init(ep_plugin *self, const struct ep_host *host)
{
	rch_host = host;
	rch_self = self;
	if (rch_migrations_add(self, host) != 0 ||
	    host->job_add(self, "recharge-run", rch_run_job, NULL) != 0 ||
	    rch_mark_register(self) != 0 ||
	    host->command_add(self, "invoice", "run --period YYYY-MM "
	    "[--dry-run] | list [--period YYYY-MM] | issue NUMBER | mark | "
	    "credit NUMBER --reason TEXT [--line ID]... [--write-off ID]... "
	    "[--write-off-all] | paid NUMBER | verify NUMBER | export NUMBER "
	    "--format ubl|csv|html|pdf | send NUMBER | endpoint set --org CODE "
	    "--scheme 0088|9932 --id ID | endpoint list", rch_invoice_command,
	    NULL) != 0 ||
	    host->command_add(self, "netting", "--period YYYY-MM",
	    rch_netting_command, NULL) != 0 ||
	    host->command_add(self, "payment", "record --from CODE --to CODE "
	    "--date YYYY-MM-DD --amount AMOUNT --reference TEXT --allocate "
	    "NUMBER=AMOUNT... | list [--org CODE] | reverse ID --reason TEXT | "
	    "netting --period YYYY-MM [--date YYYY-MM-DD] [--org CODE]",
	    rch_payment_command, NULL) != 0 ||
	    host->command_add(self, "debt", "aged --org CODE [--date "
	    "YYYY-MM-DD] | remind [--org CODE]", rch_debt_command, NULL) != 0 ||
	    host->command_add(self, "vat", "--org CODE --period YYYY-MM [--to "
	    "YYYY-MM] [--csv]", rch_vat_command, NULL) != 0 ||
	    host->command_add(self, "ledger", "journal --period YYYY-MM --org "
	    "CODE | codes --org CODE [--income CODE]...", rch_ledger_command,
	    NULL) != 0 ||
	    host->nav_add(self, RC_ROLES, "/invoices", "Invoices",
	    "Run the month, review drafts, issue invoices and credit notes") != 0 ||
	    host->nav_add(self, RC_ROLES, "/netting", "Netting",
	    "What each council owes once mutual recharges are offset") != 0 ||
	    host->nav_add(self, RC_ROLES | EP_ROLE_POOL_MANAGER | EP_ROLE_ADMIN,
	    "/finance", "Recharge finance",
	    "Invoices issued and received, income and spend by month") != 0 ||
	    host->nav_add(self, EP_ROLE_FINANCE | EP_ROLE_ADMIN, "/endpoints",
	    "Peppol endpoints", "Where each council receives e-invoices") != 0 ||
	    host->nav_add(self, RC_ROLES, "/payments", "Payments and debt",
	    "Payments received, what is overdue, reminders") != 0 ||
	    host->nav_add(self, RC_ROLES, "/ledger", "Ledger journal",
	    "The month's journal for your finance system, and its codes") != 0 ||
	    host->nav_add(self, RC_ROLES, "/vat", "VAT figures",
	    "Output VAT and net sales for your VAT return") != 0 ||
	    host->command_add(self, "cost-rate", "set --org CODE --grade GRADE "
	    "--rate POUNDS --from YYYY-MM-DD | list --org CODE",
	    rch_cost_rate_command, NULL) != 0 ||
	    host->command_add(self, "margin", "--org CODE --period YYYY-MM "
	    "[--csv]", rch_margin_command, NULL) != 0 ||
	    host->nav_add(self, EP_ROLE_FINANCE | EP_ROLE_ADMIN, "/finance/margins",
	    "Margins", "What your experts' time earned against what it cost") != 0)
		return -1;
	rch_pages_routes();
	rch_netting_routes();
	rch_finance_routes();
	rch_endpoint_routes();
	rch_money_routes();
	rch_send_routes();
	rch_margin_routes();
	return 0;
}

/* Invoices bill the timesheet's entries: its tables come first. */
static const char *const rch_requires[] = { "timesheet", NULL };

EP_PLUGIN_DECLARE("recharge", "1.0", rch_requires, rch_init, NULL)
