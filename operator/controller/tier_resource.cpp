#include "controller/tier_resource.h"

namespace baton::controller {

const kube::Resource& TierResource(api::TierKind kind) {
  switch (kind) {
    case api::TierKind::Relay:
      return kube::resources::kRelayTiers;
    case api::TierKind::Session:
      return kube::resources::kSessionTiers;
    case api::TierKind::Business:
      return kube::resources::kBusinessTiers;
  }
  return kube::resources::kRelayTiers;
}

}  // namespace baton::controller
