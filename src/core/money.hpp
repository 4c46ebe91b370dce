// Money: integer minor units plus an ISO 4217 currency code. Never floating point.
#pragma once

#include <cstdint>
#include <string>

namespace rapport {

struct Money {
  std::int64_t minor = 0;  // e.g. cents
  std::string currency;    // "USD", "EUR", ...
  friend bool operator==(const Money&, const Money&) = default;
};

}  // namespace rapport
