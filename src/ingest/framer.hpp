// Cuts a byte stream, pushed in chunks of any size, into records: lines, or (for CSV)
// RFC 4180 records whose quoted cells may hold newlines. Internal to the ingest layer.
//
// Contracts:
//  - A record ends at a '\n' outside quotes; that '\n' and one '\r' before it are not
//    part of the record. A last record without a newline is delivered by Finish().
//  - A UTF-8 byte order mark at the very start of the stream is dropped.
//  - Memory is bounded by `max_bytes`: a record longer than that is reported once through
//    `too_long(first_line)` and skipped up to the next '\n' (quotes ignored), where
//    framing starts again outside quotes.
//  - `first_line` is the 1-based line the record starts on; newlines inside quotes count.
//  - A record that lies inside one chunk is handed out as a view of that chunk (no copy);
//    one that spans chunks is assembled in an internal buffer. Views are valid only
//    during the callback.
// Not thread-safe; one Framer per stream.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rapport::ingest::internal {

class Framer {
 public:
  Framer(std::size_t max_bytes, bool quotes, char delimiter = ',')
      : max_bytes_(max_bytes), quotes_(quotes), delimiter_(delimiter) {}

  // on_record(std::string_view record, std::int64_t first_line);
  // too_long(std::int64_t first_line).
  template <class OnRecord, class TooLong>
  void Feed(std::string_view chunk, OnRecord&& on_record, TooLong&& too_long) {
    if (bom_pending_) {
      const std::string_view bom = "\xEF\xBB\xBF";
      while (!chunk.empty() && bom_held_.size() < 3) {
        bom_held_.push_back(chunk.front());
        chunk.remove_prefix(1);
        if (bom.substr(0, bom_held_.size()) != bom_held_) break;
      }
      if (bom_held_ == bom) {
        bom_pending_ = false;
      } else if (bom.substr(0, bom_held_.size()) != bom_held_) {
        bom_pending_ = false;
        std::string held = std::move(bom_held_);
        Scan(held, on_record, too_long);
      } else {
        return;  // a prefix of the mark: wait for more bytes
      }
    }
    Scan(chunk, on_record, too_long);
  }

  template <class OnRecord, class TooLong>
  void Finish(OnRecord&& on_record, TooLong&& too_long) {
    if (bom_pending_) {
      bom_pending_ = false;
      std::string held = std::move(bom_held_);
      Scan(held, on_record, too_long);
    }
    if (skipping_) {
      skipping_ = false;
      next_line_ += newlines_;
      ++lines_;  // the cut line without its newline
    } else if (!buffer_.empty() || started_) {
      ++lines_;
      Emit(std::string_view(buffer_), on_record, too_long);
    }
    buffer_.clear();
    started_ = false;
  }

  std::int64_t lines() const { return lines_; }
  std::int64_t records() const { return records_; }

 private:
  enum class State : std::uint8_t { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };

  template <class OnRecord, class TooLong>
  void Scan(std::string_view chunk, OnRecord& on_record, TooLong& too_long) {
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    while (p < end) {
      if (skipping_) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
        if (!nl) return;
        p = nl + 1;
        ++lines_;
        next_line_ += newlines_ + 1;
        newlines_ = 0;
        skipping_ = false;
        state_ = State::kFieldStart;
        continue;
      }
      const char* record_start = p;
      // Look no further than a record over the limit could need (the record, a '\r' and
      // the '\n'), so that a too-long record is found at the same byte however the input
      // is cut.
      const std::size_t room = max_bytes_ + 2 - buffer_.size();
      const char* window_end = static_cast<std::size_t>(end - p) > room ? p + room : end;
      const char* nl =
          quotes_ ? FindEndQuoted(p, window_end) : FindEndPlain(p, window_end);
      if (!nl) {
        if (window_end != end) {
          StartSkipping(too_long);
          p = window_end;
          continue;
        }
        // The record continues in the next chunk.
        buffer_.append(record_start, end);
        started_ = true;
        if (buffer_.size() >= max_bytes_ + 2) StartSkipping(too_long);
        return;
      }
      p = nl + 1;
      ++lines_;
      if (buffer_.empty() && !started_) {
        Emit(std::string_view(record_start, nl - record_start), on_record, too_long);
      } else {
        buffer_.append(record_start, nl);
        Emit(std::string_view(buffer_), on_record, too_long);
        buffer_.clear();
        started_ = false;
      }
    }
  }

  const char* FindEndPlain(const char* p, const char* end) {
    return static_cast<const char*>(std::memchr(p, '\n', end - p));
  }

  // RFC 4180 framing: a '"' opens quotes only at the start of a cell; inside quotes a
  // doubled quote stays inside and a newline belongs to the cell.
  const char* FindEndQuoted(const char* p, const char* end) {
    State state = state_;
    for (; p < end; ++p) {
      const char c = *p;
      switch (state) {
        case State::kFieldStart:
          if (c == '"') {
            state = State::kQuoted;
            break;
          }
          [[fallthrough]];
        case State::kUnquoted:
          if (c == '\n') {
            state_ = State::kFieldStart;
            return p;
          }
          state = c == delimiter_ ? State::kFieldStart : State::kUnquoted;
          break;
        case State::kQuoted:
          if (c == '"') {
            state = State::kQuoteInQuoted;
          } else if (c == '\n') {
            ++newlines_;
            ++lines_;
          }
          break;
        case State::kQuoteInQuoted:
          if (c == '"') {
            state = State::kQuoted;
          } else if (c == '\n') {
            state_ = State::kFieldStart;
            return p;
          } else {
            state = c == delimiter_ ? State::kFieldStart : State::kUnquoted;
          }
          break;
      }
    }
    state_ = state;
    return nullptr;
  }

  template <class TooLong>
  void StartSkipping(TooLong& too_long) {
    ++records_;
    too_long(next_line_);
    buffer_.clear();
    buffer_.shrink_to_fit();
    started_ = false;
    skipping_ = true;
  }

  template <class OnRecord, class TooLong>
  void Emit(std::string_view record, OnRecord& on_record, TooLong& too_long) {
    if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
    const std::int64_t first = next_line_;
    next_line_ += newlines_ + 1;
    newlines_ = 0;
    ++records_;
    if (record.size() > max_bytes_) {
      too_long(first);
    } else {
      on_record(record, first);
    }
  }

  std::size_t max_bytes_;
  bool quotes_;
  char delimiter_;
  State state_ = State::kFieldStart;
  bool bom_pending_ = true;
  std::string bom_held_;
  std::string buffer_;
  bool started_ = false;   // a record is under way in buffer_ (it may still be empty)
  bool skipping_ = false;  // dropping the rest of a too-long record
  std::int64_t next_line_ = 1;
  std::int64_t newlines_ = 0;  // newlines inside quotes of the record under way
  std::int64_t lines_ = 0;
  std::int64_t records_ = 0;
};

}  // namespace rapport::ingest::internal
