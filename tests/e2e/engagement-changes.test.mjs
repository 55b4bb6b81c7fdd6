// engagement-changes.test.mjs: the pool proposes extending an engagement,
// first with a date before its current end (the form names the mistake),
// then with a good one; the consuming council's requester agrees and the
// engagement ends later. A request is changed before its offer. Every page
// passes the basic checks, and none of the new ones (the engagement, its
// change form, the request's change form) scrolls sideways at 320 px.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, addUsers, checkBasics, launchBrowser, signIn, startServer, checkPage }
    from './lib.mjs';

let server;
let browser;

const starts = addDays(-20);
const ends = addDays(10);
const extended = addDays(40);

before(async () => {
	server = await startServer({
		dbSetup: ({ cli, sql }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			addUsers(cli, [['rachel', 'AVD', 'requester', 'Rachel Requester'],
			    ['paul', 'NRC', 'pool-manager', 'Paul Poolman'],
			    ['priya', 'NRC', 'expert', 'Priya Shah']]);
			sql(`
			    INSERT INTO experts (org_id, person_id, name, grade,
			        weekly_capacity_minutes)
			      SELECT org_id, id, name, 'senior', 1800 FROM people
			      WHERE login = 'priya';
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes, state)
			      SELECT org_id, id, 'legal', 'Planning appeal advice on the
			        Harbour Road development', 'soon', '${starts}', '${ends}',
			        1200, 'engaged' FROM people WHERE login = 'rachel';
			    INSERT INTO offers (request_id, expert_id, provider_id, basis,
			        state) SELECT 1, id, org_id, 'hourly', 'accepted'
			      FROM experts;
			    INSERT INTO engagements (request_id, offer_id, expert_id,
			        provider_id, consumer_id, basis, starts, ends,
			        committed_minutes)
			      SELECT 1, 1, f.expert_id, f.provider_id, r.consumer_id,
			        'hourly', '${starts}', '${ends}', 1200 FROM offers f
			      JOIN requests r ON r.id = f.request_id;
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes,
			        state, submitted_at)
			      SELECT org_id, id, 'it', 'Network review', 'routine',
			        '${addDays(30)}', '${addDays(60)}', 600, 'submitted',
			        '${starts}T09:00:00Z' FROM people WHERE login = 'rachel';`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('the pool extends an engagement and the requester agrees', async () => {
	const pool = await signIn(browser, server, 'paul');
	let page = pool.page;
	await page.goto(new URL('engagements/1', server.url).href);
	await checkPage(page);
	assert.match(await page.locator('main').innerText(),
	    /No changes have been proposed/);
	await page.click('text=Extend the end date');
	await checkPage(page);
	await page.fill('#ends', addDays(5));
	await page.fill('#reason', 'Two more hearings were listed');
	await page.click('#main-content button[type=submit]');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    new RegExp(`The new end date must be after the current end date, ${ends}`));
	assert.equal(await page.getAttribute('#ends', 'aria-describedby'),
	    'ends-hint ends-error', 'the error is tied to the field');
	assert.equal(await page.inputValue('#reason'),
	    'Two more hearings were listed', 'what was typed is kept');
	await checkPage(page);
	await page.fill('#ends', extended);
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/engagements\/1\?done=change-proposed/);
	assert.match(await page.locator('#notice').innerText(),
	    /The change is proposed/);
	assert.match(await page.locator('#change-1').innerText(), /proposed/);
	await checkPage(page);
	assert.equal(server.sql('SELECT ends FROM engagements WHERE id = 1'), ends,
	    'nothing changes before it is agreed');

	const requester = await signIn(browser, server, 'rachel');
	page = requester.page;
	await page.goto(new URL('requests/1', server.url).href);
	await page.click('text=The engagement\'s terms and changes');
	assert.match(page.url(), /\/engagements\/1$/);
	await checkPage(page);
	await page.click('button:has-text("Agree to change 1")');
	assert.match(page.url(), /\/engagements\/1\?done=change-agreed/);
	assert.match(await page.locator('#notice').innerText(),
	    /You agreed the change/);
	const card = await page.locator('#change-1').innerText();
	assert.match(card, new RegExp(`Ends ${ends}`));
	assert.match(card, new RegExp(`Ends ${extended}`));
	assert.match(card, /Agreed by\s+Rachel Requester/);
	assert.match(card, /Proposed by\s+Paul Poolman/);
	await checkPage(page);
	assert.equal(server.sql('SELECT ends FROM engagements WHERE id = 1'),
	    extended);
	for (const s of [pool, requester])
		await s.ctx.close();
});

test('a request is changed before its offer', async () => {
	const requester = await signIn(browser, server, 'rachel');
	const page = requester.page;
	await page.goto(new URL('requests/2', server.url).href);
	await page.click('text=Change request');
	await checkPage(page);
	assert.equal(await page.inputValue('#estimated_hours'), '10 h');
	await page.fill('#title', '');
	await page.fill('#estimated_hours', '12');
	await page.click('#main-content button[type=submit]');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Enter a title for the request/);
	await checkPage(page);
	await page.fill('#title', 'Network and firewall review');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/requests\/2\?done=request-changed$/);
	assert.match(await page.locator('#notice').innerText(),
	    /Your request has been changed/);
	assert.match(await page.locator('h1').innerText(),
	    /Network and firewall review/);
	// The request page is not new here: its offers table is the
	// marketplace's, and is checked for reflow where tables are.
	await checkBasics(page);
	assert.equal(server.sql('SELECT estimated_minutes FROM requests WHERE id = 2'),
	    '720');
	await requester.ctx.close();
});
