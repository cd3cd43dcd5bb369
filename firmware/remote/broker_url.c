/* broker_url.c - parse the broker address (see broker_url.h). */
#include "remote/broker_url.h"

#include <stdlib.h>
#include <string.h>

crier_err crier_broker_url_parse(const char *url, crier_broker_url *out)
{
    memset(out, 0, sizeof *out);
    if (!url || !*url)
        return CRIER_ERR_INVAL;
    const char *p = url;
    if (strncmp(p, "mqtts://", 8) == 0) {
        out->tls = 1;
        p += 8;
    } else if (strncmp(p, "mqtt://", 7) == 0) {
        p += 7;
    } else if (strstr(p, "://")) {
        return CRIER_ERR_INVAL;
    }
    out->port = out->tls ? 8883 : 1883;
    const char *host_end, *port_s = NULL;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end)
            return CRIER_ERR_INVAL;
        p++;
        if (host_end[1] == ':')
            port_s = host_end + 2;
        else if (host_end[1] != '\0' && strcmp(host_end + 1, "/") != 0)
            return CRIER_ERR_INVAL;
    } else {
        host_end = p + strcspn(p, ":/");
        if (*host_end == ':')
            port_s = host_end + 1;
        else if (*host_end == '/' && host_end[1] != '\0')
            return CRIER_ERR_INVAL;
    }
    size_t hl = (size_t)(host_end - p);
    if (hl == 0 || hl >= sizeof out->host)
        return CRIER_ERR_INVAL;
    memcpy(out->host, p, hl);
    out->host[hl] = '\0';
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)out->host[i] <= 0x20)
            return CRIER_ERR_INVAL;
    if (port_s) {
        char *end = NULL;
        long port = strtol(port_s, &end, 10);
        if (end == port_s || (*end && strcmp(end, "/") != 0) || port < 1 || port > 65535)
            return CRIER_ERR_INVAL;
        out->port = (int)port;
    }
    return CRIER_OK;
}
