/**
 * @file journal.h
 * @brief Append-only message journal: every MQTT message is appended before the
 *        message handler returns, and the database writer consumes it.
 *
 * Record: magic "LPJ1" (4 bytes), body length (u32 LE), CRC-32 of the body
 * (u32 LE, IEEE 802.3), body = received-at Unix ms (i64 LE), topic length
 * (u16 LE), topic, payload. Appends are copied into a shared memory map of the
 * file (16 MiB chunks whose blocks are reserved with posix_fallocate() first);
 * past the last record the file holds zeros. A torn record at the tail (the
 * process was killed in the middle of the copy, or a power cut kept only some
 * pages) fails its length or CRC and is cut on open.
 *
 * Durability: a record is in the kernel's page cache once hub_journal_append() returns, so a
 * kill -9 of the hub loses nothing; the writer commits the journal position in
 * the same database transaction as the rows it produced, and replays from that
 * position on start (the database's unique keys make replay idempotent).
 * Surviving a power cut additionally needs the page cache on disk:
 * hub_journal_sync() is called by the writer before each database commit.
 *
 * Thread context: append, end, wait and reset are thread-safe (one mutex);
 * read is called by one consumer thread.
 */
#ifndef HUB_JOURNAL_H
#define HUB_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include "hub_status.h"

typedef struct hub_journal hub_journal_t;

/** Largest topic + payload accepted in one record, bytes. */
#define HUB_JOURNAL_MAX_BODY 65536u

/**
 * @brief Open or create @p path, cutting a torn tail, and lock it (flock, exclusive) for this
 *        process: a second hub on the same journal is refused.
 * @return LP_OK, LP_ERR_NULL, HUB_ERR_IO (cannot open, or locked by another process).
 */
lp_status_t hub_journal_open(const char *path, hub_journal_t **out);
void hub_journal_close(hub_journal_t *j);
/** @brief Append one message. @return LP_OK, LP_ERR_RANGE (too large), HUB_ERR_IO. */
lp_status_t hub_journal_append(hub_journal_t *j, int64_t recv_ms, const char *topic, size_t tlen,
                               const void *payload, size_t plen);
/** @brief Byte offset of the end of the last complete record. */
uint64_t hub_journal_end(hub_journal_t *j);
/** @brief Wait until the end is beyond @p pos, at most @p timeout_ms. @return 1 if it is, else 0. */
int hub_journal_wait(hub_journal_t *j, uint64_t pos, int timeout_ms);
/** @brief Wake every waiter (used at shutdown). */
void hub_journal_wake(hub_journal_t *j);
/** @brief fdatasync() the journal. */
lp_status_t hub_journal_sync(hub_journal_t *j);

/** Callback per record; return nonzero to stop before the next record. */
typedef int (*hub_journal_cb)(void *ctx, int64_t recv_ms, const char *topic, size_t tlen,
                              const char *payload, size_t plen);
/**
 * @brief Read complete records from *pos, at most @p max records; *pos advances
 *        past every record delivered. @return LP_OK, HUB_ERR_IO.
 */
lp_status_t hub_journal_read(hub_journal_t *j, uint64_t *pos, size_t max, hub_journal_cb cb, void *ctx);

/**
 * @brief If the journal ends at @p pos and is at least @p min_bytes long,
 *        truncate it to 0 and call @p commit_zero (which records position 0),
 *        with appends blocked meanwhile. A crash in between leaves a recorded
 *        position beyond the end, which the writer reads as 0.
 * @return 1 when truncated, 0 otherwise.
 */
int hub_journal_reset_if(hub_journal_t *j, uint64_t pos, uint64_t min_bytes, int (*commit_zero)(void *), void *ctx);

#endif
