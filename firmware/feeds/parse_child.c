/* parse_child.c - a feed parse in a forked child with a deadline (see parse_child.h).
 *
 * The pipe carries records: one type byte, a 4-byte little-endian length, the
 * payload.
 *   'R' uid NUL rule NUL         a recurrence rule is about to be expanded
 *   'L' level component NUL msg NUL   a log line of the parser
 *   'I' item                     one item (fields below, strings as u32 length
 *                                or 0xffffffff for NULL, then the bytes)
 *   'E' i32 rc, err NUL          the parse is over
 * The parent reads everything (at most MAX_OUT bytes) until EOF or the
 * deadline, then decodes; a child that stops before 'E' failed. */
#define _GNU_SOURCE
#include "feeds/parse_child.h"

#include "base/log.h"
#include "base/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_OUT (64u * 1024u * 1024u) /* 200 items of 4 KiB text are ~1 MiB; far above */
#define NULL_STR 0xffffffffu

/* ---- child ----------------------------------------------------------------------- */

typedef struct child_out {
    int fd;
    char *buf; /* one record is built here, then written */
    size_t len, cap;
    int failed;
} child_out;

static void put(child_out *o, const void *p, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->failed = 1;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void put_u32(child_out *o, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    put(o, b, 4);
}

static void put_i64(child_out *o, int64_t v)
{
    put_u32(o, (uint32_t)((uint64_t)v & 0xffffffffu));
    put_u32(o, (uint32_t)((uint64_t)v >> 32));
}

static void put_str(child_out *o, const char *s)
{
    if (!s) {
        put_u32(o, NULL_STR);
        return;
    }
    size_t n = strlen(s);
    put_u32(o, (uint32_t)n);
    put(o, s, n);
}

static void begin(child_out *o, char type)
{
    o->len = 0;
    put(o, &type, 1);
    put_u32(o, 0); /* patched by send() */
}

static void send_record(child_out *o)
{
    if (o->failed)
        return;
    uint32_t n = (uint32_t)(o->len - 5);
    unsigned char b[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
    memcpy(o->buf + 1, b, 4);
    size_t off = 0;
    while (off < o->len) {
        ssize_t w = write(o->fd, o->buf + off, o->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            o->failed = 1;
            return;
        }
        off += (size_t)w;
    }
}

static void child_on_rule(void *ud, const char *uid, const char *rule)
{
    child_out *o = ud;
    begin(o, 'R');
    put(o, uid, strlen(uid) + 1);
    put(o, rule, strlen(rule) + 1);
    send_record(o);
}

static void child_log(crier_log_level level, const char *component, const char *msg, void *ud)
{
    child_out *o = ud;
    unsigned char l = (unsigned char)level;
    begin(o, 'L');
    put(o, &l, 1);
    put(o, component, strlen(component) + 1);
    put(o, msg, strlen(msg) + 1);
    send_record(o);
}

static void put_item(child_out *o, const crier_item *it)
{
    begin(o, 'I');
    put_u32(o, (uint32_t)it->kind);
    const char *s[] = {it->id, it->source, it->title, it->body, it->link, it->image, it->location, it->lang};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        put_str(o, s[i]);
    put_i64(o, it->starts_ms);
    put_i64(o, it->ends_ms);
    put_i64(o, it->valid_from_ms);
    put_i64(o, it->valid_until_ms);
    put_i64(o, it->published_ms);
    put_u32(o, (uint32_t)it->duration_ms);
    put_u32(o, (uint32_t)it->priority);
    put_u32(o, (uint32_t)it->weight);
    send_record(o);
}

static void __attribute__((noreturn))
run_child(int fd, crier_feed_type type, const char *buf, size_t len, const crier_feed_opts *opts, int64_t timeout_ms)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct rlimit cpu = {.rlim_cur = (rlim_t)(timeout_ms / 1000 + 2), .rlim_max = (rlim_t)(timeout_ms / 1000 + 3)};
    setrlimit(RLIMIT_CPU, &cpu);
    signal(SIGPIPE, SIG_IGN);
    child_out o = {.fd = fd};
    crier_log_set_sink(child_log, &o);
    crier_feed_opts co = *opts;
    co.on_rule = child_on_rule;
    co.on_rule_ud = &o;
    crier_item_list l;
    crier_item_list_init(&l);
    char err[256] = "";
    crier_err rc = crier_feed_parse(type, buf, len, &co, &l, err, sizeof err);
    for (size_t i = 0; rc == CRIER_OK && i < l.count; i++)
        put_item(&o, &l.items[i]);
    begin(&o, 'E');
    put_u32(&o, (uint32_t)rc);
    put(&o, err, strlen(err) + 1);
    send_record(&o);
    _exit(o.failed ? 2 : 0);
}

/* ---- parent ---------------------------------------------------------------------- */

typedef struct rd {
    const unsigned char *p;
    size_t n;
    int bad;
} rd;

static uint32_t get_u32(rd *r)
{
    if (r->n < 4) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    r->n -= 4;
    return v;
}

static int64_t get_i64(rd *r)
{
    uint64_t lo = get_u32(r), hi = get_u32(r);
    return (int64_t)(lo | hi << 32);
}

static char *get_str(rd *r)
{
    uint32_t n = get_u32(r);
    if (r->bad || n == NULL_STR)
        return NULL;
    if (n > r->n) {
        r->bad = 1;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        r->bad = 1;
        return NULL;
    }
    memcpy(s, r->p, n);
    s[n] = '\0';
    r->p += n;
    r->n -= n;
    return s;
}

/* A NUL-terminated string inside the record, or NULL. */
static const char *get_cstr(rd *r)
{
    const unsigned char *z = r->n ? memchr(r->p, '\0', r->n) : NULL;
    if (!z) {
        r->bad = 1;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->n -= (size_t)(z - r->p) + 1;
    r->p = z + 1;
    return s;
}

static crier_err decode_item(rd *r, crier_item *it)
{
    *it = (crier_item){0};
    it->kind = (crier_item_kind)get_u32(r);
    char **s[] = {&it->id, &it->source, &it->title, &it->body, &it->link, &it->image, &it->location, &it->lang};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        *s[i] = get_str(r);
    it->starts_ms = get_i64(r);
    it->ends_ms = get_i64(r);
    it->valid_from_ms = get_i64(r);
    it->valid_until_ms = get_i64(r);
    it->published_ms = get_i64(r);
    it->duration_ms = (int32_t)get_u32(r);
    it->priority = (int32_t)get_u32(r);
    it->weight = (int32_t)get_u32(r);
    if (r->bad || !it->id || it->kind > CRIER_ITEM_TICKER) {
        crier_item_clear(it);
        return CRIER_ERR_PARSE;
    }
    return CRIER_OK;
}

typedef struct decoded {
    int ended;
    crier_err rc;
    char err[256];
    char uid[128], rule[200]; /* the last rule announced */
} decoded;

/* Decodes every whole record in buf: logs re-logged here, items appended to l. */
static crier_err decode(const unsigned char *buf, size_t len, crier_item_list *l, decoded *d)
{
    size_t off = 0;
    while (len - off >= 5) {
        uint32_t n = (uint32_t)buf[off + 1] | (uint32_t)buf[off + 2] << 8 | (uint32_t)buf[off + 3] << 16 |
                     (uint32_t)buf[off + 4] << 24;
        if (n > len - off - 5)
            break; /* cut off by the deadline */
        char type = (char)buf[off];
        rd r = {.p = buf + off + 5, .n = n};
        off += 5 + (size_t)n;
        if (type == 'R') {
            const char *uid = get_cstr(&r), *rule = get_cstr(&r);
            if (!r.bad) {
                snprintf(d->uid, sizeof d->uid, "%s", uid);
                snprintf(d->rule, sizeof d->rule, "%s", rule);
            }
        } else if (type == 'L') {
            unsigned lvl = r.n ? r.p[0] : 0;
            r.p++, r.n -= r.n ? 1 : 0;
            const char *comp = get_cstr(&r), *msg = get_cstr(&r);
            if (!r.bad && lvl <= CRIER_LOG_ERROR)
                crier_log((crier_log_level)lvl, comp, "%s", msg);
        } else if (type == 'I') {
            crier_item it;
            if (decode_item(&r, &it) != CRIER_OK)
                return CRIER_ERR_PARSE;
            crier_err rc = crier_item_list_take(l, &it);
            crier_item_clear(&it);
            if (rc != CRIER_OK)
                return rc;
        } else if (type == 'E') {
            uint32_t rc = get_u32(&r);
            const char *e = get_cstr(&r);
            if (r.bad || rc >= CRIER_ERR__COUNT)
                return CRIER_ERR_PARSE;
            d->ended = 1;
            d->rc = (crier_err)rc;
            snprintf(d->err, sizeof d->err, "%s", e);
        } else {
            return CRIER_ERR_PARSE;
        }
    }
    return CRIER_OK;
}

crier_err crier_feed_parse_isolated(crier_feed_type type, const char *buf, size_t len, const crier_feed_opts *opts,
                                    int64_t timeout_ms, crier_item_list *out, char *err, size_t err_len)
{
    if (timeout_ms <= 0)
        return crier_feed_parse(type, buf, len, opts, out, err, err_len);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        crier_errf(err, err_len, "cannot parse in a child: pipe: %s", strerror(errno));
        return CRIER_ERR_IO;
    }
    int64_t t0 = crier_mono_ms();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        crier_errf(err, err_len, "cannot parse in a child: fork: %s", strerror(e));
        return CRIER_ERR_IO;
    }
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], type, buf, len, opts, timeout_ms);
    }
    close(fds[1]);
    unsigned char *data = NULL;
    size_t n = 0, cap = 0;
    int timed_out = 0, too_big = 0, io_err = 0;
    for (;;) {
        int64_t left = t0 + timeout_ms - crier_mono_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int pr = poll(&pfd, 1, (int)(left > 1000000 ? 1000000 : left));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            io_err = 1;
            break;
        }
        if (pr == 0)
            continue;
        if (cap - n < 65536) {
            size_t nc = cap ? cap * 2 : 65536;
            unsigned char *b = nc <= MAX_OUT ? realloc(data, nc) : NULL;
            if (!b) {
                too_big = 1;
                break;
            }
            data = b;
            cap = nc;
        }
        ssize_t r = read(fds[0], data + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            io_err = 1;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fds[0]);
    if (timed_out || too_big || io_err)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int64_t took = crier_mono_ms() - t0;

    crier_item_list l;
    crier_item_list_init(&l);
    decoded d = {0};
    crier_err rc = decode(data, n, &l, &d);
    free(data);
    if (timed_out) {
        rc = CRIER_ERR_TIMEOUT;
        if (d.rule[0])
            crier_errf(err, err_len, "parse cut off after %lld ms while expanding RRULE:%s of event \"%s\"",
                       (long long)took, d.rule, d.uid);
        else
            crier_errf(err, err_len, "parse cut off after %lld ms", (long long)took);
    } else if (too_big) {
        rc = CRIER_ERR_LIMIT;
        crier_errf(err, err_len, "parser output over %u bytes", MAX_OUT);
    } else if (io_err) {
        rc = CRIER_ERR_IO;
        crier_errf(err, err_len, "reading the parser's output failed");
    } else if (WIFSIGNALED(status) || !d.ended) {
        rc = CRIER_ERR_PARSE;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
            crier_errf(err, err_len, "parser stopped at its CPU limit%s%s", d.rule[0] ? " expanding RRULE:" : "",
                       d.rule);
        else if (WIFSIGNALED(status))
            crier_errf(err, err_len, "parser crashed (signal %d)%s%s", WTERMSIG(status),
                       d.rule[0] ? " expanding RRULE:" : "", d.rule);
        else
            crier_errf(err, err_len, "parser ended without a result (exit %d)", WEXITSTATUS(status));
    } else if (rc != CRIER_OK) {
        crier_errf(err, err_len, "parser output unreadable");
    } else if (d.rc != CRIER_OK) {
        rc = d.rc;
        crier_errf(err, err_len, "%s", d.err);
    } else {
        rc = crier_feed_append_all(out, &l);
        if (rc != CRIER_OK)
            crier_errf(err, err_len, "out of memory");
    }
    crier_item_list_clear(&l);
    return rc;
}
