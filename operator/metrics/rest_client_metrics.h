// client-go's REST client metric, fed by kube::RestClient's RequestObserver:
// rest_client_requests_total{code,method,host}; code "<error>" when the
// request got no HTTP answer at all.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string>

#include "kube/request_observer.h"

namespace baton::metrics {

class RestClientMetrics final : public kube::RequestObserver {
 public:
  // host: the API server's host:port, as client-go labels it.
  RestClientMetrics(prometheus::Registry& registry, std::string host);
  void OnRequest(const kube::RequestRecord& record) override;

 private:
  std::string host_;
  prometheus::Family<prometheus::Counter>& requests_;
};

// "https://127.0.0.1:6443/" -> "127.0.0.1:6443".
std::string HostOf(const std::string& server_url);

}  // namespace baton::metrics
