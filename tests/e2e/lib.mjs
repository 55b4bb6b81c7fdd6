// tests/e2e/lib.mjs: helpers for browser tests: a private expertpoold on an
// ephemeral loopback port with a temporary store, the CLI against that store,
// Debian's chromium driven by playwright-core, and basic accessibility checks.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync,
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
 * unless opts.check is false.
 */
export function cli(args, { db, plugins, input, check = true, env } = {}) {
	assert.ok(db, 'cli: a --db path is required');
	const argv = ['--db', db, '--plugins', plugins || defaultPluginsDir(), ...args];
	const r = spawnSync(EXPERTPOOL, argv, {
		input,
		encoding: 'utf8',
		timeout: 30000,
		env: { ...process.env, ...env },
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
 * Starts expertpoold on 127.0.0.1:0 with a store and a plugins directory in
 * a fresh temporary directory.
 *   plugins: a directory to load plugins from, or a list of .so paths (or
 *            names of test plugins, e.g. 'hello') linked into a temporary
 *            one; by default an empty directory.
 *   dbSetup: async ({dbPath, tmpDir, cli}) run before the server starts,
 *            after `expertpool init` has created the schema; cli is bound
 *            to the test's store and plugins.
 *   args:    further expertpoold flags.
 * Returns {url, port, dbPath, tmpDir, pluginsDir, log(), cli(), stop()};
 * url ends with '/'. stop() sends SIGTERM, waits, removes the temporary
 * directory and throws if the server did not exit 0 (an ASan report, say).
 */
export async function startServer({ plugins, dbSetup, args = [], env } = {}) {
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
			symlinkSync(so, join(pluginsDir, basename(so)));
		}
	}
	const boundCli = (a, opts = {}) => cli(a, { db: dbPath, plugins: pluginsDir, ...opts });

	if (dbSetup) {
		boundCli(['init']);
		await dbSetup({ dbPath, tmpDir, cli: boundCli });
	}

	const child = spawn(EXPERTPOOLD, ['--listen', '127.0.0.1:0', '--db', dbPath,
	    '--plugins', pluginsDir, ...args], {
		stdio: ['ignore', 'ignore', 'pipe'],
		env: { ...process.env, ...env },
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

/**
 * Asserts what every page must have: <html lang>, a non-empty <title>,
 * exactly one <h1>, an accessible label on every form control and alt text
 * on every image. Failures list every problem found.
 */
export async function checkBasics(page) {
	const problems = await page.evaluate(() => {
		const out = [];
		const describe = (el) => {
			let s = el.tagName.toLowerCase();
			if (el.id) s += `#${el.id}`;
			if (el.getAttribute('name')) s += `[name=${el.getAttribute('name')}]`;
			if (el.getAttribute('type')) s += `[type=${el.getAttribute('type')}]`;
			return s;
		};
		const text = (s) => (s || '').trim() !== '';
		if (!text(document.documentElement.getAttribute('lang'))) out.push('<html> has no lang');
		if (!text(document.title)) out.push('no <title>');
		const h1s = document.querySelectorAll('h1').length;
		if (h1s !== 1) out.push(`${h1s} <h1> elements, not 1`);

		const labelled = (el) => {
			if (text(el.getAttribute('aria-label'))) return true;
			const by = el.getAttribute('aria-labelledby');
			if (by && by.split(/\s+/).some((id) => text(document.getElementById(id)?.textContent))) {
				return true;
			}
			return [...(el.labels || [])].some((l) => text(l.textContent));
		};
		for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
			const type = (el.getAttribute('type') || '').toLowerCase();
			// Buttons are named by their value (or alt, for an image button).
			if (['submit', 'reset', 'button'].includes(type)) {
				if (!text(el.value) && !labelled(el)) out.push(`${describe(el)} has no text`);
				continue;
			}
			if (type === 'image') {
				if (!text(el.getAttribute('alt'))) out.push(`${describe(el)} has no alt`);
				continue;
			}
			if (!labelled(el)) out.push(`${describe(el)} has no label`);
		}
		for (const img of document.querySelectorAll('img')) {
			if (!img.hasAttribute('alt')) out.push(`<img src=${img.getAttribute('src')}> has no alt`);
		}
		return out;
	});
	assert.deepEqual(problems, [], `accessibility basics on ${page.url()}`);
}

/** True when the browser tests can run here. */
export function browserAvailable() {
	return existsSync(CHROMIUM) && existsSync(join(topSrcdir, 'node_modules', 'playwright-core'));
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
	await page.fill('#password', `${login}-password-1`);
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
	for (const n of names)
		copyFileSync(join(topBuilddir, `plugins/${n}/.libs/${n}.so`),
		    join(dir, `${n}.so`));
	return dir;
}
