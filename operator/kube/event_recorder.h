// core/v1 Events about the objects Baton manages, as `kubectl describe`
// and ArgoCD show them: CamelCase reasons, involvedObject, source component
// "baton-operator" and reportingController; repeats of the same event
// (same object, type, reason and message) within a window update the first
// Event's count and lastTimestamp with a PATCH instead of creating new ones,
// like client-go's EventCorrelator, so a stuck drain cannot flood etcd.
//
// Event() only enqueues: a background thread talks to the apiserver, so a
// reconcile never waits on event delivery. Failures are logged, not thrown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace baton::kube {

class RestClient;

struct ObjectReference {
  std::string api_version;  // e.g. "baton.dev/v1alpha1"
  std::string kind;         // e.g. "RelayTier"
  std::string ns;           // "" for cluster-scoped objects
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string field_path;
};

enum class EventType { Normal, Warning };

// "DrainStarted": starts with an upper-case ASCII letter, then letters and
// digits only (the convention kubectl and ArgoCD users grep for).
bool IsCamelCaseReason(std::string_view reason);

// What identifies "the same event" for aggregation. Pure.
std::string EventAggregationKey(const ObjectReference& object, EventType type,
                                std::string_view reason, std::string_view message);

// Remembers recently sent events (LRU, bounded) and decides create vs patch.
// Pure apart from the clock passed in; not thread-safe (the recorder's
// thread owns it).
class EventAggregator {
 public:
  using Clock = std::chrono::steady_clock;
  EventAggregator(std::chrono::seconds window, std::size_t max_entries);

  struct Decision {
    bool patch = false;      // false: create a new Event
    std::string event_name;  // the Event to patch
    int count = 1;           // the count to write
  };
  Decision Observe(const std::string& key, Clock::time_point now);
  // After a successful create: later repeats patch this Event.
  void Remember(const std::string& key, const std::string& event_name, Clock::time_point now);
  void Forget(const std::string& key);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string event_name;
    int count = 1;
    Clock::time_point last;
    std::list<std::string>::iterator lru;
  };
  std::chrono::seconds window_;
  std::size_t max_entries_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, Entry> entries_;
};

// The core/v1 Event body for a first occurrence. Pure.
nlohmann::json BuildEvent(const ObjectReference& object, EventType type, const std::string& reason,
                          const std::string& message, const std::string& component,
                          const std::string& instance, const std::string& event_name,
                          std::chrono::system_clock::time_point now);

struct EventRecorderOptions {
  std::string component = "baton-operator";
  std::string reporting_instance;  // default: the host name
  std::chrono::seconds aggregation_window{600};
  std::size_t max_remembered = 4096;
  std::size_t queue_capacity = 1000;  // events beyond it are dropped (and logged)
};

class EventRecorder {
 public:
  EventRecorder(RestClient& client, EventRecorderOptions options = {});
  ~EventRecorder();  // delivers what is queued, then stops
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Throws std::invalid_argument for a reason that is not CamelCase (a
  // programming error, caught by the first test that emits it).
  void Event(const ObjectReference& object, EventType type, const std::string& reason,
             const std::string& message);
  // Blocks until every event queued so far has been sent (or failed).
  void Flush();

  std::size_t created() const;
  std::size_t patched() const;
  std::size_t dropped() const;

 private:
  struct Pending {
    ObjectReference object;
    EventType type = EventType::Normal;
    std::string reason;
    std::string message;
  };
  void Loop(std::stop_token stop);
  void Send(const Pending& pending);

  RestClient& client_;
  EventRecorderOptions options_;
  EventAggregator aggregator_;  // used by the sender thread only
  mutable std::mutex mutex_;
  std::condition_variable_any cond_;
  std::deque<Pending> queue_;
  bool sending_ = false;
  std::size_t created_ = 0;
  std::size_t patched_ = 0;
  std::size_t dropped_ = 0;
  std::jthread thread_;
};

}  // namespace baton::kube
