#include "app/account_signals.hpp"

#include <set>

#include "app/clocks.hpp"
#include "signals/signals.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace json = boost::json;
using domain::Id;

namespace {

// The account's facts as the rules read them; nullopt when there is no such account.
Result<std::optional<signals::AccountHistory>> ReadHistory(store::Session& s, Id account_id) {
  auto account = store::Get<domain::Account>(s, account_id);
  if (!account) return std::unexpected(account.error());
  if (!*account) return std::optional<signals::AccountHistory>{};
  signals::AccountHistory history;
  history.account = std::move(**account);
  const store::Condition of_account{"account_id", store::Condition::Op::kEq, account_id};
  auto people = store::All<domain::Person>(s, {of_account});
  if (!people) return std::unexpected(people.error());
  history.people = std::move(*people);
  auto interactions = store::All<domain::Interaction>(s, {of_account});
  if (!interactions) return std::unexpected(interactions.error());
  history.interactions = std::move(*interactions);
  auto cases = store::All<domain::Case>(s, {of_account});
  if (!cases) return std::unexpected(cases.error());
  for (domain::Case& kase : *cases) {
    // The status history the service clocks read, as from → to steps.
    auto clock_history = LoadHistory(s, kase, nullptr);
    if (!clock_history) return std::unexpected(clock_history.error());
    std::vector<signals::StatusChange> changes;
    domain::CaseStatus from = domain::CaseStatus::kNew;
    for (const auto& change : clock_history->changes) {
      changes.push_back({change.at, from, change.to});
      from = change.to;
    }
    history.cases.push_back(signals::FromCase(std::move(kase), std::move(changes)));
  }
  return std::optional(std::move(history));
}

json::array Ids(const std::vector<Id>& ids) {
  json::array out;
  for (Id id : ids) out.push_back(id);
  return out;
}

}  // namespace

Result<json::value> AccountSignals(store::Store& store, const Principal& who, Id account_id,
                                   Instant now) {
  std::optional<signals::AccountHistory> history;
  auto read = store.Read([&](store::Session& s) -> Result<void> {
    auto got = ReadHistory(s, account_id);
    if (!got) return std::unexpected(got.error());
    history = std::move(*got);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  if (!history) return Fail(ErrorCode::kNotFound, "account " + std::to_string(account_id) + " not found");

  // A vendor agent's view: cases of its own vendor only.
  std::set<Id> visible_cases;
  for (const auto& c : history->cases) {
    if (!who.IsVendorAgent() || c.kase.vendor_id == who.vendor_id) visible_cases.insert(c.kase.meta.id);
  }
  json::array items;
  for (const signals::Signal& signal : signals::Evaluate(*history, now)) {
    if (signal.case_id && !visible_cases.contains(*signal.case_id)) continue;
    std::vector<Id> related;
    for (Id id : signal.related_cases) {
      if (visible_cases.contains(id)) related.push_back(id);
    }
    items.push_back(json::object{
        {"rule", domain::Name(signal.rule)},
        {"severity", domain::Name(signal.severity)},
        {"case_id", signal.case_id ? json::value(*signal.case_id) : json::value(nullptr)},
        {"category", signal.category ? json::value(*signal.category) : json::value(nullptr)},
        {"evidence", Ids(signal.evidence)},
        {"related_cases", Ids(related)},
        {"action", signal.action},
        {"first_seen", FormatRfc3339(signal.first_seen)}});
  }
  return json::object{{"account_id", account_id}, {"as_of", FormatRfc3339(now)}, {"signals", std::move(items)}};
}

}  // namespace rapport::app
