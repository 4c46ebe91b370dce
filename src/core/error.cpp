#include "core/error.hpp"

#include <stdexcept>
#include <string>

namespace rapport {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return "bad_request";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kPreconditionFailed:
      return "precondition_failed";
    case ErrorCode::kPreconditionRequired:
      return "precondition_required";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kInvalid:
      return "invalid";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

namespace internal {
void CheckFailed(const char* condition, const char* file, int line) {
  throw std::logic_error(std::string("check failed: ") + condition + " at " + file + ":" +
                         std::to_string(line));
}
}  // namespace internal

}  // namespace rapport
