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
  try {
    date::locate_zone(account.time_zone);
  } catch (const std::runtime_error&) {
    errors.Add("time_zone", "unknown IANA time zone '" + account.time_zone + "'");
  }
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
  RequireMaxLength(interaction.subject, "subject", 2000, errors);
  RequireMaxLength(interaction.body, "body", 1 << 20, errors);
  for (std::size_t i = 0; i < interaction.tags.size(); ++i) {
    if (interaction.tags[i].empty()) {
      errors.Add("tags[" + std::to_string(i) + "]", "must not be empty");
    }
  }
}

void Validate(const Case& kase, FieldErrors& errors) {
  RequireNonBlank(kase.subject, "subject", errors);
  RequireMaxLength(std::optional(kase.subject), "subject", 2000, errors);
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
