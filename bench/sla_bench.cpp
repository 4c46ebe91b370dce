// The SLA benchmarks (bench/run, first section): the compiled calendar arithmetic and the
// clock walker at the scale of a large tenant, each figure beside a baseline from the
// same run, and a long run of the property test. Figures, not verdicts: it exits 0 unless
// the property run finds a mismatch.
//
//   SLA_BENCH_CASES           open cases (default 1,000,000)
//   SLA_BENCH_SAMPLE          cases the minute-stepping baseline computes (default 1,000)
//   SLA_BENCH_PROPERTY_CASES  cases of the property run (default 200,000)
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "domain/entities.hpp"
#include "sla/calendar.hpp"
#include "sla/clock.hpp"
#include "sla/oracle_test_support.hpp"

namespace rapport::sla {
namespace {

using domain::CaseStatus;
using domain::ClockMetric;
using domain::Weekday;
using Clock = std::chrono::steady_clock;

std::int64_t EnvNumber(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoll(text, nullptr, 10) : fallback;
}

double Seconds(Clock::time_point from, Clock::time_point to = Clock::now()) {
  return std::chrono::duration<double>(to - from).count();
}

Instant At(std::string_view text) { return ParseRfc3339(text).value(); }
TimeOfDay T(int hour, int minute = 0) { return TimeOfDay{hour * 60 + minute}; }
Date D(std::string_view text) { return ParseDate(text).value(); }

// A US support desk: weekdays 08:00-18:00 and Saturday mornings, the usual holidays
// (yearly ones and the 2024-2025 dates of the floating ones), a half-day Christmas Eve
// and a short New Year's Eve.
domain::Calendar SupportDesk() {
  domain::Calendar c;
  c.name = "US support desk";
  c.time_zone = "America/New_York";
  for (Weekday day : {Weekday::kMonday, Weekday::kTuesday, Weekday::kWednesday, Weekday::kThursday,
                      Weekday::kFriday}) {
    c.hours.push_back({day, T(8), T(18)});
  }
  c.hours.push_back({Weekday::kSaturday, T(9), T(13)});
  c.holidays = {
      {"New Year's Day", D("2000-01-01"), true, std::nullopt, std::nullopt},
      {"Independence Day", D("2000-07-04"), true, std::nullopt, std::nullopt},
      {"Christmas Eve", D("2000-12-24"), true, T(12), T(18)},
      {"Christmas Day", D("2000-12-25"), true, std::nullopt, std::nullopt},
      {"Martin Luther King Jr. Day", D("2024-01-15"), false, std::nullopt, std::nullopt},
      {"Memorial Day", D("2024-05-27"), false, std::nullopt, std::nullopt},
      {"Labor Day", D("2024-09-02"), false, std::nullopt, std::nullopt},
      {"Thanksgiving", D("2024-11-28"), false, std::nullopt, std::nullopt},
      {"Day after Thanksgiving", D("2024-11-29"), false, T(13), T(18)},
      {"Martin Luther King Jr. Day", D("2025-01-20"), false, std::nullopt, std::nullopt},
      {"Memorial Day", D("2025-05-26"), false, std::nullopt, std::nullopt},
      {"Labor Day", D("2025-09-01"), false, std::nullopt, std::nullopt},
      {"Thanksgiving", D("2025-11-27"), false, std::nullopt, std::nullopt},
  };
  c.short_days = {{D("2024-12-31"), false, T(9), T(13)}, {D("2025-12-31"), false, T(9), T(13)}};
  return c;
}

// The same desk after an edit: Saturdays 10:00-14:00 and one more holiday.
domain::Calendar ChangedSupportDesk() {
  domain::Calendar c = SupportDesk();
  c.hours.back() = {Weekday::kSaturday, T(10), T(14)};
  c.holidays.push_back({"Day after Christmas", D("2025-12-26"), false, std::nullopt, std::nullopt});
  return c;
}

BusinessCalendar CompileOrDie(const domain::Calendar& definition) {
  Result<BusinessCalendar> compiled = BusinessCalendar::Compile(definition);
  if (!compiled) {
    std::fprintf(stderr, "compile: %s\n", compiled.error().message.c_str());
    std::exit(2);
  }
  return std::move(*compiled);
}

// 1. Due instants of open cases: Add over the compiled calendar against minute stepping.
void DueInstants(std::int64_t cases, std::int64_t sample) {
  std::printf(
      "== SLA due instants for %lld open cases (America/New_York, Mon-Fri 08-18 + Sat "
      "09-13, a year of holidays)\n",
      static_cast<long long>(cases));
  const domain::Calendar definition = SupportDesk();
  const auto compile_start = Clock::now();
  const BusinessCalendar calendar = CompileOrDie(definition);
  std::printf("compile %d..%d: %.1f ms, %zu intervals\n", kFirstYear, kLastYear,
              1000 * Seconds(compile_start), calendar.interval_count());

  // Opened at a random minute of 2024-2025; targets of 1 to 40 business hours.
  std::mt19937_64 random(1);
  const std::int64_t first = At("2024-01-01T00:00:00Z").ms / kMillisPerMinute;
  const std::int64_t last = At("2026-01-01T00:00:00Z").ms / kMillisPerMinute - 1;
  std::uniform_int_distribution<std::int64_t> minute(first, last), hours(1, 40);
  std::vector<Instant> opened(static_cast<std::size_t>(cases));
  std::vector<Millis> targets(opened.size());
  for (std::size_t i = 0; i < opened.size(); ++i) {
    opened[i] = Instant{minute(random) * kMillisPerMinute};
    targets[i] = hours(random) * 60 * kMillisPerMinute;
  }

  std::vector<Instant> due(opened.size());
  const auto fast_start = Clock::now();
  for (std::size_t i = 0; i < opened.size(); ++i) due[i] = calendar.Add(opened[i], targets[i]);
  const double fast = Seconds(fast_start);

  // The baseline reuses one oracle, as a naive server would reuse its definition.
  oracle::MinuteOracle stepping(definition, kFirstYear, kLastYear);
  const auto count = static_cast<std::size_t>(std::min(sample, cases));
  std::int64_t disagreements = 0;
  const auto slow_start = Clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    const std::optional<Instant> expected =
        stepping.Add(opened[i], targets[i], oracle::kHorizonMinutes);
    if (expected != due[i]) ++disagreements;
  }
  const double slow = Seconds(slow_start);
  const double fast_per_case = fast / static_cast<double>(cases);
  const double slow_per_case = slow / static_cast<double>(std::max<std::size_t>(count, 1));
  std::printf("compiled Add: %.3f s for %lld cases, %.0f ns/case   (target <= 0.2 s)\n", fast,
              static_cast<long long>(cases), 1e9 * fast_per_case);
  std::printf(
      "minute stepping: %.3f s for a sample of %zu, %.1f us/case, %.0f s extrapolated to "
      "%lld; ratio stepping/compiled per case: %.0f\n",
      slow, count, 1e6 * slow_per_case, slow_per_case * static_cast<double>(cases),
      static_cast<long long>(cases), slow_per_case / fast_per_case);
  std::printf("sample answers that differ: %lld\n", static_cast<long long>(disagreements));
}

// A case opened at `opened`: a customer message, a response, a wait for the customer
// (pending_customer), the customer's reply, a second response and an internal hand-off.
// Gaps are random minutes to days, so that the clocks run across nights and weekends.
CaseHistory SyntheticHistory(Instant opened, std::mt19937_64& random) {
  std::uniform_int_distribution<std::int64_t> minutes(1, 60), hours(1, 48);
  auto after = [&](Instant at, bool long_gap) {
    return Instant{at.ms + (long_gap ? hours(random) * 60 : minutes(random)) * kMillisPerMinute};
  };
  CaseHistory h;
  h.opened = opened;
  h.messages.push_back({opened, true});
  const Instant triaged = after(opened, false);
  h.changes.push_back({triaged, CaseStatus::kOpen});
  const Instant answered = after(triaged, true);
  h.messages.push_back({answered, false});
  const Instant waiting = after(answered, false);
  h.changes.push_back({waiting, CaseStatus::kPendingCustomer});
  const Instant replied = after(waiting, true);
  h.messages.push_back({replied, true});
  h.changes.push_back({replied, CaseStatus::kOpen});
  const Instant answered_again = after(replied, true);
  h.messages.push_back({answered_again, false});
  h.messages.push_back({after(answered_again, true), true});
  h.changes.push_back({after(answered_again, false), CaseStatus::kPendingInternal});
  SortHistory(h);
  return h;
}

// 2. Every clock of every open case again after a calendar change: compile the changed
// calendar and compute the three clocks of each case.
void RecomputeClocks(std::int64_t cases) {
  std::printf("== SLA clocks of %lld open cases recomputed after a calendar change\n",
              static_cast<long long>(cases));
  std::mt19937_64 random(2);
  const std::int64_t first = At("2024-01-01T00:00:00Z").ms / kMillisPerMinute;
  const std::int64_t last = At("2025-12-01T00:00:00Z").ms / kMillisPerMinute;
  std::uniform_int_distribution<std::int64_t> minute(first, last);
  std::vector<CaseHistory> histories;
  histories.reserve(static_cast<std::size_t>(cases));
  for (std::int64_t i = 0; i < cases; ++i) {
    histories.push_back(SyntheticHistory(Instant{minute(random) * kMillisPerMinute}, random));
  }
  const Instant now = At("2026-01-01T00:00:00Z");

  // Compiles the changed calendar and computes every clock on `threads` threads (the
  // compiled calendar is immutable and shared); the seconds taken and a checksum.
  auto recompute = [&](bool business_time, unsigned threads) {
    const auto start = Clock::now();
    const BusinessCalendar calendar = CompileOrDie(ChangedSupportDesk());
    const ClockSpec specs[] = {
        {{ClockMetric::kFirstResponse, std::int64_t{4} * 60, business_time, 60, std::nullopt},
         1,
         1,
         &calendar},
        {{ClockMetric::kNextResponse, std::int64_t{8} * 60, business_time, 60, std::nullopt},
         1,
         1,
         &calendar},
        {{ClockMetric::kResolution, std::int64_t{40} * 60, business_time, 240, std::nullopt},
         1,
         1,
         &calendar},
    };
    std::vector<std::int64_t> sums(threads);
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (std::size_t i = t; i < histories.size(); i += threads) {
          for (const ClockSpec& spec : specs) {
            const std::optional<domain::ClockRecord> clock = ComputeClock(spec, histories[i], now);
            if (clock) sums[t] += clock->elapsed_seconds + static_cast<int>(clock->state);
          }
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    std::int64_t checksum = 0;
    for (std::int64_t sum : sums) checksum += sum;
    return std::pair{Seconds(start), checksum};
  };
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const auto [business, business_sum] = recompute(true, 1);
  const auto [parallel, parallel_sum] = recompute(true, cores);
  const auto [elapsed, elapsed_sum] = recompute(false, 1);
  const double per_case = 1e9 / static_cast<double>(cases);
  std::printf(
      "business-time clocks, compile included, 1 thread: %.3f s for %lld cases (3 clocks "
      "each), %.0f ns/case   (target <= 1 s)\n",
      business, static_cast<long long>(cases), business * per_case);
  std::printf("the same on %u threads: %.3f s, %.0f ns/case\n", cores, parallel,
              parallel * per_case);
  std::printf(
      "peer: the same clocks in calendar time (no calendar arithmetic), 1 thread: %.3f s; "
      "ratio business/calendar time: %.2f\n",
      elapsed, business / elapsed);
  if (business_sum != parallel_sum)
    std::printf("checksums differ: %lld, %lld\n", static_cast<long long>(business_sum),
                static_cast<long long>(parallel_sum));
  (void)elapsed_sum;
}

// 3. The property test at ten times its suite's size.
bool PropertyRun(std::int64_t cases) {
  constexpr std::uint64_t kSeed = 20240611;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::printf(
      "== SLA property run: compiled calendar vs minute-stepping oracle, %lld random "
      "cases\n",
      static_cast<long long>(cases));
  const oracle::PropertyResult result =
      oracle::RunProperty(kSeed, 0, static_cast<std::uint64_t>(cases), threads);
  std::printf("%s (mismatches must be 0)\n", oracle::Summary(result, kSeed, threads).c_str());
  for (const auto& [index, report] : result.reports) std::printf("%s", report.c_str());
  return result.mismatches == 0;
}

}  // namespace
}  // namespace rapport::sla

int main() {
  using rapport::sla::EnvNumber;
  const std::int64_t cases = std::max<std::int64_t>(1, EnvNumber("SLA_BENCH_CASES", 1'000'000));
  rapport::sla::DueInstants(cases, EnvNumber("SLA_BENCH_SAMPLE", 1'000));
  rapport::sla::RecomputeClocks(cases);
  const bool agreed = rapport::sla::PropertyRun(EnvNumber("SLA_BENCH_PROPERTY_CASES", 200'000));
  return agreed ? 0 : 1;
}
