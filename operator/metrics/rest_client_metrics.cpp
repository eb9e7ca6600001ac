#include "metrics/rest_client_metrics.h"

#include "api/contract.h"

namespace baton::metrics {

std::string HostOf(const std::string& server_url) {
  std::string host = server_url;
  if (auto scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
  if (auto slash = host.find('/'); slash != std::string::npos) host = host.substr(0, slash);
  return host;
}

RestClientMetrics::RestClientMetrics(prometheus::Registry& registry, std::string host)
    : host_(std::move(host)),
      requests_(prometheus::BuildCounter()
                    .Name(std::string(api::metric::kRestClientRequestsTotal))
                    .Help("Number of HTTP requests, partitioned by status code, method, and host")
                    .Register(registry)) {}

void RestClientMetrics::OnRequest(const kube::RequestRecord& record) {
  const std::string code = record.code == 0 ? "<error>" : std::to_string(record.code);
  requests_.Add({{"code", code}, {"method", std::string(record.method)}, {"host", host_}})
      .Increment();
}

}  // namespace baton::metrics
