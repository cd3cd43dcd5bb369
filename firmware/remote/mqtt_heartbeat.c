/* mqtt_heartbeat.c - what the heartbeat says (see mqtt.h, docs/protocol.md
 * "Heartbeat"): a snapshot the render thread updates under `lock` (what is on
 * screen, content age, alerts), readings from /proc and /sys, the feed status
 * and the proof-of-play summary; published retained at QoS 0 every
 * heartbeat_s and soon after a change.  Also the heap trim the MQTT thread
 * runs once a minute. */
#include "remote/mqtt_internal.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "crier_version.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <math.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the snapshot (any thread) ---- */

static void replace_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src ? crier_strdup(src) : NULL;
}

void crier_mqtt_report_showing(crier_mqtt *mq, const char *id, const char *source, const char *title)
{
    if (!mq)
        return;
    pthread_mutex_lock(&mq->lock);
    replace_str(&mq->show_id, id);
    replace_str(&mq->show_source, id ? source : NULL);
    replace_str(&mq->show_title, id ? title : NULL);
    mq->show_since_ms = id ? crier_wall_ms() : 0;
    pthread_mutex_unlock(&mq->lock);
}

void crier_mqtt_report_content_updated(crier_mqtt *mq, int64_t wall_ms)
{
    if (!mq)
        return;
    pthread_mutex_lock(&mq->lock);
    mq->content_ms = wall_ms;
    pthread_mutex_unlock(&mq->lock);
}

void crier_mqtt_report_alerts(crier_mqtt *mq, int count)
{
    if (!mq)
        return;
    pthread_mutex_lock(&mq->lock);
    mq->alerts = count;
    pthread_mutex_unlock(&mq->lock);
}

void crier_mqtt_heartbeat_soon(crier_mqtt *mq)
{
    if (!mq)
        return;
    atomic_store(&mq->hb_soon, 1);
    crier_worker_wake(mq->worker);
}

/* ---- MQTT thread ---- */

static int read_meminfo_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[128];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb > INT32_MAX ? INT32_MAX : (int)kb;
}

static double read_temp_c(void)
{
    FILE *f = fopen("/sys/class/thermal/thermal_zone0/temp", "r");
    if (!f)
        return NAN;
    long milli;
    int ok = fscanf(f, "%ld", &milli) == 1;
    fclose(f);
    return ok ? milli / 1000.0 : NAN;
}

void crier_mqtt__send_heartbeat(crier_mqtt *mq)
{
    crier_heartbeat hb = {0};
    char id[CRIER_NAME_MAX * 2 + 1] = "", source[64] = "", title[CRIER_POST_MAX_TITLE + 1] = "";
    int64_t now = crier_wall_ms();
    pthread_mutex_lock(&mq->lock);
    if (mq->show_id) {
        snprintf(id, sizeof id, "%s", mq->show_id);
        snprintf(source, sizeof source, "%s", mq->show_source ? mq->show_source : "");
        snprintf(title, sizeof title, "%s", mq->show_title ? mq->show_title : "");
        hb.showing_id = id;
        hb.showing_source = source;
        hb.showing_title = mq->show_title ? title : NULL;
        hb.showing_since_ms = mq->show_since_ms;
    }
    hb.content_age_s = mq->content_ms ? (now - mq->content_ms) / 1000 : -1;
    hb.alerts = mq->alerts;
    mq->stats.heartbeats++;
    pthread_mutex_unlock(&mq->lock);
    hb.kiosk = mq->kiosk;
    hb.site = mq->site;
    hb.version = CRIER_VERSION;
    hb.ts_ms = now;
    hb.uptime_s = (crier_mono_ms() - mq->start_mono_ms) / 1000;
    hb.mem_free_kb = read_meminfo_kb();
    hb.temp_c = read_temp_c();
    hb.mqtt_protocol = mq->protocol == MQTT_PROTOCOL_V5 ? 5 : 4;
    char *feeds = mq->feeds_json ? mq->feeds_json(mq->feeds_ud) : NULL;
    char *pp = mq->proofplay ? crier_proofplay_summary_json(mq->proofplay) : NULL;
    hb.feeds_json = feeds;
    hb.proofplay_json = pp;
    crier_mqtt__publish_json(mq, mq->topic_heartbeat, crier_heartbeat_write(&hb), 0, 1);
    free(feeds);
    free(pp);
}

/* Once a minute, on this thread (never the render thread): give the free
 * pages inside the malloc arenas back to the system.  A burst (a retained
 * flood after a reconnect, 20 alerts at once) leaves the arenas of the MQTT,
 * alert and render threads with a high-water mark the allocator keeps for
 * good; over years of uptime RSS should follow what is live, not the worst
 * minute.  Costs about a millisecond. */
void crier_mqtt__trim_heap(void)
{
#if defined(__GLIBC__)
    int64_t t0 = crier_mono_ms();
    malloc_trim(0);
    LOG_DEBUG(CRIER_MQTT_COMP, "heap trimmed in %lld ms", (long long)(crier_mono_ms() - t0));
#endif
}
