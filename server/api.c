/*
 * api.c: what every JSON API handler shares: the body as an object, its
 * members as the text the form checks read, the {id} in the path, replies,
 * and the 422 that lists a form's errors by field.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Replies with o, which it takes over. */
void
api_reply(struct ep_req *r, int status, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	if (text == NULL) {
		json_decref(o);
		http_json_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	http_reply(r, status, "application/json", text, strlen(text));
	free(text);
	json_decref(o);
}

/* 422 naming the first bad field, with every problem listed. */
void
api_invalid(struct ep_req *r, const struct form_errors *e)
{
	json_t *list = json_array();
	int i;

	for (i = 0; i < e->n; i++)
		json_array_append_new(list, json_pack("{s:s,s:s}", "field",
		    e->field[i], "message", e->msg[i]));
	api_reply(r, 422, json_pack("{s:{s:s,s:s,s:s,s:o}}", "error", "code",
	    "invalid", "field", e->n > 0 ? e->field[0] : "",
	    "message", e->n > 0 ? e->msg[0] : "invalid", "errors", list));
}

/* The body as a JSON object (an empty body is an empty object), or NULL
 * after answering 400 bad_json with what the parser said. */
json_t *
api_object(struct ep_req *r)
{
	json_error_t jerr;
	size_t len = 0;
	const char *text = http_body(r, &len);
	char msg[256];
	json_t *o;

	if (text == NULL || len == 0)
		return json_object();
	o = json_loadb(text, len, 0, &jerr);
	if (o != NULL && json_is_object(o))
		return o;
	snprintf(msg, sizeof msg, "the body must be a JSON object%s%s",
	    o != NULL ? "" : ": ", o != NULL ? "" : jerr.text);
	json_decref(o);
	http_json_error(r, 400, "bad_json", NULL, msg);
	return NULL;
}

/*
 * A member as text for the field's own checks: absent or null is NULL; a
 * string as it is; a number as the client wrote it (a double keeps 15
 * digits; never rounded here), kept in the object so that it lives as
 * long as the body. Any other type is an error on the field, in e.
 */
const char *
api_text(json_t *o, const char *key, struct form_errors *e)
{
	json_t *v = json_object_get(o, key);
	char buf[48];

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
	else {
		if (e != NULL)
			errs_add(e, key, "%s must be a string or a number", key);
		return NULL;
	}
	json_object_set_new(o, key, json_string(buf));
	return json_string_value(json_object_get(o, key));
}

/* The {id} in the path; 0 when it is not a whole number from 1. */
int64_t
api_id(struct ep_req *r)
{
	int64_t id = 0;

	if (parse_int64(http_param(r, "id"), 1, INT64_MAX, &id) != 0)
		return 0;
	return id;
}
