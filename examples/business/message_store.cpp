#include "message_store.h"

#include <algorithm>

namespace baton::examples::business {

std::uint64_t MessageStore::Append(const std::string& room, const std::string& from,
                                   const std::string& text) {
  std::lock_guard lock(mu_);
  auto& messages = rooms_[room];
  StoredMessage m{messages.size() + 1, from, text, std::chrono::system_clock::now()};
  messages.push_back(std::move(m));
  return messages.back().seq;
}

std::vector<StoredMessage> MessageStore::Since(const std::string& room, std::uint64_t after,
                                               std::size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<StoredMessage> out;
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return out;
  // seq n is at index n - 1.
  std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(after, it->second.size()));
  for (std::size_t i = first; i < it->second.size() && out.size() < limit; ++i) {
    out.push_back(it->second[i]);
  }
  return out;
}

std::map<std::string, std::size_t> MessageStore::Rooms() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::size_t> out;
  for (const auto& [room, messages] : rooms_) out[room] = messages.size();
  return out;
}

}  // namespace baton::examples::business
