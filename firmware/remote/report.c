/* report.c - what a kiosk publishes about itself: status, rejection receipts,
 * command replies, heartbeats and alert receipts (see report.h,
 * docs/protocol.md). */
#include "remote/report.h"
#include "remote/payload.h"
#include "remote/protocol_internal.h"

#include <math.h>
#include <string.h>

char *crier_status_write(const char *kiosk, const char *site, int online, int64_t ts_ms, const char *version)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    crier_protocol__add_str(o, "kiosk", kiosk);
    crier_protocol__add_str(o, "site", site);
    cJSON_AddStringToObject(o, "state", online ? "online" : "offline");
    if (ts_ms)
        cJSON_AddNumberToObject(o, "ts", (double)ts_ms);
    crier_protocol__add_str(o, "version", version);
    return crier_protocol__print_and_free(o);
}

char *crier_rejection_write(const char *kiosk, const char *topic, const char *id, crier_err code,
                            const char *reason, size_t bytes, int64_t ts_ms)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    crier_protocol__add_str(o, "kiosk", kiosk);
    /* Topics and reasons may quote attacker bytes: only valid UTF-8 goes out. */
    if (topic && crier_utf8_valid(topic, strlen(topic)))
        crier_protocol__add_str(o, "topic", topic);
    crier_protocol__add_str(o, "id", id);
    crier_protocol__add_str(o, "error", reason && crier_utf8_valid(reason, strlen(reason)) ? reason : crier_strerror(code));
    crier_protocol__add_str(o, "code", crier_strerror(code));
    cJSON_AddNumberToObject(o, "bytes", (double)bytes);
    cJSON_AddNumberToObject(o, "ts", (double)ts_ms);
    return crier_protocol__print_and_free(o);
}

char *crier_reply_write(const char *kiosk, const char *req, const char *cmd, int ok, const char *error,
                        size_t bytes, int64_t ts_ms)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    crier_protocol__add_str(o, "kiosk", kiosk);
    crier_protocol__add_str(o, "req", req);
    crier_protocol__add_str(o, "cmd", cmd);
    cJSON_AddBoolToObject(o, "ok", ok ? 1 : 0);
    crier_protocol__add_str(o, "error", error);
    if (bytes)
        cJSON_AddNumberToObject(o, "bytes", (double)bytes);
    cJSON_AddNumberToObject(o, "ts", (double)ts_ms);
    return crier_protocol__print_and_free(o);
}

static void add_raw_json(cJSON *o, const char *k, const char *json)
{
    if (!json)
        return;
    cJSON *v = cJSON_Parse(json);
    if (v)
        cJSON_AddItemToObject(o, k, v);
}

char *crier_heartbeat_write(const crier_heartbeat *hb)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    crier_protocol__add_str(o, "kiosk", hb->kiosk);
    crier_protocol__add_str(o, "site", hb->site);
    crier_protocol__add_str(o, "version", hb->version);
    cJSON_AddNumberToObject(o, "ts", (double)hb->ts_ms);
    cJSON_AddNumberToObject(o, "uptime_s", (double)hb->uptime_s);
    if (hb->showing_id) {
        cJSON *s = cJSON_AddObjectToObject(o, "showing");
        if (s) {
            crier_protocol__add_str(s, "id", hb->showing_id);
            crier_protocol__add_str(s, "source", hb->showing_source);
            crier_protocol__add_str(s, "title", hb->showing_title);
            if (hb->showing_since_ms)
                cJSON_AddNumberToObject(s, "since", (double)hb->showing_since_ms);
        }
    } else {
        cJSON_AddNullToObject(o, "showing");
    }
    if (hb->content_age_s >= 0)
        cJSON_AddNumberToObject(o, "content_age_s", (double)hb->content_age_s);
    add_raw_json(o, "feeds", hb->feeds_json);
    if (hb->alerts >= 0)
        cJSON_AddNumberToObject(o, "alerts", hb->alerts);
    if (hb->mem_free_kb >= 0)
        cJSON_AddNumberToObject(o, "mem_free_kb", (double)hb->mem_free_kb);
    if (!isnan(hb->temp_c))
        cJSON_AddNumberToObject(o, "temp_c", round(hb->temp_c * 10.0) / 10.0);
    add_raw_json(o, "proof_of_play", hb->proofplay_json);
    if (hb->mqtt_protocol)
        cJSON_AddNumberToObject(o, "mqtt", hb->mqtt_protocol);
    return crier_protocol__print_and_free(o);
}

/* ---- alert receipts ---------------------------------------------------------- */

static void add_utf8(cJSON *o, const char *k, const char *v)
{
    if (v && crier_utf8_valid(v, strlen(v)))
        cJSON_AddStringToObject(o, k, v);
}

char *crier_receipt_write(const crier_receipt *r)
{
    cJSON *o = r ? cJSON_CreateObject() : NULL;
    if (!o)
        return NULL;
    add_utf8(o, "kiosk", r->kiosk);
    add_utf8(o, "site", r->site);
    add_utf8(o, "identifier", r->identifier);
    add_utf8(o, "sender", r->sender);
    add_utf8(o, "msgType", r->msg_type);
    add_utf8(o, "status", r->status);
    add_utf8(o, "issuer", r->issuer);
    add_utf8(o, "keyId", r->key_id);
    add_utf8(o, "verdict", r->verdict ? r->verdict : "rejected");
    add_utf8(o, "reason", r->reason);
    crier_protocol__add_str(o, "code", r->code == CRIER_OK ? "ok" : crier_strerror(r->code));
    if (r->sent_ms)
        cJSON_AddNumberToObject(o, "sent_ms", (double)r->sent_ms);
    if (r->received_ms)
        cJSON_AddNumberToObject(o, "received_ms", (double)r->received_ms);
    if (r->presented_ms)
        cJSON_AddNumberToObject(o, "presented_ms", (double)r->presented_ms);
    cJSON_AddNumberToObject(o, "bytes", (double)r->bytes);
    cJSON_AddNumberToObject(o, "ts", (double)r->ts_ms);
    return crier_protocol__print_and_free(o);
}
