/* alerts.c - crierctl's signed commands: keygen, alert, update, cancel
 * (docs/crierctl.md, docs/alerts.md, docs/protocol.md "Alerts").
 *
 * Design: an alert is built as wire-format JSON with cJSON, checked with the
 * kiosks' own strict parser (crier_alert_parse) so mistakes are reported here,
 * sealed in an Ed25519 envelope with the staff key (crier_envelope_seal) and
 * published retained on its topic.  Update and Cancel go to the topic of the
 * alert they replace (found on the broker by identifier), referencing it and
 * everything it referenced, so a kiosk that was off sees only the latest word
 * on each alert.  With --wait N the command subscribes to the receipt topics
 * BEFORE publishing (no receipt can be missed) and waits for N kiosks. */
#include "crierctl.h"
#include "alerts/alert_rules.h"

#include "alerts/alert.h"
#include "alerts/cap.h"
#include "content/content.h"
#include "remote/protocol.h"
#include "remote/sign.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_TTL_MS (24LL * 3600 * 1000)
#define MAX_KIOSKS 4096

/* ---- keys ------------------------------------------------------------------- */

int ctl_load_signing_key(const ctl_opts *o, const char *path, crier_key *out)
{
    const char *p = path ? path : o->signing_key;
    memset(out, 0, sizeof *out);
    if (!p) {
        fprintf(stderr, "crierctl: no signing key: give --key FILE or set signing_key in the config "
                        "(make one with 'crierctl keygen')\n");
        return -1;
    }
    crier_err rc = crier_key_load(p, out);
    if (rc != CRIER_OK) {
        fprintf(stderr, "crierctl: cannot use signing key %s: %s%s\n", p, crier_strerror(rc),
                rc == CRIER_ERR_AUTH ? " (a secret key must not be readable by group or others: chmod 600)" : "");
        return -1;
    }
    if (!out->has_secret) {
        fprintf(stderr, "crierctl: %s is a public key; signing needs the secret .key file\n", p);
        crier_key_wipe(out);
        return -1;
    }
    return 0;
}

char *ctl_seal(const crier_key *key, const char *payload, size_t len)
{
    char *env = NULL;
    crier_err rc = crier_envelope_seal(payload, len, key, &env, NULL);
    if (rc != CRIER_OK) {
        fprintf(stderr, "crierctl: cannot sign: %s\n", crier_strerror(rc));
        return NULL;
    }
    return env;
}

static void file_name(const char *issuer, char *out, size_t len)
{
    size_t n = 0;
    for (const char *p = issuer; *p && n + 1 < len && n < 64; p++) {
        char ch = *p;
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                 ch == '.' || ch == '-';
        out[n++] = ok ? ch : '-';
    }
    out[n] = '\0';
    if (n == 0 || out[0] == '.')
        snprintf(out, len, "key");
}

typedef struct keygen_args {
    const char *issuer, *dir;
    int force;
} keygen_args;

static int run_keygen(const ctl_opts *o, void *args)
{
    const keygen_args *a = args;
    const char *issuer = a->issuer, *dir = a->dir;
    int force = a->force;
    if (!issuer || !dir) {
        fprintf(stderr, "crierctl keygen: --issuer NAME and --out DIR are required\n");
        return CTL_EXIT_USAGE;
    }
    struct stat st;
    if (stat(dir, &st) != 0 && mkdir(dir, 0700) != 0) {
        fprintf(stderr, "crierctl keygen: cannot create %s: %s\n", dir, strerror(errno));
        return CTL_EXIT_FAILED;
    }
    crier_key key;
    crier_err rc = crier_key_generate(issuer, &key);
    if (rc != CRIER_OK) {
        fprintf(stderr, "crierctl keygen: %s: the issuer must be 1..%d bytes of UTF-8 without control characters\n",
                crier_strerror(rc), CRIER_KEY_ISSUER_MAX);
        return CTL_EXIT_USAGE;
    }
    char base[80], sec[4096], pub[4096];
    file_name(issuer, base, sizeof base);
    snprintf(sec, sizeof sec, "%s/%s.key", dir, base);
    snprintf(pub, sizeof pub, "%s/%s.pub", dir, base);
    if (!force && (stat(sec, &st) == 0 || stat(pub, &st) == 0)) {
        fprintf(stderr, "crierctl keygen: %s or %s exists (use --force to replace it)\n", sec, pub);
        crier_key_wipe(&key);
        return CTL_EXIT_FAILED;
    }
    rc = crier_key_save_secret(&key, sec, force);
    if (rc == CRIER_OK)
        rc = crier_key_save_public(&key, pub, force);
    if (rc != CRIER_OK) {
        fprintf(stderr, "crierctl keygen: cannot write the key files in %s: %s\n", dir, crier_strerror(rc));
        crier_key_wipe(&key);
        return CTL_EXIT_FAILED;
    }
    printf("key id %s, issuer \"%s\"\nsecret: %s (keep it here, mode 0600)\npublic: %s (install in every kiosk's "
           "alert_keys_dir)\n",
           key.id, key.issuer, sec, pub);
    crier_key_wipe(&key);
    return CTL_EXIT_OK;
}

static const ctl_opt keygen_opts[] = {
    CTL_REQUIRED(keygen_args, "--issuer", "NAME", issuer, "who signs: kiosks log and report it"),
    CTL_REQUIRED(keygen_args, "--out", "DIR", dir, "where the two files go"),
    CTL_FLAG(keygen_args, "--force", force, "replace existing files"),
    CTL_END,
};

const ctl_command ctl_cmd_keygen = {
    .name = "keygen",
    .summary = "make a signing key pair (secret .key, public .pub for the kiosks)",
    .args_size = sizeof(keygen_args),
    .opts = keygen_opts,
    .run = run_keygen,
    .about = "Writes DIR/NAME.key (the secret key, mode 0600: keep it on the staff machine) and\n"
             "DIR/NAME.pub (install it in every kiosk's alert_keys_dir).  NAME is the issuer\n"
             "name kiosks log and report with every alert (spaces become '-' in file names).\n"
             "Refuses to overwrite existing files unless --force.  Prints the key id.\n",
};

/* ---- building an alert --------------------------------------------------------- */

static const char *const info_text_opts[][2] = {
    {"--event", "event"},         {"--headline", "headline"}, {"--description", "description"},
    {"--instruction", "instruction"}, {"--area", "areaDesc"}, {"--web", "web"},
    {"--sender-name", "senderName"}, {"--severity", "severity"}, {"--urgency", "urgency"},
    {"--certainty", "certainty"},
};
static const char *const info_time_opts[][2] = {
    {"--expires", "expires"}, {"--effective", "effective"}, {"--onset", "onset"}};
/* what later language blocks take from the first when not given */
static const char *const inherited[] = {"event", "severity", "urgency", "certainty", "expires",
                                         "effective", "onset", "areaDesc", "web", "senderName"};

typedef struct alert_args {
    scope_arg sc;
    const char *id, *sender, *status, *note, *key_path, *cap_file, *info_file, *ref_sender, *target_id;
    int wait_n, timeout_s;
    cJSON *blocks; /* array of info objects from the command line */
    cJSON *cur;    /* current block (NULL before the first field) */
    int cur_fields;
} alert_args;

static cJSON *new_block(alert_args *a, const char *lang)
{
    cJSON *b = cJSON_CreateObject();
    if (!b)
        return NULL;
    if (lang)
        cJSON_AddStringToObject(b, "language", lang);
    cJSON_AddItemToArray(a->blocks, b);
    a->cur = b;
    a->cur_fields = 0;
    return b;
}

static void set_field(cJSON *b, const char *k, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(b, k);
    cJSON_AddStringToObject(b, k, v);
}

/* An info option (--event ... --onset, --lang), in argv order: fields go into
 * the current block; --lang starts a new one (or names the first, still empty). */
static int info_opt(void *args, const char *cmd, const char *name, const char *v)
{
    alert_args *a = args;
    if (!a->blocks && !(a->blocks = cJSON_CreateArray()))
        return CTL_EXIT_FAILED;
    if (strcmp(name, "--lang") == 0) {
        if (a->cur && a->cur_fields == 0 && !cJSON_GetObjectItemCaseSensitive(a->cur, "language"))
            cJSON_AddStringToObject(a->cur, "language", v);
        else
            new_block(a, v);
        return CTL_EXIT_OK;
    }
    const char *field = NULL;
    char buf[40];
    for (size_t k = 0; k < sizeof info_text_opts / sizeof info_text_opts[0] && !field; k++)
        if (strcmp(name, info_text_opts[k][0]) == 0)
            field = info_text_opts[k][1];
    for (size_t k = 0; k < sizeof info_time_opts / sizeof info_time_opts[0] && !field; k++) {
        if (strcmp(name, info_time_opts[k][0]) == 0) {
            if (ctl_time_option(cmd, name, v, crier_wall_ms(), buf, sizeof buf) != CTL_EXIT_OK)
                return CTL_EXIT_USAGE;
            field = info_time_opts[k][1];
            v = buf;
        }
    }
    if (!field)
        return CTL_EXIT_USAGE;
    if (!a->cur)
        new_block(a, NULL);
    set_field(a->cur, field, v);
    a->cur_fields++;
    return CTL_EXIT_OK;
}

static void alert_args_done(void *args)
{
    cJSON_Delete(((alert_args *)args)->blocks);
}

/* Info blocks: inheritance from the first block, defaults, --info-file. */
static int finish_blocks(const char *cmd, alert_args *a)
{
    int n = cJSON_GetArraySize(a->blocks);
    cJSON *first = cJSON_GetArrayItem(a->blocks, 0);
    for (int i = 1; i < n; i++) {
        cJSON *b = cJSON_GetArrayItem(a->blocks, i);
        for (size_t k = 0; k < sizeof inherited / sizeof inherited[0]; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(first, inherited[k]);
            if (v && !cJSON_GetObjectItemCaseSensitive(b, inherited[k]))
                cJSON_AddItemToObject(b, inherited[k], cJSON_Duplicate(v, 1));
        }
    }
    for (int i = 0; i < n; i++) {
        cJSON *b = cJSON_GetArrayItem(a->blocks, i);
        if (!cJSON_GetObjectItemCaseSensitive(b, "urgency"))
            cJSON_AddStringToObject(b, "urgency", "Immediate");
        if (!cJSON_GetObjectItemCaseSensitive(b, "certainty"))
            cJSON_AddStringToObject(b, "certainty", "Observed");
    }
    if (a->info_file) {
        char *text = ctl_read_text_file(a->info_file, CRIER_ALERT_MAX_BYTES);
        if (!text)
            return CTL_EXIT_USAGE;
        cJSON *j = cJSON_Parse(text);
        free(text);
        cJSON *arr = cJSON_IsArray(j) ? j : cJSON_GetObjectItemCaseSensitive(j, "info");
        if (!cJSON_IsArray(arr)) {
            fprintf(stderr, "crierctl %s: %s must hold a JSON array of info blocks (or {\"info\":[...]})\n", cmd,
                    a->info_file);
            cJSON_Delete(j);
            return CTL_EXIT_USAGE;
        }
        cJSON *it;
        cJSON_ArrayForEach(it, arr) cJSON_AddItemToArray(a->blocks, cJSON_Duplicate(it, 1));
        cJSON_Delete(j);
    }
    if (cJSON_GetArraySize(a->blocks) == 0) {
        fprintf(stderr, "crierctl %s: give the content: --event, --severity, --headline ... (see crierctl %s --help)\n",
                cmd, cmd);
        return CTL_EXIT_USAGE;
    }
    return CTL_EXIT_OK;
}

static void default_sender(const ctl_opts *o, const alert_args *a, const crier_key *key, char *out, size_t len)
{
    const char *s = a->sender ? a->sender : o->sender;
    if (s) {
        snprintf(out, len, "%s", s);
        return;
    }
    /* issuer with spaces and CAP-forbidden characters replaced */
    size_t n = 0;
    for (const char *p = key->issuer; *p && n + 1 < len; p++)
        out[n++] = (*p == ' ' || *p == ',' || *p == '<' || *p == '&' || (unsigned char)*p < 0x20) ? '-' : *p;
    out[n] = '\0';
}

/* ---- finding the alert an Update/Cancel refers to -------------------------------- */

typedef struct found_alert {
    char topic[CRIER_TOPIC_MAX];
    crier_alert *alert; /* the retained message there (Alert or Update, or a Cancel) */
} found_alert;

/* Looks up ID on the broker: the retained alert topic whose message has that
 * identifier or references it.  0 found, CTL_EXIT_NOTFOUND, or another exit code. */
static int find_alert(ctl_client *c, const ctl_opts *o, const char *id, const char *ref_sender, found_alert *out)
{
    const char *filters[3] = {CRIER_TOPIC_PREFIX "/all/alert/+", CRIER_TOPIC_PREFIX "/site/+/alert/+",
                              CRIER_TOPIC_PREFIX "/kiosk/+/alert/+"};
    size_t before = ctl_msg_count(c);
    int rc = ctl_read_retained(c, filters, 3, o->timeout_s);
    if (rc != CTL_EXIT_OK)
        return rc;
    int best = 0; /* 2 = own identifier, 1 = referenced */
    for (size_t i = before; i < ctl_msg_count(c); i++) {
        const ctl_msg *m = ctl_msg_at(c, i);
        char *inner = NULL;
        size_t ilen = 0;
        crier_alert *a = NULL;
        if (!m->retain || m->len == 0 || crier_envelope_peek(m->payload, m->len, &inner, &ilen, NULL) != CRIER_OK)
            continue;
        if (crier_alert_parse(inner, ilen, &a, NULL, 0) == CRIER_OK) {
            int score = 0;
            if (strcmp(a->identifier, id) == 0 && (!ref_sender || strcmp(a->sender, ref_sender) == 0))
                score = 2;
            for (size_t r = 0; r < a->ref_count && !score; r++)
                if (strcmp(a->refs[r].identifier, id) == 0 && (!ref_sender || strcmp(a->refs[r].sender, ref_sender) == 0))
                    score = 1;
            if (score > best) {
                best = score;
                crier_alert_free(out->alert);
                out->alert = a;
                a = NULL;
                snprintf(out->topic, sizeof out->topic, "%s", m->topic);
            }
        }
        crier_alert_free(a);
        free(inner);
    }
    return best ? CTL_EXIT_OK : CTL_EXIT_NOTFOUND;
}

/* The sender of target as the found message names it (the alert itself, or,
 * found through a reference, the message that replaced it), else dflt. */
static const char *target_sender(const crier_alert *found, const char *target, const char *dflt)
{
    if (!found)
        return dflt;
    if (strcmp(found->identifier, target) == 0)
        return found->sender;
    const char *s = dflt;
    for (size_t r = 0; r < found->ref_count; r++)
        if (strcmp(found->refs[r].identifier, target) == 0)
            s = found->refs[r].sender;
    return s;
}

static void add_ref(cJSON *refs, const char *sender, const char *identifier)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "sender", sender);
    cJSON_AddStringToObject(r, "identifier", identifier);
    cJSON_AddItemToArray(refs, r);
}

/* The chain after target: everything the found message replaced, and the
 * found message itself (unless it is target, or a Cancel). */
static void add_chain(cJSON *refs, const crier_alert *found, const char *target)
{
    if (strcmp(found->identifier, target) != 0 && found->msg_type != CRIER_ALERT_MSG_CANCEL)
        add_ref(refs, found->sender, found->identifier);
    for (size_t r = 0; r < found->ref_count && cJSON_GetArraySize(refs) < CRIER_ALERT_MAX_REFS; r++)
        if (strcmp(found->refs[r].identifier, target) != 0)
            add_ref(refs, found->refs[r].sender, found->refs[r].identifier);
}

/* ---- receipts -------------------------------------------------------------------- */

typedef struct wait_state {
    const char *identifier, *sender;
    char own_filter[CRIER_TOPIC_MAX], thread_filter[CRIER_TOPIC_MAX];
    char own_tid[CRIER_NAME_MAX + 1], thread_tid[CRIER_NAME_MAX + 1];
    int want;
    size_t first_msg; /* messages before this were retained status etc. */
    int answered;
} wait_state;

/* Is m a receipt for our message?  Fills *j (caller deletes). */
static int is_our_receipt(const wait_state *w, const ctl_msg *m, cJSON **j)
{
    crier_topic t;
    *j = NULL;
    if (crier_topic_parse(m->topic, &t) != CRIER_OK || t.kind != CRIER_TOPIC_RECEIPT)
        return 0;
    if (strcmp(t.name, w->own_tid) != 0 && strcmp(t.name, w->thread_tid) != 0)
        return 0;
    cJSON *r = cJSON_ParseWithLength(m->payload, m->len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "identifier");
    const cJSON *snd = cJSON_GetObjectItemCaseSensitive(r, "sender");
    /* a receipt without identifier: the kiosk could not read the message
     * (bad signature, unknown key...): on our topics after we sent, it is ours */
    if (!cJSON_IsObject(r) || (cJSON_IsString(id) && (strcmp(id->valuestring, w->identifier) != 0 ||
                                                     (cJSON_IsString(snd) && strcmp(snd->valuestring, w->sender) != 0)))) {
        cJSON_Delete(r);
        return 0;
    }
    *j = r;
    return 1;
}

static int listed(char names[][CRIER_NAME_MAX + 1], int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (strcmp(names[k], name) == 0)
            return 1;
    return 0;
}

/* Message i when it is our receipt and the first from its kiosk: the kiosk is
 * added to seen[*nseen] (at most MAX_KIOSKS) and the receipt returned (the
 * caller deletes it); else NULL. */
static cJSON *first_receipt(ctl_client *c, const wait_state *w, size_t i, char seen[][CRIER_NAME_MAX + 1], int *nseen)
{
    cJSON *j;
    const ctl_msg *m = ctl_msg_at(c, i);
    if (!is_our_receipt(w, m, &j))
        return NULL;
    crier_topic t;
    crier_topic_parse(m->topic, &t);
    if (listed(seen, *nseen, t.target) || *nseen >= MAX_KIOSKS) {
        cJSON_Delete(j);
        return NULL;
    }
    snprintf(seen[(*nseen)++], CRIER_NAME_MAX + 1, "%s", t.target);
    return j;
}

static int wait_done(ctl_client *c, void *ud)
{
    wait_state *w = ud;
    static char kiosks[MAX_KIOSKS][CRIER_NAME_MAX + 1];
    w->answered = 0;
    for (size_t i = w->first_msg; i < ctl_msg_count(c); i++)
        cJSON_Delete(first_receipt(c, w, i, kiosks, &w->answered));
    return w->answered >= w->want;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Prints the per-kiosk table and the summary; returns the exit code. */
static int report_receipts(ctl_client *c, wait_state *w, int64_t send_ms, const scope_arg *sc, int timeout_s)
{
    static char seen[MAX_KIOSKS][CRIER_NAME_MAX + 1];
    int64_t *lat = calloc(MAX_KIOSKS, sizeof *lat);
    int nseen = 0, nlat = 0, rejected = 0;
    if (!lat)
        return CTL_EXIT_FAILED;
    printf("%-16s %-9s %10s %10s  %s\n", "KIOSK", "VERDICT", "RECEIVED", "ON-SCREEN", "ISSUER / REASON");
    for (size_t i = w->first_msg; i < ctl_msg_count(c); i++) {
        cJSON *j = first_receipt(c, w, i, seen, &nseen);
        if (!j)
            continue;
        const char *kiosk = seen[nseen - 1], *verdict = ctl_json_str(j, "verdict", "?");
        double rec = ctl_json_num(j, "received_ms", -1), pres = ctl_json_num(j, "presented_ms", -1);
        char rbuf[24] = "-", pbuf[24] = "-";
        if (rec >= 0)
            snprintf(rbuf, sizeof rbuf, "%lld ms", (long long)(rec - (double)send_ms));
        if (pres >= 0) {
            snprintf(pbuf, sizeof pbuf, "%lld ms", (long long)(pres - (double)send_ms));
            lat[nlat++] = (int64_t)(pres - (double)send_ms);
        }
        if (strcmp(verdict, "rejected") == 0)
            rejected++;
        printf("%-16s %-9s %10s %10s  %s%s%s\n", kiosk, verdict, rbuf, pbuf, ctl_json_str(j, "issuer", "-"),
               cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "reason")) ? ": " : "",
               ctl_json_str(j, "reason", ""));
        cJSON_Delete(j);
    }
    /* kiosks that should have answered: online ones in the scope (retained status) */
    char missing[4096] = "";
    size_t mlen = 0;
    int nmissing = 0;
    for (size_t i = 0; i < w->first_msg; i++) {
        const ctl_msg *m = ctl_msg_at(c, i);
        crier_topic t;
        if (crier_topic_parse(m->topic, &t) != CRIER_OK || t.kind != CRIER_TOPIC_STATUS)
            continue;
        cJSON *j = cJSON_ParseWithLength(m->payload, m->len);
        int online = strcmp(ctl_json_str(j, "state", ""), "online") == 0;
        const char *site = ctl_json_str(j, "site", "");
        int in_scope = sc->scope == CRIER_SCOPE_ALL || (sc->scope == CRIER_SCOPE_SITE && strcmp(site, sc->target) == 0) ||
                       (sc->scope == CRIER_SCOPE_KIOSK && strcmp(t.target, sc->target) == 0);
        cJSON_Delete(j);
        if (!online || !in_scope)
            continue;
        if (!listed(seen, nseen, t.target)) {
            nmissing++;
            if (mlen + strlen(t.target) + 3 < sizeof missing)
                mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, "%s%s", mlen ? ", " : "", t.target);
        }
    }
    qsort(lat, (size_t)nlat, sizeof *lat, cmp_i64);
    printf("\n%d receipt(s) (%d rejected) of %d wanted", nseen, rejected, w->want);
    if (nlat)
        printf("; send to screen: p50 %lld ms, max %lld ms over %d kiosk(s)", (long long)lat[(nlat - 1) / 2],
               (long long)lat[nlat - 1], nlat);
    printf("\nno answer: %s\n", nmissing ? missing : "-");
    free(lat);
    if (rejected) {
        fprintf(stderr, "crierctl: %d kiosk(s) rejected the alert (see REASON)\n", rejected);
        return CTL_EXIT_FAILED;
    }
    if (nseen < w->want) {
        fprintf(stderr, "crierctl: only %d of %d kiosk(s) answered within %d s\n", nseen, w->want, timeout_s);
        return CTL_EXIT_TIMEOUT;
    }
    return CTL_EXIT_OK;
}

/* ---- the three commands -------------------------------------------------------------- */

static const char *scope_text(const scope_arg *sc, char *buf, size_t len)
{
    if (sc->scope == CRIER_SCOPE_ALL)
        snprintf(buf, len, "all");
    else
        snprintf(buf, len, "%s:%s", crier_scope_name(sc->scope), sc->target);
    return buf;
}

static int alert_scope_to_arg(const crier_alert *a, scope_arg *sc)
{
    sc->given = 1;
    sc->scope = a->scope == CRIER_ALERT_SCOPE_ALL ? CRIER_SCOPE_ALL
                : a->scope == CRIER_ALERT_SCOPE_SITE ? CRIER_SCOPE_SITE
                                                     : CRIER_SCOPE_KIOSK;
    sc->target = a->scope_target;
    return 0;
}

/* kind: 0 alert, 1 update, 2 cancel */
static int send_alert(const ctl_opts *o, alert_args *args, int kind, const char *cmd)
{
    alert_args a = *args; /* the blocks are ours from here on */
    args->blocks = NULL;
    crier_key key;
    int have_key = 0, rc;
    int64_t now = crier_wall_ms();
    char sender[CRIER_ALERT_MAX_ID + 1], identifier[CRIER_ALERT_MAX_ID + 1], sent[40], scope_buf[160], why[300];
    char topic[CRIER_TOPIC_MAX], thread_tid[CRIER_NAME_MAX + 1];
    cJSON *root = NULL;
    char *json = NULL, *envelope = NULL;
    crier_alert *check = NULL, *cap = NULL;
    found_alert found = {0};
    ctl_client *c = NULL;
    ctl_opts local = *o;
    wait_state w = {0};

    rc = CTL_EXIT_FAILED;
    if (!a.blocks && !(a.blocks = cJSON_CreateArray()))
        goto cleanup;
    if (!a.timeout_s)
        a.timeout_s = o->timeout_s;
    rc = CTL_EXIT_USAGE;
    if (kind != 0 && !a.target_id) {
        fprintf(stderr, "crierctl %s: give the identifier of the alert (as printed by 'crierctl alert')\n", cmd);
        goto cleanup;
    }
    if (a.cap_file && (cJSON_GetArraySize(a.blocks) || a.info_file)) {
        fprintf(stderr, "crierctl alert: --from-cap takes the content from the file; give no info options\n");
        goto cleanup;
    }
    if (kind != 2 && !a.cap_file && finish_blocks(cmd, &a) != CTL_EXIT_OK)
        goto cleanup;
    if (ctl_scope_from_config(o, &a.sc) != 0)
        goto cleanup;
    if (ctl_load_signing_key(o, a.key_path, &key) != 0)
        goto cleanup;
    have_key = 1;
    local.timeout_s = a.timeout_s;
    default_sender(o, &a, &key, sender, sizeof sender);

    if (a.cap_file) { /* CAP 1.2 XML: content, identifier, sender and sent from the file */
        char *xml = ctl_read_text_file(a.cap_file, CRIER_CAP_MAX_BYTES);
        if (!xml)
            goto cleanup;
        crier_err e = crier_cap_parse(xml, strlen(xml), &cap, why, sizeof why);
        free(xml);
        if (e != CRIER_OK) {
            fprintf(stderr, "crierctl alert: %s is not a usable CAP alert: %s\n", a.cap_file, why);
            goto cleanup;
        }
        cap->seq = now;
        cap->scope = a.sc.scope == CRIER_SCOPE_ALL ? CRIER_ALERT_SCOPE_ALL
                     : a.sc.scope == CRIER_SCOPE_SITE ? CRIER_ALERT_SCOPE_SITE
                                                      : CRIER_ALERT_SCOPE_KIOSK;
        free(cap->scope_target);
        cap->scope_target = a.sc.target ? crier_strdup(a.sc.target) : NULL;
        size_t jl = 0;
        if (crier_alert_to_json(cap, 0, &json, &jl) != CRIER_OK) {
            rc = CTL_EXIT_FAILED;
            goto cleanup;
        }
        snprintf(identifier, sizeof identifier, "%s", cap->identifier);
        snprintf(sender, sizeof sender, "%s", cap->sender);
    } else {
        if (a.id)
            snprintf(identifier, sizeof identifier, "%s", a.id);
        else
            ctl_make_id(kind == 0 ? "a" : kind == 1 ? "u" : "c", now, 8, identifier, sizeof identifier);
        crier_format_utc_ms(now, sent, sizeof sent);
        root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "type", "alert");
        cJSON_AddNumberToObject(root, "v", 1);
        cJSON_AddStringToObject(root, "identifier", identifier);
        cJSON_AddStringToObject(root, "sender", sender);
        cJSON_AddStringToObject(root, "sent", sent);
        cJSON_AddNumberToObject(root, "seq", (double)now);
        cJSON_AddStringToObject(root, "status", a.status ? a.status : "Actual");
        cJSON_AddStringToObject(root, "msgType", kind == 0 ? "Alert" : kind == 1 ? "Update" : "Cancel");
        if (a.note)
            cJSON_AddStringToObject(root, "note", a.note);
    }

    /* Update / Cancel: find what they replace (its topic and its references) */
    if ((rc = ctl_connect(&local, &c)) != CTL_EXIT_OK)
        goto cleanup;
    int thread_scope_given = a.sc.given;
    if (kind != 0) {
        const char *ref_sender = a.ref_sender;
        int f = find_alert(c, &local, a.target_id, ref_sender, &found);
        if (f != CTL_EXIT_OK && f != CTL_EXIT_NOTFOUND) {
            rc = f;
            goto cleanup;
        }
        cJSON *refs = cJSON_AddArrayToObject(root, "references");
        const char *rs = target_sender(found.alert, a.target_id, ref_sender ? ref_sender : sender);
        add_ref(refs, rs, a.target_id);
        if (found.alert) {
            add_chain(refs, found.alert, a.target_id);
            crier_topic t;
            crier_topic_parse(found.topic, &t);
            snprintf(thread_tid, sizeof thread_tid, "%s", t.name);
            if (!thread_scope_given)
                alert_scope_to_arg(found.alert, &a.sc);
            if (found.alert->msg_type == CRIER_ALERT_MSG_CANCEL)
                fprintf(stderr, "crierctl %s: note: alert '%s' was already cancelled\n", cmd, a.target_id);
        } else if (!thread_scope_given) {
            fprintf(stderr, "crierctl %s: no alert '%s' on the broker; give --all, --site or --kiosk to send "
                            "the %s anyway\n", cmd, a.target_id, kind == 1 ? "Update" : "Cancel");
            rc = CTL_EXIT_NOTFOUND;
            goto cleanup;
        } else {
            crier_alert_topic_id(rs, a.target_id, thread_tid, sizeof thread_tid);
        }
    }
    if (root) {
        cJSON_AddStringToObject(root, "scope", scope_text(&a.sc, scope_buf, sizeof scope_buf));
        if (kind != 2) {
            cJSON_AddItemToObject(root, "info", a.blocks);
            a.blocks = NULL;
        }
        json = cJSON_PrintUnformatted(root);
        if (!json) {
            rc = CTL_EXIT_FAILED;
            goto cleanup;
        }
    }
    /* the kiosks' own parser: mistakes are reported here, not by every screen */
    rc = CTL_EXIT_USAGE;
    if (crier_alert_parse(json, strlen(json), &check, why, sizeof why) != CRIER_OK) {
        fprintf(stderr, "crierctl %s: kiosks would reject this alert: %s\n", cmd, why);
        goto cleanup;
    }
    if (check->msg_type == CRIER_ALERT_MSG_ALERT || kind == 0)
        crier_alert_topic_id(check->sender, check->identifier, thread_tid, sizeof thread_tid);
    if (cap && check->ref_count && !found.alert) /* a CAP Update/Cancel: the topic of what it references */
        crier_alert_topic_id(check->refs[0].sender, check->refs[0].identifier, thread_tid, sizeof thread_tid);
    if (crier_topic_alert(topic, sizeof topic, a.sc.scope, a.sc.target, thread_tid) != CRIER_OK) {
        fprintf(stderr, "crierctl %s: bad scope\n", cmd);
        goto cleanup;
    }
    if (!(envelope = ctl_seal(&key, json, strlen(json)))) {
        rc = CTL_EXIT_FAILED;
        goto cleanup;
    }
    /* how long the broker keeps the retained message */
    int64_t expiry = check->msg_type == CRIER_ALERT_MSG_CANCEL
                         ? (found.alert && found.alert->msg_type != CRIER_ALERT_MSG_CANCEL
                                ? crier_alert_expiry(found.alert, DEFAULT_TTL_MS)
                                : now + 7 * 86400000LL)
                         : crier_alert_expiry(check, DEFAULT_TTL_MS);
    uint32_t expiry_s = crier_alert_retain_expiry_s(expiry, now);

    if (a.wait_n) { /* subscribe to receipts (and kiosk status) before sending */
        w.identifier = check->identifier;
        w.sender = check->sender;
        w.want = a.wait_n;
        crier_alert_topic_id(check->sender, check->identifier, w.own_tid, sizeof w.own_tid);
        snprintf(w.thread_tid, sizeof w.thread_tid, "%s", thread_tid);
        snprintf(w.own_filter, sizeof w.own_filter, CRIER_TOPIC_PREFIX "/kiosk/+/receipt/%s", w.own_tid);
        snprintf(w.thread_filter, sizeof w.thread_filter, CRIER_TOPIC_PREFIX "/kiosk/+/receipt/%s", w.thread_tid);
        const char *filters[3] = {CRIER_TOPIC_PREFIX "/kiosk/+/status", w.own_filter, w.thread_filter};
        rc = ctl_read_retained(c, filters, strcmp(w.own_tid, w.thread_tid) ? 3 : 2, local.timeout_s);
        if (rc != CTL_EXIT_OK)
            goto cleanup;
        w.first_msg = ctl_msg_count(c);
    }
    int64_t send_ms = crier_wall_ms();
    if ((rc = ctl_publish_ex(c, topic, envelope, strlen(envelope), 1, expiry_s)) != CTL_EXIT_OK)
        goto cleanup;
    if (o->verbose)
        fprintf(stderr, "crierctl: published %s %s (%zu bytes, signed by key %s \"%s\", retained %us)\n",
                crier_alert_msgtype_name(check->msg_type), topic, strlen(envelope), key.id, key.issuer, expiry_s);
    printf("%s\n", check->identifier);
    fflush(stdout);
    rc = CTL_EXIT_OK;
    if (a.wait_n) {
        int64_t left = local.timeout_s * 1000LL - (crier_wall_ms() - send_ms);
        rc = ctl_collect(c, 0, left > 0 ? (int)left : 1, wait_done, &w);
        if (rc == CTL_EXIT_OK)
            rc = report_receipts(c, &w, send_ms, &a.sc, local.timeout_s);
    }
cleanup:
    ctl_close(c);
    if (have_key)
        crier_key_wipe(&key);
    crier_alert_free(found.alert);
    crier_alert_free(check);
    crier_alert_free(cap);
    cJSON_Delete(root);
    cJSON_Delete(a.blocks);
    free(json);
    free(envelope);
    return rc;
}

static int run_alert(const ctl_opts *o, void *args)
{
    return send_alert(o, args, 0, "alert");
}

static int run_update(const ctl_opts *o, void *args)
{
    return send_alert(o, args, 1, "update");
}

static int run_cancel(const ctl_opts *o, void *args)
{
    return send_alert(o, args, 2, "cancel");
}

/* The info options of alert and update. */
#define INFO_OPTS                                                                                               \
    CTL_CALL("--event", "TEXT", info_opt, "what happens (required)"),                                        \
    CTL_CALL("--severity", "S", info_opt, "Extreme|Severe|Moderate|Minor|Unknown (required)"),                \
    CTL_CALL("--headline", "TEXT", info_opt, "the line on screen (required)"),                                \
    CTL_CALL("--description", "TEXT", info_opt, "more text"),                                                 \
    CTL_CALL("--instruction", "TEXT", info_opt, "what to do"),                                                \
    CTL_CALL("--area", "TEXT", info_opt, "where"),                                                            \
    CTL_CALL("--urgency", "U", info_opt, "Immediate|Expected|Future|Past|Unknown (default Immediate)"),       \
    CTL_CALL("--certainty", "C", info_opt, "Observed|Likely|Possible|Unlikely|Unknown (default Observed)"),  \
    CTL_CALL("--expires", "TIME", info_opt, "when it ends"),                                                  \
    CTL_CALL("--effective", "TIME", info_opt, "when it takes effect"),                                        \
    CTL_CALL("--onset", "TIME", info_opt, "when the event begins"),                                           \
    CTL_CALL("--web", "URL", info_opt, "more information"),                                                   \
    CTL_CALL("--sender-name", "TEXT", info_opt, "the sender's name as shown"),                                \
    CTL_CALL("--lang", "TAG", info_opt, "start a new info block in that language"),                          \
    CTL_STR(alert_args, "--info-file", "FILE.json", info_file, "info blocks in the wire format")
/* What every signed command takes. */
#define SIGNED_OPTS                                                                                             \
    CTL_SCOPES(alert_args, sc), CTL_STR(alert_args, "--status", "STATUS", status, "Actual (default), Exercise, Test"), \
    CTL_STR(alert_args, "--id", "ID", id, "the identifier (default a-/u-/c-DATE-TIME-RANDOM)"),              \
    CTL_STR(alert_args, "--sender", "S", sender, "the CAP sender (default: the config's, else the key's issuer)"), \
    CTL_STR(alert_args, "--note", "TEXT", note, "a note for the record"),                                     \
    CTL_STR(alert_args, "--key", "FILE", key_path, "sign with this secret key"),                               \
    CTL_INT(alert_args, "--wait", "N", wait_n, 1, MAX_KIOSKS, "1..4096 kiosks", "wait for N kiosks' receipts"), \
    CTL_TIMEOUT(alert_args, timeout_s)

static const ctl_opt alert_opts[] = {
    INFO_OPTS,
    CTL_STR(alert_args, "--from-cap", "FILE.xml", cap_file, "content, identifier and sender from a CAP file"),
    SIGNED_OPTS,
    CTL_END,
};

static const ctl_opt update_opts[] = {
    INFO_OPTS,
    SIGNED_OPTS,
    CTL_STR(alert_args, "--ref-sender", "S", ref_sender, "the sender of ID when it is not yours"),
    CTL_END,
};

static const ctl_opt cancel_opts[] = {
    SIGNED_OPTS,
    CTL_STR(alert_args, "--ref-sender", "S", ref_sender, "the sender of ID when it is not yours"),
    CTL_END,
};

const ctl_command ctl_cmd_alert = {
    .name = "alert",
    .summary = "send a signed emergency alert",
    .args_size = sizeof(alert_args),
    .opts = alert_opts,
    .run = run_alert,
    .done = alert_args_done,
    .more_usage = "       crierctl alert --from-cap FILE.xml [--all | --site SITE | --kiosk KIOSK] [--key FILE] [--wait N]\n",
    .about = "The info options make one info block; --lang TAG starts a new info block in that\n"
             "language; a block inherits event, severity, urgency, certainty, times, area and web\n"
             "from the first one.  --info-file: a JSON array of info blocks in the wire format\n"
             "(docs/alerts.md).  TIME: RFC 3339 or +30m, +2h, +3d.\n"
             "The alert is signed with --key FILE (else the config's signing_key), checked with\n"
             "the kiosks' own rules, and published retained.  Prints its identifier.\n"
             "--wait N: wait (up to --timeout) for N kiosks' receipts and print, per kiosk, the\n"
             "time from send to screen, then count, p50, max and the kiosks that did not answer.\n",
};

const ctl_command ctl_cmd_update = {
    .name = "update",
    .summary = "replace a sent alert with new content",
    .operand = "ID",
    .operand_off = offsetof(alert_args, target_id),
    .args_size = sizeof(alert_args),
    .opts = update_opts,
    .run = run_update,
    .done = alert_args_done,
    .about = "Sends a signed Update that replaces alert ID (and everything ID replaced) on every\n"
             "screen, on ID's retained topic.  Without a scope the alert is looked up on the\n"
             "broker (exit 6 if it is not there).  Prints the Update's own identifier.\n",
};

const ctl_command ctl_cmd_cancel = {
    .name = "cancel",
    .summary = "withdraw a sent alert from every screen",
    .operand = "ID",
    .operand_off = offsetof(alert_args, target_id),
    .args_size = sizeof(alert_args),
    .opts = cancel_opts,
    .run = run_cancel,
    .done = alert_args_done,
    .about = "Sends a signed Cancel for alert ID on its retained topic: screens drop it now,\n"
             "screens that are off get the Cancel when they reconnect.  Without a scope the\n"
             "alert is looked up on the broker (exit 6 if it is not there).\n",
};
