// reports.test.mjs: a requester opens their council's reports without
// JavaScript: every chart is an SVG with its table beside it, the CSV
// downloads, and another council's reports are not found; an
// administrator changes the response target with its form.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, builtPlugins, checkBasics, launchBrowser, month, signIn,
    startServer } from './lib.mjs';

let server;
let browser;

// The work is in the last quarter of a financial year to have ended
// (quarters from April: 2026-Q3 is October to December 2026, 2026-Q4
// January to March 2027), in its first month, FIRST; the baseline is set
// from the start of that financial year.
const inQuarter = month(-3);
const sinceApril = (Number(inQuarter.slice(5)) + 8) % 12;	// 0 to 11
const FIRST = month(-(sinceApril % 3), inQuarter);
const FY = Number(inQuarter.slice(0, 4)) - (sinceApril >= 9 ? 1 : 0);
const PERIOD = `${FY}-Q${Math.floor(sinceApril / 3) + 1}`;
const LAST_DAY = addDays(-1, `${month(1, FIRST)}-01`);

before(async () => {
	const plugins = builtPlugins('timesheet');
	server = await startServer({
		plugins,
		dbSetup: ({ cli, sql }) => {
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			cli(['org', 'add', 'BRK', '--name', 'Brookfield Borough Council',
			    '--kind', 'borough']);
			cli(['user', 'add', 'bob', '--org', 'BRK', '--roles', 'requester',
			    '--name', 'Bob Requester'], { input: 'bob-password-1\n' });
			cli(['user', 'add', 'paul', '--org', 'AVD', '--roles',
			    'pool-manager', '--name', 'Paul Poolman'],
			    { input: 'paul-password-1\n' });
			cli(['user', 'add', 'ada', '--org', 'AVD', '--roles', 'admin',
			    '--name', 'Ada Administrator'], { input: 'ada-password-1\n' });
			cli(['baseline', 'set', '--org', 'BRK', '--skill', 'legal',
			    '--inhouse', '5240', '--market', '9500', '--from', `${FY}-04-01`]);
			sql(`
			    INSERT INTO experts (org_id, name, grade, weekly_capacity_minutes)
			      VALUES (1, 'Hannah Price', 'senior', 2220);
			    INSERT INTO expert_skills (expert_id, area, speciality, level)
			      VALUES (1, 'legal', 'planning-law', 4);
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes, state,
			        submitted_at, first_offer_at, engaged_at)
			      VALUES (2, 1, 'legal', 'Lease review', 'routine', '${FIRST}-01',
			        '${LAST_DAY}', 1200, 'engaged', '${FIRST}-01T09:00:00Z',
			        '${FIRST}-02T10:30:00Z', '${FIRST}-03T09:00:00Z');
			    INSERT INTO offers (request_id, expert_id, provider_id, basis,
			        state) VALUES (1, 1, 1, 'hourly', 'accepted');
			    INSERT INTO engagements (request_id, offer_id, expert_id,
			        provider_id, consumer_id, basis, starts, ends,
			        committed_minutes) VALUES (1, 1, 1, 1, 2, 'hourly',
			        '${FIRST}-01', '${LAST_DAY}', 1200);
			    INSERT INTO time_entries (engagement_id, entry_date, minutes,
			        activity, state, priced_pence) VALUES
			      (1, '${FIRST}-05', 240, 'advice', 'submitted', 35600),
			      (1, '${FIRST}-06', 90, 'drafting', 'submitted', 13350);
			    UPDATE time_entries SET state = 'approved';`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('a requester reads their reports: charts with their tables', async () => {
	const { ctx, page } = await signIn(browser, server, 'bob');
	await page.click('header >> text=Reports');
	await checkBasics(page);
	await page.click('text=Volumes and flow');
	await page.fill('#period', PERIOD);
	await page.click('#main-content form.ep-report-period button');
	assert.match(page.url(), new RegExp(`/reports/BRK/volumes\\?period=${PERIOD}$`));
	await checkBasics(page);
	for (const name of ['volumes', 'unit-costs', 'savings', 'benchmark']) {
		await page.goto(new URL(`reports/BRK/${name}?period=${PERIOD}`, server.url).href);
		await checkBasics(page);
		const charts = page.locator('svg.ep-chart');
		assert.ok(await charts.count() > 0, `${name} draws a chart`);
		for (const svg of await charts.all()) {
			const id = await svg.getAttribute('data-table');
			assert.equal(await page.locator(`table#${id}`).count(), 1,
			    `${name}: the chart's table is on the page`);
			assert.ok(await svg.locator('rect').count() > 0, 'bars drawn');
			const box = await svg.boundingBox();
			assert.ok(box && box.width > 100 && box.height > 10, 'visible');
		}
		const text = await page.locator('main').innerText();
		assert.doesNotMatch(text, /Avondale|AVD/, `${name} names no other council`);
	}
	await page.goto(new URL(`reports/BRK/unit-costs?period=${PERIOD}`, server.url).href);
	const row = page.locator('table#table-by-area tbody tr').first();
	assert.match(await row.innerText(), /legal\s+5 h 30 m\s+£489\.50\s+£89\.00/);
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.click('text=Download Cost per hour by skill area as CSV'),
	]);
	assert.equal(download.suggestedFilename(), `unit-costs-BRK-${PERIOD}-by-area.csv`);
	const other = await page.goto(new URL(`reports/AVD/volumes?period=${PERIOD}`, server.url).href);
	assert.equal(other.status(), 404);
	await ctx.close();
});

test('a requester reads their council\'s business case and follows a figure to its report', async () => {
	const { ctx, page } = await signIn(browser, server, 'bob');
	await page.click('header >> text=Reports');
	await page.click('text=Business case');
	await page.fill('#period', PERIOD);
	await page.click('#main-content form.ep-report-period button');
	assert.match(page.url(), new RegExp(`/reports/BRK/case\\?period=${PERIOD}$`));
	await checkBasics(page);
	const row = (measure) => page.locator('table#table-case tbody tr', {
		has: page.locator('th', { hasText: measure }) }).first();
	assert.match(await row('Hours bought').innerText(), /5 h 30 m/);
	assert.match(await row('Cost per hour bought').innerText(), /£89\.00/);
	// 5.5 hours at the market's £95.00 an hour, less the £489.50 spent.
	assert.match(await row('Saving against the market').innerText(), /£33\.00/);
	assert.doesNotMatch(await page.locator('table#table-case').innerText(),
	    /pence|minutes|basis_points/, 'no raw unit names on the page');
	assert.match(await page.locator('table#table-reach').innerText(),
	    /legal\s+5 h 30 m\s+1/, 'legal reached only through the pool');
	assert.doesNotMatch(await page.locator('main').innerText(), /Avondale|AVD/);
	await row('Saving against the market').locator('a').click();
	assert.match(page.url(), new RegExp(`/reports/BRK/savings\\?period=${PERIOD}$`));
	await page.goBack();
	assert.match(page.url(), /\/reports\/BRK\/case/);
	await ctx.close();
});

test('a pool manager reads resilience', async () => {
	const { ctx, page } = await signIn(browser, server, 'paul');
	await page.goto(new URL(`reports/resilience?at=${FIRST}-12`, server.url).href);
	await checkBasics(page);
	assert.match(await page.locator('#single-points').innerText(), /planning-law/);
	assert.equal(await page.locator('svg.ep-chart').count(), 2);
	await ctx.close();
});

test('an administrator changes the response target', async () => {
	const { ctx, page } = await signIn(browser, server, 'ada');
	const within = async () => {
		await page.goto(new URL(`reports/BRK/volumes?period=${PERIOD}`, server.url).href);
		const row = page.locator('table#table-flow tbody tr').first();
		return (await row.locator('td').nth(5).innerText()).trim();
	};
	assert.equal(await within(), '1', 'offered in 25.5 hours: within 48');
	await page.click('header >> text=Reports');
	await page.click('text=Response target');
	await checkBasics(page);
	assert.match(await page.locator('#target-now').innerText(), /48 hours/);
	await page.fill('#hours', 'soon');
	await page.click('#main-content button[type=submit]');
	await checkBasics(page);
	const summary = page.locator('.govuk-error-summary');
	assert.match(await summary.innerText(), /whole number of hours/);
	assert.equal(await page.locator('.govuk-error-summary a[href="#hours"]').count(), 1);
	assert.equal(await page.inputValue('#hours'), 'soon', 'what was typed is kept');
	assert.match(await page.locator('#target-now').innerText(), /48 hours/,
	    'nothing saved');
	await page.fill('#hours', '24');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/reports\/target$/);
	assert.match(await page.locator('#target-now').innerText(), /24 hours/);
	assert.equal(await within(), '0', 'offered in 25.5 hours: not within 24');
	await ctx.close();
});
