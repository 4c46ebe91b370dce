// Customer advocacy: escalated customers run as a managed process. The value types of an
// escalation (stages, situation summary, get-well plan, success criteria, close-out, the
// classification of contacts after close-out), the configurable root-cause categories,
// the catalogue of mitigating services and their trials, with their field lists and the
// pure rules: the stage machine and its entry conditions, the related/separate
// suggestion, trial dates and return on investment, and the management review's
// aggregation. Definitions: docs/advocacy.md. Plain data and pure functions; no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/entities.hpp"

namespace rapport::domain {

// ---- enumerations -------------------------------------------------------------------

enum class EscalationStage { kEngaged, kPlanning, kExecuting, kVerifying, kClosed, kReviewed };
template <>
struct EnumNames<EscalationStage> {
  static constexpr std::array<std::string_view, 6> kNames = {
      "engaged", "planning", "executing", "verifying", "closed", "reviewed"};
};

enum class Severity { kLow, kMedium, kHigh, kCritical };
template <>
struct EnumNames<Severity> {
  static constexpr std::array<std::string_view, 4> kNames = {"low", "medium", "high", "critical"};
};

// Who owns a contributing factor: we (naming the function), the customer, or a third party.
enum class FactorParty { kUs, kCustomer, kThirdParty };
template <>
struct EnumNames<FactorParty> {
  static constexpr std::array<std::string_view, 3> kNames = {"us", "customer", "third_party"};
};

enum class BusinessFunction {
  kProductManagement,
  kSalesAndMarketing,
  kCustomerService,
  kTechnicalSupport,
  kEngineering,
  kSeniorManagement,
};
template <>
struct EnumNames<BusinessFunction> {
  static constexpr std::array<std::string_view, 6> kNames = {
      "product_management", "sales_and_marketing", "customer_service",
      "technical_support",  "engineering",         "senior_management"};
};

enum class ActionStatus { kPlanned, kInProgress, kDone, kCancelled };
template <>
struct EnumNames<ActionStatus> {
  static constexpr std::array<std::string_view, 4> kNames = {"planned", "in_progress", "done",
                                                             "cancelled"};
};

enum class TrialOutcome { kPurchased, kTurnedOff };
template <>
struct EnumNames<TrialOutcome> {
  static constexpr std::array<std::string_view, 2> kNames = {"purchased", "turned_off"};
};

// How a contact after close-out relates to the escalation.
enum class ContactRelation { kRelated, kSeparate };
template <>
struct EnumNames<ContactRelation> {
  static constexpr std::array<std::string_view, 2> kNames = {"related", "separate"};
};

// ---- escalations --------------------------------------------------------------------

// One line of the situation summary's sequence of events.
struct SequenceEntry {
  Instant at;
  std::string description;
  std::optional<Id> case_id;         // the case it came from, when pre-filled
  std::optional<Id> interaction_id;  // the interaction it came from, when pre-filled
};

struct ContributingFactor {
  std::string description;
  FactorParty party = FactorParty::kUs;
  std::optional<BusinessFunction> function;  // required when, and only when, party is us
};

// An item of the dry run before the customer meeting.
struct ChecklistItem {
  std::string item;
  bool done = false;
};

// An action of the get-well plan.
struct PlanAction {
  std::string description;
  std::optional<Id> owner_id;  // users
  std::optional<Date> due_on;
  ActionStatus status = ActionStatus::kPlanned;
};

// A progress update sent to the customer (logged by POST .../progress-updates).
struct ProgressUpdate {
  Instant at;
  Id by = 0;  // users
  Channel channel = Channel::kEmail;
  std::string summary;
};

struct SuccessCriterion {
  std::string description;
  bool met = false;
  std::optional<std::string> evidence;  // required once met
};

// The customer's agreement to close out: who (a person of the account) and when.
struct CustomerAgreement {
  Id person_id = 0;  // people
  Instant at;
};

// One stage entered: the escalation's stage history (each also a "stage_changed" event).
struct StageStep {
  EscalationStage stage = EscalationStage::kEngaged;
  Instant at;
  Id by = 0;  // users
};

// The owner's classification of a contact that arrived after close-out.
struct ContactClassification {
  Id interaction_id = 0;
  ContactRelation suggested = ContactRelation::kSeparate;
  ContactRelation chosen = ContactRelation::kSeparate;
  Id by = 0;  // users
  Instant at;
  std::optional<Id> new_escalation_id;  // separate: the escalation opened for it
};

struct Escalation {
  Meta meta;
  Id account_id = 0;
  std::string title;
  Severity severity = Severity::kHigh;
  Id owner_id = 0;
  std::optional<Id> executive_sponsor_id;
  std::vector<Id> case_ids;     // linked cases, of the account
  std::vector<Id> contact_ids;  // the customer's contacts, people of the account
  EscalationStage stage = EscalationStage::kEngaged;
  // Situation summary.
  std::vector<SequenceEntry> sequence_of_events;  // empty at creation: pre-filled
  std::optional<std::string> customer_impact;
  std::optional<std::string> root_cause;
  std::optional<std::string> root_cause_category;  // a name of an active RootCauseCategory
  std::vector<ContributingFactor> contributing_factors;
  std::vector<ChecklistItem> dry_run_checklist;
  // Get-well plan, success criteria, close-out.
  std::vector<PlanAction> plan;
  std::vector<SuccessCriterion> success_criteria;
  std::optional<CustomerAgreement> customer_agreement;
  // Business impact, in `currency`.
  std::optional<std::int64_t> revenue_at_risk_minor;  // absent: the account's annual value
  std::int64_t incident_cost_minor = 0;
  std::string currency;  // empty: the account's
  std::optional<Id> previous_escalation_id;  // a separate incident after this one's close-out
  // Kept by the server.
  std::vector<ProgressUpdate> progress_updates;
  std::vector<StageStep> stage_history;
  std::optional<Instant> closed_at;  // the latest close-out
  std::vector<ContactClassification> classifications;
};

// The configurable list escalations take their root-cause category from (admin-edited).
struct RootCauseCategory {
  Meta meta;
  std::string name;  // unique
  std::optional<std::string> description;
  bool active = true;  // inactive: kept on old escalations, refused on new choices
};

// The catalogue of services offered on trial to mitigate an incident.
struct MitigatingService {
  Meta meta;
  std::string name;
  std::optional<std::string> description;
  std::int64_t monthly_price_minor = 0;
  std::string currency = "USD";
  bool active = true;
};

struct Trial {
  Meta meta;
  Id escalation_id = 0;
  Id account_id = 0;  // the escalation's
  Id service_id = 0;
  std::optional<Date> starts_on;    // absent: today (UTC)
  std::optional<Date> ends_on;      // absent: starts_on + 90 days
  std::int64_t reminder_days = 14;  // the reminder falls this many days before ends_on
  std::optional<TrialOutcome> outcome;
  // Kept by the server.
  std::int64_t monthly_price_minor = 0;  // the catalogue's price when the trial started
  std::string currency;
  std::optional<Date> reminded_on;
  std::optional<Date> ended_on;  // unless purchased: the end date, recorded when it passes
};

inline constexpr std::int64_t kDefaultTrialDays = 90;

// ---- field lists --------------------------------------------------------------------

template <>
struct Schema<SequenceEntry> {
  static constexpr auto kFields = std::tuple{
      Field{"at", &SequenceEntry::at, kRequired},
      Field{"description", &SequenceEntry::description, kRequired},
      Field{"case_id", &SequenceEntry::case_id, 0, "cases"},
      Field{"interaction_id", &SequenceEntry::interaction_id, 0, "interactions"},
  };
};

template <>
struct Schema<ContributingFactor> {
  static constexpr auto kFields = std::tuple{
      Field{"description", &ContributingFactor::description, kRequired},
      Field{"party", &ContributingFactor::party, kRequired},
      Field{"function", &ContributingFactor::function},
  };
};

template <>
struct Schema<ChecklistItem> {
  static constexpr auto kFields = std::tuple{
      Field{"item", &ChecklistItem::item, kRequired},
      Field{"done", &ChecklistItem::done},
  };
};

template <>
struct Schema<PlanAction> {
  static constexpr auto kFields = std::tuple{
      Field{"description", &PlanAction::description, kRequired},
      Field{"owner_id", &PlanAction::owner_id, 0, "users"},
      Field{"due_on", &PlanAction::due_on},
      Field{"status", &PlanAction::status},
  };
};

template <>
struct Schema<ProgressUpdate> {
  static constexpr auto kFields = std::tuple{
      Field{"at", &ProgressUpdate::at, kRequired},
      Field{"by", &ProgressUpdate::by, kRequired, "users"},
      Field{"channel", &ProgressUpdate::channel, kRequired},
      Field{"summary", &ProgressUpdate::summary, kRequired},
  };
};

template <>
struct Schema<SuccessCriterion> {
  static constexpr auto kFields = std::tuple{
      Field{"description", &SuccessCriterion::description, kRequired},
      Field{"met", &SuccessCriterion::met},
      Field{"evidence", &SuccessCriterion::evidence},
  };
};

template <>
struct Schema<CustomerAgreement> {
  static constexpr auto kFields = std::tuple{
      Field{"person_id", &CustomerAgreement::person_id, kRequired, "people"},
      Field{"at", &CustomerAgreement::at, kRequired},
  };
};

template <>
struct Schema<StageStep> {
  static constexpr auto kFields = std::tuple{
      Field{"stage", &StageStep::stage, kRequired},
      Field{"at", &StageStep::at, kRequired},
      Field{"by", &StageStep::by, kRequired},
  };
};

template <>
struct Schema<ContactClassification> {
  static constexpr auto kFields = std::tuple{
      Field{"interaction_id", &ContactClassification::interaction_id, kRequired},
      Field{"suggested", &ContactClassification::suggested, kRequired},
      Field{"chosen", &ContactClassification::chosen, kRequired},
      Field{"by", &ContactClassification::by, kRequired},
      Field{"at", &ContactClassification::at, kRequired},
      Field{"new_escalation_id", &ContactClassification::new_escalation_id},
  };
};

template <>
struct Schema<Escalation> {
  static constexpr std::string_view kTable = "escalations";
  static constexpr std::string_view kEntity = "escalation";
  static constexpr auto kFields = std::tuple{
      Field{"account_id", &Escalation::account_id, kRequired, "accounts"},
      Field{"title", &Escalation::title, kRequired},
      Field{"severity", &Escalation::severity},
      Field{"owner_id", &Escalation::owner_id, kRequired, "users"},
      Field{"executive_sponsor_id", &Escalation::executive_sponsor_id, 0, "users"},
      Field{"case_ids", &Escalation::case_ids, 0, "cases"},
      Field{"contact_ids", &Escalation::contact_ids, 0, "people"},
      Field{"stage", &Escalation::stage},
      Field{"sequence_of_events", &Escalation::sequence_of_events},
      Field{"customer_impact", &Escalation::customer_impact},
      Field{"root_cause", &Escalation::root_cause},
      Field{"root_cause_category", &Escalation::root_cause_category},
      Field{"contributing_factors", &Escalation::contributing_factors},
      Field{"dry_run_checklist", &Escalation::dry_run_checklist},
      Field{"plan", &Escalation::plan},
      Field{"success_criteria", &Escalation::success_criteria},
      Field{"customer_agreement", &Escalation::customer_agreement},
      Field{"revenue_at_risk_minor", &Escalation::revenue_at_risk_minor, kHiddenFromVendors},
      Field{"incident_cost_minor", &Escalation::incident_cost_minor, kHiddenFromVendors},
      Field{"currency", &Escalation::currency},
      Field{"previous_escalation_id", &Escalation::previous_escalation_id, 0, "escalations"},
      Field{"progress_updates", &Escalation::progress_updates, kReadOnly},
      Field{"stage_history", &Escalation::stage_history, kReadOnly},
      Field{"closed_at", &Escalation::closed_at, kReadOnly},
      Field{"classifications", &Escalation::classifications, kReadOnly},
  };
};

template <>
struct Schema<RootCauseCategory> {
  static constexpr std::string_view kTable = "root_cause_categories";
  static constexpr std::string_view kEntity = "root_cause_category";
  static constexpr auto kFields = std::tuple{
      Field{"name", &RootCauseCategory::name, kRequired},
      Field{"description", &RootCauseCategory::description},
      Field{"active", &RootCauseCategory::active},
  };
};

template <>
struct Schema<MitigatingService> {
  static constexpr std::string_view kTable = "mitigating_services";
  static constexpr std::string_view kEntity = "mitigating_service";
  static constexpr auto kFields = std::tuple{
      Field{"name", &MitigatingService::name, kRequired},
      Field{"description", &MitigatingService::description},
      Field{"monthly_price_minor", &MitigatingService::monthly_price_minor, kRequired | kHiddenFromVendors},
      Field{"currency", &MitigatingService::currency},
      Field{"active", &MitigatingService::active},
  };
};

template <>
struct Schema<Trial> {
  static constexpr std::string_view kTable = "trials";
  static constexpr std::string_view kEntity = "trial";
  static constexpr auto kFields = std::tuple{
      Field{"escalation_id", &Trial::escalation_id, kRequired, "escalations"},
      Field{"account_id", &Trial::account_id, kReadOnly, "accounts"},
      Field{"service_id", &Trial::service_id, kRequired, "mitigating_services"},
      Field{"starts_on", &Trial::starts_on},
      Field{"ends_on", &Trial::ends_on},
      Field{"reminder_days", &Trial::reminder_days},
      Field{"outcome", &Trial::outcome},
      Field{"monthly_price_minor", &Trial::monthly_price_minor, kReadOnly | kHiddenFromVendors},
      Field{"currency", &Trial::currency, kReadOnly},
      Field{"reminded_on", &Trial::reminded_on, kReadOnly},
      Field{"ended_on", &Trial::ended_on, kReadOnly},
  };
};

// ---- rules --------------------------------------------------------------------------

// Field checks of a whole record (types were checked by the codec); each bad field named.
void Validate(const Escalation& escalation, FieldErrors& errors);
void Validate(const RootCauseCategory& category, FieldErrors& errors);
void Validate(const MitigatingService& service, FieldErrors& errors);
void Validate(const Trial& trial, FieldErrors& errors);

// The stage machine as a PATCH of `stage` may move it: forward one stage at a time
// (engaged → planning → executing → verifying → closed → reviewed), back from executing to
// planning (re-plan) and from verifying to executing (verification failed). closed →
// verifying is legal only through the classification of a related contact
// (`by_classification`); reviewed is final.
bool IsLegalStageMove(EscalationStage from, EscalationStage to, bool by_classification = false);

// What entering `to` requires of the escalation, each unmet condition named by field:
//  - executing: at least one plan action, every dry-run checklist item done;
//  - closed: at least one success criterion, each one met, and the customer's agreement;
//  - reviewed: a root-cause category and at least one contributing factor.
std::vector<FieldError> StageEntryRefusals(const Escalation& escalation, EscalationStage to);

// Records entering `escalation.stage` (already set) from `from`: the stage history and,
// for closed, closed_at.
void ApplyStageInstants(Escalation& escalation, Instant at, Id by);

// The seconds spent in each stage entered, from the stage history: a stage lasts until the
// next one is entered, the current one until `until`. Reviewed, being final, has none.
std::map<EscalationStage, std::int64_t> SecondsInStages(const Escalation& escalation,
                                                        Instant until);

// The stage a forward move leads to (verifying → closed, ...); none from reviewed.
std::optional<EscalationStage> NextStage(EscalationStage stage);

// ---- contacts after close-out ---------------------------------------------------------

inline constexpr std::int64_t kRelatedWithinDays = 30;

struct ContactFacts {
  Instant arrived_at;
  std::optional<std::string> category;  // the interaction's, else its case's
};

struct Suggestion {
  ContactRelation relation = ContactRelation::kSeparate;
  std::string reason;
};

// Rapport's suggestion for a contact after close-out: related when it arrives within 30
// days of closed_at and its category is the escalation's root-cause category or a linked
// case's category (`categories`); else separate. A reviewed escalation is final: always
// separate.
Suggestion SuggestRelation(const Escalation& escalation, const std::vector<std::string>& categories,
                           const ContactFacts& contact);

// ---- trials -------------------------------------------------------------------------

// The defaults of a new trial: starts_on today, ends_on starts_on + 90 days.
void ApplyTrialDefaults(Trial& trial, Date today);
// The reminder date: ends_on minus reminder_days. REQUIRES: ends_on set.
Date ReminderDate(const Trial& trial);

struct TrialReturn {
  std::int64_t trial_days = 0;
  std::int64_t trial_cost_minor = 0;   // monthly price × days / 30, rounded
  std::int64_t investment_minor = 0;   // trial cost + incident cost
  std::int64_t gain_minor = 0;         // revenue at risk kept (+ a year of the service if bought)
  std::optional<double> roi_percent;   // (gain − investment) / investment × 100; none at 0
};

// The trial's return on investment from the escalation's business impact (docs/advocacy.md).
// REQUIRES: the trial's dates set.
TrialReturn ReturnOf(const Trial& trial, const Escalation& escalation);

// ---- management review --------------------------------------------------------------

struct ReviewOptions {
  Instant from, to;          // escalations opened in [from, to)
  Instant now;               // open stages count time up to here
  std::string time_zone = "UTC";  // months of the trend
};

struct MoneyTotals {
  std::int64_t revenue_at_risk_minor = 0;
  std::int64_t incident_cost_minor = 0;
  std::int64_t open_revenue_at_risk_minor = 0;  // of escalations not yet closed or reviewed
};

struct ReviewGroup {
  std::int64_t escalations = 0;
  std::map<std::string, MoneyTotals> money;  // by currency
};

struct StageTime {
  std::int64_t escalations = 0;  // that spent time in the stage
  std::int64_t visits = 0;       // times the stage was entered
  std::int64_t total_seconds = 0;
};

struct MonthTrend {
  std::int64_t opened = 0;
  std::int64_t closed = 0;
};

struct Review {
  std::int64_t escalations = 0;
  std::map<std::string, ReviewGroup> by_category;  // "" : no category yet
  // (party, function or ""): escalations with such a factor, and how many factors.
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> by_factor_owner;
  std::map<std::string, ReviewGroup> by_severity;
  std::map<EscalationStage, StageTime> time_in_stage;  // reviewed, being final, has none
  std::map<std::string, MoneyTotals> money;            // by currency
  std::map<std::string, MonthTrend> trend;             // "2025-03": every month of the range
};

// Aggregates the escalations opened in [from, to). Time in each stage from the stage
// history (a stage still current counts up to min(now, to)); the trend counts openings by
// created_at and close-outs by the stage history's entries into closed, each in the month
// of the time zone it falls in. kInvalid for an unknown zone.
Result<Review> ReviewOf(const std::vector<Escalation>& escalations, const ReviewOptions& options);

}  // namespace rapport::domain
