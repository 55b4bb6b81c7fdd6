// two-factor.test.mjs: with two-factor required of finance officers, the
// demo's finance officer (Fiona Finance at NRC) signs in with her
// password, is sent to set up an authenticator app, reads the QR code's
// text alternative and the key, enrols with a code computed by Debian's
// oathtool on the server's clock, sees her recovery codes once, and signs
// in again with a password and a code. Every page passes axe and does not
// scroll sideways at 320 px; no JavaScript is needed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUsers, checkPage, clockEnv, launchBrowser, startServer,
    testPassword } from './lib.mjs';

let server;
let browser;
let confDir;

before(async () => {
	confDir = mkdtempSync(join(tmpdir(), 'ep-2fa-'));
	writeFileSync(join(confDir, 'sealing.key'), 'ab'.repeat(32) + '\n');
	writeFileSync(join(confDir, '2fa.lua'), `sealing_key_file = "${
	    join(confDir, 'sealing.key')}"\ntwo_factor_required = true\n`);
	server = await startServer({
		dbSetup: ({ cli }) => {
			cli(['org', 'add', 'NRC', '--name', 'Northshire Regional Centre',
			    '--kind', 'centre']);
			addUsers(cli, [['finance', 'NRC', 'finance', 'Fiona Finance']]);
		},
		args: ['--config', join(confDir, '2fa.lua')],
	});
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
	if (confDir) rmSync(confDir, { recursive: true, force: true });
});

/* The code an authenticator app shows now, on the test clock. */
function code(secret) {
	return execFileSync('oathtool', ['--totp', '-b', secret], {
		env: { ...process.env, ...clockEnv() }, encoding: 'utf8' }).trim();
}

async function password(page) {
	await page.goto(new URL('login', server.url).href);
	await page.fill('#login', 'finance');
	await page.fill('#password', testPassword('finance'));
	await page.click('#main-content button[type=submit]');
}

test('the finance officer enrols at sign-in and signs in with a code', async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	await password(page);
	assert.match(page.url(), /\/login\/two-factor\/setup\?next=%2F$/);
	await checkPage(page);
	const qr = page.locator('svg[role=img]');
	assert.match(await qr.locator('title').textContent(), /key is also written out as text/);
	const secret = (await page.locator('#secret').textContent()).replace(/\s/g, '');
	assert.equal(secret.length, 32);

	await page.fill('#code', '000000x');
	await page.click('#main-content form button[type=submit]');
	await checkPage(page);
	assert.match(await page.locator('.govuk-error-summary').textContent(),
	    /The code is not right/);

	const first = code(secret);
	await page.fill('#code', first);
	await page.click('#main-content form button[type=submit]');
	await checkPage(page);
	assert.equal(await page.locator('#recovery-codes li').count(), 10);
	await page.click('text=Continue');
	assert.match(await page.locator('h1').textContent(), /Welcome, Fiona Finance/);
	await ctx.close();

	// A new session: the password, then a code from a later time step.
	let next = code(secret);
	for (let i = 0; next === first && i < 40; i++) {
		await new Promise((res) => setTimeout(res, 1000));
		next = code(secret);
	}
	const ctx2 = await browser.newContext({ javaScriptEnabled: false });
	const page2 = await ctx2.newPage();
	await password(page2);
	assert.match(page2.url(), /\/login\/two-factor\?next=%2F$/);
	await checkPage(page2);
	await page2.fill('#code', next);
	await page2.click('#main-content form button[type=submit]');
	assert.match(await page2.locator('h1').textContent(), /Welcome, Fiona Finance/);
	await page2.goto(new URL('account/two-factor', server.url).href);
	await checkPage(page2);
	assert.match(await page2.locator('main').textContent(), /10 of 10/);
	await ctx2.close();
});
