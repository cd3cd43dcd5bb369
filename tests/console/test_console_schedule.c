/* Schedule wording and next showings with the kiosks' day/hour grammar, and
 * the post model (fields, kiosk payload checked by the kiosks' parser, topics). */
#include "check.h"

#include "base/timeutil.h"
#include "post.h"
#include "schedule.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    crier_parse_iso8601(iso, &ms);
    return ms;
}

static crier_err parse(const char *json, cn_sched *s, char *err)
{
    cJSON *o = cJSON_Parse(json);
    crier_err e = cn_sched_parse(o, s, err, 200);
    cJSON_Delete(o);
    return e;
}

static void words(const char *json, const char *now, const char *want)
{
    cn_sched s;
    char err[200], w[300];
    CHECK(parse(json, &s, err) == CRIER_OK);
    cn_sched_words(&s, at(now), w, sizeof w);
    if (strcmp(w, want) != 0)
        fprintf(stderr, "  words(%s) = \"%s\", want \"%s\"\n", json, w, want);
    CHECK_STR_EQ(w, want);
}

TEST(wording)
{
    const char *now = "2026-12-02T10:00:00Z"; /* a Wednesday */
    words("{}", now, "Always");
    words("null", now, "Always");
    words("{\"days\":\"weekdays\",\"hours\":\"8-18\",\"valid_until\":\"2026-12-24T00:00:00Z\"}", now,
          "Weekdays 08:00\xe2\x80\x93" "18:00, until 24 Dec");
    words("{\"days\":\"mon-fri\",\"hours\":\"*\"}", now, "Weekdays, all day");
    words("{\"days\":\"sat,sun\"}", now, "Weekends, all day");
    words("{\"days\":\"mon,wed,fri\"}", now, "Mon, Wed, Fri, all day");
    words("{\"days\":\"tue-thu,sun\",\"hours\":\"07:30-09:00, 17-20\"}", now,
          "Tue\xe2\x80\x93Thu, Sun 07:30\xe2\x80\x93" "09:00, 17:00\xe2\x80\x93" "20:00");
    words("{\"hours\":\"22-06\"}", now, "Every day 22:00\xe2\x80\x93" "06:00");
    words("{\"hours\":\"12\"}", now, "Every day 12:00\xe2\x80\x93" "13:00");
    words("{\"valid_from\":\"2026-12-05T09:30:00Z\"}", now, "Always, from 5 Dec 09:30");
    words("{\"valid_until\":\"2027-01-06T00:00:00Z\"}", now, "Always, until 6 Jan 2027");
    words("{\"valid_until\":\"2026-12-01T00:00:00Z\"}", now, "Ended 1 Dec");
}

TEST(grammar_errors)
{
    cn_sched s;
    char err[200];
    CHECK(parse("{\"days\":\"funday\"}", &s, err) == CRIER_ERR_INVAL);
    CHECK(strstr(err, "days") != NULL);
    CHECK(parse("{\"hours\":\"25-26\"}", &s, err) == CRIER_ERR_INVAL);
    CHECK(strstr(err, "hours") != NULL);
    CHECK(parse("{\"hours\":\"8-18 garbage\"}", &s, err) == CRIER_ERR_INVAL);
    CHECK(parse("{\"valid_from\":\"tomorrow\"}", &s, err) == CRIER_ERR_INVAL);
    CHECK(parse("{\"valid_from\":\"2026-12-05T00:00:00Z\",\"valid_until\":\"2026-12-04T00:00:00Z\"}", &s, err) ==
          CRIER_ERR_INVAL);
    CHECK(parse("{\"dayz\":\"mon\"}", &s, err) == CRIER_ERR_INVAL);
    CHECK(parse("{\"days\":7}", &s, err) == CRIER_ERR_INVAL);
    CHECK(parse("[]", &s, err) == CRIER_ERR_INVAL);
    CHECK(parse("{\"days\":\"Monday - Wednesday\"}", &s, err) == CRIER_OK); /* the kiosks' grammar allows it */
    CHECK_INT_EQ(s.days, 0x07);
}

TEST(next_showings)
{
    cn_sched s;
    char err[200];
    int64_t next[5];
    CHECK(parse("{\"days\":\"weekdays\",\"hours\":\"8-18\"}", &s, err) == CRIER_OK);
    /* Friday 17:00: running now, then Monday 08:00 ... */
    int n = cn_sched_next(&s, at("2026-12-04T17:00:00Z"), next, 5);
    CHECK_INT_EQ(n, 5);
    CHECK_INT_EQ(next[0], at("2026-12-04T17:00:00Z"));
    CHECK_INT_EQ(next[1], at("2026-12-07T08:00:00Z"));
    CHECK_INT_EQ(next[4], at("2026-12-10T08:00:00Z"));
    CHECK(cn_sched_allows(&s, at("2026-12-04T17:59:00Z")));
    CHECK(!cn_sched_allows(&s, at("2026-12-04T18:00:00Z")));
    CHECK(!cn_sched_allows(&s, at("2026-12-05T10:00:00Z"))); /* Saturday */
    /* minutes: 07:30-09:00 */
    CHECK(parse("{\"hours\":\"07:30-09:00\",\"valid_until\":\"2026-12-04T00:00:00Z\"}", &s, err) == CRIER_OK);
    n = cn_sched_next(&s, at("2026-12-02T10:00:00Z"), next, 5);
    CHECK_INT_EQ(n, 1); /* only Thursday's morning is left before the end */
    CHECK_INT_EQ(next[0], at("2026-12-03T07:30:00Z"));
    /* always: one showing, from valid_from */
    CHECK(parse("{\"valid_from\":\"2026-12-05T09:00:00Z\"}", &s, err) == CRIER_OK);
    n = cn_sched_next(&s, at("2026-12-02T10:00:00Z"), next, 5);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(next[0], at("2026-12-05T09:00:00Z"));
    CHECK(!cn_sched_windowed(&s));
    CHECK(!cn_sched_live(&s, at("2026-12-02T10:00:00Z")));
    /* wrap past midnight, same day (as a source's hours on a kiosk) */
    CHECK(parse("{\"days\":\"fri\",\"hours\":\"22-06\"}", &s, err) == CRIER_OK);
    CHECK(cn_sched_allows(&s, at("2026-12-04T23:00:00Z")));
    CHECK(cn_sched_allows(&s, at("2026-12-04T05:00:00Z")));
    CHECK(!cn_sched_allows(&s, at("2026-12-05T05:00:00Z")));
}

TEST(post_model)
{
    char err[300];
    cJSON *in = cJSON_Parse("{\"title\":\"Boil water\",\"body\":\"<script>alert(1)</script>\",\"lang\":\"en\","
                            "\"priority\":10,\"duration_s\":20,\"link\":\"https://city.example/water\",\"qr\":true,"
                            "\"target\":{\"sites\":[\"north\",\"south\"]},\"schedule\":{\"days\":\"weekdays\"},"
                            "\"publish\":true,\"status\":\"ignored\"}");
    cJSON *d = NULL;
    CHECK(cn_post_data(in, NULL, &d, err, sizeof err) == CRIER_OK);
    int64_t now = at("2026-12-02T10:00:00Z");
    char *wire = cn_post_wire(d, "c-1", "http://console:8080", now, err, sizeof err);
    CHECK(wire != NULL);
    cJSON *w = cJSON_Parse(wire);
    CHECK_STR_EQ(cJSON_GetObjectItem(w, "body")->valuestring, "<script>alert(1)</script>");
    CHECK_STR_EQ(cJSON_GetObjectItem(w, "link")->valuestring, "https://city.example/water");
    CHECK_STR_EQ(cJSON_GetObjectItem(w, "x-days")->valuestring, "weekdays");
    cJSON_Delete(w);
    free(wire);
    char topics[4][CRIER_TOPIC_MAX];
    CHECK_INT_EQ(cn_post_topics(d, "c-1", topics, 4), 2);
    CHECK_STR_EQ(topics[0], "crier/v1/site/north/post/c-1");
    CHECK_STR_EQ(topics[1], "crier/v1/site/south/post/c-1");
    /* an edit keeps what it does not name; qr false drops the link from the payload */
    cJSON *edit = cJSON_Parse("{\"qr\":false,\"target\":{\"screens\":[\"hall-1\"]}}"), *d2 = NULL;
    CHECK(cn_post_data(edit, d, &d2, err, sizeof err) == CRIER_OK);
    CHECK_STR_EQ(cn_jstr(d2, "title"), "Boil water");
    wire = cn_post_wire(d2, "c-1", "", now, err, sizeof err);
    CHECK(wire && !strstr(wire, "\"link\""));
    free(wire);
    CHECK_INT_EQ(cn_post_topics(d2, "c-1", topics, 4), 1);
    CHECK_STR_EQ(topics[0], "crier/v1/kiosk/hall-1/post/c-1");
    /* an upload becomes an absolute URL for the kiosks */
    cJSON *img = cJSON_Parse("{\"image\":\"/uploads/uABC\"}"), *d3 = NULL;
    CHECK(cn_post_data(img, d2, &d3, err, sizeof err) == CRIER_OK);
    wire = cn_post_wire(d3, "c-1", "http://console:8080", now, err, sizeof err);
    CHECK(wire && strstr(wire, "\"image\":\"http://console:8080/uploads/uABC\""));
    free(wire);
    cJSON_Delete(img);
    cJSON_Delete(d3);
    cJSON_Delete(edit);
    cJSON_Delete(d2);
    cJSON_Delete(d);
    cJSON_Delete(in);
}

static void rejects(const char *json, const char *why)
{
    char err[300] = "";
    cJSON *in = cJSON_Parse(json), *d = NULL;
    char *wire = NULL;
    if (cn_post_data(in, NULL, &d, err, sizeof err) == CRIER_OK)
        wire = cn_post_wire(d, "c-2", "", at("2026-12-02T10:00:00Z"), err, sizeof err);
    CHECK(wire == NULL);
    if (!strstr(err, why))
        fprintf(stderr, "  %s: error \"%s\" lacks \"%s\"\n", json, err, why);
    CHECK(strstr(err, why) != NULL);
    free(wire);
    cJSON_Delete(d);
    cJSON_Delete(in);
}

TEST(post_rejections)
{
    rejects("{\"body\":\"no title\"}", "title");
    rejects("{\"title\":\"\"}", "title");
    rejects("{\"title\":\"x\",\"priority\":1000}", "priority");
    rejects("{\"title\":\"x\",\"duration_s\":0}", "duration_s");
    rejects("{\"title\":\"x\",\"link\":\"javascript:alert(1)\",\"qr\":true}", "link");
    rejects("{\"title\":\"x\",\"image\":\"file:///etc/passwd\"}", "image");
    rejects("{\"title\":\"x\",\"lang\":\"not a tag\"}", "languages");
    rejects("{\"title\":\"x\",\"titel\":\"typo\"}", "unknown field 'titel'");
    rejects("{\"title\":\"x\",\"target\":{\"sites\":[\"../etc\"]}}", "target.sites");
    rejects("{\"title\":\"x\",\"target\":{\"sites\":[\"a\"],\"all\":true}}", "exactly one");
    rejects("{\"title\":\"x\",\"target\":{\"all\":false}}", "all");
    rejects("{\"title\":\"x\",\"schedule\":{\"valid_until\":\"2020-01-01T00:00:00Z\"}}", "in the past");
    rejects("{\"title\":7}", "title");
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    RUN(wording);
    RUN(grammar_errors);
    RUN(next_showings);
    RUN(post_model);
    RUN(post_rejections);
    return check_summary();
}
