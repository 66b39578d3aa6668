/**
 * @file api.h
 * @brief Internal interface between the HTTP server (http_api.c) and the
 *        query handlers (api_energy.c, api_series.c). See docs/api.md.
 */
#ifndef HUB_API_H
#define HUB_API_H

#include "hub.h"
#include "jbuf.h"

/** One request, as seen by a handler. */
typedef struct {
    hub_t *h;
    void *con;                 /**< struct MHD_Connection */
    const char *method;
    const char *device;        /**< path parameter, when the route has one */
    const char *body; size_t body_len;
} api_req_t;

/** A handler's answer. */
typedef struct {
    int status;
    const char *content_type;  /**< default application/json */
    jbuf_t body;
} api_resp_t;

/** @brief Query argument or NULL. */
const char *api_arg(const api_req_t *r, const char *name);
/** @brief Fill @p out with {"error": msg} and @p status. @return 0. */
int api_error(api_resp_t *out, int status, const char *msg);
/** @brief Parse required from/to (ISO 8601 or Unix s). @return 0, or -1 after api_error(400). */
int api_range(const api_req_t *r, api_resp_t *out, int64_t *from_ms, int64_t *to_ms);
/** @brief Zone from ?tz= or the hub's default; cached, never freed. NULL after api_error(400). */
const hub_tz_t *api_tz(const api_req_t *r, api_resp_t *out);

/** Memory that query buffers of all requests may hold at once (series steps, grid values). */
#define API_QUERY_BUDGET_BYTES ((size_t)128 << 20)
/**
 * @brief Reserve @p bytes of ::API_QUERY_BUDGET_BYTES for this request's buffers, waiting
 *        up to 10 s for other requests to give theirs back (a request larger than the whole
 *        budget waits for all of it). Thread-safe.
 * @return the bytes reserved (give them back with api_budget_give()), or 0 after api_error(503).
 */
size_t api_budget_take(api_resp_t *out, size_t bytes);
/** @brief Give back what api_budget_take() reserved. */
void api_budget_give(size_t reserved);

int api_energy(const api_req_t *r, api_resp_t *out);
int api_profile(const api_req_t *r, api_resp_t *out);
int api_series(const api_req_t *r, api_resp_t *out);
int api_grid(const api_req_t *r, api_resp_t *out);

#endif
