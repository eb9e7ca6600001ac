#include "message_dropper.h"

#include <algorithm>
#include <cmath>

namespace baton::examples {

MessageDropper::MessageDropper(double share) : share_(std::clamp(share, 0.0, 1.0)) {}

bool MessageDropper::Next() {
  if (share_ <= 0) return false;
  const double before = std::floor(static_cast<double>(seen_) * share_);
  ++seen_;
  return std::floor(static_cast<double>(seen_) * share_) > before;
}

}  // namespace baton::examples
