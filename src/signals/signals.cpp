#include "signals/signals.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <tuple>

namespace rapport::signals {
namespace {

using domain::CaseStatus;
using domain::Channel;
using domain::Direction;
using domain::Interaction;
using domain::InteractionKind;
using domain::PersonRole;

constexpr std::int64_t kMsPerDay = 24LL * 60 * 60 * 1000;

std::int64_t DaysMs(std::int64_t days) { return days * kMsPerDay; }

bool Resolvedish(CaseStatus status) {
  return status == CaseStatus::kResolved || status == CaseStatus::kClosed;
}

// Lower-case ASCII, with U+2019 (right single quotation mark) as a plain apostrophe.
std::string Fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i + 2 < text.size() && static_cast<unsigned char>(text[i]) == 0xE2 &&
        static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x99) {
      out.push_back('\'');
      i += 2;
      continue;
    }
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out.push_back(c);
  }
  return out;
}

bool ContainsAny(std::string_view folded_text, const std::vector<std::string>& phrases) {
  for (const auto& phrase : phrases) {
    std::string p = Fold(phrase);
    if (!p.empty() && folded_text.find(p) != std::string_view::npos) return true;
  }
  return false;
}

bool HasTag(const Interaction& i, const std::vector<std::string>& tags) {
  for (const auto& tag : i.tags) {
    std::string t = Fold(tag);
    for (const auto& want : tags) {
      if (t == Fold(want)) return true;
    }
  }
  return false;
}

bool InSet(std::string_view value, const std::vector<std::string>& set) {
  std::string v = Fold(value);
  for (const auto& s : set) {
    if (v == Fold(s)) return true;
  }
  return false;
}

// The start of the stretch of time ending at `now` during which at least `n` of the
// instants `times` (ascending, all <= now) lay in (t - window, t]; nullopt when that
// does not hold at `now`.
std::optional<Instant> EpisodeStart(const std::vector<Instant>& times, std::int64_t n,
                                    std::int64_t window_ms, Instant now) {
  if (n < 1) n = 1;
  std::optional<Instant> start;
  std::int64_t end = 0;  // exclusive
  for (std::size_t j = static_cast<std::size_t>(n - 1); j < times.size(); ++j) {
    const Instant first = times[j + 1 - static_cast<std::size_t>(n)];
    if (times[j].ms - first.ms >= window_ms) continue;
    const std::int64_t e = first.ms + window_ms;
    if (start && times[j].ms <= end) {
      end = std::max(end, e);
    } else {
      start = times[j];
      end = e;
    }
  }
  if (start && start->ms <= now.ms && now.ms < end) return start;
  return std::nullopt;
}

// A case's status history in order, with the derived status at any instant.
class CaseTimeline {
 public:
  // Reads the case's changes in place when they are in time order already (the server's
  // are), else keeps a sorted copy.
  explicit CaseTimeline(const CaseHistory& h) : history_(&h) {
    const auto by_time = [](const StatusChange& a, const StatusChange& b) { return a.at < b.at; };
    if (h.changes.empty() && h.kase.resolved_at) {
      owned_.push_back({*h.kase.resolved_at, CaseStatus::kOpen, CaseStatus::kResolved});
    } else if (!std::is_sorted(h.changes.begin(), h.changes.end(), by_time)) {
      owned_ = h.changes;
      std::stable_sort(owned_.begin(), owned_.end(), by_time);
    }
    own_ = !owned_.empty();
  }

  Id id() const { return history_->kase.meta.id; }
  const CaseHistory& history() const { return *history_; }
  const domain::Case& kase() const { return history_->kase; }

  bool Exists(Instant t) const { return history_->kase.meta.created_at <= t; }

  CaseStatus StatusAt(Instant t) const {
    const auto& changes = Changes();
    if (changes.empty()) return history_->kase.status;
    std::optional<CaseStatus> status;
    for (const auto& c : changes) {
      if (c.at <= t) status = c.to;
    }
    return status ? *status : changes.front().from;
  }

  bool UnresolvedAt(Instant t) const { return Exists(t) && !Resolvedish(StatusAt(t)); }

  // The latest move between unresolved and resolved/closed at or before t, if any.
  const StatusChange* LastFlip(Instant t) const {
    const StatusChange* last = nullptr;
    for (const auto& c : Changes()) {
      if (c.at <= t && Resolvedish(c.from) != Resolvedish(c.to)) last = &c;
    }
    return last;
  }

  // Where the current period (see failed_fix) began.
  Instant PeriodStart(Instant t) const {
    const StatusChange* flip = LastFlip(t);
    return flip ? flip->at : history_->kase.meta.created_at;
  }

  std::int64_t ReopensBy(Instant t) const {
    std::int64_t n = 0;
    for (const auto& c : Changes()) {
      if (c.at <= t && Resolvedish(c.from) && !Resolvedish(c.to)) ++n;
    }
    return n;
  }

 private:
  const std::vector<StatusChange>& Changes() const { return own_ ? owned_ : history_->changes; }

  const CaseHistory* history_;
  std::vector<StatusChange> owned_;
  bool own_ = false;
};

struct Context {
  const domain::Account& account;
  Instant now;
  const SignalConfig& cfg;
  std::span<const Contact> contacts;  // arrived <= now, by (at, id)
  std::vector<CaseTimeline> cases;            // by id
  std::vector<const Contact*> by_case;        // the contacts on a case, by case, then arrival
  std::vector<std::pair<std::size_t, std::size_t>> case_contacts;  // of each case: a range of by_case
  std::vector<Signal> out;

  const CaseTimeline* FindCase(Id id) const {
    auto it = std::lower_bound(cases.begin(), cases.end(), id,
                               [](const CaseTimeline& c, Id want) { return c.id() < want; });
    return it != cases.end() && it->id() == id ? &*it : nullptr;
  }

  // The contacts on a case of `cases`, in arrival order.
  std::span<const Contact* const> OnCase(const CaseTimeline& c) const {
    const auto [first, last] = case_contacts[static_cast<std::size_t>(&c - cases.data())];
    return std::span<const Contact* const>(by_case).subspan(first, last - first);
  }

  // Fills case_contacts, walking by_case and cases (both by case id) together.
  void FindCaseContacts() {
    case_contacts.reserve(cases.size());
    std::size_t k = 0;
    for (const CaseTimeline& c : cases) {
      while (k < by_case.size() && *by_case[k]->case_id < c.id()) ++k;
      const std::size_t first = k;
      while (k < by_case.size() && *by_case[k]->case_id == c.id()) ++k;
      case_contacts.emplace_back(first, k);
      k = first;  // a case listed twice has the same contacts
    }
  }

  struct ByCase {
    bool operator()(const Contact* a, const Contact* b) const { return *a->case_id < *b->case_id; }
  };

  Signal Make(Rule rule, Severity severity, std::optional<Id> case_id,
              std::vector<Id> evidence, Instant first_seen) const {
    Signal s;
    s.rule = rule;
    s.severity = severity;
    s.account_id = account.meta.id;
    s.case_id = case_id;
    std::sort(evidence.begin(), evidence.end());
    evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
    s.evidence = std::move(evidence);
    s.action = std::string(SuggestedAction(rule));
    s.first_seen = first_seen;
    return s;
  }
};

bool IsInbound(const Contact& i) { return i.direction == Direction::kInbound; }
bool IsOutbound(const Contact& i) { return i.direction == Direction::kOutbound; }

void RepeatContact(Context& cx) {
  const std::int64_t window = DaysMs(cx.cfg.repeat_window_days);
  // Inbound contacts by category (their own, else their case's), then arrival.
  std::vector<std::pair<std::string_view, const Contact*>> by_category;
  for (const Contact& contact : cx.contacts) {
    if (!IsInbound(contact)) continue;
    const std::string* category = contact.category;
    if (!category && contact.case_id) {
      if (const CaseTimeline* c = cx.FindCase(*contact.case_id); c && c->kase().category) {
        category = &*c->kase().category;
      }
    }
    if (category && !category->empty()) by_category.emplace_back(*category, &contact);
  }
  std::stable_sort(by_category.begin(), by_category.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto evaluate = [&](const std::vector<const Contact*>& group) -> std::optional<Signal> {
    std::vector<Instant> times;
    for (const Contact* i : group) times.push_back(i->arrived_at);
    auto start = EpisodeStart(times, cx.cfg.repeat_min_contacts, window, cx.now);
    if (!start) return std::nullopt;
    std::vector<Id> evidence;
    for (const Contact* i : group) {
      if (i->arrived_at.ms > cx.now.ms - window) evidence.push_back(i->id);
    }
    const auto n = static_cast<std::int64_t>(evidence.size());
    return cx.Make(Rule::kRepeatContact,
                   n >= cx.cfg.repeat_high_contacts ? Severity::kHigh : Severity::kMedium,
                   std::nullopt, std::move(evidence), *start);
  };
  std::vector<std::vector<Id>> case_evidence;
  std::vector<const Contact*> group;
  for (std::size_t i = 0; i < cx.by_case.size();) {
    const Id case_id = *cx.by_case[i]->case_id;
    group.clear();
    for (; i < cx.by_case.size() && *cx.by_case[i]->case_id == case_id; ++i) {
      if (IsInbound(*cx.by_case[i])) group.push_back(cx.by_case[i]);
    }
    if (auto s = evaluate(group)) {
      s->case_id = case_id;
      case_evidence.push_back(s->evidence);
      cx.out.push_back(std::move(*s));
    }
  }
  for (std::size_t i = 0; i < by_category.size();) {
    const std::string_view category = by_category[i].first;
    group.clear();
    for (; i < by_category.size() && by_category[i].first == category; ++i) {
      group.push_back(by_category[i].second);
    }
    if (auto s = evaluate(group)) {
      if (std::find(case_evidence.begin(), case_evidence.end(), s->evidence) !=
          case_evidence.end()) {
        continue;
      }
      s->category = std::string(category);
      cx.out.push_back(std::move(*s));
    }
  }
}

void EmailBackAndForth(Context& cx) {
  for (const CaseTimeline& c : cx.cases) {
    if (!c.UnresolvedAt(cx.now)) continue;
    std::vector<const Contact*> emails;
    for (const Contact* i : cx.OnCase(c)) {
      if (i->channel == Channel::kPhone) {
        emails.clear();
      } else if (i->channel == Channel::kEmail && IsInbound(*i)) {
        emails.push_back(i);
      }
    }
    const auto n = static_cast<std::int64_t>(emails.size());
    const std::int64_t min = std::max<std::int64_t>(cx.cfg.email_min_inbound, 1);
    if (n < min) continue;
    Instant first = emails[static_cast<std::size_t>(min - 1)]->arrived_at;
    first = std::max(first, c.PeriodStart(cx.now));
    std::vector<Id> evidence;
    for (const Contact* i : emails) evidence.push_back(i->id);
    cx.out.push_back(cx.Make(Rule::kEmailBackAndForth,
                             n >= cx.cfg.email_high_inbound ? Severity::kHigh : Severity::kMedium,
                             c.id(), std::move(evidence), first));
  }
}

void DecisionMakerInvolved(Context& cx) {
  for (const CaseTimeline& c : cx.cases) {
    if (!c.UnresolvedAt(cx.now)) continue;
    std::vector<Id> evidence;
    std::optional<Instant> first;
    bool executive = false;
    for (const Contact* i : cx.OnCase(c)) {
      if (!i->Has(Contact::kDecisionMaker) && !i->Has(Contact::kExecutiveSponsor)) continue;
      executive = executive || i->Has(Contact::kExecutiveSponsor);
      evidence.push_back(i->id);
      if (!first) first = i->arrived_at;
    }
    if (!first) continue;
    cx.out.push_back(cx.Make(Rule::kDecisionMakerInvolved,
                             executive ? Severity::kHigh : Severity::kMedium, c.id(),
                             std::move(evidence), std::max(*first, c.PeriodStart(cx.now))));
  }
}

bool LongTimeCustomer(const domain::Account& account, Instant now, std::int64_t years) {
  if (!account.customer_since) return false;
  using namespace std::chrono;
  const year_month_day since{sys_days{days{account.customer_since->days}}};
  const year_month_day today{floor<days>(sys_time<milliseconds>{milliseconds{now.ms}})};
  std::int64_t full = static_cast<int>(today.year()) - static_cast<int>(since.year());
  if (std::pair{today.month(), today.day()} < std::pair{since.month(), since.day()}) --full;
  return full >= years;
}

// One signal per case (nullopt: no case) from the matching contacts, each lasting
// `window` after it arrived.
void PerCaseWindowed(Context& cx, Rule rule, const std::vector<const Contact*>& matches,
                     std::int64_t window, Severity severity) {
  std::map<std::optional<Id>, std::vector<const Contact*>> groups;
  for (const Contact* i : matches) groups[i->case_id].push_back(i);
  for (const auto& [case_id, group] : groups) {
    std::vector<Instant> times;
    for (const Contact* i : group) times.push_back(i->arrived_at);
    auto start = EpisodeStart(times, 1, window, cx.now);
    if (!start) continue;
    std::vector<Id> evidence;
    for (const Contact* i : group) {
      if (i->arrived_at.ms > cx.now.ms - window) evidence.push_back(i->id);
    }
    cx.out.push_back(cx.Make(rule, severity, case_id, std::move(evidence), *start));
  }
}

void PolicyQuoted(Context& cx) {
  std::vector<const Contact*> matches;
  for (const Contact& i : cx.contacts) {
    if (IsOutbound(i) && i.Has(Contact::kPolicyPhrase)) matches.push_back(&i);
  }
  const Severity severity =
      LongTimeCustomer(cx.account, cx.now, cx.cfg.long_time_customer_years) ? Severity::kHigh
                                                                                : Severity::kMedium;
  PerCaseWindowed(cx, Rule::kPolicyQuoted, matches, DaysMs(cx.cfg.policy_window_days), severity);
}

void OfferDuringOpenProblem(Context& cx) {
  const std::int64_t window = DaysMs(cx.cfg.offer_window_days);
  std::vector<const Contact*> offers;
  for (const Contact& i : cx.contacts) {
    if (IsOutbound(i) && i.Has(Contact::kOfferTag)) offers.push_back(&i);
  }
  if (offers.empty()) return;
  for (const CaseTimeline& c : cx.cases) {
    std::vector<Instant> times;
    std::vector<Id> evidence;
    for (const Contact* i : offers) {
      if (!c.UnresolvedAt(i->arrived_at)) continue;
      times.push_back(i->arrived_at);
      if (i->arrived_at.ms > cx.now.ms - window) evidence.push_back(i->id);
    }
    auto start = EpisodeStart(times, 1, window, cx.now);
    if (!start) continue;
    cx.out.push_back(cx.Make(Rule::kOfferDuringOpenProblem,
                             c.UnresolvedAt(cx.now) ? Severity::kHigh : Severity::kMedium, c.id(),
                             std::move(evidence), *start));
  }
}

void FailedFix(Context& cx) {
  for (const CaseTimeline& c : cx.cases) {
    if (!c.Exists(cx.now)) continue;
    const StatusChange* flip = c.LastFlip(cx.now);
    const Instant period = c.PeriodStart(cx.now);
    const bool reopened = flip && Resolvedish(flip->from) && !Resolvedish(flip->to);
    std::vector<Id> evidence;
    std::optional<Instant> first;
    if (reopened) first = flip->at;
    for (const Contact* i : cx.OnCase(c)) {
      if (!IsInbound(*i) || i->arrived_at < period) continue;
      if (!i->Has(Contact::kFailedFixPhrase)) continue;
      evidence.push_back(i->id);
      if (!first) first = i->arrived_at;
    }
    if (!first) continue;
    cx.out.push_back(cx.Make(Rule::kFailedFix,
                             c.ReopensBy(cx.now) >= cx.cfg.failed_fix_high_reopens
                                 ? Severity::kHigh
                                 : Severity::kMedium,
                             c.id(), std::move(evidence), *first));
  }
}

void SlaBreachStreak(Context& cx) {
  const std::int64_t window = DaysMs(cx.cfg.breach_window_days);
  std::vector<std::pair<Instant, Id>> breaches;
  for (const CaseTimeline& c : cx.cases) {
    for (Instant at : c.history().breaches) {
      if (at <= cx.now) breaches.emplace_back(at, c.id());
    }
  }
  std::sort(breaches.begin(), breaches.end());
  std::vector<Instant> times;
  for (const auto& b : breaches) times.push_back(b.first);
  auto start = EpisodeStart(times, cx.cfg.breach_streak_count, window, cx.now);
  if (!start) return;
  std::set<Id> cases;
  std::int64_t n = 0;
  for (const auto& [at, case_id] : breaches) {
    if (at.ms > cx.now.ms - window) {
      cases.insert(case_id);
      ++n;
    }
  }
  std::vector<Id> evidence;
  for (const Contact& i : cx.contacts) {
    if (i.case_id && cases.contains(*i.case_id) && i.arrived_at.ms > cx.now.ms - window) {
      evidence.push_back(i.id);
    }
  }
  Signal s = cx.Make(Rule::kSlaBreachStreak,
                     n >= 2 * cx.cfg.breach_streak_count ? Severity::kHigh : Severity::kMedium,
                     std::nullopt, std::move(evidence), *start);
  s.related_cases.assign(cases.begin(), cases.end());
  cx.out.push_back(std::move(s));
}

void Stranger(Context& cx) {
  const auto& account = cx.account;
  if (!InSet(account.segment, cx.cfg.key_segments)) return;
  const std::int64_t reply_window = DaysMs(cx.cfg.reply_window_days);
  const Contact* latest = nullptr;
  std::optional<Instant> last_inbound;
  for (const Contact& i : cx.contacts) {  // in arrival order
    if (IsInbound(i)) {
      last_inbound = i.arrived_at;
      continue;
    }
    const bool reply = i.Has(Contact::kInReplyTo) ||
                       (last_inbound && i.arrived_at.ms - last_inbound->ms <= reply_window);
    if (i.Has(Contact::kProactiveTag) || !reply) latest = &i;
  }
  Instant start = account.meta.created_at;
  if (start.ms == 0 && account.customer_since) {
    start = Instant{static_cast<std::int64_t>(account.customer_since->days) * kMsPerDay};
  }
  if (latest && latest->arrived_at > start) start = latest->arrived_at;
  const Instant fires{start.ms + DaysMs(cx.cfg.stranger_days)};
  if (cx.now < fires) return;
  std::vector<Id> evidence;
  if (latest) evidence.push_back(latest->id);
  const bool high = cx.now.ms - start.ms >= DaysMs(cx.cfg.stranger_high_days);
  cx.out.push_back(cx.Make(Rule::kStranger, high ? Severity::kHigh : Severity::kMedium,
                           std::nullopt, std::move(evidence), fires));
}

}  // namespace

CaseHistory FromCase(domain::Case kase, std::vector<StatusChange> changes) {
  CaseHistory h;
  for (const auto& clock : kase.clocks) {
    if (clock.breached_at) h.breaches.push_back(*clock.breached_at);
  }
  h.kase = std::move(kase);
  h.changes = std::move(changes);
  return h;
}

std::string_view SuggestedAction(Rule rule) {
  switch (rule) {
    case Rule::kRepeatContact:
      return "Call the customer and own the problem until it is solved; they keep coming back";
    case Rule::kEmailBackAndForth:
      return "Call the customer instead of replying by email";
    case Rule::kDecisionMakerInvolved:
      return "Brief the account owner and answer the decision maker personally";
    case Rule::kPolicyQuoted:
      return "Explain the reason in plain words instead of quoting policy; consider an exception";
    case Rule::kOfferDuringOpenProblem:
      return "Hold offers until the open problem is solved, and apologise for the timing";
    case Rule::kFailedFix:
      return "Escalate to a senior agent and confirm the fix with the customer before resolving";
    case Rule::kSlaBreachStreak:
      return "Review the account's open cases with the team lead and agree dates with the customer";
    case Rule::kStranger:
      return "Reach out proactively: a check-in call from the account owner";
  }
  return "";
}

SeniorPeople SeniorPeople::Of(const std::vector<domain::Person>& people) {
  SeniorPeople out;
  for (const auto& p : people) {
    if (p.role != PersonRole::kDecisionMaker && p.role != PersonRole::kExecutiveSponsor) continue;
    out.by_id.emplace_back(p.meta.id, p.role);
    for (const auto& e : p.emails) out.by_email.emplace_back(Fold(e), p.meta.id);
  }
  std::sort(out.by_id.begin(), out.by_id.end());
  std::sort(out.by_email.begin(), out.by_email.end());
  return out;
}

const std::string* InternedCategory(std::string_view category) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> names;  // nodes never move: pointers stay
  std::lock_guard lock(mutex);
  auto it = names.find(category);
  if (it == names.end()) it = names.emplace(category).first;
  return &*it;
}

std::optional<Contact> ContactOf(const Interaction& i, const SeniorPeople& senior,
                                 const SignalConfig& config) {
  if (i.kind != InteractionKind::kContact) return std::nullopt;
  Contact c;
  c.id = i.meta.id;
  c.arrived_at = i.arrived_at;
  c.channel = i.channel;
  c.direction = i.direction;
  c.case_id = i.case_id;
  if (i.category) c.category = InternedCategory(*i.category);
  std::string text;
  if (i.subject) text += Fold(*i.subject);
  text += '\n';
  if (i.body) text += Fold(*i.body);
  auto set = [&](Contact::Trait trait, bool on) {
    if (on) c.traits |= trait;
  };
  set(Contact::kPolicyPhrase, ContainsAny(text, config.policy_phrases));
  set(Contact::kFailedFixPhrase, ContainsAny(text, config.failed_fix_phrases));
  set(Contact::kOfferTag, HasTag(i, config.offer_tags));
  set(Contact::kProactiveTag, HasTag(i, config.proactive_tags));
  set(Contact::kInReplyTo, i.in_reply_to.has_value());
  auto note = [&](Id person) {
    auto it = std::lower_bound(senior.by_id.begin(), senior.by_id.end(),
                               std::pair{person, PersonRole::kEndUser});
    if (it == senior.by_id.end() || it->first != person) return;
    set(it->second == PersonRole::kExecutiveSponsor ? Contact::kExecutiveSponsor
                                                    : Contact::kDecisionMaker,
        true);
  };
  if (!senior.by_id.empty()) {
    if (i.person_id) note(*i.person_id);
    for (const auto& part : i.participants) {
      if (part.person_id) note(*part.person_id);
      if (!part.address) continue;
      const std::string address = Fold(*part.address);
      auto it = std::lower_bound(senior.by_email.begin(), senior.by_email.end(), address,
                                 [](const auto& entry, const std::string& a) { return entry.first < a; });
      if (it != senior.by_email.end() && it->first == address) note(it->second);
    }
  }
  return c;
}

namespace {
bool ByArrival(const Contact& a, const Contact& b) {
  return std::tie(a.arrived_at, a.id) < std::tie(b.arrived_at, b.id);
}
}  // namespace

AccountFacts FactsOf(AccountHistory history, const SignalConfig& config) {
  AccountFacts facts;
  const SeniorPeople senior = SeniorPeople::Of(history.people);
  facts.contacts.reserve(history.interactions.size());
  for (const Interaction& i : history.interactions) {
    if (auto c = ContactOf(i, senior, config)) facts.contacts.push_back(std::move(*c));
  }
  std::sort(facts.contacts.begin(), facts.contacts.end(), ByArrival);
  facts.account = std::move(history.account);
  facts.cases = std::move(history.cases);
  return facts;
}

void Upsert(AccountFacts& facts, Contact contact) {
  std::erase_if(facts.contacts, [&](const Contact& c) { return c.id == contact.id; });
  Insert(facts, std::move(contact));
}

void Insert(AccountFacts& facts, Contact contact) {
  auto& contacts = facts.contacts;
  contacts.insert(std::upper_bound(contacts.begin(), contacts.end(), contact, ByArrival),
                  std::move(contact));
}

std::vector<Signal> Evaluate(const AccountHistory& history, Instant now,
                             const SignalConfig& config) {
  return Evaluate(FactsOf(history, config), now, config);
}

namespace {

// The rules over `contacts` (sorted by (arrived_at, id); those after `now` are ignored) and
// `cases` of `account`.
std::vector<Signal> EvaluateView(const domain::Account& account,
                                 const std::vector<const CaseHistory*>& cases,
                                 std::span<const Contact> contacts, Instant now,
                                 const SignalConfig& config) {
  Context cx{account, now, config, {}, {}, {}, {}, {}};
  auto end = std::upper_bound(contacts.begin(), contacts.end(), now,
                              [](Instant t, const Contact& c) { return t < c.arrived_at; });
  cx.contacts = std::span<const Contact>(contacts.begin(), end);
  cx.cases.reserve(cases.size());
  for (const CaseHistory* c : cases) cx.cases.emplace_back(*c);
  std::sort(cx.cases.begin(), cx.cases.end(),
            [](const CaseTimeline& a, const CaseTimeline& b) { return a.id() < b.id(); });
  for (const Contact& i : cx.contacts) {
    if (i.case_id) cx.by_case.push_back(&i);
  }
  std::stable_sort(cx.by_case.begin(), cx.by_case.end(), Context::ByCase{});
  cx.FindCaseContacts();

  RepeatContact(cx);
  EmailBackAndForth(cx);
  DecisionMakerInvolved(cx);
  PolicyQuoted(cx);
  OfferDuringOpenProblem(cx);
  FailedFix(cx);
  SlaBreachStreak(cx);
  Stranger(cx);

  std::stable_sort(cx.out.begin(), cx.out.end(), [](const Signal& a, const Signal& b) {
    return std::tie(a.rule, a.case_id, a.category, a.first_seen) <
           std::tie(b.rule, b.case_id, b.category, b.first_seen);
  });
  return std::move(cx.out);
}

}  // namespace

std::vector<Signal> Evaluate(const AccountFacts& facts, Instant now, const SignalConfig& config) {
  std::vector<const CaseHistory*> cases;
  cases.reserve(facts.cases.size());
  for (const CaseHistory& c : facts.cases) cases.push_back(&c);
  return EvaluateView(facts.account, cases, facts.contacts, now, config);
}

// EvaluateRecent's reading of the history before the horizon, kept in a HistoryScan.
class RecentEvaluation {
 public:
  // Brings `scan` to `now`: the cases read again when one has a change or breach due
  // since they were read; the pass over the contacts continued to `recent` (the first
  // contact after `horizon`), or begun again when contacts were inserted where it had
  // read or the unresolved cases are others now.
  static void Advance(HistoryScan& scan, const AccountFacts& facts, Instant now, Instant horizon,
                      std::size_t recent, const SignalConfig& config) {
    if (!scan.cases_read_ || now < scan.cases_at_ || now >= scan.cases_until_) {
      std::vector<Id> was_open = std::move(scan.open_);
      ReadCases(scan, facts, now);
      if (scan.open_ != was_open) RestartPass(scan);
    }
    const auto& all = facts.contacts;
    const auto read = std::upper_bound(all.begin(), all.end(), scan.passed_to_,
                                       [](Instant t, const Contact& c) { return t < c.arrived_at; });
    if (horizon < scan.passed_to_ || static_cast<std::size_t>(read - all.begin()) != scan.passed_) {
      RestartPass(scan);
    }
    auto is_open = [&](const std::optional<Id>& id) {
      return id && std::binary_search(scan.open_.begin(), scan.open_.end(), *id);
    };
    const std::int64_t reply_window = DaysMs(config.reply_window_days);
    for (std::size_t k = scan.passed_; k < recent; ++k) {
      const Contact& c = all[k];
      if (c.direction == Direction::kInbound) {
        if (is_open(c.case_id) || c.Has(Contact::kFailedFixPhrase)) scan.kept_.push_back(k);
        scan.last_inbound_ = k;
        continue;
      }
      const bool reply =
          c.Has(Contact::kInReplyTo) ||
          (scan.last_inbound_ && c.arrived_at.ms - all[*scan.last_inbound_].arrived_at.ms <= reply_window);
      if (c.Has(Contact::kProactiveTag) || !reply) scan.last_proactive_ = k;
      if (is_open(c.case_id)) {
        scan.kept_.push_back(k);
        // With the inbound before it, it is judged a reply or not as in full.
        if (scan.last_inbound_) scan.kept_.push_back(*scan.last_inbound_);
      }
    }
    scan.passed_ = recent;
    scan.passed_to_ = horizon;
  }

  // What the view needs of the contacts before the horizon (by arrival), then every
  // contact from `recent` to `end`.
  static std::vector<Contact> Contacts(const HistoryScan& scan, const AccountFacts& facts,
                                       std::size_t recent, std::size_t end) {
    std::vector<std::size_t> positions = scan.kept_;
    for (const auto& extra : {scan.last_inbound_, scan.last_proactive_}) {
      if (extra) positions.push_back(*extra);
    }
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    std::vector<Contact> kept;
    kept.reserve(positions.size() + (end - recent));
    for (std::size_t k : positions) kept.push_back(facts.contacts[k]);
    kept.insert(kept.end(), facts.contacts.begin() + static_cast<std::ptrdiff_t>(recent),
                facts.contacts.begin() + static_cast<std::ptrdiff_t>(end));
    return kept;
  }

  // The cases that can matter: unresolved now (their whole history), moved or breached
  // after the horizon, or named by a kept contact.
  static std::vector<const CaseHistory*> Cases(const HistoryScan& scan, const AccountFacts& facts,
                                               Instant horizon, const std::vector<Contact>& kept) {
    std::vector<Id> named = scan.open_;
    for (const auto& [at, k] : scan.activity_) {
      if (at <= horizon) break;
      named.push_back(facts.cases[k].kase.meta.id);
    }
    for (const Contact& contact : kept) {
      if (contact.case_id) named.push_back(*contact.case_id);
    }
    std::sort(named.begin(), named.end());
    named.erase(std::unique(named.begin(), named.end()), named.end());
    std::vector<const CaseHistory*> cases;
    for (Id id : named) {
      auto it = std::lower_bound(scan.by_id_.begin(), scan.by_id_.end(), std::pair<Id, std::size_t>{id, 0});
      for (; it != scan.by_id_.end() && it->first == id; ++it) cases.push_back(&facts.cases[it->second]);
    }
    return cases;
  }

 private:
  // Each case's status at `now` (by its latest change at or before it) and its latest
  // change or breach, and the first instant after `now` at which one of them changes.
  static void ReadCases(HistoryScan& scan, const AccountFacts& facts, Instant now) {
    scan.cases_read_ = true;
    scan.cases_at_ = now;
    scan.cases_until_ = Instant{std::numeric_limits<std::int64_t>::max()};
    scan.open_.clear();
    scan.activity_.clear();
    scan.by_id_.clear();
    auto due = [&](Instant at) { scan.cases_until_ = std::min(scan.cases_until_, at); };
    for (std::size_t k = 0; k < facts.cases.size(); ++k) {
      const CaseHistory& c = facts.cases[k];
      scan.by_id_.emplace_back(c.kase.meta.id, k);
      const StatusChange* latest = nullptr;
      for (const StatusChange& change : c.changes) {
        if (change.at > now) {
          due(change.at);
        } else if (!latest || change.at >= latest->at) {
          latest = &change;
        }
      }
      std::optional<Instant> active;
      if (latest) active = latest->at;
      for (Instant at : c.breaches) {
        if (at > now) {
          due(at);
        } else if (!active || at > *active) {
          active = at;
        }
      }
      if (c.changes.empty() && c.kase.resolved_at && *c.kase.resolved_at > now) due(*c.kase.resolved_at);
      const CaseStatus status = latest ? latest->to
                                : c.changes.empty() && c.kase.resolved_at && *c.kase.resolved_at <= now
                                    ? CaseStatus::kResolved
                                : c.changes.empty() ? c.kase.status
                                                    : c.changes.front().from;
      if (!Resolvedish(status)) scan.open_.push_back(c.kase.meta.id);
      if (active) scan.activity_.emplace_back(*active, k);
    }
    std::sort(scan.open_.begin(), scan.open_.end());
    std::sort(scan.by_id_.begin(), scan.by_id_.end());
    std::sort(scan.activity_.begin(), scan.activity_.end(), std::greater<>());
  }

  static void RestartPass(HistoryScan& scan) {
    scan.passed_ = 0;
    scan.passed_to_ = Instant{std::numeric_limits<std::int64_t>::min()};
    scan.kept_.clear();
    scan.last_inbound_.reset();
    scan.last_proactive_.reset();
  }
};

std::vector<Signal> EvaluateRecent(const AccountFacts& facts, Instant now,
                                   const SignalConfig& config,
                                   std::optional<PreviousAnswer> previous, HistoryScan* scan) {
  // The horizon: no window reaches before it.
  const std::int64_t widest =
      std::max({config.repeat_window_days, config.policy_window_days, config.offer_window_days,
                config.breach_window_days});
  const Instant horizon{now.ms - DaysMs(widest)};
  const auto& all = facts.contacts;
  const auto end = std::upper_bound(all.begin(), all.end(), now,
                                    [](Instant t, const Contact& c) { return t < c.arrived_at; });
  const auto recent = std::upper_bound(all.begin(), end, horizon,
                                       [](Instant t, const Contact& c) { return t < c.arrived_at; });
  constexpr std::ptrdiff_t kWorthIt = 64;  // older contacts below this: evaluate everything
  if (recent - all.begin() < kWorthIt) return Evaluate(facts, now, config);

  HistoryScan own;
  if (!scan) scan = &own;
  const auto recent_at = static_cast<std::size_t>(recent - all.begin());
  RecentEvaluation::Advance(*scan, facts, now, horizon, recent_at, config);
  const std::vector<Contact> kept =
      RecentEvaluation::Contacts(*scan, facts, recent_at, static_cast<std::size_t>(end - all.begin()));
  const std::vector<const CaseHistory*> cases = RecentEvaluation::Cases(*scan, facts, horizon, kept);

  std::vector<Signal> out = EvaluateView(facts.account, cases, kept, now, config);
  // A signal that began within a window of the horizon may have begun earlier, in a
  // stretch whose older part was left out. The stretch of the full history contains that
  // of the part kept (more contacts only lengthen stretches), so when the previous answer
  // was given inside it (previous->at >= first_seen here), both are one stretch, which
  // began when the previous answer says unless something was added before that start
  // (what lies before it decides where it begins). Otherwise evaluate everything.
  if (previous && previous->at > now) previous.reset();
  for (Signal& signal : out) {
    std::int64_t window = 0;
    switch (signal.rule) {
      case Rule::kRepeatContact: window = config.repeat_window_days; break;
      case Rule::kPolicyQuoted: window = config.policy_window_days; break;
      case Rule::kOfferDuringOpenProblem: window = config.offer_window_days; break;
      case Rule::kSlaBreachStreak: window = config.breach_window_days; break;
      default: continue;
    }
    if (signal.first_seen.ms > horizon.ms + DaysMs(window)) continue;
    const Signal* before = nullptr;
    if (previous && previous->signals && previous->at >= signal.first_seen) {
      for (const Signal& p : *previous->signals) {
        if (std::tie(p.rule, p.case_id, p.category) ==
            std::tie(signal.rule, signal.case_id, signal.category)) {
          before = &p;
        }
      }
    }
    // Additions only lengthen stretches; one before the previous start may have moved it.
    if (!before || before->first_seen > signal.first_seen ||
        (previous->added_from && *previous->added_from <= before->first_seen)) {
      return Evaluate(facts, now, config);
    }
    signal.first_seen = before->first_seen;
  }
  return out;
}

}  // namespace rapport::signals
