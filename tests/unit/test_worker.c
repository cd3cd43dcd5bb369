/* base/worker: messages in order, deadlines, wake-ups, stop as a message
 * (on_stop runs, queued messages after it freed), stop under load. */
#include "base/hash.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "base/worker.h"
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    atomic_int started, stopped, msgs, ticks, order_ok, last;
    int64_t first_tick_ms, due_ms;
    atomic_int due_hit;
    int keep; /* take ownership of messages */
    crier_msg *kept;
} state;

static void on_start(void *ud) { atomic_store(&((state *)ud)->started, 1); }
static void on_stop(void *ud) { atomic_store(&((state *)ud)->stopped, 1); }
static void on_msg(void *ud, crier_msg **m)
{
    state *s = ud;
    int n = atoi((*m)->key ? (*m)->key : "0");
    if (n != atomic_load(&s->last) + 1)
        atomic_store(&s->order_ok, 0);
    atomic_store(&s->last, n);
    atomic_fetch_add(&s->msgs, 1);
    if (s->keep) { /* the callback keeps the message: the worker must not free it */
        (*m)->next = s->kept;
        s->kept = *m;
        *m = NULL;
    }
}
static int64_t on_tick(void *ud, int64_t now)
{
    state *s = ud;
    atomic_fetch_add(&s->ticks, 1);
    if (s->due_ms && now >= s->due_ms) {
        atomic_store(&s->due_hit, 1);
        s->due_ms = 0;
    }
    return s->due_ms ? s->due_ms : CRIER_WORKER_NO_DEADLINE;
}

static const crier_worker_ops OPS = {"test-worker", on_start, on_msg, on_tick, NULL, on_stop};

static crier_msg *numbered(int n)
{
    char key[16];
    snprintf(key, sizeof key, "%d", n);
    return crier_msg_new(CRIER_MSG_JOB, NULL, key);
}

static int wait_for(atomic_int *v, int want, int ms)
{
    int64_t end = crier_mono_ms() + ms;
    while (atomic_load(v) < want && crier_mono_ms() < end)
        usleep(1000);
    return atomic_load(v) >= want;
}

TEST(messages_in_order_then_stop)
{
    state s = {.order_ok = 1};
    crier_worker *w;
    CHECK_INT_EQ(crier_worker_start(&w, &OPS, &s, 0), CRIER_OK);
    for (int i = 1; i <= 1000; i++)
        CHECK_INT_EQ(crier_worker_post(w, numbered(i)), CRIER_OK);
    CHECK(wait_for(&s.msgs, 1000, 5000));
    CHECK_INT_EQ(atomic_load(&s.order_ok), 1);
    CHECK_INT_EQ(atomic_load(&s.started), 1);
    CHECK_INT_EQ(crier_worker_stopping(w), 0);
    crier_worker_stop(w);
    CHECK_INT_EQ(atomic_load(&s.stopped), 1);
}

TEST(deadline_fires_without_messages)
{
    state s = {.order_ok = 1};
    s.due_ms = crier_mono_ms() + 50;
    int64_t t0 = crier_mono_ms();
    crier_worker *w;
    CHECK_INT_EQ(crier_worker_start(&w, &OPS, &s, 0), CRIER_OK);
    CHECK(wait_for(&s.due_hit, 1, 2000));
    int64_t took = crier_mono_ms() - t0;
    CHECK(took >= 50);
    /* no deadline left: the worker sleeps (few ticks), a wake runs on_tick once more */
    usleep(100 * 1000);
    int ticks = atomic_load(&s.ticks);
    CHECK(ticks <= 3);
    crier_worker_wake(w);
    CHECK(wait_for(&s.ticks, ticks + 1, 2000));
    crier_worker_stop(w);
}

TEST(stop_frees_queued_and_refuses_after)
{
    /* messages queued behind the stop are freed unhandled (ASan/valgrind see leaks) */
    state s = {.order_ok = 1, .keep = 1};
    crier_worker *w;
    CHECK_INT_EQ(crier_worker_start(&w, &OPS, &s, 4), CRIER_OK);
    int refused = 0;
    for (int i = 1; i <= 200; i++)
        if (crier_worker_post(w, numbered(i)) != CRIER_OK)
            refused++;
    crier_worker_stop(w); /* the quit message gets in even when the inbox is full */
    CHECK_INT_EQ(atomic_load(&s.stopped), 1);
    int kept = 0;
    while (s.kept) {
        crier_msg *n = s.kept->next;
        crier_msg_free(s.kept);
        s.kept = n;
        kept++;
    }
    CHECK_INT_EQ(kept, atomic_load(&s.msgs));
    CHECK(kept + refused <= 200);
    crier_worker_stop(NULL); /* NULL-safe */
}

static void *poster(void *arg)
{
    crier_worker *w = arg;
    for (int i = 0; i < 2000; i++)
        crier_worker_post(w, crier_msg_new(CRIER_MSG_JOB, NULL, NULL));
    return NULL;
}

static void count_msg(void *ud, crier_msg **m) { atomic_fetch_add((atomic_int *)ud, 1); }

TEST(stop_while_producers_post)
{
    static const crier_worker_ops ops = {.name = "test-load", .on_msg = count_msg};
    for (int round = 0; round < 20; round++) {
        atomic_int n = 0;
        crier_worker *w;
        CHECK_INT_EQ(crier_worker_start(&w, &ops, &n, 0), CRIER_OK);
        pthread_t t[3];
        for (int i = 0; i < 3; i++)
            pthread_create(&t[i], NULL, poster, w);
        for (int i = 0; i < 3; i++)
            pthread_join(t[i], NULL);
        crier_worker_stop(w);
        CHECK(atomic_load(&n) <= 6000);
    }
}

TEST(hash_fields)
{
    uint64_t a = crier_hash_field(crier_hash_field(CRIER_HASH_INIT, "ab"), "c");
    uint64_t b = crier_hash_field(crier_hash_field(CRIER_HASH_INIT, "a"), "bc");
    CHECK(a != b);
    CHECK(crier_hash_field(CRIER_HASH_INIT, NULL) != crier_hash_field(CRIER_HASH_INIT, ""));
    /* FNV-1a 64 reference value of "a" */
    CHECK(crier_hash64("a", 1) == 0xaf63dc4c8601ec8cULL);
}

int main(void)
{
    crier_log_set_level(CRIER_LOG_ERROR); /* "queue full" is expected here */
    RUN(messages_in_order_then_stop);
    RUN(deadline_fires_without_messages);
    RUN(stop_frees_queued_and_refuses_after);
    RUN(stop_while_producers_post);
    RUN(hash_fields);
    return check_summary();
}
