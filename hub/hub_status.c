/* Names of the hub status codes. See hub_status.h. */
#include "hub_status.h"

const char *hub_status_str(lp_status_t s)
{
    switch ((int)s) {
    case 400: return "tz";
    case 401: return "db";
    case 402: return "io";
    case 403: return "not_found";
    case 404: return "time";
    case 405: return "decode";
    case 406: return "timeout";
    default: return lp_status_str(s);
    }
}
