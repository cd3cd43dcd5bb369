/* feed_testutil.h - helpers shared by the feed tests (fixtures, the usual
 * options, UTF-8 validation, timing).  Header-only; every function is static. */
#ifndef CRIER_FEED_TESTUTIL_H
#define CRIER_FEED_TESTUTIL_H

#include "testutil.h"

#include "content/content.h"
#include "feeds/feed.h"
#include "feeds/html_text.h"
#include "base/timeutil.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Read tests/fixtures/feeds/<name>; *len gets the size.  Exits the test binary (2) if it cannot. */
__attribute__((unused)) static char *fixture(const char *name, size_t *len)
{
    char *buf = read_filef(len, "%s/feeds/%s", fixtures_dir(), name);
    if (!buf)
        exit(2);
    return buf;
}

__attribute__((unused)) static int utf8_valid(const char *s)
{
    return !s || crier_utf8_is_valid(s, strlen(s));
}

__attribute__((unused)) static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

__attribute__((unused)) static const crier_item *find_item(const crier_item_list *l, const char *id)
{
    for (size_t i = 0; i < l->count; i++)
        if (l->items[i].id && !strcmp(l->items[i].id, id))
            return &l->items[i];
    return NULL;
}

/* 2026-11-26T08:00:00Z */
#define TEST_NOW_MS 1795680000000LL

/* Default options with this source name, at TEST_NOW_MS. */
__attribute__((unused)) static crier_feed_opts feed_opts(const char *source)
{
    crier_feed_opts o;
    crier_feed_opts_init(&o);
    o.source = source;
    o.now_ms = TEST_NOW_MS;
    return o;
}

/* Parse fixture name as type into l (not cleared first); returns the error and fills err. */
__attribute__((unused)) static crier_err parse_fixture(const char *name, crier_feed_type type,
                                                       const crier_feed_opts *o, crier_item_list *l, char *err,
                                                       size_t err_len)
{
    size_t len;
    char *buf = fixture(name, &len);
    crier_err rc = crier_feed_parse(type, buf, len, o, l, err, err_len);
    free(buf);
    return rc;
}

#endif
