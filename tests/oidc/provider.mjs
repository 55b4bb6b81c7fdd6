// tests/oidc/provider.mjs: a real OpenID Connect provider (npm's
// oidc-provider) on a loopback port, for the sign-in tests. Its one client
// is expertpool: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI.
// Anyone may sign in at its development login form with an e-mail address
// as the login name (any password), which is then their subject too.
// CLOCK_OFFSET_MS moves its clock with the
// test clock's. Prints {"issuer": ...} once listening; stops on SIGTERM.
import http from 'node:http';
import Provider from 'oidc-provider';

const offset = Number(process.env.CLOCK_OFFSET_MS || 0);
if (offset) {
	const realNow = Date.now;
	Date.now = () => realNow() + offset;
}

const server = http.createServer();
await new Promise((res) => server.listen(0, '127.0.0.1', res));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
	clients: [{
		client_id: process.env.OIDC_CLIENT_ID,
		client_secret: process.env.OIDC_CLIENT_SECRET,
		redirect_uris: [process.env.OIDC_REDIRECT_URI],
		grant_types: ['authorization_code'],
		response_types: ['code'],
		token_endpoint_auth_method: 'client_secret_basic',
	}],
	claims: {
		openid: ['sub'],
		email: ['email', 'email_verified'],
		profile: ['name'],
	},
	// The e-mail address and name in the ID token itself, as Entra ID puts
	// optional claims there.
	conformIdTokenClaims: false,
	cookies: { keys: ['a test provider\'s cookie key'] },
	async findAccount(ctx, id) {
		return {
			accountId: id,
			async claims() {
				return { sub: id, email: id, email_verified: true,
				    name: `Council user ${id.split('@')[0]}` };
			},
		};
	},
	// expertpool is the council's own service: no consent screen.
	async loadExistingGrant(ctx) {
		const { Grant } = ctx.oidc.provider;
		const id = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
		if (id) return Grant.find(id);
		const grant = new Grant({ clientId: ctx.oidc.client.clientId,
		    accountId: ctx.oidc.session.accountId });
		grant.addOIDCScope('openid email profile');
		await grant.save();
		return grant;
	},
});
provider.on('server_error', (ctx, err) => console.error('provider:', err));
server.on('request', provider.callback());
console.log(JSON.stringify({ issuer }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
