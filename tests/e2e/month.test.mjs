// month.test.mjs: a month in the life of the consortium, on the demo's
// data (scripts/demo-data), across all six roles, in a browser without
// JavaScript, with every message sent through a real SMTP server on
// loopback (Debian's aiosmtpd, reached by msmtp as the sendmail command).
//
// The administrator corrects a VAT number and a person's roles; people
// set their addresses; a request is sent, sent again by going back (no
// second one), changed before its offer, offered and accepted; an entry
// is queried, answered by the expert and approved by the approver who
// queried it; a week is approved in one action; the pool extends the
// demo's engagement and sets its budget, the requester agrees; a month
// later the expert logs time past the old end date and the budget passes
// 80%; the finance officer runs the month and issues the invoice; a list
// of more than 200 requests is paged to its last row. Every correction is
// in the audit trail with its before and after, and the trail verifies.
//
// The figures rest on the demo's dates, so the scenario has its own clock:
// Wednesday 3 March 2027, then Wednesday 14 April 2027, after the demo
// engagement's old end date (3 April).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync,
    writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPERTPOOL, builtPlugins, checkBasics, clockEnv, launchBrowser,
    startServer, topSrcdir, checkPage } from './lib.mjs';

const CLOCK1 = '2027-03-03 09:00:00';
const CLOCK2 = '2027-04-14 09:00:00';
const PASSWORD = 'demo-password';
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const smtpReady = spawnSync(PY, ['-c', 'import aiosmtpd']).status === 0 &&
    spawnSync('sh', ['-c', 'command -v msmtp']).status === 0;

let browser;
let server;
let smtp;
let work;
let plugins;
const sessions = new Map();

// The demo's people (scripts/demo-data), in the order they are made.
const ID = { nrc: 1, avd: 2, brk: 3, arun: 5, millLane: 1 };

// An SMTP server on loopback that writes each message to a file, with its
// envelope recipients in a first header line.
async function startSmtp(dir) {
	writeFileSync(join(dir, 'mailsink.py'), `import os

class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.n = 0

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        path = os.path.join(self.directory, "%04d.eml" % self.n)
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Envelope-To: %s\\n" % ",".join(envelope.rcpt_tos)).encode())
            f.write((envelope.original_content or envelope.content).replace(b"\\r\\n", b"\\n"))
        os.rename(path + ".tmp", path)
        return "250 OK"
`);
	const mail = join(dir, 'mail');
	execFileSync('mkdir', ['-p', mail]);
	for (let tries = 0; tries < 5; tries++) {
		const port = Number(execFileSync(PY, ['-c', 'import socket; s = socket.socket(); ' +
		    's.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'], { encoding: 'utf8' }));
		const child = spawn(PY, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
		    '-c', 'mailsink.Sink', mail], { env: { ...process.env, PYTHONPATH: dir },
		    stdio: 'ignore' });
		for (let i = 0; i < 100; i++) {
			const up = spawnSync(PY, ['-c', `import socket; socket.create_connection(("127.0.0.1", ${port}), 1)`]);
			if (up.status === 0)
				return { port, mail, stop: () => child.kill() };
			if (child.exitCode !== null) break;
			await new Promise((r) => setTimeout(r, 50));
		}
		child.kill();
	}
	throw new Error('the SMTP server did not start');
}

// The messages delivered so far: [{to, subject, text}].
function delivered() {
	return readdirSync(smtp.mail).filter((f) => f.endsWith('.eml')).sort().map((f) => {
		const text = readFileSync(join(smtp.mail, f), 'utf8');
		const to = /^X-Envelope-To: (.*)$/m.exec(text)[1];
		const subject = (/^Subject: (.*)$/m.exec(text) || [, ''])[1];
		return { to, subject, text };
	});
}

// Waits until a message to `to` whose subject matches arrives.
async function mailTo(to, subject, what) {
	for (let i = 0; i < 200; i++) {
		const m = delivered().find((d) => d.to.split(',').includes(to) && subject.test(d.subject));
		if (m) return m;
		await new Promise((r) => setTimeout(r, 100));
	}
	assert.fail(`${what}: no message to ${to} with a subject like ${subject}; ` +
	    `delivered: ${delivered().map((d) => `${d.to}: ${d.subject}`).join('; ')}`);
}

// The server on one of the scenario's instants, over the store `db` (a
// copy; the first instant fills it with the demo's data).
async function serve(clock, db) {
	const conf = join(work, `expertpool-${clock.slice(0, 10)}.conf`);
	writeFileSync(conf, `sealing_key_file = "${join(work, 'sealing.key')}"\n` +
	    `sendmail = "msmtp --host=127.0.0.1 --port=${smtp.port} --auth=off ` +
	    '--tls=off --from=expertpool@example.gov.uk -t"\n' +
	    'public_url = "https://expertpool.example.gov.uk/"\n');
	return startServer({
		plugins,
		clock,
		args: ['--rules', join(topSrcdir, 'rules'), '--config', conf],
		dbSetup: ({ dbPath }) => {
			rmSync(dbPath, { force: true });
			if (db) {
				execFileSync('cp', [db, dbPath]);
				return;
			}
			execFileSync(join(topSrcdir, 'scripts', 'demo-data'), [dbPath], {
				env: { ...process.env, ...clockEnv(clock), EXPERTPOOL,
				    PLUGINS: plugins, RULES: join(topSrcdir, 'rules') },
			});
		},
	});
}

// A demo person, signed in once per server, in a context without script.
async function as(login) {
	if (sessions.has(login)) return sessions.get(login);
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	await page.goto(new URL('login', server.url).href);
	await page.fill('#login', login);
	await page.fill('#password', PASSWORD);
	await page.click('#main-content button[type=submit]');
	assert.doesNotMatch(page.url(), /\/login/, `${login} signs in`);
	sessions.set(login, page);
	return page;
}

async function closeSessions() {
	for (const page of sessions.values())
		await page.context().close();
	sessions.clear();
}

const go = (page, path) => page.goto(new URL(path, server.url).href);
const submit = (page) => page.click('#main-content form button[type=submit]');

before(async () => {
	work = mkdtempSync(join(tmpdir(), 'ep-month-'));
	writeFileSync(join(work, 'sealing.key'),
	    execFileSync('sh', ['-c', 'head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n"']));
	if (!smtpReady) return;
	plugins = builtPlugins('timesheet', 'recharge');
	smtp = await startSmtp(work);
	server = await serve(CLOCK1);
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
	smtp?.stop();
	if (!process.env.EP_E2E_KEEP) rmSync(work, { recursive: true, force: true });
});

const skip = smtpReady ? false : 'python3-aiosmtpd and msmtp are needed (scripts/deps)';

test('the administrator corrects a VAT number and a person\'s roles', { skip }, async () => {
	const page = await as('admin');
	await go(page, `organisations/${ID.brk}`);
	await page.click(`a[href="/admin/organisations/${ID.brk}/edit#vat_number"]`);
	await page.fill('#vat_number', 'GB98765432');
	await submit(page);
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /VAT number must be GB followed by 9 or 12 digits/);
	await checkPage(page);
	await page.fill('#vat_number', 'GB987654312');
	await submit(page);
	assert.match(await page.locator('.govuk-notification-banner--success').innerText(),
	    /Organisation updated/);
	assert.match(await page.locator('.govuk-summary-list').innerText(), /GB987654312/);

	// Arun approves for Avondale and now asks for experts too; his
	// address was never set.
	await go(page, `admin/people/${ID.arun}`);
	await page.click(`a[href="/admin/people/${ID.arun}/edit#roles"]`);
	await page.fill('#email', 'arun@avondale.example.gov.uk');
	await page.check('input[name=roles][value=requester]');
	await submit(page);
	assert.match(await page.locator('.govuk-notification-banner--success').innerText(),
	    /Person updated/);
	await checkPage(page);

	const audit = execFileSync(EXPERTPOOL, ['--db', server.dbPath, '--plugins', plugins,
	    'audit', 'list'], { encoding: 'utf8', env: { ...process.env, ...clockEnv(CLOCK1) } });
	assert.match(audit, /"before":\{[^}]*"vat_number":"GB987654321"/);
	assert.match(audit, /"after":\{[^}]*"vat_number":"GB987654312"/);
	assert.match(audit, /"before":\{[^}]*"roles":"approver"/);
	assert.match(audit, /"after":\{[^}]*"roles":"requester,approver"/);
});

test('people say where their messages go', { skip }, async () => {
	for (const [login, address] of [['pool', 'paul@nrc.example.gov.uk'],
	    ['finance', 'fiona@nrc.example.gov.uk'],
	    ['requester', 'rachel@avondale.example.gov.uk'],
	    ['expert', 'priya@nrc.example.gov.uk']]) {
		const page = await as(login);
		await go(page, 'account/notifications');
		await page.fill('#email', login === 'pool' ? 'paul@' : address);
		await submit(page);
		if (login === 'pool') {
			// The first mistake: an address without its domain.
			assert.match(await page.locator('.govuk-error-summary').innerText(), /email/i);
			await checkPage(page);
			await page.fill('#email', address);
			await submit(page);
		}
		assert.match(await page.locator('.govuk-notification-banner--success').innerText(),
		    /saved/);
	}
});

test('a request is sent once, changed before its offer, offered and accepted', { skip }, async () => {
	const requester = await as('requester');
	const fill = async (title) => {
		await go(requester, 'requests/new');
		await requester.fill('#title', title);
		await requester.selectOption('#area', 'legal');
		await requester.fill('#speciality', 'planning-law');
		await requester.selectOption('#urgency', 'soon');
		await requester.fill('#wanted_start', '2027-03-08');
		await requester.fill('#wanted_end', '2027-03-26');
		await requester.fill('#estimated_hours', '8');
		await requester.click('button[value=send]');
		// The POST's redirect settled before the history is read: going
		// back mid-navigation finds no page attached.
		await requester.waitForLoadState('load');
	};
	await fill('Contract for the depot');
	const first = requester.url();
	assert.match(first, /\/requests\/\d+\?done=sent$/);
	// Back to the form, and the same request sent again.
	await requester.goBack();
	await fill('Contract for the depot');
	assert.match(requester.url(), /\?sent=already$/);
	assert.equal(server.sql("SELECT count(*) FROM requests WHERE title = 'Contract for the depot'"), '1');
	const id = /\/requests\/(\d+)/.exec(first)[1];

	// A change of mind before the offer: the title and the hours.
	await go(requester, `requests/${id}`);
	await requester.click('text=Change request');
	await requester.fill('#title', 'Depot maintenance contract');
	await requester.fill('#estimated_hours', '10');
	await requester.click('#main-content button[type=submit]');
	assert.match(await requester.locator('#notice').innerText(), /Your request has been changed/);
	assert.match(await requester.locator('h1').innerText(), /Depot maintenance contract/);

	const pool = await as('pool');
	await go(pool, `requests/${id}/broker`);
	await checkPage(pool);
	assert.match(await pool.locator('table tbody tr').first().innerText(), /Priya Shah/,
	    'the planning lawyer ranks first');
	await pool.locator('input[name=expert]').first().check();
	await pool.selectOption('#basis', 'hourly');
	await submit(pool);
	const offer = await mailTo('priya@nrc.example.gov.uk', /offered to you/i, 'the offer');
	assert.match(offer.text, /https:\/\/expertpool\.example\.gov\.uk\/offers/);

	const expert = await as('expert');
	await go(expert, 'offers');
	await expert.locator('button', { hasText: /^Accept offer/ }).first().click();
	await mailTo('rachel@avondale.example.gov.uk', /engaged/i, 'the acceptance');
	assert.equal(server.sql(`SELECT count(*) FROM engagements WHERE request_id = ${id}`), '1');
});

test('an entry is queried, answered, and approved by the approver who queried it', { skip }, async () => {
	const expert = await as('expert');
	const cell = (d) => `#t_${ID.millLane}_${d}`;
	await go(expert, 'timesheet?week=2027-03-01');
	await expert.fill(cell('2027-03-01'), '2:00');
	await expert.fill(`#n_${ID.millLane}`, 'Site meeting and notes');
	await expert.click('button[value=submit]');
	assert.match(await expert.locator('#notice').innerText(), /submitted/);
	await mailTo('arun@avondale.example.gov.uk', /approve/i, 'hours submitted');

	const approver = await as('approver');
	await go(approver, 'approvals');
	await checkPage(approver);
	const query = approver.locator('button', { hasText: /^Query Priya Shah's 2 h on 2027-03-01/ });
	// The first mistake: a query with no comment.
	await query.click();
	assert.match(await approver.locator('.govuk-error-summary').innerText(), /comment|what is wrong/i);
	await checkPage(approver);
	const entry = server.sql("SELECT id FROM time_entries WHERE entry_date = '2027-03-01'");
	await approver.fill(`#comment-${entry}`, 'The meeting was 45 minutes: please check');
	await approver.locator('button', { hasText: /^Query Priya Shah's 2 h on 2027-03-01/ }).click();
	const queried = await mailTo('priya@nrc.example.gov.uk', /quer/i, 'the query');
	assert.match(queried.text, /The meeting was 45 minutes/);

	await go(expert, 'timesheet?week=2027-03-01');
	assert.match(await expert.locator('#queries').innerText(), /The meeting was 45 minutes/);
	await checkPage(expert);
	await expert.fill(cell('2027-03-01'), '0:45');
	await expert.click('button[value=submit]');
	// 45 minutes is short enough for Avondale's auto-approval, but a
	// queried entry goes back to the person who queried it.
	assert.equal(server.sql(`SELECT state FROM time_entries WHERE id = ${entry}`), 'submitted');
	await go(approver, 'approvals');
	assert.match(await approver.locator(`#answer-${entry}`).innerText(),
	    /You queried this/);
	await approver.locator('button', { hasText: /^Approve Priya Shah's 0 h 45 m on 2027-03-01/ }).click();
	assert.equal(server.sql(`SELECT state FROM time_entries WHERE id = ${entry}`), 'approved');
	assert.equal(server.sql(`SELECT p.login FROM time_entries t JOIN people p ON p.id = t.decided_by WHERE t.id = ${entry}`),
	    'approver');
	await mailTo('priya@nrc.example.gov.uk', /approved/i, 'the approval');
});

test('a week is approved in one action', { skip }, async () => {
	const expert = await as('expert');
	await go(expert, 'timesheet?week=2027-02-22');
	for (const d of ['2027-02-22', '2027-02-23', '2027-02-24'])
		await expert.fill(`#t_${ID.millLane}_${d}`, '1:30');
	await expert.click('button[value=submit]');
	const approver = await as('approver');
	await go(approver, 'approvals');
	await approver.locator('button', { hasText: /^Approve all 3 entries for Priya Shah week of 2027-02-22/ }).click();
	assert.match(await approver.locator('.govuk-notification-banner--success').innerText(), /approved/i);
	assert.equal(server.sql("SELECT count(*) FROM time_entries WHERE entry_date BETWEEN '2027-02-22' AND '2027-02-24' AND state = 'approved'"), '3');
});

test('the pool extends the engagement and sets its budget; the requester agrees', { skip }, async () => {
	const pool = await as('pool');
	// A budget that 90 more minutes will take past 80% and not past 100%.
	const used = Number(server.sql(`SELECT sum(priced_pence) FROM time_entries WHERE engagement_id = ${ID.millLane}`));
	// The hourly price of the weekday hours logged this month.
	const hour = Number(server.sql(`SELECT priced_pence * 60 / minutes FROM time_entries WHERE engagement_id = ${ID.millLane} AND priced_pence > 0 AND entry_date >= '2027-02-22' LIMIT 1`));
	const budget = Math.floor((used + 1.5 * hour) / 0.8 / 100);
	assert.ok(used / (budget * 100) < 0.8 && (used + 1.5 * hour) / (budget * 100) <= 1,
	    `the budget £${budget} suits ${used}p used`);
	await go(pool, `engagements/${ID.millLane}`);
	await checkPage(pool);
	await pool.click('text=Extend the end date');
	await pool.fill('#ends', '2027-03-31');
	await pool.fill('#reason', 'The inquiry was adjourned to May');
	await submit(pool);
	assert.match(await pool.locator('.govuk-error-summary').innerText(), /after the current end date/);
	await pool.fill('#ends', '2027-05-28');
	await submit(pool);
	assert.match(await pool.locator('#notice').innerText(), /proposed/);
	await go(pool, `engagements/${ID.millLane}/changes/new?kind=budget`);
	await pool.fill('#budget', `${budget}.00`);
	await pool.fill('#reason', 'A budget for the adjourned inquiry');
	await submit(pool);
	await mailTo('rachel@avondale.example.gov.uk', /^Agree or decline a change: Planning appeal: Mill Lane/, 'the proposal');

	const requester = await as('requester');
	await go(requester, `engagements/${ID.millLane}`);
	await checkPage(requester);
	for (const b of await requester.locator('button', { hasText: /^Agree to change/ }).all()) {
		await requester.locator('button', { hasText: /^Agree to change/ }).first().click();
		assert.match(await requester.locator('#notice').innerText(), /agreed/);
	}
	assert.equal(server.sql(`SELECT ends || ' ' || budget_pence FROM engagements WHERE id = ${ID.millLane}`),
	    `2027-05-28 ${budget * 100}`);
	await mailTo('paul@nrc.example.gov.uk', /^Change agreed: Planning appeal: Mill Lane/, 'the agreement');
	await mailTo('priya@nrc.example.gov.uk', /^Your engagement has changed/, 'the agreement, to the expert');
});

test('a month later: time past the old end date, the budget at 80%, the run and the invoice', { skip }, async () => {
	// The store as it stands, served a month and a half on.
	const copy = join(work, 'march.db');
	execFileSync('sqlite3', [server.dbPath, `.backup ${copy}`]);
	await closeSessions();
	await server.stop();
	server = await serve(CLOCK2, copy);

	const expert = await as('expert');
	await go(expert, 'timesheet?week=2027-04-12');
	await expert.fill(`#t_${ID.millLane}_2027-04-13`, '1:30');
	await expert.fill(`#n_${ID.millLane}`, 'Inquiry preparation');
	await expert.click('button[value=submit]');
	assert.match(await expert.locator('#notice').innerText(), /submitted/);
	assert.equal(server.sql(`SELECT count(*) FROM time_entries WHERE engagement_id = ${ID.millLane} AND entry_date = '2027-04-13'`), '1',
	    'logged after the old end date, 2027-04-03');
	await mailTo('rachel@avondale.example.gov.uk', /80%/, 'the budget at 80%');
	await mailTo('paul@nrc.example.gov.uk', /80%/, 'the budget at 80%, to the pool');

	const finance = await as('finance');
	await go(finance, 'invoices');
	await finance.fill('#period', '2027-03');
	await submit(finance);
	for (let i = 0; i < 100 && !/done|finished/i.test(await finance.locator('main').innerText()); i++) {
		await new Promise((r) => setTimeout(r, 200));
		await finance.reload();
	}
	await checkPage(finance);
	await mailTo('fiona@nrc.example.gov.uk', /run/i, 'the run finished');
	const draft = server.sql("SELECT i.id FROM recharge_invoices i JOIN organisations c ON c.id = i.consumer_id WHERE i.period = '2027-03' AND c.code = 'AVD' AND i.state = 'draft' AND i.provider_id = 1");
	assert.ok(draft, 'a draft from the centre to Avondale');
	await go(finance, `invoices/${draft}`);
	await finance.click('#check-issue');
	await checkPage(finance);
	await finance.click('#issue');
	await finance.waitForURL(/done=issued/);
	await checkPage(finance);
	assert.equal(server.sql(`SELECT state FROM recharge_invoices WHERE id = ${draft}`), 'issued');
	await mailTo('invoices@avondale.example.gov.uk', /invoice/i, 'the invoice issued');
});

test('a list of more than 200 requests is paged to its last row', { skip }, async () => {
	server.sql(`WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 230)
	    INSERT INTO requests (consumer_id, requester_id, area, title, urgency,
	        wanted_start, wanted_end, estimated_minutes, state, submitted_at)
	    SELECT ${ID.avd}, 4, 'hr', printf('Old request %03d', v), 'routine',
	        '2026-01-05', '2026-01-30', 60, 'withdrawn',
	        printf('2026-01-05T09:%02d:00Z', v % 60) FROM n`);
	const requester = await as('requester');
	await go(requester, 'requests');
	await checkPage(requester);
	const showing = await requester.locator('#showing').innerText();
	const total = Number(/of ([\d,]+)/.exec(showing)[1].replace(/,/g, ''));
	assert.ok(total > 230, showing);
	let pages = 1;
	while (await requester.locator('a[rel=next]').count()) {
		await requester.click('a[rel=next]');
		pages++;
	}
	assert.match(await requester.locator('#showing').innerText(),
	    new RegExp(`to ${total.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')}`));
	assert.ok(pages >= 5, `${pages} pages`);
	await checkPage(requester);
	assert.match(await requester.locator('main').innerText(), /Old request 001|Planning appeal: Mill Lane/);
});

test('every correction is in the audit trail, and the trail verifies', { skip }, async () => {
	const r = spawnSync(EXPERTPOOL, ['--db', server.dbPath, '--plugins', plugins,
	    'audit', 'verify'], { encoding: 'utf8', env: { ...process.env, ...clockEnv(CLOCK2) } });
	assert.equal(r.status, 0, r.stderr + r.stdout);
	await closeSessions();
});
