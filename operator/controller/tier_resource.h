// The REST resource of each tier kind (baton.dev/v1alpha1).
#pragma once

#include "api/tier_types.h"
#include "kube/resource.h"

namespace baton::controller {

const kube::Resource& TierResource(api::TierKind kind);

}  // namespace baton::controller
