/* alerts_order.c - retained copies applied in the order they were sent.
 *
 * Retained copies come in a burst after every (re)connect, in the broker's
 * topic order, not in the order they were sent.  Applying them out of order
 * would make a later alert's sequence number refuse an earlier one that this
 * kiosk has not seen yet (e.g. its save was cut by a power loss).  So when a
 * batch holds retained copies, the worker (alerts.c) waits until the burst
 * settles (no new message for ALERTS_SETTLE_MS, at most ALERTS_SETTLE_MAX_MS)
 * and applies the alert messages in sequence order (crier_alerts__order).
 * Batches of live alerts only (retain flag 0) are never delayed. */
#include "alerts/alerts_internal.h"

#include "alerts/alert.h"
#include "remote/sign.h"

#include <stdlib.h>

typedef struct ordered {
    alerts_job *j;
    int64_t seq; /* INT64_MAX when it cannot be read: keeps its place at the end */
    size_t pos;
} ordered;

static int cmp_ordered(const void *a, const void *b)
{
    const ordered *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int64_t peek_seq(const alerts_job *j)
{
    char *payload = NULL, *key_id = NULL;
    size_t plen = 0;
    int64_t seq = INT64_MAX;
    if (j->payload && crier_envelope_peek(j->payload, j->len, &payload, &plen, &key_id) == CRIER_OK) {
        crier_alert *a = NULL;
        if (crier_alert_parse(payload, plen, &a, NULL, 0) == CRIER_OK && a->seq > 0)
            seq = a->seq;
        crier_alert_free(a);
    }
    free(payload);
    free(key_id);
    return seq;
}

alerts_job *crier_alerts__order(alerts_job *list)
{
    size_t n = 0;
    for (alerts_job *j = list; j; j = j->next)
        n += j->kind == JOB_MSG;
    ordered *v = n ? calloc(n, sizeof *v) : NULL;
    if (!v)
        return list; /* out of memory: arrival order */
    alerts_job *others = NULL, **otail = &others;
    size_t k = 0;
    for (alerts_job *j = list, *next; j; j = next) {
        next = j->next;
        j->next = NULL;
        if (j->kind == JOB_MSG) {
            v[k] = (ordered){j, peek_seq(j), k};
            k++;
        } else {
            *otail = j;
            otail = &j->next;
        }
    }
    qsort(v, n, sizeof *v, cmp_ordered);
    alerts_job *out = NULL, **t = &out;
    for (size_t i = 0; i < n; i++) {
        *t = v[i].j;
        t = &v[i].j->next;
    }
    *t = others;
    free(v);
    return out;
}

