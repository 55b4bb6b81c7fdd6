// bench/soak.mjs: the driver of bench/soak (which sets up the store and
// passes everything in SOAK_* variables). Loopback only: the server and
// its /healthz probes on 127.0.0.1, attackers on 127.0.0.2 and up, and
// the people at work each at an address of their own (127.0.1.N writers,
// 127.0.2.N approvers, 127.0.3.1 the finance officer), as they would be.
// Node's standard library only.
//
// node bench/soak.mjs          the soak: load, kills, checks, figures
// node bench/soak.mjs probe    (internal) the /healthz prober, a process
//                              of its own so the driver's busy loop does
//                              not add to the latencies it measures
import { spawn, fork, execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const env = process.env;
const PORT = Number(env.SOAK_PORT);
const HOST = "127.0.0.1";

// The kinds of failure a request can meet, by the code node gives them.
function cause(e) {
	const c = e && (e.code || e.message);
	if (c === "ECONNREFUSED") return "refused";
	if (c === "ECONNRESET" || c === "EPIPE" || c === "ECONNABORTED" ||
	    c === "socket hang up") return "reset";
	if (c === "TIMEOUT" || c === "ETIMEDOUT") return "timeout";
	return String(c);
}

// ---------------------------------------------------------------- prober
if (process.argv[2] === "probe") {
	const every = Number(env.SOAK_PROBE_MS || 20);
	const out = [];	// [start, end, status or cause]
	let stop = false, inflight = 0;
	const probe = () => {
		if (inflight >= 100) return;
		const t0 = now();
		let done = false;
		const end = (what) => {
			if (done) return;
			done = true;
			inflight--;
			out.push([t0, now(), what]);
		};
		inflight++;
		const req = http.get({ host: HOST, port: PORT, path: "/healthz",
		    agent: false, localAddress: HOST }, (res) => {
			res.resume();
			res.on("end", () => end(res.statusCode));
			res.on("error", (e) => end(cause(e)));
		});
		req.on("error", (e) => end(cause(e)));
		req.setTimeout(2000, () => req.destroy(Object.assign(
		    new Error("timeout"), { code: "TIMEOUT" })));
	};
	const timer = setInterval(() => { if (!stop) probe(); }, every);
	process.on("message", async (m) => {
		if (m !== "stop") return;
		stop = true;
		clearInterval(timer);
		for (let i = 0; i < 150 && inflight > 0; i++) await sleep(20);
		process.send(out, () => process.exit(0));
	});
}

// ---------------------------------------------------------------- driver
const DIR = env.SOAK_DIR;
const DB = `${DIR}/soak.db`;
const SECONDS = Number(env.SOAK_SECONDS || 60);
const KILL_MIN = Number(env.SOAK_KILL_MIN || 2);
const KILL_MAX = Number(env.SOAK_KILL_MAX || 12);
const NSLOW = Number(env.SOAK_SLOW || 1000);
const SLOW_ADDRS = 10;		// 127.0.0.2 .. 127.0.0.11
const NFLOOD = Number(env.SOAK_FLOOD || 24);	// 127.0.0.20 ..
const NOVERSIZE = Number(env.SOAK_OVERSIZE || 8);	// 127.0.0.60 ..
const seed = env.SOAK_SEED ? Number(env.SOAK_SEED) >>> 0 :
    (Math.random() * 2 ** 32) >>> 0;

// mulberry32: small, seeded, good enough to pick moments.
function rngOf(a) {
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const killRng = rngOf(seed);
const loadRng = rngOf(seed ^ 0x9e3779b9);

// ------------------------------------------------------- server, lives
const lives = [];
let server = null;	// the current life
let stopping = false;

function serverArgs() {
	return ["--listen", `${HOST}:${PORT}`, "--db", DB, "--plugins",
	    `${DIR}/plugins`, "--rules", env.SOAK_RULES, "--config",
	    `${DIR}/soak.conf`];
}

async function startServer() {
	const life = { n: lives.length + 1, start: now(), ready: 0, end: 0,
	    killed: false, exit: null, hwm: 0, rss: 0, fds: 0, conns: "-",
	    log: `${DIR}/server-${lives.length + 1}.log` };
	lives.push(life);
	const fd = fs.openSync(life.log, "w");
	life.proc = spawn(env.SOAK_EXPERTPOOLD, serverArgs(),
	    { stdio: ["ignore", fd, fd] });
	fs.closeSync(fd);
	fs.writeFileSync(`${DIR}/server.pid`, `${life.proc.pid}\n`);
	life.exited = new Promise((resolve) => life.proc.on("exit",
	    (code, signal) => {
		life.exit = { code, signal };
		if (!life.end) life.end = now();
		resolve();
		if (!life.killed && !stopping) {
			life.crashed = true;
			console.log(`life ${life.n}: the server stopped by itself ` +
			    `(${signal || "exit " + code}); restarting`);
			if (server === life) startServer().catch(() => {});
		}
	    }));
	server = life;
	for (let i = 0; i < 2000; i++) {
		if (life.exit) throw new Error(`the server did not start: see ${life.log}`);
		if (/listening on http/.test(fs.readFileSync(life.log, "utf8"))) {
			life.ready = now();
			return life;
		}
		await sleep(5);
	}
	throw new Error(`the server did not start in 10 s: see ${life.log}`);
}

function killServer() {
	if (server && !server.exit) {
		try { server.proc.kill("SIGKILL"); } catch { /* gone */ }
	}
}

// Peak memory and open descriptors, from /proc, every 100 ms.
function sampleProc() {
	const life = server;
	if (!life || life.exit || !life.proc.pid) return;
	try {
		const st = fs.readFileSync(`/proc/${life.proc.pid}/status`, "utf8");
		const hwm = Number((/VmHWM:\s+(\d+)/.exec(st) || [])[1] || 0);
		const rss = Number((/VmRSS:\s+(\d+)/.exec(st) || [])[1] || 0);
		life.hwm = Math.max(life.hwm, hwm);
		life.rss = Math.max(life.rss, rss);
		life.fds = Math.max(life.fds,
		    fs.readdirSync(`/proc/${life.proc.pid}/fd`).length);
		const f = fs.readFileSync(`/proc/${life.proc.pid}/stat`, "utf8")
		    .replace(/^.*\) /, "").split(" ");
		life.cpu = (Number(f[11]) + Number(f[12])) / 100;	// utime + stime
	} catch { /* it just died */ }
}

// ------------------------------------------------------------ tallies
// tally[role][status or cause] = count
const tally = {};
function count(role, what) {
	const t = tally[role] || (tally[role] = {});
	t[what] = (t[what] || 0) + 1;
}

// One HTTP request; resolves { status, headers, body, ms } or { err, ms }.
function request(o, body) {
	return new Promise((resolve) => {
		const t0 = now();
		const req = http.request({ host: HOST, port: PORT,
		    localAddress: o.from || HOST, method: o.method || "GET",
		    path: o.path, headers: o.headers || {}, agent: o.agent },
		    (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => resolve({ status: res.statusCode,
			    headers: res.headers, ms: now() - t0,
			    body: Buffer.concat(chunks).toString() }));
			res.on("error", (e) => resolve({ err: cause(e), ms: now() - t0 }));
		    });
		req.on("error", (e) => resolve({ err: cause(e), ms: now() - t0 }));
		req.setTimeout(o.timeout || 15000, () => req.destroy(Object.assign(
		    new Error("timeout"), { code: "TIMEOUT" })));
		req.end(body);
	});
}

// ------------------------------------------------------------ writers
// Each write is a record: its marker (the entry's note) and what the
// server answered, to be matched with the store afterwards.
const records = [];
const writeMs = [];
const approveQueue = { KSB: [], LNF: [] };
const monthDays = [];
{
	const [y, m] = env.SOAK_MONTH.split("-").map(Number);
	const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
	for (let d = 1; d <= n; d++)
		monthDays.push(`${env.SOAK_MONTH}-${String(d).padStart(2, "0")}`);
}

async function writer(w) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	const auth = { Authorization: `Bearer ${w.token}` };
	const from = `127.0.1.${1 + w.n}`;
	let seq = 0;
	while (!stopping) {
		// 200 entries of 6 minutes a day (20 hours): never past 24 hours
		// even with every unanswered write saved.
		const date = monthDays[Math.floor(seq / 200) % monthDays.length];
		const rec = { w: w.n, note: `soak ${seed} w${w.n} n${seq}`, date,
		    minutes: 6, status: null, id: 0 };
		seq++;
		records.push(rec);
		const body = JSON.stringify({ engagement: w.engagement, date,
		    minutes: 6, activity: "advice", note: rec.note });
		const r = await request({ method: "POST", path: "/api/v1/entries",
		    agent, from, headers: { ...auth, "Content-Type": "application/json" } },
		    body);
		rec.status = r.status || r.err;
		count("write", rec.status);
		if (r.status) writeMs.push(r.ms);
		if (r.status === 201) {
			let o = {};
			try { o = JSON.parse(r.body); } catch { /* checked below */ }
			rec.id = o.id;
			if (o.note !== rec.note || o.date !== date)
				rec.badReply = true;
			if (loadRng() < 0.25) await submit(w, rec, agent, auth, from);
		} else if (r.err) {
			await sleep(r.err === "refused" ? 50 : 10);
		} else if (r.status === 503 || r.status === 429) {
			await sleep(50);
		}
	}
	agent.destroy();
}

async function submit(w, rec, agent, auth, from) {
	const r = await request({ method: "POST", agent, from, headers: auth,
	    path: `/api/v1/entries/${rec.id}/submit` });
	rec.submit = r.status || r.err;
	count("submit", rec.submit);
	if (r.status !== 200) return;
	let o = {};
	try { o = JSON.parse(r.body); } catch { /* as if submitted */ }
	if (o.state === "approved") rec.approved = 200;
	else approveQueue[w.consumer].push(rec);
}

async function approver(code, token) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	const q = approveQueue[code];
	const from = `127.0.2.${code === "KSB" ? 1 : 2}`;
	while (!stopping || q.length > 0) {
		const rec = q.shift();
		if (!rec) { await sleep(20); if (stopping) break; continue; }
		const r = await request({ method: "POST", agent, from,
		    headers: { Authorization: `Bearer ${token}` },
		    path: `/api/v1/entries/${rec.id}/approve` });
		const what = r.status || r.err;
		count("approve", what);
		if (r.status === 200) rec.approved = 200;
		else if (r.err && !rec.approveRetried && !stopping) {
			// Unanswered: it may or may not have been done; once more.
			rec.approveRetried = true;
			q.push(rec);
			await sleep(50);
		} else if (!rec.approved) rec.approved = what;
	}
	agent.destroy();
}

// ---------------------------------------------------- sign-in flood
// Wrong passwords for a real account and for accounts that do not exist,
// from many addresses, as fast as answered (an attacker ignores
// Retry-After); and, beside them, a real person signing in from
// 127.0.0.1 once a second.
async function flooder(k) {
	const from = `127.0.0.${20 + k}`;
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	let n = 0;
	while (!stopping) {
		const login = k % 2 ? "victim" : `nobody${k}x${n}`;
		const body = `csrf=x&login=${login}&password=wrong-${n++}&next=%2F`;
		const r = await request({ method: "POST", path: "/login", from, agent,
		    timeout: 10000, headers: { "Content-Type":
		    "application/x-www-form-urlencoded", Cookie: "ep_login=x" } }, body);
		count("sign-in flood", r.status || r.err);
		if (r.err) await sleep(20);
	}
	agent.destroy();
}

const legitMs = [];
async function legitSignIn() {
	while (!stopping) {
		const t = now();
		const r = await request({ method: "POST", path: "/login",
		    agent: false, timeout: 10000, headers: { "Content-Type":
		    "application/x-www-form-urlencoded", Cookie: "ep_login=y" } },
		    "csrf=y&login=legit&password=soak-password-legit&next=%2F");
		count("sign-in, real", r.status || r.err);
		if (r.status) legitMs.push(r.ms);
		await sleep(Math.max(0, 1000 - (now() - t)));
	}
}

// ------------------------------------------------- slow connections
// Half a request, then a byte every few seconds, never finished: four in
// five stop inside the headers, one in five inside a sign-in body. When
// the server ends one it comes back a second later. Each ending is
// classed: refused, reset, answered (with the status), closed without a
// word, or ended by a kill; what is still open at the end is counted.
const slow = { conns: [], ended: {}, closedAges: [], openAges: [] };
function slowEnd(what, age) {
	slow.ended[what] = (slow.ended[what] || 0) + 1;
	if (what.startsWith("closed") || what.startsWith("answered"))
		slow.closedAges.push(age);
}

// The slow connections open as a life ends, and for how long they have
// been: with no deadline, as long as the life.
function slowCensus(life) {
	const ages = slow.conns.filter((c) => c && c.connected && !c.done)
	    .map((c) => (now() - c.tc) / 1000);
	life.slowOpen = ages.length;
	life.slowOldest = ages.length ? Math.max(...ages) : 0;
}

function slowConnect(k) {
	if (stopping) return;
	const from = `127.0.0.${2 + (k % SLOW_ADDRS)}`;
	const life = server;
	const c = { k, t0: now(), connected: false, got: "", done: false };
	const s = net.connect({ host: HOST, port: PORT, localAddress: from });
	c.sock = s;
	slow.conns[k] = c;
	let drip = null;
	const ct = setTimeout(() => { if (!c.connected) s.destroy(
	    Object.assign(new Error("timeout"), { code: "TIMEOUT" })); }, 5000);
	s.on("connect", () => {
		c.connected = true;
		c.tc = now();
		clearTimeout(ct);
		s.write(k % 5 ? `GET /healthz HTTP/1.1\r\nHost: ${HOST}\r\nX-Slow: ` :
		    `POST /login HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: ` +
		    "application/x-www-form-urlencoded\r\nCookie: ep_login=z\r\n" +
		    "Content-Length: 4000\r\n\r\ncsrf=z&login=");
		drip = setInterval(() => { if (!s.destroyed) s.write("a"); },
		    2000 + (k * 37) % 4000);
	});
	s.on("data", (d) => { if (c.got.length < 64) c.got += d.toString("latin1"); });
	let err = null;
	s.on("error", (e) => { err = cause(e); });
	s.on("close", () => {
		clearInterval(drip);
		clearTimeout(ct);
		c.done = true;
		if (stopping) return;
		const age = c.connected ? (now() - c.tc) / 1000 : 0;
		const m = /^HTTP\/1\.[01] (\d{3})/.exec(c.got);
		let what;
		if (life && life.killed) what = "ended by a kill";
		else if (err === "refused") what = "refused";
		else if (err === "timeout") what = "connect timed out";
		else if (m) what = `answered ${m[1]}`;
		else if (err) what = err;
		else what = age < 1 ? "closed at once" : "closed later";
		slowEnd(what, age);
		setTimeout(() => slowConnect(k), 1000);
	});
}

// --------------------------------------------------- oversize bodies
// In turn: a 64 MiB body announced and sent to the entries API without a
// token (answered 413 before it is read, or not); 4 MiB less 1 KiB, just
// under the limit, without a token (a 401 only after it is buffered); a
// 64 KiB sign-in form. The headers go first, then 100 ms for an answer
// before the body is sent: whether each kind is refused on its headers
// alone, and how long its answers take.
const oversize = { early: {}, answerMs: {}, kinds: {} };
function oversizeOnce(k, kind) {
	return new Promise((resolve) => {
		const from = `127.0.0.${60 + k}`;
		const [path, len, type] = kind === "64 MiB announced" ?
		    ["/api/v1/entries", 64 << 20, "application/json"] :
		    kind === "4 MiB, no token" ?
		    ["/api/v1/entries", (4 << 20) - 1024, "application/json"] :
		    ["/login", 64 << 10, "application/x-www-form-urlencoded"];
		const s = net.connect({ host: HOST, port: PORT, localAddress: from });
		const chunk = Buffer.alloc(64 << 10, 0x61);
		let sent = 0, got = "", err = null, finished = false, t0 = 0;
		const t = setTimeout(() => s.destroy(Object.assign(new Error("t"),
		    { code: "TIMEOUT" })), 15000);
		const pump = () => {
			while (sent < len && !got && !s.destroyed) {
				const n = Math.min(chunk.length, len - sent);
				sent += n;
				if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
					return s.once("drain", pump);
			}
		};
		s.on("connect", () => {
			s.write(`POST ${path} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: ` +
			    `${type}\r\nCookie: ep_login=o\r\nContent-Length: ${len}\r\n` +
			    "Connection: close\r\n\r\n");
			t0 = now();
			setTimeout(pump, 100);
		});
		s.on("data", (d) => {
			if (!got) {
				(oversize.answerMs[kind] || (oversize.answerMs[kind] = []))
				    .push(now() - t0);
				if (sent === 0)
					oversize.early[kind] = (oversize.early[kind] || 0) + 1;
			}
			got += d.toString("latin1");
			if (/\r\n\r\n/.test(got)) { finished = true; s.destroy(); }
		});
		s.on("error", (e) => { err = cause(e); });
		s.on("close", () => {
			clearTimeout(t);
			const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
			const what = m ? Number(m[1]) : err || "closed";
			count("oversize", what);
			const ks = oversize.kinds[kind] || (oversize.kinds[kind] = {});
			ks[what] = (ks[what] || 0) + 1;
			resolve(finished);
		});
	});
}

async function oversizer(k) {
	const kinds = ["64 MiB announced", "4 MiB, no token", "64 KiB sign-in"];
	for (let n = k; !stopping; n++) {
		await oversizeOnce(k, kinds[n % 3]);
		await sleep(200);
	}
}

// ------------------------------------------------------ invoice runs
// The provider's finance officer starts the month's run every few
// seconds, and now and then issues the drafts it made, so that kills land
// in runs and issues too (a run's step is one draft: a killed run leaves
// whole drafts, and its job is failed at restart; an issue is whole or
// not at all, its number from a gapless sequence).
async function signIn(login, password) {
	for (let i = 0; i < 100; i++) {
		const r = await request({ method: "POST", path: "/login", agent: false,
		    headers: { "Content-Type": "application/x-www-form-urlencoded",
		    Cookie: "ep_login=f" } }, `csrf=f&login=${login}&password=` +
		    `${password}&next=%2Finvoices`);
		const c = /ep_session=([^;]+)/.exec(String(r.headers &&
		    r.headers["set-cookie"]));
		if (r.status === 303 && c) return `ep_session=${c[1]}`;
		await sleep(100);
	}
	throw new Error(`cannot sign in as ${login}`);
}

async function finance(cookie) {
	let csrf = null;
	while (!stopping) {
		if (!csrf) {
			const p = await request({ path: "/invoices", agent: false,
			    from: "127.0.3.1", headers: { Cookie: cookie } });
			csrf = (/name="csrf" value="([^"]+)"/.exec(p.body || "") || [])[1];
			if (!csrf) { await sleep(200); continue; }
		}
		const r = await request({ method: "POST", path: "/invoices/run",
		    agent: false, from: "127.0.3.1", headers: { Cookie: cookie, "Content-Type":
		    "application/x-www-form-urlencoded" } },
		    `csrf=${encodeURIComponent(csrf)}&period=${env.SOAK_MONTH}`);
		count("invoice run", r.status || r.err);
		if (r.status === 403) csrf = null;
		await sleep(1000 + loadRng() * 1500);
		if (loadRng() < 0.5 || stopping) continue;
		// NRC's drafts, as its finance officer sees them on /invoices.
		for (const [id] of sql("SELECT i.id FROM recharge_invoices i JOIN " +
		    "organisations p ON p.id = i.provider_id WHERE p.code = 'NRC' " +
		    `AND i.state = 'draft' AND i.period = '${env.SOAK_MONTH}'`)) {
			const r = await request({ method: "POST", agent: false,
			    from: "127.0.3.1", path: `/invoices/${id}/issue`, headers: { Cookie: cookie,
			    "Content-Type": "application/x-www-form-urlencoded" } },
			    `csrf=${encodeURIComponent(csrf)}`);
			count("invoice issue", r.status || r.err);
		}
		await sleep(1000 + loadRng() * 1500);
	}
}

// The server's own count of open connections, once a second.
async function metricsSampler() {
	while (!stopping) {
		const life = server;
		const r = await request({ path: "/metrics", agent: false, timeout: 1000 });
		if (r.status === 200 && life && !life.killed) {
			const v = Number((/^expertpool_http_open_connections (\d+)/m
			    .exec(r.body) || [])[1] || 0);
			life.conns = Math.max(life.conns === "-" ? 0 : life.conns, v);
			const m = (name) => Number((new RegExp(`^${name} (\\d+)`, "m")
			    .exec(r.body) || [])[1] || 0);
			life.batches = m("expertpool_group_commits_total");
			life.batched = m("expertpool_group_writes_total");
		}
		await sleep(1000);
	}
}

// -------------------------------------------------------------- checks
function sql(q) {
	return execFileSync("sqlite3", ["-readonly", "-separator", "\t", DB, q],
	    { maxBuffer: 1 << 30, encoding: "utf8" }).split("\n").filter((l) => l)
	    .map((l) => l.split("\t"));
}

function ep(args) {
	try {
		const out = execFileSync(env.SOAK_EXPERTPOOL, ["--db", DB, "--plugins",
		    `${DIR}/plugins`, "--rules", env.SOAK_RULES, "--config",
		    `${DIR}/soak.conf`, ...args], { encoding: "utf8",
		    maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] });
		return { ok: true, out };
	} catch (e) {
		return { ok: false, out: `${e.stdout || ""}${e.stderr || ""}` };
	}
}

function pct(a, p) {
	if (a.length === 0) return NaN;
	const s = [...a].sort((x, y) => x - y);
	return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const f1 = (x) => (Number.isNaN(x) || x === undefined ? "-" : x.toFixed(1));
// Milliseconds, or "no answer" for a probe that failed.
const ms = (x) => (x === Infinity ? "no answer" : `${f1(x)} ms`);
const mib = (kb) => (kb / 1024).toFixed(0);

// ---------------------------------------------------------------- main
async function main() {
	const failures = [];
	const fail = (m) => { failures.push(m); console.log(`FAIL: ${m}`); };
	const tokens = fs.readFileSync(`${DIR}/tokens`, "utf8").split("\n")
	    .filter((l) => l);
	const gs = new Map(sql("SELECT p.login, g.id, c.code FROM engagements g " +
	    "JOIN experts x ON x.id = g.expert_id JOIN people p ON p.id = " +
	    "x.person_id JOIN organisations c ON c.id = g.consumer_id")
	    .map(([l, id, c]) => [l, { engagement: Number(id), consumer: c }]));
	const writers = tokens.map((token, i) => ({ n: i + 1, token,
	    ...gs.get(`x${i + 1}`) }));
	const [ksbTok, lnfTok] = env.SOAK_APPROVERS.split(" ");

	console.log(`soak: seed ${seed}, ${SECONDS} s, lives of ${KILL_MIN}-` +
	    `${KILL_MAX} s, ${writers.length} writers, ${NFLOOD} sign-in ` +
	    `flooders, ${NSLOW} slow connections, ${NOVERSIZE} oversize senders, ` +
	    `port ${PORT}, entries dated ${env.SOAK_MONTH}`);
	const onSignal = () => { killServer(); process.exit(130); };
	process.on("SIGINT", onSignal);
	process.on("SIGTERM", onSignal);
	process.on("exit", killServer);

	await startServer();
	const financeCookie = await signIn("nrc-fin", "soak-password-nrc-fin");
	const prober = fork(fileURLToPath(import.meta.url), ["probe"],
	    { env: { ...env } });
	const sampler = setInterval(sampleProc, 100);
	const t0 = now(), tEnd = t0 + SECONDS * 1000;
	const load = [];
	for (const w of writers) load.push(writer(w));
	load.push(approver("KSB", ksbTok), approver("LNF", lnfTok));
	for (let k = 0; k < NFLOOD; k++) load.push(flooder(k));
	load.push(legitSignIn(), metricsSampler());
	load.push(finance(financeCookie));
	for (let k = 0; k < NOVERSIZE; k++) load.push(oversizer(k));
	for (let k = 0; k < NSLOW; k++) setTimeout(() => slowConnect(k), k * 2);

	// The killer: a seeded life length, SIGKILL, restart on the same store.
	let kills = 0;
	for (;;) {
		const life = server;
		const len = (KILL_MIN + killRng() * (KILL_MAX - KILL_MIN)) * 1000;
		const until = Math.min(tEnd, (life.ready || now()) + len);
		while (now() < until && server === life && !life.exit) await sleep(10);
		if (now() >= tEnd) break;
		if (server !== life) continue;	// it crashed and was restarted
		sampleProc();
		slowCensus(life);
		life.killed = true;
		life.end = now();
		life.proc.kill("SIGKILL");
		await life.exited;
		kills++;
		await startServer();
	}

	// The end: load stops, answers in flight come back, the server stops
	// on SIGTERM as it would in production.
	stopping = true;
	const tLoadEnd = now();
	const last = server;
	last.end = now();
	slowCensus(last);
	for (const c of slow.conns) {
		if (c && c.connected && !c.done) slow.openAges.push((now() - c.tc) / 1000);
	}
	const openAtEnd = slow.openAges.length;
	for (const c of slow.conns) if (c && c.sock) c.sock.destroy();
	const probes = await new Promise((resolve) => {
		prober.once("message", resolve);
		prober.send("stop");
	});
	const tDrain = now();
	fs.writeFileSync(`${DIR}/probes.json`, JSON.stringify({ probes,
	    lives: lives.map((l) => ({ n: l.n, start: l.start, ready: l.ready,
	    end: l.end })) }));
	await Promise.race([Promise.all(load), sleep(12000)]);
	const drainMs = now() - tDrain;
	clearInterval(sampler);
	sampleProc();
	const tStop = now();
	last.killed = true;	// by us, if it must be
	last.proc.kill("SIGTERM");
	const stopped = await Promise.race([last.exited.then(() => true),
	    sleep(30000).then(() => false)]);
	if (!stopped) {
		fail("the server did not stop within 30 s of SIGTERM");
		last.proc.kill("SIGKILL");
		await last.exited;
	} else if (last.exit.code !== 0) {
		fail(`the server's clean stop exited ${last.exit.signal || last.exit.code}`);
	}
	const stopMs = now() - tStop;
	const loadSeconds = (tLoadEnd - t0) / 1000;

	// ------------------------------------------------ the store, after
	const rows = new Map();
	let dupNotes = 0;
	for (const [id, note, eng, date, min, state, hash] of sql(
	    "SELECT id, note, engagement_id, entry_date, minutes, state, " +
	    `ruleset_hash FROM time_entries WHERE note LIKE 'soak ${seed} %'`)) {
		if (rows.has(note)) dupNotes++;
		rows.set(note, { id: Number(id), eng: Number(eng), date,
		    minutes: Number(min), state, hash });
	}
	const audits = new Map();
	for (const [id, action, n] of sql("SELECT entity_id, action, count(*) " +
	    "FROM audit_events WHERE entity = 'time-entry' GROUP BY 1, 2")) {
		const a = audits.get(Number(id)) || {};
		a[action] = Number(n);
		audits.set(Number(id), a);
	}
	const ids = new Set(sql("SELECT id FROM time_entries").map((r) => Number(r[0])));
	const orphanAudits = [...audits.keys()].filter((id) => !ids.has(id));

	const fig = { sent: records.length, acked: 0, found: 0, lost: 0,
	    wrong: 0, unanswered: 0, unansweredPresent: 0, refused: 0,
	    refusedPresent: 0, badReply: 0, submitAcked: 0, submitLost: 0,
	    approveAcked: 0, approveLost: 0, half: 0 };
	const halfSamples = [];
	const byId = new Map();
	for (const rec of records) {
		const row = rows.get(rec.note);
		if (rec.badReply) fig.badReply++;
		if (rec.status === 201) {
			fig.acked++;
			if (!row) { fig.lost++; continue; }
			if (row.id !== rec.id || row.date !== rec.date ||
			    row.minutes !== rec.minutes) { fig.wrong++; continue; }
			fig.found++;
		} else if (typeof rec.status === "number") {
			fig.refused++;
			if (row) fig.refusedPresent++;
		} else {
			fig.unanswered++;
			if (row) fig.unansweredPresent++;
		}
		if (rec.submit === 200) {
			fig.submitAcked++;
			if (!row || row.state === "draft") fig.submitLost++;
		}
		if (rec.approved === 200) {
			fig.approveAcked++;
			if (!row || !["approved", "invoiced"].includes(row.state))
				fig.approveLost++;
		}
	}
	// Whole: one creation in the audit trail; a submission and an approval
	// there for an entry in those states; priced by a named rule set.
	for (const [note, row] of rows) {
		const a = audits.get(row.id) || {};
		const why = [];
		if (a.create !== 1) why.push(`${a.create || 0} create events`);
		if (row.state !== "draft" && !a.submitted) why.push("no submitted event");
		if (["approved", "invoiced"].includes(row.state) && !a.approved)
			why.push("no approved event");
		if (!row.hash) why.push("no rule set");
		byId.set(row.id, note);
		if (why.length) {
			fig.half++;
			if (halfSamples.length < 5) halfSamples.push(`entry ${row.id} ` +
			    `(${note}, ${row.state}): ${why.join(", ")}`);
		}
	}

	// Integrity, the audit trail, and the month's invoices.
	const integrity = sql("PRAGMA integrity_check").map((r) => r[0]).join(" ");
	const fk = sql("PRAGMA foreign_key_check");
	const audit = ep(["audit", "verify"]);
	// The runs the soak started: whole drafts, one per provider, consumer,
	// agreement and order, and each job ended one way or the other.
	const jobs = Object.fromEntries(sql("SELECT state, count(*) FROM jobs " +
	    "WHERE name = 'recharge-run' GROUP BY 1"));
	const halfDrafts = sql("SELECT i.id FROM recharge_invoices i WHERE " +
	    `i.period = '${env.SOAK_MONTH}' AND (i.net_pence != (SELECT ` +
	    "coalesce(sum(amount), 0) FROM recharge_lines WHERE invoice_id = i.id) " +
	    "OR i.total_pence != i.net_pence + i.vat_pence)");
	const twinDrafts = sql("SELECT provider_id, consumer_id, agreement_id, " +
	    "po_reference, count(*) FROM recharge_invoices WHERE state = 'draft' " +
	    `AND period = '${env.SOAK_MONTH}' GROUP BY 1, 2, 3, 4 HAVING count(*) > 1`);
	const draftsBefore = Number(sql("SELECT count(*) FROM recharge_invoices " +
	    `WHERE state = 'draft' AND period = '${env.SOAK_MONTH}'`)[0][0]);
	const issuedInSoak = Number(sql("SELECT count(*) FROM recharge_invoices " +
	    `WHERE period = '${env.SOAK_MONTH}' AND state != 'draft'`)[0][0]);
	const run = ep(["invoice", "run", "--period", env.SOAK_MONTH]);
	let issued = 0, issueFailed = 0;
	const drafts = ep(["invoice", "list", "--period", env.SOAK_MONTH]).out
	    .split("\n").map((l) => l.split("\t")).filter((f) => f[3] === "draft");
	for (const d of drafts) {
		const r = ep(["invoice", "issue", d[0]]);
		if (r.ok) issued++;
		else { issueFailed++; fail(`invoice issue ${d[0]}: ${r.out.trim()}`); }
	}
	let verified = 0;
	const verifyFailed = [];
	const all = ep(["invoice", "list"]).out.split("\n").map((l) => l.split("\t"))
	    .filter((f) => f[3] === "issued" || f[3] === "paid");
	for (const inv of all) {
		const r = ep(["invoice", "verify", inv[1]]);
		if (r.ok) verified++;
		else verifyFailed.push(`${inv[1]}: ${r.out.trim().split("\n").slice(-3).join(" / ")}`);
	}
	// An entry is billed at most once, ever (unless a credit note released it).
	const billedTwice = sql("SELECT b.entry_id FROM recharge_billed b JOIN " +
	    "recharge_lines l ON l.id = b.line_id JOIN recharge_invoices i ON " +
	    "i.id = l.invoice_id WHERE i.kind = 'invoice' AND i.state != 'draft' " +
	    "AND NOT EXISTS (SELECT 1 FROM recharge_released r WHERE r.entry_id = " +
	    "b.entry_id AND r.line_id = b.line_id) GROUP BY 1 HAVING count(*) > 1");
	// Gapless: each provider's numbers of a year run 1, 2, 3... with none
	// missing or twice.
	const gaps = sql("SELECT provider_id, seq_year, count(*), min(seq), " +
	    "max(seq), count(DISTINCT seq) FROM recharge_invoices WHERE seq IS " +
	    "NOT NULL GROUP BY 1, 2").filter(([, , n, lo, hi, d]) => lo !== "1" ||
	    hi !== n || d !== n);
	const issuedDuring = sql("SELECT count(*) FROM recharge_invoices WHERE " +
	    `period = '${env.SOAK_MONTH}' AND state != 'draft'`)[0][0];
	// Invoiced as people see it: marked so, or held by an issued invoice
	// (timesheet_invoiced_entries) while the row still says approved.
	const held = "EXISTS (SELECT 1 FROM timesheet_invoiced_entries v " +
	    "WHERE v.entry_id = t.id)";
	const leftApproved = Number(sql("SELECT count(*) FROM time_entries t " +
	    `WHERE t.note LIKE 'soak ${seed} %' AND t.state = 'approved' AND ` +
	    `NOT ${held}`)[0][0]);
	const invoicedSoak = Number(sql("SELECT count(*) FROM time_entries t " +
	    `WHERE t.note LIKE 'soak ${seed} %' AND (t.state = 'invoiced' OR ` +
	    `(t.state = 'approved' AND ${held}))`)[0][0]);

	// ------------------------------------------------------ the figures
	console.log("");
	console.log(`load: ${loadSeconds.toFixed(1)} s, then ${(drainMs / 1000)
	    .toFixed(1)} s for the answers in flight; seed ${seed}`);
	console.log(`writes: ${fig.sent} sent, ${fig.acked} answered 201, ` +
	    `${fig.found} of them found as answered, ${fig.lost} lost, ` +
	    `${fig.wrong} different from the answer; ${fig.refused} refused with ` +
	    `a status (${fig.refusedPresent} of them saved all the same); ` +
	    `${fig.unanswered} unanswered, ${fig.unansweredPresent} of them in ` +
	    `the store whole, ${fig.half} entries half there`);
	console.log(`submits answered 200: ${fig.submitAcked} (${fig.submitLost} ` +
	    `not held); approvals answered 200: ${fig.approveAcked} ` +
	    `(${fig.approveLost} not held)`);
	console.log(`writes a second: ${(fig.acked / loadSeconds).toFixed(0)} ` +
	    "answered 201 over the whole run, kills and restarts included; " +
	    `answered in p50 ${f1(pct(writeMs, 50))} ms, p99 ${f1(pct(writeMs, 99))} ms`);
	const sumKills = lives.filter((l) => l.killed && l !== last).length;
	const crashes = lives.filter((l) => l.crashed).length;
	console.log(`kills survived: ${kills} (SIGKILL, restarted on the same ` +
	    `store; ${crashes} crashes of its own); clean stop after the load ` +
	    `in ${stopMs.toFixed(0)} ms`);
	console.log("requests by role and answer (status, or how it failed):");
	for (const [role, t] of Object.entries(tally)) {
		console.log(`  ${role.padEnd(15)} ` + Object.entries(t)
		    .sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`)
		    .join(", "));
	}
	console.log(`  oversize, by kind: ` + Object.entries(oversize.kinds)
	    .map(([k, t]) => `${k}: ${Object.entries(t).map(([s, v]) =>
	    `${s} ×${v}`).join(" ")}`).join("; "));
	console.log("  oversize, answered on the headers alone, and ms to the " +
	    "answer (median, max): " + Object.entries(oversize.answerMs).map(
	    ([k, a]) => `${k}: ${oversize.early[k] || 0} of ${a.length}, ` +
	    `${f1(pct(a, 50))}, ${f1(pct(a, 100))}`).join("; "));
	console.log(`  real sign-ins from 127.0.0.1: p50 ${f1(pct(legitMs, 50))} ms, ` +
	    `max ${f1(pct(legitMs, 100))} ms`);
	const se = Object.entries(slow.ended).sort((a, b) => b[1] - a[1])
	    .map(([k, v]) => `${k}: ${v}`).join(", ");
	console.log(`slow connections (${NSLOW} from ${SLOW_ADDRS} addresses, ` +
	    `each back a second after it ends): endings: ${se || "none"}; ` +
	    `${openAtEnd} still open at the end (open for up to ` +
	    `${f1(pct(slow.openAges, 100))} s, median ${f1(pct(slow.openAges, 50))} s); ` +
	    `those the server ended had been open median ` +
	    `${f1(pct(slow.closedAges, 50))} s, max ${f1(pct(slow.closedAges, 100))} s`);

	// /healthz per life: probes started after the life was listening and
	// answered (or failed) before it was killed, and those it had not
	// answered within 100 ms when it was killed (as failures).
	console.log("lives (healthz probes from 127.0.0.1 every " +
	    `${env.SOAK_PROBE_MS || 20} ms, new connection each):`);
	let worstP99 = 0;
	const p99s = [];
	for (const l of lives) {
		const ps = probes.filter(([t, e]) => t >= l.ready && (e <= l.end ||
		    l.end - t > 100));
		const good = (e, s) => s === 200 && e <= l.end;
		const ok = ps.filter(([, e, s]) => good(e, s)).map(([t, e]) => e - t);
		const bad = ps.length - ok.length;
		// A probe that failed counts as slower than any answer.
		const lat = [...ok, ...Array(bad).fill(Infinity)];
		const p99 = pct(lat, 99);
		if (ps.length >= 20) { worstP99 = Math.max(worstP99, p99); p99s.push(p99); }
		const why = {};
		for (const [, e, s] of ps) {
			const w = e > l.end ? "unanswered at the end of the life" : s;
			if (!good(e, s)) why[w] = (why[w] || 0) + 1;
		}
		console.log(`  life ${l.n}: ${((l.end - l.ready) / 1000).toFixed(1)} s, ` +
		    `started in ${((l.ready - l.start)).toFixed(0)} ms, ended by ` +
		    `${l === last ? "SIGTERM" : l.crashed ? "a crash (" +
		    (l.exit.signal || l.exit.code) + ")" : "SIGKILL"}; healthz ` +
		    `${ps.length} probes, p50 ${ms(pct(lat, 50))}, p99 ${ms(p99)}, ` +
		    `max ${ms(pct(lat, 100))}, failed ${bad}` +
		    `${bad ? " (" + Object.entries(why).map(([k, v]) => `${k} ×${v}`)
		    .join(", ") + ")" : ""}; slow connections open at its end ${l.slowOpen}, the oldest for ` +
		    `${f1(l.slowOldest)} s; peak RSS (VmHWM) ${mib(l.hwm)} MiB, ` +
		    `CPU ${f1(l.cpu || 0)} s, ` +
		    `descriptors ${l.fds}, connections (/metrics) ${l.conns}` +
		    (l.batches ? `, group commit ${(l.batched / l.batches).toFixed(1)} ` +
		    "writes a batch" : ""));
	}
	console.log(`healthz p99 per life: median ${ms(pct(p99s, 50))}, worst ` +
	    `${ms(worstP99)} (target 100 ms)`);
	const cpu = process.cpuUsage();
	console.log(`CPU seconds over the load: server ${lives.reduce((a, l) =>
	    a + (l.cpu || 0), 0).toFixed(1)}, this driver ${((cpu.user + cpu.system)
	    / 1e6).toFixed(1)} (the machine has ${(await import("node:os"))
	    .availableParallelism()} cores; load average ${(await import("node:os"))
	    .loadavg().map((x) => x.toFixed(1)).join(" ")})`);
	console.log(`peak RSS: ${mib(Math.max(...lives.map((l) => l.hwm)))} MiB ` +
	    `(median of lives ${mib(pct(lives.map((l) => l.hwm), 50))} MiB)`);
	console.log(`store: integrity ${integrity}; ${fk.length} foreign key ` +
	    `faults; audit verify: ${audit.ok ? "passes" : "FAILS"}` +
	    `; ${orphanAudits.length} audit events of entries that are not there`);
	console.log(`invoice runs during the soak: jobs ${Object.entries(jobs)
	    .map(([k, v]) => `${k} ${v}`).join(", ") || "none"}; ${draftsBefore} ` +
	    `drafts after them, ${halfDrafts.length} not whole, ${twinDrafts.length} ` +
	    `twice over; ${issuedInSoak} invoices issued during the soak`);
	console.log(`invoices: ${env.SOAK_MONTH} run: ${run.out.trim().split("\n")
	    .pop()}; ${issued} ` +
	    `issued; ${verified} of ${all.length} issued invoices verify ` +
	    `(with ${env.SOAK_BEFORE}'s, issued before the soak); ${invoicedSoak} ` +
	    `soak entries invoiced, ${leftApproved} approved left over, ` +
	    `${billedTwice.length} billed twice; numbers gapless: ` +
	    `${gaps.length ? "NO" : "yes"} (${issuedDuring} issued for the month)`);

	if (fig.lost) fail(`${fig.lost} writes answered 201 are not in the store`);
	if (fig.wrong) fail(`${fig.wrong} writes answered 201 are stored otherwise`);
	if (fig.badReply) fail(`${fig.badReply} 201 answers did not echo the entry`);
	if (fig.refusedPresent) fail(`${fig.refusedPresent} writes refused with a ` +
	    "status were saved all the same");
	if (dupNotes) fail(`${dupNotes} writes saved twice`);
	if (fig.submitLost) fail(`${fig.submitLost} submits answered 200 are not held`);
	if (fig.approveLost) fail(`${fig.approveLost} approvals answered 200 are not held`);
	if (fig.half) fail(`${fig.half} entries half there: ${halfSamples.join("; ")}`);
	if (orphanAudits.length) fail(`${orphanAudits.length} audit events name ` +
	    `entries that are not there (${orphanAudits.slice(0, 5).join(", ")})`);
	if (integrity !== "ok") fail(`integrity_check: ${integrity}`);
	if (fk.length) fail(`foreign_key_check: ${fk.length} rows`);
	if (!audit.ok) fail(`audit verify: ${audit.out.trim().split("\n").slice(-5).join(" / ")}`);
	if (!run.ok) fail(`invoice run: ${run.out.trim()}`);
	if (halfDrafts.length) fail(`drafts not whole: ${halfDrafts.join(", ")}`);
	if (twinDrafts.length) fail(`${twinDrafts.length} drafts made twice`);
	if (jobs.running || jobs.queued) fail("invoice run jobs left running or " +
	    "queued after a clean stop");
	if (verifyFailed.length) fail(`${verifyFailed.length} invoices fail verify: ` +
	    verifyFailed.slice(0, 3).join("; "));
	if (gaps.length) fail(`invoice numbers not gapless: ${JSON.stringify(gaps)}`);
	if (billedTwice.length) fail(`${billedTwice.length} entries billed twice`);
	if (leftApproved) fail(`${leftApproved} approved soak entries were not invoiced`);
	if (crashes) fail(`the server crashed ${crashes} times by itself`);
	if (fig.acked === 0) fail("no write was answered 201");
	if (worstP99 > 100) fail(`/healthz p99 ${ms(worstP99)} in a life (target 100 ms)`);
	for (const l of lives) {
		const log = fs.readFileSync(l.log, "utf8");
		const m = /(ERROR: AddressSanitizer|runtime error:|LeakSanitizer)[^\n]*/.exec(log);
		if (m) fail(`life ${l.n}: ${m[0]} (${l.log})`);
	}
	console.log(failures.length ? `soak: FAILED, ${failures.length} promises broken` :
	    "soak: passed");
	return failures.length ? 1 : 0;
}

if (process.argv[2] !== "probe") {
	main().then((code) => process.exit(code), (e) => {
		console.error("bench/soak:", e);
		killServer();
		process.exit(1);
	});
}
