// A SQLite VFS that hands a connection's writes to its write-ahead log to the operating
// system in a few large writes per sync instead of two per page.
//
// SQLite writes each WAL frame as two pwrite(2) calls, its 24-byte header and its page:
// a group commit of 30 requests dirties about 35 pages, so 70 system calls, each taking
// the file's locks and page-cache lookups, before the one fdatasync(2). This VFS keeps a
// WAL file's consecutive writes in memory and writes them, 64 KiB at a time, when SQLite
// syncs, reads, truncates, sizes or closes the file (or once 1 MiB has gathered).
// Everything else, the database file and its locks and shared memory included, is the
// underlying VFS's own.
//
// Why this is safe: with synchronous=FULL, SQLite syncs the WAL at every commit before it
// publishes the new frames in the shared WAL index, which is the only way another
// connection learns of them; so no reader can ask for bytes still held here. A write
// that was held and lost (kill -9 before the sync) belonged to a transaction that had not
// committed, which SQLite's WAL checksums already treat as absent. Reads through this
// file see every write made through it (the held bytes are written first).
#pragma once

#include <sqlite3.h>

namespace rapport::store {

// Registers (once per name; not as the default) a coalescing VFS named `name` over
// `base`, or over the default VFS when `base` is null, and answers it. Null if SQLite
// refused the registration. REQUIRES: every connection opened with it runs with
// synchronous=FULL or EXTRA (below that, SQLite publishes frames it has not synced).
sqlite3_vfs* RegisterWalCoalescingVfs(const char* name, sqlite3_vfs* base = nullptr);

}  // namespace rapport::store
