// The live signals as the API and `rapport signals` list them: from the SignalIndex, every
// account's (GET /api/v1/signals), one account's (/accounts/{id}/signals) or one case's
// (/cases/{id}/signals), filtered and paged.
#pragma once

#include <boost/json.hpp>
#include <optional>

#include "app/analytics.hpp"
#include "app/auth.hpp"
#include "app/signal_index.hpp"
#include "core/error.hpp"

namespace rapport::app {

// Where a list looks: everywhere, one account or one case.
struct SignalScope {
  std::optional<Id> account_id;
  std::optional<Id> case_id;
};

// {"items": [signal, ...], "next_cursor"?}. Parameters: rule, severity (the least shown),
// limit (1 to 500, default 100), cursor; the global list also account_id and case_id.
// Items are ordered by (account, rule, case, category); a cursor resumes after the item it
// names, so a page never repeats one. kInvalid names every bad or unknown parameter;
// kNotFound when the account or case does not exist or `who` may not see it.
Result<boost::json::value> ListSignals(const SignalIndex& index, const Principal& who,
                                       const ReportParams& params, SignalScope scope);

}  // namespace rapport::app
