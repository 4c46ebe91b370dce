#include "api/event_stream.hpp"

#include <spdlog/spdlog.h>

namespace rapport::api {

std::string SseMessage(std::string_view event, std::int64_t id, std::string_view data) {
  std::string out;
  out.reserve(data.size() + event.size() + 40);
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  out.append("id: ").append(std::to_string(id)).append("\ndata: ").append(data).append("\n\n");
  return out;
}

std::optional<StreamSlots::Slot> StreamSlots::Take(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  std::size_t& mine = by_user_[user_id];
  if (open_ >= limit_ || mine >= per_user_) {
    if (mine == 0) by_user_.erase(user_id);
    return std::nullopt;
  }
  ++open_;
  ++mine;
  return Slot(*this, user_id);
}

std::size_t StreamSlots::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

void StreamSlots::Give(std::int64_t user_id) {
  std::lock_guard lock(mutex_);
  --open_;
  if (--by_user_[user_id] == 0) by_user_.erase(user_id);
}

void EventStream::Start(std::function<void()> wake) { follower_->WakeOnCommit(std::move(wake)); }

std::optional<BodySource::Chunk> EventStream::Next() {
  if (!allowed_()) return std::nullopt;
  auto step = follower_->Next();
  if (!step) {
    // The client reconnects and resumes from its last event.
    spdlog::warn("event stream ended: {}", step.error().message);
    return std::nullopt;
  }
  Chunk chunk;
  chunk.more = step->more;
  if (step->reset) {
    chunk.bytes +=
        SseMessage("reset", *step->reset, "{\"sequence\":" + std::to_string(*step->reset) + "}");
  }
  for (const auto& item : step->items) chunk.bytes += SseMessage({}, item.sequence, item.json);
  return chunk;
}

std::optional<std::string> EventStream::Heartbeat() {
  if (!allowed_()) return std::nullopt;
  return ": heartbeat\n\n";
}

}  // namespace rapport::api
