// Signals: rules over one account's history that point at a customer relationship going
// wrong (or being neglected), each with a severity, the evidence and a suggested action.
// Pure: the caller gathers the account's facts into an AccountHistory; Evaluate says which
// signals are true at an instant. Definitions also in docs/signals.md.
//
// Conventions shared by every rule:
// - Only facts at or before `now` count: interactions with arrived_at <= now, status
//   changes and breaches with at <= now. Evaluating an old instant over a longer history
//   gives the same answer as evaluating it over the history cut at that instant.
// - Only interactions of kind `contact` count (notes never do). "Inbound"/"outbound" is the
//   interaction's direction.
// - "Within D days" of `now` means arrived_at > now - D days (a span strictly shorter than
//   D days): three contacts exactly 7 days apart end to end are not "within 7 days".
// - A case is unresolved at an instant when its status then is neither resolved nor closed
//   (see CaseHistory for how the status at an instant is derived).
// - Phrases and tags match case-insensitively (ASCII); a typographic apostrophe (U+2019)
//   matches a plain one. Phrases are searched in the subject and the body.
// - first_seen is the start of the uninterrupted stretch of time, ending at `now`, during
//   which the signal (with the same rule, account, case and category) has been true. It
//   is computed from the facts alone, so an incremental evaluation that remembers when a
//   signal appeared and a full recomputation agree.
// - A signal clears (is absent from Evaluate's answer) as soon as its condition is false.
//
// The rules (defaults from SignalConfig in brackets):
//
// repeat_contact — fires when at least `repeat_min_contacts` [3] inbound contacts of the
//   account on one case, or in one category, arrived within `repeat_window_days` [7].
//   A contact's category is its own, else its case's. One signal per case (case_id set)
//   and per category (case_id empty, category set); a category signal whose evidence is
//   exactly that of a case signal is left out. Evidence: the inbound contacts in the
//   window. Clears when fewer than the minimum remain in the window. Severity medium, high
//   from `repeat_high_contacts` [5] in the window.
//
// email_back_and_forth — fires for an unresolved case with at least `email_min_inbound` [2]
//   inbound emails since the latest phone contact (either direction) on the case, or since
//   the case began when there was no call. Evidence: those emails. Clears when the case is
//   resolved or closed, or a call is made on it. first_seen: the later of the arrival of
//   the email that reached the minimum and the case's latest return to unresolved.
//   Severity medium, high from `email_high_inbound` [4] emails.
//
// decision_maker_involved — fires for an unresolved case on which a person whose role is
//   decision_maker or executive_sponsor is involved in a contact: the contact's person, or
//   a participant (from, to or cc) by person id or by an address that is one of that
//   person's emails. Evidence: those contacts. Clears when the case is resolved or closed.
//   first_seen: the later of the first such contact and the case's latest return to
//   unresolved. Severity high when an executive sponsor is involved, else medium.
//
// policy_quoted — fires when an outbound contact containing one of `policy_phrases`
//   ["our policy", "per policy", "company policy", "as per our terms"] arrived within
//   `policy_window_days` [30]. One signal per case (contacts without a case together,
//   case_id empty). Evidence: the matching outbound contacts in the window. Inbound
//   messages never count. Severity high when the account has been a customer for at least
//   `long_time_customer_years` [5] full years at `now` (Account::customer_since), else
//   medium.
//
// offer_during_open_problem — fires when an outbound contact tagged with one of
//   `offer_tags` [offer, upsell] arrived within `offer_window_days` [30] at an instant at
//   which one of the account's cases was unresolved (created at or before it and not
//   resolved or closed then). One signal per such case; evidence: the offers sent while
//   it was unresolved, within the window. An offer sent after the case was resolved does
//   not count. Severity medium, high when the case is still unresolved at `now`.
//
// failed_fix — per case, over the case's current period: the time since its latest move
//   between the unresolved and the resolved/closed statuses (or since it began). Fires
//   when the current period is unresolved and began with a reopen (resolved or closed →
//   an unresolved status), or when an inbound contact on the case containing one of
//   `failed_fix_phrases` ["still not working", "also doesn't work", "still broken",
//   "doesn't work either"] arrived in the current period (whether resolved or not).
//   Evidence: those inbound contacts (none for a bare reopen). Clears when the case moves
//   between resolved and unresolved again. first_seen: the reopen, else the first
//   matching contact. Severity high when the case has been reopened at least
//   `failed_fix_high_reopens` [2] times by `now`, else medium.
//
// sla_breach_streak — fires when at least `breach_streak_count` [3] service-clock breaches
//   on the account's cases (any clock, any case) happened within `breach_window_days`
//   [30]. Evidence: the contacts on the breached cases that arrived within the window;
//   `related_cases` lists the breached cases. Severity medium, high from twice the count.
//
// stranger — fires for an account whose segment is one of `key_segments` [strategic, key]
//   when no proactive outbound contact arrived within `stranger_days` [60], counting from
//   the later of the latest proactive contact and the account's start (Account::meta
//   .created_at, else customer_since at midnight UTC). Proactive: an outbound contact
//   tagged with one of `proactive_tags` [proactive], or one that is not a reply — it has
//   no in_reply_to and no inbound contact of the account arrived in the
//   `reply_window_days` [2] before it. Evidence: the latest proactive contact, if any.
//   first_seen: that start plus `stranger_days`. Clears with the next proactive contact.
//   Severity medium, high from `stranger_high_days` [120] of silence.
//
// Order of the answer: by rule (the enum's order), then case id (none first), category,
// first_seen.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/instant.hpp"
#include "domain/entities.hpp"

namespace rapport::signals {

using domain::Id;

enum class Rule {
  kRepeatContact,
  kEmailBackAndForth,
  kDecisionMakerInvolved,
  kPolicyQuoted,
  kOfferDuringOpenProblem,
  kFailedFix,
  kSlaBreachStreak,
  kStranger,
};

enum class Severity { kLow, kMedium, kHigh };

struct SignalConfig {
  std::int64_t repeat_min_contacts = 3;
  std::int64_t repeat_window_days = 7;
  std::int64_t repeat_high_contacts = 5;

  std::int64_t email_min_inbound = 2;
  std::int64_t email_high_inbound = 4;

  std::vector<std::string> policy_phrases = {"our policy", "per policy", "company policy",
                                             "as per our terms"};
  std::int64_t policy_window_days = 30;
  std::int64_t long_time_customer_years = 5;

  std::vector<std::string> offer_tags = {"offer", "upsell"};
  std::int64_t offer_window_days = 30;

  std::vector<std::string> failed_fix_phrases = {"still not working", "also doesn't work",
                                                 "still broken", "doesn't work either"};
  std::int64_t failed_fix_high_reopens = 2;

  std::int64_t breach_streak_count = 3;
  std::int64_t breach_window_days = 30;

  std::vector<std::string> key_segments = {"strategic", "key"};
  std::int64_t stranger_days = 60;
  std::int64_t stranger_high_days = 120;
  std::int64_t reply_window_days = 2;
  std::vector<std::string> proactive_tags = {"proactive"};
};

// A move of a case's status, as the event log records it.
struct StatusChange {
  Instant at;
  domain::CaseStatus from = domain::CaseStatus::kNew;
  domain::CaseStatus to = domain::CaseStatus::kOpen;
};

// A case with its status history and the instants its service clocks breached.
// The status at an instant t: before the case's meta.created_at it did not exist; then
// the `to` of the latest change at or before t, or, before the first change, that
// change's `from`. Without changes: resolved from kase.resolved_at on if that is set,
// else kase.status throughout.
struct CaseHistory {
  domain::Case kase;
  std::vector<StatusChange> changes;  // any order; sorted by Evaluate
  std::vector<Instant> breaches;      // any order
};

// Fills `breaches` from the breached_at of the case's clocks.
CaseHistory FromCase(domain::Case kase, std::vector<StatusChange> changes);

// Everything the rules need to know about one account, as the store has it.
struct AccountHistory {
  domain::Account account;
  std::vector<domain::Person> people;          // the account's people, with their roles
  std::vector<CaseHistory> cases;              // the account's cases
  std::vector<domain::Interaction> interactions;  // the account's interactions, any order
};

// The decision makers and executive sponsors among an account's people, by id and by
// email address (folded), for recognising them in a contact.
struct SeniorPeople {
  std::vector<std::pair<Id, domain::PersonRole>> by_id;       // sorted by id
  std::vector<std::pair<std::string, Id>> by_email;           // sorted by address
  static SeniorPeople Of(const std::vector<domain::Person>& people);
};

// A category's one copy for the life of the process (Contact::category): a server holds
// every account's contacts, 10,000,000 of them at the largest, and the categories are few.
// Safe from any thread.
const std::string* InternedCategory(std::string_view category);

// What the rules read of one contact (an interaction of kind contact): a few bytes instead
// of the interaction, with its text, tags and people matched once, when it is recorded.
struct Contact {
  enum Trait : std::uint8_t {
    kPolicyPhrase = 1 << 0,      // subject or body has one of policy_phrases
    kFailedFixPhrase = 1 << 1,   // … one of failed_fix_phrases
    kOfferTag = 1 << 2,          // tagged with one of offer_tags
    kProactiveTag = 1 << 3,      // tagged with one of proactive_tags
    kInReplyTo = 1 << 4,         // has in_reply_to
    kDecisionMaker = 1 << 5,     // a decision maker is its person or a participant
    kExecutiveSponsor = 1 << 6,  // an executive sponsor is
  };
  Id id = 0;
  Instant arrived_at;
  std::optional<Id> case_id;
  // Its own (InternedCategory; null: none); a case's is looked up when evaluating.
  const std::string* category = nullptr;
  domain::Channel channel = domain::Channel::kPhone;
  domain::Direction direction = domain::Direction::kInbound;
  std::uint8_t traits = 0;
  bool Has(Trait trait) const { return (traits & trait) != 0; }
  friend bool operator==(const Contact&, const Contact&) = default;
};

// The contact an interaction is to the rules; nullopt for a note.
std::optional<Contact> ContactOf(const domain::Interaction& interaction, const SeniorPeople& senior,
                                 const SignalConfig& config);

// An account's history reduced to what the rules read: its contacts sorted by (arrived_at,
// id). What an incremental evaluator keeps per account.
struct AccountFacts {
  domain::Account account;
  std::vector<CaseHistory> cases;  // any order
  std::vector<Contact> contacts;   // REQUIRES: sorted by (arrived_at, id)
};

AccountFacts FactsOf(AccountHistory history, const SignalConfig& config);

// Inserts `contact` (replacing one with its id) keeping facts.contacts sorted.
void Upsert(AccountFacts& facts, Contact contact);
// Inserts a contact whose id the facts do not hold yet, keeping them sorted: O(log n) to
// find its place (a new contact is usually the latest).
void Insert(AccountFacts& facts, Contact contact);

struct Signal {
  Rule rule = Rule::kRepeatContact;
  Severity severity = Severity::kMedium;
  Id account_id = 0;
  std::optional<Id> case_id;
  std::optional<std::string> category;  // repeat_contact by category
  std::vector<Id> evidence;             // interaction ids, ascending
  std::vector<Id> related_cases;        // sla_breach_streak: the breached cases, ascending
  std::string action;                   // what to do about it
  Instant first_seen;
  friend bool operator==(const Signal&, const Signal&) = default;
};

// Every signal true at `now`, in the order described above.
std::vector<Signal> Evaluate(const AccountFacts& facts, Instant now, const SignalConfig& config = {});
std::vector<Signal> Evaluate(const AccountHistory& history, Instant now,
                             const SignalConfig& config = {});

// The same answer as Evaluate(facts, now, config), from the part of a long history that can
// still matter: contacts after the horizon (now less the widest window), every contact of
// a case unresolved at `now`, failed-fix messages, and the latest inbound and proactive
// contacts before the horizon; cases unresolved, moved, breached or named after it. When a
// windowed signal began close enough to the horizon that an older part of its stretch may
// have been left out, it evaluates everything. What the server's index calls on each
// change: the rules then run over the recent history only (one quick pass over the older
// contacts picks what they still need).
//
// `previous`, when given, is an earlier answer for the same account: Evaluate at
// previous->at <= now, over facts from which today's differ only by additions (contacts,
// status changes, breaches) — none before `added_from`, when that is set, and none at or
// before previous->at otherwise. A windowed signal that was true then and has been true
// since keeps the first_seen of that answer (when nothing was added before it) instead of
// sending the evaluation back to the whole history: how an incremental evaluator follows
// a busy account's stretches that last for months.
struct PreviousAnswer {
  Instant at;
  const std::vector<Signal>* signals = nullptr;
  std::optional<Instant> added_from;
};

// What EvaluateRecent read of one account's history before the horizon, kept by an
// incremental evaluator between evaluations of that account so that the next one goes on
// from where this one stopped: it reads only the contacts that have crossed the horizon
// since, and the cases only when one of them has a change or breach due since. An
// evaluation then costs what the recent history costs, however long the account's past.
// Contacts inserted at or before where it read (late arrivals) it notices itself.
// REQUIRES: Forget() whenever the account's cases change (a case added, removed or edited,
// a status change, a breach) or one of its contacts is edited or removed: it holds
// positions in facts.cases and what it concluded from the contacts.
class HistoryScan {
 public:
  void Forget() { *this = HistoryScan{}; }

 private:
  friend class RecentEvaluation;  // signals.cpp

  // The cases as of `cases_at_`, valid until the first change or breach after it.
  bool cases_read_ = false;
  Instant cases_at_;
  Instant cases_until_;
  std::vector<Id> open_;  // unresolved at cases_at_, ascending
  // Each case's latest change or breach at or before cases_at_, latest first, with its
  // position in facts.cases.
  std::vector<std::pair<Instant, std::size_t>> activity_;
  std::vector<std::pair<Id, std::size_t>> by_id_;  // positions in facts.cases, by id

  // The pass over the contacts before the horizon, as far as it went: the first `passed_`
  // contacts, those arrived at or before `passed_to_`, read with the cases in open_. What
  // the rules still need of them, as positions in facts.contacts.
  std::size_t passed_ = 0;
  Instant passed_to_{std::numeric_limits<std::int64_t>::min()};
  std::vector<std::size_t> kept_;
  std::optional<std::size_t> last_inbound_;
  std::optional<std::size_t> last_proactive_;
};

// With `scan`, the evaluation starts from what it holds and leaves there what it read;
// the answer is the same with or without one.
std::vector<Signal> EvaluateRecent(const AccountFacts& facts, Instant now,
                                   const SignalConfig& config = {},
                                   std::optional<PreviousAnswer> previous = std::nullopt,
                                   HistoryScan* scan = nullptr);

// The suggested action of a rule.
std::string_view SuggestedAction(Rule rule);

}  // namespace rapport::signals

namespace rapport::domain {
template <>
struct EnumNames<signals::Rule> {
  static constexpr std::array<std::string_view, 8> kNames = {
      "repeat_contact", "email_back_and_forth", "decision_maker_involved", "policy_quoted",
      "offer_during_open_problem", "failed_fix", "sla_breach_streak", "stranger"};
};
template <>
struct EnumNames<signals::Severity> {
  static constexpr std::array<std::string_view, 3> kNames = {"low", "medium", "high"};
};
}  // namespace rapport::domain
