/* smb.h -- SMB1 / SMB2 / SMB3 parser with file tracking (Windows file shares).
 *
 * The TCP reassembler feeds the in-order bytes of each direction (0 = client
 * to server, 1 = server to client) with smb_feed, split anywhere; holes are
 * reported with smb_gap. The parser knows nothing of packets or flows.
 *
 * Framing: every SMB message travels in a NetBIOS session service (NBSS)
 * record: a 4-byte header (type, then a length: 17 bits on port 139, 24 bits
 * for "direct TCP" on port 445; the 24-bit reading covers both because the 7
 * bits between are zero in NBSS). Type 0x00 carries SMB; session request /
 * response / keep-alive records (0x81..0x85) are skipped. The payload starts
 * with \xffSMB (SMB1), \xfeSMB (SMB2/3: possibly several commands chained by
 * NextCommand), \xfdSMB (SMB3 transform: encrypted, skipped) or \xfcSMB
 * (SMB3 compression, skipped). A record of at most SMB_REC_BUFFER bytes is
 * buffered whole and parsed; a larger one (a 1 MiB READ response) has its
 * first SMB_REC_PREFIX bytes buffered and parsed, then the rest of its data
 * (READ/WRITE payload) goes through to the file as it arrives, never
 * buffered. After a gap the direction skips to the next record when the gap
 * falls inside a record of known length; otherwise it searches the next
 * bytes for a record header followed by an SMB magic.
 *
 * Transactions follow Suricata 7 where it matters for EVE and detection: one
 * per request/response pair (SMB1 paired by MID and PID, SMB2 by MessageId; an
 * SMB2 interim STATUS_PENDING answer to an async command is not the end of it),
 * except READ and WRITE: all reads (or writes) of one open file are one
 * "file transaction" that carries the file (http_file, the structure HTTP's
 * file tracking uses, so fileinfo records and the file keywords work
 * unchanged) and ends at CLOSE or at the end of the flow (then TRUNCATED).
 * File names come from SMB1 NT_CREATE_ANDX and SMB2 CREATE (UTF-16LE turned
 * into UTF-8, at most SMB_MAX_NAME bytes), paired with the FID / FileId of the
 * response. File bytes are placed by their offsets: data past the expected
 * offset is held (SMB_MAX_PENDING pieces, within the memory cap) until the
 * bytes before it arrive -- reads answered out of order -- and otherwise
 * leaves a gap (the file gets gaps:true, TRUNCATED at its end); data before it
 * (a re-read) is ignored.
 *
 * Named pipes (a tree on IPC$): reads and writes of pipe handles are not files;
 * their bytes go to the pipe observer (smb_set_pipe_cb) -- the hook for a
 * DCERPC parser -- and so do the input and output of SMB2 IOCTL
 * FSCTL_PIPE_TRANSCEIVE and of SMB1 TRANS TransactNmPipe on them. TODO: the
 * other SMB1 TRANS pipe subcommands, TRANS2 / NT_TRANS subcommands and
 * multi-part (secondary) TRANS requests are not parsed.
 *
 * Memory (hostile input): the heap of a flow's state is capped (cfg.memcap,
 * 4 MiB: record buffers, handles and tables aside, which are bounded on their
 * own); live transactions per flow are capped
 * (cfg.max_tx; beyond, the oldest open one is closed as it is), open handles
 * (cfg.max_files), trees (SMB_MAX_TREES) and pending READ requests
 * (SMB_MAX_READS) too, each evicting its oldest; names are cut at
 * SMB_MAX_NAME bytes, dialect lists at SMB_MAX_DIALECTS; file bytes kept for
 * detection (file_data) at cfg.file_data_limit per file. No recursion; the
 * compound / AndX chains are walked with a bound on their length.
 *
 * Ownership: transactions belong to the state. A pointer returned by
 * smb_next_loggable stays valid until the next call of smb_next_loggable,
 * smb_feed, smb_gap or smb_free on that state. */
#ifndef RIBAT_SMB_H
#define RIBAT_SMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "applayer/http.h" /* http_file, http_str: the shared file representation */

#define SMB_REC_BUFFER (64u * 1024u) /* records up to this size are buffered whole */
#define SMB_REC_PREFIX 1024u         /* bytes of a larger record parsed before its data streams */
#define SMB_MAX_NAME 1024u           /* bytes of a file / share name kept (UTF-8) */
#define SMB_MAX_DIALECTS 16u         /* dialects of a NEGOTIATE request kept */
#define SMB_MAX_TREES 64u            /* tree id -> share entries per flow */
#define SMB_MAX_READS 256u           /* READ requests waiting for their response */
#define SMB_MAX_CHAIN 32u            /* SMB2 compound / SMB1 AndX commands walked per record */
#define SMB_MAX_PENDING 16u          /* out-of-order pieces of a file held until the bytes before them */

typedef struct smb_config {
    uint32_t max_tx;            /* live transactions per flow, default 1024 (Suricata's max-tx) */
    uint32_t max_files;         /* open file handles tracked per flow, default 256 */
    uint64_t file_data_limit;   /* file bytes kept per file for file_data, default 100 KiB */
    uint64_t stream_depth;      /* app-layer.protocols.smb.stream-depth: 0 = whole stream (default) */
    uint64_t memcap;            /* heap bytes per flow (transactions, names, kept file data), default
                                   4 MiB, at least 64 KiB; beyond: names and file data are not kept,
                                   transactions not made (smb_stats.memcap) */
    bool file_md5, file_sha1, file_sha256; /* fileinfo hashes */
} smb_config;

void smb_config_default(smb_config *c);

/* SMB2 command codes (SMB1 codes are their own byte values) */
enum {
    SMB2_NEGOTIATE = 0, SMB2_SESSION_SETUP, SMB2_LOGOFF, SMB2_TREE_CONNECT, SMB2_TREE_DISCONNECT,
    SMB2_CREATE, SMB2_CLOSE, SMB2_FLUSH, SMB2_READ, SMB2_WRITE, SMB2_LOCK, SMB2_IOCTL, SMB2_CANCEL,
    SMB2_ECHO, SMB2_QUERY_DIRECTORY, SMB2_CHANGE_NOTIFY, SMB2_QUERY_INFO, SMB2_SET_INFO,
    SMB2_OPLOCK_BREAK,
};
enum {
    SMB1_CLOSE = 0x04, SMB1_TRANS = 0x25, SMB1_TRANS2 = 0x32, SMB1_ECHO = 0x2b, SMB1_READ_ANDX = 0x2e, SMB1_WRITE_ANDX = 0x2f,
    SMB1_TREE_DISCONNECT = 0x71, SMB1_NEGOTIATE = 0x72, SMB1_SESSION_SETUP_ANDX = 0x73,
    SMB1_TREE_CONNECT_ANDX = 0x75, SMB1_NT_CREATE_ANDX = 0xa2,
};

struct smb_chunk;                           /* out-of-order file data held (internal) */

typedef struct smb_tx {
    uint64_t tx_id;
    uint8_t vers;               /* 1 or 2 (SMB3 is 2 on the wire) */
    uint16_t cmd;
    uint64_t key;               /* SMB2 MessageId; SMB1 MID | PID << 16 */
    bool has_req, has_resp;
    bool done;                  /* complete: loggable */
    bool logged;
    bool has_status;
    uint32_t status;            /* NTSTATUS of the (final) response */
    bool status_dos;            /* SMB1 without the NT-status flag: class (byte 0) and code (bytes 2-3) */
    uint64_t session_id;
    uint32_t tree_id;
    http_str filename;          /* CREATE / file transactions */
    http_str share;             /* TREE_CONNECT path; file transactions: the tree's share */
    bool share_is_pipe;         /* named pipe (IPC$ tree) */
    uint8_t share_type;         /* SMB2 TREE_CONNECT response: 1 disk, 2 pipe, 3 print; 0 unknown */
    uint8_t fuid[16];
    uint8_t fuid_len;           /* 0 none, 2 SMB1 FID, 16 SMB2 FileId */
    /* CREATE */
    bool has_create_req, has_create_resp;
    uint32_t disposition;
    bool delete_on_close;
    uint64_t times[4];          /* created, accessed, modified, changed (Windows FILETIME) */
    uint64_t size;              /* end of file */
    /* NEGOTIATE */
    http_str dialects;          /* client's dialects, NUL-separated */
    uint32_t n_dialects;
    bool has_client_guid, has_server_guid;
    uint8_t client_guid[16], server_guid[16];
    uint32_t max_read, max_write; /* SMB2 response */
    /* SESSION_SETUP */
    http_str native_os[2], native_lm[2]; /* SMB1: [0] request, [1] response */
    bool has_ntlmssp;
    http_str ntlm_user, ntlm_domain, ntlm_host;
    bool has_ntlm_version;
    uint8_t ntlm_ver_major, ntlm_ver_minor, ntlm_ver_rev;
    uint16_t ntlm_ver_build;
    /* TREE_CONNECT (SMB1): the service strings */
    http_str service[2];
    /* IOCTL (SMB2) */
    bool has_ioctl;
    uint32_t ioctl;
    /* file transaction */
    bool is_file;
    http_file file;             /* file.dir: 0 written (upload), 1 read (download) */
    rb_file_hash *hctx;
    uint64_t next_off;          /* file offset the next bytes are expected at */
    http_str data;              /* first file_data_limit bytes of the file (file_data) */
    size_t data_cap;
    struct smb_chunk *pend;     /* data ahead of next_off, sorted by offset */
    uint32_t n_pend;
} smb_tx;

typedef struct smb_stats {
    uint64_t records;           /* NBSS session messages parsed */
    uint64_t smb1, smb2, encrypted, compressed; /* messages (commands) by kind */
    uint64_t malformed;         /* commands too short / inconsistent */
    uint64_t resyncs;           /* searches for a record start after a gap or junk */
    uint64_t tx_evicted;        /* transactions closed early by max_tx */
    uint64_t files_evicted;     /* handles forgotten by max_files */
    uint64_t file_gaps;         /* holes in file data */
    uint64_t memcap;            /* allocations refused by cfg.memcap */
} smb_stats;

typedef struct smb_state smb_state;

smb_state *smb_new(const smb_config *cfg); /* cfg NULL -> defaults; copied */
void smb_free(smb_state *s);

/* Protocol detection on the first bytes of a direction: 1 SMB (an NBSS
 * session message whose payload starts with an SMB magic), 0 not, -1 need
 * more bytes. */
int smb_probe(const uint8_t *data, size_t len);

/* In-order stream bytes; always 0 (the parser never gives up: junk is
 * skipped record by record, or searched through after a lost framing). */
int smb_feed(smb_state *s, int dir, const uint8_t *data, size_t len);
/* len bytes are missing in direction dir. */
void smb_gap(smb_state *s, int dir, uint64_t len);

/* Next transaction not yet returned that is complete; with flow_end true
 * every one left (open files become TRUNCATED). NULL when none. */
smb_tx *smb_next_loggable(smb_state *s, bool flow_end);

/* The dialect negotiated so far, as Suricata writes it ("NT LM 0.12",
 * "2.10", "3.11"); "unknown" before a NEGOTIATE response. */
const char *smb_dialect(const smb_state *s, char *buf, size_t cap);
const smb_stats *smb_get_stats(const smb_state *s);
size_t smb_tx_count(const smb_state *s); /* live transactions */
uint64_t smb_mem_in_use(const smb_state *s); /* bytes counted against cfg.memcap */

/* Named-pipe observer (DCERPC over SMB): called with the bytes written to
 * (dir 0) or read from (dir 1) a handle opened on an IPC$ tree, in stream
 * order, with the pipe's name ("srvsvc", "\\PIPE\\lsarpc", as opened). */
typedef void (*smb_pipe_cb)(void *ctx, int dir, const uint8_t *pipe, size_t pipe_len, const uint8_t *data,
                            size_t n);
void smb_set_pipe_cb(smb_state *s, smb_pipe_cb cb, void *ctx);

/* File observer (the leak stage): the bytes of a file transaction as they are
 * placed, with their file offset; tx->file.filename names the file. */
typedef void (*smb_file_cb)(void *ctx, const smb_tx *tx, uint64_t offset, const uint8_t *data, size_t n);
void smb_set_file_cb(smb_state *s, smb_file_cb cb, void *ctx);

/* ---- names, as Suricata's EVE writes them ---- */
const char *smb_command_name(uint8_t vers, uint16_t cmd);  /* "SMB2_COMMAND_CREATE" */
const char *smb_status_name(uint32_t status);              /* "STATUS_SUCCESS" or NULL */
const char *smb_disposition_name(uint32_t d);              /* "FILE_OPEN" or NULL */
const char *smb_fsctl_name(uint32_t code);                 /* "FSCTL_DFS_GET_REFERRALS" or NULL */
/* "2.02" style for an SMB2 dialect code; writes into buf (8 bytes at least) */
const char *smb2_dialect_name(uint16_t d, char *buf);

/* ---- helpers, also used by the tests ---- */

/* UTF-16LE -> UTF-8: at most cap bytes written (never a partial character),
 * unpaired surrogates become U+FFFD, an odd trailing byte is dropped, a NUL
 * ends the string. Returns the bytes written. */
size_t smb_utf16_to_utf8(const uint8_t *in, size_t n, uint8_t *out, size_t cap);
/* FILETIME (100 ns since 1601) -> Unix seconds (0 for earlier times) */
uint64_t smb_filetime_to_unix(uint64_t ft);
/* fuid as Suricata prints it: SMB2 FileId as a GUID, SMB1 FID in hex */
void smb_fuid_string(const uint8_t *fuid, uint8_t len, char out[40]);

#endif
