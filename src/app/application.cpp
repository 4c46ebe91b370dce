#include "app/application.hpp"

namespace rapport::app {

Application::Application(store::Store& store)
    : store_(store), clocks_(store), analytics_(store), ledger_(store, &clocks_), authenticator_(store) {
  store_.SetCommitListener([this](const store::CommittedBatch& batch) {
    ledger_.OnCommitted(batch);
    clocks_.OnCommitted(batch);
    analytics_.OnCommitted(batch);
    authenticator_.OnCommitted(batch);
    for (const auto& observer : observers_) observer(batch);
  });
}

}  // namespace rapport::app
