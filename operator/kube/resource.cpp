#include "kube/resource.h"

#include <stdexcept>

namespace baton::kube {

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0F]);
    }
  }
  return out;
}

std::string ResourcePath(const Resource& resource, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  if (resource.version.empty() || resource.plural.empty()) {
    throw std::invalid_argument("resource needs a version and a plural name");
  }
  if (!resource.namespaced && !ns.empty()) {
    throw std::invalid_argument(resource.plural + " is cluster-scoped; no namespace allowed");
  }
  if (resource.namespaced && ns.empty() && !name.empty()) {
    throw std::invalid_argument(resource.plural + " is namespaced; a namespace is required");
  }
  if (!subresource.empty() && name.empty()) {
    throw std::invalid_argument("a subresource needs an object name");
  }
  std::string path = resource.group.empty() ? "/api/" + resource.version
                                            : "/apis/" + resource.group + "/" + resource.version;
  if (!ns.empty()) path += "/namespaces/" + PercentEncode(ns);
  path += "/" + resource.plural;
  if (!name.empty()) path += "/" + PercentEncode(name);
  if (!subresource.empty()) path += "/" + PercentEncode(subresource);
  return path;
}

}  // namespace baton::kube
