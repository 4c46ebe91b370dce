#include "app/advocacy.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "app/report_params.hpp"
#include "app/visibility.hpp"
#include "domain/json_codec.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace json = boost::json;
using domain::Escalation;
using domain::EscalationStage;
using domain::Trial;
using store::Session;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
// The pre-filled sequence of events keeps the latest this many entries of the cases.
constexpr std::size_t kMaxPrefilled = 200;

Date TodayUtc(Instant now) {
  return Date{static_cast<std::int32_t>((now.ms >= 0 ? now.ms : now.ms - kDayMs + 1) / kDayMs)};
}

std::unexpected<Error> EscalationNotFound(Id id) {
  return Fail(ErrorCode::kNotFound, "escalation " + std::to_string(id) + " not found");
}

// Agents change only the escalations they own; managers and admins any.
bool MayManage(const Principal& who, const Escalation& escalation) {
  return who.role != domain::Role::kAgent || escalation.owner_id == who.user_id;
}

std::unexpected<Error> NotOwner(const Escalation& escalation) {
  return Fail(ErrorCode::kForbidden, "only the owner of escalation " +
                                         std::to_string(escalation.meta.id) +
                                         ", a manager or an admin may change it");
}

std::string Stage(EscalationStage stage) { return std::string(domain::Name(stage)); }

std::string ChannelWord(domain::Channel channel) {
  switch (channel) {
    case domain::Channel::kPhone: return "call";
    case domain::Channel::kEmail: return "email";
    case domain::Channel::kChat: return "chat";
    case domain::Channel::kWeb: return "web form";
    case domain::Channel::kSocial: return "social post";
    case domain::Channel::kSms: return "SMS";
  }
  return "contact";
}

// One line of the sequence of events for an interaction.
std::string Describe(const domain::Interaction& i) {
  std::string text;
  if (i.kind == domain::InteractionKind::kNote) {
    text = "Internal note";
  } else {
    text = std::string(i.direction == domain::Direction::kInbound ? "Inbound " : "Outbound ") +
           ChannelWord(i.channel);
    if (i.outcome) text += " (" + std::string(domain::Name(*i.outcome)) + ")";
  }
  if (i.subject && !i.subject->empty()) {
    text += ": " + *i.subject;
  } else if (i.category) {
    text += ": " + *i.category;
  }
  return text;
}

// A user who may own advocacy work: in-house (a vendor agent may not).
Result<void> CheckInHouse(Session& s, std::optional<Id> user_id, const std::string& field,
                          FieldErrors& errors) {
  if (!user_id) return {};
  auto user = store::Get<domain::User>(s, *user_id);
  if (!user) return std::unexpected(user.error());
  if (*user && (*user)->role == domain::Role::kVendorAgent) {
    errors.Add(field, "must be an in-house user, not a vendor agent");
  }
  return {};
}

Result<void> CheckPersonOfAccount(Session& s, Id person_id, Id account_id,
                                  const std::string& field, FieldErrors& errors) {
  auto person = store::Get<domain::Person>(s, person_id);
  if (!person) return std::unexpected(person.error());
  if (*person && (*person)->account_id != account_id) {
    errors.Add(field, "is a person of another account");
  }
  return {};
}

Result<bool> IsActiveCategory(Session& s, const std::string& name) {
  auto id = s.FindId("root_cause_categories", {"name", "active"}, {name, std::int64_t{1}});
  if (!id) return std::unexpected(id.error());
  return id->has_value();
}

// The categories of the escalation's linked cases.
Result<std::vector<std::string>> CaseCategories(Session& s, const Escalation& e) {
  std::vector<std::string> out;
  for (Id id : e.case_ids) {
    auto kase = store::Get<domain::Case>(s, id);
    if (!kase) return std::unexpected(kase.error());
    if (*kase && (*kase)->category) out.push_back(*(*kase)->category);
  }
  return out;
}

// An inbound contact on the account after the latest close-out.
struct PendingContact {
  domain::Interaction interaction;
  domain::ContactFacts facts;
  domain::Suggestion suggestion;
};

// Whether `i` awaits classification on the closed escalation `e` — an inbound contact (not
// a note) on its account, at or after the latest close-out, not classified yet — and if so
// with Rapport's suggestion. `categories`: CaseCategories(s, e).
Result<std::optional<PendingContact>> PendingContactOf(Session& s, const Escalation& e,
                                                       const std::vector<std::string>& categories,
                                                       domain::Interaction i) {
  if (!e.closed_at || (e.stage != EscalationStage::kClosed && e.stage != EscalationStage::kReviewed) ||
      i.account_id != e.account_id || i.arrived_at < *e.closed_at ||
      i.direction != domain::Direction::kInbound || i.kind != domain::InteractionKind::kContact) {
    return std::optional<PendingContact>{};
  }
  for (const auto& c : e.classifications) {
    if (c.interaction_id == i.meta.id) return std::optional<PendingContact>{};
  }
  domain::ContactFacts facts{i.arrived_at, i.category};
  if (!facts.category && i.case_id) {
    auto kase = store::Get<domain::Case>(s, *i.case_id);
    if (!kase) return std::unexpected(kase.error());
    if (*kase) facts.category = (*kase)->category;
  }
  auto suggestion = domain::SuggestRelation(e, categories, facts);
  return std::optional(PendingContact{std::move(i), std::move(facts), std::move(suggestion)});
}

// The contacts awaiting classification (PendingContactOf), oldest first.
Result<std::vector<PendingContact>> PendingContacts(Session& s, const Escalation& e) {
  std::vector<PendingContact> out;
  if (!e.closed_at || (e.stage != EscalationStage::kClosed && e.stage != EscalationStage::kReviewed)) {
    return out;
  }
  auto categories = CaseCategories(s, e);
  if (!categories) return std::unexpected(categories.error());
  auto interactions = store::All<domain::Interaction>(
      s, {{"account_id", store::Condition::Op::kEq, e.account_id},
          {"arrived_at", store::Condition::Op::kGe, e.closed_at->ms}});
  if (!interactions) return std::unexpected(interactions.error());
  for (auto& i : *interactions) {
    auto pending = PendingContactOf(s, e, *categories, std::move(i));
    if (!pending) return std::unexpected(pending.error());
    if (*pending) out.push_back(std::move(**pending));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.interaction.arrived_at < b.interaction.arrived_at;
  });
  return out;
}

json::object PendingJson(const PendingContact& p) {
  const auto& i = p.interaction;
  return json::object{
      {"interaction_id", i.meta.id},
      {"arrived_at", FormatRfc3339(i.arrived_at)},
      {"channel", domain::Name(i.channel)},
      {"subject", domain::ToJson(i.subject)},
      {"case_id", domain::ToJson(i.case_id)},
      {"person_id", domain::ToJson(i.person_id)},
      {"category", domain::ToJson(p.facts.category)},
      {"suggestion", domain::Name(p.suggestion.relation)},
      {"reason", p.suggestion.reason}};
}

Result<Escalation> LoadEscalation(Session& s, Id id) {
  auto found = store::Get<Escalation>(s, id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return EscalationNotFound(id);
  return std::move(**found);
}

domain::Event EscalationEvent(const Escalation& e, Instant at, Id actor, std::string action,
                              const json::object& change) {
  return domain::Event{0,       at, actor, "escalation", e.meta.id, std::move(action),
                       json::serialize(change), e.account_id};
}

// The account's annual value in the escalation's currency: the default revenue at risk.
void FillFromAccount(const domain::Account& account, Escalation& e) {
  if (e.currency.empty()) e.currency = account.currency;
  if (!e.revenue_at_risk_minor) {
    e.revenue_at_risk_minor = account.currency == e.currency ? account.annual_value_minor : 0;
  }
}

json::array MoneyJson(const std::map<std::string, domain::MoneyTotals>& money) {
  json::array out;
  for (const auto& [currency, totals] : money) {
    out.push_back(json::object{{"currency", currency},
                               {"revenue_at_risk_minor", totals.revenue_at_risk_minor},
                               {"incident_cost_minor", totals.incident_cost_minor},
                               {"open_revenue_at_risk_minor", totals.open_revenue_at_risk_minor}});
  }
  return out;
}

std::string AgeText(std::int64_t seconds) {
  if (seconds < 3600) return std::to_string(seconds / 60) + " minutes";
  if (seconds < 2 * 86'400) return std::to_string(seconds / 3600) + " hours";
  return std::to_string(seconds / 86'400) + " days";
}

}  // namespace

Result<std::vector<domain::SequenceEntry>> SequenceFromCases(Session& s,
                                                             const std::vector<Id>& case_ids) {
  std::vector<domain::SequenceEntry> out;
  for (Id case_id : case_ids) {
    auto kase = store::Get<domain::Case>(s, case_id);
    if (!kase) return std::unexpected(kase.error());
    if (!*kase) continue;  // named by CheckReferences
    const std::string name = "Case #" + std::to_string(case_id);
    out.push_back({(*kase)->meta.created_at, name + " opened: " + (*kase)->subject, case_id,
                   std::nullopt});
    auto events = s.EventsOf("case", case_id);
    if (!events) return std::unexpected(events.error());
    for (const auto& event : *events) {
      if (event.action != "status_changed") continue;
      boost::system::error_code ec;
      auto change = json::parse(event.change, ec);
      const auto* object = ec ? nullptr : change.if_object();
      if (!object || !object->contains("from") || !object->contains("to")) continue;
      out.push_back({event.at,
                     name + ": " + std::string(object->at("from").as_string()) + " → " +
                         std::string(object->at("to").as_string()),
                     case_id, std::nullopt});
    }
    auto interactions = store::All<domain::Interaction>(
        s, {{"case_id", store::Condition::Op::kEq, case_id}});
    if (!interactions) return std::unexpected(interactions.error());
    for (const auto& i : *interactions) {
      out.push_back({i.arrived_at, Describe(i), case_id, i.meta.id});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  if (out.size() > kMaxPrefilled) out.erase(out.begin(), out.end() - kMaxPrefilled);
  return out;
}

// ---- the ledger's rules ----------------------------------------------------------------

Result<void> ApplyRules(Session& s, const Principal& who, Escalation& e, const Escalation* before,
                        Instant now, FieldErrors& errors) {
  if (before) {
    if (!MayManage(who, *before)) return NotOwner(*before);
    if (e.account_id != before->account_id) {
      errors.Add("account_id", "cannot change; open a new escalation for the other account");
    }
  }
  auto account = store::Get<domain::Account>(s, e.account_id);
  if (!account) return std::unexpected(account.error());
  if (*account) FillFromAccount(**account, e);
  for (std::size_t i = 0; i < e.case_ids.size(); ++i) {
    auto kase = store::Get<domain::Case>(s, e.case_ids[i]);
    if (!kase) return std::unexpected(kase.error());
    if (*kase && (*kase)->account_id != e.account_id) {
      errors.Add("case_ids[" + std::to_string(i) + "]", "is a case of another account");
    }
  }
  for (std::size_t i = 0; i < e.contact_ids.size(); ++i) {
    auto r = CheckPersonOfAccount(s, e.contact_ids[i], e.account_id,
                                  "contact_ids[" + std::to_string(i) + "]", errors);
    if (!r) return r;
  }
  if (e.customer_agreement) {
    auto r = CheckPersonOfAccount(s, e.customer_agreement->person_id, e.account_id,
                                  "customer_agreement.person_id", errors);
    if (!r) return r;
    if (now < e.customer_agreement->at) {
      errors.Add("customer_agreement.at", "is in the future");
    }
  }
  for (auto [id, field] : {std::pair{std::optional<Id>(e.owner_id), std::string("owner_id")},
                           std::pair{e.executive_sponsor_id, std::string("executive_sponsor_id")}}) {
    if (auto r = CheckInHouse(s, id, field, errors); !r) return r;
  }
  for (std::size_t i = 0; i < e.plan.size(); ++i) {
    auto r = CheckInHouse(s, e.plan[i].owner_id, "plan[" + std::to_string(i) + "].owner_id", errors);
    if (!r) return r;
  }
  if (e.previous_escalation_id) {
    auto previous = store::Get<Escalation>(s, *e.previous_escalation_id);
    if (!previous) return std::unexpected(previous.error());
    if (*previous && (*previous)->account_id != e.account_id) {
      errors.Add("previous_escalation_id", "is an escalation of another account");
    }
  }
  // A category is checked when chosen, so that retiring one leaves old escalations editable.
  if (e.root_cause_category && (!before || before->root_cause_category != e.root_cause_category)) {
    auto active = IsActiveCategory(s, *e.root_cause_category);
    if (!active) return std::unexpected(active.error());
    if (!*active) {
      errors.Add("root_cause_category", "'" + *e.root_cause_category +
                                            "' is not an active category of "
                                            "/api/v1/root_cause_categories");
    }
  }
  if (!before) {
    if (e.stage != EscalationStage::kEngaged) {
      errors.Add("stage", "a new escalation starts engaged");
    } else {
      domain::ApplyStageInstants(e, now, who.user_id);
    }
    if (e.sequence_of_events.empty()) {
      auto prefilled = SequenceFromCases(s, e.case_ids);
      if (!prefilled) return std::unexpected(prefilled.error());
      e.sequence_of_events = std::move(*prefilled);
    }
    return {};
  }
  if (e.stage != before->stage && errors.empty()) {
    if (!domain::IsLegalStageMove(before->stage, e.stage)) {
      std::string why = "illegal move from " + Stage(before->stage);
      if (before->stage == EscalationStage::kClosed && e.stage == EscalationStage::kVerifying) {
        why += "; a closed escalation reopens when a new contact is classified as related "
               "(POST /api/v1/escalations/{id}/classifications)";
      } else if (before->stage == EscalationStage::kReviewed) {
        why += "; a reviewed escalation is final";
      }
      return Fail(ErrorCode::kConflict,
                  "an escalation cannot go from " + Stage(before->stage) + " to " + Stage(e.stage),
                  {{"stage", why}});
    }
    auto refusals = domain::StageEntryRefusals(e, e.stage);
    if (!refusals.empty()) {
      // Counted before the call: its arguments may be evaluated in any order, and GCC moved
      // the list away before counting it ("0 condition(s) unmet").
      std::string message = "the escalation cannot enter " + Stage(e.stage) + " yet: " +
                            std::to_string(refusals.size()) + " condition(s) unmet";
      return Fail(ErrorCode::kConflict, std::move(message), std::move(refusals));
    }
    domain::ApplyStageInstants(e, now, who.user_id);
  }
  return {};
}

Result<void> ApplyRules(Session& s, const Principal& who, Trial& trial, const Trial* before,
                        Instant now, FieldErrors& errors) {
  auto escalation = store::Get<Escalation>(s, trial.escalation_id);
  if (!escalation) return std::unexpected(escalation.error());
  if (before) {
    auto owning = store::Get<Escalation>(s, before->escalation_id);
    if (!owning) return std::unexpected(owning.error());
    if (*owning && !MayManage(who, **owning)) return NotOwner(**owning);
    if (before->ended_on) {
      return Fail(ErrorCode::kConflict,
                  "trial " + std::to_string(before->meta.id) + " ended on " +
                      FormatDate(*before->ended_on) + "; it can no longer change",
                  {{"ended_on", "the trial has ended"}});
    }
    if (trial.escalation_id != before->escalation_id) {
      errors.Add("escalation_id", "cannot change; start a new trial");
    }
    if (trial.service_id != before->service_id) {
      errors.Add("service_id", "cannot change; start a new trial");
    }
  } else if (*escalation && !MayManage(who, **escalation)) {
    return NotOwner(**escalation);
  }
  if (*escalation) {
    trial.account_id = (*escalation)->account_id;
    if (!before && (*escalation)->stage == EscalationStage::kReviewed) {
      errors.Add("escalation_id", "is reviewed; a reviewed escalation is final");
    }
  }
  if (!before) {
    auto service = store::Get<domain::MitigatingService>(s, trial.service_id);
    if (!service) return std::unexpected(service.error());
    if (*service) {
      trial.monthly_price_minor = (*service)->monthly_price_minor;
      trial.currency = (*service)->currency;
      if (!(*service)->active) errors.Add("service_id", "is no longer offered");
      if (*escalation && (*escalation)->currency != trial.currency) {
        errors.Add("service_id", "is priced in " + trial.currency + " but the escalation's money is in " +
                                     (*escalation)->currency);
      }
    }
  }
  domain::ApplyTrialDefaults(trial, TodayUtc(now));
  return {};
}

Result<void> RecheckTrialEscalation(Session& s, const Principal& who, const Trial& trial) {
  auto escalation = store::Get<Escalation>(s, trial.escalation_id);
  if (!escalation) return std::unexpected(escalation.error());
  if (!*escalation) return {};  // records are never deleted: the snapshot found it
  if (!MayManage(who, **escalation)) return NotOwner(**escalation);
  if ((*escalation)->stage == EscalationStage::kReviewed) {
    return Fail(ErrorCode::kConflict,
                "escalation " + std::to_string(trial.escalation_id) +
                    " was reviewed while this request was being checked; a reviewed escalation is final",
                {{"escalation_id", "is reviewed; a reviewed escalation is final"}});
  }
  return {};
}

Result<void> ApplyRules(Session& s, const Principal&, domain::RootCauseCategory& category,
                        const domain::RootCauseCategory* before, Instant, FieldErrors& errors) {
  auto same = s.FindId("root_cause_categories", {"name"}, {category.name});
  if (!same) return std::unexpected(same.error());
  if (*same && (!before || **same != before->meta.id)) {
    errors.Add("name", "category '" + category.name + "' already exists");
  }
  return {};
}

// ---- use cases -----------------------------------------------------------------------

void Advocacy::LogProgressUpdate(const Principal& who, Id escalation_id, json::value body,
                                 Callback<Record> done) {
  const auto* object = body.if_object();
  if (!object) {
    return done(Fail(ErrorCode::kInvalid, "a progress update is an object",
                     {{"body", "must be an object"}}));
  }
  const Instant now = Now();
  domain::ProgressUpdate update{now, who.user_id, domain::Channel::kEmail, {}};
  FieldErrors errors;
  for (const auto& [key, value] : *object) {
    if (key != "channel" && key != "summary" && key != "at") {
      errors.Add(std::string(key), key == "by" ? "is read-only: the caller" : "unknown field");
    }
  }
  for (const char* required : {"channel", "summary"}) {
    if (!object->contains(required)) errors.Add(required, "is required");
  }
  if (const auto* v = object->if_contains("channel")) domain::FromJson(*v, update.channel, "channel", errors);
  if (const auto* v = object->if_contains("summary")) {
    domain::FromJson(*v, update.summary, "summary", errors);
    if (v->is_string() && update.summary.find_first_not_of(" \t\r\n") == std::string::npos) {
      errors.Add("summary", "must not be blank");
    }
  }
  if (const auto* v = object->if_contains("at")) {
    domain::FromJson(*v, update.at, "at", errors);
    if (v->is_string() && now < update.at) errors.Add("at", "is in the future");
  }
  if (!errors.empty()) return done(std::unexpected(errors.ToError()));
  auto result = std::make_shared<Record>();
  store_.Write(
      [who, escalation_id, update, now, result](Session& s) -> Result<void> {
        auto e = LoadEscalation(s, escalation_id);
        if (!e) return std::unexpected(e.error());
        if (!MayManage(who, *e)) return NotOwner(*e);
        if (e->stage == EscalationStage::kReviewed) {
          return Fail(ErrorCode::kConflict, "escalation " + std::to_string(escalation_id) +
                                                " is reviewed; a reviewed escalation is final",
                      {{"stage", "is reviewed"}});
        }
        // The log stays in time order whatever `at` a late entry names.
        auto place = std::upper_bound(
            e->progress_updates.begin(), e->progress_updates.end(), update.at,
            [](Instant at, const domain::ProgressUpdate& u) { return at < u.at; });
        e->progress_updates.insert(place, update);
        if (auto r = store::Update(s, *e, now); !r) return r;
        auto event = EscalationEvent(*e, now, who.user_id, "progress_update_logged",
                                     {{"progress_update", domain::ToJson(update)}});
        if (auto r = s.AppendEvent(event); !r) return r;
        *result = Record{e->meta.id, Present(who, *e), e->meta.version, false, nullptr};
        return {};
      },
      [result, done = std::move(done)](Result<void> r) {
        if (!r) return done(std::unexpected(r.error()));
        done(std::move(*result));
      });
}

Result<json::value> Advocacy::Contacts(const Principal&, Id escalation_id) {
  json::object out;
  auto read = store_.Read([&](Session& s) -> Result<void> {
    auto e = LoadEscalation(s, escalation_id);
    if (!e) return std::unexpected(e.error());
    auto pending = PendingContacts(s, *e);
    if (!pending) return std::unexpected(pending.error());
    json::array awaiting;
    for (const auto& p : *pending) awaiting.push_back(PendingJson(p));
    out = json::object{{"escalation_id", escalation_id},
                       {"stage", Stage(e->stage)},
                       {"closed_at", domain::ToJson(e->closed_at)},
                       {"awaiting_classification", std::move(awaiting)},
                       {"classified", domain::ToJson(e->classifications)}};
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

void Advocacy::Classify(const Principal& who, Id escalation_id, json::value body,
                        Callback<json::value> done) {
  const auto* object = body.if_object();
  if (!object) {
    return done(Fail(ErrorCode::kInvalid, "a classification is an object",
                     {{"body", "must be an object"}}));
  }
  FieldErrors errors;
  Id interaction_id = 0;
  domain::ContactRelation choice = domain::ContactRelation::kSeparate;
  for (const auto& [key, value] : *object) {
    if (key != "interaction_id" && key != "choice") errors.Add(std::string(key), "unknown field");
  }
  for (const char* required : {"interaction_id", "choice"}) {
    if (!object->contains(required)) errors.Add(required, "is required");
  }
  if (const auto* v = object->if_contains("interaction_id")) {
    domain::FromJson(*v, interaction_id, "interaction_id", errors);
  }
  if (const auto* v = object->if_contains("choice")) domain::FromJson(*v, choice, "choice", errors);
  if (!errors.empty()) return done(std::unexpected(errors.ToError()));

  auto result = std::make_shared<json::value>();
  store_.Write(
      [who, escalation_id, interaction_id, choice, result](Session& s) -> Result<void> {
        const Instant now = Now();
        auto e = LoadEscalation(s, escalation_id);
        if (!e) return std::unexpected(e.error());
        if (!MayManage(who, *e)) return NotOwner(*e);
        if (e->stage != EscalationStage::kClosed && e->stage != EscalationStage::kReviewed) {
          return Fail(ErrorCode::kConflict,
                      "escalation " + std::to_string(escalation_id) + " is " + Stage(e->stage) +
                          "; contacts are classified after close-out",
                      {{"stage", "is " + Stage(e->stage) + ", not closed or reviewed"}});
        }
        for (const auto& c : e->classifications) {
          if (c.interaction_id == interaction_id) {
            return Fail(ErrorCode::kConflict,
                        "interaction " + std::to_string(interaction_id) + " was already classified",
                        {{"interaction_id", "already classified as " +
                                                std::string(domain::Name(c.chosen))}});
          }
        }
        // The one contact, not every contact since the close-out: this runs in the writer.
        auto categories = CaseCategories(s, *e);
        if (!categories) return std::unexpected(categories.error());
        auto interaction = store::Get<domain::Interaction>(s, interaction_id);
        if (!interaction) return std::unexpected(interaction.error());
        std::optional<PendingContact> found;
        if (*interaction) {
          auto pending = PendingContactOf(s, *e, *categories, std::move(**interaction));
          if (!pending) return std::unexpected(pending.error());
          found = std::move(*pending);
        }
        if (!found) {
          return Fail(ErrorCode::kInvalid, "not a contact awaiting classification",
                      {{"interaction_id",
                        "is not an inbound contact on the account since the close-out"}});
        }
        if (choice == domain::ContactRelation::kRelated && e->stage == EscalationStage::kReviewed) {
          return Fail(ErrorCode::kConflict, "a reviewed escalation is final",
                      {{"choice", "a reviewed escalation is final and cannot reopen; classify as separate"}});
        }
        domain::ContactClassification classification{interaction_id, found->suggestion.relation,
                                                      choice,         who.user_id,
                                                      now,            std::nullopt};
        json::value created = nullptr;
        if (choice == domain::ContactRelation::kRelated) {
          const EscalationStage from = e->stage;
          e->stage = EscalationStage::kVerifying;
          RAPPORT_CHECK(domain::IsLegalStageMove(from, e->stage, true));
          domain::ApplyStageInstants(*e, now, who.user_id);
          auto event = EscalationEvent(*e, now, who.user_id, "stage_changed",
                                       {{"from", Stage(from)},
                                        {"to", Stage(e->stage)},
                                        {"interaction_id", interaction_id},
                                        {"reason", "a new contact was classified as related"}});
          if (auto r = s.AppendEvent(event); !r) return r;
        } else {
          // A separate incident: a new escalation that references this one, pre-filled.
          const domain::Interaction& contact = found->interaction;
          Escalation next;
          next.account_id = e->account_id;
          next.title = "Follow-up to escalation #" + std::to_string(e->meta.id) + ": " + e->title;
          next.severity = e->severity;
          next.owner_id = e->owner_id;
          next.executive_sponsor_id = e->executive_sponsor_id;
          next.contact_ids = e->contact_ids;
          if (contact.person_id &&
              std::find(next.contact_ids.begin(), next.contact_ids.end(), *contact.person_id) ==
                  next.contact_ids.end()) {
            next.contact_ids.push_back(*contact.person_id);
          }
          if (contact.case_id) next.case_ids.push_back(*contact.case_id);
          next.previous_escalation_id = e->meta.id;
          next.currency = e->currency;
          auto account = store::Get<domain::Account>(s, e->account_id);
          if (!account) return std::unexpected(account.error());
          if (*account) FillFromAccount(**account, next);
          auto prefilled = SequenceFromCases(s, next.case_ids);
          if (!prefilled) return std::unexpected(prefilled.error());
          next.sequence_of_events = std::move(*prefilled);
          if (!contact.case_id) {
            next.sequence_of_events.push_back(
                {contact.arrived_at, Describe(contact), std::nullopt, contact.meta.id});
          }
          domain::ApplyStageInstants(next, now, who.user_id);
          FieldErrors invalid;
          domain::Validate(next, invalid);
          RAPPORT_CHECK(invalid.empty());
          if (auto r = store::Insert(s, next, now); !r) return r;
          domain::Event event{0,           now,       who.user_id,
                              "escalation", next.meta.id, "created",
                              json::serialize(domain::ToJson(next)), next.account_id};
          if (auto r = s.AppendEvent(event); !r) return r;
          classification.new_escalation_id = next.meta.id;
          created = Present(who, next);
        }
        e->classifications.push_back(classification);
        if (auto r = store::Update(s, *e, now); !r) return r;
        auto event = EscalationEvent(*e, now, who.user_id, "contact_classified",
                                     {{"classification", domain::ToJson(classification)}});
        if (auto r = s.AppendEvent(event); !r) return r;
        *result = json::object{{"classification", domain::ToJson(classification)},
                               {"escalation", Present(who, *e)},
                               {"new_escalation", std::move(created)}};
        return {};
      },
      [result, done = std::move(done)](Result<void> r) {
        if (!r) return done(std::unexpected(r.error()));
        done(std::move(*result));
      });
}

Result<json::value> Advocacy::Overview(const Principal& who, Id escalation_id, Instant now) {
  json::object out;
  auto read = store_.Read([&](Session& s) -> Result<void> {
    auto e = LoadEscalation(s, escalation_id);
    if (!e) return std::unexpected(e.error());
    // Progress updates: how long the customer has waited for news.
    json::value last = nullptr;
    if (!e->progress_updates.empty()) {
      const auto& update = e->progress_updates.back();
      const std::int64_t age = std::max<std::int64_t>(0, (now.ms - update.at.ms) / 1000);
      last = json::object{{"at", FormatRfc3339(update.at)},
                          {"channel", domain::Name(update.channel)},
                          {"summary", update.summary},
                          {"age_seconds", age},
                          {"age", AgeText(age)}};
    }
    // The plan: actions past their due date and not done.
    const Date today = TodayUtc(now);
    json::array overdue;
    std::int64_t done_actions = 0;
    for (std::size_t i = 0; i < e->plan.size(); ++i) {
      const auto& action = e->plan[i];
      if (action.status == domain::ActionStatus::kDone) ++done_actions;
      const bool open = action.status == domain::ActionStatus::kPlanned ||
                        action.status == domain::ActionStatus::kInProgress;
      if (open && action.due_on && *action.due_on < today) {
        overdue.push_back(json::object{{"index", i},
                                       {"description", action.description},
                                       {"due_on", FormatDate(*action.due_on)},
                                       {"days_overdue", today.days - action.due_on->days}});
      }
    }
    json::array unmet;
    for (const auto& c : e->success_criteria) {
      if (!c.met) unmet.push_back(json::string(c.description));
    }
    json::array stages;
    for (const auto& [stage, seconds] : domain::SecondsInStages(*e, now)) {
      stages.push_back(json::object{{"stage", Stage(stage)}, {"seconds", seconds}});
    }
    json::object next = {{"stage", nullptr}, {"blocked_by", json::array{}}};
    if (auto stage = domain::NextStage(e->stage)) {
      json::array blocked;
      for (const auto& f : domain::StageEntryRefusals(*e, *stage)) {
        blocked.push_back(json::object{{"field", f.field}, {"message", f.message}});
      }
      next = json::object{{"stage", Stage(*stage)}, {"blocked_by", std::move(blocked)}};
    }
    // Trials and their return on the business impact.
    auto trials = store::All<Trial>(s, {{"escalation_id", store::Condition::Op::kEq, escalation_id}});
    if (!trials) return std::unexpected(trials.error());
    json::array trial_items;
    for (const Trial& t : *trials) {
      auto service = store::Get<domain::MitigatingService>(s, t.service_id);
      if (!service) return std::unexpected(service.error());
      const domain::TrialReturn r = domain::ReturnOf(t, *e);
      trial_items.push_back(json::object{
          {"trial", Present(who, t)},
          {"service", *service ? json::value((*service)->name) : json::value(nullptr)},
          {"reminder_on", FormatDate(domain::ReminderDate(t))},
          {"return",
           {{"currency", t.currency},
            {"trial_days", r.trial_days},
            {"trial_cost_minor", r.trial_cost_minor},
            {"incident_cost_minor", e->incident_cost_minor},
            {"investment_minor", r.investment_minor},
            {"gain_minor", r.gain_minor},
            {"roi_percent", r.roi_percent ? json::value(*r.roi_percent) : json::value(nullptr)}}}});
    }
    auto pending = PendingContacts(s, *e);
    if (!pending) return std::unexpected(pending.error());
    out = json::object{
        {"escalation", Present(who, *e)},
        {"as_of", FormatRfc3339(now)},
        {"progress", {{"updates", e->progress_updates.size()}, {"last", std::move(last)}}},
        {"plan",
         {{"actions", e->plan.size()}, {"done", done_actions}, {"overdue", std::move(overdue)}}},
        {"success_criteria",
         {{"total", e->success_criteria.size()},
          {"unmet", std::move(unmet)},
          {"customer_agreement_recorded", e->customer_agreement.has_value()}}},
        {"next_stage", std::move(next)},
        {"time_in_stage", std::move(stages)},
        {"trials", std::move(trial_items)},
        {"awaiting_classification", pending->size()}};
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

Result<json::value> Advocacy::Review(const Principal&, const ReportParams& params,
                                     Instant now) const {
  ParamReader reader(params);
  domain::ReviewOptions options;
  options.now = now;
  options.time_zone = reader.Take("time_zone").value_or("UTC");
  auto from = reader.When("from", options.time_zone);
  auto to = reader.When("to", options.time_zone);
  options.to = to.value_or(now);
  options.from = from.value_or(Instant{options.to.ms - 365 * kDayMs});
  if (!(options.from < options.to)) reader.Bad("to", "must be after from");
  if (options.to.ms - options.from.ms > 20 * 366 * kDayMs) reader.Bad("from", "the range is over 20 years");
  std::optional<domain::Severity> severity;
  if (auto text = reader.Take("severity")) {
    severity = domain::EnumFromName<domain::Severity>(*text);
    if (!severity) reader.Bad("severity", "must be low, medium, high or critical, not '" + *text + "'");
  }
  auto owner_id = reader.Integer("owner_id", 1, std::numeric_limits<std::int64_t>::max());
  auto account_id = reader.Integer("account_id", 1, std::numeric_limits<std::int64_t>::max());
  std::vector<Escalation> escalations;
  auto read = store_.Read([&](Session& s) -> Result<void> {
    std::vector<store::Condition> where;
    if (owner_id) where.push_back({"owner_id", store::Condition::Op::kEq, *owner_id});
    if (account_id) where.push_back({"account_id", store::Condition::Op::kEq, *account_id});
    if (severity) {
      where.push_back({"severity", store::Condition::Op::kEq, std::string(domain::Name(*severity))});
    }
    auto all = store::All<Escalation>(s, std::move(where));
    if (!all) return std::unexpected(all.error());
    escalations = std::move(*all);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  auto review = domain::ReviewOf(escalations, options);
  if (!review) {
    for (const auto& f : review.error().fields) reader.Bad(f.field, f.message);
  }
  if (auto r = reader.Finish(); !r) return std::unexpected(r.error());

  json::array categories;
  for (const auto& [name, group] : review->by_category) {
    categories.push_back(json::object{{"category", name.empty() ? json::value(nullptr) : json::value(name)},
                                      {"escalations", group.escalations},
                                      {"money", MoneyJson(group.money)}});
  }
  json::array severities;
  for (const auto& [name, group] : review->by_severity) {
    severities.push_back(json::object{{"severity", name},
                                      {"escalations", group.escalations},
                                      {"money", MoneyJson(group.money)}});
  }
  json::array owners;
  for (const auto& [key, counts] : review->by_factor_owner) {
    owners.push_back(json::object{{"party", key.first},
                                  {"function", key.second.empty() ? json::value(nullptr) : json::value(key.second)},
                                  {"escalations", counts.first},
                                  {"factors", counts.second}});
  }
  json::array stages;
  for (const auto& [stage, time] : review->time_in_stage) {
    stages.push_back(json::object{
        {"stage", Stage(stage)},
        {"escalations", time.escalations},
        {"visits", time.visits},
        {"total_seconds", time.total_seconds},
        {"mean_days", time.escalations ? std::round(static_cast<double>(time.total_seconds) /
                                                    static_cast<double>(time.escalations) / 864.0) / 100.0
                                       : 0.0}});
  }
  json::array trend;
  for (const auto& [month, counts] : review->trend) {
    trend.push_back(json::object{{"month", month}, {"opened", counts.opened}, {"closed", counts.closed}});
  }
  json::object filters;
  if (severity) filters["severity"] = domain::Name(*severity);
  if (owner_id) filters["owner_id"] = *owner_id;
  if (account_id) filters["account_id"] = *account_id;
  return json::object{{"from", FormatRfc3339(options.from)},
                      {"to", FormatRfc3339(options.to)},
                      {"time_zone", options.time_zone},
                      {"filters", std::move(filters)},
                      {"escalations", review->escalations},
                      {"by_root_cause_category", std::move(categories)},
                      {"by_factor_owner", std::move(owners)},
                      {"by_severity", std::move(severities)},
                      {"time_in_stage", std::move(stages)},
                      {"money_at_risk", MoneyJson(review->money)},
                      {"trend", std::move(trend)}};
}

Result<TrialSweep> Advocacy::SweepTrials(Instant now) {
  TrialSweep sweep;
  const Date today = TodayUtc(now);
  auto written = store_.WriteAndWait([&](Session& s) -> Result<void> {
    sweep = {};
    // Running trials only (the partial index trials_running).
    auto trials = store::All<Trial>(s, {{"ended_on", store::Condition::Op::kEq, store::SqlValue()}});
    if (!trials) return std::unexpected(trials.error());
    for (Trial& t : *trials) {
      if (t.ended_on || t.outcome == domain::TrialOutcome::kPurchased || !t.ends_on) continue;
      std::string action;
      json::object change;
      if (*t.ends_on <= today) {
        // Unless purchased, the service ends on the end date.
        t.ended_on = t.ends_on;
        if (!t.outcome) t.outcome = domain::TrialOutcome::kTurnedOff;
        action = "trial_ended";
        change = {{"ended_on", FormatDate(*t.ended_on)}, {"outcome", domain::Name(*t.outcome)}};
        ++sweep.ended;
      } else if (!t.reminded_on && !t.outcome && domain::ReminderDate(t) <= today) {
        t.reminded_on = today;
        action = "trial_reminder_due";
        change = {{"ends_on", FormatDate(*t.ends_on)}, {"reminder_days", t.reminder_days}};
        ++sweep.reminded;
      } else {
        continue;
      }
      if (auto r = store::Update(s, t, now); !r) return r;
      domain::Event event{0, now, kSystemUserId, "trial", t.meta.id, action,
                          json::serialize(change), t.account_id};
      if (auto r = s.AppendEvent(event); !r) return r;
    }
    return {};
  });
  if (!written) return std::unexpected(written.error());
  return sweep;
}

void AddAdvocacyJobs(PeriodicJobs& jobs, store::Store& store, std::chrono::milliseconds interval) {
  jobs.Add("trials", interval, [&store](Instant now) {
    Advocacy advocacy(store);
    auto sweep = advocacy.SweepTrials(now);
    if (!sweep) {
      spdlog::error("trial job: {}", sweep.error().message);
    } else if (sweep->reminded + sweep->ended > 0) {
      spdlog::info("trial job: {} reminder(s) due, {} trial(s) ended", sweep->reminded, sweep->ended);
    }
  });
}

}  // namespace rapport::app
