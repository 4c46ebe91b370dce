// The signals benchmark (bench/run): every account's signals over a demo data directory.
//
//  1. From scratch: app::SignalIndex::Load (every account, case and interaction read from
//     the store and reduced to facts, then every account evaluated), and the evaluation
//     alone over the facts held (SignalIndex::EvaluateAll), in interactions per second.
//     Peer: SQLite answering one of the eight rules — repeat contacts per case within
//     seven days — as one plain SQL query over the same store.
//  2. Incrementally: SIGNALS_BENCH_NEW new interactions (copies of random demo
//     interactions — same account, case, channel, direction, category — arriving just
//     after the index was built) are written to a copy of the store, then handed to the
//     change feed (SignalIndex::OnCommitted) as their commits would be, in commits of 1 and
//     of 64 interactions (a busy server's group commit), as fast as the loop goes: the
//     index's feed thread reads the rows, updates the accounts' facts and evaluates those
//     accounts again, taking at once what arrived while it worked. The figure is the
//     interactions divided by the time from the first commit until the index has taken in
//     the last (SignalIndex::CatchUp). Then 100,000 interactions/s offered, paced, in
//     commits of 64: whether the index keeps up, and how long after the last commit it
//     has taken it in. Target: at least 100,000 interactions per second. Peer: the same
//     rule for the new interaction's account alone, as one SQL query per interaction.
//
//   signals_bench DATA_DIR   (a `rapport demo` data directory; it is copied, not changed)
//   SIGNALS_BENCH_NEW   new interactions per commit size (default 20,000)
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/signal_index.hpp"
#include "store/records.hpp"
#include "store/store.hpp"

namespace rapport {
namespace {

using Clock = std::chrono::steady_clock;
using domain::Id;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "signals_bench: %s\n", what.c_str());
  std::exit(1);
}

constexpr const char* kRepeatByCase =
    "SELECT account_id, case_id, count(*) FROM interactions "
    "WHERE kind='contact' AND direction='inbound' AND case_id IS NOT NULL "
    "AND arrived_at > ?1 - 7*86400000 AND arrived_at <= ?1 %s"
    "GROUP BY account_id, case_id HAVING count(*) >= 3";

// Runs kRepeatByCase (for one account when account > 0); returns the groups found.
int RepeatByCase(sqlite3_stmt* statement, std::int64_t now, std::int64_t account) {
  sqlite3_reset(statement);
  sqlite3_bind_int64(statement, 1, now);
  if (account > 0) sqlite3_bind_int64(statement, 2, account);
  int groups = 0;
  while (sqlite3_step(statement) == SQLITE_ROW) ++groups;
  return groups;
}

int Main(int argc, char** argv) {
  if (argc != 2) Die("usage: signals_bench DATA_DIR");
  // A copy: the incremental part writes new interactions.
  const std::filesystem::path copy = std::filesystem::temp_directory_path() /
                                     ("rapport-signals-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(copy);
  for (const char* file : {"rapport.db", "rapport.db-wal"}) {
    const auto from = std::filesystem::path(argv[1]) / file;
    if (std::filesystem::exists(from)) {
      std::filesystem::copy_file(from, copy / file, std::filesystem::copy_options::overwrite_existing);
    }
  }
  const std::string path = (copy / "rapport.db").string();
  const long replayed = std::getenv("SIGNALS_BENCH_NEW") ? std::atol(std::getenv("SIGNALS_BENCH_NEW")) : 20'000;

  auto store = store::OpenSqlite({.path = path});
  if (!store) Die(store.error().message);
  Id last_id = 0;
  std::int64_t sequence = 0;
  if (auto r = (*store)->Read([&](store::Session& s) -> Result<void> {
        auto max = s.MaxId("interactions");
        auto seq = s.LastEventSequence();
        if (!max || !seq) return Fail(ErrorCode::kInternal, "reading the store failed");
        last_id = *max;
        sequence = *seq;
        return {};
      });
      !r) {
    Die(r.error().message);
  }
  const Instant now = Now();

  // 1. From scratch.
  app::SignalIndex index(**store);
  auto started = Clock::now();
  if (auto r = index.Load(now); !r) Die(r.error().message);
  const double load = Seconds(started);
  started = Clock::now();
  const std::size_t signals = index.EvaluateAll(now).size();
  const double evaluate = Seconds(started);

  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) Die("sqlite open");
  char sql[512];
  sqlite3_stmt* everyone = nullptr;
  std::snprintf(sql, sizeof sql, kRepeatByCase, "");
  if (sqlite3_prepare_v2(db, sql, -1, &everyone, nullptr) != SQLITE_OK) Die(sqlite3_errmsg(db));
  started = Clock::now();
  const int groups = RepeatByCase(everyone, now.ms, 0);
  const double sql_all = Seconds(started);

  const double n = static_cast<double>(last_id);
  std::printf("accounts=%zu interactions=%lld live signals=%zu\n", index.account_count(),
              static_cast<long long>(last_id), signals);
  std::printf("from scratch, load and evaluate: %.3f s (%.0f interactions/s)\n", load, n / load);
  std::printf("from scratch, evaluate only:     %.3f s (%.0f interactions/s)\n", evaluate, n / evaluate);
  std::printf("peer, SQLite, one rule (repeat contact by case, %d groups): %.3f s\n", groups, sql_all);
  std::printf("ratio evaluate-all-eight-rules/SQL-one-rule: %.2f\n", evaluate / sql_all);

  // The periodic job: every account evaluated again, continuing from its last answer.
  started = Clock::now();
  index.Refresh();
  const double refresh = Seconds(started);
  std::printf("periodic job, every account again: %.4f s (%.1f us per account)\n", refresh,
              refresh / static_cast<double>(index.account_count()) * 1e6);

  // 2. Incrementally: new interactions, arriving after the index's evaluation.
  std::vector<domain::Interaction> originals;
  if (auto r = (*store)->Read([&](store::Session& s) -> Result<void> {
        store::Query query;
        query.limit = 10'000'000;
        auto all = store::List<domain::Interaction>(s, query);
        if (!all) return std::unexpected(all.error());
        originals = std::move(*all);
        return {};
      });
      !r) {
    Die(r.error().message);
  }
  std::mt19937_64 rng(7);
  // Writes `replayed` copies of random demo interactions, arriving now; their ids.
  auto write_new = [&] {
    std::vector<Id> ids;
    const Instant arrival{Now().ms + 1};
    if (auto r = (*store)->WriteAndWait([&](store::Session& s) -> Result<void> {
          for (long k = 0; k < replayed; ++k) {
            domain::Interaction i = originals[std::uniform_int_distribution<std::size_t>(0, originals.size() - 1)(rng)];
            i.meta = {};
            i.source = "bench";
            i.external_id.reset();
            i.arrived_at = arrival;
            i.answered_at.reset();
            i.ended_at.reset();
            if (auto w = store::Insert(s, i, arrival); !w) return w;
            ids.push_back(i.meta.id);
          }
          return {};
        });
        !r) {
      Die(r.error().message);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // they have arrived
    return std::make_pair(ids, arrival);
  };
  // Hands `ids` to the change feed in commits of `batch`, one commit every `gap` (zero: as
  // fast as the loop goes), and waits until the index has taken them all in.
  auto feed = [&](const std::vector<Id>& ids, Instant arrival, std::size_t batch,
                  std::chrono::nanoseconds gap) {
    const auto began = Clock::now();
    auto due = began;
    for (std::size_t k = 0; k < ids.size(); k += batch) {
      while (Clock::now() < due) {
      }
      due += gap;
      store::CommittedBatch committed;
      committed.requests = batch;
      for (std::size_t j = k; j < k + batch && j < ids.size(); ++j) {
        committed.events.push_back({++sequence, arrival, 1, "interaction", ids[j], "created", "{}", std::nullopt});
      }
      index.OnCommitted(committed);
    }
    const auto handed = Clock::now();
    while (!index.CatchUp()) {
    }
    return std::make_pair(Seconds(began), std::chrono::duration<double>(Clock::now() - handed).count());
  };
  double per_one = 0;
  Id first = 0;
  for (std::size_t batch : {1, 64}) {
    const auto [ids, arrival] = write_new();
    const auto [took, lag] = feed(ids, arrival, batch, std::chrono::nanoseconds(0));
    const double count = static_cast<double>(ids.size());
    if (batch == 1) per_one = count / took;
    std::printf("incremental, a burst in commits of %2zu: %.0f interactions/s (%.1f us each; target >= 100,000/s)\n",
                batch, count / took, took / count * 1e6);
    if (!first) first = ids.front();
  }
  {
    // 100,000 interactions/s offered in commits of 64 (the writer's group commit), paced.
    const auto [ids, arrival] = write_new();
    const auto gap = std::chrono::nanoseconds(64 * 10'000);
    const auto [took, lag] = feed(ids, arrival, 64, gap);
    std::printf("incremental, 100,000/s offered in commits of 64 for %.3f s: the last taken in "
                "%.2f ms after its commit\n", took - lag, lag * 1e3);
  }
  // Peer: one query per new interaction, for its account (the first 5,000 of them: a rate).
  const Id last = first + std::min<Id>(replayed, 5'000) - 1;
  const double count = static_cast<double>(last - first + 1);
  std::snprintf(sql, sizeof sql, kRepeatByCase, "AND account_id = ?2 ");
  sqlite3_stmt* one = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &one, nullptr) != SQLITE_OK) Die(sqlite3_errmsg(db));
  sqlite3_stmt* account_of = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT account_id, arrived_at FROM interactions WHERE id=?1", -1, &account_of, nullptr) != SQLITE_OK) {
    Die(sqlite3_errmsg(db));
  }
  started = Clock::now();
  for (Id id = first; id <= last; ++id) {
    sqlite3_reset(account_of);
    sqlite3_bind_int64(account_of, 1, id);
    if (sqlite3_step(account_of) != SQLITE_ROW) continue;
    RepeatByCase(one, sqlite3_column_int64(account_of, 1), sqlite3_column_int64(account_of, 0));
  }
  const double sql_each = Seconds(started);
  std::printf("peer, SQLite, one rule for the new interaction's account: %.0f interactions/s\n",
              count / sql_each);
  std::printf("ratio rapport-commits-of-1/SQL-one-rule: %.2f\n", per_one / (count / sql_each));
  sqlite3_finalize(everyone);
  sqlite3_finalize(one);
  sqlite3_finalize(account_of);
  sqlite3_close(db);
  std::filesystem::remove_all(copy);
  return 0;
}

}  // namespace
}  // namespace rapport

int main(int argc, char** argv) { return rapport::Main(argc, argv); }
