/* test_display_power.c - display power front end with the null backend, the
 * schedule-driven apply step, and the CEC backend's refusal of a device that
 * is missing or not a CEC adapter (a real /dev/cec0 is exercised if present
 * and CRIER_TEST_CEC=1, since it switches a real screen). */
#include "base/log.h"
#include "device/power_schedule.h"
#include "device/display_power.h"

#include "../unit/check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Epoch ms of a local date and time (mktime: local time zone). */
static int64_t local_ms(int year, int mon, int day, int hour, int min)
{
    struct tm t;
    memset(&t, 0, sizeof t);
    t.tm_year = year - 1900;
    t.tm_mon = mon - 1;
    t.tm_mday = day;
    t.tm_hour = hour;
    t.tm_min = min;
    t.tm_isdst = -1;
    return (int64_t)mktime(&t) * 1000;
}

TEST(null_backend_counts_changes_only)
{
    crier_display_power *dp = NULL;
    CHECK_INT_EQ(crier_display_power_new(CRIER_POWER_BACKEND_NULL, NULL, &dp), CRIER_OK);
    CHECK(dp != NULL);
    CHECK_STR_EQ(crier_display_power_backend(dp), "null");
    CHECK_INT_EQ(crier_display_power_state(dp), -1);
    CHECK_INT_EQ(crier_display_power_set(dp, 1), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_set(dp, 1), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_state(dp), 1);
    CHECK_INT_EQ(crier_display_power_commands(dp), 1);
    CHECK_INT_EQ(crier_display_power_set(dp, 0), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_state(dp), 0);
    CHECK_INT_EQ(crier_display_power_commands(dp), 2);
    crier_display_power_free(dp);
    crier_display_power_free(NULL);
}

TEST(apply_follows_schedule_and_alerts)
{
    crier_display_power *dp = NULL;
    crier_power_schedule s;
    crier_power_decision d;
    const char *text = "mon-fri 07:00-22:00";
    CHECK_INT_EQ(crier_power_schedule_parse(text, strlen(text), &s), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_new(CRIER_POWER_BACKEND_NULL, NULL, &dp), CRIER_OK);

    /* 2026-11-26 is a Thursday. */
    CHECK_INT_EQ(crier_display_power_apply(dp, &s, local_ms(2026, 11, 26, 12, 0), 0, &d), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_state(dp), 1);
    CHECK_INT_EQ(d.reason, CRIER_POWER_WINDOW);
    CHECK_INT_EQ(d.next_change_min, 10 * 60);
    /* Night: standby. */
    CHECK_INT_EQ(crier_display_power_apply(dp, &s, local_ms(2026, 11, 26, 23, 30), 0, &d), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_state(dp), 0);
    CHECK_INT_EQ(d.reason, CRIER_POWER_OFF_HOURS);
    /* An alert at night wakes the screen and holds it on... */
    CHECK_INT_EQ(crier_display_power_apply(dp, &s, local_ms(2026, 11, 26, 23, 31), 1, &d), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_state(dp), 1);
    CHECK_INT_EQ(d.reason, CRIER_POWER_ALERT);
    CHECK_INT_EQ(crier_display_power_apply(dp, &s, local_ms(2026, 11, 28, 3, 0), 1, NULL), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_state(dp), 1);
    /* ...and the schedule takes over again when it ends. */
    CHECK_INT_EQ(crier_display_power_apply(dp, &s, local_ms(2026, 11, 28, 3, 1), 0, NULL), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_state(dp), 0);
    /* on, off, on, off: four commands for five applies. */
    CHECK_INT_EQ(crier_display_power_commands(dp), 4);
    crier_display_power_free(dp);
}

TEST(cec_refuses_missing_or_wrong_device)
{
    crier_display_power *dp = NULL;
    CHECK_INT_EQ(crier_display_power_new(CRIER_POWER_BACKEND_CEC, "/nonexistent/cec9", &dp), CRIER_ERR_NOTFOUND);
    CHECK(dp == NULL);
    /* /dev/null opens but is no CEC adapter. */
    CHECK_INT_EQ(crier_display_power_new(CRIER_POWER_BACKEND_CEC, "/dev/null", &dp), CRIER_ERR_UNSUPPORTED);
    CHECK(dp == NULL);
    /* auto falls back to null. */
    CHECK_INT_EQ(crier_display_power_new(CRIER_POWER_BACKEND_AUTO, "/nonexistent/cec9", &dp), CRIER_OK);
    CHECK_STR_EQ(crier_display_power_backend(dp), "null");
    crier_display_power_free(dp);
    dp = NULL;
    CHECK_INT_EQ(crier_display_power_new((crier_power_backend)99, NULL, &dp), CRIER_ERR_INVAL);
    CHECK(dp == NULL);
    CHECK_INT_EQ(crier_display_power_set(NULL, 1), CRIER_ERR_INVAL);
}

TEST(real_cec_when_asked)
{
    const char *want = getenv("CRIER_TEST_CEC");
    crier_display_power *dp = NULL;
    if (!want || strcmp(want, "1") != 0)
        return;
    CHECK_INT_EQ(crier_display_power_new(CRIER_POWER_BACKEND_CEC, NULL, &dp), CRIER_OK);
    if (!dp)
        return;
    CHECK_INT_EQ(crier_display_power_set(dp, 1), CRIER_OK);
    CHECK_INT_EQ(crier_display_power_state(dp), 1);
    crier_display_power_free(dp);
}

int main(void)
{
    crier_log_set_level(CRIER_LOG_OFF);
    RUN(null_backend_counts_changes_only);
    RUN(apply_follows_schedule_and_alerts);
    RUN(cec_refuses_missing_or_wrong_device);
    RUN(real_cec_when_asked);
    return check_summary();
}
