#include "controller/tier_resource.h"

namespace baton::controller {

const kube::Resource& TierResource(api::TierKind kind) {
  switch (kind) {
    case api::TierKind::kRelay:
      return kube::resources::kRelayTiers;
    case api::TierKind::kSession:
      return kube::resources::kSessionTiers;
    case api::TierKind::kBusiness:
      return kube::resources::kBusinessTiers;
  }
  return kube::resources::kRelayTiers;
}

}  // namespace baton::controller
