/* cmd-expert.c: expertpool expert add|set|list|leave|activate|deactivate. */
#include "server.h"

#include <getopt.h>
#include <string.h>

static int
cmd_expert_add(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "org", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "grade", required_argument, NULL, 'g' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "login", required_argument, NULL, 'l' },
		{ "skill", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *skills[EXPERT_MAX_SKILLS + 1];
	struct expert_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	int c, rc = CMD_ERROR;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': in.org_code = optarg; break;
		case 'n': in.name = optarg; break;
		case 'g': in.grade = optarg; break;
		case 'c': in.capacity = optarg; break;
		case 'l': in.login = optarg; break;
		case 's':
			/* One past the limit, so expert_add can say so. */
			if (in.nskills < nitems(skills))
				skills[in.nskills++] = optarg;
			break;
		default: return cmd_usage("expert");
		}
	}
	if (optind != argc)
		return cmd_usage("expert");
	in.skills = skills;
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
	static const struct option opts[] = {
		{ "grade", required_argument, NULL, 'g' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "skill", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *skills[EXPERT_MAX_SKILLS + 1];
	struct expert_edit in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t id;
	int c, changed;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'g': in.grade = optarg; break;
		case 'c': in.capacity = optarg; break;
		case 's':
			/* One past the limit, so expert_update can say so. */
			if (in.nskills < nitems(skills))
				skills[in.nskills++] = optarg;
			in.skills = skills;
			break;
		default: return cmd_usage("expert");
		}
	}
	if (optind != argc - 1)
		return cmd_usage("expert");
	if (parse_int64(argv[optind], 1, INT64_MAX, &id) != 0) {
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

static int
cmd_expert_list(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "skill", required_argument, NULL, 's' },
		{ "org", required_argument, NULL, 'o' },
		{ "free-from", required_argument, NULL, 'f' },
		{ "free-to", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct expert_filter f = { 0 };
	struct expert_list l;
	struct form_errors e = { 0 };
	char area[32] = "", weekly[32], freeh[32], skills[512];
	const char *slash;
	size_t i;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			slash = strchr(optarg, '/');
			snprintf(area, sizeof area, "%.*s", slash ? (int)(slash -
			    optarg) : (int)strlen(optarg), optarg);
			f.area = area;
			f.speciality = slash ? slash + 1 : NULL;
			break;
		case 'o': f.org = optarg; break;
		case 'f': f.from = optarg; break;
		case 't': f.to = optarg; break;
		case 'a': f.all = 1; break;
		default: return cmd_usage("expert");
		}
	}
	if (optind != argc)
		return cmd_usage("expert");
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

static int
cmd_expert_leave(struct ep_db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct leave_input in = { 0 };
	struct form_errors e = { 0 };
	struct audit_actor actor;
	int64_t expert, id;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': in.from = optarg; break;
		case 't': in.to = optarg; break;
		case 'n': in.note = optarg; break;
		default: return cmd_usage("expert");
		}
	}
	if (optind != argc - 1)
		return cmd_usage("expert");
	if (parse_int64(argv[optind], 1, INT64_MAX, &expert) != 0) {
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
