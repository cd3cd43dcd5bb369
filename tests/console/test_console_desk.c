/* The emergency desk's template text (console/desk_text.h): which placeholders
 * a template has, and filling them in; table-driven. */
#include "check.h"

#include "desk_text.h"

#include <stdlib.h>
#include <string.h>

/* One info block {"headline": text} filled with values (JSON object text):
 * the filled headline, or "ERR:" + the error. */
static void fill(const char *text, const char *values, const char *want)
{
    cJSON *info = cJSON_CreateArray(), *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "headline", text);
    cJSON_AddStringToObject(b, "severity", "Extreme"); /* other fields pass through */
    cJSON_AddItemToArray(info, b);
    cJSON *v = cJSON_Parse(values);
    char err[200] = "", got[600];
    cJSON *out = cn_desk_fill(info, v, err, sizeof err);
    if (out)
        snprintf(got, sizeof got, "%s", cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(out, 0), "headline")->valuestring);
    else
        snprintf(got, sizeof got, "ERR:%s", err);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  fill(\"%s\", %s) = \"%s\", want \"%s\"\n", text, values, got, want);
    CHECK_STR_EQ(got, want);
    if (out)
        CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(out, 0), "severity")->valuestring, "Extreme");
    cJSON_Delete(out);
    cJSON_Delete(v);
    cJSON_Delete(info);
}

TEST(filling)
{
    static const char *const cases[][3] = {
        {"Evacuate zone {zone} now", "{\"zone\":\"B\"}", "Evacuate zone B now"},
        {"{a}{b}{a}", "{\"a\":\"1\",\"b\":\"2\"}", "121"},
        {"no blanks", "{}", "no blanks"},
        {"unused values are fine", "{\"x\":\"y\"}", "unused values are fine"},
        {"Zone {zone}", "{\"zone\":\"Ölberg – Süd\"}", "Zone Ölberg – Süd"},
        {"a longer value {v}", "{\"v\":\"0123456789012345678901234567890123456789\"}",
         "a longer value 0123456789012345678901234567890123456789"},
        /* only {a-z0-9_} of 1..32 are blanks; the rest is text */
        {"{Zone} {} {a b} {zone", "{}", "{Zone} {} {a b} {zone"},
        {"{abcdefghijklmnopqrstuvwxyz0123456}", "{}", "{abcdefghijklmnopqrstuvwxyz0123456}"},
        {"{{zone}}", "{\"zone\":\"B\"}", "{B}"},
        {"Leave zone {zone} by {route}.", "{\"zone\":\"B\"}", "ERR:fill in {route}"},
        {"{zone}", "{\"zone\":\"\"}", "ERR:fill in {zone}"},
        {"{zone}", "{\"zone\":7}", "ERR:value of {zone}: text of at most 200 bytes, no braces or control characters"},
        {"{zone}", "{\"zone\":\"{other}\"}", "ERR:value of {zone}: text of at most 200 bytes, no braces or control characters"},
        {"{zone}", "{\"zone\":\"a\\nb\"}", "ERR:value of {zone}: text of at most 200 bytes, no braces or control characters"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        fill(cases[i][0], cases[i][1], cases[i][2]);
    /* a value of 201 bytes is refused, 200 taken */
    char v[260], values[300], want[260];
    memset(v, 'x', 201);
    v[201] = '\0';
    snprintf(values, sizeof values, "{\"z\":\"%s\"}", v);
    fill("{z}", values, "ERR:value of {z}: text of at most 200 bytes, no braces or control characters");
    v[200] = '\0';
    snprintf(values, sizeof values, "{\"z\":\"%s\"}", v);
    snprintf(want, sizeof want, "%s", v);
    fill("{z}", values, want);
}

TEST(placeholders)
{
    cJSON *info = cJSON_Parse("[{\"headline\":\"Evacuate zone {zone} now\",\"instruction\":\"Leave {zone} by {route}.\","
                              "\"severity\":\"Extreme\"},{\"headline\":\"Zone {zone}: {route} {Not} {} {x_1}\"}]");
    cJSON *p = cn_desk_placeholders(info);
    char *txt = cJSON_PrintUnformatted(p);
    CHECK_STR_EQ(txt, "[\"zone\",\"route\",\"x_1\"]");
    free(txt);
    cJSON_Delete(p);
    cJSON_Delete(info);
    p = cn_desk_placeholders(NULL);
    CHECK_INT_EQ(cJSON_GetArraySize(p), 0);
    cJSON_Delete(p);
}

int main(void)
{
    RUN(filling);
    RUN(placeholders);
    return check_summary();
}
