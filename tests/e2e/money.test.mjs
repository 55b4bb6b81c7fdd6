// money.test.mjs: after a month's invoices are issued, the provider's
// finance officer records a part payment, settles the rest of the month
// by netting, reads the aged debt and the VAT figures, and exports the
// month's journal and sees it balance. No JavaScript; its own clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtPlugins, checkPage, launchBrowser, sealedConfig,
    signIn, startServer, twoCouncils } from './lib.mjs';

// October 2026's hours, invoiced on Wednesday 4 November 2026; the walk
// is a fortnight later.
const ISSUED = '2026-11-04 09:00:00';
const CLOCK = '2026-11-18 09:00:00';
let server;
let browser;
let keyDir;

before(async () => {
	const plugins = builtPlugins('timesheet', 'recharge');
	const sealed = sealedConfig('ep-money-key-');
	keyDir = sealed.keyDir;
	const rcArgs = sealed.args;
	server = await startServer({
		plugins,
		args: rcArgs,
		clock: CLOCK,
		dbSetup: ({ cli, sql }) => {
			twoCouncils(cli, sql, { since: '2026-01-01', starts: '2026-10-01',
			    ends: '2026-12-31' });
			sql(`
			    INSERT INTO time_entries (engagement_id, entry_date, minutes,
			        activity, state, created_by)
			      SELECT g.id, d.day, d.minutes, d.activity, 'approved',
			        x.person_id FROM engagements g
			      JOIN experts x ON x.id = g.expert_id
			      JOIN (SELECT 1 AS p, '2026-10-05' AS day, 90 AS minutes,
			        'advice' AS activity UNION ALL SELECT 1, '2026-10-06', 60,
			        'drafting' UNION ALL SELECT 2, '2026-10-12', 30, 'meeting') d
			        ON d.p = g.provider_id ORDER BY g.id, d.day;`);
			const at = { clock: ISSUED };
			cli([...rcArgs, 'invoice', 'run', '--period', '2026-10'], at);
			for (const id of sql("SELECT id FROM recharge_invoices ORDER BY id").split('\n'))
				cli([...rcArgs, 'invoice', 'issue', id], at);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
	if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

const owed = (number) => Number(server.sql('SELECT outstanding_pence FROM ' +
    'recharge_outstanding o JOIN recharge_invoices i ON i.id = o.invoice_id ' +
    `WHERE i.number = '${number}'`));

test('a part payment, a netting settlement, aged debt, VAT and the journal', async () => {
	const { ctx, page } = await signIn(browser, server, 'avd-fin');
	const total = Number(server.sql("SELECT total_pence FROM recharge_invoices " +
	    "WHERE number = 'AVD-2026-000001'"));
	const vat = Number(server.sql("SELECT vat_pence FROM recharge_invoices " +
	    "WHERE number = 'AVD-2026-000001'"));
	assert.ok(total > 1000 && vat > 0, 'AVD invoiced BRK, standard rated');

	// A part payment: the first try allocates too little, and says so.
	await page.click('text=Payments and debt');
	await checkPage(page);
	await page.click('text=Record a payment received');
	await checkPage(page);
	await page.selectOption('#from', 'BRK');
	await page.click('button:has-text("Continue")');
	await checkPage(page);
	const field = await page.locator('input[id^="alloc-"]').getAttribute('id');
	await page.fill('#date', '2026-11-16');
	await page.fill('#amount', '10.00');
	await page.fill('#reference', 'BACS 4471');
	await page.fill(`#${field}`, '5');
	await page.click('button:has-text("Record the payment")');
	await checkPage(page);
	const summary = page.locator('.govuk-error-summary');
	assert.match(await summary.innerText(), /add up to £5\.00, not the £10\.00 paid/);
	assert.equal(await summary.locator('a[href="#amount"]').count(), 1);
	assert.equal(await page.inputValue('#reference'), 'BACS 4471', 'what was typed is kept');
	await page.fill(`#${field}`, '10.00');
	await page.click('button:has-text("Record the payment")');
	assert.match(page.url(), /\/payments\/\d+\?done=recorded$/);
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /payment is recorded/);
	assert.match(await page.locator('#allocations').innerText(), /AVD-2026-000001\s+£10\.00/);
	assert.equal(owed('AVD-2026-000001'), total - 1000);

	// The rest of October settled by netting.
	await page.click('text=Payments and debt');
	await page.fill('#period', '2026-10');
	await page.click('button:has-text("Record the netting settlement")');
	assert.match(page.url(), /\/payments\?done=netting$/);
	await checkPage(page);
	assert.match(await page.locator('#payments').innerText(), /Netting statement 2026-10 \(netting\)/);
	assert.equal(owed('AVD-2026-000001'), 0);
	assert.equal(owed('BRK-2026-000001'), 0);
	await page.screenshot({ path: join(keyDir, 'payments.png'), fullPage: true });

	// Aged debt: nothing left owed either way.
	await page.click('text=aged debt and overdue invoices');
	await checkPage(page);
	assert.match(await page.locator('#owed-to-us').innerText(), /Nothing outstanding/);
	assert.match(await page.locator('#owed-by-us').innerText(), /Nothing outstanding/);

	// VAT for November, the month of issue.
	await page.goto(new URL('/', server.url).href);
	await page.click('text=VAT figures');
	await page.fill('#from', '2026-11');
	await page.fill('#to', '2026-11');
	await page.click('button:has-text("Show")');
	await checkPage(page);
	const pounds = (p) => `£${Math.floor(p / 100).toLocaleString('en-GB')}.${String(p % 100).padStart(2, '0')}`;
	assert.equal(await page.locator('#box1').innerText(), pounds(vat));
	assert.equal(await page.locator('#box6').innerText(), pounds(total - vat));
	assert.equal(await page.locator('#outside').innerText(), '£0.00');

	// The journal for November, exported; debits equal credits.
	await page.goto(new URL('/', server.url).href);
	await page.click('text=Ledger journal');
	await page.fill('#from', '2026-11');
	await page.click('button:has-text("Show")');
	await checkPage(page);
	assert.match(await page.locator('#balance').innerText(), /Debits equal credits/);
	assert.match(await page.locator('#journal').innerText(),
	    new RegExp(`AVD-2026-000001\\s+BRK\\s+Receivable \\(debtors\\) 1100\\s+${pounds(total).replace('.', '\\.')}`),
	    'the receivable debited in the debit column');
	await page.screenshot({ path: join(keyDir, 'ledger.png'), fullPage: true });
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.click('text=Download the journal (CSV)'),
	]);
	const csv = readFileSync(await download.path(), 'utf8').trim().split('\r\n');
	assert.equal(csv[0], 'period,date,document,document_type,side,counterparty,' +
	    'account,nominal_code,cost_centre,debit,credit');
	let debit = 0;
	let credit = 0;
	for (const row of csv.slice(1)) {
		const f = row.split(',');
		debit += Math.round(Number(f[9] || 0) * 100);
		credit += Math.round(Number(f[10] || 0) * 100);
	}
	assert.ok(debit > 0);
	assert.equal(debit, credit, 'the journal balances');
	if (process.env.EP_SCREENSHOTS)
		for (const f of ['payments.png', 'ledger.png'])
			writeFileSync(join(process.env.EP_SCREENSHOTS, f),
			    readFileSync(join(keyDir, f)));
	await ctx.close();
});
