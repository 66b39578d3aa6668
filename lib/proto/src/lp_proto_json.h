/* lp_proto_json.h - internal: schema tables and the generic JSON engine of lib/proto.
 * Not a public header; see lp_proto.h and docs/protocol.md. */
#ifndef LP_PROTO_JSON_H
#define LP_PROTO_JSON_H

#include <stdint.h>
#include <stddef.h>
#include "lp_proto.h"

/* member types */
enum {
    LPJ_VERSION = 0, /* "v": integer, must be 1; no storage */
    LPJ_INT,         /* integer (no fraction, no exponent) */
    LPJ_DEC,         /* decimal with `scale` decimals, stored scaled */
    LPJ_BOOL,        /* true / false */
    LPJ_TRUE,        /* must be true; no storage */
    LPJ_STR,         /* string, class in `scale` */
    LPJ_ENUM,        /* string from `names`, stored as enum */
    LPJ_ARRAY        /* array of LPJ_DEC-like numbers or null (grid) */
};

/* string classes */
enum { LPJ_CLASS_ID = 0, LPJ_CLASS_PRINT, LPJ_CLASS_CODE, LPJ_CLASS_TEXT };

/* flags */
#define LPJ_REQ 1u     /* always required */
#define LPJ_HAS 2u     /* has a has_<name> flag at has_off */
#define LPJ_DEFF 4u    /* bool defaulting to false; emitted only when true */

#define LPJ_MAX_FIELDS 32

typedef struct lpj_field {
    const char *name;
    uint8_t type;
    uint8_t scale;     /* decimals (DEC, ARRAY) or string class (STR) */
    uint8_t flags;
    uint8_t size;      /* storage size in bytes (element size for ARRAY); 0 = none */
    uint16_t off;      /* storage offset */
    uint16_t has_off;  /* offset of the has flag (LPJ_HAS) */
    int64_t min, max;  /* numbers: range; STR: length range in bytes; ENUM: 0, count-1 */
    const char *const *names; /* ENUM value names */
} lpj_field_t;

/* Cross-member rules. `present` is the bitmask of members present (bit i = field i),
 * `order[i]` their document position (decoder: key offset; encoder: i). On failure
 * return the status and set *field to the offending member index (conflict) or -1
 * (missing: reported at the closing brace) and key, what. */
typedef lp_status_t (*lpj_check_fn)(const void *msg, uint32_t present, const uint32_t *order,
                                    int *field, const char **key, const char **what);

typedef struct lpj_kind {
    const lpj_field_t *fields;
    uint8_t nfields;
    size_t size;                 /* struct size */
    size_t max_len;              /* payload limit */
    lpj_check_fn check;          /* may be NULL */
    uint32_t (*present)(const void *msg); /* encoder: members to emit; NULL = generic */
    void (*finish)(void *msg, uint32_t present); /* decoder: derive fields; may be NULL */
    uint16_t count_off;          /* ARRAY: offset of the uint16_t count */
} lpj_kind_t;

lp_status_t lpj_decode(const lpj_kind_t *k, const char *p, size_t len, void *out,
                       lp_proto_error_t *err);
lp_status_t lpj_encode(const lpj_kind_t *k, const void *msg, char *buf, size_t cap, size_t *len);
uint32_t lpj_present_generic(const lpj_kind_t *k, const void *msg);

#endif
