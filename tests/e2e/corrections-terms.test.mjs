// corrections-terms.test.mjs: an administrator corrects a person's email
// address and roles, and varies an agreement's terms as a new version from
// a date, each after a first mistake; every page passes axe with and
// without errors, and none scrolls sideways at 320 px.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addUsers, checkBasics, launchBrowser, signIn, startServer, checkPage } from './lib.mjs';

let server;
let browser;

before(async () => {
	server = await startServer({
		dbSetup: ({ cli }) => {
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district', '--vat', 'GB123456789']);
			cli(['org', 'add', 'BRK', '--name', 'Brookfield Borough Council',
			    '--kind', 'borough']);
			addUsers(cli, [['ada', 'AVD', 'admin', 'Ada Admin'],
			    ['paul', 'AVD', 'pool-manager', 'Paul Poolman'],
			    ['rita', 'BRK', 'requester', 'Rita Requester']]);
			cli(['agreement', 'add', '--provider', 'AVD', '--consumer', 'BRK',
			    '--ruleset', 'standard', '--from', '2030-01-01', '--cap',
			    '15000']);
			cli(['expert', 'add', '--org', 'AVD', '--name', 'Priya Shah',
			    '--grade', 'senior', '--capacity', '37.5',
			    '--skill', 'legal/planning-law:5']);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

/* axe, and no sideways scrolling at 320 px wide. */

async function submit(page) {
	await page.click('#main-content form button[type=submit]');
}

test('an administrator corrects roles and varies an agreement', async () => {
	const { ctx, page } = await signIn(browser, server, 'ada');
	const url = (p) => new URL(p, server.url).href;

	await page.goto(url('admin/people/3'));
	await checkPage(page);
	await page.click('a[href="/admin/people/3/edit#roles"]');
	await checkPage(page);
	await page.fill('#email', 'rita@');
	await submit(page);
	assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter an email address/);
	await checkPage(page);
	await page.fill('#email', 'rita@brookfield.gov.uk');
	await page.check('input[name=roles][value=approver]');
	await submit(page);
	assert.match(await page.locator('.govuk-notification-banner').innerText(), /Person updated/);
	assert.match(await page.locator('.govuk-summary-list').innerText(), /requester,approver/);

	await page.goto(url('admin/agreements/1'));
	await checkPage(page);
	await page.click('a[href="/admin/agreements/1/vary"]');
	await checkPage(page);
	await page.fill('#valid_from', '2029-12-01');
	await submit(page);
	assert.match(await page.locator('.govuk-error-summary').innerText(), /must start after the current ones/);
	await checkPage(page);
	await page.fill('#valid_from', '2030-07-01');
	await page.fill('#monthly_cap', '20000.00');
	await submit(page);
	assert.match(await page.locator('.govuk-notification-banner').innerText(), /New terms saved/);
	const versions = await page.locator('table').innerText();
	assert.match(versions, /2030-01-01/);
	assert.match(versions, /2030-06-30/);
	assert.match(versions, /cap £20,000\.00/);
	await checkPage(page);
	await ctx.close();
});
