// lists.test.mjs: lists that never hide rows, in a real browser: 230
// requests paged through to the last row, filtered by state and cleared;
// a week of an engagement approved in one action; and every list page
// passes axe, its filters never wider than a 320 px screen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { addDays, addUsers, builtPlugins, checkBasics, launchBrowser, monday,
    signIn, startServer, topSrcdir } from './lib.mjs';

let server;
let browser;

// Two weeks of Priya's hours for Avondale, three entries in each.
const WEEK1 = addDays(-14, monday());
const WEEK2 = addDays(-7, monday());

before(async () => {
	server = await startServer({
		plugins: builtPlugins('timesheet', 'recharge'),
		args: ['--rules', join(topSrcdir, 'rules')],
		dbSetup: ({ cli, sql }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			cli(['agreement', 'add', '--default', '--ruleset', 'standard']);
			addUsers(cli, [['rachel', 'AVD', 'requester', 'Rachel Requester'],
			    ['anna', 'AVD', 'approver', 'Anna Approver'],
			    ['priya', 'NRC', 'expert', 'Priya Shah'],
			    ['fiona', 'NRC', 'finance', 'Fiona Finance'],
			    ['ada', 'NRC', 'admin', 'Ada Admin'],
			    ['paul', 'NRC', 'pool-manager', 'Paul Pool']]);
			const start = addDays(-30, WEEK1), end = addDays(60, WEEK1);
			sql(`
			    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
			        FROM n WHERE i < 230)
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes,
			        state)
			      SELECT 2, (SELECT id FROM people WHERE login = 'rachel'),
			        'legal', 'Advice ' || i, 'routine', '${start}', '${end}',
			        60, CASE WHEN i % 10 = 0 THEN 'engaged' ELSE 'submitted'
			        END FROM n;
			    INSERT INTO experts (org_id, person_id, name, grade,
			        weekly_capacity_minutes)
			      SELECT org_id, id, name, 'senior', 1800 FROM people
			      WHERE login = 'priya';
			    INSERT INTO offers (request_id, expert_id, provider_id, basis,
			        state) VALUES (10, 1, 1, 'hourly', 'accepted');
			    INSERT INTO engagements (request_id, offer_id, expert_id,
			        provider_id, consumer_id, basis, starts, ends,
			        committed_minutes) VALUES (10, 1, 1, 1, 2, 'hourly',
			        '${start}', '${end}', 1200);
			    WITH d(w, j) AS (VALUES ('${WEEK1}', 0), ('${WEEK1}', 1),
			        ('${WEEK1}', 2), ('${WEEK2}', 0), ('${WEEK2}', 1),
			        ('${WEEK2}', 2))
			    INSERT INTO time_entries (engagement_id, entry_date, minutes,
			        activity, state, created_by, submitted_at)
			      SELECT 1, date(w, '+' || j || ' days'), 90, 'advice',
			        'submitted', (SELECT id FROM people WHERE login = 'priya'),
			        '2020-01-01T00:00:00Z' FROM d;`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

const go = (page, path) => page.goto(new URL(path, server.url).href);
const showing = (page) => page.locator('#showing').innerText();

// The filter form fits a 320 px screen: tables are scrolled on their own.
async function filtersFit(page) {
	await page.setViewportSize({ width: 320, height: 640 });
	const right = await page.locator('#filters').evaluate((f) =>
	    Math.max(f.getBoundingClientRect().right, f.scrollWidth));
	assert.ok(right <= 320, `the filters are ${right} px wide at 320`);
	await page.setViewportSize({ width: 1024, height: 768 });
}

test('230 requests paged through to the last row, then filtered by state', async () => {
	const { ctx, page } = await signIn(browser, server, 'rachel');
	await go(page, 'requests');
	await checkBasics(page);
	await filtersFit(page);
	assert.equal(await showing(page), 'Showing 1 to 50 of 230 requests');
	const seen = new Set();
	for (;;) {
		for (const a of await page.locator('tbody a').all())
			seen.add(await a.getAttribute('href'));
		const next = page.locator('.govuk-pagination__next a');
		if (await next.count() === 0)
			break;
		await next.click();
	}
	assert.equal(await showing(page), 'Showing 201 to 230 of 230 requests');
	assert.equal(seen.size, 230, 'every request was on a page');
	assert.ok(seen.has('/requests/1'), 'down to the oldest');
	await checkBasics(page);

	await page.selectOption('#state', 'engaged');
	await page.click('#filters button');
	assert.equal(await showing(page), 'Showing 1 to 23 of 23 requests');
	assert.equal(await page.inputValue('#state'), 'engaged', 'the filter stays chosen');
	for (const tag of await page.locator('tbody .govuk-tag').allInnerTexts())
		assert.equal(tag.trim(), 'engaged');
	await page.fill('#q', 'Advice 23');
	await page.selectOption('#state', '');
	await page.click('#filters button');
	assert.equal(await showing(page), 'Showing 1 to 2 of 2 requests');
	await checkBasics(page);
	await page.click('#clear-filters');
	assert.equal(await showing(page), 'Showing 1 to 50 of 230 requests');
	assert.equal(await page.inputValue('#q'), '');
	await ctx.close();
});

test('a week of an engagement approved in one action', async () => {
	const { ctx, page } = await signIn(browser, server, 'anna');
	await go(page, 'approvals');
	await checkBasics(page);
	const main = await page.locator('main').innerText();
	assert.match(main, new RegExp(`Priya Shah, week of ${WEEK1}`));
	assert.match(main, new RegExp(`Priya Shah, week of ${WEEK2}`));
	await page.click(`button:has-text("Approve all 3 entries for Priya Shah week of ${WEEK1}")`);
	assert.match(page.url(), /\/approvals\?done=approved$/);
	const left = await page.locator('main').innerText();
	assert.doesNotMatch(left, new RegExp(`week of ${WEEK1}`), 'the week is gone');
	assert.match(left, new RegExp(`Approve all 3 entries for Priya Shah week of ${WEEK2}`));
	assert.equal(server.sql(`SELECT count(*) FROM time_entries WHERE state = 'approved'
	    AND entry_date < '${WEEK2}'`), '3');
	assert.equal(server.sql(`SELECT count(*) FROM time_entries WHERE state = 'submitted'`), '3');
	await checkBasics(page);
	await ctx.close();
});

// Each role's list pages, a test each to keep each one short.
const LISTS = [
	['fiona', ['invoices', 'invoices?state=lost', 'finance']],
	['ada', ['admin/people', 'admin/people?name=a', 'admin/organisations',
	    'admin/agreements']],
	['paul', ['experts', 'queue', 'requests?state=submitted']],
	['priya', ['offers', 'messages']],
];
for (const [login, paths] of LISTS) {
	test(`${login}'s list pages pass axe, their filters within 320 px`, async () => {
		const { ctx, page } = await signIn(browser, server, login);
		for (const path of paths) {
			await go(page, path);
			await checkBasics(page);
			if (await page.locator('#filters').count())
				await filtersFit(page);
		}
		await ctx.close();
	});
}
