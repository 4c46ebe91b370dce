// Agreement deadlines: the date by which notice must be given to stop (or renegotiate) an
// agreement — its end date minus its notice days — how many days remain until then, and
// which alert lead times have been reached (an alert of lead L is due from L days before
// the deadline). Pure.
#pragma once

#include <cstdint>
#include <vector>

#include "core/date.hpp"
#include "domain/entities.hpp"

namespace rapport::analytics {

struct Alert {
  std::int64_t lead_days = 0;
  Date on;             // deadline − lead_days
  bool reached = false;  // today is on or after `on`
};

struct NoticeDeadline {
  Date deadline;
  std::int64_t days_remaining = 0;  // negative once passed
  bool passed = false;
  std::vector<Alert> alerts;  // in the order of the lead times given
};

// REQUIRES: every lead time >= 0.
NoticeDeadline NoticeOf(const domain::Agreement& agreement, Date today,
                        const std::vector<std::int64_t>& lead_days);

}  // namespace rapport::analytics
