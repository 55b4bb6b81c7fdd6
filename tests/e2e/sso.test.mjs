// sso.test.mjs: signing in with a council account. A real OpenID Connect
// provider (tests/oidc/provider.mjs) on loopback: a known person lands on
// their home page, an unknown address is refused with a clear page, a
// replayed state is refused, sign-out ends the session, an allowed domain
// makes a requester, and passwords can be turned off. A small issuer of
// crafted tokens (tests/oidc/fake-issuer.mjs) for what a real provider
// never sends: another audience, an expired token, a wrong nonce, a
// signature by a key not in the issuer's set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBasics, launchBrowser, startServer, testNow, testPassword,
    topSrcdir } from './lib.mjs';

const CLIENT_ID = 'expertpool-test';
const CLIENT_SECRET = 'a client secret only the test knows';

let server, browser, provider, fake, keyDir, conf;
const children = [];

/** Starts a node script of tests/oidc; resolves to its issuer URL. */
function startIssuer(script, env) {
	const child = spawn(process.execPath, [join(topSrcdir, 'tests', 'oidc', script)], {
		stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, ...env },
	});
	children.push(child);
	let err = '';
	child.stderr.on('data', (c) => { err += c; });
	return new Promise((res, rej) => {
		let out = '';
		child.stdout.on('data', (c) => {
			out += c;
			const m = /\{"issuer":"([^"]+)"\}/.exec(out);
			if (m) res(m[1]);
		});
		child.on('exit', (code) => rej(new Error(`${script} exited ${code}: ${err}`)));
	});
}

const url = (p) => new URL(p, server.url).href;
const now = () => Math.floor(testNow().getTime() / 1000);

before(async () => {
	keyDir = mkdtempSync(join(tmpdir(), 'ep-sso-key-'));
	writeFileSync(join(keyDir, 'sealing.key'), randomBytes(32).toString('hex'));
	conf = join(keyDir, 'expertpool.conf');
	writeFileSync(conf, `sealing_key_file = "${join(keyDir, 'sealing.key')}"\n`);
	server = await startServer({
		args: ['--config', conf],
		dbSetup: ({ cli }) => {
			cli(['org', 'add', 'NSC', '--name', 'Northshire County Council',
			    '--kind', 'county']);
			cli(['org', 'add', 'FAK', '--name', 'Fakeborough Borough Council',
			    '--kind', 'borough']);
			for (const [login, org, roles, email] of [
				['nina', 'NSC', 'requester,approver', 'Nina.Shah@northshire.gov.uk'],
				['ada', 'NSC', 'admin', 'ada@northshire.gov.uk'],
				['fred', 'FAK', 'requester', 'fred@fakeborough.gov.uk'],
			]) {
				cli(['user', 'add', login, '--org', org, '--roles', roles,
				    '--name', `Test ${login}`], { input: `${testPassword(login)}\n` });
				cli(['user', 'set', login, '--email', email]);
			}
		},
	});
	const offset = String(testNow().getTime() - Date.now());
	provider = await startIssuer('provider.mjs', { OIDC_CLIENT_ID: CLIENT_ID,
	    OIDC_CLIENT_SECRET: CLIENT_SECRET, CLOCK_OFFSET_MS: offset,
	    OIDC_REDIRECT_URI: url('login/callback') });
	fake = await startIssuer('fake-issuer.mjs', {});
	server.cli(['--config', conf, 'org', 'sso', 'NSC', '--issuer', provider,
	    '--client-id', CLIENT_ID, '--secret-file', '-'], { input: `${CLIENT_SECRET}\n` });
	server.cli(['--config', conf, 'org', 'sso', 'FAK', '--issuer', fake,
	    '--client-id', CLIENT_ID, '--secret-file', '-'], { input: `${CLIENT_SECRET}\n` });
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	for (const c of children) c.kill('SIGTERM');
	await server?.stop();
	if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

/** Signs in at the provider's own login form as email, from the sign-in
 * page; resolves to {ctx, page, callback} (the callback address used). */
async function councilSignIn(email) {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	let callback;
	page.on('request', (r) => {
		if (r.url().startsWith(url('login/callback'))) callback = r.url();
	});
	await page.goto(url('login'));
	await page.getByRole('link', { name: /Northshire County Council/ }).click();
	assert.ok(page.url().startsWith(provider), `at the provider: ${page.url()}`);
	await page.fill('input[name=login]', email);
	await page.fill('input[name=password]', 'anything');
	await page.click('button[type=submit]');
	return { ctx, page, callback };
}

test('the sign-in page offers each council account that has a provider', async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	await page.goto(url('login'));
	await checkBasics(page);
	assert.equal(await page.locator('main h2').innerText(), 'Sign in with your council account');
	const links = page.locator('main a[href^="/login/sso/"]');
	assert.deepEqual(await links.allInnerTexts(), [
		'Fakeborough Borough Council',
		'Northshire County Council',
	]);
	await ctx.close();
});

test('a known person signs in, lands on their home page, and signs out', async () => {
	const { ctx, page, callback } = await councilSignIn('nina.shah@northshire.gov.uk');
	assert.equal(page.url(), url('/'));
	assert.equal(await page.locator('h1').innerText(), 'Welcome, Test nina');
	await checkBasics(page);
	assert.equal(server.sql("SELECT sso_issuer || ' ' || sso_subject FROM people " +
	    "WHERE login = 'nina'"), `${provider} nina.shah@northshire.gov.uk`,
	    'matched by e-mail (in another case), the subject kept');
	assert.match(server.cli(['audit', 'list']).stdout,
	    /sso-link person nina .*"sso_subject":"nina.shah@northshire.gov.uk"/);
	assert.match(server.cli(['audit', 'list']).stdout, /sign-in person nina \{"method":"oidc"/);

	// The state it came back with is spent: the same address again is refused.
	const again = await ctx.newPage();
	const res = await again.goto(callback);
	assert.equal(res.status(), 400);
	assert.equal(await again.locator('h1').innerText(), 'This sign-in has expired');
	await checkBasics(again);
	await again.close();

	// Sign-out ends the session: the old cookie opens nothing.
	const cookie = (await ctx.cookies()).find((c) => c.name === 'ep_session');
	await page.click('button:has-text("Sign out")');
	assert.match(page.url(), /\/login$/);
	const later = await fetch(url('requests'), { redirect: 'manual',
	    headers: { Cookie: `ep_session=${cookie.value}` } });
	assert.equal(later.status, 303);
	assert.match(later.headers.get('location'), /^\/login/);
	await ctx.close();
});

test('the next sign-in finds the person by subject', async () => {
	server.cli(['user', 'set', 'nina', '--email', 'nina.elsewhere@example.org']);
	const { ctx, page } = await councilSignIn('nina.shah@northshire.gov.uk');
	assert.equal(page.url(), url('/'));
	assert.equal(await page.locator('h1').innerText(), 'Welcome, Test nina');
	await ctx.close();
});

test('an unknown e-mail address is refused with a clear page', async () => {
	const before = server.sql('SELECT count(*) FROM people');
	const { ctx, page } = await councilSignIn('stranger@northshire.gov.uk');
	assert.equal(await page.locator('h1').innerText(),
	    'Your council account is not set up in expertpool');
	assert.match(await page.locator('main').innerText(),
	    /stranger@northshire\.gov\.uk.*Northshire County Council/s);
	await checkBasics(page);
	assert.equal((await ctx.cookies()).some((c) => c.name === 'ep_session'), false);
	assert.equal(server.sql('SELECT count(*) FROM people'), before, 'nobody created');
	await ctx.close();
});

test('an allowed e-mail domain makes a requester, and only a requester', async () => {
	server.cli(['org', 'sso', 'NSC', '--domains', 'northshire.gov.uk']);
	const { ctx, page } = await councilSignIn('new.starter@northshire.gov.uk');
	assert.equal(page.url(), url('/'));
	assert.equal(server.sql("SELECT roles, org_id = (SELECT id FROM organisations " +
	    "WHERE code = 'NSC'), password_hash IS NULL FROM people WHERE login = " +
	    "'new.starter@northshire.gov.uk'"), '1|1|1');
	assert.match(server.cli(['audit', 'list']).stdout,
	    /create person new\.starter@northshire\.gov\.uk .*"roles":"requester"/);
	await ctx.close();
	// Another domain still makes nobody.
	const other = await councilSignIn('someone@elsewhere.gov.uk');
	assert.equal(await other.page.locator('h1').innerText(),
	    'Your council account is not set up in expertpool');
	await other.ctx.close();
	server.cli(['org', 'sso', 'NSC', '--domains', '']);
});

test('an organisation may turn passwords off for its people', async () => {
	server.cli(['org', 'sso', 'NSC', '--passwords', 'no']);
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	await page.goto(url('login'));
	await page.fill('#login', 'ada');
	await page.fill('#password', testPassword('ada'));
	await page.click('#main-content button[type=submit]');
	assert.match(page.url(), /\/login$/);
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /Your organisation signs in with its council account/);
	await checkBasics(page);
	assert.equal((await ctx.cookies()).some((c) => c.name === 'ep_session'), false);
	// Another organisation's people still use their passwords.
	await page.fill('#login', 'fred');
	await page.fill('#password', testPassword('fred'));
	await page.click('#main-content button[type=submit]');
	assert.equal(page.url(), url('/'));
	await ctx.close();
	server.cli(['org', 'sso', 'NSC', '--passwords', 'yes']);
});

test('an administrator sees and changes the provider on the organisation page', async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false });
	const page = await ctx.newPage();
	await page.goto(url('login'));
	await page.fill('#login', 'ada');
	await page.fill('#password', testPassword('ada'));
	await page.click('#main-content button[type=submit]');
	const id = server.sql("SELECT id FROM organisations WHERE code = 'NSC'");
	await page.goto(url(`organisations/${id}`));
	await page.click('text=Council account sign-in');
	assert.equal(page.url(), url(`admin/organisations/${id}/sso`));
	await checkBasics(page);
	assert.match(await page.locator('.govuk-inset-text').innerText(),
	    new RegExp(url('login/callback').replace(/[.:/]/g, '\\$&')));
	assert.equal(await page.inputValue('#issuer'), provider);
	await page.fill('#issuer', 'not a url');
	await page.click('button:has-text("Save")');
	assert.match(await page.locator('.govuk-error-summary').innerText(),
	    /The issuer URL must start with https:\/\//);
	await checkBasics(page);
	await page.fill('#issuer', provider);
	await page.fill('#domains', 'northshire.gov.uk nsc.gov.uk');
	await page.click('button:has-text("Save")');
	assert.equal(page.url(), url(`organisations/${id}?done=sso`));
	assert.equal(server.sql(`SELECT create_domains, client_secret_sealed IS NOT NULL
	    FROM org_sso WHERE org_id = ${id}`), 'northshire.gov.uk,nsc.gov.uk|1',
	    'the secret is kept when the field is left empty');
	assert.match(server.cli(['audit', 'list']).stdout,
	    /sso-update organisation NSC .*"create_domains":"northshire.gov.uk,nsc.gov.uk"/);
	await ctx.close();
	server.cli(['org', 'sso', 'NSC', '--domains', '']);
});

// --- Crafted tokens, through the fake issuer ---

/** Starts a sign-in at FAK without a browser: {state, nonce, challenge, cookie}. */
async function startFake() {
	const res = await fetch(url('login/sso/FAK'), { redirect: 'manual' });
	assert.equal(res.status, 303);
	const to = new URL(res.headers.get('location'));
	assert.equal(to.origin + to.pathname, `${fake}/authorize`);
	assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
	const cookie = /ep_sso=([^;]+)/.exec(res.headers.get('set-cookie'))[1];
	assert.equal(cookie, to.searchParams.get('state'));
	return { state: to.searchParams.get('state'), nonce: to.searchParams.get('nonce'),
	    challenge: to.searchParams.get('code_challenge'), cookie };
}

/** Claims as FAK's issuer would sign them for fred, with changes. */
function claims(flow, changes = {}) {
	return { iss: fake, aud: CLIENT_ID, sub: 'fake-fred', email: 'fred@fakeborough.gov.uk',
	    nonce: flow.nonce, iat: now(), exp: now() + 300, ...changes };
}

/** Has the fake issue next, then comes back to the callback with flow's state. */
async function finish(flow, next, { state = flow.state, cookie = flow.cookie } = {}) {
	await fetch(`${fake}/next`, { method: 'POST', body: JSON.stringify(next) });
	const res = await fetch(url(`login/callback?code=the-code&state=${encodeURIComponent(state)}`),
	    { redirect: 'manual', headers: { Cookie: `ep_sso=${cookie}` } });
	const text = await res.text();
	const session = /ep_session=([^;]+)/.test(res.headers.get('set-cookie') || '');
	return { status: res.status, text, session, location: res.headers.get('location') };
}

test('a good token signs in: PKCE verifier and client secret sent', async () => {
	const flow = await startFake();
	const r = await finish(flow, { claims: claims(flow) });
	assert.equal(r.status, 303);
	assert.equal(r.location, '/');
	assert.ok(r.session, 'a session cookie');
	const last = await (await fetch(`${fake}/last`)).json();
	assert.equal(createHash('sha256').update(last.form.code_verifier).digest('base64url'),
	    flow.challenge, 'the verifier matches the challenge');
	assert.equal(last.form.code, 'the-code');
	assert.equal(last.form.redirect_uri, url('login/callback'));
	assert.equal(last.authorization, 'Basic ' + Buffer.from(
	    `${CLIENT_ID}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64'));

	// The same state again: refused, though the cookie is sent too.
	const replay = await finish(flow, { claims: claims(flow) });
	assert.equal(replay.status, 400);
	assert.match(replay.text, /This sign-in has expired/);
	assert.equal(replay.session, false);
});

for (const [what, make, reason] of [
	['a token for another audience', (f) => ({ claims: claims(f, { aud: 'someone-else' }) }),
	    /another audience than expertpool-test/],
	['a token whose audience list lacks expertpool', (f) => ({ claims: claims(f, { aud: ['a', 'b'] }) }),
	    /another audience/],
	['an expired token', (f) => ({ claims: claims(f, { iat: now() - 7200, exp: now() - 3600 }) }),
	    /expired at/],
	['a token with a wrong nonce', (f) => ({ claims: claims(f, { nonce: 'not-the-nonce' }) }),
	    /nonce is not this sign-in's/],
	['a token from another issuer', (f) => ({ claims: claims(f, { iss: 'https://evil.example' }) }),
	    /issuer is https:\/\/evil.example/],
	['a token signed by a key not in the issuer\'s set', (f) => ({ claims: claims(f), otherKey: true }),
	    /signature does not verify/],
]) {
	test(`${what} is refused`, async () => {
		const mark = server.log().length;
		const flow = await startFake();
		const r = await finish(flow, make(flow));
		assert.equal(r.status, 401);
		assert.match(r.text, /You could not be signed in/);
		assert.equal(r.session, false);
		// The server's log says why (it is written a moment later).
		for (let i = 0; i < 40 && !reason.test(server.log().slice(mark)); i++)
			await new Promise((res) => setTimeout(res, 50));
		assert.match(server.log().slice(mark), reason);
	});
}

test('a state this browser did not start is refused', async () => {
	const mine = await startFake();
	const theirs = await startFake();
	const r = await finish(mine, { claims: claims(mine) }, { cookie: theirs.cookie });
	assert.equal(r.status, 400);
	assert.equal(r.session, false);
});
