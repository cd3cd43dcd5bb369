/* test_proofplay.c - proof-of-play JSON lines, rotation bound, summary (remote/proofplay.c). */
#include "base/timeutil.h"
#include "remote/proofplay.h"

#include "../unit/check.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], path[128];

static long long fsize(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

TEST(lines_and_summary)
{
    crier_proofplay *pp = crier_proofplay_new(path, 0, 0);
    CHECK(pp != NULL);
    crier_proofplay_record(pp, "p1", "mqtt", "Hello \"world\"", 1795000000000, 8000);
    crier_proofplay_record(pp, "p2", "rss", NULL, 1795000008000, 5000);
    crier_proofplay_record(pp, "p1", "mqtt", "Hello \"world\"", 1795000013000, 8000);
    CHECK(crier_proofplay_flush(pp) == CRIER_OK);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char line[512];
    int n = 0;
    while (f && fgets(line, sizeof line, f)) {
        cJSON *j = cJSON_Parse(line);
        CHECK(j != NULL);
        CHECK(cJSON_IsNumber(cJSON_GetObjectItem(j, "dur_ms")));
        CHECK(cJSON_IsString(cJSON_GetObjectItem(j, "start")));
        if (n == 0) {
            CHECK_STR_EQ(cJSON_GetObjectItem(j, "id")->valuestring, "p1");
            CHECK_STR_EQ(cJSON_GetObjectItem(j, "title")->valuestring, "Hello \"world\"");
            CHECK_STR_EQ(cJSON_GetObjectItem(j, "start")->valuestring, "2026-11-18T11:06:40.000Z");
        }
        cJSON_Delete(j);
        n++;
    }
    if (f)
        fclose(f);
    CHECK_INT_EQ(n, 3);
    char *s = crier_proofplay_summary_json(pp);
    cJSON *j = cJSON_Parse(s);
    CHECK(j != NULL);
    CHECK_INT_EQ(cJSON_GetObjectItem(j, "plays")->valuedouble, 3);
    CHECK_INT_EQ(cJSON_GetObjectItem(j, "play_ms")->valuedouble, 21000);
    cJSON *items = cJSON_GetObjectItem(j, "items");
    CHECK_INT_EQ(cJSON_GetArraySize(items), 2);
    CHECK_STR_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "id")->valuestring, "p1");
    CHECK_INT_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "plays")->valuedouble, 2);
    cJSON_Delete(j);
    free(s);
    /* showing(): closes the previous play with a real duration */
    crier_proofplay_showing(pp, "p3", "demo", "Three");
    usleep(50000);
    crier_proofplay_showing(pp, NULL, NULL, NULL);
    crier_proofplay_free(pp);
    f = fopen(path, "r");
    n = 0;
    long long dur = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (strstr(line, "\"p3\"")) {
            cJSON *k = cJSON_Parse(line);
            dur = (long long)cJSON_GetObjectItem(k, "dur_ms")->valuedouble;
            cJSON_Delete(k);
        }
        n++;
    }
    if (f)
        fclose(f);
    CHECK_INT_EQ(n, 4);
    CHECK(dur >= 40 && dur < 2000);
    unlink(path);
}

TEST(rotation_is_bounded)
{
    crier_proofplay *pp = crier_proofplay_new(path, 4096, 2);
    char title[200];
    memset(title, 'x', sizeof title - 1);
    title[sizeof title - 1] = '\0';
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 50; i++)
            crier_proofplay_record(pp, "p", "mqtt", title, 1795000000000 + i, 1000);
        CHECK(crier_proofplay_flush(pp) == CRIER_OK);
    }
    char p1[160], p2[160], p3[160];
    snprintf(p1, sizeof p1, "%s.1", path);
    snprintf(p2, sizeof p2, "%s.2", path);
    snprintf(p3, sizeof p3, "%s.3", path);
    CHECK(fsize(path) > 0 && fsize(path) <= 4096);
    CHECK(fsize(p1) > 0 && fsize(p1) <= 4096);
    CHECK(fsize(p2) > 0 && fsize(p2) <= 4096);
    CHECK(fsize(p3) == -1);
    /* pending lines are bounded too */
    for (int i = 0; i < CRIER_PROOFPLAY_MAX_PENDING + 10; i++)
        crier_proofplay_record(pp, "q", "mqtt", NULL, 1795000000000, 1);
    char *s = crier_proofplay_summary_json(pp);
    CHECK(s && strstr(s, "\"dropped\":10"));
    free(s);
    crier_proofplay_free(pp);
    unlink(path);
    unlink(p1);
    unlink(p2);
}

TEST(unwritable_path)
{
    crier_proofplay *pp = crier_proofplay_new("/nonexistent/dir/play.jsonl", 0, 0);
    crier_proofplay_record(pp, "p", "mqtt", NULL, 1, 1);
    CHECK(crier_proofplay_flush(pp) == CRIER_ERR_IO);
    char *s = crier_proofplay_summary_json(pp);
    CHECK(s && strstr(s, "\"write_errors\":1"));
    free(s);
    crier_proofplay_free(pp);
    CHECK(crier_proofplay_new(NULL, 0, 0) == NULL);
    crier_proofplay_free(NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/crier-pp-test-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/play.jsonl", dir);
    RUN(lines_and_summary);
    RUN(rotation_is_bounded);
    RUN(unwritable_path);
    rmdir(dir);
    return check_summary();
}
