// business-case.test.mjs: the business case as its people make it,
// without JavaScript. A requester reads their council's case for the
// month, marks the engagement's work complete and rates it; the host
// council's finance officer records the month's running costs; the case
// then shows the rating in its quality, the overhead share, the full cost
// an hour beside the direct one in unit costs, and a saving against the
// market that has fallen by exactly the overhead share.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, addUsers, builtPlugins, checkBasics, launchBrowser, month,
    signIn, startServer } from './lib.mjs';

let server;
let browser;
const MONTH = month(0);
const TODAY = addDays(0);

before(async () => {
	server = await startServer({
		plugins: builtPlugins('timesheet'),
		dbSetup: ({ cli, sql }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			addUsers(cli, [['rachel', 'AVD', 'requester', 'Rachel Requester'],
			    ['fiona', 'NRC', 'finance', 'Fiona Finance']]);
			// What Avondale would otherwise pay: £60 an hour in house,
			// £120 from the market.
			cli(['baseline', 'set', '--org', 'AVD', '--skill', 'legal',
			    '--inhouse', '6000', '--market', '12000', '--from',
			    `${month(-12)}-01`]);
			// Avondale used 5 h 30 m of the centre's expert this month,
			// priced £489.50 (£89.00 an hour).
			sql(`
			    INSERT INTO experts (org_id, name, grade,
			        weekly_capacity_minutes)
			      VALUES (1, 'Priya Shah', 'senior', 1800);
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes,
			        state, submitted_at, first_offer_at, engaged_at)
			      SELECT org_id, id, 'legal', 'Planning appeal advice',
			        'soon', '${TODAY}', '${addDays(30)}', 600, 'engaged',
			        '${TODAY}T00:01:00Z', '${TODAY}T00:02:00Z',
			        '${TODAY}T00:03:00Z' FROM people WHERE login = 'rachel';
			    INSERT INTO offers (request_id, expert_id, provider_id, basis,
			        state) VALUES (1, 1, 1, 'hourly', 'accepted');
			    INSERT INTO engagements (request_id, offer_id, expert_id,
			        provider_id, consumer_id, basis, starts, ends,
			        committed_minutes) VALUES (1, 1, 1, 1, 2, 'hourly',
			        '${TODAY}', '${addDays(30)}', 600);
			    INSERT INTO time_entries (engagement_id, entry_date, minutes,
			        activity, state, priced_pence) VALUES
			      (1, '${TODAY}', 240, 'advice', 'approved', 35600),
			      (1, '${TODAY}', 90, 'drafting', 'approved', 13350);`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

/** A row of the case by its measure: [yours, median] as the page shows them. */
async function caseRow(page, measure) {
	const row = page.locator('#table-case tbody tr').filter({
		has: page.locator('th', { hasText: new RegExp(
		    `^${measure.replace(/[()]/g, '\\$&')}$`) }) });
	assert.equal(await row.count(), 1, `one row for ${measure}`);
	const cells = await row.locator('td').allInnerTexts();
	return cells.slice(0, 2).map((s) => s.trim());
}

async function openCase(page) {
	await page.goto(new URL(`reports/AVD/case?period=${MONTH}`,
	    server.url).href);
	await checkBasics(page);
}

test('a rating and a month\'s running costs reach the council\'s business case',
    async () => {
	const requester = await signIn(browser, server, 'rachel');
	let page = requester.page;
	await openCase(page);
	assert.deepEqual(await caseRow(page, 'Cost per hour bought'),
	    ['£89.00', '£89.00']);
	// 5.5 hours at the market's £120.00 an hour is £660.00: £170.50 saved.
	assert.deepEqual(await caseRow(page, 'Saving against the market'),
	    ['£170.50', '–']);
	assert.deepEqual(await caseRow(page, 'Share of the pool\'s overheads'),
	    ['£0.00', '–']);
	assert.deepEqual(await caseRow(page,
	    'Saving against the market after overheads'), ['£170.50', '–']);
	assert.deepEqual(await caseRow(page, 'Ratings satisfied or very satisfied'),
	    ['–', '–'], 'no rating yet');

	// The requester marks the work complete and rates it.
	await page.goto(new URL('requests/1', server.url).href);
	await Promise.all([page.waitForURL(/\/engagements\/1\/rating/),
	    page.click('button:has-text("Mark the work complete")')]);
	await page.check('#score');
	await Promise.all([page.waitForURL(/done=rated/),
	    page.click('#main-content button[type=submit]')]);
	await requester.ctx.close();

	// The centre's finance officer records the month's running costs.
	const finance = await signIn(browser, server, 'fiona');
	page = finance.page;
	await page.click('text=Running costs');
	await page.fill('#month', MONTH);
	await page.selectOption('#category', 'systems');
	await page.fill('#amount', '100.00');
	await page.fill('#note', 'Hosting');
	await page.click('text=Record cost');
	assert.match(await page.locator('.govuk-notification-banner').innerText(),
	    /Running cost recorded/);
	await finance.ctx.close();

	const again = await signIn(browser, server, 'rachel');
	page = again.page;
	await openCase(page);
	assert.deepEqual(await caseRow(page, 'Ratings satisfied or very satisfied'),
	    ['100.00%', '100.00%'], 'the rating counts in the quality received');
	assert.deepEqual(await caseRow(page,
	    'Engagements completed by the wanted end date'), ['100.00%', '100.00%']);
	// Avondale is the month's only consumer: the whole £100.00 is its.
	assert.deepEqual(await caseRow(page, 'Share of the pool\'s overheads'),
	    ['£100.00', '–']);
	// (£489.50 + £100.00) x 60 / 330 minutes = £107.18 an hour.
	assert.deepEqual(await caseRow(page,
	    'Full cost per hour bought (with overheads)'), ['£107.18', '–']);
	assert.deepEqual(await caseRow(page, 'Saving against the market'),
	    ['£170.50', '–'], 'the saving before overheads is unchanged');
	assert.deepEqual(await caseRow(page,
	    'Saving against the market after overheads'), ['£70.50', '–'],
	    'it falls by exactly the overhead share');

	// The full cost's figure leads to the unit costs and their columns.
	await page.locator('#table-case tbody tr', { hasText:
	    'Full cost per hour bought' }).locator('a').click();
	assert.match(page.url(), new RegExp(`/reports/AVD/unit-costs\\?period=${MONTH}$`));
	await checkBasics(page);
	const cells = await page.locator('#table-full-costs tbody tr').first()
	    .locator('th, td').allInnerTexts();
	assert.deepEqual(cells, ['legal', '5 h 30 m', '£489.50', '£100.00',
	    '£589.50', '£89.00', '£18.18', '£107.18']);
	await page.goBack();
	assert.match(page.url(), /\/reports\/AVD\/case/);
	await again.ctx.close();
});
