/* test_alert.c - the alert JSON format and the alert set's rules (alerts/alert.h,
 * alerts/alert_set.h), end to end through a signed envelope where it matters.
 *
 * Every rejection of the issue has a test: unsigned / wrong signature / unknown
 * key (through the envelope), replayed identifier, older sequence, expired,
 * far-future, 10 MB, 50 languages, Update of an unknown alert, Cancel before
 * its Alert, clock step backwards, corrupt persisted file.  Time is driven
 * explicitly (now_ms arguments), never read from the clock. */
#include "check.h"
#include "testutil.h"
#include "alerts/alert.h"
#include "alerts/alert_set.h"
#include "base/log.h"
#include "remote/sign.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIN_MS (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)

static int64_t T0; /* 2026-11-26T10:00:00Z */
static char tmpdir[256];

typedef struct spec {
    const char *id, *sender, *msg_type, *status, *scope, *severity, *urgency;
    long long seq;
    int64_t sent, expires, effective; /* 0: absent */
    const char *refs;                 /* JSON array text or NULL */
    int langs;                        /* info blocks; default 1 */
} spec;

static void iso(int64_t ms, char *buf, size_t n)
{
    crier_format_utc_ms(ms, buf, n);
}

/* Build the JSON wire text for a spec (malloc'd). */
static char *mk(spec s)
{
    char sent[40], exp[80] = "", eff[80] = "", t[40];
    size_t cap = 4096 + (size_t)(s.langs > 0 ? s.langs : 1) * 400;
    char *out = malloc(cap), *infos = malloc(cap);
    iso(s.sent ? s.sent : T0, sent, sizeof sent);
    if (s.expires) {
        iso(s.expires, t, sizeof t);
        snprintf(exp, sizeof exp, ",\"expires\":\"%s\"", t);
    }
    if (s.effective) {
        iso(s.effective, t, sizeof t);
        snprintf(eff, sizeof eff, ",\"effective\":\"%s\"", t);
    }
    infos[0] = '\0';
    int langs = s.langs ? s.langs : 1;
    for (int i = 0; i < langs; i++) {
        size_t used = strlen(infos);
        snprintf(infos + used, cap - used,
                 "%s{\"language\":\"l%d\",\"event\":\"Flood\",\"urgency\":\"%s\",\"severity\":\"%s\","
                 "\"certainty\":\"Observed\",\"headline\":\"River flooding in the old town\","
                 "\"instruction\":\"Move to higher floors.\\nAvoid the riverside.\","
                 "\"areaDesc\":\"Old town\",\"web\":\"https://city.example/alerts/1\"%s%s}",
                 i ? "," : "", i, s.urgency ? s.urgency : "Immediate",
                 s.severity ? s.severity : "Severe", exp, eff);
    }
    char refs[1200] = "";
    if (s.refs)
        snprintf(refs, sizeof refs, ",\"references\":%s", s.refs);
    snprintf(out, cap,
             "{\"type\":\"alert\",\"v\":1,\"identifier\":\"%s\",\"sender\":\"%s\",\"sent\":\"%s\","
             "\"seq\":%lld,\"status\":\"%s\",\"msgType\":\"%s\",\"scope\":\"%s\"%s,\"info\":[%s]}",
             s.id, s.sender ? s.sender : "city@example.org", sent, s.seq ? s.seq : 1,
             s.status ? s.status : "Actual", s.msg_type ? s.msg_type : "Alert",
             s.scope ? s.scope : "all", refs, infos);
    free(infos);
    return out;
}

static crier_alert *parse_spec(spec s)
{
    char *j = mk(s), msg[200];
    crier_alert *a = NULL;
    crier_err e = crier_alert_parse(j, strlen(j), &a, msg, sizeof msg);
    if (e != CRIER_OK)
        fprintf(stderr, "  parse failed: %s\n%s\n", msg, j);
    free(j);
    return a;
}

static crier_alert_verdict apply(crier_alert_set *set, spec s, int64_t now, crier_alert_result *res)
{
    crier_alert_result local;
    if (!res)
        res = &local;
    crier_alert *a = parse_spec(s);
    if (!a)
        return CRIER_ALERT_REJECT_INVALID;
    crier_alert_set_apply(set, a, "Test Issuer", "0123456789abcdef", now, res);
    return res->verdict;
}

static crier_alert_set *new_set(int show_tests)
{
    crier_alert_set_opts o;
    crier_alert_set_opts_default(&o);
    o.kiosk_id = "kiosk-7";
    o.site_id = "town-hall";
    o.show_tests = show_tests;
    return crier_alert_set_new(&o);
}

static int shown(crier_alert_set *set, int64_t now, const char *id)
{
    crier_alert_list *l = NULL;
    int found = 0;
    if (crier_alert_set_snapshot(set, now, NULL, &l) != CRIER_OK)
        return -1;
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i]->identifier, id) == 0)
            found = 1;
    crier_alert_list_free(l);
    return found;
}

/* ---- wire format ---- */

TEST(parse_roundtrip)
{
    spec s = {.id = "flood-1", .seq = 5, .expires = T0 + HOUR_MS, .langs = 3};
    crier_alert *a = parse_spec(s);
    CHECK(a != NULL);
    if (!a)
        return;
    CHECK_STR_EQ(a->identifier, "flood-1");
    CHECK_INT_EQ(a->seq, 5);
    CHECK_INT_EQ(a->sent_ms, T0);
    CHECK_INT_EQ(a->info_count, 3);
    CHECK_INT_EQ(a->info[0].severity, CRIER_SEVERITY_SEVERE);
    CHECK_INT_EQ(a->info[0].urgency, CRIER_URGENCY_IMMEDIATE);
    CHECK_INT_EQ(a->info[2].expires_ms, T0 + HOUR_MS);
    CHECK_STR_EQ(a->info[0].instruction, "Move to higher floors.\nAvoid the riverside.");
    char *j = NULL, msg[200];
    size_t n;
    CHECK_INT_EQ(crier_alert_to_json(a, 0, &j, &n), CRIER_OK);
    crier_alert *b = NULL;
    CHECK_INT_EQ(crier_alert_parse(j, n, &b, msg, sizeof msg), CRIER_OK);
    if (b) {
        CHECK_STR_EQ(b->info[1].headline, a->info[1].headline);
        CHECK_INT_EQ(b->info[1].expires_ms, a->info[1].expires_ms);
        CHECK_INT_EQ(b->scope, CRIER_ALERT_SCOPE_ALL);
    }
    crier_alert *c = crier_alert_copy(a);
    CHECK(c && c != a && strcmp(c->info[2].language, "l2") == 0);
    crier_alert_free(a);
    crier_alert_free(b);
    crier_alert_free(c);
    crier_alert_free(NULL);
    free(j);
    /* scope forms */
    s.scope = "site:town-hall";
    a = parse_spec(s);
    CHECK(a && a->scope == CRIER_ALERT_SCOPE_SITE && strcmp(a->scope_target, "town-hall") == 0);
    crier_alert_free(a);
}

static crier_err parse_text(const char *j, char *msg, size_t n)
{
    crier_alert *a = NULL;
    crier_err e = crier_alert_parse(j, strlen(j), &a, msg, n);
    crier_alert_free(a);
    return e;
}

/* Replace the first occurrence of from with to in a fresh copy. */
static char *subst(const char *src, const char *from, const char *to)
{
    const char *at = strstr(src, from);
    if (!at)
        return strdup(src);
    size_t n = strlen(src) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(at - src), src, to, at + strlen(from));
    return out;
}

TEST(parse_rejections)
{
    char msg[200];
    spec s = {.id = "x1", .expires = T0 + HOUR_MS};
    char *good = mk(s);
    CHECK_INT_EQ(parse_text(good, msg, sizeof msg), CRIER_OK);
    struct {
        const char *from, *to;
        crier_err want;
    } cases[] = {
        {"\"expires\"", "\"expries\"", CRIER_ERR_PARSE},           /* typo: unknown field */
        {"\"seq\":1", "\"seq\":\"1\"", CRIER_ERR_INVAL},           /* wrong type */
        {"\"seq\":1", "\"seq\":0", CRIER_ERR_INVAL},               /* out of range */
        {"\"seq\":1,", "", CRIER_ERR_INVAL},                       /* missing seq */
        {"\"seq\":1", "\"seq\":1.5", CRIER_ERR_INVAL},
        {"\"Severe\"", "\"Apocalyptic\"", CRIER_ERR_PARSE},        /* bad enum */
        {"\"scope\":\"all\"", "\"scope\":\"planet:mars\"", CRIER_ERR_PARSE},
        {"\"scope\":\"all\"", "\"scope\":\"kiosk:a/b\"", CRIER_ERR_PARSE},
        {"\"identifier\":\"x1\"", "\"identifier\":\"x 1\"", CRIER_ERR_INVAL},
        {"\"identifier\":\"x1\"", "\"identifier\":\"x,1\"", CRIER_ERR_INVAL},
        {"\"identifier\":\"x1\",", "", CRIER_ERR_INVAL},
        {"Old town\"", "Old\\u0001town\"", CRIER_ERR_PARSE},        /* control character */
        {"Old town\"", "Old \xff\xfe town\"", CRIER_ERR_PARSE},     /* invalid UTF-8 */
        {"Old town\"", "Old \xed\xa0\x80 town\"", CRIER_ERR_PARSE}, /* UTF-16 surrogate */
        {"\"sent\":\"2026-11-26T10:00:00.000Z\"", "\"sent\":\"2026-11-26T10:00:00\"", CRIER_ERR_PARSE},
        {"\"sent\":\"2026-11-26T10:00:00.000Z\"", "\"sent\":\"yesterday\"", CRIER_ERR_PARSE},
        {"\"msgType\":\"Alert\"", "\"msgType\":\"Update\"", CRIER_ERR_INVAL}, /* Update without refs */
        {"\"type\":\"alert\"", "\"type\":\"post\"", CRIER_ERR_INVAL},         /* a signed post is no alert */
        {"\"v\":1", "\"v\":2", CRIER_ERR_UNSUPPORTED},
        {"\"info\":[", "\"issuer\":\"forged\",\"info\":[", CRIER_ERR_PARSE}, /* provenance not on the wire */
        {"\"type\":\"alert\"", "\"type\":\"alert\",\"type\":\"alert\"", CRIER_ERR_PARSE}, /* repeated */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *bad = subst(good, cases[i].from, cases[i].to);
        CHECK(strcmp(bad, good) != 0);
        crier_err e = parse_text(bad, msg, sizeof msg);
        if (e != cases[i].want)
            fprintf(stderr, "  case %zu (%s -> %s): got %d (%s)\n", i, cases[i].from, cases[i].to, e, msg);
        CHECK_INT_EQ(e, cases[i].want);
        free(bad);
    }
    /* An alert without info blocks cannot be shown */
    char *noinfo = subst(good, ",\"info\":[", ",\"note\":\"x\",\"infox\":[");
    CHECK(parse_text(noinfo, msg, sizeof msg) != CRIER_OK);
    free(noinfo);
    CHECK_INT_EQ(parse_text("[1,2]", msg, sizeof msg), CRIER_ERR_PARSE);
    CHECK_INT_EQ(parse_text("{\"type\":\"alert\"", msg, sizeof msg), CRIER_ERR_PARSE); /* truncated */
    free(good);
}

TEST(limits_10mb_and_50_languages)
{
    char msg[200];
    crier_alert *a = NULL;
    /* 10 MB alert: refused before any parsing */
    size_t big = 10u * 1024u * 1024u;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    CHECK_INT_EQ(crier_alert_parse(huge, big, &a, msg, sizeof msg), CRIER_ERR_LIMIT);
    CHECK(a == NULL);
    free(huge);
    /* 50 languages: refused as a whole (not truncated), documented */
    spec s = {.id = "babel", .langs = 50, .expires = T0 + HOUR_MS};
    char *j = mk(s);
    CHECK_INT_EQ(crier_alert_parse(j, strlen(j), &a, msg, sizeof msg), CRIER_ERR_LIMIT);
    CHECK(strstr(msg, "50 info blocks") != NULL);
    free(j);
    s.langs = CRIER_ALERT_MAX_INFO; /* exactly the limit is fine */
    j = mk(s);
    CHECK_INT_EQ(crier_alert_parse(j, strlen(j), &a, msg, sizeof msg), CRIER_OK);
    CHECK(a && a->info_count == CRIER_ALERT_MAX_INFO);
    crier_alert_free(a);
    free(j);
    /* one field over its limit */
    size_t n = CRIER_ALERT_MAX_TEXT + 100;
    char *longtext = malloc(n + 1);
    memset(longtext, 'a', n);
    longtext[n] = '\0';
    s.langs = 1;
    j = mk(s);
    char *repl = malloc(n + 32);
    snprintf(repl, n + 32, "\"instruction\":\"%s", longtext);
    char *bad = subst(j, "\"instruction\":\"", repl);
    a = NULL;
    CHECK_INT_EQ(crier_alert_parse(bad, strlen(bad), &a, msg, sizeof msg), CRIER_ERR_LIMIT);
    free(bad);
    free(repl);
    free(longtext);
    free(j);
}

/* Deterministic mutations of a valid alert: never a crash or leak (run under
 * ASan/valgrind), and whatever parses also passes validation and re-serialises. */
TEST(mutations)
{
    char *good = mk((spec){.id = "mut", .seq = 3, .expires = T0 + HOUR_MS, .langs = 2});
    size_t n = strlen(good);
    unsigned seed = 12345;
    int parsed = 0;
    for (int iter = 0; iter < 3000; iter++) {
        char *m = malloc(n + 1);
        memcpy(m, good, n + 1);
        size_t len = n;
        int edits = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 4;
        for (int e = 0; e < edits; e++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            switch ((seed >> 4) % 3) {
            case 0: m[pos] = (char)(seed >> 20); break;         /* flip a byte */
            case 1: len = pos + 1; break;                        /* truncate */
            default: m[pos] = "{}[]\",:0"[(seed >> 12) % 9]; break; /* structural char */
            }
        }
        crier_alert *a = NULL;
        char msg[200];
        if (crier_alert_parse(m, len, &a, msg, sizeof msg) == CRIER_OK) {
            parsed++;
            char *j = NULL;
            CHECK(crier_alert_validate(a, 1, msg, sizeof msg) == CRIER_OK);
            CHECK(crier_alert_to_json(a, 0, &j, NULL) == CRIER_OK);
            free(j);
        }
        crier_alert_free(a);
        free(m);
    }
    CHECK(parsed < 3000);
    free(good);
}

/* ---- envelope + model + set, the kiosk's pipeline ---- */

static crier_err kiosk_receive(crier_alert_set *set, const crier_keyring *ring, const char *env,
                               size_t len, int64_t now, crier_alert_result *res, char *reason,
                               size_t rlen)
{
    char *payload = NULL, *issuer = NULL, *kid = NULL;
    size_t plen = 0;
    crier_alert *a = NULL;
    crier_err e = crier_envelope_open(env, len, ring, &payload, &plen, &issuer, &kid, reason, rlen);
    if (e == CRIER_OK)
        e = crier_alert_parse(payload, plen, &a, reason, rlen);
    if (e == CRIER_OK)
        e = crier_alert_set_apply(set, a, issuer, kid, now, res);
    free(payload);
    free(issuer);
    free(kid);
    return e;
}

TEST(signed_pipeline)
{
    crier_key office, stranger;
    crier_keyring *ring = crier_keyring_new();
    crier_alert_set *set = new_set(1);
    char reason[200], *env = NULL;
    size_t env_len;
    crier_alert_result res;
    CHECK_INT_EQ(crier_key_generate("Civil Protection Office", &office), CRIER_OK);
    CHECK_INT_EQ(crier_key_generate("Stranger", &stranger), CRIER_OK);
    CHECK_INT_EQ(crier_keyring_add(ring, &office), CRIER_OK);
    char *j = mk((spec){.id = "sig-1", .seq = 10, .expires = T0 + HOUR_MS});

    /* unsigned: the bare payload */
    CHECK_INT_EQ(kiosk_receive(set, ring, j, strlen(j), T0, &res, reason, sizeof reason), CRIER_ERR_AUTH);
    /* unknown key */
    CHECK_INT_EQ(crier_envelope_seal(j, strlen(j), &stranger, &env, &env_len), CRIER_OK);
    CHECK_INT_EQ(kiosk_receive(set, ring, env, env_len, T0, &res, reason, sizeof reason), CRIER_ERR_AUTH);
    free(env);
    /* wrong signature: flip one character inside the base64 payload */
    CHECK_INT_EQ(crier_envelope_seal(j, strlen(j), &office, &env, &env_len), CRIER_OK);
    char *p = strstr(env, "\"payload\":\"") + 20;
    char saved = *p;
    *p = *p == 'A' ? 'B' : 'A';
    CHECK_INT_EQ(kiosk_receive(set, ring, env, env_len, T0, &res, reason, sizeof reason), CRIER_ERR_AUTH);
    CHECK_INT_EQ(crier_alert_set_count(set), 0);
    *p = saved;
    /* the genuine one is shown, with the issuer recorded for the audit trail */
    CHECK_INT_EQ(kiosk_receive(set, ring, env, env_len, T0, &res, reason, sizeof reason), CRIER_OK);
    CHECK_INT_EQ(res.verdict, CRIER_ALERT_ACCEPTED);
    CHECK(strstr(res.reason, "Civil Protection Office") != NULL);
    const crier_alert *a = crier_alert_set_get(set, 0);
    CHECK(a && strcmp(a->issuer, "Civil Protection Office") == 0 && strcmp(a->key_id, office.id) == 0);
    /* the same envelope again (a replay, or MQTT redelivery) */
    CHECK_INT_EQ(kiosk_receive(set, ring, env, env_len, T0 + 1000, &res, reason, sizeof reason),
                 CRIER_ERR_STALE);
    CHECK_INT_EQ(res.verdict, CRIER_ALERT_REJECT_REPLAY_ID);
    CHECK_INT_EQ(crier_alert_set_count(set), 1);
    free(env);
    free(j);
    crier_alert_set_free(set);
    crier_keyring_free(ring);
    crier_key_wipe(&office);
    crier_key_wipe(&stranger);
}

/* Cost of the whole receive path for a typical 2-language alert: verify,
 * parse, apply (a fresh identifier and seq each time). */
TEST(pipeline_cost)
{
    crier_key k;
    crier_keyring *ring = crier_keyring_new();
    crier_alert_set *set = new_set(1);
    CHECK_INT_EQ(crier_key_generate("Bench", &k), CRIER_OK);
    CHECK_INT_EQ(crier_keyring_add(ring, &k), CRIER_OK);
    enum { N = 500 };
    char **envs = calloc(N, sizeof *envs);
    size_t *lens = calloc(N, sizeof *lens);
    for (int i = 0; i < N; i++) {
        char id[32];
        snprintf(id, sizeof id, "bench-%d", i);
        char *j = mk((spec){.id = id, .seq = i + 1, .sent = T0 - (N - i) * 1000LL, .expires = T0 + HOUR_MS, .langs = 2});
        CHECK_INT_EQ(crier_envelope_seal(j, strlen(j), &k, &envs[i], &lens[i]), CRIER_OK);
        free(j);
    }
    int64_t t0 = crier_mono_ms();
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < N; i++) {
        crier_alert_result r;
        char reason[200];
        if (kiosk_receive(set, ring, envs[i], lens[i], T0, &r, reason, sizeof reason) != CRIER_OK)
            check_current_failed = 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    (void)t0;
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / N;
    printf("receive path (verify + parse + apply, %zu-byte envelope, up to 64 active): %.1f us per alert\n",
           lens[0], us);
    /* CRIER_EMULATED=1: qemu-user (test_cross_arm64.sh), ~10x slower than the Pi */
    const char *emu = getenv("CRIER_EMULATED");
    if (!getenv("CRIER_SKIP_TIMING"))
        CHECK(us < (emu && strcmp(emu, "1") == 0 ? 10000.0 : 1000.0));
    CHECK_INT_EQ(crier_alert_set_count(set), 64); /* bounded: the oldest evicted */
    CHECK_STR_EQ(crier_alert_set_get(set, 0)->identifier, "bench-499");
    for (int i = 0; i < N; i++)
        free(envs[i]);
    free(envs);
    free(lens);
    crier_alert_set_free(set);
    crier_keyring_free(ring);
    crier_key_wipe(&k);
}

/* ---- the rules ---- */

TEST(replay_and_sequence)
{
    crier_alert_set *set = new_set(1);
    crier_alert_result r;
    CHECK_INT_EQ(apply(set, (spec){.id = "a1", .seq = 100, .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK(r.changed);
    /* same identifier, even with a higher seq */
    CHECK_INT_EQ(apply(set, (spec){.id = "a1", .seq = 101, .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_REPLAY_ID);
    CHECK(!r.changed);
    /* new identifier, older or equal sequence */
    CHECK_INT_EQ(apply(set, (spec){.id = "a2", .seq = 99, .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_REPLAY_SEQ);
    CHECK_INT_EQ(apply(set, (spec){.id = "a2", .seq = 100, .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_REPLAY_SEQ);
    CHECK(strstr(r.reason, "seq 100") != NULL);
    /* sequences are per sender */
    CHECK_INT_EQ(apply(set, (spec){.id = "a2", .sender = "police@example.org", .seq = 5,
                                  .expires = T0 + HOUR_MS},
                       T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "a3", .seq = 101, .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(crier_alert_set_count(set), 3);
    crier_alert_set_free(set);
}

TEST(expired_and_far_future)
{
    crier_alert_set *set = new_set(1);
    crier_alert_result r;
    crier_err e;
    crier_alert *a = parse_spec((spec){.id = "old", .seq = 1, .sent = T0 - 2 * HOUR_MS, .expires = T0 - HOUR_MS});
    e = crier_alert_set_apply(set, a, NULL, NULL, T0, &r);
    CHECK_INT_EQ(e, CRIER_ERR_STALE);
    CHECK_INT_EQ(r.verdict, CRIER_ALERT_REJECT_EXPIRED);
    /* expiring exactly now is expired */
    CHECK_INT_EQ(apply(set, (spec){.id = "edge", .seq = 2, .expires = T0}, T0, &r), CRIER_ALERT_REJECT_EXPIRED);
    /* no expires: default TTL 24 h after sent */
    CHECK_INT_EQ(apply(set, (spec){.id = "ttl", .seq = 3, .sent = T0 - 25 * HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_EXPIRED);
    CHECK_INT_EQ(apply(set, (spec){.id = "ttl2", .seq = 4, .sent = T0 - 23 * HOUR_MS}, T0, &r),
                 CRIER_ALERT_ACCEPTED);
    /* only some info blocks expired: still shown */
    /* far-future: sent 10 minutes ahead of the kiosk clock (limit 5) */
    CHECK_INT_EQ(apply(set, (spec){.id = "future", .seq = 5, .sent = T0 + 10 * MIN_MS,
                                  .expires = T0 + 2 * HOUR_MS},
                       T0, &r),
                 CRIER_ALERT_REJECT_FUTURE);
    /* a little skew is tolerated */
    CHECK_INT_EQ(apply(set, (spec){.id = "skew", .seq = 6, .sent = T0 + 2 * MIN_MS,
                                  .expires = T0 + 2 * HOUR_MS},
                       T0, &r),
                 CRIER_ALERT_ACCEPTED);
    /* a rejected message left no trace: the future one is accepted once the clock catches up */
    CHECK_INT_EQ(apply(set, (spec){.id = "future", .seq = 7, .sent = T0 + 10 * MIN_MS,
                                  .expires = T0 + 2 * HOUR_MS},
                       T0 + 6 * MIN_MS, &r),
                 CRIER_ALERT_ACCEPTED);
    crier_alert_set_free(set);
}

TEST(scope)
{
    crier_alert_set *set = new_set(1);
    crier_alert_result r;
    CHECK_INT_EQ(apply(set, (spec){.id = "s1", .seq = 1, .scope = "site:library", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_SCOPE);
    CHECK_INT_EQ(apply(set, (spec){.id = "s2", .seq = 2, .scope = "kiosk:kiosk-8", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_SCOPE);
    CHECK_INT_EQ(apply(set, (spec){.id = "s3", .seq = 3, .scope = "site:town-hall", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "s4", .seq = 4, .scope = "kiosk:kiosk-7", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(crier_alert_set_count(set), 2);
    crier_alert_set_free(set);
}

TEST(update_and_cancel)
{
    crier_alert_set *set = new_set(1);
    crier_alert_result r;
    CHECK_INT_EQ(apply(set, (spec){.id = "f1", .seq = 1, .expires = T0 + HOUR_MS}, T0, &r), CRIER_ALERT_ACCEPTED);
    /* Update replaces what it references */
    CHECK_INT_EQ(apply(set, (spec){.id = "f2", .seq = 2, .msg_type = "Update", .severity = "Extreme",
                                  .refs = "[{\"identifier\":\"f1\"}]", .expires = T0 + 2 * HOUR_MS},
                       T0 + MIN_MS, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(r.removed, 1);
    CHECK_INT_EQ(crier_alert_set_count(set), 1);
    CHECK_INT_EQ(shown(set, T0 + MIN_MS, "f2"), 1);
    CHECK_INT_EQ(shown(set, T0 + MIN_MS, "f1"), 0);
    /* the superseded original cannot come back */
    CHECK_INT_EQ(apply(set, (spec){.id = "f1", .seq = 3, .expires = T0 + HOUR_MS}, T0 + MIN_MS, &r),
                 CRIER_ALERT_REJECT_CANCELLED);
    /* Update of an unknown alert: accepted as new (documented) */
    CHECK_INT_EQ(apply(set, (spec){.id = "g2", .seq = 4, .msg_type = "Update",
                                  .refs = "[{\"identifier\":\"never-seen\"}]", .expires = T0 + HOUR_MS},
                       T0 + MIN_MS, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK(strstr(r.reason, "shown as new") != NULL);
    CHECK_INT_EQ(crier_alert_set_count(set), 2);
    /* ...and the unknown original, arriving late, is not shown */
    CHECK_INT_EQ(apply(set, (spec){.id = "never-seen", .seq = 5, .expires = T0 + HOUR_MS}, T0 + MIN_MS, &r),
                 CRIER_ALERT_REJECT_CANCELLED);
    /* Cancel removes */
    CHECK_INT_EQ(apply(set, (spec){.id = "c1", .seq = 6, .msg_type = "Cancel",
                                  .refs = "[{\"sender\":\"city@example.org\",\"identifier\":\"f2\"}]"},
                       T0 + 2 * MIN_MS, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(r.removed, 1);
    CHECK(r.changed);
    CHECK_INT_EQ(shown(set, T0 + 2 * MIN_MS, "f2"), 0);
    CHECK_INT_EQ(crier_alert_set_count(set), 1);
    /* references match sender + identifier: another sender's f2 is a different alert */
    CHECK_INT_EQ(apply(set, (spec){.id = "f2", .sender = "police@example.org", .seq = 1,
                                  .expires = T0 + HOUR_MS},
                       T0 + 2 * MIN_MS, &r),
                 CRIER_ALERT_ACCEPTED);
    crier_alert_set_free(set);
}

TEST(cancel_before_alert)
{
    crier_alert_set *set = new_set(1);
    crier_alert_result r;
    /* the Cancel overtakes its Alert (e.g. the kiosk was offline, retained topics) */
    CHECK_INT_EQ(apply(set, (spec){.id = "cx", .seq = 20, .msg_type = "Cancel",
                                  .refs = "[{\"identifier\":\"evac-1\"}]"},
                       T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(r.removed, 0);
    CHECK(!r.changed);
    CHECK_INT_EQ(apply(set, (spec){.id = "evac-1", .seq = 30, .expires = T0 + HOUR_MS}, T0 + 1000, &r),
                 CRIER_ALERT_REJECT_CANCELLED);
    CHECK_INT_EQ(crier_alert_set_count(set), 0);
    /* the same with an older seq (the usual order): still cancelled, reason says so */
    CHECK_INT_EQ(apply(set, (spec){.id = "evac-1", .seq = 10, .expires = T0 + HOUR_MS}, T0 + 1000, &r),
                 CRIER_ALERT_REJECT_CANCELLED);
    CHECK(strstr(r.reason, "cancelled") != NULL);
    crier_alert_set_free(set);
}

TEST(ordering)
{
    crier_alert_set *set = new_set(1);
    CHECK_INT_EQ(apply(set, (spec){.id = "minor", .seq = 1, .severity = "Minor", .expires = T0 + HOUR_MS}, T0, NULL),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "ext-exp", .seq = 2, .severity = "Extreme", .urgency = "Expected",
                                  .expires = T0 + HOUR_MS},
                       T0, NULL),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "ext-imm-old", .seq = 3, .severity = "Extreme", .sent = T0 - MIN_MS,
                                  .expires = T0 + HOUR_MS},
                       T0, NULL),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "ext-imm-new", .seq = 4, .severity = "Extreme", .expires = T0 + HOUR_MS},
                       T0, NULL),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "moderate", .seq = 5, .severity = "Moderate", .expires = T0 + HOUR_MS},
                       T0, NULL),
                 CRIER_ALERT_ACCEPTED);
    const char *want[] = {"ext-imm-new", "ext-imm-old", "ext-exp", "moderate", "minor"};
    crier_alert_list *l = NULL;
    CHECK_INT_EQ(crier_alert_set_snapshot(set, T0, NULL, &l), CRIER_OK);
    CHECK_INT_EQ(l->count, 5);
    for (size_t i = 0; i < 5 && i < l->count; i++)
        CHECK_STR_EQ(l->items[i]->identifier, want[i]);
    crier_alert_list_free_void(l);
    crier_alert_set_free(set);
}

TEST(test_and_exercise)
{
    crier_alert_set *shown_set = new_set(1), *quiet = new_set(0);
    crier_alert_result r;
    CHECK_INT_EQ(apply(shown_set, (spec){.id = "t1", .seq = 1, .status = "Test", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(crier_alert_set_get(shown_set, 0)->status, CRIER_ALERT_TEST);
    CHECK_INT_EQ(apply(shown_set, (spec){.id = "e1", .seq = 2, .status = "Exercise", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(quiet, (spec){.id = "t1", .seq = 1, .status = "Test", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_IGNORED);
    CHECK_INT_EQ(apply(quiet, (spec){.id = "e1", .seq = 2, .status = "Exercise", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_IGNORED);
    CHECK_INT_EQ(crier_alert_set_count(quiet), 0);
    /* System and Draft are never shown */
    CHECK_INT_EQ(apply(shown_set, (spec){.id = "sys", .seq = 3, .status = "System", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_IGNORED);
    CHECK_INT_EQ(apply(shown_set, (spec){.id = "dr", .seq = 4, .status = "Draft", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_IGNORED);
    CHECK_INT_EQ(crier_alert_set_count(shown_set), 2);
    crier_alert_set_free(shown_set);
    crier_alert_set_free(quiet);
}

TEST(expiry_and_deadline)
{
    crier_alert_set *set = new_set(1);
    CHECK_INT_EQ(crier_alert_set_next_deadline(set, T0), CRIER_ALERT_NO_DEADLINE);
    CHECK_INT_EQ(apply(set, (spec){.id = "short", .seq = 1, .expires = T0 + 10 * MIN_MS}, T0, NULL), CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "long", .seq = 2, .expires = T0 + HOUR_MS}, T0, NULL), CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "later", .seq = 3, .effective = T0 + 5 * MIN_MS, .expires = T0 + HOUR_MS},
                       T0, NULL),
                 CRIER_ALERT_ACCEPTED);
    /* not yet effective: active but not displayed; the deadline wakes us for it */
    CHECK_INT_EQ(shown(set, T0, "later"), 0);
    CHECK_INT_EQ(crier_alert_set_next_deadline(set, T0), T0 + 5 * MIN_MS);
    CHECK_INT_EQ(shown(set, T0 + 5 * MIN_MS, "later"), 1);
    CHECK_INT_EQ(crier_alert_set_next_deadline(set, T0 + 5 * MIN_MS), T0 + 10 * MIN_MS);
    CHECK_INT_EQ(crier_alert_set_expire(set, T0 + 10 * MIN_MS - 1), 0);
    CHECK_INT_EQ(crier_alert_set_expire(set, T0 + 10 * MIN_MS), 1);
    CHECK_INT_EQ(crier_alert_set_count(set), 2);
    CHECK_INT_EQ(crier_alert_set_next_deadline(set, T0 + 10 * MIN_MS), T0 + HOUR_MS);
    /* a snapshot never shows an expired alert, even before expire() ran */
    CHECK_INT_EQ(shown(set, T0 + HOUR_MS, "long"), 0);
    CHECK_INT_EQ(crier_alert_set_expire(set, T0 + HOUR_MS), 2);
    CHECK_INT_EQ(crier_alert_set_next_deadline(set, T0 + HOUR_MS), CRIER_ALERT_NO_DEADLINE);
    crier_alert_set_free(set);
}

TEST(clock_step_backwards)
{
    crier_alert_set *set = new_set(1);
    crier_alert_result r;
    char path[300];
    snprintf(path, sizeof path, "%s/step.json", tmpdir);
    CHECK_INT_EQ(apply(set, (spec){.id = "exp", .seq = 1, .expires = T0 + 10 * MIN_MS}, T0, &r), CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "can", .seq = 2, .expires = T0 + HOUR_MS}, T0, &r), CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "cancel-can", .seq = 3, .msg_type = "Cancel",
                                  .refs = "[{\"identifier\":\"can\"}]"},
                       T0 + MIN_MS, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(crier_alert_set_expire(set, T0 + 11 * MIN_MS), 1);
    CHECK_INT_EQ(crier_alert_set_count(set), 0);
    /* the clock steps back an hour: nothing comes back by itself... */
    int64_t back = T0 - HOUR_MS;
    CHECK_INT_EQ(crier_alert_set_expire(set, back), 0);
    CHECK_INT_EQ(crier_alert_set_count(set), 0);
    /* ...nor when the broker redelivers the retained originals (now "not expired") */
    CHECK_INT_EQ(apply(set, (spec){.id = "exp", .seq = 1, .sent = T0, .expires = T0 + 10 * MIN_MS}, back + 58 * MIN_MS, &r),
                 CRIER_ALERT_REJECT_REPLAY_ID);
    CHECK_INT_EQ(apply(set, (spec){.id = "can", .seq = 2, .expires = T0 + HOUR_MS}, back + 58 * MIN_MS, &r),
                 CRIER_ALERT_REJECT_CANCELLED);
    /* ...nor after a restart (state persisted), nor once their ids left the bounded memory */
    CHECK_INT_EQ(crier_alert_set_save(set, path), CRIER_OK);
    crier_alert_set_free(set);
    crier_alert_set_opts o;
    crier_alert_set_opts_default(&o);
    o.max_seen = 2; /* tiny: "exp" and "can" are forgotten by id; the sequence still holds */
    set = crier_alert_set_new(&o);
    CHECK_INT_EQ(crier_alert_set_load(set, path, back + 58 * MIN_MS, NULL), CRIER_OK);
    CHECK_INT_EQ(apply(set, (spec){.id = "x1", .seq = 4, .expires = T0 + HOUR_MS}, back + 58 * MIN_MS, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "x2", .seq = 5, .expires = T0 + HOUR_MS}, back + 58 * MIN_MS, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "exp", .seq = 1, .sent = T0, .expires = T0 + 10 * MIN_MS}, back + 58 * MIN_MS, &r),
                 CRIER_ALERT_REJECT_REPLAY_SEQ);
    CHECK_INT_EQ(apply(set, (spec){.id = "can", .seq = 2, .expires = T0 + HOUR_MS}, back + 58 * MIN_MS, &r),
                 CRIER_ALERT_REJECT_REPLAY_SEQ);
    CHECK_INT_EQ(shown(set, back + 58 * MIN_MS, "exp"), 0);
    CHECK_INT_EQ(shown(set, back + 58 * MIN_MS, "can"), 0);
    crier_alert_set_free(set);
}

/* crier_alert_set_load with the log off (a corrupt file is logged as an error), then at INFO. */
static crier_err load_quietly(crier_alert_set *set, const char *path, int64_t now, int *bad)
{
    crier_log_set_level(CRIER_LOG_OFF);
    crier_err e = crier_alert_set_load(set, path, now, bad);
    crier_log_set_level(CRIER_LOG_INFO);
    return e;
}

TEST(persistence)
{
    char path[300], corrupt[320];
    snprintf(path, sizeof path, "%s/alerts.json", tmpdir);
    snprintf(corrupt, sizeof corrupt, "%s.corrupt", path);
    crier_alert_set *set = new_set(1);
    crier_alert_result r;
    /* a missing file is a clean start */
    int bad = 7;
    CHECK_INT_EQ(crier_alert_set_load(set, path, T0, &bad), CRIER_OK);
    CHECK_INT_EQ(bad, 0);
    CHECK_INT_EQ(apply(set, (spec){.id = "p1", .seq = 1, .severity = "Extreme", .expires = T0 + HOUR_MS,
                                  .langs = 2},
                       T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "p2", .seq = 2, .expires = T0 + 10 * MIN_MS}, T0, &r), CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(apply(set, (spec){.id = "c", .seq = 3, .msg_type = "Cancel", .refs = "[{\"identifier\":\"later\"}]"},
                       T0, &r),
                 CRIER_ALERT_ACCEPTED);
    /* characters JSON must escape, in the replay memory (the file is written by hand) */
    CHECK_INT_EQ(apply(set, (spec){.id = "c2", .seq = 4, .msg_type = "Cancel",
                                   .refs = "[{\"identifier\":\"odd\\\"q\\\\b\u00e9\"}]"},
                       T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(crier_alert_set_save(set, path), CRIER_OK);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    crier_alert_set_free(set);

    /* restart (SIGKILL-equivalent: only the file survives), 20 minutes later */
    set = new_set(1);
    CHECK_INT_EQ(crier_alert_set_load(set, path, T0 + 20 * MIN_MS, &bad), CRIER_OK);
    CHECK_INT_EQ(bad, 0);
    CHECK_INT_EQ(crier_alert_set_count(set), 1); /* p2 expired while away */
    const crier_alert *a = crier_alert_set_get(set, 0);
    CHECK(a && strcmp(a->identifier, "p1") == 0 && a->info_count == 2);
    CHECK(a && a->issuer && strcmp(a->issuer, "Test Issuer") == 0 && a->received_ms == T0);
    CHECK_INT_EQ(shown(set, T0 + 20 * MIN_MS, "p1"), 1);
    /* replay memory survived: the retained p1, the old seq and the early cancel */
    CHECK_INT_EQ(apply(set, (spec){.id = "p1", .seq = 1, .expires = T0 + HOUR_MS}, T0 + 20 * MIN_MS, &r),
                 CRIER_ALERT_REJECT_REPLAY_ID);
    CHECK_INT_EQ(apply(set, (spec){.id = "p9", .seq = 3, .expires = T0 + HOUR_MS}, T0 + 20 * MIN_MS, &r),
                 CRIER_ALERT_REJECT_REPLAY_SEQ);
    CHECK_INT_EQ(apply(set, (spec){.id = "later", .seq = 50, .expires = T0 + HOUR_MS}, T0 + 20 * MIN_MS, &r),
                 CRIER_ALERT_REJECT_CANCELLED);
    CHECK_INT_EQ(apply(set, (spec){.id = "odd\\\"q\\\\b\u00e9", .seq = 51, .expires = T0 + HOUR_MS},
                       T0 + 20 * MIN_MS, &r),
                 CRIER_ALERT_REJECT_CANCELLED);
    crier_alert_set_free(set);

    /* a truncated file (power cut mid-write of a non-atomic tool, disk damage) */
    FILE *f = fopen(path, "r+");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        CHECK(truncate(path, size / 2) == 0);
    }
    set = new_set(1);
    CHECK_INT_EQ(load_quietly(set, path, T0, &bad), CRIER_OK);
    CHECK_INT_EQ(bad, 1);
    CHECK_INT_EQ(crier_alert_set_count(set), 0);
    CHECK(access(corrupt, F_OK) == 0);
    CHECK(access(path, F_OK) != 0);
    /* it keeps working after the recovery */
    CHECK_INT_EQ(apply(set, (spec){.id = "p3", .seq = 1, .expires = T0 + HOUR_MS}, T0, &r), CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(crier_alert_set_save(set, path), CRIER_OK);
    crier_alert_set_free(set);

    /* valid JSON with a bad alert inside counts as corrupt too */
    f = fopen(path, "w");
    fputs("{\"type\":\"crier-alert-state\",\"v\":1,\"senders\":[],\"seen\":[],"
          "\"active\":[{\"type\":\"alert\",\"v\":1}]}",
          f);
    fclose(f);
    set = new_set(1);
    CHECK_INT_EQ(load_quietly(set, path, T0, &bad), CRIER_OK);
    CHECK_INT_EQ(bad, 1);
    CHECK_INT_EQ(crier_alert_set_count(set), 0);
    /* binary garbage */
    f = fopen(path, "w");
    fwrite("\x00\xff\x13garbage", 1, 10, f);
    fclose(f);
    CHECK_INT_EQ(load_quietly(set, path, T0, &bad), CRIER_OK);
    CHECK_INT_EQ(bad, 1);
    crier_alert_set_free(set);
}

/* With a window, alerts of one sender may arrive out of order (several desks,
 * a broker's retained burst in topic order); replays are still refused. */
TEST(sequence_window)
{
    crier_alert_set_opts o;
    crier_alert_set_opts_default(&o);
    o.seq_window = 1000;
    crier_alert_set *set = crier_alert_set_new(&o);
    crier_alert_result r;
    CHECK_INT_EQ(apply(set, (spec){.id = "w2", .seq = 5000, .expires = T0 + HOUR_MS}, T0, &r), CRIER_ALERT_ACCEPTED);
    /* sent earlier, arrives later, inside the window: accepted */
    CHECK_INT_EQ(apply(set, (spec){.id = "w1", .seq = 4500, .expires = T0 + HOUR_MS}, T0, &r), CRIER_ALERT_ACCEPTED);
    /* the same again: a replay by identifier */
    CHECK_INT_EQ(apply(set, (spec){.id = "w1", .seq = 4500, .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_REPLAY_ID);
    /* older than the window: refused by sequence */
    CHECK_INT_EQ(apply(set, (spec){.id = "w0", .seq = 3999, .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_REPLAY_SEQ);
    crier_alert_set_free(set);
}

TEST(full_set)
{
    crier_alert_set_opts o;
    crier_alert_set_opts_default(&o);
    o.max_active = 3;
    crier_alert_set *set = crier_alert_set_new(&o);
    crier_alert_result r;
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "m%d", i);
        CHECK_INT_EQ(apply(set, (spec){.id = id, .seq = i + 1, .severity = "Moderate", .expires = T0 + HOUR_MS}, T0, &r),
                     CRIER_ALERT_ACCEPTED);
    }
    /* a less important one is refused... */
    CHECK_INT_EQ(apply(set, (spec){.id = "minor", .seq = 10, .severity = "Minor", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_REJECT_FULL);
    /* ...a more important one takes the place of the least important */
    CHECK_INT_EQ(apply(set, (spec){.id = "extreme", .seq = 11, .severity = "Extreme", .expires = T0 + HOUR_MS}, T0, &r),
                 CRIER_ALERT_ACCEPTED);
    CHECK_INT_EQ(crier_alert_set_count(set), 3);
    CHECK_STR_EQ(crier_alert_set_get(set, 0)->identifier, "extreme");
    crier_alert_set_free(set);
}

int main(void)
{
    if (crier_parse_iso8601("2026-11-26T10:00:00Z", &T0) != 0)
        return 2;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/crier-test-alert-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    crier_log_set_level(CRIER_LOG_WARN);
    RUN(parse_roundtrip);
    RUN(parse_rejections);
    RUN(limits_10mb_and_50_languages);
    RUN(mutations);
    RUN(signed_pipeline);
    crier_log_set_level(CRIER_LOG_ERROR);
    RUN(pipeline_cost);
    crier_log_set_level(CRIER_LOG_WARN);
    RUN(replay_and_sequence);
    RUN(expired_and_far_future);
    RUN(scope);
    RUN(update_and_cancel);
    RUN(cancel_before_alert);
    RUN(ordering);
    RUN(test_and_exercise);
    RUN(expiry_and_deadline);
    RUN(clock_step_backwards);
    RUN(persistence);
    RUN(sequence_window);
    RUN(full_set);
    remove_tree(tmpdir);
    return check_summary();
}
