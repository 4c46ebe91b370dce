// The compiled calendar arithmetic against a brute-force minute-by-minute oracle
// (oracle_test_support.hpp) on random calendars, instants and durations: each case has
// its own calendar (zone, weekly spans, holidays, short days), a start often near a DST
// change and a duration of up to five business days, and asks Add, Between and
// NextBusiness.
//
//   RAPPORT_SLA_PROPERTY_CASES  how many cases (default 20,000; ctest sets fewer under
//                               the sanitizers)
//   RAPPORT_SLA_PROPERTY_SEED   the run's seed (default fixed, printed)
//   RAPPORT_SLA_PROPERTY_CASE   run only this case of the seed, to reproduce a report
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "sla/oracle_test_support.hpp"

namespace rapport::sla {
namespace {

constexpr std::uint64_t kDefaultSeed = 20240611;
constexpr std::uint64_t kDefaultCases = 20'000;

std::optional<std::uint64_t> EnvNumber(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  return std::strtoull(text, nullptr, 10);
}

TEST(SlaProperty, CompiledCalendarAgreesWithMinuteOracle) {
  const std::uint64_t seed = EnvNumber("RAPPORT_SLA_PROPERTY_SEED").value_or(kDefaultSeed);
  const std::optional<std::uint64_t> only = EnvNumber("RAPPORT_SLA_PROPERTY_CASE");
  const std::uint64_t first = only.value_or(0);
  const std::uint64_t count =
      only ? 1 : EnvNumber("RAPPORT_SLA_PROPERTY_CASES").value_or(kDefaultCases);
  // The cases are independent and each is seeded by its index, so threads change nothing
  // but the duration.
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  const oracle::PropertyResult result = oracle::RunProperty(seed, first, count, threads);

  std::printf("sla property: %s\n", oracle::Summary(result, seed, threads).c_str());
  for (const auto& [index, report] : result.reports) ADD_FAILURE() << report;
  EXPECT_EQ(result.mismatches, 0);
  EXPECT_EQ(result.cases, static_cast<std::int64_t>(count));
  // The oracle gives up only on a calendar that has almost no hours; a run that skips
  // many questions checks little.
  EXPECT_LE(result.skipped, result.cases / 100);
}

}  // namespace
}  // namespace rapport::sla
