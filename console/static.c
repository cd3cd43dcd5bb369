/* static.c - the web page's files: GET / is WEB/index.html, GET /static/PATH
 * is WEB/PATH.  No directory listings; a path is refused unless it is made
 * of [A-Za-z0-9._-] names separated by '/', none starting with '.', and the
 * file is opened without following a symbolic link at its end. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX (8u * 1024u * 1024u)

static int safe_path(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 200)
        return 0;
    int at_start = 1;
    for (const char *c = p; *c; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                 *c == '_' || *c == '-' || *c == '/';
        if (!ok)
            return 0;
        if (at_start && (*c == '.' || *c == '/'))
            return 0; /* hidden names, "..", "//" */
        at_start = *c == '/';
    }
    return !at_start; /* no trailing '/' */
}

static const char *type_of(const char *p)
{
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"}, {".json", "application/json; charset=utf-8"},
        {".png", "image/png"}, {".svg", "image/svg+xml"}, {".ico", "image/x-icon"},
        {".woff2", "font/woff2"}, {".txt", "text/plain; charset=utf-8"}, {".webmanifest", "application/manifest+json"},
    };
    const char *dot = strrchr(p, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(dot, map[i][0]) == 0)
            return map[i][1];
    return "application/octet-stream";
}

void cn_static_serve(const cn_ctx *ctx, const cn_req *req, cn_resp *resp)
{
    const char *rel;
    if (strcmp(req->path, "/") == 0 || strcmp(req->path, "/index.html") == 0)
        rel = "index.html";
    else if (strncmp(req->path, "/static/", 8) == 0)
        rel = req->path + 8;
    else {
        cn_resp_error(resp, 404, "not found");
        return;
    }
    if (!safe_path(rel)) {
        cn_resp_error(resp, 404, "not found");
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", ctx->cfg->web_dir, rel);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > STATIC_MAX) {
        if (fd >= 0)
            close(fd);
        cn_resp_error(resp, 404, "not found");
        return;
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = malloc(len + 1);
    while (buf && got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0 && errno != EINTR)
            break;
        if (n > 0)
            got += (size_t)n;
    }
    close(fd);
    if (!buf || got != len) {
        free(buf);
        cn_resp_error(resp, 500, "cannot read the file");
        return;
    }
    resp->cache = "no-cache";
    cn_resp_take(resp, 200, type_of(rel), buf, len);
}
