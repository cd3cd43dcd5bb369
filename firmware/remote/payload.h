/* payload.h - the text rule every protocol payload passes first.
 *
 * MQTT payloads and the strings inside them must be valid UTF-8 without NUL
 * bytes; this is the check the protocol parsers (remote/post.h,
 * remote/command.h) run before cJSON sees a byte, and the one the writers
 * (remote/report.h) run before quoting bytes a sender chose.  Pure logic. */
#ifndef CRIER_PAYLOAD_H
#define CRIER_PAYLOAD_H

#include <stddef.h>

/* Valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF; base/utf8.h decides)
 * and no NUL byte?  1 or 0. */
int crier_utf8_valid(const char *s, size_t len);

#endif
