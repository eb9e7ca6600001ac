#include "kube/request_options.h"

#include "kube/resource.h"

namespace baton::kube {

std::string EncodeQuery(const QueryParams& query) {
  std::string out;
  for (const auto& [key, value] : query) {
    out += out.empty() ? '?' : '&';
    out += PercentEncode(key);
    out += '=';
    out += PercentEncode(value);
  }
  return out;
}

QueryParams ListOptions::ToQuery() const {
  QueryParams q;
  if (!label_selector.empty()) q.emplace_back("labelSelector", label_selector);
  if (!field_selector.empty()) q.emplace_back("fieldSelector", field_selector);
  if (limit) q.emplace_back("limit", std::to_string(*limit));
  if (!continue_token.empty()) q.emplace_back("continue", continue_token);
  if (!resource_version.empty()) q.emplace_back("resourceVersion", resource_version);
  if (!resource_version_match.empty()) {
    q.emplace_back("resourceVersionMatch", resource_version_match);
  }
  if (timeout_seconds) q.emplace_back("timeoutSeconds", std::to_string(*timeout_seconds));
  return q;
}

QueryParams WriteOptions::ToQuery() const {
  QueryParams q;
  if (dry_run) q.emplace_back("dryRun", "All");
  if (!field_manager.empty()) q.emplace_back("fieldManager", field_manager);
  if (!field_validation.empty()) q.emplace_back("fieldValidation", field_validation);
  return q;
}

nlohmann::json DeleteOptions::ToBody() const {
  nlohmann::json body = nlohmann::json::object();
  if (precondition_uid) body["preconditions"]["uid"] = *precondition_uid;
  if (precondition_resource_version) {
    body["preconditions"]["resourceVersion"] = *precondition_resource_version;
  }
  if (propagation_policy) {
    switch (*propagation_policy) {
      case PropagationPolicy::Orphan:
        body["propagationPolicy"] = "Orphan";
        break;
      case PropagationPolicy::Background:
        body["propagationPolicy"] = "Background";
        break;
      case PropagationPolicy::Foreground:
        body["propagationPolicy"] = "Foreground";
        break;
    }
  }
  if (grace_period_seconds) body["gracePeriodSeconds"] = *grace_period_seconds;
  if (dry_run) body["dryRun"] = nlohmann::json::array({"All"});
  if (body.empty()) return nullptr;
  body["apiVersion"] = "v1";
  body["kind"] = "DeleteOptions";
  return body;
}

std::string_view PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::Merge:
      return "application/merge-patch+json";
    case PatchType::Json:
      return "application/json-patch+json";
    case PatchType::StrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::Apply:
      return "application/apply-patch+yaml";  // JSON is valid YAML
  }
  return "application/merge-patch+json";
}

QueryParams PatchOptions::ToQuery(PatchType type) const {
  QueryParams q;
  if (dry_run) q.emplace_back("dryRun", "All");
  if (!field_manager.empty()) q.emplace_back("fieldManager", field_manager);
  // The apiserver rejects force on anything but apply.
  if (force && type == PatchType::Apply) q.emplace_back("force", "true");
  return q;
}

}  // namespace baton::kube
