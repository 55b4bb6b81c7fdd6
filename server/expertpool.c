/* expertpool.c: the command-line tool's entry point. */
#include "server.h"

int
main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
