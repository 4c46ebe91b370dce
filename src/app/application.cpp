#include "app/application.hpp"

#include <spdlog/spdlog.h>

#include "app/sessions.hpp"

namespace rapport::app {

Application::Application(store::Store& store, signals::SignalConfig signal_config)
    : store_(store), clocks_(store), analytics_(store), signals_(store, std::move(signal_config)), ledger_(store, &clocks_), authenticator_(store), live_(store, ledger_) {
  store_.SetCommitListener([this](const store::CommittedBatch& batch) {
    ledger_.OnCommitted(batch);
    clocks_.OnCommitted(batch);
    analytics_.OnCommitted(batch);
    signals_.OnCommitted(batch);
    authenticator_.OnCommitted(batch);
    for (const auto& observer : observers_) observer(batch);
    live_.OnCommitted(batch);
  });
}

void Application::StartBackgroundJobs(std::chrono::milliseconds signals_interval) {
  clocks_.StartRecorder();
  signals_.StartRecorder();
  periodic_.Add("signals", signals_interval, [this](Instant) { signals_.Refresh(); });
  periodic_.Add("sessions", std::chrono::hours(1), [this](Instant now) {
    if (auto purged = PurgeExpiredSessions(store_, now); !purged) {
      spdlog::error("sessions job: {}", purged.error().message);
    } else if (*purged > 0) {
      spdlog::info("sessions job: {} expired sign-in session(s) deleted", *purged);
    }
  });
  periodic_.Start();
}

}  // namespace rapport::app
