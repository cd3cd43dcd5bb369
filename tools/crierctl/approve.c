/* approve.c - `crierctl approve`: the second person of the console's
 * two-person rule, from a terminal (docs/crierctl.md, docs/console.md
 * "Emergency desk").
 *
 * Unlike the other commands it talks to crier-console's JSON API (HTTP, an
 * API token of an approver: publisher or admin), not to the broker: the
 * console holds the desk's signing key and signs the alert it sends.  The
 * token comes from --token-file F or $CRIER_CONSOLE_TOKEN, never from the
 * command line (other users can read argv).
 *
 * libcurl is loaded here, when approve runs (dlopen), not linked: every other
 * command (an alert sent at 3 a.m.) starts without it and the thirty
 * libraries it pulls in, 5 to 6 ms of every start here (docs/benchmarks.md). */
#include "crierctl.h"
#include "base/buf.h"

#include <cjson/cJSON.h>
#include <curl/curl.h> /* types and constants only: the functions come from dlopen */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX (4u * 1024u * 1024u)

typedef struct approve_args {
    const char *id, *console, *token_file;
    int list, reject;
} approve_args;

#define LIBCURL_SONAME "libcurl.so.4"

static struct {
    void *lib;
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    CURL *(*init)(void);
    CURLcode (*setopt)(CURL *, CURLoption, ...);
    CURLcode (*perform)(CURL *);
    CURLcode (*getinfo)(CURL *, CURLINFO, ...);
    const char *(*strerror)(CURLcode);
    void (*cleanup)(CURL *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} cu;

/* 0, or -1 after saying why libcurl cannot be used. */
static int curl_load(void)
{
    cu.lib = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!cu.lib) {
        fprintf(stderr, "crierctl approve: cannot load %s (install libcurl4): %s\n", LIBCURL_SONAME, dlerror());
        return -1;
    }
    struct {
        void **fn;
        const char *name;
    } syms[] = {
        {(void **)&cu.global_init, "curl_global_init"},
        {(void **)&cu.global_cleanup, "curl_global_cleanup"},
        {(void **)&cu.init, "curl_easy_init"},
        {(void **)&cu.setopt, "curl_easy_setopt"},
        {(void **)&cu.perform, "curl_easy_perform"},
        {(void **)&cu.getinfo, "curl_easy_getinfo"},
        {(void **)&cu.strerror, "curl_easy_strerror"},
        {(void **)&cu.cleanup, "curl_easy_cleanup"},
        {(void **)&cu.slist_append, "curl_slist_append"},
        {(void **)&cu.slist_free_all, "curl_slist_free_all"},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        *syms[i].fn = dlsym(cu.lib, syms[i].name);
        if (!*syms[i].fn) {
            fprintf(stderr, "crierctl approve: %s lacks %s\n", LIBCURL_SONAME, syms[i].name);
            dlclose(cu.lib);
            cu.lib = NULL;
            return -1;
        }
    }
    return 0;
}

static size_t on_data(char *d, size_t sz, size_t nm, void *ud)
{
    return crier_buf_append(ud, d, sz * nm) == CRIER_OK ? sz * nm : 0; /* 0: over BODY_MAX, the transfer ends */
}

/* One request; *out gets the parsed JSON body (may be NULL).  Returns the
 * HTTP status, or -1 after printing why the console was not reached. */
static long request(const char *base, const char *token, const char *method, const char *path, cJSON **out)
{
    char url[2048], auth[300];
    snprintf(url, sizeof url, "%s%s", base, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    CURL *c = cu.init();
    if (!c)
        return -1;
    struct curl_slist *h = cu.slist_append(NULL, auth);
    h = cu.slist_append(h, "Content-Type: application/json");
    crier_buf b = {.max = BODY_MAX};
    cu.setopt(c, CURLOPT_URL, url);
    cu.setopt(c, CURLOPT_HTTPHEADER, h);
    cu.setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0)
        cu.setopt(c, CURLOPT_POSTFIELDS, "{}");
    cu.setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    cu.setopt(c, CURLOPT_WRITEDATA, &b);
    cu.setopt(c, CURLOPT_TIMEOUT, 30L);
    cu.setopt(c, CURLOPT_NOSIGNAL, 1L);
    cu.setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = cu.perform(c);
    long status = -1;
    if (rc != CURLE_OK)
        fprintf(stderr, "crierctl approve: cannot reach the console at %s: %s\n", base, cu.strerror(rc));
    else
        cu.getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    cu.slist_free_all(h);
    cu.cleanup(c);
    *out = b.data ? cJSON_Parse(b.data) : NULL;
    crier_buf_free(&b);
    return status;
}

static int exit_for(long status)
{
    return status < 0 ? CTL_EXIT_UNREACHABLE
           : status == 401 || status == 403 ? CTL_EXIT_AUTH
           : status == 404                  ? CTL_EXIT_NOTFOUND
           : status == 400                  ? CTL_EXIT_USAGE
                                            : CTL_EXIT_FAILED; /* 409: no longer waiting */
}

/* A request that did not succeed: prints the console's reason (when it
 * answered) and returns the exit code. */
static int refused(long status, const cJSON *j)
{
    if (status > 0)
        fprintf(stderr, "crierctl approve: %s\n", ctl_json_str(j, "error", "the console refused the request"));
    return exit_for(status);
}

/* --list: the alerts waiting for a second person. */
static int list_pending(const char *base, const char *token)
{
    cJSON *j = NULL;
    long st = request(base, token, "GET", "/api/alerts?state=pending", &j);
    if (st != 200) {
        int rc = refused(st, j);
        cJSON_Delete(j);
        return rc;
    }
    printf("%-32s %-9s %-7s %-12s %-20s %s\n", "ID", "STATUS", "TYPE", "AUTHOR", "SCOPE", "HEADLINE");
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "alerts"))
    {
        const cJSON *info0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "info"), 0);
        printf("%-32s %-9s %-7s %-12s %-20s %s\n", ctl_json_str(e, "id", "?"), ctl_json_str(e, "status", "?"),
               ctl_json_str(e, "msgType", "?"), ctl_json_str(e, "author", "?"), ctl_json_str(e, "scope", "?"),
               ctl_json_str(info0, "headline", ctl_json_str(info0, "event", "")));
    }
    cJSON_Delete(j);
    return CTL_EXIT_OK;
}

/* Approves (or with --reject turns down) alert a->id. */
static int decide(const char *base, const char *token, const approve_args *a)
{
    char path[200];
    snprintf(path, sizeof path, "/api/alerts/%s/%s", a->id, a->reject ? "reject" : "approve");
    cJSON *j = NULL;
    long st = request(base, token, "POST", path, &j);
    int rc = CTL_EXIT_OK;
    if (st == 200)
        printf("%s %s (%s %s, author %s, approver %s)\n", a->id, ctl_json_str(j, "state", "?"),
               ctl_json_str(j, "status", "?"), ctl_json_str(j, "msgType", "?"), ctl_json_str(j, "author", "?"),
               ctl_json_str(j, "approver", "-"));
    else
        rc = refused(st, j);
    cJSON_Delete(j);
    return rc;
}

/* The API token from --token-file (its first line) or $CRIER_CONSOLE_TOKEN.
 * CTL_EXIT_OK, or CTL_EXIT_USAGE after printing why. */
static int read_token(const approve_args *a, char *token, size_t len)
{
    token[0] = '\0';
    if (a->token_file) {
        char *t = ctl_read_text_file(a->token_file, 4096);
        if (!t)
            return CTL_EXIT_USAGE;
        snprintf(token, len, "%.*s", (int)strcspn(t, "\r\n"), t);
        free(t);
    } else if (getenv("CRIER_CONSOLE_TOKEN")) {
        snprintf(token, len, "%s", getenv("CRIER_CONSOLE_TOKEN"));
    }
    if (!token[0] || strpbrk(token, "\r\n ")) {
        fprintf(stderr, "crierctl approve: give an API token of an approver with --token-file F or "
                        "CRIER_CONSOLE_TOKEN\n");
        return CTL_EXIT_USAGE;
    }
    return CTL_EXIT_OK;
}

static int run_approve(const ctl_opts *o, void *args)
{
    (void)o;
    approve_args *a = args;
    if (!a->console) {
        fprintf(stderr, "crierctl approve: give --console URL (the staff console, e.g. https://console.city)\n");
        return CTL_EXIT_USAGE;
    }
    if (!a->list && !a->id) {
        fprintf(stderr, "crierctl approve: give the alert's ID (see crierctl approve --list)\n");
        return CTL_EXIT_USAGE;
    }
    if (a->id && (strlen(a->id) > 64 || strspn(a->id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") !=
                                             strlen(a->id))) {
        fprintf(stderr, "crierctl approve: '%s' is not an alert ID of the console\n", a->id);
        return CTL_EXIT_USAGE;
    }
    char token[256];
    if (read_token(a, token, sizeof token) != CTL_EXIT_OK)
        return CTL_EXIT_USAGE;
    char base[1024];
    snprintf(base, sizeof base, "%s", a->console);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        base[--bl] = '\0';
    if (curl_load() != 0)
        return CTL_EXIT_UNREACHABLE;
    cu.global_init(CURL_GLOBAL_DEFAULT);
    int rc = a->list ? list_pending(base, token) : decide(base, token, a);
    cu.global_cleanup();
    dlclose(cu.lib);
    return rc;
}

static const ctl_opt approve_opts[] = {
    CTL_STR(approve_args, "--console", "URL", console, "the staff console (crier-console)"),
    CTL_STR(approve_args, "--token-file", "F", token_file, "API token of an approver (else $CRIER_CONSOLE_TOKEN)"),
    CTL_FLAG(approve_args, "--list", list, "list the alerts waiting for approval"),
    CTL_FLAG(approve_args, "--reject", reject, "turn the alert down instead"),
    CTL_END,
};

const ctl_command ctl_cmd_approve = {
    .name = "approve",
    .summary = "second person: approve an alert waiting on the console",
    .operand = "[ID]",
    .operand_off = offsetof(approve_args, id),
    .args_size = sizeof(approve_args),
    .opts = approve_opts,
    .run = run_approve,
    .about = "Confirms an alert that waits on the staff console for a second person (the\n"
             "two-person rule, docs/console.md \"Emergency desk\"): the console signs and sends it.\n"
             "Talks to crier-console's API with an API token of a publisher or admin (not the\n"
             "author's: nobody approves their own alert).  --list shows what waits.\n"
             "Exit codes: 0 sent, 4 token refused or not allowed, 6 no such alert, 7 not waiting\n"
             "(already sent or turned down) or the broker did not take it, 3 console unreachable.\n",
};
