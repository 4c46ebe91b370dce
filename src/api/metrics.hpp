// Prometheus metrics: requests by route and status, request latency histogram, write
// batch sizes, store size, open event streams, the projections' lag behind the feed. Threads: every method is safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace rapport::api {

class Metrics {
 public:
  void CountRequest(const std::string& route, int status, double seconds);
  void CountBatch(std::size_t requests);
  // The text exposition format, with the gauges given.
  struct Gauges {
    std::int64_t store_bytes = 0;
    std::size_t event_streams = 0;
    // Committed events the projections' feed threads have not taken in yet.
    std::int64_t signals_lag = 0;
    std::int64_t analytics_lag = 0;
  };
  std::string Render(const Gauges& gauges) const;

 private:
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  static constexpr std::array<double, 8> kBatchBuckets = {1, 2, 4, 8, 16, 64, 256, 1024};

  struct Histogram {
    std::array<std::uint64_t, 13> counts{};  // per bucket, last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };

  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // guarded by mu_
  Histogram latency_;                                              // guarded by mu_
  Histogram batches_;                                              // guarded by mu_
};

}  // namespace rapport::api
