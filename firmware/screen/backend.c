/* backend.c - display backends: a window (desktop or KMSDRM) and headless.
 *
 * See internal.h for the two ways of presenting (gpu, software) and of waiting.  The window backend retries
 * a display that cannot be opened yet for a bounded time (window_open). */
#include "base/log.h"
#include "base/timeutil.h"
#include "screen/internal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
    } else if (ev->type == SDL_WINDOWEVENT &&
               (ev->window.event == SDL_WINDOWEVENT_EXPOSED || ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)) {
        d->needs_full = 1; /* uncovered or resized: show the whole frame again */
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
    d->software = 0;
    d->keeps_frame = 0;
    d->no_wm = 0;
    if (d->video_up)
        SDL_QuitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS);
    d->video_up = 0;
}

/* ---- choosing how to present (present = auto) -----------------------------
 * Software presentation wins wherever GL would be Mesa's software rasterizer
 * (llvmpipe, softpipe, swrast): it composes only what changed and loads no GL.
 * The question is answered without loading GL where possible:
 *   - KMSDRM: gpu (SDL draws on KMSDRM only through GLES; vsync page flips);
 *   - LIBGL_ALWAYS_SOFTWARE or GALLIUM_DRIVER=llvmpipe|softpipe: software;
 *   - X11: the X server offers direct rendering (DRI3, DRI2, or NVIDIA's
 *     NV-GLX) only with a GPU driver (Xvfb, Xvnc and a server on a VM's dumb
 *     framebuffer offer none, and Xorg refuses glamor on llvmpipe), asked on a
 *     short second connection (x11_probe);
 *   - Wayland and others: gpu when a DRM render node exists, else software;
 *   - then, in gpu, the GL_RENDERER string of the renderer just made: a
 *     software rasterizer there means software after all (GL stays mapped in
 *     that case; the log says so). */
static int env_wants_software_gl(void)
{
    const char *s = getenv("LIBGL_ALWAYS_SOFTWARE");
    if (s && s[0] && strcmp(s, "0") != 0 && strcmp(s, "false") != 0)
        return 1;
    const char *g = getenv("GALLIUM_DRIVER");
    return g && (strcmp(g, "llvmpipe") == 0 || strcmp(g, "softpipe") == 0 || strcmp(g, "swr") == 0);
}

/* What a short second X connection tells (through the libX11 SDL has already
 * loaded: nothing new is mapped): whether the server offers direct rendering
 * (dri: 1 yes, 0 no, -1 cannot tell; ext names the extension) and whether a
 * window manager runs (wm: 1 yes, 0 no, -1 cannot tell). */
typedef struct x11_facts {
    int dri, wm;
    char ext[16];
} x11_facts;

static x11_facts x11_probe(void)
{
    typedef void *(*open_fn)(const char *);
    typedef int (*close_fn)(void *);
    typedef int (*query_fn)(void *, const char *, int *, int *, int *);
    typedef unsigned long (*atom_fn)(void *, const char *, int);
    typedef unsigned long (*root_fn)(void *);
    typedef int (*prop_fn)(void *, unsigned long, unsigned long, long, long, int, unsigned long, unsigned long *,
                           int *, unsigned long *, unsigned long *, unsigned char **);
    typedef int (*free_fn)(void *);
    x11_facts f = {-1, -1, ""};
    void *lib = dlopen("libX11.so.6", RTLD_LAZY | RTLD_NOLOAD); /* SDL's copy, if loaded */
    if (!lib)
        return f;
    open_fn xopen = (open_fn)(uintptr_t)dlsym(lib, "XOpenDisplay");
    close_fn xclose = (close_fn)(uintptr_t)dlsym(lib, "XCloseDisplay");
    query_fn xquery = (query_fn)(uintptr_t)dlsym(lib, "XQueryExtension");
    atom_fn xatom = (atom_fn)(uintptr_t)dlsym(lib, "XInternAtom");
    root_fn xroot = (root_fn)(uintptr_t)dlsym(lib, "XDefaultRootWindow");
    prop_fn xprop = (prop_fn)(uintptr_t)dlsym(lib, "XGetWindowProperty");
    free_fn xfree = (free_fn)(uintptr_t)dlsym(lib, "XFree");
    void *dpy = xopen && xclose && xquery && xatom && xroot && xprop && xfree ? xopen(NULL) : NULL;
    if (dpy) {
        static const char *const exts[] = {"DRI3", "DRI2", "NV-GLX"};
        f.dri = 0;
        for (size_t i = 0; i < sizeof exts / sizeof exts[0] && !f.dri; i++) {
            int op, ev, er;
            if (xquery(dpy, exts[i], &op, &ev, &er)) {
                f.dri = 1;
                snprintf(f.ext, sizeof f.ext, "%s", exts[i]);
            }
        }
        /* An EWMH window manager names its check window on the root. */
        unsigned long check = xatom(dpy, "_NET_SUPPORTING_WM_CHECK", 1 /* only if it exists */);
        f.wm = 0;
        if (check) {
            unsigned long type = 0, n = 0, after = 0;
            int format = 0;
            unsigned char *data = NULL;
            if (xprop(dpy, xroot(dpy), check, 0, 1, 0, 33 /* XA_WINDOW */, &type, &format, &n, &after, &data) == 0 &&
                n == 1)
                f.wm = 1;
            if (data)
                xfree(data);
        }
        xclose(dpy);
    }
    dlclose(lib);
    return f;
}

static int have_render_node(void)
{
    DIR *dir = opendir("/dev/dri");
    if (!dir)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(dir)))
        found = strncmp(e->d_name, "renderD", 7) == 0;
    closedir(dir);
    return found;
}

/* The first guess for present = auto: 1 software, 0 gpu; why says why. */
static int auto_wants_software(const char *driver, const x11_facts *x, char *why, size_t why_len)
{
    if (driver && strcmp(driver, "kmsdrm") == 0) {
        snprintf(why, why_len, "KMSDRM draws through GLES");
        return 0;
    }
    if (env_wants_software_gl()) {
        snprintf(why, why_len, "the environment asks for software GL");
        return 1;
    }
    if (x) {
        if (x->dri == 1) {
            snprintf(why, why_len, "the X server offers %s", x->ext);
            return 0;
        }
        if (x->dri == 0) {
            snprintf(why, why_len, "the X server offers no direct rendering (no DRI3, DRI2 or NV-GLX)");
            return 1;
        }
    }
    if (have_render_node()) {
        snprintf(why, why_len, "a GPU render node exists");
        return 0;
    }
    snprintf(why, why_len, "no GPU render node in /dev/dri");
    return 1;
}

/* The GL_RENDERER string of the current GL context ("" if unknown). */
static const char *gl_renderer_name(void)
{
    typedef const unsigned char *(*get_string_fn)(unsigned);
    get_string_fn get = (get_string_fn)(uintptr_t)SDL_GL_GetProcAddress("glGetString");
    const unsigned char *s = get && SDL_GL_GetCurrentContext() ? get(0x1F01 /* GL_RENDERER */) : NULL;
    return s ? (const char *)s : "";
}

static int is_software_rasterizer(const char *gl_renderer)
{
    return strstr(gl_renderer, "llvmpipe") || strstr(gl_renderer, "softpipe") || strstr(gl_renderer, "swrast") ||
           strstr(gl_renderer, "Software Rasterizer");
}

/* Software presentation: SDL's software renderer on the window surface, with
 * the window surface kept off the GPU (SDL would otherwise back it with a GL
 * texture).  The renderer is asked for by name, over any SDL_RENDER_DRIVER. */
static crier_err window_software_renderer(crier_display *d, char *why, size_t why_len)
{
    SDL_SetHintWithPriority(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0", SDL_HINT_OVERRIDE);
    SDL_SetHintWithPriority(SDL_HINT_RENDER_DRIVER, "software", SDL_HINT_OVERRIDE);
    d->renderer = SDL_CreateRenderer(d->window, -1, SDL_RENDERER_SOFTWARE | SDL_RENDERER_TARGETTEXTURE);
    SDL_ResetHint(SDL_HINT_RENDER_DRIVER); /* back to SDL_RENDER_DRIVER, if set, for any later renderer */
    if (!d->renderer) {
        crier_errf(why, why_len, "cannot create the software renderer: %s", SDL_GetError());
        return CRIER_ERR_SDL;
    }
    d->software = 1;
    d->keeps_frame = 1; /* the shared-memory image keeps its pixels between presents */
    return CRIER_OK;
}

/* One attempt at the video subsystem, a window and a renderer; on failure
 * everything is undone and why says what failed.  choice says how the
 * presentation was chosen (for the log). */
static crier_err window_try(crier_display *d, const crier_config *cfg, char *why, size_t why_len, char *choice,
                            size_t choice_len)
{
    if (SDL_InitSubSystem(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        crier_errf(why, why_len, "cannot start video: %s", SDL_GetError());
        return CRIER_ERR_SDL;
    }
    d->video_up = 1;
    const char *driver = SDL_GetCurrentVideoDriver();
    int kms = driver && strcmp(driver, "kmsdrm") == 0;
    d->use_sdl_wait = driver && (strcmp(driver, "x11") == 0 || strcmp(driver, "wayland") == 0 ||
                                 strcmp(driver, "cocoa") == 0 || strcmp(driver, "windows") == 0);
    x11_facts xf = {-1, -1, ""};
    int x11 = driver && strcmp(driver, "x11") == 0;
    if (x11 && (cfg->present == CRIER_PRESENT_AUTO || cfg->fullscreen || cfg->width == 0))
        xf = x11_probe();
    int software;
    char reason[160];
    if (cfg->present == CRIER_PRESENT_AUTO) {
        software = auto_wants_software(driver, x11 ? &xf : NULL, reason, sizeof reason);
        snprintf(choice, choice_len, "auto: %s", reason);
    } else {
        software = cfg->present == CRIER_PRESENT_SOFTWARE;
        snprintf(choice, choice_len, "present = %s", software ? "software" : "gpu");
        if (software && kms) {
            software = 0; /* KMSDRM has no window surface without GLES */
            snprintf(choice, choice_len, "present = software, but KMSDRM draws through GLES");
        }
    }
    /* A GL window from the start: SDL would otherwise destroy and re-create
     * the window for the GL renderer (a second map, a second fullscreen request). */
    Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI | (software ? 0 : SDL_WINDOW_OPENGL);
    int w = cfg->width, h = cfg->height, x = SDL_WINDOWPOS_CENTERED, y = SDL_WINDOWPOS_CENTERED;
    if (cfg->fullscreen || w == 0) {
        SDL_Rect b = {0, 0, 1920, 1080};
        SDL_GetDisplayBounds(0, &b);
        if (w == 0) {
            w = b.w;
            h = b.h;
        }
        if (x11 && xf.wm == 0 && w == b.w && h == b.h) {
            /* No window manager (a kiosk X server, Xvfb): a borderless window
             * over the screen is full screen, and SDL's fullscreen request
             * would only wait 100 ms for a window manager that never answers. */
            flags |= SDL_WINDOW_BORDERLESS;
            x = b.x;
            y = b.y;
            d->no_wm = 1;
        } else {
            flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
        }
    }
    d->window = SDL_CreateWindow("Crier", x, y, w, h, flags);
    if (!d->window) {
        crier_errf(why, why_len, "cannot open a window (%s): %s", driver ? driver : "?", SDL_GetError());
        window_undo(d);
        return CRIER_ERR_SDL;
    }
    int tried_software = 0;
    if (software) {
        if (window_software_renderer(d, why, why_len) == CRIER_OK)
            return CRIER_OK;
        /* A video driver without a window surface of its own (Wayland in
         * SDL 2.26): the accelerated renderer is the only way. */
        size_t n = strlen(choice);
        snprintf(choice + n, choice_len - n, ", but %s: gpu", why);
        tried_software = 1;
    }
    Uint32 rflags = SDL_RENDERER_ACCELERATED | SDL_RENDERER_TARGETTEXTURE;
    if (cfg->vsync)
        rflags |= SDL_RENDERER_PRESENTVSYNC;
    d->renderer = SDL_CreateRenderer(d->window, -1, rflags);
    const char *glr = d->renderer ? gl_renderer_name() : "";
    if (d->renderer && !tried_software && cfg->present == CRIER_PRESENT_AUTO && !kms && is_software_rasterizer(glr)) {
        size_t n = strlen(choice);
        snprintf(choice + n, choice_len - n, ", but GL is %s: software (GL stays loaded)", glr);
        SDL_DestroyRenderer(d->renderer);
        d->renderer = NULL;
        if (window_software_renderer(d, why, why_len) == CRIER_OK)
            return CRIER_OK;
        n = strlen(choice);
        snprintf(choice + n, choice_len - n, ", but %s: gpu after all", why);
        d->renderer = SDL_CreateRenderer(d->window, -1, rflags);
        glr = "";
    }
    if (d->renderer) {
        if (glr[0]) {
            size_t n = strlen(choice);
            snprintf(choice + n, choice_len - n, "; GL renderer %s", glr);
        }
        return CRIER_OK;
    }
    if (kms || tried_software) {
        crier_errf(why, why_len, "cannot create a renderer: %s", SDL_GetError());
        window_undo(d);
        return CRIER_ERR_SDL;
    }
    size_t n = strlen(choice);
    snprintf(choice + n, choice_len - n, ", but no accelerated renderer (%s): software", SDL_GetError());
    if (window_software_renderer(d, why, why_len) != CRIER_OK) {
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
    char why[512] = "", choice[384] = "";
    int64_t start = crier_mono_ms(), limit_ms = (int64_t)cfg->display_open_timeout_s * 1000;
    int attempts = 1;
    crier_err rc;
    while ((rc = window_try(d, cfg, why, sizeof why, choice, sizeof choice)) != CRIER_OK) {
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
    if (d->no_wm)
        LOG_INFO("render", "no window manager: a borderless window covers the screen (no fullscreen request)");
    if (d->software)
        LOG_INFO("render", "window %dx%d on %s, software presentation (window surface, damaged rectangles; %s)",
                 d->width, d->height, driver ? driver : "?", choice);
    else
        LOG_INFO("render", "window %dx%d on %s with %s renderer%s, gpu presentation (%s)", d->width, d->height,
                 driver ? driver : "?", info.name, (info.flags & SDL_RENDERER_PRESENTVSYNC) ? ", vsync" : "",
                 choice);
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

/* Software: only the damaged rectangles go to the display (SDL_RenderFlush
 * first: SDL may batch drawing commands until a present).  A window resized
 * behind our back gets a new surface from SDL's software renderer on the
 * next draw; the loop then redraws and presents everything. */
static void window_present(crier_display *d, const SDL_Rect *rects, int n)
{
    if (!d->software) {
        SDL_RenderPresent(d->renderer);
        return;
    }
    SDL_RenderFlush(d->renderer);
    int rc = n > 0 ? SDL_UpdateWindowSurfaceRects(d->window, rects, n) : SDL_UpdateWindowSurface(d->window);
    if (rc != 0)
        d->needs_full = 1;
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
static void headless_present(crier_display *d, const SDL_Rect *rects, int n)
{
    (void)rects;
    (void)n;
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
