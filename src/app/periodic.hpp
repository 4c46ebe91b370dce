// Jobs that time alone makes due (signals whose window ends, trials that reach their end
// date): each runs on one background thread, first at Start() and then every `interval`,
// with the instant it runs for. A job that writes does so through the store like any
// request, so its changes reach the change feed.
// Threads: Add before Start; Start and Stop from the owner's thread. A job never runs
// concurrently with itself or another job of the same PeriodicJobs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/instant.hpp"

namespace rapport::app {

class PeriodicJobs {
 public:
  using Job = std::function<void(Instant now)>;

  PeriodicJobs() = default;
  PeriodicJobs(const PeriodicJobs&) = delete;
  PeriodicJobs& operator=(const PeriodicJobs&) = delete;
  ~PeriodicJobs() { Stop(); }

  // REQUIRES: not started.
  void Add(std::string name, std::chrono::milliseconds interval, Job job);

  void Start();
  // Waits for a running job to finish; no job starts after Stop returns.
  void Stop();

 private:
  struct Entry {
    std::string name;
    std::chrono::milliseconds interval;
    Job job;
    std::chrono::steady_clock::time_point next;
  };
  void Loop();

  std::vector<Entry> jobs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rapport::app
