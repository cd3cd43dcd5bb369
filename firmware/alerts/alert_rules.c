/* alert_rules.c - alert identity, expiry, displayability and the "already
 * seen" memory (see alert_rules.h). */
#include "alerts/alert_rules.h"

#include <stdlib.h>
#include <string.h>

void crier_alert_list_free(crier_alert_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        crier_alert_free(l->items[i]);
    free(l->items);
    free(l);
}

void crier_alert_list_free_void(void *l)
{
    crier_alert_list_free(l);
}

static int str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The one identity test: sender, identifier and sent. */
static int same_id(const char *sender_a, const char *id_a, int64_t sent_a, const char *sender_b, const char *id_b,
                   int64_t sent_b)
{
    return sent_a == sent_b && str_eq(id_a, id_b) && str_eq(sender_a, sender_b);
}

int crier_alert_same(const crier_alert *a, const crier_alert *b)
{
    if (!a || !b)
        return a == b;
    return same_id(a->sender, a->identifier, a->sent_ms, b->sender, b->identifier, b->sent_ms);
}

int crier_alert_expired(const crier_alert *a, int64_t now_ms, int64_t default_ttl_ms)
{
    return crier_alert_expiry(a, default_ttl_ms) <= now_ms;
}

int crier_alert_displayable(const crier_alert *a, int64_t now_ms, int64_t default_ttl_ms, int on_screen)
{
    if (!a || crier_alert_expired(a, now_ms, default_ttl_ms))
        return 0;
    return on_screen || crier_alert_effective(a) <= now_ms;
}

/* ---- the memory ---- */

int crier_alert_seen_has(const crier_alert_seen *seen, const crier_alert *alert)
{
    for (size_t k = 0; seen && alert && k < seen->count; k++)
        if (same_id(seen->ids[k].sender, seen->ids[k].identifier, seen->ids[k].sent_ms, alert->sender,
                    alert->identifier, alert->sent_ms))
            return 1;
    return 0;
}

static void ids_free(crier_alert_id *ids, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(ids[k].sender);
        free(ids[k].identifier);
    }
    free(ids);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

size_t crier_alert_seen_update(crier_alert_seen *seen, const crier_alert_list *list, unsigned char *is_new)
{
    size_t count = list ? list->count : 0, n_new = 0;
    crier_alert_id *ids = calloc(count ? count : 1, sizeof *ids);
    if (!ids)
        return (size_t)-1;
    for (size_t i = 0; i < count; i++) {
        const crier_alert *a = list->items[i];
        ids[i].sender = dup_or_empty(a->sender);
        ids[i].identifier = dup_or_empty(a->identifier);
        ids[i].sent_ms = a->sent_ms;
        if (!ids[i].sender || !ids[i].identifier) {
            ids_free(ids, i + 1);
            return (size_t)-1;
        }
        int fresh = !crier_alert_seen_has(seen, a);
        if (is_new)
            is_new[i] = (unsigned char)fresh;
        n_new += (size_t)fresh;
    }
    crier_alert_seen_clear(seen);
    seen->ids = ids;
    seen->count = count;
    return n_new;
}

int crier_alert_seen_within(const crier_alert_seen *a, const crier_alert_seen *b)
{
    for (size_t i = 0; a && i < a->count; i++) {
        int found = 0;
        for (size_t k = 0; b && k < b->count && !found; k++)
            found = same_id(a->ids[i].sender, a->ids[i].identifier, a->ids[i].sent_ms, b->ids[k].sender,
                            b->ids[k].identifier, b->ids[k].sent_ms);
        if (!found)
            return 0;
    }
    return 1;
}

void crier_alert_seen_clear(crier_alert_seen *seen)
{
    if (!seen)
        return;
    ids_free(seen->ids, seen->count);
    seen->ids = NULL;
    seen->count = 0;
}

uint32_t crier_alert_retain_expiry_s(int64_t expiry_ms, int64_t now_ms)
{
    if (expiry_ms == INT64_MAX || expiry_ms <= 0)
        return 0;
    int64_t s = (expiry_ms - now_ms) / 1000 + CRIER_ALERT_RETAIN_GRACE_S;
    if (s < CRIER_ALERT_RETAIN_GRACE_S)
        s = CRIER_ALERT_RETAIN_GRACE_S;
    return s > 400LL * 86400 ? 0 : (uint32_t)s;
}
