#include "app/clocks.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <thread>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "app/ledger.hpp"
#include "domain/json_codec.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace {

using domain::Case;
using domain::CaseStatus;
using domain::ClockMetric;
using domain::ClockRecord;

bool IsOpen(CaseStatus status) {
  return status != CaseStatus::kResolved && status != CaseStatus::kClosed;
}

const sla::BusinessCalendar& AlwaysOpen() {
  static const sla::BusinessCalendar always;
  return always;
}

std::int64_t CycleOf(const ClockRecord& clock) { return std::max<std::int64_t>(clock.cycles, 1); }

// "2025-03-03 09:00:00 GMT" in `zone`, or UTC when it is unknown.
std::string Local(Instant at, const std::string& zone) {
  const date::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds{at.ms}};
  try {
    return date::format("%F %T %Z", date::make_zoned(zone, date::floor<std::chrono::seconds>(t)));
  } catch (const std::exception&) {
    return FormatRfc3339(at);
  }
}


// The instant a status change was made, as its event says, and the status it went to.
std::optional<sla::StatusChange> StatusChangeOf(const domain::Event& event) {
  boost::system::error_code ec;
  const auto change = boost::json::parse(event.change, ec);
  if (ec || !change.is_object()) return std::nullopt;
  const auto* object = change.if_object();
  const char* key = event.action == "created" ? "status" : "to";
  const auto* to = object->if_contains(key);
  if (!to || !to->is_string()) return std::nullopt;
  auto status = domain::EnumFromName<CaseStatus>(std::string_view(to->get_string()));
  if (!status) return std::nullopt;
  return sla::StatusChange{event.at, *status};
}

}  // namespace

// ---- configuration ------------------------------------------------------------------

Result<ClockConfig> ClockConfig::Load(store::Session& s, const ClockConfig* previous) {
  ClockConfig config;
  auto calendars = store::All<domain::Calendar>(s);
  if (!calendars) return std::unexpected(calendars.error());
  for (domain::Calendar& definition : *calendars) {
    const Id id = definition.meta.id;
    if (previous) {
      auto known = previous->calendar_definitions.find(id);
      if (known != previous->calendar_definitions.end() &&
          known->second.meta.version == definition.meta.version) {
        config.calendars.emplace(id, previous->calendars.at(id));
        config.calendar_definitions.emplace(id, std::move(definition));
        continue;
      }
    }
    auto compiled = sla::BusinessCalendar::Compile(definition);
    if (!compiled) {
      return Fail(ErrorCode::kInternal, "calendar " + std::to_string(id) +
                                            " does not compile: " + compiled.error().message);
    }
    config.calendars.emplace(id, std::make_shared<const sla::BusinessCalendar>(std::move(*compiled)));
    config.calendar_definitions.emplace(id, std::move(definition));
  }
  auto policies = store::All<domain::SlaPolicy>(s);
  if (!policies) return std::unexpected(policies.error());
  config.policies = std::move(*policies);
  std::stable_sort(config.policies.begin(), config.policies.end(),
                   [](const auto& a, const auto& b) { return a.position < b.position; });
  auto accounts = store::All<domain::Account>(s);
  if (!accounts) return std::unexpected(accounts.error());
  for (domain::Account& account : *accounts) {
    config.accounts[account.meta.id] = {std::move(account.name), std::move(account.segment),
                                        account.business_calendar_id,
                                        std::move(account.time_zone)};
  }
  auto queues = store::All<domain::Queue>(s);
  if (!queues) return std::unexpected(queues.error());
  for (domain::Queue& queue : *queues) config.queues[queue.meta.id] = std::move(queue);
  auto agreements = store::All<domain::Agreement>(
      s, {{"kind", store::Condition::Op::kEq, std::string(domain::Name(domain::AgreementKind::kVendor))}});
  if (!agreements) return std::unexpected(agreements.error());
  config.vendor_agreements = std::move(*agreements);
  return config;
}

std::optional<Id> ClockConfig::CoverageCalendar(std::optional<Id> queue, Date day) const {
  if (!queue) return std::nullopt;
  const domain::Agreement* best = nullptr;
  for (const domain::Agreement& a : vendor_agreements) {
    if (!a.coverage_calendar_id || day < a.start_date || a.end_date < day) continue;
    if (std::find(a.queue_ids.begin(), a.queue_ids.end(), *queue) == a.queue_ids.end()) continue;
    if (!best || best->start_date < a.start_date) best = &a;
  }
  return best ? best->coverage_calendar_id : std::nullopt;
}

Result<sla::CaseHistory> LoadHistory(store::Session& s, const Case& kase,
                                     std::vector<domain::Event>* events_out) {
  sla::CaseHistory history;
  history.opened = kase.meta.created_at;
  auto events = s.EventsOf("case", kase.meta.id);
  if (!events) return std::unexpected(events.error());
  for (const domain::Event& event : *events) {
    if (event.action != "status_changed" && event.action != "created") continue;
    auto change = StatusChangeOf(event);
    if (!change) continue;
    if (event.action == "created") {
      if (change->to != CaseStatus::kNew) history.changes.push_back({history.opened, change->to});
      continue;
    }
    history.changes.push_back(*change);
  }
  auto interactions = store::All<domain::Interaction>(
      s, {{"case_id", store::Condition::Op::kEq, kase.meta.id}});
  if (!interactions) return std::unexpected(interactions.error());
  for (const domain::Interaction& interaction : *interactions) {
    sla::AddMessages(interaction, history.messages);
  }
  sla::SortHistory(history);
  if (events_out) *events_out = std::move(*events);
  return history;
}

namespace {

struct Applied {
  const domain::SlaPolicy* policy = nullptr;
  std::optional<Id> calendar_id;
  const sla::BusinessCalendar* calendar = &AlwaysOpen();
  std::string zone = "UTC";  // for showing local times: the calendar's, else the account's
  std::string calendar_reason;
};

Applied ApplicableTo(const ClockConfig& config, const Case& kase) {
  Applied out;
  sla::CaseFacts facts{"", kase.priority, kase.channel, kase.queue_id};
  std::optional<Id> account_calendar;
  if (auto it = config.accounts.find(kase.account_id); it != config.accounts.end()) {
    facts.segment = it->second.segment;
    account_calendar = it->second.business_calendar_id;
    out.zone = it->second.time_zone;
  }
  out.policy = sla::MatchPolicy(config.policies, facts);
  if (!out.policy) return out;
  const Date opened{static_cast<std::int32_t>(date::floor<date::days>(date::sys_time<std::chrono::milliseconds>(
                                                  std::chrono::milliseconds{kase.meta.created_at.ms}))
                                                  .time_since_epoch()
                                                  .count())};
  const std::optional<Id> coverage = config.CoverageCalendar(kase.queue_id, opened);
  out.calendar_id = sla::CalendarThatCounts(*out.policy, coverage, account_calendar);
  out.calendar_reason = out.policy->calendar_id ? "the policy's calendar"
                        : coverage ? "the coverage calendar of the vendor agreement serving queue " +
                                         std::to_string(*kase.queue_id)
                        : account_calendar ? "the account's business calendar"
                                           : "";
  if (out.calendar_id) {
    if (auto it = config.calendars.find(*out.calendar_id); it != config.calendars.end()) {
      out.calendar = it->second.get();
      out.zone = config.calendar_definitions.at(*out.calendar_id).time_zone;
    }
  }
  return out;
}

}  // namespace

std::vector<ClockRecord> ComputeClocks(const ClockConfig& config, const TrackedCase& kase,
                                       Instant now, std::string* explanation,
                                       std::vector<sla::Alarms>* alarms) {
  std::vector<ClockRecord> out;
  const Case& c = kase.record;
  const Applied applied = ApplicableTo(config, c);
  if (explanation) {
    auto account = config.accounts.find(c.account_id);
    *explanation += "Case " + std::to_string(c.meta.id) + " \"" + c.subject + "\": account " +
                    std::to_string(c.account_id) +
                    (account != config.accounts.end()
                         ? " \"" + account->second.name + "\" (segment " + account->second.segment + ")"
                         : std::string()) +
                    ", priority " + std::string(domain::Name(c.priority)) + ", channel " +
                    (c.channel ? std::string(domain::Name(*c.channel)) : std::string("none")) +
                    ", queue " + (c.queue_id ? std::to_string(*c.queue_id) : std::string("none")) +
                    ", status " + std::string(domain::Name(c.status)) + ".\n";
  }
  if (!applied.policy) {
    if (explanation) *explanation += "No active SLA policy matches this case: it has no clocks.\n";
    return out;
  }
  if (explanation) {
    *explanation += "Policy " + std::to_string(applied.policy->meta.id) + " \"" +
                    applied.policy->name +
                    "\" applies: the first active policy, by position, whose conditions hold.\n";
    if (applied.calendar_id) {
      const auto& definition = config.calendar_definitions.at(*applied.calendar_id);
      *explanation += "Business time counts on calendar " + std::to_string(*applied.calendar_id) +
                      " \"" + definition.name + "\" (" + definition.time_zone + "), " +
                      applied.calendar_reason + ".\n";
    } else {
      *explanation +=
          "Business time is 24x7 (times shown in the account's zone, " + applied.zone +
          "): neither the policy, a vendor agreement serving the queue nor the account names "
          "a calendar.\n";
    }
  }
  for (const domain::ClockTarget& target : applied.policy->targets) {
    sla::ClockSpec spec{target, applied.policy->meta.id, applied.calendar_id, applied.calendar};
    std::vector<sla::TraceStep> steps;
    sla::Alarms next;
    auto clock = sla::ComputeClock(spec, kase.history, now, explanation ? &steps : nullptr, &next);
    if (explanation) {
      std::string paused_by;
      for (CaseStatus status : domain::PausingStatuses(target)) {
        paused_by += (paused_by.empty() ? "" : ", ") + std::string(domain::Name(status));
      }
      *explanation += "\n" + std::string(domain::Name(target.metric)) + ": target " +
                      std::to_string(target.minutes) +
                      (target.business_time ? " business" : " calendar") + " minutes" +
                      (target.warning_minutes > 0
                           ? ", warning " + std::to_string(target.warning_minutes) + " minutes before due"
                           : std::string()) +
                      "; paused by " + (paused_by.empty() ? "nothing" : paused_by) + ".\n";
      for (const sla::TraceStep& step : steps) {
        *explanation += "  " + Local(step.at, applied.zone) + "  " + step.what + "  (+" +
                        sla::MinutesText(step.counted) + ", " + sla::MinutesText(step.elapsed) +
                        " counted)\n";
      }
      if (!clock) {
        *explanation += "  => not started: no customer message since the first response.\n";
      } else {
        *explanation += "  => " + std::string(domain::Name(clock->state)) + "; " +
                        sla::MinutesText(clock->elapsed_seconds * 1000) + " of " +
                        std::to_string(target.minutes) + " min counted";
        if (clock->due_at) *explanation += "; due " + Local(*clock->due_at, applied.zone);
        if (clock->breached_at) *explanation += "; breached " + Local(*clock->breached_at, applied.zone);
        if (clock->met_at) *explanation += "; stopped " + Local(*clock->met_at, applied.zone);
        *explanation += ".\n";
      }
    }
    if (clock) {
      out.push_back(std::move(*clock));
      if (alarms) alarms->push_back(std::move(next));
    }
  }
  return out;
}

Result<std::string> ExplainCase(store::Store& store, Id case_id, Instant now) {
  std::string text;
  auto read = store.Read([&](store::Session& s) -> Result<void> {
    auto config = ClockConfig::Load(s);
    if (!config) return std::unexpected(config.error());
    auto kase = store::Get<Case>(s, case_id);
    if (!kase) return std::unexpected(kase.error());
    if (!*kase) return Fail(ErrorCode::kNotFound, "case " + std::to_string(case_id) + " not found");
    auto history = LoadHistory(s, **kase);
    if (!history) return std::unexpected(history.error());
    text = "As of " + FormatRfc3339(now) + ".\n";
    ComputeClocks(*config, TrackedCase{**kase, std::move(*history)}, now, &text);
    if (!(*kase)->clocks.empty()) {
      text += "\nRecorded at the resolution (these stand whatever the policies say today):\n";
      for (const ClockRecord& clock : (*kase)->clocks) {
        text += "  " + std::string(domain::Name(clock.metric)) + ": " +
                std::string(domain::Name(clock.state)) + ", " +
                sla::MinutesText(clock.elapsed_seconds * 1000) + " of " +
                std::to_string(clock.target_minutes) + " min" +
                (clock.breached_at ? ", breached " + FormatRfc3339(*clock.breached_at) : "") +
                (clock.met_at ? ", stopped " + FormatRfc3339(*clock.met_at) : "") + "\n";
      }
    }
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return text;
}

// ---- the index ------------------------------------------------------------------------

struct Clocks::Entry {
  TrackedCase tracked;
  std::vector<Key> due_keys;
  std::vector<Key> warned_keys;
  std::vector<Key> alarm_keys;
  RecordedSet recorded;
};

Clocks::Clocks(store::Store& store) : store_(store) {}

Clocks::~Clocks() { StopRecorder(); }

void Clocks::StopRecorder() {
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (recorder_.joinable()) recorder_.join();
}

namespace {

// The case's warnings and breaches already in its event log.
template <class RecordedSet>
void NoteRecorded(const std::vector<domain::Event>& events, RecordedSet& recorded) {
  for (const domain::Event& event : events) {
    if (event.action != "sla_warning" && event.action != "sla_breached") continue;
    boost::system::error_code ec;
    auto change = boost::json::parse(event.change, ec);
    if (ec || !change.is_object()) continue;
    const auto* metric = change.as_object().if_contains("metric");
    const auto* cycle = change.as_object().if_contains("cycle");
    if (!metric || !metric->is_string() || !cycle || !cycle->is_int64()) continue;
    auto parsed = domain::EnumFromName<ClockMetric>(std::string_view(metric->get_string()));
    if (parsed) recorded.emplace(*parsed, cycle->get_int64(), event.action == "sla_breached");
  }
}

}  // namespace

Result<void> Clocks::Load() {
  std::unordered_map<Id, std::unique_ptr<Entry>> open;
  std::optional<ClockConfig> config;
  std::int64_t sequence = 0;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto last = s.LastEventSequence();
    if (!last) return std::unexpected(last.error());
    sequence = *last;
    auto loaded = ClockConfig::Load(s, &config_);  // see OnCommitted
    if (!loaded) return std::unexpected(loaded.error());
    config = std::move(*loaded);
    for (CaseStatus status : {CaseStatus::kNew, CaseStatus::kOpen, CaseStatus::kPendingCustomer,
                              CaseStatus::kPendingInternal}) {
      auto cases =
          store::All<Case>(s, {{"status", store::Condition::Op::kEq, std::string(domain::Name(status))}});
      if (!cases) return std::unexpected(cases.error());
      for (Case& kase : *cases) {
        auto entry = std::make_unique<Entry>();
        std::vector<domain::Event> events;
        auto history = LoadHistory(s, kase, &events);
        if (!history) return std::unexpected(history.error());
        NoteRecorded(events, entry->recorded);
        entry->tracked = {std::move(kase), std::move(*history)};
        open.emplace(entry->tracked.record.meta.id, std::move(entry));
      }
    }
    return {};
  });
  if (!read) return read;
  std::unique_lock lock(mutex_);
  for (const auto* pending : {&to_record_, &recording_}) {  // not yet in the event log
    for (const Pending& p : *pending) {
      if (auto it = open.find(p.case_id); it != open.end()) {
        it->second->recorded.emplace(p.metric, p.cycle, p.breach);
      }
    }
  }
  config_ = std::move(*config);
  open_ = std::move(open);
  loaded_sequence_ = sequence;
  applied_sequence_ = std::max(applied_sequence_, sequence);
  ReindexAll(Now());
  return {};
}

void Clocks::StartRecorder() {
  recorder_ = std::thread([this] { RecorderLoop(); });
}

std::size_t Clocks::open_cases() const {
  std::shared_lock lock(mutex_);
  return open_.size();
}

void Clocks::Unindex(Id, Entry& entry) {
  for (const Key& key : entry.due_keys) due_.erase(key);
  for (const Key& key : entry.warned_keys) warned_.erase(key);
  for (const Key& key : entry.alarm_keys) alarms_.erase(key);
  entry.due_keys.clear();
  entry.warned_keys.clear();
  entry.alarm_keys.clear();
}

Clocks::Computed Clocks::Compute(const Entry& entry, Instant now) const {
  Computed out;
  out.clocks = ComputeClocks(config_, entry.tracked, now, nullptr, &out.alarms);
  // Something recorded for later (a contact stamped ahead of this clock) changes the
  // clocks when its instant comes.
  const sla::CaseHistory& history = entry.tracked.history;
  auto later = [now](const auto& items) -> std::optional<Instant> {
    auto it = std::upper_bound(items.begin(), items.end(), now,
                               [](Instant t, const auto& item) { return t < item.at; });
    return it == items.end() ? std::nullopt : std::optional(it->at);
  };
  for (auto at : {later(history.changes), later(history.messages)}) {
    if (at && (!out.next_in_history || *at < *out.next_in_history)) out.next_in_history = at;
  }
  return out;
}

bool Clocks::Index(Id case_id, Entry& entry, const Computed& computed, Staged* staged) {
  bool wake = false;
  auto add_alarm = [&](const Key& key) {
    entry.alarm_keys.push_back(key);
    if (staged) {
      staged->alarms.push_back(key);
    } else {
      wake = wake || alarms_.empty() || key.first < alarms_.begin()->first;
      alarms_.insert(key);
    }
  };
  for (std::size_t i = 0; i < computed.clocks.size(); ++i) {
    const ClockRecord& clock = computed.clocks[i];
    const auto id_metric = std::pair{case_id, clock.metric};
    if (clock.due_at && (clock.state == domain::ClockState::kRunning ||
                         clock.state == domain::ClockState::kBreached)) {
      const Key key{*clock.due_at, id_metric};
      entry.due_keys.push_back(key);
      if (clock.warned_at) entry.warned_keys.push_back(key);
      if (staged) {
        staged->due.push_back(key);
        if (clock.warned_at) staged->warned.push_back(key);
      } else {
        due_.insert(key);
        if (clock.warned_at) warned_.insert(key);
      }
    }
    const sla::Alarms& alarms = computed.alarms[i];
    for (const sla::Alarms::Finished& cycle : alarms.finished) {
      ClockRecord past = clock;
      past.cycles = cycle.cycle;
      past.warned_at = cycle.warned_at;
      past.breached_at = cycle.breached_at;
      wake = Queue(entry.tracked.record, past, entry.recorded) || wake;
    }
    for (const auto& alarm : {alarms.warning, alarms.breach}) {
      if (alarm) add_alarm({*alarm, id_metric});
    }
    wake = Queue(entry.tracked.record, clock, entry.recorded) || wake;
  }
  if (computed.next_in_history) {
    add_alarm({*computed.next_in_history, {case_id, ClockMetric::kFirstResponse}});
  }
  return wake;
}

void Clocks::Reindex(Id case_id, Instant now) {
  auto it = open_.find(case_id);
  if (it == open_.end()) return;
  Entry& entry = *it->second;
  Unindex(case_id, entry);
  if (Index(case_id, entry, Compute(entry, now), nullptr)) wake_.notify_all();
}

void Clocks::ReindexAll(Instant now) {
  // Clocks are computed on every core, then the indexes are rebuilt from sorted keys
  // (linear), rather than by a million single inserts.
  std::vector<std::pair<Id, Entry*>> entries;
  entries.reserve(open_.size());
  for (auto& [id, entry] : open_) entries.emplace_back(id, entry.get());
  std::vector<Computed> computed(entries.size());
  const std::size_t workers =
      std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = w; i < entries.size(); i += workers) {
        computed[i] = Compute(*entries[i].second, now);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  Staged staged;
  bool wake = false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& [id, entry] = entries[i];
    entry->due_keys.clear();
    entry->warned_keys.clear();
    entry->alarm_keys.clear();
    wake = Index(id, *entry, computed[i], &staged) || wake;
  }
  for (auto* keys : {&staged.due, &staged.warned, &staged.alarms}) std::sort(keys->begin(), keys->end());
  due_ = std::set<Key>(staged.due.begin(), staged.due.end());
  warned_ = std::set<Key>(staged.warned.begin(), staged.warned.end());
  alarms_ = std::set<Key>(staged.alarms.begin(), staged.alarms.end());
  if (wake || !alarms_.empty()) wake_.notify_all();
}


Result<Clocks::Reread> Clocks::ReadCase(Id case_id) const {
  Reread out;
  out.id = case_id;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto found = store::Get<Case>(s, case_id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return {};
    std::vector<domain::Event> events;
    auto history = LoadHistory(s, **found, &events);
    if (!history) return std::unexpected(history.error());
    NoteRecorded(events, out.recorded);
    if (IsOpen((*found)->status)) out.history = std::move(*history);
    out.kase = std::move(**found);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

bool Clocks::Apply(Reread reread) {
  const Id id = reread.id;
  auto it = open_.find(id);
  // What is recorded, queued or being written stays so, whatever the event log says yet.
  auto& recorded = reread.recorded;
  if (it != open_.end()) recorded.insert(it->second->recorded.begin(), it->second->recorded.end());
  for (const auto* pending : {&to_record_, &recording_}) {
    for (const Pending& p : *pending) {
      if (p.case_id == id) recorded.emplace(p.metric, p.cycle, p.breach);
    }
  }
  if (!reread.kase || !reread.history) {
    if (it != open_.end()) {
      Unindex(id, *it->second);
      open_.erase(it);
    }
    // A case that stopped before the recorder saw its warning or breach: record them from
    // the clocks it keeps.
    bool wake = false;
    if (reread.kase) {
      for (const ClockRecord& clock : reread.kase->clocks) {
        wake = Queue(*reread.kase, clock, recorded) || wake;
      }
    }
    return wake;
  }
  if (it == open_.end()) it = open_.emplace(id, std::make_unique<Entry>()).first;
  it->second->tracked = {std::move(*reread.kase), std::move(*reread.history)};
  it->second->recorded = std::move(recorded);
  return false;
}

bool Clocks::Queue(const domain::Case& kase, const ClockRecord& clock, RecordedSet& recorded) {
  bool queued = false;
  for (const auto& [at, breach] :
       {std::pair{clock.warned_at, false}, std::pair{clock.breached_at, true}}) {
    if (!at || !recorded.emplace(clock.metric, CycleOf(clock), breach).second) continue;
    to_record_.push_back({kase.meta.id, kase.account_id, clock.metric, CycleOf(clock), breach, *at});
    queued = true;
  }
  return queued;
}

std::optional<Id> Clocks::ApplyInteraction(const domain::Event& event) {
  // Most ingested contacts name no case; our own serialisation says so literally.
  if (event.change.find("\"case_id\":null") != std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(event.change, ec);
  const auto* object = ec ? nullptr : parsed.if_object();
  if (!object) return std::nullopt;
  // Only what makes messages; the event is the stored record, server fields and all.
  domain::Interaction interaction;
  FieldErrors errors;
  for (const auto& [key, value] : *object) {
    if (key == "case_id") domain::FromJson(value, interaction.case_id, "case_id", errors);
    if (key == "kind") domain::FromJson(value, interaction.kind, "kind", errors);
    if (key == "direction") domain::FromJson(value, interaction.direction, "direction", errors);
    if (key == "arrived_at") domain::FromJson(value, interaction.arrived_at, "arrived_at", errors);
    if (key == "answered_at") {
      domain::FromJson(value, interaction.answered_at, "answered_at", errors);
    }
  }
  if (!errors.empty() || !interaction.case_id) return std::nullopt;
  auto it = open_.find(*interaction.case_id);
  if (it == open_.end()) return std::nullopt;
  std::vector<sla::Message> added;
  sla::AddMessages(interaction, added);
  auto& messages = it->second->tracked.history.messages;
  for (const sla::Message& message : added) {  // in order, after any at the same instant
    messages.insert(std::upper_bound(messages.begin(), messages.end(), message,
                                     [](const auto& a, const auto& b) { return a.at < b.at; }),
                    message);
  }
  return interaction.case_id;
}

void Clocks::OnCommitted(const store::CommittedBatch& batch) {
  std::set<Id> cases, accounts;
  std::vector<const domain::Event*> contacts;
  std::vector<std::pair<Id, Id>> imported;  // id ranges of bulk-imported contacts
  bool reload_all = false, reload_config = false;
  for (const domain::Event& event : batch.events) {
    if (event.sequence <= loaded_sequence_) continue;
    if (event.entity == "case") {
      if (event.action != "sla_warning" && event.action != "sla_breached") {
        cases.insert(event.entity_id);
      }
    } else if (event.entity == "interaction") {
      if (event.action == "created") {
        contacts.push_back(&event);
        continue;
      }
      if (event.action == "imported") {
        imported.push_back(IdsOf(event));
        continue;
      }
      // An edited contact may have moved between cases or changed its instants: the cases
      // it was and is on are read again (the event names both).
      boost::system::error_code ec;
      const auto change = boost::json::parse(event.change, ec);
      const auto* object = ec ? nullptr : change.if_object();
      const auto* patch = object ? object->if_contains("patch") : nullptr;
      if (!patch || !patch->is_object()) {
        reload_all = true;
        continue;
      }
      bool touches_history = false;
      for (const char* key : {"case_id", "kind", "direction", "arrived_at", "answered_at"}) {
        touches_history = touches_history || patch->as_object().contains(key);
      }
      if (!touches_history) continue;
      for (const char* key : {"case_id", "from_case_id"}) {
        if (const auto* id = object->if_contains(key); id && id->is_int64()) {
          cases.insert(id->get_int64());
        }
      }
    } else if (event.entity == "account") {
      accounts.insert(event.entity_id);
    } else if (event.entity == "calendar" || event.entity == "sla_policy" ||
               event.entity == "agreement" || event.entity == "queue") {
      reload_config = true;
    }
  }
  // Done here, so that no answer after this write shows clocks of the old state: an event
  // this code cannot read makes it read every open case again; a configuration edit
  // (rare) reads the configuration and recomputes every clock.
  if (reload_all) {
    if (auto r = Load(); !r) spdlog::error("service clocks: reload failed: {}", r.error().message);
    return;
  }
  // Everything is read from the store before the lock is taken: a request holding a
  // reader connection may be waiting for the lock.
  std::optional<ClockConfig> config;
  if (reload_config) {
    auto read = store_.Read([&](store::Session& s) -> Result<void> {
      // config_ is replaced only here and in Load(), which never run at once (the commit
      // listener, or start-up before any write), so reading it needs no lock.
      auto loaded = ClockConfig::Load(s, &config_);
      if (!loaded) return std::unexpected(loaded.error());
      config = std::move(*loaded);
      return {};
    });
    if (!read) spdlog::error("service clocks: configuration not reloaded: {}", read.error().message);
  }
  // Imported contacts: the cases they are on are read again, like an edited contact's.
  if (!imported.empty()) {
    auto read = store_.Read([&](store::Session& s) -> Result<void> {
      for (const auto& [first, last] : imported) {
        auto r = s.Scan("interactions", {"case_id"}, first, last, [&](const store::ScanRow& row) {
          if (!row.IsNull(0)) cases.insert(row.Int(0));
        });
        if (!r) return r;
      }
      return {};
    });
    if (!read) {
      spdlog::error("service clocks: imported contacts not read: {}", read.error().message);
      if (auto r = Load(); !r) spdlog::error("service clocks: reload failed: {}", r.error().message);
      return;
    }
  }
  std::vector<domain::Account> changed_accounts;
  if (!config && !accounts.empty()) {
    auto read = store_.Read([&](store::Session& s) -> Result<void> {
      for (Id id : accounts) {
        auto found = store::Get<domain::Account>(s, id);
        if (!found) return std::unexpected(found.error());
        if (*found) changed_accounts.push_back(std::move(**found));
      }
      return {};
    });
    if (!read) spdlog::error("service clocks: accounts not reloaded: {}", read.error().message);
  }
  std::vector<Reread> rereads;
  for (Id id : cases) {
    auto reread = ReadCase(id);
    if (!reread) {
      spdlog::error("service clocks: case {} not reloaded: {}", id, reread.error().message);
      continue;
    }
    rereads.push_back(std::move(*reread));
  }

  std::unique_lock lock(mutex_);
  std::set<Id> reindex;
  for (const domain::Event* event : contacts) {
    if (auto id = ApplyInteraction(*event)) reindex.insert(*id);
  }
  bool wake = false;
  for (Reread& reread : rereads) {
    reindex.insert(reread.id);
    wake = Apply(std::move(reread)) || wake;
  }
  for (domain::Account& account : changed_accounts) {
    const Id id = account.meta.id;
    config_.accounts[id] = {std::move(account.name), std::move(account.segment),
                            account.business_calendar_id, std::move(account.time_zone)};
    for (const auto& [case_id, entry] : open_) {
      if (entry->tracked.record.account_id == id) reindex.insert(case_id);
    }
  }
  const Instant now = Now();
  if (config) {
    config_ = std::move(*config);
    ReindexAll(now);
  } else {
    for (Id id : reindex) Reindex(id, now);
  }
  // Set last, under the lock of what it describes: a reader never sees it ahead of them.
  if (!batch.events.empty()) {
    applied_sequence_ = std::max(applied_sequence_, batch.events.back().sequence);
  }
  if (wake) wake_.notify_all();
}

std::optional<std::vector<ClockRecord>> Clocks::Live(Id case_id, Instant now) const {
  std::shared_lock lock(mutex_);
  auto it = open_.find(case_id);
  if (it == open_.end()) return std::nullopt;
  return ComputeClocks(config_, it->second->tracked, now);
}

Result<std::vector<ClockRecord>> Clocks::Final(store::Session& s, const Case& kase,
                                               Instant at) const {
  auto history = LoadHistory(s, kase);
  if (!history) return std::unexpected(history.error());
  history->changes.push_back({at, CaseStatus::kResolved});
  std::shared_lock lock(mutex_);
  return ComputeClocks(config_, TrackedCase{kase, std::move(*history)}, at);
}

std::vector<Clocks::AtRiskItem> Clocks::AtRisk(Instant now, std::int64_t within_minutes,
                                               std::optional<Id> only_vendor,
                                               std::size_t limit) const {
  std::shared_lock lock(mutex_);
  // The candidates, by due instant: clocks due (or breached) before now + within, and
  // every warned one, however far its due is in calendar time.
  const Instant last{now.ms + within_minutes * sla::kMillisPerMinute};
  std::vector<Key> candidates;
  std::set_union(due_.begin(), due_.upper_bound({last, {std::numeric_limits<Id>::max(), {}}}),
                 warned_.begin(), warned_.end(), std::back_inserter(candidates));
  std::vector<AtRiskItem> out;
  for (const Key& key : candidates) {
    if (out.size() >= limit) break;
    const auto& [case_id, metric] = key.second;
    const Entry& entry = *open_.at(case_id);
    if (only_vendor && entry.tracked.record.vendor_id != only_vendor) continue;
    for (ClockRecord& clock : ComputeClocks(config_, entry.tracked, now)) {
      if (clock.metric != metric) continue;
      const bool due_soon = clock.due_at && *clock.due_at <= last;
      if (clock.breached_at || clock.warned_at || due_soon) {
        out.push_back({entry.tracked.record, std::move(clock)});
      }
    }
  }
  return out;
}

Clocks::OpenCasesPage Clocks::OpenCases(Instant now, std::optional<Id> only_vendor,
                                        std::optional<OpenCasePosition> after,
                                        std::size_t limit) const {
  std::shared_lock lock(mutex_);
  OpenCasesPage page;
  page.sequence = applied_sequence_;
  auto mine = [&](const Entry& entry) {
    return !only_vendor || entry.tracked.record.vendor_id == only_vendor;
  };
  if (only_vendor) {
    for (const auto& [id, entry] : open_) page.total += mine(*entry) ? 1 : 0;
  } else {
    page.total = open_.size();
  }
  // One more than a page tells whether another follows.
  std::vector<std::pair<OpenCasePosition, const Entry*>> found;
  auto add = [&](OpenCasePosition position, const Entry& entry) {
    found.emplace_back(position, &entry);
    return found.size() > limit;
  };
  if (!after || after->due) {
    // A case stands at its soonest due key; its other keys are passed over.
    auto it = after ? due_.lower_bound(Key{*after->due, {after->case_id + 1, ClockMetric{}}})
                    : due_.begin();
    for (; it != due_.end(); ++it) {
      const Entry& entry = *open_.at(it->second.first);
      if (!mine(entry) || *std::min_element(entry.due_keys.begin(), entry.due_keys.end()) != *it) {
        continue;
      }
      if (add({it->first, it->second.first}, entry)) break;
    }
  }
  if (found.size() <= limit) {
    const Id from = after && !after->due ? after->case_id : 0;
    std::vector<Id> idle;
    for (const auto& [id, entry] : open_) {
      if (id > from && entry->due_keys.empty() && mine(*entry)) idle.push_back(id);
    }
    std::sort(idle.begin(), idle.end());
    for (Id id : idle) {
      if (add({std::nullopt, id}, *open_.at(id))) break;
    }
  }
  if (found.size() > limit) {
    found.pop_back();
    page.next = found.back().first;
  }
  for (const auto& [position, entry] : found) {
    OpenCase item{entry->tracked.record, std::nullopt, {}};
    auto clocks = ComputeClocks(config_, entry->tracked, now);
    if (!entry->due_keys.empty()) {
      const ClockMetric soonest =
          std::min_element(entry->due_keys.begin(), entry->due_keys.end())->second.second;
      for (ClockRecord& clock : clocks) {
        if (clock.metric == soonest) item.clock = std::move(clock);
      }
    } else if (!clocks.empty()) {
      item.clock = std::move(clocks.front());
    }
    if (auto account = config_.accounts.find(item.kase.account_id);
        account != config_.accounts.end()) {
      item.account_name = account->second.name;
    }
    page.items.push_back(std::move(item));
  }
  return page;
}

void Clocks::RecorderLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!to_record_.empty()) {
      recording_ = std::move(to_record_);
      to_record_.clear();
      lock.unlock();
      auto written = store_.WriteAndWait([this](store::Session& s) -> Result<void> {
        for (const Pending& p : recording_) {
          boost::json::object change{{"metric", domain::Name(p.metric)},
                                     {"cycle", p.cycle},
                                     {"at", FormatRfc3339(p.at)}};
          domain::Event event{0,
                              p.at,
                              kSystemUserId,
                              "case",
                              p.case_id,
                              p.breach ? "sla_breached" : "sla_warning",
                              boost::json::serialize(change),
                              p.account_id};
          if (auto r = s.AppendEvent(event); !r) return r;
        }
        return {};
      });
      lock.lock();
      if (!written) {
        // A batch fails with the whole group commit it was in: try again shortly.
        spdlog::error("service clocks: {} warnings and breaches not recorded yet: {}",
                      recording_.size(), written.error().message);
        to_record_.insert(to_record_.begin(), recording_.begin(), recording_.end());
        recording_.clear();
        wake_.wait_for(lock, std::chrono::seconds(1));
        continue;
      }
      recording_.clear();
      continue;
    }
    const Instant now = Now();
    if (!alarms_.empty() && alarms_.begin()->first <= now) {
      std::set<Id> due;
      while (!alarms_.empty() && alarms_.begin()->first <= now) {
        due.insert(alarms_.begin()->second.first);
        alarms_.erase(alarms_.begin());
      }
      for (Id id : due) Reindex(id, now);
      continue;
    }
    if (alarms_.empty()) {
      wake_.wait(lock);
    } else {
      const auto until = std::chrono::system_clock::time_point{
          std::chrono::milliseconds{alarms_.begin()->first.ms}};
      wake_.wait_until(lock, until);
    }
  }
}

}  // namespace rapport::app
