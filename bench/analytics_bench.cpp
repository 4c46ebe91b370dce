// The analytics benchmark (bench/run): monthly service level by vendor × channel over
// 10,000,000 synthetic interactions (target <= 0.1 s), the report the service-level API
// answers by default (analytics::Aggregate, by = vendor, channel, period; months in
// Europe/Berlin; every core). The peer is SQLite doing the same aggregate as one SQL query
// over the same rows in a table of a temporary file database, its groups and counts
// compared with ours. Also printed: the time to build the projection (ContactTable::Upsert
// of every row) and its memory per row. Figures, not verdicts: it exits 0 unless the two
// answers differ.
//
// The rows: a year and a half of arrivals (2024-01 … 2025-06 Berlin time, in arrival
// order, ids 1…N as the server loads them), 4 vendors, 30 queues (each one vendor's), 500
// agents (each one vendor's), 50,000 accounts, 12 categories; 92% inbound contacts, the
// rest outbound contacts and notes; phone 45%, email 20%, chat 20%, web, social and sms 5%
// each. Live channels (phone, chat): ~84% answered (exponential waits, mean 25 s phone,
// 45 s chat), ~10% abandoned (abandoned, timed_out or voicemail; a fifth of them within
// 5 s; 5% with no end), 3% transferred unanswered, 3% missed off-hours. Written channels:
// 80% replied (mean wait 2 h, at most 7 days), the rest received and not yet answered.
// Handle times: exponential, mean 5 min (live) or 8 min (written), plus 0–60 s wrap-up.
//
// The peer's table holds the interactions' raw facts (arrival, answer and end instants,
// vendor, queue, agent, channel, direction, kind, outcome, wrap-up) as integers, and the
// query applies the same definitions (docs/service-analytics.md) with CASE and SUM. Its
// months are exact Europe/Berlin months: since 1996 the EU changes clocks on the last
// Sundays of March and October at 01:00 UTC, never near a month's start, so a month from
// April to October starts at 22:00 UTC of the day before (UTC+2) and every other month at
// 23:00 UTC (UTC+1); the query takes the month of t + 2 h when that is April … October,
// else the month of t + 1 h. No index: the report reads every row. SQLite runs the query
// on one thread; our single-thread time is printed too.
//
//   ANALYTICS_BENCH_ROWS      interactions (default 10,000,000)
//   ANALYTICS_BENCH_RUNS      timed runs of the aggregate; best and median shown (default 9)
//   ANALYTICS_BENCH_SQL_RUNS  timed runs of the SQL query; best shown (default 1)
//   ANALYTICS_BENCH_SQL       0: skip the SQLite peer (default 1)
//   ANALYTICS_BENCH_VERIFY    1: first compare Aggregate with ContactCounter row by row on
//                             part ranges, scopes and finer periods (default 0)
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "analytics/contacts.hpp"
#include "analytics/periods.hpp"
#include "analytics/service_level.hpp"

namespace rapport::analytics {
namespace {

using Clock = std::chrono::steady_clock;
using domain::Channel;
using domain::Outcome;

constexpr const char* kZone = "Europe/Berlin";
constexpr std::int64_t kFrom = 1'704'063'600'000;  // 2024-01-01T00:00+01:00
constexpr std::int64_t kTo = 1'751'320'800'000;    // 2025-07-01T00:00+02:00
constexpr std::uint32_t kVendors = 4, kQueues = 30, kAgents = 500, kAccounts = 50'000;
constexpr std::uint32_t kCategories = 12;

std::int64_t EnvNumber(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoll(text, nullptr, 10) : fallback;
}

double Seconds(Clock::time_point from, Clock::time_point to = Clock::now()) {
  return std::chrono::duration<double>(to - from).count();
}

// Resident set size now, bytes (/proc/self/status VmRSS).
std::int64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

// splitmix64: fast, deterministic, good enough for synthetic data.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  std::uint32_t Below(std::uint32_t n) { return static_cast<std::uint32_t>((Next() >> 32) * n >> 32); }
  std::int64_t Exponential(double mean) { return static_cast<std::int64_t>(-mean * std::log1p(-Uniform())); }

 private:
  std::uint64_t state_;
};

// One synthetic interaction: the facts both sides store.
struct Row {
  std::int64_t id = 0, arrived = 0;
  std::int64_t answered = -1, ended = -1, wrap_up = -1;  // -1: absent
  std::uint32_t vendor = 0, queue = 0, agent = 0, account = 0, category = 0;
  Channel channel = Channel::kPhone;
  domain::Direction direction = domain::Direction::kInbound;
  domain::InteractionKind kind = domain::InteractionKind::kContact;
  int outcome = -1;  // domain::Outcome, -1: absent
};

// Calls fn(row) for rows 1…n, in arrival order, always the same rows for the same n.
template <class Fn>
void Generate(std::int64_t n, Fn&& fn) {
  Random random(20240101);
  const double step = static_cast<double>(kTo - kFrom) / static_cast<double>(n);
  Row r;
  for (std::int64_t i = 0; i < n; ++i) {
    r = Row{};
    r.id = i + 1;
    r.arrived = kFrom + static_cast<std::int64_t>((static_cast<double>(i) + random.Uniform()) * step);
    r.queue = 1 + random.Below(kQueues);
    r.vendor = 1 + (r.queue - 1) % kVendors;
    r.account = 1 + random.Below(kAccounts);
    r.category = random.Below(kCategories + 1);  // 0: none
    const std::uint32_t mix = random.Below(100);
    r.channel = mix < 45 ? Channel::kPhone : mix < 65 ? Channel::kEmail : mix < 85 ? Channel::kChat
              : mix < 90 ? Channel::kWeb : mix < 95 ? Channel::kSocial : Channel::kSms;
    const bool live = r.channel == Channel::kPhone || r.channel == Channel::kChat;
    const std::uint32_t agent = 1 + (r.vendor - 1) + kVendors * random.Below(kAgents / kVendors);
    const std::uint32_t kind = random.Below(100);
    if (kind >= 92) {  // outbound contacts and notes: not offered
      r.direction = domain::Direction::kOutbound;
      if (kind >= 98) r.kind = domain::InteractionKind::kNote;
      r.agent = agent;
      r.answered = r.arrived;
      r.ended = r.arrived + random.Exponential(240'000);
      r.outcome = static_cast<int>(live ? Outcome::kAnswered : Outcome::kSent);
      fn(r);
      continue;
    }
    const std::uint32_t fate = random.Below(1000);
    const std::int64_t handle = random.Exponential(live ? 300'000 : 480'000);
    if (live) {
      if (fate < 840) {
        r.answered = r.arrived + random.Exponential(r.channel == Channel::kPhone ? 25'000 : 45'000);
        r.ended = r.answered + handle;
        r.wrap_up = random.Below(61);
        r.agent = agent;
        r.outcome = static_cast<int>(Outcome::kAnswered);
      } else if (fate < 940) {
        const std::uint32_t how = random.Below(10);
        r.outcome = static_cast<int>(how < 6 ? Outcome::kAbandoned : how < 9 ? Outcome::kTimedOut
                                                                             : Outcome::kVoicemail);
        if (random.Below(100) >= 5) {
          r.ended = r.arrived + (random.Below(5) == 0 ? random.Below(5000) : random.Exponential(70'000));
        }
      } else if (fate < 970) {
        r.outcome = static_cast<int>(Outcome::kTransferred);
        r.ended = r.arrived + random.Exponential(30'000);
      } else {
        r.outcome = static_cast<int>(Outcome::kMissedOffHours);
        r.ended = r.arrived;
      }
    } else if (fate < 800) {
      r.answered = r.arrived + std::min<std::int64_t>(random.Exponential(7'200'000), 7 * 86'400'000LL);
      r.ended = r.answered + handle;
      r.agent = agent;
      r.outcome = static_cast<int>(Outcome::kReplied);
    } else {
      r.outcome = static_cast<int>(Outcome::kReceived);
    }
    fn(r);
  }
}

const std::array<std::string, kCategories + 1> kCategoryNames = {
    "", "billing", "delivery", "returns", "login", "outage", "upgrade", "cancel", "refund",
    "address", "invoice", "warranty", "other"};

void Fill(domain::Interaction& x, const Row& r) {
  auto id = [](std::uint32_t v) { return v == 0 ? std::optional<domain::Id>{} : std::optional<domain::Id>{v}; };
  auto at = [](std::int64_t ms) { return ms < 0 ? std::optional<Instant>{} : std::optional<Instant>{Instant{ms}}; };
  x.meta.id = r.id;
  x.channel = r.channel;
  x.direction = r.direction;
  x.kind = r.kind;
  x.account_id = id(r.account);
  x.queue_id = id(r.queue);
  x.vendor_id = id(r.vendor);
  x.agent_id = id(r.agent);
  if (r.category == 0) {
    x.category.reset();
  } else {
    x.category = kCategoryNames[r.category];
  }
  x.arrived_at = Instant{r.arrived};
  x.answered_at = at(r.answered);
  x.ended_at = at(r.ended);
  x.outcome = r.outcome < 0 ? std::optional<Outcome>{} : std::optional<Outcome>{static_cast<Outcome>(r.outcome)};
  x.wrap_up_seconds = r.wrap_up < 0 ? std::optional<std::int64_t>{} : std::optional<std::int64_t>{r.wrap_up};
}

// A group of the report: month label, vendor, channel.
using Key = std::tuple<std::string, std::uint32_t, std::uint32_t>;
constexpr int kCounts = 10;
using Counts = std::array<std::int64_t, kCounts>;
constexpr std::array<const char*, kCounts> kCountNames = {
    "offered", "answered", "answered_within", "abandoned", "abandoned_within",
    "short_abandons", "missed_off_hours", "wait_ms", "handled", "handle_ms"};

Counts CountsOf(const Tally& t) {
  return {t.offered, t.answered, t.answered_within, t.abandoned, t.abandoned_within,
          t.short_abandons, t.missed_off_hours, t.wait_ms, t.handled, t.handle_ms};
}

void Check(int rc, sqlite3* db, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
  std::fprintf(stderr, "sqlite %s: %s\n", what, sqlite3_errmsg(db));
  std::exit(2);
}

void Exec(sqlite3* db, const char* sql) { Check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); }

// The report as SQL: the definitions of service_level.hpp, thresholds per channel (phone
// 20 s, email 3600, chat 60, web, social and sms 3600), short abandons under 5 s.
constexpr const char* kReportSql = R"sql(
WITH c AS (
  SELECT
    CASE WHEN substr(strftime('%Y-%m', arrived_at / 1000 + 7200, 'unixepoch'), 6) BETWEEN '04' AND '10'
         THEN strftime('%Y-%m', arrived_at / 1000 + 7200, 'unixepoch')
         ELSE strftime('%Y-%m', arrived_at / 1000 + 3600, 'unixepoch') END AS month,
    vendor_id, channel,
    CASE WHEN answered_at IS NOT NULL THEN 1              -- answered
         WHEN outcome IN (1, 2, 4) THEN 2                 -- abandoned, timed_out, voicemail
         WHEN outcome = 5 THEN 4                          -- missed_off_hours
         ELSE 3 END AS d,                                 -- unanswered
    CASE WHEN answered_at IS NOT NULL THEN max(0, answered_at - arrived_at)
         ELSE max(0, ended_at - arrived_at) END AS wait,  -- NULL: no end
    CASE WHEN answered_at IS NOT NULL AND ended_at IS NOT NULL
         THEN max(0, ended_at - answered_at) + coalesce(wrap_up_seconds, 0) * 1000 END AS handle,
    CASE channel WHEN 0 THEN 20000 WHEN 2 THEN 60000 ELSE 3600000 END AS threshold
  FROM contacts
  WHERE direction = 0 AND kind = 0 AND arrived_at >= ?1 AND arrived_at < ?2)
SELECT month, vendor_id, channel,
  SUM(d = 1 OR d = 3 OR (d = 2 AND (wait IS NULL OR wait >= 5000))),
  SUM(d = 1),
  SUM(d = 1 AND wait <= threshold),
  SUM(d = 2 AND (wait IS NULL OR wait >= 5000)),
  SUM(d = 2 AND wait >= 5000 AND wait <= threshold),
  SUM(d = 2 AND wait < 5000),
  SUM(d = 4),
  TOTAL(CASE WHEN d = 1 THEN wait END),
  SUM(handle IS NOT NULL),
  TOTAL(handle)
FROM c GROUP BY month, vendor_id, channel ORDER BY month, vendor_id, channel
)sql";

}  // namespace
}  // namespace rapport::analytics

int main() {
  using namespace rapport;
  using namespace rapport::analytics;
  const std::int64_t rows = std::max<std::int64_t>(1, EnvNumber("ANALYTICS_BENCH_ROWS", 10'000'000));
  const std::int64_t runs = std::max<std::int64_t>(1, EnvNumber("ANALYTICS_BENCH_RUNS", 9));
  const std::int64_t sql_runs = std::max<std::int64_t>(1, EnvNumber("ANALYTICS_BENCH_SQL_RUNS", 1));
  const bool with_sql = EnvNumber("ANALYTICS_BENCH_SQL", 1) != 0;
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf(
      "== Analytics: monthly service level by vendor x channel (%s) over %lld interactions, "
      "2024-01 .. 2025-06\n",
      kZone, static_cast<long long>(rows));

  // Generation alone, so that the projection's build time can be told apart from it.
  const auto gen_start = Clock::now();
  std::int64_t checksum = 0;
  Generate(rows, [&](const Row& r) { checksum += r.arrived + r.answered + r.queue; });
  const double gen_time = Seconds(gen_start);
  [[maybe_unused]] static volatile std::int64_t sink;  // keeps the generation pass from being optimised away
  sink = checksum;

  // The projection, built like the server's Load: Upsert row by row, no Reserve.
  const std::int64_t rss_before = ResidentBytes();
  Projection projection;
  const auto build_start = Clock::now();
  {
    domain::Interaction x;
    Generate(rows, [&](const Row& r) {
      Fill(x, r);
      projection.contacts.Upsert(x, projection.categories);
    });
  }
  const double build_time = Seconds(build_start);
  const std::int64_t rss_after = ResidentBytes();
  const ContactTable& c = projection.contacts;
  auto bytes = [](const auto& v) { return static_cast<double>(v.capacity() * sizeof(v[0])); };
  const double column_bytes = bytes(c.id_) + bytes(c.arrived_) + bytes(c.wait_) + bytes(c.handle_) +
                              bytes(c.disposition_) + bytes(c.channel_) + bytes(c.queue_) +
                              bytes(c.vendor_) + bytes(c.agent_) + bytes(c.account_) + bytes(c.case_) +
                              bytes(c.category_);
  const double used_bytes = 46.0 * static_cast<double>(c.size());  // the columns' element sizes
  std::printf(
      "projection build: %.2f s for %lld rows (generation included; generation alone %.2f s), "
      "%.0f ns/row of Upsert; %zu blocks\n",
      build_time, static_cast<long long>(rows), gen_time,
      1e9 * std::max(0.0, build_time - gen_time) / static_cast<double>(rows), c.blocks().size());
  std::printf(
      "projection memory: resident +%.0f MB (%.1f bytes/row, VmRSS delta, id index and growth "
      "slack included); column capacities %.0f MB (%.1f bytes/row; %.0f bytes/row in use)\n",
      static_cast<double>(rss_after - rss_before) / 1e6,
      static_cast<double>(rss_after - rss_before) / static_cast<double>(rows), column_bytes / 1e6,
      column_bytes / static_cast<double>(rows), used_bytes / static_cast<double>(rows));

  auto scheme = PeriodScheme::Create(Granularity::kMonth, kZone, Instant{kFrom}, Instant{kTo});
  if (!scheme) {
    std::fprintf(stderr, "periods: %s\n", scheme.error().message.c_str());
    return 2;
  }
  ReportRequest request;
  request.scope.from = Instant{kFrom};
  request.scope.to = Instant{kTo};
  request.by = {Dimension::kVendor, Dimension::kChannel, Dimension::kPeriod};
  request.periods = &*scheme;

  if (EnvNumber("ANALYTICS_BENCH_VERIFY", 0) != 0) {
    // Aggregate against ContactCounter row by row: part ranges (blocks cut by the range),
    // scopes, and dimensions that vary inside a block.
    struct Case {
      std::int64_t from, to;
      std::vector<Dimension> by;
      std::optional<std::uint32_t> vendor;
      std::optional<std::uint8_t> channel;
      std::vector<std::uint32_t> queues;
      Granularity granularity;
    };
    const std::int64_t day = 86'400'000;
    const std::vector<Case> cases = {
        {kFrom, kTo, {Dimension::kVendor, Dimension::kChannel, Dimension::kPeriod}, {}, {}, {}, Granularity::kMonth},
        {kFrom + 37 * day + 12'345, kTo - 91 * day - 777, {Dimension::kVendor, Dimension::kChannel, Dimension::kPeriod}, {}, {}, {}, Granularity::kMonth},
        {kFrom + 5 * day, kFrom + 200 * day, {Dimension::kQueue, Dimension::kHourOfWeek}, 2, {}, {}, Granularity::kDay},
        {kFrom + 10 * day + 1, kFrom + 40 * day, {Dimension::kPeriod, Dimension::kAgent}, {}, 0, {3, 7, 11}, Granularity::kMinutes15},
        {kFrom, kTo, {Dimension::kChannel, Dimension::kPeriod}, {}, {}, {}, Granularity::kDay},
    };
    std::size_t bad = 0;
    for (const Case& k : cases) {
      auto periods = PeriodScheme::Create(k.granularity, kZone, Instant{k.from}, Instant{k.to});
      ReportRequest check;
      check.scope.from = Instant{k.from};
      check.scope.to = Instant{k.to};
      check.scope.vendor = k.vendor;
      check.scope.channel = k.channel;
      check.scope.queues = k.queues;
      check.by = k.by;
      check.periods = &*periods;
      check.threads = threads;
      auto got = Aggregate(projection, check);
      std::map<std::vector<std::uint32_t>, Tally> want;
      const ContactCounter counter(check.scope, check.definitions);
      PeriodScheme::Hint hint;
      for (std::size_t row = 0; row < c.size(); ++row) {
        if (!counter.Counts(c, row)) continue;
        std::vector<std::uint32_t> key;
        for (Dimension d : k.by) {
          const Instant at{c.arrived_[row]};
          key.push_back(d == Dimension::kVendor    ? c.vendor_[row]
                        : d == Dimension::kChannel ? c.channel_[row]
                        : d == Dimension::kQueue   ? c.queue_[row]
                        : d == Dimension::kAgent   ? c.agent_[row]
                        : d == Dimension::kPeriod  ? periods->IndexOf(at, hint)
                                                   : periods->HourOfWeek(at, hint));
        }
        counter.Add(want[key], c, row);
      }
      std::erase_if(want, [](const auto& entry) { return entry.second == Tally{}; });
      std::map<std::vector<std::uint32_t>, Tally> have;
      for (const Group& g : got->groups) have[g.key] = g.tally;
      const bool same = have == want;
      bad += !same;
      std::printf("verify: %zu groups, %s\n", have.size(), same ? "same as row by row" : "DIFFERENT from row by row");
    }
    if (bad != 0) return 1;
  }

  auto timed = [&](int with_threads, std::int64_t n, Report& out) {
    request.threads = with_threads;
    std::vector<double> times;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto start = Clock::now();
      auto report = Aggregate(projection, request);
      times.push_back(Seconds(start));
      if (!report) {
        std::fprintf(stderr, "aggregate: %s\n", report.error().message.c_str());
        std::exit(2);
      }
      out = std::move(*report);
    }
    std::sort(times.begin(), times.end());
    return times;
  };
  Report report;
  const std::vector<double> times = timed(threads, runs, report);
  const std::vector<double> single = timed(1, std::min<std::int64_t>(runs, 3), report);
  const double best = times.front();
  std::printf(
      "Rapport Aggregate, %d threads: %.1f ms best, %.1f ms median of %lld runs, %.2f ns/row   "
      "(target <= 100 ms); 1 thread: %.1f ms best; %zu groups, %lld offered\n",
      threads, 1e3 * best, 1e3 * times[times.size() / 2], static_cast<long long>(runs),
      1e9 * best / static_cast<double>(rows), 1e3 * single.front(), report.groups.size(),
      static_cast<long long>(report.total.offered));
  if (!with_sql) return 0;

  // The peer: the same rows in SQLite, inserted in one transaction with a prepared statement.
  char path[] = "/tmp/analytics-bench-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    std::perror("mkstemp");
    return 2;
  }
  close(fd);
  sqlite3* db = nullptr;
  Check(sqlite3_open(path, &db), db, "open");
  Exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
  Exec(db,
       "CREATE TABLE contacts (id INTEGER PRIMARY KEY, arrived_at INTEGER NOT NULL, "
       "answered_at INTEGER, ended_at INTEGER, vendor_id INTEGER, queue_id INTEGER, "
       "agent_id INTEGER, account_id INTEGER, channel INTEGER NOT NULL, direction INTEGER NOT NULL, "
       "kind INTEGER NOT NULL, outcome INTEGER, wrap_up_seconds INTEGER)");
  const auto load_start = Clock::now();
  Exec(db, "BEGIN");
  sqlite3_stmt* insert = nullptr;
  Check(sqlite3_prepare_v2(db, "INSERT INTO contacts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                           -1, &insert, nullptr),
        db, "prepare insert");
  Generate(rows, [&](const Row& r) {
    auto optional = [&](int column, std::int64_t v) {
      if (v < 0) {
        sqlite3_bind_null(insert, column);
      } else {
        sqlite3_bind_int64(insert, column, v);
      }
    };
    sqlite3_bind_int64(insert, 1, r.id);
    sqlite3_bind_int64(insert, 2, r.arrived);
    optional(3, r.answered);
    optional(4, r.ended);
    optional(5, r.vendor == 0 ? -1 : r.vendor);
    optional(6, r.queue == 0 ? -1 : r.queue);
    optional(7, r.agent == 0 ? -1 : r.agent);
    optional(8, r.account == 0 ? -1 : r.account);
    sqlite3_bind_int(insert, 9, static_cast<int>(r.channel));
    sqlite3_bind_int(insert, 10, static_cast<int>(r.direction));
    sqlite3_bind_int(insert, 11, static_cast<int>(r.kind));
    optional(12, r.outcome);
    optional(13, r.wrap_up);
    Check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
  });
  sqlite3_finalize(insert);
  Exec(db, "COMMIT");
  const double load_time = Seconds(load_start);
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  const double file_bytes = static_cast<double>(file.tellg());
  std::printf("SQLite table: %.1f s to insert (one transaction, generation included), file %.0f MB "
              "(%.1f bytes/row)\n",
              load_time, file_bytes / 1e6, file_bytes / static_cast<double>(rows));

  sqlite3_stmt* query = nullptr;
  Check(sqlite3_prepare_v2(db, kReportSql, -1, &query, nullptr), db, "prepare report");
  std::map<Key, Counts> theirs;
  double sql_best = 1e300;
  for (std::int64_t i = 0; i < sql_runs; ++i) {
    theirs.clear();
    const auto start = Clock::now();
    sqlite3_bind_int64(query, 1, kFrom);
    sqlite3_bind_int64(query, 2, kTo);
    int rc;
    while ((rc = sqlite3_step(query)) == SQLITE_ROW) {
      Key key{reinterpret_cast<const char*>(sqlite3_column_text(query, 0)),
              static_cast<std::uint32_t>(sqlite3_column_int64(query, 1)),
              static_cast<std::uint32_t>(sqlite3_column_int64(query, 2))};
      Counts& counts = theirs[key];
      for (int k = 0; k < kCounts; ++k) counts[k] = static_cast<std::int64_t>(sqlite3_column_double(query, 3 + k));
    }
    Check(rc, db, "report");
    sqlite3_reset(query);
    sql_best = std::min(sql_best, Seconds(start));
  }
  sqlite3_finalize(query);
  sqlite3_close(db);
  std::remove(path);
  std::printf(
      "peer, SQLite %s (one SQL query, GROUP BY month, vendor, channel): %.2f s best of %lld; "
      "ratio SQLite/Rapport: %.0f (%d threads), %.0f (1 thread)\n",
      sqlite3_libversion(), sql_best, static_cast<long long>(sql_runs), sql_best / best, threads,
      sql_best / single.front());

  // Both answers, group by group.
  std::map<Key, Counts> ours;
  for (const Group& g : report.groups) {
    ours[{scheme->Label(g.key[2]), g.key[0], g.key[1]}] = CountsOf(g.tally);
  }
  std::size_t differ = 0;
  for (const auto& [key, counts] : ours) {
    auto it = theirs.find(key);
    if (it != theirs.end() && it->second == counts) continue;
    if (++differ <= 5) {
      std::printf("  differs: %s vendor %u channel %u:", std::get<0>(key).c_str(), std::get<1>(key),
                  std::get<2>(key));
      for (int k = 0; k < kCounts; ++k) {
        std::printf(" %s %lld/%lld", kCountNames[k], static_cast<long long>(counts[k]),
                    it == theirs.end() ? -1LL : static_cast<long long>(it->second[k]));
      }
      std::printf("\n");
    }
  }
  for (const auto& [key, counts] : theirs) {
    if (!ours.contains(key) && ++differ <= 5) {
      std::printf("  only in SQL: %s vendor %u channel %u\n", std::get<0>(key).c_str(),
                  std::get<1>(key), std::get<2>(key));
    }
  }
  Counts total_sql{};
  for (const auto& [key, counts] : theirs) {
    for (int k = 0; k < kCounts; ++k) total_sql[k] += counts[k];
  }
  if (differ == 0) {
    std::printf("answers match: %zu groups, each of the %d counts equal (offered %lld, answered within T %lld)\n",
                ours.size(), kCounts, static_cast<long long>(total_sql[0]),
                static_cast<long long>(total_sql[2]));
  } else {
    std::printf("answers DIFFER in %zu groups (of %zu ours, %zu SQLite's)\n", differ, ours.size(),
                theirs.size());
  }
  return differ == 0 ? 0 : 1;
}
