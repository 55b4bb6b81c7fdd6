// timesheet.test.mjs: an expert fills a week with a mistake (a future
// date), sees the message naming the day and row, fixes it and submits;
// the consuming council's approver approves; the entries show as locked.
// And a CSV import through the page: a file with bad lines is refused
// whole, each bad line named; a good one is imported; the job's page,
// followed by the browser's own refresh, is the uploader's alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { addDays, addUsers, builtPlugins, checkBasics, launchBrowser, monday, signIn,
    startServer, today, topSrcdir } from './lib.mjs';

let server;
let browser;

// Today on the test clock, the day the timesheet's week is shown for.
const TODAY = today();
const MONDAY = monday(TODAY);
const days = (n) => addDays(n, TODAY);

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
			const users = [['priya', 'NRC', 'expert', 'Priya Shah'],
			    ['tariq', 'NRC', 'expert', 'Tariq Expert'],
			    ['arun', 'BRK', 'approver', 'Arun Approver'],
			    ['bob', 'BRK', 'requester', 'Bob Requester']];
			addUsers(cli, users);
			const from = days(-14), to = days(21);
			sql(`
			    INSERT INTO experts (org_id, person_id, name, grade,
			        weekly_capacity_minutes)
			      SELECT org_id, id, name, 'senior', 1800 FROM people
			      WHERE login = 'priya';
			    INSERT INTO requests (consumer_id, requester_id, area, title,
			        urgency, wanted_start, wanted_end, estimated_minutes, state)
			      SELECT org_id, id, 'legal', 'Lease review', 'routine',
			        '${from}', '${to}', 1200, 'engaged' FROM people
			      WHERE login = 'bob';
			    INSERT INTO offers (request_id, expert_id, provider_id, basis,
			        state) VALUES (1, 1, 1, 'hourly', 'accepted');
			    INSERT INTO engagements (request_id, offer_id, expert_id,
			        provider_id, consumer_id, basis, starts, ends,
			        committed_minutes) VALUES (1, 1, 1, 1, 2, 'hourly',
			        '${from}', '${to}', 1200);`);
		},
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});


test('a week with a mistake, fixed, submitted, approved, locked', async () => {
	// The mistake: a day after today (next week's Monday if today is Sunday).
	const future = days(1);
	const week = future > addDays(6, MONDAY) ? future : MONDAY;
	const expert = await signIn(browser, server, 'priya');
	let page = expert.page;
	await page.click('text=Timesheet');
	await page.goto(new URL(`timesheet?week=${week}`, server.url).href);
	await checkBasics(page);
	const cell = (d) => `#t_1_${d}`;
	const worked = week === MONDAY ? TODAY : null;
	if (worked)
		await page.fill(cell(worked), '1:30');
	await page.fill(cell(future), '2h');
	await page.click('button[value=submit]');
	const summary = page.locator('.govuk-error-summary');
	assert.equal(await summary.count(), 1, 'the error summary shows');
	assert.match(await summary.innerText(),
	    new RegExp(`${future}, Lease review: is in the future`));
	assert.equal(await page.locator(`.govuk-error-summary a[href="${cell(future)}"]`).count(), 1,
	    'the message links to the cell');
	assert.equal(await page.inputValue(cell(future)), '2h', 'typed values kept');
	// The cell says what is wrong itself, tied to it for screen readers.
	assert.equal(await page.getAttribute(cell(future), 'aria-invalid'), 'true');
	const described = await page.getAttribute(cell(future), 'aria-describedby');
	assert.match(await page.locator(`[id="${described}"]`).innerText(), /is in the future/);
	await checkBasics(page);

	// Fix it: the time was worked today, not tomorrow.
	if (week !== MONDAY)
		await page.goto(new URL(`timesheet?week=${MONDAY}`, server.url).href);
	await page.fill(cell(TODAY), '1:30');
	if (await page.locator(cell(future)).count())
		await page.fill(cell(future), '');
	await page.fill('#n_1', 'Reviewed the draft lease');
	await page.click('button[value=submit]');
	assert.match(await page.locator('#notice').innerText(), /submitted/);
	assert.match(await page.locator('table').innerText(), /1 h 30 m/);

	const approver = await signIn(browser, server, 'arun');
	page = approver.page;
	await page.click('text=Approvals');
	await checkBasics(page);
	assert.match(await page.locator('main').innerText(), /Priya Shah: 1 h 30 m/);
	await page.click('button:has-text("Approve Priya Shah\'s 1 h 30 m")');
	assert.match(await page.locator('main').innerText(), /Nothing is waiting/);

	page = expert.page;
	await page.goto(new URL(`timesheet?week=${MONDAY}`, server.url).href);
	assert.equal(await page.locator(cell(TODAY)).count(), 0,
	    'an approved entry has no input any more');
	assert.match(await page.locator('table').innerText(), /locked/);
	await page.screenshot({ path: join(server.tmpDir, 'timesheet.png'),
	    fullPage: true });
	for (const s of [expert, approver])
		await s.ctx.close();
});

test('a CSV import, refused whole, then imported, the page its uploader\'s', async () => {
	const sql = server.sql;
	const header = 'engagement,date,duration,activity,note,billable\n';
	const expert = await signIn(browser, server, 'priya');
	const page = expert.page;
	const upload = async (name, text) => {
		await page.goto(new URL('timesheet/import', server.url).href);
		await page.setInputFiles('#file', { name, mimeType: 'text/csv',
		    buffer: Buffer.from(text) });
		await page.click('button:has-text("Import")');
		// The job's page never reloads itself: the person checks its
		// progress until the job is done.
		const deadline = Date.now() + 20000;
		while (await page.locator('#check-progress').count() > 0) {
			assert.ok(Date.now() < deadline, 'the import finishes');
			await checkBasics(page);
			await new Promise((r) => setTimeout(r, 200));
			await page.click('#check-progress');
		}
		await page.waitForSelector('.govuk-error-summary, #notice');
	};
	const before = sql('SELECT count(*) FROM time_entries');

	await upload('bad.csv', header +
	    `1,${days(-3)},1:00,advice,Call,yes\n` +
	    `1,${Number(TODAY.slice(0, 4)) - 1}-02-30,1:00,advice,,yes\n` +
	    `1,${days(-3)},1:00,sleeping,,yes\n`);
	const jobPage = page.url();
	assert.match(jobPage, /\/timesheet\/import\/\d+$/);
	const summary = await page.locator('.govuk-error-summary').innerText();
	assert.match(summary, /nothing was imported/);
	assert.match(summary, /Line 3: .*real date/);
	assert.match(summary, /Line 4: .*choose an activity/);
	assert.doesNotMatch(summary, /Line 2:/, 'the good line is not named');
	assert.equal(sql('SELECT count(*) FROM time_entries'), before,
	    'nothing was saved');
	await checkBasics(page);

	await upload('good.csv', header +
	    `1,${days(-3)},1:00,advice,"Call, then letter",yes\n` +
	    `1,${days(-4)},45m,drafting,,no\n`);
	assert.match(await page.locator('#notice').innerText(),
	    /2 entries were imported as drafts \(1 h 45 m\)/);
	assert.equal(sql(`SELECT count(*) FROM time_entries WHERE state = 'draft' AND entry_date IN ('${days(-3)}', '${days(-4)}')`), '2');
	await checkBasics(page);
	const goodPage = page.url();
	assert.equal(sql('SELECT count(*) FROM timesheet_uploads'), '0',
	    'no upload is held once its job is done');

	const other = await signIn(browser, server, 'tariq');
	for (const url of [jobPage, goodPage]) {
		const res = await other.page.goto(url);
		assert.equal(res.status(), 404, 'another expert is refused the page');
	}
	for (const s of [expert, other])
		await s.ctx.close();
});
