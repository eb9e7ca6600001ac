// The example relay's deliberate defect (--drop-message-share): which
// messages to drop so that exactly that share of them is lost, spread evenly
// rather than at random, so a test sees the same share every run.
#pragma once

#include <cstdint>

namespace baton::examples {

class MessageDropper {
 public:
  // share in [0, 1]; values outside are clamped. 0 never drops.
  explicit MessageDropper(double share);
  // True when the next message is to be dropped.
  bool Next();

 private:
  double share_;
  // Messages seen. The n-th is dropped when floor(n * share) grows: a count,
  // not an accumulated fraction, whose rounding errors would drift.
  std::uint64_t seen_ = 0;
};

}  // namespace baton::examples
