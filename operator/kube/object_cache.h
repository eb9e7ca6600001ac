// The informer's store: objects projected to a caller's SLIM type as they
// arrive (the JSON document is dropped at once), keyed "namespace/name",
// with secondary indexes and add/update/delete notifications. Pure: fed by a
// Reflector (or a test) through the ReflectorSink interface, no I/O.
//
// Memory is the point: a controller that caches whole pods spends ~30 KB a
// pod; a projection that keeps the dozen fields a controller reads costs a
// few hundred bytes (measured in docs/kube-client.md).
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kube/reflector.h"
#include "kube/watch_stream.h"

namespace baton::kube {

// "namespace/name", or "name" for cluster-scoped objects; "" without a name.
std::string ObjectKey(const nlohmann::json& object);

// Index functions see the full object once, when it arrives, and return the
// values it is filed under. The usual ones:
using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json&)>;
IndexFunc IndexByNamespace();
IndexFunc IndexByOwnerUid();                    // every ownerReferences[].uid
IndexFunc IndexByLabel(std::string label_key);  // the label's value, if set

// Logging for the template below (keeps spdlog out of this header).
void LogCacheError(std::string_view what, std::string_view detail);

template <typename T>
class ObjectCache final : public ReflectorSink {
 public:
  using Projection = std::function<T(const nlohmann::json&)>;
  using Ptr = std::shared_ptr<const T>;

  // Handlers run on the thread that feeds the cache, after the cache holds
  // the change, one at a time and in event order. They should be cheap
  // (typically: enqueue a key); they may read the cache.
  struct Handlers {
    std::function<void(const T&)> on_add;
    std::function<void(const T& old_object, const T& new_object)> on_update;
    std::function<void(const T&)> on_delete;
  };

  explicit ObjectCache(Projection projection) : projection_(std::move(projection)) {
    if (!projection_) throw std::invalid_argument("ObjectCache needs a projection");
  }

  // Both must be called before the first object arrives.
  void AddIndex(std::string name, IndexFunc func) {
    std::unique_lock lock(data_mutex_);
    if (!entries_.empty()) throw std::logic_error("AddIndex after objects arrived");
    index_names_.push_back(std::move(name));
    index_funcs_.push_back(std::move(func));
    indexes_.emplace_back();
  }
  void AddHandlers(Handlers handlers) {
    std::lock_guard notify(notify_mutex_);
    handlers_.push_back(std::move(handlers));
  }

  // ---- ReflectorSink: a snapshot becomes the cache's content. Objects
  // missing from it are deleted, new ones added, and ones whose
  // resourceVersion changed updated, in the snapshot's order (deletions
  // first, by key). Pages are projected as they arrive; only the slim
  // results are staged until the end.
  void ReplaceBegin() override {
    std::lock_guard notify(notify_mutex_);
    staged_.clear();
    staged_keys_.clear();
  }
  void ReplacePage(std::vector<nlohmann::json>&& items) override {
    std::lock_guard notify(notify_mutex_);
    for (auto& item : items) {
      std::string key = ObjectKey(item);
      auto made = key.empty() ? std::nullopt : MakeEntry(item);
      item = nlohmann::json();  // release each document as soon as it is projected
      if (!made || !staged_keys_.insert(key).second) continue;
      staged_.emplace_back(std::move(key), std::move(*made));
    }
  }
  std::size_t ReplaceEnd(const std::string& /*resource_version*/) override {
    std::lock_guard notify(notify_mutex_);
    std::vector<Notification> out;
    {
      std::unique_lock lock(data_mutex_);
      std::vector<std::string> gone;
      for (const auto& [key, entry] : entries_) {
        if (!staged_keys_.count(key)) gone.push_back(key);
      }
      std::sort(gone.begin(), gone.end());
      for (const auto& key : gone) {
        auto it = entries_.find(key);
        out.push_back({Notification::Kind::Delete, it->second.object, nullptr});
        Unindex(*it);
        entries_.erase(it);
      }
      for (auto& [key, made] : staged_) {
        auto it = entries_.find(key);
        if (it == entries_.end()) {
          out.push_back({Notification::Kind::Add, nullptr, made.entry.object});
          it = entries_.emplace(std::move(key), std::move(made.entry)).first;
          Index(*it, made.index_values);
        } else if (it->second.resource_version != made.entry.resource_version) {
          out.push_back({Notification::Kind::Update, it->second.object, made.entry.object});
          Unindex(*it);
          it->second = std::move(made.entry);
          Index(*it, made.index_values);
        }
      }
      synced_ = true;
    }
    staged_ = {};
    staged_keys_ = {};
    Notify(out);
    return out.size();
  }
  // The three steps at once, for a snapshot in hand.
  void Replace(std::vector<nlohmann::json>&& items, const std::string& resource_version) {
    ReplaceBegin();
    ReplacePage(std::move(items));
    ReplaceEnd(resource_version);
  }

  void Apply(WatchEvent&& event) override {
    std::lock_guard notify(notify_mutex_);
    std::vector<Notification> out;
    {
      std::unique_lock lock(data_mutex_);
      std::string key = ObjectKey(event.object);
      if (key.empty()) return;
      auto it = entries_.find(key);
      if (event.type == WatchEventType::Deleted) {
        if (it == entries_.end()) return;
        out.push_back({Notification::Kind::Delete, it->second.object, nullptr});
        Unindex(*it);
        entries_.erase(it);
      } else if (event.type == WatchEventType::Added || event.type == WatchEventType::Modified) {
        auto made = MakeEntry(event.object);
        event.object = nlohmann::json();
        if (!made) return;
        if (it == entries_.end()) {
          out.push_back({Notification::Kind::Add, nullptr, made->entry.object});
          it = entries_.emplace(std::move(key), std::move(made->entry)).first;
          Index(*it, made->index_values);
        } else {
          out.push_back({Notification::Kind::Update, it->second.object, made->entry.object});
          Unindex(*it);
          it->second = std::move(made->entry);
          Index(*it, made->index_values);
        }
      }
    }
    Notify(out);
  }

  // Periodic resync: on_update(x, x) for every cached object, so handlers
  // revisit state that no event touched.
  void Resync() {
    std::lock_guard notify(notify_mutex_);
    std::vector<Notification> out;
    {
      std::shared_lock lock(data_mutex_);
      out.reserve(entries_.size());
      for (const auto& [key, entry] : entries_) {
        out.push_back({Notification::Kind::Update, entry.object, entry.object});
      }
    }
    Notify(out);
  }

  // ---- reads; the pointers stay valid after the object leaves the cache.
  bool synced() const {
    std::shared_lock lock(data_mutex_);
    return synced_;
  }
  std::size_t size() const {
    std::shared_lock lock(data_mutex_);
    return entries_.size();
  }
  Ptr Get(const std::string& key) const {
    std::shared_lock lock(data_mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second.object;
  }
  Ptr Get(const std::string& ns, const std::string& name) const {
    return Get(ns.empty() ? name : ns + "/" + name);
  }
  std::vector<Ptr> List() const {
    std::shared_lock lock(data_mutex_);
    std::vector<Ptr> out;
    out.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) out.push_back(entry.object);
    return out;
  }
  std::vector<std::string> Keys() const {
    std::shared_lock lock(data_mutex_);
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) out.push_back(key);
    return out;
  }
  // The resourceVersion each key was cached at.
  std::string ResourceVersion(const std::string& key) const {
    std::shared_lock lock(data_mutex_);
    auto it = entries_.find(key);
    return it == entries_.end() ? std::string() : it->second.resource_version;
  }
  std::vector<Ptr> ByIndex(std::string_view index, const std::string& value) const {
    std::shared_lock lock(data_mutex_);
    const std::size_t i = IndexNumber(index);
    std::vector<Ptr> out;
    auto bucket = indexes_[i].find(value);
    if (bucket == indexes_[i].end()) return out;
    out.reserve(bucket->second.size());
    for (const Node* node : bucket->second) out.push_back(node->second.object);
    return out;
  }
  std::vector<std::string> KeysByIndex(std::string_view index, const std::string& value) const {
    std::shared_lock lock(data_mutex_);
    const std::size_t i = IndexNumber(index);
    auto bucket = indexes_[i].find(value);
    if (bucket == indexes_[i].end()) return {};
    std::vector<std::string> out;
    out.reserve(bucket->second.size());
    for (const Node* node : bucket->second) out.push_back(node->first);
    return out;
  }

 private:
  struct Entry {
    Ptr object;
    std::string resource_version;
    // Where the entry is filed: (index number, the bucket's own key). Points
    // into the index maps instead of copying values: a few bytes per pod.
    std::vector<std::pair<std::size_t, const std::string*>> filed_under;
  };
  using Node = std::pair<const std::string, Entry>;  // stable while in entries_
  struct Made {
    Entry entry;
    std::vector<std::vector<std::string>> index_values;  // one list per index
  };
  struct Notification {
    enum class Kind { Add, Update, Delete } kind;
    Ptr old_object;
    Ptr new_object;
  };

  std::optional<Made> MakeEntry(const nlohmann::json& object) const {
    Made made;
    try {
      made.entry.object = std::make_shared<const T>(projection_(object));
      made.index_values.reserve(index_funcs_.size());
      for (const auto& func : index_funcs_) made.index_values.push_back(func(object));
    } catch (const std::exception& e) {
      // One malformed object must not stop the cache; it stays out of it.
      LogCacheError("cannot project " + ObjectKey(object), e.what());
      return std::nullopt;
    }
    made.entry.resource_version = ResourceVersionOf(object);
    return made;
  }

  std::size_t IndexNumber(std::string_view index) const {
    for (std::size_t i = 0; i < index_names_.size(); ++i) {
      if (index_names_[i] == index) return i;
    }
    throw std::invalid_argument("no index named " + std::string(index));
  }

  void Index(Node& node, std::vector<std::vector<std::string>>& values) {
    auto& filed = node.second.filed_under;
    filed.clear();
    std::size_t n = 0;
    for (const auto& v : values) n += v.size();
    filed.reserve(n);
    for (std::size_t i = 0; i < values.size(); ++i) {
      for (auto& value : values[i]) {
        auto bucket = indexes_[i].try_emplace(std::move(value)).first;
        if (bucket->second.insert(&node).second) filed.emplace_back(i, &bucket->first);
      }
    }
  }
  void Unindex(Node& node) {
    for (const auto& [i, value] : node.second.filed_under) {
      auto bucket = indexes_[i].find(*value);
      if (bucket == indexes_[i].end()) continue;
      bucket->second.erase(&node);
      if (bucket->second.empty()) indexes_[i].erase(bucket);
    }
    node.second.filed_under.clear();
  }

  void Notify(const std::vector<Notification>& out) {
    for (const auto& n : out) {
      for (const auto& h : handlers_) {
        try {
          switch (n.kind) {
            case Notification::Kind::Add:
              if (h.on_add) h.on_add(*n.new_object);
              break;
            case Notification::Kind::Update:
              if (h.on_update) h.on_update(*n.old_object, *n.new_object);
              break;
            case Notification::Kind::Delete:
              if (h.on_delete) h.on_delete(*n.old_object);
              break;
          }
        } catch (const std::exception& e) {
          LogCacheError("event handler threw", e.what());
        }
      }
    }
  }

  Projection projection_;
  // Serialises feeding and notifying, so handlers see events in order.
  std::mutex notify_mutex_;
  std::vector<Handlers> handlers_;  // guarded by notify_mutex_
  // A snapshot being received (guarded by notify_mutex_).
  std::vector<std::pair<std::string, Made>> staged_;
  std::unordered_set<std::string> staged_keys_;

  mutable std::shared_mutex data_mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::vector<std::string> index_names_;
  std::vector<IndexFunc> index_funcs_;
  std::vector<std::unordered_map<std::string, std::unordered_set<const Node*>>> indexes_;
  bool synced_ = false;
};

}  // namespace baton::kube
