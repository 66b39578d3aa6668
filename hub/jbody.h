/**
 * @file jbody.h
 * @brief Request bodies of the HTTP API: one flat JSON object of strings,
 *        numbers, booleans and nulls (RFC 8259, via the jsmn tokenizer).
 *        Device payloads are never parsed here (lib/proto does that).
 */
#ifndef HUB_JBODY_H
#define HUB_JBODY_H

#include <stddef.h>

#define JBODY_MAX_KEYS 16
#define JBODY_MAX_TEXT 256

typedef enum { JB_STRING, JB_NUMBER, JB_TRUE, JB_FALSE, JB_NULL } jbody_type_t;

typedef struct {
    char key[32];
    jbody_type_t type;
    char text[JBODY_MAX_TEXT]; /**< unescaped UTF-8 string, or the number's text */
    double number;
} jbody_member_t;

typedef struct {
    size_t n;
    jbody_member_t m[JBODY_MAX_KEYS];
} jbody_t;

/**
 * @brief Parse @p len bytes. @return 0, or -1 with a reason in @p err (static):
 *        not an object, nested value, duplicate key, too many keys, string too long.
 */
int jbody_parse(const char *s, size_t len, jbody_t *out, const char **err);
/** @brief Member named @p key, or NULL. */
const jbody_member_t *jbody_get(const jbody_t *b, const char *key);

#endif
