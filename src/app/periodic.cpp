#include "app/periodic.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace rapport::app {

void PeriodicJobs::Add(std::string name, std::chrono::milliseconds interval, Job job) {
  jobs_.push_back({std::move(name), interval, std::move(job), {}});
}

void PeriodicJobs::Start() {
  if (thread_.joinable() || jobs_.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  for (Entry& entry : jobs_) entry.next = now;
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicJobs::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicJobs::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto due = std::min_element(jobs_.begin(), jobs_.end(),
                                [](const Entry& a, const Entry& b) { return a.next < b.next; });
    if (std::chrono::steady_clock::now() < due->next) {
      wake_.wait_until(lock, due->next);
      continue;
    }
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    try {
      due->job(Now());
    } catch (const std::exception& e) {
      spdlog::error("periodic job {} failed: {}", due->name, e.what());
    }
    lock.lock();
    due->next = started + due->interval;
  }
}

}  // namespace rapport::app
