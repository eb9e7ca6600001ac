// EventSink over kube::EventRecorder: Events on the tier object, with the
// recorder's client-side aggregation of repeats.
#pragma once

#include "controller/cluster_writer.h"

namespace baton::kube {
class EventRecorder;
}

namespace baton::controller {

class KubeEventSink final : public EventSink {
 public:
  explicit KubeEventSink(kube::EventRecorder& recorder) : recorder_(recorder) {}
  void Record(const api::Tier& tier, bool warning, std::string_view reason,
              const std::string& message) override;

 private:
  kube::EventRecorder& recorder_;
};

}  // namespace baton::controller
