#include "store/wal_coalescing_vfs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "core/test_directory.hpp"

namespace rapport::store {
namespace {

// The default VFS with the writes to WAL files counted, and refused on demand: what the
// coalescing VFS under test hands to the operating system.
struct CountingVfs {
  static inline sqlite3_vfs* base = nullptr;
  static inline sqlite3_vfs vfs{};
  static inline const sqlite3_io_methods* base_methods = nullptr;
  static inline sqlite3_io_methods methods{};
  static inline int wal_writes = 0;
  static inline bool refuse_wal_writes = false;

  static sqlite3_vfs* Get() {
    if (!base) {
      base = sqlite3_vfs_find(nullptr);
      vfs = *base;
      vfs.pNext = nullptr;
      vfs.zName = "rapport-test-counting";
      vfs.xOpen = Open;
      sqlite3_vfs_register(&vfs, 0);
    }
    return &vfs;
  }
  static int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out) {
    const int rc = base->xOpen(base, name, file, flags, out);
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL)) {
      base_methods = file->pMethods;
      methods = *file->pMethods;
      methods.xWrite = Write;
      file->pMethods = &methods;
    }
    return rc;
  }
  static int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    ++wal_writes;
    if (refuse_wal_writes) return SQLITE_IOERR_WRITE;
    return base_methods->xWrite(file, data, amount, offset);
  }
};

class WalCoalescingVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    coalescing_ = RegisterWalCoalescingVfs("rapport-test-coalescing", CountingVfs::Get());
    ASSERT_NE(coalescing_, nullptr);
    CountingVfs::wal_writes = 0;
    CountingVfs::refuse_wal_writes = false;
  }
  void TearDown() override {
    for (sqlite3* db : open_) sqlite3_close_v2(db);
  }

  // A connection to the test database through `vfs`, as the store's writer is set up.
  sqlite3* Connect(const sqlite3_vfs* vfs) {
    sqlite3* db = nullptr;
    const std::string path = (dir_ / "test.db").string();
    EXPECT_EQ(
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs->zName),
        SQLITE_OK);
    open_.push_back(db);
    Exec(db, "PRAGMA journal_mode=WAL");
    Exec(db, "PRAGMA synchronous=FULL");
    return db;
  }
  static int Exec(sqlite3* db, const std::string& sql) {
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  static std::string One(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string answer = "(no row)";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      answer = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return answer;
  }
  // `rows` rows of 500 bytes each, numbered from `first`, in one transaction.
  static int InsertRows(sqlite3* db, int first, int rows) {
    return Exec(db, "WITH RECURSIVE n(i) AS (SELECT " + std::to_string(first) +
                        " UNION ALL SELECT i + 1 FROM n WHERE i < " +
                        std::to_string(first + rows - 1) +
                        ") INSERT INTO t SELECT i, printf('%.500c', 'x') FROM n");
  }

  TestDirectory dir_{"rapport-vfs-test"};
  const sqlite3_vfs* coalescing_ = nullptr;
  std::vector<sqlite3*> open_;
};

TEST_F(WalCoalescingVfsTest, ACommitReachesTheWalInAFewLargeWrites) {
  sqlite3* plain = Connect(CountingVfs::Get());
  ASSERT_EQ(Exec(plain, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"), SQLITE_OK);
  CountingVfs::wal_writes = 0;
  ASSERT_EQ(InsertRows(plain, 1, 200), SQLITE_OK);  // ~25 pages
  const int plain_writes = CountingVfs::wal_writes;
  EXPECT_GE(plain_writes, 50);  // a header and a page per frame

  sqlite3* coalesced = Connect(coalescing_);
  CountingVfs::wal_writes = 0;
  ASSERT_EQ(InsertRows(coalesced, 201, 200), SQLITE_OK);
  EXPECT_LE(CountingVfs::wal_writes, 3);  // ~100 KiB in pieces of 64 KiB
  EXPECT_EQ(One(plain, "SELECT count(*) || ' ' || sum(length(v)) FROM t"), "400 200000");
}

TEST_F(WalCoalescingVfsTest, ATransactionReadsBackPagesItSpilledAndOthersSeeItsCommit) {
  sqlite3* writer = Connect(coalescing_);
  ASSERT_EQ(Exec(writer, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"), SQLITE_OK);
  // A page cache of 10 pages: a transaction of 2,000 rows (~250 pages) writes most of its
  // pages to the WAL before it commits, and reads them back from there.
  ASSERT_EQ(Exec(writer, "PRAGMA cache_size=10"), SQLITE_OK);
  ASSERT_EQ(Exec(writer, "BEGIN"), SQLITE_OK);
  ASSERT_EQ(InsertRows(writer, 1, 2000), SQLITE_OK);
  EXPECT_EQ(One(writer, "SELECT count(*) || ' ' || sum(id) FROM t"), "2000 2001000");
  ASSERT_EQ(Exec(writer, "UPDATE t SET v = 'y' WHERE id % 2 = 0"), SQLITE_OK);
  ASSERT_EQ(Exec(writer, "COMMIT"), SQLITE_OK);

  sqlite3* reader = Connect(sqlite3_vfs_find(nullptr));
  EXPECT_EQ(One(reader, "SELECT count(*) || ' ' || sum(length(v)) FROM t"), "2000 501000");
  EXPECT_EQ(One(reader, "PRAGMA integrity_check"), "ok");
  // The WAL copied into the database file and started again, through the coalescing VFS.
  ASSERT_EQ(Exec(writer, "PRAGMA wal_checkpoint(TRUNCATE)"), SQLITE_OK);
  ASSERT_EQ(InsertRows(writer, 2001, 10), SQLITE_OK);
  EXPECT_EQ(One(reader, "SELECT count(*) FROM t"), "2010");
  EXPECT_EQ(One(reader, "PRAGMA integrity_check"), "ok");
}

TEST_F(WalCoalescingVfsTest, AWriteTheDiskRefusesFailsTheCommitAndLosesNothingCommitted) {
  sqlite3* writer = Connect(coalescing_);
  ASSERT_EQ(Exec(writer, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"), SQLITE_OK);
  ASSERT_EQ(InsertRows(writer, 1, 100), SQLITE_OK);

  CountingVfs::refuse_wal_writes = true;
  EXPECT_NE(InsertRows(writer, 101, 100), SQLITE_OK);  // refused when SQLite syncs
  CountingVfs::refuse_wal_writes = false;

  sqlite3* reader = Connect(sqlite3_vfs_find(nullptr));
  EXPECT_EQ(One(reader, "SELECT count(*) FROM t"), "100");
  ASSERT_EQ(InsertRows(writer, 101, 100), SQLITE_OK);
  EXPECT_EQ(One(reader, "SELECT count(*) FROM t"), "200");
  EXPECT_EQ(One(reader, "PRAGMA integrity_check"), "ok");
}

TEST_F(WalCoalescingVfsTest, RegisteringANameAgainAnswersTheSameVfs) {
  EXPECT_EQ(RegisterWalCoalescingVfs("rapport-test-coalescing", CountingVfs::Get()), coalescing_);
  EXPECT_NE(sqlite3_vfs_find(nullptr), coalescing_);  // never the default
}

}  // namespace
}  // namespace rapport::store
