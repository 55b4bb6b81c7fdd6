// tests/e2e/tap-flat.mjs: a node:test reporter that writes flat TAP, one
// "ok"/"not ok" line per test that has no subtests, named
// "FILE: parent > child", and the plan at the end, so automake's tap-driver
// counts every test. A test with subtests gets a line of its own only when it
// failed while none of its subtests did (a failing hook, say). Output and
// failure details become "#" comment lines.

import { basename } from 'node:path';

const comment = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, '').replace(/\n+$/, '').split('\n')
    .map((l) => `# ${l}`.trimEnd()).join('\n') + '\n';

// TAP descriptions must not contain '#' (it starts a directive).
const clean = (s) => String(s).replace(/#/g, '\\#').replace(/\s+/g, ' ');

function errorText(error) {
	if (!error) return '';
	const e = error.cause ?? error;
	let text = e.stack || e.message || String(e);
	if (e.message && !text.includes(e.message)) text = `${e.message}\n${text}`;
	// Drop frames from node's own modules: they say nothing about the test.
	return text.split('\n').filter((l) => !/^\s+at .*\(node:/.test(l)).join('\n');
}

export default async function* flatTap(source) {
	yield 'TAP version 13\n';
	let n = 0;
	const files = new Map(); // file -> {names: [], children: [], childFailed: []}
	const state = (file) => {
		const key = file || '';
		if (!files.has(key)) files.set(key, { names: [], children: [], childFailed: [] });
		return files.get(key);
	};

	for await (const { type, data } of source) {
		switch (type) {
		case 'test:start': {
			const s = state(data.file);
			s.names.length = data.nesting;
			s.names[data.nesting] = data.name;
			break;
		}
		case 'test:pass':
		case 'test:fail': {
			const s = state(data.file);
			const d = data.nesting;
			const fail = type === 'test:fail';
			const hadChildren = (s.children[d + 1] || 0) > 0;
			const childFailed = !!s.childFailed[d + 1];
			s.children[d + 1] = 0;
			s.childFailed[d + 1] = false;
			s.children[d] = (s.children[d] || 0) + 1;
			s.childFailed[d] = s.childFailed[d] || fail;
			if (hadChildren && (!fail || childFailed)) {
				// A failing hook fails the subtests; say why.
				if (fail && data.details?.error?.failureType !== 'subtestsFailed') {
					yield comment(`${data.name}: ${errorText(data.details?.error)}`);
				}
				break;
			}

			const path = [...s.names.slice(0, d), data.name].filter((x) => x !== undefined);
			let name = path.join(' > ');
			if (data.file && !name.startsWith(data.file)) name = `${basename(data.file)}: ${name}`;
			n++;
			let line = `${fail ? 'not ok' : 'ok'} ${n} - ${clean(name)}`;
			if (data.skip !== undefined && data.skip !== false) {
				line += ` # SKIP${data.skip === true ? '' : ` ${clean(data.skip)}`}`;
			} else if (data.todo !== undefined && data.todo !== false) {
				line += ` # TODO${data.todo === true ? '' : ` ${clean(data.todo)}`}`;
			}
			yield `${line}\n`;
			if (fail) {
				yield comment(errorText(data.details?.error));
			}
			break;
		}
		case 'test:stdout':
		case 'test:stderr':
			yield comment(data.message);
			break;
		case 'test:diagnostic':
			yield comment(data.message);
			break;
		default:
			break;
		}
	}
	yield `1..${n}\n`;
	if (n === 0) yield '# no tests ran\n';
}
