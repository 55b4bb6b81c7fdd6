// credits.test.mjs: the demo's finance officer, in a browser without
// JavaScript, runs March, checks the draft before issuing it, issues it,
// prints it (to a PDF on A4, read back as text and rendered to a PNG:
// the print page styled under the server's Content-Security-Policy),
// credits one line written off and one to bill again, and runs April:
// only the re-billed time comes back.
//
// The figures rest on the demo's dates (scripts/demo-data seeds November
// 2026's hours), so the scenario has its own clock: 3 March 2027.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { browserAvailable, checkPage, launchBrowser, startDemo } from './lib.mjs';

const CLOCK = '2027-03-03 09:00:00';
const havePoppler = spawnSync('sh', ['-c', 'command -v pdftotext && command -v pdftoppm']).status === 0;
let browser;
let server;
let work;
let plugins;
let demo;

before(async () => {
	if (!browserAvailable()) return;
	demo = await startDemo('ep-credits-', CLOCK);
	({ server, plugins, dir: work } = demo);
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await demo?.stop();
});

// Every Content-Security-Policy report the page makes, to assert none.
function cspWatch(page) {
	const seen = [];
	page.on('console', (m) => {
		if (/Content.Security.Policy/i.test(m.text())) seen.push(m.text());
	});
	return seen;
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

test('the finance officer checks, issues, prints and credits an invoice', {
	skip: !browserAvailable() && 'chromium or playwright-core is absent',
}, async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	const csp = cspWatch(page);
	await page.goto(new URL('login', server.url).href);
	await page.fill('#login', 'finance');
	await page.fill('#password', 'demo-password');
	await page.click('#main-content button[type=submit]');

	// Run March; the finished run links to its drafts.
	await runMonth(page, '2027-03');
	await checkPage(page);
	await page.click('#see-drafts');
	const draft = server.sql("SELECT id FROM recharge_invoices WHERE period = '2027-03' AND provider_id = 1 AND state = 'draft'");
	await page.click(`#issued a[href="/invoices/${draft}"]`);
	await checkPage(page);
	const lines = await page.locator('#lines').innerText();
	assert.match(lines, /1\.5 hours\s+£110\.00 an hour\s+£165\.00/, 'hours as hours');
	assert.match(lines, /Engagement: /);
	assert.equal(await page.locator('#download-ubl').count(), 0, 'no UBL link on a draft');
	assert.equal(await page.locator('main .govuk-button:not(.govuk-button--secondary)').count(), 1,
	    'one primary action');

	// Check before issuing, then issue.
	await page.click('#check-issue');
	await checkPage(page);
	const check = await page.locator('main').innerText();
	assert.match(check, /Check the invoice before you issue it/);
	assert.match(check, /£1,089\.00/);
	assert.match(check, /Avondale/);
	await page.click('#issue');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /Invoice issued/);
	const number = server.sql(`SELECT number FROM recharge_invoices WHERE id = ${draft}`);
	assert.match(number, /^NRC-2027-\d{6}$/);

	// Verify, as a page.
	await page.click('#verify');
	await checkPage(page);
	assert.equal(await page.locator('#verify-result').innerText(), 'It verifies');
	await page.goBack();

	// The printable invoice: styled from the stylesheet (the CSP allows
	// nothing inline), an A4 invoice once printed.
	await page.click('#download-html');
	await checkPage(page);
	assert.equal(await page.locator('.ep-invoice__head').evaluate(
	    (el) => getComputedStyle(el).display), 'flex', 'the stylesheet applies');
	const pdf = join(work, `${number}.pdf`);
	await page.pdf({ path: pdf, format: 'A4', printBackground: true });
	if (havePoppler) {
		const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
		assert.match(info, /Pages:\s+1\n/, 'one page');
		assert.match(info, /Page size:\s+59[56](\.\d+)? x 84[1-3](\.\d+)? pts \(A4\)/);
		const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
		assert.match(text, new RegExp(number));
		assert.match(text, /Northshire Regional Centre/);
		assert.match(text, /Regional Centre, 2 Quay Street, Northshire NS1[\s\S]*4QA/);
		assert.match(text, /Avondale District Council/);
		assert.match(text, /Civic Centre, 1 High Street, Avondale AV1 1AA/);
		assert.match(text, /Total due\s+£1,089\.00/);
		assert.match(text, /1\.5 hours\s+£110\.00 an hour/);
		assert.doesNotMatch(text, /Print command/, 'the instructions are not printed');
		execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', pdf, join(work, 'print')]);
		assert.ok(statSync(join(work, 'print.png')).size > 10000, 'a page rendered');
		if (process.env.EP_E2E_KEEP)
			execFileSync('cp', [join(work, 'print.png'), pdf, process.env.EP_E2E_KEEP]);
	}
	await page.goBack();

	// Credit: travel written off, the meeting to bill again. Without a
	// reason the form comes back with every choice kept.
	const lineOf = (what) => server.sql(`SELECT id FROM recharge_lines WHERE invoice_id = ${draft} AND description LIKE '${what}'`);
	const travel = lineOf('Travel%');
	const meeting = lineOf('%meeting');
	await page.check('#scope');
	await page.check(`#credit-${travel}`);
	await page.check(`#settle-${travel}-wo`);
	await page.check(`#credit-${meeting}`);
	await page.check(`#settle-${meeting}`);
	await page.click('button:has-text("Issue a credit note")');
	await checkPage(page);
	assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter why/);
	assert.ok(await page.isChecked('#scope'), 'the scope kept');
	assert.ok(await page.isChecked(`#credit-${travel}`), 'the ticks kept');
	assert.ok(await page.isChecked(`#settle-${travel}-wo`), 'write off kept');
	assert.ok(await page.isChecked(`#settle-${meeting}`), 'bill again kept');
	await page.fill('#reason', 'Travel is not chargeable; the meeting was at the wrong rate');
	await page.click('button:has-text("Issue a credit note")');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /Credit note issued/);
	const credited = await page.locator('#lines').innerText();
	assert.match(credited, /Travel[\s\S]*Written off/);
	assert.match(credited, /meeting[\s\S]*To bill again/);

	// April's run bills the meeting again, never the travel.
	await runMonth(page, '2027-04');
	const april = server.sql("SELECT id FROM recharge_invoices WHERE period = '2027-04' AND provider_id = 1 AND state = 'draft'");
	await page.goto(new URL(`invoices/${april}`, server.url).href);
	const again = await page.locator('#lines').innerText();
	assert.match(again, /senior: meeting/);
	assert.doesNotMatch(again, /Travel/);
	assert.equal(server.sql(`SELECT count(*) FROM recharge_lines WHERE invoice_id = ${april}`), '1');

	// The finance page's chart, styled under the same policy.
	await page.goto(new URL('finance', server.url).href);
	await checkPage(page);
	assert.deepEqual(csp, [], 'no Content-Security-Policy reports');
	await ctx.close();
});
