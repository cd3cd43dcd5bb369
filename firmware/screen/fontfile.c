/* fontfile.c - font files, shared by every font chain.
 *
 * Every font file is mmap()ed once per process and shared by all chains (a
 * reference-counted list, render thread only) with one small "probe" face that
 * answers which code points the file has (the cmap does not depend on the
 * size).  A file whose height does not change with the requested size is a
 * fixed-strike bitmap font (Noto Color Emoji); fontchain.c scales its runs. */
#include "screen/fontchain_int.h"

#include "base/log.h"

#include <fcntl.h>
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

/* The shared face is the probe itself: which code points a face has does not
 * depend on its size, so one FreeType face and one HarfBuzz font per file
 * answer coverage questions and draw every fallback run. */
TTF_Font *crier_fontfile_face_acquire(font_file *f, int ptsize)
{
    if (f->shared_users++ == 0)
        f->shared_px = -1; /* sized on the first select */
    crier_fontfile_face_select(f, ptsize, f->shared_style);
    return f->probe;
}

void crier_fontfile_face_select(font_file *f, int ptsize, int style)
{
    if (!f->bitmap && ptsize != f->shared_px && TTF_SetFontSize(f->probe, ptsize) == 0)
        f->shared_px = ptsize;
    if (style != f->shared_style) {
        TTF_SetFontStyle(f->probe, style);
        f->shared_style = style;
    }
}

void crier_fontfile_face_release(font_file *f)
{
    if (f && f->shared_users > 0)
        f->shared_users--;
}

void crier_fontfile_trim(void)
{
    for (font_file *f = g_files; f; f = f->next)
        if (!f->map_owner)
            madvise(f->map, f->size, MADV_DONTNEED);
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
    TTF_CloseFont(f->probe);
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

crier_err crier_fontfile_ref(const char *path, long index, font_file **out)
{
    *out = NULL;
    if (index < 0 || index > 0xFFFF)
        return CRIER_ERR_INVAL;
    for (font_file *f = g_files; f; f = f->next)
        if (f->index == index && strcmp(f->path, path) == 0) {
            f->refs++;
            *out = f;
            return CRIER_OK;
        }
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
    /* Probe: a scalable font's height follows the size, a strike font's not. */
    TTF_Font *a = crier_fontfile_open_face(f, 10), *b = crier_fontfile_open_face(f, 100);
    if (!a || !b) {
        LOG_WARN(COMP, "%s: not a font SDL_ttf can open: %s", path, TTF_GetError());
        if (a)
            TTF_CloseFont(a);
        if (b)
            TTF_CloseFont(b);
        if (!owner)
            munmap(map, f->size);
        free(p);
        free(f);
        return CRIER_ERR_PARSE;
    }
    if (owner) {
        owner->refs++;
        f->map_owner = owner;
    }
    f->bitmap = TTF_FontHeight(a) == TTF_FontHeight(b);
    f->probe = a; /* kept for coverage questions */
    TTF_CloseFont(b);
    /* opening read tables FreeType keeps its own copies of (a CJK face's
     * charstring and subroutine offsets: ~2 MB) */
    madvise(map, size, MADV_DONTNEED);
    f->next = g_files;
    g_files = f;
    *out = f;
    return CRIER_OK;
}
