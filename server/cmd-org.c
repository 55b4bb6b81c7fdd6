/* cmd-org.c: expertpool org add|set|list|sso. */
#include "server.h"

#include <getopt.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

/*
 * The options org add and org set share, into in; the one argument left
 * (the code) is argv[optind]. -1 on an unknown option or a wrong count.
 */
static int
cmd_org_options(int argc, char **argv, struct org_input *in)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "kind", required_argument, NULL, 'k' },
		{ "address", required_argument, NULL, 'a' },
		{ "vat", required_argument, NULL, 'v' },
		{ "email", required_argument, NULL, 'e' },
		{ "terms", required_argument, NULL, 't' },
		{ "po-required", required_argument, NULL, 'p' },
		{ "calendar", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(in, 0, sizeof *in);
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': in->name = optarg; break;
		case 'k': in->kind = optarg; break;
		case 'a': in->billing_address = optarg; break;
		case 'v': in->vat_number = optarg; break;
		case 'e': in->invoice_email = optarg; break;
		case 't': in->payment_terms = optarg; break;
		case 'p': in->po_required = optarg; break;
		case 'c': in->calendar = optarg; break;
		default: return -1;
		}
	}
	return optind == argc - 1 ? 0 : -1;
}

static int
cmd_org_add(struct ep_db *db, int argc, char **argv)
{
	struct org_input in;
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;

	if (cmd_org_options(argc, argv, &in) != 0)
		return cmd_usage("org");
	if (in.calendar != NULL && !fee_valid_calendar(in.calendar)) {
		fprintf(stderr, "expertpool: org add: --calendar: must be "
		    "england-and-wales, scotland or northern-ireland, not "
		    "\"%s\"\n", in.calendar);
		return CMD_USAGE;
	}
	in.code = argv[optind];
	audit_actor_cli(&actor);
	if (org_add(db, &actor, &in, &e, &id) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf("organisation %s created (id %lld)\n", in.code, (long long)id);
	return CMD_OK;
}

/* Changes the fields given of one organisation, found by its code. */
static int
cmd_org_set(struct ep_db *db, int argc, char **argv)
{
	struct org_input in;
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	int changed;

	if (cmd_org_options(argc, argv, &in) != 0)
		return cmd_usage("org");
	if ((id = org_id_by_code(db, argv[optind])) <= 0) {
		fprintf(stderr, "expertpool: code: no organisation %s\n",
		    argv[optind]);
		return CMD_ERROR;
	}
	audit_actor_cli(&actor);
	if (org_update(db, &actor, id, &in, &e, &changed) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf(changed ? "organisation %s updated\n" :
	    "organisation %s unchanged\n", argv[optind]);
	return CMD_OK;
}

static int
cmd_org_list(struct ep_db *db)
{
	sqlite3_stmt *s = db_stmt(db, "SELECT code, kind, name, "
	    "coalesce(vat_number, '-'), po_required, payment_terms_days, "
	    "calendar FROM organisations ORDER BY code");

	if (s == NULL)
		return CMD_ERROR;
	printf("%-12s %-9s %-14s %-3s %-5s %-17s %s\n", "CODE", "KIND", "VAT",
	    "PO", "TERMS", "CALENDAR", "NAME");
	while (sqlite3_step(s) == SQLITE_ROW)
		printf("%-12s %-9s %-14s %-3s %-5d %-17s %s\n",
		    sqlite3_column_text(s, 0), sqlite3_column_text(s, 1),
		    sqlite3_column_text(s, 3),
		    sqlite3_column_int(s, 4) ? "yes" : "no",
		    sqlite3_column_int(s, 5), sqlite3_column_text(s, 6),
		    sqlite3_column_text(s, 2));
	sqlite3_reset(s);
	return CMD_OK;
}

/* Reads the client secret from a file, or standard input for "-": its
 * first line. 0, or -1 having said why. */
static int
cmd_org_secret(const char *path, char *out, size_t len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "expertpool: --secret-file: cannot read %s\n", path);
		return -1;
	}
	if (fgets(out, (int)len, f) == NULL)
		out[0] = '\0';
	if (f != stdin)
		fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "expertpool: --secret-file: %s holds no secret\n",
		    path);
		return -1;
	}
	return 0;
}

/* Prints an organisation's provider, never its secret. */
static int
cmd_org_sso_show(struct ep_db *db, int64_t id, const char *code)
{
	struct oidc_org o;
	char err[256];
	int rc = oidc_org_load(db, id, 0, &o, err, sizeof err);

	if (rc < 0) {
		fprintf(stderr, "expertpool: %s\n", err);
		return CMD_ERROR;
	}
	if (rc == 0) {
		printf("organisation %s signs in with passwords only\n", code);
		return CMD_OK;
	}
	printf("issuer         %s\nclient id      %s\nclient secret  %s\n"
	    "create domains %s\npasswords      %s\n", o.issuer, o.client_id,
	    o.has_secret ? "kept (sealed)" : "none", o.domains[0] ? o.domains :
	    "-", o.passwords ? "yes" : "no");
	return CMD_OK;
}

/*
 * org sso CODE [options]: names, changes, shows or removes the
 * organisation's OpenID Connect provider. The secret comes from a file
 * (or standard input), never the command line, which others can read.
 */
static int
cmd_org_sso(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "issuer", required_argument, NULL, 'i' },
		{ "client-id", required_argument, NULL, 'c' },
		{ "secret-file", required_argument, NULL, 's' },
		{ "no-secret", no_argument, NULL, 'S' },
		{ "domains", required_argument, NULL, 'd' },
		{ "passwords", required_argument, NULL, 'p' },
		{ "remove", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct oidc_org_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	char secret[OIDC_SECRET_MAX + 2];
	int c, remove = 0, given = 0, changed, rc;
	int64_t id;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		given++;
		switch (c) {
		case 'i': in.issuer = optarg; break;
		case 'c': in.client_id = optarg; break;
		case 's':
			if (cmd_org_secret(optarg, secret, sizeof secret) != 0)
				return CMD_ERROR;
			in.secret = secret;
			break;
		case 'S': in.secret = ""; break;
		case 'd': in.domains = optarg; break;
		case 'p': in.passwords = optarg; break;
		case 'r': remove = 1; break;
		default: return cmd_usage("org");
		}
	}
	if (optind != argc - 1 || (remove && given > 1))
		return cmd_usage("org");
	if ((id = org_id_by_code(db, argv[optind])) <= 0) {
		fprintf(stderr, "expertpool: code: no organisation %s\n",
		    argv[optind]);
		return CMD_ERROR;
	}
	if (given == 0)
		return cmd_org_sso_show(db, id, argv[optind]);
	audit_actor_cli(&actor);
	if (remove)
		rc = oidc_org_remove(db, &actor, id, &changed);
	else
		rc = oidc_org_set(db, &actor, id, &in, &e, &changed);
	sodium_memzero(secret, sizeof secret);
	if (rc != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf("organisation %s: council account sign-in %s\n", argv[optind],
	    !changed ? "unchanged" : remove ? "removed" : "saved");
	return CMD_OK;
}

static int
cmd_org_exec(struct ep_db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return cmd_org_add(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return cmd_org_set(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "sso") == 0)
		return cmd_org_sso(db, argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return cmd_org_list(db);
	return cmd_usage("org");
}

const struct cmd_entry cmd_org_entry = {
	.name = "org",
	.usage = "add CODE --name NAME --kind KIND [--address TEXT] [--vat GB...] "
	    "[--email ADDR] [--terms DAYS] [--po-required yes|no] "
	    "[--calendar england-and-wales|scotland|northern-ireland] | "
	    "set CODE [--name NAME] [--kind KIND] [--address TEXT] "
	    "[--vat GB...|''] [--email ADDR] [--terms DAYS] "
	    "[--po-required yes|no] [--calendar NAME] | list | "
	    "sso CODE [--issuer URL] [--client-id ID] "
	    "[--secret-file PATH|- | --no-secret] [--domains LIST] "
	    "[--passwords yes|no] | sso CODE --remove",
	.help = "add, change or list organisations",
	.needs_db = 1,
	.exec = cmd_org_exec,
};
