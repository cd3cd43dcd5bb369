/* mqtt_commands.c - commands to this kiosk and the replies to them (see
 * mqtt.h, docs/protocol.md "Commands").
 *
 * A command (crier/v1/kiosk/<k>/cmd/<name>) is parsed on the MQTT thread,
 * dropped when its request id was seen lately (a ring of the last
 * CRIER_MQTT_CMD_RING), and posted to the mailbox as a crier_command; the
 * render thread answers through crier_mqtt_reply() / crier_mqtt_reply_screenshot(),
 * which only queue packets (any thread). */
#include "remote/mqtt_internal.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reply on reply/<req> from the MQTT thread (failures logged at debug level). */
static void answer(crier_mqtt *mq, const char *req, const char *cmd, int ok, const char *error)
{
    char topic[CRIER_TOPIC_MAX];
    if (crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_REPLY, mq->kiosk, req) == CRIER_OK)
        crier_mqtt__publish_json(mq, topic, crier_reply_write(mq->kiosk, req, cmd, ok, error, 0, crier_wall_ms()), 1,
                                 0);
}

void crier_mqtt__handle_command(crier_mqtt *mq, const crier_topic *t, const char *topic, const void *payload,
                                size_t len)
{
    char err[256];
    crier_command cmd;
    crier_err rc = crier_command_parse(t->name, payload, len, crier_wall_ms(), &cmd, err, sizeof err);
    if (rc != CRIER_OK) {
        crier_mqtt__reject(mq, topic, cmd.req[0] ? cmd.req : NULL, rc, err, len);
        if (cmd.req[0]) /* answer on the reply topic too when the request id is readable */
            answer(mq, cmd.req, t->name, 0, err);
        return;
    }
    for (size_t i = 0; i < CRIER_MQTT_CMD_RING; i++) {
        if (strcmp(mq->cmd_ring[i], cmd.req) == 0) {
            crier_mqtt__stat_inc(mq, &mq->stats.duplicates);
            LOG_DEBUG(CRIER_MQTT_COMP, "duplicate command %s/%s dropped", cmd.name, cmd.req);
            return;
        }
    }
    snprintf(mq->cmd_ring[mq->cmd_next], sizeof mq->cmd_ring[0], "%s", cmd.req);
    mq->cmd_next = (mq->cmd_next + 1) % CRIER_MQTT_CMD_RING;

    crier_command *payload_cmd = malloc(sizeof *payload_cmd);
    crier_msg *m = payload_cmd ? crier_msg_new(CRIER_MSG_COMMAND, "mqtt", cmd.name) : NULL;
    if (!m) {
        free(payload_cmd);
        return;
    }
    *payload_cmd = cmd;
    m->payload = payload_cmd;
    m->payload_free = free;
    LOG_INFO(CRIER_MQTT_COMP, "command %s (req %s)", cmd.name, cmd.req);
    if (crier_mailbox_post(mq->mailbox, m) != CRIER_OK) {
        answer(mq, cmd.req, cmd.name, 0, "kiosk busy");
        return;
    }
    crier_mqtt__stat_inc(mq, &mq->stats.commands);
    if (strcmp(cmd.name, "reload") == 0) {
        /* forget what we forwarded and subscribe again: the broker re-sends
         * every retained post, so the screen gets a fresh full set */
        mq->nposts = 0;
        if (mq->session_ok)
            crier_mqtt__subscribe_all(mq);
    }
    if (strcmp(cmd.name, "screenshot") != 0) /* the screenshot's reply comes with the picture */
        answer(mq, cmd.req, cmd.name, 1, NULL);
}

/* ---- replies (any thread) ---- */

crier_err crier_mqtt_reply(crier_mqtt *mq, const char *req, const char *cmd, int ok, const char *error)
{
    char topic[CRIER_TOPIC_MAX];
    if (!mq || crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_REPLY, mq->kiosk, req) != CRIER_OK)
        return CRIER_ERR_INVAL;
    char *json = crier_reply_write(mq->kiosk, req, cmd, ok, error, 0, crier_wall_ms());
    if (!json)
        return CRIER_ERR_NOMEM;
    crier_err rc = crier_mqtt_publish(mq, topic, json, strlen(json), 1, 0);
    free(json);
    return rc;
}

crier_err crier_mqtt_reply_screenshot(crier_mqtt *mq, const char *req, const void *png, size_t len)
{
    char topic[CRIER_TOPIC_MAX];
    if (!mq || crier_topic_kiosk(topic, sizeof topic, CRIER_TOPIC_SCREENSHOT, mq->kiosk, req) != CRIER_OK)
        return CRIER_ERR_INVAL;
    if (!png || !len) {
        crier_mqtt_reply(mq, req, "screenshot", 0, "screenshot failed on the kiosk");
        return CRIER_ERR_INVAL;
    }
    if (len > mq->screenshot_max) {
        char err[128];
        snprintf(err, sizeof err, "screenshot of %zu bytes exceeds the cap of %zu bytes", len, mq->screenshot_max);
        LOG_WARN(CRIER_MQTT_COMP, "%s", err);
        crier_mqtt_reply(mq, req, "screenshot", 0, err);
        return CRIER_ERR_LIMIT;
    }
    crier_err rc = crier_mqtt_publish(mq, topic, png, len, 1, 0);
    if (rc == CRIER_OK) {
        char rtopic[CRIER_TOPIC_MAX];
        crier_topic_kiosk(rtopic, sizeof rtopic, CRIER_TOPIC_REPLY, mq->kiosk, req);
        char *json = crier_reply_write(mq->kiosk, req, "screenshot", 1, NULL, len, crier_wall_ms());
        if (json)
            crier_mqtt_publish(mq, rtopic, json, strlen(json), 1, 0);
        free(json);
    }
    return rc;
}
