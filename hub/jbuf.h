/**
 * @file jbuf.h
 * @brief Growable text buffer with JSON and time formatting for API responses.
 */
#ifndef HUB_JBUF_H
#define HUB_JBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *s;
    size_t len, cap;
    int oom;      /**< an allocation failed; content truncated */
} jbuf_t;

void jb_init(jbuf_t *b);
void jb_free(jbuf_t *b);
void jb_raw(jbuf_t *b, const char *s);
void jb_rawn(jbuf_t *b, const char *s, size_t n);
void jb_fmt(jbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** @brief JSON string with quotes and escapes. */
void jb_str(jbuf_t *b, const char *s);
/** @brief Number with up to @p decimals decimals, trailing zeros cut; NaN/inf -> null. */
void jb_num(jbuf_t *b, double v, int decimals);
/** @brief Quoted ISO 8601 UTC instant, e.g. "2026-11-30T10:00:00Z" (".123" when ms != 0). */
void jb_time(jbuf_t *b, int64_t ms);
/** @brief Quoted local ISO 8601 time with its offset, e.g. "2026-03-29T00:00:00+01:00". */
void jb_local(jbuf_t *b, int64_t utc_s, int32_t offset_s);
/** @brief Format an instant (no quotes) into @p out (at least 32 bytes). */
void hub_fmt_time(char *out, size_t cap, int64_t ms);

/**
 * @brief Parse an instant: Unix seconds ("1774738800", decimals allowed) or ISO
 *        8601 "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)". @return 0 and *ms, or -1.
 */
int hub_parse_time(const char *s, int64_t *ms);

#endif
