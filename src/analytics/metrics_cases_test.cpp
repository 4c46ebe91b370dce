// File-driven cases of the service metrics: every *.cases file in RAPPORT_ANALYTICS_TESTDATA
// runs, one test per case, named <file stem>_<case name>. A malformed line fails its case
// with file:line and why. The format:
//
//   === <name>                                   starts a case
//   report from=<instant> to=<instant> [by=vendor,channel,...] [period=month] [zone=UTC]
//          [short_abandon=5] [fcr_days=7] [fcr_repeat_by=account|person]
//          [threshold.<channel>=S] [vendor=N] [queues=1,2]
//          [channel=phone] [agent=N]
//   account <id> <segment>
//   case <id> account=N [requester=N] [category=c] [resolved=<instant>] [vendor=N] [queue=N]
//        [channel=c] [assignee=N]
//   contact [<n>x] <answered|abandoned|timed_out|voicemail|missed_off_hours|unanswered|
//           outbound|note> [at=<instant>] [wait=S] [talk=S] [wrap=S] [channel=phone]
//           [vendor=N] [queue=N] [agent=N] [account=N] [person=N] [case=N] [category=c]
//   expect total <metric>=<value> ...
//   expect group <dimension>=<label> ... <metric>=<value> ...
//   expect groups=<count>
//   expect error=<text the error names>
// Counts (offered, answered_within, …) are exact; rates are percent to one decimal
// (sl_ignored, sl_against, sl_for, abandonment, fcr) or seconds to one decimal (asa, aht);
// "-" expects an absent rate.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analytics/service_level.hpp"
#include "domain/case_files_test_support.hpp"

#ifndef RAPPORT_ANALYTICS_TESTDATA
#error "RAPPORT_ANALYTICS_TESTDATA must name the directory that holds the *.cases files"
#endif

namespace rapport::analytics {
namespace {

using domain::Channel;

using namespace case_files;  // the case-file format and its value parsers

class Runner {
 public:
  explicit Runner(const CaseBlock& c) : case_(c) {}

  void Run() {
    for (const CaseLine& line : case_.lines) {
      line_ = line.number;
      try {
        Apply(line.words);
      } catch (const Malformed& m) {
        ADD_FAILURE_AT(case_.file.c_str(), line_) << case_.file << ":" << line_ << ": " << m.why;
        return;
      }
    }
  }

 private:
  void Apply(const std::vector<std::string>& w) {
    if (w[0] == "report") return Report(w);
    if (w[0] == "account") {
      if (w.size() != 3) throw Malformed{"account <id> <segment>"};
      projection_.segments.Set(ParseInt(w[1]), w[2]);
      return;
    }
    if (w[0] == "case") return Case(w);
    if (w[0] == "contact") return Contact(w);
    if (w[0] == "expect") return Expect(w);
    throw Malformed{"unknown line '" + w[0] + "'"};
  }

  void Report(const std::vector<std::string>& w) {
    for (std::size_t i = 1; i < w.size(); ++i) {
      auto [key, value] = KeyValue(w[i]);
      if (key == "from") request_.scope.from = ParseInstant(value);
      else if (key == "to") request_.scope.to = ParseInstant(value);
      else if (key == "by") by_ = value;
      else if (key == "period") period_ = value;
      else if (key == "zone") zone_ = value;
      else if (key == "short_abandon") request_.definitions.short_abandon_seconds = ParseInt(value);
      else if (key == "fcr_days") request_.definitions.fcr_days = ParseInt(value);
      else if (key == "fcr_repeat_by") {
        if (value != "account" && value != "person") throw Malformed{"fcr_repeat_by is account or person"};
        request_.definitions.fcr_repeat_by = value == "person" ? RepeatBy::kPerson : RepeatBy::kAccount;
      }
      else if (key.starts_with("threshold.")) {
        auto channel = ParseEnum<Channel>(key.substr(10));
        request_.definitions.threshold_seconds[static_cast<std::size_t>(channel)] = ParseInt(value);
      } else if (key == "vendor") request_.scope.vendor = static_cast<std::uint32_t>(ParseInt(value));
      else if (key == "agent") request_.scope.agent = static_cast<std::uint32_t>(ParseInt(value));
      else if (key == "channel") request_.scope.channel = static_cast<std::uint8_t>(ParseEnum<Channel>(value));
      else if (key == "queues") {
        std::istringstream in(value);
        for (std::string q; std::getline(in, q, ',');) request_.scope.queues.push_back(static_cast<std::uint32_t>(ParseInt(q)));
      } else throw Malformed{"unknown report key '" + key + "'"};
    }
  }

  void Case(const std::vector<std::string>& w) {
    if (w.size() < 2) throw Malformed{"case <id> account=N ..."};
    domain::Case c;
    c.meta.id = ParseInt(w[1]);
    c.status = domain::CaseStatus::kOpen;
    for (std::size_t i = 2; i < w.size(); ++i) {
      auto [key, value] = KeyValue(w[i]);
      if (key == "account") c.account_id = ParseInt(value);
      else if (key == "requester") c.requester_id = ParseInt(value);
      else if (key == "category") c.category = value;
      else if (key == "resolved") {
        c.resolved_at = ParseInstant(value);
        c.status = domain::CaseStatus::kResolved;
      } else if (key == "vendor") c.vendor_id = ParseInt(value);
      else if (key == "queue") c.queue_id = ParseInt(value);
      else if (key == "assignee") c.assignee_id = ParseInt(value);
      else if (key == "channel") c.channel = ParseEnum<Channel>(value);
      else throw Malformed{"unknown case key '" + key + "'"};
    }
    projection_.cases.Upsert(c, projection_.categories);
  }

  void Contact(const std::vector<std::string>& w) {
    std::size_t i = 1;
    std::int64_t copies = 1;
    if (i < w.size() && w[i].ends_with('x') && std::isdigit(static_cast<unsigned char>(w[i][0]))) {
      copies = ParseInt(w[i].substr(0, w[i].size() - 1));
      ++i;
    }
    if (i >= w.size()) throw Malformed{"contact needs what happened to it"};
    const std::string what = w[i++];
    domain::Interaction x;
    x.arrived_at = Instant{request_.scope.from.ms + 9 * 3'600'000};
    std::optional<std::int64_t> wait, talk;
    for (; i < w.size(); ++i) {
      auto [key, value] = KeyValue(w[i]);
      if (key == "at") x.arrived_at = ParseInstant(value);
      else if (key == "wait") wait = ParseInt(value);
      else if (key == "talk") talk = ParseInt(value);
      else if (key == "wrap") x.wrap_up_seconds = ParseInt(value);
      else if (key == "channel") x.channel = ParseEnum<Channel>(value);
      else if (key == "vendor") x.vendor_id = ParseInt(value);
      else if (key == "queue") x.queue_id = ParseInt(value);
      else if (key == "agent") x.agent_id = ParseInt(value);
      else if (key == "account") x.account_id = ParseInt(value);
      else if (key == "person") x.person_id = ParseInt(value);
      else if (key == "case") x.case_id = ParseInt(value);
      else if (key == "category") x.category = value;
      else throw Malformed{"unknown contact key '" + key + "'"};
    }
    auto after = [&](Instant from, std::optional<std::int64_t> seconds) -> std::optional<Instant> {
      if (!seconds) return std::nullopt;
      return Instant{from.ms + *seconds * 1000};
    };
    if (what == "answered") {
      x.answered_at = after(x.arrived_at, wait.value_or(0));
      x.ended_at = after(*x.answered_at, talk);
    } else if (what == "abandoned" || what == "timed_out" || what == "voicemail" || what == "missed_off_hours") {
      x.outcome = ParseEnum<domain::Outcome>(what);
      x.ended_at = after(x.arrived_at, wait);
    } else if (what == "outbound") {
      x.direction = domain::Direction::kOutbound;
    } else if (what == "note") {
      x.kind = domain::InteractionKind::kNote;
    } else if (what != "unanswered") {
      throw Malformed{"unknown contact kind '" + what + "'"};
    }
    for (std::int64_t n = 0; n < copies; ++n) {
      x.meta.id = ++next_id_;
      projection_.contacts.Upsert(x, projection_.categories);
    }
  }

  Result<analytics::Report> Compute() {
    request_.by.clear();
    std::istringstream in(by_);
    for (std::string d; std::getline(in, d, ',');) {
      auto dimension = ParseDimension(d);
      if (!dimension) throw Malformed{"unknown dimension '" + d + "'"};
      request_.by.push_back(*dimension);
    }
    std::optional<PeriodScheme> scheme;
    if (!period_.empty()) {
      auto granularity = ParseGranularity(period_);
      if (!granularity) throw Malformed{"unknown period '" + period_ + "'"};
      auto made = PeriodScheme::Create(*granularity, zone_, request_.scope.from, request_.scope.to);
      if (!made) return std::unexpected(made.error());
      scheme = std::move(*made);
    }
    request_.periods = scheme ? &*scheme : nullptr;
    request_.threads = 2;  // the parallel scan and its merge are part of what is checked
    auto report = Aggregate(projection_, request_);
    if (report) {
      // Labels need the scheme, which lives only here.
      labels_.clear();
      for (const Group& g : report->groups) labels_.push_back(Labels(*report, g, scheme ? &*scheme : nullptr));
    }
    return report;
  }

  std::map<std::string, std::string> Labels(const analytics::Report& r, const Group& g, const PeriodScheme* scheme) {
    std::map<std::string, std::string> out;
    for (std::size_t d = 0; d < r.by.size(); ++d) {
      std::string label;
      switch (r.by[d]) {
        case Dimension::kChannel:
          label = g.key[d] < kChannelCount ? std::string(domain::Name(static_cast<Channel>(g.key[d]))) : "none";
          break;
        case Dimension::kSegment: label = std::string(projection_.segments.names().Name(g.key[d])); break;
        case Dimension::kPeriod: label = scheme->Label(g.key[d]); break;
        default: label = std::to_string(g.key[d]);
      }
      out[std::string(Name(r.by[d]))] = label;
    }
    return out;
  }

  void Expect(const std::vector<std::string>& w) {
    if (w.size() < 2) throw Malformed{"expect what?"};
    auto report = Compute();
    if (w[1].starts_with("error=")) {
      std::string text = w[1].substr(6);
      for (std::size_t i = 2; i < w.size(); ++i) text += " " + w[i];
      if (report) {
        ADD_FAILURE_AT(case_.file.c_str(), line_) << case_.name << ": expected an error naming '" << text << "'";
        return;
      }
      std::string all = report.error().message;
      for (const auto& f : report.error().fields) all += " | " + f.field + ": " + f.message;
      EXPECT_NE(all.find(text), std::string::npos) << case_.file << ":" << line_ << ": error was: " << all;
      return;
    }
    if (!report) {
      ADD_FAILURE_AT(case_.file.c_str(), line_) << case_.name << ": " << report.error().message;
      return;
    }
    if (w[1].starts_with("groups=")) {
      EXPECT_EQ(static_cast<std::int64_t>(report->groups.size()), ParseInt(w[1].substr(7)))
          << case_.file << ":" << line_;
      return;
    }
    std::map<std::string, std::string> key, metrics;
    for (std::size_t i = 2; i < w.size(); ++i) {
      auto [k, v] = KeyValue(w[i]);
      (ParseDimension(k) ? key : metrics)[k] = v;
    }
    const Tally* tally = nullptr;
    if (w[1] == "total") {
      tally = &report->total;
    } else if (w[1] == "group") {
      for (std::size_t g = 0; g < report->groups.size(); ++g) {
        if (labels_[g] == key) tally = &report->groups[g].tally;
      }
      if (!tally) {
        ADD_FAILURE_AT(case_.file.c_str(), line_) << case_.name << ": no group with that key";
        return;
      }
    } else {
      throw Malformed{"expect total|group|groups=|error="};
    }
    Check(*tally, metrics);
  }

  void Check(const Tally& t, const std::map<std::string, std::string>& metrics) {
    const Rates r = RatesOf(t);
    const std::map<std::string, std::int64_t> counts = {
        {"offered", t.offered},           {"answered", t.answered},
        {"answered_within", t.answered_within}, {"abandoned", t.abandoned},
        {"abandoned_within", t.abandoned_within}, {"short_abandons", t.short_abandons},
        {"missed_off_hours", t.missed_off_hours}, {"handled", t.handled},
        {"cases_resolved", t.cases_resolved}, {"first_contact", t.first_contact},
        {"cases_pending", t.cases_pending}};
    auto percent = [](std::optional<double> v) { return v ? std::optional(*v * 100) : std::nullopt; };
    const std::map<std::string, std::optional<double>> rates = {
        {"sl_ignored", percent(r.service_level_ignored)}, {"sl_against", percent(r.service_level_against)},
        {"sl_for", percent(r.service_level_for)},         {"abandonment", percent(r.abandonment)},
        {"fcr", percent(r.first_contact_resolution)},     {"asa", r.asa_seconds},
        {"aht", r.aht_seconds}};
    for (const auto& [name, expected] : metrics) {
      if (auto c = counts.find(name); c != counts.end()) {
        EXPECT_EQ(c->second, ParseInt(expected)) << case_.file << ":" << line_ << ": " << name;
      } else if (auto q = rates.find(name); q != rates.end()) {
        if (expected == "-") {
          EXPECT_FALSE(q->second.has_value()) << case_.file << ":" << line_ << ": " << name;
          continue;
        }
        double want = std::stod(expected);
        ASSERT_TRUE(q->second.has_value()) << case_.file << ":" << line_ << ": " << name << " is absent";
        EXPECT_NEAR(*q->second, want, 0.05) << case_.file << ":" << line_ << ": " << name;
      } else {
        throw Malformed{"unknown metric '" + name + "'"};
      }
    }
  }

  const CaseBlock& case_;
  int line_ = 0;
  Projection projection_;
  ReportRequest request_;
  std::string by_, period_, zone_ = "UTC";
  std::vector<std::map<std::string, std::string>> labels_;
  domain::Id next_id_ = 0;
};

class CaseBlocks : public testing::TestWithParam<CaseBlock> {};

TEST_P(CaseBlocks, Holds) { Runner(GetParam()).Run(); }

INSTANTIATE_TEST_SUITE_P(Files, CaseBlocks, testing::ValuesIn(case_files::LoadCaseFiles(RAPPORT_ANALYTICS_TESTDATA)),
                         [](const testing::TestParamInfo<CaseBlock>& info) { return info.param.name; });

}  // namespace
}  // namespace rapport::analytics
