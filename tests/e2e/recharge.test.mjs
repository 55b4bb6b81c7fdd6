// recharge.test.mjs: a month of approved hours between two councils; the
// provider's finance officer starts the month's run from the invoices page
// and watches it finish, reviews the draft, issues it, downloads its UBL,
// then reads the netting statement and the finance page. No JavaScript.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { builtPlugins, checkBasics, launchBrowser, month, signIn,
    sealedConfig, startServer, twoCouncils } from './lib.mjs';

// Last month's hours, run and invoiced this month, under agreements made
// a year before; the engagements run on past it.
const PERIOD = month(-1);
const SINCE = `${month(-12)}-01`;
const ENDS = `${month(2)}-01`;
let server;
let browser;
let keyDir;
let rcArgs;

before(async () => {
	const plugins = builtPlugins('timesheet', 'recharge');
	({ keyDir, args: rcArgs } = sealedConfig('ep-rc-key-'));
	server = await startServer({
		plugins,
		args: rcArgs,
		dbSetup: ({ cli, sql }) => {
			twoCouncils(cli, sql, { since: SINCE, starts: `${PERIOD}-01`,
			    ends: ENDS, avdAddress: 'Civic Centre, 1 High Street, Avondale AV1 1AA',
			    avd: ['--email', 'invoices@avondale.example'] });
			cli(['invoice', 'endpoint', 'set', '--org', 'BRK', '--scheme', '0088',
			    '--id', '5012345000039']);
			sql(`
			    INSERT INTO time_entries (engagement_id, entry_date, minutes,
			        activity, state, created_by)
			      SELECT g.id, d.day, d.minutes, d.activity, 'approved',
			        x.person_id FROM engagements g
			      JOIN experts x ON x.id = g.expert_id
			      JOIN (SELECT 1 AS p, '${PERIOD}-05' AS day, 90 AS minutes,
			        'advice' AS activity UNION ALL SELECT 1, '${PERIOD}-06', 60,
			        'drafting' UNION ALL SELECT 1, '${PERIOD}-08', 95, 'advice'
			        UNION ALL SELECT 2, '${PERIOD}-12', 30, 'meeting') d
			        ON d.p = g.provider_id ORDER BY g.id, d.day;`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
	if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

const main = (page) => page.locator('main').innerText();

test('a finance officer sets the council\'s Peppol endpoint', async () => {
	const { ctx, page } = await signIn(browser, server, 'avd-fin');
	await page.click('text=Peppol endpoints');
	await checkBasics(page);
	assert.match(await page.locator('#endpoints').innerText(), /Avondale District Council \(AVD\)\s+none/);
	await page.selectOption('#scheme', '0088');
	await page.fill('#id', '5012345000016');
	await page.click('button:has-text("Save the endpoint")');
	await checkBasics(page);
	const summary = page.locator('.govuk-error-summary');
	assert.match(await summary.innerText(), /check digit should be 5/);
	assert.equal(await summary.locator('a[href="#id"]').count(), 1, 'the message links to the field');
	await page.fill('#id', '5012345000015');
	await page.click('button:has-text("Save the endpoint")');
	assert.match(page.url(), /\/endpoints\?done=endpoint$/);
	assert.match(await page.locator('#notice').innerText(), /Peppol endpoint saved/);
	assert.match(await page.locator('#endpoints').innerText(), /AVD\)\s+0088\s+5012345000015/);
	await ctx.close();
});

// Needs AVD's endpoint, set by the test before.
test('the month run, review, issue, UBL, netting and finance', async () => {
	const { ctx, page } = await signIn(browser, server, 'avd-fin');

	// Start the run from the invoices page; the run page never reloads
	// itself: the officer checks its progress until it is done.
	await page.click('text=Invoices');
	assert.match(page.url(), /\/invoices$/);
	await checkBasics(page);
	await page.fill('#period', PERIOD);
	await page.click('button:has-text("Run the month")');
	assert.match(page.url(), /\/invoices\/run\?job=\d+$/);
	await checkBasics(page);
	const runUrl = page.url();
	const deadline = Date.now() + 30000;
	let state = await page.locator('#run-state').innerText();
	while (state !== 'done' && state !== 'failed' && Date.now() < deadline) {
		await new Promise((r) => setTimeout(r, 200));
		await page.click('#check-progress');
		assert.equal(page.url(), runUrl);
		state = await page.locator('#run-state').innerText();
	}
	assert.equal(state, 'done', await main(page));
	await checkBasics(page);
	assert.match(await main(page), new RegExp(`Invoice run for ${PERIOD}`));
	// The run is of Avondale's drafts alone: its entries, no one else's.
	const avdEntries = server.sql("SELECT count(*) FROM time_entries t " +
	    "JOIN engagements g ON g.id = t.engagement_id JOIN organisations p " +
	    "ON p.id = g.provider_id WHERE p.code = 'AVD' AND t.state = " +
	    `'approved' AND t.entry_date LIKE '${PERIOD}-%'`);
	assert.match(avdEntries, /^[1-9]\d*$/);
	assert.match(await main(page), new RegExp(`${avdEntries} of ${avdEntries} entries priced`));
	assert.equal(server.sql("SELECT count(*) FROM recharge_invoices i JOIN " +
	    "organisations p ON p.id = i.provider_id WHERE p.code != 'AVD'"), '0',
	    "Avondale's run builds no other council's drafts");

	// Review the draft: its lines and totals.
	await page.click('text=Back to invoices');
	const issued = page.locator('#issued');
	assert.match(await issued.innerText(), /Brookfield Borough Council/);
	await issued.locator('a', { hasText: /^Draft \d+$/ }).click();
	await checkBasics(page);
	assert.match(await page.locator('h1').innerText(), /Invoice \(draft\)/);
	assert.equal(await page.locator('#state').innerText(), 'draft');
	const lines = await page.locator('#lines').innerText();
	assert.match(lines, /standard: advice/);
	assert.match(lines, /drafting/i);
	const totals = await page.locator('#totals').innerText();
	assert.match(totals, /^£([\d,.]+), £([\d,.]+), £([\d,.]+)$/);
	const [net, vat] = totals.match(/[\d,.]+/g).map((v) => Number(v.replace(/,/g, '')));
	assert.ok(net > 0, 'a net amount');
	assert.equal(vat, Math.round(net * 20) / 100, 'VAT at 20%');

	// Check it, then issue it: numbered, dated, sealed.
	await page.click('#check-issue');
	await checkBasics(page);
	assert.match(await main(page), /Check the invoice before you issue it/);
	await page.click('button:has-text("Issue this invoice")');
	await checkBasics(page);
	assert.match(await page.locator('#notice').innerText(), /Invoice issued/);
	assert.equal(await page.locator('#state').innerText(), 'issued');
	const number = (await page.locator('h1').innerText()).replace(/^Invoice /, '');
	assert.match(number, /^AVD-\d{4}-000001$/);

	// The UBL download is a Peppol invoice with that number.
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.click('#download-ubl'),
	]);
	const xml = readFileSync(await download.path(), 'utf8');
	assert.match(xml, /^<\?xml[^>]*\?>\s*<Invoice\s/);
	assert.match(xml, new RegExp(`<cbc:ID>${number}</cbc:ID>`));
	assert.match(xml, /<cbc:EndpointID schemeID="0088">5012345000015<\/cbc:EndpointID>/);
	assert.match(xml, /<cbc:EndpointID schemeID="0088">5012345000039<\/cbc:EndpointID>/);

	// Issuing writes the invoice alone; a job marks the rows of the
	// entries it bills in the background. The expert sees the hours
	// invoiced whether it has yet or not.
	const billed = server.sql("SELECT t.id FROM time_entries t JOIN people p ON " +
	    `p.id = t.created_by WHERE p.login = 'avd-exp' AND t.entry_date = '${PERIOD}-05'`);
	assert.match(billed, /^\d+$/);
	const expert = await signIn(browser, server, 'avd-exp');
	await expert.page.goto(new URL(`timesheet/entries/${billed}`, server.url).href);
	await checkBasics(expert.page);
	assert.equal(await expert.page.locator('#state').innerText(), 'invoiced');
	await expert.ctx.close();
	// The marking ends, with the row marked and nothing left to mark,
	// long before the next run.
	let job = '';
	for (let i = 0; i < 200 && job !== 'done'; i++) {
		job = server.sql("SELECT state FROM jobs WHERE name = 'recharge-mark' " +
		    'ORDER BY id DESC LIMIT 1');
		if (job !== 'done')
			await new Promise((resolve) => setTimeout(resolve, 100));
	}
	assert.equal(job, 'done', 'the marking job ends');
	assert.equal(server.sql(`SELECT state FROM time_entries WHERE id = ${billed}`),
	    'invoiced', 'the job marked the row');
	assert.equal(server.sql('SELECT count(*) FROM recharge_unmarked'), '0',
	    'nothing is left to mark');

	// BRK runs and issues its own invoice to AVD; the netting page
	// offsets the two.
	assert.equal(server.cli([...rcArgs, 'invoice', 'run', '--period', PERIOD,
	    '--provider', 'BRK']).status, 0);
	const brkDraft = server.sql("SELECT i.id FROM " +
	    "recharge_invoices i JOIN organisations p ON p.id = i.provider_id " +
	    "WHERE p.code = 'BRK' AND i.state = 'draft'");
	assert.match(brkDraft, /^\d+$/);
	const brkNumber = server.cli([...rcArgs, 'invoice', 'issue', brkDraft]).stdout.trim();
	assert.match(brkNumber, /^BRK-\d{4}-000001$/);
	await page.click('text=Netting');
	await checkBasics(page);
	await page.fill('#period', PERIOD);
	await page.click('button:has-text("Show")');
	assert.match(page.url(), new RegExp(`/netting\\?period=${PERIOD}$`));
	await checkBasics(page);
	// A council's finance officer sees its own position, not the others',
	// and the transfers it makes or receives.
	const positions = await page.locator('#positions').innerText();
	assert.match(positions, /Avondale District Council/);
	assert.doesNotMatch(positions, /Brookfield Borough Council/);
	assert.match(await main(page), /Brookfield Borough Council pays Avondale District Council £/);

	// The finance page: the chart and its figures as a table, and both
	// documents with their state.
	await page.click('text=Recharge finance');
	await checkBasics(page);
	const chart = page.locator('svg[role=img]');
	assert.equal(await chart.count(), 1, 'one chart');
	assert.equal(await chart.getAttribute('aria-labelledby'), 'rc-chart-title rc-chart-desc');
	const byMonth = await page.locator('#by-month').innerText();
	assert.match(byMonth, new RegExp(`${PERIOD}\\s+£[\\d,.]+\\s+£[\\d,.]+`));
	const body = await main(page);
	assert.match(body, new RegExp(number));
	assert.match(body, new RegExp(brkNumber));
	await ctx.close();
});

test('a month on, the expert finds the invoiced hours locked, and corrects one after a first mistake', async () => {
	// The invoice issued above bills avd-exp's hours of the 5th, and
	// the marking after the issue has marked them invoiced: kept from
	// change, with a correction the only way.
	const id = server.sql("SELECT t.id FROM time_entries t JOIN people p ON " +
	    `p.id = t.created_by WHERE p.login = 'avd-exp' AND t.entry_date = '${PERIOD}-05'`);
	assert.match(id, /^\d+$/);
	assert.equal(server.sql(`SELECT state FROM time_entries WHERE id = ${id}`),
	    'invoiced', 'the marking after the issue marked it');
	const { ctx, page } = await signIn(browser, server, 'avd-exp');
	await page.goto(new URL(`timesheet/entries/${id}`, server.url).href);
	await checkBasics(page);
	assert.equal(await page.locator('#state').innerText(), 'invoiced');
	assert.match(await main(page), /The entry itself is locked/);

	// The week it was logged in shows it locked, not as a box to type in.
	const day = `${PERIOD}-05`;
	const monday = new Date(Date.parse(`${day}T12:00:00Z`) -
	    ((new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7) * 86400000)
	    .toISOString().slice(0, 10);
	await page.goto(new URL(`timesheet?week=${monday}`, server.url).href);
	await checkBasics(page);
	const cell = page.locator('td', { hasText: '1 h 30 m' }).first();
	assert.match(await cell.innerText(), /locked/);
	assert.equal(await cell.locator('input').count(), 0);

	// A first try at the correction names the field; the second is a new
	// entry sent for approval, the invoiced one unchanged.
	await page.goto(new URL(`timesheet/entries/${id}`, server.url).href);
	await page.fill('#duration', 'an hour and a bit');
	await page.fill('#reason', 'Left early');
	await page.click('button:has-text("Send the correction")');
	await checkBasics(page);
	assert.match(await page.locator('.govuk-error-summary').innerText(), /time|duration/i);
	assert.equal(await page.inputValue('#reason'), 'Left early');
	await page.fill('#duration', '1:15');
	await page.click('button:has-text("Send the correction")');
	await checkBasics(page);
	assert.doesNotMatch(page.url(), new RegExp(`/entries/${id}$`));
	assert.equal(await page.locator('#state').innerText(), 'submitted');
	await page.goto(new URL(`timesheet/entries/${id}`, server.url).href);
	assert.equal(await page.locator('#state').innerText(), 'invoiced');
	assert.equal(server.sql(`SELECT minutes FROM time_entries WHERE id = ${id}`), '90');
	await ctx.close();
});
