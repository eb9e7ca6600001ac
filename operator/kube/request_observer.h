// The metrics hook of the REST client: one call per HTTP attempt (retries
// included). Issue 11 plugs Prometheus in behind this; baton_kube itself
// depends on no metrics library.
#pragma once

#include <chrono>
#include <string_view>

namespace baton::kube {

struct RequestRecord {
  std::string_view method;    // HTTP method: GET, POST, PUT, PATCH, DELETE
  std::string_view resource;  // plural ("pods"), empty for raw requests
  int code = 0;               // HTTP status; 0 when the transport failed
  std::chrono::steady_clock::duration latency{};
  int attempt = 0;  // 0 for the first try, 1.. for retries
};

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // Called on the thread that made the request, after each attempt. Must be
  // cheap and must not throw or call back into the client.
  virtual void OnRequest(const RequestRecord& record) = 0;
};

}  // namespace baton::kube
