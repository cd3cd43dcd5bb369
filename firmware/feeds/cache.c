/* cache.c - atomic disk cache of source bodies and images (see cache.h).
 *
 * Design: one self-describing file per source so a single rename publishes body
 * and metadata together; core/atomicfile does the temp-file/fsync/rename dance.
 * Header values are sanitised (no CR/LF) before writing, and the loader trusts
 * nothing: magic line, bounded header, exact body length. */
#include "feeds/cache.h"
#include "base/atomicfile.h"
#include "base/log.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAGIC "CRIER-CACHE 1\n"
#define MAX_HEADER 2048

static crier_err mkdir_one(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return CRIER_OK;
    LOG_ERROR("cache", "cannot create %s: %s", path, strerror(errno));
    return CRIER_ERR_IO;
}

crier_err crier_cache_init(const char *dir)
{
    if (!dir || !*dir)
        return CRIER_ERR_INVAL;
    char path[4096];
    /* mkdir -p */
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST) {
                LOG_ERROR("cache", "cannot create %s: %s", path, strerror(errno));
                return CRIER_ERR_IO;
            }
            *p = '/';
        }
    }
    crier_err rc = mkdir_one(path);
    if (rc != CRIER_OK)
        return rc;
    (void)crier_atomicfile_sweep(path); /* temp files of a kiosk killed mid-write */
    snprintf(path, sizeof path, "%s/img", dir);
    rc = mkdir_one(path);
    if (rc == CRIER_OK)
        (void)crier_atomicfile_sweep(path);
    return rc;
}

int crier_cache_name_ok(const char *name)
{
    if (!name || !*name || name[0] == '.' || strlen(name) > 64)
        return 0;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return 0;
    return 1;
}

static void sanitize(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; src && *src && k + 1 < cap; src++)
        if (*src != '\r' && *src != '\n')
            dst[k++] = *src;
    dst[k] = '\0';
}

crier_err crier_cache_store(const char *dir, const char *source, const void *body, size_t len,
                            const crier_cache_meta *meta)
{
    if (!crier_cache_name_ok(source))
        return CRIER_ERR_INVAL;
    char etag[256], lm[64], ct[128];
    sanitize(etag, sizeof etag, meta ? meta->etag : "");
    sanitize(lm, sizeof lm, meta ? meta->last_modified : "");
    sanitize(ct, sizeof ct, meta ? meta->content_type : "");
    char header[MAX_HEADER];
    int hl = snprintf(header, sizeof header,
                      MAGIC "etag: %s\nlast-modified: %s\ncontent-type: %s\nfetched-ms: %" PRId64 "\nlength: %zu\n\n",
                      etag, lm, ct, meta ? meta->fetched_ms : 0, len);
    if (hl < 0 || (size_t)hl >= sizeof header)
        return CRIER_ERR_LIMIT;
    char *data = malloc((size_t)hl + len);
    if (!data)
        return CRIER_ERR_NOMEM;
    memcpy(data, header, (size_t)hl);
    if (len)
        memcpy(data + hl, body, len);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.feed", dir, source);
    crier_err rc = crier_atomicfile_write(path, data, (size_t)hl + len, 0600, 1);
    free(data);
    return rc;
}

crier_err crier_cache_load(const char *dir, const char *source, size_t max_len, char **body, size_t *len,
                           crier_cache_meta *meta)
{
    *body = NULL;
    *len = 0;
    if (!crier_cache_name_ok(source))
        return CRIER_ERR_INVAL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.feed", dir, source);
    char *data = NULL;
    size_t dlen = 0;
    crier_err rc = crier_atomicfile_read(path, max_len + MAX_HEADER, &data, &dlen);
    if (rc != CRIER_OK)
        return rc;
    crier_cache_meta m = {0};
    size_t want = (size_t)-1;
    rc = CRIER_ERR_PARSE;
    if (dlen < strlen(MAGIC) || memcmp(data, MAGIC, strlen(MAGIC)) != 0)
        goto cleanup;
    size_t pos = strlen(MAGIC);
    for (;;) {
        char *nl = memchr(data + pos, '\n', dlen - pos);
        if (!nl || (size_t)(nl - data) > MAX_HEADER)
            goto cleanup;
        size_t ll = (size_t)(nl - (data + pos));
        char line[512];
        if (ll >= sizeof line)
            goto cleanup;
        memcpy(line, data + pos, ll);
        line[ll] = '\0';
        pos += ll + 1;
        if (ll == 0)
            break;
        char *colon = strchr(line, ':');
        if (!colon)
            goto cleanup;
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (!strcmp(line, "etag"))
            snprintf(m.etag, sizeof m.etag, "%s", v);
        else if (!strcmp(line, "last-modified"))
            snprintf(m.last_modified, sizeof m.last_modified, "%s", v);
        else if (!strcmp(line, "content-type"))
            snprintf(m.content_type, sizeof m.content_type, "%s", v);
        else if (!strcmp(line, "fetched-ms"))
            m.fetched_ms = strtoll(v, NULL, 10);
        else if (!strcmp(line, "length"))
            want = (size_t)strtoull(v, NULL, 10);
    }
    if (want != dlen - pos) {
        LOG_WARN("cache", "%s: length %zu in header but %zu bytes of body: ignored", path, want, dlen - pos);
        goto cleanup;
    }
    if (want > max_len) {
        rc = CRIER_ERR_LIMIT;
        goto cleanup;
    }
    memmove(data, data + pos, want);
    data[want] = '\0';
    *body = data;
    *len = want;
    data = NULL;
    if (meta)
        *meta = m;
    rc = CRIER_OK;
cleanup:
    free(data);
    return rc;
}

void crier_cache_image_path(const char *dir, const char *url, char *out, size_t out_len)
{
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)url, strlen(url), NULL, 0);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    /* extension from the URL path (before any query or fragment) */
    const char *ext = "img";
    static const char *const known[] = {"jpg", "jpeg", "png", "gif", "webp", "svg"};
    size_t pl = strcspn(url, "?#");
    const char *dot = NULL;
    for (size_t i = pl; i > 0; i--) {
        if (url[i - 1] == '/')
            break;
        if (url[i - 1] == '.') {
            dot = url + i;
            break;
        }
    }
    if (dot) {
        size_t el = (size_t)(url + pl - dot);
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (el == strlen(known[i]) && !strncasecmp(dot, known[i], el))
                ext = known[i];
    }
    snprintf(out, out_len, "%s/img/%s.%s", dir, hex, ext);
}
