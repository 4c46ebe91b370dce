#include "app/application.hpp"

namespace rapport::app {

Application::Application(store::Store& store)
    : store_(store), ledger_(store), authenticator_(store) {
  store_.SetCommitListener([this](const store::CommittedBatch& batch) {
    ledger_.OnCommitted(batch);
    authenticator_.OnCommitted(batch);
    for (const auto& observer : observers_) observer(batch);
  });
}

}  // namespace rapport::app
