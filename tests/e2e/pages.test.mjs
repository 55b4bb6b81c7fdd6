// pages.test.mjs: every page not walked by another browser test, opened by
// the role it serves and checked for the basics (language, title, one h1,
// labelled controls), with a form on each sent once wrong and once right.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { addDays, addUsers, builtPlugins, checkBasics, launchBrowser, month, signIn,
    startServer, topSrcdir } from './lib.mjs';

let server;
let browser;

before(async () => {
	const plugins = builtPlugins('timesheet');
	server = await startServer({
		plugins,
		args: ['--rules', join(topSrcdir, 'rules')],
		dbSetup: ({ cli, sql }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'BRK', '--name', 'Brookfield Borough Council',
			    '--kind', 'borough']);
			cli(['agreement', 'add', '--default', '--ruleset', 'standard']);
			const users = [['ada', 'NRC', 'admin', 'Ada Administrator'],
			    ['priya', 'NRC', 'expert', 'Priya Shah'],
			    ['bob', 'BRK', 'requester', 'Bob Requester']];
			addUsers(cli, users);
			sql(`
			    INSERT INTO experts (org_id, person_id, name, grade,
			        weekly_capacity_minutes)
			      SELECT org_id, id, name, 'senior', 1800 FROM people
			      WHERE login = 'priya';
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes, state)
			      SELECT org_id, id, 'legal', 'Lease review', 'routine',
			        '${addDays(-10)}', '${addDays(20)}', 600, 'engaged' FROM people
			      WHERE login = 'bob';
			    INSERT INTO offers (request_id, expert_id, provider_id, basis,
			        state) VALUES (1, 1, 1, 'hourly', 'accepted');
			    INSERT INTO engagements (request_id, offer_id, expert_id,
			        provider_id, consumer_id, basis, starts, ends,
			        committed_minutes, budget_pence) VALUES (1, 1, 1, 1, 2,
			        'capped', '${addDays(-10)}', '${addDays(20)}', 600, 50000);
			    INSERT INTO time_entries (engagement_id, entry_date, minutes,
			        activity, state, created_by, priced_pence)
			      SELECT 1, '${addDays(-1)}', 60, 'advice', 'approved', id, 11000
			      FROM people WHERE login = 'priya';`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

const go = (page, path) => page.goto(new URL(path, server.url).href);

test('administrator pages', async () => {
	const { ctx, page } = await signIn(browser, server, 'ada');
	for (const path of ['admin/organisations', 'admin/agreements',
	    'admin/agreements/new', 'admin/fees', 'account/password',
	    'organisations/2', 'messages']) {
		await go(page, path);
		await checkBasics(page);
	}
	await go(page, 'admin/organisations/new');
	await checkBasics(page);
	await page.fill('#code', 'CSC');
	await page.fill('#vat_number', 'GB12');
	await page.click('#main-content button[type=submit]');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Enter the organisation's name[\s\S]*VAT number must be GB/);
	await checkBasics(page);
	await page.fill('#name', 'Castleshire County Council');
	await page.selectOption('#kind', 'county');
	await page.fill('#vat_number', 'GB123456789');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/organisations\/\d+\?done=organisation$/);
	assert.match(await page.locator('#notice').innerText(), /Organisation added/);
	assert.match(await page.locator('h1').innerText(), /Castleshire/);

	await go(page, 'admin/fees');
	await page.click('#main-content form[action="/admin/fees/whatif"] button');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Enter a month/);
	await page.fill('#period', month(-1));
	await page.selectOption('#ruleset', 'standard');
	await page.click('#main-content form[action="/admin/fees/whatif"] button');
	// Still pricing: the page never reloads itself; the person checks.
	for (let i = 0; i < 100 && await page.locator('#check-progress').count(); i++) {
		await page.waitForTimeout(200);
		await page.click('#check-progress');
	}
	assert.match(await page.locator('#notice').innerText(),
	    /no invoices in this store for that month/);
	await checkBasics(page);
	await ctx.close();
});

test('an expert corrects an approved entry; the requester varies the budget',
    async () => {
	const expert = await signIn(browser, server, 'priya');
	let page = expert.page;
	await go(page, 'timesheet/entries/1');
	await checkBasics(page);
	await page.click('#main-content button[type=submit]');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Enter the correct total time/);
	await page.fill('#duration', '1:30');
	await page.fill('#reason', 'Forgot the follow-up call');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/timesheet\/entries\/2$/);
	assert.match(await page.locator('h1').innerText(), /0 h 30 m/);
	assert.equal(await page.locator('#state').innerText(), 'submitted');

	const requester = await signIn(browser, server, 'bob');
	page = requester.page;
	await go(page, 'engagements/1/budget');
	await checkBasics(page);
	await page.fill('#amount', 'lots');
	await page.click('#main-content button[type=submit]');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Enter the extra budget/);
	await page.fill('#amount', '250.00');
	await page.fill('#reason', 'Extra hearing');
	await page.click('#main-content button[type=submit]');
	assert.match(await page.locator('#budget').innerText(), /of £750\.00/);
	await go(page, 'organisations/1');
	assert.equal((await page.locator('h1').innerText()).trim(),
	    'Page not found', 'another council is a 404');
	for (const s of [expert, requester])
		await s.ctx.close();
});
