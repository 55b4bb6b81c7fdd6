// experts.test.mjs: a pool manager adds an expert (after a mistake the error
// summary names), then finds them by a skill search; without JavaScript.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { addDays, checkBasics, launchBrowser, monday, startServer } from './lib.mjs';

let server;
let browser;

before(async () => {
	server = await startServer({
		dbSetup: ({ cli }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			cli(['user', 'add', 'paul', '--org', 'NRC', '--roles',
			    'pool-manager', '--name', 'Paul Poolman'],
			    { input: 'paul-password-1\n' });
			cli(['expert', 'add', '--org', 'AVD', '--name', 'Hannah Price',
			    '--grade', 'standard', '--capacity', '37',
			    '--skill', 'legal/property:3']);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('add an expert after a mistake, then find them by skill', async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	const url = (p) => new URL(p, server.url).href;

	await page.goto(url('experts/new'));
	await page.fill('#login', 'paul');
	await page.fill('#password', 'paul-password-1');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/experts\/new$/);
	await checkBasics(page);
	assert.equal(await page.locator('h1').innerText(), 'Add an expert');

	await page.selectOption('#org', 'NRC');
	await page.fill('#name', 'Priya Shah');
	await page.selectOption('#grade', 'senior');
	await page.fill('#capacity', '37:30');
	await page.fill('#skills', 'legal/planning-law:5\nlegal/contracts:7');
	await page.click('#main-content button[type=submit]');
	const summary = page.locator('.govuk-error-summary');
	assert.equal(await summary.count(), 1, 'the error summary shows');
	assert.match(await summary.innerText(), /Skill 2 \(legal\/contracts:7\)/);
	assert.equal(await page.locator('.govuk-error-summary a[href="#skills"]').count(), 1);
	assert.match(await page.title(), /^Error: /);
	await checkBasics(page);
	assert.equal(await page.inputValue('#name'), 'Priya Shah', 'fields are kept');
	assert.equal(await page.inputValue('#capacity'), '37:30');
	assert.equal(await page.inputValue('#grade'), 'senior');
	assert.equal(server.cli(['expert', 'list']).stdout.includes('Priya'), false,
	    'nothing was saved');

	await page.fill('#skills', 'legal/planning-law:5\nlegal/contracts:4');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/experts\/\d+\?done=expert$/);
	assert.match(await page.locator('#notice').innerText(), /Expert added/);
	await checkBasics(page);
	assert.equal(await page.locator('h1').innerText(), 'Priya Shah');
	assert.match(await page.locator('.govuk-summary-list').innerText(),
	    /37 h 30 m/);

	await page.click('.govuk-header__navigation >> text=Experts');
	await checkBasics(page);
	await page.selectOption('#area', 'legal');
	await page.fill('#speciality', 'planning-law');
	// Next week, Monday to Friday: five working days of a full week.
	const from = monday(addDays(7));
	await page.fill('#from', from);
	await page.fill('#to', addDays(4, from));
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/experts\?area=legal&speciality=planning-law/);
	await checkBasics(page);
	const table = page.locator('table.govuk-table');
	assert.match(await table.locator('caption').innerText(), /^1 expert$/);
	const row = table.locator('tbody tr');
	assert.match(await row.innerText(), /Priya Shah\s+NRC\s+senior/);
	assert.match(await row.innerText(), /legal\/planning-law:5/);
	assert.equal(await row.locator('td').last().innerText(), '37 h 30 m',
	    'free hours in the week searched');
	assert.equal(await page.inputValue('#speciality'), 'planning-law',
	    'the search is kept');
	await page.screenshot({ path: join(server.tmpDir, 'experts.png'), fullPage: true });
	await ctx.close();
});
