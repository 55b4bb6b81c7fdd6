// a11y.test.mjs: the accessibility walk. On the demo data (scripts/demo),
// each of the six demo users opens every page the route table lets their
// role reach, 320 px wide (a 1280 px screen at 400% zoom), first as it is
// and then with every form on it sent empty once; each page passes axe
// (WCAG 2.2 A and AA, best practices) and does not scroll sideways. Then,
// with JavaScript on, a progress page reads its news into its live region
// and shows the result when the work is done, never reloading itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays, addUsers, builtPlugins, checkBasics, launchBrowser, month, signIn,
    startServer, today, topSrcdir } from './lib.mjs';

const WIDTH = 320;
const PERIOD = month(-1);
let server;
let browser;
let keyDir;
// The fee rules and the sealing key, for the server and the CLI's runs.
let rcArgs;
// Job ids of work left running, so its progress page can be walked.
const jobs = {};

// The demo's organisations, people and experts, as scripts/demo makes them.
const USERS = [['admin', 'NRC', 'admin', 'Ada Administrator'],
    ['pool', 'NRC', 'pool-manager', 'Paul Poolman'],
    ['finance', 'NRC', 'finance', 'Fiona Finance'],
    ['requester', 'AVD', 'requester', 'Rachel Requester'],
    ['approver', 'AVD', 'approver', 'Arun Approver'],
    ['expert', 'NRC', 'expert', 'Priya Shah']];

function seedDemo(cli, sql) {
	cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre', '--kind',
	    'centre', '--vat', 'GB123456789', '--email',
	    'finance@nrc.example.gov.uk']);
	cli(['org', 'add', 'AVD', '--name', 'Avondale District Council', '--kind',
	    'district', '--po-required', 'yes', '--email',
	    'invoices@avondale.example.gov.uk']);
	cli(['org', 'add', 'BRK', '--name', 'Brookfield Borough Council', '--kind',
	    'borough', '--vat', 'GB987654321']);
	cli(['org', 'add', 'CSC', '--name', 'Castleshire County Council', '--kind',
	    'county']);
	cli(['agreement', 'add', '--default', '--ruleset', 'standard', '--terms',
	    '30', '--from', `${month(-12)}-01`]);
	cli(['agreement', 'add', '--provider', 'NRC', '--consumer', 'AVD',
	    '--ruleset', 'standard', '--cap', '15000', '--vat', 'O', '--from',
	    `${month(-12)}-01`]);
	addUsers(cli, USERS);
	const experts = [['Priya Shah', 'NRC', 'senior', '30', 'legal/planning-law:5',
	    '--login', 'expert'], ['Tom Okafor', 'NRC', 'principal', '25',
	    'it/architecture:5'], ['Hannah Price', 'AVD', 'standard', '37',
	    'legal/property:3'], ['Marek Nowak', 'BRK', 'senior', '20',
	    'it/network-security:4'], ['Aisha Begum', 'CSC', 'principal', '15',
	    'legal/contracts:5'], ['Gareth Lloyd', 'CSC', 'standard', '37',
	    'it/architecture:3']];
	for (const [name, org, grade, cap, skill, ...more] of experts)
		cli(['expert', 'add', '--org', org, '--name', name, '--grade', grade,
		    '--capacity', cap, '--skill', skill, ...more]);
	// The demo's own SQL: last month's approved hours, a request in the
	// queue, a fixed fee in milestones.
	const demo = readFileSync(join(topSrcdir, 'scripts', 'demo-data'), 'utf8');
	const [main, hours, approve] = [...demo.matchAll(
	    /<<'SQL'[^\n]*\n([\s\S]*?)\nSQL\n/g)].map((m) => m[1]);
	sql(`\n${main}`);
	// Its hours, logged through the timesheet (which prices them), approved.
	const csv = join(keyDir, 'hours.csv');
	writeFileSync(csv, `${sql(hours).replace(/\|/g, ',')}\n`);
	cli([...rcArgs, 'timesheet', 'import', csv, '--user', 'expert']);
	sql(approve);
	// This week's hours, one submitted for the approver, and an offer open
	// to the expert.
	sql(`INSERT INTO time_entries (engagement_id, entry_date, minutes,
	        activity, note, state, created_by, submitted_at)
	      SELECT 1, '${today()}', 150, 'advice', 'Call with the case officer',
	        'submitted', person_id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	      FROM experts WHERE name = 'Priya Shah';
	    INSERT INTO time_entries (engagement_id, entry_date, minutes,
	        activity, state, created_by)
	      SELECT 1, '${today()}', 30, 'drafting', 'draft', person_id
	      FROM experts WHERE name = 'Priya Shah';
	    INSERT INTO requests (consumer_id, requester_id, area, speciality,
	        title, urgency, wanted_start, wanted_end, estimated_minutes, state,
	        po_reference, submitted_at)
	      SELECT o.id, p.id, 'legal', 'planning-law', 'Lease renewal: depot',
	        'routine', date('now', '+7 days'), date('now', '+30 days'), 600,
	        'offered', 'PO-AVD-4500012402', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
	      FROM organisations o JOIN people p ON p.login = 'requester'
	      WHERE o.code = 'AVD';
	    INSERT INTO offers (request_id, expert_id, provider_id, basis, state)
	      SELECT r.id, x.id, x.org_id, 'hourly', 'open' FROM requests r
	      JOIN experts x ON x.name = 'Priya Shah'
	      WHERE r.title = 'Lease renewal: depot';`);
	// Last month's run: the centre's invoice issued, Castleshire's left a
	// draft.
	cli([...rcArgs, 'invoice', 'run', '--period', PERIOD]);
	cli([...rcArgs, 'invoice', 'issue', sql(`SELECT i.id FROM
	    recharge_invoices i JOIN organisations o ON o.id = i.provider_id
	    WHERE o.code = 'NRC'`)]);
}

// Work still running, left in the store, so its progress page shows.
function leaveJobsRunning(sql) {
	const id = (name, arg, person) => sql(`INSERT INTO jobs (name, arg, state,
	    done, total, person_id) SELECT '${name}', '${arg}', 'running', 3, 10,
	    id FROM people WHERE login = '${person}'; SELECT last_insert_rowid();`);
	const nrc = sql("SELECT id FROM organisations WHERE code = 'NRC'");
	const expert = sql("SELECT id FROM people WHERE login = 'expert'");
	sql(`INSERT INTO timesheet_uploads (person_id, org_id, csv) VALUES
	    (${expert}, ${nrc}, 'engagement,date,duration,activity,note,billable')`);
	const upload = sql('SELECT max(id) FROM timesheet_uploads');
	jobs.whatif = id('fees-whatif', `${nrc} ${PERIOD} standard`, 'finance');
	jobs.run = id('recharge-run', `${PERIOD}:${nrc}`, 'finance');
	jobs.import = id('timesheet-import', `${nrc} ${expert} ${upload}`, 'expert');
	// A payment to NRC, so that a payment's page has one to show.
	sql(`INSERT INTO recharge_payments (payer_id, payee_id, paid_on,
	    amount_pence, reference) SELECT a.id, ${nrc}, '2026-11-30', 50000,
	    'BACS 1234' FROM organisations a WHERE a.code = 'AVD'`);
	jobs.payment = sql('SELECT max(id) FROM recharge_payments');
}

before(async () => {
	keyDir = mkdtempSync(join(tmpdir(), 'ep-a11y-key-'));
	writeFileSync(join(keyDir, 'sealing.key'), randomBytes(32).toString('hex'));
	writeFileSync(join(keyDir, 'expertpool.conf'),
	    `sealing_key_file = "${join(keyDir, 'sealing.key')}"\n`);
	rcArgs = ['--rules', join(topSrcdir, 'rules'), '--config',
	    join(keyDir, 'expertpool.conf')];
	server = await startServer({
		plugins: builtPlugins('timesheet', 'recharge'),
		args: rcArgs,
		dbSetup: ({ cli, sql }) => seedDemo(cli, sql),
	});
	leaveJobsRunning(server.sql);
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
	if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

// A reset link opened without its token shows the expired-link page, 410.
const GONE = new Set(['/login/reset']);

// The pages a role may open: the route table's GETs that answer HTML.
function pagesFor(role) {
	const out = server.cli(['routes']).stdout.trim().split('\n');
	return out.map((l) => l.split('\t')).filter(([method, path, roles]) =>
	    method === 'GET' && !/^\/(api|assets)\/|^\/(healthz|metrics)$|\/(ubl|csv|pdf)$/
	    .test(path) && !/^\/login\/(sso\/|callback$)/.test(path) &&
	    (roles === 'public' || roles.split(',').includes(role)))
	    .map(([, path]) => path);
}

// An address for a route, its {placeholders} filled from the demo data as
// the signed-in person would reach them.
function fill(path, login) {
	const q = (text) => server.sql(text);
	const org = q(`SELECT o.id || ' ' || o.code FROM people p JOIN
	    organisations o ON o.id = p.org_id WHERE p.login = '${login}'`).split(' ');
	const invoice = q(`SELECT min(id) FROM recharge_invoices WHERE
	    provider_id = ${org[0]} OR (consumer_id = ${org[0]} AND state != 'draft')`);
	const fills = {
		'/organisations/{id}': org[0],
		'/admin/organisations/{id}/edit': org[0],
		'/admin/organisations/{id}/sso': org[0],
		'/admin/people/{id}/edit': q(`SELECT id FROM people WHERE login = 'approver'`),
		'/admin/agreements/{id}': q(`SELECT min(id) FROM agreements WHERE
		    provider_id IS NULL OR provider_id = ${org[0]} OR consumer_id = ${org[0]}`),
		'/admin/agreements/{id}/vary': q('SELECT max(id) FROM agreements'),
		'/engagements/{id}': '1',
		'/engagements/{id}/changes/new': '1',
		'/experts/{id}/edit': q(`SELECT min(id) FROM experts WHERE org_id = ${org[0]}`),
		'/requests/{id}/edit': q("SELECT id FROM requests WHERE state = 'submitted'"),
		'/admin/people/{id}': q(`SELECT id FROM people WHERE login = 'approver'`),
		'/requests/{id}': '1',
		'/requests/{id}/broker': q("SELECT id FROM requests WHERE state = 'submitted'"),
		'/experts/{id}': q(`SELECT min(id) FROM experts WHERE org_id = ${org[0]}`),
		'/timesheet/entries/{id}': '1',
		'/engagements/{id}/budget': '1',
		'/engagements/{id}/rating': q("SELECT id FROM engagements WHERE state = 'completed'"),
		'/engagements/{id}/expenses': '1',
		'/timesheet/import/{id}': jobs.import,
		'/admin/fees/whatif/{id}': jobs.whatif,
		'/invoices/{id}': invoice,
		'/invoices/{id}/verify': invoice,
		'/invoices/{id}/html': invoice,
		'/invoices/{id}/check': invoice,
		'/payments/{id}': jobs.payment,
		'/overheads/costs/{id}': q('SELECT min(id) FROM overhead_costs'),
		'/overheads/time/{id}': q(`SELECT min(t.id) FROM overhead_time t JOIN
		    people p ON p.id = t.person_id WHERE p.login = '${login}'`),
	};
	if (path === '/invoices/run') return `/invoices/run?job=${jobs.run}`;
	if (path in fills) return path.replace(/\{id\}/, fills[path]);
	return path.replace('{org}', org[1]);
}

/** Fails naming the page when it is wider than the viewport. */
async function checkReflow(page) {
	const wide = await page.evaluate(() => {
		const w = document.documentElement.scrollWidth;
		if (w <= window.innerWidth) return null;
		// The widest elements that stick out, to say what to fix.
		const out = [];
		for (const el of document.querySelectorAll('main *, header *, footer *')) {
			const r = el.getBoundingClientRect();
			if (r.right > window.innerWidth + 1 && el.closest('.ep-table-scroll') === null)
				out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
				    `${el.className && typeof el.className === 'string' ?
				    '.' + el.className.split(' ')[0] : ''} (${Math.round(r.right)})`);
		}
		return `${w} px: ${out.slice(-6).join(', ')}`;
	});
	assert.equal(wide, null, `${page.url()} scrolls sideways at ${WIDTH} px`);
}

async function checkPage(page, what) {
	await checkBasics(page);
	await checkReflow(page);
	const status = await page.evaluate(() => document.title);
	assert.doesNotMatch(status, /^Error: Page not found|^Sorry/, `${what}: ${status}`);
}

/*
 * Sends each form on the page (but sign-out) once with its text fields
 * emptied, and checks the page that answers, errors and all.
 */
async function sendFormsEmpty(page, path, problems) {
	const n = await page.locator('main form[method=post]').count();
	for (let i = 0; i < n; i++) {
		await page.goto(new URL(path, server.url).href);
		const form = page.locator('main form[method=post]').nth(i);
		const fields = form.locator('input:not([type=hidden]):not([type=radio])' +
		    ':not([type=checkbox]):not([type=file]), textarea');
		if (await form.locator('input:not([type=hidden]), textarea, select')
		    .count() === 0)
			continue;	/* an action button, not a form to fill */
		if ((await form.getAttribute('action') ?? '').endsWith('/issue'))
			continue;	/* issuing (and sending) is for good */
		for (let k = 0; k < await fields.count(); k++)
			await fields.nth(k).fill('');
		await form.locator('button[type=submit], button:not([type])').first()
		    .click();
		try {
			await checkPage(page, `${path} sent empty`);
		} catch (e) {
			problems.push(`${path} form ${i + 1} sent empty: ${e.message}`);
		}
	}
}

async function walk(login, role) {
	const { ctx, page } = await signIn(browser, server, login);
	await page.setViewportSize({ width: WIDTH, height: 900 });
	const problems = [];
	const paths = pagesFor(role).map((p) => fill(p, login));
	for (const path of paths) {
		const res = await page.goto(new URL(path, server.url).href);
		// A check's plain-text report is not a page.
		if (!/^text\/html/.test(res.headers()['content-type'] ?? ''))
			continue;
		try {
			assert.ok(res.status() < 400 || GONE.has(path),
			    `${path} answers ${res.status()}`);
			await checkPage(page, path);
		} catch (e) {
			problems.push(e.message);
		}
	}
	for (const path of paths)
		await sendFormsEmpty(page, path, problems);
	await ctx.close();
	assert.deepEqual(problems, [], `${login}'s pages`);
}

for (const [login, , role] of USERS)
	test(`every page the ${role} reaches, 320 px wide, passes axe`, () => walk(login, role));

test('the fee estimate and the banner after sending fit 320 px', async () => {
	const { ctx, page } = await signIn(browser, server, 'requester');
	await page.setViewportSize({ width: WIDTH, height: 900 });
	await page.goto(new URL('requests/new', server.url).href);
	await page.fill('#title', 'Tree preservation order review');
	await page.selectOption('#area', 'legal');
	await page.fill('#speciality', 'planning-law');
	await page.selectOption('#urgency', 'soon');
	await page.fill('#wanted_start', addDays(14));
	await page.fill('#wanted_end', addDays(40));
	await page.fill('#estimated_hours', '12');
	await page.fill('#po_reference', 'PO-AVD-4500012403');
	await page.click('button[value=estimate]');
	assert.match(await page.locator('#estimate').innerText(), /Rule set version [0-9a-f]{64}/);
	await checkPage(page, 'the estimate');
	await page.click('button[value=send]');
	assert.match(page.url(), /\?done=sent$/);
	assert.match(await page.locator('#notice').innerText(), /Request sent/);
	await checkPage(page, 'the sent request');
	await ctx.close();
});

test('declining without a reason: the error names the offer\'s own box', async () => {
	const { ctx, page } = await signIn(browser, server, 'expert');
	await page.goto(new URL('offers', server.url).href);
	const offer = server.sql("SELECT f.id FROM offers f JOIN requests r ON " +
	    "r.id = f.request_id WHERE r.title = 'Lease renewal: depot'");
	assert.equal(await page.getByRole('button', { name:
	    /^Decline offer\s*: Lease renewal: depot \(request \d+\)$/ }).count(), 1);
	await page.getByRole('button', { name: /^Decline offer\s*: Lease renewal/ }).click();
	const box = `reason-${offer}`;
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Enter why you are declining/);
	assert.equal(await page.locator(`.govuk-error-summary a[href="#${box}"]`).count(), 1);
	assert.equal(await page.getAttribute(`#${box}`, 'aria-describedby'), `${box}-error`);
	assert.equal(await page.locator('label', { hasText: 'Reason for declining Lease ' +
	    'renewal: depot' }).getAttribute('for'), box);
	await checkPage(page, 'the offer declined without a reason');
	await ctx.close();
});

test('the pages open to all, signed out', async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false,
	    viewport: { width: WIDTH, height: 900 } });
	const page = await ctx.newPage();
	for (const path of pagesFor('public')) {
		await page.goto(new URL(path, server.url).href);
		await checkPage(page, path);
	}
	await page.goto(new URL('accessibility', server.url).href);
	const text = await page.locator('main').innerText();
	for (const part of [/applies to/, /How accessible/, /Feedback and contact/,
	    /Enforcement procedure[\s\S]*EHRC[\s\S]*ECNI/, /Technical information/,
	    /fully compliant[\s\S]*2\.2 AA/, /How we tested[\s\S]*axe[\s\S]*320/,
	    /prepared on \d{1,2} [A-Z][a-z]+ \d{4}/])
		assert.match(text, part);
	await page.goto(new URL('login', server.url).href);
	assert.equal(await page.locator('footer a[href="/accessibility"]').count(), 1,
	    'every page links to the statement');
	await ctx.close();
});

test('with JavaScript, a progress page reads its news aloud and shows the result',
    async () => {
	const ctx = await browser.newContext();
	const page = await ctx.newPage();
	await page.goto(new URL('login', server.url).href);
	await page.fill('#login', 'finance');
	await page.fill('#password', 'finance-password-1');
	await page.click('#main-content button[type=submit]');
	const reloads = [];
	await page.goto(new URL(`invoices/run?job=${jobs.run}`, server.url).href);
	page.on('framenavigated', (f) => f === page.mainFrame() && reloads.push(f.url()));
	const region = page.locator('[data-ep-progress][aria-live=polite]');
	assert.match(await region.innerText(), /3 of 10 entries priced/);
	server.sql(`UPDATE jobs SET done = 7 WHERE id = ${jobs.run}`);
	await page.waitForFunction(() => /7 of 10/.test(document
	    .querySelector('[data-ep-progress]').textContent), null, { timeout: 10000 });
	assert.deepEqual(reloads, [], 'the page did not reload for news');
	server.sql(`UPDATE jobs SET state = 'done', done = 10 WHERE id = ${jobs.run}`);
	await page.waitForFunction(() => document.querySelector('[data-ep-progress]') ===
	    null, null, { timeout: 10000 });
	assert.equal(await page.locator('#run-state').innerText(), 'done');
	await ctx.close();
});
