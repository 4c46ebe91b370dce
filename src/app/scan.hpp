// Reading many rows for an in-memory projection (analytics, signals): typed access to
// Session::Scan's columns, the rows of scattered ids, and a whole table read in id chunks
// on several reader connections at once.
#pragma once

#include <condition_variable>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "domain/entities.hpp"
#include "store/store.hpp"

namespace rapport::app {

using domain::Id;

inline constexpr Id kLastId = std::numeric_limits<Id>::max();

inline std::optional<Id> OptionalId(const store::ScanRow& r, int column) {
  if (r.IsNull(column)) return std::nullopt;
  return r.Int(column);
}
inline std::optional<Instant> OptionalInstant(const store::ScanRow& r, int column) {
  if (r.IsNull(column)) return std::nullopt;
  return Instant{r.Int(column)};
}
inline std::optional<std::string> OptionalText(const store::ScanRow& r, int column) {
  if (r.IsNull(column)) return std::nullopt;
  return std::string(r.Text(column));
}
// An enum column; its first value when the text names none (the store validated it).
template <class E>
E EnumOf(const store::ScanRow& r, int column) {
  return domain::EnumFromName<E>(r.Text(column)).value_or(E{});
}

inline std::vector<Id> SortedUnique(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Scans the rows of `ids` (sorted), a run of nearby ids per query.
inline Result<void> ScanIds(store::Session& s, std::string_view table,
                            const std::vector<std::string_view>& columns, const std::vector<Id>& ids,
                            const store::ScanFn& fn) {
  constexpr Id kGap = 64;  // ids this close are read in one range; rows between are re-read
  for (std::size_t i = 0; i < ids.size();) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] - ids[j] <= kGap) ++j;
    if (auto r = s.Scan(table, columns, ids[i], ids[j], fn); !r) return r;
    i = j + 1;
  }
  return {};
}

inline int ScanThreads() {
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
}

// Reads the rows of `table` with ids 1 … last_id in chunks, decoding each row with
// `decode` on several reader connections at once (decoding SQLite's rows is most of a
// large start-up), and hands the chunks to `apply` in id order on the calling thread. At
// most a few chunks wait in memory; `apply` answers false to stop (kUnavailable). Each chunk is read in a transaction of its own: a row
// written meanwhile may be read as it was or as it is, which the caller makes up for (the
// signal index reads again what the change feed says changed) or rules out (nothing
// writes while analytics loads).
template <class Row>
Result<void> ReadChunked(store::Store& store, std::string_view table,
                         const std::vector<std::string_view>& columns, Id last_id, int threads,
                         const std::function<Row(const store::ScanRow&)>& decode,
                         const std::function<bool(std::vector<Row>&)>& apply) {
  constexpr Id kChunk = 1 << 16;
  const Id chunks = (last_id + kChunk - 1) / kChunk;
  const Id window = 2 * threads;  // chunks read ahead of the one applied
  std::mutex mutex;
  std::condition_variable changed;
  std::map<Id, std::vector<Row>> ready;
  Id next = 0, applied = 0;
  std::optional<Error> failed;
  auto read = [&] {
    for (;;) {
      Id chunk = 0;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return failed || next >= chunks || next < applied + window; });
        if (failed || next >= chunks) return;
        chunk = next++;
      }
      std::vector<Row> rows;
      auto r = store.Read([&](store::Session& s) {
        return s.Scan(table, columns, chunk * kChunk + 1, std::min((chunk + 1) * kChunk, last_id),
                      [&](const store::ScanRow& row) { rows.push_back(decode(row)); });
      });
      {
        std::lock_guard lock(mutex);
        if (!r) {
          failed = r.error();
        } else {
          ready.emplace(chunk, std::move(rows));
        }
      }
      changed.notify_all();
    }
  };
  std::vector<std::jthread> readers;
  for (int t = 0; t < threads; ++t) readers.emplace_back(read);
  for (Id chunk = 0; chunk < chunks; ++chunk) {
    std::vector<Row> rows;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return failed || ready.contains(chunk); });
      if (failed) break;
      rows = std::move(ready[chunk]);
      ready.erase(chunk);
      applied = chunk + 1;
    }
    changed.notify_all();
    try {
      if (!apply(rows)) {  // the caller stops: so do the readers
        {
          std::lock_guard lock(mutex);
          failed = Error{ErrorCode::kUnavailable, "loading " + std::string(table) + " was stopped", {}};
        }
        changed.notify_all();
        break;
      }
    } catch (...) {  // a broken invariant: stop the readers before the exception leaves
      {
        std::lock_guard lock(mutex);
        failed = Error{ErrorCode::kInternal, "loading " + std::string(table) + " failed", {}};
      }
      changed.notify_all();
      readers.clear();
      throw;
    }
  }
  readers.clear();  // joins them
  if (failed) return std::unexpected(*failed);
  return {};
}

}  // namespace rapport::app
