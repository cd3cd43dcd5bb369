/* feed_json.c - see feed_json.h. */
#include "feeds/feed_json.h"

#include "base/error.h"

cJSON *crier_feed_json_open(const char *buf, size_t len, const char *what, char *err, size_t err_len)
{
    const char *at = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf ? buf : "", buf ? len : 0, &at, 0);
    if (!root) {
        long off = at && buf && at >= buf && at <= buf + len ? (long)(at - buf) : -1;
        crier_errf(err, err_len, "%s: malformed or truncated JSON near byte %ld", what, off);
    }
    return root;
}

const char *crier_feed_json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}
