/* test_playlist_sanitize.c - items are made displayable as they enter the
 * playlist (content/playlist.c with base/utf8.h): invalid UTF-8 becomes U+FFFD,
 * control characters go, and one log line per affected item names it. */
#include "check.h"
#include "base/log.h"
#include "content/playlist.h"

#include <stdlib.h>
#include <string.h>

static int warn_lines;
static char last_warn[512];

static void sink(crier_log_level level, const char *component, const char *msg, void *ud)
{
    (void)ud;
    if (level == CRIER_LOG_WARN && strcmp(component, "content") == 0) {
        warn_lines++;
        snprintf(last_warn, sizeof last_warn, "%s", msg);
    }
}

static crier_item post(const char *id, const char *title, const char *body)
{
    crier_item it;
    memset(&it, 0, sizeof it);
    it.kind = CRIER_ITEM_POST;
    it.id = crier_strdup(id);
    it.source = crier_strdup("feed");
    it.title = crier_strdup(title);
    it.body = crier_strdup(body);
    return it;
}

TEST(upsert_replaces_invalid_bytes_and_logs_once)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    warn_lines = 0;
    crier_item it = post("p1", "Caf\xc3\xa9 \xff", "Open\x01 daily \xe2\x82 8:00\r\nto 18:00\x7f");
    CHECK_INT_EQ(crier_playlist_upsert(&pl, &it), CRIER_OK);
    const crier_item *got = crier_playlist_find(&pl, "feed", "p1");
    CHECK(got != NULL);
    if (got) {
        CHECK_STR_EQ(got->title, "Caf\xc3\xa9 \xef\xbf\xbd");
        CHECK_STR_EQ(got->body, "Open daily \xef\xbf\xbd 8:00\nto 18:00");
    }
    CHECK_INT_EQ(warn_lines, 1);
    CHECK(strstr(last_warn, "item 'p1' from 'feed'") != NULL);
    /* A clean item logs nothing. */
    crier_item ok = post("p2", "Library", "Open until 20:00.\n\nWelcome.");
    CHECK_INT_EQ(crier_playlist_upsert(&pl, &ok), CRIER_OK);
    CHECK_INT_EQ(warn_lines, 1);
    got = crier_playlist_find(&pl, "feed", "p2");
    CHECK(got && strcmp(got->body, "Open until 20:00.\n\nWelcome.") == 0);
    crier_playlist_free(&pl);
}

TEST(replace_source_sanitizes_every_item)
{
    crier_playlist pl;
    crier_playlist_init(&pl);
    crier_item_list list;
    crier_item_list_init(&list);
    crier_item a = post("bad\xc0id", "T\xed\xa0\x80", NULL), b = post("fine", "Fine", "Fine");
    a.location = crier_strdup("Hall \x1b[31m B");
    CHECK_INT_EQ(crier_item_list_take(&list, &a), CRIER_OK);
    CHECK_INT_EQ(crier_item_list_take(&list, &b), CRIER_OK);
    warn_lines = 0;
    CHECK_INT_EQ(crier_playlist_replace_source(&pl, "feed", &list), CRIER_OK);
    CHECK_INT_EQ(warn_lines, 1); /* only the bad item, once */
    const crier_item *got = crier_playlist_find(&pl, "feed", "bad\xef\xbf\xbdid");
    CHECK(got != NULL);
    if (got) {
        CHECK_STR_EQ(got->title, "T\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
        CHECK_STR_EQ(got->location, "Hall [31m B");
    }
    crier_item_list_clear(&list);
    crier_playlist_free(&pl);
}

int main(void)
{
    crier_log_set_sink(sink, NULL);
    RUN(upsert_replaces_invalid_bytes_and_logs_once);
    RUN(replace_source_sanitizes_every_item);
    return check_summary();
}
