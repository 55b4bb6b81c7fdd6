/* no-entry.c: a shared object that is not an expertpool plugin. */
#include <expertpool/plugin.h>

EP_EXPORT int not_a_plugin(void);

int
not_a_plugin(void)
{
	return 42;
}
