/* api.c: the timesheet's JSON API under /api/v1/entries. */
#include "timesheet.h"

void
ts_api_routes(void)
{
}
