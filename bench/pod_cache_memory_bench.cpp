// Memory of the operator's pod cache: 10,000 pods shaped like the ones kwok
// and the API server return (~2.6 KB of JSON each, managedFields included)
// go through the same projection (controller::PodViewFromJson) and indexes
// the operator uses; the figure printed is heap bytes per cached pod, as
// glibc's allocator counts them. A benchmark, not a test: it prints, it does
// not judge (bench/RESULTS.md compares the figures with the targets).
//
//   build/bench/bench_pod_cache_memory [pods]
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/pod_view.h"
#include "kube/object_cache.h"

namespace {

using nlohmann::json;

json RealisticPod(int i) {
  // Shaped like a kwok-scheduled pod as the apiserver returns it (~3 KB),
  // managedFields included.
  const std::string n = std::to_string(i);
  const std::string name =
      "relay-7d9f8c6b5-" + std::string(5 - std::min<std::size_t>(5, n.size()), '0') + n;
  const std::string uid = "3f0c2a1e-5b7d-4c1a-9e2f-" + std::string(12 - n.size(), '0') + n;
  return json::
      parse(
          R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
          R"(","namespace":"relay-prod","uid":")" +
          uid + R"(","resourceVersion":")" + std::to_string(100000 + i) + R"(","creationTimestamp":"2026-11-25T09:00:00Z","labels":{"app":"relay","baton.dev/tier":"relay-main","baton.dev/revision":"7d9f8c6b5"},"annotations":{"baton.dev/drain-port":"9090"},"ownerReferences":[{"apiVersion":"baton.dev/v1alpha1","kind":"RelayTier","name":"relay-main","uid":"9a8b7c6d-1111-2222-3333-444455556666","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"baton-operator","operation":"Update","apiVersion":"v1","time":"2026-11-25T09:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{},"f:baton.dev/tier":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"relay\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{}}}}}},{"manager":"kwok","operation":"Update","apiVersion":"v1","time":"2026-11-25T09:00:01Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:conditions":{},"f:phase":{},"f:podIP":{}}},"subresource":"status"}]},"spec":{"containers":[{"name":"relay","image":"relay:v2","ports":[{"containerPort":7000,"protocol":"TCP"},{"containerPort":9090,"protocol":"TCP","name":"drain"}],"resources":{"requests":{"cpu":"2","memory":"4Gi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default","nodeName":"kwok-node-1","securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True","lastTransitionTime":"2026-11-25T09:00:01Z"},{"type":"Ready","status":"True","lastTransitionTime":"2026-11-25T09:00:01Z"},{"type":"ContainersReady","status":"True","lastTransitionTime":"2026-11-25T09:00:01Z"},{"type":"PodScheduled","status":"True","lastTransitionTime":"2026-11-25T09:00:00Z"}],"hostIP":"127.0.100.2","podIP":"127.1.)" +
          std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
          R"(","podIPs":[{"ip":"127.1.0.1"}],"startTime":"2026-11-25T09:00:00Z","containerStatuses":[{"name":"relay","state":{"running":{"startedAt":"2026-11-25T09:00:01Z"}},"ready":true,"restartCount":0,"image":"relay:v2","imageID":"docker-pullable://relay@sha256:0123456789abcdef","started":true}],"qosClass":"Burstable"}})");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace baton;
  const int pods = argc > 1 ? std::atoi(argv[1]) : 10000;
  std::size_t json_bytes = 0;
  kube::ObjectCache<controller::PodView> cache(controller::PodViewFromJson);
  cache.AddIndex("owner", kube::IndexByOwnerUid());
  const std::size_t before = mallinfo2().uordblks;
  for (int i = 0; i < pods; ++i) {
    json pod = RealisticPod(i);
    json_bytes += pod.dump().size();
    cache.Apply({kube::WatchEventType::Added, std::move(pod)});
  }
  const std::size_t after = mallinfo2().uordblks;
  std::printf(
      "pod cache: %d pods, %.0f heap bytes/pod (PodView + owner index); "
      "JSON averaged %zu bytes/pod\n",
      pods, static_cast<double>(after - before) / pods, json_bytes / pods);
  std::printf("{\"pods\":%d,\"heapBytesPerPod\":%.0f,\"jsonBytesPerPod\":%zu}\n", pods,
              static_cast<double>(after - before) / pods, json_bytes / pods);
  return cache.size() == static_cast<std::size_t>(pods) ? 0 : 1;
}
