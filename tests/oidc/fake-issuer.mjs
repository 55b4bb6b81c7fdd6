// tests/oidc/fake-issuer.mjs: a small issuer on a loopback port that signs
// whatever ID token the test asks for next, to try the tokens a real
// provider would never give (another audience, expired, a wrong nonce).
// It serves discovery, its key set and a token endpoint; POST /next with
// JSON {claims, header} sets the token the next code is exchanged for, and
// GET /last says what the token endpoint was last sent. Prints
// {"issuer": ...} once listening; stops on SIGTERM.
import http from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const { privateKey, publicKey } = await generateKeyPair('RS256');
const other = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' };

let next = null;
let last = null;

const body = (req) => new Promise((res) => {
	let text = '';
	req.setEncoding('utf8');
	req.on('data', (c) => { text += c; });
	req.on('end', () => res(text));
});
const json = (res, status, value) => {
	res.writeHead(status, { 'Content-Type': 'application/json' });
	res.end(JSON.stringify(value));
};

const server = http.createServer(async (req, res) => {
	const issuer = `http://127.0.0.1:${server.address().port}`;
	const path = new URL(req.url, issuer).pathname;
	if (path === '/.well-known/openid-configuration')
		return json(res, 200, { issuer, authorization_endpoint: `${issuer}/authorize`,
		    token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` });
	if (path === '/jwks')
		return json(res, 200, { keys: [jwk] });
	if (path === '/next' && req.method === 'POST') {
		next = JSON.parse(await body(req));
		return json(res, 200, {});
	}
	if (path === '/last')
		return json(res, 200, last);
	if (path === '/token' && req.method === 'POST') {
		last = { form: Object.fromEntries(new URLSearchParams(await body(req))),
		    authorization: req.headers.authorization || null };
		if (!next) return json(res, 400, { error: 'invalid_grant' });
		const { claims, header = {}, otherKey = false } = next;
		next = null;
		const idToken = await new SignJWT(claims)
		    .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
		    .sign(otherKey ? other.privateKey : privateKey);
		return json(res, 200, { access_token: 'at', token_type: 'Bearer',
		    id_token: idToken });
	}
	json(res, 404, { error: 'not_found' });
});
await new Promise((res) => server.listen(0, '127.0.0.1', res));
console.log(JSON.stringify({ issuer: `http://127.0.0.1:${server.address().port}` }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
