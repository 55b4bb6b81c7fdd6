/* fee-memo.c: the price cache of a rule-set version, keyed by the entry. */
#include "fee-int.h"

#include <stdlib.h>
#include <string.h>

/*
 * The cache key of an entry: every input price sees (the entry's fields,
 * ctx.vat and ctx.today) as the driver hands them to Lua, padded to 8
 * bytes; the calendar as its index in fee_calendars (nxt() refuses any
 * other). 0 when a string is too long to be worth caching.
 */
static size_t
fee_memo_key(const struct fee_entry *e, unsigned char *k)
{
	const char *text[7] = { e->date, e->today ? e->today : e->date,
	    e->activity, e->grade, e->basis, e->consumer, e->provider };
	int64_t fixed[2] = { e->minutes, e->agreement };
	const char *cal = fee_calendar_of(e);
	size_t i, n, len;

	memcpy(k, fixed, sizeof fixed);
	n = sizeof fixed;
	k[n++] = e->out_of_hours != 0;
	k[n++] = (unsigned char)(e->vat ? e->vat : 'S');
	for (i = 0; fee_calendars[i][0] != NULL; i++) {
		if (strcmp(cal, fee_calendars[i][0]) == 0)
			break;
	}
	k[n++] = (unsigned char)i;	/* past the list: refused, never kept */
	for (i = 0; i < nitems(text); i++) {
		if (text[i] == NULL) {
			k[n++] = 0xff;	/* nil, unlike "" */
			continue;
		}
		len = strnlen(text[i], FEE_MEMO_TEXT + 1);
		if (len > FEE_MEMO_TEXT)
			return 0;
		k[n++] = (unsigned char)len;
		memcpy(k + n, text[i], len);
		n += len;
	}
	while (n % 8 != 0)
		k[n++] = 0;
	return n;
}

static uint64_t
fee_memo_hash(const unsigned char *k, size_t n)
{
	uint64_t h = n, w;
	size_t i;

	for (i = 0; i < n; i += 8) {
		memcpy(&w, k + i, sizeof w);
		h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
		h ^= h >> 29;
	}
	return h;
}

static unsigned char *
fee_memo_keyof(struct fee_memo_rec *r)
{
	return (unsigned char *)&r->lines[r->nlines];
}

/* The record for key k, or NULL and in *at the free slot it would take. */
static struct fee_memo_rec *
fee_memo_find(struct fee_memo *m, const unsigned char *k, size_t n,
    uint64_t h, size_t *at)
{
	size_t mask = ((size_t)1 << FEE_MEMO_BITS) - 1;
	size_t i = (size_t)(h >> (64 - FEE_MEMO_BITS));
	struct fee_memo_rec *r;

	for (;; i = (i + 1) & mask) {
		if ((r = m->slot[i].rec) == NULL) {
			*at = i;
			return NULL;
		}
		if (m->slot[i].hash == h && r->keylen == n &&
		    memcmp(fee_memo_keyof(r), k, n) == 0)
			return r;
	}
}

void
fee_memo_clear(struct fee_memo *m)
{
	if (m == NULL)
		return;
	memset(m->slot, 0, sizeof *m->slot << FEE_MEMO_BITS);
	m->used = 0;
	m->n = 0;
}

void
fee_memo_free(struct fee_memo *m)
{
	if (m == NULL)
		return;
	free(m->slot);
	free(m->arena);
	free(m);
}

/*
 * Keeps the lines entry e was priced to; drops everything when full. The
 * key is the one fee_memo_serve made when it missed e, or made again.
 */
void
fee_memo_put(struct fee_memo *m, const struct fee_entry *e,
    const struct fee_lines *l)
{
	const unsigned char *k = m->key;
	struct fee_memo_rec *r;
	size_t n = m->keylen, size, at;
	uint64_t h = m->hash;

	if (m->missed != e) {
		if ((n = fee_memo_key(e, m->key)) == 0)
			return;
		h = fee_memo_hash(k, n);
	}
	m->missed = NULL;
	if (n == 0)
		return;
	size = sizeof *r + l->n * sizeof *l->v + n;
	if (size > FEE_MEMO_BYTES)
		return;
	if (m->n == (size_t)1 << (FEE_MEMO_BITS - 1) ||
	    m->used + size > FEE_MEMO_BYTES)
		fee_memo_clear(m);
	if (fee_memo_find(m, k, n, h, &at) != NULL)
		return;
	r = (struct fee_memo_rec *)(void *)(m->arena + m->used);
	m->used += size;
	r->hash = h;
	r->keylen = (uint32_t)n;
	r->nlines = (uint32_t)l->n;
	r->total = l->total;
	if (l->n > 0)
		memcpy(r->lines, l->v, l->n * sizeof *l->v);
	memcpy(fee_memo_keyof(r), k, n);
	m->slot[at].hash = h;
	m->slot[at].rec = r;
	m->n++;
}

/*
 * Once warm, the cache is judged every FEE_MEMO_WINDOW look-ups: a miss
 * (the look-up and keeping the result) costs about a fifth of pricing
 * an entry, so when fewer than FEE_MEMO_KEEP in a hundred hit, the cache
 * sits out a rest (neither looked up nor filled), twice as long each time
 * it fails again, then is tried again.
 */
static void
fee_memo_judge(struct fee_memo *m, int hit)
{
	if (++m->lookups < FEE_MEMO_WARM)
		return;
	m->window_hits += (uint32_t)hit;
	if (++m->window < FEE_MEMO_WINDOW)
		return;
	if (m->window_hits * 100 < m->window * FEE_MEMO_KEEP) {
		if (m->next_rest == 0)
			m->next_rest = FEE_MEMO_REST;
		m->rest = m->next_rest;
		if (m->next_rest < FEE_MEMO_REST_MAX)
			m->next_rest *= 2;
	} else
		m->next_rest = 0;
	m->window = 0;
	m->window_hits = 0;
}

/*
 * Answers batch entries from the cache, from batch_i on, until one that
 * was not priced before (left for price) or batch_stop. Each entry is
 * looked up once, however often this runs.
 */
void
fee_memo_serve(struct fee_vm *vm)
{
	struct fee_memo *m = vm->cache.memo;
	const struct fee_entry *e;
	struct fee_memo_rec *r;
	struct fee_lines *out;
	size_t at, k;

	while (m != NULL && vm->batch.i < vm->batch.stop &&
	    vm->cache.checked <= vm->batch.i) {
		e = &vm->batch.v[vm->batch.i];
		if (m->rest > 0) {
			/* Resting: the entries up to batch_stop sit out at once. */
			k = vm->batch.stop - vm->batch.i;
			if (k > m->rest)
				k = m->rest;
			m->rest -= (uint32_t)k;
			m->misses += k;
			m->missed = NULL;
			vm->cache.checked = vm->batch.i + k;
			return;
		}
		vm->cache.checked = vm->batch.i + 1;
		m->missed = e;
		m->keylen = fee_memo_key(e, m->key);
		m->hash = fee_memo_hash(m->key, m->keylen);
		if (m->keylen == 0 || (r = fee_memo_find(m, m->key, m->keylen,
		    m->hash, &at)) == NULL) {
			m->misses++;
			fee_memo_judge(m, 0);
			return;
		}
		m->missed = NULL;
		m->hits++;
		fee_memo_judge(m, 1);
		out = &vm->batch.out[vm->batch.i++];
		fee_lines_reset(out, e->vat ? e->vat : 'S');
		if (out->cap < r->nlines) {
			out->cap = r->nlines < 8 ? 8 : r->nlines;
			out->v = xrealloc(out->v, out->cap * sizeof *out->v);
		}
		if (r->nlines > 0)
			memcpy(out->v, r->lines, r->nlines * sizeof *out->v);
		out->n = r->nlines;
		out->total = r->total;
	}
}

/* The state's cache, made on first use; NULL where prices are not kept. */
struct fee_memo *
fee_memo_of(struct fee_vm *vm)
{
	if (vm->cache.memo == NULL && vm->cache.on) {
		vm->cache.memo = xcalloc(1, sizeof *vm->cache.memo);
		vm->cache.memo->slot = xcalloc((size_t)1 << FEE_MEMO_BITS,
		    sizeof *vm->cache.memo->slot);
		vm->cache.memo->arena = xmalloc(FEE_MEMO_BYTES);
	}
	return vm->cache.memo;
}
