/* verify.c: re-checking an issued document: signature, totals, prices. */
#include "recharge.h"

#include <string.h>

struct rch_check {
	struct rch_buf *out;
	int differences;
};

static void
rch_diff(struct rch_check *c, const char *what)
{
	rch_buf_add(c->out, "difference: %s\n", what);
	c->differences++;
}

/* The signature over the canonical form built again from the store. */
static void
rch_verify_signature(ep_db *db, int64_t id, struct rch_check *c)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT coalesce(i.public_key, ''), "
	    "coalesce(i.signature, ''), coalesce(o.sign_public_key, '') FROM "
	    "recharge_invoices i JOIN organisations o ON o.id = i.provider_id "
	    "WHERE i.id = ?");
	struct rch_buf canon = { 0 };
	char pub[80], sig[140], org_pub[80];

	h->stmt_bind_int64(s, 1, id);
	h->stmt_step(s);
	rch_copy(pub, sizeof pub, h->stmt_text(s, 0));
	rch_copy(sig, sizeof sig, h->stmt_text(s, 1));
	rch_copy(org_pub, sizeof org_pub, h->stmt_text(s, 2));
	h->stmt_reset(s);
	if (rch_canonical(db, id, &canon) != 0)
		rch_diff(c, "the invoice cannot be read");
	else if (rch_sign_check(pub, sig, &canon) != 0)
		rch_diff(c, "signature: does not match the invoice as stored "
		    "(something changed after it was issued)");
	else
		rch_buf_add(c->out, "ok: signature (Ed25519, key %.16s...)\n", pub);
	if (strcmp(pub, org_pub) != 0)
		rch_diff(c, "signature: signed with a key that is not the "
		    "provider's key on record");
	rch_buf_free(&canon);
}

/* Lines add up to the net, VAT is the net at the rate, totals add. */
static void
rch_verify_totals(ep_db *db, int64_t id, struct rch_check *c)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.net_pence, i.vat_pence, "
	    "i.total_pence, i.vat_rate_bp, (SELECT coalesce(sum(amount), 0) FROM "
	    "recharge_lines WHERE invoice_id = i.id), (SELECT count(*) FROM "
	    "recharge_lines WHERE invoice_id = i.id AND amount != quantity * "
	    "unit_price) FROM recharge_invoices i WHERE i.id = ?");
	int64_t net, vat, total, bp, lines, bad;
	char msg[200], a[32], b[32];

	h->stmt_bind_int64(s, 1, id);
	h->stmt_step(s);
	net = h->stmt_int64(s, 0);
	vat = h->stmt_int64(s, 1);
	total = h->stmt_int64(s, 2);
	bp = h->stmt_int64(s, 3);
	lines = h->stmt_int64(s, 4);
	bad = h->stmt_int64(s, 5);
	h->stmt_reset(s);
	if (lines != net) {
		rch_host->money_plain(a, sizeof a, net);
		rch_host->money_plain(b, sizeof b, lines);
		snprintf(msg, sizeof msg, "net: invoice says %s, its lines add up "
		    "to %s", a, b);
		rch_diff(c, msg);
	}
	if (rch_vat(net, bp) != vat) {
		rch_host->money_plain(a, sizeof a, vat);
		rch_host->money_plain(b, sizeof b, rch_vat(net, bp));
		snprintf(msg, sizeof msg, "VAT: invoice says %s, the net at %lld.%02lld%% "
		    "is %s", a, (long long)(bp / 100), (long long)(bp % 100), b);
		rch_diff(c, msg);
	}
	if (net + vat != total) {
		rch_host->money_plain(a, sizeof a, total);
		rch_host->money_plain(b, sizeof b, net + vat);
		snprintf(msg, sizeof msg, "total: invoice says %s, net plus VAT is "
		    "%s", a, b);
		rch_diff(c, msg);
	}
	if (bad > 0) {
		snprintf(msg, sizeof msg, "%lld lines whose amount is not quantity "
		    "x unit price", (long long)bad);
		rch_diff(c, msg);
	}
	if (lines == net && rch_vat(net, bp) == vat && net + vat == total &&
	    bad == 0)
		rch_buf_add(c->out, "ok: totals\n");
}

/* One line's entries priced again with the rule-set version it recorded:
 * the charges that fall on the line's rate must give its quantity and
 * amount. One function: one statement's rows, summed as they are read. */
static void
rch_verify_entries(ep_db *db, ep_fees *f, int64_t id, struct rch_check *c)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT l.id, l.position, l.description, "
	    "l.unit, l.unit_price, l.quantity, l.amount, l.ruleset_hash, t.id, "
	    "t.entry_date, t.minutes, t.activity, t.out_of_hours, x.grade, "
	    "e.basis, c.code, p.code, coalesce(i.agreement_id, 0), "
	    "i.vat_category, i.ruleset, i.calendar FROM recharge_lines l JOIN "
	    "recharge_invoices i ON i.id = l.invoice_id JOIN (SELECT b.entry_id, "
	    "b.line_id FROM recharge_lines k JOIN recharge_billed b ON b.line_id "
	    "= k.id WHERE k.invoice_id = ?1 UNION ALL SELECT entry_id, line_id "
	    "FROM recharge_released WHERE invoice_id = ?1) b ON "
	    "b.line_id = l.id JOIN time_entries t ON t.id = b.entry_id JOIN "
	    "engagements e ON e.id = t.engagement_id JOIN experts x ON x.id = "
	    "e.expert_id JOIN organisations c ON c.id = i.consumer_id JOIN "
	    "organisations p ON p.id = i.provider_id WHERE l.invoice_id = ?1 "
	    "ORDER BY l.position, t.id");
	struct ep_fee_entry fe;
	struct ep_fee_result res;
	int64_t line = 0, pos = 0, want_q = 0, want_a = 0, q = 0, a = 0;
	int64_t price = 0, checked = 0, nlines = 0;
	char desc[96] = "", unit[16] = "", msg[400], hash[80];
	char date[11], activity[16], grade[16], basis[12], cons[16], prov[16];
	char vat[2];
	size_t i;
	int step;

	h->stmt_bind_int64(s, 1, id);
	for (;;) {
		step = h->stmt_step(s);
		if (line != 0 && (step != EP_STEP_ROW ||
		    h->stmt_int64(s, 0) != line)) {
			if (q != want_q || a != want_a) {
				snprintf(msg, sizeof msg, "line %lld (%s): priced again "
				    "it is %lld %s for %lld pence; the invoice says %lld "
				    "for %lld pence", (long long)pos, desc, (long long)q,
				    unit, (long long)a, (long long)want_q,
				    (long long)want_a);
				rch_diff(c, msg);
			}
			nlines++;
			line = 0;
		}
		if (step != EP_STEP_ROW)
			break;
		if (line == 0) {
			line = h->stmt_int64(s, 0);
			pos = h->stmt_int64(s, 1);
			rch_copy(desc, sizeof desc, h->stmt_text(s, 2));
			rch_copy(unit, sizeof unit, h->stmt_text(s, 3));
			price = h->stmt_int64(s, 4);
			want_q = h->stmt_int64(s, 5);
			want_a = h->stmt_int64(s, 6);
			rch_copy(hash, sizeof hash, h->stmt_text(s, 7));
			q = a = 0;
		}
		memset(&fe, 0, sizeof fe);
		rch_copy(date, sizeof date, h->stmt_text(s, 9));
		rch_copy(activity, sizeof activity, h->stmt_text(s, 11));
		rch_copy(grade, sizeof grade, h->stmt_text(s, 13));
		rch_copy(basis, sizeof basis, h->stmt_text(s, 14));
		rch_copy(cons, sizeof cons, h->stmt_text(s, 15));
		rch_copy(prov, sizeof prov, h->stmt_text(s, 16));
		rch_copy(vat, sizeof vat, h->stmt_text(s, 18));
		{
			int64_t m = h->stmt_int64(s, 10), sign = m < 0 ? -1 : 1;

			fe.size = sizeof fe;
			res.size = sizeof res;
			fe.minutes = m * sign;
			fe.date = date;
			fe.activity = activity;
			fe.out_of_hours = (int)h->stmt_int64(s, 12);
			fe.grade = grade;
			fe.basis = basis;
			fe.consumer = cons;
			fe.provider = prov;
			fe.agreement = h->stmt_int64(s, 17);
			fe.vat = vat[0];
			fe.calendar = h->calendar_code(h->stmt_text(s, 20));
			if (h->fees_price(f, h->stmt_text(s, 19), hash, &fe,
			    &res) != 0) {
				snprintf(msg, sizeof msg, "entry %lld cannot be priced "
				    "again with rule set %.16s: %s", (long long)
				    h->stmt_int64(s, 8), hash, res.error);
				rch_diff(c, msg);
				continue;
			}
			for (i = 0; i < res.nlines; i++) {
				if (res.lines[i].unit_price == price &&
				    strcmp(res.lines[i].description, desc) == 0 &&
				    strcmp(res.lines[i].unit, unit) == 0) {
					q += sign * res.lines[i].quantity;
					a += sign * res.lines[i].amount;
				}
			}
		}
		checked++;
	}
	h->stmt_reset(s);
	if (step == EP_STEP_ERROR)
		rch_diff(c, "the entries cannot be read");
	rch_buf_add(c->out, "checked: %lld entries on %lld lines priced again\n",
	    (long long)checked, (long long)nlines);
}

/* Compares the lines a terms call gives now with the invoice's lines. */
static void
rch_verify_terms_lines(ep_db *db, int64_t id, int64_t engagement,
    const struct ep_fee_result *res, struct rch_check *c)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT position, description, amount "
	    "FROM recharge_lines WHERE invoice_id = ? AND kind = ? AND "
	    "coalesce(engagement_id, 0) = ? AND expense_id IS NULL ORDER BY "
	    "position");
	size_t i = 0;
	char msg[300];

	h->stmt_bind_int64(s, 1, id);
	h->stmt_bind_text(s, 2, engagement ? "engagement" : "invoice");
	h->stmt_bind_int64(s, 3, engagement);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		if (i >= res->nlines || res->lines[i].amount != h->stmt_int64(s, 2) ||
		    strcmp(res->lines[i].description, h->stmt_text(s, 1)) != 0) {
			snprintf(msg, sizeof msg, "line %lld (%s, %lld pence): priced "
			    "again it is %s", (long long)h->stmt_int64(s, 0),
			    h->stmt_text(s, 1), (long long)h->stmt_int64(s, 2),
			    i < res->nlines ? res->lines[i].description :
			    "not charged");
			rch_diff(c, msg);
		}
		i++;
	}
	h->stmt_reset(s);
	if (i < res->nlines) {
		snprintf(msg, sizeof msg, "%s terms: priced again there is a "
		    "line the invoice lacks: %s, %lld pence", engagement ?
		    "engagement" : "invoice", res->lines[i].description,
		    (long long)res->lines[i].amount);
		rch_diff(c, msg);
	}
}

/* The engagement and invoice terms, from the inputs recorded at the run. */
static void
rch_verify_terms(ep_db *db, ep_fees *f, int64_t id, struct rch_check *c)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT t.engagement_id, t.ruleset_hash, "
	    "t.priced, t.billed_before, t.cap, e.basis, coalesce(e.budget_pence, "
	    "-1), e.ends, coalesce(london_date(e.completed_at), ''), i.period, "
	    "cc.code, pc.code, coalesce(i.agreement_id, 0), i.vat_category, "
	    "i.ruleset, t.inputs FROM recharge_terms t JOIN recharge_invoices i "
	    "ON i.id = "
	    "t.invoice_id JOIN organisations cc ON cc.id = i.consumer_id JOIN "
	    "organisations pc ON pc.id = i.provider_id LEFT JOIN engagements e ON "
	    "e.id = t.engagement_id WHERE t.invoice_id = ? ORDER BY "
	    "t.engagement_id DESC");
	struct ep_fee_result res;
	int64_t n = 0;
	char msg[400];

	res.size = sizeof res;
	h->stmt_bind_int64(s, 1, id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		int64_t eng = h->stmt_int64(s, 0);
		const char *hash = h->stmt_text(s, 1), *rs = h->stmt_text(s, 14);
		const char *completed = h->stmt_text(s, 8);
		int rc;

		if (eng != 0) {
			struct ep_fee_engagement in;
			struct rch_eng_inputs kept;

			memset(&in, 0, sizeof in);
			in.size = sizeof in;
			in.id = eng;
			in.basis = h->stmt_text(s, 5);
			in.period = h->stmt_text(s, 9);
			in.consumer = h->stmt_text(s, 10);
			in.provider = h->stmt_text(s, 11);
			in.agreement = h->stmt_int64(s, 12);
			in.vat = h->stmt_text(s, 13)[0];
			in.budget = h->stmt_int64(s, 6);
			in.fixed_fee = strcmp(in.basis, "fixed") == 0 &&
			    in.budget > 0 ? in.budget : 0;
			in.due = h->stmt_text(s, 7);
			in.completed = *completed ? completed : NULL;
			in.priced = h->stmt_int64(s, 2);
			in.billed_before = h->stmt_int64(s, 3);
			/* Terms since recharge migration 4 keep their inputs. */
			if (h->stmt_is_null(s, 15))
				rc = h->fees_engagement(f, rs, hash, &in, &res);
			else if (rch_eng_inputs_read(db, h->stmt_text(s, 15), &in,
			    &kept, res.error, sizeof res.error) != 0)
				rc = -1;
			else
				rc = rch_eng_price(f, rs, hash, &in, &kept, &res);
		} else {
			struct ep_fee_invoice in;

			memset(&in, 0, sizeof in);
			in.size = sizeof in;
			in.period = h->stmt_text(s, 9);
			in.consumer = h->stmt_text(s, 10);
			in.provider = h->stmt_text(s, 11);
			in.agreement = h->stmt_int64(s, 12);
			in.vat = h->stmt_text(s, 13)[0];
			in.subtotal = h->stmt_int64(s, 2);
			in.consumer_before = h->stmt_int64(s, 3);
			in.cap = h->stmt_int64(s, 4);
			rc = h->fees_invoice(f, rs, hash, &in, &res);
		}
		if (rc != 0) {
			snprintf(msg, sizeof msg, "%s terms cannot be priced again: %s",
			    eng ? "engagement" : "invoice", res.error);
			rch_diff(c, msg);
			continue;
		}
		rch_verify_terms_lines(db, id, eng, &res, c);
		n++;
	}
	h->stmt_reset(s);
	rch_buf_add(c->out, "checked: %lld sets of terms priced again\n",
	    (long long)n);
}

/* A credit note's lines must be lines of the invoice it credits. */
static void
rch_verify_credit(ep_db *db, int64_t id, struct rch_check *c)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT count(*) FROM recharge_lines l "
	    "JOIN recharge_invoices i ON i.id = l.invoice_id LEFT JOIN "
	    "recharge_lines o ON o.id = l.credits_line_id WHERE l.invoice_id = ? "
	    "AND (o.id IS NULL OR o.invoice_id != i.credits_id OR o.amount != "
	    "l.amount OR o.quantity != l.quantity OR o.description != "
	    "l.description)");
	int64_t bad;
	char msg[120];

	h->stmt_bind_int64(s, 1, id);
	h->stmt_step(s);
	bad = h->stmt_int64(s, 0);
	h->stmt_reset(s);
	if (bad > 0) {
		snprintf(msg, sizeof msg, "%lld credit lines do not match a line of "
		    "the credited invoice", (long long)bad);
		rch_diff(c, msg);
	} else
		rch_buf_add(c->out, "ok: every line credits a line of the invoice\n");
}

/*
 * Verifies one document: its signature over the canonical form, its
 * totals, and its prices (entries, engagement and invoice terms) with the
 * rule-set versions recorded on it. Returns the number of differences,
 * each named in out; -1 when there is no such issued document.
 */
int
rch_verify(ep_db *db, ep_fees *f, int64_t id, struct rch_buf *out)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT kind, state, coalesce(number, "
	    "'') FROM recharge_invoices WHERE id = ?");
	struct rch_check c = { out, 0 };
	char kind[8] = "", state[12] = "", number[40] = "";

	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		rch_copy(kind, sizeof kind, h->stmt_text(s, 0));
		rch_copy(state, sizeof state, h->stmt_text(s, 1));
		rch_copy(number, sizeof number, h->stmt_text(s, 2));
	}
	h->stmt_reset(s);
	if (*state == '\0' || strcmp(state, "draft") == 0)
		return -1;
	rch_buf_add(out, "%s %s (%s)\n", strcmp(kind, "credit") == 0 ?
	    "credit note" : "invoice", number, state);
	rch_verify_signature(db, id, &c);
	rch_verify_totals(db, id, &c);
	if (strcmp(kind, "credit") == 0)
		rch_verify_credit(db, id, &c);
	else if (f != NULL) {
		rch_verify_entries(db, f, id, &c);
		rch_verify_terms(db, f, id, &c);
	}
	rch_buf_add(out, "%s: %d difference%s\n", number, c.differences,
	    c.differences == 1 ? "" : "s");
	return c.differences;
}
