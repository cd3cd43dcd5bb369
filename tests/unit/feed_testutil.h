/* feed_testutil.h - helpers shared by the feed unit tests (fixtures, UTF-8
 * validation, timing).  Header-only; every function is static. */
#ifndef CRIER_FEED_TESTUTIL_H
#define CRIER_FEED_TESTUTIL_H

#include "content/content.h"
#include "feeds/html_text.h"
#include "base/timeutil.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Read tests/fixtures/feeds/<name>; *len gets the size.  Aborts the test binary if missing. */
__attribute__((unused)) static char *fixture(const char *name, size_t *len)
{
    const char *dir = getenv("CRIER_FIXTURES");
    char path[1024];
    if (dir)
        snprintf(path, sizeof path, "%s/feeds/%s", dir, name);
    else {
        const char *file = __FILE__, *slash = strrchr(file, '/');
        snprintf(path, sizeof path, "%.*s/../fixtures/feeds/%s", slash ? (int)(slash - file) : 1,
                 slash ? file : ".", name);
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "missing fixture %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
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
