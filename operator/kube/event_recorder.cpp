#include "kube/event_recorder.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "kube/api_error.h"
#include "kube/rest_client.h"
#include "timestamp/rfc3339.h"

namespace baton::kube {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxMessageBytes = 1024;  // the apiserver's limit for a note

std::string_view TypeName(EventType type) {
  return type == EventType::Normal ? "Normal" : "Warning";
}

std::string HostName() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0) return "unknown";
  return buf.data();
}

// Event names only need to be unique: object name plus the time in hex
// nanoseconds, as client-go does.
std::string EventName(const std::string& object_name, std::chrono::system_clock::time_point now) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
  std::array<char, 24> hex{};
  std::snprintf(hex.data(), hex.size(), "%llx", static_cast<unsigned long long>(ns.count()));
  std::string base = object_name.empty() ? "baton" : object_name;
  if (base.size() > 200) base.resize(200);
  return base + "." + hex.data();
}

std::string Truncate(const std::string& message) {
  if (message.size() <= kMaxMessageBytes) return message;
  std::string cut = message.substr(0, kMaxMessageBytes - 3);
  // Do not leave half a UTF-8 sequence behind.
  while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
  if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0x80)) cut.pop_back();
  return cut + "...";
}

}  // namespace

bool IsCamelCaseReason(std::string_view reason) {
  if (reason.empty() || reason.size() > 128) return false;
  if (reason[0] < 'A' || reason[0] > 'Z') return false;
  for (char c : reason) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string EventAggregationKey(const ObjectReference& o, EventType type, std::string_view reason,
                                std::string_view message) {
  // '\x1f' (unit separator) cannot occur in names, kinds or reasons, so
  // distinct tuples never collide.
  std::string key;
  key.reserve(o.kind.size() + o.ns.size() + o.name.size() + o.uid.size() + reason.size() +
              message.size() + 16);
  for (std::string_view part :
       {std::string_view(o.api_version), std::string_view(o.kind), std::string_view(o.ns),
        std::string_view(o.name), std::string_view(o.uid), std::string_view(o.field_path),
        TypeName(type), reason, message}) {
    key += part;
    key += '\x1f';
  }
  return key;
}

EventAggregator::EventAggregator(std::chrono::seconds window, std::size_t max_entries)
    : window_(window), max_entries_(std::max<std::size_t>(1, max_entries)) {}

EventAggregator::Decision EventAggregator::Observe(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return {};
  if (now - it->second.last > window_) {
    Forget(key);
    return {};
  }
  it->second.count += 1;
  it->second.last = now;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return {true, it->second.event_name, it->second.count};
}

void EventAggregator::Remember(const std::string& key, const std::string& event_name,
                               Clock::time_point now) {
  Forget(key);
  lru_.push_front(key);
  entries_[key] = Entry{event_name, 1, now, lru_.begin()};
  while (entries_.size() > max_entries_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

void EventAggregator::Forget(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

json BuildEvent(const ObjectReference& o, EventType type, const std::string& reason,
                const std::string& message, const std::string& component,
                const std::string& instance, const std::string& event_name,
                std::chrono::system_clock::time_point now) {
  json involved = {{"kind", o.kind}, {"name", o.name}};
  if (!o.api_version.empty()) involved["apiVersion"] = o.api_version;
  if (!o.ns.empty()) involved["namespace"] = o.ns;
  if (!o.uid.empty()) involved["uid"] = o.uid;
  if (!o.resource_version.empty()) involved["resourceVersion"] = o.resource_version;
  if (!o.field_path.empty()) involved["fieldPath"] = o.field_path;
  const std::string ts = timestamp::FormatRfc3339(now);
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          // Events about cluster-scoped objects live in "default", as
          // client-go puts them.
          {"metadata", {{"name", event_name}, {"namespace", o.ns.empty() ? "default" : o.ns}}},
          {"involvedObject", involved},
          {"reason", reason},
          {"message", Truncate(message)},
          {"type", TypeName(type)},
          {"source", {{"component", component}}},
          {"reportingComponent", component},
          {"reportingInstance", instance},
          {"firstTimestamp", ts},
          {"lastTimestamp", ts},
          {"count", 1}};
}

EventRecorder::EventRecorder(RestClient& client, EventRecorderOptions options)
    : client_(client),
      options_(std::move(options)),
      aggregator_(options_.aggregation_window, options_.max_remembered) {
  if (options_.reporting_instance.empty()) options_.reporting_instance = HostName();
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

EventRecorder::~EventRecorder() {
  Flush();
  thread_.request_stop();
  cond_.notify_all();
}

void EventRecorder::Event(const ObjectReference& object, EventType type, const std::string& reason,
                          const std::string& message) {
  if (!IsCamelCaseReason(reason)) {
    throw std::invalid_argument("event reason \"" + reason + "\" is not CamelCase");
  }
  std::lock_guard lock(mutex_);
  if (queue_.size() >= options_.queue_capacity) {
    ++dropped_;
    spdlog::warn("event {} for {}/{} dropped: queue full", reason, object.ns, object.name);
    return;
  }
  queue_.push_back({object, type, reason, message});
  cond_.notify_all();
}

void EventRecorder::Flush() {
  std::unique_lock lock(mutex_);
  cond_.wait(lock, [this] { return queue_.empty() && !sending_; });
}

std::size_t EventRecorder::created() const {
  std::lock_guard lock(mutex_);
  return created_;
}
std::size_t EventRecorder::patched() const {
  std::lock_guard lock(mutex_);
  return patched_;
}
std::size_t EventRecorder::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void EventRecorder::Loop(std::stop_token stop) {
  for (;;) {
    Pending next;
    {
      std::unique_lock lock(mutex_);
      cond_.wait(lock, stop, [this] { return !queue_.empty(); });
      if (queue_.empty()) return;  // stop requested and nothing left
      next = std::move(queue_.front());
      queue_.pop_front();
      sending_ = true;
    }
    Send(next);
    {
      std::lock_guard lock(mutex_);
      sending_ = false;
    }
    cond_.notify_all();
  }
}

void EventRecorder::Send(const Pending& p) {
  const std::string key = EventAggregationKey(p.object, p.type, p.reason, p.message);
  const auto now = EventAggregator::Clock::now();
  const auto wall = std::chrono::system_clock::now();
  const std::string ns = p.object.ns.empty() ? "default" : p.object.ns;
  const auto decision = aggregator_.Observe(key, now);
  try {
    if (decision.patch) {
      try {
        client_.Patch(
            resources::kEvents, ns, decision.event_name, PatchType::Merge,
            {{"count", decision.count}, {"lastTimestamp", timestamp::FormatRfc3339(wall)}});
        std::lock_guard lock(mutex_);
        ++patched_;
        return;
      } catch (const ApiError& e) {
        if (!IsNotFound(e)) throw;
        // The Event expired (TTL) or was deleted: start a new one.
        aggregator_.Forget(key);
      }
    }
    const std::string name = EventName(p.object.name, wall);
    client_.Create(resources::kEvents, ns,
                   BuildEvent(p.object, p.type, p.reason, p.message, options_.component,
                              options_.reporting_instance, name, wall));
    aggregator_.Remember(key, name, now);
    std::lock_guard lock(mutex_);
    ++created_;
  } catch (const std::exception& e) {
    spdlog::warn("event {} for {}/{}: {}", p.reason, p.object.ns, p.object.name, e.what());
  }
}

}  // namespace baton::kube
