// Recently read records by id, so that hot records (the case an agent keeps open) are
// answered without a store read. The change feed calls Forget() for every committed
// change before any writer is answered, so a client always reads its own writes; a
// generation counter keeps a record read before a change from being remembered after it.
// Bounded: when full, it starts over (cheap, and hot records come straight back).
// Threads: safe to call concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "domain/schema.hpp"

namespace rapport::app {

template <class T>
class RecordCache {
 public:
  explicit RecordCache(std::size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const T> Find(domain::Id id) const {
    std::shared_lock lock(mu_);
    auto it = records_.find(id);
    return it == records_.end() ? nullptr : it->second;
  }

  // Read before loading a record from the store, and handed back to Remember().
  std::uint64_t generation() const {
    std::shared_lock lock(mu_);
    return generation_;
  }

  void Remember(domain::Id id, std::shared_ptr<const T> record, std::uint64_t read_at) {
    std::unique_lock lock(mu_);
    if (read_at != generation_) return;  // something changed since: the copy may be stale
    if (records_.size() >= capacity_) records_.clear();
    records_.insert_or_assign(id, std::move(record));
  }

  void Forget(domain::Id id) {
    std::unique_lock lock(mu_);
    records_.erase(id);
    ++generation_;
  }

 private:
  const std::size_t capacity_;
  mutable std::shared_mutex mu_;
  std::unordered_map<domain::Id, std::shared_ptr<const T>> records_;  // guarded by mu_
  std::uint64_t generation_ = 0;                                      // guarded by mu_
};

}  // namespace rapport::app
