// overheads.test.mjs: without JavaScript, the host council's finance
// officer records last month's running costs (a wrong amount first, shown
// with the GOV.UK error pattern), sees the month's total, and a consuming
// council's requester finds the overhead column in its unit costs: its
// share of the overheads, spread over its hours, beside the direct cost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addUsers, builtPlugins, checkBasics, launchBrowser, month, signIn,
    startServer } from './lib.mjs';

let server;
let browser;
const MONTH = month(-1);

before(async () => {
	server = await startServer({
		plugins: builtPlugins('timesheet'),
		dbSetup: ({ cli, sql }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'BRK', '--name', 'Brookfield Borough Council',
			    '--kind', 'borough']);
			addUsers(cli, [['fiona', 'NRC', 'finance', 'Fiona Finance'],
			    ['bob', 'BRK', 'requester', 'Bob Requester']]);
			// BRK used 5 h 30 m of NRC's expert last month, priced £489.50.
			sql(`
			    INSERT INTO experts (org_id, name, grade, weekly_capacity_minutes)
			      VALUES (1, 'Hannah Price', 'senior', 2220);
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes, state,
			        submitted_at) VALUES (2, 2, 'legal', 'Lease review',
			        'routine', '${MONTH}-01', '${MONTH}-28', 600, 'engaged',
			        '${MONTH}-01T09:00:00Z');
			    INSERT INTO offers (request_id, expert_id, provider_id, basis,
			        state) VALUES (1, 1, 1, 'hourly', 'accepted');
			    INSERT INTO engagements (request_id, offer_id, expert_id,
			        provider_id, consumer_id, basis, starts, ends,
			        committed_minutes) VALUES (1, 1, 1, 1, 2, 'hourly',
			        '${MONTH}-01', '${MONTH}-28', 600);
			    INSERT INTO time_entries (engagement_id, entry_date, minutes,
			        activity, state, priced_pence) VALUES
			      (1, '${MONTH}-05', 240, 'advice', 'approved', 35600),
			      (1, '${MONTH}-06', 90, 'drafting', 'approved', 13350);`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('a finance officer records a month\'s running costs', async () => {
	const { ctx, page } = await signIn(browser, server, 'fiona');
	await page.click('text=Running costs');
	await checkBasics(page);
	await page.fill('#month', MONTH);
	await page.selectOption('#category', 'accommodation');
	await page.fill('#amount', '-250');
	await page.click('text=Record cost');
	await checkBasics(page);
	const summary = page.locator('.govuk-error-summary');
	assert.match(await summary.innerText(), /amount in pounds/);
	assert.equal(await summary.locator('a').first().getAttribute('href'),
	    '#amount');
	await page.fill('#amount', '250.00');
	await page.fill('#note', 'Office share');
	await page.click('text=Record cost');
	await checkBasics(page);
	assert.match(await page.locator('.govuk-notification-banner').innerText(),
	    /Running cost recorded/);
	assert.match(await page.locator('#costs-total').innerText(), /£250\.00/);
	await ctx.close();
});

test('the consuming council sees the overhead column in its unit costs',
    async () => {
	const { ctx, page } = await signIn(browser, server, 'bob');
	await page.goto(new URL(`reports/BRK/unit-costs?period=${MONTH}`,
	    server.url).href);
	await checkBasics(page);
	const table = page.locator('#table-full-costs');
	const heads = await table.locator('thead th').allInnerTexts();
	assert.deepEqual(heads.slice(2, 5), ['Direct cost', 'Overhead',
	    'Full cost']);
	// BRK is the only consumer: the whole £250.00, over 330 minutes.
	const cells = await table.locator('tbody tr').first().locator('th, td')
	    .allInnerTexts();
	assert.deepEqual(cells, ['legal', '5 h 30 m', '£489.50', '£250.00',
	    '£739.50', '£89.00', '£45.45', '£134.45']);
	await page.goto(new URL(`reports/BRK/overheads?period=${MONTH}`,
	    server.url).href);
	await checkBasics(page);
	assert.match(await page.locator('#table-shares').innerText(), /£250\.00/);
	await ctx.close();
});
