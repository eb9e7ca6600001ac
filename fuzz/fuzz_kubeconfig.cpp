// Fuzzes kubeconfig parsing (operator/kube/config.cpp) from YAML text. Its
// contract: any problem is a ConfigError naming the field; any other
// exception escaping (yaml-cpp's own, std::bad_*) is a bug. File references
// resolve against a directory that does not exist, so the target reads no
// files of this machine for relative paths.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto config = baton::kube::ParseKubeconfig(text, "fuzz", "/nonexistent/baton-fuzz");
    (void)config;
  } catch (const baton::kube::ConfigError&) {
  }
  return 0;
}
