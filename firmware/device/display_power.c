/* display_power.c - display power backends (Linux HDMI-CEC, null) and the
 * schedule-driven apply step.
 *
 * Design: the front object keeps the last state it set and only calls the
 * backend on a change, so the main loop may call apply() every tick.  The CEC
 * backend claims a Playback logical address if none is configured (the
 * kernel's vc4-hdmi adapter starts unconfigured), then sends to the TV
 * (logical address 0): <Image View On> + <Active Source> to wake it, and
 * <Standby> to put it to sleep.  A TV that does not acknowledge is an error
 * (CRIER_ERR_IO) so the next apply retries. */
#include "device/display_power.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/cec-funcs.h>
#include <linux/cec.h>
#endif

#include "base/log.h"

struct crier_display_power {
    const crier_display_power_ops *ops;
    void *ctx;
    int state;          /* 1, 0, -1 unknown */
    unsigned commands;
};

/* ------------------------------------------------------------------ null */

typedef struct null_ctx {
    int on;
} null_ctx;

static crier_err null_open(void **ctx, const char *device)
{
    null_ctx *n = calloc(1, sizeof *n);
    if (!n)
        return CRIER_ERR_NOMEM;
    n->on = -1;
    *ctx = n;
    return CRIER_OK;
}

static crier_err null_set(void *ctx, int on)
{
    ((null_ctx *)ctx)->on = on;
    LOG_INFO("display", "display %s (null backend)", on ? "on" : "standby");
    return CRIER_OK;
}

static void null_close(void *ctx)
{
    free(ctx);
}

const crier_display_power_ops crier_display_power_null_ops = {"null", null_open, null_set, null_close};

/* ------------------------------------------------------------------- cec */

#ifdef __linux__
typedef struct cec_ctx {
    int fd;
    uint8_t log_addr;
    uint16_t phys_addr;
    char path[64];
} cec_ctx;

static crier_err cec_claim_address(cec_ctx *c)
{
    struct cec_log_addrs la;
    memset(&la, 0, sizeof la);
    if (ioctl(c->fd, CEC_ADAP_G_LOG_ADDRS, &la) != 0) {
        LOG_ERROR("display", "%s: CEC_ADAP_G_LOG_ADDRS: %s", c->path, strerror(errno));
        return CRIER_ERR_IO;
    }
    if (la.num_log_addrs == 0) {
        memset(&la, 0, sizeof la);
        la.cec_version = CEC_OP_CEC_VERSION_1_4;
        la.vendor_id = CEC_VENDOR_ID_NONE;
        la.num_log_addrs = 1;
        la.log_addr_type[0] = CEC_LOG_ADDR_TYPE_PLAYBACK;
        la.primary_device_type[0] = CEC_OP_PRIM_DEVTYPE_PLAYBACK;
        la.all_device_types[0] = CEC_OP_ALL_DEVTYPE_PLAYBACK;
        strncpy(la.osd_name, "Crier", sizeof la.osd_name - 1);
        if (ioctl(c->fd, CEC_ADAP_S_LOG_ADDRS, &la) != 0) {
            LOG_ERROR("display", "%s: cannot claim a CEC address: %s", c->path, strerror(errno));
            return CRIER_ERR_IO;
        }
    }
    if (la.log_addr[0] == CEC_LOG_ADDR_INVALID) {
        LOG_WARN("display", "%s: no CEC logical address (no screen connected?)", c->path);
        c->log_addr = CEC_LOG_ADDR_UNREGISTERED;
    } else {
        c->log_addr = la.log_addr[0];
    }
    if (ioctl(c->fd, CEC_ADAP_G_PHYS_ADDR, &c->phys_addr) != 0)
        c->phys_addr = CEC_PHYS_ADDR_INVALID;
    return CRIER_OK;
}

static crier_err cec_open(void **ctx, const char *device)
{
    struct cec_caps caps;
    uint32_t mode = CEC_MODE_INITIATOR;
    cec_ctx *c = calloc(1, sizeof *c);
    crier_err err;
    if (!c)
        return CRIER_ERR_NOMEM;
    snprintf(c->path, sizeof c->path, "%s", device ? device : CRIER_CEC_DEFAULT_DEVICE);
    c->fd = open(c->path, O_RDWR | O_CLOEXEC);
    if (c->fd < 0) {
        err = errno == ENOENT ? CRIER_ERR_NOTFOUND : CRIER_ERR_IO;
        LOG_WARN("display", "%s: %s", c->path, strerror(errno));
        goto fail;
    }
    memset(&caps, 0, sizeof caps);
    if (ioctl(c->fd, CEC_ADAP_G_CAPS, &caps) != 0) {
        LOG_WARN("display", "%s: not a CEC device: %s", c->path, strerror(errno));
        err = CRIER_ERR_UNSUPPORTED;
        goto fail;
    }
    if (!(caps.capabilities & CEC_CAP_TRANSMIT)) {
        LOG_WARN("display", "%s (%s): cannot transmit", c->path, caps.driver);
        err = CRIER_ERR_UNSUPPORTED;
        goto fail;
    }
    if (ioctl(c->fd, CEC_S_MODE, &mode) != 0) {
        LOG_WARN("display", "%s: CEC_S_MODE: %s", c->path, strerror(errno));
        err = CRIER_ERR_IO;
        goto fail;
    }
    if ((caps.capabilities & CEC_CAP_LOG_ADDRS) && (err = cec_claim_address(c)) != CRIER_OK)
        goto fail;
    LOG_INFO("display", "%s (%s): logical address %u, physical %x.%x.%x.%x", c->path, caps.driver,
             c->log_addr, c->phys_addr >> 12, (c->phys_addr >> 8) & 0xf, (c->phys_addr >> 4) & 0xf,
             c->phys_addr & 0xf);
    *ctx = c;
    return CRIER_OK;
fail:
    if (c->fd >= 0)
        close(c->fd);
    free(c);
    return err;
}

static crier_err cec_send(cec_ctx *c, struct cec_msg *msg, const char *what)
{
    if (ioctl(c->fd, CEC_TRANSMIT, msg) != 0) {
        LOG_WARN("display", "CEC %s: %s", what, strerror(errno));
        return CRIER_ERR_IO;
    }
    if (!(msg->tx_status & CEC_TX_STATUS_OK)) {
        LOG_WARN("display", "CEC %s: not acknowledged (tx status 0x%x)", what, msg->tx_status);
        return CRIER_ERR_IO;
    }
    return CRIER_OK;
}

static crier_err cec_set(void *ctx, int on)
{
    cec_ctx *c = ctx;
    struct cec_msg msg;
    crier_err err;
    if (on) {
        cec_msg_init(&msg, c->log_addr, CEC_LOG_ADDR_TV);
        cec_msg_image_view_on(&msg);
        if ((err = cec_send(c, &msg, "Image View On")) != CRIER_OK)
            return err;
        if (c->phys_addr != CEC_PHYS_ADDR_INVALID) {
            cec_msg_init(&msg, c->log_addr, CEC_LOG_ADDR_BROADCAST);
            cec_msg_active_source(&msg, c->phys_addr);
            cec_send(c, &msg, "Active Source"); /* broadcasts are not acknowledged */
        }
    } else {
        cec_msg_init(&msg, c->log_addr, CEC_LOG_ADDR_TV);
        cec_msg_standby(&msg);
        if ((err = cec_send(c, &msg, "Standby")) != CRIER_OK)
            return err;
    }
    LOG_INFO("display", "display %s (CEC)", on ? "on" : "standby");
    return CRIER_OK;
}

static void cec_close(void *ctx)
{
    cec_ctx *c = ctx;
    if (!c)
        return;
    close(c->fd);
    free(c);
}
#else
static crier_err cec_open(void **ctx, const char *device)
{
    LOG_WARN("display", "HDMI-CEC needs Linux");
    return CRIER_ERR_UNSUPPORTED;
}
static crier_err cec_set(void *ctx, int on) { return CRIER_ERR_UNSUPPORTED; }
static void cec_close(void *ctx) {}
#endif

const crier_display_power_ops crier_display_power_cec_ops = {"cec", cec_open, cec_set, cec_close};

/* ------------------------------------------------------------------ front */

crier_err crier_display_power_new(crier_power_backend backend, const char *device, crier_display_power **out)
{
    const crier_display_power_ops *ops;
    crier_display_power *dp;
    crier_err err;
    int fallback = 0;
    if (!out)
        return CRIER_ERR_INVAL;
    switch (backend) {
    case CRIER_POWER_BACKEND_CEC:
        ops = &crier_display_power_cec_ops;
        break;
    case CRIER_POWER_BACKEND_NULL:
        ops = &crier_display_power_null_ops;
        break;
    case CRIER_POWER_BACKEND_AUTO:
        ops = &crier_display_power_cec_ops;
        fallback = 1;
        break;
    default:
        LOG_ERROR("display", "unknown display power backend %d (cec, null, auto)", (int)backend);
        return CRIER_ERR_INVAL;
    }
    if (!(dp = calloc(1, sizeof *dp)))
        return CRIER_ERR_NOMEM;
    dp->state = -1;
    err = ops->open(&dp->ctx, device);
    if (err != CRIER_OK && fallback && err != CRIER_ERR_NOMEM) {
        LOG_WARN("display", "no usable HDMI-CEC; display power is not switched (null backend)");
        ops = &crier_display_power_null_ops;
        err = ops->open(&dp->ctx, NULL);
    }
    if (err != CRIER_OK) {
        free(dp);
        return err;
    }
    dp->ops = ops;
    *out = dp;
    return CRIER_OK;
}

void crier_display_power_free(crier_display_power *dp)
{
    if (!dp)
        return;
    dp->ops->close(dp->ctx);
    free(dp);
}

crier_err crier_display_power_set(crier_display_power *dp, int on)
{
    crier_err err;
    if (!dp)
        return CRIER_ERR_INVAL;
    on = on ? 1 : 0;
    if (dp->state == on)
        return CRIER_OK;
    dp->commands++;
    err = dp->ops->set(dp->ctx, on);
    dp->state = err == CRIER_OK ? on : -1;
    return err;
}

int crier_display_power_state(const crier_display_power *dp)
{
    return dp ? dp->state : -1;
}

const char *crier_display_power_backend(const crier_display_power *dp)
{
    return dp ? dp->ops->name : "none";
}

unsigned crier_display_power_commands(const crier_display_power *dp)
{
    return dp ? dp->commands : 0;
}

crier_err crier_display_power_apply(crier_display_power *dp, const crier_power_schedule *s,
                                    int64_t wall_ms, int alert_active, crier_power_decision *decision)
{
    struct tm local, *lt = NULL;
    time_t t = (time_t)(wall_ms / 1000);
    crier_power_decision d;
    if (!dp)
        return CRIER_ERR_INVAL;
    if (wall_ms > 0)
        lt = localtime_r(&t, &local);
    d = crier_power_decide_tm(s, lt, alert_active);
    if (decision)
        *decision = d;
    if (d.on != dp->state)
        LOG_INFO("display", "display %s: %s", d.on ? "on" : "standby", crier_power_reason_name(d.reason));
    return crier_display_power_set(dp, d.on);
}
