/* export.c: Peppol BIS Billing 3.0 UBL, CSV of lines, printable HTML. */
#include "recharge.h"

#include <string.h>

static void
rch_party_read(ep_db *db, int64_t org, struct rch_party_doc *p)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT o.code, o.name, "
	    "o.billing_address, coalesce(o.vat_number, ''), o.invoice_email, "
	    "coalesce(e.scheme, ''), coalesce(e.endpoint, '') FROM organisations "
	    "o LEFT JOIN recharge_endpoints e ON e.org_id = o.id WHERE o.id = ?");

	memset(p, 0, sizeof *p);
	h->stmt_bind_int64(s, 1, org);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		rch_copy(p->code, sizeof p->code, h->stmt_text(s, 0));
		rch_copy(p->name, sizeof p->name, h->stmt_text(s, 1));
		rch_copy(p->address, sizeof p->address, h->stmt_text(s, 2));
		rch_copy(p->vat, sizeof p->vat, h->stmt_text(s, 3));
		rch_copy(p->email, sizeof p->email, h->stmt_text(s, 4));
		rch_copy(p->scheme, sizeof p->scheme, h->stmt_text(s, 5));
		rch_copy(p->endpoint, sizeof p->endpoint, h->stmt_text(s, 6));
	}
	h->stmt_reset(s);
}

/* The document and both parties, read once for every form it takes (UBL,
 * CSV, printable page, PDF); -1 when there is no such document. */
int
rch_doc_read(ep_db *db, int64_t id, struct rch_doc *d)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT i.kind, coalesce(i.number, ''), "
	    "coalesce(o.number, ''), i.period, coalesce(i.issue_date, ''), "
	    "coalesce(i.due_date, ''), i.vat_category, i.vat_reason, "
	    "i.po_reference, i.buyer_reference, i.net_pence, i.vat_pence, "
	    "i.total_pence, i.vat_rate_bp, i.terms_days, i.provider_id, "
	    "i.consumer_id, i.state, coalesce(i.reason, ''), coalesce("
	    "i.public_key, ''), date(i.period || '-01', '+1 month', '-1 day') "
	    "FROM recharge_invoices i LEFT JOIN recharge_invoices o ON o.id = "
	    "i.credits_id WHERE i.id = ?");
	int64_t seller = 0, buyer = 0;
	int rc = -1;

	memset(d, 0, sizeof *d);
	h->stmt_bind_int64(s, 1, id);
	if (h->stmt_step(s) == EP_STEP_ROW) {
		d->id = id;
		rch_copy(d->kind, sizeof d->kind, h->stmt_text(s, 0));
		rch_copy(d->number, sizeof d->number, h->stmt_text(s, 1));
		rch_copy(d->credits, sizeof d->credits, h->stmt_text(s, 2));
		rch_copy(d->period, sizeof d->period, h->stmt_text(s, 3));
		rch_copy(d->issue, sizeof d->issue, h->stmt_text(s, 4));
		rch_copy(d->due, sizeof d->due, h->stmt_text(s, 5));
		rch_copy(d->category, sizeof d->category, h->stmt_text(s, 6));
		rch_copy(d->vat_reason, sizeof d->vat_reason,
		    h->stmt_text(s, 7));
		rch_copy(d->po, sizeof d->po, h->stmt_text(s, 8));
		rch_copy(d->buyer, sizeof d->buyer, h->stmt_text(s, 9));
		d->net = h->stmt_int64(s, 10);
		d->vat = h->stmt_int64(s, 11);
		d->total = h->stmt_int64(s, 12);
		d->bp = h->stmt_int64(s, 13);
		d->terms = h->stmt_int64(s, 14);
		seller = h->stmt_int64(s, 15);
		buyer = h->stmt_int64(s, 16);
		rch_copy(d->state, sizeof d->state, h->stmt_text(s, 17));
		rch_copy(d->reason, sizeof d->reason, h->stmt_text(s, 18));
		rch_copy(d->public_key, sizeof d->public_key,
		    h->stmt_text(s, 19));
		rch_copy(d->end, sizeof d->end, h->stmt_text(s, 20));
		rc = 0;
	}
	h->stmt_reset(s);
	if (rc == 0) {
		rch_party_read(db, seller, &d->seller);
		rch_party_read(db, buyer, &d->buyer_party);
	}
	return rc;
}

static void
rch_amount(struct rch_buf *b, const char *element, int64_t pence)
{
	char m[32];

	rch_host->money_plain(m, sizeof m, pence);
	rch_buf_add(b, "<cbc:%s currencyID=\"GBP\">%s</cbc:%s>\n", element, m,
	    element);
}

/* A party: endpoint, identification, address, VAT (S only), legal name. */
static void
rch_ubl_party(struct rch_buf *b, const struct rch_party_doc *p, int with_vat,
    int seller)
{
	char *q;
	char address[512];

	rch_copy(address, sizeof address, p->address);
	for (q = address; *q != '\0'; q++) {
		if (*q == '\n' || *q == '\r')
			*q = ',';
	}
	rch_buf_add(b, "<cac:Party>\n<cbc:EndpointID schemeID=\"%s\">", p->scheme);
	rch_buf_xml(b, p->endpoint);
	rch_buf_add(b, "</cbc:EndpointID>\n");
	if (seller) {
		rch_buf_add(b, "<cac:PartyIdentification><cbc:ID schemeID=\"%s\">",
		    p->scheme);
		rch_buf_xml(b, p->endpoint);
		rch_buf_add(b, "</cbc:ID></cac:PartyIdentification>\n");
	}
	rch_buf_add(b, "<cac:PartyName><cbc:Name>");
	rch_buf_xml(b, p->name);
	rch_buf_add(b, "</cbc:Name></cac:PartyName>\n<cac:PostalAddress>\n");
	if (*address) {
		rch_buf_add(b, "<cbc:StreetName>");
		rch_buf_xml(b, address);
		rch_buf_add(b, "</cbc:StreetName>\n");
	}
	rch_buf_add(b, "<cac:Country><cbc:IdentificationCode>GB</cbc:"
	    "IdentificationCode></cac:Country>\n</cac:PostalAddress>\n");
	if (with_vat && *p->vat) {
		rch_buf_add(b, "<cac:PartyTaxScheme><cbc:CompanyID>%s", strncmp(p->vat,
		    "GB", 2) == 0 ? "" : "GB");
		rch_buf_xml(b, p->vat);
		rch_buf_add(b, "</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID>"
		    "</cac:TaxScheme></cac:PartyTaxScheme>\n");
	}
	rch_buf_add(b, "<cac:PartyLegalEntity><cbc:RegistrationName>");
	rch_buf_xml(b, p->name);
	rch_buf_add(b, "</cbc:RegistrationName></cac:PartyLegalEntity>\n");
	if (*p->email) {
		rch_buf_add(b, "<cac:Contact><cbc:ElectronicMail>");
		rch_buf_xml(b, p->email);
		rch_buf_add(b, "</cbc:ElectronicMail></cac:Contact>\n");
	}
	rch_buf_add(b, "</cac:Party>\n");
}

/* A decimal with `places` digits from an integer scaled by 10^places. */
static void
rch_decimal(char *out, size_t len, int64_t v, int places)
{
	int64_t scale = places == 2 ? 100 : places == 1 ? 10 : 1;
	int64_t a = v < 0 ? -v : v;

	if (places == 0)
		snprintf(out, len, "%lld", (long long)v);
	else
		snprintf(out, len, "%s%lld.%0*lld", v < 0 ? "-" : "",
		    (long long)(a / scale), places, (long long)(a % scale));
}

/*
 * A line's quantity in a UN/ECE Rec 20 unit, and the price per that
 * unit, so that quantity x price is the line's amount exactly: 6-minute
 * units as hours (HUR), half days as days (DAY), anything else each (C62).
 */
static void
rch_ubl_quantity(const char *unit, int64_t quantity, int64_t unit_price,
    const char **code, char *qty, size_t qlen, char *price, size_t plen)
{
	if (strcmp(unit, "6 min") == 0) {
		*code = "HUR";
		rch_decimal(qty, qlen, quantity, 1);
		rch_host->money_plain(price, plen, unit_price * 10);
	} else if (strcmp(unit, "half day") == 0) {
		*code = "DAY";
		rch_decimal(qty, qlen, quantity * 5, 1);
		rch_host->money_plain(price, plen, unit_price * 2);
	} else {
		*code = "C62";
		rch_decimal(qty, qlen, quantity, 0);
		rch_host->money_plain(price, plen, unit_price);
	}
}

static void
rch_ubl_category(struct rch_buf *b, const struct rch_doc *d, const char *tag)
{
	rch_buf_add(b, "<cac:%s><cbc:ID>%s</cbc:ID>", tag, d->category);
	if (d->category[0] == 'S')
		rch_buf_add(b, "<cbc:Percent>%lld%s</cbc:Percent>",
		    (long long)(d->bp / 100), d->bp % 100 ? ".5" : "");
	else if (strcmp(tag, "TaxCategory") == 0) {
		rch_buf_add(b, "<cbc:TaxExemptionReasonCode>VATEX-EU-O</cbc:"
		    "TaxExemptionReasonCode><cbc:TaxExemptionReason>");
		rch_buf_xml(b, *d->vat_reason ? d->vat_reason : "Not subject to VAT");
		rch_buf_add(b, "</cbc:TaxExemptionReason>");
	}
	rch_buf_add(b, "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
	    "</cac:%s>\n", tag);
}

/*
 * The document as Peppol BIS Billing 3.0 UBL. One function because UBL's
 * schema fixes the order of its elements: written top to bottom, the
 * code reads in the order the validator checks it.
 */
static int
rch_ubl(ep_db *db, const struct rch_doc *d, struct rch_buf *b, char *err,
    size_t len)
{
	const struct ep_host *h = rch_host;
	int credit = strcmp(d->kind, "credit") == 0, with_vat = d->category[0] == 'S';
	const char *root = credit ? "CreditNote" : "Invoice";
	const char *line_tag = credit ? "CreditNoteLine" : "InvoiceLine";
	const char *qty_tag = credit ? "CreditedQuantity" : "InvoicedQuantity";
	char next[11], qty[32], price[32], end[11];
	ep_stmt *s;

	if (*d->number == '\0') {
		snprintf(err, len, "a draft has no UBL: issue it first");
		return -1;
	}
	if (*d->seller.endpoint == '\0' || *d->buyer_party.endpoint == '\0') {
		snprintf(err, len, "%s has no Peppol endpoint: set one with "
		    "expertpool invoice endpoint CODE SCHEME ID", *d->seller.endpoint ?
		    d->buyer_party.code : d->seller.code);
		return -1;
	}
	if (with_vat && *d->seller.vat == '\0') {
		snprintf(err, len, "%s has no VAT number, which a standard-rated "
		    "invoice must show", d->seller.code);
		return -1;
	}
	rch_period_next(d->period, next);
	s = h->db_prepare(db, "SELECT date(?, '-1 day')");
	h->stmt_bind_text(s, 1, next);
	h->stmt_step(s);
	rch_copy(end, sizeof end, h->stmt_text(s, 0));
	h->stmt_reset(s);
	rch_buf_add(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\""
	    "urn:oasis:names:specification:ubl:schema:xsd:%s-2\" xmlns:cac=\""
	    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregate"
	    "Components-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:"
	    "xsd:CommonBasicComponents-2\">\n<cbc:CustomizationID>urn:cen.eu:"
	    "en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:"
	    "CustomizationID>\n<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing"
	    ":01:1.0</cbc:ProfileID>\n<cbc:ID>%s</cbc:ID>\n<cbc:IssueDate>%s</cbc:"
	    "IssueDate>\n", root, root, d->number, d->issue);
	if (!credit && *d->due)
		rch_buf_add(b, "<cbc:DueDate>%s</cbc:DueDate>\n", d->due);
	rch_buf_add(b, credit ? "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
	    "\n" : "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n");
	rch_buf_add(b, "<cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>\n"
	    "<cbc:BuyerReference>");
	rch_buf_xml(b, *d->buyer ? d->buyer : d->buyer_party.code);
	rch_buf_add(b, "</cbc:BuyerReference>\n<cac:InvoicePeriod><cbc:StartDate>"
	    "%s-01</cbc:StartDate><cbc:EndDate>%s</cbc:EndDate></cac:"
	    "InvoicePeriod>\n", d->period, end);
	if (*d->po) {
		rch_buf_add(b, "<cac:OrderReference><cbc:ID>");
		rch_buf_xml(b, d->po);
		rch_buf_add(b, "</cbc:ID></cac:OrderReference>\n");
	}
	if (credit)
		rch_buf_add(b, "<cac:BillingReference><cac:InvoiceDocumentReference>"
		    "<cbc:ID>%s</cbc:ID></cac:InvoiceDocumentReference></cac:"
		    "BillingReference>\n", d->credits);
	rch_buf_add(b, "<cac:AccountingSupplierParty>\n");
	rch_ubl_party(b, &d->seller, with_vat, 1);
	rch_buf_add(b, "</cac:AccountingSupplierParty>\n<cac:AccountingCustomer"
	    "Party>\n");
	rch_ubl_party(b, &d->buyer_party, with_vat, 0);
	rch_buf_add(b, "</cac:AccountingCustomerParty>\n<cac:PaymentTerms><cbc:"
	    "Note>Payment within %lld days of the invoice date</cbc:Note></cac:"
	    "PaymentTerms>\n<cac:TaxTotal>\n", (long long)d->terms);
	rch_amount(b, "TaxAmount", d->vat);
	rch_buf_add(b, "<cac:TaxSubtotal>\n");
	rch_amount(b, "TaxableAmount", d->net);
	rch_amount(b, "TaxAmount", d->vat);
	rch_ubl_category(b, d, "TaxCategory");
	rch_buf_add(b, "</cac:TaxSubtotal>\n</cac:TaxTotal>\n<cac:LegalMonetary"
	    "Total>\n");
	rch_amount(b, "LineExtensionAmount", d->net);
	rch_amount(b, "TaxExclusiveAmount", d->net);
	rch_amount(b, "TaxInclusiveAmount", d->total);
	rch_amount(b, "PayableAmount", d->total);
	rch_buf_add(b, "</cac:LegalMonetaryTotal>\n");
	s = h->db_prepare(db, "SELECT l.position, l.description, l.unit, "
	    "l.quantity, l.unit_price, l.amount, l.po_reference, "
	    "coalesce(e.ledger_code, '') FROM recharge_lines l LEFT JOIN "
	    "engagements e ON e.id = l.engagement_id WHERE l.invoice_id = ? "
	    "ORDER BY l.position");
	h->stmt_bind_int64(s, 1, d->id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		const char *code;

		rch_ubl_quantity(h->stmt_text(s, 2), h->stmt_int64(s, 3),
		    h->stmt_int64(s, 4), &code, qty, sizeof qty, price, sizeof price);
		rch_buf_add(b, "<cac:%s>\n<cbc:ID>%lld</cbc:ID>\n", line_tag,
		    (long long)h->stmt_int64(s, 0));
		if (*h->stmt_text(s, 6) && *d->po == '\0') {
			rch_buf_add(b, "<cbc:Note>Purchase order ");
			rch_buf_xml(b, h->stmt_text(s, 6));
			rch_buf_add(b, "</cbc:Note>\n");
		}
		rch_buf_add(b, "<cbc:%s unitCode=\"%s\">%s</cbc:%s>\n", qty_tag, code,
		    qty, qty_tag);
		rch_amount(b, "LineExtensionAmount", h->stmt_int64(s, 5));
		if (*h->stmt_text(s, 7)) {
			/* BT-133, the buyer's accounting reference for the line. */
			rch_buf_add(b, "<cbc:AccountingCost>");
			rch_buf_xml(b, h->stmt_text(s, 7));
			rch_buf_add(b, "</cbc:AccountingCost>\n");
		}
		rch_buf_add(b, "<cac:Item><cbc:Name>");
		rch_buf_xml(b, h->stmt_text(s, 1));
		rch_buf_add(b, "</cbc:Name>\n");
		rch_ubl_category(b, d, "ClassifiedTaxCategory");
		rch_buf_add(b, "</cac:Item>\n<cac:Price><cbc:PriceAmount currencyID="
		    "\"GBP\">%s</cbc:PriceAmount></cac:Price>\n</cac:%s>\n", price,
		    line_tag);
	}
	h->stmt_reset(s);
	rch_buf_add(b, "</%s>\n", root);
	return 0;
}

/* A plain decimal number, such as -12.50: safe in a spreadsheet. */
static int
rch_csv_number(const char *v)
{
	const char *p = v + (*v == '-');

	if (*p < '0' || *p > '9')
		return 0;
	p += strspn(p, "0123456789");
	if (*p == '.' && p[1] >= '0' && p[1] <= '9')
		p += 1 + strspn(p + 1, "0123456789");
	return *p == '\0';
}

/*
 * One CSV field, quoted when it holds a comma, quote or line break. Text
 * that a spreadsheet would run as a formula (it starts with =, +, -, @, a
 * tab or a carriage return: a PO reference typed as "=HYPERLINK(...)")
 * gets a leading apostrophe; plain numbers are left as they are.
 */
static void
rch_csv_field(struct rch_buf *b, const char *v, int last)
{
	const char *p;
	int formula;

	v = v ? v : "";
	formula = *v != '\0' && strchr("=+-@\t\r", *v) != NULL &&
	    !rch_csv_number(v);
	if (formula || strpbrk(v, ",\"\r\n") != NULL) {
		rch_buf_add(b, formula ? "\"'" : "\"");
		for (p = v; *p != '\0'; p++)
			rch_buf_add(b, *p == '"' ? "\"\"" : "%c", *p);
		rch_buf_add(b, "\"");
	} else
		rch_buf_add(b, "%s", v);
	rch_buf_add(b, last ? "\r\n" : ",");
}

/*
 * The lines as CSV (RFC 4180, CRLF), one header row then one row a line:
 * document, kind, state, period, issue_date, provider, consumer, line,
 * line_kind, engagement, description, quantity, unit, unit_price,
 * amount, vat_category, po_reference, ruleset_hash, cost_centre (the
 * consumer's ledger code for the line's engagement), then as people read
 * them: engagement_title (the request's), hours and hourly_rate (for
 * time in six-minute units, else empty), in_words ("1.5 hours at
 * £110.00 an hour"). Money in pounds.
 */
static void
rch_csv(ep_db *db, const struct rch_doc *d, struct rch_buf *b)
{
	const struct ep_host *h = rch_host;
	static const char *const head[] = { "document", "kind", "state",
		"period", "issue_date", "provider", "consumer", "line", "line_kind",
		"engagement", "description", "quantity", "unit", "unit_price",
		"amount", "vat_category", "po_reference", "ruleset_hash",
		"cost_centre", "engagement_title", "hours", "hourly_rate",
		"in_words" };
	ep_stmt *s = h->db_prepare(db, "SELECT l.position, l.kind, "
	    "coalesce(l.engagement_id, ''), l.description, l.quantity, l.unit, "
	    "l.unit_price, l.amount, l.vat, l.po_reference, l.ruleset_hash, "
	    "coalesce(e.ledger_code, ''), coalesce(q.title, '') FROM "
	    "recharge_lines l LEFT JOIN engagements e ON e.id = l.engagement_id "
	    "LEFT JOIN requests q ON q.id = e.request_id WHERE l.invoice_id = ? "
	    "ORDER BY l.position");
	char num[32], doc[48], words[160];
	int hours;
	size_t i;

	for (i = 0; i < sizeof head / sizeof head[0]; i++)
		rch_csv_field(b, head[i], i + 1 == sizeof head / sizeof head[0]);
	snprintf(doc, sizeof doc, "%s", *d->number ? d->number : "draft");
	h->stmt_bind_int64(s, 1, d->id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		rch_csv_field(b, doc, 0);
		rch_csv_field(b, d->kind, 0);
		rch_csv_field(b, d->state, 0);
		rch_csv_field(b, d->period, 0);
		rch_csv_field(b, d->issue, 0);
		rch_csv_field(b, d->seller.code, 0);
		rch_csv_field(b, d->buyer_party.code, 0);
		rch_csv_field(b, h->stmt_text(s, 0), 0);
		rch_csv_field(b, h->stmt_text(s, 1), 0);
		rch_csv_field(b, h->stmt_text(s, 2), 0);
		rch_csv_field(b, h->stmt_text(s, 3), 0);
		rch_csv_field(b, h->stmt_text(s, 4), 0);
		rch_csv_field(b, h->stmt_text(s, 5), 0);
		rch_host->money_plain(num, sizeof num, h->stmt_int64(s, 6));
		rch_csv_field(b, num, 0);
		rch_host->money_plain(num, sizeof num, h->stmt_int64(s, 7));
		rch_csv_field(b, num, 0);
		rch_csv_field(b, h->stmt_text(s, 8), 0);
		rch_csv_field(b, h->stmt_text(s, 9), 0);
		rch_csv_field(b, h->stmt_text(s, 10), 0);
		rch_csv_field(b, h->stmt_text(s, 11), 0);
		rch_csv_field(b, h->stmt_text(s, 12), 0);
		hours = strcmp(h->stmt_text(s, 5), "6 min") == 0;
		rch_decimal(num, sizeof num, h->stmt_int64(s, 4), 1);
		rch_csv_field(b, hours ? num : "", 0);
		rch_host->money_plain(num, sizeof num, h->stmt_int64(s, 6) * 10);
		rch_csv_field(b, hours ? num : "", 0);
		rch_line_words(words, sizeof words, h->stmt_int64(s, 4),
		    h->stmt_text(s, 5), h->stmt_int64(s, 6));
		rch_csv_field(b, words, 1);
	}
	h->stmt_reset(s);
}

/* One party's block: name, address, and under standard rating its VAT
 * number. */
static void
rch_html_party(struct rch_buf *b, const char *label, const char *id,
    const struct rch_party_doc *p, int with_vat)
{
	rch_buf_add(b, "<div id=\"%s\"><h2>%s</h2><p><strong>", id, label);
	rch_buf_xml(b, p->name);
	rch_buf_add(b, "</strong><br>");
	rch_buf_xml(b, p->address);
	if (with_vat && *p->vat) {
		rch_buf_add(b, "<br>VAT number ");
		rch_buf_xml(b, p->vat);
	}
	rch_buf_add(b, "</p></div>\n");
}

/* A term and its value in the document's heading list. */
static void
rch_html_meta(struct rch_buf *b, const char *term, const char *value)
{
	rch_buf_add(b, "<dt>%s</dt><dd>", term);
	rch_buf_xml(b, value);
	rch_buf_add(b, "</dd>");
}

/* The lines: what each bills in words, its engagement and order. */
static void
rch_html_lines(ep_db *db, const struct rch_doc *d, struct rch_buf *b)
{
	const struct ep_host *h = rch_host;
	ep_stmt *s = h->db_prepare(db, "SELECT l.position, l.description, "
	    "l.quantity, l.unit, l.unit_price, l.amount, coalesce(e.ledger_code, "
	    "''), coalesce(q.title, ''), l.po_reference FROM recharge_lines l "
	    "LEFT JOIN engagements e ON e.id = l.engagement_id LEFT JOIN requests "
	    "q ON q.id = e.request_id WHERE l.invoice_id = ? ORDER BY "
	    "l.position");
	char qty[48], rate[64], amount[40];

	rch_buf_add(b, "<div class=\"ep-invoice__lines\" role=\"region\" "
	    "aria-label=\"Lines\" tabindex=\"0\"><table><thead><tr><th>#</th><th>Description</th><th "
	    "class=\"n\">Quantity</th><th class=\"n\">Rate</th><th class=\"n\">"
	    "Amount</th></tr></thead><tbody>\n");
	h->stmt_bind_int64(s, 1, d->id);
	while (h->stmt_step(s) == EP_STEP_ROW) {
		rch_line_quantity(qty, sizeof qty, h->stmt_int64(s, 2),
		    h->stmt_text(s, 3));
		rch_line_rate(rate, sizeof rate, h->stmt_text(s, 3),
		    h->stmt_int64(s, 4));
		h->pence_text(amount, sizeof amount, h->stmt_int64(s, 5));
		rch_buf_add(b, "<tr><td>%lld</td><td>", (long long)h->stmt_int64(s,
		    0));
		rch_buf_xml(b, h->stmt_text(s, 1));
		if (*h->stmt_text(s, 7)) {
			rch_buf_add(b, "<br><small>Engagement: ");
			rch_buf_xml(b, h->stmt_text(s, 7));
			rch_buf_add(b, "</small>");
		}
		if (*h->stmt_text(s, 8)) {
			rch_buf_add(b, "<br><small>Purchase order: ");
			rch_buf_xml(b, h->stmt_text(s, 8));
			rch_buf_add(b, "</small>");
		}
		if (*h->stmt_text(s, 6)) {
			rch_buf_add(b, "<br><small>Cost centre: ");
			rch_buf_xml(b, h->stmt_text(s, 6));
			rch_buf_add(b, "</small>");
		}
		rch_buf_add(b, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
		    "<td class=\"n\">%s</td></tr>\n", qty, rate, amount);
	}
	h->stmt_reset(s);
}

/*
 * A printable invoice: a page of its own laid out for A4 by the service's
 * stylesheet (/assets/app.css, its .ep-invoice rules): the pages'
 * Content-Security-Policy allows no inline style or script, so printing
 * is the browser's own Print command.
 */
static void
rch_html(ep_db *db, const struct rch_doc *d, struct rch_buf *b)
{
	const struct ep_host *h = rch_host;
	int credit = strcmp(d->kind, "credit") == 0, std = d->category[0] == 'S';
	const char *what = credit ? "Credit note" : "Invoice";
	char m1[40], m2[40], m3[40], date[40];

	rch_buf_add(b, "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset="
	    "\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>%s %s</title>\n<link rel=\"stylesheet\" "
	    "href=\"/assets/app.css\"></head><body class=\"ep-invoice-page\">\n"
	    "<main class=\"ep-invoice\">\n<p class=\"ep-noprint\"><a href=\""
	    "/invoices/%lld\">Back to the %s</a>. To print it or save it as a "
	    "PDF, use your browser's Print command (Ctrl+P, or Cmd+P on a Mac)."
	    "</p>\n<div class=\"ep-invoice__head\"><div><h1>%s</h1><p class=\""
	    "ep-invoice__number\">%s</p></div><dl class=\"ep-invoice__meta\">",
	    what, *d->number ? d->number : "draft", (long long)d->id,
	    credit ? "credit note" : "invoice", what, *d->number ? d->number :
	    "Draft: not issued");
	if (*d->issue) {
		h->date_words(date, sizeof date, d->issue);
		rch_html_meta(b, "Issued", date);
	}
	if (!credit && *d->due) {
		h->date_words(date, sizeof date, d->due);
		rch_html_meta(b, "Due", date);
	}
	rch_html_meta(b, "Period", d->period);
	if (*d->po)
		rch_html_meta(b, "Purchase order", d->po);
	if (credit)
		rch_html_meta(b, "Credits invoice", d->credits);
	rch_buf_add(b, "</dl></div>\n<div class=\"ep-invoice__parties\">\n");
	rch_html_party(b, "From", "from", &d->seller, std);
	rch_html_party(b, "To", "to", &d->buyer_party, std);
	rch_buf_add(b, "</div>\n");
	rch_html_lines(db, d, b);
	h->pence_text(m1, sizeof m1, d->net);
	h->pence_text(m2, sizeof m2, d->vat);
	h->pence_text(m3, sizeof m3, d->total);
	rch_buf_add(b, "</tbody><tfoot><tr><td colspan=\"4\">Net</td><td class=\""
	    "n\">%s</td></tr><tr><td colspan=\"4\">VAT%s</td><td class=\"n\">%s"
	    "</td></tr><tr class=\"ep-invoice__total\"><td colspan=\"4\">%s</td>"
	    "<td class=\"n\" id=\"total\">%s</td></tr></tfoot></table></div>\n", m1,
	    std ? " at 20%" : "", m2, credit ? "Total credited" : "Total due",
	    m3);
	if (!std) {
		rch_buf_add(b, "<p>");
		rch_buf_xml(b, *d->vat_reason ? d->vat_reason :
		    "Outside the scope of VAT");
		rch_buf_add(b, "</p>\n");
	}
	if (!credit)
		rch_buf_add(b, "<p>Payment within %lld days of the issue date, "
		    "quoting the invoice number.</p>\n", (long long)d->terms);
	rch_buf_add(b, "</main>\n</body></html>\n");
}

/* A document in one of the export formats: ubl, csv or html. */
int
rch_export(ep_db *db, int64_t invoice_id, const char *format,
    struct rch_buf *out, char *err, size_t len)
{
	struct rch_doc d;

	if (rch_doc_read(db, invoice_id, &d) != 0) {
		snprintf(err, len, "there is no such invoice");
		return -1;
	}
	if (strcmp(format, "ubl") == 0)
		return rch_ubl(db, &d, out, err, len);
	if (strcmp(format, "csv") == 0)
		rch_csv(db, &d, out);
	else if (strcmp(format, "html") == 0)
		rch_html(db, &d, out);
	else {
		snprintf(err, len, "format: \"%s\" is not ubl, csv or html", format);
		return -1;
	}
	return 0;
}
