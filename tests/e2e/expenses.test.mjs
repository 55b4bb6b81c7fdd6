// expenses.test.mjs: in a browser without JavaScript, the demo's expert
// logs mileage and a rail fare beside her hours and submits them; the
// consuming council's approver approves them; the finance officer runs
// the month, sees them as lines of their own, issues the invoice (its UBL
// passes the Peppol validation), sets a cost rate from February (the
// demo has one since 2020) and reads the margin.
//
// The demo seeds last month's hours, so the scenario has its own clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPERTPOOL, browserAvailable, checkPage, clockEnv,
    launchBrowser, shortJavaEnv, startDemo, topSrcdir } from './lib.mjs';

const CLOCK = '2027-03-03 09:00:00';
const VALIDATE = join(topSrcdir, '..', 'shared', 'validation', 'validate.sh');
const canValidate = existsSync(VALIDATE) &&
    spawnSync('sh', ['-c', 'command -v java']).status === 0;
let browser;
let server;
let work;
let plugins;
let demo;
let rcArgs;

before(async () => {
	if (!browserAvailable()) return;
	demo = await startDemo('ep-expenses-', CLOCK);
	({ server, plugins, dir: work } = demo);
	rcArgs = demo.args;
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await demo?.stop();
});

async function signInAs(login) {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	await page.goto(new URL('login', server.url).href);
	await page.fill('#login', login);
	await page.fill('#password', 'demo-password');
	await page.click('#main-content button[type=submit]');
	return { ctx, page };
}

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

test('expenses go from the expert to the invoice, and the margin shows', {
	skip: !browserAvailable() && 'chromium or playwright-core is absent',
}, async () => {
	const eng = server.sql("SELECT e.id FROM engagements e JOIN requests r ON r.id = e.request_id WHERE r.title = 'Planning appeal: Mill Lane'");
	const expensesPath = `engagements/${eng}/expenses`;

	// The expert: a rail fare with no receipt comes back named, then
	// mileage and the fare are saved and submitted.
	let { ctx, page } = await signInAs('expert');
	await page.goto(new URL(expensesPath, server.url).href);
	await checkPage(page);
	assert.match(await page.locator('#mileage-rate').innerText(),
	    /Mileage is paid at £0\.45 a mile/);
	await page.fill('#date', '2027-03-02');
	await page.selectOption('#kind', 'rail');
	await page.fill('#amount', '38.40');
	await page.click('button:has-text("Save expense")');
	await checkPage(page);
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Enter the receipt reference/);
	assert.equal(await page.inputValue('#amount'), '38.40', 'the amount kept');
	await page.fill('#receipt', 'R123');
	await page.click('button:has-text("Save expense")');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /Expense saved/);
	await page.fill('#date', '2027-03-02');
	await page.selectOption('#kind', 'mileage');
	await page.fill('#miles', '42');
	await page.click('button:has-text("Save expense")');
	await checkPage(page);
	const mine = await page.locator('main table').innerText();
	assert.match(mine, /Mileage: 42 miles at £0\.45 a mile/);
	assert.match(mine, /Rail fare, receipt R123/);
	assert.match(mine, /Outside the scope/, 'the VAT treatment shown');
	await page.click('button:has-text("Submit expenses for approval")');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /submitted/);
	await ctx.close();

	// The approver at Avondale approves both.
	({ ctx, page } = await signInAs('approver'));
	await page.goto(new URL(expensesPath, server.url).href);
	await checkPage(page);
	for (const what of ['Mileage: 42 miles', 'Rail fare, receipt R123']) {
		await page.getByRole('button', { name: new RegExp(`^Approve\\s+${what}`) }).click();
		await checkPage(page);
		assert.match(await page.locator('#notice').innerText(), /Expense approved/);
	}
	assert.equal(server.sql(`SELECT group_concat(state) FROM expenses WHERE engagement_id = ${eng}`),
	    'approved,approved');
	await ctx.close();

	// The finance officer runs March: the expenses are lines of their own.
	({ ctx, page } = await signInAs('finance'));
	await runMonth(page, '2027-03');
	const draft = server.sql("SELECT id FROM recharge_invoices WHERE period = '2027-03' AND provider_id = 1 AND state = 'draft'");
	await page.goto(new URL(`invoices/${draft}`, server.url).href);
	await checkPage(page);
	const lines = await page.locator('#lines').innerText();
	assert.match(lines, /Mileage: 42 miles at £0\.45 a mile[\s\S]*£18\.90/);
	assert.match(lines, /Rail fare, receipt R123[\s\S]*£38\.40/);
	await page.click('#check-issue');
	await checkPage(page);
	await page.click('#issue');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /Invoice issued/);
	const number = server.sql(`SELECT number FROM recharge_invoices WHERE id = ${draft}`);
	const ubl = execFileSync(EXPERTPOOL, ['--db', server.dbPath, '--plugins',
	    plugins, ...rcArgs, 'invoice', 'export', number, '--format', 'ubl'],
	    { env: { ...process.env, ...clockEnv(CLOCK) } }).toString();
	assert.match(ubl, /<cbc:Name>Rail fare, receipt R123<\/cbc:Name>/);
	assert.match(ubl, /<cbc:ID>O<\/cbc:ID>/);
	if (canValidate) {
		writeFileSync(join(work, 'invoice.xml'), ubl);
		const v = spawnSync(VALIDATE, [join(work, 'invoice.xml')], { encoding: 'utf8',
		    env: shortJavaEnv() });
		assert.equal(v.status, 0, `the UBL passes Peppol BIS 3.0:\n${v.stdout}`);
	}

	// A cost rate for Priya's grade, then March's margin.
	await page.goto(new URL('finance/cost-rates', server.url).href);
	await checkPage(page);
	await page.fill('#grade', 'senior');
	await page.fill('#rate', '52.40');
	await page.fill('#from', '2027-02-01');
	await page.click('button:has-text("Set cost rate")');
	await checkPage(page);
	assert.match(await page.locator('#notice').innerText(), /Cost rate set/);
	assert.match(await page.locator('#cost-rates').innerText(), /senior[\s\S]*£52\.40/);
	await page.goto(new URL('finance/margins?month=2027-03', server.url).href);
	await checkPage(page);
	const margins = await page.locator('#margins').innerText();
	assert.match(margins, /Planning appeal: Mill Lane/);
	const billed = Number(server.sql(`SELECT sum(amount) FROM recharge_lines WHERE invoice_id = ${draft} AND expense_id IS NULL`));
	const minutes = Number(server.sql(`SELECT sum(t.minutes) FROM recharge_billed b JOIN recharge_lines l ON l.id = b.line_id JOIN time_entries t ON t.id = b.entry_id WHERE l.invoice_id = ${draft}`));
	// One rounding, half to even, of minutes x 5240 / 60.
	const exact = minutes * 5240;
	let cost = Math.floor(exact / 60);
	const rest = exact % 60;
	if (rest * 2 > 60 || (rest * 2 === 60 && cost % 2 === 1)) cost += 1;
	const pounds = (p) => `£${(p / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`;
	assert.equal(await page.locator('#margin-total').innerText(), pounds(billed - cost));
	await ctx.close();
});
