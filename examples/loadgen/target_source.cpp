#include "target_source.h"

namespace baton::examples::loadgen {

TargetSource::TargetSource(std::string directory_path, std::vector<HostPort> fixed) {
  if (!directory_path.empty()) {
    directory_.emplace(std::move(directory_path));
    Refresh();
    return;
  }
  // No directory, so no counts to doubt: every fixed target is open.
  for (auto& address : fixed)
    targets_.push_back({"", std::move(address), std::nullopt, Room::kOpen});
}

bool TargetSource::Refresh() {
  if (!directory_ || !directory_->Refresh() || !directory_->current()) return false;
  targets_ = TargetsFromDirectory(*directory_->current());
  return true;
}

}  // namespace baton::examples::loadgen
