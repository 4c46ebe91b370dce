#include "domain/entities.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cctype>

namespace rapport::domain {

namespace {

void RequireNonBlank(const std::string& value, std::string_view field, FieldErrors& errors) {
  bool blank =
      std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c) != 0; });
  if (blank) errors.Add(std::string(field), "must not be blank");
}

void RequireMaxLength(const std::optional<std::string>& value, std::string_view field,
                      std::size_t max, FieldErrors& errors) {
  if (value && value->size() > max) {
    errors.Add(std::string(field), "longer than " + std::to_string(max) + " bytes");
  }
}

// A deliberately loose check: one '@' with something either side. Mailboxes are
// validated for real when mail is sent.
bool LooksLikeEmail(std::string_view text) {
  auto at = text.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
         text.find('@', at + 1) == std::string_view::npos &&
         std::none_of(text.begin(), text.end(),
                      [](unsigned char c) { return std::isspace(c) != 0; });
}

void CheckCurrency(const std::string& currency, FieldErrors& errors) {
  bool ok = currency.size() == 3 && std::all_of(currency.begin(), currency.end(),
                                                [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!ok) errors.Add("currency", "must be a three-letter ISO 4217 code such as USD");
}

void CheckTimeZone(const std::string& zone, FieldErrors& errors) {
  try {
    date::locate_zone(zone);
  } catch (const std::runtime_error&) {
    errors.Add("time_zone", "unknown IANA time zone '" + zone + "'");
  }
}

std::string Indexed(std::string_view list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

std::string SpanText(TimeOfDay start, TimeOfDay end) {
  return FormatTimeOfDay(start) + "-" + FormatTimeOfDay(end);
}

// The minutes a span covers from the start of its day: [start, end), where an end at or
// before the start is on the next day. False (with an error on `at`) for a span that is
// not one.
bool SpanMinutes(TimeOfDay start, TimeOfDay end, const std::string& at, FieldErrors& errors,
                 std::pair<int, int>& out) {
  if (start.minutes == kMinutesPerDay) {
    errors.Add(at + ".start", "must be before 24:00");
    return false;
  }
  if (start == end) {
    errors.Add(at + ".end", "equals start; a whole day is 00:00 to 24:00");
    return false;
  }
  out = {start.minutes, end > start ? end.minutes : end.minutes + kMinutesPerDay};
  return true;
}

void CheckNotNegative(std::int64_t value, std::string_view field, FieldErrors& errors) {
  if (value < 0) errors.Add(std::string(field), "must not be negative");
}

}  // namespace

void Validate(const User& user, FieldErrors& errors) {
  RequireNonBlank(user.name, "name", errors);
  if (!LooksLikeEmail(user.email)) errors.Add("email", "is not an email address");
  if (user.role == Role::kVendorAgent && !user.vendor_id) {
    errors.Add("vendor_id", "is required for a vendor_agent");
  }
  if (user.role != Role::kVendorAgent && user.vendor_id) {
    errors.Add("vendor_id", "is allowed only for a vendor_agent");
  }
}

void Validate(const Vendor& vendor, FieldErrors& errors) {
  RequireNonBlank(vendor.name, "name", errors);
}

void Validate(const Queue& queue, FieldErrors& errors) {
  RequireNonBlank(queue.name, "name", errors);
}

void Validate(const Account& account, FieldErrors& errors) {
  RequireNonBlank(account.name, "name", errors);
  RequireNonBlank(account.segment, "segment", errors);
  CheckNotNegative(account.annual_value_minor, "annual_value_minor", errors);
  CheckCurrency(account.currency, errors);
  CheckTimeZone(account.time_zone, errors);
}

void Validate(const Person& person, FieldErrors& errors) {
  RequireNonBlank(person.name, "name", errors);
  for (std::size_t i = 0; i < person.emails.size(); ++i) {
    if (!LooksLikeEmail(person.emails[i])) {
      errors.Add("emails[" + std::to_string(i) + "]", "is not an email address");
    }
  }
  for (std::size_t i = 0; i < person.phones.size(); ++i) {
    const auto& phone = person.phones[i];
    bool ok = !phone.empty() && std::all_of(phone.begin(), phone.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == ' ' || c == '-' ||
             c == '(' || c == ')' || c == '.';
    });
    if (!ok) errors.Add("phones[" + std::to_string(i) + "]", "is not a phone number");
  }
}

void Validate(const Agreement& agreement, FieldErrors& errors) {
  bool vendor = agreement.kind == AgreementKind::kVendor;
  if (vendor) {
    if (!agreement.vendor_id) errors.Add("vendor_id", "is required for a vendor agreement");
    if (agreement.account_id) errors.Add("account_id", "is not allowed on a vendor agreement");
  } else {
    if (!agreement.account_id) {
      errors.Add("account_id", "is required for a customer agreement");
    }
    if (agreement.vendor_id) errors.Add("vendor_id", "is not allowed on a customer agreement");
    if (!agreement.queue_ids.empty()) {
      errors.Add("queue_ids", "is allowed only on a vendor agreement");
    }
    if (!agreement.targets.empty()) errors.Add("targets", "is allowed only on a vendor agreement");
    if (agreement.cost_per_agent_hour_minor) {
      errors.Add("cost_per_agent_hour_minor", "is allowed only on a vendor agreement");
    }
    if (agreement.coverage_calendar_id) {
      errors.Add("coverage_calendar_id", "is allowed only on a vendor agreement");
    }
  }
  if (agreement.end_date < agreement.start_date) {
    errors.Add("end_date", "is before start_date");
  }
  CheckNotNegative(agreement.notice_days, "notice_days", errors);
  CheckNotNegative(agreement.annual_value_minor, "annual_value_minor", errors);
  if (agreement.cost_per_agent_hour_minor) {
    CheckNotNegative(*agreement.cost_per_agent_hour_minor, "cost_per_agent_hour_minor", errors);
  }
  CheckCurrency(agreement.currency, errors);
  for (std::size_t i = 0; i < agreement.targets.size(); ++i) {
    const MetricTarget& target = agreement.targets[i];
    std::string at = "targets[" + std::to_string(i) + "]";
    if (!(target.target_percent >= 0 && target.target_percent <= 100)) {
      errors.Add(at + ".target_percent", "must be between 0 and 100");
    }
    if (target.metric == Metric::kServiceLevel) {
      if (!target.threshold_seconds || *target.threshold_seconds <= 0) {
        errors.Add(at + ".threshold_seconds", "is required (> 0) for service_level");
      }
    } else if (target.threshold_seconds) {
      errors.Add(at + ".threshold_seconds", "is allowed only for service_level");
    }
    if (!(target.band_points >= 0 && target.band_points <= 100)) {
      errors.Add(at + ".band_points", "must be between 0 and 100");
    }
    for (std::size_t k = 0; k < target.schedule.size(); ++k) {
      const ScheduleStep& step = target.schedule[k];
      std::string step_at = at + ".schedule[" + std::to_string(k) + "]";
      if (!(step.beyond_points >= 0 && step.beyond_points <= 100)) {
        errors.Add(step_at + ".beyond_points", "must be between 0 and 100");
      }
      CheckNotNegative(step.amount_minor, step_at + ".amount_minor", errors);
      for (std::size_t m = 0; m < k; ++m) {
        if (target.schedule[m].when == step.when &&
            target.schedule[m].beyond_points == step.beyond_points) {
          errors.Add(step_at, "repeats the step of " + at + ".schedule[" + std::to_string(m) + "]");
        }
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (agreement.targets[j].metric == target.metric &&
          agreement.targets[j].channel == target.channel) {
        errors.Add(at, "repeats the metric and channel of targets[" + std::to_string(j) + "]");
      }
    }
  }
}

bool OutcomeFitsChannel(Channel channel, Outcome outcome) {
  bool live = channel == Channel::kPhone || channel == Channel::kChat;
  bool live_outcome = outcome == Outcome::kAnswered || outcome == Outcome::kAbandoned ||
                      outcome == Outcome::kTimedOut || outcome == Outcome::kTransferred ||
                      outcome == Outcome::kVoicemail || outcome == Outcome::kMissedOffHours;
  return live == live_outcome;
}

void Validate(const Interaction& interaction, FieldErrors& errors) {
  RequireNonBlank(interaction.source, "source", errors);
  if (interaction.external_id) RequireNonBlank(*interaction.external_id, "external_id", errors);
  if (interaction.answered_at && *interaction.answered_at < interaction.arrived_at) {
    errors.Add("answered_at", "is before arrived_at");
  }
  if (interaction.ended_at) {
    if (*interaction.ended_at < interaction.arrived_at) {
      errors.Add("ended_at", "is before arrived_at");
    } else if (interaction.answered_at && *interaction.ended_at < *interaction.answered_at) {
      errors.Add("ended_at", "is before answered_at");
    }
  }
  if (interaction.outcome && !OutcomeFitsChannel(interaction.channel, *interaction.outcome)) {
    errors.Add("outcome", "'" + std::string(Name(*interaction.outcome)) +
                              "' is not an outcome of the " +
                              std::string(Name(interaction.channel)) + " channel");
  }
  if (interaction.kind == InteractionKind::kContact && interaction.channel != Channel::kEmail) {
    if (interaction.message_id) errors.Add("message_id", "is allowed only on email");
    if (interaction.in_reply_to) errors.Add("in_reply_to", "is allowed only on email");
  }
  for (std::size_t i = 0; i < interaction.participants.size(); ++i) {
    const Participant& p = interaction.participants[i];
    std::string at = "participants[" + std::to_string(i) + "]";
    if (p.person_id.has_value() == p.address.has_value()) {
      errors.Add(at, "needs exactly one of person_id and address");
    }
    if (p.address && p.address->empty()) errors.Add(at + ".address", "must not be empty");
  }
  if (interaction.wrap_up_seconds) {
    CheckNotNegative(*interaction.wrap_up_seconds, "wrap_up_seconds", errors);
  }
  RequireMaxLength(interaction.subject, "subject", 2000, errors);
  RequireMaxLength(interaction.body, "body", 1 << 20, errors);
  for (std::size_t i = 0; i < interaction.tags.size(); ++i) {
    if (interaction.tags[i].empty()) {
      errors.Add("tags[" + std::to_string(i) + "]", "must not be empty");
    }
  }
}

void Validate(const AgentSession& session, FieldErrors& errors) {
  RequireNonBlank(session.source, "source", errors);
  if (session.external_id) RequireNonBlank(*session.external_id, "external_id", errors);
  if (session.ended_at && *session.ended_at < session.started_at) {
    errors.Add("ended_at", "is before started_at");
  }
  if (session.reason && session.kind != AgentSessionKind::kPaused) {
    errors.Add("reason", "is allowed only on a pause");
  }
  RequireMaxLength(session.reason, "reason", 200, errors);
}

void Validate(const Case& kase, FieldErrors& errors) {
  RequireNonBlank(kase.subject, "subject", errors);
  RequireMaxLength(std::optional(kase.subject), "subject", 2000, errors);
}

void Validate(const Calendar& calendar, FieldErrors& errors) {
  RequireNonBlank(calendar.name, "name", errors);
  CheckTimeZone(calendar.time_zone, errors);
  // Weekly spans as minutes of the week, Monday 00:00 = 0; one running past Sunday midnight
  // also covers the start of the week.
  constexpr int kWeek = 7 * kMinutesPerDay;
  struct Placed {
    std::size_t index;
    int from, to;
  };
  std::vector<Placed> placed;
  for (std::size_t i = 0; i < calendar.hours.size(); ++i) {
    const WeeklySpan& span = calendar.hours[i];
    std::pair<int, int> minutes;
    if (!SpanMinutes(span.start, span.end, Indexed("hours", i), errors, minutes)) continue;
    const int day = static_cast<int>(span.day) * kMinutesPerDay;
    placed.push_back({i, day + minutes.first, day + minutes.second});
    if (day + minutes.second > kWeek) placed.push_back({i, 0, day + minutes.second - kWeek});
  }
  for (std::size_t a = 0; a < placed.size(); ++a) {
    for (std::size_t b = 0; b < a; ++b) {
      if (placed[a].index == placed[b].index) continue;
      if (placed[a].from < placed[b].to && placed[b].from < placed[a].to) {
        const WeeklySpan& other = calendar.hours[placed[b].index];
        errors.Add(Indexed("hours", placed[a].index),
                   "overlaps " + Indexed("hours", placed[b].index) + " (" +
                       std::string(Name(other.day)) + " " + SpanText(other.start, other.end) +
                       ")");
      }
    }
  }
  for (std::size_t i = 0; i < calendar.holidays.size(); ++i) {
    const Holiday& holiday = calendar.holidays[i];
    const std::string at = Indexed("holidays", i);
    if (holiday.start.has_value() != holiday.end.has_value()) {
      errors.Add(at, "needs both start and end for part of a day, or neither for the whole day");
    } else if (holiday.start && !(*holiday.start < *holiday.end)) {
      errors.Add(at + ".end", "is not after start");
    }
  }
  std::vector<std::pair<std::size_t, std::pair<int, int>>> days;
  for (std::size_t i = 0; i < calendar.short_days.size(); ++i) {
    const ShortDay& day = calendar.short_days[i];
    const std::string at = Indexed("short_days", i);
    std::pair<int, int> minutes;
    if (!SpanMinutes(day.start, day.end, at, errors, minutes)) continue;
    for (const auto& [j, other] : days) {
      const ShortDay& earlier = calendar.short_days[j];
      if (earlier.date == day.date && earlier.yearly == day.yearly &&
          minutes.first < other.second && other.first < minutes.second) {
        errors.Add(at, "overlaps " + Indexed("short_days", j) + " (" + FormatDate(earlier.date) +
                           " " + SpanText(earlier.start, earlier.end) + ")");
      }
    }
    days.emplace_back(i, minutes);
  }
}

void Validate(const SlaPolicy& policy, FieldErrors& errors) {
  RequireNonBlank(policy.name, "name", errors);
  if (policy.targets.empty()) errors.Add("targets", "needs at least one target");
  for (std::size_t i = 0; i < policy.targets.size(); ++i) {
    const ClockTarget& target = policy.targets[i];
    const std::string at = Indexed("targets", i);
    if (target.minutes <= 0) errors.Add(at + ".minutes", "must be more than 0");
    if (target.warning_minutes < 0 || target.warning_minutes >= std::max<std::int64_t>(target.minutes, 1)) {
      errors.Add(at + ".warning_minutes", "must be at least 0 and less than minutes");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (policy.targets[j].metric == target.metric) {
        errors.Add(at + ".metric", std::string(Name(target.metric)) + " already has a target in " +
                                       Indexed("targets", j));
      }
    }
    if (target.paused_by) {
      for (std::size_t k = 0; k < target.paused_by->size(); ++k) {
        CaseStatus status = (*target.paused_by)[k];
        if (status == CaseStatus::kResolved || status == CaseStatus::kClosed) {
          errors.Add(at + ".paused_by" + "[" + std::to_string(k) + "]",
                     "resolved and closed stop every clock; they cannot pause one");
        }
      }
    }
  }
}

bool Pauses(const ClockTarget& target, CaseStatus status) {
  if (target.paused_by) {
    return std::find(target.paused_by->begin(), target.paused_by->end(), status) !=
           target.paused_by->end();
  }
  return target.metric != ClockMetric::kFirstResponse && status == CaseStatus::kPendingCustomer;
}

std::vector<CaseStatus> PausingStatuses(const ClockTarget& target) {
  std::vector<CaseStatus> out;
  for (std::size_t i = 0; i < EnumNames<CaseStatus>::kNames.size(); ++i) {
    if (Pauses(target, static_cast<CaseStatus>(i))) out.push_back(static_cast<CaseStatus>(i));
  }
  return out;
}

bool IsLegalTransition(CaseStatus from, CaseStatus to) {
  using S = CaseStatus;
  switch (from) {
    case S::kNew:
      return to == S::kOpen;
    case S::kOpen:
      return to == S::kPendingCustomer || to == S::kPendingInternal || to == S::kResolved;
    case S::kPendingCustomer:
      return to == S::kOpen || to == S::kPendingInternal || to == S::kResolved;
    case S::kPendingInternal:
      return to == S::kOpen || to == S::kPendingCustomer || to == S::kResolved;
    case S::kResolved:
      return to == S::kClosed || to == S::kOpen;
    case S::kClosed:
      return false;
  }
  return false;
}

void ApplyTransitionInstants(Case& kase, CaseStatus from, Instant at) {
  if (kase.status == CaseStatus::kResolved) kase.resolved_at = at;
  if (kase.status == CaseStatus::kClosed) kase.closed_at = at;
  if (from == CaseStatus::kResolved && kase.status == CaseStatus::kOpen) {
    kase.resolved_at.reset();  // reopened: no longer resolved
  }
}

}  // namespace rapport::domain
