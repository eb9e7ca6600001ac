// The Kubernetes REST client: typed verbs over cpprestsdk, returning
// nlohmann::json objects and throwing ApiError / TransportError.
//
// Threading model
// ---------------
// * Every verb is synchronous: it sends the request through cpprestsdk's
//   asynchronous http_client and blocks the *calling* thread until the answer
//   (or the request timeout) arrives.
// * Never call a verb from inside cpprestsdk's own thread pool (a `.then()`
//   continuation, an http_listener handler): blocking a pool thread on a
//   future that needs another pool thread deadlocks once the pool (a few
//   threads by default) is exhausted. Verbs detect this and throw
//   std::logic_error instead of hanging. Call from your own threads
//   (controller workers, main).
// * One RestClient may be shared by any number of threads: the http_client
//   and its connection pool are thread-safe, the token source is locked, and
//   the rest is immutable after construction.
// * Retries (see retry_policy.h) sleep on the calling thread.
//
// Streaming (watch) is built on top by issue 4 with MakeHttpClient(),
// Authorize() and PathAndQuery(): it needs its own http_client because a
// watch must outlive the per-request timeout used here.
#pragma once

#include <cpprest/http_client.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kube/api_error.h"
#include "kube/bearer_token_source.h"
#include "kube/config.h"
#include "kube/request_observer.h"
#include "kube/request_options.h"
#include "kube/resource.h"
#include "kube/retry_policy.h"
#include "kube/transport_error.h"

namespace baton::kube {

struct RestClientOptions {
  // Whole-request deadline (connect, send, wait, read the body).
  std::chrono::milliseconds request_timeout{30'000};
  RetryPolicy retry;
  // Optional metrics hook; called after every attempt.
  std::shared_ptr<RequestObserver> observer;
  // Defaults to "baton/<project version>".
  std::string user_agent;
};

// A request below the typed verbs: any method, path and body.
struct HttpRequest {
  std::string method = "GET";
  std::string path;  // absolute API path, e.g. "/api/v1/namespaces"
  QueryParams query;
  std::optional<std::string> body;
  std::string content_type = "application/json";
  std::string resource_label;  // for the observer only
};

struct HttpResponse {
  int status = 0;
  std::string body;
  web::http::http_headers headers;
};

class RestClient {
 public:
  // Throws ConfigError when the configuration cannot work (no server, broken PEM).
  explicit RestClient(ClientConfig config, RestClientOptions options = {});
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  const ClientConfig& config() const { return config_; }
  const RestClientOptions& options() const { return options_; }

  // ---- typed verbs: `ns` is ignored for cluster-scoped resources only when
  // empty; List/ListAll with an empty `ns` list across all namespaces.
  nlohmann::json Get(const Resource& resource, const std::string& ns, const std::string& name);
  // One page. Its metadata.continue is non-empty when more pages follow.
  nlohmann::json List(const Resource& resource, const std::string& ns,
                      const ListOptions& options = {});
  // Every page, following `continue` (page size options.limit, default
  // 500), merged into one list whose resourceVersion is the snapshot's. If a
  // continue token expires (410) mid-way, falls back to one unpaginated
  // list, as client-go's pager does.
  nlohmann::json ListAll(const Resource& resource, const std::string& ns, ListOptions options = {});
  nlohmann::json Create(const Resource& resource, const std::string& ns,
                        const nlohmann::json& object, const WriteOptions& options = {});
  // PUT of the whole object; the name comes from object.metadata.name and a
  // metadata.resourceVersion makes it a compare-and-swap (409 when stale).
  nlohmann::json Update(const Resource& resource, const std::string& ns,
                        const nlohmann::json& object, const WriteOptions& options = {});
  nlohmann::json UpdateStatus(const Resource& resource, const std::string& ns,
                              const nlohmann::json& object, const WriteOptions& options = {});
  // Returns what the server answers: the object (when finalizers or
  // graceful deletion keep it around) or a Status.
  nlohmann::json Delete(const Resource& resource, const std::string& ns, const std::string& name,
                        const DeleteOptions& options = {});
  // `patch` is a JSON object (merge, strategic) or array (JSON patch).
  nlohmann::json Patch(const Resource& resource, const std::string& ns, const std::string& name,
                       PatchType type, const nlohmann::json& patch,
                       const PatchOptions& options = {});
  // Server-side apply of `object` (its metadata.name) as options.field_manager.
  nlohmann::json Apply(const Resource& resource, const std::string& ns,
                       const nlohmann::json& object, const ApplyOptions& options);
  // autoscaling/v1 Scale of a resource with a scale subresource.
  nlohmann::json GetScale(const Resource& resource, const std::string& ns, const std::string& name);
  nlohmann::json UpdateScale(const Resource& resource, const std::string& ns,
                             const std::string& name, const nlohmann::json& scale,
                             const WriteOptions& options = {});
  // POST to a subresource: pods/eviction, serviceaccounts/token, ...
  nlohmann::json CreateSubresource(const Resource& resource, const std::string& ns,
                                   const std::string& name, const std::string& subresource,
                                   const nlohmann::json& body, const WriteOptions& options = {});

  // ---- escape hatch: auth, retries, timeout and error decoding of the
  // verbs, for any path. Throws ApiError for HTTP >= 400.
  HttpResponse Request(const HttpRequest& request);

  // ---- building blocks for streaming requests (watch).
  // A new http_client for config().server with the same TLS setup; its
  // cpprestsdk timeout is the longest quiet period tolerated on a read.
  web::http::client::http_client MakeHttpClient(std::chrono::milliseconds read_timeout) const;
  // Adds User-Agent, Authorization (the current, possibly rotated token)
  // and, for tls-server-name, Host.
  void Authorize(web::http::http_request& request) const;
  static std::string PathAndQuery(const std::string& path, const QueryParams& query);

  // True on a cpprestsdk thread-pool thread, where blocking is forbidden.
  static bool OnCpprestPoolThread();
  // Sizes cpprestsdk's I/O pool, which every client shares (40 threads
  // unless sized first). Requests never block a pool thread, so a few do;
  // call once, before the first request.
  static void SizePool(std::size_t threads);

 private:
  HttpResponse SendOnce(const HttpRequest& request);
  nlohmann::json JsonCall(HttpRequest request);
  static std::string ObjectName(const nlohmann::json& object);

  ClientConfig config_;
  RestClientOptions options_;
  mutable BearerTokenSource token_;
  std::unique_ptr<web::http::client::http_client> http_;
};

}  // namespace baton::kube
