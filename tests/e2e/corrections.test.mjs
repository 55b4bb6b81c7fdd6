// corrections.test.mjs: an administrator corrects a VAT number after a
// first mistake the error summary names, and sees the success banner; a
// pool manager corrects an expert's capacity the same way; an
// administrator corrects a person's email address and roles, and varies an
// agreement's terms as a new version from a date. Every new page passes
// axe with and without errors, and none scrolls sideways at 320 px.
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

test('an administrator corrects a VAT number after a mistake', async () => {
	const { ctx, page } = await signIn(browser, server, 'ada');
	const url = (p) => new URL(p, server.url).href;

	await page.goto(url('organisations/1'));
	await checkPage(page);
	await page.click('a[href="/admin/organisations/1/edit#vat_number"]');
	assert.match(page.url(), /\/admin\/organisations\/1\/edit#vat_number$/);
	await checkPage(page);
	assert.equal(await page.inputValue('#vat_number'), 'GB123456789');
	await page.fill('#vat_number', 'GB12345678X');
	await submit(page);
	const summary = page.locator('.govuk-error-summary');
	assert.equal(await summary.count(), 1, 'the error summary shows');
	assert.match(await summary.innerText(), /VAT number must be GB followed by 9 or 12 digits/);
	assert.equal(await page.locator('.govuk-error-summary a[href="#vat_number"]').count(), 1);
	assert.match(await page.locator('#vat_number-error').innerText(), /VAT number must be/);
	assert.match(await page.title(), /^Error: /);
	assert.equal(await page.inputValue('#vat_number'), 'GB12345678X', 'the typed value is kept');
	await checkPage(page);
	await page.fill('#vat_number', 'GB987654321');
	await submit(page);
	assert.match(page.url(), /\/organisations\/1\?done=organisation-updated$/);
	const banner = page.locator('.govuk-notification-banner--success');
	assert.match(await banner.innerText(), /Organisation updated/);
	assert.match(await page.locator('.govuk-summary-list').innerText(), /GB987654321/);
	await checkPage(page);
	await ctx.close();
});

test('a pool manager corrects an expert', async () => {
	const { ctx, page } = await signIn(browser, server, 'paul');
	const url = (p) => new URL(p, server.url).href;

	await page.goto(url('experts/1'));
	await page.click('a[href="/experts/1/edit#capacity"]');
	await checkPage(page);
	await page.fill('#capacity', 'forty');
	await submit(page);
	assert.match(await page.locator('.govuk-error-summary').innerText(), /Weekly capacity must be hours/);
	await checkPage(page);
	await page.fill('#capacity', '30');
	await submit(page);
	assert.match(await page.locator('.govuk-notification-banner').innerText(), /Expert updated/);
	assert.match(await page.locator('.govuk-summary-list').innerText(), /Weekly capacity\s+30 h\b/);
	await checkPage(page);
	await ctx.close();
});

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
