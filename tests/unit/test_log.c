/* test_log.c - the logger (base/log.c) and error texts (base/error.c). */
#include "base/error.h"
#include "base/log.h"
#include "check.h"

typedef struct captured {
    int calls;
    crier_log_level level;
    char component[32];
    char msg[2048];
} captured;

static void capture(crier_log_level level, const char *component, const char *msg, void *ud)
{
    captured *c = ud;
    c->calls++;
    c->level = level;
    snprintf(c->component, sizeof c->component, "%s", component);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
}

TEST(strerror_texts)
{
    for (int e = 0; e < CRIER_ERR__COUNT; e++) {
        const char *t = crier_strerror((crier_err)e);
        CHECK(t && t[0] && strcmp(t, "unknown error") != 0);
    }
    CHECK_STR_EQ(crier_strerror(CRIER_OK), "success");
    CHECK_STR_EQ(crier_strerror(CRIER_ERR_FULL), "queue full");
    CHECK_STR_EQ(crier_strerror(CRIER_ERR__COUNT), "unknown error");
    CHECK_STR_EQ(crier_strerror((crier_err)-1), "unknown error");
}

TEST(levels)
{
    CHECK_INT_EQ(crier_log_level_parse("debug"), CRIER_LOG_DEBUG);
    CHECK_INT_EQ(crier_log_level_parse("warn"), CRIER_LOG_WARN);
    CHECK_INT_EQ(crier_log_level_parse("off"), CRIER_LOG_OFF);
    CHECK_INT_EQ(crier_log_level_parse("loud"), -1);
    CHECK_INT_EQ(crier_log_level_parse(NULL), -1);
    CHECK_STR_EQ(crier_log_level_name(CRIER_LOG_ERROR), "error");
    CHECK_STR_EQ(crier_log_level_name((crier_log_level)99), "?");
}

TEST(sink_and_filter)
{
    captured c = {0};
    crier_log_set_sink(capture, &c);
    crier_log_set_level(CRIER_LOG_INFO);
    CHECK_INT_EQ(crier_log_get_level(), CRIER_LOG_INFO);
    LOG_DEBUG("feed", "hidden %d", 1);
    CHECK_INT_EQ(c.calls, 0);
    LOG_WARN("feed", "fetch of %s failed:\nline two\r", "town");
    CHECK_INT_EQ(c.calls, 1);
    CHECK_INT_EQ(c.level, CRIER_LOG_WARN);
    CHECK_STR_EQ(c.component, "feed");
    CHECK_STR_EQ(c.msg, "fetch of town failed: line two "); /* one line always */
    crier_log(CRIER_LOG_ERROR, NULL, "x");
    CHECK_STR_EQ(c.component, "-");
    crier_log_set_level(CRIER_LOG_OFF);
    LOG_ERROR("feed", "silenced");
    CHECK_INT_EQ(c.calls, 2);
    crier_log_set_level(CRIER_LOG_DEBUG);
    LOG_DEBUG("feed", "shown");
    CHECK_INT_EQ(c.calls, 3);
    /* A long message is cut, not overrun. */
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    LOG_INFO("x", "%s", big);
    CHECK(strlen(c.msg) > 500 && strlen(c.msg) < sizeof big);
    crier_log_set_sink(NULL, NULL);
    crier_log_set_level(CRIER_LOG_INFO);
}

int main(void)
{
    RUN(strerror_texts);
    RUN(levels);
    RUN(sink_and_filter);
    return check_summary();
}
