/* console.h - what every part of crier-console shares: the configuration,
 * users and roles, the context handed to request handlers, small helpers.
 *
 * crier-console (docs/console.md) is the staff web console: a libmicrohttpd
 * server (http.c, thread per connection), SQLite state (db.c), users and
 * sessions (auth.c, session.c), posts (post.c model, posts.c store and
 * publishing), the fleet table fed by MQTT (fleet.c), previews drawn by the
 * crier binary itself (preview.c), the audit log (audit.c) and Server-Sent
 * Events (sse.c).  main.c wires them; only main() exits.
 *
 * Threads: MHD runs one thread per connection; libmosquitto runs its own
 * network thread (fleet.c); main() ticks the fleet and the post schedules
 * once a second.  Every module guards its own state with its own mutex and
 * never calls another module while holding it, except: fleet -> sse,
 * posts -> db (db is a leaf), audit -> db then sse. */
#ifndef CRIER_CONSOLE_H
#define CRIER_CONSOLE_H

#include "base/error.h"
#include "remote/sign.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define CN_NAME_MAX 64     /* user, site, kiosk names (crier_name_valid) */
#define CN_SITES_MAX 512   /* "a,b,c" of a user's sites, or "*" */
#define CN_TOKEN_LEN 43    /* base64url of 32 random bytes */

typedef enum cn_role {
    CN_ROLE_NONE = 0,
    CN_ROLE_VIEWER,
    CN_ROLE_EDITOR,
    CN_ROLE_PUBLISHER,
    CN_ROLE_ADMIN,
} cn_role;

/* "viewer" ... "admin" -> role; CN_ROLE_NONE if unknown. */
cn_role cn_role_parse(const char *s);
const char *cn_role_name(cn_role r);

typedef struct cn_user {
    char name[CN_NAME_MAX + 1];
    cn_role role;
    char sites[CN_SITES_MAX + 1]; /* comma-separated, "*" = every site */
} cn_user;

/* Is the user allowed to act on `site`?  "*" allows every site. */
int cn_user_has_site(const cn_user *u, const char *site);
/* Does the user hold every site ("*")? */
int cn_user_all_sites(const cn_user *u);
/* sites as a JSON array (["*"] or ["a","b"]); NULL on allocation failure. */
cJSON *cn_sites_json(const char *sites);
/* JSON array of names -> "a,b"; each name must pass crier_name_valid or be "*".
 * CRIER_ERR_INVAL (err says why) otherwise. */
crier_err cn_sites_parse(const cJSON *arr, char *out, size_t len, char *err, size_t err_len);

/* Argon2id cost (libsodium crypto_pwhash_str); changing it rehashes each
 * password at its user's next login. */
typedef struct cn_pwcost {
    unsigned long long ops;
    size_t mem;
} cn_pwcost;

typedef struct cn_config {
    const char *listen_host;   /* 127.0.0.1 */
    int listen_port;
    const char *db_path;
    const char *broker;        /* mqtt://host:port; NULL = no broker */
    const char *broker_user, *broker_password_file, *broker_cafile;
    const char *signing_key;   /* secret key file (0600) or NULL: posts go unsigned */
    const char *web_dir;
    const char *tls_cert, *tls_key;
    const char *trust_user_header;
    const char *crier_path;    /* crier binary for previews */
    const char *layouts_dir;   /* assets/layouts of that crier */
    const char *public_url;    /* how kiosks reach /uploads (default http://listen) */
    int stale_after_s;         /* heartbeat older than this: "stale" */
    size_t max_body;           /* JSON bodies */
    size_t max_upload;         /* image uploads */
    unsigned max_connections;
    int session_hours;
    cn_pwcost pwcost;
} cn_config;

struct cn_db;
struct cn_sse;
struct cn_fleet;
struct cn_rate;
struct cn_relay;

/* What handlers get: the long-lived modules (owned by main). */
typedef struct cn_ctx {
    const cn_config *cfg;
    struct cn_db *db;
    struct cn_sse *sse;
    struct cn_fleet *fleet;
    struct cn_rate *rate;
    struct cn_relay *relay;    /* the CAP relay (relay.h); NULL until started */
    crier_key key;             /* the desk key posts are signed with */
    int have_key;
    char origin[300];          /* unused when empty: Origin is checked against Host */
} cn_ctx;

/* ---- helpers (util.c) ------------------------------------------------------ */

/* RFC 3339 UTC, seconds: "2026-12-06T06:36:05Z" (buf >= 24 bytes); "" for 0. */
void cn_time_str(int64_t ms, char *buf, size_t len);
/* RFC 3339 -> epoch ms; 0 or -1.  An empty string is -1. */
int cn_time_parse(const char *s, int64_t *ms);
/* len random bytes as base64url without padding into out (>= 4*len/3+2). */
void cn_random_b64(char *out, size_t out_len, size_t nbytes);
/* BLAKE2b-256 of s as 64 hex digits (stored instead of session/token secrets). */
void cn_secret_hash(const char *s, char out[65]);
/* Constant-time string equality (different lengths: 0). */
int cn_str_eq_ct(const char *a, const char *b);
/* String member or NULL. */
const char *cn_jstr(const cJSON *o, const char *key);
/* cJSON_PrintUnformatted that never returns NULL for a valid tree (NULL on OOM). */
char *cn_json_print(const cJSON *o);
/* Valid name: 1..64 of [A-Za-z0-9_.-], not "." or "..". */
int cn_name_ok(const char *s);

#endif
