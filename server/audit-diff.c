/* audit-diff.c: a change's fields before and after, for the audit trail. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Adds field to both sides of a change when its old and new differ. */
void
audit_diff_text(json_t *before, json_t *after, const char *field,
    const char *old, const char *new)
{
	if (strcmp(old, new) == 0)
		return;
	json_object_set_new(before, field, json_string(old));
	json_object_set_new(after, field, json_string(new));
}

/* {"before":{...},"after":{...}} of the changed fields, or NULL if none. */
char *
audit_diff_dump(json_t *before, json_t *after)
{
	json_t *o;
	char *text = NULL;

	if (json_object_size(after) > 0) {
		o = json_pack("{s:O,s:O}", "before", before, "after", after);
		text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(o);
	}
	json_decref(before);
	json_decref(after);
	return text;
}

/* As audit_diff_text, for whole numbers. */
void
audit_diff_int(json_t *before, json_t *after, const char *field, int64_t old,
    int64_t new)
{
	if (old == new)
		return;
	json_object_set_new(before, field, json_integer(old));
	json_object_set_new(after, field, json_integer(new));
}
