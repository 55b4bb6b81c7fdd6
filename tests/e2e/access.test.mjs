// access.test.mjs: an administrator signs in (after a wrong password), adds a
// person (after a mistake the form names), and signs out; without JavaScript.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkBasics, launchBrowser, startServer } from './lib.mjs';

let server;
let browser;

before(async () => {
	server = await startServer({
		dbSetup: ({ cli }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			cli(['user', 'add', 'ada', '--org', 'NRC', '--roles', 'admin',
			    '--name', 'Ada Administrator'], { input: 'ada-password-1\n' });
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('sign in, add a person, sign out', async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	const url = (p) => new URL(p, server.url).href;

	await page.goto(url('admin/people'));
	assert.match(page.url(), /\/login\?next=%2Fadmin%2Fpeople$/);
	await checkBasics(page);
	assert.equal(await page.locator('h1').innerText(), 'Sign in');
	const css = await page.evaluate(() =>
	    getComputedStyle(document.querySelector('h1')).fontFamily);
	assert.match(css, /^Arial/, 'headings use Arial');
	assert.equal(await page.locator('.govuk-header__logo svg').count(), 0,
	    'no crown in the header');

	await page.fill('#login', 'ada');
	await page.fill('#password', 'not-the-password');
	await page.click('#main-content button[type=submit]');
	assert.equal(await page.locator('.govuk-error-summary').count(), 1);
	assert.match(await page.title(), /^Error: /);
	assert.equal(await page.inputValue('#login'), 'ada', 'the login is kept');

	await page.fill('#password', 'ada-password-1');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/admin\/people$/);
	await checkBasics(page);
	assert.match(await page.locator('.ep-account').innerText(),
	    /Signed in as Ada Administrator/);

	await page.click('text=Add a person');
	await checkBasics(page);
	await page.fill('#login', 'rachel');
	await page.selectOption('#org', 'AVD');
	await page.check('input[name=roles][value=requester]');
	await page.fill('#password', 'rachel-password-1');
	await page.click('#main-content button[type=submit]');
	const summary = page.locator('.govuk-error-summary');
	assert.equal(await summary.count(), 1, 'the error summary shows');
	assert.match(await summary.innerText(), /Enter the person's full name/);
	assert.equal(await page.locator('.govuk-error-summary a[href="#name"]').count(), 1);
	assert.equal(await page.inputValue('#login'), 'rachel', 'fields are kept');
	assert.ok(await page.isChecked('input[name=roles][value=requester]'));
	assert.equal(server.cli(['user', 'list']).stdout.includes('rachel'), false,
	    'nothing was saved');

	await page.fill('#name', 'Rachel Requester');
	await page.fill('#password', 'rachel-password-1');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/admin\/people\/\d+\?done=person$/);
	assert.match(await page.locator('#notice').innerText(), /^Success\s+Person added$/);
	assert.equal(await page.locator('h1').innerText(), 'Rachel Requester');
	await checkBasics(page);
	await page.screenshot({ path: join(server.tmpDir, 'person.png'), fullPage: true });

	await page.click('text=Sign out');
	assert.match(page.url(), /\/login$/);
	await page.goto(url('admin/people'));
	assert.match(page.url(), /\/login/, 'signed out for real');
	await ctx.close();
});
