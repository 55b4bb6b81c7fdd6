/* assets.c: the stylesheets and scripts pages link to, served from memory. */
#include "server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/buffer.h>

extern const char app_css[];
extern const char progress_js[];
extern const char govuk_css[];

struct asset {
	const char *name;
	const char *type;
	char *data;
	size_t len;
	int loaded;
};

/* GOV.UK Frontend's compiled stylesheet is built in from npm's copy at
 * build time; the assets setting may name a directory with another. */
static struct asset assets[] = {
	{ "govuk-frontend.min.css", "text/css; charset=utf-8", NULL, 0, 0 },
};

static char *
asset_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *data;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 ||
	    st.st_size > 16 * 1024 * 1024) {
		fclose(f);
		return NULL;
	}
	data = xmalloc((size_t)st.st_size);
	*len = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	return data;
}

/*
 * Drops the stylesheet's @font-face rules. GOV.UK Frontend names GDS
 * Transport, whose licence is for services on gov.uk alone; a council's
 * expertpool is not one, so the type falls back to Arial as the stylesheet
 * already says, and no page asks for font files that are not there.
 */
static void
asset_drop_font_faces(struct asset *a)
{
	static const char rule[] = "@font-face{";
	char *p, *end;

	while ((p = memmem(a->data, a->len, rule, sizeof rule - 1)) != NULL) {
		end = memchr(p, '}', a->len - (size_t)(p - a->data));
		if (end == NULL)
			break;
		end++;
		memmove(p, end, a->len - (size_t)(end - a->data));
		a->len -= (size_t)(end - p);
	}
}

/* Reads the stylesheet from the assets directory if one is set, else
 * (or if it is not there) takes the built-in copy. */
static void
asset_load(struct asset *a)
{
	a->loaded = 1;
	if (cfg.assets != NULL && *cfg.assets != '\0') {
		char *path = xprintf("%s/%s", cfg.assets, a->name);

		a->data = asset_read(path, &a->len);
		if (a->data == NULL)
			log_warn("assets: %s cannot be read: serving the "
			    "built-in %s", path, a->name);
		free(path);
	}
	if (a->data == NULL) {
		a->len = strlen(govuk_css);
		a->data = xmalloc(a->len);
		memcpy(a->data, govuk_css, a->len);
	}
	asset_drop_font_faces(a);
}

static void
asset_cb(struct ep_req *r, void *arg)
{
	const char *name = http_param(r, "name");
	size_t i;

	(void)arg;
	http_reply_header(r, "Cache-Control", "public, max-age=3600");
	if (strcmp(name, "app.css") == 0) {
		http_reply(r, 200, "text/css; charset=utf-8", app_css,
		    strlen(app_css));
		return;
	}
	if (strcmp(name, "progress.js") == 0) {
		http_reply(r, 200, "text/javascript; charset=utf-8", progress_js,
		    strlen(progress_js));
		return;
	}
	for (i = 0; i < nitems(assets); i++) {
		if (strcmp(assets[i].name, name) != 0)
			continue;
		if (!assets[i].loaded)
			asset_load(&assets[i]);
		if (assets[i].data != NULL) {
			http_reply(r, 200, assets[i].type, assets[i].data,
			    assets[i].len);
			return;
		}
	}
	http_reply(r, 404, "text/plain; charset=utf-8", "no such asset\n", 14);
}

void
assets_routes_register(void)
{
	route_add(NULL, "GET", "/assets/{name}", EP_ROLE_PUBLIC, asset_cb, NULL);
}

void
assets_free(void)
{
	size_t i;

	for (i = 0; i < nitems(assets); i++) {
		free(assets[i].data);
		assets[i].data = NULL;
		assets[i].loaded = 0;
	}
}
