/* feed_json.c - see feed_json.h. */
#include "feeds/feed_json.h"

#include "base/error.h"

static cJSON *json_open(const char *buf, size_t len, const char *what, char *err, size_t err_len)
{
    const char *at = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf ? buf : "", buf ? len : 0, &at, 0);
    if (!root) {
        long off = at && buf && at >= buf && at <= buf + len ? (long)(at - buf) : -1;
        crier_errf(err, err_len, "%s: malformed or truncated JSON near byte %ld", what, off);
    }
    return root;
}

crier_err crier_feed_json_parse(const char *buf, size_t len, const char *what, const crier_feed_opts *opts,
                                crier_item_list *out, crier_feed_json_fill fill, char *err, size_t err_len)
{
    cJSON *root = json_open(buf, len, what, err, err_len);
    if (!root)
        return CRIER_ERR_PARSE;
    crier_item_list tmp;
    crier_item_list_init(&tmp);
    crier_err rc = fill(root, opts, &tmp, err, err_len);
    if (rc == CRIER_OK)
        rc = crier_feed_append_all(out, &tmp);
    cJSON_Delete(root);
    crier_item_list_clear(&tmp);
    return rc;
}

const char *crier_feed_json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}
