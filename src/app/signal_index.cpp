#include "app/signal_index.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <boost/json.hpp>
#include <set>
#include <tuple>

#include "app/ledger.hpp"
#include "app/scan.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace json = boost::json;
using domain::CaseStatus;
using signals::Signal;

namespace {

// The columns an interaction is read with, in the order InteractionOf decodes them.
const std::vector<std::string_view> kInteractionColumns = {
    "id",        "account_id", "arrived_at", "channel", "direction", "kind",    "case_id",
    "category",  "person_id",  "participants", "subject", "body",    "tags",    "in_reply_to"};

// What the rules read of an interaction row (kInteractionColumns), with its account.
domain::Interaction InteractionOf(const store::ScanRow& r) {
  domain::Interaction i;
  i.meta.id = r.Int(0);
  i.account_id = OptionalId(r, 1);
  i.arrived_at = Instant{r.Int(2)};
  i.channel = EnumOf<domain::Channel>(r, 3);
  i.direction = EnumOf<domain::Direction>(r, 4);
  i.kind = EnumOf<domain::InteractionKind>(r, 5);
  i.case_id = OptionalId(r, 6);
  i.category = OptionalText(r, 7);
  i.person_id = OptionalId(r, 8);
  store::detail::FromSql(store::SqlValue(std::string(r.Text(9))), i.participants, "participants");
  i.subject = OptionalText(r, 10);
  i.body = OptionalText(r, 11);
  store::detail::FromSql(store::SqlValue(std::string(r.Text(12))), i.tags, "tags");
  i.in_reply_to = OptionalText(r, 13);
  return i;
}

// A case with its status history (from its created and status_changed events) and its
// breaches (the clocks it kept at resolution, and its sla_breached events).
// REQUIRES: `events` are the case's, in sequence order.
signals::CaseHistory HistoryOf(domain::Case kase, const std::vector<domain::Event>& events) {
  std::vector<signals::StatusChange> changes;
  std::vector<Instant> breaches;
  CaseStatus status = CaseStatus::kNew;
  for (const domain::Event& event : events) {
    boost::system::error_code ec;
    const json::value change = json::parse(event.change, ec);
    const json::object* object = ec ? nullptr : change.if_object();
    if (!object) continue;
    auto text = [&](std::string_view key) -> std::string_view {
      const json::value* v = object->if_contains(key);
      return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
    };
    if (event.action == "created" || event.action == "status_changed") {
      auto to = domain::EnumFromName<CaseStatus>(text(event.action == "created" ? "status" : "to"));
      if (!to) continue;
      if (event.action == "status_changed" || *to != CaseStatus::kNew) {
        changes.push_back({event.action == "created" ? kase.meta.created_at : event.at, status, *to});
      }
      status = *to;
    } else if (event.action == "sla_breached") {
      if (auto at = ParseRfc3339(text("at"))) breaches.push_back(*at);
    }
  }
  signals::CaseHistory history = signals::FromCase(std::move(kase), std::move(changes));
  history.breaches.insert(history.breaches.end(), breaches.begin(), breaches.end());
  std::sort(history.breaches.begin(), history.breaches.end());
  history.breaches.erase(std::unique(history.breaches.begin(), history.breaches.end()),
                         history.breaches.end());
  return history;
}

// Reads the cases with ids in [first, last] and their histories.
Result<std::vector<signals::CaseHistory>> ReadCases(store::Session& s, const std::vector<domain::Case>& cases) {
  std::vector<signals::CaseHistory> out;
  if (cases.empty()) return out;
  auto events = s.EventsOfRange("case", cases.front().meta.id, cases.back().meta.id);
  if (!events) return std::unexpected(events.error());
  std::size_t e = 0;
  for (const domain::Case& kase : cases) {
    while (e < events->size() && (*events)[e].entity_id < kase.meta.id) ++e;
    std::size_t end = e;
    while (end < events->size() && (*events)[end].entity_id == kase.meta.id) ++end;
    std::vector<domain::Event> own(events->begin() + static_cast<std::ptrdiff_t>(e),
                                   events->begin() + static_cast<std::ptrdiff_t>(end));
    out.push_back(HistoryOf(kase, own));
    e = end;
  }
  return out;
}

// What replacing `before` (nullptr: a new case) by `after` adds to what the rules read:
// the earliest instant added (a status change, a breach, the case's opening; the latest
// instant there is when nothing was), or nullopt when it also takes something away or
// rewrites the case's past (its category or opening).
std::optional<Instant> AddedBy(const signals::CaseHistory* before, const signals::CaseHistory& after) {
  auto facts = [](const signals::CaseHistory& h) {
    std::vector<std::tuple<std::int64_t, int, int>> out;
    for (const auto& c : h.changes) out.emplace_back(c.at.ms, static_cast<int>(c.from), static_cast<int>(c.to));
    for (Instant b : h.breaches) out.emplace_back(b.ms, -1, -1);
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto now = facts(after);
  Instant earliest{std::numeric_limits<std::int64_t>::max()};
  if (!before) {
    earliest = after.kase.meta.created_at;
    for (const auto& f : now) earliest = std::min(earliest, Instant{std::get<0>(f)});
    return earliest;
  }
  // Without status changes, the status and resolution instant hold for the case's whole life.
  const bool undated = before->changes.empty() || after.changes.empty();
  if (before->kase.category != after.kase.category ||
      before->kase.meta.created_at != after.kase.meta.created_at ||
      (undated && (before->kase.status != after.kase.status ||
                   before->kase.resolved_at != after.kase.resolved_at))) {
    return std::nullopt;
  }
  const auto was = facts(*before);
  if (!std::includes(now.begin(), now.end(), was.begin(), was.end())) return std::nullopt;
  std::vector<std::tuple<std::int64_t, int, int>> added;
  std::set_difference(now.begin(), now.end(), was.begin(), was.end(), std::back_inserter(added));
  for (const auto& f : added) earliest = std::min(earliest, Instant{std::get<0>(f)});
  return earliest;
}

std::tuple<Id, signals::Rule, Id, std::string> KeyOf(const Signal& s) {
  return {s.account_id, s.rule, s.case_id.value_or(0), s.category.value_or("")};
}

json::array Ids(const std::vector<Id>& ids) {
  json::array out;
  for (Id id : ids) out.push_back(id);
  return out;
}

}  // namespace

json::object SignalJson(const Signal& s) {
  return json::object{{"rule", domain::Name(s.rule)},
                      {"severity", domain::Name(s.severity)},
                      {"account_id", s.account_id},
                      {"case_id", s.case_id ? json::value(*s.case_id) : json::value(nullptr)},
                      {"category", s.category ? json::value(*s.category) : json::value(nullptr)},
                      {"evidence", Ids(s.evidence)},
                      {"related_cases", Ids(s.related_cases)},
                      {"action", s.action},
                      {"first_seen", FormatRfc3339(s.first_seen)}};
}

struct SignalIndex::Reread {
  std::vector<domain::Interaction> interactions;
  std::vector<signals::CaseHistory> cases;
  std::vector<domain::Account> accounts;
  // Accounts read whole again (a person changed: who is senior, so every contact's traits).
  std::vector<std::pair<domain::Account, std::vector<domain::Person>>> whole;
  std::vector<std::vector<domain::Interaction>> whole_interactions;
  std::vector<std::vector<signals::CaseHistory>> whole_cases;
};

SignalIndex::SignalIndex(store::Store& store, signals::SignalConfig config)
    : store_(store),
      config_(std::move(config)),
      feed_("rapport-signals", [this](Wanted wanted) { ReadAndApply(std::move(wanted)); }) {}

std::size_t SignalIndex::account_count() const {
  CatchUp();
  std::shared_lock lock(mutex_);
  return accounts_.size();
}

std::size_t SignalIndex::contact_count() const {
  CatchUp();
  std::shared_lock lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, state] : accounts_) n += state.facts.contacts.size();
  return n;
}

bool SignalIndex::HasAccount(Id account_id) const {
  CatchUp();
  std::shared_lock lock(mutex_);
  return accounts_.contains(account_id);
}

std::optional<std::optional<Id>> SignalIndex::CaseVendor(Id case_id) const {
  CatchUp();
  std::shared_lock lock(mutex_);
  auto owner = case_account_.find(case_id);
  if (owner == case_account_.end()) return std::nullopt;
  for (const auto& c : accounts_.at(owner->second).facts.cases) {
    if (c.kase.meta.id == case_id) return c.kase.vendor_id;
  }
  return std::nullopt;
}

Result<void> SignalIndex::Load(Instant now) {
  {
    // What waited for an earlier attempt is in this one's snapshot: only what commits from
    // here on needs keeping (so that failing attempts do not pile batches up).
    std::lock_guard lock(unread_mutex_);
    before_load_.clear();
  }
  std::unordered_map<Id, AccountState> accounts;
  std::unordered_map<Id, Id> case_account;
  std::vector<domain::SignalRecord> recorded;
  std::int64_t sequence = 0;
  Id last_interaction = 0;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto last = s.LastEventSequence();
    if (!last) return std::unexpected(last.error());
    sequence = *last;
    auto all_accounts = store::All<domain::Account>(s);
    if (!all_accounts) return std::unexpected(all_accounts.error());
    for (domain::Account& account : *all_accounts) {
      const Id id = account.meta.id;
      accounts[id].facts.account = std::move(account);
    }
    auto people = store::All<domain::Person>(s);
    if (!people) return std::unexpected(people.error());
    std::unordered_map<Id, std::vector<domain::Person>> people_of;
    for (domain::Person& p : *people) people_of[p.account_id].push_back(std::move(p));
    for (auto& [id, list] : people_of) {
      if (auto it = accounts.find(id); it != accounts.end()) it->second.senior = signals::SeniorPeople::Of(list);
    }
    // Cases in chunks of ids, each with the events of its chunk.
    constexpr Id kChunk = 1 << 14;
    auto max_case = s.MaxId("cases");
    if (!max_case) return std::unexpected(max_case.error());
    for (Id first = 1; first <= *max_case; first += kChunk) {
      if (stop_loading_) return Fail(ErrorCode::kUnavailable, "loading the signal index was stopped");
      const Id last_id = first + kChunk - 1;
      auto cases = store::All<domain::Case>(s, {{"id", store::Condition::Op::kGe, first},
                                                {"id", store::Condition::Op::kLt, last_id + 1}});
      if (!cases) return std::unexpected(cases.error());
      auto histories = ReadCases(s, *cases);
      if (!histories) return std::unexpected(histories.error());
      for (signals::CaseHistory& h : *histories) {
        auto it = accounts.find(h.kase.account_id);
        if (it == accounts.end()) continue;
        case_account[h.kase.meta.id] = h.kase.account_id;
        it->second.facts.cases.push_back(std::move(h));
      }
    }
    auto live = store::All<domain::SignalRecord>(s, {{"cleared_at", store::Condition::Op::kEq, store::SqlValue()}});
    if (!live) return std::unexpected(live.error());
    recorded = std::move(*live);
    auto max = s.MaxId("interactions");
    if (!max) return std::unexpected(max.error());
    last_interaction = *max;
    return {};
  });
  if (!read) return read;
  auto contacts = ReadChunked<domain::Interaction>(
      store_, "interactions", kInteractionColumns, last_interaction, ScanThreads(), InteractionOf,
      [&](std::vector<domain::Interaction>& rows) {
        if (stop_loading_) return false;
        for (const domain::Interaction& i : rows) {
          if (!i.account_id) continue;
          auto it = accounts.find(*i.account_id);
          if (it == accounts.end()) continue;
          if (auto c = signals::ContactOf(i, it->second.senior, config_)) {
            it->second.facts.contacts.push_back(std::move(*c));
          }
        }
        return true;
      });
  if (!contacts) return contacts;

  // What was recorded as live stands for the previous evaluation, so that the first one
  // records what changed while the server was down.
  for (const domain::SignalRecord& r : recorded) {
    auto it = accounts.find(r.account_id);
    auto rule = domain::EnumFromName<signals::Rule>(r.rule);
    auto severity = domain::EnumFromName<signals::Severity>(r.severity);
    if (it == accounts.end() || !rule || !severity) continue;
    Signal s;
    s.rule = *rule;
    s.severity = *severity;
    s.account_id = r.account_id;
    s.case_id = r.case_id;
    s.category = r.category;
    s.evidence = r.evidence;
    s.related_cases = r.related_cases;
    s.action = std::string(signals::SuggestedAction(*rule));
    s.first_seen = r.first_seen;
    it->second.live.push_back(std::move(s));
  }
  {
    std::lock_guard recorder(recorder_mutex_);
    for (const domain::SignalRecord& r : recorded) {
      auto rule = domain::EnumFromName<signals::Rule>(r.rule);
      if (rule) rows_[{r.account_id, *rule, r.case_id.value_or(0), r.category.value_or("")}] = r.meta.id;
    }
  }
  for (auto& [id, state] : accounts) {
    std::sort(state.facts.contacts.begin(), state.facts.contacts.end(),
              [](const signals::Contact& a, const signals::Contact& b) {
                return std::tie(a.arrived_at, a.id) < std::tie(b.arrived_at, b.id);
              });
    // What growing by push_back left spare: up to half of a large account's vector.
    state.facts.contacts.shrink_to_fit();
  }
  {
    std::lock_guard turn(update_mutex_);
    {
      std::unique_lock lock(mutex_);
      accounts_ = std::move(accounts);
      case_account_ = std::move(case_account);
    }
    std::vector<AccountState*> all;
    for (auto& [id, state] : accounts_) all.push_back(&state);
    Reevaluate(all, now);
  }
  // From here on the feed thread reads the batches; those that waited for the load are
  // read now, but for those the load's snapshot held already, before the index says it
  // is ready.
  {
    std::lock_guard lock(unread_mutex_);
    loaded_sequence_ = sequence;
    loaded_ = true;
    for (auto& [last, wanted] : before_load_) {
      if (last > sequence) unread_.Merge(std::move(wanted));
    }
    before_load_.clear();
  }
  ReadAndApply({});
  {
    std::lock_guard lock(unread_mutex_);
    ready_ = true;
  }
  loaded_changed_.notify_all();
  return {};
}

void SignalIndex::StartLoading(std::function<void()> then) {
  loader_ = std::thread([this, then = std::move(then)] {
    for (;;) {
      auto r = Load(Now());
      if (r && then) then();
      if (r || stop_loading_) return;
      spdlog::error("signals: loading the index failed; trying again in 30 s: {}", r.error().message);
      std::unique_lock lock(unread_mutex_);
      if (loaded_changed_.wait_for(lock, std::chrono::seconds(30), [&] { return stop_loading_.load(); })) return;
    }
  });
}

bool SignalIndex::loaded() const {
  std::lock_guard lock(unread_mutex_);
  return ready_;
}

void SignalIndex::WaitLoaded() {
  std::unique_lock lock(unread_mutex_);
  loaded_changed_.wait(lock, [&] { return ready_; });
}

SignalIndex::~SignalIndex() {
  {
    std::lock_guard lock(unread_mutex_);
    stop_loading_ = true;
  }
  loaded_changed_.notify_all();
  if (loader_.joinable()) loader_.join();
  feed_.Stop();  // what it still takes in is recorded
  StopRecorder();
}

void SignalIndex::Refresh() {
  ReadAndApply({});
  std::vector<Id> ids;
  {
    std::lock_guard turn(update_mutex_);
    ids.reserve(accounts_.size());
    for (const auto& [id, state] : accounts_) ids.push_back(id);
  }
  // In slices, giving the feed thread (whose catching up queries wait for) its turn
  // between them.
  constexpr std::size_t kSlice = 64;
  for (std::size_t first = 0; first < ids.size(); first += kSlice) {
    std::lock_guard turn(update_mutex_);
    const Instant now = Now();
    std::vector<AccountState*> slice;
    for (std::size_t i = first; i < std::min(ids.size(), first + kSlice); ++i) {
      if (auto it = accounts_.find(ids[i]); it != accounts_.end()) slice.push_back(&it->second);
    }
    Reevaluate(slice, now);
  }
}

void SignalIndex::Reevaluate(const std::vector<AccountState*>& states, Instant now) {
  // Only the holder of update_mutex_ changes facts, so evaluating needs no lock; the
  // answers are swapped in under the exclusive lock at once.
  std::vector<std::vector<Signal>> evaluated;
  evaluated.reserve(states.size());
  std::vector<Change> changes;
  for (AccountState* state : states) {
    std::optional<signals::PreviousAnswer> previous;
    if (state->evaluated_at) {
      previous = signals::PreviousAnswer{*state->evaluated_at, &state->live, state->added_from};
    }
    evaluated.push_back(signals::EvaluateRecent(state->facts, now, config_, previous, &state->scan));
    Diff(state->live, evaluated.back(), now, changes);
  }
  {
    std::unique_lock lock(mutex_);
    for (std::size_t i = 0; i < states.size(); ++i) {
      states[i]->live = std::move(evaluated[i]);
      states[i]->evaluated_at = now;
      states[i]->added_from.reset();
    }
  }
  Queue(std::move(changes));
}

void SignalIndex::Diff(const std::vector<Signal>& before, const std::vector<Signal>& after,
                       Instant now, std::vector<Change>& changes) {
  std::map<Key, const Signal*> old;
  for (const Signal& s : before) old.emplace(KeyOf(s), &s);
  for (const Signal& s : after) {
    auto it = old.find(KeyOf(s));
    if (it == old.end()) {
      changes.push_back({Change::Kind::kRaised, s, now});
      continue;
    }
    const Signal& was = *it->second;
    if (was.first_seen != s.first_seen) {  // a new stretch of time: the old one ended
      changes.push_back({Change::Kind::kCleared, was, now});
      changes.push_back({Change::Kind::kRaised, s, now});
    } else if (was.severity != s.severity) {
      changes.push_back({Change::Kind::kChanged, s, now});
    }
    old.erase(it);
  }
  for (const auto& [key, was] : old) changes.push_back({Change::Kind::kCleared, *was, now});
}

// ---- the change feed ------------------------------------------------------------------

namespace {

// The account an edited record left, as its event names it ("from_account_id").
std::optional<Id> FromAccount(const domain::Event& event) {
  if (event.action == "created" || event.action == "imported") return std::nullopt;
  if (event.change.find("from_account_id") == std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  const json::value change = json::parse(event.change, ec);
  const json::value* from = ec || !change.is_object() ? nullptr : change.as_object().if_contains("from_account_id");
  if (!from || !from->is_int64()) return std::nullopt;
  return from->as_int64();
}

}  // namespace

void SignalIndex::Wanted::Merge(Wanted other) {
  for (auto [list, more] : {std::pair{&interactions, &other.interactions}, {&cases, &other.cases},
                            {&accounts, &other.accounts}, {&whole, &other.whole}}) {
    list->insert(list->end(), more->begin(), more->end());
  }
  moves.merge(other.moves);
}

void SignalIndex::OnCommitted(const store::CommittedBatch& batch) {
  if (batch.events.empty()) return;
  const std::int64_t last = batch.events.back().sequence;
  std::int64_t after = 0;
  {
    std::lock_guard lock(unread_mutex_);
    if (!loaded_) {
      before_load_.emplace_back(last, WantedBy(batch, 0));
      return;
    }
    after = loaded_sequence_;
  }
  feed_.Note(last, WantedBy(batch, after));
}

bool SignalIndex::CatchUp() const {
  {
    std::lock_guard lock(unread_mutex_);
    if (!ready_) return true;
  }
  return feed_.CatchUp(kCatchUpLimit);
}

SignalIndex::Wanted SignalIndex::WantedBy(const store::CommittedBatch& batch, std::int64_t after) {
  Wanted wanted;
  for (const domain::Event& event : batch.events) {
    if (event.sequence <= after) continue;
    if (event.entity == "interaction") {
      // A new contact of no account is no account's signal (an import's event names no
      // account: its rows are read).
      if (event.action == "created" && !event.account_id) continue;
      const auto [first, last] = IdsOf(event);
      for (Id id = first; id <= last; ++id) wanted.interactions.push_back(id);
      // Edited: it may be on another account now, or no contact.
      if (event.action == "updated") wanted.moves.emplace(event.entity_id, FromAccount(event));
    } else if (event.entity == "case") {
      wanted.cases.push_back(event.entity_id);
    } else if (event.entity == "person") {
      // Who is senior changes every contact's traits: the account is read whole, and the
      // one the person left too.
      if (event.account_id) wanted.whole.push_back(*event.account_id);
      if (auto from = FromAccount(event)) wanted.whole.push_back(*from);
    } else if (event.entity == "account") {
      wanted.accounts.push_back(event.entity_id);
    }
  }
  return wanted;
}

void SignalIndex::ReadAndApply(Wanted wanted) {
  // One reader at a time, from its read to its apply: the writer's batches, the load's
  // catch-up and the periodic retry each apply what they read in the order they read it,
  // so that an older reading never lands after a newer one.
  std::lock_guard feed(feed_mutex_);
  {
    std::lock_guard lock(unread_mutex_);
    wanted.Merge(std::exchange(unread_, {}));
  }
  if (wanted.empty()) return;
  auto& [interactions, cases, accounts, whole, moves] = wanted;
  for (auto* list : {&interactions, &cases, &accounts, &whole}) *list = SortedUnique(std::move(*list));

  Reread reread;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    if (auto r = ScanIds(s, "interactions", kInteractionColumns, interactions,
                         [&](const store::ScanRow& row) {
                           // A range may hold rows between the ids asked for; they are unchanged.
                           Id id = row.Int(0);
                           if (std::binary_search(interactions.begin(), interactions.end(), id)) {
                             reread.interactions.push_back(InteractionOf(row));
                           }
                         });
        !r) {
      return r;
    }
    for (Id id : cases) {
      auto kase = store::Get<domain::Case>(s, id);
      if (!kase) return std::unexpected(kase.error());
      if (!*kase) continue;
      auto history = ReadCases(s, {**kase});
      if (!history) return std::unexpected(history.error());
      reread.cases.push_back(std::move(history->front()));
    }
    for (Id id : accounts) {
      auto account = store::Get<domain::Account>(s, id);
      if (!account) return std::unexpected(account.error());
      if (*account) reread.accounts.push_back(std::move(**account));
    }
    for (Id id : whole) {
      auto account = store::Get<domain::Account>(s, id);
      if (!account) return std::unexpected(account.error());
      if (!*account) continue;
      const store::Condition of{"account_id", store::Condition::Op::kEq, id};
      auto people = store::All<domain::Person>(s, {of});
      auto all = store::All<domain::Interaction>(s, {of});
      auto all_cases = store::All<domain::Case>(s, {of});
      for (const Error* e : {people ? nullptr : &people.error(), all ? nullptr : &all.error(),
                             all_cases ? nullptr : &all_cases.error()}) {
        if (e) return std::unexpected(*e);
      }
      std::vector<signals::CaseHistory> histories;
      for (const domain::Case& kase : *all_cases) {
        auto history = ReadCases(s, {kase});
        if (!history) return std::unexpected(history.error());
        histories.push_back(std::move(history->front()));
      }
      reread.whole.emplace_back(std::move(**account), std::move(*people));
      reread.whole_interactions.push_back(std::move(*all));
      reread.whole_cases.push_back(std::move(histories));
    }
    return {};
  });
  // The batch is committed; a failed read cannot undo it. What it changed is read again
  // with the next batch or by the periodic job.
  if (!read) {
    spdlog::error("signals: reading committed changes failed; reading them again with the next "
                  "change or the periodic job: {}",
                  read.error().message);
    std::lock_guard lock(unread_mutex_);
    unread_.Merge(std::move(wanted));
    return;
  }
  Apply(reread, moves);
}

void SignalIndex::Apply(Reread& reread, const Moves& moves) {
  std::lock_guard turn(update_mutex_);
  // Taken with the turn, so that evaluations never go back in time.
  const Instant now = Now();
  std::set<Id> touched;
  {
    std::unique_lock lock(mutex_);
    for (domain::Account& account : reread.accounts) {
      const Id id = account.meta.id;
      accounts_[id].facts.account = std::move(account);
      touched.insert(id);
    }
    for (std::size_t i = 0; i < reread.whole.size(); ++i) {
      auto& [account, people] = reread.whole[i];
      const Id id = account.meta.id;
      signals::AccountHistory history{std::move(account), std::move(people),
                                      std::move(reread.whole_cases[i]),
                                      std::move(reread.whole_interactions[i])};
      AccountState& state = accounts_[id];
      state.senior = signals::SeniorPeople::Of(history.people);
      state.facts = signals::FactsOf(std::move(history), config_);
      state.Reshaped();
      for (const auto& c : state.facts.cases) case_account_[c.kase.meta.id] = id;
      touched.insert(id);
    }
    for (signals::CaseHistory& history : reread.cases) {
      const Id id = history.kase.meta.id;
      const Id account = history.kase.account_id;
      if (auto was = case_account_.find(id); was != case_account_.end() && was->second != account) {
        AccountState& left = accounts_[was->second];
        std::erase_if(left.facts.cases, [&](const signals::CaseHistory& c) { return c.kase.meta.id == id; });
        left.Reshaped();
        touched.insert(was->second);
      }
      auto it = accounts_.find(account);
      if (it == accounts_.end()) continue;
      auto& list = it->second.facts.cases;
      auto same = std::find_if(list.begin(), list.end(),
                               [&](const signals::CaseHistory& c) { return c.kase.meta.id == id; });
      // The scan holds positions in the cases and what their statuses were.
      it->second.scan.Forget();
      if (auto added = AddedBy(same != list.end() ? &*same : nullptr, history)) {
        it->second.Added(*added);
      } else {
        it->second.evaluated_at.reset();
      }
      if (same != list.end()) {
        *same = std::move(history);
      } else {
        list.push_back(std::move(history));
      }
      case_account_[id] = account;
      touched.insert(account);
    }
    // An edited interaction leaves the account it was on (its event names it when it
    // changed); the edit may have moved it in time or made it a note: a removal, after
    // which the next evaluation starts afresh.
    for (const auto& [id, from] : moves) {
      if (!from) continue;
      if (auto it = accounts_.find(*from); it != accounts_.end()) {
        std::erase_if(it->second.facts.contacts, [&](const signals::Contact& c) { return c.id == id; });
        it->second.Reshaped();
        touched.insert(*from);
      }
    }
    for (const domain::Interaction& i : reread.interactions) {
      if (!i.account_id) continue;
      auto it = accounts_.find(*i.account_id);
      if (it == accounts_.end()) continue;
      AccountState& state = it->second;
      const bool edited = moves.contains(i.meta.id);
      if (edited) {
        std::erase_if(state.facts.contacts, [&](const signals::Contact& c) { return c.id == i.meta.id; });
        state.Reshaped();
      }
      state.Added(i.arrived_at);
      if (auto c = signals::ContactOf(i, state.senior, config_)) signals::Insert(state.facts, std::move(*c));
      touched.insert(*i.account_id);
    }
  }
  std::vector<AccountState*> states;
  for (Id id : touched) states.push_back(&accounts_.at(id));
  Reevaluate(states, now);
}

// ---- queries --------------------------------------------------------------------------

std::vector<Signal> SignalIndex::Live(const Principal& who, const Query& query) const {
  CatchUp();
  std::vector<Signal> out;
  std::shared_lock lock(mutex_);
  auto visible_case = [&](const AccountState& state, Id case_id) {
    if (!who.IsVendorAgent()) return true;
    for (const auto& c : state.facts.cases) {
      if (c.kase.meta.id == case_id) return c.kase.vendor_id == who.vendor_id;
    }
    return false;
  };
  auto collect = [&](const AccountState& state) {
    for (const Signal& s : state.live) {
      if (query.case_id && s.case_id != query.case_id) continue;
      if (query.rule && s.rule != *query.rule) continue;
      if (query.min_severity && s.severity < *query.min_severity) continue;
      if (s.case_id && !visible_case(state, *s.case_id)) continue;
      Signal shown = s;
      std::erase_if(shown.related_cases, [&](Id id) { return !visible_case(state, id); });
      out.push_back(std::move(shown));
    }
  };
  if (query.account_id) {
    if (auto it = accounts_.find(*query.account_id); it != accounts_.end()) collect(it->second);
  } else if (query.case_id) {
    if (auto owner = case_account_.find(*query.case_id); owner != case_account_.end()) {
      collect(accounts_.at(owner->second));
    }
  } else {
    for (const auto& [id, state] : accounts_) collect(state);
  }
  std::sort(out.begin(), out.end(), [](const Signal& a, const Signal& b) {
    return std::tie(a.account_id, a.rule, a.case_id, a.category) <
           std::tie(b.account_id, b.rule, b.case_id, b.category);
  });
  return out;
}

std::vector<Signal> SignalIndex::EvaluateAll(Instant now) const {
  CatchUp();
  std::shared_lock lock(mutex_);
  std::vector<Id> ids;
  for (const auto& [id, state] : accounts_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  std::vector<Signal> out;
  for (Id id : ids) {
    auto signals = signals::Evaluate(accounts_.at(id).facts, now, config_);
    out.insert(out.end(), std::make_move_iterator(signals.begin()), std::make_move_iterator(signals.end()));
  }
  return out;
}

// ---- the recorder ---------------------------------------------------------------------

void SignalIndex::Queue(std::vector<Change> changes) {
  if (changes.empty()) return;
  {
    std::lock_guard lock(recorder_mutex_);
    to_record_.insert(to_record_.end(), std::make_move_iterator(changes.begin()),
                      std::make_move_iterator(changes.end()));
  }
  recorder_wake_.notify_all();
}

void SignalIndex::StartRecorder() {
  std::lock_guard lock(recorder_mutex_);
  if (recorder_.joinable()) return;
  stopping_ = false;
  recorder_ = std::thread([this] { RecorderLoop(); });
}

void SignalIndex::StopRecorder() {
  CatchUp();  // what was committed before the stop is recorded
  {
    std::lock_guard lock(recorder_mutex_);
    stopping_ = true;
  }
  recorder_wake_.notify_all();
  if (recorder_.joinable()) recorder_.join();
}

void SignalIndex::Flush() {
  CatchUp();
  std::unique_lock lock(recorder_mutex_);
  recorder_idle_.wait(lock, [&] { return !recorder_.joinable() || (to_record_.empty() && !recording_); });
}

Result<void> SignalIndex::Record(store::Session& s, const std::vector<Change>& changes,
                                 std::map<Key, Id>& rows) {
  for (const Change& change : changes) {
    const Signal& signal = change.signal;
    const Key key = KeyOf(signal);
    domain::SignalRecord record;
    const char* action = "signal_raised";
    json::object body = SignalJson(signal);
    if (change.kind == Change::Kind::kRaised) {
      record.account_id = signal.account_id;
      record.case_id = signal.case_id;
      record.rule = domain::Name(signal.rule);
      record.category = signal.category;
      record.severity = domain::Name(signal.severity);
      record.evidence = signal.evidence;
      record.related_cases = signal.related_cases;
      record.first_seen = signal.first_seen;
      if (auto r = store::Insert(s, record, change.at); !r) return r;
      rows[key] = record.meta.id;
    } else {
      auto row = rows.find(key);
      if (row == rows.end()) continue;  // raised before anything was recorded
      auto stored = store::Get<domain::SignalRecord>(s, row->second);
      if (!stored) return std::unexpected(stored.error());
      if (!*stored) continue;
      record = std::move(**stored);
      if (change.kind == Change::Kind::kChanged) {
        action = "signal_changed";
        body["from_severity"] = record.severity;
        record.severity = domain::Name(signal.severity);
        record.evidence = signal.evidence;
        record.related_cases = signal.related_cases;
      } else {
        action = "signal_cleared";
        record.cleared_at = change.at;
        rows.erase(row);
      }
      if (auto r = store::Update(s, record, change.at); !r) return r;
    }
    domain::Event event{0,      change.at, kSystemUserId, "signal", record.meta.id, action,
                        json::serialize(body), signal.account_id};
    if (auto r = s.AppendEvent(event); !r) return r;
  }
  return {};
}

void SignalIndex::RecorderLoop() {
  std::unique_lock lock(recorder_mutex_);
  while (true) {
    recorder_wake_.wait(lock, [&] { return stopping_ || !to_record_.empty(); });
    if (to_record_.empty()) break;  // stopping, nothing left
    std::vector<Change> batch = std::move(to_record_);
    to_record_.clear();
    recording_ = true;
    std::map<Key, Id> rows = rows_;
    lock.unlock();
    auto written = store_.WriteAndWait([&](store::Session& s) { return Record(s, batch, rows); });
    lock.lock();
    recording_ = false;
    if (written) {
      rows_ = std::move(rows);
    } else {
      // A batch fails with the whole group commit it was in: try again shortly.
      spdlog::error("signals: {} changes not recorded yet: {}", batch.size(), written.error().message);
      to_record_.insert(to_record_.begin(), std::make_move_iterator(batch.begin()),
                        std::make_move_iterator(batch.end()));
      if (!stopping_) recorder_wake_.wait_for(lock, std::chrono::seconds(1));
      if (stopping_) break;
    }
    recorder_idle_.notify_all();
  }
  recorder_idle_.notify_all();
}

}  // namespace rapport::app
