/* route.c: the route table: method, path pattern with {name} segments, roles. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

static const char *route_methods[] = { "GET", "POST", "PUT", "PATCH",
	"DELETE" };
static struct route **routes;
static size_t nroutes;
static size_t routes_alloc;

/* Splits "/a/{id}/b" into its segments; the root path has none. */
static int
route_split(const char *pattern, char ***out)
{
	char **segs = NULL;
	int n = 0;
	const char *p = pattern + 1;

	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		segs = xrealloc(segs, sizeof *segs * (size_t)(n + 1));
		segs[n++] = xstrndup(p, len);
		if (end == NULL)
			break;
		p = end + 1;
	}
	*out = segs;
	return n;
}

static int
route_is_param(const char *seg)
{
	size_t len = strlen(seg);

	return len > 2 && seg[0] == '{' && seg[len - 1] == '}';
}

/*
 * Adds a route. Patterns start with '/', have no empty segments and at most
 * ROUTE_MAX_PARAMS parameters; a method and pattern may be taken only once.
 */
int
route_add(struct ep_plugin *owner, const char *method, const char *pattern,
    unsigned roles, ep_handler_fn fn, void *arg)
{
	return route_add_owned(owner, method, pattern, roles, NULL, fn, arg);
}

/*
 * A route whose record belongs to organisations: owner_sql, given the first
 * path parameter as ?1, returns the ids of the organisations that may see
 * the record. Authorisation runs it before the handler (see auth.c).
 */
int
route_add_owned(struct ep_plugin *owner, const char *method,
    const char *pattern, unsigned roles, const char *owner_sql,
    ep_handler_fn fn, void *arg)
{
	struct route *r;
	size_t i;
	int nparams = 0;

	if (method == NULL || pattern == NULL || fn == NULL || pattern[0] != '/' ||
	    strstr(pattern, "//") != NULL || (roles & ~(unsigned)EP_ROLE_ANY)) {
		log_error("route: bad route %s %s", method ? method : "(null)",
		    pattern ? pattern : "(null)");
		return -1;
	}
	for (i = 0; i < nitems(route_methods); i++) {
		if (strcmp(route_methods[i], method) == 0)
			break;
	}
	if (i == nitems(route_methods)) {
		log_error("route: unsupported method %s for %s", method, pattern);
		return -1;
	}
	method = route_methods[i];
	for (i = 0; i < nroutes; i++) {
		if (strcmp(routes[i]->method, method) == 0 &&
		    strcmp(routes[i]->pattern, pattern) == 0) {
			log_error("route: %s %s is already taken", method, pattern);
			return -1;
		}
	}
	r = xcalloc(1, sizeof *r);
	r->method = method;
	r->pattern = xstrdup(pattern);
	r->roles = roles;
	r->owner_sql = owner_sql ? xstrdup(owner_sql) : NULL;
	r->fn = fn;
	r->arg = arg;
	r->owner = owner;
	r->nsegs = route_split(pattern, &r->segs);
	for (i = 0; i < (size_t)r->nsegs; i++)
		nparams += route_is_param(r->segs[i]);
	if (nparams > ROUTE_MAX_PARAMS || (owner_sql != NULL && nparams == 0)) {
		log_error("route: %s has more than %d parameters, or an owner "
		    "query and no parameter", pattern, ROUTE_MAX_PARAMS);
		for (i = 0; i < (size_t)r->nsegs; i++)
			free(r->segs[i]);
		free(r->segs);
		free(r->pattern);
		free(r->owner_sql);
		free(r);
		return -1;
	}
	if (nroutes == routes_alloc) {
		routes_alloc = routes_alloc ? routes_alloc * 2 : 32;
		routes = xrealloc(routes, sizeof *routes * routes_alloc);
	}
	r->index = nroutes;
	routes[nroutes++] = r;
	return 0;
}

static void
route_free(struct route *r)
{
	int i;

	for (i = 0; i < r->nsegs; i++)
		free(r->segs[i]);
	free(r->segs);
	free(r->pattern);
	free(r->owner_sql);
	free(r);
}

/* Undoes a plugin's routes when its init fails. */
void
route_remove_owner(struct ep_plugin *owner)
{
	size_t i, j = 0;

	for (i = 0; i < nroutes; i++) {
		if (routes[i]->owner == owner)
			route_free(routes[i]);
		else {
			routes[j] = routes[i];
			routes[j]->index = j;
			j++;
		}
	}
	nroutes = j;
}

void
route_clear(void)
{
	size_t i;

	for (i = 0; i < nroutes; i++)
		route_free(routes[i]);
	free(routes);
	routes = NULL;
	nroutes = routes_alloc = 0;
}

/* Compares a decoded path with one route, filling its parameters. */
static int
route_try(const struct route *r, const char *path, struct route_params *params)
{
	const char *p = path + 1;
	int i;

	params->n = 0;
	if (path[0] != '/')
		return 0;
	if (r->nsegs == 0)
		return *p == '\0';
	for (i = 0; i < r->nsegs; i++) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if ((end == NULL) != (i == r->nsegs - 1))
			return 0;
		if (route_is_param(r->segs[i])) {
			if (len == 0)
				return 0;
			params->name[params->n] = r->segs[i];
			params->value[params->n] = (char *)p;
			params->n++;
		} else if (strlen(r->segs[i]) != len ||
		    memcmp(r->segs[i], p, len) != 0)
			return 0;
		p = end ? end + 1 : p + len;
	}
	return 1;
}

/*
 * Finds the route for a method and a decoded path. A path that some route
 * has under another method is ROUTE_BAD_METHOD (405), else ROUTE_NOT_FOUND.
 * Parameter values are copied; free them with route_params_free.
 */
enum route_result
route_match(const char *method, const char *path, const struct route **out,
    struct route_params *params)
{
	int path_known = 0;
	size_t i;
	int k;

	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	for (i = 0; i < nroutes; i++) {
		const struct route *r = routes[i];

		if (!route_try(r, path, params))
			continue;
		if (strcmp(r->method, method) != 0) {
			path_known = 1;
			continue;
		}
		for (k = 0; k < params->n; k++) {
			const char *v = params->value[k];
			const char *end = strchr(v, '/');

			params->value[k] = end ? xstrndup(v, (size_t)(end - v)) :
			    xstrdup(v);
		}
		*out = r;
		return ROUTE_FOUND;
	}
	params->n = 0;
	*out = NULL;
	return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

void
route_params_free(struct route_params *params)
{
	int k;

	for (k = 0; k < params->n; k++)
		free(params->value[k]);
	params->n = 0;
}

size_t
route_count(void)
{
	return nroutes;
}

const struct route *
route_at(size_t i)
{
	return i < nroutes ? routes[i] : NULL;
}
