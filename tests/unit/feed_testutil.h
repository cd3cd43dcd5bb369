/* feed_testutil.h - helpers shared by the feed unit tests (fixtures, UTF-8
 * validation, timing).  Header-only; every function is static. */
#ifndef CRIER_FEED_TESTUTIL_H
#define CRIER_FEED_TESTUTIL_H

#include "testutil.h"

#include "content/content.h"
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

#endif
