#include "registry_table.h"

namespace baton::examples {

std::optional<std::string> RegistryTable::Find(std::string_view user) const {
  auto it = entries_.find(user);
  if (it == entries_.end()) return std::nullopt;
  return it->second.relay;
}

bool RegistryTable::Holds(std::string_view user) const {
  return entries_.find(user) != entries_.end();
}

bool RegistryTable::InFlight(std::string_view user) const {
  auto it = entries_.find(user);
  return it != entries_.end() && it->second.in_flight;
}

void RegistryTable::Put(const std::string& user, const std::string& relay) {
  auto [it, inserted] = entries_.try_emplace(user);
  it->second.relay = relay;
  // A user registered here mid-handover must move too (the registry server
  // forwards such writes instead, but the table stays consistent either way).
  if (inserted && handing_over_) queue_.push_back(user);
}

bool RegistryTable::Erase(std::string_view user) {
  auto it = entries_.find(user);
  if (it == entries_.end()) return false;
  if (it->second.in_flight) --in_flight_;
  entries_.erase(it);
  return true;
}

bool RegistryTable::Import(const std::string& user, const std::string& relay) {
  if (entries_.find(user) != entries_.end()) return false;
  Put(user, relay);
  return true;
}

void RegistryTable::BeginHandover() {
  handing_over_ = true;
  queue_.clear();
  for (const auto& [user, entry] : entries_) {
    if (!entry.in_flight) queue_.push_back(user);
  }
}

void RegistryTable::StopHandover() {
  handing_over_ = false;
  queue_.clear();
}

RegistryEntries RegistryTable::TakeBatch(std::size_t n) {
  RegistryEntries batch;
  while (batch.size() < n && !queue_.empty()) {
    std::string user = std::move(queue_.front());
    queue_.pop_front();
    auto it = entries_.find(user);
    if (it == entries_.end() || it->second.in_flight) continue;
    it->second.in_flight = true;
    ++in_flight_;
    batch.emplace_back(std::move(user), it->second.relay);
  }
  return batch;
}

void RegistryTable::Acknowledge(const RegistryEntries& batch) {
  for (const auto& [user, relay] : batch) {
    auto it = entries_.find(user);
    if (it == entries_.end() || !it->second.in_flight) continue;
    --in_flight_;
    entries_.erase(it);
  }
}

void RegistryTable::Release(const RegistryEntries& batch) {
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
    auto found = entries_.find(it->first);
    if (found == entries_.end() || !found->second.in_flight) continue;
    found->second.in_flight = false;
    --in_flight_;
    if (handing_over_) queue_.push_front(it->first);
  }
}

}  // namespace baton::examples
