/* feeds_parse.c - feed parser throughput and peak memory.
 *
 *   python3 bench/gen_feeds.py /tmp/crier-bench
 *   ./feeds_parse /tmp/crier-bench [repetitions]
 *
 * Each input is parsed in its own child process (so peak RSS is per parser):
 * it reads the file, parses it `repetitions` times (default 5) with limits
 * opened up so every item counts, and prints items/s, MB/s and the child's
 * peak RSS (ru_maxrss) minus the RSS it had before parsing.
 *
 * Build (from the repository root, after building crier_core in BUILD):
 *   cc -O2 -std=gnu11 -Ifirmware -IBUILD/generated bench/feeds_parse.c BUILD/libcrier_core.a \
 *      $(pkg-config --cflags --libs libcjson expat libical libsodium libqrencode) -lpthread -lm -o feeds_parse */
#include "content/content.h"
#include "feeds/feed.h"
#include "base/atomicfile.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* The largest input read (gen_feeds.py writes about 5 MB each). */
#define BENCH_INPUT_MAX ((size_t)1 << 30)

static long rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int run(const char *dir, const char *file, crier_feed_type type, int reps)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len = 0;
    char *buf = NULL;
    if (crier_atomicfile_read(path, BENCH_INPUT_MAX, &buf, &len) != CRIER_OK) {
        fprintf(stderr, "cannot read %s (run bench/gen_feeds.py first)\n", path);
        return 1;
    }
    crier_feed_opts o;
    crier_feed_opts_init(&o);
    o.source = "bench";
    o.now_ms = crier_wall_ms();
    o.max_items = 1000000;
    o.max_elements = 10000000;
    o.window_ms = 365LL * 24 * 3600 * 1000;
    long base = rss_kb();
    size_t items = 0;
    int64_t t0 = crier_mono_ms();
    for (int r = 0; r < reps; r++) {
        crier_item_list l;
        crier_item_list_init(&l);
        char err[256] = "";
        crier_err rc = crier_feed_parse(type, buf, len, &o, &l, err, sizeof err);
        if (rc != CRIER_OK) {
            fprintf(stderr, "%s: %s\n", file, err);
            return 1;
        }
        items = l.count;
        crier_item_list_clear(&l);
    }
    double secs = (double)(crier_mono_ms() - t0) / 1000.0;
    if (secs <= 0)
        secs = 0.001;
    printf("%-18s %5.2f MB  %6zu items  %8.1f ms/parse  %9.0f items/s  %6.1f MB/s  peak RSS +%ld KiB\n", file,
           (double)len / 1048576.0, items, secs * 1000.0 / reps, (double)items * reps / secs,
           (double)len * reps / 1048576.0 / secs, rss_kb() - base);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps < 1)
        reps = 1;
    crier_log_set_level(CRIER_LOG_ERROR);
    static const struct {
        const char *file;
        crier_feed_type type;
    } inputs[] = {{"rss_5mb.xml", CRIER_FEED_RSS}, {"mastodon_5mb.json", CRIER_FEED_MASTODON},
                  {"events_2000.ics", CRIER_FEED_ICAL}};
    int fails = 0;
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
        {
            int r = run(dir, inputs[i].file, inputs[i].type, reps);
            fflush(stdout);
            _exit(r);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        fails += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    return fails ? 1 : 0;
}
