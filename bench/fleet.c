/* fleet.c - fleet simulator: N kiosks of Crier's own MQTT and alert code against
 * one broker (issue 8 "Fleet scale", docs/scaling.md).
 *
 * Each simulated kiosk is exactly what a real kiosk runs minus the renderer:
 * the real crier_mqtt thread (firmware/remote/mqtt.c, its own libmosquitto client,
 * persistent session, heartbeats, Last Will) and the real crier_alerts service
 * (firmware/alerts/alerts.c: keyring, Ed25519 verification, strict parse, rules,
 * atomic state file in a temp folder, receipts) with its own mailbox.  Kiosk
 * ids are sim-0001, sim-0002, ...; every kiosk trusts one key.  A shared
 * consumer thread per process stands in for the render threads: each mailbox's
 * wake function queues its kiosk, the consumer takes the messages, and on a
 * CRIER_MSG_ALERTS snapshot holding a new bench alert records the arrival time
 * and reports the frame "presented" (crier_alerts_presented and
 * crier_alerts_snapshot_presented, as firmware/screen/loop.c does), so the
 * receipts flow back exactly as from a real kiosk.
 *
 * Why several processes: libmosquitto 2.0's mosquitto_loop() uses select()
 * and refuses (MOSQ_ERR_INVAL) any client whose socket or wake-up socketpair
 * has a descriptor >= FD_SETSIZE (1024).  Every client holds three
 * descriptors, so one process can run about 330 kiosks whatever `ulimit -n`
 * says.  The fleet is therefore split into shards of --per-proc kiosks (default
 * 250), one forked process each, all started before any thread exists.  A
 * real kiosk runs one client per process, so this limit never touches it.
 *
 * The parent process is the central office: it signs an alert (scope all,
 * crier_envelope_seal) and publishes it once, retained, QoS 1, on
 * crier/v1/all/alert/<tid>; it listens to every kiosk's status (readiness:
 * the kiosk subscribes before it publishes "online") and receipts (including
 * those of real `crier` processes named with --real).  Shards report arrivals
 * over a pipe; the latency of a kiosk is its arrival wall time minus the send
 * wall time (one machine, one clock).  Several rounds, one new alert each.
 *
 * Threads per simulated kiosk: 2 (the MQTT thread runs the libmosquitto loop
 * itself, so there is no extra library thread; plus the alert worker).  Their
 * stack size is set with pthread_setattr_default_np (--stack-kb) without
 * touching the firmware code.
 *
 * Output: a table on stdout; with --rows also "ROW\tname\tvalue\tunit\tgoal"
 * lines for bench/run (bench/bench_fleet.py).
 *
 * Exit status: 0 measured (every connected kiosk got every alert), 1 setup
 * failure or some kiosk missed an alert or never connected, 2 usage. */
#define _GNU_SOURCE
#include "alerts/alert.h"
#include "alerts/alert_set.h"
#include "base/log.h"
#include "base/mailbox.h"
#include "remote/protocol.h"
#include "remote/sign.h"
#include "base/timeutil.h"
#include "alerts/alerts.h"
#include "remote/mqtt.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 64
#define MAX_REAL 16
#define SENDER "fleet-bench@crier.example"
#define FDS_PER_CLIENT 3 /* socket + wake-up socketpair */

typedef struct options {
    const char *broker, *office_broker, *key_path, *keys_dir, *state_root, *prefix, *log_level;
    char *real[MAX_REAL];
    int nreal;
    int n, per_proc, rounds, stack_kb, ramp_us, gap_ms, heartbeat_s, rows, keep;
    int connect_timeout_s, round_timeout_s;
    pid_t broker_pid;
} options;

static options opt = {
    .prefix = "sim",
    .log_level = "warn",
    .n = 1000,
    .per_proc = 250,
    .rounds = 5,
    .stack_kb = 256,
    .ramp_us = 2000,
    .gap_ms = 1000,
    .connect_timeout_s = 120,
    .round_timeout_s = 15,
};

static double wall_ms_f(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* VmRSS, VmHWM (kB) and Threads of a process (0 = self). */
static void proc_mem(pid_t pid, long *rss_kb, long *hwm_kb, long *threads)
{
    char path[64], line[256];
    snprintf(path, sizeof path, pid ? "/proc/%d/status" : "/proc/self/status", (int)pid);
    *rss_kb = *hwm_kb = *threads = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6))
            *rss_kb = atol(line + 6);
        else if (!strncmp(line, "VmHWM:", 6))
            *hwm_kb = atol(line + 6);
        else if (!strncmp(line, "Threads:", 8))
            *threads = atol(line + 8);
    }
    fclose(f);
}

/* utime + stime of a process in ms (-1 if unknown). */
static double proc_cpu_ms(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static void kiosk_id(char *buf, size_t len, int idx)
{
    snprintf(buf, len, "%s-%04d", opt.prefix, idx + 1);
}

/* Index of a sim kiosk id, or -1. */
static int kiosk_index(const char *id)
{
    size_t pl = strlen(opt.prefix);
    if (strncmp(id, opt.prefix, pl) != 0 || id[pl] != '-')
        return -1;
    char *end;
    long v = strtol(id + pl + 1, &end, 10);
    return (*end || v < 1 || v > opt.n) ? -1 : (int)v - 1;
}

/* Round of a bench alert identifier "fleet-<nonce>-r<k>", or -1. */
static char g_nonce[32];
static int alert_round(const char *identifier)
{
    char pre[64];
    int pl = snprintf(pre, sizeof pre, "fleet-%s-r", g_nonce);
    if (!identifier || strncmp(identifier, pre, (size_t)pl) != 0)
        return -1;
    char *end;
    long r = strtol(identifier + pl, &end, 10);
    return (*end || r < 0 || r >= MAX_ROUNDS) ? -1 : (int)r;
}

static void write_line(int fd, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n <= 0 || (size_t)n >= sizeof buf)
        return;
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(fd, buf + off, (size_t)n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

/* ==== shard: kiosks in one process ============================================ */

typedef struct shard shard;

typedef struct inst {
    int idx;
    char id[CRIER_NAME_MAX + 1];
    char state_path[PATH_MAX + 160];
    crier_mailbox mb;
    int mb_ok;
    crier_alerts *al;
    crier_mqtt *mq;
    shard *sh;
    int queued;             /* guarded by sh->qlock */
    struct inst *qnext;     /* guarded by sh->qlock */
    uint64_t seen_rounds;   /* consumer thread only */
} inst;

struct shard {
    int lo, hi, up_fd, down_fd;
    inst *k;
    pthread_mutex_t qlock; /* guards the ready queue and stop */
    pthread_cond_t qcond;
    inst *qhead, *qtail;
    int stop;
    pthread_mutex_t alock; /* guards the arrival records */
    double *take_ms;       /* [round * count + i], 0 = not yet */
    double *posted_ms;
    unsigned char *sent;   /* reported to the parent already */
};

static void on_wake(void *ud)
{
    inst *k = ud;
    shard *sh = k->sh;
    pthread_mutex_lock(&sh->qlock);
    if (!k->queued) {
        k->queued = 1;
        k->qnext = NULL;
        if (sh->qtail)
            sh->qtail->qnext = k;
        else
            sh->qhead = k;
        sh->qtail = k;
        pthread_cond_signal(&sh->qcond);
    }
    pthread_mutex_unlock(&sh->qlock);
}

/* The stand-in renderer: takes each woken kiosk's mailbox, records arrivals of
 * bench alerts and reports every snapshot presented at once. */
static void *consumer_main(void *arg)
{
    shard *sh = arg;
    int count = sh->hi - sh->lo;
    for (;;) {
        pthread_mutex_lock(&sh->qlock);
        while (!sh->qhead && !sh->stop)
            pthread_cond_wait(&sh->qcond, &sh->qlock);
        inst *k = sh->qhead;
        if (!k) {
            pthread_mutex_unlock(&sh->qlock);
            break;
        }
        sh->qhead = k->qnext;
        if (!sh->qhead)
            sh->qtail = NULL;
        k->queued = 0;
        pthread_mutex_unlock(&sh->qlock);

        crier_msg *m = crier_mailbox_take_all(&k->mb);
        double now = wall_ms_f();
        while (m) {
            crier_msg *next = m->next;
            if (m->type == CRIER_MSG_ALERTS && m->payload) {
                const crier_alert_list *list = m->payload;
                for (size_t i = 0; i < list->count; i++) {
                    const crier_alert *a = list->items[i];
                    int r = alert_round(a->identifier);
                    if (r < 0 || (k->seen_rounds & (1ull << r)))
                        continue;
                    k->seen_rounds |= 1ull << r;
                    pthread_mutex_lock(&sh->alock);
                    size_t slot = (size_t)r * (size_t)count + (size_t)(k->idx - sh->lo);
                    sh->take_ms[slot] = now;
                    sh->posted_ms[slot] = (double)m->sent_wall_ms;
                    pthread_mutex_unlock(&sh->alock);
                    crier_alerts_presented(k->al, a->sender, a->identifier, (int64_t)now);
                }
                crier_alerts_snapshot_presented(k->al, crier_alerts_msg_generation(m), (int64_t)now);
            }
            crier_msg_free(m);
            m = next;
        }
    }
    return NULL;
}

static void *stop_one(void *arg)
{
    inst *k = arg;
    crier_alerts_set_mqtt(k->al, NULL);
    crier_mqtt_stop(k->mq);
    k->mq = NULL;
    return NULL;
}

static void flush_arrivals(shard *sh)
{
    int count = sh->hi - sh->lo;
    pthread_mutex_lock(&sh->alock);
    for (int r = 0; r < opt.rounds; r++)
        for (int i = 0; i < count; i++) {
            size_t slot = (size_t)r * (size_t)count + (size_t)i;
            if (sh->take_ms[slot] > 0 && !sh->sent[slot]) {
                sh->sent[slot] = 1;
                write_line(sh->up_fd, "ARR %d %d %.3f %.0f\n", sh->lo + i, r, sh->take_ms[slot], sh->posted_ms[slot]);
            }
        }
    pthread_mutex_unlock(&sh->alock);
}

static int shard_main(int lo, int hi, int up_fd, int down_fd, const char *root)
{
    shard sh = {.lo = lo, .hi = hi, .up_fd = up_fd, .down_fd = down_fd};
    int count = hi - lo, rc = 1;
    pthread_mutex_init(&sh.qlock, NULL);
    pthread_cond_init(&sh.qcond, NULL);
    pthread_mutex_init(&sh.alock, NULL);
    sh.k = calloc((size_t)count, sizeof *sh.k);
    sh.take_ms = calloc((size_t)count * (size_t)opt.rounds, sizeof(double));
    sh.posted_ms = calloc((size_t)count * (size_t)opt.rounds, sizeof(double));
    sh.sent = calloc((size_t)count * (size_t)opt.rounds, 1);
    if (!sh.k || !sh.take_ms || !sh.posted_ms || !sh.sent) {
        write_line(up_fd, "ERR out of memory\n");
        return 1;
    }
    if (opt.stack_kb > 0) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, (size_t)opt.stack_kb * 1024u);
        if (pthread_setattr_default_np(&attr) != 0)
            write_line(up_fd, "WARN cannot set the default thread stack to %d KiB\n", opt.stack_kb);
        pthread_attr_destroy(&attr);
    }
    long rss0, hwm0, thr0;
    proc_mem(0, &rss0, &hwm0, &thr0);

    pthread_t consumer;
    if (pthread_create(&consumer, NULL, consumer_main, &sh) != 0) {
        write_line(up_fd, "ERR cannot start the consumer thread\n");
        return 1;
    }
    int started = 0;
    for (int i = 0; i < count; i++, started++) {
        inst *k = &sh.k[i];
        k->idx = lo + i;
        k->sh = &sh;
        kiosk_id(k->id, sizeof k->id, k->idx);
        char dir[PATH_MAX + 128];
        snprintf(dir, sizeof dir, "%s/%s", root, k->id);
        mkdir(dir, 0700);
        snprintf(k->state_path, sizeof k->state_path, "%s/alerts.json", dir);
        if (crier_mailbox_init(&k->mb, 0) != CRIER_OK)
            break;
        k->mb_ok = 1;
        crier_mailbox_set_wake(&k->mb, on_wake, k);
        char err[256] = "";
        crier_alerts_cfg ac = {.keys_dir = opt.keys_dir,
                               .state_path = k->state_path,
                               .kiosk = k->id,
                               .site = "fleet",
                               .show_tests = 1,
                               .require_signed_posts = -1,
                               .mailbox = &k->mb};
        if (crier_alerts_start(&k->al, &ac, err, sizeof err) != CRIER_OK) {
            write_line(up_fd, "ERR %s: alerts: %s\n", k->id, err);
            break;
        }
        crier_mqtt_cfg mc = {.broker = opt.broker,
                                .kiosk = k->id,
                                .site = "fleet",
                                .heartbeat_s = opt.heartbeat_s,
                                .mailbox = &k->mb};
        crier_alerts_mqtt_hooks(k->al, &mc);
        if (crier_mqtt_start(&k->mq, &mc, err, sizeof err) != CRIER_OK) {
            write_line(up_fd, "ERR %s: MQTT client did not start: %s\n", k->id, err);
            break;
        }
        crier_alerts_set_mqtt(k->al, k->mq);
        if (opt.ramp_us)
            usleep((useconds_t)opt.ramp_us);
    }

    /* readiness: every started kiosk connected (CONNACK), or the timeout */
    int64_t deadline = crier_mono_ms() + (int64_t)opt.connect_timeout_s * 1000;
    int connected = 0;
    for (;;) {
        connected = 0;
        for (int i = 0; i < started; i++) {
            crier_mqtt_stats st;
            crier_mqtt_get_stats(sh.k[i].mq, &st);
            connected += st.connected;
        }
        if (connected == started || crier_mono_ms() > deadline)
            break;
        usleep(100000);
    }
    long rss1, hwm1, thr1;
    proc_mem(0, &rss1, &hwm1, &thr1);
    write_line(up_fd, "READY %d %d %d %ld %ld %ld\n", connected, started, count, rss0, rss1, thr1);

    /* serve the parent: arrivals every 10 ms, "M" = memory, "Q" or EOF = quit */
    for (;;) {
        struct pollfd p = {.fd = down_fd, .events = POLLIN};
        int pr = poll(&p, 1, 10);
        flush_arrivals(&sh);
        if (pr > 0) {
            char cmd[64];
            ssize_t n = read(down_fd, cmd, sizeof cmd - 1);
            if (n <= 0)
                break;
            cmd[n] = '\0';
            if (strchr(cmd, 'M')) {
                long r, h, t;
                proc_mem(0, &r, &h, &t);
                write_line(up_fd, "MEM %ld %ld %ld\n", r, h, t);
            }
            if (strchr(cmd, 'Q'))
                break;
        }
    }
    flush_arrivals(&sh);
    rc = 0;

    /* stop: every MQTT client at once (each stop waits for its loop), then the rest */
    pthread_t *stoppers = calloc((size_t)started, sizeof *stoppers);
    char *joined = calloc((size_t)started, 1);
    pthread_attr_t sa;
    pthread_attr_init(&sa);
    pthread_attr_setstacksize(&sa, 64 * 1024);
    for (int i = 0; i < started; i++)
        if (!stoppers || !joined || pthread_create(&stoppers[i], &sa, stop_one, &sh.k[i]) != 0)
            stop_one(&sh.k[i]);
        else
            joined[i] = 1;
    pthread_attr_destroy(&sa);
    for (int i = 0; i < started; i++)
        if (joined && joined[i])
            pthread_join(stoppers[i], NULL);
    free(stoppers);
    free(joined);
    for (int i = 0; i < count; i++) {
        inst *k = &sh.k[i];
        if (k->mq) /* a start that failed half-way */
            stop_one(k);
        crier_alerts_stop(k->al);
        k->al = NULL;
    }
    pthread_mutex_lock(&sh.qlock);
    sh.stop = 1;
    pthread_cond_broadcast(&sh.qcond);
    pthread_mutex_unlock(&sh.qlock);
    pthread_join(consumer, NULL);
    for (int i = 0; i < count; i++)
        if (sh.k[i].mb_ok)
            crier_mailbox_destroy(&sh.k[i].mb);
    write_line(up_fd, "DONE\n");
    free(sh.k);
    free(sh.take_ms);
    free(sh.posted_ms);
    free(sh.sent);
    pthread_mutex_destroy(&sh.qlock);
    pthread_cond_destroy(&sh.qcond);
    pthread_mutex_destroy(&sh.alock);
    return rc;
}

/* ==== parent: the central office =============================================== */

typedef struct shard_proc {
    pid_t pid;
    int up_fd, down_fd;
    int lo, hi;
    int ready, done;
    int connected, started;
    long rss0, rss1, threads, rss_end, hwm_end, threads_end;
    int got_mem;
    char buf[8192];
    size_t blen;
} shard_proc;

typedef struct office {
    struct mosquitto *mosq;
    pthread_mutex_t lock; /* guards everything below */
    int connected;
    unsigned char *online;      /* [n] status "online" seen */
    int n_online;
    int real_online[MAX_REAL];
    /* per round [r * n + i] */
    double *rcpt_back_ms;       /* when the receipt reached the office */
    double *rcpt_recv_ms;       /* the kiosk's received_ms */
    double *rcpt_pres_ms;       /* the kiosk's presented_ms (0 = none) */
    int rcpt_count[MAX_ROUNDS];
    double real_pres_ms[MAX_ROUNDS][MAX_REAL];
    double real_recv_ms[MAX_ROUNDS][MAX_REAL];
    int real_count[MAX_ROUNDS];
    int bad_receipts;
    char last_bad[256];
} office;

static office g_off;

static int real_index(const char *id)
{
    for (int i = 0; i < opt.nreal; i++)
        if (!strcmp(opt.real[i], id))
            return i;
    return -1;
}

static void on_office_connect(struct mosquitto *m, void *ud, int rc, int flags, const mosquitto_property *p)
{
    if (rc != 0)
        return;
    mosquitto_subscribe(m, NULL, "crier/v1/kiosk/+/status", 1);
    mosquitto_subscribe(m, NULL, "crier/v1/kiosk/+/receipt/+", 1);
    pthread_mutex_lock(&g_off.lock);
    g_off.connected = 1;
    pthread_mutex_unlock(&g_off.lock);
}

static void on_office_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg,
                              const mosquitto_property *p)
{
    double now = wall_ms_f();
    crier_topic t;
    if (crier_topic_parse(msg->topic, &t) != CRIER_OK || msg->payloadlen <= 0)
        return;
    cJSON *j = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
    if (!j)
        return;
    int idx = kiosk_index(t.target), ri = real_index(t.target);
    pthread_mutex_lock(&g_off.lock);
    if (t.kind == CRIER_TOPIC_STATUS) {
        const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(j, "state"));
        int on = state && !strcmp(state, "online");
        if (idx >= 0 && on != g_off.online[idx]) {
            g_off.online[idx] = (unsigned char)on;
            g_off.n_online += on ? 1 : -1;
        } else if (ri >= 0) {
            g_off.real_online[ri] = on;
        }
    } else if (t.kind == CRIER_TOPIC_RECEIPT) {
        const char *ident = cJSON_GetStringValue(cJSON_GetObjectItem(j, "identifier"));
        const char *verdict = cJSON_GetStringValue(cJSON_GetObjectItem(j, "verdict"));
        int r = alert_round(ident);
        cJSON *pr = cJSON_GetObjectItem(j, "presented_ms"), *rv = cJSON_GetObjectItem(j, "received_ms");
        if (r >= 0 && (!verdict || strcmp(verdict, "accepted") != 0)) {
            g_off.bad_receipts++;
            const char *reason = cJSON_GetStringValue(cJSON_GetObjectItem(j, "reason"));
            snprintf(g_off.last_bad, sizeof g_off.last_bad, "%s: %s", t.target, reason ? reason : "?");
        } else if (r >= 0 && idx >= 0) {
            size_t slot = (size_t)r * (size_t)opt.n + (size_t)idx;
            if (g_off.rcpt_back_ms[slot] == 0) {
                g_off.rcpt_back_ms[slot] = now;
                g_off.rcpt_recv_ms[slot] = cJSON_IsNumber(rv) ? rv->valuedouble : 0;
                g_off.rcpt_pres_ms[slot] = cJSON_IsNumber(pr) ? pr->valuedouble : 0;
                g_off.rcpt_count[r]++;
            }
        } else if (r >= 0 && ri >= 0 && g_off.real_recv_ms[r][ri] == 0) {
            g_off.real_recv_ms[r][ri] = cJSON_IsNumber(rv) ? rv->valuedouble : -1;
            g_off.real_pres_ms[r][ri] = cJSON_IsNumber(pr) ? pr->valuedouble : 0;
            g_off.real_count[r]++;
        }
    }
    pthread_mutex_unlock(&g_off.lock);
    cJSON_Delete(j);
}

/* Signed alert JSON for round r (docs/alerts.md wire format); cancel: the
 * Cancel of that round's alert (identifier "fleet-<nonce>-c<r>"). */
static char *round_alert(int r, int cancel, const crier_key *key, char *identifier, size_t ilen)
{
    int64_t now = crier_wall_ms();
    char t[40];
    snprintf(identifier, ilen, "fleet-%s-%c%d", g_nonce, cancel ? 'c' : 'r', r);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "alert");
    cJSON_AddNumberToObject(o, "v", 1);
    cJSON_AddStringToObject(o, "identifier", identifier);
    cJSON_AddStringToObject(o, "sender", SENDER);
    crier_format_utc_ms(now, t, sizeof t);
    cJSON_AddStringToObject(o, "sent", t);
    cJSON_AddNumberToObject(o, "seq", (double)now);
    cJSON_AddStringToObject(o, "status", "Actual");
    cJSON_AddStringToObject(o, "msgType", cancel ? "Cancel" : "Alert");
    cJSON_AddStringToObject(o, "scope", "all");
    if (cancel) {
        char ref[96];
        snprintf(ref, sizeof ref, "fleet-%s-r%d", g_nonce, r);
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "identifier", ref);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "references"), x);
    } else {
        cJSON *arr = cJSON_AddArrayToObject(o, "info");
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "language", "en-GB");
        cJSON_AddStringToObject(b, "event", "Flood warning");
        cJSON_AddStringToObject(b, "urgency", "Immediate");
        cJSON_AddStringToObject(b, "severity", "Extreme");
        cJSON_AddStringToObject(b, "certainty", "Observed");
        crier_format_utc_ms(now + 3600000, t, sizeof t);
        cJSON_AddStringToObject(b, "expires", t);
        cJSON_AddStringToObject(b, "headline", "Evacuate the river quarter now");
        cJSON_AddStringToObject(b, "instruction", "Go to the sports hall on Hill Road.\nDo not use the underpass.");
        cJSON_AddStringToObject(b, "areaDesc", "River quarter");
        cJSON_AddItemToArray(arr, b);
    }
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char *env = NULL;
    if (json && crier_envelope_seal(json, strlen(json), key, &env, NULL) != CRIER_OK)
        env = NULL;
    free(json);
    return env;
}

static void handle_line(shard_proc *sp, char *line, double *take, double *posted)
{
    if (!strncmp(line, "ARR ", 4)) {
        int idx, r;
        double tk, po;
        if (sscanf(line + 4, "%d %d %lf %lf", &idx, &r, &tk, &po) == 4 && idx >= 0 && idx < opt.n && r >= 0 &&
            r < opt.rounds) {
            take[(size_t)r * (size_t)opt.n + (size_t)idx] = tk;
            posted[(size_t)r * (size_t)opt.n + (size_t)idx] = po;
        }
    } else if (!strncmp(line, "READY ", 6)) {
        int total;
        sscanf(line + 6, "%d %d %d %ld %ld %ld", &sp->connected, &sp->started, &total, &sp->rss0, &sp->rss1,
               &sp->threads);
        sp->ready = 1;
    } else if (!strncmp(line, "MEM ", 4)) {
        sscanf(line + 4, "%ld %ld %ld", &sp->rss_end, &sp->hwm_end, &sp->threads_end);
        sp->got_mem = 1;
    } else if (!strncmp(line, "DONE", 4)) {
        sp->done = 1;
    } else if (line[0]) {
        fprintf(stderr, "fleet: shard %d-%d: %s\n", sp->lo, sp->hi, line);
    }
}

/* Reads whatever the shards sent within timeout_ms. */
static void pump(shard_proc *sps, int ns, int timeout_ms, double *take, double *posted)
{
    struct pollfd p[256];
    int np = 0;
    for (int i = 0; i < ns && np < 256; i++)
        if (sps[i].up_fd >= 0)
            p[np++] = (struct pollfd){.fd = sps[i].up_fd, .events = POLLIN};
    if (!np) {
        usleep((useconds_t)timeout_ms * 1000u);
        return;
    }
    if (poll(p, (nfds_t)np, timeout_ms) <= 0)
        return;
    for (int j = 0; j < np; j++) {
        if (!(p[j].revents & (POLLIN | POLLHUP)))
            continue;
        shard_proc *sp = NULL;
        for (int i = 0; i < ns; i++)
            if (sps[i].up_fd == p[j].fd)
                sp = &sps[i];
        ssize_t n = read(sp->up_fd, sp->buf + sp->blen, sizeof sp->buf - 1 - sp->blen);
        if (n <= 0) {
            close(sp->up_fd);
            sp->up_fd = -1;
            continue;
        }
        sp->blen += (size_t)n;
        sp->buf[sp->blen] = '\0';
        char *start = sp->buf, *nl;
        while ((nl = strchr(start, '\n'))) {
            *nl = '\0';
            handle_line(sp, start, take, posted);
            start = nl + 1;
        }
        sp->blen = strlen(start);
        memmove(sp->buf, start, sp->blen + 1);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[n]. */
static double pct(const double *v, int n, double p)
{
    if (n <= 0)
        return -1;
    int rank = (int)((p / 100.0) * n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

static double median(double *v, int n)
{
    if (n <= 0)
        return -1;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: crier_fleet --broker mqtt://HOST:PORT [options]\n"
            "  --office-broker U  where the office publishes and listens (default: --broker; e.g. the\n"
            "                     central broker of a bridge tree whose site broker is --broker)\n"
            "  --n N              simulated kiosks (1000)\n"
            "  --per-proc N       kiosks per process (250; libmosquitto's select() caps one process near 330)\n"
            "  --rounds N         alerts sent, one per round (5, at most %d)\n"
            "  --key FILE         secret signing key (crierctl keygen); default: a new key\n"
            "  --keys DIR         trusted key folder the kiosks load (default: a temp folder with the key)\n"
            "  --real ID[,ID]     real crier kiosks to wait for and collect receipts from\n"
            "  --state-dir DIR    where the per-kiosk temp folders go ($TMPDIR or /tmp)\n"
            "  --stack-kb N       default thread stack in KiB (256; 0 = the system default)\n"
            "  --ramp-us N        pause between kiosk starts in one process (2000)\n"
            "  --gap-ms N         pause between rounds (1000)\n"
            "  --heartbeat-s N    kiosk heartbeat period (0 = the kiosk default, 60)\n"
            "  --connect-timeout S, --round-timeout S   (120, 15)\n"
            "  --broker-pid PID   report the broker's CPU per fan-out and its memory\n"
            "  --prefix P         kiosk ids P-0001... (sim)\n"
            "  --log-level L      firmware log level (warn)\n"
            "  --rows             also print ROW lines for bench/run\n"
            "  --keep             keep the temp folder\n",
            MAX_ROUNDS);
    exit(2);
}

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT_S(name, field)          \
    if (!strcmp(a, name)) {         \
        if (!v)                     \
            usage();                \
        opt.field = v;              \
        i++;                        \
        continue;                   \
    }
#define OPT_I(name, field)          \
    if (!strcmp(a, name)) {         \
        if (!v)                     \
            usage();                \
        opt.field = atoi(v);        \
        i++;                        \
        continue;                   \
    }
        OPT_S("--broker", broker)
        OPT_S("--office-broker", office_broker)
        OPT_S("--key", key_path)
        OPT_S("--keys", keys_dir)
        OPT_S("--state-dir", state_root)
        OPT_S("--prefix", prefix)
        OPT_S("--log-level", log_level)
        OPT_I("--n", n)
        OPT_I("--per-proc", per_proc)
        OPT_I("--rounds", rounds)
        OPT_I("--stack-kb", stack_kb)
        OPT_I("--ramp-us", ramp_us)
        OPT_I("--gap-ms", gap_ms)
        OPT_I("--heartbeat-s", heartbeat_s)
        OPT_I("--connect-timeout", connect_timeout_s)
        OPT_I("--round-timeout", round_timeout_s)
        OPT_I("--broker-pid", broker_pid)
#undef OPT_S
#undef OPT_I
        if (!strcmp(a, "--rows")) {
            opt.rows = 1;
            continue;
        }
        if (!strcmp(a, "--keep")) {
            opt.keep = 1;
            continue;
        }
        if (!strcmp(a, "--real")) {
            if (!v)
                usage();
            char *copy = strdup(v), *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t && opt.nreal < MAX_REAL; t = strtok_r(NULL, ",", &save))
                opt.real[opt.nreal++] = strdup(t);
            free(copy);
            i++;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            usage();
        fprintf(stderr, "crier_fleet: unknown option %s\n", a);
        usage();
    }
    if (!opt.broker || opt.n < 1 || opt.per_proc < 1 || opt.rounds < 1 || opt.rounds > MAX_ROUNDS ||
        crier_log_level_parse(opt.log_level) < 0 || !crier_name_valid(opt.prefix))
        usage();
    return 0;
}

typedef struct stats3 {
    double p50, p99, max;
    int n;
} stats3;

static stats3 stats_of(double *v, int n)
{
    stats3 s = {-1, -1, -1, n};
    if (n > 0) {
        qsort(v, (size_t)n, sizeof *v, cmp_double);
        s.p50 = pct(v, n, 50);
        s.p99 = pct(v, n, 99);
        s.max = v[n - 1];
    }
    return s;
}

static void row(const char *name, double value, const char *unit, const char *goal)
{
    printf("  %-58s %10.2f %-12s %s\n", name, value, unit, goal);
    if (opt.rows)
        printf("ROW\t%s\t%.3f\t%s\t%s\n", name, value, unit, goal);
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    crier_log_set_level((crier_log_level)crier_log_level_parse(opt.log_level));
    signal(SIGPIPE, SIG_IGN);
    int status = 1, ns = 0;
    shard_proc *sps = NULL;
    double *take = NULL, *posted = NULL;
    unsigned char *measured = NULL;
    crier_key key;
    memset(&key, 0, sizeof key);

    /* descriptors: 3 per client, the broker's side is another process */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    int per_proc = opt.per_proc < opt.n ? opt.per_proc : opt.n;
    if ((long)per_proc * FDS_PER_CLIENT + 64 > FD_SETSIZE)
        fprintf(stderr,
                "fleet: warning: %d kiosks in one process need about %d descriptors; libmosquitto's "
                "mosquitto_loop() (select) refuses descriptors >= %d, so some will never connect\n",
                per_proc, per_proc * FDS_PER_CLIENT + 16, FD_SETSIZE);
    if ((rlim_t)per_proc * FDS_PER_CLIENT + 64 > rl.rlim_cur)
        fprintf(stderr, "fleet: warning: RLIMIT_NOFILE is %llu; raise `ulimit -n`\n", (unsigned long long)rl.rlim_cur);

    /* temp folder, key, trusted key folder */
    char root[PATH_MAX - 64];
    const char *base = opt.state_root ? opt.state_root : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(root, sizeof root, "%s/crier-fleet.XXXXXX", base);
    if (!mkdtemp(root)) {
        fprintf(stderr, "fleet: cannot make a temp folder in %s: %s\n", base, strerror(errno));
        return 1;
    }
    snprintf(g_nonce, sizeof g_nonce, "%lld-%d", (long long)(crier_wall_ms() % 100000000), (int)getpid());
    char keys_dir[PATH_MAX];
    if (opt.key_path) {
        if (crier_key_load(opt.key_path, &key) != CRIER_OK || !key.has_secret) {
            fprintf(stderr, "fleet: cannot load the secret key %s\n", opt.key_path);
            goto cleanup_root;
        }
    } else if (crier_key_generate("Fleet bench", &key) != CRIER_OK) {
        fprintf(stderr, "fleet: cannot generate a key\n");
        goto cleanup_root;
    }
    if (!opt.keys_dir) {
        char pub[PATH_MAX + 32];
        snprintf(keys_dir, sizeof keys_dir, "%s/keys", root);
        mkdir(keys_dir, 0700);
        snprintf(pub, sizeof pub, "%s/fleet.pub", keys_dir);
        if (crier_key_save_public(&key, pub, 1) != CRIER_OK) {
            fprintf(stderr, "fleet: cannot write %s\n", pub);
            goto cleanup_root;
        }
        opt.keys_dir = keys_dir;
    }

    /* shards: fork them all before this process starts any thread */
    ns = (opt.n + per_proc - 1) / per_proc;
    if (ns > 256) {
        fprintf(stderr, "fleet: at most 256 processes (raise --per-proc)\n");
        goto cleanup_root;
    }
    sps = calloc((size_t)ns, sizeof *sps);
    take = calloc((size_t)opt.n * (size_t)opt.rounds, sizeof(double));
    posted = calloc((size_t)opt.n * (size_t)opt.rounds, sizeof(double));
    g_off.online = calloc((size_t)opt.n, 1);
    g_off.rcpt_back_ms = calloc((size_t)opt.n * (size_t)opt.rounds, sizeof(double));
    g_off.rcpt_recv_ms = calloc((size_t)opt.n * (size_t)opt.rounds, sizeof(double));
    g_off.rcpt_pres_ms = calloc((size_t)opt.n * (size_t)opt.rounds, sizeof(double));
    if (!sps || !take || !posted || !g_off.online || !g_off.rcpt_back_ms || !g_off.rcpt_recv_ms ||
        !g_off.rcpt_pres_ms) {
        fprintf(stderr, "fleet: out of memory\n");
        goto cleanup_root;
    }
    for (int s = 0; s < ns; s++)
        sps[s].up_fd = sps[s].down_fd = -1;
    double t_start = wall_ms_f();
    fflush(NULL);
    for (int s = 0; s < ns; s++) {
        int up[2], down[2];
        if (pipe(up) || pipe(down)) {
            fprintf(stderr, "fleet: pipe: %s\n", strerror(errno));
            goto cleanup_shards;
        }
        sps[s].lo = s * per_proc;
        sps[s].hi = sps[s].lo + per_proc < opt.n ? sps[s].lo + per_proc : opt.n;
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "fleet: fork: %s\n", strerror(errno));
            goto cleanup_shards;
        }
        if (pid == 0) {
            close(up[0]);
            close(down[1]);
            for (int o = 0; o < s; o++) { /* earlier shards' parent ends */
                close(sps[o].up_fd);
                close(sps[o].down_fd);
            }
            int rc = shard_main(sps[s].lo, sps[s].hi, up[1], down[0], root);
            free(sps);
            free(take);
            free(posted);
            free(g_off.online);
            free(g_off.rcpt_back_ms);
            free(g_off.rcpt_recv_ms);
            free(g_off.rcpt_pres_ms);
            for (int i = 0; i < opt.nreal; i++)
                free(opt.real[i]);
            exit(rc); /* not _exit: LeakSanitizer checks the shard too (no atexit handler before fork) */
        }
        close(up[1]);
        close(down[0]);
        sps[s].pid = pid;
        sps[s].up_fd = up[0];
        sps[s].down_fd = down[1];
    }

    /* the office client */
    pthread_mutex_init(&g_off.lock, NULL);
    mosquitto_lib_init();
    crier_broker_url url;
    if (!opt.office_broker)
        opt.office_broker = opt.broker;
    if (crier_broker_url_parse(opt.office_broker, &url) != CRIER_OK || url.tls) {
        fprintf(stderr, "fleet: bad broker URL %s (mqtt://host:port)\n", opt.office_broker);
        goto cleanup_shards;
    }
    char cid[64];
    snprintf(cid, sizeof cid, "fleet-office-%d", (int)getpid());
    g_off.mosq = mosquitto_new(cid, true, NULL);
    mosquitto_int_option(g_off.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_int_option(g_off.mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect_v5_callback_set(g_off.mosq, on_office_connect);
    mosquitto_message_v5_callback_set(g_off.mosq, on_office_message);
    if (mosquitto_connect(g_off.mosq, url.host, url.port, 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(g_off.mosq) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "fleet: the office client cannot reach %s\n", opt.office_broker);
        goto cleanup_shards;
    }

    /* wait for every kiosk: shards READY and "online" from each */
    int64_t deadline = crier_mono_ms() + (int64_t)(opt.connect_timeout_s + 10) * 1000;
    int all_ready = 0;
    for (;;) {
        pump(sps, ns, 100, take, posted);
        int ready = 0, gone = 0;
        for (int s = 0; s < ns; s++) {
            ready += sps[s].ready;
            gone += sps[s].up_fd < 0 && !sps[s].ready;
        }
        pthread_mutex_lock(&g_off.lock);
        int on = g_off.n_online, real_on = 0;
        for (int i = 0; i < opt.nreal; i++)
            real_on += g_off.real_online[i];
        pthread_mutex_unlock(&g_off.lock);
        if (ready == ns && on >= opt.n && real_on == opt.nreal) {
            all_ready = 1;
            break;
        }
        if (gone || crier_mono_ms() > deadline) {
            fprintf(stderr, "fleet: not every kiosk came online: %d of %d simulated, %d of %d real, %d of %d "
                    "processes ready%s\n", on, opt.n, real_on, opt.nreal, ready, ns, gone ? " (a process died)" : "");
            break;
        }
    }
    double t_ready = wall_ms_f();
    int connected = 0, started = 0;
    long rss0 = 0, rss1 = 0, threads = 0;
    for (int s = 0; s < ns; s++) {
        connected += sps[s].connected;
        started += sps[s].started;
        rss0 += sps[s].rss0;
        rss1 += sps[s].rss1;
        threads += sps[s].threads;
    }
    /* which kiosks were online when the rounds began (only those are measured) */
    measured = calloc((size_t)opt.n, 1);
    int n_measured = 0;
    pthread_mutex_lock(&g_off.lock);
    for (int i = 0; i < opt.n && measured; i++)
        n_measured += measured[i] = g_off.online[i];
    pthread_mutex_unlock(&g_off.lock);
    if (!measured || n_measured == 0) {
        fprintf(stderr, "fleet: no kiosk to measure\n");
        goto cleanup_shards;
    }
    /* let the connect burst (heartbeats, retained statuses) settle */
    for (int64_t until = crier_mono_ms() + 2000; crier_mono_ms() < until;)
        pump(sps, ns, 50, take, posted);

    double t_send[MAX_ROUNDS] = {0}, broker_cpu[MAX_ROUNDS] = {0}, fleet_cpu[MAX_ROUNDS] = {0};
    size_t env_bytes = 0;
    for (int r = 0; r < opt.rounds; r++) {
        char ident[96], tid[CRIER_NAME_MAX + 1], topic[CRIER_TOPIC_MAX];
        char *env = round_alert(r, 0, &key, ident, sizeof ident);
        if (!env || crier_alert_topic_id(SENDER, ident, tid, sizeof tid) != CRIER_OK ||
            crier_topic_alert(topic, sizeof topic, CRIER_SCOPE_ALL, NULL, tid) != CRIER_OK) {
            fprintf(stderr, "fleet: cannot build alert %d (no secret key?)\n", r);
            free(env);
            goto cleanup_shards;
        }
        env_bytes = strlen(env);
        mosquitto_property *props = NULL;
        mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 2 * 3600);
        double cpu0 = opt.broker_pid ? proc_cpu_ms(opt.broker_pid) : 0, fcpu0 = 0;
        for (int s = 0; s < ns; s++)
            fcpu0 += proc_cpu_ms(sps[s].pid);
        t_send[r] = wall_ms_f();
        int prc = mosquitto_publish_v5(g_off.mosq, NULL, topic, (int)env_bytes, env, 1, true, props);
        mosquitto_property_free_all(&props);
        free(env);
        if (prc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "fleet: publish failed: %s\n", mosquitto_strerror(prc));
            goto cleanup_shards;
        }
        int64_t rdl = crier_mono_ms() + (int64_t)opt.round_timeout_s * 1000;
        while (crier_mono_ms() < rdl) {
            pump(sps, ns, 20, take, posted);
            int arrived = 0;
            for (int i = 0; i < opt.n; i++)
                arrived += measured[i] && take[(size_t)r * (size_t)opt.n + (size_t)i] > 0;
            pthread_mutex_lock(&g_off.lock);
            int rc_all = g_off.rcpt_count[r] >= n_measured && g_off.real_count[r] >= opt.nreal;
            pthread_mutex_unlock(&g_off.lock);
            if (arrived >= n_measured && rc_all)
                break;
        }
        if (opt.broker_pid)
            broker_cpu[r] = proc_cpu_ms(opt.broker_pid) - cpu0;
        fleet_cpu[r] = -fcpu0;
        for (int s = 0; s < ns; s++)
            fleet_cpu[r] += proc_cpu_ms(sps[s].pid);
        /* cancel it (same topic, replaces the retained alert) so every round starts from no alert */
        char cident[96];
        char *cenv = round_alert(r, 1, &key, cident, sizeof cident);
        if (cenv)
            mosquitto_publish(g_off.mosq, NULL, topic, (int)strlen(cenv), cenv, 1, true);
        free(cenv);
        for (int64_t until = crier_mono_ms() + opt.gap_ms; crier_mono_ms() < until;)
            pump(sps, ns, 20, take, posted);
    }
    /* clear the retained alerts (kiosks ignore an empty retained alert) */
    for (int r = 0; r < opt.rounds; r++) {
        char ident[96], tid[CRIER_NAME_MAX + 1], topic[CRIER_TOPIC_MAX];
        snprintf(ident, sizeof ident, "fleet-%s-r%d", g_nonce, r);
        if (crier_alert_topic_id(SENDER, ident, tid, sizeof tid) == CRIER_OK &&
            crier_topic_alert(topic, sizeof topic, CRIER_SCOPE_ALL, NULL, tid) == CRIER_OK)
            mosquitto_publish(g_off.mosq, NULL, topic, 0, NULL, 1, true);
    }
    for (int s = 0; s < ns; s++)
        write_line(sps[s].down_fd, "M\n");
    for (int64_t until = crier_mono_ms() + 3000; crier_mono_ms() < until;) {
        pump(sps, ns, 20, take, posted);
        int got = 0;
        for (int s = 0; s < ns; s++)
            got += sps[s].got_mem || sps[s].up_fd < 0;
        if (got == ns)
            break;
    }
    long rss_end = 0;
    for (int s = 0; s < ns; s++)
        rss_end += sps[s].rss_end;
    long broker_rss = 0, broker_hwm = 0, broker_thr = 0;
    if (opt.broker_pid)
        proc_mem(opt.broker_pid, &broker_rss, &broker_hwm, &broker_thr);

    /* ---- report ---- */
    int missing = 0, rcpt_missing = 0, rcpt_nopres = 0, real_missing = 0;
    double *v = calloc((size_t)opt.n, sizeof(double)), *vs = calloc((size_t)opt.n, sizeof(double));
    double p50s[MAX_ROUNDS], p99s[MAX_ROUNDS], maxs[MAX_ROUNDS], mq99[MAX_ROUNDS], mb99[MAX_ROUNDS], rb99[MAX_ROUNDS];
    double realp[MAX_ROUNDS * MAX_REAL];
    int nrealp = 0;
    double worst = 0;
    printf("fleet: %d simulated kiosks in %d processes (%d per process), %d real, broker %s\n", opt.n, ns,
           per_proc, opt.nreal, opt.broker);
    printf("fleet: %d connected, %d measured, online after %.0f ms; alert envelope %zu bytes\n", connected,
           n_measured, t_ready - t_start, env_bytes);
    printf("  round  arrived   p50 ms   p99 ms   max ms | mqtt p99  mailbox p99 | receipts  back p99 | real presented ms\n");
    pthread_mutex_lock(&g_off.lock);
    for (int r = 0; r < opt.rounds; r++) {
        int n = 0, nq = 0, nm = 0, nr = 0;
        double *vq = malloc((size_t)opt.n * sizeof(double)), *vm = malloc((size_t)opt.n * sizeof(double));
        for (int i = 0; i < opt.n && vq && vm; i++) {
            if (!measured[i])
                continue;
            size_t slot = (size_t)r * (size_t)opt.n + (size_t)i;
            if (take[slot] > 0)
                v[n++] = take[slot] - t_send[r];
            else
                missing++;
            if (posted[slot] > 0)
                vm[nm++] = posted[slot] - t_send[r];
            if (g_off.rcpt_back_ms[slot] > 0) {
                vq[nq++] = g_off.rcpt_recv_ms[slot] - t_send[r];
                vs[nr++] = g_off.rcpt_back_ms[slot] - t_send[r];
                rcpt_nopres += g_off.rcpt_pres_ms[slot] <= 0;
            } else {
                rcpt_missing++;
            }
        }
        stats3 a = stats_of(v, n), q = stats_of(vq, nq), m = stats_of(vm, nm), b = stats_of(vs, nr);
        p50s[r] = a.p50;
        p99s[r] = a.p99;
        maxs[r] = a.max;
        mq99[r] = q.p99;
        mb99[r] = m.p99;
        rb99[r] = b.p99;
        if (a.max > worst)
            worst = a.max;
        printf("  %5d  %4d/%-4d %8.1f %8.1f %8.1f | %8.1f  %11.1f | %8d  %8.1f |", r, n, n_measured, a.p50, a.p99,
               a.max, q.p99, m.p99, nr, b.p99);
        for (int k = 0; k < opt.nreal; k++) {
            if (g_off.real_recv_ms[r][k] == 0) {
                printf(" -");
                real_missing++;
            } else if (g_off.real_pres_ms[r][k] <= 0) {
                printf(" (no present)");
            } else {
                double d = g_off.real_pres_ms[r][k] - t_send[r];
                realp[nrealp++] = d;
                printf(" %.0f", d);
            }
        }
        printf("   CPU ms: kiosks %.0f", fleet_cpu[r]);
        if (opt.broker_pid)
            printf(" broker %.0f", broker_cpu[r]);
        printf("\n");
        free(vq);
        free(vm);
    }
    int bad = g_off.bad_receipts;
    char last_bad[256];
    snprintf(last_bad, sizeof last_bad, "%s", g_off.last_bad);
    pthread_mutex_unlock(&g_off.lock);
    if (bad)
        fprintf(stderr, "fleet: %d receipts were not 'accepted' (last: %s)\n", bad, last_bad);

    char label[128], goal_p99[32];
    snprintf(goal_p99, sizeof goal_p99, "<= 250");
    printf("\n  median over %d rounds (send to the kiosk's renderer having the alert):\n", opt.rounds);
    snprintf(label, sizeof label, "fleet %d kiosks: alert send to all, p50", n_measured);
    row(label, median(p50s, opt.rounds), "ms", "");
    snprintf(label, sizeof label, "fleet %d kiosks: alert send to all, p99", n_measured);
    row(label, median(p99s, opt.rounds), "ms", goal_p99);
    snprintf(label, sizeof label, "fleet %d kiosks: alert send to all, max", n_measured);
    row(label, median(maxs, opt.rounds), "ms", "");
    row("fleet: worst max over all rounds", worst, "ms", "");
    row("fleet: send to MQTT thread (receipt received_ms), p99", median(mq99, opt.rounds), "ms", "");
    row("fleet: send to snapshot posted (mailbox), p99", median(mb99, opt.rounds), "ms", "");
    row("fleet: send to receipt back at the office, p99", median(rb99, opt.rounds), "ms", "");
    row("fleet: kiosks that missed an alert (all rounds)", missing, "count", "0");
    row("fleet: receipts missing / without presented_ms", rcpt_missing + rcpt_nopres, "count", "0");
    if (started > 0) {
        row("fleet: memory per kiosk at ready (RSS delta / N)", (double)(rss1 - rss0) / started, "KiB", "");
        row("fleet: memory per kiosk after the alerts", (double)(rss_end - rss0) / started, "KiB", "");
        /* each process also has its main and consumer threads */
        row("fleet: threads per kiosk", (double)(threads - 2 * ns) / started, "threads", "");
    }
    row("fleet: time to connect every kiosk", t_ready - t_start, "ms", "");
    /* the CPU the simulated kiosks spend on one alert: on a real fleet each kiosk spends its
       share on its own CPU, here 2 cores serve them all (docs/scaling.md) */
    row("fleet: kiosk CPU per alert, per kiosk (median)", median(fleet_cpu, opt.rounds) * 1000.0 / started, "us", "");
    if (opt.broker_pid) {
        row("broker: CPU per alert fan-out (median)", median(broker_cpu, opt.rounds), "ms", "");
        row("broker: RSS with the fleet connected", (double)broker_rss / 1024.0, "MB", "");
    }
    if (opt.nreal) {
        double rp[MAX_ROUNDS * MAX_REAL];
        memcpy(rp, realp, sizeof(double) * (size_t)nrealp);
        stats3 rs = stats_of(rp, nrealp);
        snprintf(label, sizeof label, "real crier x%d under the fleet: send to presented, p50", opt.nreal);
        row(label, rs.p50, "ms", "");
        snprintf(label, sizeof label, "real crier x%d under the fleet: send to presented, max", opt.nreal);
        row(label, rs.max, "ms", "");
        row("real crier: receipts missing", real_missing, "count", "0");
    }
    free(v);
    free(vs);
    status = (all_ready && missing == 0 && rcpt_missing == 0 && real_missing == 0) ? 0 : 1;

cleanup_shards:
    if (g_off.mosq) {
        mosquitto_disconnect(g_off.mosq);
        mosquitto_loop_stop(g_off.mosq, false);
        mosquitto_destroy(g_off.mosq);
        g_off.mosq = NULL;
    }
    for (int s = 0; s < ns; s++)
        if (sps && sps[s].pid > 0) {
            write_line(sps[s].down_fd, "Q\n");
            close(sps[s].down_fd);
        }
    for (int64_t until = crier_mono_ms() + 20000; crier_mono_ms() < until;) {
        int alive = 0;
        for (int s = 0; s < ns; s++)
            alive += sps && sps[s].pid > 0 && sps[s].up_fd >= 0;
        if (!alive)
            break;
        pump(sps, ns, 50, take, posted);
    }
    for (int s = 0; s < ns; s++)
        if (sps && sps[s].pid > 0) {
            int st = 0;
            if (sps[s].up_fd >= 0)
                kill(sps[s].pid, SIGKILL);
            waitpid(sps[s].pid, &st, 0);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "fleet: process %d (kiosks %d-%d) ended badly (status 0x%x)\n", (int)sps[s].pid,
                        sps[s].lo + 1, sps[s].hi, st);
                status = 1;
            }
        }
    mosquitto_lib_cleanup();
    crier_key_wipe(&key);
    free(sps);
    free(take);
    free(posted);
    free(measured);
    free(g_off.online);
    free(g_off.rcpt_back_ms);
    free(g_off.rcpt_recv_ms);
    free(g_off.rcpt_pres_ms);
cleanup_root:
    if (!opt.keep)
        nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    else
        fprintf(stderr, "fleet: kept %s\n", root);
    for (int i = 0; i < opt.nreal; i++)
        free(opt.real[i]);
    return status;
}
