// A projection's own thread for following the change feed. The store's writer thread
// only notes what each committed batch changed (Note: a merge under a mutex), and
// answers its writers at once; this thread takes everything noted so far in one go and
// hands it to the projection (`take`: read the changed rows, apply, evaluate). Batches
// that arrive while it works are coalesced into its next take, so a burst of writes
// costs the projection one read per take rather than one per commit.
//
// Queries call CatchUp first: it waits until what was noted before the call has been
// taken, so that a client reads its own writes.
//
// `Noted` is what one or more batches changed: default-constructible, movable, with
// `void Merge(Noted other)`.
#pragma once

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace rapport::app {

template <class Noted>
class FeedThread {
 public:
  using Take = std::function<void(Noted)>;

  // Starts the thread, named `name` (at most 15 characters: what `top -H` shows). `take`
  // runs on it, one call at a time.
  FeedThread(std::string name, Take take) : take_(std::move(take)) {
    thread_ = std::thread([this, name = std::move(name)] {
      pthread_setname_np(pthread_self(), name.c_str());
      Loop();
    });
  }
  FeedThread(const FeedThread&) = delete;
  FeedThread& operator=(const FeedThread&) = delete;
  ~FeedThread() { Stop(); }

  // What a committed batch whose last event is `sequence` changed. Any thread; cheap.
  void Note(std::int64_t sequence, Noted noted) {
    {
      std::lock_guard lock(mutex_);
      pending_.Merge(std::move(noted));
      if (sequence > noted_) noted_ = sequence;
    }
    wake_.notify_one();
  }

  // Waits until everything noted before the call has been taken, at most `limit`.
  // True when it has been (or the thread has stopped), false when it gave up.
  bool CatchUp(std::chrono::milliseconds limit) const {
    std::unique_lock lock(mutex_);
    const std::int64_t target = noted_;
    return progress_.wait_for(lock, limit, [&] { return taken_ >= target || stopping_; });
  }

  // Committed events noted and not taken yet (by sequence): how far behind the feed is.
  std::int64_t lag() const {
    std::lock_guard lock(mutex_);
    return noted_ - taken_;
  }

  // Takes what was noted before the call, then stops the thread. Later notes are kept,
  // never taken.
  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    progress_.notify_all();
  }

 private:
  void Loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || taken_ < noted_; });
      if (taken_ >= noted_) return;  // stopping, nothing left
      const std::int64_t upto = noted_;
      Noted noted = std::exchange(pending_, Noted{});
      lock.unlock();
      take_(std::move(noted));
      lock.lock();
      taken_ = upto;
      progress_.notify_all();
    }
  }

  const Take take_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;              // to the thread: noted, or stop
  mutable std::condition_variable progress_;  // to CatchUp: taken, or stopped
  Noted pending_;                             // noted and not taken yet
  std::int64_t noted_ = 0;                    // the last sequence noted
  std::int64_t taken_ = 0;                    // … and taken
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace rapport::app
