// The metrics hook of the work queue (client-go's workqueue metrics
// provider): baton_kube itself depends on no metrics library.
#pragma once

#include <chrono>
#include <cstddef>

namespace baton::kube {

class QueueObserver {
 public:
  virtual ~QueueObserver() = default;
  // Called with the queue's lock held: must be cheap, must not throw and
  // must not call back into the queue.
  virtual void OnAdd() = 0;                     // a key entered (not a duplicate)
  virtual void OnDepth(std::size_t depth) = 0;  // keys waiting to be handed out
  virtual void OnQueued(std::chrono::steady_clock::duration waited) = 0;  // add -> Get
  virtual void OnWorked(std::chrono::steady_clock::duration worked) = 0;  // Get -> Done
};

}  // namespace baton::kube
