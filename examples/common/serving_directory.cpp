#include "serving_directory.h"

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace baton::examples {
namespace {

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<ServingDirectory> ParseServingDirectory(std::string_view json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto endpoints = j.find("endpoints");
  if (endpoints == j.end() || !endpoints->is_array()) return std::nullopt;
  ServingDirectory d;
  d.tier = StringField(j, "tier");
  d.ns = StringField(j, "namespace");
  d.revision = StringField(j, "revision");
  d.updated_at = StringField(j, "updatedAt");
  for (const auto& e : *endpoints) {
    if (!e.is_object()) return std::nullopt;
    DirectoryEndpoint ep;
    ep.pod = StringField(e, "pod");
    ep.address = StringField(e, "address");
    ep.revision = StringField(e, "revision");
    auto port = e.find("port");
    if (ep.address.empty() || port == e.end() || !port->is_number_integer()) return std::nullopt;
    ep.port = port->get<int>();
    if (ep.port <= 0 || ep.port > 65535) return std::nullopt;
    auto sessions = e.find("sessions");
    if (sessions != e.end() && sessions->is_number_integer() && sessions->get<long>() >= 0)
      ep.sessions = sessions->get<long>();
    auto weight = e.find("weight");
    if (weight != e.end() && weight->is_number_integer() && weight->get<long>() >= 0)
      ep.weight = weight->get<long>();
    auto capacity = e.find("capacity");
    if (capacity != e.end() && capacity->is_number_integer() && capacity->get<long>() >= 0)
      ep.capacity = capacity->get<long>();
    d.endpoints.push_back(std::move(ep));
  }
  return d;
}

bool ServingDirectoryFile::Refresh() {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return false;  // follows the ..data symlink
  Stamp stamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
  if (seen_ && seen_->dev == stamp.dev && seen_->ino == stamp.ino && seen_->size == stamp.size &&
      seen_->mtime.tv_sec == stamp.mtime.tv_sec && seen_->mtime.tv_nsec == stamp.mtime.tv_nsec)
    return false;
  seen_ = stamp;
  std::ifstream in(path_);
  std::stringstream content;
  content << in.rdbuf();
  auto parsed = ParseServingDirectory(content.str());
  if (!parsed) return false;
  current_ = std::move(parsed);
  current_mtime_unix_us_ =
      static_cast<std::int64_t>(stamp.mtime.tv_sec) * 1000000 + stamp.mtime.tv_nsec / 1000;
  return true;
}

}  // namespace baton::examples
