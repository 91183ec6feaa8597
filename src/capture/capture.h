/* capture.h -- reading packets from capture files.
 *
 * A capture source is a pcap or pcapng file (read through libpcap) or a
 * folder of them, read one after the other in name order. Records come out
 * in file order; the bytes of a record stay valid until the next call.
 *
 * Bad input is reported, not fatal to what was already read: a file that is
 * missing or is not a capture fails at open (or, inside a folder, is skipped
 * with an error line); a file cut in the middle of a record ends that file
 * with a warning and a counter, and reading goes on with the next file. */
#ifndef RIBAT_CAPTURE_H
#define RIBAT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rb_capture rb_capture;

typedef struct rb_record {
    const uint8_t *data;
    uint32_t caplen;
    uint32_t wirelen;
    int64_t ts_sec;
    int32_t ts_usec;
    int linktype;
    const char *file; /* the file this record came from */
    /* With CAPTURE_KEEP (or HOLD): the bytes stay readable at this address
     * until capture_close() (a mapped classic pcap file; false for records
     * read through libpcap). pos is then the record's position in the input,
     * in bytes, increasing from record to record (across files too). */
    bool stable;
    uint64_t pos;
} rb_record;

typedef struct rb_capture_stats {
    uint64_t files;            /* files opened */
    uint64_t files_failed;     /* files that could not be opened (in a folder) */
    uint64_t records;
    uint64_t bytes;
    uint64_t truncated_files;  /* files that ended inside a record or with a read error */
    uint64_t filtered;         /* records dropped by the BPF filter */
    uint64_t released;         /* bytes of mapped files given back behind the reader (madvise) */
} rb_capture_stats;

/* Open a file or folder. bpf may be NULL. On failure returns NULL and writes a
 * one-line reason (naming the path) into err. Classic pcap files are read
 * through mmap by ribat's own reader, others through libpcap. */
rb_capture *capture_open(const char *path, const char *bpf, char *err, size_t errlen);

#define CAPTURE_MMAP  1u  /* use the mmap reader for classic pcap files */
#define CAPTURE_QUIET 2u  /* do not warn about damaged files (a parallel reader does) */
#define CAPTURE_HOLD  4u  /* mmap records stay valid after the next call, until capture_close()
                             (for workers that read records the reader handed them) */
#define CAPTURE_KEEP  8u  /* mmap records stay readable at their address until capture_close()
                             (rb_record.stable): files stay mapped, and the pages more than
                             CAPTURE_RELEASE_LAG bytes behind the reader are given back (a page
                             read again after that is faulted in again and stays resident) */
/* Bytes of input behind the current record whose pages are never given back. */
#define CAPTURE_RELEASE_LAG ((uint64_t)4 << 20)
rb_capture *capture_open_ex(const char *path, const char *bpf, unsigned flags, char *err, size_t errlen);

/* With CAPTURE_HOLD: the n records at oldest[] (NULLs skipped; one per
 * worker, the oldest each may still read) and those after them in the input
 * are still to be read, so their pages, and the CAPTURE_RELEASE_LAG bytes
 * before them (what a worker may still hold by reference), are not given back. */
void capture_hold_from(rb_capture *c, const uint8_t *const *oldest, int n);

/* Every file of the source is a classic pcap (so several readers can scan it at once). */
bool capture_all_classic(const rb_capture *c);
bool capture_path_is_classic_pcap(const char *path);

/* Parallel reading of one classic pcap file. The file is cut into chunks of
 * `chunk` bytes (CAPTURE_CHUNK) that several threads walk at once: a walk
 * visits the records that start in [start, limit) in file order. A thread that
 * does not know where the records of its chunk start (the walk of the chunk
 * before has not ended there yet) asks capture_resync() for a guess: the first
 * offset from which a chain of plausible record headers follows. Whoever puts
 * the chunks in order then checks each guess against where the walk before it
 * ended and walks the chunk again from there when they differ, so the records
 * seen are exactly the serial reader's whatever the file holds. Only for a
 * source that capture_splittable() accepts; capture_next() is then not used. */
#define CAPTURE_CHUNK (512u * 1024u)

typedef struct capture_walk {
    uint64_t end;       /* the first record at or after limit, or where the damage starts */
    bool damaged;       /* the walk stopped at a truncated or invalid record */
    uint32_t records;   /* records visited (passed the BPF filter) */
    uint64_t bytes;     /* their captured bytes */
    uint64_t filtered;  /* records the BPF filter dropped */
    int64_t max_sec;    /* the latest packet time visited, -1 when none */
} capture_walk;

/* Called for each record of a walk with its offset in the file (of the
 * record's 16-byte header) and its packet bytes. */
typedef void (*capture_visit)(void *arg, uint64_t off, const uint8_t *data, uint32_t caplen);

/* The source is one classic pcap file, mapped: capture_walk_chunk() may be used. */
bool capture_splittable(const rb_capture *c);
/* The mapping's first byte and size, the offset of the first record, the link type. */
void capture_split_info(const rb_capture *c, const uint8_t **base, uint64_t *size, uint64_t *first, int *linktype);
/* A guess at the first record starting in [lo, hi), looked for in its first 64 KiB:
 * UINT64_MAX when none looks like one. */
uint64_t capture_resync(const rb_capture *c, uint64_t lo, uint64_t hi);
/* Walk the records from the one at `start` while they start before `limit`.
 * Safe to call from several threads at once on distinct ranges. */
void capture_walk_chunk(const rb_capture *c, uint64_t start, uint64_t limit, capture_visit visit, void *arg,
                        capture_walk *out);
/* k walks at once, one record of each in turn, so that their misses to memory
 * overlap: walk j from start[j] while its records start before limit[j],
 * visit(arg[j], ...), results in out[j]. Up to CAPTURE_WALK_MAX walks go
 * together; more are walked in groups of that many. */
#define CAPTURE_WALK_MAX 16
void capture_walk_chunks(const rb_capture *c, int k, const uint64_t *start, const uint64_t *limit,
                         capture_visit visit, void *const *arg, capture_walk *out);
/* The record whose header is at `off` (a record a walk visited). */
void capture_record_at(const rb_capture *c, uint64_t off, rb_record *rec);
/* Give back the mapped pages before `off` (never those of a record still to be read). */
void capture_split_release(rb_capture *c, uint64_t off);
/* The parallel reading ended: count what it read in capture_stats(), and if it
 * stopped at damage at `damage_off`, report it as capture_next() would. */
void capture_split_done(rb_capture *c, uint64_t records, uint64_t bytes, uint64_t filtered, bool damaged,
                        uint64_t damage_off);

/* 1: a record; 0: end of input. Errors inside a file are reported on stderr and
 * counted; reading continues with the next file. */
int capture_next(rb_capture *c, rb_record *rec);

const rb_capture_stats *capture_stats(const rb_capture *c);
/* true when at least one file was unreadable or truncated (for the exit status) */
bool capture_had_errors(const rb_capture *c);
void capture_close(rb_capture *c);

#endif
