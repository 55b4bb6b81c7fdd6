/* hook.c: named event hooks that plugins subscribe to and the core fires. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

struct hook {
	struct ep_plugin *owner;
	char *event;
	ep_hook_fn fn;
	void *arg;
};

static struct hook *hooks;
static size_t nhooks;

/* Subscribes fn to an event name ("request.submitted"...), or "*" for all. */
int
hook_add(struct ep_plugin *owner, const char *event, ep_hook_fn fn, void *arg)
{
	if (event == NULL || *event == '\0' || fn == NULL) {
		log_error("hook: an event name and a function are required");
		return -1;
	}
	hooks = xrealloc(hooks, sizeof *hooks * (nhooks + 1));
	hooks[nhooks].owner = owner;
	hooks[nhooks].event = xstrdup(event);
	hooks[nhooks].fn = fn;
	hooks[nhooks].arg = arg;
	nhooks++;
	return 0;
}

void
hook_remove_owner(struct ep_plugin *owner)
{
	size_t i, j = 0;

	for (i = 0; i < nhooks; i++) {
		if (hooks[i].owner == owner)
			free(hooks[i].event);
		else
			hooks[j++] = hooks[i];
	}
	nhooks = j;
	if (nhooks == 0) {
		free(hooks);
		hooks = NULL;
	}
}

/* Calls every subscriber in subscription order, on the caller's thread. */
void
hook_fire(const char *event, const char *json)
{
	size_t i;

	for (i = 0; i < nhooks; i++) {
		if (strcmp(hooks[i].event, event) == 0 ||
		    strcmp(hooks[i].event, "*") == 0)
			hooks[i].fn(event, json ? json : "{}", hooks[i].arg);
	}
}

size_t
hook_count(const char *event)
{
	size_t i, n = 0;

	for (i = 0; i < nhooks; i++)
		n += strcmp(hooks[i].event, event) == 0;
	return n;
}
