/* preview.c - POST /api/preview: the post drawn by crier itself.
 *
 * For each layout/orientation the console runs the crier binary headless on a
 * one-post content file (the same fonts, layout and text code as a kiosk),
 * waits for its "first_frame" event on --events, stops it with SIGTERM (crier
 * writes --screenshot on a clean exit) and returns the PNG as a data URL.
 * Warnings come from what crier reports: its "body shortened with an
 * ellipsis" log line ("body cut"), "glyph_missing" events and image warnings.
 * crier does not report when it shrinks the title or body to fit (only when
 * it has to cut), so there is no "shrunk" warning.  The renders of one
 * request run in parallel; at most two requests render at once. */
#define _GNU_SOURCE /* pipe2, nftw */
#include "preview.h"
#include "base/atomicfile.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "post.h"
#include "uploads.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_JOBS 4
#define RENDER_TIMEOUT_MS 10000
#define PNG_MAX (16u * 1024u * 1024u)

typedef struct job {
    char layout[CN_NAME_MAX + 1];
    int portrait;
    pid_t pid;
    int out_fd, err_fd; /* events (stdout), log (stderr); -1 when closed */
    char line[2][1024];
    size_t line_len[2];
    int first_frame, killed, body_cut, glyphs, image_bad;
    int want_alert; /* stop at alert_presented, not first_frame */
    char png_path[600];
} job;

static sem_t slots;
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static void slots_init(void)
{
    sem_init(&slots, 0, 2);
}

static crier_err write_file(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return CRIER_ERR_IO;
    ssize_t n = write(fd, buf, len);
    close(fd);
    return n == (ssize_t)len ? CRIER_OK : CRIER_ERR_IO;
}

/* content.json and crier.conf for data in dir; warnings for what cannot be shown. */
static crier_err write_inputs(const cn_ctx *ctx, const cJSON *data, const char *dir, cJSON *warnings)
{
    char path[600];
    cJSON *root = cJSON_CreateObject(), *posts = cJSON_AddArrayToObject(root, "posts"), *p = cJSON_CreateObject();
    cJSON_AddItemToArray(posts, p);
    cJSON_AddStringToObject(p, "id", "preview");
    static const char *const copy[] = {"title", "body", "lang"};
    for (size_t i = 0; i < 3; i++)
        if (cn_jstr(data, copy[i]))
            cJSON_AddStringToObject(p, copy[i], cn_jstr(data, copy[i]));
    if (cn_jstr(data, "link") && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "qr")))
        cJSON_AddStringToObject(p, "link", cn_jstr(data, "link"));
    const char *image = cn_jstr(data, "image");
    char upload[CN_NAME_MAX + 1];
    if (image && image[0]) {
        char *bytes = NULL, type[64];
        size_t len = 0;
        if (cn_upload_ref(image, upload) && cn_upload_get(ctx->db, upload, &bytes, &len, type) == CRIER_OK) {
            snprintf(path, sizeof path, "%s/image", dir);
            if (write_file(path, bytes, len) == CRIER_OK)
                cJSON_AddStringToObject(p, "image", path);
            free(bytes);
        } else {
            cJSON_AddItemToArray(warnings, cJSON_CreateString(cn_upload_ref(image, upload)
                                                                  ? "image not found on the console"
                                                                  : "an image from a web address is not drawn in the preview"));
        }
    }
    cJSON_AddNumberToObject(p, "duration_s", 3600);
    char *json = cn_json_print(root);
    cJSON_Delete(root);
    snprintf(path, sizeof path, "%s/content.json", dir);
    crier_err e = json ? write_file(path, json, strlen(json)) : CRIER_ERR_NOMEM;
    free(json);
    if (e != CRIER_OK)
        return e;
    char conf[2400];
    int n = snprintf(conf, sizeof conf,
                     "kiosk_id = preview\nsite = preview\nsource.post.type = file\nsource.post.path = %s/content.json\n"
                     "cache_dir = %s/cache\nstate_dir = %s/state\n",
                     dir, dir, dir);
    snprintf(path, sizeof path, "%s/crier.conf", dir);
    return n > 0 && (size_t)n < sizeof conf ? write_file(path, conf, (size_t)n) : CRIER_ERR_LIMIT;
}

static crier_err spawn(const cn_ctx *ctx, const char *dir, job *j)
{
    char conf[600], size[32], layout[700], shot[600];
    snprintf(size, sizeof size, "%s", j->portrait ? "720x1280" : "1280x720");
    int a = snprintf(conf, sizeof conf, "%s/crier.conf", dir);
    int b = snprintf(layout, sizeof layout, "layout=%s/%s.json", ctx->cfg->layouts_dir, j->layout);
    int c = snprintf(shot, sizeof shot, "%s/%s-%s.png", dir, j->layout, j->portrait ? "portrait" : "landscape");
    if (a < 0 || (size_t)a >= sizeof conf || b < 0 || (size_t)b >= sizeof layout || c < 0 ||
        (size_t)c >= sizeof shot)
        return CRIER_ERR_LIMIT;
    snprintf(j->png_path, sizeof j->png_path, "%s", shot);
    char *argv[] = {(char *)ctx->cfg->crier_path, "--config", conf, "--headless", "--size", size, "--set", layout,
                    "--set", "transition=none", "--set", "ticker_motion=static", "--run-for", "30",
                    "--screenshot", shot, "--events", "-", "--log-level", "info", NULL};
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return CRIER_ERR_IO;
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return CRIER_ERR_IO;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_init(&at);
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGPIPE);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dflt);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(&j->pid, ctx->cfg->crier_path, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        LOG_WARN("console", "cannot run %s for a preview: %s", ctx->cfg->crier_path, strerror(rc));
        return CRIER_ERR_IO;
    }
    j->out_fd = out[0];
    j->err_fd = err[0];
    return CRIER_OK;
}

static void on_line(job *j, int which, const char *line)
{
    if (which == 0) {
        if (strstr(line, j->want_alert ? "\"event\":\"alert_presented\"" : "\"event\":\"first_frame\""))
            j->first_frame = 1;
        else if (strstr(line, "\"event\":\"glyph_missing\""))
            j->glyphs = 1;
    } else {
        if (strstr(line, "body shortened with an ellipsis"))
            j->body_cut = 1;
        else if (strstr(line, "[image]"))
            j->image_bad = 1;
    }
}

static void consume(job *j, int which)
{
    int *fd = which == 0 ? &j->out_fd : &j->err_fd;
    char buf[4096];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            close(*fd);
            *fd = -1;
        }
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            j->line[which][j->line_len[which]] = '\0';
            on_line(j, which, j->line[which]);
            j->line_len[which] = 0;
        } else if (j->line_len[which] + 1 < sizeof j->line[which]) {
            j->line[which][j->line_len[which]++] = buf[i];
        }
    }
}

/* Runs every job to its end; each is stopped after its first frame. */
static void run_jobs(job *jobs, int n)
{
    int64_t end = crier_mono_ms() + RENDER_TIMEOUT_MS;
    for (;;) {
        struct pollfd pf[2 * MAX_JOBS];
        int map[2 * MAX_JOBS], np = 0;
        for (int i = 0; i < n; i++) {
            if (jobs[i].first_frame && !jobs[i].killed && jobs[i].pid > 0) {
                kill(jobs[i].pid, SIGTERM);
                jobs[i].killed = 1;
            }
            if (jobs[i].out_fd >= 0) {
                pf[np] = (struct pollfd){.fd = jobs[i].out_fd, .events = POLLIN};
                map[np++] = i * 2;
            }
            if (jobs[i].err_fd >= 0) {
                pf[np] = (struct pollfd){.fd = jobs[i].err_fd, .events = POLLIN};
                map[np++] = i * 2 + 1;
            }
        }
        if (np == 0)
            break;
        int64_t left = end - crier_mono_ms();
        if (left <= 0) {
            for (int i = 0; i < n; i++) {
                if (jobs[i].pid > 0)
                    kill(jobs[i].pid, SIGKILL);
                if (jobs[i].out_fd >= 0)
                    close(jobs[i].out_fd);
                if (jobs[i].err_fd >= 0)
                    close(jobs[i].err_fd);
                jobs[i].out_fd = jobs[i].err_fd = -1;
            }
            break;
        }
        if (poll(pf, (nfds_t)np, (int)left) <= 0)
            continue;
        for (int k = 0; k < np; k++)
            if (pf[k].revents)
                consume(&jobs[map[k] / 2], map[k] % 2);
    }
    for (int i = 0; i < n; i++)
        if (jobs[i].pid > 0)
            while (waitpid(jobs[i].pid, NULL, 0) < 0 && errno == EINTR) {
            }
}

static char *read_png_data_url(const char *path)
{
    char *bytes = NULL;
    size_t n = 0;
    char *url = NULL;
    if (crier_atomicfile_read(path, PNG_MAX - 1, &bytes, &n) == CRIER_OK && n > 8) {
        size_t b64 = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
        url = malloc(b64 + 32);
        if (url) {
            strcpy(url, "data:image/png;base64,");
            sodium_bin2base64(url + strlen(url), b64, (const unsigned char *)bytes, n, sodium_base64_VARIANT_ORIGINAL);
        }
    }
    free(bytes);
    return url;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path) == 0 ? 0 : 0; /* best effort: keep walking */
}

/* Removes the preview folder and what crier left in it (never follows links). */
static void remove_tree(const char *dir)
{
    if (nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
        LOG_WARN("console", "preview folder %s left behind: %s", dir, strerror(errno));
}

/* An alert preview's inputs: no posts, and a state file holding the alert
 * (one info block) as active, so crier draws it as a kiosk that accepted it. */
static crier_err write_alert_inputs(const char *alert_state_json, const char *dir)
{
    char path[600];
    static const char empty[] = "{\"posts\":[]}";
    snprintf(path, sizeof path, "%s/content.json", dir);
    crier_err e = write_file(path, empty, strlen(empty));
    snprintf(path, sizeof path, "%s/state", dir);
    if (e == CRIER_OK && mkdir(path, 0700) != 0)
        e = CRIER_ERR_IO;
    snprintf(path, sizeof path, "%s/state/alerts.json", dir);
    if (e == CRIER_OK)
        e = write_file(path, alert_state_json, strlen(alert_state_json));
    char conf[2400];
    int n = snprintf(conf, sizeof conf,
                     "kiosk_id = preview\nsite = preview\nsource.post.type = file\nsource.post.path = %s/content.json\n"
                     "cache_dir = %s/cache\nstate_dir = %s/state\nalert_show_tests = true\nalert_tone = false\n"
                     "alert_speech = false\n",
                     dir, dir, dir);
    snprintf(path, sizeof path, "%s/crier.conf", dir);
    if (e == CRIER_OK)
        e = n > 0 && (size_t)n < sizeof conf ? write_file(path, conf, (size_t)n) : CRIER_ERR_LIMIT;
    return e;
}

static crier_err render(const cn_ctx *ctx, const cJSON *data, const char *alert_state, const cn_preview_spec *specs,
                        int n, cJSON *out, char *err, size_t err_len);

crier_err cn_preview_render(const cn_ctx *ctx, const cJSON *data, const cn_preview_spec *specs, int n, cJSON *out,
                            char *err, size_t err_len)
{
    return render(ctx, data, NULL, specs, n, out, err, err_len);
}

crier_err cn_preview_render_alert(const cn_ctx *ctx, const char *alert_state, const cn_preview_spec *specs, int n,
                                  cJSON *out, char *err, size_t err_len)
{
    return render(ctx, NULL, alert_state, specs, n, out, err, err_len);
}

static crier_err render(const cn_ctx *ctx, const cJSON *data, const char *alert_state, const cn_preview_spec *specs,
                        int n, cJSON *out, char *err, size_t err_len)
{
    if (n < 1 || n > MAX_JOBS) {
        crier_errf(err, err_len, "1..%d previews per request", MAX_JOBS);
        return CRIER_ERR_LIMIT;
    }
    pthread_once(&slots_once, slots_init);
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/crier-preview.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        crier_errf(err, err_len, "cannot make a temporary folder: %s", strerror(errno));
        return CRIER_ERR_IO;
    }
    cJSON *common = cJSON_CreateArray();
    crier_err e = alert_state ? write_alert_inputs(alert_state, dir) : write_inputs(ctx, data, dir, common);
    job jobs[MAX_JOBS];
    memset(jobs, 0, sizeof jobs);
    int started = 0;
    if (e == CRIER_OK) {
        while (sem_wait(&slots) != 0) {
        }
        for (int i = 0; i < n; i++) {
            snprintf(jobs[i].layout, sizeof jobs[i].layout, "%s", specs[i].layout);
            jobs[i].portrait = specs[i].portrait;
            jobs[i].want_alert = alert_state != NULL;
            jobs[i].out_fd = jobs[i].err_fd = -1;
            if (spawn(ctx, dir, &jobs[i]) == CRIER_OK)
                started++;
        }
        run_jobs(jobs, n);
        sem_post(&slots);
    }
    for (int i = 0; i < n && e == CRIER_OK; i++) {
        char *url = read_png_data_url(jobs[i].png_path);
        unlink(jobs[i].png_path);
        if (!url) {
            crier_errf(err, err_len, "the renderer (%s) produced no picture", ctx->cfg->crier_path);
            e = CRIER_ERR_IO;
            break;
        }
        cJSON *p = cJSON_CreateObject(), *w = cJSON_Duplicate(common, 1);
        cJSON_AddStringToObject(p, "layout", jobs[i].layout);
        cJSON_AddStringToObject(p, "orientation", jobs[i].portrait ? "portrait" : "landscape");
        cJSON_AddStringToObject(p, "png", url);
        if (jobs[i].body_cut)
            cJSON_AddItemToArray(w, cJSON_CreateString("body cut: it does not fit even at the smallest size"));
        if (jobs[i].glyphs)
            cJSON_AddItemToArray(w, cJSON_CreateString("some characters are missing from the screen's fonts"));
        if (jobs[i].image_bad)
            cJSON_AddItemToArray(w, cJSON_CreateString("the image cannot be shown (not an image, or too large)"));
        cJSON_AddItemToObject(p, "warnings", w);
        cJSON_AddItemToArray(out, p);
        free(url);
    }
    if (e == CRIER_OK && started < n) {
        crier_errf(err, err_len, "cannot run the renderer %s", ctx->cfg->crier_path);
        e = CRIER_ERR_IO;
    }
    for (int i = 0; i < n; i++)
        if (jobs[i].png_path[0])
            unlink(jobs[i].png_path);
    cJSON_Delete(common);
    remove_tree(dir);
    return e;
}

int cn_preview_layout_ok(const cn_ctx *ctx, const char *name)
{
    if (!cn_name_ok(name) || name[0] == '.')
        return 0;
    char path[700];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s.json", ctx->cfg->layouts_dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
