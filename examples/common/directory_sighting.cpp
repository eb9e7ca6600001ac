#include "directory_sighting.h"

#include <algorithm>

namespace baton::examples {

nlohmann::json DirectorySighting::ToJson() const {
  return {{"updatedAt", updated_at},
          {"fileMtimeUnixUs", file_mtime_unix_us},
          {"seenUnixUs", seen_unix_us},
          {"taking", taking}};
}

std::optional<DirectorySighting> DirectorySighting::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto updated = j.find("updatedAt");
  auto mtime = j.find("fileMtimeUnixUs");
  auto seen = j.find("seenUnixUs");
  auto taking = j.find("taking");
  if (updated == j.end() || !updated->is_string() || mtime == j.end() ||
      !mtime->is_number_integer() || seen == j.end() || !seen->is_number_integer() ||
      taking == j.end() || !taking->is_array())
    return std::nullopt;
  DirectorySighting s;
  s.updated_at = updated->get<std::string>();
  s.file_mtime_unix_us = mtime->get<std::int64_t>();
  s.seen_unix_us = seen->get<std::int64_t>();
  for (const auto& pod : *taking) {
    if (!pod.is_string()) return std::nullopt;
    s.taking.push_back(pod.get<std::string>());
  }
  return s;
}

std::vector<std::string> PodsTakingSessions(const ServingDirectory& directory) {
  bool weighted = std::any_of(directory.endpoints.begin(), directory.endpoints.end(),
                              [](const DirectoryEndpoint& e) { return e.weight.value_or(0) > 0; });
  std::vector<std::string> out;
  for (const auto& e : directory.endpoints) {
    if (!weighted || e.weight.value_or(0) > 0) out.push_back(e.pod);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace baton::examples
