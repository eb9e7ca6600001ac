#include "kubeconfig_credentials.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace baton::examples {
namespace {

YAML::Node Named(const YAML::Node& list, const std::string& name, const char* field) {
  for (const auto& item : list) {
    if (item["name"] && item["name"].as<std::string>() == name) return item[field];
  }
  return YAML::Node();
}

std::string Str(const YAML::Node& node, const char* key) {
  return node && node[key] ? node[key].as<std::string>() : std::string();
}

std::string ReadTrimmed(const std::string& file) {
  std::ifstream in(file);
  std::stringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// Relative paths in a kubeconfig are relative to the file itself.
std::string Resolve(const std::string& path, const std::filesystem::path& base) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (base / path).string();
}

}  // namespace

std::string CurrentToken(const KubeconfigCredentials& credentials) {
  if (credentials.token_file.empty()) return credentials.token;
  std::string token = ReadTrimmed(credentials.token_file);
  return token.empty() ? credentials.token : token;
}

std::optional<KubeconfigCredentials> LoadKubeconfigCredentials(const std::string& path,
                                                               std::string& error) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    const auto base = std::filesystem::path(path).parent_path();
    const std::string context_name = Str(root, "current-context");
    YAML::Node context = Named(root["contexts"], context_name, "context");
    if (!context) {
      error = path + ": no current context";
      return std::nullopt;
    }
    YAML::Node cluster = Named(root["clusters"], Str(context, "cluster"), "cluster");
    YAML::Node user = Named(root["users"], Str(context, "user"), "user");
    if (!cluster || !user) {
      error = path + ": the current context names no cluster or user";
      return std::nullopt;
    }
    if (cluster["certificate-authority-data"] || user["client-certificate-data"]) {
      error = path + ": *-data fields are not supported here; reference files by path";
      return std::nullopt;
    }
    KubeconfigCredentials out;
    const std::string server = Str(cluster, "server");
    constexpr std::string_view kHttps = "https://";
    if (server.compare(0, kHttps.size(), kHttps) != 0) {
      error = path + ": server must be https://HOST[:PORT], got " + server;
      return std::nullopt;
    }
    std::string hostport = server.substr(kHttps.size());
    if (auto slash = hostport.find('/'); slash != std::string::npos) hostport.resize(slash);
    if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
      out.port = std::stoi(hostport.substr(colon + 1));
      hostport.resize(colon);
    }
    out.host = hostport;
    out.ca_file = Resolve(Str(cluster, "certificate-authority"), base);
    out.token = Str(user, "token");
    out.token_file = Resolve(Str(user, "tokenFile"), base);
    if (!out.token_file.empty()) out.token = ReadTrimmed(out.token_file);
    out.client_cert_file = Resolve(Str(user, "client-certificate"), base);
    out.client_key_file = Resolve(Str(user, "client-key"), base);
    if (out.ca_file.empty()) {
      error = path + ": certificate-authority is required (TLS is always verified)";
      return std::nullopt;
    }
    if (out.token.empty() && (out.client_cert_file.empty() || out.client_key_file.empty())) {
      error = path + ": the user has neither a token nor a client certificate and key";
      return std::nullopt;
    }
    return out;
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return std::nullopt;
  }
}

}  // namespace baton::examples
