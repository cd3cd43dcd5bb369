/* fuzz_content.c - libFuzzer harness for the local/demo content format
 * (crier_content_parse), then copying the list and asking which items are
 * current.  See fuzz_common.h. */
#include "fuzz_common.h"

#include "content/content.h"

static int fuzz_content_one(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    crier_item_list l, copy;
    char err[256] = "";
    crier_err rc = crier_content_parse((const char *)data, size, "fuzz", "/nonexistent/base", &l, err, sizeof err);
    if (rc != CRIER_OK) {
        FUZZ_ASSERT(l.count == 0 && l.items == NULL); /* documented: list left empty */
        return 0;
    }
    FUZZ_ASSERT(l.count <= CRIER_CONTENT_MAX_ITEMS);
    for (size_t i = 0; i < l.count; i++) {
        (void)crier_item_is_current(&l.items[i], 1767225600000LL);
        (void)crier_item_is_current(&l.items[i], 0);
    }
    crier_item_list_init(&copy);
    if (crier_item_list_copy(&copy, &l) == CRIER_OK)
        FUZZ_ASSERT(copy.count == l.count);
    crier_item_list_clear(&copy);
    crier_item_list_clear(&l);
    return 0;
}

CRIER_FUZZ_ENTRY(fuzz_content_one)
