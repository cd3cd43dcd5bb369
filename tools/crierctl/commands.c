/* commands.c - crierctl's commands (see docs/crierctl.md).
 *
 * Every command parses its own arguments, connects with ctl_connect(), does
 * its publish/subscribe exchange and returns an exit code.  Posts are built
 * as JSON and checked with crier_post_parse() - the kiosks' own validator -
 * before they leave, so staff get "field 'until' ..." here rather than a
 * rejection receipt from every screen. */
#include "crierctl.h"
#include "base/atomicfile.h"

#include "content/content.h"
#include "remote/protocol.h"
#include "remote/sign.h"
#include "base/timeutil.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------ */

int ctl_scope_from_config(const ctl_opts *o, scope_arg *s)
{
    const char *d = o->default_scope;
    if (s->given || !d || strcmp(d, "all") == 0) {
        if (!s->given)
            s->scope = CRIER_SCOPE_ALL;
        return 0;
    }
    if (strncmp(d, "site:", 5) == 0 && crier_name_valid(d + 5)) {
        s->scope = CRIER_SCOPE_SITE;
        s->target = d + 5;
    } else if (strncmp(d, "kiosk:", 6) == 0 && crier_name_valid(d + 6)) {
        s->scope = CRIER_SCOPE_KIOSK;
        s->target = d + 6;
    } else {
        fprintf(stderr, "crierctl: config 'scope = %s': want all, site:NAME or kiosk:NAME\n", d);
        return -1;
    }
    return 0;
}

/* RFC 3339 or "+N[smhd]" relative to now. */
int ctl_parse_when(const char *s, int64_t now, int64_t *out)
{
    if (s[0] == '+') {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(s + 1, &end, 10);
        if (end == s + 1 || errno || n < 0 || n > 100000 || end[0] == '\0' || end[1] != '\0')
            return -1;
        int64_t unit = end[0] == 's' ? 1000 : end[0] == 'm' ? 60000 : end[0] == 'h' ? 3600000 : end[0] == 'd' ? 86400000 : 0;
        if (!unit)
            return -1;
        *out = now + n * unit;
        return 0;
    }
    return crier_parse_iso8601(s, out);
}

int ctl_time_option(const char *cmd, const char *opt, const char *value, int64_t now, char *out, size_t len)
{
    int64_t t;
    if (ctl_parse_when(value, now, &t) != 0) {
        fprintf(stderr, "crierctl %s: %s '%s' is not a time (RFC 3339 or +30m/+2h/+3d)\n", cmd, opt, value);
        return CTL_EXIT_USAGE;
    }
    crier_format_utc_ms(t, out, len);
    return CTL_EXIT_OK;
}

char *ctl_read_text_file(const char *path, size_t max)
{
    char *buf = NULL;
    size_t n = 0;
    crier_err rc = crier_atomicfile_read_stream(path, max, &buf, &n);
    if (rc == CRIER_ERR_LIMIT)
        fprintf(stderr, "crierctl: %s is larger than %zu bytes\n", path, max);
    else if (rc != CRIER_OK)
        fprintf(stderr, "crierctl: cannot read %s: %s\n", path,
                rc == CRIER_ERR_NOTFOUND ? "no such file" : rc == CRIER_ERR_IO ? "not a readable file" : crier_strerror(rc));
    return rc == CRIER_OK ? buf : NULL;
}

void ctl_make_id(const char *prefix, int64_t now, int nhex, char *out, size_t len)
{
    char stamp[40], hex[16];
    crier_format_utc_ms(now, stamp, sizeof stamp); /* 2026-11-26T03:00:00.123Z */
    ctl_random_hex(hex, sizeof hex);
    snprintf(out, len, "%s-%.4s%.2s%.2s-%.2s%.2s%.2s-%.*s", prefix, stamp, stamp + 5, stamp + 8, stamp + 11,
             stamp + 14, stamp + 17, nhex, hex);
}

const char *ctl_json_str(const cJSON *o, const char *k, const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : dflt;
}

double ctl_json_num(const cJSON *o, const char *k, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* o as one line on stdout (--json output). */
static void print_json_line(const cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    if (s)
        printf("%s\n", s);
    free(s);
}

/* Connects and reads what the broker holds for the filters.  CTL_EXIT_OK with
 * *c connected, else an exit code after printing why (*c NULL). */
static int connect_and_read(const ctl_opts *o, const char *const *filters, int n, ctl_client **c)
{
    int rc = ctl_connect(o, c);
    if (rc == CTL_EXIT_OK)
        rc = ctl_read_retained(*c, filters, n, o->timeout_s);
    if (rc != CTL_EXIT_OK) {
        ctl_close(*c);
        *c = NULL;
    }
    return rc;
}

/* ---- post ------------------------------------------------------------------ */

typedef struct post_args {
    scope_arg sc;
    const char *title, *body, *body_file, *from, *until, *image, *link, *priority, *duration, *lang, *id, *key_path;
} post_args;

/* The post's time field from its TIME option. */
static int add_time(cJSON *p, const char *field, const char *opt, const char *value, int64_t now)
{
    char when[40];
    int rc = ctl_time_option("post", opt, value, now, when, sizeof when);
    if (rc == CTL_EXIT_OK)
        cJSON_AddStringToObject(p, field, when);
    return rc;
}

static int run_post(const ctl_opts *o, void *args)
{
    post_args *a = args;
    scope_arg sc = a->sc;
    const char *title = a->title, *body = a->body, *body_file = a->body_file, *from = a->from, *until = a->until,
               *image = a->image, *link = a->link, *priority = a->priority, *duration = a->duration, *lang = a->lang,
               *id = a->id, *key_path = a->key_path;
    if (!title) {
        fprintf(stderr, "crierctl post: --title is required (see crierctl post --help)\n");
        return CTL_EXIT_USAGE;
    }
    if (body && body_file) {
        fprintf(stderr, "crierctl post: give --body or --body-file, not both\n");
        return CTL_EXIT_USAGE;
    }
    if (ctl_scope_from_config(o, &sc) != 0)
        return CTL_EXIT_USAGE;

    int rc = CTL_EXIT_USAGE;
    int64_t now = crier_wall_ms();
    char idbuf[CRIER_NAME_MAX + 1], topic[CRIER_TOPIC_MAX], err[256];
    char *body_text = NULL, *json = NULL, *envelope = NULL;
    crier_key key;
    int have_key = 0;
    ctl_client *c = NULL;
    crier_item check = {0};
    cJSON *p = cJSON_CreateObject();
    if (!p)
        return CTL_EXIT_FAILED;
    if (id) {
        if (!crier_name_valid(id)) {
            fprintf(stderr, "crierctl post: --id must be letters, digits, '_', '.', '-' (1..64)\n");
            goto cleanup;
        }
        snprintf(idbuf, sizeof idbuf, "%s", id);
    } else {
        ctl_make_id("p", now, 4, idbuf, sizeof idbuf);
    }
    if (body_file && !(body_text = ctl_read_text_file(body_file, CRIER_POST_MAX_BODY)))
        goto cleanup;
    cJSON_AddStringToObject(p, "id", idbuf);
    cJSON_AddStringToObject(p, "title", title);
    if (body || body_text)
        cJSON_AddStringToObject(p, "body", body ? body : body_text);
    if (image)
        cJSON_AddStringToObject(p, "image", image);
    if (link)
        cJSON_AddStringToObject(p, "link", link);
    if (from && add_time(p, "valid_from", "--from", from, now) != CTL_EXIT_OK)
        goto cleanup;
    if (until && add_time(p, "valid_until", "--until", until, now) != CTL_EXIT_OK)
        goto cleanup;
    if (priority) {
        char *end;
        long v = strtol(priority, &end, 10);
        if (*end || end == priority) {
            fprintf(stderr, "crierctl post: --priority must be an integer\n");
            goto cleanup;
        }
        cJSON_AddNumberToObject(p, "priority", (double)v);
    }
    if (duration) {
        char *end;
        double v = strtod(duration, &end);
        if (*end || end == duration) {
            fprintf(stderr, "crierctl post: --duration must be a number of seconds\n");
            goto cleanup;
        }
        cJSON_AddNumberToObject(p, "duration_s", v);
    }
    if (lang) {
        cJSON *arr = cJSON_AddArrayToObject(p, "languages");
        char *copy = crier_strdup(lang), *save = NULL;
        for (char *tok = copy ? strtok_r(copy, ", ", &save) : NULL; tok; tok = strtok_r(NULL, ", ", &save))
            cJSON_AddItemToArray(arr, cJSON_CreateString(tok));
        free(copy);
    }
    cJSON_AddNumberToObject(p, "sent", (double)now);
    json = cJSON_PrintUnformatted(p);
    if (!json) {
        rc = CTL_EXIT_FAILED;
        goto cleanup;
    }
    if (crier_post_parse(json, strlen(json), idbuf, "crierctl", now, &check, err, sizeof err) != CRIER_OK) {
        fprintf(stderr, "crierctl post: kiosks would reject this post: %s\n", err);
        goto cleanup;
    }
    if (crier_topic_post(topic, sizeof topic, sc.scope, sc.target, idbuf) != CRIER_OK) {
        fprintf(stderr, "crierctl post: bad scope\n");
        goto cleanup;
    }
    /* signed when a key is configured (docs/protocol.md "Signed posts") */
    if (key_path || o->signing_key) {
        if (ctl_load_signing_key(o, key_path, &key) != 0)
            goto cleanup;
        have_key = 1;
        if (!(envelope = ctl_seal(&key, json, strlen(json)))) {
            rc = CTL_EXIT_FAILED;
            goto cleanup;
        }
    }
    if ((rc = ctl_connect(o, &c)) != CTL_EXIT_OK)
        goto cleanup;
    if ((rc = envelope ? ctl_publish(c, topic, envelope, strlen(envelope), 1) : ctl_publish(c, topic, json, strlen(json), 1)) !=
        CTL_EXIT_OK)
        goto cleanup;
    if (o->verbose)
        fprintf(stderr, "crierctl: published %s\n", topic);
    printf("%s\n", idbuf);
    rc = CTL_EXIT_OK;
cleanup:
    ctl_close(c);
    if (have_key)
        crier_key_wipe(&key);
    free(envelope);
    crier_item_clear(&check);
    free(json);
    free(body_text);
    cJSON_Delete(p);
    return rc;
}

static const ctl_opt post_opts[] = {
    CTL_REQUIRED(post_args, "--title", "TEXT", title, "the headline (at most 300 bytes)"),
    CTL_STR(post_args, "--body", "TEXT", body, "the text under it"),
    CTL_STR(post_args, "--body-file", "FILE", body_file, "the text from a file"),
    CTL_SCOPES(post_args, sc),
    CTL_STR(post_args, "--from", "TIME", from, "shown from TIME on"),
    CTL_STR(post_args, "--until", "TIME", until, "shown until TIME"),
    CTL_STR(post_args, "--image", "URL", image, "an image (http:// or https://)"),
    CTL_STR(post_args, "--link", "URL", link, "a link, shown as a QR code"),
    CTL_STR(post_args, "--priority", "N", priority, "-100..100, higher first"),
    CTL_STR(post_args, "--duration", "SECONDS", duration, "time on screen per turn, 1..3600"),
    CTL_STR(post_args, "--lang", "de,en", lang, "languages (at most 8)"),
    CTL_STR(post_args, "--id", "ID", id, "the post id (default p-DATE-TIME-RANDOM)"),
    CTL_STR(post_args, "--key", "FILE", key_path, "sign with this secret key"),
    CTL_END,
};

const ctl_command ctl_cmd_post = {
    .name = "post",
    .summary = "publish a post to all screens, one site or one kiosk (prints its id)",
    .args_size = sizeof(post_args),
    .opts = post_opts,
    .run = run_post,
    .about = "Publishes a retained post; every screen in the scope shows it now and any screen\n"
             "that boots later gets it too.  Prints the post id (use it with 'retract').\n"
             "Scope defaults to the config file's 'scope' (else --all).\n"
             "TIME is RFC 3339 (2026-12-24T18:00:00+01:00, 2026-12-24) or relative: +30m, +2h, +3d.\n"
             "Priority -100..100 (higher first), duration 1..3600 s, at most 8 languages.\n"
             "The post is checked with the kiosks' own rules before it is sent.  With a signing\n"
             "key (--key FILE or the config's signing_key) it travels signed (Ed25519).\n",
};

/* ---- list / retract --------------------------------------------------------- */

static int is_tombstone_msg(const ctl_msg *m);

static int post_filters(const scope_arg *sc, const char *id, char f[3][CRIER_TOPIC_MAX], const char *ptr[3])
{
    const char *leaf = id ? id : "+";
    int n = 0;
    if (sc->given && sc->target) {
        snprintf(f[0], CRIER_TOPIC_MAX, CRIER_TOPIC_PREFIX "/%s/%s/post/%s", crier_scope_name(sc->scope),
                 sc->target, leaf);
        n = 1;
    } else if (sc->given) {
        snprintf(f[0], CRIER_TOPIC_MAX, CRIER_TOPIC_PREFIX "/all/post/%s", leaf);
        n = 1;
    } else {
        snprintf(f[0], CRIER_TOPIC_MAX, CRIER_TOPIC_PREFIX "/all/post/%s", leaf);
        snprintf(f[1], CRIER_TOPIC_MAX, CRIER_TOPIC_PREFIX "/site/+/post/%s", leaf);
        snprintf(f[2], CRIER_TOPIC_MAX, CRIER_TOPIC_PREFIX "/kiosk/+/post/%s", leaf);
        n = 3;
    }
    for (int i = 0; i < n; i++)
        ptr[i] = f[i];
    return n;
}

static int by_topic(const void *a, const void *b)
{
    const ctl_msg *const *x = a, *const *y = b;
    return strcmp((*x)->topic, (*y)->topic);
}

/* The post in a retained message, signed (the envelope's payload, peeked, not
 * verified) or not; NULL when it is not JSON.  *is_signed and *kid (the key
 * id, malloc()ed) may be NULL. */
static cJSON *post_json(const ctl_msg *m, int *is_signed, char **kid)
{
    char *inner = NULL;
    size_t n = 0;
    int env = crier_payload_is_envelope(m->payload, m->len) &&
              crier_envelope_peek(m->payload, m->len, &inner, &n, kid) == CRIER_OK;
    cJSON *j = env ? cJSON_ParseWithLength(inner, n) : cJSON_ParseWithLength(m->payload, m->len);
    free(inner);
    if (is_signed)
        *is_signed = env;
    return j;
}

typedef struct list_args {
    scope_arg sc;
    int json;
} list_args;

static int run_list(const ctl_opts *o, void *args)
{
    const list_args *a = args;
    scope_arg sc = a->sc;
    int as_json = a->json;
    char f[3][CRIER_TOPIC_MAX];
    const char *fp[3];
    int nf = post_filters(&sc, NULL, f, fp);
    ctl_client *c = NULL;
    int rc = connect_and_read(o, fp, nf, &c);
    if (rc != CTL_EXIT_OK)
        return rc;
    size_t n = ctl_msg_count(c), k = 0;
    const ctl_msg **v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++) {
        const ctl_msg *m = ctl_msg_at(c, i);
        if (m->len > 0 && !is_tombstone_msg(m))
            v[k++] = m;
    }
    if (v)
        qsort(v, k, sizeof *v, by_topic);
    if (!as_json)
        printf("%-16s %-28s %-20s %s\n", "SCOPE", "ID", "UNTIL", "TITLE");
    for (size_t i = 0; v && i < k; i++) {
        crier_topic t;
        if (crier_topic_parse(v[i]->topic, &t) != CRIER_OK)
            continue;
        char *kid = NULL;
        int signed_post;
        cJSON *j = post_json(v[i], &signed_post, &kid);
        const cJSON *title = cJSON_GetObjectItemCaseSensitive(j, "title");
        const cJSON *until = cJSON_GetObjectItemCaseSensitive(j, "valid_until");
        char scope[80];
        snprintf(scope, sizeof scope, "%s%s%s", crier_scope_name(t.scope), t.target[0] ? ":" : "", t.target);
        if (as_json) {
            cJSON *o2 = cJSON_CreateObject();
            cJSON_AddStringToObject(o2, "scope", scope);
            cJSON_AddStringToObject(o2, "id", t.name);
            cJSON_AddStringToObject(o2, "topic", v[i]->topic);
            if (signed_post)
                cJSON_AddStringToObject(o2, "kid", kid ? kid : "");
            if (j)
                cJSON_AddItemReferenceToObject(o2, "post", j);
            print_json_line(o2);
            cJSON_Delete(o2);
        } else {
            printf("%-16s %-28s %-20.20s %.60s\n", scope, t.name,
                   cJSON_IsString(until) ? until->valuestring : "-",
                   cJSON_IsString(title) ? title->valuestring : "(invalid post)");
        }
        cJSON_Delete(j);
        free(kid);
    }
    if (!as_json && k == 0)
        printf("(no posts)\n");
    free(v);
    ctl_close(c);
    return CTL_EXIT_OK;
}

/* Is this retained message a retraction tombstone (signed envelope carrying
 * {"retract":..}, or that payload bare)?  Not a post: list and retract skip it. */
static int is_tombstone_msg(const ctl_msg *m)
{
    if (crier_payload_is_retraction(m->payload, m->len))
        return 1;
    if (!crier_payload_is_envelope(m->payload, m->len))
        return 0;
    char *inner = NULL;
    size_t n = 0;
    int yes = crier_envelope_peek(m->payload, m->len, &inner, &n, NULL) == CRIER_OK && crier_payload_is_retraction(inner, n);
    free(inner);
    return yes;
}

/* valid_until of a retained post (signed or not), 0 when it has none. */
static int64_t post_valid_until(const ctl_msg *m)
{
    cJSON *j = post_json(m, NULL, NULL);
    int64_t until = 0;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "valid_until");
    if (cJSON_IsString(u))
        (void)crier_parse_iso8601(u->valuestring, &until);
    else if (cJSON_IsNumber(u))
        until = (int64_t)u->valuedouble;
    cJSON_Delete(j);
    return until > 0 ? until : 0;
}


typedef struct retract_args {
    scope_arg sc;
    const char *id;
    const char *key_path;
    const char *by;
    int unsigned_;
    int retain_s;
} retract_args;

static int run_retract(const ctl_opts *o, void *args)
{
    const retract_args *a = args;
    scope_arg sc = a->sc;
    const char *id = a->id;
    if (!id || !crier_name_valid(id)) {
        fprintf(stderr, "crierctl retract: give the post id (as printed by 'crierctl post' or 'crierctl list')\n");
        return CTL_EXIT_USAGE;
    }
    char f[3][CRIER_TOPIC_MAX];
    const char *fp[3];
    int nf = post_filters(&sc, id, f, fp);
    ctl_client *c = NULL;
    int rc = connect_and_read(o, fp, nf, &c);
    int found = 0, already = 0;
    size_t n = rc == CTL_EXIT_OK ? ctl_msg_count(c) : 0;
    int64_t now = crier_wall_ms();
    /* copy the topics first: publishing runs the loop, which may add messages */
    char **topics = calloc(n ? n : 1, sizeof *topics);
    uint32_t *expiry = calloc(n ? n : 1, sizeof *expiry);
    for (size_t i = 0; topics && expiry && i < n; i++) {
        const ctl_msg *m = ctl_msg_at(c, i);
        if (m->len == 0 || !m->retain)
            continue;
        if (is_tombstone_msg(m)) {
            already++;
            continue;
        }
        /* the tombstone stays on the broker until the post would have ended (+1 h), at most 7 days */
        int64_t until = post_valid_until(m);
        expiry[found] = a->retain_s ? (uint32_t)a->retain_s : crier_retraction_retain_s(until, now);
        topics[found++] = crier_strdup(m->topic);
    }
    int signing = !a->unsigned_ && (a->key_path || o->signing_key);
    if (rc == CTL_EXIT_OK && found == 0 && signing && sc.given && topics && expiry) {
        /* Nothing on the broker (someone may have cleared it with an empty
         * message, which kiosks requiring signatures ignore): a signed
         * tombstone on the scope's topic still takes the post off the screens. */
        char t[CRIER_TOPIC_MAX];
        if (crier_topic_post(t, sizeof t, sc.scope, sc.target, id) == CRIER_OK) {
            fprintf(stderr, "crierctl retract: the broker holds no post '%s' in that scope; sending the signed "
                            "retraction anyway\n", id);
            expiry[0] = a->retain_s ? (uint32_t)a->retain_s : CRIER_RETRACT_RETAIN_MAX_S;
            topics[found++] = crier_strdup(t);
        }
    }
    /* signed when a key is configured (docs/protocol.md "Signed retractions") */
    crier_key key;
    int have_key = 0;
    char *envelope = NULL;
    if (rc == CTL_EXIT_OK && found > 0 && signing) {
        if (ctl_load_signing_key(o, a->key_path, &key) != 0) {
            rc = CTL_EXIT_USAGE;
        } else {
            have_key = 1;
            crier_retraction r = {.sent_ms = now};
            snprintf(r.id, sizeof r.id, "%s", id);
            const char *by = a->by ? a->by : getenv("USER");
            snprintf(r.by, sizeof r.by, "%s", by ? by : "");
            char *json = crier_retraction_write(&r), err[200];
            crier_retraction check;
            if (!json || crier_retraction_parse(json, strlen(json), id, &check, err, sizeof err) != CRIER_OK) {
                fprintf(stderr, "crierctl retract: kiosks would reject this retraction: %s\n", json ? err : "no memory");
                rc = CTL_EXIT_USAGE;
            } else if (!(envelope = ctl_seal(&key, json, strlen(json)))) {
                rc = CTL_EXIT_FAILED;
            }
            free(json);
        }
    }
    for (int i = 0; rc == CTL_EXIT_OK && i < found; i++) {
        rc = envelope ? ctl_publish_ex(c, topics[i], envelope, strlen(envelope), 1, expiry[i])
                      : ctl_publish(c, topics[i], "", 0, 1);
        if (rc == CTL_EXIT_OK)
            printf("retracted %s (%s)%s\n", id, topics[i], envelope ? " signed" : "");
    }
    if (rc == CTL_EXIT_OK && found > 0 && !envelope)
        fprintf(stderr, "crierctl retract: sent unsigned (no signing key): kiosks that require signed posts "
                        "keep showing it\n");
    if (rc == CTL_EXIT_OK && found == 0) {
        if (already)
            fprintf(stderr, "crierctl retract: post '%s' is already retracted%s\n", id, sc.given ? " in that scope" : "");
        else
            fprintf(stderr, "crierctl retract: no post '%s'%s\n", id, sc.given ? " in that scope" : "");
        rc = CTL_EXIT_NOTFOUND;
    }
    if (have_key)
        crier_key_wipe(&key);
    free(envelope);
    for (int i = 0; topics && i < found; i++)
        free(topics[i]);
    free(topics);
    free(expiry);
    ctl_close(c);
    return rc;
}

static const ctl_opt list_opts[] = {
    CTL_SCOPES(list_args, sc),
    CTL_FLAG(list_args, "--json", json, "one JSON object per line"),
    CTL_END,
};

const ctl_command ctl_cmd_list = {
    .name = "list",
    .summary = "list current posts per scope",
    .args_size = sizeof(list_args),
    .opts = list_opts,
    .run = run_list,
    .about = "Lists the posts the broker holds (all scopes unless one is given):\n"
             "scope, id, valid until, title.  --json prints one JSON object per line.\n",
};

static const ctl_opt retract_opts[] = {
    CTL_SCOPES(retract_args, sc),
    CTL_STR(retract_args, "--key", "FILE", key_path, "sign with this secret key"),
    CTL_STR(retract_args, "--by", "NAME", by, "who asked (named in the kiosks' logs and proof of play; default $USER)"),
    CTL_FLAG(retract_args, "--unsigned", unsigned_, "send an empty message even with a signing key"),
    CTL_INT(retract_args, "--retain-s", "SECONDS", retain_s, 1, 7 * 86400, "1..604800 seconds",
            "how long the broker keeps the signed retraction for kiosks that are away"),
    CTL_END,
};

const ctl_command ctl_cmd_retract = {
    .name = "retract",
    .summary = "remove a post from the screens",
    .operand = "ID",
    .operand_off = offsetof(retract_args, id),
    .args_size = sizeof(retract_args),
    .opts = retract_opts,
    .run = run_retract,
    .about = "Removes the post ID.  Without a scope crierctl looks the post up in every scope\n"
             "and retracts each copy it finds; exit 6 if there is none.  With a signing key\n"
             "(--key FILE or the config's signing_key) it sends a signed tombstone, retained until\n"
             "the post would have ended (+1 h, at most 7 days): kiosks that require signed posts\n"
             "accept only that.  Without one it sends an empty retained message.\n",
};

/* ---- status ------------------------------------------------------------------ */

typedef struct kiosk_row {
    char name[CRIER_NAME_MAX + 1];
    cJSON *status, *hb;
} kiosk_row;

static kiosk_row *row_for(kiosk_row *rows, size_t *n, size_t cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    if (*n == cap)
        return NULL;
    kiosk_row *r = &rows[(*n)++];
    snprintf(r->name, sizeof r->name, "%s", name);
    return r;
}

static void fmt_age(char *buf, size_t len, double secs)
{
    if (secs < 0)
        snprintf(buf, len, "-");
    else if (secs < 120)
        snprintf(buf, len, "%.0fs", secs);
    else if (secs < 7200)
        snprintf(buf, len, "%.0fm", secs / 60);
    else if (secs < 172800)
        snprintf(buf, len, "%.0fh", secs / 3600);
    else
        snprintf(buf, len, "%.0fd", secs / 86400);
}

typedef struct status_args {
    const char *kiosk;
    int json;
} status_args;

static int run_status(const ctl_opts *o, void *args)
{
    const status_args *a = args;
    const char *only = a->kiosk;
    int as_json = a->json;
    if (only && !crier_name_valid(only)) {
        fprintf(stderr, "crierctl status: unknown argument '%s' (see crierctl status --help)\n", only);
        return CTL_EXIT_USAGE;
    }
    char f[2][CRIER_TOPIC_MAX];
    const char *fp[2] = {f[0], f[1]};
    snprintf(f[0], sizeof f[0], CRIER_TOPIC_PREFIX "/kiosk/%s/status", only ? only : "+");
    snprintf(f[1], sizeof f[1], CRIER_TOPIC_PREFIX "/kiosk/%s/heartbeat", only ? only : "+");
    ctl_client *c = NULL;
    int rc = connect_and_read(o, fp, 2, &c);
    if (rc != CTL_EXIT_OK)
        return rc;
    enum { CAP = 4096 };
    kiosk_row *rows = calloc(CAP, sizeof *rows);
    size_t nrows = 0;
    for (size_t i = 0; rows && i < ctl_msg_count(c); i++) {
        const ctl_msg *m = ctl_msg_at(c, i);
        crier_topic t;
        if (m->len == 0 || crier_topic_parse(m->topic, &t) != CRIER_OK)
            continue;
        if (t.kind != CRIER_TOPIC_STATUS && t.kind != CRIER_TOPIC_HEARTBEAT)
            continue;
        kiosk_row *r = row_for(rows, &nrows, CAP, t.target);
        cJSON *j = r ? cJSON_ParseWithLength(m->payload, m->len) : NULL;
        if (!j)
            continue;
        cJSON **slot = t.kind == CRIER_TOPIC_STATUS ? &r->status : &r->hb;
        cJSON_Delete(*slot);
        *slot = j;
    }
    int64_t now = crier_wall_ms();
    if (!as_json)
        printf("%-16s %-10s %-7s %-8s %-8s %-6s %-8s %s\n", "KIOSK", "SITE", "STATE", "LAST-HB", "CONTENT", "ALERTS",
               "VERSION", "ON SCREEN");
    for (size_t i = 0; i < nrows; i++) {
        kiosk_row *r = &rows[i];
        if (as_json) {
            cJSON *o2 = cJSON_CreateObject();
            cJSON_AddStringToObject(o2, "kiosk", r->name);
            if (r->status)
                cJSON_AddItemReferenceToObject(o2, "status", r->status);
            if (r->hb)
                cJSON_AddItemReferenceToObject(o2, "heartbeat", r->hb);
            print_json_line(o2);
            cJSON_Delete(o2);
        } else {
            char hb_age[16], content_age[16], alerts[16], showing[120];
            double ts = ctl_json_num(r->hb, "ts", -1);
            fmt_age(hb_age, sizeof hb_age, ts < 0 ? -1 : (now - ts) / 1000.0);
            fmt_age(content_age, sizeof content_age, ctl_json_num(r->hb, "content_age_s", -1));
            double al = ctl_json_num(r->hb, "alerts", -1);
            if (al < 0)
                snprintf(alerts, sizeof alerts, "-");
            else
                snprintf(alerts, sizeof alerts, "%.0f", al);
            const cJSON *sh = cJSON_GetObjectItemCaseSensitive(r->hb, "showing");
            if (al > 0) /* the alert covers the posts; the rotation waits under it */
                snprintf(showing, sizeof showing, "ALERT (then %s)",
                         cJSON_IsObject(sh) ? ctl_json_str(sh, "id", "?") : "-");
            else if (cJSON_IsObject(sh))
                snprintf(showing, sizeof showing, "%s \"%s\"", ctl_json_str(sh, "id", "?"),
                         ctl_json_str(sh, "title", ""));
            else
                snprintf(showing, sizeof showing, "-");
            printf("%-16s %-10s %-7s %-8s %-8s %-6s %-8s %.70s\n", r->name,
                   ctl_json_str(r->status, "site", ctl_json_str(r->hb, "site", "-")),
                   ctl_json_str(r->status, "state", "?"), hb_age, content_age, alerts,
                   ctl_json_str(r->hb, "version", ctl_json_str(r->status, "version", "-")), showing);
        }
        cJSON_Delete(r->status);
        cJSON_Delete(r->hb);
    }
    if (!as_json && nrows == 0)
        printf("(no kiosks have reported%s%s)\n", only ? " as " : "", only ? only : "");
    free(rows);
    ctl_close(c);
    return only && nrows == 0 ? CTL_EXIT_NOTFOUND : CTL_EXIT_OK;
}

static const ctl_opt status_opts[] = {
    CTL_FLAG(status_args, "--json", json, "the raw status and heartbeat, one kiosk per line"),
    CTL_END,
};

const ctl_command ctl_cmd_status = {
    .name = "status",
    .summary = "table of kiosks: online, last heartbeat, on screen, content age, alerts",
    .operand = "[KIOSK]",
    .operand_off = offsetof(status_args, kiosk),
    .args_size = sizeof(status_args),
    .opts = status_opts,
    .run = run_status,
    .about = "Shows every kiosk that has ever connected (from retained status and heartbeat):\n"
             "online/offline, seconds since its last heartbeat, what it shows, content age,\n"
             "active alerts, version.  --json prints the raw heartbeats, one per line.\n",
};

/* ---- commands to one kiosk ------------------------------------------------------ */

typedef struct cmd_wait {
    char reply_topic[CRIER_TOPIC_MAX], shot_topic[CRIER_TOPIC_MAX];
    int want_png;
    const ctl_msg *reply, *png;
} cmd_wait;

static int cmd_done(ctl_client *c, void *ud)
{
    cmd_wait *w = ud;
    for (size_t i = 0; i < ctl_msg_count(c); i++) {
        const ctl_msg *m = ctl_msg_at(c, i);
        if (!w->reply && strcmp(m->topic, w->reply_topic) == 0)
            w->reply = m;
        if (!w->png && w->want_png && strcmp(m->topic, w->shot_topic) == 0)
            w->png = m;
    }
    if (!w->reply)
        return 0;
    cJSON *j = cJSON_ParseWithLength(w->reply->payload, w->reply->len);
    int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"));
    cJSON_Delete(j);
    return !ok || !w->want_png || w->png;
}

static int send_command(const ctl_opts *o, const char *kiosk, const char *name, int seconds, const char *out)
{
    char req[CRIER_NAME_MAX + 1], hex[16], topic[CRIER_TOPIC_MAX];
    ctl_random_hex(hex, sizeof hex);
    snprintf(req, sizeof req, "%s-%s", name, hex);
    cmd_wait w = {0};
    w.want_png = out != NULL;
    if (crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_CMD, kiosk, name) != CRIER_OK ||
        crier_topic_kiosk(w.reply_topic, sizeof w.reply_topic, CRIER_TOPIC_REPLY, kiosk, req) != CRIER_OK ||
        crier_topic_kiosk(w.shot_topic, sizeof w.shot_topic, CRIER_TOPIC_SCREENSHOT, kiosk, req) != CRIER_OK) {
        fprintf(stderr, "crierctl %s: bad kiosk name '%s'\n", name, kiosk);
        return CTL_EXIT_USAGE;
    }
    const char *fp[2] = {w.reply_topic, w.shot_topic};
    char *payload = crier_command_write(req, crier_wall_ms(), seconds);
    ctl_client *c = NULL;
    int rc = payload ? ctl_connect(o, &c) : CTL_EXIT_FAILED;
    if (rc == CTL_EXIT_OK)
        rc = ctl_subscribe(c, fp, out ? 2 : 1);
    if (rc == CTL_EXIT_OK)
        rc = ctl_publish(c, topic, payload, strlen(payload), 0);
    if (rc == CTL_EXIT_OK)
        rc = ctl_collect(c, 0, o->timeout_s * 1000, cmd_done, &w);
    if (rc == CTL_EXIT_OK && !cmd_done(c, &w)) {
        fprintf(stderr, "crierctl %s: no answer from kiosk '%s' within %d s (offline? see 'crierctl status')\n",
                name, kiosk, o->timeout_s);
        rc = CTL_EXIT_TIMEOUT;
    }
    if (rc == CTL_EXIT_OK) {
        cJSON *j = cJSON_ParseWithLength(w.reply->payload, w.reply->len);
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"))) {
            fprintf(stderr, "crierctl %s: kiosk '%s' reports: %s\n", name, kiosk,
                    ctl_json_str(j, "error", "failure"));
            rc = CTL_EXIT_FAILED;
        }
        cJSON_Delete(j);
    }
    if (rc == CTL_EXIT_OK && out) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", out);
        FILE *f = fopen(tmp, "wb");
        int ok = f && fwrite(w.png->payload, 1, w.png->len, f) == w.png->len;
        if (f && fclose(f) != 0)
            ok = 0;
        if (!ok || rename(tmp, out) != 0) {
            fprintf(stderr, "crierctl screenshot: cannot write %s: %s\n", out, strerror(errno));
            remove(tmp);
            rc = CTL_EXIT_FAILED;
        } else {
            printf("%s: wrote %s (%zu bytes)\n", kiosk, out, w.png->len);
        }
    } else if (rc == CTL_EXIT_OK) {
        printf("%s: %s accepted\n", kiosk, name);
    }
    free(payload);
    ctl_close(c);
    return rc;
}

typedef struct kiosk_args {
    const char *kiosk, *out;
    int seconds, timeout_s;
} kiosk_args;

static int kiosk_command(const ctl_opts *o, const kiosk_args *a, const char *name)
{
    ctl_opts local = *o;
    if (a->timeout_s)
        local.timeout_s = a->timeout_s;
    if (!a->kiosk || !crier_name_valid(a->kiosk)) {
        fprintf(stderr, "crierctl %s: give the kiosk id (see 'crierctl status')\n", name);
        return CTL_EXIT_USAGE;
    }
    if (strcmp(name, "screenshot") == 0 && !a->out) {
        fprintf(stderr, "crierctl %s: --out FILE.png is required\n", name);
        return CTL_EXIT_USAGE;
    }
    return send_command(&local, a->kiosk, name, a->seconds, a->out);
}

static int run_screenshot(const ctl_opts *o, void *args)
{
    return kiosk_command(o, args, "screenshot");
}

static int run_reload(const ctl_opts *o, void *args)
{
    return kiosk_command(o, args, "reload");
}

static int run_identify(const ctl_opts *o, void *args)
{
    return kiosk_command(o, args, "identify");
}

static const ctl_opt screenshot_opts[] = {
    CTL_REQUIRED(kiosk_args, "--out", "FILE.png", out, "where to write the PNG"),
    CTL_TIMEOUT(kiosk_args, timeout_s),
    CTL_END,
};

static const ctl_opt reload_opts[] = {
    CTL_TIMEOUT(kiosk_args, timeout_s),
    CTL_END,
};

static const ctl_opt identify_opts[] = {
    CTL_INT(kiosk_args, "--seconds", "N", seconds, 1, 120, "1..120", "how long the id shows (default 10)"),
    CTL_TIMEOUT(kiosk_args, timeout_s),
    CTL_END,
};

const ctl_command ctl_cmd_screenshot = {
    .name = "screenshot",
    .summary = "fetch a PNG of what a kiosk shows",
    .operand = "KIOSK",
    .operand_off = offsetof(kiosk_args, kiosk),
    .args_size = sizeof(kiosk_args),
    .opts = screenshot_opts,
    .run = run_screenshot,
    .about = "Asks KIOSK for a screenshot and writes it to FILE.png.  Exit 5 if the kiosk does\n"
             "not answer in time (offline? see 'crierctl status'), 7 if it reports an error.\n",
};

const ctl_command ctl_cmd_reload = {
    .name = "reload",
    .summary = "make a kiosk reload its content",
    .operand = "KIOSK",
    .operand_off = offsetof(kiosk_args, kiosk),
    .args_size = sizeof(kiosk_args),
    .opts = reload_opts,
    .run = run_reload,
    .about = "The kiosk re-reads its content sources and receives every current post again.\n",
};

const ctl_command ctl_cmd_identify = {
    .name = "identify",
    .summary = "flash a kiosk's id on its screen",
    .operand = "KIOSK",
    .operand_off = offsetof(kiosk_args, kiosk),
    .args_size = sizeof(kiosk_args),
    .opts = identify_opts,
    .run = run_identify,
    .about = "Shows the kiosk's id large on its screen for N seconds (default 10, 1..120), so\n"
             "you can tell which screen is which.\n",
};
