// The one error vocabulary of Rapport: every expected failure (bad input, not found,
// conflict, ...) is an Error carried in a Result<T>. Exceptions are kept for bugs and
// for what third-party libraries throw; they are caught at layer edges.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace rapport {

// Client errors first, then server errors; api/ maps each to one HTTP status.
enum class ErrorCode {
  kBadRequest,            // malformed syntax: not JSON, too deep, bad query parameter
  kUnauthenticated,       // no or unknown credentials
  kForbidden,             // authenticated, but the role may not do this
  kNotFound,              // missing, or not visible to the caller (same answer)
  kConflict,              // clashes with stored state (duplicate id, illegal transition)
  kPreconditionFailed,    // If-Match does not match the stored version
  kPreconditionRequired,  // If-Match missing on an update
  kPayloadTooLarge,       // body, batch or page over its limit
  kInvalid,               // well-formed but semantically invalid fields
  kUnavailable,           // shutting down, or the store is busy
  kInternal,              // a bug or an unexpected failure of a dependency
};

std::string_view ErrorCodeName(ErrorCode code);

// One bad field: `field` is a JSON-pointer-like path ("participants[1].address").
struct FieldError {
  std::string field;
  std::string message;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<FieldError> fields;  // every bad field, for kInvalid and kBadRequest
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning a failure: `return Fail(ErrorCode::kNotFound, "case 7")`.
inline std::unexpected<Error> Fail(ErrorCode code, std::string message,
                                   std::vector<FieldError> fields = {}) {
  return std::unexpected(Error{code, std::move(message), std::move(fields)});
}

// Collects field errors while a whole input is checked, so the caller is told about
// every bad field at once rather than the first.
class FieldErrors {
 public:
  void Add(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }
  bool empty() const { return errors_.empty(); }
  const std::vector<FieldError>& list() const { return errors_; }
  // REQUIRES: !empty().
  Error ToError(std::string message = "invalid input") const {
    return Error{ErrorCode::kInvalid, std::move(message), errors_};
  }

 private:
  std::vector<FieldError> errors_;
};

// An always-on invariant check for programming errors (never for input validation):
// throws std::logic_error naming the failed condition.
#define RAPPORT_CHECK(cond)                                                   \
  do {                                                                        \
    if (!(cond)) ::rapport::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace internal {
[[noreturn]] void CheckFailed(const char* condition, const char* file, int line);
}

}  // namespace rapport
