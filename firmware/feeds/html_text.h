/* html_text.h - HTML fragments and untrusted strings to clean display text.
 *
 * Feeds carry HTML (Mastodon "content", RSS "description", Atom type="html",
 * JSON Feed "content_html").  The screen wants plain UTF-8 text:
 *   - block elements (p, div, h1-h6, blockquote, ul/ol, tr, ...) become paragraph
 *     breaks ("\n\n"), <br> a line break, <li> a line starting with "• ";
 *   - link text is kept; with CRIER_HTML_LINK_URLS the href is appended as
 *     " (url)" when the text does not already show it (hashtags and mentions
 *     never get one);
 *   - Mastodon's <span class="invisible"> is dropped and class="ellipsis" gets "…";
 *   - script, style, head, template, svg, iframe, object contents are dropped;
 *   - named (HTML 4 + common HTML5) and numeric entities are decoded; invalid
 *     code points become U+FFFD; invalid UTF-8 in the input becomes U+FFFD;
 *   - whitespace runs collapse to one space; no leading/trailing whitespace.
 * Work is linear in the input and stops as soon as the output cap is reached,
 * so 10 MB of HTML costs one pass over at most 10 MB and max_out bytes of memory.
 *
 * Ownership: every function returns a malloc'd NUL-terminated string the caller
 * frees (NULL only when allocation fails). */
#ifndef CRIER_HTML_TEXT_H
#define CRIER_HTML_TEXT_H

#include <stddef.h>

enum {
    CRIER_HTML_LINK_URLS = 1 << 0, /* append " (href)" after link text */
};

/* Output never exceeds max_out bytes (plus the terminating NUL); when it would,
 * it is cut at a character boundary and ends with "…", and *truncated (if not
 * NULL) is set to 1.  max_out 0 means CRIER_HTML_DEFAULT_MAX. */
#define CRIER_HTML_DEFAULT_MAX (16u * 1024u)
char *crier_html_to_text(const char *html, size_t len, size_t max_out, unsigned flags, int *truncated);

/* Plain text (not HTML) to display text: invalid UTF-8 -> U+FFFD, control
 * characters dropped, whitespace runs collapsed (newlines kept when
 * keep_newlines, at most one blank line), trimmed, capped like above. */
char *crier_html_clean_text(const char *s, size_t len, size_t max_out, int keep_newlines, int *truncated);

#endif
