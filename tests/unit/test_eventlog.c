/* test_eventlog.c - the --events stream (base/eventlog.c): one valid JSON
 * object per line with t_ms and event; strings escaped. */
#include "base/eventlog.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "check.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static char path[64];

/* Read the file's lines, parse each as JSON into out[] (NULL if invalid). */
static int read_lines(cJSON **out, int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    int n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') { /* every record ends with a newline */
            out[n++] = NULL;
            continue;
        }
        out[n++] = cJSON_Parse(line);
    }
    fclose(f);
    return n;
}

static void free_lines(cJSON **l, int n)
{
    for (int i = 0; i < n; i++)
        cJSON_Delete(l[i]);
}

TEST(lines_are_json)
{
    snprintf(path, sizeof path, "/tmp/crier-test-events-%d.jsonl", (int)getpid());
    crier_eventlog *ev = crier_eventlog_open(path);
    CHECK(ev != NULL);
    if (!ev)
        return;
    int64_t before = crier_wall_ms();
    crier_eventlog_emit(ev, "started", NULL);
    crier_eventlog_emit(ev, "item_shown", "s:id", "open-house", "i:duration_ms", (int64_t)12000, "d:fade",
                        0.25, NULL);
    crier_eventlog_emit(ev, "tricky", "s:text", "say \"hi\"\nnew line\ttab \\ back / \x01 ctl", "s:utf8",
                        "市役所 é", "s:none", (const char *)NULL, NULL);
    crier_eventlog_emit_at(ev, 1234567890123LL, "fixed", "i:big", (int64_t)9007199254740991LL, "i:neg",
                           (int64_t)-5, "i:i64", (int64_t)1234567890123456789LL, NULL);
    int64_t after = crier_wall_ms();
    /* A bad field spec does not break the line (logged, fields stop there). */
    crier_log_set_level(CRIER_LOG_OFF);
    crier_eventlog_emit(ev, "bad_spec", "x:oops", "v", NULL);
    crier_log_set_level(CRIER_LOG_INFO);
    crier_eventlog_emit(NULL, "ignored", NULL); /* no-op */
    /* Flushed at once: readable before close. */
    cJSON *l[16];
    int n = read_lines(l, 16);
    CHECK_INT_EQ(n, 5);
    free_lines(l, n > 0 ? n : 0);
    crier_eventlog_close(ev);
    crier_eventlog_close(NULL);

    n = read_lines(l, 16);
    CHECK_INT_EQ(n, 5);
    if (n != 5) {
        free_lines(l, n > 0 ? n : 0);
        return;
    }
    static const char *const names[] = {"started", "item_shown", "tricky", "fixed", "bad_spec"};
    for (int i = 0; i < n; i++) {
        CHECK(l[i] != NULL && cJSON_IsObject(l[i]));
        if (!l[i])
            continue;
        cJSON *t = cJSON_GetObjectItemCaseSensitive(l[i], "t_ms");
        cJSON *e = cJSON_GetObjectItemCaseSensitive(l[i], "event");
        CHECK(cJSON_IsNumber(t));
        CHECK(cJSON_IsString(e) && strcmp(e->valuestring, names[i]) == 0);
        if (i != 3 && cJSON_IsNumber(t))
            CHECK(t->valuedouble >= (double)before && t->valuedouble <= (double)after + 1000);
    }
    cJSON *it = l[1];
    if (it) {
        CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(it, "id")->valuestring, "open-house");
        CHECK(cJSON_GetObjectItemCaseSensitive(it, "duration_ms")->valuedouble == 12000);
        CHECK(cJSON_GetObjectItemCaseSensitive(it, "fade")->valuedouble == 0.25);
    }
    cJSON *tr = l[2];
    if (tr) {
        CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(tr, "text")->valuestring,
                     "say \"hi\"\nnew line\ttab \\ back / \x01 ctl");
        CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(tr, "utf8")->valuestring, "市役所 é");
        CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(tr, "none")));
    }
    cJSON *fx = l[3];
    if (fx) {
        CHECK(cJSON_GetObjectItemCaseSensitive(fx, "t_ms")->valuedouble == 1234567890123.0);
        CHECK(cJSON_GetObjectItemCaseSensitive(fx, "big")->valuedouble == 9007199254740991.0);
        CHECK(cJSON_GetObjectItemCaseSensitive(fx, "i64")->valuedouble == 1234567890123456789.0);
        CHECK(cJSON_GetObjectItemCaseSensitive(fx, "neg")->valuedouble == -5);
    }
    free_lines(l, n);
    /* t_ms is printed as a plain integer (no exponent, no fraction). */
    FILE *f = fopen(path, "r");
    char line[4096] = "";
    if (f) {
        for (int i = 0; i < 4 && fgets(line, sizeof line, f); i++)
            ;
        fclose(f);
    }
    CHECK(strstr(line, "\"t_ms\":1234567890123,") != NULL);
    CHECK(strstr(line, "\"big\":9007199254740991,") != NULL);
    CHECK(strstr(line, "\"i64\":1234567890123456789}") != NULL);
    unlink(path);
}

typedef struct writer {
    crier_eventlog *ev;
    int id;
} writer;

static void *write_many(void *arg)
{
    writer *w = arg;
    for (int i = 0; i < 500; i++)
        crier_eventlog_emit(w->ev, "frame_presented", "i:thread", (int64_t)w->id, "i:n", (int64_t)i, "s:pad",
                            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL);
    return NULL;
}

/* Concurrent writers never interleave inside a line. */
TEST(thread_safe_lines)
{
    snprintf(path, sizeof path, "/tmp/crier-test-events-mt-%d.jsonl", (int)getpid());
    crier_eventlog *ev = crier_eventlog_open(path);
    CHECK(ev != NULL);
    if (!ev)
        return;
    pthread_t th[4];
    writer w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (writer){ev, i};
        pthread_create(&th[i], NULL, write_many, &w[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    crier_eventlog_close(ev);
    static cJSON *l[2100];
    int n = read_lines(l, 2100);
    CHECK_INT_EQ(n, 2000);
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += !l[i] || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(l[i], "event"));
    CHECK_INT_EQ(bad, 0);
    free_lines(l, n > 0 ? n : 0);
    unlink(path);
}

TEST(open_failure)
{
    crier_log_set_level(CRIER_LOG_OFF);
    CHECK(crier_eventlog_open("/nonexistent-dir/events.jsonl") == NULL);
    crier_log_set_level(CRIER_LOG_INFO);
}

int main(void)
{
    RUN(lines_are_json);
    RUN(thread_safe_lines);
    RUN(open_failure);
    return check_summary();
}
