// Erlang B, C and A and the staffing built on them: published figures (testdata/erlang.cases,
// format at the top of that file), an independent log-space Poisson reference at 5,000
// Erlangs, the model's identities and monotonicity, minimal answers, shrinkage rounding,
// the plan, the forecast and every kind of invalid input.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analytics/erlang.hpp"
#include "analytics/staffing.hpp"

#ifndef RAPPORT_ANALYTICS_TESTDATA
#error "RAPPORT_ANALYTICS_TESTDATA must name the directory that holds erlang.cases"
#endif

namespace rapport::analytics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- the case file -------------------------------------------------------------------

struct Expected {
  double value = 0;
  double tolerance = 0;
};

struct Case {
  int line = 0;
  std::string name;
  std::string model;
  std::map<std::string, double> inputs;
  std::map<std::string, Expected> outputs;
};

std::optional<double> Number(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// Parses the whole file; a malformed line fails the test with file:line and why.
std::vector<Case> ReadCases(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<Case> cases;
  std::set<std::string> names;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (auto hash = text.find('#'); hash != std::string::npos) text.resize(hash);
    std::istringstream words(text);
    Case c;
    c.line = line;
    if (!(words >> c.name)) continue;
    const std::string where = path + ":" + std::to_string(line) + ": ";
    EXPECT_TRUE(names.insert(c.name).second) << where << "duplicate name " << c.name;
    EXPECT_TRUE(words >> c.model) << where << "no model";
    bool outputs = false;
    for (std::string word; words >> word;) {
      if (word == "->") {
        outputs = true;
        continue;
      }
      const auto eq = word.find('=');
      if (eq == std::string::npos) {
        ADD_FAILURE() << where << "expected key=value, got " << word;
        continue;
      }
      const std::string key = word.substr(0, eq);
      std::string value = word.substr(eq + 1);
      if (!outputs) {
        auto number = Number(value);
        EXPECT_TRUE(number) << where << "bad number " << value;
        c.inputs[key] = number.value_or(0);
        continue;
      }
      const auto tilde = value.find('~');
      auto expected = Number(value.substr(0, tilde));
      auto tolerance =
          tilde == std::string::npos ? std::nullopt : Number(value.substr(tilde + 1));
      EXPECT_TRUE(expected && tolerance) << where << "expected value~tolerance, got " << value;
      c.outputs[key] = {expected.value_or(0), tolerance.value_or(0)};
    }
    EXPECT_TRUE(outputs && !c.outputs.empty()) << where << "no outputs after ->";
    cases.push_back(std::move(c));
  }
  return cases;
}

// The figures a case's model produces, by output name.
std::map<std::string, double> Actual(const Case& c) {
  auto in = [&](const char* key) {
    auto it = c.inputs.find(key);
    EXPECT_NE(it, c.inputs.end()) << "line " << c.line << ": missing input " << key;
    return it == c.inputs.end() ? 0.0 : it->second;
  };
  auto optional_in = [&](const char* key) -> std::optional<double> {
    auto it = c.inputs.find(key);
    if (it == c.inputs.end()) return std::nullopt;
    return it->second;
  };
  auto figures = [](const Performance& p) {
    return std::map<std::string, double>{
        {"wait", p.wait_probability}, {"sl", p.service_level},
        {"asa", p.asa_seconds},       {"mean_wait", p.mean_wait_seconds},
        {"occupancy", p.occupancy},   {"abandon", p.abandon_probability},
        {"agents", p.agents}};
  };
  if (c.model == "erlang_b") {
    return {{"blocking", ErlangB(in("traffic"), static_cast<int>(in("agents")))}};
  }
  const Load load{in("traffic"), in("handle"), in("threshold")};
  if (c.model == "erlang_c") {
    auto p = EvaluateErlangC(load, static_cast<int>(in("agents")));
    EXPECT_TRUE(p) << "line " << c.line << ": " << p.error().message;
    return p ? figures(*p) : std::map<std::string, double>{};
  }
  if (c.model == "erlang_a") {
    auto p = EvaluateErlangA(load, in("patience"), static_cast<int>(in("agents")));
    EXPECT_TRUE(p) << "line " << c.line << ": " << p.error().message;
    return p ? figures(*p) : std::map<std::string, double>{};
  }
  if (c.model == "required") {
    StaffingTarget target;
    target.service_level = in("target");
    target.threshold_seconds = in("threshold");
    target.max_occupancy = optional_in("cap").value_or(1);
    target.shrinkage = optional_in("shrinkage").value_or(0);
    target.patience_seconds = optional_in("patience");
    auto s = AgentsRequired(in("traffic"), in("handle"), target);
    EXPECT_TRUE(s) << "line " << c.line << ": " << s.error().message;
    if (!s) return {};
    auto result = figures(s->performance);
    result["scheduled"] = s->scheduled;
    return result;
  }
  ADD_FAILURE() << "line " << c.line << ": unknown model " << c.model;
  return {};
}

TEST(ErlangCases, MatchPublishedFigures) {
  const std::string path = std::string(RAPPORT_ANALYTICS_TESTDATA) + "/erlang.cases";
  const std::vector<Case> cases = ReadCases(path);
  EXPECT_GE(cases.size(), 14u);
  for (const Case& c : cases) {
    const auto actual = Actual(c);
    for (const auto& [key, expected] : c.outputs) {
      auto it = actual.find(key);
      if (it == actual.end()) {
        ADD_FAILURE() << path << ":" << c.line << ": " << c.name << ": no output " << key;
        continue;
      }
      EXPECT_LE(std::abs(it->second - expected.value), expected.tolerance)
          << path << ":" << c.line << ": " << c.name << ": " << key << " = "
          << std::setprecision(17) << it->second << ", expected " << expected.value << " ± "
          << expected.tolerance;
    }
  }
}

// ---- Erlang B and C --------------------------------------------------------------------

// B(N, A) = P(X = N) / P(X <= N) for X ~ Poisson(A), summed in logarithms downwards from N
// where the terms are largest: a method independent of the recursion.
double PoissonErlangB(double a, int n) {
  double sum = 0;  // Σ_{k<=N} P(X = k) / P(X = N)
  double log_ratio = 0;
  for (int k = n; k >= 0; --k) {
    sum += std::exp(log_ratio);
    if (log_ratio < -60 && k < a) break;  // the rest is below 1e-26 of the sum
    log_ratio += std::log(k / a);
  }
  return 1 / sum;
}

TEST(ErlangB, MatchesPoissonReferenceAtFiveThousandErlangs) {
  for (int n : {4800, 4950, 5000, 5050, 5100, 5200, 5400, 6000}) {
    const double expected = PoissonErlangB(5000, n);
    EXPECT_NEAR(ErlangB(5000, n) / expected, 1.0, 1e-10) << "N = " << n;
  }
  EXPECT_NEAR(ErlangB(4000.5, 3000) / PoissonErlangB(4000.5, 3000), 1.0, 1e-10);
}

TEST(ErlangB, EdgesAndUnderflow) {
  EXPECT_EQ(ErlangB(0, 0), 1);
  EXPECT_EQ(ErlangB(0, 5), 0);
  EXPECT_EQ(ErlangB(7.5, 0), 1);
  EXPECT_EQ(ErlangB(5, 6000), 0);  // true value ~1e-16000: below the smallest double
  EXPECT_NEAR(ErlangB(1e-9, 1), 1e-9, 1e-17);
}

TEST(ErlangC, AtLeastErlangBAndFallingInN) {
  for (double a : {0.5, 3.0, 10.0, 47.3, 250.0, 5000.0}) {
    double previous = 1;
    for (int n = static_cast<int>(a) + 1; n < a + 6 * std::sqrt(a) + 10; ++n) {
      const double b = ErlangB(a, n);
      const double c = ErlangC(a, n);
      EXPECT_GE(c, b) << "A = " << a << ", N = " << n;
      EXPECT_LE(c, previous) << "A = " << a << ", N = " << n;
      EXPECT_GE(c, 0);
      previous = c;
    }
  }
}

TEST(ErlangC, UnstableWhenAgentsDoNotExceedTraffic) {
  auto p = EvaluateErlangC({10, 180, 20}, 10);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->wait_probability, 1);
  EXPECT_EQ(p->service_level, 0);
  EXPECT_EQ(p->asa_seconds, kInf);
  EXPECT_EQ(p->occupancy, 1);
  EXPECT_EQ(ErlangC(10, 3), 1);
  auto none = EvaluateErlangC({10, 180, 20}, 0);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->service_level, 0);
}

TEST(ErlangC, NoTrafficNobodyWaits) {
  auto p = EvaluateErlangC({0, 180, 20}, 3);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->wait_probability, 0);
  EXPECT_EQ(p->service_level, 1);
  EXPECT_EQ(p->asa_seconds, 0);
  EXPECT_EQ(p->occupancy, 0);
}

TEST(ErlangC, FiniteAndSaneAtFiveThousandErlangs) {
  const Load load{5000, 240, 20};
  double previous_sl = -1;
  for (int n : {5001, 5010, 5050, 5100, 5200, 6000}) {
    auto p = EvaluateErlangC(load, n);
    ASSERT_TRUE(p);
    EXPECT_TRUE(std::isfinite(p->wait_probability) && std::isfinite(p->asa_seconds));
    EXPECT_GE(p->service_level, previous_sl) << "N = " << n;
    EXPECT_GE(p->service_level, 0);
    EXPECT_LE(p->service_level, 1);
    previous_sl = p->service_level;
  }
  // At N = A + 100 (1.4 standard deviations of the Poisson load) few wait: C from the
  // Poisson reference, SL and ASA from their formulas.
  auto p = EvaluateErlangC(load, 5100);
  ASSERT_TRUE(p);
  const double b = PoissonErlangB(5000, 5100);
  const double c = 5100 * b / (100 + 5000 * b);
  EXPECT_NEAR(p->wait_probability, c, 1e-12);
  EXPECT_GT(p->wait_probability, 0.01);
  EXPECT_LT(p->wait_probability, 0.2);
  EXPECT_NEAR(p->service_level, 1 - c * std::exp(-100.0 * 20 / 240), 1e-12);
  EXPECT_GT(p->service_level, 0.99);
  EXPECT_NEAR(p->asa_seconds, c * 240 / 100, 1e-10);
  EXPECT_NEAR(p->occupancy, 5000.0 / 5100, 1e-15);
}

// ---- Erlang A ----------------------------------------------------------------------------

TEST(ErlangA, IdentitiesAndRanges) {
  // θ·Lq/λ (from mean_wait) must equal the abandonment summed per queue position.
  for (int n : {1, 5, 9, 10, 11, 14, 20, 40}) {
    auto p = EvaluateErlangA({10, 180, 20}, 300, n);
    ASSERT_TRUE(p) << n;
    const double theta_lq_over_lambda = p->mean_wait_seconds / 300;
    EXPECT_NEAR(p->abandon_probability, theta_lq_over_lambda, 1e-12) << "N = " << n;
    for (double v : {p->wait_probability, p->abandon_probability, p->service_level,
                     p->occupancy}) {
      EXPECT_GE(v, 0) << n;
      EXPECT_LE(v, 1) << n;
    }
    EXPECT_TRUE(std::isfinite(p->asa_seconds));
    EXPECT_LE(p->service_level, 1 - p->abandon_probability + 1e-12);
  }
}

TEST(ErlangA, MonotoneInAgentsAndPatience) {
  const Load load{120, 240, 20};
  double sl = -1, abandon = 2, occupancy = 2;
  for (int n = 1; n < 200; ++n) {
    auto p = EvaluateErlangA(load, 120, n);
    ASSERT_TRUE(p);
    EXPECT_GE(p->service_level, sl - 1e-12) << "N = " << n;
    EXPECT_LE(p->abandon_probability, abandon + 1e-12) << "N = " << n;
    EXPECT_LE(p->occupancy, occupancy + 1e-12) << "N = " << n;
    sl = p->service_level;
    abandon = p->abandon_probability;
    occupancy = p->occupancy;
  }
  auto impatient = EvaluateErlangA({10, 180, 20}, 60, 14);
  auto patient = EvaluateErlangA({10, 180, 20}, 1200, 14);
  ASSERT_TRUE(impatient && patient);
  EXPECT_GT(impatient->abandon_probability, patient->abandon_probability);
}

TEST(ErlangA, ApproachesErlangCAsPatienceGrows) {
  for (int n : {11, 14, 20}) {
    auto a = EvaluateErlangA({10, 180, 20}, 1e9, n);
    auto c = EvaluateErlangC({10, 180, 20}, n);
    ASSERT_TRUE(a && c);
    EXPECT_NEAR(a->wait_probability, c->wait_probability, 1e-5) << n;
    EXPECT_NEAR(a->service_level, c->service_level, 1e-5) << n;
    EXPECT_NEAR(a->asa_seconds, c->asa_seconds, 1e-3) << n;
    EXPECT_NEAR(a->occupancy, c->occupancy, 1e-5) << n;
  }
}

TEST(ErlangA, StableFarBeyondErlangC) {
  // Overloaded (N far below A) and at 5,000 Erlangs: finite, in range, abandonment carries
  // the excess.
  for (const auto& [a, n] : std::vector<std::pair<double, int>>{
           {5000, 100}, {5000, 4000}, {5000, 5000}, {5000, 5100}, {5000, 6000}, {500, 1}}) {
    auto p = EvaluateErlangA({a, 240, 20}, 180, n);
    ASSERT_TRUE(p) << a << " " << n;
    for (double v : {p->wait_probability, p->abandon_probability, p->service_level,
                     p->occupancy, p->asa_seconds, p->mean_wait_seconds}) {
      EXPECT_TRUE(std::isfinite(v)) << a << " " << n;
      EXPECT_GE(v, 0);
    }
    EXPECT_LE(p->occupancy, 1);
    if (n < a) {
      // Carried traffic cannot exceed the agents: abandonment >= 1 − N/A.
      EXPECT_GE(p->abandon_probability, 1 - n / a - 1e-9) << a << " " << n;
    }
  }
  auto zero = EvaluateErlangA({10, 180, 20}, 300, 0);
  ASSERT_TRUE(zero);
  EXPECT_NEAR(zero->abandon_probability, 1, 1e-12);
  EXPECT_EQ(zero->service_level, 0);
}

// ---- staffing ------------------------------------------------------------------------------

TEST(AgentsRequired, MinimalForErlangC) {
  StaffingTarget target;  // 80/20
  for (double a : {0.01, 0.5, 1.0, 7.7, 10.0, 48.0, 123.4, 500.0, 5000.0}) {
    auto s = AgentsRequired(a, 240, target);
    ASSERT_TRUE(s) << a;
    EXPECT_GE(s->performance.service_level, 0.8) << a;
    EXPECT_GE(s->agents, 1);
    auto fewer = EvaluateErlangC({a, 240, 20}, s->agents - 1);
    ASSERT_TRUE(fewer);
    EXPECT_LT(fewer->service_level, 0.8) << a;
  }
}

TEST(AgentsRequired, MinimalForErlangA) {
  StaffingTarget target;
  target.patience_seconds = 120;
  for (double a : {0.2, 10.0, 48.0, 300.0}) {
    auto s = AgentsRequired(a, 240, target);
    ASSERT_TRUE(s) << a;
    EXPECT_GE(s->performance.service_level, 0.8) << a;
    auto fewer = EvaluateErlangA({a, 240, 20}, 120, s->agents - 1);
    ASSERT_TRUE(fewer);
    EXPECT_LT(fewer->service_level, 0.8) << a;
  }
}

TEST(AgentsRequired, OccupancyCapBinds) {
  StaffingTarget target;
  target.service_level = 0.5;
  target.max_occupancy = 0.5;
  auto s = AgentsRequired(100, 240, target);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->agents, 200);  // the SL alone needs far fewer
  EXPECT_EQ(s->performance.occupancy, 0.5);
  target.max_occupancy = 1;
  auto uncapped = AgentsRequired(100, 240, target);
  ASSERT_TRUE(uncapped);
  EXPECT_LT(uncapped->agents, 110);

  StaffingTarget a_target = target;
  a_target.max_occupancy = 0.6;
  a_target.patience_seconds = 60;
  auto capped_a = AgentsRequired(100, 240, a_target);
  ASSERT_TRUE(capped_a);
  EXPECT_LE(capped_a->performance.occupancy, 0.6);
  auto fewer = EvaluateErlangA({100, 240, 20}, 60, capped_a->agents - 1);
  ASSERT_TRUE(fewer);
  EXPECT_GT(fewer->occupancy, 0.6);
}

TEST(AgentsRequired, AtLeastOneAgentAndNoneWithoutTraffic) {
  StaffingTarget target;
  auto tiny = AgentsRequired(1e-6, 240, target);
  ASSERT_TRUE(tiny);
  EXPECT_EQ(tiny->agents, 1);
  auto none = AgentsRequired(0, 240, target);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->agents, 0);
  EXPECT_EQ(none->scheduled, 0);
  EXPECT_EQ(none->performance.service_level, 1);
}

TEST(ScheduledAgents, RoundsUpButNotForBinaryNoise) {
  EXPECT_EQ(*ScheduledAgents(14, 0.3), 20);
  EXPECT_EQ(*ScheduledAgents(15, 0.3), 22);   // 21.43
  EXPECT_EQ(*ScheduledAgents(21, 0.3), 30);   // 30.000000000000004 in binary
  EXPECT_EQ(*ScheduledAgents(168, 0.3), 240);  // 240.00000000000003
  EXPECT_EQ(*ScheduledAgents(10, 0), 10);
  EXPECT_EQ(*ScheduledAgents(0, 0.5), 0);
  EXPECT_EQ(*ScheduledAgents(1, 0.01), 2);  // 1.0101
  EXPECT_FALSE(ScheduledAgents(-1, 0.3));
  EXPECT_FALSE(ScheduledAgents(5, 1));
  EXPECT_FALSE(ScheduledAgents(2'000'000'000, 0.5));
}

// The names of the bad fields of a failed result.
template <class T>
std::vector<std::string> BadFields(const Result<T>& r) {
  std::vector<std::string> names;
  if (r) return names;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  for (const FieldError& f : r.error().fields) names.push_back(f.field);
  return names;
}

using Names = std::vector<std::string>;

TEST(Invalid, EveryFieldIsNamed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  StaffingTarget good;
  EXPECT_EQ(BadFields(AgentsRequired(-1, 240, good)), Names{"traffic"});
  EXPECT_EQ(BadFields(AgentsRequired(nan, 240, good)), Names{"traffic"});
  EXPECT_EQ(BadFields(AgentsRequired(kInf, 240, good)), Names{"traffic"});
  EXPECT_EQ(BadFields(AgentsRequired(2e6, 240, good)), Names{"traffic"});
  EXPECT_EQ(BadFields(AgentsRequired(10, 0, good)), Names{"handle_seconds"});
  for (double sl : {0.0, 1.0, -0.5, 80.0, nan}) {
    StaffingTarget t;
    t.service_level = sl;
    EXPECT_EQ(BadFields(AgentsRequired(10, 240, t)), Names{"service_level"}) << sl;
  }
  for (double cap : {0.0, 1.01, -1.0, nan}) {
    StaffingTarget t;
    t.max_occupancy = cap;
    EXPECT_EQ(BadFields(AgentsRequired(10, 240, t)), Names{"max_occupancy"}) << cap;
  }
  for (double shrinkage : {1.0, -0.1, nan}) {
    StaffingTarget t;
    t.shrinkage = shrinkage;
    EXPECT_EQ(BadFields(AgentsRequired(10, 240, t)), Names{"shrinkage"}) << shrinkage;
  }
  StaffingTarget t;
  t.threshold_seconds = -1;
  t.patience_seconds = 0;
  EXPECT_EQ(BadFields(AgentsRequired(10, 240, t)),
            (Names{"threshold_seconds", "patience_seconds"}));
  StaffingTarget tiny_cap;
  tiny_cap.max_occupancy = 1e-9;
  EXPECT_EQ(BadFields(AgentsRequired(10, 240, tiny_cap)), Names{"max_occupancy"});

  EXPECT_EQ(BadFields(EvaluateErlangC({-1, 0, -5}, -2)),
            (Names{"traffic", "handle_seconds", "threshold_seconds", "agents"}));
  EXPECT_EQ(BadFields(EvaluateErlangA({10, 180, 20}, -3, 5)), Names{"patience_seconds"});
  EXPECT_EQ(BadFields(EvaluateErlangA({10, 180, 20}, nan, 5)), Names{"patience_seconds"});
}

// ---- plan and forecast --------------------------------------------------------------------

TEST(PlanIntervals, OneRowPerIntervalWithTrafficFromVolume) {
  StaffingTarget target;
  target.threshold_seconds = 20;
  target.max_occupancy = 0.85;
  target.shrinkage = 0.3;
  const std::vector<IntervalLoad> loads = {
      {1'700'000'000'000, 100, 180}, {1'700'001'800'000, 0, 0}, {1'700'003'600'000, 400, 180}};
  auto plan = PlanIntervals(loads, 1800, target);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].load.start_ms, 1'700'000'000'000);
  EXPECT_DOUBLE_EQ((*plan)[0].traffic, 10);
  EXPECT_EQ((*plan)[0].staffing.agents, 14);  // the R ErlangC README's example
  EXPECT_EQ((*plan)[0].staffing.scheduled, 20);
  EXPECT_EQ((*plan)[1].staffing.agents, 0);
  EXPECT_EQ((*plan)[1].staffing.performance.service_level, 1);
  EXPECT_DOUBLE_EQ((*plan)[2].traffic, 40);
  auto direct = AgentsRequired(40, 180, target);
  ASSERT_TRUE(direct);
  EXPECT_EQ((*plan)[2].staffing.agents, direct->agents);
}

TEST(PlanIntervals, BadIntervalsAreNamedByIndex) {
  StaffingTarget target;
  const std::vector<IntervalLoad> loads = {
      {0, 10, 180}, {1, -1, 180}, {2, 5, 0}, {3, 0, 0}, {4, 1e12, 1000}};
  EXPECT_EQ(BadFields(PlanIntervals(loads, 900, target)),
            (Names{"intervals[1].contacts", "intervals[2].handle_seconds",
                   "intervals[4].contacts"}));
  EXPECT_EQ(BadFields(PlanIntervals({}, 0, target)), Names{"interval_seconds"});
  target.shrinkage = 1;
  EXPECT_EQ(BadFields(PlanIntervals({}, 900, target)), Names{"shrinkage"});
}

TEST(ForecastWeek, MeanOfTheLastWeeks) {
  // Three weeks of two intervals, oldest first; the mean of the last two.
  const std::vector<double> past = {100, 7, 10, 20, 30, 41};
  auto two = ForecastWeek(past, 2, 2);
  ASSERT_TRUE(two);
  EXPECT_EQ(*two, (std::vector<double>{20, 30.5}));
  auto three = ForecastWeek(past, 2, 3);
  ASSERT_TRUE(three);
  EXPECT_EQ(*three, (std::vector<double>{140.0 / 3, 68.0 / 3}));
  auto one = ForecastWeek(past, 2, 1);
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, (std::vector<double>{30, 41}));
}

TEST(ForecastWeek, InvalidInput) {
  const std::vector<double> past = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(BadFields(ForecastWeek(past, 4, 1)), Names{"past_counts"});  // 1.5 weeks
  EXPECT_EQ(BadFields(ForecastWeek(past, 2, 4)), Names{"past_counts"});  // 3 weeks only
  EXPECT_EQ(BadFields(ForecastWeek(past, 0, 1)), Names{"intervals_per_week"});
  EXPECT_EQ(BadFields(ForecastWeek(past, 2, 0)), Names{"weeks"});
  const std::vector<double> negative = {1, -2, 3, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_EQ(BadFields(ForecastWeek(negative, 2, 1)), (Names{"past_counts[1]", "past_counts[3]"}));
}

}  // namespace
}  // namespace rapport::analytics
