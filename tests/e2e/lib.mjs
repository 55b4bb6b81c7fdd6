// tests/e2e/lib.mjs: helpers for browser tests: a private expertpoold on an
// ephemeral loopback port with a temporary store, the CLI against that store,
// Debian's chromium driven by playwright-core, and basic accessibility checks.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync,
    writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const topSrcdir = resolve(process.env.top_srcdir ||
    join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
export const topBuilddir = resolve(topSrcdir, process.env.top_builddir || 'build/normal');
export const EXPERTPOOLD = join(topBuilddir, 'expertpoold');
export const EXPERTPOOL = join(topBuilddir, 'expertpool');
/** Where the test plugins (tests/plugins/*.c) are built. */
export const TEST_PLUGINS = join(topBuilddir, 'tests', 'plugins', '.libs');
export const CHROMIUM = '/usr/bin/chromium';

/*
 * The test clock (see tests/lib.sh): no test depends on the day it runs.
 * EP_TEST_NOW, a UTC instant "YYYY-MM-DD HH:MM:SS", sets the clock of the
 * servers and CLIs a test starts, through Debian's libfaketime, shifted and
 * still running; the browser keeps the machine's. Tests take their dates
 * from today(), addDays() and month(), which read the same clock. A test
 * whose figures rest on particular dates may set its own instant instead:
 * the clock option of startServer() and cli() (and clockEnv(), testNow()
 * and today() given the same instant) overrides EP_TEST_NOW for them.
 */
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

// Each instant is anchored once, when first asked for (EP_TEST_NOW when
// this module loads), so every process and helper on it agrees.
const clockOffsets = new Map();
function clockOffsetMs(at) {
	if (!at) return 0;
	if (!clockOffsets.has(at)) {
		const t = Date.parse(at.replace(' ', 'T') + 'Z');
		assert.ok(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(at) && !Number.isNaN(t),
		    `test clock: cannot read "${at}" (want UTC "YYYY-MM-DD HH:MM:SS")`);
		assert.ok(existsSync(FAKETIME_LIB), 'the test clock needs libfaketime (scripts/deps)');
		clockOffsets.set(at, t - Date.now());
	}
	return clockOffsets.get(at);
}
clockOffsetMs(process.env.EP_TEST_NOW);

/**
 * What a child process needs in its environment to read the test clock
 * (EP_TEST_NOW, or the instant at). Give it to anything a test spawns that
 * reads the clock: sqlite3 with date('now') or a column's default, say.
 */
export function clockEnv(at = process.env.EP_TEST_NOW) {
	if (!at) return {};
	const secs = Math.round(clockOffsetMs(at) / 1000);
	return {
		LD_PRELOAD: FAKETIME_LIB,
		FAKETIME: secs >= 0 ? `+${secs}` : `${secs}`,
		FAKETIME_DONT_FAKE_MONOTONIC: '1',
		ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'verify_asan_link_order=0']
		    .filter(Boolean).join(':'),
	};
}

/** The test clock's instant (EP_TEST_NOW's, or at's), as a Date. */
export function testNow(at = process.env.EP_TEST_NOW) {
	return new Date(Date.now() + clockOffsetMs(at));
}

const londonDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London',
    year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today in London on the test clock, YYYY-MM-DD (a council's day). */
export function today(at = process.env.EP_TEST_NOW) {
	return londonDate.format(testNow(at));
}

/** The date n days after from (YYYY-MM-DD; default today). */
export function addDays(n, from = today()) {
	const t = Date.parse(`${from}T12:00:00Z`) + n * 86400000;
	return new Date(t).toISOString().slice(0, 10);
}

/** The month n months after from's (YYYY-MM or a date; default today's), YYYY-MM. */
export function month(n, from = today()) {
	const k = Number(from.slice(0, 4)) * 12 + Number(from.slice(5, 7)) - 1 + n;
	return `${String(Math.floor(k / 12)).padStart(4, '0')}-${String(k % 12 + 1).padStart(2, '0')}`;
}

/** The day of the week of a date (YYYY-MM-DD): 1 is Monday, 7 Sunday. */
export function weekday(date) {
	return new Date(`${date}T12:00:00Z`).getUTCDay() || 7;
}

/** The Monday of date's week (default today's). */
export function monday(date = today()) {
	return addDays(1 - weekday(date), date);
}

/**
 * The first Wednesday n or more days after from (default today) that is
 * a working day in every part of the UK whatever the year: the bank holiday
 * rules put Wednesdays only at Christmas and New Year (left out here from
 * 20 December to 6 January), on St Patrick's Day, the Twelfth of July and
 * St Andrew's Day. For entries and estimates whose pence must not be out
 * of hours.
 */
export function workingWednesday(n = 0, from = today()) {
	let d = addDays(n, from);
	for (;;) {
		d = addDays((3 - weekday(d) + 7) % 7, d);
		const md = d.slice(5);
		if (md >= '01-07' && md <= '12-19' &&
		    !['03-17', '07-12', '11-30'].includes(md))
			return d;
		d = addDays(1, d);
	}
}

/**
 * The environment for a Java tool a test runs once (the Peppol validator):
 * the machine's clock, and a JVM with one compiler and a serial collector,
 * which gives the same verdict for half the CPU.
 */
export function shortJavaEnv() {
	const env = { ...process.env,
	    JAVA_TOOL_OPTIONS: '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' };
	delete env.LD_PRELOAD;
	delete env.FAKETIME;
	return env;
}

const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 10000;

// Servers still running when the test process exits are killed, so a test
// that throws before stop() leaves nothing behind.
const running = new Set();
process.on('exit', () => {
	for (const child of running) child.kill('SIGKILL');
});

let emptyPluginsDir;
function defaultPluginsDir() {
	if (!emptyPluginsDir) {
		emptyPluginsDir = mkdtempSync(join(tmpdir(), 'ep-e2e-plugins-'));
		process.on('exit', () => rmSync(emptyPluginsDir, { recursive: true, force: true }));
	}
	return emptyPluginsDir;
}

/**
 * Runs the expertpool CLI synchronously: expertpool --db DB --plugins DIR ARGS...
 * Returns {status, stdout, stderr}. Throws when the exit status is not 0,
 * unless opts.check is false. clock: the instant the CLI reads (UTC
 * "YYYY-MM-DD HH:MM:SS", running on), instead of EP_TEST_NOW's.
 */
export function cli(args, { db, plugins, input, check = true, env, clock } = {}) {
	assert.ok(db, 'cli: a --db path is required');
	const argv = ['--db', db, '--plugins', plugins || defaultPluginsDir(), ...args];
	const r = spawnSync(EXPERTPOOL, argv, {
		input,
		encoding: 'utf8',
		timeout: 30000,
		env: { ...process.env, ...clockEnv(clock), ...env },
	});
	if (r.error) throw r.error;
	const result = { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
	if (check && r.status !== 0) {
		throw new Error(`expertpool ${args.join(' ')} exited ${r.status ?? r.signal}:\n` +
		    `${r.stderr}${r.stdout}`);
	}
	return result;
}

/**
 * Runs SQL against a store with the sqlite3 shell, on the test clock (or
 * on clock's instant), so date('now') and the columns' defaults read the
 * day the server does. Returns what it prints, trimmed; throws on an error.
 */
export function sqlite(db, text, { clock } = {}) {
	return execFileSync('sqlite3', [db, text], {
		encoding: 'utf8',
		timeout: 30000,
		env: { ...process.env, ...clockEnv(clock) },
	}).trim();
}

/**
 * Starts expertpoold on 127.0.0.1:0 with a store and a plugins directory in
 * a fresh temporary directory.
 *   plugins: a directory to load plugins from, or a list of .so paths (or
 *            names of test plugins, e.g. 'hello') linked into a temporary
 *            one; by default an empty directory.
 *   dbSetup: async ({dbPath, tmpDir, cli, sql}) run before the server
 *            starts, after `expertpool init` has created the schema; cli
 *            and sql are bound to the test's store, plugins and clock.
 *   args:    further expertpoold flags.
 *   clock:   the instant (UTC "YYYY-MM-DD HH:MM:SS") the server, its cli()
 *            and its sql() read, running on, instead of EP_TEST_NOW's;
 *            for a scenario whose figures rest on particular dates (say
 *            why where it is used).
 * Returns {url, port, dbPath, tmpDir, pluginsDir, log(), cli(), sql(),
 * stop()}; url ends with '/'; sql(text) is sqlite(dbPath, text) on the
 * server's clock. stop() sends SIGTERM, waits, removes the temporary
 * directory and throws if the server did not exit 0 (an ASan report, say).
 */
export async function startServer({ plugins, dbSetup, args = [], env, clock } = {}) {
	const tmpDir = mkdtempSync(join(tmpdir(), 'ep-e2e-'));
	const dbPath = join(tmpDir, 'test.db');
	let pluginsDir;
	if (typeof plugins === 'string') {
		pluginsDir = plugins;
	} else {
		pluginsDir = join(tmpDir, 'plugins');
		mkdirSync(pluginsDir);
		for (const p of plugins || []) {
			const so = isAbsolute(p) ? p : join(TEST_PLUGINS, p.endsWith('.so') ? p : `${p}.so`);
			copyFileSync(so, join(pluginsDir, basename(so)));
		}
	}
	const boundCli = (a, opts = {}) => cli(a, { db: dbPath, plugins: pluginsDir,
	    clock, ...opts });
	const boundSql = (text) => sqlite(dbPath, text, { clock });

	if (dbSetup) {
		boundCli(['init']);
		await dbSetup({ dbPath, tmpDir, cli: boundCli, sql: boundSql });
	}

	const child = spawn(EXPERTPOOLD, ['--listen', '127.0.0.1:0', '--db', dbPath,
	    '--plugins', pluginsDir, ...args], {
		stdio: ['ignore', 'ignore', 'pipe'],
		env: { ...process.env, ...clockEnv(clock), ...env },
	});
	running.add(child);
	let stderr = '';
	const exited = new Promise((res) => {
		child.on('exit', (code, signal) => {
			running.delete(child);
			res({ code, signal });
		});
	});
	child.stderr.setEncoding('utf8');

	const failStart = (why) => {
		child.kill('SIGKILL');
		rmSync(tmpDir, { recursive: true, force: true });
		return new Error(`expertpoold did not start: ${why}\n${stderr}`);
	};
	const port = await new Promise((res, rej) => {
		let settled = false;
		const settle = (fn) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			fn();
		};
		const timer = setTimeout(() => settle(() =>
		    rej(failStart(`no port after ${START_TIMEOUT_MS} ms`))), START_TIMEOUT_MS);
		child.on('error', (e) => settle(() => rej(failStart(e.message))));
		child.stderr.on('data', (chunk) => {
			stderr += chunk;
			const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
			if (m) settle(() => res(Number(m[1])));
		});
		exited.then(({ code, signal }) => settle(() =>
		    rej(failStart(`exited ${code ?? signal}`))));
	});

	let stopped;
	async function stop() {
		if (stopped) return stopped;
		stopped = (async () => {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
			const { code, signal } = await exited;
			clearTimeout(timer);
			writeFileSync(join(tmpDir, 'server.log'), stderr);
			const keep = process.env.EP_E2E_KEEP;
			if (!keep) rmSync(tmpDir, { recursive: true, force: true });
			if (code !== 0) {
				throw new Error(`expertpoold exited ${code ?? signal} on SIGTERM:\n${stderr}`);
			}
			return { code, log: stderr };
		})();
		return stopped;
	}

	return {
		url: `http://127.0.0.1:${port}/`,
		port,
		dbPath,
		tmpDir,
		pluginsDir,
		log: () => stderr,
		cli: boundCli,
		sql: boundSql,
		stop,
	};
}

/** Chromium's flags: headless, and no traffic of its own off this machine. */
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-quic',
	'--no-first-run',
	'--disable-component-update',
	'--disable-sync',
];

/**
 * Launches Debian's chromium through playwright-core. playwright gives it a
 * fresh, empty --user-data-dir of its own in the temporary directory and
 * removes it on close. Close the browser when done.
 */
export async function launchBrowser(opts = {}) {
	const { chromium } = await import('playwright-core');
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		timeout: 30000,
		...opts,
	});
}

const AXE_SOURCE = readFileSync(join(topSrcdir, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
// The rules pages must pass: WCAG 2.0, 2.1 and 2.2 at levels A and AA (the
// public sector's accessibility regulations), and axe's best practices.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/**
 * Checks a page with axe-core (Deque's accessibility engine) against WCAG
 * 2.2 A and AA and axe's best practices, and that it has exactly one <h1>.
 * Fails naming each rule broken and the elements that break it. The tests
 * browse with JavaScript off, as the pages must work without it, so axe
 * runs on a copy of the page as rendered (its stylesheets fetched from the
 * same server, a meta refresh and the page's own scripts left out) in a
 * context of its own that allows script.
 */
const axePages = new WeakMap();

// The page axe runs in, one per browser, with axe loaded once: reading
// axe's source takes seconds on a busy machine, so each page checked is
// put in place of the one before rather than into a new page.
async function axePage(browser) {
	let copy = axePages.get(browser);
	if (!copy || copy.isClosed()) {
		const ctx = await browser.newContext();
		copy = await ctx.newPage();
		await copy.setContent('<!DOCTYPE html><html><head></head><body></body></html>');
		await copy.evaluate(AXE_SOURCE);
		axePages.set(browser, copy);
	}
	return copy;
}

export async function checkBasics(page) {
	// A page whose response is still arriving (a click's POST answered
	// by a redirect to a page that takes a while) is read once loaded,
	// not as the empty document it starts as.
	await page.waitForLoadState('load');
	const url = page.url();
	const html = (await page.content())
	    .replace(/<meta[^>]*http-equiv="?refresh"?[^>]*>/gi, '')
	    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '')
	    .replace(/<head([^>]*)>/i, `<head$1><base href="${url.replace(/"/g, '&quot;')}">`);
	const copy = await axePage(page.context().browser());
	const problems = await copy.evaluate(async ([text, tags]) => {
		// The page in place of the last, its stylesheets loaded.
		const doc = new DOMParser().parseFromString(text, 'text/html');
		document.replaceChild(document.adoptNode(doc.documentElement),
		    document.documentElement);
		await Promise.all([...document.querySelectorAll('link[rel=stylesheet]')]
		    .map((l) => l.sheet ? null : new Promise((res) => {
			l.addEventListener('load', res);
			l.addEventListener('error', res);
		    })));
		const out = [];
		const h1s = document.querySelectorAll('h1').length;
		if (h1s !== 1) out.push(`${h1s} <h1> elements, not 1`);
		const result = await globalThis.axe.run(document, {
			runOnly: { type: 'tag', values: tags },
			resultTypes: ['violations'],
		});
		for (const v of result.violations) {
			const where = v.nodes.map((n) => n.target.join(' ')).join(', ');
			out.push(`${v.id} (${v.impact}): ${v.help}: ${where}`);
		}
		return out;
	}, [html, AXE_TAGS]);
	assert.deepEqual(problems, [], `accessibility on ${url}`);
}

/**
 * checkBasics, and that the page does not scroll sideways at 320 CSS px
 * wide: WCAG 2.2's reflow, a page at 400% zoom on a 1280 px screen.
 */
export async function checkPage(page) {
	await checkBasics(page);
	const was = page.viewportSize();
	await page.setViewportSize({ width: 320, height: 640 });
	const width = await page.evaluate(() => document.documentElement.scrollWidth);
	await page.setViewportSize(was);
	assert.ok(width <= 320, `${page.url()} is ${width} px wide at 320 px`);
}

/** True when the browser tests can run here. */
export function browserAvailable() {
	return existsSync(CHROMIUM) && existsSync(join(topSrcdir, 'node_modules', 'playwright-core'));
}

/** The password the browser tests give every person: LOGIN-password-1. */
export const testPassword = (login) => `${login}-password-1`;

/**
 * Adds people through the CLI, each [login, org, roles, name] (the name
 * defaults to "Test LOGIN"), with the test password signIn uses.
 */
export function addUsers(cli, users) {
	for (const [login, org, roles, name] of users)
		cli(['user', 'add', login, '--org', org, '--roles', roles,
		    '--name', name ?? `Test ${login}`], { input: `${testPassword(login)}\n` });
}

/**
 * Signs a person in, in a fresh browser context without JavaScript (the
 * test passwords are LOGIN-password-1). Returns {ctx, page}.
 */
export async function signIn(browser, server, login) {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	await page.goto(new URL('login', server.url).href);
	await page.fill('#login', login);
	await page.fill('#password', testPassword(login));
	await page.click('#main-content button[type=submit]');
	if (/\/login/.test(page.url()))
		throw new Error(`${login} could not sign in`);
	return { ctx, page };
}

/**
 * A plugin directory holding the built plugins named (e.g. 'timesheet',
 * 'recharge'), as an installed server would have it.
 */
export function builtPlugins(...names) {
	const dir = mkdtempSync(join(tmpdir(), 'ep-e2e-plugins-'));
	process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
	for (const n of names)
		copyFileSync(join(topBuilddir, `plugins/${n}/.libs/${n}.so`),
		    join(dir, `${n}.so`));
	return dir;
}

/**
 * A sealing key and a configuration naming it, in a directory of their
 * own, for a server that issues invoices. Returns {keyDir, args}: args are
 * the server's and the CLI's flags (the rules and that configuration).
 */
export function sealedConfig(prefix) {
	const keyDir = mkdtempSync(join(tmpdir(), prefix));
	writeFileSync(join(keyDir, 'sealing.key'), randomBytes(32).toString('hex'));
	writeFileSync(join(keyDir, 'expertpool.conf'),
	    `sealing_key_file = "${join(keyDir, 'sealing.key')}"\n`);
	return { keyDir, args: ['--rules', join(topSrcdir, 'rules'), '--config',
	    join(keyDir, 'expertpool.conf')] };
}

/**
 * The demo, as scripts/demo serves it, on the test clock: the demo data
 * (scripts/demo-data) with the timesheet and recharge plugins, the rule
 * sets and a sealing key. Gives the server, the CLI's flags for the same
 * rules and key (args), the plugins' directory, a scratch directory (dir)
 * and stop, which ends the server and removes what was made.
 */
export async function startDemo(prefix, clock) {
	const { keyDir, args } = sealedConfig(prefix);
	const plugins = builtPlugins('timesheet', 'recharge');
	const server = await startServer({
		plugins,
		clock,
		args,
		dbSetup: ({ dbPath }) => {
			rmSync(dbPath, { force: true });
			execFileSync(join(topSrcdir, 'scripts', 'demo-data'), [dbPath], {
				env: { ...process.env, ...clockEnv(clock), EXPERTPOOL,
				    PLUGINS: plugins, RULES: join(topSrcdir, 'rules') },
			});
		},
	});
	return {
		server, args, plugins, dir: keyDir,
		stop: async () => {
			await server.stop();
			rmSync(plugins, { recursive: true, force: true });
			rmSync(keyDir, { recursive: true, force: true });
		},
	};
}

/**
 * Two councils that trade both ways under agreements from `since`:
 * Avondale (AVD, standard rated, 30 days) and Brookfield (BRK, outside
 * the scope of VAT, 14 days), each with a finance officer, an expert and
 * a requester (LOGIN avd-fin, brk-exp...), and one engaged request each
 * way from `starts` to `ends`; hours are the caller's to add. avd: more
 * flags for `org add AVD`, and avdAddress its address.
 */
export function twoCouncils(cli, sql, { since, starts, ends, avd = [],
    avdAddress = 'Civic Centre, Avondale AV1 1AA' }) {
	cli(['org', 'add', 'AVD', '--name', 'Avondale District Council',
	    '--kind', 'district', '--address', avdAddress, '--vat', 'GB123456789',
	    ...avd]);
	cli(['org', 'add', 'BRK', '--name', 'Brookfield Borough Council',
	    '--kind', 'borough', '--address', 'Town Hall, Brookfield BR2 2BB',
	    '--vat', 'GB987654321']);
	cli(['agreement', 'add', '--provider', 'AVD', '--consumer', 'BRK',
	    '--ruleset', 'standard', '--terms', '30', '--vat', 'S', '--from', since]);
	cli(['agreement', 'add', '--provider', 'BRK', '--consumer', 'AVD',
	    '--ruleset', 'standard', '--terms', '14', '--vat', 'O', '--from', since]);
	addUsers(cli, [['avd-fin', 'AVD', 'finance'],
	    ['avd-exp', 'AVD', 'expert'], ['avd-req', 'AVD', 'requester'],
	    ['brk-fin', 'BRK', 'finance'], ['brk-exp', 'BRK', 'expert'],
	    ['brk-req', 'BRK', 'requester']]);
	sql(`
	    INSERT INTO experts (org_id, person_id, name, grade,
	        weekly_capacity_minutes)
	      SELECT org_id, id, name, 'standard', 2220 FROM people
	      WHERE login LIKE '%-exp' ORDER BY id;
	    INSERT INTO requests (consumer_id, requester_id, area, title,
	        urgency, wanted_start, wanted_end, estimated_minutes, state,
	        po_reference, cost_centre)
	      SELECT org_id, id, 'legal', 'Planning appeal advice',
	        'routine', '${starts}', '${ends}', 6000, 'engaged',
	        'PO-' || login, 'CC-' || login FROM people
	      WHERE login LIKE '%-req' ORDER BY id;
	    INSERT INTO offers (request_id, expert_id, provider_id, basis,
	        state) VALUES (1, 2, 2, 'hourly', 'accepted'),
	        (2, 1, 1, 'hourly', 'accepted');
	    INSERT INTO engagements (request_id, offer_id, expert_id,
	        provider_id, consumer_id, basis, starts, ends,
	        committed_minutes)
	      SELECT o.request_id, o.id, o.expert_id, o.provider_id,
	        r.consumer_id, 'hourly', '${starts}', '${ends}', 6000
	      FROM offers o JOIN requests r ON r.id = o.request_id
	      ORDER BY o.id;`);
}
