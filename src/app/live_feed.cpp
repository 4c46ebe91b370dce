#include "app/live_feed.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "app/visibility.hpp"

namespace rapport::app {

namespace json = boost::json;

void LiveFeed::OnCommitted(const store::CommittedBatch& batch) {
  if (batch.events.empty()) return;
  std::vector<std::shared_ptr<const domain::Event>> events;
  events.reserve(batch.events.size());
  for (const domain::Event& event : batch.events) {
    events.push_back(std::make_shared<const domain::Event>(event));
  }
  std::lock_guard lock(mu_);
  for (auto& event : events) {
    window_bytes_ += event->change.size();
    window_.push_back(std::move(event));
  }
  while (!window_.empty() && (window_.size() > kLiveWindow || window_bytes_ > kLiveWindowBytes)) {
    window_bytes_ -= window_.front()->change.size();
    window_.pop_front();
  }
  last_sequence_ = std::max(last_sequence_, batch.events.back().sequence);
  for (Follower* follower : followers_) {
    if (follower->wake_) follower->wake_();
  }
}

Result<std::unique_ptr<LiveFeed::Follower>> LiveFeed::Follow(const Principal& who,
                                                             bool whole_events,
                                                             std::optional<std::int64_t> after) {
  // Read before the lock: the writer's listener takes it after every commit.
  std::int64_t stored = 0;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto last = s.LastEventSequence();
    if (!last) return std::unexpected(last.error());
    stored = *last;
    return {};
  });
  if (!read) return std::unexpected(read.error());
  std::lock_guard lock(mu_);
  last_sequence_ = std::max(last_sequence_, stored);
  std::int64_t position = after.value_or(last_sequence_);
  // Without a position the follower starts afresh, and says where: a client that read
  // something before (GET /api/v1/sla/open-cases names its sequence) then knows whether
  // it may have missed a change.
  bool reset = !after;
  if (position > last_sequence_ || last_sequence_ - position > kMaxReplay) {
    position = last_sequence_;
    reset = true;
  }
  std::unique_ptr<Follower> follower(new Follower(*this, who, whole_events, position, reset));
  followers_.insert(follower.get());
  return follower;
}

LiveFeed::Follower::~Follower() {
  std::lock_guard lock(feed_.mu_);
  feed_.followers_.erase(this);
}

void LiveFeed::Follower::WakeOnCommit(std::function<void()> wake) {
  std::lock_guard lock(feed_.mu_);
  wake_ = std::move(wake);
}

Result<LiveFeed::Follower::Step> LiveFeed::Follower::Next() {
  Step step;
  if (std::exchange(reset_, false)) step.reset = position_;
  std::vector<std::shared_ptr<const domain::Event>> events;
  bool in_window = false;
  std::int64_t seen = 0;  // the last event every commit listener has applied
  {
    std::lock_guard lock(feed_.mu_);
    seen = feed_.last_sequence_;
    if (position_ >= seen) return step;
    const auto& window = feed_.window_;
    in_window = !window.empty() && window.front()->sequence <= position_ + 1;
    if (in_window) {
      auto from = std::upper_bound(
          window.begin(), window.end(), position_,
          [](std::int64_t sequence, const auto& e) { return sequence < e->sequence; });
      auto count = std::min<std::ptrdiff_t>(window.end() - from, kLiveReadBatch);
      events.assign(from, from + count);
    }
  }
  if (!in_window) {  // further behind than the window: the log itself
    auto read = feed_.store_.Read([&](store::Session& s) -> Result<void> {
      auto got = s.EventsAfter(position_, kLiveReadBatch);
      if (!got) return std::unexpected(got.error());
      // Not past what the listeners have applied: a follower told of an event reads what
      // it changed (the rest comes with its commit's wake-up).
      for (domain::Event& event : *got) {
        if (event.sequence > seen) break;
        events.push_back(std::make_shared<const domain::Event>(std::move(event)));
      }
      return {};
    });
    if (!read) return std::unexpected(read.error());
  }
  // A step renders about a MiB at most (whole events carry their changes, bodies
  // included); what is left waits for the next step, so that a slow client holds little.
  constexpr std::size_t kStepBytes = 1 << 20;
  std::size_t bytes = 0, used = 0;
  for (const auto& event : events) {
    if (bytes >= kStepBytes) break;
    auto shown = Shown(*event);
    if (!shown) return std::unexpected(shown.error());
    position_ = event->sequence;
    ++used;
    if (!*shown) continue;
    step.items.push_back({event->sequence, Render(*event)});
    bytes += step.items.back().json.size();
  }
  step.more = used < events.size() || events.size() == kLiveReadBatch;
  return step;
}

Result<bool> LiveFeed::Follower::Shown(const domain::Event& event) {
  if (whole_events_) return true;
  if (event.entity == "interaction") return true;  // every one, at least as a summary
  if (!event.account_id) return false;             // in no customer 360
  return MaySeeAccountEvent(who_, event, [this](std::string_view table, Id id) -> Result<bool> {
    // Through the collection: its cache answers repeated questions, and its visibility
    // rules answer a hidden record like a missing one.
    auto record = feed_.ledger_.Find(table)->Get(who_, id);
    if (record) return true;
    if (record.error().code == ErrorCode::kNotFound) return false;
    return std::unexpected(record.error());
  });
}

std::string LiveFeed::Follower::Render(const domain::Event& event) const {
  if (whole_events_) return json::serialize(EventJson(event));
  return json::serialize(json::object{
      {"sequence", event.sequence},
      {"at", FormatRfc3339(event.at)},
      {"entity", event.entity},
      {"entity_id", event.entity_id},
      {"action", event.action},
      {"account_id", event.account_id ? json::value(*event.account_id) : json::value(nullptr)}});
}

}  // namespace rapport::app
