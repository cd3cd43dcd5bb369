/* post.h - the console's post model: what staff edit ("data"), and the
 * payload kiosks get, checked with the kiosks' own validator.
 *
 * data (stored per version, JSON):
 *   {"title","body","lang","image","link","qr","priority","duration_s",
 *    "target":{"all":true}|{"sites":[..]}|{"screens":[..]},
 *    "schedule":{"valid_from","valid_until","days","hours"}}
 * The payload (cn_post_wire) is the one crierctl builds: id, title, body,
 * image (an upload's /uploads/ID made absolute with the console's public
 * URL), link (only when qr is true: kiosks draw a QR code for every link),
 * valid_from/valid_until, priority, duration_s, languages, sent, and
 * x-days/x-hours for information; it must pass crier_post_parse (the kiosks'
 * parser) or the post is refused with that parser's reason. */
#ifndef CRIER_CONSOLE_POST_H
#define CRIER_CONSOLE_POST_H

#include "console.h"
#include "remote/protocol.h"
#include "schedule.h"

#define CN_TARGETS_MAX 256

/* Builds data from the request's post fields over base (the current version
 * for an edit, NULL for a new post).  *out is a new tree the caller deletes.
 * CRIER_ERR_INVAL with err naming the field. */
crier_err cn_post_data(const cJSON *in, const cJSON *base, cJSON **out, char *err, size_t err_len);

/* The kiosk payload of data for post id at now_ms (malloc()ed JSON) after
 * crier_post_parse accepted it; NULL with err otherwise. */
char *cn_post_wire(const cJSON *data, const char *id, const char *public_url, int64_t now_ms, char *err,
                   size_t err_len);

/* The retained topics of data's target, written into topics[0..n); returns n
 * (0 when the target is invalid). */
int cn_post_topics(const cJSON *data, const char *id, char (*topics)[CRIER_TOPIC_MAX], int max);

/* The schedule of data (always parses: data was checked). */
void cn_post_sched(const cJSON *data, cn_sched *out);

/* A new post id: "c-YYYYMMDD-HHMMSS-xxxxxxxx". */
void cn_post_new_id(int64_t now_ms, char id[CN_NAME_MAX + 1]);

/* Is `url` an upload of this console ("/uploads/ID")? Writes ID. */
int cn_upload_ref(const char *url, char id[CN_NAME_MAX + 1]);

#endif
