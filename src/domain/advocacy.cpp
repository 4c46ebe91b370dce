#include "domain/advocacy.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace rapport::domain {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

bool Blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

void RequireText(const std::string& text, const std::string& field, FieldErrors& errors) {
  if (Blank(text)) errors.Add(field, "must not be blank");
}

std::string At(std::string_view list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

void CheckCurrencyCode(const std::string& currency, FieldErrors& errors) {
  bool ok = currency.size() == 3 && std::all_of(currency.begin(), currency.end(),
                                                [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!ok) errors.Add("currency", "must be a three-letter ISO 4217 code such as USD");
}

template <class T>
void RequireDistinct(const std::vector<T>& ids, std::string_view list, FieldErrors& errors) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (ids[i] == ids[j]) errors.Add(At(list, i), "repeats " + At(list, j));
    }
  }
}

void AddMoney(std::map<std::string, MoneyTotals>& money, const Escalation& e) {
  MoneyTotals& totals = money[e.currency];
  const std::int64_t risk = e.revenue_at_risk_minor.value_or(0);
  totals.revenue_at_risk_minor += risk;
  totals.incident_cost_minor += e.incident_cost_minor;
  if (e.stage != EscalationStage::kClosed && e.stage != EscalationStage::kReviewed) {
    totals.open_revenue_at_risk_minor += risk;
  }
}

}  // namespace

void Validate(const Escalation& e, FieldErrors& errors) {
  RequireText(e.title, "title", errors);
  RequireDistinct(e.case_ids, "case_ids", errors);
  RequireDistinct(e.contact_ids, "contact_ids", errors);
  for (std::size_t i = 0; i < e.sequence_of_events.size(); ++i) {
    RequireText(e.sequence_of_events[i].description, At("sequence_of_events", i) + ".description",
                errors);
  }
  if (e.root_cause_category) RequireText(*e.root_cause_category, "root_cause_category", errors);
  for (std::size_t i = 0; i < e.contributing_factors.size(); ++i) {
    const ContributingFactor& f = e.contributing_factors[i];
    const std::string at = At("contributing_factors", i);
    RequireText(f.description, at + ".description", errors);
    if (f.party == FactorParty::kUs && !f.function) {
      errors.Add(at + ".function",
                 "is required when the party is us: product_management, sales_and_marketing, "
                 "customer_service, technical_support, engineering or senior_management");
    }
    if (f.party != FactorParty::kUs && f.function) {
      errors.Add(at + ".function", "names one of our functions; allowed only when the party is us");
    }
  }
  for (std::size_t i = 0; i < e.dry_run_checklist.size(); ++i) {
    RequireText(e.dry_run_checklist[i].item, At("dry_run_checklist", i) + ".item", errors);
  }
  for (std::size_t i = 0; i < e.plan.size(); ++i) {
    RequireText(e.plan[i].description, At("plan", i) + ".description", errors);
  }
  for (std::size_t i = 0; i < e.success_criteria.size(); ++i) {
    const SuccessCriterion& c = e.success_criteria[i];
    const std::string at = At("success_criteria", i);
    RequireText(c.description, at + ".description", errors);
    if (c.met && (!c.evidence || Blank(*c.evidence))) {
      errors.Add(at + ".evidence", "is required when the criterion is met");
    }
  }
  if (e.revenue_at_risk_minor && *e.revenue_at_risk_minor < 0) {
    errors.Add("revenue_at_risk_minor", "must not be negative");
  }
  if (e.incident_cost_minor < 0) errors.Add("incident_cost_minor", "must not be negative");
  CheckCurrencyCode(e.currency, errors);
  if (e.previous_escalation_id && e.meta.id != 0 && *e.previous_escalation_id == e.meta.id) {
    errors.Add("previous_escalation_id", "cannot name the escalation itself");
  }
}

void Validate(const RootCauseCategory& category, FieldErrors& errors) {
  RequireText(category.name, "name", errors);
  if (category.name.size() > 100) errors.Add("name", "longer than 100 bytes");
}

void Validate(const MitigatingService& service, FieldErrors& errors) {
  RequireText(service.name, "name", errors);
  if (service.monthly_price_minor < 0) errors.Add("monthly_price_minor", "must not be negative");
  CheckCurrencyCode(service.currency, errors);
}

void Validate(const Trial& trial, FieldErrors& errors) {
  if (trial.starts_on && trial.ends_on && !(*trial.starts_on < *trial.ends_on)) {
    errors.Add("ends_on", "must be after starts_on");
  }
  if (trial.reminder_days < 0) {
    errors.Add("reminder_days", "must not be negative");
  } else if (trial.starts_on && trial.ends_on &&
             trial.reminder_days > trial.ends_on->days - trial.starts_on->days) {
    errors.Add("reminder_days", "falls before the trial starts");
  }
}

bool IsLegalStageMove(EscalationStage from, EscalationStage to, bool by_classification) {
  using S = EscalationStage;
  switch (from) {
    case S::kEngaged:
      return to == S::kPlanning;
    case S::kPlanning:
      return to == S::kExecuting;
    case S::kExecuting:
      return to == S::kVerifying || to == S::kPlanning;
    case S::kVerifying:
      return to == S::kClosed || to == S::kExecuting;
    case S::kClosed:
      return to == S::kReviewed || (to == S::kVerifying && by_classification);
    case S::kReviewed:
      return false;
  }
  return false;
}

std::vector<FieldError> StageEntryRefusals(const Escalation& e, EscalationStage to) {
  std::vector<FieldError> out;
  switch (to) {
    case EscalationStage::kExecuting:
      if (e.plan.empty()) out.push_back({"plan", "the get-well plan has no action yet"});
      for (std::size_t i = 0; i < e.dry_run_checklist.size(); ++i) {
        if (!e.dry_run_checklist[i].done) {
          out.push_back({At("dry_run_checklist", i),
                         "not done before the customer meeting: " + e.dry_run_checklist[i].item});
        }
      }
      break;
    case EscalationStage::kClosed:
      if (e.success_criteria.empty()) {
        out.push_back({"success_criteria", "no success criterion was agreed with the customer"});
      }
      for (std::size_t i = 0; i < e.success_criteria.size(); ++i) {
        if (!e.success_criteria[i].met) {
          out.push_back({At("success_criteria", i), "not met: " + e.success_criteria[i].description});
        }
      }
      if (!e.customer_agreement) {
        out.push_back({"customer_agreement",
                       "the customer's agreement to close (who and when) is not recorded"});
      }
      break;
    case EscalationStage::kReviewed:
      if (!e.root_cause_category) {
        out.push_back({"root_cause_category", "a review needs the root-cause category"});
      }
      if (e.contributing_factors.empty()) {
        out.push_back({"contributing_factors", "a review needs at least one contributing factor"});
      }
      break;
    default:
      break;
  }
  return out;
}

void ApplyStageInstants(Escalation& e, Instant at, Id by) {
  e.stage_history.push_back({e.stage, at, by});
  if (e.stage == EscalationStage::kClosed) e.closed_at = at;
}

std::map<EscalationStage, std::int64_t> SecondsInStages(const Escalation& e, Instant until) {
  std::map<EscalationStage, std::int64_t> out;
  for (std::size_t i = 0; i < e.stage_history.size(); ++i) {
    const StageStep& step = e.stage_history[i];
    if (step.stage == EscalationStage::kReviewed) continue;
    const Instant end = i + 1 < e.stage_history.size() ? e.stage_history[i + 1].at : until;
    out[step.stage] += std::max<std::int64_t>(0, (end.ms - step.at.ms) / 1000);
  }
  return out;
}

std::optional<EscalationStage> NextStage(EscalationStage stage) {
  if (stage == EscalationStage::kReviewed) return std::nullopt;
  return static_cast<EscalationStage>(static_cast<int>(stage) + 1);
}

Suggestion SuggestRelation(const Escalation& e, const std::vector<std::string>& categories,
                           const ContactFacts& contact) {
  if (e.stage == EscalationStage::kReviewed) {
    return {ContactRelation::kSeparate, "the escalation was reviewed: a new contact opens a new one"};
  }
  if (!e.closed_at) return {ContactRelation::kSeparate, "the escalation was never closed"};
  const std::int64_t days = (contact.arrived_at.ms - e.closed_at->ms) / kDayMs;
  if (contact.arrived_at.ms - e.closed_at->ms > kRelatedWithinDays * kDayMs) {
    return {ContactRelation::kSeparate,
            std::to_string(days) + " days after close-out (more than " +
                std::to_string(kRelatedWithinDays) + ")"};
  }
  if (!contact.category) {
    return {ContactRelation::kSeparate, "the contact has no category to compare"};
  }
  std::set<std::string> known(categories.begin(), categories.end());
  if (e.root_cause_category) known.insert(*e.root_cause_category);
  if (known.contains(*contact.category)) {
    return {ContactRelation::kRelated, "same category (" + *contact.category + ") " +
                                           std::to_string(days) + " days after close-out"};
  }
  return {ContactRelation::kSeparate,
          "another category (" + *contact.category + ") than the escalation's"};
}

void ApplyTrialDefaults(Trial& trial, Date today) {
  if (!trial.starts_on) trial.starts_on = today;
  if (!trial.ends_on) trial.ends_on = Date{trial.starts_on->days + static_cast<std::int32_t>(kDefaultTrialDays)};
}

Date ReminderDate(const Trial& trial) {
  return Date{trial.ends_on->days - static_cast<std::int32_t>(trial.reminder_days)};
}

TrialReturn ReturnOf(const Trial& trial, const Escalation& e) {
  TrialReturn out;
  out.trial_days = trial.ends_on->days - trial.starts_on->days;
  out.trial_cost_minor = static_cast<std::int64_t>(
      std::llround(static_cast<double>(trial.monthly_price_minor) * static_cast<double>(out.trial_days) / 30.0));
  out.investment_minor = out.trial_cost_minor + e.incident_cost_minor;
  out.gain_minor = e.revenue_at_risk_minor.value_or(0);
  if (trial.outcome == TrialOutcome::kPurchased) out.gain_minor += 12 * trial.monthly_price_minor;
  if (out.investment_minor > 0) {
    const double roi = static_cast<double>(out.gain_minor - out.investment_minor) /
                       static_cast<double>(out.investment_minor) * 100.0;
    out.roi_percent = std::round(roi * 100.0) / 100.0;
  }
  return out;
}

Result<Review> ReviewOf(const std::vector<Escalation>& escalations, const ReviewOptions& options) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(options.time_zone);
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInvalid, "unknown time zone",
                {{"time_zone", "'" + options.time_zone + "' is not an IANA time zone"}});
  }
  auto month_of = [zone](Instant at) {
    const auto local = zone->to_local(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{at.ms}});
    const date::year_month_day day{date::floor<date::days>(local)};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()));
    return std::string(text);
  };
  auto in_range = [&](Instant at) { return options.from <= at && at < options.to; };

  Review review;
  if (options.from < options.to) {
    // Every month of the range, so that quiet months show as zeros.
    std::string last = month_of(Instant{options.to.ms - 1});
    for (Instant at = options.from;; at.ms += 27 * kDayMs) {
      std::string month = month_of(at);
      review.trend[month];
      if (month >= last) break;
    }
    review.trend[last];
  }
  const Instant horizon = std::min(options.now, options.to);
  for (const Escalation& e : escalations) {
    if (in_range(e.meta.created_at)) review.trend[month_of(e.meta.created_at)].opened += 1;
    for (const StageStep& step : e.stage_history) {
      if (step.stage == EscalationStage::kClosed && in_range(step.at)) {
        review.trend[month_of(step.at)].closed += 1;
      }
    }
    if (!in_range(e.meta.created_at)) continue;
    review.escalations += 1;
    const std::string category = e.root_cause_category.value_or("");
    review.by_category[category].escalations += 1;
    AddMoney(review.by_category[category].money, e);
    const std::string severity(Name(e.severity));
    review.by_severity[severity].escalations += 1;
    AddMoney(review.by_severity[severity].money, e);
    AddMoney(review.money, e);
    std::set<std::pair<std::string, std::string>> owners;
    for (const ContributingFactor& f : e.contributing_factors) {
      std::pair<std::string, std::string> key{std::string(Name(f.party)),
                                              f.function ? std::string(Name(*f.function)) : ""};
      review.by_factor_owner[key].second += 1;
      if (owners.insert(key).second) review.by_factor_owner[key].first += 1;
    }
    for (const StageStep& step : e.stage_history) {
      if (step.stage != EscalationStage::kReviewed) review.time_in_stage[step.stage].visits += 1;
    }
    for (const auto& [stage, seconds] : SecondsInStages(e, horizon)) {
      review.time_in_stage[stage].escalations += 1;
      review.time_in_stage[stage].total_seconds += seconds;
    }
  }
  return review;
}

}  // namespace rapport::domain
