/* alert_set_internal.h - the alert set's representation, shared by its rules
 * (alert_set.c) and its persistence (alert_set_store.c).  Nothing else
 * includes this header: everyone else uses alert_set.h. */
#ifndef CRIER_ALERT_SET_INTERNAL_H
#define CRIER_ALERT_SET_INTERNAL_H

#include "alerts/alert_set.h"

#include <stddef.h>
#include <stdint.h>

typedef enum seen_state { SEEN_ACCEPTED = 0, SEEN_CANCELLED, SEEN_SUPERSEDED, SEEN_EXPIRED } seen_state;
/* Names of the states in the state file, indexed by seen_state. */
extern const char *const crier_alert_set__seen_names[4];

typedef struct seen_entry {
    char *sender, *identifier;
    seen_state state;
} seen_entry;

typedef struct sender_entry {
    char *sender;
    int64_t last_seq;
    uint64_t touched; /* set->tick when last updated; the smallest is forgotten first */
} sender_entry;

struct crier_alert_set {
    crier_alert_set_opts opts; /* strings owned below */
    char *kiosk_id, *site_id;
    crier_alert **active;
    size_t active_count, active_cap;
    seen_entry *seen;
    size_t seen_count, seen_cap;
    sender_entry *senders;
    size_t sender_count;
    uint64_t tick;
};

/* Forget everything: active alerts, seen identifiers, sender sequences. */
void crier_alert_set__clear(crier_alert_set *s);
/* Record (or update) an identifier's state; the oldest entry goes when full. */
crier_err crier_alert_set__seen_put(crier_alert_set *s, const char *sender, const char *id, seen_state st);
/* Remember a sender's sequence number (the larger of the old and seq). */
crier_err crier_alert_set__sender_put(crier_alert_set *s, const char *sender, int64_t seq);
/* Index of the active alert sender+id, or -1. */
ptrdiff_t crier_alert_set__active_find(const crier_alert_set *s, const char *sender, const char *id);
/* Insert keeping display order; takes ownership on success. */
crier_err crier_alert_set__active_insert(crier_alert_set *s, crier_alert *a);

#endif
