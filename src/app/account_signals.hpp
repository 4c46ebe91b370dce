// The signals of one account, computed on demand from the store as of an instant (the
// rules: signals/signals.hpp, docs/signals.md). Incremental evaluation from the change
// feed and stored first-seen instants are still to come (issue #5).
#pragma once

#include <boost/json.hpp>

#include "app/auth.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace rapport::app {

// {"account_id", "as_of", "signals": [...]}; kNotFound for an account that does not exist.
// A vendor agent sees the signals of its own vendor's cases and those of no case.
Result<boost::json::value> AccountSignals(store::Store& store, const Principal& who,
                                          domain::Id account_id, Instant now);

}  // namespace rapport::app
