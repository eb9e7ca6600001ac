#include "target_picker.h"

namespace baton::examples {

std::vector<Target> TargetsFromDirectory(const ServingDirectory& directory) {
  std::vector<Target> out;
  for (const auto& e : directory.endpoints) {
    out.push_back({e.pod, HostPort{e.address, e.port}, e.weight, RoomOf(e.sessions, e.capacity)});
  }
  return out;
}

std::optional<HostPort> TargetPicker::Initial(std::uint64_t i) const {
  if (targets_.empty()) return std::nullopt;
  return targets_[i % targets_.size()].address;
}

std::optional<HostPort> TargetPicker::Next(const std::string& hint,
                                           const std::optional<HostPort>& avoid) {
  if (!hint.empty()) {
    for (const auto& t : targets_) {
      bool named = t.pod == hint || t.address.ToString() == hint;
      if (named && t.address != avoid && t.room == Room::kOpen) return t.address;
    }
  }
  std::vector<const Target*> others;
  for (Room room : {Room::kOpen, Room::kUnknown, Room::kFull}) {
    for (const auto& t : targets_) {
      if (t.address != avoid && t.room == room) others.push_back(&t);
    }
    if (!others.empty()) break;
  }
  if (others.empty()) return std::nullopt;
  long total = 0;
  for (const Target* t : others) total += t->weight.value_or(0);
  if (total > 0) {
    std::uniform_int_distribution<long> pick(0, total - 1);
    long at = pick(rng_);
    for (const Target* t : others) {
      at -= t->weight.value_or(0);
      if (at < 0) return t->address;
    }
  }
  std::uniform_int_distribution<std::size_t> pick(0, others.size() - 1);
  return others[pick(rng_)]->address;
}

}  // namespace baton::examples
