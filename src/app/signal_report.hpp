// Signals over time (GET /api/v1/reports/signals, `rapport report signals`): per reporting
// period, the signals raised, cleared and still live at the period's end, in all and by
// rule and severity, counted from the history the server records in `signals` (one row per
// stretch of time a signal was true: first_seen … cleared_at; app/signal_index.hpp).
// Definitions: docs/signals.md, "Signals over time".
#pragma once

#include <boost/json.hpp>

#include "app/analytics.hpp"
#include "app/auth.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace rapport::app {

// Parameters (all optional): from, to (RFC 3339, or a date at local midnight; default the
// 365 days up to now), time_zone (IANA, default UTC), period (day, week or month; default
// month). A vendor agent counts the signals of its own vendor's cases and those of no case,
// as the signal lists show them. kBadRequest names every bad or unknown parameter.
Result<boost::json::value> SignalReport(store::Store& store, const Principal& who,
                                        const ReportParams& params, Instant now);

}  // namespace rapport::app
