/* test_fuzz_regressions.c - replays the fuzzing corpora through the fuzz harnesses.
 *
 * Every harness of tests/fuzz/ is compiled into this binary (CRIER_FUZZ_NO_MAIN:
 * no libFuzzer entry point, just the static fuzz_<target>_one functions), and
 * every file of tests/fuzz/regressions/<target>/ (inputs that once crashed or
 * broke a property, kept forever) and tests/fuzz/corpus/<target>/ (the seeds)
 * is fed to its target's harness.  A harness aborts on a broken property and a
 * memory error crashes (or, in the ASan build, is reported), so this test fails
 * exactly when an old crash comes back.  Runs with gcc in every build, no clang
 * or libFuzzer needed.  See docs/fuzzing.md. */
#include "check.h"
#include "testutil.h"

#define CRIER_FUZZ_NO_MAIN
#include "../fuzz/fuzz_alert.c"
#include "../fuzz/fuzz_cap.c"
#include "../fuzz/fuzz_config.c"
#include "../fuzz/fuzz_content.c"
#include "../fuzz/fuzz_envelope.c"
#include "../fuzz/fuzz_html.c"
#include "../fuzz/fuzz_ical.c"
#include "../fuzz/fuzz_iso8601.c"
#include "../fuzz/fuzz_jsonfeed.c"
#include "../fuzz/fuzz_layout.c"
#include "../fuzz/fuzz_mastodon.c"
#include "../fuzz/fuzz_misc.c"
#include "../fuzz/fuzz_post.c"
#include "../fuzz/fuzz_rss.c"
#include "../fuzz/fuzz_utf8.c"
#include "../fuzz/fuzz_wrap.c"

#include <dirent.h>
#include <sys/stat.h>

typedef struct {
    const char *name;
    int (*fn)(const uint8_t *data, size_t size);
} harness;

static const harness harnesses[] = {
    {"alert", fuzz_alert_one},     {"cap", fuzz_cap_one},       {"config", fuzz_config_one},
    {"content", fuzz_content_one}, {"envelope", fuzz_envelope_one}, {"html", fuzz_html_one},
    {"ical", fuzz_ical_one},       {"iso8601", fuzz_iso8601_one}, {"jsonfeed", fuzz_jsonfeed_one},
    {"layout", fuzz_layout_one},   {"mastodon", fuzz_mastodon_one}, {"misc", fuzz_misc_one},
    {"post", fuzz_post_one},       {"rss", fuzz_rss_one},       {"utf8", fuzz_utf8_one},
    {"wrap", fuzz_wrap_one},
};
#define N_HARNESSES (sizeof harnesses / sizeof harnesses[0])

static const char *fuzz_dir(void)
{
    static char path[1100];
    snprintf(path, sizeof path, "%s/tests/fuzz", source_tree());
    return path;
}

/* Heap copy of exactly the file's bytes (like libFuzzer, no NUL after them). */
static uint8_t *read_all(const char *path, size_t *len)
{
    size_t n = 0;
    char *buf = read_file(path, 0, &n);
    uint8_t *exact = buf ? malloc(n ? n : 1) : NULL;
    if (exact && n)
        memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

/* Feed every regular file of dir/<h->name>/ to the harness; returns the count
 * or -1 when the folder is missing. */
static int replay(const char *dir, const harness *h)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, h->name);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char file[1500];
        struct stat st;
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        size_t len = 0;
        uint8_t *data = read_all(file, &len);
        if (!data) {
            fprintf(stderr, "    cannot read %s\n", file);
            check_current_failed = 1;
            continue;
        }
        /* named first so a crash or abort below says which input did it */
        fprintf(stderr, "    %s <- %s (%zu bytes)\n", h->name, file, len);
        CHECK_INT_EQ(h->fn(data, len), 0);
        free(data);
        count++;
    }
    closedir(d);
    return count;
}

TEST(every_seed_passes_its_harness)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/corpus", fuzz_dir());
    for (size_t i = 0; i < N_HARNESSES; i++) {
        int n = replay(dir, &harnesses[i]);
        if (n <= 0)
            fprintf(stderr, "    no seeds for target %s in %s\n", harnesses[i].name, dir);
        CHECK(n > 0); /* every target has a seed corpus */
    }
}

TEST(every_saved_crash_stays_fixed)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/regressions", fuzz_dir());
    int total = 0;
    for (size_t i = 0; i < N_HARNESSES; i++) {
        int n = replay(dir, &harnesses[i]);
        if (n > 0)
            total += n;
    }
    fprintf(stderr, "    %d saved regression input(s)\n", total);
    DIR *d = opendir(dir); /* the folder is part of the tree (with its README) */
    CHECK(d != NULL);
    if (d)
        closedir(d);
}

TEST(harnesses_reach_their_property_checks)
{
    /* The harness checks are live: a hand-made input of each kind that parses
     * reaches the property code (a harness that silently rejected everything
     * would make the replay above meaningless). */
    const char *post = "{\"title\":\"t\",\"body\":\"b\"}";
    CHECK_INT_EQ(fuzz_post_one((const uint8_t *)post, strlen(post)), 0);
    crier_item it;
    memset(&it, 0, sizeof it);
    CHECK_INT_EQ(crier_post_parse(post, strlen(post), "post-1", "mqtt", FUZZ_POST_NOW, &it, NULL, 0), CRIER_OK);
    crier_item_clear(&it);
    const char *iso = "2026-01-01T00:00:00.5Z";
    int64_t ms = 0;
    CHECK_INT_EQ(crier_parse_iso8601(iso, &ms), 0);
    CHECK_INT_EQ(ms, 1767225600500LL);
    CHECK_INT_EQ(fuzz_iso8601_one((const uint8_t *)iso, strlen(iso)), 0);
}

int main(void)
{
    RUN(every_seed_passes_its_harness);
    RUN(every_saved_crash_stays_fixed);
    RUN(harnesses_reach_their_property_checks);
    return check_summary();
}
