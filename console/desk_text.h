/* desk_text.h - the emergency desk's template text: placeholders `{name}`
 * (a-z, 0-9, _; 1..32 characters) in the text fields of info blocks, and
 * filling them in.  Pure: no I/O, no locks (desk.c uses them; the unit test
 * tests/console/test_console_desk.c checks them). */
#ifndef CRIER_CONSOLE_DESK_TEXT_H
#define CRIER_CONSOLE_DESK_TEXT_H

#include "console.h"

#define CN_DESK_VALUE_MAX 200 /* bytes of one placeholder value */

/* The placeholder names in every string field of the info blocks (an array
 * of info objects), in order of first appearance, each once.  New array. */
cJSON *cn_desk_placeholders(const cJSON *info);

/* A copy of info with every {name} replaced by values[name].  NULL and err
 * ("fill in {zone}", or what is wrong with a value) when a placeholder has no
 * value or a value is not text of at most CN_DESK_VALUE_MAX bytes without
 * braces or control characters.  Text that only looks like a placeholder
 * ("{Zone}", "{}", "{a b}") stays as it is. */
cJSON *cn_desk_fill(const cJSON *info, const cJSON *values, char *err, size_t err_len);

#endif
