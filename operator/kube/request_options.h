// Options of the REST verbs and their translation to query parameters and
// bodies, following metav1.ListOptions / CreateOptions / DeleteOptions /
// PatchOptions. Pure: no I/O, unit-tested.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::kube {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "?a=1&b=x%20y" (empty when there are no parameters); values percent-encoded.
std::string EncodeQuery(const QueryParams& query);

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::optional<int64_t> limit;  // page size; with continue_token for the next page
  std::string continue_token;
  std::string resource_version;        // "" = most recent (quorum read), "0" = any (cache)
  std::string resource_version_match;  // "", "NotOlderThan" or "Exact"
  std::optional<int64_t> timeout_seconds;
  QueryParams ToQuery() const;
};

// Shared by create, update, patch and subresource writes.
struct WriteOptions {
  bool dry_run = false;
  std::string field_manager;     // managedFields owner; optional except for apply
  std::string field_validation;  // "", "Ignore", "Warn" or "Strict"
  QueryParams ToQuery() const;
};

enum class PropagationPolicy { Orphan, Background, Foreground };

struct DeleteOptions {
  // Refuse the delete (409 Conflict) unless the live object still has this
  // uid / resourceVersion: protects against deleting a successor object of
  // the same name.
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<PropagationPolicy> propagation_policy;
  std::optional<int64_t> grace_period_seconds;
  bool dry_run = false;
  // The metav1.DeleteOptions body; null when every field is default.
  nlohmann::json ToBody() const;
};

enum class PatchType { Merge, Json, StrategicMerge, Apply };

std::string_view PatchContentType(PatchType type);

struct PatchOptions {
  std::string field_manager;
  bool force = false;  // only meaningful for PatchType::Apply
  bool dry_run = false;
  std::string subresource;  // "", "status" or "scale"
  QueryParams ToQuery(PatchType type) const;
};

struct ApplyOptions {
  std::string field_manager;  // required by the apiserver for apply
  bool force = false;         // take ownership of conflicting fields
  bool dry_run = false;
  std::string subresource;
};

}  // namespace baton::kube
