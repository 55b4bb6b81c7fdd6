// tests/conns.mjs: opens many connections from one loopback address and
// reports what the server did with each, for the connection limit tests.
//
// usage: node conns.mjs PORT FROM COUNT SEND WAIT_MS [DRIP_MS]
//   opens COUNT connections from address FROM, writes SEND on each (a
//   partial request, say; \r and \n escapes allowed), and after WAIT_MS
//   prints one line "open N refused429 N timeout408 N busy503 N closed N":
//   connections still open, answered 429, 408 or 503, and closed without a
//   reply. With DRIP_MS, SEND is written one byte every DRIP_MS instead.
import net from 'node:net';

const [port, from, count, send, wait, drip] = process.argv.slice(2);
const text = send.replace(/\\r/g, '\r').replace(/\\n/g, '\n');
const seen = { open: 0, refused429: 0, timeout408: 0, busy503: 0, closed: 0 };
const socks = [];

function open(i) {
	return new Promise((resolve) => {
		const s = net.connect({ port: Number(port), host: '127.0.0.1',
		    localAddress: from });
		let reply = '', state = 'open';
		s.on('connect', () => {
			if (!drip) {
				s.write(text);
			} else {
				let k = 0;
				const t = setInterval(() => {
					if (k >= text.length || s.destroyed) { clearInterval(t); return; }
					s.write(text[k++]);
				}, Number(drip));
			}
			resolve();
		});
		s.on('data', (d) => { reply += d.toString('latin1'); });
		s.on('error', () => {});
		s.on('close', () => {
			const m = reply.match(/^HTTP\/1\.1 (\d+)/);
			state = m ? ({ 429: 'refused429', 408: 'timeout408', 503: 'busy503' }[m[1]] ?? 'closed') : 'closed';
		});
		socks.push(() => state);
	});
}

const jobs = [];
for (let i = 0; i < Number(count); i++) jobs.push(open(i));
await Promise.all(jobs);
await new Promise((r) => setTimeout(r, Number(wait)));
for (const f of socks) seen[f()]++;
console.log(Object.entries(seen).map(([k, v]) => `${k} ${v}`).join(' '));
process.exit(0);
