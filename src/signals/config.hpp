// The signal rules' thresholds from a JSON object (`rapport serve --signals-config FILE`,
// `rapport signals --config FILE`): its keys are SignalConfig's fields (signals.hpp), any
// subset, the rest keeping their defaults. Counts and day spans are integers of at least 1
// (long_time_customer_years at least 0); phrases, tags and segments are lists of
// non-blank strings.
#pragma once

#include <boost/json.hpp>

#include "core/error.hpp"
#include "signals/signals.hpp"

namespace rapport::signals {

// kInvalid naming every unknown key and every bad value (by key, and by "key[i]" for a
// list's item).
Result<SignalConfig> ConfigFromJson(const boost::json::value& json);

}  // namespace rapport::signals
