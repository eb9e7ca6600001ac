#include "api/pod_selector.h"

namespace baton::api {

std::map<std::string, std::string> PodSelectorLabels(const Tier& tier) {
  std::map<std::string, std::string> labels;
  if (tier.spec.selector) labels = tier.spec.selector->match_labels;
  // Baton's own labels win: the CRD refuses baton.dev/ keys in the template,
  // and a selector key that clashed with them would select foreign pods.
  labels[std::string(kLabelTier)] = tier.Name();
  labels[std::string(kLabelKind)] = std::string(NamesOf(tier.kind).kind);
  return labels;
}

std::string SelectorString(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out += ',';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

}  // namespace baton::api
