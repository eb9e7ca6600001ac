// cpprestsdk implementation of DrainClient. One http_client per endpoint and
// timeout class, cached: cpprestsdk keeps a connection pool per client, so a
// long-poll loop reuses its TCP connection instead of dialling every time.
#include <cpprest/http_client.h>
#include <pplx/threadpool.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <ctime>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "drain/drain_client.h"

namespace baton::drain {
namespace {

using web::http::client::http_client;
using web::http::client::http_client_config;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

class HttpDrainClient final : public DrainClient {
 public:
  explicit HttpDrainClient(HttpDrainClientOptions options) : options_(options) {}

  void Read(const DrainEndpoint& ep, const LongPoll& poll,
            std::function<void(DrainReading)> done) override {
    web::uri_builder uri(utility::conversions::to_string_t(ep.path));
    if (poll.wait.count() > 0) {
      uri.append_query("waitMs", std::to_string(poll.wait.count()));
      if (poll.last_sessions) uri.append_query("lastSessions", std::to_string(*poll.last_sessions));
      if (poll.threshold) uri.append_query("threshold", std::to_string(*poll.threshold));
    }
    auto timeout = options_.request_timeout + poll.wait;
    auto request = MakeRequest(web::http::methods::GET, ep, uri.to_string(), "");
    Send(ep, timeout, std::move(request), std::move(done));
  }

  DrainReading Start(const DrainEndpoint& ep, const DrainRequest& req) override {
    nlohmann::json body = {{"pace", req.pace}, {"deadline", FormatRfc3339(req.deadline)}};
    if (!req.successor.empty()) body["successor"] = req.successor;
    if (!req.reason.empty()) body["reason"] = req.reason;
    return SendAndWait(ep,
                       MakeRequest(web::http::methods::POST, ep, ep.path + "/start", body.dump()));
  }

  DrainReading Cancel(const DrainEndpoint& ep) override {
    return SendAndWait(ep, MakeRequest(web::http::methods::POST, ep, ep.path + "/cancel", "{}"));
  }

  void Forget(const DrainEndpoint& ep) override {
    std::lock_guard lock(mu_);
    auto prefix = "http://" + ep.Authority() + "|";
    for (auto it = clients_.lower_bound(prefix);
         it != clients_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
      it = clients_.erase(it);
    }
  }

 private:
  static web::http::http_request MakeRequest(const web::http::method& method,
                                             const DrainEndpoint& ep, const std::string& path,
                                             const std::string& body) {
    web::http::http_request request(method);
    request.set_request_uri(utility::conversions::to_string_t(path));
    if (!ep.bearer_token.empty()) {
      request.headers().add(web::http::header_names::authorization, "Bearer " + ep.bearer_token);
    }
    if (!body.empty()) request.set_body(body, "application/json");
    return request;
  }

  std::shared_ptr<http_client> ClientFor(const DrainEndpoint& ep, std::chrono::milliseconds t) {
    auto base = "http://" + ep.Authority();
    auto key = base + "|" + std::to_string(t.count());
    std::lock_guard lock(mu_);
    auto& slot = clients_[key];
    if (!slot) {
      http_client_config config;
      config.set_timeout(t);
      slot = std::make_shared<http_client>(utility::conversions::to_string_t(base), config);
    }
    return slot;
  }

  void Send(const DrainEndpoint& ep, std::chrono::milliseconds timeout,
            web::http::http_request request, std::function<void(DrainReading)> done) {
    std::shared_ptr<http_client> client;
    try {
      client = ClientFor(ep, timeout);
    } catch (const std::exception& e) {  // a malformed address
      done(DrainReading::Unknown(e.what(), std::chrono::system_clock::now()));
      return;
    }
    // One deadline for the whole answer, headers and body: cpprestsdk's own
    // timeout restarts on every read, so a body trickled byte by byte would
    // otherwise hold the request open for as long as the peer likes.
    pplx::cancellation_token_source cancel;
    // The cap holds whatever the framing: a chunked or close-delimited body
    // declares no length, and cpprestsdk would buffer it until the deadline
    // (gigabytes from a hostile pod on a fast network: issue 18). cpprestsdk
    // reports the bytes received after every read; past the cap the request
    // is cancelled, so at most one read beyond it is ever held.
    auto too_large = std::make_shared<std::atomic<bool>>(false);
    request.set_progress_handler(
        [cancel, too_large](web::http::message_direction::direction direction,
                            utility::size64_t received) {
          if (direction == web::http::message_direction::download && received > kMaxAnswerBytes &&
              !too_large->exchange(true)) {
            cancel.cancel();
          }
        });
    auto deadline = std::make_shared<boost::asio::steady_timer>(
        crossplat::threadpool::shared_instance().service(), timeout);
    deadline->async_wait([cancel](const boost::system::error_code& ec) {
      if (!ec) cancel.cancel();
    });
    // Continuations only, never a blocking get() on a pool thread: with
    // many slow endpoints, blocked threads would starve every other read.
    // The client is captured so that it outlives the request even if
    // Forget() drops it from the cache meanwhile.
    client->request(request, cancel.get_token())
        .then([](web::http::http_response response) {
          // An answer is a few hundred bytes; a declared megabyte is a broken
          // or hostile endpoint, refused before it is buffered.
          if (response.headers().content_length() > kMaxAnswerBytes) {
            throw std::runtime_error("answer of " +
                                     std::to_string(response.headers().content_length()) +
                                     " bytes is larger than " + std::to_string(kMaxAnswerBytes));
          }
          return response.extract_utf8string(true).then(
              [status = response.status_code()](std::string body) {
                return std::make_pair(status, std::move(body));
              });
        })
        .then([client, deadline, done,
               too_large](pplx::task<std::pair<web::http::status_code, std::string>> t) {
          deadline->cancel();
          auto now = std::chrono::system_clock::now();
          if (*too_large) {
            done(DrainReading::Unknown(
                "answer larger than " + std::to_string(kMaxAnswerBytes) + " bytes", now));
            return;
          }
          try {
            auto [status, body] = t.get();
            if (body.size() > kMaxAnswerBytes) {
              done(DrainReading::Unknown(
                  "answer larger than " + std::to_string(kMaxAnswerBytes) + " bytes", now));
              return;
            }
            done(ParseDrainAnswer(status, body, now));
          } catch (const pplx::task_canceled&) {
            done(DrainReading::Unknown("no complete answer within the timeout", now));
          } catch (const std::exception& e) {
            done(DrainReading::Unknown(e.what(), now));
          }
        });
  }

  DrainReading SendAndWait(const DrainEndpoint& ep, web::http::http_request request) {
    std::promise<DrainReading> promise;
    auto future = promise.get_future();
    Send(ep, options_.request_timeout, std::move(request),
         [&promise](DrainReading r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  HttpDrainClientOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<http_client>> clients_;
};

}  // namespace

std::unique_ptr<DrainClient> MakeHttpDrainClient(HttpDrainClientOptions options) {
  return std::make_unique<HttpDrainClient>(options);
}

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace baton::drain
