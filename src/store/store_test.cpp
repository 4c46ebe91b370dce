#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "core/test_directory.hpp"
#include "store/records.hpp"

namespace rapport::store {
namespace {

using domain::Account;
using domain::Interaction;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(); }
  void TearDown() override { store_.reset(); }
  std::unique_ptr<Store> Open() {
    auto store = OpenSqlite({.path = (dir_ / "rapport.db").string()});
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
  }
  static Account MakeAccount(std::string name) {
    Account a;
    a.name = std::move(name);
    a.segment = "key";
    return a;
  }
  Id InsertAccount(const std::string& name) {
    Account a = MakeAccount(name);
    EXPECT_TRUE(store_->WriteAndWait([&](Session& s) { return Insert(s, a, Instant{1}); }));
    return a.meta.id;
  }
  TestDirectory dir_{"rapport-store-test"};
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, InsertGetUpdateRoundTrip) {
  Id id = InsertAccount("Acme");
  Account got;
  ASSERT_TRUE(store_->Read([&](Session& s) -> Result<void> {
    auto r = Get<Account>(s, id);
    if (!r) return std::unexpected(r.error());
    got = r->value();
    return {};
  }));
  EXPECT_EQ(got.name, "Acme");
  EXPECT_EQ(got.meta.version, 1);
  got.segment = "strategic";
  ASSERT_TRUE(store_->WriteAndWait([&](Session& s) { return Update(s, got, Instant{2}); }));
  ASSERT_TRUE(store_->Read([&](Session& s) -> Result<void> {
    auto r = Get<Account>(s, id);
    EXPECT_EQ((*r)->segment, "strategic");
    EXPECT_EQ((*r)->meta.version, 2);
    EXPECT_EQ((*r)->meta.updated_at, Instant{2});
    return {};
  }));
}

TEST_F(StoreTest, ListFiltersAndPagesByCursor) {
  for (int i = 0; i < 5; ++i) InsertAccount("A" + std::to_string(i));
  std::vector<Account> page;
  ASSERT_TRUE(store_->Read([&](Session& s) -> Result<void> {
    Query q;
    q.limit = 2;
    q.after_id = 2;
    auto r = List<Account>(s, q);
    page = *r;
    return {};
  }));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].name, "A2");
  EXPECT_EQ(page[1].name, "A3");
  ASSERT_TRUE(store_->Read([&](Session& s) -> Result<void> {
    Query q;
    q.where.push_back({"name", Condition::Op::kEq, std::string("A4")});
    page = *List<Account>(s, q);
    return {};
  }));
  ASSERT_EQ(page.size(), 1u);
}

TEST_F(StoreTest, DuplicateExternalIdIsAConflict) {
  Interaction i;
  i.external_id = "x-1";
  i.arrived_at = Instant{5};
  ASSERT_TRUE(store_->WriteAndWait([&](Session& s) { return Insert(s, i, Instant{5}); }));
  Interaction again = i;
  auto r = store_->WriteAndWait([&](Session& s) { return Insert(s, again, Instant{6}); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TEST_F(StoreTest, UnknownForeignKeyIsRefused) {
  domain::Person p;
  p.account_id = 999;
  p.name = "Nobody";
  auto r = store_->WriteAndWait([&](Session& s) { return Insert(s, p, Instant{1}); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
}

TEST_F(StoreTest, AFailingRequestInABatchFailsAlone) {
  // Many concurrent writers, every third of which fails after writing: the failures
  // leave nothing behind and the others all land, with their events, gap-free.
  constexpr int kWriters = 8, kEach = 30;
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kEach; ++n) {
        bool fail = (t * kEach + n) % 3 == 0;
        auto r = store_->WriteAndWait([&](Session& s) -> Result<void> {
          Account a = MakeAccount("T" + std::to_string(t) + "-" + std::to_string(n));
          if (auto w = Insert(s, a, Instant{1}); !w) return w;
          Event e{0, Instant{1}, 0, "account", a.meta.id, "created", "{}", {}};
          if (auto w = s.AppendEvent(e); !w) return w;
          if (fail) return Fail(ErrorCode::kInvalid, "deliberate");
          return {};
        });
        (r ? ok : failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok + failed, kWriters * kEach);
  EXPECT_EQ(failed.load(), kWriters * kEach / 3);
  ASSERT_TRUE(store_->Read([&](Session& s) -> Result<void> {
    Query q;
    q.limit = 10000;
    auto accounts = List<Account>(s, q);
    EXPECT_EQ(static_cast<int>(accounts->size()), ok.load());
    auto events = s.EventsAfter(0, 10000);
    EXPECT_EQ(static_cast<int>(events->size()), ok.load());
    for (std::size_t i = 0; i < events->size(); ++i) {
      EXPECT_EQ((*events)[i].sequence, static_cast<std::int64_t>(i + 1));  // gap-free
    }
    return {};
  }));
}

TEST_F(StoreTest, CommitListenerSeesBatchesInSequenceOrder) {
  std::vector<std::int64_t> seen;
  std::mutex mu;
  store_->SetCommitListener([&](const CommittedBatch& batch) {
    std::lock_guard lock(mu);
    for (const auto& e : batch.events) seen.push_back(e.sequence);
  });
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->WriteAndWait([&](Session& s) {
      Event e{0, Instant{1}, 0, "account", 1, "created", "{}", {}};
      return s.AppendEvent(e);
    }));
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(StoreTest, EventsOfOneRecordInSequenceOrder) {
  ASSERT_TRUE(store_->WriteAndWait([&](Session& s) -> Result<void> {
    for (auto [entity, id, action] : {std::tuple{"case", 7, "created"}, {"case", 8, "created"},
                                      {"account", 7, "created"}, {"case", 7, "status_changed"}}) {
      Event e{0, Instant{1}, 0, entity, id, action, "{}", {}};
      if (auto r = s.AppendEvent(e); !r) return r;
    }
    return {};
  }));
  ASSERT_TRUE(store_->Read([&](Session& s) -> Result<void> {
    auto events = s.EventsOf("case", 7);
    EXPECT_TRUE(events);
    std::vector<std::pair<std::int64_t, std::string>> seen;
    for (const Event& e : *events) seen.emplace_back(e.sequence, e.action);
    EXPECT_EQ(seen, (std::vector<std::pair<std::int64_t, std::string>>{{1, "created"},
                                                                       {4, "status_changed"}}));
    EXPECT_TRUE(s.EventsOf("case", 9)->empty());
    auto range = s.EventsOfRange("case", 7, 8);
    EXPECT_TRUE(range);
    std::vector<std::pair<Id, std::int64_t>> ranged;
    for (const Event& e : *range) ranged.emplace_back(e.entity_id, e.sequence);
    EXPECT_EQ(ranged, (std::vector<std::pair<Id, std::int64_t>>{{7, 1}, {7, 4}, {8, 2}}));
    return {};
  }));
}

TEST_F(StoreTest, EventsOfAnAccountNewestFirstByInstantThenSequence) {
  ASSERT_TRUE(store_->WriteAndWait([&](Session& s) -> Result<void> {
    struct Named {
      std::string entity;
      Id id;
      std::optional<Id> account;
      std::int64_t at;
    };
    // Sequences 1..7; instants out of sequence order, as demo data and imports write them.
    const std::vector<Named> events = {{"account", 3, 3, 50}, {"case", 8, 3, 10},
                                       {"user", 2, {}, 60},   {"case", 9, 4, 70},
                                       {"interaction", 5, 3, 80}, {"person", 6, 3, 10},
                                       {"case", 8, 3, 90}};
    for (const Named& named : events) {
      Event e{0, Instant{named.at}, 0, named.entity, named.id, "created", "{}", named.account};
      if (auto r = s.AppendEvent(e); !r) return r;
    }
    return {};
  }));
  ASSERT_TRUE(store_->Read([&](Session& s) -> Result<void> {
    auto sequences = [&](AccountEventsQuery query) {
      std::vector<std::int64_t> out;
      auto events = s.EventsOfAccount(query);
      EXPECT_TRUE(events) << events.error().message;
      for (const Event& e : *events) {
        EXPECT_EQ(e.account_id, std::optional<Id>(query.account_id));
        out.push_back(e.sequence);
      }
      return out;
    };
    using V = std::vector<std::int64_t>;
    // Newest instant first; at the same instant, the higher sequence; no interactions'.
    EXPECT_EQ(sequences({.account_id = 3}), (V{7, 1, 6, 2}));
    EXPECT_EQ(sequences({.account_id = 3, .limit = 2}), (V{7, 1}));
    EXPECT_EQ(sequences({.account_id = 3, .before = std::pair{Instant{10}, std::int64_t{6}}}),
              (V{2}));
    EXPECT_EQ(sequences({.account_id = 3, .before = std::pair{Instant{50}, std::int64_t{1}}}),
              (V{6, 2}));
    EXPECT_EQ(sequences({.account_id = 3, .entities = {"case", "person"}}), (V{7, 6, 2}));
    EXPECT_EQ(sequences({.account_id = 3, .records = {{"case", 8}, {"account", 3}}}),
              (V{7, 1, 2}));
    EXPECT_EQ(sequences({.account_id = 3, .entities = {"case"}, .records = {{"person", 6}}}),
              (V{}));
    EXPECT_TRUE(s.EventsOfAccount({.account_id = 7})->empty());
    return {};
  }));
}

TEST_F(StoreTest, ListsNewestFirstByAColumnFromAPosition) {
  // Accounts created at instants 30, 10, 30, 20 (ids 1..4): by (created_at, id) descending.
  for (std::int64_t at : {30, 10, 30, 20}) {
    Account a = MakeAccount("A");
    ASSERT_TRUE(store_->WriteAndWait([&](Session& s) { return Insert(s, a, Instant{at}); }));
  }
  auto ids = [&](std::optional<std::pair<SqlValue, Id>> before, std::int64_t limit) {
    std::vector<Id> out;
    EXPECT_TRUE(store_->Read([&](Session& s) -> Result<void> {
      Query q;
      q.limit = limit;
      q.newest_by = "created_at";
      q.before = before;
      auto r = List<Account>(s, q);
      if (!r) return std::unexpected(r.error());
      for (const Account& a : *r) out.push_back(a.meta.id);
      return {};
    }));
    return out;
  };
  EXPECT_EQ(ids(std::nullopt, 10), (std::vector<Id>{3, 1, 4, 2}));
  EXPECT_EQ(ids(std::nullopt, 2), (std::vector<Id>{3, 1}));
  EXPECT_EQ(ids(std::pair{SqlValue(std::int64_t{30}), Id{1}}, 10), (std::vector<Id>{4, 2}));
  EXPECT_EQ(ids(std::pair{SqlValue(std::int64_t{30}), Id{3}}, 10), (std::vector<Id>{1, 4, 2}));
}

TEST_F(StoreTest, EventsAreAppendOnly) {
  ASSERT_TRUE(store_->WriteAndWait([&](Session& s) {
    Event e{0, Instant{1}, 0, "account", 1, "created", "{}", {}};
    return s.AppendEvent(e);
  }));
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "rapport.db").c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM events", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE events SET action='x'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST_F(StoreTest, DataSurvivesReopenAndBackupIsConsistent) {
  Id id = InsertAccount("Durable");
  auto backup = (dir_ / "copy.db").string();
  ASSERT_TRUE(store_->Backup(backup));
  store_.reset();
  store_ = Open();
  ASSERT_TRUE(store_->Read([&](Session& s) -> Result<void> {
    EXPECT_EQ((*Get<Account>(s, id))->name, "Durable");
    return {};
  }));
  auto copy = OpenSqlite({.path = backup});
  ASSERT_TRUE(copy);
  ASSERT_TRUE((*copy)->Read([&](Session& s) -> Result<void> {
    EXPECT_EQ((*Get<Account>(s, id))->name, "Durable");
    return {};
  }));
}

TEST_F(StoreTest, ScanStreamsTheNamedColumnsOfAnIdRange) {
  for (const char* name : {"A", "B", "C", "D"}) InsertAccount(name);
  std::vector<std::pair<std::int64_t, std::string>> seen;
  bool null_seen = false;
  ASSERT_TRUE(store_->Read([&](Session& s) {
    return s.Scan("accounts", {"id", "name", "owner_id"}, 2, 3, [&](const ScanRow& row) {
      seen.emplace_back(row.Int(0), std::string(row.Text(1)));
      null_seen = row.IsNull(2);
    });
  }));
  EXPECT_EQ(seen, (std::vector<std::pair<std::int64_t, std::string>>{{2, "B"}, {3, "C"}}));
  EXPECT_TRUE(null_seen);
  // A column that does not exist is an error, not a crash.
  EXPECT_FALSE(store_->Read([&](Session& s) {
    return s.Scan("accounts", {"no_such_column"}, 1, 10, [](const ScanRow&) {});
  }));
}

TEST_F(StoreTest, ImportStateIsKeptPerSourceReplacedAndRemoved) {
  auto put = [&](std::string source, std::string key, std::optional<std::string> state) {
    return store_->WriteAndWait([&](Session& s) { return s.PutImportState(source, key, state); });
  };
  auto state_of = [&](std::string source) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(store_->Read([&](Session& s) -> Result<void> {
      auto r = s.ImportState(source);
      if (!r) return std::unexpected(r.error());
      out = *r;
      return {};
    }));
    return out;
  };
  ASSERT_TRUE(put("pbx1", "call:2", "two"));
  ASSERT_TRUE(put("pbx1", "call:1", "one"));
  ASSERT_TRUE(put("pbx2", "call:1", "other"));
  ASSERT_TRUE(put("pbx1", "call:2", "two again"));
  using State = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(state_of("pbx1"), (State{{"call:1", "one"}, {"call:2", "two again"}}));
  ASSERT_TRUE(put("pbx1", "call:1", std::nullopt));
  EXPECT_EQ(state_of("pbx1"), (State{{"call:2", "two again"}}));
  EXPECT_EQ(state_of("pbx2"), (State{{"call:1", "other"}}));
}

TEST_F(StoreTest, WritesAfterCloseAreRefused) {
  store_->Close();
  auto r = store_->WriteAndWait([](Session&) -> Result<void> { return {}; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST_F(StoreTest, RefusesAFileThatIsNotADatabase) {
  auto path = dir_ / "junk.db";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("this is not a database, just some text long enough to be a header......", f);
    std::fclose(f);
  }
  auto store = OpenSqlite({.path = path.string()});
  EXPECT_FALSE(store);
}

}  // namespace
}  // namespace rapport::store
