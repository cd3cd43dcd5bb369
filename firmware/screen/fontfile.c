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
    return TTF_OpenFontRW(rw, 1, ptsize); /* closes rw on failure too */
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
    munmap(f->map, f->size);
    free(f->path);
    free(f);
}

crier_err crier_fontfile_ref(const char *path, font_file **out)
{
    *out = NULL;
    for (font_file *f = g_files; f; f = f->next)
        if (strcmp(f->path, path) == 0) {
            f->refs++;
            *out = f;
            return CRIER_OK;
        }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return CRIER_ERR_NOTFOUND;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > INT_MAX) {
        close(fd);
        return CRIER_ERR_IO;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return CRIER_ERR_IO;
    font_file *f = calloc(1, sizeof *f);
    char *p = strdup(path);
    if (!f || !p) {
        free(f);
        free(p);
        munmap(map, (size_t)st.st_size);
        return CRIER_ERR_NOMEM;
    }
    f->path = p;
    f->map = map;
    f->size = (size_t)st.st_size;
    f->refs = 1;
    /* Probe: a scalable font's height follows the size, a strike font's not. */
    TTF_Font *a = crier_fontfile_open_face(f, 10), *b = crier_fontfile_open_face(f, 100);
    if (!a || !b) {
        LOG_WARN(COMP, "%s: not a font SDL_ttf can open: %s", path, TTF_GetError());
        if (a)
            TTF_CloseFont(a);
        if (b)
            TTF_CloseFont(b);
        munmap(map, f->size);
        free(p);
        free(f);
        return CRIER_ERR_PARSE;
    }
    f->bitmap = TTF_FontHeight(a) == TTF_FontHeight(b);
    f->probe = a; /* kept for coverage questions */
    TTF_CloseFont(b);
    f->next = g_files;
    g_files = f;
    *out = f;
    return CRIER_OK;
}
