/* backend.c - display backends: a window (desktop or KMSDRM) and headless.
 *
 * See internal.h for why two ways of waiting exist.  The window backend retries
 * a display that cannot be opened yet for a bounded time (window_open). */
#include "base/log.h"
#include "base/timeutil.h"
#include "screen/internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static crier_err common_init(crier_display *d)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, &attr);
    pthread_condattr_destroy(&attr);
    d->wake_event = SDL_RegisterEvents(1);
    return CRIER_OK;
}

void crier_display_wake(void *display)
{
    crier_display *d = display;
    if (d->use_sdl_wait) {
        SDL_Event ev;
        SDL_zero(ev);
        ev.type = d->wake_event;
        SDL_PushEvent(&ev); /* thread-safe; wakes SDL_WaitEventTimeout */
        return;
    }
    pthread_mutex_lock(&d->lock);
    d->woken = 1;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

static void handle_sdl_event(crier_display *d, const SDL_Event *ev)
{
    if (ev->type == SDL_DISPLAYEVENT && ev->display.event == SDL_DISPLAYEVENT_DISCONNECTED) {
        /* The screen (or its DRM device) went away: stop with an error so the
         * service manager restarts crier until the display is back. */
        LOG_ERROR("render", "display %u disconnected", (unsigned)ev->display.display);
        d->display_lost = 1;
        d->quit_requested = 1;
    } else if (ev->type == SDL_RENDER_DEVICE_RESET) {
        LOG_ERROR("render", "the graphics device was reset; restarting the display");
        d->display_lost = 1;
        d->quit_requested = 1;
    } else if (ev->type == SDL_QUIT)
        d->quit_requested = 1;
    else if (ev->type == SDL_KEYDOWN && (ev->key.keysym.sym == SDLK_ESCAPE || ev->key.keysym.sym == SDLK_q))
        d->quit_requested = 1;
}

static void cond_wait_ms(crier_display *d, int timeout_ms)
{
    struct timespec ts = crier_mono_deadline(timeout_ms);
    pthread_mutex_lock(&d->lock);
    while (!d->woken) {
        if (pthread_cond_timedwait(&d->cond, &d->lock, &ts) == ETIMEDOUT)
            break;
    }
    d->woken = 0;
    pthread_mutex_unlock(&d->lock);
}

/* ---- window ------------------------------------------------------------- */

/* Undoes a partial window_try(). */
static void window_undo(crier_display *d)
{
    if (d->renderer)
        SDL_DestroyRenderer(d->renderer);
    if (d->window)
        SDL_DestroyWindow(d->window);
    d->renderer = NULL;
    d->window = NULL;
    if (d->video_up)
        SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    d->video_up = 0;
}

/* One attempt at the video subsystem, a window and a renderer; on failure
 * everything is undone and why says what failed. */
static crier_err window_try(crier_display *d, const crier_config *cfg, char *why, size_t why_len)
{
    if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        crier_errf(why, why_len, "cannot start video: %s", SDL_GetError());
        return CRIER_ERR_SDL;
    }
    d->video_up = 1;
    const char *driver = SDL_GetCurrentVideoDriver();
    d->use_sdl_wait = driver && (strcmp(driver, "x11") == 0 || strcmp(driver, "wayland") == 0 ||
                                 strcmp(driver, "cocoa") == 0 || strcmp(driver, "windows") == 0);
    Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
    int w = cfg->width, h = cfg->height;
    if (cfg->fullscreen || w == 0) {
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
        if (w == 0) {
            SDL_DisplayMode mode;
            if (SDL_GetDesktopDisplayMode(0, &mode) == 0) {
                w = mode.w;
                h = mode.h;
            } else {
                w = 1920;
                h = 1080;
            }
        }
    }
    d->window = SDL_CreateWindow("Crier", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
    if (!d->window) {
        crier_errf(why, why_len, "cannot open a window (%s): %s", driver ? driver : "?", SDL_GetError());
        window_undo(d);
        return CRIER_ERR_SDL;
    }
    Uint32 rflags = SDL_RENDERER_ACCELERATED | SDL_RENDERER_TARGETTEXTURE;
    if (cfg->vsync)
        rflags |= SDL_RENDERER_PRESENTVSYNC;
    d->renderer = SDL_CreateRenderer(d->window, -1, rflags);
    if (!d->renderer)
        d->renderer = SDL_CreateRenderer(d->window, -1, SDL_RENDERER_SOFTWARE | SDL_RENDERER_TARGETTEXTURE);
    if (!d->renderer) {
        crier_errf(why, why_len, "cannot create a renderer: %s", SDL_GetError());
        window_undo(d);
        return CRIER_ERR_SDL;
    }
    return CRIER_OK;
}

/* At boot the service may start before the display is usable (issue #14: udev
 * had not yet given /dev/dri/card0 its mode, "kmsdrm not available"), so a
 * failed open is retried every RETRY_MS for display_open_timeout_s, with one
 * log line when the wait starts and one when it ends. */
#define RETRY_MS 250

static crier_err window_open(crier_display *d, const crier_config *cfg)
{
    common_init(d);
    char why[512] = "";
    int64_t start = crier_mono_ms(), limit_ms = (int64_t)cfg->display_open_timeout_s * 1000;
    int attempts = 1;
    crier_err rc;
    while ((rc = window_try(d, cfg, why, sizeof why)) != CRIER_OK) {
        int64_t waited = crier_mono_ms() - start;
        if (waited >= limit_ms) {
            if (attempts > 1)
                LOG_ERROR("render", "%s; gave up after %.1f s (%d attempts)", why, (double)waited / 1000, attempts);
            else
                LOG_ERROR("render", "%s", why);
            return rc;
        }
        if (attempts == 1)
            LOG_WARN("render", "%s; display not ready, retrying for up to %d s", why, cfg->display_open_timeout_s);
        int64_t pause = limit_ms - waited < RETRY_MS ? limit_ms - waited : RETRY_MS;
        struct timespec ts = {(time_t)(pause / 1000), (long)(pause % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        attempts++;
    }
    if (attempts > 1)
        LOG_INFO("render", "display ready after %.1f s (%d attempts)", (double)(crier_mono_ms() - start) / 1000,
                 attempts);
    const char *driver = SDL_GetCurrentVideoDriver();
    SDL_ShowCursor(SDL_DISABLE);
    SDL_GetRendererOutputSize(d->renderer, &d->width, &d->height);
    SDL_RendererInfo info;
    SDL_GetRendererInfo(d->renderer, &info);
    LOG_INFO("render", "window %dx%d on %s with %s renderer%s", d->width, d->height, driver ? driver : "?",
             info.name, (info.flags & SDL_RENDERER_PRESENTVSYNC) ? ", vsync" : "");
    return CRIER_OK;
}

static void window_wait(crier_display *d, int timeout_ms)
{
    SDL_Event ev;
    if (d->use_sdl_wait) {
        if (SDL_WaitEventTimeout(&ev, timeout_ms > 0 ? timeout_ms : 1)) {
            handle_sdl_event(d, &ev);
            while (SDL_PollEvent(&ev))
                handle_sdl_event(d, &ev);
        }
        return;
    }
    if (timeout_ms > 0)
        cond_wait_ms(d, timeout_ms);
    while (SDL_PollEvent(&ev))
        handle_sdl_event(d, &ev);
}

static void window_present(crier_display *d)
{
    SDL_RenderPresent(d->renderer);
}

static void window_close(crier_display *d)
{
    window_undo(d);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
}

const crier_backend crier_backend_window = {"window", window_open, window_wait, window_present, window_close};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- headless ----------------------------------------------------------- */

static crier_err headless_open(crier_display *d, const crier_config *cfg)
{
    if (SDL_InitSubSystem(SDL_INIT_EVENTS) != 0) {
        LOG_ERROR("render", "cannot start SDL events: %s", SDL_GetError());
        return CRIER_ERR_SDL;
    }
    common_init(d);
    d->use_sdl_wait = 0;
    d->keeps_frame = 1; /* the memory surface is never swapped */
    d->width = cfg->width ? cfg->width : 1920;
    d->height = cfg->height ? cfg->height : 1080;
    d->pace_hz = cfg->headless_pace_hz;
    d->pace_origin_us = now_us();
    d->surface = SDL_CreateRGBSurfaceWithFormat(0, d->width, d->height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!d->surface) {
        LOG_ERROR("render", "cannot allocate a %dx%d frame: %s", d->width, d->height, SDL_GetError());
        return CRIER_ERR_NOMEM;
    }
    d->renderer = SDL_CreateSoftwareRenderer(d->surface);
    if (!d->renderer) {
        LOG_ERROR("render", "cannot create the software renderer: %s", SDL_GetError());
        return CRIER_ERR_SDL;
    }
    LOG_INFO("render", "headless %dx%d (software renderer)", d->width, d->height);
    return CRIER_OK;
}

static void headless_wait(crier_display *d, int timeout_ms)
{
    if (timeout_ms > 0)
        cond_wait_ms(d, timeout_ms);
}

/* With headless_pace_hz set, a present returns at the next tick of a fixed
 * grid, as a vsynced display would: benchmarks see real frame pacing. */
static void headless_present(crier_display *d)
{
    SDL_RenderPresent(d->renderer);
    if (d->pace_hz <= 0)
        return;
    int64_t period = 1000000 / d->pace_hz, t = now_us();
    int64_t next = d->pace_origin_us + ((t - d->pace_origin_us) / period + 1) * period;
    struct timespec ts = {(time_t)((next - t) / 1000000), (long)((next - t) % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static void headless_close(crier_display *d)
{
    if (d->renderer)
        SDL_DestroyRenderer(d->renderer);
    if (d->surface)
        SDL_FreeSurface(d->surface);
    SDL_QuitSubSystem(SDL_INIT_EVENTS);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
}

const crier_backend crier_backend_headless = {"headless", headless_open, headless_wait, headless_present,
                                              headless_close};
