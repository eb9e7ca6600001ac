#include "controller/kube_event_sink.h"

#include "api/contract.h"
#include "kube/event_recorder.h"

namespace baton::controller {

void KubeEventSink::Record(const api::Tier& tier, bool warning, std::string_view reason,
                           const std::string& message) {
  kube::ObjectReference ref;
  ref.api_version = std::string(api::kApiVersion);
  ref.kind = std::string(api::NamesOf(tier.kind).kind);
  ref.ns = tier.Namespace();
  ref.name = tier.Name();
  ref.uid = tier.Uid();
  recorder_.Event(ref, warning ? kube::EventType::Warning : kube::EventType::Normal,
                  std::string(reason), message);
}

}  // namespace baton::controller
