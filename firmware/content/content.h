/* content.h - the content model: posts, events and ticker lines.
 *
 * Every producer (demo file, feeds, MQTT posts) builds crier_item values and hands
 * them, owned, to the render thread.  All strings are heap-allocated UTF-8 owned by
 * the item; crier_item_clear() frees them.  Lists own their items. */
#ifndef CRIER_CONTENT_H
#define CRIER_CONTENT_H

#include "base/error.h"

#include <stddef.h>
#include <stdint.h>

typedef enum crier_item_kind {
    CRIER_ITEM_POST = 0, /* rotates in the main zone */
    CRIER_ITEM_EVENT,    /* listed in the events zone, ordered by start */
    CRIER_ITEM_TICKER,   /* one line of the bottom ticker */
} crier_item_kind;

typedef struct crier_item {
    crier_item_kind kind;
    char *id;       /* unique within its source; never NULL after parsing */
    char *source;   /* name of the source that produced it ("demo", "mqtt", a feed name) */
    char *title;    /* may be NULL for ticker lines */
    char *body;     /* plain text; paragraphs separated by "\n\n" */
    char *link;     /* URL or NULL */
    char *image;    /* local path (or cache path) or NULL */
    char *location; /* events: where; NULL otherwise */
    char *lang;     /* BCP 47 tag or NULL */
    int64_t starts_ms, ends_ms;            /* events: start/end epoch ms; 0 = unknown */
    int64_t valid_from_ms, valid_until_ms; /* 0 = unbounded */
    int64_t published_ms;                  /* 0 = unknown */
    int32_t duration_ms;                   /* display time in rotation; 0 = default */
    int32_t priority;                      /* higher first; default 0 */
    int32_t weight;                        /* relative share of rotation; default 1 */
} crier_item;

typedef struct crier_item_list {
    crier_item *items;
    size_t count, cap;
} crier_item_list;

/* Frees every field and zeroes the item. NULL-safe. */
void crier_item_clear(crier_item *item);
/* Deep copy. */
crier_err crier_item_copy(crier_item *dst, const crier_item *src);

void crier_item_list_init(crier_item_list *list);
/* Frees the items and the array; the list is empty and reusable afterwards. */
void crier_item_list_clear(crier_item_list *list);
/* Appends *item, taking ownership of its fields (item is zeroed) on success. */
crier_err crier_item_list_take(crier_item_list *list, crier_item *item);
crier_err crier_item_list_copy(crier_item_list *dst, const crier_item_list *src);
/* Heap-allocated list helpers for handing lists through a mailbox. */
crier_item_list *crier_item_list_new(void);
void crier_item_list_free(crier_item_list *list); /* NULL-safe; frees items too */
void crier_item_list_free_void(void *list);

/* Is the item inside its validity window at wall time now_ms? Events also end
 * being current once they have ended. */
int crier_item_is_current(const crier_item *item, int64_t now_ms);

/* The demo/local content format (docs/content.md):
 * {"posts":[{"id","title","body","image","link","duration_s","valid_from","valid_until",
 *            "priority","lang"}],
 *  "events":[{"id","title","location","starts","ends","link"}],
 *  "ticker":["text", ...]}
 * Relative image paths are resolved against base_dir (may be NULL).
 * Limits: CRIER_CONTENT_MAX_BYTES input, CRIER_CONTENT_MAX_ITEMS items, strings
 * CRIER_CONTENT_MAX_STRING bytes.  On error *err_msg (if given) gets a static or
 * thread-local description and the list is left empty. */
#define CRIER_CONTENT_MAX_BYTES (8u * 1024u * 1024u)
#define CRIER_CONTENT_MAX_ITEMS 2000
#define CRIER_CONTENT_MAX_STRING (64u * 1024u)
crier_err crier_content_parse(const char *buf, size_t len, const char *source, const char *base_dir,
                              crier_item_list *out, char *err_msg, size_t err_len);

/* Duplicate a string (NULL-safe). */
char *crier_strdup(const char *s);

#endif
