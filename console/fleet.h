/* fleet.h - the console's MQTT client and the fleet table.
 *
 * One libmosquitto client (its own network thread, reconnecting by itself)
 * publishes posts, retractions and commands exactly as crierctl does (QoS 1,
 * waiting for the broker's PUBACK) and subscribes to every kiosk's status
 * (retained, with the LWT "offline"), heartbeat, screenshot, reply and
 * rejected topics.  The table says, per kiosk: online / offline (status) /
 * stale (no heartbeat for stale_after_s), what is on screen, content age,
 * alerts, version, temperature.  Each change goes out as an SSE "screen"
 * event; known kiosks are kept in the database (table screens) across
 * restarts; the latest screenshot of each kiosk and a 320-pixel-wide
 * thumbnail are stored in table shots.
 *
 * Lock: one mutex around the table; it is never held while publishing, while
 * waiting for an acknowledgement, or while calling the database. */
#ifndef CRIER_CONSOLE_FLEET_H
#define CRIER_CONSOLE_FLEET_H

#include "console.h"
#include "db.h"
#include "sse.h"

#define CN_SHOT_MAX (8u * 1024u * 1024u)

typedef struct cn_fleet cn_fleet;

typedef struct cn_fleet_cfg {
    const char *broker; /* mqtt://host:port; NULL: no broker (publishing fails) */
    const char *user, *password_file, *cafile;
    int stale_after_s;
    cn_db *db;
    cn_sse *sse;
    /* every alert receipt (crier/v1/kiosk/K/receipt/TID), on the MQTT thread,
     * no lock held; NULL: ignored */
    void (*on_receipt)(void *ud, const char *kiosk, const char *tid, const cJSON *receipt, int64_t now_ms);
    void *receipt_ud;
} cn_fleet_cfg;

crier_err cn_fleet_start(cn_fleet **out, const cn_fleet_cfg *cfg, char *err, size_t err_len);
void cn_fleet_stop(cn_fleet *f); /* NULL-safe: disconnects, joins, frees */

/* QoS 1 publish; waits up to timeout_ms for the broker's acknowledgement.
 * CRIER_ERR_NET when not connected or refused, CRIER_ERR_TIMEOUT. */
crier_err cn_fleet_publish(cn_fleet *f, const char *topic, const void *payload, size_t len, int retain,
                           int timeout_ms);
/* The same with an MQTT 5 Message Expiry Interval (seconds; 0 = none). */
crier_err cn_fleet_publish_ex(cn_fleet *f, const char *topic, const void *payload, size_t len, int retain,
                              uint32_t expiry_s, int timeout_ms);
int cn_fleet_connected(cn_fleet *f);

/* {"screens":[...],"counts":{"online","offline","stale"}} of the kiosks the
 * user may see, optionally one site only. */
cJSON *cn_fleet_screens_json(cn_fleet *f, const cn_user *u, const char *site);
/* The site of a known kiosk into site; 0 when the kiosk is unknown. */
int cn_fleet_site_of(cn_fleet *f, const char *kiosk, char site[CN_NAME_MAX + 1]);
/* Sends the screenshot command; req gets the request id. */
crier_err cn_fleet_request_shot(cn_fleet *f, const char *kiosk, char req[CN_NAME_MAX + 1]);
/* Latest screenshot (thumb = 0) or thumbnail of kiosk: malloc()ed PNG bytes. */
crier_err cn_fleet_shot(cn_fleet *f, const char *kiosk, int thumb, char **png, size_t *len);

/* Once a second (main): stale transitions become events; the table is saved. */
void cn_fleet_tick(cn_fleet *f, int64_t now_ms);
/* Kiosks known (tests, bench). */
size_t cn_fleet_count(cn_fleet *f);

/* thumb.c: a PNG scaled to `width` pixels wide (aspect kept); malloc()ed. */
crier_err cn_png_thumb(const void *png, size_t len, int width, char **out, size_t *out_len);

#endif
