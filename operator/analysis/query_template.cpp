#include "analysis/query_template.h"

namespace baton::analysis {
namespace {

std::string Trimmed(const std::string& s) {
  auto begin = s.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  auto end = s.find_last_not_of(' ');
  return s.substr(begin, end - begin + 1);
}

const std::string* Lookup(const std::string& name, const QueryVars& vars) {
  if (name == "namespace") return &vars.ns;
  if (name == "tier") return &vars.tier;
  if (name == "revision") return &vars.revision;
  if (name == "stableRevision") return &vars.stable_revision;
  return nullptr;
}

}  // namespace

std::string EscapePromqlString(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out;
}

ExpandedQuery ExpandQuery(const std::string& tmpl, const QueryVars& vars) {
  std::string out;
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    std::size_t open = tmpl.find("{{", pos);
    if (open == std::string::npos) {
      out.append(tmpl, pos, std::string::npos);
      break;
    }
    out.append(tmpl, pos, open - pos);
    std::size_t close = tmpl.find("}}", open + 2);
    if (close == std::string::npos) return {std::nullopt, "unclosed {{ in the query"};
    std::string name = Trimmed(tmpl.substr(open + 2, close - open - 2));
    const std::string* value = Lookup(name, vars);
    if (value == nullptr) {
      if (name.size() > 64) name = name.substr(0, 64) + "...";
      return {std::nullopt, "unknown {{" + name +
                                "}} in the query (known: namespace, tier, revision, "
                                "stableRevision)"};
    }
    out += EscapePromqlString(*value);
    pos = close + 2;
  }
  return {std::move(out), ""};
}

}  // namespace baton::analysis
