#include "app/demo.hpp"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <future>
#include <limits>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "app/clocks.hpp"
#include "app/advocacy.hpp"
#include "app/ledger.hpp"
#include "domain/json_codec.hpp"
#include "sla/calendar.hpp"
#include "sla/clock.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace {

using domain::Account;
using domain::AgentSession;
using domain::AgentSessionKind;
using domain::Agreement;
using domain::AgreementKind;
using domain::Calendar;
using domain::Case;
using domain::CaseStatus;
using domain::Channel;
using domain::ClockMetric;
using domain::ClockTarget;
using domain::Deviation;
using domain::Direction;
using domain::Holiday;
using domain::Interaction;
using domain::Metric;
using domain::MetricTarget;
using domain::Outcome;
using domain::Participant;
using domain::ParticipantRole;
using domain::Person;
using domain::PersonRole;
using domain::Priority;
using domain::Queue;
using domain::Role;
using domain::ScheduleStep;
using domain::SlaPolicy;
using domain::User;
using domain::Vendor;
using domain::Weekday;
using store::Session;

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

// Records per store transaction: large enough that the commit's fsync is amortised,
// small enough that a chunk's drafts stay a few megabytes.
constexpr std::size_t kBatch = 4000;
constexpr std::int64_t kProgressEvery = 50000;

// Episodes (one customer problem each: a contact with its retries, or a case with its
// whole exchange) started per day at scale 1, before the weekday and season factors;
// tuned so that a year holds ~500,000 interactions.
constexpr double kEpisodesPerDay = 810;

// ---- randomness -----------------------------------------------------------------------

// Every random figure comes from raw std::mt19937_64 draws (whose sequence the standard
// fixes) through the arithmetic below, never through std::*_distribution (whose
// algorithms differ between standard libraries): the demo is the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1), 53 random bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n). REQUIRES: n > 0.
  std::int64_t Below(std::int64_t n) {
    return std::min(n - 1, static_cast<std::int64_t>(Uniform() * static_cast<double>(n)));
  }
  // Uniform in [lo, hi].
  std::int64_t Between(std::int64_t lo, std::int64_t hi) { return lo + Below(hi - lo + 1); }
  bool Chance(double p) { return Uniform() < p; }
  double Exponential(double mean) { return -std::log1p(-Uniform()) * mean; }
  // Standard normal by Box–Muller (one of the pair; the other is not kept).
  double Normal() {
    double u1 = 1.0 - Uniform();  // (0, 1]: the log is finite
    double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
  // Inversion for small means; above 30 the normal approximation is close enough.
  std::int64_t Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 30) {
      return std::max<std::int64_t>(0, std::llround(mean + std::sqrt(mean) * Normal()));
    }
    double u = Uniform();
    double p = std::exp(-mean);
    double cumulative = p;
    std::int64_t k = 0;
    while (u >= cumulative && k < 200) {
      ++k;
      p *= mean / static_cast<double>(k);
      cumulative += p;
    }
    return k;
  }
  // An index drawn in proportion to the weights whose running sums are `cumulative`.
  std::size_t Pick(std::span<const double> cumulative) {
    double x = Uniform() * cumulative.back();
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), x);
    return std::min<std::size_t>(it - cumulative.begin(), cumulative.size() - 1);
  }
  template <class C>
  const auto& OneOf(const C& items) {
    return items[static_cast<std::size_t>(Below(static_cast<std::int64_t>(std::size(items))))];
  }

 private:
  std::mt19937_64 engine_;
};

// Independent streams from one seed (SplitMix64), so that drawing more for one part of
// the company does not reshuffle the others.
std::uint64_t StreamSeed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

template <std::size_t N>
std::array<double, N> Cumulative(const std::array<double, N>& weights) {
  std::array<double, N> out{};
  double sum = 0;
  for (std::size_t i = 0; i < N; ++i) out[i] = sum += weights[i];
  return out;
}

Instant Plus(Instant t, double ms) { return Instant{t.ms + std::llround(ms)}; }
std::int64_t DayOf(Instant t) { return t.ms / kDay; }
// Monday 00:00 is hour 0 (1970-01-01 was a Thursday).
int HourOfWeek(std::int64_t hours_since_epoch) {
  return static_cast<int>((hours_since_epoch + 72) % 168);
}

// `text` with its "{n}" (if any) replaced by `n`.
std::string Fill(std::string_view text, std::int64_t n) {
  std::string out(text);
  if (auto at = out.find("{n}"); at != std::string::npos) out.replace(at, 3, std::to_string(n));
  return out;
}

std::string Lower(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    }
  }
  return out;
}

// ---- names and words --------------------------------------------------------------------

constexpr std::array<std::string_view, 48> kFirstNames = {
    "Aisha",   "Ben",   "Carla",  "Daniel", "Elif",   "Farah",   "George",  "Hannah",
    "Ivan",    "Julia", "Kenji",  "Laura",  "Marcus", "Nadia",   "Oliver",  "Paula",
    "Quentin", "Rosa",  "Samuel", "Tara",   "Umar",   "Valeria", "William", "Xin",
    "Yusuf",   "Zoe",   "Amelia", "Bruno",  "Chloe",  "David",   "Emma",    "Felix",
    "Grace",   "Hugo",  "Isla",   "Jonas",  "Kira",   "Liam",    "Mia",     "Noah",
    "Olga",    "Pedro", "Ruth",   "Sofia",  "Theo",   "Una",     "Victor",  "Wendy"};
constexpr std::array<std::string_view, 48> kLastNames = {
    "Adams",     "Bauer",      "Chen",     "Dubois",    "Evans",  "Fischer",  "Garcia",  "Hughes",
    "Ito",       "Jensen",     "Kowalski", "Lambert",   "Martin", "Nguyen",   "Okafor",  "Patel",
    "Quinn",     "Rossi",      "Schmidt",  "Tanaka",    "Usman",  "Vargas",   "Walsh",   "Xu",
    "Young",     "Zimmermann", "Andersen", "Brennan",   "Costa",  "Dietrich", "Eriksen", "Fontaine",
    "Gallagher", "Hoffmann",   "Iversen",  "Jovanovic", "Keller", "Larsen",   "Moreau",  "Novak",
    "Olsen",     "Petrov",     "Reyes",    "Sato",      "Torres", "Weber",    "Yilmaz",  "Ziegler"};
constexpr std::array<std::string_view, 40> kCompanyFirstWords = {
    "Blue",    "North",   "Silver",   "Granite", "Harbor",   "Summit",  "Cedar",     "Iron",
    "Bright",  "Red",     "Pine",     "Lake",    "River",    "Stone",   "Oak",       "Maple",
    "Falcon",  "Atlas",   "Nova",     "Vertex",  "Apex",     "Orbit",   "Crescent",  "Willow",
    "Golden",  "Prairie", "Coastal",  "Alpine",  "Sterling", "Union",   "Beacon",    "Evergreen",
    "Pioneer", "Horizon", "Keystone", "Liberty", "Quarry",   "Redwood", "Tidewater", "Lantern"};
constexpr std::array<std::string_view, 30> kCompanySecondWords = {
    "Logistics",     "Foods",    "Health",   "Systems",  "Retail",     "Analytics",
    "Manufacturing", "Energy",   "Software", "Labs",     "Outfitters", "Pharma",
    "Freight",       "Holdings", "Media",    "Robotics", "Textiles",   "Motors",
    "Insurance",     "Dental",   "Farms",    "Hotels",   "Networks",   "Brewing",
    "Builders",      "Capital",  "Clinics",  "Mobility", "Supply",     "Biotech"};

// ---- the company's shape ----------------------------------------------------------------

enum class Region { kAmericas, kEmea, kApac };

struct ZoneShape {
  std::string_view name;  // IANA
  int utc_offset_hours;   // standard time: daylight saving is ignored (an approximation)
  Region region;
  std::string_view currency;
  std::string_view phone_prefix;  // followed by `phone_digits` random digits
  int phone_digits;
  std::string_view company_suffix;
  double share;
};

constexpr std::array<ZoneShape, 12> kZones = {{
    {"America/New_York", -5, Region::kAmericas, "USD", "+1 212 555 01", 2, "Inc.", 0.24},
    {"America/Chicago", -6, Region::kAmericas, "USD", "+1 312 555 01", 2, "LLC", 0.12},
    {"America/Denver", -7, Region::kAmericas, "USD", "+1 303 555 01", 2, "Corp.", 0.05},
    {"America/Los_Angeles", -8, Region::kAmericas, "USD", "+1 213 555 01", 2, "Inc.", 0.14},
    {"America/Toronto", -5, Region::kAmericas, "USD", "+1 416 555 01", 2, "Ltd.", 0.05},
    {"Europe/London", 0, Region::kEmea, "GBP", "+44 20 7946 0", 3, "Ltd", 0.14},
    {"Europe/Dublin", 0, Region::kEmea, "EUR", "+353 1 555 ", 4, "Ltd", 0.03},
    {"Europe/Berlin", 1, Region::kEmea, "EUR", "+49 30 5555 ", 4, "GmbH", 0.08},
    {"Europe/Paris", 1, Region::kEmea, "EUR", "+33 1 55 55 ", 4, "SAS", 0.05},
    {"Europe/Amsterdam", 1, Region::kEmea, "EUR", "+31 20 555 ", 4, "B.V.", 0.03},
    {"Australia/Sydney", 10, Region::kApac, "USD", "+61 2 5550 ", 4, "Pty Ltd", 0.05},
    {"Asia/Singapore", 8, Region::kApac, "USD", "+65 6555 ", 4, "Pte Ltd", 0.02},
}};

struct SegmentShape {
  std::string_view name;
  double share;
  double median_value_major;  // annual value, in major units of the account's currency
  double value_sigma;
  Priority priority;
  double people_mean;
  double activity;  // contacts per person, relative
  std::int64_t notice_days;
  int longest_term_years;
  double agreement_share;  // accounts with a current customer agreement
};

constexpr std::array<SegmentShape, 4> kSegments = {{
    {"strategic", 0.05, 1'200'000, 0.5, Priority::kHigh, 12, 1.6, 90, 3, 1.0},
    {"key", 0.15, 250'000, 0.45, Priority::kHigh, 7, 1.3, 90, 3, 0.97},
    {"standard", 0.45, 45'000, 0.5, Priority::kNormal, 5, 1.0, 60, 2, 0.92},
    {"smb", 0.35, 6'000, 0.6, Priority::kLow, 3, 0.7, 30, 1, 0.82},
}};
constexpr std::size_t kStrategic = 0, kKey = 1, kSmb = 3;

// ---- service hours ----------------------------------------------------------------------

// Hours every day from `first` to `last`, local time; an end at or before the start runs
// past midnight into the next day.
struct HoursShape {
  Weekday first;
  Weekday last;
  int start_hour;
  int end_hour;
};

// A country's public holidays as a calendar holds them: fixed dates as yearly entries;
// the moving ones, and the weekday a fixed date is observed on when it falls on a
// weekend, as one-off entries for each of the demo's years.
struct FixedHoliday {
  std::string_view name;
  unsigned month;
  unsigned day;
  bool moves = true;  // observed on a weekday when it falls on a weekend
};
struct WeekdayHoliday {
  std::string_view name;
  unsigned month;
  date::weekday weekday;
  unsigned nth;  // 1 to 4; 0: the last of the month
};
struct EasterHoliday {
  std::string_view name;
  int days_after_easter;  // Sunday
};
enum class Observed {
  kNearestWeekday,   // US: Saturday's on the Friday before, Sunday's on the Monday after
  kNextFreeWeekday,  // UK, Australia: the next weekday that is not a holiday already
  kNever,            // Germany, and the days a vendor closes: only on the date itself
};
struct HolidaySet {
  std::span<const FixedHoliday> fixed;
  std::span<const WeekdayHoliday> weekday;
  std::span<const EasterHoliday> easter;
  Observed observed;
};

constexpr std::array<FixedHoliday, 5> kUsFixed = {{{"New Year's Day", 1, 1},
                                                   {"Juneteenth", 6, 19},
                                                   {"Independence Day", 7, 4},
                                                   {"Veterans Day", 11, 11},
                                                   {"Christmas Day", 12, 25}}};
constexpr std::array<WeekdayHoliday, 6> kUsWeekday = {
    {{"Martin Luther King Jr. Day", 1, date::Monday, 3},
     {"Washington's Birthday", 2, date::Monday, 3},
     {"Memorial Day", 5, date::Monday, 0},
     {"Labor Day", 9, date::Monday, 1},
     {"Columbus Day", 10, date::Monday, 2},
     {"Thanksgiving Day", 11, date::Thursday, 4}}};
constexpr HolidaySet kUsFederal{kUsFixed, kUsWeekday, {}, Observed::kNearestWeekday};

constexpr std::array<FixedHoliday, 3> kUkFixed = {
    {{"New Year's Day", 1, 1}, {"Christmas Day", 12, 25}, {"Boxing Day", 12, 26}}};
constexpr std::array<WeekdayHoliday, 3> kUkWeekday = {
    {{"Early May bank holiday", 5, date::Monday, 1},
     {"Spring bank holiday", 5, date::Monday, 0},
     {"Summer bank holiday", 8, date::Monday, 0}}};
constexpr std::array<EasterHoliday, 2> kUkEaster = {{{"Good Friday", -2}, {"Easter Monday", 1}}};
constexpr HolidaySet kUkBank{kUkFixed, kUkWeekday, kUkEaster, Observed::kNextFreeWeekday};

constexpr std::array<FixedHoliday, 6> kBerlinFixed = {{{"New Year's Day", 1, 1},
                                                       {"International Women's Day", 3, 8},
                                                       {"Labour Day", 5, 1},
                                                       {"German Unity Day", 10, 3},
                                                       {"Christmas Day", 12, 25},
                                                       {"Second Day of Christmas", 12, 26}}};
constexpr std::array<EasterHoliday, 4> kBerlinEaster = {
    {{"Good Friday", -2}, {"Easter Monday", 1}, {"Ascension Day", 39}, {"Whit Monday", 50}}};
constexpr HolidaySet kBerlin{kBerlinFixed, {}, kBerlinEaster, Observed::kNever};

constexpr std::array<FixedHoliday, 5> kNswFixed = {{{"New Year's Day", 1, 1},
                                                    {"Australia Day", 1, 26},
                                                    {"Anzac Day", 4, 25, false},
                                                    {"Christmas Day", 12, 25},
                                                    {"Boxing Day", 12, 26}}};
constexpr std::array<WeekdayHoliday, 2> kNswWeekday = {
    {{"King's Birthday", 6, date::Monday, 2}, {"Labour Day", 10, date::Monday, 1}}};
constexpr std::array<EasterHoliday, 4> kNswEaster = {
    {{"Good Friday", -2}, {"Easter Saturday", -1}, {"Easter Sunday", 0}, {"Easter Monday", 1}}};
constexpr HolidaySet kNsw{kNswFixed, kNswWeekday, kNswEaster, Observed::kNextFreeWeekday};

// Northwind closes on the three days its contract names, wherever they fall.
constexpr std::array<FixedHoliday, 2> kNorthwindFixed = {
    {{"New Year's Day", 1, 1}, {"Christmas Day", 12, 25}}};
constexpr std::array<WeekdayHoliday, 1> kNorthwindWeekday = {
    {{"Thanksgiving Day", 11, date::Thursday, 4}}};
constexpr HolidaySet kNorthwindClosed{kNorthwindFixed, kNorthwindWeekday, {}, Observed::kNever};

constexpr std::array<HoursShape, 1> kOfficeHours = {{{Weekday::kMonday, Weekday::kFriday, 9, 17}}};
// The premium desk in New York takes calls from European mornings to Pacific evenings.
constexpr std::array<HoursShape, 1> kPremiumDeskHours = {
    {{Weekday::kMonday, Weekday::kSunday, 2, 22}}};
constexpr std::array<HoursShape, 1> kNorthwindHours = {
    {{Weekday::kMonday, Weekday::kSaturday, 7, 22}}};
// Tasman's Sydney day shift serves Asia and Australia; its night shift (past midnight)
// serves the European and American working day, so chat is covered through the week.
constexpr std::array<HoursShape, 2> kTasmanHours = {
    {{Weekday::kMonday, Weekday::kFriday, 8, 18}, {Weekday::kMonday, Weekday::kFriday, 18, 8}}};

struct CalendarShape {
  std::string_view name;
  std::string_view time_zone;  // IANA
  std::span<const HoursShape> hours;
  const HolidaySet* holidays;  // none: open on public holidays
  // A customer office: the business calendar of the accounts in its time zone (accounts
  // elsewhere have none, and their clocks count 24×7).
  bool office;
  bool christmas_eve_short;  // 09:00–13:00 on December 24 when it is a weekday
  bool training_afternoons;  // closed 14:00–17:00 on the first Wednesday of each quarter's
                             // middle month
};

constexpr std::array<CalendarShape, 9> kCalendars = {{
    {"New York office", "America/New_York", kOfficeHours, &kUsFederal, true, true, false},
    {"Chicago office", "America/Chicago", kOfficeHours, &kUsFederal, true, false, false},
    {"Los Angeles office", "America/Los_Angeles", kOfficeHours, &kUsFederal, true, false, false},
    {"London office", "Europe/London", kOfficeHours, &kUkBank, true, true, false},
    {"Berlin office", "Europe/Berlin", kOfficeHours, &kBerlin, true, false, false},
    {"Sydney office", "Australia/Sydney", kOfficeHours, &kNsw, true, false, false},
    {"Premium desk", "America/New_York", kPremiumDeskHours, nullptr, false, false, false},
    {"Northwind coverage", "America/New_York", kNorthwindHours, &kNorthwindClosed, false, false,
     true},
    {"Tasman coverage", "Australia/Sydney", kTasmanHours, nullptr, false, false, false},
}};
constexpr std::size_t kPremiumDesk = 6, kNorthwindCoverage = 7, kTasmanCoverage = 8;

struct VendorShape {
  std::string_view name;
  std::string_view executive_sponsor;
  std::string_view point_of_contact;
  std::string_view email_domain;
  std::string_view team;
  int agents;
  std::string_view currency;
  std::int64_t cost_per_agent_hour_minor;
  // The hours it covers (its agreement's coverage calendar); none: around the clock.
  std::optional<std::size_t> coverage;
  // The fewest agents it keeps logged in while open.
  int min_staffed;
};

constexpr std::array<VendorShape, 3> kVendors = {{
    {"Northwind Contact Services", "Dana Whitfield, VP Operations", "ops@northwind-contact.example",
     "northwind-contact.example", "Northwind Americas", 20, "USD", 2650, kNorthwindCoverage, 1},
    {"Meridian CX", "Henrik Solberg, Managing Director", "service@meridian-cx.example",
     "meridian-cx.example", "Meridian EMEA", 15, "EUR", 3100, std::nullopt, 1},
    {"Tasman Support Co", "Olivia Tran, Head of Delivery", "accounts@tasman-support.example",
     "tasman-support.example", "Tasman APAC", 16, "USD", 2400, kTasmanCoverage, 3},
}};
// Teams 0..2 are the vendors'; the in-house team comes last.
constexpr std::size_t kInHouse = kVendors.size();
constexpr std::size_t kTeams = kVendors.size() + 1;
constexpr int kInHouseAgents = 12;

// The calendar of the hours each team works (its queues are staffed, its replies go out):
// the vendors' coverage, the premium desk's hours in-house. None: around the clock.
constexpr std::optional<std::size_t> TeamHours(std::size_t team) {
  return team == kInHouse ? kPremiumDesk : kVendors[team].coverage;
}

struct QueueShape {
  std::string_view name;
  Channel channel;
  std::size_t team;  // staffed in the team's hours (TeamHours)
  bool voicemail;    // phone: callers out of hours may leave a message
  // How hard the team runs. Live: the load-weighted mean occupancy its schedule is
  // planned for (staff follow the forecast only partly, load^0.75, so peaks run hotter).
  // Email: the mean business time to a reply.
  double occupancy;
  double reply_hours;
};

// The teams differ so that the scorecards do: Meridian runs hot and misses its targets,
// the premium desk is generously staffed, and Tasman is overstaffed (its chat planned at
// 40% occupancy, three agents at least logged in while it is open, more agents on its
// roster): it beats its targets, and its scorecards show the surplus agent-hours.
constexpr std::array<QueueShape, 8> kQueues = {{
    {"Premium Phone", Channel::kPhone, kInHouse, true, 0.62, 0},
    {"Premium Email", Channel::kEmail, kInHouse, false, 0, 1.5},
    {"Americas Phone", Channel::kPhone, 0, true, 0.70, 0},
    {"Americas Email", Channel::kEmail, 0, false, 0, 3},
    {"EMEA Phone", Channel::kPhone, 1, true, 0.76, 0},
    {"EMEA Email", Channel::kEmail, 1, false, 0, 6},
    {"APAC Phone", Channel::kPhone, 2, false, 0.66, 0},
    {"Global Chat", Channel::kChat, 2, false, 0.40, 0},
}};
constexpr std::size_t kPremiumPhone = 0, kPremiumEmail = 1, kAmericasPhone = 2, kAmericasEmail = 3,
                      kEmeaPhone = 4, kEmeaEmail = 5, kApacPhone = 6, kGlobalChat = 7;

// Live contacts: callers' patience, the longest a queue holds a contact, the wait scale
// and the handle time, per channel.
struct LiveShape {
  double patience_s;
  double max_wait_s;
  double base_wait_s;
  double handle_median_s;
  double handle_sigma;
};
constexpr LiveShape kPhoneShape{240, 900, 8, 300, 0.55};
constexpr LiveShape kChatShape{300, 600, 20, 540, 0.5};

// After-contact work on answered calls and chats: each agent has a habit (a mean in
// [kWrapUpHabitLow, kWrapUpHabitHigh] seconds), each contact 0.7 to 1.3 times it, within
// [kWrapUpLeast, kWrapUpMost].
constexpr double kWrapUpHabitLow = 25, kWrapUpHabitHigh = 75;
constexpr double kWrapUpLeast = 20, kWrapUpMost = 90;

// Handled (answered) calls and chats per episode on the channel, as the year plays out
// (retries, follow-up calls, agents' calls back), for the staffing plan.
constexpr double kHandledCallsPerEpisode = 1.2;
constexpr double kHandledChatsPerEpisode = 0.9;

// Agents' shifts: at most kShiftHours long (shorter where the team's hours end first), at
// most kShiftsPerWeek in any seven days, at least kRestHours between two.
constexpr int kShiftHours = 8;
constexpr int kShiftsPerWeek = 5;
constexpr int kRestHours = 12;

// Contacts by local hour: peaks mid-morning and mid-afternoon.
constexpr std::array<double, 24> kIntraday = {0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5,
                                              4.0, 7.0, 8.5, 7.5, 5.5, 6.5, 7.5, 7.0,
                                              5.5, 3.5, 2.0, 1.3, 1.0, 0.8, 0.5, 0.3};
// Monday first.
constexpr std::array<double, 7> kWeekday = {1.25, 1.1, 1.05, 1.0, 0.9, 0.3, 0.2};
// January first.
constexpr std::array<double, 12> kMonth = {1.10, 1.05, 1.05, 1.0,  0.97, 0.93,
                                           0.90, 0.90, 1.02, 1.05, 1.08, 0.95};
constexpr std::array<double, 3> kChannelShare = {0.48, 0.32, 0.20};  // phone, email, chat
constexpr std::array<Channel, 3> kChannels = {Channel::kPhone, Channel::kEmail, Channel::kChat};

struct CategoryShape {
  std::string_view name;
  double share;
  double case_chance;  // of an episode about it becoming a case
  double resolve_hours;
  std::array<std::string_view, 3> subjects;
  std::array<std::string_view, 3> inbound;  // the customer's words
  std::array<std::string_view, 3> replies;  // the agent's first answer
  std::array<std::string_view, 3> notes;    // an agent's note of a call or chat
  std::array<std::string_view, 2> resolutions;
};

constexpr std::array<CategoryShape, 7> kCategories = {{
    {.name = "billing",
     .share = 0.20,
     .case_chance = 0.3,
     .resolve_hours = 30,
     .subjects = {"Invoice {n} charged twice", "Question about invoice {n}",
                  "Unexpected charge on our account"},
     .inbound = {"We were charged twice for invoice {n} this month. Please refund the duplicate.",
                 "The amount on invoice {n} does not match our contract.",
                 "Our card was declined but the charge still shows as pending. Can you check?"},
     .replies =
         {"I have checked invoice {n} and can see the duplicate charge; I have asked our billing "
          "team to refund it.",
          "Thanks for flagging this. I am comparing the invoice with your contract now.",
          "I have corrected the invoice and attached the updated copy."},
     .notes = {"Walked the customer through the invoice lines.",
               "Customer disputes a charge; refund requested.",
               "Explained proration on the latest invoice."},
     .resolutions = {"The refund has been issued and should appear within 5 business days.",
                     "The corrected invoice is now on your account."}},
    {.name = "outage",
     .share = 0.10,
     .case_chance = 0.5,
     .resolve_hours = 40,
     .subjects = {"Service unavailable since this morning", "Dashboard not loading",
                  "API returning 503 errors"},
     .inbound = {"None of our users can log in since about 9am. This is blocking our whole team.",
                 "We are getting 503 errors from the API on every request.",
                 "The dashboard has been spinning for an hour and never loads."},
     .replies =
         {"We are aware of the disruption and our engineers are working on it. I will update you "
          "as soon as it is fixed.",
          "I have linked your report to the ongoing incident and will keep you posted.",
          "Could you tell me which region your users are in and send a screenshot of the error?"},
     .notes = {"Confirmed the customer is affected by the current incident.",
               "Collected error details and escalated to engineering.",
               "Customer reports the service is down for all users."},
     .resolutions =
         {"The incident is resolved and service is back to normal. Sorry for the disruption.",
          "Engineering deployed a fix; please let us know if anything still looks wrong."}},
    {.name = "shipping",
     .share = 0.16,
     .case_chance = 0.25,
     .resolve_hours = 60,
     .subjects = {"Where is order {n}?", "Tracking has not updated for order {n}",
                  "Delivery address change for order {n}"},
     .inbound = {"Our order {n} was due on Monday and still has not arrived.",
                 "The tracking for order {n} has not moved in four days.",
                 "Can we change the delivery address for order {n}?"},
     .replies = {"I have contacted the carrier and asked them to trace the parcel.",
                 "Your order is on its way; the carrier shows delivery within two days.",
                 "I have updated the delivery address on order {n}."},
     .notes = {"Gave the customer the latest tracking status.", "Opened a trace with the carrier.",
               "Updated the delivery address."},
     .resolutions = {"The order has been delivered; the carrier confirms receipt.",
                     "A replacement shipment is on its way with express delivery."}},
    {.name = "returns",
     .share = 0.12,
     .case_chance = 0.45,
     .resolve_hours = 80,
     .subjects = {"Return request for order {n}", "Refund for returned items not received",
                  "Wrong item received in order {n}"},
     .inbound =
         {"We would like to return part of order {n}. How do we do that?",
          "We returned the items from order {n} two weeks ago and have not had a refund yet.",
          "We received the wrong item in order {n}."},
     .replies =
         {"I have created a return label and emailed it to you.",
          "I can see the return has arrived at our warehouse; the refund is being processed.",
          "Sorry about the mix-up. I have arranged for the correct item to be sent."},
     .notes = {"Explained how to return the items.", "Checked the return status at the warehouse.",
               "Arranged an exchange for the wrong item."},
     .resolutions = {"The refund has been issued to the original payment method.",
                     "The correct item has been delivered and the return is complete."}},
    {.name = "account_access",
     .share = 0.14,
     .case_chance = 0.2,
     .resolve_hours = 10,
     .subjects = {"Cannot log in", "Password reset email not arriving",
                  "Please add a new user to our account"},
     .inbound = {"I cannot log in: it says my password is wrong even after a reset.",
                 "The password reset email never arrives. I have checked the spam folder.",
                 "Please add our new colleague as a user on account {n}."},
     .replies = {"I have reset your login; you should receive a new link within a few minutes.",
                 "I have resent the reset email from a different address; please check again.",
                 "The new user has been added and will receive an invitation shortly."},
     .notes = {"Reset the customer's password.", "Unlocked the account after failed sign-ins.",
               "Added a new user to the account."},
     .resolutions = {"Access is restored; the customer confirmed they can sign in.",
                     "The new user has accepted the invitation."}},
    {.name = "how_to",
     .share = 0.20,
     .case_chance = 0.08,
     .resolve_hours = 20,
     .subjects = {"How do I export reports?", "Setting up user roles",
                  "Question about the integration settings"},
     .inbound = {"How do I export last month's report to a spreadsheet?",
                 "Which role should our team leads have so they can approve orders?",
                 "Where do I find the API key for the integration?"},
     .replies = {"You can export any report from the Reports page with the Export button at the "
                 "top right.",
                 "Team leads need the Approver role; you can set it under Settings, Users.",
                 "The API key is under Settings, Integrations. I have sent you a short guide."},
     .notes = {"Showed the customer how to export reports.", "Explained user roles.",
               "Walked through the integration settings."},
     .resolutions = {"The customer confirmed the steps worked.",
                     "Sent the guide; nothing further needed."}},
    {.name = "product_defect",
     .share = 0.08,
     .case_chance = 0.55,
     .resolve_hours = 100,
     .subjects = {"Device keeps restarting", "Scanner not pairing",
                  "Feature not working as documented"},
     .inbound = {"Our handheld device restarts every few minutes since the last update.",
                 "The barcode scanner will not pair with the tablet any more.",
                 "Bulk edit does not save changes although the help page says it should."},
     .replies = {"Thanks for the details. I have reproduced the problem and passed it to our "
                 "product team.",
                 "Could you send the device's serial number and the firmware version?",
                 "I have logged this as a defect and asked engineering for a fix date."},
     .notes = {"Troubleshot the device with the customer; fault confirmed.",
               "Collected serial number and firmware version.",
               "Logged a defect with engineering."},
     .resolutions = {"We have shipped a replacement unit and it has been delivered.",
                     "The fix is released; please update to the latest version."}},
}};
constexpr std::size_t kBilling = 0, kOutage = 1, kReturns = 3, kProductDefect = 6;

constexpr std::array<std::string_view, 3> kAskTexts = {
    "Could you send us a screenshot and the time it happened?",
    "Could you confirm the account email and the order number?",
    "Could you tell us which of your users are affected?"};
constexpr std::array<std::string_view, 3> kFollowUpTexts = {
    "Here are the details you asked for.", "I have attached the screenshot you asked for.",
    "Any update on this?"};
constexpr std::array<std::string_view, 2> kAckTexts = {
    "Thank you, that helps. We are on it.",
    "Thanks for the details; I have passed them on to the team."};
constexpr std::array<std::string_view, 2> kUpdateTexts = {
    "Our specialist team has looked into this and we are preparing a fix.",
    "Quick update: engineering has found the cause and is working on it."};
constexpr std::array<std::string_view, 2> kStillBrokenTexts = {
    "The problem is back: it is still not working after your fix.",
    "Sorry, but it is still not working. Same issue as before."};
constexpr std::string_view kSupportAddress = "support@demo.rapport";
constexpr std::string_view kPremiumSupportAddress = "premium-support@demo.rapport";

// How often someone in `role` gets in touch, relative to the other roles.
double ContactWeight(PersonRole role) {
  switch (role) {
    case PersonRole::kEndUser:
      return 4.0;
    case PersonRole::kOther:
      return 2.0;
    case PersonRole::kDecisionMaker:
      return 1.0;
    case PersonRole::kExecutiveSponsor:
      return 0.3;
  }
  return 0;
}

// ---- the company as the episodes need it ------------------------------------------------

struct Agent {
  Id id = 0;
  std::string name;
  std::optional<Id> vendor_id;
  double wrap_up_s = 0;  // the agent's habit: mean after-contact work, seconds
};

struct PersonModel {
  Id id = 0;
  PersonRole role = PersonRole::kEndUser;
  std::string first_name;
  std::string name;
};

struct AccountModel {
  Id id = 0;
  std::size_t zone = 0;
  std::size_t segment = 0;
  std::vector<PersonModel> people;
  std::vector<double> caller_cumulative;  // who of them gets in touch, by role

  const ZoneShape& zone_shape() const { return kZones[zone]; }
  bool premium() const { return segment == kStrategic || segment == kKey; }
};

struct QueueModel {
  Id id = 0;
  std::optional<Id> vendor_id;
  std::array<double, 168> occupancy{};  // planned, by UTC hour of week; 0 when closed
};

// The queue serving `account`'s contacts on `channel`: strategic and key accounts get the
// in-house premium desk, everyone else the vendor of their region.
std::size_t Route(const AccountModel& account, Channel channel) {
  Region region = account.zone_shape().region;
  switch (channel) {
    case Channel::kPhone:
      if (account.premium()) return kPremiumPhone;
      return region == Region::kAmericas ? kAmericasPhone
             : region == Region::kEmea   ? kEmeaPhone
                                         : kApacPhone;
    case Channel::kEmail:
      if (account.premium()) return kPremiumEmail;
      return region == Region::kAmericas ? kAmericasEmail : kEmeaEmail;
    default:
      return kGlobalChat;
  }
}

// ---- calendars and policies --------------------------------------------------------------

int YearOf(Instant t) {
  return static_cast<int>(date::year_month_day{date::sys_days{date::days{DayOf(t)}}}.year());
}

Date DateOf(date::sys_days day) {
  return Date{static_cast<std::int32_t>(day.time_since_epoch().count())};
}
Date DateOf(int year, unsigned month, unsigned day) {
  return DateOf(date::sys_days{date::year{year} / date::month{month} / date::day{day}});
}
date::weekday WeekdayOf(Date date) { return date::weekday{date::sys_days{date::days{date.days}}}; }
bool IsWeekend(Date date) {
  const date::weekday w = WeekdayOf(date);
  return w == date::Saturday || w == date::Sunday;
}

// The `nth` `weekday` of the month (0: the last).
Date NthWeekday(int year, unsigned month, date::weekday weekday, unsigned nth) {
  const auto ym = date::year{year} / date::month{month};
  if (nth == 0) return DateOf(date::sys_days{ym / weekday[date::last]});
  return DateOf(date::sys_days{ym / weekday[nth]});
}

// Easter Sunday of the Gregorian calendar (the anonymous algorithm of 1876).
Date EasterSunday(int year) {
  const int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  const int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451, n = h + l - 7 * m + 114;
  return DateOf(year, static_cast<unsigned>(n / 31), static_cast<unsigned>(n % 31 + 1));
}

// The holidays of `set` for the years `first` to `last`, unordered.
std::vector<Holiday> Holidays(const HolidaySet& set, int first, int last) {
  std::vector<Holiday> out;
  auto add = [&](std::string name, Date date, bool yearly) {
    out.push_back({std::move(name), date, yearly, std::nullopt, std::nullopt});
  };
  for (const FixedHoliday& h : set.fixed) {
    add(std::string(h.name), DateOf(first, h.month, h.day), true);
  }
  for (int year = first; year <= last; ++year) {
    std::vector<Date> taken;  // the year's holidays on weekdays
    for (const WeekdayHoliday& h : set.weekday) {
      add(std::string(h.name), NthWeekday(year, h.month, h.weekday, h.nth), false);
      taken.push_back(out.back().date);
    }
    for (const EasterHoliday& h : set.easter) {
      add(std::string(h.name), Date{EasterSunday(year).days + h.days_after_easter}, false);
      taken.push_back(out.back().date);
    }
    for (const FixedHoliday& h : set.fixed) {
      const Date date = DateOf(year, h.month, h.day);
      if (!IsWeekend(date)) taken.push_back(date);
    }
    // In date order (the arrays are), so that Christmas moves before Boxing Day does.
    for (const FixedHoliday& h : set.fixed) {
      Date date = DateOf(year, h.month, h.day);
      if (!h.moves || set.observed == Observed::kNever || !IsWeekend(date)) continue;
      if (set.observed == Observed::kNearestWeekday) {
        date.days += WeekdayOf(date) == date::Saturday ? -1 : 1;
      } else {
        do {
          ++date.days;
        } while (IsWeekend(date) || std::find(taken.begin(), taken.end(), date) != taken.end());
      }
      taken.push_back(date);
      const bool nearest = set.observed == Observed::kNearestWeekday;
      add(std::string(h.name) + (nearest ? " (observed)" : " (substitute day)"), date, false);
    }
  }
  return out;
}

// The calendar `shape` describes, with its dated entries for the years `first` to `last`.
Calendar NewCalendar(const CalendarShape& shape, int first, int last) {
  Calendar c;
  c.name = shape.name;
  c.time_zone = shape.time_zone;
  for (const HoursShape& h : shape.hours) {
    for (int day = static_cast<int>(h.first); day <= static_cast<int>(h.last); ++day) {
      c.hours.push_back(
          {static_cast<Weekday>(day), TimeOfDay{h.start_hour * 60}, TimeOfDay{h.end_hour * 60}});
    }
  }
  if (shape.holidays) c.holidays = Holidays(*shape.holidays, first, last);
  for (int year = first; year <= last; ++year) {
    // One-off rather than yearly: a yearly short day would also open a weekend's
    // December 24 for those hours.
    const Date eve = DateOf(year, 12, 24);
    if (shape.christmas_eve_short && !IsWeekend(eve)) {
      c.short_days.push_back({eve, false, TimeOfDay{9 * 60}, TimeOfDay{13 * 60}});
    }
    if (shape.training_afternoons) {
      for (unsigned month : {2u, 5u, 8u, 11u}) {
        c.holidays.push_back({"Quarterly training", NthWeekday(year, month, date::Wednesday, 1),
                              false, TimeOfDay{14 * 60}, TimeOfDay{17 * 60}});
      }
    }
  }
  // By date, for whoever reads the calendar.
  std::stable_sort(c.holidays.begin(), c.holidays.end(),
                   [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
  return c;
}

// The service-level policies, by position: the first whose conditions hold sets a case's
// targets. Strategic outages count on the premium desk's long hours (`premium_desk`);
// the rest on the hours of the vendor serving the case, else the customer's office.
std::vector<SlaPolicy> NewPolicies(Id premium_desk) {
  auto target = [](ClockMetric metric, std::int64_t minutes, std::int64_t warning) {
    ClockTarget t;
    t.metric = metric;
    t.minutes = minutes;
    t.warning_minutes = warning;
    return t;
  };
  std::vector<SlaPolicy> out(5);
  out[0].name = "Strategic urgent";
  out[0].position = 10;
  out[0].segments = {std::string(kSegments[kStrategic].name)};
  out[0].priorities = {Priority::kUrgent};
  out[0].calendar_id = premium_desk;
  out[0].targets = {target(ClockMetric::kFirstResponse, 30, 10),
                    target(ClockMetric::kNextResponse, 60, 15),
                    target(ClockMetric::kResolution, 480, 120)};
  out[1].name = "Strategic";
  out[1].position = 20;
  out[1].segments = {std::string(kSegments[kStrategic].name)};
  out[1].targets = {target(ClockMetric::kFirstResponse, 60, 15),
                    target(ClockMetric::kNextResponse, 120, 30),
                    target(ClockMetric::kResolution, 1920, 480)};
  out[2].name = "Key accounts";
  out[2].position = 30;
  out[2].segments = {std::string(kSegments[kKey].name)};
  out[2].targets = {target(ClockMetric::kFirstResponse, 120, 30),
                    target(ClockMetric::kNextResponse, 240, 60),
                    target(ClockMetric::kResolution, 2400, 480)};
  // Email customers expect an answer to a follow-up within a day, whatever the hours.
  out[3].name = "Email";
  out[3].position = 40;
  out[3].channels = {Channel::kEmail};
  out[3].targets = {target(ClockMetric::kFirstResponse, 480, 120),
                    target(ClockMetric::kNextResponse, 1440, 240),
                    target(ClockMetric::kResolution, 4800, 960)};
  out[3].targets[1].business_time = false;
  // Everything else. Resolution also stands still while the case waits on another team
  // (pending_internal): the standard contract only promises our own working time.
  out[4].name = "Standard";
  out[4].position = 50;
  out[4].targets = {target(ClockMetric::kFirstResponse, 240, 60),
                    target(ClockMetric::kNextResponse, 720, 120),
                    target(ClockMetric::kResolution, 4800, 960)};
  out[4].targets[2].paused_by =
      std::vector<CaseStatus>{CaseStatus::kPendingCustomer, CaseStatus::kPendingInternal};
  return out;
}

// ---- records in flight ------------------------------------------------------------------

// The text of a record's "created" event, made before the store assigns the record's id
// (and, for an interaction, its case's id) and completed with them by the writer. JSON
// formatting (RFC 3339 instants above all) is the costliest part of a write: made this
// way, it runs on the generating thread while the store's writer thread inserts the
// previous chunk.
class CreatedText {
 public:
  CreatedText() = default;
  // REQUIRES: `record` is domain::ToJson of a record whose id is 0 (ToJson writes the id
  // first); with `case_to_fill`, of an interaction whose case_id is null.
  CreatedText(const boost::json::value& record, bool case_to_fill)
      : text_(boost::json::serialize(record)) {
    if (case_to_fill) {
      // Only "source" and "external_id" come before it, and neither can hold this text.
      case_at_ = text_.find(kCasePlaceholder);
      RAPPORT_CHECK(case_at_ != std::string::npos);
    }
  }

  // REQUIRES: `case_id` only when made with `case_to_fill`.
  std::string Complete(Id id, std::optional<Id> case_id) const {
    std::string out = domain::WithId(text_, id);
    if (!case_id) return out;
    RAPPORT_CHECK(case_at_ != std::string::npos);
    // WithId replaced the one-digit 0 with the id's digits: later offsets move with it.
    const std::size_t shift = std::to_string(id).size() - 1;
    const std::size_t null_at = case_at_ + shift + kCasePlaceholder.size() - 4;
    return out.replace(null_at, 4, std::to_string(*case_id));
  }

 private:
  static constexpr std::string_view kCasePlaceholder = ",\"case_id\":null";
  std::string text_;
  std::size_t case_at_ = std::string::npos;
};

struct CaseDraft {
  Case record;  // status, resolved_at and closed_at are set from `history` when prepared
  Instant opened;
  std::vector<std::pair<CaseStatus, Instant>> history;  // the steps after "new", in order
  CreatedText created;                                  // the case as opened, status "new"
  std::vector<std::string> changes;                     // the status_changed events' text, by step
};

struct InteractionDraft {
  Interaction record;
  std::optional<std::size_t> case_slot;  // into Chunk::cases; the case's id is known once written
  CreatedText created;
};

struct SessionDraft {
  AgentSession record;
  CreatedText created;
};

// What one store transaction writes: cases before the interactions that refer to them,
// and agents' sessions.
struct Chunk {
  std::vector<CaseDraft> cases;
  std::vector<InteractionDraft> interactions;
  std::vector<SessionDraft> sessions;
};

// One customer problem being played out.
struct Episode {
  const AccountModel* account = nullptr;
  const PersonModel* person = nullptr;
  const CategoryShape* category = nullptr;
  std::int64_t number = 0;     // names its email message ids
  std::int64_t reference = 0;  // the order or invoice number in its texts
  std::string subject;
  std::optional<std::size_t> case_slot;
  std::optional<std::size_t> owner_team;  // the case's assignee
  std::size_t owner = 0;
  std::optional<std::string> last_message_id;  // of its email thread
  int emails = 0;
  // Set once anything would happen at or after the window's end: the rest of the
  // episode is not written (times only move forward within an episode).
  bool past_end = false;
};

struct LiveResult {
  std::optional<std::size_t> index;  // into Chunk::interactions; absent when not written
  Outcome outcome = Outcome::kMissedOffHours;
  Instant ended;
  bool reached() const {
    return index && (outcome == Outcome::kAnswered || outcome == Outcome::kTransferred);
  }
};

enum class Story {
  kRepeatContacts,
  kLongEmailThread,
  kDecisionMakerCopied,
  kPolicyQuoted,
  kOfferWhileUnresolved,
  kFailedFix,
};
constexpr int kStoryKinds = 6;

// Sets the fields store::Insert(…, at) sets, so that the record's JSON can be built before
// the insert.
template <domain::Entity T>
void StampCreated(T& record, Instant at) {
  record.meta.version = 1;
  record.meta.created_at = at;
  record.meta.updated_at = at;
}

template <domain::Entity T>
Result<void> CheckRecord(const T& record) {
  FieldErrors errors;
  domain::Validate(record, errors);
  if (errors.empty()) return {};
  std::string message =
      "demo generator built an invalid " + std::string(domain::Schema<T>::kEntity) + ":";
  for (const auto& e : errors.list()) message += " " + e.field + " " + e.message + ";";
  return Fail(ErrorCode::kInternal, message);
}

Result<void> AppendEvent(Session& s, std::string_view entity, Id id, std::string action, Instant at,
                         std::string change, std::optional<Id> account_id) {
  domain::Event event{0,      at, kSystemUserId, std::string(entity), id, std::move(action),
                      std::move(change), account_id};
  return s.AppendEvent(event);
}

// Stores `record` with `at` as its creation instant, and its "created" event.
template <domain::Entity T>
Result<void> InsertCreated(Session& s, T& record, Instant at) {
  if (auto r = store::Insert(s, record, at); !r) return r;
  return AppendEvent(s, domain::Schema<T>::kEntity, record.meta.id, "created", at,
                     boost::json::serialize(domain::ToJson(record)), domain::AccountOf(record));
}

// Writes a prepared chunk: cases first (each created as it was opened, status "new",
// then one status_changed event per step), then the interactions pointing at them, then
// the agents' sessions.
Result<void> WriteChunk(Session& s, Chunk& chunk) {
  for (CaseDraft& draft : chunk.cases) {
    if (auto r = store::Insert(s, draft.record, draft.opened); !r) return r;
    const Id id = draft.record.meta.id;
    if (auto r =
            AppendEvent(s, "case", id, "created", draft.opened, draft.created.Complete(id, {}),
                        draft.record.account_id);
        !r) {
      return r;
    }
    for (std::size_t i = 0; i < draft.changes.size(); ++i) {
      if (auto r = AppendEvent(s, "case", id, "status_changed", draft.history[i].second,
                               std::move(draft.changes[i]), draft.record.account_id);
          !r) {
        return r;
      }
    }
  }
  for (InteractionDraft& draft : chunk.interactions) {
    if (draft.case_slot) draft.record.case_id = chunk.cases[*draft.case_slot].record.meta.id;
    if (auto r = store::Insert(s, draft.record, draft.record.arrived_at); !r) return r;
    const Id id = draft.record.meta.id;
    if (auto r = AppendEvent(s, "interaction", id, "created", draft.record.arrived_at,
                             draft.created.Complete(id, draft.record.case_id),
                             draft.record.account_id);
        !r) {
      return r;
    }
  }
  for (SessionDraft& draft : chunk.sessions) {
    if (auto r = store::Insert(s, draft.record, draft.record.started_at); !r) return r;
    const Id id = draft.record.meta.id;
    if (auto r = AppendEvent(s, domain::Schema<AgentSession>::kEntity, id, "created",
                             draft.record.started_at, draft.created.Complete(id, {}), std::nullopt);
        !r) {
      return r;
    }
  }
  return {};
}

// ---- the generator ----------------------------------------------------------------------

class DemoGenerator {
 public:
  DemoGenerator(store::Store& store, const DemoOptions& options)
      : store_(store),
        options_(options),
        end_(options.end),
        start_(Instant{options.end.ms - 365 * kDay}),
        setup_(Instant{options.end.ms - 400 * kDay}),
        company_(StreamSeed(options.seed, 0)),
        staff_(StreamSeed(options.seed, 1)),
        traffic_(StreamSeed(options.seed, 2)),
        stories_(StreamSeed(options.seed, 3)),
        shifts_(StreamSeed(options.seed, 4)) {}

  // Even when generating threw: the writer thread may still be reading writing_.
  ~DemoGenerator() {
    if (write_.valid()) write_.wait();
  }

  Result<DemoSummary> Run() {
    if (!(options_.scale > 0 && options_.scale <= 100)) {
      return Fail(ErrorCode::kInvalid, "the demo scale must be above 0 and at most 100",
                  {{"scale", "must be in (0, 100]"}});
    }
    if (auto r = CheckEmpty(); !r) return std::unexpected(r.error());
    if (auto r = WriteCalendars(); !r) return std::unexpected(r.error());
    if (auto r = WriteStaff(); !r) return std::unexpected(r.error());
    if (auto r = WritePolicies(); !r) return std::unexpected(r.error());
    if (auto r = WriteCustomers(); !r) return std::unexpected(r.error());
    PlanStaffing();
    PlanDays();
    auto generated = WriteSessions();
    if (generated) generated = WriteYear();
    if (generated) generated = WriteStories();
    auto written = AwaitWrite();  // even after a failure: the result must be final
    if (!generated) return std::unexpected(generated.error());
    if (!written) return std::unexpected(written.error());
    if (auto r = WriteEscalations(); !r) return std::unexpected(r.error());
    return summary_;
  }

 private:
  // ---- set-up ----

  Result<void> CheckEmpty() {
    bool any = false;
    auto read = store_.Read([&](Session& s) -> Result<void> {
      store::Query first;
      first.limit = 1;
      auto rows = s.Select(store::Spec<Account>(), first);
      if (!rows) return std::unexpected(rows.error());
      any = !rows->empty();
      return {};
    });
    if (!read) return read;
    if (any) {
      return Fail(ErrorCode::kConflict,
                  "the store already holds accounts: demo data goes only into an empty store");
    }
    return {};
  }

  // Writes `records` with their events, kBatch to a transaction; records[i] is created
  // at at(i).
  template <domain::Entity T, class At>
  Result<void> WriteAll(std::vector<T>& records, At at) {
    for (const T& record : records) {
      if (auto r = CheckRecord(record); !r) return r;
    }
    for (std::size_t begin = 0; begin < records.size(); begin += kBatch) {
      std::size_t stop = std::min(records.size(), begin + kBatch);
      auto written = store_.WriteAndWait([&](Session& s) -> Result<void> {
        for (std::size_t i = begin; i < stop; ++i) {
          if (auto r = InsertCreated(s, records[i], at(i)); !r) return r;
        }
        return {};
      });
      if (!written) return written;
    }
    return {};
  }

  std::string UniqueEmail(std::string_view first, std::string_view last, std::string_view domain) {
    std::string base = Lower(first) + "." + Lower(last);
    std::string email = base + "@" + std::string(domain);
    for (int n = 2; !user_emails_.insert(email).second; ++n) {
      email = base + std::to_string(n) + "@" + std::string(domain);
    }
    return email;
  }

  // The calendars, with their holidays for the years the demo spans (and the next, which
  // open cases run into), compiled for the cases' clocks and the teams' hours.
  Result<void> WriteCalendars() {
    std::vector<Calendar> calendars;
    for (const CalendarShape& shape : kCalendars) {
      calendars.push_back(NewCalendar(shape, YearOf(setup_), YearOf(end_) + 1));
    }
    if (auto r = WriteAll(calendars, [&](std::size_t) { return setup_; }); !r) return r;
    for (std::size_t i = 0; i < calendars.size(); ++i) {
      auto compiled = sla::BusinessCalendar::Compile(calendars[i]);
      if (!compiled) {
        return Fail(ErrorCode::kInternal, "demo calendar " + calendars[i].name +
                                              " does not compile: " + compiled.error().message);
      }
      const Id id = calendars[i].meta.id;
      calendar_ids_[i] = id;
      clocks_.calendars.emplace(id,
                                std::make_shared<const sla::BusinessCalendar>(std::move(*compiled)));
      clocks_.calendar_definitions.emplace(id, std::move(calendars[i]));
    }
    for (std::size_t team = 0; team < kTeams; ++team) {
      if (auto hours = TeamHours(team)) {
        team_hours_[team] = clocks_.calendars.at(calendar_ids_[*hours]).get();
      }
    }
    summary_.calendars = static_cast<std::int64_t>(kCalendars.size());
    return {};
  }

  Result<void> WritePolicies() {
    std::vector<SlaPolicy> policies = NewPolicies(calendar_ids_[kPremiumDesk]);
    if (auto r = WriteAll(policies, [&](std::size_t) { return setup_; }); !r) return r;
    summary_.sla_policies = static_cast<std::int64_t>(policies.size());
    // As the server orders them: by position, then id.
    std::stable_sort(policies.begin(), policies.end(), [](const SlaPolicy& a, const SlaPolicy& b) {
      return a.position < b.position;
    });
    clocks_.policies = std::move(policies);
    return {};
  }

  // Vendors, users (admin, managers, agents, a viewer) and queues: fixed at every scale.
  Result<void> WriteStaff() {
    std::vector<Vendor> vendors;
    for (const VendorShape& shape : kVendors) {
      Vendor v;
      v.name = shape.name;
      v.executive_sponsor = std::string(shape.executive_sponsor);
      v.point_of_contact = std::string(shape.point_of_contact);
      vendors.push_back(std::move(v));
    }
    if (auto r = WriteAll(vendors, [&](std::size_t) { return setup_; }); !r) return r;

    std::vector<User> users;
    std::vector<std::optional<std::size_t>> team_of;  // agents: their team
    auto add = [&](std::string name, std::string email, Role role, std::string team,
                   std::optional<std::size_t> agent_team) {
      User u;
      u.name = std::move(name);
      u.email = std::move(email);
      u.role = role;
      u.team = std::move(team);
      u.is_agent = agent_team.has_value();
      if (role == Role::kVendorAgent) u.vendor_id = vendors[*agent_team].meta.id;
      users.push_back(std::move(u));
      team_of.push_back(agent_team);
    };
    user_emails_.insert(std::string(kDemoAdminEmail));
    add("Demo Admin", std::string(kDemoAdminEmail), Role::kAdmin, "Administration", std::nullopt);
    struct Named {
      std::string_view first, last, team;
      Role role;
    };
    constexpr std::array<Named, 5> kNamed = {{
        {"Maya", "Ortiz", "Service Operations", Role::kManager},
        {"Tom", "Becker", "Vendor Management", Role::kManager},
        {"Priya", "Raman", "Account Management", Role::kManager},
        {"James", "Connell", "Account Management", Role::kManager},
        {"Elena", "Fischer", "Executive", Role::kViewer},
    }};
    for (const Named& n : kNamed) {
      add(std::string(n.first) + " " + std::string(n.last),
          UniqueEmail(n.first, n.last, "demo.rapport"), n.role, std::string(n.team), std::nullopt);
    }
    auto add_agents = [&](std::size_t team, int count, std::string_view domain,
                          std::string_view team_name) {
      for (int i = 0; i < count; ++i) {
        std::string_view first = staff_.OneOf(kFirstNames);
        std::string_view last = staff_.OneOf(kLastNames);
        add(std::string(first) + " " + std::string(last), UniqueEmail(first, last, domain),
            team == kInHouse ? Role::kAgent : Role::kVendorAgent, std::string(team_name), team);
      }
    };
    add_agents(kInHouse, kInHouseAgents, "demo.rapport", "Premium Support");
    for (std::size_t v = 0; v < kVendors.size(); ++v) {
      add_agents(v, kVendors[v].agents, kVendors[v].email_domain, kVendors[v].team);
    }
    if (auto r = WriteAll(users, [&](std::size_t) { return setup_; }); !r) return r;
    for (std::size_t i = 0; i < users.size(); ++i) {
      if (team_of[i]) {
        const double habit =
            kWrapUpHabitLow + (kWrapUpHabitHigh - kWrapUpHabitLow) * staff_.Uniform();
        agents_[*team_of[i]].push_back(
            {users[i].meta.id, users[i].name, users[i].vendor_id, habit});
      }
      if (users[i].team == "Account Management") account_managers_.push_back(users[i].meta.id);
    }

    std::vector<Queue> queues;
    for (const QueueShape& shape : kQueues) {
      Queue q;
      q.name = shape.name;
      q.channel = shape.channel;
      if (shape.team != kInHouse) q.vendor_id = vendors[shape.team].meta.id;
      queues.push_back(std::move(q));
    }
    if (auto r = WriteAll(queues, [&](std::size_t) { return setup_; }); !r) return r;
    for (std::size_t i = 0; i < queues.size(); ++i) {
      queues_[i].id = queues[i].meta.id;
      queues_[i].vendor_id = queues[i].vendor_id;
      clocks_.queues.emplace(queues[i].meta.id, queues[i]);
    }

    std::vector<Agreement> agreements;
    Date start{static_cast<std::int32_t>(DayOf(setup_))};
    for (std::size_t v = 0; v < kVendors.size(); ++v) {
      const VendorShape& shape = kVendors[v];
      Agreement a;
      a.kind = AgreementKind::kVendor;
      a.vendor_id = vendors[v].meta.id;
      a.start_date = start;
      a.end_date = Date{start.days + 3 * 365 - 1};
      a.auto_renew = true;
      a.notice_days = 90;
      a.currency = shape.currency;
      a.cost_per_agent_hour_minor = shape.cost_per_agent_hour_minor;
      a.annual_value_minor = shape.cost_per_agent_hour_minor * shape.agents * 1800;
      if (shape.coverage) a.coverage_calendar_id = calendar_ids_[*shape.coverage];
      bool phone = false, chat = false;
      for (std::size_t q = 0; q < kQueues.size(); ++q) {
        if (kQueues[q].team != v) continue;
        a.queue_ids.push_back(queues[q].meta.id);
        phone = phone || kQueues[q].channel == Channel::kPhone;
        chat = chat || kQueues[q].channel == Channel::kChat;
      }
      // Money schedule: a month 5 points worse than a service-level target costs the
      // vendor 2% of a month's fee (5% at 10 points); 5 points better earns it 1%.
      std::int64_t month_fee = a.annual_value_minor / 12;
      std::vector<ScheduleStep> service_schedule = {
          {Deviation::kWorse, 5, month_fee / 50},
          {Deviation::kWorse, 10, month_fee / 20},
          {Deviation::kBetter, 5, month_fee / 100}};
      if (phone) {
        a.targets.push_back({Metric::kServiceLevel, Channel::kPhone, 80, 20, 5, service_schedule});
      }
      if (chat) {
        a.targets.push_back({Metric::kServiceLevel, Channel::kChat, 80, 60, 5, service_schedule});
      }
      a.targets.push_back({Metric::kFirstContactResolution, std::nullopt, 70, std::nullopt, 5, {}});
      a.targets.push_back({Metric::kAbandonment, std::nullopt, 5, std::nullopt, 2,
                           {{Deviation::kWorse, 2, month_fee / 50}}});
      agreements.push_back(std::move(a));
    }
    auto agreement_start = [&](std::size_t i) { return Midnight(agreements[i].start_date); };
    if (auto r = WriteAll(agreements, agreement_start); !r) return r;
    clocks_.vendor_agreements = agreements;
    summary_.vendors = static_cast<std::int64_t>(vendors.size());
    summary_.users = static_cast<std::int64_t>(users.size());
    summary_.queues = static_cast<std::int64_t>(queues.size());
    summary_.agreements += static_cast<std::int64_t>(agreements.size());
    return {};
  }

  static Instant Midnight(Date date) { return Instant{date.days * kDay}; }

  // The calendar of the customer office in `time_zone`, if there is one.
  std::optional<Id> OfficeCalendar(std::string_view time_zone) const {
    for (std::size_t i = 0; i < kCalendars.size(); ++i) {
      if (kCalendars[i].office && kCalendars[i].time_zone == time_zone) return calendar_ids_[i];
    }
    return std::nullopt;
  }

  struct Company {
    std::string name;
    std::string domain;  // of its people's email addresses, under the reserved .example
  };

  // A name not used yet ("Cedar Freight GmbH") and a domain not used yet.
  Company NewCompany(std::string_view suffix) {
    std::string words;
    for (int attempt = 0; attempt < 20; ++attempt) {
      words = std::string(company_.OneOf(kCompanyFirstWords)) + " " +
              std::string(company_.OneOf(kCompanySecondWords));
      if (!company_names_.contains(words + " " + std::string(suffix))) break;
    }
    std::string name = words + " " + std::string(suffix);
    for (int n = 2; !company_names_.insert(name).second; ++n) {
      name = words + " " + std::to_string(n) + " " + std::string(suffix);
    }
    std::string base = Lower(words);
    std::string domain = base + ".example";
    for (int n = 2; !domains_.insert(domain).second; ++n) {
      domain = base + std::to_string(n) + ".example";
    }
    return {std::move(name), std::move(domain)};
  }

  // The segment of each of `count` accounts: by quota, so that small scales keep the
  // proportions, in random order.
  std::vector<std::size_t> Segments(std::int64_t count) {
    std::vector<std::size_t> segments;
    double cumulative = 0;
    for (std::size_t s = 0; s < kSegments.size(); ++s) {
      cumulative += kSegments[s].share;
      while (static_cast<double>(segments.size()) + 0.5 <=
                 cumulative * static_cast<double>(count) &&
             static_cast<std::int64_t>(segments.size()) < count) {
        segments.push_back(s);
      }
    }
    while (static_cast<std::int64_t>(segments.size()) < count) segments.push_back(kSmb);
    for (std::size_t i = segments.size() - 1; i > 0; --i) {
      std::swap(
          segments[i],
          segments[static_cast<std::size_t>(company_.Below(static_cast<std::int64_t>(i) + 1))]);
    }
    return segments;
  }

  // A current agreement of one to a few years for `account`, ending within its term.
  Agreement NewCustomerAgreement(const SegmentShape& segment, const Account& account) {
    Agreement g;
    g.kind = AgreementKind::kCustomer;
    const int term_years = static_cast<int>(company_.Between(1, segment.longest_term_years));
    const std::int64_t end_day = DayOf(end_);
    g.end_date =
        Date{static_cast<std::int32_t>(end_day + company_.Between(1, term_years * 365 - 1))};
    g.start_date = Date{g.end_date.days - term_years * 365 + 1};
    g.auto_renew = company_.Chance(0.75);
    constexpr std::array<std::int64_t, 3> kNoticeDays = {90, 60, 30};
    g.notice_days = company_.Chance(0.8) ? segment.notice_days : company_.OneOf(kNoticeDays);
    g.annual_value_minor = account.annual_value_minor;
    g.currency = account.currency;
    return g;
  }

  // The people of `model`'s account (a decision maker first, an executive sponsor for
  // strategic and key accounts, then mostly end users), recorded in `model` too.
  std::vector<Person> NewPeople(AccountModel& model, const std::string& domain) {
    const ZoneShape& zone = model.zone_shape();
    const auto headcount = 2 + company_.Poisson(kSegments[model.segment].people_mean - 2);
    std::vector<Person> records;
    std::unordered_set<std::string> local_parts;
    double calls = 0;
    for (std::int64_t p = 0; p < headcount; ++p) {
      PersonModel person;
      person.role = p == 0                      ? PersonRole::kDecisionMaker
                    : p == 1 && model.premium() ? PersonRole::kExecutiveSponsor
                    : company_.Chance(0.85)     ? PersonRole::kEndUser
                                                : PersonRole::kOther;
      std::string_view first = company_.OneOf(kFirstNames);
      std::string_view last = company_.OneOf(kLastNames);
      person.first_name = first;
      person.name = std::string(first) + " " + std::string(last);
      Person record;
      record.name = person.name;
      record.role = person.role;
      std::string local = Lower(first) + "." + Lower(last);
      for (int n = 2; !local_parts.insert(local).second; ++n) {
        local = Lower(first) + "." + Lower(last) + std::to_string(n);
      }
      record.emails.push_back(local + "@" + domain);
      if (company_.Chance(0.85)) {
        std::string phone(zone.phone_prefix);
        for (int d = 0; d < zone.phone_digits; ++d) {
          phone += static_cast<char>('0' + company_.Below(10));
        }
        record.phones.push_back(std::move(phone));
      }
      model.caller_cumulative.push_back(calls += ContactWeight(person.role));
      model.people.push_back(std::move(person));
      records.push_back(std::move(record));
    }
    return records;
  }

  // Accounts, their people and their customer agreements (one in the notice window at
  // least), in proportion to the scale.
  Result<void> WriteCustomers() {
    const auto count = std::max<std::int64_t>(10, std::llround(300 * options_.scale));
    const std::int64_t end_day = DayOf(end_);
    const std::vector<std::size_t> segments = Segments(count);
    std::array<double, kZones.size()> zone_share{};
    for (std::size_t z = 0; z < kZones.size(); ++z) zone_share[z] = kZones[z].share;
    const auto zone_cumulative = Cumulative(zone_share);

    std::vector<Account> accounts;
    std::vector<std::vector<Person>> people(static_cast<std::size_t>(count));
    std::vector<std::optional<Agreement>> agreements(static_cast<std::size_t>(count));
    accounts_.resize(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
      AccountModel& model = accounts_[i];
      model.segment = segments[i];
      model.zone = company_.Pick(zone_cumulative);
      const SegmentShape& segment = kSegments[model.segment];
      const ZoneShape& zone = model.zone_shape();

      Company company = NewCompany(zone.company_suffix);
      Account a;
      a.name = std::move(company.name);
      a.segment = segment.name;
      a.priority = segment.priority;
      a.currency = zone.currency;
      a.time_zone = zone.name;
      a.business_calendar_id = OfficeCalendar(zone.name);
      a.annual_value_minor =
          std::llround(company_.LogNormal(segment.median_value_major, segment.value_sigma)) * 100;
      a.customer_since = Date{static_cast<std::int32_t>(end_day - company_.Between(400, 8 * 365))};
      if (model.segment != kSmb) a.owner_id = company_.OneOf(account_managers_);
      if (company_.Chance(segment.agreement_share)) {
        agreements[i] = NewCustomerAgreement(segment, a);
      }
      people[i] = NewPeople(model, company.domain);
      accounts.push_back(std::move(a));
    }

    // One agreement, drawn at random, has its notice deadline inside the next 60 days
    // whatever the other draws did, so that the renewals view is never empty. Customers
    // are customers since their agreement's start at the latest.
    std::vector<std::size_t> with_agreement;
    for (std::size_t i = 0; i < agreements.size(); ++i) {
      if (agreements[i]) with_agreement.push_back(i);
    }
    if (!with_agreement.empty()) {
      Agreement& g = *agreements[company_.OneOf(with_agreement)];
      std::int32_t term = g.end_date.days - g.start_date.days;
      g.end_date =
          Date{static_cast<std::int32_t>(end_day + company_.Between(5, 55) + g.notice_days)};
      g.start_date = Date{g.end_date.days - term};
    }
    for (std::size_t i = 0; i < agreements.size(); ++i) {
      if (agreements[i] && agreements[i]->start_date < *accounts[i].customer_since) {
        accounts[i].customer_since = agreements[i]->start_date;
      }
    }

    auto customer_since = [&](std::size_t i) { return Midnight(*accounts[i].customer_since); };
    if (auto r = WriteAll(accounts, customer_since); !r) return r;
    std::vector<Person> all_people;
    std::vector<Instant> people_since;  // people are on record from their account's start
    std::vector<Agreement> customer_agreements;
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      accounts_[i].id = accounts[i].meta.id;
      clocks_.accounts[accounts[i].meta.id] = {accounts[i].name, accounts[i].segment,
                                               accounts[i].business_calendar_id,
                                               accounts[i].time_zone};
      for (Person& p : people[i]) {
        p.account_id = accounts[i].meta.id;
        all_people.push_back(std::move(p));
        people_since.push_back(customer_since(i));
      }
      if (agreements[i]) {
        agreements[i]->account_id = accounts[i].meta.id;
        customer_agreements.push_back(std::move(*agreements[i]));
      }
    }
    if (auto r = WriteAll(all_people, [&](std::size_t i) { return people_since[i]; }); !r) {
      return r;
    }
    std::size_t next = 0;
    for (AccountModel& model : accounts_) {
      for (PersonModel& person : model.people) person.id = all_people[next++].meta.id;
    }
    auto customer_start = [&](std::size_t i) {
      return Midnight(customer_agreements[i].start_date);
    };
    if (auto r = WriteAll(customer_agreements, customer_start); !r) return r;

    double sum = 0;
    for (const AccountModel& model : accounts_) {
      account_cumulative_.push_back(sum += kSegments[model.segment].activity *
                                           static_cast<double>(model.people.size()));
    }
    summary_.accounts = static_cast<std::int64_t>(accounts.size());
    summary_.people = static_cast<std::int64_t>(all_people.size());
    summary_.agreements += static_cast<std::int64_t>(customer_agreements.size());
    return {};
  }

  // The UTC hours of the week in which `team` works, in a January or a July week: daylight
  // saving moves the hours by one, and staffing is planned for both.
  std::array<bool, 168> WorkingHours(std::size_t team) const {
    std::array<bool, 168> out{};
    for (unsigned month : {1u, 7u}) {
      // The second week: the first may hold New Year's Day.
      const Instant monday = Midnight(NthWeekday(YearOf(start_), month, date::Monday, 2));
      for (std::size_t how = 0; how < out.size(); ++how) {
        const Instant from{monday.ms + static_cast<std::int64_t>(how) * kHour};
        out[how] = out[how] || Hours(team).Between(from, Plus(from, kHour)) > 0;
      }
    }
    return out;
  }

  // The occupancy each live queue runs at, by UTC hour of the week, from the expected
  // arrivals and the queue's planned mean (QueueShape::occupancy): staffing follows the
  // forecast only partly, so peaks run hotter.
  void PlanStaffing() {
    std::array<std::array<bool, 168>, kTeams> working;
    for (std::size_t team = 0; team < kTeams; ++team) working[team] = WorkingHours(team);
    std::array<std::array<double, 168>, kQueues.size()> load{};
    double previous = 0;
    for (std::size_t a = 0; a < accounts_.size(); ++a) {
      const AccountModel& account = accounts_[a];
      double weight = account_cumulative_[a] - previous;
      previous = account_cumulative_[a];
      for (std::size_t c = 0; c < kChannels.size(); ++c) {
        std::size_t q = Route(account, kChannels[c]);
        for (int local = 0; local < 168; ++local) {
          int utc = (local - account.zone_shape().utc_offset_hours + 168) % 168;
          load[q][static_cast<std::size_t>(utc)] += weight * kChannelShare[c] *
                                                    kWeekday[static_cast<std::size_t>(local / 24)] *
                                                    kIntraday[static_cast<std::size_t>(local % 24)];
        }
      }
    }
    for (std::size_t q = 0; q < kQueues.size(); ++q) {
      const std::array<bool, 168>& open = working[kQueues[q].team];
      double served = 0, weighted = 0;
      for (std::size_t how = 0; how < open.size(); ++how) {
        if (!open[how]) continue;
        served += load[q][how];
        weighted += std::pow(load[q][how], 1.25);
      }
      if (weighted <= 0 || kQueues[q].occupancy <= 0) continue;
      double k = weighted / (kQueues[q].occupancy * served);
      for (std::size_t how = 0; how < open.size(); ++how) {
        if (open[how]) queues_[q].occupancy[how] = std::pow(load[q][how], 0.25) / k;
      }
    }

    // The agents each team needs logged in, by UTC hour of the week: each live queue's
    // traffic (handled contacts per hour × handle time with wrap-up, in Erlangs) over the
    // occupancy planned for it, so that staffed ≈ traffic / occupancy. A day's share of
    // the load (Season) scales it when the shifts are planned.
    double intraday = 0;
    for (double x : kIntraday) intraday += x;
    const double total_weight = account_cumulative_.empty() ? 0 : account_cumulative_.back();
    if (total_weight <= 0) return;
    const double wrap_up_s = (kWrapUpHabitLow + kWrapUpHabitHigh) / 2;
    for (std::size_t q = 0; q < kQueues.size(); ++q) {
      if (kQueues[q].occupancy <= 0) continue;
      const bool phone = kQueues[q].channel == Channel::kPhone;
      const LiveShape& shape = phone ? kPhoneShape : kChatShape;
      const double handle_s =
          shape.handle_median_s * std::exp(shape.handle_sigma * shape.handle_sigma / 2) + wrap_up_s;
      const double per_episode = phone ? kHandledCallsPerEpisode : kHandledChatsPerEpisode;
      for (std::size_t how = 0; how < 168; ++how) {
        const double occupancy = queues_[q].occupancy[how];
        if (occupancy <= 0) continue;
        const double per_hour =
            kEpisodesPerDay * options_.scale * load[q][how] / (total_weight * intraday) * per_episode;
        staff_need_[kQueues[q].team][how] += per_hour * handle_s / 3600 / occupancy;
      }
    }
  }

  // Each day's load beyond what the schedules planned for: noise, and a handful of outage
  // days.
  void PlanDays() {
    first_day_ = DayOf(start_) - 1;
    const std::int64_t days = DayOf(end_) + 2 - first_day_;
    std::vector<std::int64_t> outages;
    for (int i = 0; i < 5; ++i) outages.push_back(first_day_ + 1 + traffic_.Below(days - 2));
    for (std::int64_t d = 0; d < days; ++d) {
      bool outage = std::find(outages.begin(), outages.end(), first_day_ + d) != outages.end();
      outage_day_.push_back(outage);
      day_load_.push_back(std::exp(0.08 * traffic_.Normal()) * (outage ? 1.5 : 1.0));
    }
  }

  double DayLoad(std::int64_t day) const {
    std::int64_t i = day - first_day_;
    if (i < 0 || i >= static_cast<std::int64_t>(day_load_.size())) return 1.0;
    return day_load_[static_cast<std::size_t>(i)];
  }

  static double Season(std::int64_t day) {
    date::year_month_day ymd{date::sys_days{date::days{day}}};
    unsigned month = static_cast<unsigned>(ymd.month());
    unsigned dom = static_cast<unsigned>(ymd.day());
    bool holiday = (month == 12 && (dom == 24 || dom == 25 || dom == 26 || dom == 31)) ||
                   (month == 1 && dom == 1);
    return kMonth[month - 1] * (holiday ? 0.35 : 1.0);
  }

  // ---- agents' sessions ----

  // Each team's shifts over the year, hour by hour through its working hours: while fewer
  // agents are logged in than the hour needs (the planned staffing for the day, at least
  // the team's minimum), another agent starts a shift of kShiftHours, or up to the end of
  // the team's hours (a short one only when nobody is logged in); shifts run their length
  // when the need falls. The agent is one who keeps regular hours (started a shift at this
  // time of day within the week), else the first rested one, so that a core of each team
  // works five days a week and the rest fill in. Each shift is a logged-in session with a
  // break or two and, from six hours, a lunch pause. Which agents are on shift is kept
  // (on_shift_): contacts go to them.
  Result<void> WriteSessions() {
    const std::int64_t first_hour = (start_.ms + kHour - 1) / kHour;
    const std::int64_t last_hour = end_.ms / kHour;  // exclusive: shifts end by end_
    const auto hours = static_cast<std::size_t>(std::max<std::int64_t>(0, last_hour - first_hour));
    hours_from_ = first_hour;
    struct State {
      std::int64_t ends = std::numeric_limits<std::int32_t>::min();  // hour its last shift ended
      std::vector<std::int64_t> starts;  // hours its shifts of the past week started
    };
    for (std::size_t team = 0; team < kTeams; ++team) {
      const std::vector<Agent>& agents = agents_[team];
      RAPPORT_CHECK(agents.size() <= 64);  // on_shift_ holds a bit per agent
      const int least = team == kInHouse ? 1 : kVendors[team].min_staffed;
      std::vector<char> open(hours);
      for (std::size_t h = 0; h < hours; ++h) {
        const Instant from{(first_hour + static_cast<std::int64_t>(h)) * kHour};
        open[h] = Hours(team).Between(from, Plus(from, kHour)) == kHour;
      }
      on_shift_[team].assign(hours, 0);
      std::vector<State> state(agents.size());
      for (std::size_t h = 0; h < hours; ++h) {
        if (!open[h]) continue;
        const std::int64_t hour = first_hour + static_cast<std::int64_t>(h);
        const double planned =
            staff_need_[team][static_cast<std::size_t>(HourOfWeek(hour))] * Season(hour / 24);
        const auto need = std::min<std::int64_t>(
            static_cast<std::int64_t>(agents.size()), std::max<std::int64_t>(least, std::llround(planned)));
        std::int64_t active = std::popcount(on_shift_[team][h]);
        int run = 0;  // open hours ahead, up to a shift's length
        while (run < kShiftHours && h + static_cast<std::size_t>(run) < hours &&
               open[h + static_cast<std::size_t>(run)]) {
          ++run;
        }
        for (; active < need; ++active) {
          if (run < 4 && active > 0) break;
          std::optional<std::size_t> pick;
          bool regular = false;
          for (std::size_t a = 0; a < agents.size() && !regular; ++a) {
            State& st = state[a];
            if (st.ends + kRestHours > hour) continue;
            std::erase_if(st.starts, [&](std::int64_t s) { return s <= hour - 7 * 24; });
            if (static_cast<int>(st.starts.size()) >= kShiftsPerWeek) continue;
            regular = std::any_of(st.starts.begin(), st.starts.end(),
                                  [&](std::int64_t s) { return (hour - s) % 24 == 0; });
            if (regular || !pick) pick = a;
          }
          if (!pick) break;  // nobody rested: understaffed
          state[*pick].ends = hour + run;
          state[*pick].starts.push_back(hour);
          for (int k = 0; k < run; ++k) {
            on_shift_[team][h + static_cast<std::size_t>(k)] |= std::uint64_t{1} << *pick;
          }
          AddShift(agents[*pick], Instant{hour * kHour}, run);
          if (chunk_.sessions.size() >= kBatch) {
            if (auto r = Flush(); !r) return r;
          }
        }
      }
    }
    return Flush();
  }

  // One shift of `hours` from `from`: logged in a few minutes after it starts until a few
  // before it ends, a break after about two hours and another two before the end (from
  // seven hours), lunch mid-shift (from six).
  void AddShift(const Agent& agent, Instant from, int hours) {
    Rng& rng = shifts_;
    const std::int64_t length = hours * kHour;
    const Instant login = Plus(from, static_cast<double>(rng.Below(5 * kMinute)));
    const Instant logout = Plus(from, static_cast<double>(length - rng.Below(5 * kMinute)));
    auto add = [&](AgentSessionKind kind, Instant started, Instant ended,
                   std::optional<std::string> reason) {
      AgentSession x;
      x.source = "demo";
      x.external_id = "demo-session-" + std::to_string(next_session_id_++);
      x.agent_id = agent.id;
      x.vendor_id = agent.vendor_id;  // as the ledger derives it from the agent
      x.kind = kind;
      x.started_at = started;
      x.ended_at = ended;
      x.reason = std::move(reason);
      chunk_.sessions.push_back({std::move(x), {}});
    };
    add(AgentSessionKind::kLoggedIn, login, logout, std::nullopt);
    auto pause = [&](std::int64_t offset, std::int64_t least, std::int64_t most, const char* reason) {
      const Instant started = Plus(from, static_cast<double>(offset));
      add(AgentSessionKind::kPaused, started,
          Plus(started, static_cast<double>(rng.Between(least, most) * kMinute)), reason);
    };
    if (hours >= 4) pause(105 * kMinute + rng.Below(20 * kMinute), 10, 15, "break");
    if (hours >= 6) {
      pause(std::max(length / 2 - 15 * kMinute, 3 * kHour) + rng.Below(30 * kMinute), 30, 45,
            "lunch");
    }
    if (hours >= 7) pause(length - 105 * kMinute - rng.Below(20 * kMinute), 10, 15, "break");
  }

  // The agents of `team` on shift at `t`, a bit each (by their place in agents_).
  std::uint64_t OnShift(std::size_t team, Instant t) const {
    const std::int64_t h = t.ms / kHour - hours_from_;
    if (h < 0 || h >= static_cast<std::int64_t>(on_shift_[team].size())) return 0;
    return on_shift_[team][static_cast<std::size_t>(h)];
  }

  // ---- the year ----

  Result<void> WriteYear() {
    const auto intraday = Cumulative(kIntraday);
    const auto channels = Cumulative(kChannelShare);
    std::array<double, kCategories.size()> shares{};
    for (std::size_t c = 0; c < kCategories.size(); ++c) shares[c] = kCategories[c].share;
    const auto categories = Cumulative(shares);

    for (std::int64_t day = first_day_; day <= DayOf(end_) + 1; ++day) {
      const bool outage = outage_day_[static_cast<std::size_t>(day - first_day_)] != 0;
      double mean = kEpisodesPerDay * options_.scale *
                    kWeekday[static_cast<std::size_t>((day + 3) % 7)] * Season(day) * DayLoad(day);
      for (std::int64_t n = traffic_.Poisson(mean); n > 0; --n) {
        const AccountModel& account = accounts_[traffic_.Pick(account_cumulative_)];
        auto hour = static_cast<std::int64_t>(traffic_.Pick(intraday));
        Instant at{day * kDay + (hour - account.zone_shape().utc_offset_hours) * kHour +
                   traffic_.Below(kHour)};
        std::size_t category =
            outage && traffic_.Chance(0.35) ? kOutage : traffic_.Pick(categories);
        Channel channel = kChannels[traffic_.Pick(channels)];
        Episode ep =
            NewEpisode(traffic_, account, account.people[traffic_.Pick(account.caller_cumulative)],
                       kCategories[category]);
        if (at < start_ || at >= end_) continue;
        PlayEpisode(ep, channel, at);
        if (chunk_.interactions.size() >= kBatch) {
          if (auto r = Flush(); !r) return r;
        }
      }
    }
    return Flush();
  }

  Episode NewEpisode(Rng& rng, const AccountModel& account, const PersonModel& person,
                     const CategoryShape& category) {
    Episode ep;
    ep.account = &account;
    ep.person = &person;
    ep.category = &category;
    ep.number = next_episode_++;
    ep.reference = rng.Between(10000, 99999);
    ep.subject = Fill(rng.OneOf(category.subjects), ep.reference);
    return ep;
  }

  // An ordinary problem: a contact (with the customer's retries when not reached), and
  // when it needs follow-up work a case with its exchange, resolution and closure.
  void PlayEpisode(Episode& ep, Channel channel, Instant at) {
    Rng& rng = traffic_;
    const bool with_case = rng.Chance(ep.category->case_chance);
    if (channel == Channel::kEmail) {
      if (with_case) OpenCase(ep, Route(*ep.account, Channel::kEmail), at);
      auto in =
          EmailIn(ep, *ep.person, at, Fill(rng.OneOf(ep.category->inbound), ep.reference), {});
      Instant replied = Reply(rng, ep, in, Fill(rng.OneOf(ep.category->replies), ep.reference));
      if (with_case) {
        Assign(ep, in);
        Move(ep, CaseStatus::kOpen, replied);
        WorkCase(rng, ep, replied);
      }
      return;
    }
    LiveResult first = Reach(rng, ep, channel, at);
    if (!with_case || !first.reached()) return;
    InteractionDraft& draft = chunk_.interactions[*first.index];
    OpenCase(ep, Route(*ep.account, draft.record.channel), *draft.record.answered_at);
    draft.case_slot = ep.case_slot;
    Assign(ep, first.index);
    Move(ep, CaseStatus::kOpen, *draft.record.answered_at);
    WorkCase(rng, ep, first.ended);
  }

  // How fast the agents work the episode, relative to an ordinary one: outages are
  // handled as incidents, and premium accounts ahead of the rest (their tighter service
  // targets say so).
  static double Pace(const Episode& ep) {
    if (ep.category == &kCategories[kOutage]) return 0.1;
    return ep.account->premium() ? 0.6 : 1.0;
  }

  // The case's life after it is open: questions to the customer, escalations, the fix,
  // now and then a fix that did not hold, and closure a few days after resolution.
  void WorkCase(Rng& rng, Episode& ep, Instant t) {
    const double pace = Pace(ep);
    for (int step = 0; step < 3 && rng.Chance(0.4); ++step) {
      if (rng.Chance(0.6)) {
        t = AgentMessage(rng, ep, Plus(t, rng.Exponential(pace * 2 * kHour)), rng.OneOf(kAskTexts));
        Move(ep, CaseStatus::kPendingCustomer, t);
        if (rng.Chance(0.12)) {  // the customer never answers
          t = Plus(t, 5 * kDay);
          Move(ep, CaseStatus::kResolved, t);
          Move(ep, CaseStatus::kClosed, Plus(t, rng.Between(3, 7) * kDay));
          return;
        }
        auto [arrived, done] = CustomerMessage(rng, ep, Plus(t, rng.Exponential(18 * kHour)),
                                               rng.OneOf(kFollowUpTexts));
        Move(ep, CaseStatus::kOpen, arrived);
        t = done;
      } else {
        t = Plus(t, rng.Exponential(pace * kHour));
        Move(ep, CaseStatus::kPendingInternal, t);
        t = AgentMessage(rng, ep, Plus(t, rng.Exponential(pace * 30 * kHour)),
                         rng.OneOf(kUpdateTexts));
        Move(ep, CaseStatus::kOpen, t);
      }
    }
    t = AgentMessage(rng, ep, Plus(t, rng.Exponential(pace * ep.category->resolve_hours * kHour)),
                     rng.OneOf(ep.category->resolutions));
    Move(ep, CaseStatus::kResolved, t);
    if (rng.Chance(0.05)) {  // the fix did not hold
      auto [arrived, done] = CustomerMessage(rng, ep, Plus(t, rng.Exponential(36 * kHour)),
                                             rng.OneOf(kStillBrokenTexts));
      Move(ep, CaseStatus::kOpen, arrived);
      t = AgentMessage(rng, ep,
                       Plus(done, rng.Exponential(pace * ep.category->resolve_hours * kHour)),
                       rng.OneOf(ep.category->resolutions));
      Move(ep, CaseStatus::kResolved, t);
    }
    Move(ep, CaseStatus::kClosed, Plus(t, rng.Between(3, 7) * kDay));
  }

  // ---- contacts ----

  Interaction Base(const Episode& ep, std::size_t queue, Direction direction, Instant at) const {
    Interaction i;
    i.source = "demo";
    i.channel = kQueues[queue].channel;
    i.direction = direction;
    i.account_id = ep.account->id;
    i.person_id = ep.person->id;
    i.queue_id = queues_[queue].id;
    i.vendor_id = queues_[queue].vendor_id;  // as the ledger derives it from the queue
    i.category = std::string(ep.category->name);
    i.arrived_at = at;
    return i;
  }

  // Keeps `record` when it ends inside the window; returns its index in the chunk.
  std::optional<std::size_t> Append(Episode& ep, Interaction record, bool on_case = true) {
    Instant last = std::max({record.arrived_at, record.answered_at.value_or(record.arrived_at),
                             record.ended_at.value_or(record.arrived_at)});
    if (ep.past_end || last >= end_) {
      ep.past_end = true;
      return std::nullopt;
    }
    record.external_id = "demo-" + std::to_string(next_external_id_++);
    chunk_.interactions.push_back({std::move(record), on_case ? ep.case_slot : std::nullopt, {}});
    return chunk_.interactions.size() - 1;
  }

  // The agent taking a contact on `queue` at `at`: mostly the case's owner when it is the
  // same team and on shift, otherwise anyone on shift in the team serving the queue (anyone
  // on the team when nobody is, as when a story's call comes out of hours).
  const Agent& AgentFor(Rng& rng, const Episode& ep, std::size_t queue, Instant at) {
    const std::size_t team = kQueues[queue].team;
    const std::uint64_t on = OnShift(team, at);
    if (ep.owner_team == team && rng.Chance(0.7) && (on == 0 || (on >> ep.owner & 1) != 0)) {
      return agents_[team][ep.owner];
    }
    if (on == 0) return rng.OneOf(agents_[team]);
    std::int64_t k = rng.Below(std::popcount(on));
    for (std::size_t a = 0;; ++a) {
      if ((on >> a & 1) != 0 && k-- == 0) return agents_[team][a];
    }
  }

  // The after-contact work of one answered call or chat by `agent`, seconds.
  static std::int64_t WrapUp(Rng& rng, const Agent& agent) {
    return std::llround(
        std::clamp(agent.wrap_up_s * (0.7 + 0.6 * rng.Uniform()), kWrapUpLeast, kWrapUpMost));
  }

  // An inbound call or chat. Out of hours it goes to voicemail or is missed; in hours the
  // wait follows the queue's occupancy at that hour and the caller's patience decides
  // between answer, abandonment and time-out. `must_answer`: the story needs it answered.
  LiveResult Live(Rng& rng, Episode& ep, Channel channel, Instant at, std::string_view note,
                  bool must_answer = false) {
    const std::size_t q = Route(*ep.account, channel);
    const QueueShape& queue = kQueues[q];
    const LiveShape& shape = channel == Channel::kPhone ? kPhoneShape : kChatShape;
    Interaction i = Base(ep, q, Direction::kInbound, at);
    LiveResult result;
    const int how = HourOfWeek(at.ms / kHour);
    if (!must_answer && !IsOpen(q, at)) {
      bool message = queue.voicemail && rng.Chance(0.6);
      result.outcome = message ? Outcome::kVoicemail : Outcome::kMissedOffHours;
      i.ended_at = Plus(at, (message ? rng.Between(20, 90) : rng.Between(5, 30)) * kSecond);
    } else {
      double occupancy = queues_[q].occupancy[static_cast<std::size_t>(how)] * DayLoad(DayOf(at));
      double wait_s = rng.Uniform() * 4;  // ringing
      if (rng.Chance(std::min(1.0, occupancy * occupancy))) {
        wait_s += rng.Exponential(shape.base_wait_s * occupancy /
                                  std::max(0.05, 1.05 - std::min(occupancy, 1.0)));
      }
      double patience_s = rng.Exponential(shape.patience_s);
      if (!must_answer && std::min(wait_s, patience_s) > shape.max_wait_s) {
        result.outcome = Outcome::kTimedOut;
        i.ended_at = Plus(at, shape.max_wait_s * kSecond);
      } else if (!must_answer && patience_s < wait_s) {
        result.outcome = Outcome::kAbandoned;
        i.ended_at = Plus(at, patience_s * kSecond);
      } else {
        result.outcome = rng.Chance(0.03) ? Outcome::kTransferred : Outcome::kAnswered;
        i.answered_at = Plus(at, std::min(wait_s, shape.max_wait_s - 1) * kSecond);
        i.ended_at = Plus(*i.answered_at,
                          rng.LogNormal(shape.handle_median_s, shape.handle_sigma) * kSecond);
        const Agent& agent = AgentFor(rng, ep, q, *i.answered_at);
        i.agent_id = agent.id;
        i.wrap_up_seconds = WrapUp(rng, agent);
        i.body = std::string(note);
      }
    }
    i.outcome = result.outcome;
    result.ended = *i.ended_at;
    result.index = Append(ep, std::move(i));
    return result;
  }

  // An agent's call to the customer: answered, or a message left.
  LiveResult OutboundCall(Rng& rng, Episode& ep, Instant at, std::string_view note) {
    const std::size_t q = Route(*ep.account, Channel::kPhone);
    Interaction i = Base(ep, q, Direction::kOutbound, at);
    const Agent& agent = AgentFor(rng, ep, q, at);
    i.agent_id = agent.id;
    Instant rung = Plus(at, rng.Between(5, 25) * kSecond);
    LiveResult result;
    if (rng.Chance(0.7)) {
      result.outcome = Outcome::kAnswered;
      i.answered_at = rung;
      i.wrap_up_seconds = WrapUp(rng, agent);
      i.ended_at = Plus(rung, rng.LogNormal(180, 0.5) * kSecond);
      i.body = std::string(note);
    } else {
      result.outcome = Outcome::kVoicemail;
      i.ended_at = Plus(rung, rng.Between(20, 60) * kSecond);
      i.body = "Left a voicemail: " + std::string(note);
    }
    i.outcome = result.outcome;
    result.ended = *i.ended_at;
    result.index = Append(ep, std::move(i));
    return result;
  }

  // A call or chat until someone picks it up: callers retry after abandoning, call again
  // when the lines open, and are called back after a voicemail. Returns the last attempt.
  LiveResult Reach(Rng& rng, Episode& ep, Channel channel, Instant at) {
    const std::size_t q = Route(*ep.account, channel);
    std::string_view note = rng.OneOf(ep.category->notes);
    LiveResult r;
    for (int attempt = 0; attempt < 4; ++attempt) {
      r = Live(rng, ep, channel, at, note);
      if (!r.index || r.reached()) return r;
      switch (r.outcome) {
        case Outcome::kVoicemail:
          return OutboundCall(rng, ep,
                              Plus(NextOpen(rng, q, Plus(r.ended, rng.Exponential(40 * kMinute))),
                                   rng.Exponential(kHour)),
                              note);
        case Outcome::kMissedOffHours:
          if (!rng.Chance(0.65)) return r;
          at = Plus(NextOpen(rng, q, r.ended), rng.Exponential(50 * kMinute));
          break;
        default:  // abandoned or timed out
          if (!rng.Chance(0.6)) return r;
          at = Plus(r.ended, 30 * kSecond + rng.Exponential(6 * kMinute));
          break;
      }
    }
    return r;
  }

  // The hours `team` works.
  const sla::BusinessCalendar& Hours(std::size_t team) const {
    return team_hours_[team] ? *team_hours_[team] : around_the_clock_;
  }

  // Whether `queue` is staffed at `t`.
  bool IsOpen(std::size_t queue, Instant t) const {
    return Hours(kQueues[queue].team).NextBusiness(t) == t;
  }

  // The first instant at or after `t` when `queue` is staffed (a little after its opening,
  // when it is closed at `t`).
  Instant NextOpen(Rng& rng, std::size_t queue, Instant t) {
    if (IsOpen(queue, t)) return t;
    return Plus(Hours(kQueues[queue].team).NextBusiness(t), rng.Below(20 * kMinute));
  }

  // The first instant at or after `t` inside the account's business hours (Mon–Fri
  // 9:00–17:00 local): when a story's customer gets in touch.
  Instant BusinessMoment(Rng& rng, const AccountModel& account, Instant t) {
    std::int64_t hour = t.ms / kHour;
    for (int i = 0; i < 168; ++i, ++hour) {
      int how = HourOfWeek(hour + account.zone_shape().utc_offset_hours);
      if (how / 24 < 5 && how % 24 >= 9 && how % 24 < 16) break;
    }
    return std::max(t, Instant{hour * kHour + rng.Below(45 * kMinute)});
  }

  std::string SupportAddress(std::size_t queue) const {
    return std::string(kQueues[queue].team == kInHouse ? kPremiumSupportAddress : kSupportAddress);
  }

  std::string NextMessageId(Episode& ep) {
    return "<" + std::to_string(ep.number) + "." + std::to_string(++ep.emails) + "@demo.rapport>";
  }

  // A customer's email in the episode's thread, from `from`, copying `cc`.
  std::optional<std::size_t> EmailIn(Episode& ep, const PersonModel& from, Instant at,
                                     const std::string& text, std::vector<Id> cc) {
    const std::size_t q = Route(*ep.account, Channel::kEmail);
    Interaction i = Base(ep, q, Direction::kInbound, at);
    i.person_id = from.id;
    i.outcome = Outcome::kReceived;
    i.participants.push_back({ParticipantRole::kFrom, from.id, std::nullopt});
    i.participants.push_back({ParticipantRole::kTo, std::nullopt, SupportAddress(q)});
    for (Id person : cc) i.participants.push_back({ParticipantRole::kCc, person, std::nullopt});
    i.subject = ep.emails == 0 ? ep.subject : "Re: " + ep.subject;
    i.in_reply_to = ep.last_message_id;
    i.message_id = NextMessageId(ep);
    i.body = "Hi,\n\n" + text + "\n\nThanks,\n" + from.name;
    std::string message_id = *i.message_id;
    auto index = Append(ep, std::move(i));
    if (index) ep.last_message_id = std::move(message_id);
    return index;
  }

  // An agent's email to the customer: a reply in the thread when there is one, else a
  // new message. Tagged `tags`; `on_case` false for mail that is not about the case.
  std::optional<std::size_t> EmailOut(Rng& rng, Episode& ep, Instant at, const std::string& text,
                                      std::vector<std::string> tags = {}, bool on_case = true,
                                      std::optional<std::string> subject = std::nullopt) {
    const std::size_t q = Route(*ep.account, Channel::kEmail);
    const Agent& agent = AgentFor(rng, ep, q, at);
    Interaction i = Base(ep, q, Direction::kOutbound, at);
    i.agent_id = agent.id;
    const bool reply = on_case && ep.last_message_id.has_value();
    i.outcome = reply ? Outcome::kReplied : Outcome::kSent;
    i.participants.push_back({ParticipantRole::kFrom, std::nullopt, SupportAddress(q)});
    i.participants.push_back({ParticipantRole::kTo, ep.person->id, std::nullopt});
    i.subject = subject ? *subject : reply ? "Re: " + ep.subject : ep.subject;
    if (reply) i.in_reply_to = ep.last_message_id;
    i.message_id = NextMessageId(ep);
    i.body = "Hello " + ep.person->first_name + ",\n\n" + text + "\n\nKind regards,\n" +
             agent.name + "\nCustomer Support";
    i.tags = std::move(tags);
    std::string message_id = *i.message_id;
    auto index = Append(ep, std::move(i), on_case);
    if (index && on_case) ep.last_message_id = std::move(message_id);
    return index;
  }

  // The agent's answer to the inbound email `in`, in business hours; marks `in` answered.
  // Returns when it was sent.
  Instant Reply(Rng& rng, Episode& ep, std::optional<std::size_t> in, const std::string& text) {
    if (!in) return end_;
    const std::size_t q = Route(*ep.account, Channel::kEmail);
    const double mean = Pace(ep) * kQueues[q].reply_hours * kHour;
    Instant seen = NextOpen(
        rng, q, Plus(chunk_.interactions[*in].record.arrived_at, rng.Exponential(15 * kMinute)));
    Instant at = NextOpen(rng, q, Plus(seen, rng.Exponential(mean)));
    auto out = EmailOut(rng, ep, at, text);
    if (!out) return at;
    Interaction& inbound = chunk_.interactions[*in].record;
    inbound.answered_at = at;
    inbound.agent_id = chunk_.interactions[*out].record.agent_id;
    return at;
  }

  // The agent gets back to the customer about the case: in the email thread if there is
  // one, else by phone or a new email. Returns when.
  Instant AgentMessage(Rng& rng, Episode& ep, Instant at, std::string_view text) {
    at = NextOpen(rng, Route(*ep.account, Channel::kEmail), at);
    if (!ep.last_message_id && rng.Chance(0.5)) {
      return OutboundCall(rng, ep, at, text).ended;
    }
    EmailOut(rng, ep, at, std::string(text));
    return at;
  }

  // The customer gets back about the case: by email in the thread (answered by the
  // agent), or by phone. Returns when it arrived and when it was dealt with.
  std::pair<Instant, Instant> CustomerMessage(Rng& rng, Episode& ep, Instant at,
                                              std::string_view text) {
    if (ep.last_message_id && rng.Chance(0.7)) {
      auto in = EmailIn(ep, *ep.person, at, std::string(text), {});
      return {at, Reply(rng, ep, in, std::string(rng.OneOf(kAckTexts)))};
    }
    LiveResult r = Live(rng, ep, Channel::kPhone, at, text);
    if (!r.reached() && r.index) {  // one more try, a little later
      r = Live(rng, ep, Channel::kPhone, Plus(r.ended, rng.Exponential(20 * kMinute)), text);
    }
    return {at, r.ended};
  }

  // ---- cases ----

  void OpenCase(Episode& ep, std::size_t queue, Instant at) {
    if (ep.past_end || at >= end_) {
      ep.past_end = true;
      return;
    }
    CaseDraft draft;
    Case& c = draft.record;
    c.account_id = ep.account->id;
    c.requester_id = ep.person->id;
    c.subject = ep.subject;
    c.category = std::string(ep.category->name);
    c.priority = ep.category == &kCategories[kOutage] ? Priority::kUrgent
                 : ep.account->premium()              ? Priority::kHigh
                                                      : Priority::kNormal;
    c.queue_id = queues_[queue].id;
    c.vendor_id = queues_[queue].vendor_id;  // as the ledger derives it from the queue
    c.channel = kQueues[queue].channel;      // the channel of its first contact
    draft.opened = at;
    ep.case_slot = chunk_.cases.size();
    chunk_.cases.push_back(std::move(draft));
  }

  // The agent who handled interaction `handled` owns the case from now on.
  void Assign(Episode& ep, std::optional<std::size_t> handled) {
    if (!ep.case_slot || !handled) return;
    const Interaction& i = chunk_.interactions[*handled].record;
    if (!i.agent_id) return;
    for (std::size_t team = 0; team < kTeams; ++team) {
      for (std::size_t a = 0; a < agents_[team].size(); ++a) {
        if (agents_[team][a].id != *i.agent_id) continue;
        ep.owner_team = team;
        ep.owner = a;
        chunk_.cases[*ep.case_slot].record.assignee_id = *i.agent_id;
        return;
      }
    }
  }

  // Records a status change of the episode's case, unless it would happen after the end.
  void Move(Episode& ep, CaseStatus to, Instant at) {
    if (!ep.case_slot) return;
    if (ep.past_end || at >= end_) {
      ep.past_end = true;
      return;
    }
    chunk_.cases[*ep.case_slot].history.emplace_back(to, at);
  }

  // Sets the case's status and instants by replaying its history through the status
  // machine (a step it refuses is a generator bug), and builds its events' text. A
  // resolved case keeps the clocks of its last resolution, as the server's Clocks::Final
  // computes them: as of the resolution, over the history app::LoadHistory reads (the
  // status changes, and `messages`, those of the case's contacts).
  Result<void> PrepareCase(CaseDraft& draft, std::vector<sla::Message> messages) const {
    Case& c = draft.record;
    StampCreated(c, draft.opened);
    c.status = CaseStatus::kNew;
    draft.created = CreatedText(domain::ToJson(c), false);
    Instant previous = draft.opened;
    for (const auto& [to, at] : draft.history) {
      const CaseStatus from = c.status;
      if (!domain::IsLegalTransition(from, to) || at < previous) {
        return Fail(ErrorCode::kInternal, "demo generator built an illegal case history: " +
                                              std::string(domain::Name(from)) + " to " +
                                              std::string(domain::Name(to)));
      }
      c.status = to;
      domain::ApplyTransitionInstants(c, from, at);
      previous = at;
      boost::json::object change{{"patch", {{"status", domain::Name(to)}}},
                                 {"from", domain::Name(from)},
                                 {"to", domain::Name(to)}};
      draft.changes.push_back(boost::json::serialize(change));
    }
    if (c.resolved_at) {
      sla::CaseHistory history{draft.opened, {}, std::move(messages)};
      for (const auto& [to, at] : draft.history) history.changes.push_back({at, to});
      sla::SortHistory(history);
      c.clocks = ComputeClocks(clocks_, TrackedCase{c, std::move(history)}, *c.resolved_at);
    }
    return CheckRecord(c);
  }

  // Prepares the chunk and hands it to the store's writer thread, after the previous
  // chunk's write has succeeded: one write in flight while the next chunk is generated.
  Result<void> Flush() {
    if (chunk_.cases.empty() && chunk_.interactions.empty() && chunk_.sessions.empty()) return {};
    // An episode's case and contacts are in one chunk.
    std::vector<std::vector<sla::Message>> messages(chunk_.cases.size());
    for (const InteractionDraft& draft : chunk_.interactions) {
      if (draft.case_slot) sla::AddMessages(draft.record, messages[*draft.case_slot]);
    }
    for (std::size_t i = 0; i < chunk_.cases.size(); ++i) {
      if (auto r = PrepareCase(chunk_.cases[i], std::move(messages[i])); !r) return r;
    }
    for (InteractionDraft& draft : chunk_.interactions) {
      if (auto r = CheckRecord(draft.record); !r) return r;
      StampCreated(draft.record, draft.record.arrived_at);
      draft.created = CreatedText(domain::ToJson(draft.record), draft.case_slot.has_value());
    }
    for (SessionDraft& draft : chunk_.sessions) {
      if (auto r = CheckRecord(draft.record); !r) return r;
      StampCreated(draft.record, draft.record.started_at);
      draft.created = CreatedText(domain::ToJson(draft.record), false);
    }
    if (auto r = AwaitWrite(); !r) return r;
    writing_ = std::make_unique<Chunk>(std::move(chunk_));
    chunk_ = Chunk{};
    auto done = std::make_shared<std::promise<Result<void>>>();
    write_ = done->get_future();
    store_.Write([chunk = writing_.get()](Session& s) { return WriteChunk(s, *chunk); },
                 [done](Result<void> r) { done->set_value(std::move(r)); });
    return {};
  }

  // Waits for the chunk in flight, if any, counts it and frees it (here rather than on
  // the writer thread, the busier one).
  Result<void> AwaitWrite() {
    if (!write_.valid()) return {};
    auto written = write_.get();
    std::unique_ptr<Chunk> chunk = std::move(writing_);
    if (!written) return written;
    const std::int64_t before = summary_.interactions;
    summary_.cases += static_cast<std::int64_t>(chunk->cases.size());
    summary_.interactions += static_cast<std::int64_t>(chunk->interactions.size());
    summary_.agent_sessions += static_cast<std::int64_t>(chunk->sessions.size());
    if (options_.progress && summary_.interactions / kProgressEvery > before / kProgressEvery) {
      options_.progress("demo: " + std::to_string(summary_.interactions) + " interactions written");
    }
    return {};
  }

  // ---- relationships going wrong ----

  // A few dozen accounts (at least two) each get stories of the ways the design names:
  // every kind at least once, in the last weeks so that what is unresolved still is.
  Result<void> WriteStories() {
    Rng& rng = stories_;
    std::vector<std::size_t> troubled;
    const std::size_t count = std::max<std::size_t>(2, accounts_.size() / 10);
    std::vector<std::size_t> order(accounts_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (std::size_t i = 0; i < count; ++i) {
      std::swap(order[i], order[i + static_cast<std::size_t>(
                                        rng.Below(static_cast<std::int64_t>(order.size() - i)))]);
      troubled.push_back(order[i]);
    }
    const std::size_t stories = std::max<std::size_t>(kStoryKinds, 2 * count);
    for (std::size_t j = 0; j < stories; ++j) {
      PlayStory(rng, static_cast<Story>(j % kStoryKinds), accounts_[troubled[j % count]]);
      if (chunk_.interactions.size() >= kBatch) {
        if (auto r = Flush(); !r) return r;
      }
    }
    return Flush();
  }

  // ---- customer advocacy ----

  // One escalation of the demo: what happened, how far it got.
  struct EscalationStory {
    std::string_view title;
    domain::EscalationStage stage;
    domain::Severity severity;
    std::string_view category;  // "" : not found yet
    std::int64_t opened_days_ago;
    std::string_view impact;
    std::string_view root_cause;
    std::int64_t incident_cost_major;
  };

  // A handful of escalated strategic and key accounts, one in each stage, as the server
  // would have recorded them: the record, its "created" event as it was opened, one
  // "stage_changed" event per step and one "progress_update_logged" per update; a
  // catalogue of mitigating services (one price list per currency) and trials of them.
  Result<void> WriteEscalations() {
    using domain::EscalationStage;
    using Stage = EscalationStage;
    static constexpr std::array<EscalationStory, 6> kStories = {{
        {"Repeated phone outages across the sales floor", Stage::kReviewed,
         domain::Severity::kCritical, "product defect", 120,
         "Two days without inbound sales calls; the customer estimates lost orders",
         "A firmware update of the line cards was shipped without a regression test", 18'000},
        {"Invoices wrong three months running", Stage::kClosed, domain::Severity::kHigh,
         "billing", 75, "Finance team reconciling by hand; payment run held",
         "A price change was not applied to the customer's contract", 6'500},
        {"Onboarding of the new site stalled", Stage::kVerifying, domain::Severity::kHigh,
         "training", 40, "The new site works on paper forms", "", 4'000},
        {"Data export broken since the upgrade", Stage::kExecuting, domain::Severity::kMedium,
         "", 25, "Monthly board reporting late", "", 2'500},
        {"CFO complaint about response times", Stage::kPlanning, domain::Severity::kHigh, "",
         12, "The CFO has asked for a review of the contract", "", 0},
        {"VP of operations threatens to cancel", Stage::kEngaged, domain::Severity::kCritical,
         "", 3, "", "", 0},
    }};
    std::vector<const AccountModel*> premium;
    for (const AccountModel& a : accounts_) {
      if (a.premium()) premium.push_back(&a);
    }
    const Instant now = end_;
    auto written = store_.WriteAndWait([&](Session& s) -> Result<void> {
      auto users = store::All<User>(s);
      if (!users) return std::unexpected(users.error());
      std::optional<Id> sponsor;
      for (const User& u : *users) {
        if (u.team == "Executive") sponsor = u.meta.id;
      }
      std::map<std::string, std::array<Id, 2>> catalogue;  // currency → services
      std::size_t told = 0;
      for (std::size_t k = 0; k < premium.size() && told < kStories.size(); ++k) {
        const EscalationStory& story = kStories[told];
        auto account = store::Get<Account>(s, premium[k]->id);
        if (!account) return std::unexpected(account.error());
        auto cases = store::All<Case>(s, {{"account_id", store::Condition::Op::kEq, premium[k]->id}});
        if (!cases) return std::unexpected(cases.error());
        auto people = store::All<Person>(s, {{"account_id", store::Condition::Op::kEq, premium[k]->id}});
        if (!people) return std::unexpected(people.error());
        if (cases->size() < 2 || people->empty() || !*account) continue;
        ++told;
        const Instant opened{now.ms - story.opened_days_ago * kDay};
        domain::Escalation e;
        e.account_id = premium[k]->id;
        e.title = std::string(story.title);
        e.severity = story.severity;
        e.owner_id = (*account)->owner_id.value_or(account_managers_.front());
        e.executive_sponsor_id = sponsor;
        for (std::size_t c = cases->size() - 2; c < cases->size(); ++c) {
          e.case_ids.push_back((*cases)[c].meta.id);
        }
        for (const Person& p : *people) {
          if (p.role != PersonRole::kEndUser && e.contact_ids.size() < 2) e.contact_ids.push_back(p.meta.id);
        }
        if (e.contact_ids.empty()) e.contact_ids.push_back(people->front().meta.id);
        auto sequence = SequenceFromCases(s, e.case_ids);
        if (!sequence) return std::unexpected(sequence.error());
        e.sequence_of_events = std::move(*sequence);
        if (!story.impact.empty()) e.customer_impact = std::string(story.impact);
        if (!story.root_cause.empty()) e.root_cause = std::string(story.root_cause);
        e.currency = (*account)->currency;
        e.revenue_at_risk_minor = (*account)->annual_value_minor;
        e.incident_cost_minor = story.incident_cost_major * 100;
        e.stage_history.push_back({Stage::kEngaged, opened, e.owner_id});
        // The created event shows the escalation as it was opened.
        domain::Escalation as_opened = e;
        const auto stage_day = [&](int step) {
          return Instant{opened.ms + (step * story.opened_days_ago / 6 + 1) * kDay / 2 + step * kHour};
        };
        const int steps = static_cast<int>(story.stage);
        auto day = [&](std::int64_t days) {
          return Date{static_cast<std::int32_t>(opened.ms / kDay + days)};
        };
        if (steps >= 1) {
          e.dry_run_checklist = {{"Agenda agreed with the executive sponsor", true},
                                 {"Timeline of events checked against the case notes", true},
                                 {"Rehearsal of the get-well plan presentation", steps >= 2}};
          e.plan = {{"Daily status call with the customer's operations lead", e.owner_id,
                     day(story.opened_days_ago / 2), steps >= 4 ? domain::ActionStatus::kDone
                                                                : domain::ActionStatus::kInProgress},
                    {"Fix and verify in the customer's environment", std::nullopt,
                     day(std::max<std::int64_t>(2, story.opened_days_ago / 3)),
                     steps >= 3 ? domain::ActionStatus::kDone : domain::ActionStatus::kPlanned},
                    {"Written root-cause report to the customer", e.owner_id,
                     day(story.opened_days_ago - 1),
                     steps >= 4 ? domain::ActionStatus::kDone : domain::ActionStatus::kPlanned}};
          e.success_criteria = {{"No repeat of the problem for 30 days", steps >= 4,
                                 steps >= 4 ? std::optional<std::string>("monitoring report")
                                            : std::nullopt},
                                {"Root-cause report accepted by the customer", steps >= 4,
                                 steps >= 4 ? std::optional<std::string>("sponsor's email")
                                            : std::nullopt}};
          if (steps == 3) {
            e.success_criteria[0].met = true;
            e.success_criteria[0].evidence = "two weeks of monitoring so far";
          }
        }
        if (!story.category.empty()) {
          e.root_cause_category = std::string(story.category);
          e.contributing_factors = {
              {"The change was not tested with customers' configurations", domain::FactorParty::kUs,
               domain::BusinessFunction::kEngineering},
              {"First-line agents did not recognise a repeat problem", domain::FactorParty::kUs,
               domain::BusinessFunction::kCustomerService},
              {story.category == "billing" ? "The customer's purchase order omitted the new rate"
                                           : "The customer's carrier rerouted traffic",
               story.category == "billing" ? domain::FactorParty::kCustomer
                                           : domain::FactorParty::kThirdParty,
               std::nullopt}};
        }
        for (int step = 1; step <= steps; ++step) {
          e.stage_history.push_back({static_cast<Stage>(step), stage_day(step), e.owner_id});
          if (static_cast<Stage>(step) == Stage::kClosed) {
            e.customer_agreement = domain::CustomerAgreement{e.contact_ids.front(),
                                                             Instant{stage_day(step).ms - kHour}};
            e.closed_at = stage_day(step);
          }
        }
        e.stage = story.stage;
        for (std::int64_t d = 2; d < story.opened_days_ago && e.progress_updates.size() < 8; d += 7) {
          e.progress_updates.push_back({Instant{opened.ms + d * kDay + 10 * kHour}, e.owner_id,
                                        d % 2 ? Channel::kPhone : Channel::kEmail,
                                        "Status update: progress on the get-well plan"});
        }
        if (auto r = CheckRecord(e); !r) return r;
        if (auto r = store::Insert(s, e, opened); !r) return r;
        as_opened.meta = e.meta;
        as_opened.meta.updated_at = opened;
        as_opened.meta.version = 1;
        if (auto r = AppendEvent(s, "escalation", e.meta.id, "created", opened,
                                 boost::json::serialize(domain::ToJson(as_opened)), e.account_id);
            !r) {
          return r;
        }
        for (std::size_t h = 1; h < e.stage_history.size(); ++h) {
          boost::json::object change{{"from", domain::Name(e.stage_history[h - 1].stage)},
                                     {"to", domain::Name(e.stage_history[h].stage)}};
          if (auto r = AppendEvent(s, "escalation", e.meta.id, "stage_changed",
                                   e.stage_history[h].at, boost::json::serialize(change), e.account_id);
              !r) {
            return r;
          }
        }
        for (const auto& update : e.progress_updates) {
          boost::json::object change{{"progress_update", domain::ToJson(update)}};
          if (auto r = AppendEvent(s, "escalation", e.meta.id, "progress_update_logged", update.at,
                                   boost::json::serialize(change), e.account_id);
              !r) {
            return r;
          }
        }
        ++summary_.escalations;
        // Trials for the three most advanced: bought, still running near its end, just begun.
        if (steps < 3) continue;
        static constexpr std::array<std::pair<std::string_view, std::int64_t>, 2> kServices = {
            {{"Premium Support: a named engineer and one-hour response", 1'500},
             {"Managed failover line", 450}}};
        const std::size_t offered = steps == 5 ? 0 : 1;
        if (!catalogue.contains(e.currency)) {
          std::array<Id, 2> ids{};
          for (std::size_t i = 0; i < kServices.size(); ++i) {
            domain::MitigatingService service;
            service.name = std::string(kServices[i].first);
            service.monthly_price_minor = kServices[i].second * 100;
            service.currency = e.currency;
            if (auto r = CheckRecord(service); !r) return r;
            if (auto r = InsertCreated(s, service, setup_); !r) return r;
            ids[i] = service.meta.id;
            ++summary_.mitigating_services;
          }
          catalogue[e.currency] = ids;
        }
        domain::Trial trial;
        trial.escalation_id = e.meta.id;
        trial.account_id = e.account_id;
        trial.service_id = catalogue[e.currency][offered];
        trial.starts_on = day(steps == 5 ? 10 : 5);
        domain::ApplyTrialDefaults(trial, *trial.starts_on);
        if (steps == 5) trial.outcome = domain::TrialOutcome::kPurchased;
        trial.monthly_price_minor = kServices[offered].second * 100;
        trial.currency = e.currency;
        if (auto r = CheckRecord(trial); !r) return r;
        if (auto r = InsertCreated(s, trial, Instant{opened.ms + 5 * kDay}); !r) return r;
        ++summary_.trials;
      }
      return {};
    });
    return written;
  }

  // Someone at the account who is not a decision maker or sponsor (they are brought in).
  const PersonModel& Requester(Rng& rng, const AccountModel& account) {
    std::vector<const PersonModel*> users;
    for (const PersonModel& p : account.people) {
      if (p.role == PersonRole::kEndUser || p.role == PersonRole::kOther) users.push_back(&p);
    }
    return users.empty() ? account.people.back() : *rng.OneOf(users);
  }

  // Whom a requester brings in: the executive sponsor, else a decision maker.
  const PersonModel& Senior(const AccountModel& account, const PersonModel& requester) {
    for (const PersonModel& p : account.people) {
      if (&p != &requester && p.role == PersonRole::kExecutiveSponsor) return p;
    }
    for (const PersonModel& p : account.people) {
      if (&p != &requester && p.role == PersonRole::kDecisionMaker) return p;
    }
    return account.people.front();
  }

  // A moment in the account's business hours, `lo` to `hi` days before the end.
  Instant DaysBeforeEnd(Rng& rng, const AccountModel& account, int lo, int hi) {
    return BusinessMoment(rng, account, Instant{end_.ms - rng.Between(lo, hi) * kDay});
  }

  void PlayStory(Rng& rng, Story story, const AccountModel& account) {
    const PersonModel& requester = Requester(rng, account);
    switch (story) {
      case Story::kRepeatContacts: {
        // Three to five calls about one case inside a week.
        Episode ep = NewEpisode(rng, account, requester, kCategories[kOutage]);
        Instant t = DaysBeforeEnd(rng, account, 20, 80);
        LiveResult first = Live(rng, ep, Channel::kPhone, t, rng.OneOf(ep.category->notes), true);
        if (!first.index) return;
        InteractionDraft& draft = chunk_.interactions[*first.index];
        OpenCase(ep, Route(account, Channel::kPhone), *draft.record.answered_at);
        draft.case_slot = ep.case_slot;
        Assign(ep, first.index);
        Move(ep, CaseStatus::kOpen, *draft.record.answered_at);
        Move(ep, CaseStatus::kPendingInternal, Plus(first.ended, 10 * kMinute));
        t = first.ended;
        const auto calls = rng.Between(2, 4);
        for (std::int64_t n = 0; n < calls; ++n) {
          t = BusinessMoment(rng, account, Plus(t, rng.Between(14, 36) * kHour));
          t = Live(rng, ep, Channel::kPhone, t,
                   "Customer called again for an update: still down for their team.", true)
                  .ended;
        }
        Move(ep, CaseStatus::kOpen, t);
        t = AgentMessage(rng, ep, Plus(t, rng.Exponential(2 * kDay)),
                         rng.OneOf(ep.category->resolutions));
        Move(ep, CaseStatus::kResolved, t);
        Move(ep, CaseStatus::kClosed, Plus(t, 4 * kDay));
        return;
      }
      case Story::kLongEmailThread: {
        // Back-and-forth by email on a case nobody resolves, and nobody calls.
        Episode ep = NewEpisode(rng, account, requester, kCategories[kBilling]);
        Instant t = DaysBeforeEnd(rng, account, 20, 26);
        OpenCase(ep, Route(account, Channel::kEmail), t);
        constexpr std::array<std::string_view, 5> kNudges = {
            "We still have not had a refund for the duplicate charge on invoice {n}.",
            "This is the third time I am writing about invoice {n}. Can someone look at it?",
            "Another week and still nothing on invoice {n}. Please escalate this.",
            "I have now written five times about invoice {n}. This is not acceptable.",
            "Still waiting on invoice {n}."};
        const auto inbound = rng.Between(4, 6);
        for (std::int64_t n = 0; n < inbound; ++n) {
          std::string text = n == 0 ? Fill(ep.category->inbound[0], ep.reference)
                                    : Fill(kNudges[static_cast<std::size_t>(n - 1)], ep.reference);
          auto in = EmailIn(ep, requester, t, text, {});
          if (n > 0) Move(ep, CaseStatus::kOpen, t);
          t = Reply(rng, ep, in,
                    n == 0 ? std::string(kAskTexts[1])
                           : "Sorry for the delay. I have chased our billing team "
                             "again and will come back to you.");
          if (n == 0) {
            Assign(ep, in);
            Move(ep, CaseStatus::kOpen, t);
          }
          Move(ep, CaseStatus::kPendingCustomer, t);
          t = BusinessMoment(rng, account, Plus(t, rng.Between(18, 30) * kHour));
        }
        return;
      }
      case Story::kDecisionMakerCopied: {
        // The requester copies in their executive sponsor or decision maker, who then
        // writes in themselves.
        Episode ep = NewEpisode(rng, account, requester, kCategories[kProductDefect]);
        const PersonModel& senior = Senior(account, requester);
        Instant t = DaysBeforeEnd(rng, account, 15, 45);
        OpenCase(ep, Route(account, Channel::kEmail), t);
        auto first = EmailIn(ep, requester, t, Fill(ep.category->inbound[0], ep.reference), {});
        t = Reply(rng, ep, first, std::string(ep.category->replies[2]));
        Assign(ep, first);
        Move(ep, CaseStatus::kOpen, t);
        Move(ep, CaseStatus::kPendingInternal, Plus(t, 30 * kMinute));
        t = BusinessMoment(rng, account, Plus(t, 2 * kDay));
        auto copied = EmailIn(
            ep, requester, t,
            "I am copying in " + senior.name + " because this has now affected our team for days.",
            {senior.id});
        t = Reply(rng, ep, copied, std::string(kUpdateTexts[1]));
        t = BusinessMoment(rng, account, Plus(t, kDay));
        auto escalated = EmailIn(ep, senior, t,
                                 "I need a date for the fix. This is now putting our renewal "
                                 "discussion at risk.",
                                 {requester.id});
        t = Reply(rng, ep, escalated,
                  "I understand. I have escalated this to our head of support, who will call "
                  "you today.");
        if (rng.Chance(0.5)) {
          Move(ep, CaseStatus::kOpen, t);
          t = AgentMessage(rng, ep, Plus(t, rng.Exponential(3 * kDay)),
                           std::string(ep.category->resolutions[1]));
          Move(ep, CaseStatus::kResolved, t);
        }
        return;
      }
      case Story::kPolicyQuoted: {
        // The agent answers a refund request with policy.
        Episode ep = NewEpisode(rng, account, requester, kCategories[kReturns]);
        Instant t = DaysBeforeEnd(rng, account, 10, 60);
        OpenCase(ep, Route(account, Channel::kEmail), t);
        auto in = EmailIn(
            ep, requester, t,
            Fill("Order {n} arrived damaged six weeks ago. We would like a refund.", ep.reference),
            {});
        t = Reply(rng, ep, in,
                  "Per our policy, refunds are only available within 30 days of delivery, so I "
                  "am unable to refund this order.");
        Assign(ep, in);
        Move(ep, CaseStatus::kOpen, t);
        Move(ep, CaseStatus::kPendingCustomer, t);
        t = BusinessMoment(rng, account, Plus(t, rng.Between(4, 20) * kHour));
        auto angry = EmailIn(ep, requester, t,
                             "That is not acceptable. The damage was there on delivery and we "
                             "told your driver.",
                             {});
        Move(ep, CaseStatus::kOpen, t);
        t = Reply(rng, ep, angry,
                  "I understand your frustration, but our policy is that damage must be "
                  "reported within 30 days.");
        Move(ep, CaseStatus::kResolved, t);
        Move(ep, CaseStatus::kClosed, Plus(t, 5 * kDay));
        return;
      }
      case Story::kOfferWhileUnresolved: {
        // A sales offer goes out while the account waits on an unresolved problem.
        Episode ep = NewEpisode(rng, account, requester, kCategories[kOutage]);
        Instant t = DaysBeforeEnd(rng, account, 10, 25);
        LiveResult first = Live(rng, ep, Channel::kPhone, t, ep.category->notes[1], true);
        if (!first.index) return;
        InteractionDraft& draft = chunk_.interactions[*first.index];
        OpenCase(ep, Route(account, Channel::kPhone), *draft.record.answered_at);
        draft.case_slot = ep.case_slot;
        Assign(ep, first.index);
        Move(ep, CaseStatus::kOpen, *draft.record.answered_at);
        Move(ep, CaseStatus::kPendingInternal, Plus(first.ended, 15 * kMinute));
        t = BusinessMoment(rng, account, Plus(first.ended, rng.Between(2, 6) * kDay));
        const bool upsell = rng.Chance(0.5);
        EmailOut(
            rng, ep, t,
            upsell ? "Teams like yours get more from Premium Support: a named engineer and "
                     "a one-hour response. Upgrade this month and save 20%."
                   : "As a valued customer you can try our Analytics add-on free for 60 "
                     "days. Reply to this email to start your trial.",
            {upsell ? "upsell" : "offer"}, /*on_case=*/false,
            upsell ? "Upgrade to Premium Support and save 20%" : "Try Analytics free for 60 days");
        return;
      }
      case Story::kFailedFix: {
        // A replacement that does not fix it: the case is reopened.
        Episode ep = NewEpisode(rng, account, requester, kCategories[kProductDefect]);
        Instant t = DaysBeforeEnd(rng, account, 12, 40);
        LiveResult first = Live(rng, ep, Channel::kPhone, t, ep.category->notes[0], true);
        if (!first.index) return;
        InteractionDraft& draft = chunk_.interactions[*first.index];
        OpenCase(ep, Route(account, Channel::kPhone), *draft.record.answered_at);
        draft.case_slot = ep.case_slot;
        Assign(ep, first.index);
        Move(ep, CaseStatus::kOpen, *draft.record.answered_at);
        t = BusinessMoment(rng, account, Plus(first.ended, rng.Between(1, 3) * kDay));
        EmailOut(rng, ep, t, std::string(ep.category->resolutions[0]));
        Move(ep, CaseStatus::kResolved, t);
        t = BusinessMoment(rng, account, Plus(t, rng.Between(1, 3) * kDay));
        LiveResult again = Live(rng, ep, Channel::kPhone, t,
                                "Customer says the replacement is still not working: same fault "
                                "as before.",
                                true);
        Move(ep, CaseStatus::kOpen, t);
        Move(ep, CaseStatus::kPendingInternal, Plus(again.ended, 20 * kMinute));
        return;
      }
    }
  }

  store::Store& store_;
  const DemoOptions& options_;
  const Instant end_;
  const Instant start_;  // of the twelve months of traffic
  const Instant setup_;  // when the vendors, queues and staff were set up
  Rng company_;          // accounts, people, agreements
  Rng staff_;            // agents' names
  Rng traffic_;          // the year's episodes
  Rng stories_;          // relationships going wrong
  Rng shifts_;           // agents' shifts and pauses
  DemoSummary summary_;

  std::unordered_set<std::string> user_emails_;
  std::unordered_set<std::string> company_names_;
  std::unordered_set<std::string> domains_;
  std::array<std::vector<Agent>, kTeams> agents_;
  std::vector<Id> account_managers_;
  std::array<QueueModel, kQueues.size()> queues_;
  // Agents each team needs logged in, by UTC hour of the week (PlanStaffing).
  std::array<std::array<double, 168>, kTeams> staff_need_{};
  // Who of each team is on shift, by hour from hours_from_ (hours since the epoch): bit a
  // for agents_[team][a].
  std::array<std::vector<std::uint64_t>, kTeams> on_shift_;
  std::int64_t hours_from_ = 0;
  std::array<Id, kCalendars.size()> calendar_ids_{};
  ClockConfig clocks_;  // what the cases' clocks depend on, as written
  std::array<const sla::BusinessCalendar*, kTeams> team_hours_{};  // into clocks_; null: 24×7
  const sla::BusinessCalendar around_the_clock_;
  std::vector<AccountModel> accounts_;
  std::vector<double> account_cumulative_;  // who gets in touch, by activity and headcount

  std::int64_t first_day_ = 0;
  std::vector<double> day_load_;  // by day from first_day_
  std::vector<char> outage_day_;

  Chunk chunk_;                      // being generated
  std::unique_ptr<Chunk> writing_;   // in flight: the writer thread reads it until write_ is ready
  std::future<Result<void>> write_;  // of writing_
  std::int64_t next_external_id_ = 1;
  std::int64_t next_session_id_ = 1;
  std::int64_t next_episode_ = 1;
};

}  // namespace

Result<DemoSummary> GenerateDemo(store::Store& store, const DemoOptions& options) {
  return DemoGenerator(store, options).Run();
}

}  // namespace rapport::app
