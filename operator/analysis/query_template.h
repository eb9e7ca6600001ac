// A canary's PromQL template with the tier's names filled in: {{namespace}},
// {{tier}}, {{revision}} (the canary's) and {{stableRevision}}, each escaped
// for a PromQL double-quoted string, so that `revision="{{revision}}"` stays
// one string whatever the value holds. An unknown {{name}} is refused, not
// left in place: a typo would otherwise query a label value nothing has, and
// wait out the bake on "no series". Pure.
#pragma once

#include <optional>
#include <string>

namespace baton::analysis {

struct QueryVars {
  std::string ns;  // {{namespace}}
  std::string tier;
  std::string revision;
  std::string stable_revision;
};

struct ExpandedQuery {
  std::optional<std::string> query;  // nullopt: refused, see error
  std::string error;
};

// Spaces inside the braces are allowed ({{ tier }}).
ExpandedQuery ExpandQuery(const std::string& tmpl, const QueryVars& vars);

// `value` escaped for the inside of a PromQL double-quoted string.
std::string EscapePromqlString(const std::string& value);

}  // namespace baton::analysis
