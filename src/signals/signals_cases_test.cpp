// File-driven cases of the signal rules: every *.cases file in RAPPORT_SIGNALS_TESTDATA
// runs, one test per case, named <file stem>_<case name>. A malformed line fails its case
// with file:line and why. Lines build one account's history; `expect` lines evaluate it at
// their instant (facts after that instant are ignored by Evaluate, so expects may come in
// any order). '#' starts a comment, except inside a contact's body. The format:
//
//   === <name>                                   starts a case
//   config <field>=<value> ...                   SignalConfig overrides: integer fields by
//                                                name; list fields (policy_phrases, offer_tags,
//                                                failed_fix_phrases, key_segments,
//                                                proactive_tags) comma-separated, '_' for space
//   account <id> segment=<s> [since=YYYY-MM-DD] [created=<instant>]
//   person <id> <role> [email=a@x,b@y]           role: end_user, decision_maker, ...
//   case <id> [category=c] [status=<status>] [created=<instant>] [resolved=<instant>]
//   status <case> <instant> <from> <to>          a status change
//   breach <case> <instant>                      a service-clock breach
//   contact <id> <channel> <in|out> <instant> [note] [case=N] [person=N] [category=c]
//           [tags=a,b] [from=P] [to=P] [cc=P] [reply_to=<message id>] [subject=a_b]
//           [| <body, the rest of the line>]
//     from/to/cc: comma-separated person ids or addresses (anything with '@')
//   expect <instant> count=<n>                   number of signals at the instant
//   expect <instant> <rule> [case=N|-] [category=c] [severity=s] [evidence=1,2|-]
//          [first_seen=<instant>] [cases=1,2]    exactly one signal of the rule (with that
//                                                case / category when given) with those fields
//   expect <instant> no <rule> [case=N|-]        no signal of the rule (with that case)
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "domain/case_files_test_support.hpp"
#include "signals/signals.hpp"

#ifndef RAPPORT_SIGNALS_TESTDATA
#error "RAPPORT_SIGNALS_TESTDATA must name the directory that holds the *.cases files"
#endif

namespace rapport::signals {
namespace {

using namespace case_files;  // the case-file format and its value parsers

std::vector<std::string> Split(const std::string& text, bool underscores_are_spaces = false) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    if (underscores_are_spaces) std::replace(item.begin(), item.end(), '_', ' ');
    out.push_back(item);
  }
  return out;
}

std::vector<Id> Ids(const std::string& text) {
  std::vector<Id> ids;
  if (text == "-") return ids;
  for (const auto& item : Split(text)) ids.push_back(ParseInt(item));
  return ids;
}

std::string Describe(const std::vector<Signal>& signals) {
  std::ostringstream out;
  for (const auto& s : signals) {
    out << "\n  " << domain::Name(s.rule) << " case=" << (s.case_id ? std::to_string(*s.case_id) : "-")
        << " category=" << s.category.value_or("-") << " severity=" << domain::Name(s.severity)
        << " first_seen=" << FormatRfc3339(s.first_seen) << " evidence=";
    for (std::size_t i = 0; i < s.evidence.size(); ++i) out << (i ? "," : "") << s.evidence[i];
    out << " cases=";
    for (std::size_t i = 0; i < s.related_cases.size(); ++i) {
      out << (i ? "," : "") << s.related_cases[i];
    }
  }
  return out.str();
}

class Runner {
 public:
  explicit Runner(const CaseBlock& c) : case_(c) {}

  void Run() {
    int expects = 0;
    for (const CaseLine& line : case_.lines) {
      line_ = line.number;
      try {
        if (line.words[0] == "expect") ++expects;
        Apply(line);
      } catch (const Malformed& m) {
        ADD_FAILURE_AT(case_.file.c_str(), line_) << case_.file << ":" << line_ << ": " << m.why;
        return;
      }
    }
    if (expects == 0) ADD_FAILURE() << case_.file << ": case '" << case_.name << "' expects nothing";
  }

 private:
  void Apply(const CaseLine& line) {
    const auto& w = line.words;
    if (line.body && w[0] != "contact") throw Malformed{"only a contact has a body"};
    if (w[0] == "config") return Config(w);
    if (w[0] == "account") return Account(w);
    if (w[0] == "person") return Person(w);
    if (w[0] == "case") return Case(w);
    if (w[0] == "status") return Status(w);
    if (w[0] == "breach") return Breach(w);
    if (w[0] == "contact") return Contact(w, line.body);
    if (w[0] == "expect") return Expect(w);
    throw Malformed{"unknown line '" + w[0] + "'"};
  }

  void Config(const std::vector<std::string>& w) {
    for (std::size_t i = 1; i < w.size(); ++i) {
      auto [key, value] = KeyValue(w[i]);
      std::int64_t* field = nullptr;
      std::vector<std::string>* list = nullptr;
      if (key == "repeat_min_contacts") field = &config_.repeat_min_contacts;
      else if (key == "repeat_window_days") field = &config_.repeat_window_days;
      else if (key == "repeat_high_contacts") field = &config_.repeat_high_contacts;
      else if (key == "email_min_inbound") field = &config_.email_min_inbound;
      else if (key == "email_high_inbound") field = &config_.email_high_inbound;
      else if (key == "policy_window_days") field = &config_.policy_window_days;
      else if (key == "long_time_customer_years") field = &config_.long_time_customer_years;
      else if (key == "offer_window_days") field = &config_.offer_window_days;
      else if (key == "failed_fix_high_reopens") field = &config_.failed_fix_high_reopens;
      else if (key == "breach_streak_count") field = &config_.breach_streak_count;
      else if (key == "breach_window_days") field = &config_.breach_window_days;
      else if (key == "stranger_days") field = &config_.stranger_days;
      else if (key == "stranger_high_days") field = &config_.stranger_high_days;
      else if (key == "reply_window_days") field = &config_.reply_window_days;
      else if (key == "policy_phrases") list = &config_.policy_phrases;
      else if (key == "offer_tags") list = &config_.offer_tags;
      else if (key == "failed_fix_phrases") list = &config_.failed_fix_phrases;
      else if (key == "key_segments") list = &config_.key_segments;
      else if (key == "proactive_tags") list = &config_.proactive_tags;
      else throw Malformed{"unknown config field '" + key + "'"};
      if (field) *field = ParseInt(value);
      if (list) *list = Split(value, true);
    }
  }

  void Account(const std::vector<std::string>& w) {
    if (w.size() < 2) throw Malformed{"account <id> segment=<s> ..."};
    history_.account.meta.id = ParseInt(w[1]);
    for (std::size_t i = 2; i < w.size(); ++i) {
      auto [key, value] = KeyValue(w[i]);
      if (key == "segment") {
        history_.account.segment = value;
      } else if (key == "since") {
        auto date = ParseDate(value);
        if (!date) throw Malformed{"'" + value + "' is not a date"};
        history_.account.customer_since = *date;
      } else if (key == "created") {
        history_.account.meta.created_at = ParseInstant(value);
      } else {
        throw Malformed{"unknown account field '" + key + "'"};
      }
    }
  }

  void Person(const std::vector<std::string>& w) {
    if (w.size() < 3) throw Malformed{"person <id> <role> [email=...]"};
    domain::Person p;
    p.meta.id = ParseInt(w[1]);
    p.account_id = history_.account.meta.id;
    p.role = ParseEnum<domain::PersonRole>(w[2]);
    for (std::size_t i = 3; i < w.size(); ++i) {
      auto [key, value] = KeyValue(w[i]);
      if (key != "email") throw Malformed{"unknown person field '" + key + "'"};
      p.emails = Split(value);
    }
    history_.people.push_back(std::move(p));
  }

  void Case(const std::vector<std::string>& w) {
    if (w.size() < 2) throw Malformed{"case <id> ..."};
    CaseHistory h;
    h.kase.meta.id = ParseInt(w[1]);
    h.kase.account_id = history_.account.meta.id;
    h.kase.status = domain::CaseStatus::kOpen;
    for (std::size_t i = 2; i < w.size(); ++i) {
      auto [key, value] = KeyValue(w[i]);
      if (key == "category") h.kase.category = value;
      else if (key == "status") h.kase.status = ParseEnum<domain::CaseStatus>(value);
      else if (key == "created") h.kase.meta.created_at = ParseInstant(value);
      else if (key == "resolved") h.kase.resolved_at = ParseInstant(value);
      else throw Malformed{"unknown case field '" + key + "'"};
    }
    history_.cases.push_back(std::move(h));
  }

  CaseHistory& FindCase(const std::string& id_text) {
    Id id = ParseInt(id_text);
    for (auto& c : history_.cases) {
      if (c.kase.meta.id == id) return c;
    }
    throw Malformed{"no case " + id_text + " declared"};
  }

  void Status(const std::vector<std::string>& w) {
    if (w.size() != 5) throw Malformed{"status <case> <instant> <from> <to>"};
    FindCase(w[1]).changes.push_back({ParseInstant(w[2]), ParseEnum<domain::CaseStatus>(w[3]),
                                      ParseEnum<domain::CaseStatus>(w[4])});
  }

  void Breach(const std::vector<std::string>& w) {
    if (w.size() != 3) throw Malformed{"breach <case> <instant>"};
    FindCase(w[1]).breaches.push_back(ParseInstant(w[2]));
  }

  void Contact(const std::vector<std::string>& w, const std::optional<std::string>& body) {
    if (w.size() < 5) throw Malformed{"contact <id> <channel> <in|out> <instant> ..."};
    domain::Interaction i;
    i.meta.id = ParseInt(w[1]);
    i.channel = ParseEnum<domain::Channel>(w[2]);
    if (w[3] == "in") i.direction = domain::Direction::kInbound;
    else if (w[3] == "out") i.direction = domain::Direction::kOutbound;
    else throw Malformed{"direction is in or out, not '" + w[3] + "'"};
    i.arrived_at = ParseInstant(w[4]);
    i.account_id = history_.account.meta.id;
    i.body = body;
    for (std::size_t k = 5; k < w.size(); ++k) {
      if (w[k] == "note") {
        i.kind = domain::InteractionKind::kNote;
        continue;
      }
      auto [key, value] = KeyValue(w[k]);
      if (key == "case") i.case_id = ParseInt(value);
      else if (key == "person") i.person_id = ParseInt(value);
      else if (key == "category") i.category = value;
      else if (key == "tags") i.tags = Split(value);
      else if (key == "reply_to") i.in_reply_to = value;
      else if (key == "subject") {
        std::replace(value.begin(), value.end(), '_', ' ');
        i.subject = value;
      } else if (key == "from" || key == "to" || key == "cc") {
        auto role = ParseEnum<domain::ParticipantRole>(key);
        for (const auto& who : Split(value)) {
          domain::Participant p;
          p.role = role;
          if (who.find('@') != std::string::npos) p.address = who;
          else p.person_id = ParseInt(who);
          i.participants.push_back(std::move(p));
        }
      } else {
        throw Malformed{"unknown contact field '" + key + "'"};
      }
    }
    history_.interactions.push_back(std::move(i));
  }

  void Expect(const std::vector<std::string>& w) {
    if (w.size() < 3) throw Malformed{"expect <instant> ..."};
    const Instant at = ParseInstant(w[1]);
    const auto signals = Evaluate(history_, at, config_);
    CheckInvariants(signals, at);
    if (w[2].starts_with("count=")) {
      auto expected = ParseInt(KeyValue(w[2]).second);
      EXPECT_EQ(static_cast<std::int64_t>(signals.size()), expected)
          << Where() << "signals at " << w[1] << ":" << Describe(signals);
      return;
    }
    std::size_t k = 2;
    const bool none = w[k] == "no";
    if (none) ++k;
    if (k >= w.size()) throw Malformed{"expect names a rule"};
    const Rule rule = ParseEnum<Rule>(w[k++]);
    std::optional<std::optional<Id>> want_case;
    std::optional<std::string> want_category;
    std::vector<std::pair<std::string, std::string>> fields;
    for (; k < w.size(); ++k) {
      auto [key, value] = KeyValue(w[k]);
      if (key == "case") want_case = value == "-" ? std::optional<Id>{} : std::optional<Id>{ParseInt(value)};
      else if (key == "category") want_category = value;
      else if (key == "severity" || key == "evidence" || key == "first_seen" || key == "cases") {
        if (none) throw Malformed{"'no' takes only case= and category="};
        fields.emplace_back(key, value);
      } else {
        throw Malformed{"unknown expect field '" + key + "'"};
      }
    }
    std::vector<const Signal*> matches;
    for (const auto& s : signals) {
      if (s.rule != rule) continue;
      if (want_case && s.case_id != *want_case) continue;
      if (want_category && s.category != *want_category) continue;
      matches.push_back(&s);
    }
    if (none) {
      EXPECT_TRUE(matches.empty()) << Where() << "expected no " << domain::Name(rule)
                                   << " at " << w[1] << ", got:" << Describe(signals);
      return;
    }
    if (matches.size() != 1) {
      ADD_FAILURE_AT(case_.file.c_str(), line_)
          << Where() << "expected one " << domain::Name(rule) << " at " << w[1] << ", got "
          << matches.size() << ":" << Describe(signals);
      return;
    }
    const Signal& s = *matches.front();
    for (const auto& [key, value] : fields) {
      if (key == "severity") {
        EXPECT_EQ(s.severity, ParseEnum<Severity>(value)) << Where() << Describe({s});
      } else if (key == "evidence") {
        EXPECT_EQ(s.evidence, Ids(value)) << Where() << Describe({s});
      } else if (key == "cases") {
        EXPECT_EQ(s.related_cases, Ids(value)) << Where() << Describe({s});
      } else if (key == "first_seen") {
        EXPECT_EQ(FormatRfc3339(s.first_seen), FormatRfc3339(ParseInstant(value)))
            << Where() << Describe({s});
      }
    }
  }

  // What holds for every answer: the documented order, sorted evidence, an action, a
  // first_seen not after the instant, and the same answer from the history cut at it.
  void CheckInvariants(const std::vector<Signal>& signals, Instant at) {
    for (std::size_t i = 0; i < signals.size(); ++i) {
      const Signal& s = signals[i];
      EXPECT_TRUE(std::is_sorted(s.evidence.begin(), s.evidence.end())) << Where();
      EXPECT_FALSE(s.action.empty()) << Where();
      EXPECT_LE(s.first_seen, at) << Where() << Describe({s});
      EXPECT_EQ(s.account_id, history_.account.meta.id) << Where();
      if (i > 0) {
        const Signal& p = signals[i - 1];
        EXPECT_LE(std::tie(p.rule, p.case_id, p.category), std::tie(s.rule, s.case_id, s.category))
            << Where() << "out of order:" << Describe(signals);
      }
    }
    AccountHistory cut = history_;
    std::erase_if(cut.interactions, [&](const domain::Interaction& i) { return i.arrived_at > at; });
    for (auto& c : cut.cases) {
      std::erase_if(c.breaches, [&](Instant b) { return b > at; });
      if (c.changes.empty()) continue;  // the case's own status stands for its history
      auto earliest = *std::min_element(c.changes.begin(), c.changes.end(),
                                        [](const StatusChange& a, const StatusChange& b) { return a.at < b.at; });
      std::erase_if(c.changes, [&](const StatusChange& ch) { return ch.at > at; });
      if (c.changes.empty()) c.changes.push_back(earliest);  // keeps the status before it
    }
    EXPECT_EQ(Describe(Evaluate(cut, at, config_)), Describe(signals))
        << Where() << "the history cut at the instant gives another answer";
  }

  std::string Where() const { return case_.file + ":" + std::to_string(line_) + ": "; }

  const CaseBlock& case_;
  int line_ = 0;
  AccountHistory history_;
  SignalConfig config_;
};

class CaseBlocks : public testing::TestWithParam<CaseBlock> {};

TEST_P(CaseBlocks, Holds) { Runner(GetParam()).Run(); }

INSTANTIATE_TEST_SUITE_P(Files, CaseBlocks, testing::ValuesIn(case_files::LoadCaseFiles(RAPPORT_SIGNALS_TESTDATA)),
                         [](const testing::TestParamInfo<CaseBlock>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace rapport::signals
