/* test_cap.c - CAP 1.2 XML reading (alerts/cap.h) against the fixtures in
 * tests/fixtures/cap/: realistic alerts (NWS-style, multi-language, Update,
 * Cancel, Exercise with a namespace prefix) and hostile documents (billion
 * laughs, external and parameter entities, undeclared entity, too deep, too
 * many languages, too big, not CAP, truncated, bad values).  Also runs the
 * crierctl path: CAP -> model -> JSON -> signed envelope -> kiosk alert set. */
#include "check.h"
#include "testutil.h"
#include "alerts/alert.h"
#include "alerts/alert_set.h"
#include "alerts/cap.h"
#include "base/log.h"
#include "remote/sign.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static crier_err parse_fixture(const char *name, crier_alert **out, char *msg, size_t mlen)
{
    size_t len = 0;
    char *buf = read_filef(&len, "%s/cap/%s", fixtures_dir(), name);
    *out = NULL;
    if (!buf)
        return CRIER_ERR_NOTFOUND;
    crier_err e = crier_cap_parse(buf, len, out, msg, mlen);
    free(buf);
    return e;
}

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    if (crier_parse_iso8601(iso, &ms) != 0)
        return -1;
    return ms;
}

TEST(nws_tornado)
{
    crier_alert *a = NULL;
    char msg[200];
    CHECK_INT_EQ(parse_fixture("nws_tornado_warning.xml", &a, msg, sizeof msg), CRIER_OK);
    if (!a) {
        fprintf(stderr, "  %s\n", msg);
        return;
    }
    CHECK_STR_EQ(a->sender, "w-nws.webmaster@noaa.gov");
    CHECK(strncmp(a->identifier, "urn:oid:2.49.0.1.840.0.", 23) == 0);
    CHECK_INT_EQ(a->sent_ms, at("2026-11-26T10:12:00Z"));
    CHECK_INT_EQ(a->status, CRIER_ALERT_ACTUAL);
    CHECK_INT_EQ(a->msg_type, CRIER_ALERT_MSG_ALERT);
    CHECK_INT_EQ(a->scope, CRIER_ALERT_SCOPE_ALL);
    CHECK_INT_EQ(a->seq, 0);
    CHECK_INT_EQ(a->info_count, 1);
    crier_alert_info *in = &a->info[0];
    CHECK_STR_EQ(in->language, "en-US");
    CHECK_STR_EQ(in->event, "Tornado Warning");
    CHECK_INT_EQ(in->urgency, CRIER_URGENCY_IMMEDIATE);
    CHECK_INT_EQ(in->severity, CRIER_SEVERITY_EXTREME);
    CHECK_INT_EQ(in->certainty, CRIER_CERTAINTY_OBSERVED);
    CHECK_INT_EQ(in->expires_ms, at("2026-11-26T10:45:00Z"));
    CHECK_STR_EQ(in->sender_name, "NWS Springfield MO");
    CHECK(in->instruction && strncmp(in->instruction, "TAKE COVER NOW!", 15) == 0);
    CHECK(in->description && strstr(in->description, "\n\nHAZARD...") != NULL);
    CHECK_STR_EQ(in->area_desc, "Greene, MO; Dade, MO; Lawrence, MO");
    CHECK_STR_EQ(in->web, "https://www.weather.gov");
    crier_alert_free(a);
}

TEST(multilang_with_foreign_signature)
{
    crier_alert *a = NULL;
    char msg[200];
    CHECK_INT_EQ(parse_fixture("multilang_flood.xml", &a, msg, sizeof msg), CRIER_OK);
    if (!a) {
        fprintf(stderr, "  %s\n", msg);
        return;
    }
    CHECK_STR_EQ(a->identifier, "CH-BABS-2026-11-26-0042"); /* not the one inside ds:Signature */
    CHECK_INT_EQ(a->info_count, 3);
    CHECK_STR_EQ(a->info[0].language, "de-CH");
    CHECK_STR_EQ(a->info[1].language, "fr-CH");
    CHECK_STR_EQ(a->info[2].language, "en-GB");
    CHECK_STR_EQ(a->info[0].headline, "Hochwassergefahr an der Aare – Uferwege meiden");
    CHECK_STR_EQ(a->info[0].sender_name, "Bundesamt für Bevölkerungsschutz");
    CHECK_INT_EQ(a->info[2].certainty, CRIER_CERTAINTY_LIKELY); /* "Very Likely" */
    CHECK_STR_EQ(a->note, "Hochwasser Aare");
    CHECK_INT_EQ(crier_alert_max_severity(a), CRIER_SEVERITY_SEVERE);
    crier_alert_free(a);
}

TEST(update_cancel_exercise)
{
    crier_alert *a = NULL;
    char msg[200];
    CHECK_INT_EQ(parse_fixture("update_flood.xml", &a, msg, sizeof msg), CRIER_OK);
    CHECK(a && a->msg_type == CRIER_ALERT_MSG_UPDATE && a->ref_count == 1);
    if (a && a->ref_count == 1) {
        CHECK_STR_EQ(a->refs[0].sender, "alertswiss@babs.admin.ch");
        CHECK_STR_EQ(a->refs[0].identifier, "CH-BABS-2026-11-26-0042");
        CHECK_INT_EQ(a->refs[0].sent_ms, at("2026-11-26T08:30:00Z"));
    }
    crier_alert_free(a);
    CHECK_INT_EQ(parse_fixture("cancel_flood.xml", &a, msg, sizeof msg), CRIER_OK);
    CHECK(a && a->msg_type == CRIER_ALERT_MSG_CANCEL && a->ref_count == 2 && a->info_count == 0);
    if (a && a->ref_count == 2)
        CHECK_STR_EQ(a->refs[1].identifier, "CH-BABS-2026-11-26-0043");
    crier_alert_free(a);
    CHECK_INT_EQ(parse_fixture("exercise_prefixed.xml", &a, msg, sizeof msg), CRIER_OK);
    CHECK(a && a->status == CRIER_ALERT_EXERCISE);
    CHECK(a && a->info_count == 1 && strcmp(a->info[0].language, "en-US") == 0); /* CAP default */
    crier_alert_free(a);
}

TEST(hostile_documents)
{
    struct {
        const char *file;
        crier_err want;
        const char *msg_has;
    } cases[] = {
        {"hostile_billion_laughs.xml", CRIER_ERR_PARSE, "DOCTYPE"},
        {"hostile_external_entity.xml", CRIER_ERR_PARSE, "DOCTYPE"},
        {"hostile_parameter_entity.xml", CRIER_ERR_PARSE, "DOCTYPE"},
        {"hostile_undeclared_entity.xml", CRIER_ERR_PARSE, "entity"},
        {"not_cap_rss.xml", CRIER_ERR_PARSE, "not a CAP"},
        {"malformed_truncated.xml", CRIER_ERR_PARSE, "XML error"},
        {"bad_values.xml", CRIER_ERR_PARSE, "sent"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        crier_alert *a = NULL;
        char msg[200] = "";
        double t0 = (double)crier_mono_ms();
        crier_err e = parse_fixture(cases[i].file, &a, msg, sizeof msg);
        double took = (double)crier_mono_ms() - t0;
        if (e != cases[i].want || !strstr(msg, cases[i].msg_has))
            fprintf(stderr, "  %s: err %d, \"%s\"\n", cases[i].file, e, msg);
        CHECK_INT_EQ(e, cases[i].want);
        CHECK(strstr(msg, cases[i].msg_has) != NULL);
        CHECK(a == NULL);
        CHECK(!strstr(msg, "root:")); /* nothing of /etc/passwd leaks into messages */
        CHECK(took < 100);            /* refused at once, no expansion */
        crier_alert_free(a);
    }
}

/* Build a CAP document with n info blocks. */
static char *cap_with_infos(int n)
{
    size_t cap = 1024 + (size_t)n * 400;
    char *buf = malloc(cap);
    size_t used = (size_t)snprintf(buf, cap,
                                   "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
                                   "<identifier>babel</identifier><sender>s@example.org</sender>"
                                   "<sent>2026-11-26T10:00:00Z</sent><status>Actual</status>"
                                   "<msgType>Alert</msgType><scope>Public</scope>");
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(buf + used, cap - used,
                                 "<info><language>l%d</language><event>E</event><urgency>Immediate</urgency>"
                                 "<severity>Minor</severity><certainty>Observed</certainty></info>",
                                 i);
    snprintf(buf + used, cap - used, "</alert>");
    return buf;
}

TEST(limits)
{
    crier_alert *a = NULL;
    char msg[200];
    /* 50 languages: refused */
    char *doc = cap_with_infos(50);
    CHECK_INT_EQ(crier_cap_parse(doc, strlen(doc), &a, msg, sizeof msg), CRIER_ERR_LIMIT);
    CHECK(a == NULL && strstr(msg, "info blocks") != NULL);
    free(doc);
    doc = cap_with_infos(CRIER_ALERT_MAX_INFO);
    CHECK_INT_EQ(crier_cap_parse(doc, strlen(doc), &a, msg, sizeof msg), CRIER_OK);
    CHECK(a && a->info_count == CRIER_ALERT_MAX_INFO);
    crier_alert_free(a);
    a = NULL;
    free(doc);
    /* too deep */
    size_t depth = 200, cap = depth * 16 + 256, used;
    doc = malloc(cap);
    used = (size_t)snprintf(doc, cap, "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">");
    for (size_t i = 0; i < depth; i++)
        used += (size_t)snprintf(doc + used, cap - used, "<x>");
    for (size_t i = 0; i < depth; i++)
        used += (size_t)snprintf(doc + used, cap - used, "</x>");
    snprintf(doc + used, cap - used, "</alert>");
    CHECK_INT_EQ(crier_cap_parse(doc, strlen(doc), &a, msg, sizeof msg), CRIER_ERR_LIMIT);
    CHECK(strstr(msg, "deeper") != NULL);
    free(doc);
    /* 10 MB document: refused before parsing */
    size_t big = 10u * 1024u * 1024u;
    doc = malloc(big);
    memset(doc, ' ', big);
    CHECK_INT_EQ(crier_cap_parse(doc, big, &a, msg, sizeof msg), CRIER_ERR_LIMIT);
    free(doc);
    /* a huge text node inside the size limit */
    cap = CRIER_CAP_MAX_BYTES - 1000;
    doc = malloc(cap + 1);
    used = (size_t)snprintf(doc, cap, "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><note>");
    memset(doc + used, 'a', cap - used - 20);
    snprintf(doc + cap - 20, 20, "</note></alert>");
    CHECK_INT_EQ(crier_cap_parse(doc, strlen(doc), &a, msg, sizeof msg), CRIER_ERR_LIMIT);
    free(doc);
    /* Update with no references, Alert with no info: model validation */
    const char *noinfo = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>n</identifier>"
                         "<sender>s@e</sender><sent>2026-11-26T10:00:00Z</sent><status>Actual</status>"
                         "<msgType>Alert</msgType></alert>";
    CHECK_INT_EQ(crier_cap_parse(noinfo, strlen(noinfo), &a, msg, sizeof msg), CRIER_ERR_INVAL);
    CHECK_INT_EQ(crier_cap_parse("", 0, &a, msg, sizeof msg), CRIER_ERR_PARSE);
}

/* Deterministic mutations of real fixtures: no crash, no leak, and whatever
 * parses is a valid model. */
TEST(mutations)
{
    const char *files[] = {"nws_tornado_warning.xml", "multilang_flood.xml", "cancel_flood.xml"};
    unsigned seed = 777;
    for (int f = 0; f < 3; f++) {
        size_t n = 0;
        char *good = read_filef(&n, "%s/cap/%s", fixtures_dir(), files[f]);
        CHECK(good != NULL);
        if (!good)
            continue;
        for (int iter = 0; iter < 1500; iter++) {
            char *m = malloc(n + 1);
            memcpy(m, good, n + 1);
            size_t len = n;
            for (int e = 0; e < 3; e++) {
                seed = seed * 1103515245u + 12345u;
                size_t pos = (seed >> 8) % len;
                switch ((seed >> 4) % 3) {
                case 0: m[pos] = (char)(seed >> 20); break;
                case 1: if (iter % 7 == 0) len = pos + 1; break;
                default: m[pos] = "<>/&;!\"'="[(seed >> 12) % 9]; break;
                }
            }
            crier_alert *a = NULL;
            char msg[200];
            if (crier_cap_parse(m, len, &a, msg, sizeof msg) == CRIER_OK)
                CHECK(crier_alert_validate(a, 0, msg, sizeof msg) == CRIER_OK);
            crier_alert_free(a);
            free(m);
        }
        free(good);
    }
}

/* crierctl alert --from-cap, then a kiosk: CAP -> JSON -> envelope -> set. */
TEST(cap_to_kiosk)
{
    crier_key key;
    crier_keyring *ring = crier_keyring_new();
    crier_alert_set *set = crier_alert_set_new(NULL);
    CHECK_INT_EQ(crier_key_generate("Cantonal Police", &key), CRIER_OK);
    CHECK_INT_EQ(crier_keyring_add(ring, &key), CRIER_OK);
    const char *files[] = {"multilang_flood.xml", "update_flood.xml", "cancel_flood.xml"};
    size_t expect_count[] = {1, 1, 0};
    for (int i = 0; i < 3; i++) {
        crier_alert *a = NULL;
        char msg[200], *json = NULL, *env = NULL, *payload = NULL, *issuer = NULL;
        size_t jlen, elen, plen;
        CHECK_INT_EQ(parse_fixture(files[i], &a, msg, sizeof msg), CRIER_OK);
        if (!a)
            continue;
        a->seq = 1000 + i; /* crierctl sets the sequence and the scope */
        int64_t now = a->sent_ms + 60000; /* the kiosk receives it a minute later */
        CHECK_INT_EQ(crier_alert_to_json(a, 0, &json, &jlen), CRIER_OK);
        crier_alert_free(a);
        a = NULL;
        CHECK_INT_EQ(crier_envelope_seal(json, jlen, &key, &env, &elen), CRIER_OK);
        CHECK_INT_EQ(crier_envelope_open(env, elen, ring, &payload, &plen, &issuer, NULL, msg, sizeof msg),
                     CRIER_OK);
        CHECK(plen == jlen && memcmp(payload, json, jlen) == 0);
        CHECK_INT_EQ(crier_alert_parse(payload, plen, &a, msg, sizeof msg), CRIER_OK);
        crier_alert_result res;
        CHECK_INT_EQ(crier_alert_set_apply(set, a, issuer, key.id, now, &res), CRIER_OK);
        CHECK_INT_EQ(res.verdict, CRIER_ALERT_ACCEPTED);
        CHECK_INT_EQ(crier_alert_set_count(set), expect_count[i]);
        if (i == 1) {
            const crier_alert *top = crier_alert_set_get(set, 0);
            CHECK(top && strcmp(top->identifier, "CH-BABS-2026-11-26-0043") == 0);
            CHECK(top && strcmp(top->issuer, "Cantonal Police") == 0);
        }
        free(json);
        free(env);
        free(payload);
        free(issuer);
    }
    crier_alert_set_free(set);
    crier_keyring_free(ring);
    crier_key_wipe(&key);
}

int main(void)
{
    crier_log_set_level(CRIER_LOG_WARN);
    RUN(nws_tornado);
    RUN(multilang_with_foreign_signature);
    RUN(update_cancel_exercise);
    RUN(hostile_documents);
    RUN(limits);
    RUN(mutations);
    RUN(cap_to_kiosk);
    return check_summary();
}
