#include "analytics/deadlines.hpp"

namespace rapport::analytics {

NoticeDeadline NoticeOf(const domain::Agreement& agreement, Date today,
                        const std::vector<std::int64_t>& lead_days) {
  NoticeDeadline out;
  out.deadline = Date{static_cast<std::int32_t>(agreement.end_date.days - agreement.notice_days)};
  out.days_remaining = out.deadline.days - today.days;
  out.passed = out.days_remaining < 0;
  for (std::int64_t lead : lead_days) {
    Date on{static_cast<std::int32_t>(out.deadline.days - lead)};
    out.alerts.push_back({lead, on, today >= on});
  }
  return out;
}

}  // namespace rapport::analytics
