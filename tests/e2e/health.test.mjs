// health.test.mjs: the server answers /healthz in a real browser, and the
// browser can take a screenshot of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, startServer } from './lib.mjs';

let server;
let browser;

before(async () => {
	server = await startServer();
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

test('GET /healthz shows ok in chromium', async () => {
	const page = await browser.newPage();
	const response = await page.goto(new URL('healthz', server.url).href);
	assert.equal(response.status(), 200);
	assert.equal((await page.locator('body').innerText()).trim(), 'ok');

	const shot = join(server.tmpDir, 'healthz.png');
	await page.screenshot({ path: shot });
	assert.ok(statSync(shot).size > 0, 'the screenshot is not empty');
	await page.close();
});
