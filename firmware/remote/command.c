/* command.c - commands to one kiosk: parse and write (see command.h,
 * docs/protocol.md "Commands"). */
#include "remote/command.h"
#include "remote/protocol_internal.h"

#include <stdio.h>
#include <string.h>

int crier_command_known(const char *name)
{
    return name && (strcmp(name, "screenshot") == 0 || strcmp(name, "reload") == 0 ||
                    strcmp(name, "identify") == 0);
}

crier_err crier_command_parse(const char *name, const char *buf, size_t len, int64_t now_ms,
                              crier_command *out, char *err_msg, size_t err_len)
{
    cJSON *root = NULL;
    crier_err rc;
    memset(out, 0, sizeof *out);
    if (!crier_command_known(name)) {
        crier_errf(err_msg, err_len, "unknown command '%s'", name && crier_name_valid(name) ? name : "?");
        return CRIER_ERR_UNSUPPORTED;
    }
    rc = crier_protocol__json_open(buf, len, CRIER_CMD_MAX_BYTES, &root, err_msg, err_len);
    if (rc != CRIER_OK)
        return rc;
    crier_command c = {0};
    if ((rc = crier_protocol__unique_fields(root, err_msg, err_len)) != CRIER_OK)
        goto cleanup;
    snprintf(c.name, sizeof c.name, "%s", name);
    c.seconds = 10;
    for (const cJSON *f = root->child; f; f = f->next) {
        const char *k = f->string ? f->string : "";
        double d;
        if (strcmp(k, "req") == 0) {
            if (!cJSON_IsString(f) || !crier_name_valid(f->valuestring)) {
                crier_errf(err_msg, err_len, "field 'req': expected a name of [A-Za-z0-9_.-], 1..64 bytes");
                rc = CRIER_ERR_INVAL;
                goto cleanup;
            }
            snprintf(c.req, sizeof c.req, "%s", f->valuestring);
        } else if (strcmp(k, "sent") == 0) {
            if ((rc = crier_protocol__get_time(f, k, &c.sent_ms, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
        } else if (strcmp(k, "seconds") == 0) {
            if ((rc = crier_protocol__get_number(f, k, 1, 120, 1, &d, err_msg, err_len)) != CRIER_OK)
                goto cleanup;
            c.seconds = (int32_t)d;
        } else if (strncmp(k, "x-", 2) != 0) {
            crier_errf(err_msg, err_len, "unknown field in command");
            rc = CRIER_ERR_INVAL;
            goto cleanup;
        }
    }
    if (!c.req[0]) {
        crier_errf(err_msg, err_len, "field 'req' is required");
        rc = CRIER_ERR_INVAL;
        goto cleanup;
    }
    if (c.sent_ms && now_ms - c.sent_ms > CRIER_CMD_MAX_AGE_MS) {
        crier_errf(err_msg, err_len, "command is %lld s old (limit %d s)", (long long)((now_ms - c.sent_ms) / 1000),
             CRIER_CMD_MAX_AGE_MS / 1000);
        rc = CRIER_ERR_STALE;
        goto cleanup;
    }
    *out = c;
    rc = CRIER_OK;
cleanup:
    if (rc != CRIER_OK) /* keep the request id so the sender can be answered */
        memcpy(out->req, c.req, sizeof out->req);
    cJSON_Delete(root);
    return rc;
}

char *crier_command_write(const char *req, int64_t sent_ms, int32_t seconds)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    crier_protocol__add_str(o, "req", req);
    cJSON_AddNumberToObject(o, "sent", (double)sent_ms);
    if (seconds > 0)
        cJSON_AddNumberToObject(o, "seconds", seconds);
    return crier_protocol__print_and_free(o);
}
