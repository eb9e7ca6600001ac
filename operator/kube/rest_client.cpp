#include "kube/rest_client.h"

#include <pplx/threadpool.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <future>
#include <stdexcept>
#include <thread>

#include "kube/pem_check.h"
#include "kube/tls_setup.h"

#ifndef BATON_VERSION
#define BATON_VERSION "0.0.0"
#endif

namespace baton::kube {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultPageSize = 500;

void ValidateConfig(const ClientConfig& config) {
  const std::string where = config.source.empty() ? "client config" : config.source;
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    throw ConfigError(where + ": server \"" + config.server + "\" is not an http(s) URL");
  }
  if (!config.ca_pem.empty()) {
    if (auto bad = CheckCertificatesPem(config.ca_pem)) throw ConfigError(where + ": CA: " + *bad);
  }
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    throw ConfigError(where + ": client certificate and key must be given together");
  }
  if (!config.client_cert_pem.empty()) {
    if (auto bad = CheckKeyMatchesCertificate(config.client_cert_pem, config.client_key_pem)) {
      throw ConfigError(where + ": client key: " + *bad);
    }
  }
}

std::optional<std::chrono::seconds> RetryAfterHeader(const web::http::http_headers& headers) {
  auto it = headers.find("Retry-After");
  if (it == headers.end()) return std::nullopt;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used != it->second.size() || v < 0) return std::nullopt;
    return std::chrono::seconds(v);
  } catch (const std::exception&) {
    return std::nullopt;  // HTTP-date form: client-go ignores it as well
  }
}

std::string HeaderOr(const web::http::http_headers& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

TransportError::Kind KindOf(const web::http::http_exception& e) {
  const std::error_code ec = e.error_code();
  // cpprestsdk passes OpenSSL's packed error (no errno) for handshake
  // failures; its fixed message is the only stable marker.
  if (std::string_view(e.what()).find("SSL handshake") != std::string_view::npos) {
    return TransportError::Kind::Tls;
  }
  // cpprestsdk carries an errno value; compare values so the category it
  // happened to use does not matter. It reports every failure of the connect
  // phase (refused, unreachable, ...) as EHOSTUNREACH.
  if (ec.value() == EHOSTUNREACH || ec.value() == ECONNREFUSED) {
    return TransportError::Kind::ConnectFailed;
  }
  // A pooled connection the server closed (it restarted) fails while the
  // request is still being written: the server never saw a whole request,
  // so, like a failed connect, any verb may be sent again.
  if (std::string_view(e.what()).find("Failed to write request") != std::string_view::npos) {
    return TransportError::Kind::ConnectFailed;
  }
  if (ec.value() == ETIMEDOUT) return TransportError::Kind::Timeout;
  return TransportError::Kind::Other;
}

}  // namespace

RestClient::RestClient(ClientConfig config, RestClientOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      token_(config_.bearer_token, config_.bearer_token_file) {
  ValidateConfig(config_);
  while (!config_.server.empty() && config_.server.back() == '/') config_.server.pop_back();
  if (options_.user_agent.empty()) options_.user_agent = std::string("baton/") + BATON_VERSION;
  if (config_.insecure_skip_tls_verify) {
    spdlog::warn(
        "{}: TLS verification of {} is DISABLED (insecure-skip-tls-verify); anyone on the path "
        "can impersonate the apiserver",
        config_.source, config_.server);
  }
  if (config_.server.rfind("http://", 0) == 0) {
    spdlog::warn("{}: plain http to {}: credentials travel unencrypted", config_.source,
                 config_.server);
  }
  http_ =
      std::make_unique<web::http::client::http_client>(MakeHttpClient(options_.request_timeout));
}

RestClient::~RestClient() = default;

bool RestClient::OnCpprestPoolThread() {
  return crossplat::threadpool::shared_instance().service().get_executor().running_in_this_thread();
}

void RestClient::SizePool(std::size_t threads) {
  crossplat::threadpool::initialize_with_threads(threads);
}

web::http::client::http_client RestClient::MakeHttpClient(
    std::chrono::milliseconds read_timeout) const {
  web::http::client::http_client_config cfg;
  cfg.set_timeout(read_timeout);
  cfg.set_validate_certificates(!config_.insecure_skip_tls_verify);
  cfg.set_ssl_context_callback(MakeTlsSetup(config_));
  // The apiserver never redirects API calls; following one could leak the token.
  cfg.set_max_redirects(0);
  return web::http::client::http_client(web::uri(config_.server), cfg);
}

void RestClient::Authorize(web::http::http_request& request) const {
  request.headers().add("User-Agent", options_.user_agent);
  if (token_.has_token()) {
    const std::string token = token_.Token();
    if (!token.empty()) request.headers().add("Authorization", "Bearer " + token);
  }
  // cpprestsdk checks the certificate (and sends SNI) against the Host
  // header when there is one: that is how tls-server-name is honoured.
  if (!config_.tls_server_name.empty()) request.headers().add("Host", config_.tls_server_name);
}

std::string RestClient::PathAndQuery(const std::string& path, const QueryParams& query) {
  return path + EncodeQuery(query);
}

HttpResponse RestClient::SendOnce(const HttpRequest& request) {
  web::http::http_request req(request.method);
  req.set_request_uri(web::uri(PathAndQuery(request.path, request.query)));
  Authorize(req);
  req.headers().add("Accept", "application/json");
  if (request.body) req.set_body(*request.body, request.content_type);

  // Completion goes through a std::promise so this thread can wait with a
  // deadline; the continuation itself never blocks (its antecedent is done).
  auto promise = std::make_shared<std::promise<HttpResponse>>();
  auto done = promise->get_future();
  pplx::cancellation_token_source cancel;
  http_->request(req, cancel.get_token())
      .then([](web::http::http_response resp) {
        return resp.extract_utf8string(true).then([resp](std::string body) {
          return HttpResponse{resp.status_code(), std::move(body), resp.headers()};
        });
      })
      .then([promise](pplx::task<HttpResponse> t) {
        try {
          promise->set_value(t.get());
        } catch (...) {
          promise->set_exception(std::current_exception());
        }
      });

  const std::string what = request.method + " " + config_.server + request.path;
  if (done.wait_for(options_.request_timeout) == std::future_status::timeout) {
    cancel.cancel();
    // The chain usually settles at once when cancelled; if it does not, the
    // deadline still holds: the continuation owns the promise and the
    // client's copy of the request, so nothing here is left dangling.
    done.wait_for(std::chrono::seconds(2));
    throw TransportError(
        TransportError::Kind::Timeout,
        what + ": no answer within " + std::to_string(options_.request_timeout.count()) + " ms");
  }
  try {
    return done.get();
  } catch (const web::http::http_exception& e) {
    throw TransportError(KindOf(e), what + ": " + e.what());
  } catch (const pplx::task_canceled&) {
    throw TransportError(TransportError::Kind::Timeout, what + ": cancelled");
  }
}

HttpResponse RestClient::Request(const HttpRequest& request) {
  if (OnCpprestPoolThread()) {
    throw std::logic_error(
        "baton::kube::RestClient called from a cpprestsdk thread-pool thread; this deadlocks "
        "once the pool is exhausted. Call it from your own thread.");
  }
  for (int retries = 0;; ++retries) {
    const auto start = std::chrono::steady_clock::now();
    AttemptOutcome outcome;
    std::optional<HttpResponse> response;
    std::exception_ptr failure;
    try {
      response = SendOnce(request);
      outcome.http_code = response->status;
      outcome.retry_after = RetryAfterHeader(response->headers);
    } catch (const TransportError& e) {
      outcome.transport_failure = e.kind();
      failure = std::current_exception();
    }
    if (options_.observer) {
      options_.observer->OnRequest({request.method, request.resource_label, outcome.http_code,
                                    std::chrono::steady_clock::now() - start, retries});
    }
    if (response && response->status < 400) return std::move(*response);

    const auto delay = RetryDelay(options_.retry, request.method, retries, outcome);
    if (!delay) {
      if (failure) std::rethrow_exception(failure);
      throw DecodeApiError(response->status, response->body,
                           HeaderOr(response->headers, "Retry-After"));
    }
    spdlog::debug("{} {}: {} — retry {} in {} ms", request.method, request.path,
                  response ? "HTTP " + std::to_string(response->status) : "transport failure",
                  retries + 1, delay->count());
    std::this_thread::sleep_for(*delay);
  }
}

json RestClient::JsonCall(HttpRequest request) {
  HttpResponse response = Request(request);
  if (response.body.empty()) return json::object();
  auto parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    throw TransportError(TransportError::Kind::Other,
                         request.method + " " + request.path +
                             ": response is not JSON: " + response.body.substr(0, 200));
  }
  return parsed;
}

std::string RestClient::ObjectName(const json& object) {
  const auto* name =
      object.is_object() && object.contains("metadata") && object["metadata"].is_object() &&
              object["metadata"].contains("name") && object["metadata"]["name"].is_string()
          ? &object["metadata"]["name"]
          : nullptr;
  if (!name || name->get_ref<const std::string&>().empty()) {
    throw std::invalid_argument("object has no metadata.name");
  }
  return name->get<std::string>();
}

json RestClient::Get(const Resource& resource, const std::string& ns, const std::string& name) {
  if (name.empty()) throw std::invalid_argument("Get needs a name");
  return JsonCall({"GET",
                   ResourcePath(resource, ns, name),
                   {},
                   std::nullopt,
                   "application/json",
                   resource.plural});
}

json RestClient::List(const Resource& resource, const std::string& ns, const ListOptions& options) {
  return JsonCall({"GET", ResourcePath(resource, ns), options.ToQuery(), std::nullopt,
                   "application/json", resource.plural});
}

json RestClient::ListAll(const Resource& resource, const std::string& ns, ListOptions options) {
  if (!options.limit) options.limit = kDefaultPageSize;
  options.continue_token.clear();
  json merged;
  json items = json::array();
  for (;;) {
    json page;
    try {
      page = List(resource, ns, options);
    } catch (const ApiError& e) {
      if (!IsGone(e) || options.continue_token.empty()) throw;
      // The snapshot behind the continue token was compacted away. Start
      // over with one full list: slower, but consistent.
      spdlog::info("list {}: continue token expired; relisting without pagination",
                   resource.plural);
      options.limit.reset();
      options.continue_token.clear();
      items = json::array();
      continue;
    }
    if (merged.is_null()) merged = page;
    if (auto it = page.find("items"); it != page.end() && it->is_array()) {
      for (auto& item : *it) items.push_back(std::move(item));
    }
    std::string next;
    if (auto m = page.find("metadata"); m != page.end() && m->is_object()) {
      if (auto c = m->find("continue"); c != m->end() && c->is_string())
        next = c->get<std::string>();
      // Every page of one paginated list shares the first page's snapshot.
      if (auto rv = m->find("resourceVersion"); rv != m->end()) {
        merged["metadata"]["resourceVersion"] = *rv;
      }
    }
    if (next.empty()) break;
    options.continue_token = next;
  }
  merged["items"] = std::move(items);
  if (merged.contains("metadata")) {
    merged["metadata"].erase("continue");
    merged["metadata"].erase("remainingItemCount");
  }
  return merged;
}

json RestClient::Create(const Resource& resource, const std::string& ns, const json& object,
                        const WriteOptions& options) {
  return JsonCall({"POST", ResourcePath(resource, ns), options.ToQuery(), object.dump(),
                   "application/json", resource.plural});
}

json RestClient::Update(const Resource& resource, const std::string& ns, const json& object,
                        const WriteOptions& options) {
  return JsonCall({"PUT", ResourcePath(resource, ns, ObjectName(object)), options.ToQuery(),
                   object.dump(), "application/json", resource.plural});
}

json RestClient::UpdateStatus(const Resource& resource, const std::string& ns, const json& object,
                              const WriteOptions& options) {
  return JsonCall({"PUT", ResourcePath(resource, ns, ObjectName(object), "status"),
                   options.ToQuery(), object.dump(), "application/json", resource.plural});
}

json RestClient::Delete(const Resource& resource, const std::string& ns, const std::string& name,
                        const DeleteOptions& options) {
  if (name.empty()) throw std::invalid_argument("Delete needs a name");
  const json body = options.ToBody();
  std::optional<std::string> payload;
  if (!body.is_null()) payload = body.dump();
  return JsonCall({"DELETE",
                   ResourcePath(resource, ns, name),
                   {},
                   std::move(payload),
                   "application/json",
                   resource.plural});
}

json RestClient::Patch(const Resource& resource, const std::string& ns, const std::string& name,
                       PatchType type, const json& patch, const PatchOptions& options) {
  if (name.empty()) throw std::invalid_argument("Patch needs a name");
  if (type == PatchType::Apply && options.field_manager.empty()) {
    throw std::invalid_argument("server-side apply needs a field manager");
  }
  return JsonCall({"PATCH", ResourcePath(resource, ns, name, options.subresource),
                   options.ToQuery(type), patch.dump(), std::string(PatchContentType(type)),
                   resource.plural});
}

json RestClient::Apply(const Resource& resource, const std::string& ns, const json& object,
                       const ApplyOptions& options) {
  PatchOptions patch;
  patch.field_manager = options.field_manager;
  patch.force = options.force;
  patch.dry_run = options.dry_run;
  patch.subresource = options.subresource;
  return Patch(resource, ns, ObjectName(object), PatchType::Apply, object, patch);
}

json RestClient::GetScale(const Resource& resource, const std::string& ns,
                          const std::string& name) {
  return JsonCall({"GET",
                   ResourcePath(resource, ns, name, "scale"),
                   {},
                   std::nullopt,
                   "application/json",
                   resource.plural});
}

json RestClient::UpdateScale(const Resource& resource, const std::string& ns,
                             const std::string& name, const json& scale,
                             const WriteOptions& options) {
  return JsonCall({"PUT", ResourcePath(resource, ns, name, "scale"), options.ToQuery(),
                   scale.dump(), "application/json", resource.plural});
}

json RestClient::CreateSubresource(const Resource& resource, const std::string& ns,
                                   const std::string& name, const std::string& subresource,
                                   const json& body, const WriteOptions& options) {
  return JsonCall({"POST", ResourcePath(resource, ns, name, subresource), options.ToQuery(),
                   body.dump(), "application/json", resource.plural});
}

}  // namespace baton::kube
