// The application: the use cases over one store, and the in-process change feed that
// keeps its caches and projections current. Owns the store's commit listener and fans
// each committed batch out to its parts and to observers (metrics, ...).
// Threads: everything reachable from here is safe to call concurrently, except
// AddObserver, which must be called before the first write.
#pragma once

#include <functional>
#include <vector>

#include "app/analytics.hpp"
#include "app/auth.hpp"
#include "app/clocks.hpp"
#include "app/ledger.hpp"
#include "app/live_feed.hpp"
#include "app/periodic.hpp"
#include "app/signal_index.hpp"
#include "store/store.hpp"

namespace rapport::app {

class Application {
 public:
  // REQUIRES: nothing has been written through `store` yet in this process.
  explicit Application(store::Store& store, signals::SignalConfig signal_config = {});
  // Stops the background jobs before any part goes: they write through the store, whose
  // commit listener calls every part.
  ~Application() {
    periodic_.Stop();
    signals_.StopRecorder();
    clocks_.StopRecorder();
  }

  // Builds the in-memory projections (the service clocks, the analytics columns, the
  // signals) from the store.
  // REQUIRES: called once, before anything is written through this application.
  // kInBackground: the signal index loads on a thread of its own (SignalIndex::StartLoading)
  // while the server already serves; the others load before this returns. `loaded`, if
  // any, runs once all of them have (on the signal index's thread in the background).
  enum class SignalLoading { kNow, kInBackground };
  Result<void> LoadProjections(SignalLoading signal_loading = SignalLoading::kNow,
                               std::function<void()> loaded = {}) {
    if (auto r = clocks_.Load(); !r) return r;
    if (auto r = analytics_.Load(); !r) return r;
    if (signal_loading == SignalLoading::kInBackground) {
      signals_.StartLoading(std::move(loaded));
      return {};
    }
    if (auto r = signals_.Load(Now()); !r) return r;
    if (loaded) loaded();
    return {};
  }
  // Starts the background jobs (recording SLA warnings and breaches, recording signals,
  // the periodic jobs: signals every `signals_interval`, expired sign-in sessions deleted
  // hourly). Serve only.
  void StartBackgroundJobs(std::chrono::milliseconds signals_interval = std::chrono::minutes(1));

  store::Store& store() { return store_; }
  Ledger& ledger() { return ledger_; }
  Clocks& clocks() { return clocks_; }
  Analytics& analytics() { return analytics_; }
  SignalIndex& signals() { return signals_; }
  LiveFeed& live() { return live_; }
  Authenticator& authenticator() { return authenticator_; }
  // REQUIRES: jobs are added before StartBackgroundJobs.
  PeriodicJobs& periodic() { return periodic_; }

  // REQUIRES: called before the first write.
  void AddObserver(store::CommitListener observer) { observers_.push_back(std::move(observer)); }

 private:
  store::Store& store_;
  Clocks clocks_;
  Analytics analytics_;
  SignalIndex signals_;
  Ledger ledger_;
  Authenticator authenticator_;
  std::vector<store::CommitListener> observers_;
  LiveFeed live_;  // told of a batch last: what its followers read has applied it
  PeriodicJobs periodic_;
};

}  // namespace rapport::app
