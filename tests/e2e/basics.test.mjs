// basics.test.mjs: checkBasics (axe-core, WCAG 2.2 A and AA) passes a page
// that has what every page needs and names each rule broken by one that does not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBasics, launchBrowser } from './lib.mjs';

let browser;
let page;

before(async () => {
	browser = await launchBrowser();
	page = await browser.newPage();
});

after(async () => {
	await browser?.close();
});

test('a complete page passes', async () => {
	await page.setContent(`<!doctype html><html lang="en"><head><title>Ask for an expert</title></head>
<body><main><h1>Ask for an expert</h1><img src="data:," alt="">
<form><input type="hidden" name="csrf" value="x">
<label for="title">Title</label><input id="title" name="title">
<label>Urgency <select name="urgency"><option>normal</option></select></label>
<textarea name="notes" aria-label="Notes"></textarea>
<span id="h">Hours</span><input name="hours" aria-labelledby="h">
<input type="submit" value="Send"><button>Send</button></form></main></body></html>`);
	await checkBasics(page);
});

test('a page missing things fails and names each', async () => {
	await page.setContent(`<!doctype html><html><head></head>
<body><h1>One</h1><h1>Two</h1><img src="data:,">
<label for="elsewhere">Title</label><input id="title" name="title">
<select name="urgency"></select><textarea name="notes"></textarea></body></html>`);
	await assert.rejects(checkBasics(page), (err) => {
		for (const what of ['html-has-lang', 'document-title', '2 <h1> elements, not 1',
		    'label (critical): Form elements must have labels: #title',
		    'select-name (critical): Select element must have an accessible name',
		    'textarea', 'image-alt (critical)']) {
			assert.ok(err.message.includes(what), `names "${what}" in:\n${err.message}`);
		}
		return true;
	});
});
