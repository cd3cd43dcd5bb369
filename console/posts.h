/* posts.h - posts: storage with every version, the moderation rules, and
 * publishing to the broker.
 *
 * Status: draft -> (editor asks to publish) pending -> (publisher approves)
 * published -> retracted.  A publisher's or admin's "publish" goes straight
 * to published.  An editor's edit of a published post becomes pending while
 * the published version stays on the screens until a publisher approves.
 *
 * Publishing sends the payload (post.h) retained with QoS 1 to each topic of
 * the target, signed with the desk key when the console has one, and clears
 * (empty retained message, as crierctl retract) the topics an edit dropped.
 * A post with days/hours is on the broker only inside its windows:
 * cn_posts_tick() publishes and clears it as they open and close. */
#ifndef CRIER_CONSOLE_POSTS_H
#define CRIER_CONSOLE_POSTS_H

#include "http.h"

/* /api/posts[...]: rest is the path after "/api/posts" ("", "/ID", "/ID/approve", ...). */
void cn_posts_handle(cn_ctx *ctx, cn_req *req, cn_resp *resp, const char *rest);

/* Once a second (main): day/hour windows opening and closing. */
void cn_posts_tick(cn_ctx *ctx, int64_t now_ms);

#endif
