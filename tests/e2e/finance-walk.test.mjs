// finance-walk.test.mjs: the acceptance walk of the finance work, as the
// demo's finance officer in a browser without JavaScript: run last month,
// check, issue and send the invoice (one message, PDF and UBL attached),
// download its PDF (qpdf --check, rendered to PNG, its UBL extracted and
// validated), credit one line written off and one to bill again, run the
// next month and see only the re-billed one, record a part payment and a
// netting settlement, read the aged debt and the VAT figures, and export
// the month's journal and see it balance.
//
// The demo seeds last month's hours (scripts/demo-data), so the walk has
// its own clock: 3 March 2027, with February's hours to invoice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, copyFileSync, readFileSync,
    statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserAvailable, checkPage, launchBrowser, shortJavaEnv, startDemo,
    topSrcdir } from './lib.mjs';

const CLOCK = '2027-03-03 09:00:00';
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const VALIDATE = join(topSrcdir, '..', 'shared', 'validation', 'validate.sh');
let browser;
let server;
let work;
let plugins;
let demo;

before(async () => {
	if (!browserAvailable()) return;
	demo = await startDemo('ep-walk-', CLOCK);
	({ server, plugins, dir: work } = demo);
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await demo?.stop();
});

// A screenshot of the page, kept when EP_SCREENSHOTS names a directory.
async function shot(page, name) {
	const path = join(work, `${name}.png`);
	await page.screenshot({ path, fullPage: true });
	if (process.env.EP_SCREENSHOTS)
		copyFileSync(path, join(process.env.EP_SCREENSHOTS, `walk-${name}.png`));
}

// Runs a month from the invoices page and waits for the run to finish.
async function runMonth(page, period) {
	await page.goto(new URL('invoices', server.url).href);
	await page.fill('#period', period);
	await page.click('button:has-text("Run the month")');
	for (let i = 0; i < 150; i++) {
		if ((await page.locator('#run-state').innerText()) === 'done') break;
		await new Promise((r) => setTimeout(r, 200));
		await page.reload();
	}
	assert.equal(await page.locator('#run-state').innerText(), 'done');
}

const pounds = (p) => `£${Math.floor(p / 100).toLocaleString('en-GB')}.` +
    String(p % 100).padStart(2, '0');

test('the finance officer walks a month from run to journal', {
	skip: !browserAvailable() && 'chromium or playwright-core is absent',
}, async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false,
	    acceptDownloads: true });
	const page = await ctx.newPage();
	await page.goto(new URL('login', server.url).href);
	await page.fill('#login', 'finance');
	await page.fill('#password', 'demo-password');
	await page.click('#main-content button[type=submit]');

	// Run February; open the draft to Avondale from the finished run.
	await runMonth(page, '2027-02');
	await checkPage(page);
	await page.click('#see-drafts');
	const draft = server.sql("SELECT id FROM recharge_invoices WHERE period = '2027-02' AND provider_id = 1 AND state = 'draft'");
	await page.click(`#issued a[href="/invoices/${draft}"]`);
	await checkPage(page);
	await shot(page, 'draft');

	// Check, tick "send", issue: one message, with the PDF and the UBL.
	await page.click('#check-issue');
	await checkPage(page);
	assert.match(await page.locator('main').innerText(), /£1,089\.00/);
	await page.check('#send');
	await page.click('#issue');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /Invoice issued and queued to be sent/);
	await shot(page, 'issued');
	const number = server.sql(`SELECT number FROM recharge_invoices WHERE id = ${draft}`);
	assert.equal(server.sql("SELECT count(*) FROM outbox WHERE to_address = 'invoices@avondale.example.gov.uk'"),
	    '1', 'one issue, one message to the invoice address');
	assert.equal(server.sql("SELECT count(*) FROM outbox_files f JOIN outbox o ON o.id = f.outbox_id WHERE o.to_address = 'invoices@avondale.example.gov.uk'"),
	    '2', 'the PDF and the UBL attached');
	assert.match(await page.locator('#sendings').innerText(), /invoices@avondale\.example\.gov\.uk/);

	// Download the PDF, check it, render it, take the UBL out of it.
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.click('#download-pdf'),
	]);
	assert.equal(download.suggestedFilename(), `${number}.pdf`);
	const pdf = join(work, `${number}.pdf`);
	await download.saveAs(pdf);
	if (have('qpdf')) {
		execFileSync('qpdf', ['--check', pdf]);
		const xml = join(work, `${number}.xml`);
		writeFileSync(xml, execFileSync('qpdf',
		    [`--show-attachment=${number}.xml`, pdf]));
		assert.match(readFileSync(xml, 'utf8'), new RegExp(`<cbc:ID>${number}</cbc:ID>`));
		if (existsSync(VALIDATE) && have('java')) {
			const v = spawnSync(VALIDATE, [xml], { encoding: 'utf8',
			    env: shortJavaEnv() });
			assert.equal(v.status, 0, `the UBL inside passes Peppol validation:\n${v.stdout}${v.stderr}`);
		}
	}
	if (have('pdftoppm')) {
		const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
		assert.match(text, /Avondale District Council/);
		assert.match(text, /1\.5 hours/);
		execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', pdf, join(work, 'pdf')]);
		assert.ok(statSync(join(work, 'pdf.png')).size > 10000, 'a page rendered');
		if (process.env.EP_SCREENSHOTS)
			copyFileSync(join(work, 'pdf.png'), join(process.env.EP_SCREENSHOTS, 'walk-pdf.png'));
	}

	// Credit the travel as written off and the meeting to bill again.
	const lineOf = (what) => server.sql(`SELECT id FROM recharge_lines WHERE invoice_id = ${draft} AND description LIKE '${what}'`);
	const travel = lineOf('Travel%');
	const meeting = lineOf('%meeting');
	const creditPence = Number(server.sql(`SELECT sum(amount) FROM recharge_lines WHERE id IN (${travel}, ${meeting})`));
	await page.check('#scope');
	await page.check(`#credit-${travel}`);
	await page.check(`#settle-${travel}-wo`);
	await page.check(`#credit-${meeting}`);
	await page.check(`#settle-${meeting}`);
	await page.fill('#reason', 'Travel is not chargeable; the meeting was at the wrong rate');
	await page.click('button:has-text("Issue a credit note")');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /Credit note issued/);
	await shot(page, 'credited');

	// March's run bills the meeting again, never the travel.
	await runMonth(page, '2027-03');
	const march = server.sql("SELECT id FROM recharge_invoices WHERE period = '2027-03' AND provider_id = 1 AND state = 'draft'");
	await page.goto(new URL(`invoices/${march}`, server.url).href);
	await checkPage(page);
	const again = await page.locator('#lines').innerText();
	assert.match(again, /senior: meeting/);
	assert.doesNotMatch(again, /Travel/);

	// A part payment from Avondale, then February settled by netting.
	const owed = () => Number(server.sql('SELECT outstanding_pence FROM ' +
	    'recharge_outstanding o JOIN recharge_invoices i ON i.id = o.invoice_id ' +
	    `WHERE i.number = '${number}'`));
	const total = Number(server.sql(`SELECT total_pence FROM recharge_invoices WHERE id = ${draft}`));
	assert.equal(owed(), total - creditPence, 'the credit note reduced what is owed');
	await page.goto(new URL('/', server.url).href);
	await page.click('text=Payments and debt');
	await checkPage(page);
	await page.click('text=Record a payment received');
	await page.selectOption('#from', 'AVD');
	await page.click('button:has-text("Continue")');
	await checkPage(page);
	const field = await page.locator('input[id^="alloc-"]').first().getAttribute('id');
	await page.fill('#date', '2027-03-02');
	await page.fill('#amount', '100.00');
	await page.fill('#reference', 'BACS 9001');
	await page.fill(`#${field}`, '100.00');
	await page.click('button:has-text("Record the payment")');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /payment is recorded/);
	assert.equal(owed(), total - creditPence - 10000, 'a part payment');
	await page.click('text=Payments and debt');
	await page.fill('#period', '2027-02');
	await page.click('button:has-text("Record the netting settlement")');
	await checkPage(page);
	assert.match(await page.locator('#payments').innerText(), /Netting statement 2027-02 \(netting\)/);
	assert.equal(owed(), 0, 'settled');
	await shot(page, 'payments');

	// Aged debt: February's invoice is settled; nothing owed to us.
	await page.click('text=aged debt and overdue invoices');
	await checkPage(page);
	await shot(page, 'debt');
	const debt = await page.locator('#owed-to-us').innerText();
	assert.doesNotMatch(debt, new RegExp(number), 'the settled invoice is not owed');

	// VAT for March, the month of issue: outside the scope, so no box 1.
	await page.goto(new URL('/', server.url).href);
	await page.click('text=VAT figures');
	await page.fill('#from', '2027-03');
	await page.fill('#to', '2027-03');
	await page.click('button:has-text("Show")');
	await checkPage(page);
	await shot(page, 'vat');
	assert.equal(await page.locator('#box1').innerText(), '£0.00');
	assert.equal(await page.locator('#outside').innerText(), pounds(total - creditPence));

	// The journal for March, exported: debits equal credits.
	await page.goto(new URL('/', server.url).href);
	await page.click('text=Ledger journal');
	await page.fill('#from', '2027-03');
	await page.click('button:has-text("Show")');
	await checkPage(page);
	await shot(page, 'ledger');
	assert.match(await page.locator('#balance').innerText(), /Debits equal credits/);
	const [journal] = await Promise.all([
		page.waitForEvent('download'),
		page.click('text=Download the journal (CSV)'),
	]);
	const csv = readFileSync(await journal.path(), 'utf8').trim().split('\r\n');
	let debit = 0;
	let credit = 0;
	for (const row of csv.slice(1)) {
		const f = row.split(',');
		debit += Math.round(Number(f[9] || 0) * 100);
		credit += Math.round(Number(f[10] || 0) * 100);
	}
	assert.ok(debit > 0, 'the journal has the month in it');
	assert.equal(debit, credit, 'the journal balances');
	await ctx.close();
});
