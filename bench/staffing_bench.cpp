// The staffing benchmark (bench/run): agents required for a year of 15-minute intervals
// (35,040) at 5 to 500 Erlangs, SL 80/20, AHT 240 s, by Erlang C (target <= 20 ms) and by
// Erlang A; beside them, as the peer, the same Erlang C search done the textbook way
// (every candidate N from scratch, Σ A^k/k! with powers and factorials in long double) on
// a sample of the intervals, per interval, with its answers compared. Figures, not
// verdicts: it exits 0 unless the sample's answers differ.
//
//   STAFFING_BENCH_SAMPLE  intervals the textbook peer computes (default 500)
//   STAFFING_BENCH_RUNS    timed runs of the Erlang C plan; the best and median are shown
//                          (default 7)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "analytics/staffing.hpp"

namespace rapport::analytics {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kIntervalSeconds = 900;
constexpr double kHandleSeconds = 240;
constexpr double kThresholdSeconds = 20;
constexpr double kServiceLevel = 0.8;
constexpr double kPatienceSeconds = 180;

std::int64_t EnvNumber(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoll(text, nullptr, 10) : fallback;
}

double Seconds(Clock::time_point from, Clock::time_point to = Clock::now()) {
  return std::chrono::duration<double>(to - from).count();
}

// A year of intervals from 2025-01-01, traffic uniform in [5, 500] Erlangs.
std::vector<IntervalLoad> Year() {
  std::mt19937_64 random(4);
  std::uniform_real_distribution<double> erlangs(5, 500);
  std::vector<IntervalLoad> loads(35'040);
  const std::int64_t start = 1'735'689'600'000;  // 2025-01-01T00:00:00Z
  for (std::size_t i = 0; i < loads.size(); ++i) {
    const double traffic = erlangs(random);
    loads[i] = {start + static_cast<std::int64_t>(i) * kIntervalSeconds * 1000,
                traffic * kIntervalSeconds / kHandleSeconds, kHandleSeconds};
  }
  return loads;
}

std::vector<IntervalPlan> PlanOrDie(const std::vector<IntervalLoad>& loads,
                                    const StaffingTarget& target) {
  auto plan = PlanIntervals(loads, kIntervalSeconds, target);
  if (!plan) {
    std::fprintf(stderr, "plan: %s\n", plan.error().message.c_str());
    std::exit(2);
  }
  return std::move(*plan);
}

// The textbook Erlang C: P(wait) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)),
// each power and factorial computed afresh, in long double (whose range holds A^N and N!
// to about N = 1,700 at 500 Erlangs).
long double TextbookErlangC(long double a, int n) {
  auto factorial = [](int k) {
    long double f = 1;
    for (int i = 2; i <= k; ++i) f *= i;
    return f;
  };
  long double sum = 0;
  for (int k = 0; k < n; ++k) sum += std::pow(a, static_cast<long double>(k)) / factorial(k);
  const long double top = std::pow(a, static_cast<long double>(n)) / factorial(n) * n / (n - a);
  return top / (sum + top);
}

// The textbook search: N = ⌊A⌋ + 1, 2, ... until SL = 1 − C·e^(−(N−A)·T/AHT) meets the
// target; 0 when the long doubles overflow (outside the method's range).
int TextbookAgents(double traffic) {
  for (int n = static_cast<int>(traffic) + 1;; ++n) {
    const long double c = TextbookErlangC(traffic, n);
    if (!std::isfinite(static_cast<double>(c))) return 0;
    const long double sl =
        1 - c * std::exp(-(n - static_cast<long double>(traffic)) * kThresholdSeconds /
                         kHandleSeconds);
    if (sl >= kServiceLevel) return n;
  }
}

}  // namespace
}  // namespace rapport::analytics

int main() {
  using namespace rapport::analytics;
  const std::int64_t runs = std::max<std::int64_t>(1, EnvNumber("STAFFING_BENCH_RUNS", 7));
  const std::int64_t sample = std::max<std::int64_t>(1, EnvNumber("STAFFING_BENCH_SAMPLE", 500));
  const std::vector<IntervalLoad> loads = Year();
  std::printf(
      "== Staffing: agents required for %zu 15-minute intervals (a year), 5-500 Erlangs, "
      "SL 80/20, AHT 240 s\n",
      loads.size());

  StaffingTarget target;
  target.service_level = kServiceLevel;
  target.threshold_seconds = kThresholdSeconds;
  std::vector<double> times;
  std::vector<IntervalPlan> plan;
  for (std::int64_t r = 0; r < runs; ++r) {
    const auto start = Clock::now();
    plan = PlanOrDie(loads, target);
    times.push_back(Seconds(start));
  }
  std::sort(times.begin(), times.end());
  std::int64_t agent_intervals = 0;
  for (const IntervalPlan& row : plan) agent_intervals += row.staffing.agents;
  const double best = times.front();
  std::printf(
      "Erlang C plan: %.1f ms best, %.1f ms median of %lld runs, %.0f ns/interval   "
      "(target <= 20 ms); %lld agent-intervals\n",
      1e3 * best, 1e3 * times[times.size() / 2], static_cast<long long>(runs),
      1e9 * best / static_cast<double>(loads.size()), static_cast<long long>(agent_intervals));

  StaffingTarget with_patience = target;
  with_patience.patience_seconds = kPatienceSeconds;
  const auto a_start = Clock::now();
  const std::vector<IntervalPlan> a_plan = PlanOrDie(loads, with_patience);
  const double a_time = Seconds(a_start);
  std::int64_t a_agent_intervals = 0;
  for (const IntervalPlan& row : a_plan) a_agent_intervals += row.staffing.agents;
  std::printf(
      "Erlang A plan (mean patience %.0f s): %.1f ms, %.1f us/interval; %lld agent-intervals "
      "(%.1f%% of Erlang C's)\n",
      kPatienceSeconds, 1e3 * a_time, 1e6 * a_time / static_cast<double>(loads.size()),
      static_cast<long long>(a_agent_intervals),
      100.0 * static_cast<double>(a_agent_intervals) / static_cast<double>(agent_intervals));

  // The peer on every k-th interval, so that the sample spans the traffic range.
  const std::size_t step = std::max<std::size_t>(1, loads.size() / static_cast<std::size_t>(sample));
  std::size_t count = 0, differ = 0, out_of_range = 0;
  const auto peer_start = Clock::now();
  for (std::size_t i = 0; i < loads.size(); i += step) {
    const int agents = TextbookAgents(plan[i].traffic);
    ++count;
    if (agents == 0) {
      ++out_of_range;
    } else if (agents != plan[i].staffing.agents) {
      ++differ;
    }
  }
  const double peer = Seconds(peer_start);
  const double ours_per = best / static_cast<double>(loads.size());
  const double peer_per = peer / static_cast<double>(count);
  std::printf(
      "peer, textbook Erlang C (powers and factorials in long double, each N from scratch): "
      "%.3f s for a sample of %zu, %.1f us/interval, %.1f s extrapolated to the year; ratio "
      "textbook/Rapport per interval: %.0f\n",
      peer, count, 1e6 * peer_per, peer_per * static_cast<double>(loads.size()),
      peer_per / ours_per);
  std::printf("sample answers that differ: %zu; outside the textbook method's range: %zu\n",
              differ, out_of_range);
  return differ == 0 ? 0 : 1;
}
