/**
 * @file hub_status.h
 * @brief Hub status codes, in the hub's range 400-499 of ::lp_status_t.
 *
 * The shared enum lists library ranges only; the hub (a program, not a library)
 * keeps its values here as constants of type lp_status_t. hub_status_str()
 * names them and falls back to lp_status_str() for every other value.
 */
#ifndef HUB_STATUS_H
#define HUB_STATUS_H
#include "lp_status.h"

#define HUB_ERR_TZ        ((lp_status_t)400) /**< unknown or unreadable time zone */
#define HUB_ERR_DB        ((lp_status_t)401) /**< database error */
#define HUB_ERR_IO        ((lp_status_t)402) /**< file or socket I/O error */
#define HUB_ERR_NOT_FOUND ((lp_status_t)403) /**< no such device or row */
#define HUB_ERR_TIME      ((lp_status_t)404) /**< timestamp invalid, in the future or before 2000 */
#define HUB_ERR_DECODE    ((lp_status_t)405) /**< payload or topic could not be decoded */
#define HUB_ERR_TIMEOUT   ((lp_status_t)406) /**< no answer in time */

/** @brief Short stable name of @p s ("tz", "db", ...), else lp_status_str(s). */
const char *hub_status_str(lp_status_t s);
#endif
