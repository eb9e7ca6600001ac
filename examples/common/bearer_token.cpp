#include "bearer_token.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace baton::examples {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (b.empty()) return a.empty();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i % b.size()]);
  }
  return diff == 0;
}

bool BearerTokenFile::Accepts(std::string_view authorization) const {
  std::ifstream in(path_);
  if (!in) return false;
  std::stringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) return false;
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.substr(0, kScheme.size()) != kScheme) return false;
  return ConstantTimeEquals(authorization.substr(kScheme.size()), token);
}

}  // namespace baton::examples
