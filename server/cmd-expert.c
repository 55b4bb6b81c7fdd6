/* cmd-expert.c: expertpool expert add|set|list|leave|activate|deactivate. */
#include "server.h"

#include <string.h>

/* The --skill options given, in order. */
struct cmd_skills {
	const char *items[EXPERT_MAX_SKILLS + 1];
	size_t n;
};

/* Keeps one --skill; one past the limit, so the check can say so. */
static void
cmd_skill_cb(const char *value, void *arg)
{
	struct cmd_skills *k = arg;

	if (k->n < nitems(k->items))
		k->items[k->n++] = value;
}

/* Adds an expert to their organisation's directory. */
static int
cmd_expert_add(struct ep_db *db, int argc, char **argv)
{
	struct expert_input in = { 0 };
	struct cmd_skills k = { .n = 0 };
	const struct cmd_option opts[] = {
		{ .name = "org", .value = &in.org_code },
		{ .name = "name", .value = &in.name },
		{ .name = "grade", .value = &in.grade },
		{ .name = "capacity", .value = &in.capacity },
		{ .name = "login", .value = &in.login },
		{ .name = "skill", .each = cmd_skill_cb, .arg = &k },
		{ .name = NULL },
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	int rc = CMD_ERROR;

	if (cmd_options("expert", argc, argv, opts, 0) < 0)
		return CMD_USAGE;
	in.skills = k.items;
	in.nskills = k.n;
	audit_actor_cli(&actor);
	if (expert_add(db, &actor, &in, &e, &id) != 0) {
		errs_print(&e, stderr);
		goto out;
	}
	printf("expert %s created (id %lld)\n", in.name, (long long)id);
	rc = CMD_OK;
out:
	errs_free(&e);
	return rc;
}

/* Changes an expert's grade, capacity or skills (all given replace all). */
static int
cmd_expert_set(struct ep_db *db, int argc, char **argv)
{
	struct expert_edit in = { 0 };
	struct cmd_skills k = { .n = 0 };
	const struct cmd_option opts[] = {
		{ .name = "grade", .value = &in.grade },
		{ .name = "capacity", .value = &in.capacity },
		{ .name = "skill", .each = cmd_skill_cb, .arg = &k },
		{ .name = NULL },
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	int changed, i;

	if ((i = cmd_options("expert", argc, argv, opts, 1)) < 0)
		return CMD_USAGE;
	if (k.n > 0) {
		in.skills = k.items;
		in.nskills = k.n;
	}
	if (parse_int64(argv[i], 1, INT64_MAX, &id) != 0) {
		fprintf(stderr, "expertpool: expert: give the expert's id, a "
		    "number (see expertpool expert list)\n");
		return CMD_USAGE;
	}
	audit_actor_cli(&actor);
	if (expert_update(db, &actor, id, &in, &e, &changed) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf(changed ? "expert %lld updated\n" : "expert %lld unchanged\n",
	    (long long)id);
	return CMD_OK;
}

/* Lists experts, as the directory's search finds them. */
static int
cmd_expert_list(struct ep_db *db, int argc, char **argv)
{
	struct expert_filter f = { 0 };
	const char *skill = NULL, *slash;
	const struct cmd_option opts[] = {
		{ .name = "skill", .value = &skill },
		{ .name = "org", .value = &f.org },
		{ .name = "free-from", .value = &f.from },
		{ .name = "free-to", .value = &f.to },
		{ .name = "all", .flag = &f.all, .set = 1 },
		{ .name = NULL },
	};
	struct expert_list l;
	struct form_errors e = { 0 };
	char area[32] = "", weekly[32], freeh[32], skills[512];
	size_t i;

	if (cmd_options("expert", argc, argv, opts, 0) < 0)
		return CMD_USAGE;
	if (skill != NULL) {
		slash = strchr(skill, '/');
		snprintf(area, sizeof area, "%.*s", slash ? (int)(slash -
		    skill) : (int)strlen(skill), skill);
		f.area = area;
		f.speciality = slash ? slash + 1 : NULL;
	}
	if (expert_search(db, &f, &e, &l) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf("%-5s %-6s %-10s %-10s %-16s %-24s %s\n", "ID", "ORG", "GRADE",
	    "WEEKLY", l.window ? "FREE" : "STATE", "NAME", "SKILLS");
	for (i = 0; i < l.n; i++) {
		const struct expert_row *x = &l.rows[i];

		units_hours_text(weekly, sizeof weekly, x->weekly);
		if (l.window)
			units_hours_text(freeh, sizeof freeh, x->free);
		else
			snprintf(freeh, sizeof freeh, "%s", x->active ? "active" :
			    "inactive");
		expert_skills_format(x, skills, sizeof skills);
		printf("%-5lld %-6s %-10s %-10s %-16s %-24s %s\n", (long long)x->id,
		    x->org_code, x->grade, weekly, freeh, x->name, skills);
	}
	expert_list_free(&l);
	return CMD_OK;
}

/* Books a period of leave for an expert. */
static int
cmd_expert_leave(struct ep_db *db, int argc, char **argv)
{
	struct leave_input in = { 0 };
	const struct cmd_option opts[] = {
		{ .name = "from", .value = &in.from },
		{ .name = "to", .value = &in.to },
		{ .name = "note", .value = &in.note },
		{ .name = NULL },
	};
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t expert, id;
	int i;

	if ((i = cmd_options("expert", argc, argv, opts, 1)) < 0)
		return CMD_USAGE;
	if (parse_int64(argv[i], 1, INT64_MAX, &expert) != 0) {
		fprintf(stderr, "expertpool: expert: give the expert's id, a "
		    "number (see expertpool expert list)\n");
		return CMD_USAGE;
	}
	audit_actor_cli(&actor);
	if (expert_leave_add(db, &actor, expert, &in, &e, &id) != 0) {
		errs_print(&e, stderr);
		errs_free(&e);
		return CMD_ERROR;
	}
	printf("leave from %s to %s booked for expert %lld\n", in.from, in.to,
	    (long long)expert);
	return CMD_OK;
}

static int
cmd_expert_active(struct ep_db *db, const char *what, const char *idtext)
{
	struct audit_actor actor;
	int active = strcmp(what, "activate") == 0;
	int64_t id;

	if (parse_int64(idtext, 1, INT64_MAX, &id) != 0 ||
	    expert_org_id(db, id) <= 0) {
		fprintf(stderr, "expertpool: expert: no expert %s\n", idtext);
		return CMD_ERROR;
	}
	audit_actor_cli(&actor);
	if (expert_set_active(db, &actor, id, active) != 0) {
		fprintf(stderr, "expertpool: expert %s could not be changed\n",
		    idtext);
		return CMD_ERROR;
	}
	printf("expert %s %s\n", idtext, active ? "active" : "inactive");
	return CMD_OK;
}

static int
cmd_expert_exec(struct ep_db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return cmd_expert_add(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return cmd_expert_set(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return cmd_expert_list(db, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "leave") == 0)
		return cmd_expert_leave(db, argc - 1, argv + 1);
	if (argc == 3 && (strcmp(argv[1], "activate") == 0 ||
	    strcmp(argv[1], "deactivate") == 0))
		return cmd_expert_active(db, argv[1], argv[2]);
	return cmd_usage("expert");
}

const struct cmd_entry cmd_expert_entry = {
	.name = "expert",
	.usage = "add --org CODE --name NAME --grade junior|standard|senior|"
	    "principal --capacity HOURS [--login LOGIN] "
	    "[--skill AREA[/SPECIALITY]:LEVEL]... | set EXPERT_ID "
	    "[--grade GRADE] [--capacity HOURS] [--skill AREA[/SPEC]:LEVEL]... "
	    "| list [--skill AREA[/SPEC]] "
	    "[--org CODE] [--free-from DATE --free-to DATE] [--all] | "
	    "leave EXPERT_ID --from DATE --to DATE [--note TEXT] | "
	    "activate EXPERT_ID | deactivate EXPERT_ID",
	.help = "add, change, list, book leave for, or (de)activate experts",
	.needs_db = 1,
	.exec = cmd_expert_exec,
};
