/* protocol.h - Crier's MQTT protocol, all parts (docs/protocol.md is the
 * reference for every topic, payload, QoS and retain flag).
 *
 * Pure logic (no mosquitto header): the kiosk's MQTT thread (remote/mqtt.c),
 * the alert service and the staff tools (tools/crierctl, console/) share these
 * builders, parsers and validators, so a post crierctl accepts is exactly a
 * post a kiosk accepts.  One header per concept; include the one you need or
 * this one for all:
 *   remote/topic.h       topic names, scopes, names, alert topic ids
 *   remote/payload.h     the UTF-8 rule every payload passes first
 *   remote/post.h        post payloads, signed posts (envelopes)
 *   remote/command.h     commands to one kiosk
 *   remote/report.h      status, heartbeat, rejection, reply, alert receipt
 *   remote/broker_url.h  mqtt(s)://host:port
 * The signatures themselves (keys, keyring, envelopes) are remote/sign.h. */
#ifndef CRIER_PROTOCOL_H
#define CRIER_PROTOCOL_H

#include "remote/broker_url.h"
#include "remote/command.h"
#include "remote/payload.h"
#include "remote/post.h"
#include "remote/report.h"
#include "remote/topic.h"

#endif
