// GET /api/v1/stream's body: the live change feed (app/live_feed.hpp) as server-sent events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html), and the cap on how many
// such streams a server holds open at once.
//
// Each event the caller is told of is one message: `id:` its sequence (what a browser sends
// back as Last-Event-ID when it reconnects) and `data:` its JSON. A stream that could not
// resume where it was asked to starts with an `event: reset` message (data {"sequence": N},
// id N): the client should read again what it shows. A comment (": heartbeat") is written
// when nothing else was for a while. A stream ends when its caller's credentials no longer
// name the same user with the same role (signed out, deactivated, role changed).
//
// Threads: StreamSlots is safe to use concurrently; an EventStream is driven by the
// server's connection thread (its wake comes from the store's writer thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "api/http.hpp"
#include "app/live_feed.hpp"

namespace rapport::api {

// One server-sent event: `event` (empty: the default "message"), `id` and one line of data.
// REQUIRES: `data` holds no line break (JSON serialised compactly has none).
std::string SseMessage(std::string_view event, std::int64_t id, std::string_view data);

// At most `limit` streams open at once, and at most `per_user` of them one user's (a person
// with a few tabs, never one token holding every slot): each holds a slot until it ends.
class StreamSlots {
 public:
  StreamSlots(std::size_t limit, std::size_t per_user) : limit_(limit), per_user_(per_user) {}

  class Slot {
   public:
    Slot(StreamSlots& slots, std::int64_t user_id) : slots_(&slots), user_id_(user_id) {}
    Slot(Slot&& other) noexcept
        : slots_(std::exchange(other.slots_, nullptr)), user_id_(other.user_id_) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (slots_) slots_->Give(user_id_);
    }

   private:
    StreamSlots* slots_;
    std::int64_t user_id_;
  };

  // A slot for a stream of `user_id`, or nullopt when `limit` streams are open or
  // `per_user` of that user's.
  std::optional<Slot> Take(std::int64_t user_id);

  std::size_t open() const;

 private:
  void Give(std::int64_t user_id);

  const std::size_t limit_;
  const std::size_t per_user_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;                                   // guarded by mutex_
  std::unordered_map<std::int64_t, std::size_t> by_user_;  // guarded by mutex_
};

class EventStream final : public BodySource {
 public:
  // `allowed` answers whether the caller's credentials still name the caller.
  EventStream(std::unique_ptr<app::LiveFeed::Follower> follower, std::function<bool()> allowed,
              StreamSlots::Slot slot)
      : follower_(std::move(follower)), allowed_(std::move(allowed)), slot_(std::move(slot)) {}

  void Start(std::function<void()> wake) override;
  std::optional<Chunk> Next() override;
  std::optional<std::string> Heartbeat() override;

 private:
  std::unique_ptr<app::LiveFeed::Follower> follower_;
  std::function<bool()> allowed_;
  StreamSlots::Slot slot_;
};

}  // namespace rapport::api
