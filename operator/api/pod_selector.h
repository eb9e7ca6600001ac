// The labels that select a tier's pods, and the same selector in string form
// for status.selector (the scale subresource and HPAs read it).
#pragma once

#include <map>
#include <string>

#include "api/tier_types.h"

namespace baton::api {

// baton.dev/tier=<name>, baton.dev/kind=<Kind>, plus spec.selector.matchLabels.
// Baton puts these labels on every pod it creates for the tier.
std::map<std::string, std::string> PodSelectorLabels(const Tier& tier);

// "k1=v1,k2=v2" with keys in lexical order, as labels.SelectorFromSet prints it.
std::string SelectorString(const std::map<std::string, std::string>& labels);

}  // namespace baton::api
