/* pager.h: the plugins' list pagination, drawn through the host's html call. */
#ifndef EP_PAGER_H
#define EP_PAGER_H

#include <stddef.h>
#include <stdint.h>

#include <expertpool/plugin.h>

/*
 * The host's own html_pagination is not in the plugin ABI; this draws the
 * same GOV.UK markup ("Showing 51 to 100 of 1,234 invoices") so that a
 * plugin's lists read like the core's. param is the query parameter that
 * holds the page ("page", or another where a page has two lists).
 */
int64_t pager_page(const struct ep_host *h, ep_req *r, const char *param,
    int64_t total, int64_t per);
char *pager_path(const struct ep_host *h, ep_req *r, const char *base,
    const char *const *keep);
void pager_draw(const struct ep_host *h, ep_page *b, const char *path,
    const char *param, int64_t page, int64_t per, int64_t total,
    const char *things);
char *pager_like(const char *text);

#endif
