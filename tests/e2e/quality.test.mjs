// quality.test.mjs: a requester marks an engagement's work complete and is
// asked at once how it went; sent without a choice, the form names the
// missing answer; then rated "Very satisfied" with a comment. The quality
// report shows the rating among the council's measures, and the
// provider's pool manager sees it on the engagement page without the
// requester's name. Every page passes the basic checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, addUsers, checkPage, launchBrowser, month, signIn, startServer }
    from './lib.mjs';

let server;
let browser;

before(async () => {
	server = await startServer({
		dbSetup: ({ cli, sql }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			addUsers(cli, [['rachel', 'AVD', 'requester', 'Rachel Requester'],
			    ['paul', 'NRC', 'pool-manager', 'Paul Poolman']]);
			sql(`
			    INSERT INTO experts (org_id, name, grade,
			        weekly_capacity_minutes)
			      SELECT id, 'Priya Shah', 'senior', 1800 FROM organisations
			      WHERE code = 'NRC';
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes,
			        state, submitted_at, first_offer_at, engaged_at)
			      SELECT org_id, id, 'legal', 'Planning appeal advice',
			        'soon', '${addDays(-20)}', '${addDays(10)}', 1200,
			        'engaged', '${addDays(-20)}T09:00:00Z',
			        '${addDays(-20)}T11:00:00Z', '${addDays(-19)}T09:00:00Z'
			      FROM people WHERE login = 'rachel';
			    INSERT INTO offers (request_id, expert_id, provider_id, basis,
			        state) SELECT 1, id, org_id, 'hourly', 'accepted'
			      FROM experts;
			    INSERT INTO engagements (request_id, offer_id, expert_id,
			        provider_id, consumer_id, basis, starts, ends,
			        committed_minutes)
			      SELECT 1, 1, f.expert_id, f.provider_id, r.consumer_id,
			        'hourly', r.wanted_start, r.wanted_end, 1200 FROM offers f
			      JOIN requests r ON r.id = f.request_id;`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('a requester rates a completed engagement and the quality page shows it', async () => {
	const requester = await signIn(browser, server, 'rachel');
	let page = requester.page;
	await page.goto(new URL('requests/1', server.url).href);
	await Promise.all([page.waitForURL(/\/engagements\/1\/rating/),
	    page.click('button:has-text("Mark the work complete")')]);
	assert.match(page.url(), /\/engagements\/1\/rating\?done=completed$/,
	    'the requester is asked how it went at once');
	assert.match(await page.locator('#notice').innerText(),
	    /The work is marked complete/);
	await checkPage(page);

	await page.fill('#comment', 'Clear, practical advice');
	await page.click('#main-content button[type=submit]');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Choose how satisfied you are with the work/);
	assert.equal(await page.getAttribute('.govuk-error-summary a', 'href'),
	    '#score', 'the summary links to the first radio');
	assert.equal(await page.inputValue('#comment'), 'Clear, practical advice',
	    'what was typed is kept');
	assert.equal(server.sql('SELECT count(*) FROM engagement_ratings'), '0',
	    'nothing is saved');
	await checkPage(page);

	await page.check('#score');
	await Promise.all([page.waitForURL(/done=rated/),
	    page.click('#main-content button[type=submit]')]);
	assert.match(page.url(), /\/engagements\/1\?done=rated#rating$/);
	assert.match(await page.locator('#notice').innerText(), /Rating saved/);
	const section = await page.locator('main').innerText();
	assert.match(section, /Very satisfied/);
	assert.match(section, /Clear, practical advice/);
	assert.match(section, /Change the rating/);
	assert.match(section, /Rated by\s+Rachel Requester/,
	    'their own council sees who rated it');
	await checkPage(page);

	await page.goto(new URL(`reports/AVD/quality?period=${month(0)}`,
	    server.url).href);
	const row = await page.locator('#table-consumer tr',
	    { hasText: 'Ratings satisfied or very satisfied' }).innerText();
	assert.match(row, /100\.00%/, 'the one rating is satisfied');
	assert.match(await page.locator('main').innerText(), /Trend by quarter/);
	await checkPage(page);
	await requester.ctx.close();

	const pool = await signIn(browser, server, 'paul');
	page = pool.page;
	await page.goto(new URL('engagements/1', server.url).href);
	const seen = await page.locator('#rating ~ dl').first().innerText();
	assert.match(seen, /Very satisfied/);
	assert.match(seen, /The requesting council's officer/);
	assert.doesNotMatch(await page.locator('main').innerText(), /Rachel/,
	    'the requester is not named to the provider');
	assert.equal(await page.locator('a:has-text("Change the rating")').count(), 0,
	    'the provider cannot change it');
	await checkPage(page);
	await pool.ctx.close();
});
