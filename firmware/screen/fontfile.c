/* fontfile.c - font files, shared by every font chain.
 *
 * Every font file is mmap()ed once per process and shared by all chains (a
 * reference-counted list, render thread only).  A bundled file has one small
 * "probe" face, opened with the file, that answers which code points it has
 * (the cmap does not depend on the size) and draws every fallback run of
 * every chain (resized for each).  A file whose height does not change with
 * the requested size is a fixed-strike bitmap font (Noto Color Emoji);
 * fontchain.c scales its runs.
 *
 * A system file (fontsys.c) answers coverage from fontconfig's charset and
 * opens its face only to draw; a CJK collection's face costs 1-1.5 MB of
 * FreeType and HarfBuzz tables, so at most MAX_BIG_OPEN big faces (files over
 * BIG_FACE_BYTES) are open at once: the least recently drawn one is closed
 * when another opens (text is drawn once into textures, so a face is needed
 * only while a text block is composed). */
#include "screen/fontchain_int.h"

#include "base/log.h"

#include <fcntl.h>
#include <fontconfig/fontconfig.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static font_file *g_files; /* render thread only */

TTF_Font *crier_fontfile_open_face(font_file *f, int ptsize)
{
    SDL_RWops *rw = SDL_RWFromConstMem(f->map, (int)f->size);
    if (!rw)
        return NULL;
    return TTF_OpenFontIndexRW(rw, 1, ptsize, f->index); /* closes rw on failure too */
}

#define BIG_FACE_BYTES (4u << 20)
#define MAX_BIG_OPEN 1

static uint64_t g_tick; /* last_use clock of lazy faces */

int crier_fontfile_has(const font_file *f, uint32_t cp)
{
    if (f->probe && !f->lazy)
        return TTF_GlyphIsProvided32(f->probe, cp) != 0;
    return f->charset && FcCharSetHasChar((const FcCharSet *)f->charset, cp);
}

/* Opens a lazy file's face, closing the least recently drawn big face first
 * when MAX_BIG_OPEN are open.  0 on failure. */
static int lazy_open(font_file *f, int ptsize)
{
    if (f->size > BIG_FACE_BYTES) {
        int open = 0;
        font_file *lru = NULL;
        for (font_file *g = g_files; g; g = g->next)
            if (g != f && g->lazy && g->probe && g->size > BIG_FACE_BYTES) {
                open++;
                if (!lru || g->last_use < lru->last_use)
                    lru = g;
            }
        if (open >= MAX_BIG_OPEN && lru) {
            TTF_CloseFont(lru->probe);
            lru->probe = NULL;
        }
    }
    f->probe = crier_fontfile_open_face(f, f->bitmap ? 0 : ptsize);
    if (!f->probe)
        return 0;
    f->shared_px = f->bitmap ? 0 : ptsize;
    f->shared_style = TTF_STYLE_NORMAL;
    return 1;
}

/* The shared face is the probe itself (bundled files) or the lazily opened
 * face (system files): one FreeType face and one HarfBuzz font per file draw
 * every fallback run of every chain. */
TTF_Font *crier_fontfile_face_acquire(font_file *f, int ptsize)
{
    if (f->shared_users++ == 0 && !f->lazy)
        f->shared_px = -1; /* sized on the first select */
    return crier_fontfile_face_select(f, ptsize, f->shared_style);
}

TTF_Font *crier_fontfile_face_select(font_file *f, int ptsize, int style)
{
    if (f->lazy) {
        f->last_use = ++g_tick;
        if (!f->probe && !lazy_open(f, ptsize))
            return NULL;
    }
    if (!f->bitmap && ptsize != f->shared_px && TTF_SetFontSize(f->probe, ptsize) == 0)
        f->shared_px = ptsize;
    if (style != f->shared_style) {
        TTF_SetFontStyle(f->probe, style);
        f->shared_style = style;
    }
    return f->probe;
}

void crier_fontfile_face_release(font_file *f)
{
    if (f && f->shared_users > 0)
        f->shared_users--;
}

void crier_fontfile_trim(void)
{
    for (font_file *f = g_files; f; f = f->next) {
        /* the shared face's glyph cache goes (TTF_SetFontSize flushes it) */
        if (f->probe && f->shared_px > 0 && !f->bitmap)
            TTF_SetFontSize(f->probe, f->shared_px);
        else if (f->probe && f->bitmap)
            TTF_SetFontSize(f->probe, 0); /* a colour strike glyph is 70 KB */
        if (!f->map_owner)
            madvise(f->map, f->size, MADV_DONTNEED);
    }
}

void crier_fontfile_unref(font_file *f)
{
    if (!f || --f->refs > 0)
        return;
    for (font_file **pp = &g_files; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    if (f->probe)
        TTF_CloseFont(f->probe);
    if (f->charset)
        FcCharSetDestroy((FcCharSet *)f->charset);
    if (f->map_owner)
        crier_fontfile_unref(f->map_owner);
    else
        munmap(f->map, f->size);
    free(f->path);
    free(f);
}

void crier_fontfile_addref(font_file *f)
{
    f->refs++;
}

/* A new, unprobed file record for path/index: mapped, or sharing the mapping
 * of another face of the same collection. */
static crier_err file_new(const char *path, long index, font_file **out)
{
    *out = NULL;
    /* Another face of the same collection shares its mapping (one copy of
     * the shared tables in the page cache and in our resident set). */
    font_file *owner = NULL;
    for (font_file *f = g_files; f && !owner; f = f->next)
        if (!f->map_owner && strcmp(f->path, path) == 0)
            owner = f;
    void *map = NULL;
    size_t size = 0;
    if (owner) {
        map = owner->map;
        size = owner->size;
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return CRIER_ERR_NOTFOUND;
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > INT_MAX) {
            close(fd);
            return CRIER_ERR_IO;
        }
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (map == MAP_FAILED)
            return CRIER_ERR_IO;
        /* Glyphs are read here and there, never in order: no read-ahead. */
        madvise(map, (size_t)st.st_size, MADV_RANDOM);
        size = (size_t)st.st_size;
    }
    font_file *f = calloc(1, sizeof *f);
    char *p = strdup(path);
    if (!f || !p) {
        free(f);
        free(p);
        if (!owner)
            munmap(map, size);
        return CRIER_ERR_NOMEM;
    }
    f->path = p;
    f->map = map;
    f->size = size;
    f->refs = 1;
    f->index = index;
    if (owner) {
        owner->refs++;
        f->map_owner = owner;
    }
    *out = f;
    return CRIER_OK;
}

/* Frees a record file_new made (not in the list). */
static void file_drop(font_file *f)
{
    if (f->map_owner)
        crier_fontfile_unref(f->map_owner);
    else
        munmap(f->map, f->size);
    free(f->path);
    free(f);
}

/* The listed record for (path, index) with one more reference (*fresh = 0),
 * or a new unlisted one for the caller to fill and list (*fresh = 1). */
static crier_err file_get(const char *path, long index, font_file **out, int *fresh)
{
    *out = NULL;
    *fresh = 0;
    if (index < 0 || index > 0xFFFF)
        return CRIER_ERR_INVAL;
    for (font_file *f = g_files; f; f = f->next)
        if (f->index == index && strcmp(f->path, path) == 0) {
            f->refs++;
            *out = f;
            return CRIER_OK;
        }
    *fresh = 1;
    return file_new(path, index, out);
}

static void file_list(font_file *f)
{
    f->next = g_files;
    g_files = f;
}

crier_err crier_fontfile_ref(const char *path, long index, font_file **out)
{
    int fresh;
    crier_err err = file_get(path, index, out, &fresh);
    if (err != CRIER_OK || !fresh)
        return err;
    font_file *f = *out;
    *out = NULL; /* until the probe says it is a font */
    /* Probe: a scalable font's height follows the size, a strike font's not. */
    TTF_Font *a = crier_fontfile_open_face(f, 10), *b = crier_fontfile_open_face(f, 100);
    if (!a || !b) {
        LOG_WARN(COMP, "%s: not a font SDL_ttf can open: %s", path, TTF_GetError());
        if (a)
            TTF_CloseFont(a);
        if (b)
            TTF_CloseFont(b);
        file_drop(f);
        return CRIER_ERR_PARSE;
    }
    f->bitmap = TTF_FontHeight(a) == TTF_FontHeight(b);
    f->probe = a; /* kept for coverage questions */
    TTF_CloseFont(b);
    /* opening read tables FreeType keeps its own copies of (a CJK face's
     * charstring and subroutine offsets: ~2 MB) */
    madvise(f->map_owner ? f->map_owner->map : f->map, f->size, MADV_DONTNEED);
    file_list(f);
    *out = f;
    return CRIER_OK;
}

crier_err crier_fontfile_ref_lazy(const char *path, long index, void *charset, int bitmap, font_file **out)
{
    int fresh;
    *out = NULL;
    if (!charset)
        return CRIER_ERR_INVAL;
    crier_err err = file_get(path, index, out, &fresh);
    if (err != CRIER_OK || !fresh)
        return err;
    font_file *f = *out;
    f->lazy = 1;
    f->bitmap = bitmap ? 1 : 0;
    f->charset = FcCharSetCopy((FcCharSet *)charset);
    file_list(f);
    return CRIER_OK;
}
