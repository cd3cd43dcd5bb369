/* fuzz_misc.c - libFuzzer harness for the small parsers not covered elsewhere:
 * key files (crier_key_parse), the display power schedule
 * (crier_power_schedule_parse), source day-parting specs
 * (crier_schedule_parse_hours / _days) and colours (crier_color_parse).  Each
 * gets the whole input.  See fuzz_common.h. */
#include "fuzz_common.h"

#include "screen/contrast.h"
#include "feeds/feed_schedule.h"
#include "device/power_schedule.h"
#include "remote/sign.h"

static int fuzz_misc_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    char err[256] = "";
    crier_key key;
    if (crier_key_parse((const char *)data, size, &key, err, sizeof err) == CRIER_OK) {
        FUZZ_ASSERT(strlen(key.id) == CRIER_KEY_ID_LEN);
        char *text = NULL;
        if (crier_key_format_public(&key, &text) == CRIER_OK) {
            crier_key again;
            FUZZ_ASSERT(crier_key_parse(text, strlen(text), &again, err, sizeof err) == CRIER_OK);
            FUZZ_ASSERT(strcmp(again.id, key.id) == 0 && memcmp(again.pk, key.pk, sizeof key.pk) == 0);
            crier_key_wipe(&again);
            free(text);
        }
    }
    crier_key_wipe(&key);

    crier_power_schedule ps;
    if (crier_power_schedule_parse((const char *)data, size, &ps) == CRIER_OK) {
        for (int wday = 0; wday < 7; wday++)
            for (int minute = 0; minute < 24 * 60; minute += 97) {
                crier_power_decision d = crier_power_decide(&ps, wday, minute, 0);
                FUZZ_ASSERT(d.on == 0 || d.on == 1);
                FUZZ_ASSERT(d.next_change_min >= -1 && d.next_change_min <= 7 * 24 * 60);
                (void)crier_power_schedule_covers(&ps, wday, minute);
            }
    }

    char *s = fuzz_cstr(data, size < 512 ? size : 512);
    uint32_t hours = 0;
    uint8_t days = 0;
    if (crier_schedule_parse_hours(s, &hours) == CRIER_OK)
        FUZZ_ASSERT((hours & ~CRIER_HOURS_ALL) == 0);
    if (crier_schedule_parse_days(s, &days) == CRIER_OK)
        FUZZ_ASSERT((days & ~CRIER_DAYS_ALL) == 0);
    crier_rgba c;
    (void)crier_color_parse(s, &c);
    free(s);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_misc_one)
