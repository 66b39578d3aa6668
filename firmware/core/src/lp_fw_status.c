/* lp_fw_status.c - names of the firmware core's status codes. */
#include "lp_fw_ports.h"

const char *lp_fw_status_str(lp_status_t st)
{
    switch ((int)st) {
    case 300: return "fw_flash";
    case 301: return "fw_flash_geometry";
    case 302: return "fw_store_empty";
    case 303: return "fw_store_full";
    case 310: return "relay_min_on_time";
    case 311: return "relay_min_off_time";
    case 312: return "relay_tripped";
    case 320: return "not_connected";
    case 330: return "expired";
    case 331: return "unknown_command";
    case 332: return "malformed";
    case 333: return "no_time";
    default: return lp_status_str(st);
    }
}
