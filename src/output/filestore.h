/* filestore.h -- file extraction: Suricata's file-store v2 output.
 *
 * The store knows nothing of protocols. A parser that tracks files (HTTP
 * today, SMB next) hands the application layer each file's bytes in order;
 * the application layer writes them here through one fs_file per file:
 *
 *     fs_file *h = filestore_open(fs);          // first bytes of a file (NULL: not stored)
 *     filestore_write(fs, h, p, n);             // every later chunk (gaps are simply not written)
 *     filestore_close_fd(fs, h);                // the file ended: its descriptor is given back
 *     filestore_finish(fs, h, keep, sha256, ...); // once the signatures had their say
 *
 * Layout (as Suricata 7): a file is written to <dir>/tmp/file.<id> while it
 * streams, then renamed to <dir>/<xx>/<sha256> where xx are the first two hex
 * digits of the SHA-256 of the bytes written; a file already there (same
 * content) is left as it is and the temporary file removed. With
 * write-fileinfo, the file's fileinfo record goes next to it as
 * <sha256>.<seconds>.<id>.json. A file that is not to be kept (no
 * force-filestore and no `filestore` rule matched) is removed at finish.
 *
 * The folders (<dir>, <dir>/tmp, <dir>/00 .. <dir>/ff) are created by
 * filestore_new at start-up, before the sandbox: afterwards ribat may only
 * create files (engine sandbox, allow_file_output), not folders.
 *
 * Limits and errors: at most max_open_files descriptors are held at once
 * (0, Suricata's default: none is kept between writes); beyond, a file is
 * reopened in append mode for each chunk and closed again (stats
 * open_files_max_hit counts it). Every failed open, write,
 * rename or unlink (disk full, folder not writable) is counted in fs_errors
 * and the file is given up (not stored); nothing else is affected.
 *
 * Threads: one filestore is shared by all workers; an fs_file belongs to the
 * worker of its flow. The counters are atomics (touched per file and per
 * chunk written, not per packet). */
#ifndef RIBAT_FILESTORE_H
#define RIBAT_FILESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct filestore_config {
    bool enabled;              /* outputs.file-store.enabled with version 2; default off */
    bool force_filestore;      /* store every file, not only those a `filestore` rule marks */
    bool write_fileinfo;       /* a .json fileinfo record next to each stored file */
    uint32_t max_open_files;   /* descriptors held at once; 0 (default): none is held
                                  between two writes (open, append, close each time) */
    uint64_t stream_depth;     /* file-store.stream-depth (0 = unlimited): raises the stream depth */
    bool has_stream_depth;
    char dir[1024];            /* absolute, or relative to the log folder; default "filestore" */
    bool set_owner;            /* the folders made at start-up are given to owner_uid/gid: the */
    unsigned owner_uid, owner_gid; /* user the sandbox switches to (--user) must write there */
} filestore_config;

void filestore_config_default(filestore_config *c);

typedef struct filestore filestore;
typedef struct fs_file fs_file;

typedef struct filestore_stats {
    uint64_t open_files;         /* descriptors open now */
    uint64_t open_files_max_hit; /* opens beyond max_open_files */
    uint64_t fs_errors;          /* failed open / write / rename / unlink */
    uint64_t stored;             /* files kept */
} filestore_stats;

/* Create the folders under log_dir (or cfg->dir when absolute). NULL with a
 * message when they cannot be created. */
filestore *filestore_new(const filestore_config *cfg, const char *log_dir, char *err, size_t errlen);
void filestore_free(filestore *fs);

/* A new file. NULL when its temporary file cannot be created (counted). */
fs_file *filestore_open(filestore *fs);
/* Append n bytes. A failure is counted once and the file given up. */
void filestore_write(filestore *fs, fs_file *f, const uint8_t *p, size_t n);
/* The file is complete: its descriptor is closed (the decision may come later). */
void filestore_close_fd(filestore *fs, fs_file *f);
/* Keep the file under its SHA-256 (keep true) or remove it. Frees f.
 * Returns true when the file is stored; *id is its number (file_id). */
bool filestore_finish(filestore *fs, fs_file *f, bool keep, const uint8_t sha256[32], uint64_t *id);
/* With write-fileinfo: the stored file's fileinfo record (json, len bytes)
 * as <sha256>.<ts_sec>.<id>.json next to it. */
void filestore_write_fileinfo(filestore *fs, const uint8_t sha256[32], uint64_t id, uint64_t ts_sec,
                              const char *json, size_t len);
bool filestore_failed(const fs_file *f);

void filestore_get_stats(const filestore *fs, filestore_stats *out);
const filestore_config *filestore_get_config(const filestore *fs);

#endif
