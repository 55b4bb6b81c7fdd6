/* cmd-payment.c: expertpool payment record|list|reverse|netting. */
#include "recharge.h"

#include <stdlib.h>
#include <string.h>

#define RC_PAYMENT_USAGE "usage: expertpool payment record --from CODE " \
	"--to CODE --date YYYY-MM-DD --amount AMOUNT --reference TEXT " \
	"--allocate NUMBER=AMOUNT... | list [--org CODE] | reverse ID " \
	"--reason TEXT | netting --period YYYY-MM [--date YYYY-MM-DD] " \
	"[--org CODE]\n"

/* The value after an option (from argv[1] on), or NULL. */
const char *
rch_arg(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	}
	return NULL;
}

/* Reads each --allocate NUMBER=AMOUNT into p; -1 with why in err. */
static int
rch_cmd_allocs(ep_db *db, int argc, char **argv, struct rch_payment *p,
    char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	char key[64], *eq;
	int i;

	for (i = 2; i < argc - 1; i++) {
		struct rch_alloc *a;

		if (strcmp(argv[i], "--allocate") != 0)
			continue;
		if (p->nalloc == RC_ALLOC_MAX) {
			snprintf(err, len, "allocate: at most %d invoices to a "
			    "payment", RC_ALLOC_MAX);
			return -1;
		}
		a = &p->alloc[p->nalloc++];
		rch_copy(key, sizeof key, argv[i + 1]);
		rch_copy(a->field, sizeof a->field, "allocate");
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, len, "allocate: write NUMBER=AMOUNT, not "
			    "\"%s\"", argv[i + 1]);
			return -1;
		}
		*eq = '\0';
		rch_copy(a->key, sizeof a->key, key);
		if ((a->invoice = rch_lookup(db, key)) == 0) {
			snprintf(err, len, "allocate: there is no invoice \"%s\"",
			    key);
			return -1;
		}
		if (h->money_parse(eq + 1, &a->amount) != 0 || a->amount <= 0) {
			snprintf(err, len, "allocate: \"%s\" is not an amount of "
			    "money more than 0", eq + 1);
			return -1;
		}
	}
	return 0;
}

static int
rch_cmd_record(ep_db *db, int argc, char **argv)
{
	const struct ep_host *h = rch_host;
	const char *from = rch_arg(argc, argv, "--from");
	const char *to = rch_arg(argc, argv, "--to");
	const char *amount = rch_arg(argc, argv, "--amount");
	struct rch_payment *p = calloc(1, sizeof *p);
	char err[512];
	int64_t id;
	int rc = 1;

	if (p == NULL)
		abort();
	p->date = rch_arg(argc, argv, "--date");
	p->reference = rch_arg(argc, argv, "--reference");
	if ((p->payer = rch_org_id(db, from)) == 0) {
		snprintf(err, sizeof err, "from: there is no organisation \"%s\"",
		    from ? from : "");
		goto out;
	}
	if ((p->payee = rch_org_id(db, to)) == 0) {
		snprintf(err, sizeof err, "to: there is no organisation \"%s\"",
		    to ? to : "");
		goto out;
	}
	if (amount == NULL || h->money_parse(amount, &p->amount) != 0) {
		snprintf(err, sizeof err, "amount: \"%s\" is not an amount of "
		    "money", amount ? amount : "");
		goto out;
	}
	if (rch_cmd_allocs(db, argc, argv, p, err, sizeof err) != 0 ||
	    rch_payment_record(db, NULL, p, &id, err, sizeof err) != 0)
		goto out;
	printf("%lld\n", (long long)id);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "expertpool: payment record: %s\n", err);
	free(p);
	return rc;
}

/* Every payment to or from a council (or all), oldest first, tab
 * separated: id, date, payer, payee, amount, method, reference, state. */
static int
rch_cmd_list(ep_db *db, int argc, char **argv)
{
	const struct ep_host *h = rch_host;
	const char *code = rch_arg(argc, argv, "--org");
	int64_t org = code ? rch_org_id(db, code) : 0;
	ep_stmt *s;
	char money[32];

	if (code != NULL && org == 0) {
		fprintf(stderr, "expertpool: payment list: org: there is no "
		    "organisation \"%s\"\n", code);
		return 1;
	}
	s = h->db_prepare(db, "SELECT p.id, p.paid_on, a.code, b.code, "
	    "p.amount_pence, p.method, p.reference, CASE WHEN p.reversed_on IS "
	    "NULL THEN 'standing' ELSE 'reversed' END FROM recharge_payments p "
	    "JOIN organisations a ON a.id = p.payer_id JOIN organisations b ON "
	    "b.id = p.payee_id WHERE ?1 = 0 OR ?1 IN (p.payer_id, p.payee_id) "
	    "ORDER BY p.paid_on, p.id");
	h->stmt_bind_int64(s, 1, org);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		h->money_plain(money, sizeof money, h->stmt_int64(s, 4));
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    (long long)h->stmt_int64(s, 0), h->stmt_text(s, 1),
		    h->stmt_text(s, 2), h->stmt_text(s, 3), money,
		    h->stmt_text(s, 5), h->stmt_text(s, 6), h->stmt_text(s, 7));
	}
	h->stmt_reset(s);
	return 0;
}

static int
rch_cmd_netting(ep_db *db, int argc, char **argv)
{
	const struct ep_host *h = rch_host;
	const char *code = rch_arg(argc, argv, "--org");
	const char *date = rch_arg(argc, argv, "--date");
	int64_t org = code ? rch_org_id(db, code) : 0;
	char err[512], today[11];
	int made;

	if (code != NULL && org == 0) {
		fprintf(stderr, "expertpool: payment netting: org: there is no "
		    "organisation \"%s\"\n", code);
		return 1;
	}
	h->today(today);
	if (rch_netting_settle(db, NULL, rch_arg(argc, argv, "--period"), org,
	    date ? date : today, &made, err, sizeof err) != 0) {
		fprintf(stderr, "expertpool: payment netting: %s\n", err);
		return 1;
	}
	printf("%d netting payments recorded\n", made);
	return 0;
}

/* expertpool payment SUBCOMMAND ... */
int
rch_payment_command(ep_db *db, int argc, char **argv, void *arg)
{
	const char *sub = argc > 1 ? argv[1] : "";
	char err[512];

	(void)arg;
	if (strcmp(sub, "record") == 0)
		return rch_cmd_record(db, argc, argv);
	if (strcmp(sub, "list") == 0)
		return rch_cmd_list(db, argc, argv);
	if (strcmp(sub, "netting") == 0)
		return rch_cmd_netting(db, argc, argv);
	if (strcmp(sub, "reverse") == 0 && argc > 2) {
		if (rch_payment_reverse(db, NULL, strtoll(argv[2], NULL, 10), 0,
		    rch_arg(argc, argv, "--reason"), err, sizeof err) != 0) {
			fprintf(stderr, "expertpool: payment reverse: %s\n", err);
			return 1;
		}
		printf("payment %s reversed\n", argv[2]);
		return 0;
	}
	fputs(RC_PAYMENT_USAGE, stderr);
	return 2;
}
