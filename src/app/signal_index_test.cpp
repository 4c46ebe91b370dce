#include "app/signal_index.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>

#include "app/application.hpp"
#include "app/demo.hpp"
#include "app/ledger.hpp"
#include "app/signal_lists.hpp"
#include "app/store_test_fixture.hpp"
#include "store/records.hpp"

namespace rapport::app {
namespace {

using domain::Id;
using signals::Rule;
using signals::Signal;

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
const Principal kAdmin{kSystemUserId, domain::Role::kAdmin, std::nullopt};

class SignalIndexTest : public StoreTest {
 protected:

  // Applies a merge patch through the ledger, as PATCH does, and waits for it.
  static void Patch(Ledger& ledger, std::string_view collection, Id id, boost::json::object patch) {
    Collection* c = ledger.Find(collection);
    ASSERT_NE(c, nullptr);
    auto current = c->Get(kAdmin, id);
    ASSERT_TRUE(current) << current.error().message;
    std::promise<Result<Record>> done;
    c->Update(kAdmin, id, current->version, std::move(patch),
              [&](Result<Record> r) { done.set_value(std::move(r)); });
    auto result = done.get_future().get();
    if (!result) {
      std::string fields;
      for (const auto& f : result.error().fields) fields += " " + f.field + ": " + f.message;
      FAIL() << result.error().message << fields;
    }
  }

  template <domain::Entity T>
  std::vector<T> All(std::vector<store::Condition> where = {}) {
    std::vector<T> out;
    auto read = store_->Read([&](store::Session& s) -> Result<void> {
      auto rows = store::All<T>(s, std::move(where));
      if (!rows) return std::unexpected(rows.error());
      out = std::move(*rows);
      return {};
    });
    EXPECT_TRUE(read) << read.error().message;
    return out;
  }

};

std::set<Rule> RulesOf(const std::vector<Signal>& signals) {
  std::set<Rule> rules;
  for (const Signal& s : signals) rules.insert(s.rule);
  return rules;
}

// The index a running server advances from the change feed ends where one built from the
// store at once starts: the demo company written batch by batch, then edits that move
// records between accounts and change who is senior.
TEST_F(SignalIndexTest, IncrementalEvaluationEqualsAFullRecomputationOnTheDemoData) {
  Application app(*store_);
  ASSERT_TRUE(app.LoadProjections());  // empty: everything below arrives by the change feed
  DemoOptions options;
  options.scale = 0.01;
  options.seed = 7;
  auto summary = GenerateDemo(*store_, options);
  ASSERT_TRUE(summary) << summary.error().message;
  const Instant end = options.end;

  // Edits: a person becomes a decision maker, an account becomes key, a case is reopened
  // and an interaction moves to another account's case.
  // A person who wrote on a case still open becomes a decision maker (the case gains a
  // signal), then moves to another account (the old account's case loses it).
  const auto people = All<domain::Person>();
  ASSERT_FALSE(people.empty());
  std::optional<Id> writer;
  std::optional<Id> writers_account;
  const auto open_now = All<domain::Case>({{"status", store::Condition::Op::kEq, std::string("open")}});
  for (const domain::Interaction& i : All<domain::Interaction>()) {
    for (const domain::Case& c : open_now) {
      if (i.case_id == c.meta.id && i.person_id) {
        writer = i.person_id;
        writers_account = i.account_id;
      }
    }
  }
  ASSERT_TRUE(writer);
  Patch(app.ledger(), "people", *writer, {{"role", "decision_maker"}});
  const auto promoted = app.signals().Live(kAdmin, {writers_account, std::nullopt, Rule::kDecisionMakerInvolved, std::nullopt});
  EXPECT_FALSE(promoted.empty());
  for (const domain::Person& p : people) {
    if (p.account_id != writers_account) {
      Patch(app.ledger(), "people", *writer, {{"account_id", p.account_id}});
      break;
    }
  }
  const auto accounts = All<domain::Account>();
  ASSERT_GE(accounts.size(), 2u);
  Patch(app.ledger(), "accounts", accounts[1].meta.id, {{"segment", "key"}});
  const auto resolved = All<domain::Case>({{"status", store::Condition::Op::kEq, std::string("resolved")}});
  ASSERT_FALSE(resolved.empty());
  Patch(app.ledger(), "cases", resolved.front().meta.id, {{"status", "open"}});
  const auto interactions = All<domain::Interaction>();
  const auto open_cases = All<domain::Case>({{"status", store::Condition::Op::kEq, std::string("open")}});
  ASSERT_FALSE(open_cases.empty());
  const domain::Case& target = open_cases.back();
  for (const domain::Interaction& i : interactions) {
    if (i.case_id && i.account_id != target.account_id) {
      Patch(app.ledger(), "interactions", i.meta.id,
            {{"case_id", target.meta.id}, {"account_id", target.account_id}, {"person_id", nullptr}});
      break;
    }
  }

  SignalIndex full(*store_);
  ASSERT_TRUE(full.Load(Now()));
  EXPECT_EQ(full.account_count(), app.signals().account_count());
  EXPECT_EQ(full.contact_count(), app.signals().contact_count());
  for (Instant at : {Instant{end.ms - 30 * kDayMs}, end, Now()}) {
    const auto from_scratch = full.EvaluateAll(at);
    const auto incremental = app.signals().EvaluateAll(at);
    EXPECT_EQ(incremental, from_scratch) << "at " << FormatRfc3339(at);
  }
  // The demo company shows most of the rules, so the comparison covers them.
  EXPECT_GE(RulesOf(full.EvaluateAll(end)).size(), 5u);
  EXPECT_FALSE(app.signals().Live(kAdmin, {}).empty());
}

// Writes an account, a case on it and interactions, each with its "created" event.
struct Fixture {
  Id account = 0, kase = 0;
};

// A contact of `account` (on `kase`, if any) at `at`.
domain::Interaction NewContact(Id account, std::optional<Id> kase, domain::Channel channel,
                               domain::Direction direction, domain::Outcome outcome, Instant at) {
  domain::Interaction i;
  i.source = "test";
  i.channel = channel;
  i.direction = direction;
  i.outcome = outcome;
  i.account_id = account;
  i.case_id = kase;
  i.arrived_at = at;
  return i;
}

// (Named apart from store::Insert, which argument-dependent lookup would prefer.)
Result<void> InsertCreated(store::Session& s, auto& record, Instant at) {
  if (auto r = store::Insert(s, record, at); !r) return r;
  domain::Event event{0,  at, kSystemUserId, std::string(domain::Schema<std::decay_t<decltype(record)>>::kEntity),
                      record.meta.id, "created", "{}", domain::AccountOf(record)};
  return s.AppendEvent(event);
}

// A standard account created at `at` with an open case, into `f`.
Result<void> InsertAccountWithOpenCase(store::Session& s, std::string name, Instant at, Fixture& f) {
  domain::Account account;
  account.name = std::move(name);
  account.segment = "standard";
  if (auto r = InsertCreated(s, account, at); !r) return r;
  f.account = account.meta.id;
  domain::Case kase;
  kase.account_id = f.account;
  kase.subject = "Refund";
  kase.status = domain::CaseStatus::kOpen;
  if (auto r = InsertCreated(s, kase, at); !r) return r;
  f.kase = kase.meta.id;
  return {};
}

TEST_F(SignalIndexTest, RecordsRaisedAndClearedSignalsWithEventsOnTheAccount) {
  SignalIndex index(*store_);
  ASSERT_TRUE(index.Load(Now()));
  store_->SetCommitListener([&](const store::CommittedBatch& batch) { index.OnCommitted(batch); });
  index.StartRecorder();

  const Instant now = Now();
  Fixture f;
  auto email = [&](Instant at) {
    return NewContact(f.account, f.kase, domain::Channel::kEmail, domain::Direction::kInbound,
                      domain::Outcome::kReceived, at);
  };
  ASSERT_TRUE(store_->WriteAndWait(
      [&](store::Session& s) { return InsertAccountWithOpenCase(s, "Signal Co", Instant{now.ms - 2 * 3600'000}, f); }));
  ASSERT_TRUE(store_->WriteAndWait([&](store::Session& s) -> Result<void> {
    for (std::int64_t minutes : {90, 30}) {
      auto i = email(Instant{now.ms - minutes * 60'000});
      if (auto r = InsertCreated(s, i, i.arrived_at); !r) return r;
    }
    return {};
  }));
  index.Flush();
  auto live = index.Live(kAdmin, {f.account, std::nullopt, std::nullopt, std::nullopt});
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].rule, Rule::kEmailBackAndForth);
  auto rows = All<domain::SignalRecord>();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].rule, "email_back_and_forth");
  EXPECT_EQ(rows[0].case_id, std::optional<Id>(f.kase));
  EXPECT_FALSE(rows[0].cleared_at);

  // A call on the case clears it.
  ASSERT_TRUE(store_->WriteAndWait([&](store::Session& s) -> Result<void> {
    auto call = NewContact(f.account, f.kase, domain::Channel::kPhone, domain::Direction::kOutbound,
                           domain::Outcome::kAnswered, Instant{now.ms - 60'000});
    return InsertCreated(s, call, call.arrived_at);
  }));
  index.Flush();
  EXPECT_TRUE(index.Live(kAdmin, {f.account, std::nullopt, std::nullopt, std::nullopt}).empty());
  rows = All<domain::SignalRecord>();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].cleared_at);

  std::vector<std::string> actions;
  ASSERT_TRUE(store_->Read([&](store::Session& s) -> Result<void> {
    store::AccountEventsQuery query;
    query.account_id = f.account;
    query.entities = {"signal"};
    query.limit = 100;
    auto events = s.EventsOfAccount(query);
    if (!events) return std::unexpected(events.error());
    for (const domain::Event& e : *events) {
      if (e.entity == "signal") actions.push_back(e.action);
    }
    return {};
  }));
  EXPECT_EQ(actions, (std::vector<std::string>{"signal_cleared", "signal_raised"}));
  index.StopRecorder();

  // A restart with nothing changed records nothing.
  SignalIndex again(*store_);
  ASSERT_TRUE(again.Load(Now()));
  again.StartRecorder();
  again.Flush();
  EXPECT_EQ(All<domain::SignalRecord>().size(), 1u);
}

// A store whose reads fail while `failing` is set; everything else is the real store's.
class FlakyReads : public store::Store {
 public:
  explicit FlakyReads(store::Store& real) : real_(real) {}
  Result<void> Read(const std::function<Result<void>(store::Session&)>& fn) override {
    if (failing) return std::unexpected(Error{ErrorCode::kUnavailable, "disk I/O error", {}});
    return real_.Read(fn);
  }
  void Write(Work work, Done done) override { real_.Write(std::move(work), std::move(done)); }
  void SetCommitListener(store::CommitListener listener) override {
    real_.SetCommitListener(std::move(listener));
  }
  Result<void> Backup(const std::string& path) override { return real_.Backup(path); }
  store::StoreStats Stats() override { return real_.Stats(); }
  void Close() override { real_.Close(); }
  std::atomic<bool> failing = false;

 private:
  store::Store& real_;
};

// A committed change whose read fails is not lost to the index: the next change, or the
// periodic job, reads it.
TEST_F(SignalIndexTest, AChangeWhoseReadFailedIsReadWithTheNextOneOrByThePeriodicJob) {
  FlakyReads flaky(*store_);
  SignalIndex index(flaky);
  ASSERT_TRUE(index.Load(Now()));
  flaky.SetCommitListener([&](const store::CommittedBatch& batch) { index.OnCommitted(batch); });
  const Instant now = Now();
  Fixture f;
  ASSERT_TRUE(store_->WriteAndWait(
      [&](store::Session& s) { return InsertAccountWithOpenCase(s, "Flaky Co", Instant{now.ms - 3 * 3600'000}, f); }));
  auto email = [&](std::int64_t minutes_ago) {
    return store_->WriteAndWait([&](store::Session& s) -> Result<void> {
      auto i = NewContact(f.account, f.kase, domain::Channel::kEmail, domain::Direction::kInbound,
                          domain::Outcome::kReceived, Instant{now.ms - minutes_ago * 60'000});
      return InsertCreated(s, i, i.arrived_at);
    });
  };
  auto live = [&] { return index.Live(kAdmin, {f.account, std::nullopt, std::nullopt, std::nullopt}); };

  // Two emails on the open case: the second one's read fails, so no signal yet.
  ASSERT_TRUE(email(120));
  flaky.failing = true;
  ASSERT_TRUE(email(100));
  EXPECT_TRUE(live().empty());
  // The periodic job, reads failing still: nothing, and nothing forgotten.
  index.Refresh();
  EXPECT_TRUE(live().empty());
  // Reads work again: the periodic job reads the email.
  flaky.failing = false;
  index.Refresh();
  ASSERT_EQ(live().size(), 1u);
  EXPECT_EQ(live()[0].rule, Rule::kEmailBackAndForth);
  EXPECT_EQ(live()[0].evidence.size(), 2u);

  // A third email whose read fails is read with the next change: a fourth.
  flaky.failing = true;
  ASSERT_TRUE(email(80));
  ASSERT_TRUE(index.CatchUp());  // the feed has tried to read it
  flaky.failing = false;
  ASSERT_EQ(live().size(), 1u);
  EXPECT_EQ(live()[0].evidence.size(), 2u);
  ASSERT_TRUE(email(60));
  EXPECT_EQ(RulesOf(live()), (std::set<Rule>{Rule::kRepeatContact, Rule::kEmailBackAndForth}));
  for (const Signal& signal : live()) EXPECT_EQ(signal.evidence.size(), 4u);
  // As one built from the store at once.
  SignalIndex full(*store_);
  ASSERT_TRUE(full.Load(Now()));
  EXPECT_EQ(index.EvaluateAll(now), full.EvaluateAll(now));
}

// Batches the change feed brings before the load: those the load's snapshot holds are
// not taken twice, and the index ends as one loaded at once.
TEST_F(SignalIndexTest, BatchesCommittedBeforeTheLoadWaitForIt) {
  SignalIndex index(*store_);
  store_->SetCommitListener([&](const store::CommittedBatch& batch) { index.OnCommitted(batch); });
  const Instant now = Now();
  Fixture f;
  ASSERT_TRUE(store_->WriteAndWait([&](store::Session& s) -> Result<void> {
    if (auto r = InsertAccountWithOpenCase(s, "Early Co", Instant{now.ms - 3 * 3600'000}, f); !r) return r;
    for (std::int64_t minutes : {90, 30}) {
      auto i = NewContact(f.account, f.kase, domain::Channel::kEmail, domain::Direction::kInbound,
                          domain::Outcome::kReceived, Instant{now.ms - minutes * 60'000});
      if (auto r = InsertCreated(s, i, i.arrived_at); !r) return r;
    }
    return {};
  }));
  // Until it has loaded, the lists say so rather than answer nothing (or 404).
  EXPECT_FALSE(index.loaded());
  auto early = ListSignals(index, kAdmin, {}, {f.account, std::nullopt});
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kUnavailable);
  ASSERT_TRUE(index.Load(now));
  EXPECT_TRUE(index.loaded());
  EXPECT_TRUE(ListSignals(index, kAdmin, {}, {f.account, std::nullopt}));
  EXPECT_EQ(index.contact_count(), 2u);
  const auto live = index.Live(kAdmin, {f.account, std::nullopt, std::nullopt, std::nullopt});
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].evidence.size(), 2u);
}

// The server loads the index on a thread of its own while writes go on: whatever the
// interleaving, it ends as one loaded from the store at once.
TEST_F(SignalIndexTest, LoadingInTheBackgroundWhileWritesGoOnEndsAsAFullLoad) {
  DemoOptions options;
  options.scale = 0.01;
  options.seed = 3;
  ASSERT_TRUE(GenerateDemo(*store_, options));
  const auto accounts = All<domain::Account>();
  const auto cases = All<domain::Case>();
  ASSERT_FALSE(cases.empty());
  SignalIndex index(*store_);
  store_->SetCommitListener([&](const store::CommittedBatch& batch) { index.OnCommitted(batch); });
  index.StartLoading();
  for (int k = 0; k < 40; ++k) {  // each a batch: inbound emails on cases, spread over accounts
    ASSERT_TRUE(store_->WriteAndWait([&](store::Session& s) -> Result<void> {
      for (int j = 0; j < 5; ++j) {
        const domain::Case& c = cases[static_cast<std::size_t>(k * 5 + j) % cases.size()];
        auto i = NewContact(c.account_id, c.meta.id, domain::Channel::kEmail, domain::Direction::kInbound,
                            domain::Outcome::kReceived, Instant{options.end.ms - (k * 5 + j) * 60'000});
        if (auto r = InsertCreated(s, i, i.arrived_at); !r) return r;
      }
      return {};
    }));
  }
  index.WaitLoaded();
  SignalIndex full(*store_);
  ASSERT_TRUE(full.Load(Now()));
  EXPECT_EQ(index.account_count(), full.account_count());
  EXPECT_EQ(index.contact_count(), full.contact_count());
  EXPECT_EQ(index.EvaluateAll(options.end), full.EvaluateAll(options.end));
}

TEST_F(SignalIndexTest, ARestartRecordsWhatChangedWhileTheServerWasDown) {
  const Instant now = Now();
  Fixture f;
  ASSERT_TRUE(store_->WriteAndWait([&](store::Session& s) -> Result<void> {
    domain::Account account;
    account.name = "Quiet Key Co";
    account.segment = "key";
    if (auto r = InsertCreated(s, account, Instant{now.ms - 200 * kDayMs}); !r) return r;
    f.account = account.meta.id;
    return {};
  }));
  // A key account created 200 days ago and never contacted: a stranger, found at start-up.
  SignalIndex index(*store_);
  ASSERT_TRUE(index.Load(now));
  index.StartRecorder();
  index.Flush();
  auto rows = All<domain::SignalRecord>();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].rule, "stranger");
  EXPECT_EQ(rows[0].severity, "high");
  EXPECT_EQ(rows[0].first_seen, (Instant{now.ms - 140 * kDayMs}));
  index.StopRecorder();

  // While no server runs, someone calls them proactively; the next start clears it.
  ASSERT_TRUE(store_->WriteAndWait([&](store::Session& s) -> Result<void> {
    auto call = NewContact(f.account, std::nullopt, domain::Channel::kPhone,
                           domain::Direction::kOutbound, domain::Outcome::kAnswered,
                           Instant{now.ms - 60'000});
    return InsertCreated(s, call, call.arrived_at);
  }));
  SignalIndex restarted(*store_);
  ASSERT_TRUE(restarted.Load(Now()));
  restarted.StartRecorder();
  restarted.Flush();
  rows = All<domain::SignalRecord>();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].cleared_at);
  EXPECT_TRUE(restarted.Live(kAdmin, {}).empty());
}

}  // namespace
}  // namespace rapport::app
