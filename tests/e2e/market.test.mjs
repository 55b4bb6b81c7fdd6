// market.test.mjs: the marketplace journey in a browser without JavaScript:
// a requester sends a request (after a mistake the form names, and after
// seeing the estimate), the pool offers it to the top-ranked expert, the
// expert accepts, and the requester sees the engagement.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { addDays, addUsers, checkBasics, launchBrowser, signIn, startServer,
    today, topSrcdir, workingWednesday } from './lib.mjs';

let server;
let browser;

// The default agreement is made today, in force from today: the work is
// wanted from an ordinary working day after it (so the estimate, priced on
// the start date, is never out of hours) for a few weeks.
const wantedStart = workingWednesday(7);
const wantedEnd = addDays(17, wantedStart);
// The fixed fee's due date, whose bonus the offer names.
const contractDue = addDays(59, wantedStart);

before(async () => {
	server = await startServer({
		args: ['--rules', join(topSrcdir, 'rules')],
		dbSetup: ({ cli, sql }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
			    '--kind', 'district']);
			cli(['agreement', 'add', '--default', '--ruleset', 'standard']);
			const users = [['rachel', 'AVD', 'requester', 'Rachel Requester'],
			    ['paul', 'NRC', 'pool-manager', 'Paul Poolman'],
			    ['priya', 'NRC', 'expert', 'Priya Shah'],
			    ['tom', 'NRC', 'expert', 'Tom Okafor']];
			addUsers(cli, users);
			sql(`
			    INSERT INTO experts (org_id, person_id, name, grade,
			        weekly_capacity_minutes)
			      SELECT org_id, id, name, 'senior', 1800 FROM people
			      WHERE login IN ('priya', 'tom') ORDER BY login;
			    INSERT INTO expert_skills VALUES (1, 'legal', 'planning-law', 5),
			      (2, 'legal', 'contracts', 3);`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});


// The request form's fields but its title, as the requester fills them.
async function fillRequest(page) {
	await page.selectOption('#area', 'legal');
	await page.fill('#speciality', 'planning-law');
	await page.selectOption('#urgency', 'soon');
	await page.fill('#wanted_start', wantedStart);
	await page.fill('#wanted_end', wantedEnd);
	await page.fill('#estimated_hours', '12');
}

test('request, offer, accept, engagement', async () => {
	const requester = await signIn(browser, server, 'rachel');
	let page = requester.page;
	await page.click('text=Ask for expert time');
	await checkBasics(page);
	// A preferred expert is chosen by name, not by a number no page shows.
	assert.match(await page.locator('#preferred_expert').innerText(),
	    /Priya Shah \(NRC, senior\)/);
	await fillRequest(page);
	await page.click('button[value=send]');
	assert.equal(await page.locator('.govuk-error-summary').count(), 1,
	    'the error summary shows');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Enter a title for the request/);
	assert.equal(await page.inputValue('#estimated_hours'), '12', 'fields kept');
	await checkBasics(page);

	await page.fill('#title', 'Planning appeal advice');
	await page.click('button[value=estimate]');
	const estimate = await page.locator('#estimate').innerText();
	assert.match(estimate, /£720\.00 to £1,740\.00/, 'the estimate shows');
	await page.click('button[value=send]');
	assert.match(page.url(), /\/requests\/1\?done=sent$/);
	assert.match(await page.locator('#notice').innerText(), /Request sent/);
	assert.match(await page.locator('h1').innerText(), /Planning appeal advice/);
	await checkBasics(page);

	// Back to the form (its page is not cached, so a fresh page with a
	// fresh key) and the same request sent again: it finds the first, says
	// so, and sends nothing twice.
	await page.goto(new URL('requests/new', server.url).href);
	await fillRequest(page);
	await page.fill('#title', 'Planning appeal advice');
	await page.click('button[value=send]');
	assert.match(page.url(), /\/requests\/1\?sent=already$/);
	assert.match(await page.locator('#sent-already').innerText(),
	    /You had sent this request already/);
	assert.equal(server.sql('SELECT count(*) FROM requests'), '1');
	await checkBasics(page);

	const pool = await signIn(browser, server, 'paul');
	page = pool.page;
	await page.click('text=Queue and capacity');
	await checkBasics(page);
	await page.click('text=Planning appeal advice');
	await page.click('text=Find an expert');
	await checkBasics(page);
	const first = page.locator('table tbody tr').first();
	assert.match(await first.innerText(), /Priya Shah/, 'Priya ranks first');
	assert.match(await first.innerText(), /planning-law level 5/);
	assert.ok(await page.isChecked('#expert'), 'the top-ranked is chosen');
	await page.selectOption('#basis', 'hourly');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/requests\/1\?done=offered$/);
	assert.match(await page.locator('#notice').innerText(), /Offer made/);
	assert.match(await page.locator('.govuk-table').innerText(), /Priya Shah/);

	const expert = await signIn(browser, server, 'priya');
	page = expert.page;
	await page.goto(new URL('offers', server.url).href);
	await checkBasics(page);
	// The button names the request it accepts, for a screen reader.
	const accept = page.getByRole('button',
	    { name: /^Accept offer\s*: Planning appeal advice \(request 1\)$/ });
	await accept.click();
	assert.match(page.url(), /\/offers\?done=accepted$/);
	assert.match(await page.locator('#notice').innerText(), /Offer accepted/);
	assert.match(await page.locator('table').last().innerText(),
	    /Planning appeal advice/);

	page = requester.page;
	await page.goto(new URL('requests/1', server.url).href);
	assert.match(await page.locator('#engagement').innerText(), /Engagement 1/);
	assert.match(await page.locator('main').innerText(), /engaged/);
	await page.screenshot({ path: join(server.tmpDir, 'engaged.png'),
	    fullPage: true });
	for (const s of [requester, pool, expert])
		await s.ctx.close();
});

test('a fixed fee in milestones, with an on-time bonus', async () => {
	server.sql(`
	    INSERT INTO requests (consumer_id, requester_id, area, speciality,
	        title, urgency, wanted_start, wanted_end, estimated_minutes)
	      SELECT o.id, p.id, 'legal', 'contracts', 'Contract review',
	        'routine', '${wantedStart}', '${contractDue}', 1200
	      FROM organisations o JOIN people p ON p.org_id = o.id
	      WHERE o.code = 'AVD' AND p.login = 'rachel';`);
	const id = server.sql("SELECT id FROM requests WHERE title = 'Contract review'");
	const pool = await signIn(browser, server, 'paul');
	let page = pool.page;
	await page.goto(new URL(`requests/${id}/broker`, server.url).href);
	await page.selectOption('#basis', 'fixed');
	await page.fill('#budget', '3000.00');
	await page.fill('#bonus', '250');
	await page.fill('#milestones', 'Draft opinion 1000.00\nFinal opinion 1500');
	await page.click('#main-content button[type=submit]');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /The milestones add up to £2,500\.00; they must add up to the fixed fee, £3,000\.00/);
	assert.equal(await page.inputValue('#milestones'),
	    'Draft opinion 1000.00\nFinal opinion 1500', 'what was typed is kept');
	assert.equal(await page.getAttribute('#milestones', 'aria-describedby'),
	    'milestones-hint milestones-error', 'the error is tied to the field');
	await checkBasics(page);
	await page.fill('#milestones', 'Draft opinion 1000.00\nFinal opinion 2000');
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), new RegExp(`/requests/${id}\\?done=offered$`));

	const expert = await signIn(browser, server, 'tom');
	page = expert.page;
	await page.goto(new URL('offers', server.url).href);
	const card = page.locator('.govuk-summary-card').first();
	assert.match(await card.innerText(),
	    new RegExp(`£250\\.00 for finishing by ${contractDue}`));
	assert.match(await card.innerText(), /Final opinion/);
	await checkBasics(page);
	await card.locator('button', { hasText: 'Accept offer' }).click();

	const requester = await signIn(browser, server, 'rachel');
	page = requester.page;
	await page.goto(new URL(`requests/${id}`, server.url).href);
	const milestones = page.locator('table', { hasText: 'Draft opinion' });
	assert.match(await page.locator('main').innerText(), /On-time bonus/);
	await checkBasics(page);
	await page.click('button:has-text("Mark done: Draft opinion")');
	assert.match(page.url(), new RegExp(`/requests/${id}\\?done=milestone#engagement$`));
	assert.match(await page.locator('#notice').innerText(), /Milestone marked done/);
	const rows = await milestones.locator('tbody tr').allInnerTexts();
	assert.match(rows[0], new RegExp(`Draft opinion\\s+£1,000\\.00\\s+${today()}`));
	assert.match(rows[1], /Final opinion\s+£2,000\.00\s+Mark done/);
	for (const s of [requester, pool, expert])
		await s.ctx.close();
});
