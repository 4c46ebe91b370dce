#include "api/metrics.hpp"

#include <fmt/format.h>

namespace rapport::api {

namespace {
template <std::size_t N, class H>
void Observe(const std::array<double, N>& buckets, H& histogram, double value) {
  std::size_t i = 0;
  while (i < N && value > buckets[i]) ++i;
  ++histogram.counts[i];
  histogram.sum += value;
  ++histogram.count;
}

template <std::size_t N, class H>
void RenderHistogram(std::string& out, std::string_view name, std::string_view help,
                     const std::array<double, N>& buckets, const H& histogram) {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < N; ++i) {
    cumulative += histogram.counts[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, buckets[i], cumulative);
  }
  cumulative += histogram.counts[N];
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, cumulative,
                     name, histogram.sum, name, histogram.count);
}
}  // namespace

void Metrics::CountRequest(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  Observe(kLatencyBuckets, latency_, seconds);
}

void Metrics::CountBatch(std::size_t requests) {
  std::lock_guard lock(mu_);
  Observe(kBatchBuckets, batches_, static_cast<double>(requests));
}

std::string Metrics::Render(const Gauges& gauges) const {
  std::lock_guard lock(mu_);
  std::string out =
      "# HELP rapport_http_requests_total HTTP requests by route and status.\n"
      "# TYPE rapport_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += fmt::format("rapport_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first,
                       key.second, count);
  }
  RenderHistogram(out, "rapport_http_request_duration_seconds",
                  "Time from a request read to its response written.", kLatencyBuckets, latency_);
  RenderHistogram(out, "rapport_store_write_batch_requests",
                  "Requests per group-commit transaction.", kBatchBuckets, batches_);
  out += fmt::format(
      "# HELP rapport_store_bytes Size of the database files.\n"
      "# TYPE rapport_store_bytes gauge\nrapport_store_bytes {}\n"
      "# HELP rapport_event_streams_open Live change streams (GET /api/v1/stream) open.\n"
      "# TYPE rapport_event_streams_open gauge\nrapport_event_streams_open {}\n"
      "# HELP rapport_projection_lag_events Committed events a projection has not taken in yet.\n"
      "# TYPE rapport_projection_lag_events gauge\n"
      "rapport_projection_lag_events{{projection=\"signals\"}} {}\n"
      "rapport_projection_lag_events{{projection=\"analytics\"}} {}\n",
      gauges.store_bytes, gauges.event_streams, gauges.signals_lag, gauges.analytics_lag);
  return out;
}

}  // namespace rapport::api
