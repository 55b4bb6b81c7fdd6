/* sign.c: each provider's Ed25519 key, sealed in the store; signatures. */
#include "recharge.h"

#include <string.h>

#include <sodium.h>

#define RC_SEALED_LEN (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES \
	+ crypto_sign_SECRETKEYBYTES)

/* The sealing key, from the host; errors say what it was wanted for. */
static int
rch_sealing_key(unsigned char key[crypto_secretbox_KEYBYTES], char *err,
    size_t len)
{
	char why[256];

	if (rch_host->sealing_key(key, why, sizeof why) == 0)
		return 0;
	snprintf(err, len, "invoices cannot be signed: %s", why);
	return -1;
}

/* Makes the provider's key pair, the secret sealed, kept in the store. */
static int
rch_key_create(ep_db *db, int64_t org_id, const unsigned char *seal,
    unsigned char pk[crypto_sign_PUBLICKEYBYTES],
    unsigned char sk[crypto_sign_SECRETKEYBYTES], char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	unsigned char sealed[RC_SEALED_LEN];
	char pk_hex[2 * crypto_sign_PUBLICKEYBYTES + 1];
	char sealed_hex[2 * RC_SEALED_LEN + 1];
	ep_stmt *s;
	int rc;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, sk,
	    crypto_sign_SECRETKEYBYTES, sealed, seal);
	sodium_bin2hex(pk_hex, sizeof pk_hex, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2hex(sealed_hex, sizeof sealed_hex, sealed, sizeof sealed);
	s = h->db_prepare(db, "UPDATE organisations SET sign_public_key = ?, "
	    "sign_secret_sealed = ? WHERE id = ? AND sign_public_key IS NULL");
	h->stmt_bind_text(s, 1, pk_hex);
	h->stmt_bind_text(s, 2, sealed_hex);
	h->stmt_bind_int64(s, 3, org_id);
	rc = h->stmt_step(s);
	h->stmt_reset(s);
	if (rc != EP_STEP_DONE || h->db_changes(db) != 1) {
		snprintf(err, len, "cannot keep the signing key: %s",
		    h->db_errmsg(db));
		return -1;
	}
	return 0;
}

/* The provider's secret key: unsealed from the store, made when first
 * needed. */
static int
rch_key(ep_db *db, int64_t org_id, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
    unsigned char sk[crypto_sign_SECRETKEYBYTES], char *err, size_t len)
{
	const struct ep_host *h = rch_host;
	unsigned char seal[crypto_secretbox_KEYBYTES];
	unsigned char sealed[RC_SEALED_LEN];
	ep_stmt *s;
	size_t n1 = 0, n2 = 0;
	int rc = -1, have = 0, ok = 0;

	if (rch_sealing_key(seal, err, len) != 0)
		return -1;
	s = h->db_prepare(db, "SELECT sign_public_key, sign_secret_sealed FROM "
	    "organisations WHERE id = ?");
	h->stmt_bind_int64(s, 1, org_id);
	if (h->stmt_step(s) == EP_STEP_ROW && !h->stmt_is_null(s, 0)) {
		const char *p = h->stmt_text(s, 0), *q = h->stmt_text(s, 1);

		have = 1;
		ok = p != NULL && q != NULL &&
		    sodium_hex2bin(pk, crypto_sign_PUBLICKEYBYTES, p, strlen(p),
		    NULL, &n1, NULL) == 0 && n1 == crypto_sign_PUBLICKEYBYTES &&
		    sodium_hex2bin(sealed, sizeof sealed, q, strlen(q), NULL, &n2,
		    NULL) == 0 && n2 == sizeof sealed;
	}
	h->stmt_reset(s);
	if (!have) {
		rc = rch_key_create(db, org_id, seal, pk, sk, err, len);
		goto out;
	}
	if (!ok || crypto_secretbox_open_easy(sk, sealed +
	    crypto_secretbox_NONCEBYTES, sizeof sealed -
	    crypto_secretbox_NONCEBYTES, sealed, seal) != 0) {
		snprintf(err, len, "the organisation's signing key cannot be "
		    "unsealed: is sealing_key_file the key it was sealed with?");
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(seal, sizeof seal);
	return rc;
}

/* Signs a canonical form with the organisation's key. */
int
rch_sign(ep_db *db, int64_t org_id, const struct rch_buf *msg,
    char pub_hex[65], char sig_hex[129], char *err, size_t len)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];

	if (rch_key(db, org_id, pk, sk, err, len) != 0)
		return -1;
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg->s, msg->len,
	    sk);
	sodium_memzero(sk, sizeof sk);
	sodium_bin2hex(pub_hex, 65, pk, sizeof pk);
	sodium_bin2hex(sig_hex, 129, sig, sizeof sig);
	return 0;
}

/* 0 when the signature is good for the message and key. */
int
rch_sign_check(const char *pub_hex, const char *sig_hex,
    const struct rch_buf *msg)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	size_t n1 = 0, n2 = 0;

	if (pub_hex == NULL || sig_hex == NULL ||
	    sodium_hex2bin(pk, sizeof pk, pub_hex, strlen(pub_hex), NULL, &n1,
	    NULL) != 0 || n1 != sizeof pk ||
	    sodium_hex2bin(sig, sizeof sig, sig_hex, strlen(sig_hex), NULL, &n2,
	    NULL) != 0 || n2 != sizeof sig)
		return -1;
	return crypto_sign_verify_detached(sig, (const unsigned char *)
	    (msg->s ? msg->s : ""), msg->len, pk) == 0 ? 0 : -1;
}
