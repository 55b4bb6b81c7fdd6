/*
 * progress.js: on a page of work still running, fetches the page again every
 * few seconds, puts what it says now into the polite live region, and when
 * the work is done (the page has no progress region any more) shows the
 * result. Without it the person follows the "Check progress" link.
 */
(function () {
	'use strict';
	var region = document.querySelector('[data-ep-progress]');
	var link = document.getElementById('check-progress');
	var url = link ? link.href : window.location.href;

	if (!region || !window.fetch || !window.DOMParser)
		return;
	function again(ms) {
		window.setTimeout(poll, ms);
	}
	function show(text, where) {
		var doc = new window.DOMParser().parseFromString(text, 'text/html');
		var next = doc.querySelector('[data-ep-progress]');

		if (!next) {
			window.location.replace(where);
			return;
		}
		if (next.textContent !== region.textContent)
			region.innerHTML = next.innerHTML;
		again(2000);
	}
	function poll() {
		window.fetch(url, { credentials: 'same-origin' }).then(function (res) {
			if (!res.ok)
				throw new Error(String(res.status));
			return res.text().then(function (text) {
				show(text, res.url || url);
			});
		}).catch(function () {
			again(5000);
		});
	}
	again(2000);
}());
