/* test_mailbox.c - owned messages to one consumer (base/mailbox.c): order,
 * ownership on every path, wake-ups and many concurrent producers. */
#include "base/log.h"
#include "base/mailbox.h"
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* A payload that records how often it was freed. */
typedef struct tracked {
    atomic_int *frees;
    int value;
} tracked;

static void tracked_free(void *p)
{
    tracked *t = p;
    atomic_fetch_add(t->frees, 1);
    free(t);
}

static crier_msg *tracked_msg(atomic_int *frees, int value)
{
    crier_msg *m = crier_msg_new(CRIER_MSG_STATUS, "src", "key");
    if (!m)
        return NULL;
    tracked *t = malloc(sizeof *t);
    t->frees = frees;
    t->value = value;
    m->payload = t;
    m->payload_free = tracked_free;
    return m;
}

static int msg_value(const crier_msg *m)
{
    return ((const tracked *)m->payload)->value;
}

static void free_list(crier_msg *m)
{
    while (m) {
        crier_msg *next = m->next;
        crier_msg_free(m);
        m = next;
    }
}

static void quiet_sink(crier_log_level level, const char *component, const char *msg, void *ud)
{
    (void)level, (void)component, (void)msg;
    atomic_fetch_add((atomic_int *)ud, 1);
}

TEST(msg_new_and_free)
{
    crier_msg *m = crier_msg_new(CRIER_MSG_COMMAND, NULL, "screenshot");
    CHECK(m != NULL);
    CHECK_INT_EQ(m->type, CRIER_MSG_COMMAND);
    CHECK(m->source == NULL);
    CHECK_STR_EQ(m->key, "screenshot");
    CHECK(m->next == NULL && m->payload == NULL);
    CHECK(m->sent_wall_ms > 1600000000000LL);
    crier_msg_free(m);
    crier_msg_free(NULL);
}

TEST(order_kept)
{
    atomic_int frees = 0;
    crier_mailbox mb;
    CHECK_INT_EQ(crier_mailbox_init(&mb, 0), CRIER_OK);
    CHECK(crier_mailbox_take_all(&mb) == NULL);
    for (int i = 0; i < 100; i++)
        CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, i)), CRIER_OK);
    CHECK_INT_EQ(crier_mailbox_count(&mb), 100);
    crier_msg *all = crier_mailbox_take_all(&mb);
    CHECK_INT_EQ(crier_mailbox_count(&mb), 0);
    int i = 0;
    for (crier_msg *m = all; m; m = m->next, i++)
        CHECK_INT_EQ(msg_value(m), i);
    CHECK_INT_EQ(i, 100);
    CHECK_INT_EQ(atomic_load(&frees), 0); /* the consumer owns them now */
    free_list(all);
    CHECK_INT_EQ(atomic_load(&frees), 100);
    /* Usable again after take_all. */
    CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, 7)), CRIER_OK);
    all = crier_mailbox_take_all(&mb);
    CHECK(all && all->next == NULL && msg_value(all) == 7);
    free_list(all);
    crier_mailbox_destroy(&mb);
    CHECK_INT_EQ(atomic_load(&frees), 101);
}

TEST(ownership_on_every_path)
{
    atomic_int frees = 0, warnings = 0;
    crier_log_set_sink(quiet_sink, &warnings);
    crier_mailbox mb;
    CHECK_INT_EQ(crier_mailbox_init(&mb, 3), CRIER_OK);
    for (int i = 0; i < 3; i++)
        CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, i)), CRIER_OK);
    /* Full: refused and freed at once. */
    CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, 3)), CRIER_ERR_FULL);
    CHECK_INT_EQ(atomic_load(&frees), 1);
    CHECK_INT_EQ(crier_mailbox_count(&mb), 3);
    CHECK(atomic_load(&warnings) >= 1); /* a drop is logged */
    /* Delivered messages are freed once by the consumer. */
    free_list(crier_mailbox_take_all(&mb));
    CHECK_INT_EQ(atomic_load(&frees), 4);
    /* Queued at destroy time: freed by destroy. Closed: refused and freed. */
    CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, 10)), CRIER_OK);
    crier_mailbox_close(&mb);
    CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, 11)), CRIER_ERR_INVAL);
    CHECK_INT_EQ(atomic_load(&frees), 5);
    CHECK_INT_EQ(crier_mailbox_post(&mb, NULL), CRIER_ERR_INVAL);
    crier_mailbox_destroy(&mb);
    CHECK_INT_EQ(atomic_load(&frees), 6);
    crier_log_set_sink(NULL, NULL);
}

static void count_wake(void *ud)
{
    atomic_fetch_add((atomic_int *)ud, 1);
}

TEST(wake_per_post)
{
    atomic_int frees = 0, wakes = 0;
    crier_mailbox mb;
    crier_mailbox_init(&mb, 2);
    crier_mailbox_set_wake(&mb, count_wake, &wakes);
    CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, 0)), CRIER_OK);
    CHECK_INT_EQ(atomic_load(&wakes), 1);
    CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, 1)), CRIER_OK);
    CHECK_INT_EQ(atomic_load(&wakes), 2);
    crier_log_set_level(CRIER_LOG_OFF);
    CHECK_INT_EQ(crier_mailbox_post(&mb, tracked_msg(&frees, 2)), CRIER_ERR_FULL);
    crier_log_set_level(CRIER_LOG_INFO);
    CHECK_INT_EQ(atomic_load(&wakes), 2); /* a refused message wakes nobody */
    crier_mailbox_destroy(&mb);
    CHECK_INT_EQ(atomic_load(&frees), 3);
}

/* The wake function runs outside the lock: it may use the mailbox itself. */
static crier_mailbox *reentrant_mb;
static void wake_reads_count(void *ud)
{
    *(size_t *)ud = crier_mailbox_count(reentrant_mb);
}

TEST(wake_outside_lock)
{
    crier_mailbox mb;
    size_t seen = 0;
    crier_mailbox_init(&mb, 0);
    reentrant_mb = &mb;
    crier_mailbox_set_wake(&mb, wake_reads_count, &seen);
    CHECK_INT_EQ(crier_mailbox_post(&mb, crier_msg_new(CRIER_MSG_QUIT, NULL, NULL)), CRIER_OK);
    CHECK_INT_EQ(seen, 1);
    crier_mailbox_destroy(&mb);
}

#define PRODUCERS 4
#define PER_PRODUCER 10000

typedef struct producer {
    crier_mailbox *mb;
    atomic_int *frees;
    int id;
    int refused;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        crier_msg *m = tracked_msg(p->frees, p->id * PER_PRODUCER + i);
        if (crier_mailbox_post(p->mb, m) != CRIER_OK)
            p->refused++;
    }
    return NULL;
}

typedef struct wake_state {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int pending;
} wake_state;

static void wake_cond(void *ud)
{
    wake_state *w = ud;
    pthread_mutex_lock(&w->lock);
    w->pending = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

TEST(many_producers)
{
    atomic_int frees = 0;
    crier_mailbox mb;
    /* Room for everything, so none is refused and each must arrive exactly once. */
    CHECK_INT_EQ(crier_mailbox_init(&mb, PRODUCERS * PER_PRODUCER), CRIER_OK);
    wake_state ws = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    crier_mailbox_set_wake(&mb, wake_cond, &ws);
    pthread_t th[PRODUCERS];
    producer p[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        p[i] = (producer){&mb, &frees, i, 0};
        pthread_create(&th[i], NULL, produce, &p[i]);
    }
    /* Consume concurrently, sleeping on the wake-up like the render thread. */
    unsigned char *seen = calloc(PRODUCERS * PER_PRODUCER, 1);
    int last[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++)
        last[i] = -1;
    int received = 0, dupes = 0, out_of_order = 0;
    while (received < PRODUCERS * PER_PRODUCER) {
        pthread_mutex_lock(&ws.lock);
        while (!ws.pending)
            pthread_cond_wait(&ws.cond, &ws.lock);
        ws.pending = 0;
        pthread_mutex_unlock(&ws.lock);
        crier_msg *all = crier_mailbox_take_all(&mb);
        for (crier_msg *m = all; m; m = m->next) {
            int v = msg_value(m);
            if (v < 0 || v >= PRODUCERS * PER_PRODUCER || seen[v]++)
                dupes++;
            /* Per producer, posting order is kept. */
            int prod = v / PER_PRODUCER;
            if (prod >= 0 && prod < PRODUCERS) {
                if (v <= last[prod])
                    out_of_order++;
                last[prod] = v;
            }
            received++;
        }
        free_list(all);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(p[i].refused, 0);
    }
    CHECK_INT_EQ(received, PRODUCERS * PER_PRODUCER);
    CHECK_INT_EQ(dupes, 0);
    CHECK_INT_EQ(out_of_order, 0);
    int missing = 0;
    for (int i = 0; i < PRODUCERS * PER_PRODUCER; i++)
        missing += !seen[i];
    CHECK_INT_EQ(missing, 0);
    CHECK_INT_EQ(crier_mailbox_count(&mb), 0);
    crier_mailbox_destroy(&mb);
    CHECK_INT_EQ(atomic_load(&frees), PRODUCERS * PER_PRODUCER);
    free(seen);
}

/* With a small limit some posts are refused; every message is still freed once. */
TEST(many_producers_small_limit)
{
    atomic_int frees = 0;
    crier_mailbox mb;
    crier_mailbox_init(&mb, 64);
    crier_log_set_level(CRIER_LOG_OFF);
    pthread_t th[PRODUCERS];
    producer p[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        p[i] = (producer){&mb, &frees, i, 0};
        pthread_create(&th[i], NULL, produce, &p[i]);
    }
    int received = 0;
    for (int spins = 0; spins < 2000; spins++) {
        crier_msg *all = crier_mailbox_take_all(&mb);
        for (crier_msg *m = all; m; m = m->next)
            received++;
        free_list(all);
    }
    int refused = 0;
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(th[i], NULL);
        refused += p[i].refused;
    }
    crier_msg *rest = crier_mailbox_take_all(&mb);
    for (crier_msg *m = rest; m; m = m->next)
        received++;
    free_list(rest);
    crier_log_set_level(CRIER_LOG_INFO);
    CHECK_INT_EQ(received + refused, PRODUCERS * PER_PRODUCER);
    crier_mailbox_destroy(&mb);
    CHECK_INT_EQ(atomic_load(&frees), PRODUCERS * PER_PRODUCER);
}

int main(void)
{
    RUN(msg_new_and_free);
    RUN(order_kept);
    RUN(ownership_on_every_path);
    RUN(wake_per_post);
    RUN(wake_outside_lock);
    RUN(many_producers);
    RUN(many_producers_small_limit);
    return check_summary();
}
