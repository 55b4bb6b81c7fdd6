// notifications.test.mjs: a pool manager sets how they are told, making a
// first mistake (an address that is not one) that the error summary ties
// to the field, then chooses the messages page only and sees the success
// banner; a request sent later waits on their messages page, named by its
// title. Both pages pass axe with and without errors, and neither scrolls
// sideways at 320 px.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, addUsers, checkBasics, launchBrowser, signIn, startServer, checkPage } from './lib.mjs';

let server;
let browser;

before(async () => {
	server = await startServer({
		dbSetup: ({ cli }) => {
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			cli(['org', 'add', 'BRK', '--name', 'Brookfield Borough Council',
			    '--kind', 'borough']);
			addUsers(cli, [['paul', 'AVD', 'pool-manager', 'Paul Poolman'],
			    ['rita', 'BRK', 'requester', 'Rita Requester']]);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

/* axe, and no sideways scrolling at 320 px wide. */

/* Rita sends a request in the API: the pool managers are told of it. */
async function sendRequest(title) {
	const token = server.cli(['token', 'create', '--user', 'rita']).stdout.trim();
	const res = await fetch(new URL('api/v1/requests', server.url), {
		method: 'POST',
		headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ area: 'legal', speciality: 'planning-law', title,
		    urgency: 'soon', wanted_start: addDays(14), wanted_end: addDays(31),
		    estimated_hours: '12' }),
	});
	assert.equal(res.status, 201, await res.text());
}

test('a pool manager chooses the messages page only, after a first mistake', async () => {
	const { ctx, page } = await signIn(browser, server, 'paul');
	const url = (p) => new URL(p, server.url).href;

	await page.click('a[href="/account/notifications"]');
	assert.match(page.url(), /\/account\/notifications$/);
	await checkPage(page);
	assert.equal(await page.getAttribute('#email', 'autocomplete'), 'email');

	await page.fill('#email', 'paul at avondale');
	await page.check('#notify_by-messages');
	await page.click('#main-content form button[type=submit]');
	const summary = page.locator('.govuk-error-summary');
	assert.equal(await summary.count(), 1, 'the error summary shows');
	assert.match(await summary.innerText(), /Enter an email address in the correct format/);
	assert.equal(await page.locator('.govuk-error-summary a[href="#email"]').count(), 1,
	    'the summary links to the field');
	assert.match(await page.locator('#email-error').innerText(),
	    /Enter an email address in the correct format/);
	assert.match(await page.getAttribute('#email', 'aria-describedby') ?? '', /email-error/,
	    'the field is described by its error');
	assert.match(await page.title(), /^Error: /);
	assert.equal(await page.inputValue('#email'), 'paul at avondale', 'the typed value is kept');
	assert.ok(await page.isChecked('#notify_by-messages'), 'the choice is kept');
	await checkPage(page);

	await page.fill('#email', 'paul@avondale.example.gov.uk');
	await page.click('#main-content form button[type=submit]');
	assert.match(page.url(), /\/account\/notifications\?done=notifications$/);
	const banner = page.locator('.govuk-notification-banner--success');
	assert.match(await banner.innerText(), /Your notification settings are saved/);
	assert.equal(await page.inputValue('#email'), 'paul@avondale.example.gov.uk');
	assert.ok(await page.isChecked('#notify_by-messages'), 'the messages page only is chosen');
	await checkPage(page);

	await sendRequest('Listed building consent at the old mill');
	await page.goto(url('messages'));
	await checkPage(page);
	const row = page.locator('#messages > li').first();
	assert.match(await row.innerText(),
	    /New request: Listed building consent at the old mill/);
	assert.match(await row.innerText(), /What to do: open the request and offer it to an expert\./);
	assert.match(await row.innerText(), /Here only: you chose the messages page/);
	assert.match(await row.locator('a').getAttribute('href'), /^\/requests\/\d+$/);
	await ctx.close();
});
