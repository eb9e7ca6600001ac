// Boost.Beast implementation of DrainClient, on one I/O thread of its own.
//
// Why Beast and not cpprestsdk (which the Kubernetes client uses): a pod's
// drain endpoint is the tenant's code, and what it answers must not cost the
// operator more than a few KiB. Beast's parser caps the header block and the
// body whatever the framing — Content-Length, chunked or close-delimited —
// as bytes arrive; cpprestsdk buffered undeclared bodies and headers until
// the deadline (issue 18). Beast also connects to an IPv6 pod IP as given,
// where cpprestsdk could not resolve a bracketed literal.
//
// Every exchange runs on the one I/O thread, so connections, timers and the
// idle pool need no locks. Idle keep-alive connections are reused (a
// long-poll loop does not dial every time); a reused connection the pod has
// meanwhile closed is retried once on a fresh one, as browsers do, but only
// when nothing of the answer has arrived.
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_map>

#include "drain/drain_client.h"
#include "timestamp/rfc3339.h"

namespace baton::drain {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// An answer is a few hundred bytes. These caps bound what one read can make
// the operator hold, whatever the pod sends: 16 KiB of headers (nginx's
// default large_client_header_buffers is 4 x 8 KiB) and 64 KiB of body.
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
// Idle connections kept per pod: a serving pod is read by one poll at a
// time, a draining one by one long-poll; two leave room for a start/cancel.
constexpr std::size_t kIdlePerEndpoint = 2;

// One TCP connection with the bytes read past the last answer.
struct Connection {
  explicit Connection(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  boost::beast::flat_buffer buffer{kMaxHeaderBytes + kMaxAnswerBytes};
};

class HttpDrainClient;

// One request and its answer: connect (or reuse), write, read, deliver once.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(HttpDrainClient& client, DrainEndpoint ep, http::request<http::string_body> request,
           std::chrono::milliseconds timeout, std::function<void(DrainReading)> done);
  void Begin();
  void Abort();  // the client is going away

 private:
  void Connect();
  void Write();
  void Read();
  void ReadBody();
  void Fail(const error_code& ec);
  void Fail(const std::string& why);
  void Finish(DrainReading reading);
  bool MayRetryOnFreshConnection(const error_code& ec) const;

  HttpDrainClient& client_;
  DrainEndpoint ep_;
  http::request<http::string_body> request_;
  std::function<void(DrainReading)> done_;
  asio::steady_timer deadline_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool reused_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
};

class HttpDrainClient final : public DrainClient {
 public:
  explicit HttpDrainClient(HttpDrainClientOptions options)
      : options_(options), work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

  ~HttpDrainClient() override {
    // Every exchange still open is aborted and answers unknown, so a caller
    // waiting on `done` (DrainMonitor::Stop) is released.
    asio::post(io_, [this] {
      // A copy: each Abort() ends its exchange, which leaves active_.
      std::vector<std::weak_ptr<Exchange>> open;
      for (const auto& [raw, weak] : active_) open.push_back(weak);
      for (const auto& weak : open) {
        if (auto exchange = weak.lock()) exchange->Abort();
      }
      idle_.clear();
    });
    work_.reset();
    thread_.join();
  }

  void Read(const DrainEndpoint& ep, const LongPoll& poll,
            std::function<void(DrainReading)> done) override {
    std::string target = ep.path;
    if (poll.wait.count() > 0) {
      target += "?waitMs=" + std::to_string(poll.wait.count());
      if (poll.last_sessions) target += "&lastSessions=" + std::to_string(*poll.last_sessions);
      if (poll.threshold) target += "&threshold=" + std::to_string(*poll.threshold);
    }
    Send(ep, MakeRequest(http::verb::get, ep, target, ""), options_.request_timeout + poll.wait,
         std::move(done));
  }

  DrainReading Start(const DrainEndpoint& ep, const DrainRequest& req) override {
    nlohmann::json body = {{"pace", req.pace},
                           {"deadline", timestamp::FormatRfc3339(req.deadline)}};
    if (!req.successor.empty()) body["successor"] = req.successor;
    if (!req.reason.empty()) body["reason"] = req.reason;
    return SendAndWait(ep, MakeRequest(http::verb::post, ep, ep.path + "/start", body.dump()));
  }

  DrainReading Cancel(const DrainEndpoint& ep) override {
    return SendAndWait(ep, MakeRequest(http::verb::post, ep, ep.path + "/cancel", "{}"));
  }

  void Forget(const DrainEndpoint& ep) override {
    asio::post(io_, [this, key = ep.Authority()] { idle_.erase(key); });
  }

  // I/O thread only, from here on.
  asio::io_context& io() { return io_; }

  std::unique_ptr<Connection> TakeIdle(const std::string& authority) {
    auto it = idle_.find(authority);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    auto connection = std::move(it->second.back());
    it->second.pop_back();
    if (it->second.empty()) idle_.erase(it);
    return connection;
  }

  void ReturnIdle(const std::string& authority, std::unique_ptr<Connection> connection) {
    auto& pool = idle_[authority];
    if (pool.size() >= kIdlePerEndpoint) pool.pop_front();
    pool.push_back(std::move(connection));
  }

  // O(1): with hundreds of reads in flight, a scan per answer showed up.
  void Ended(const Exchange* exchange) { active_.erase(exchange); }

 private:
  static http::request<http::string_body> MakeRequest(http::verb verb, const DrainEndpoint& ep,
                                                      const std::string& target,
                                                      const std::string& body) {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, ep.Authority());
    request.keep_alive(true);
    if (!ep.bearer_token.empty()) {
      request.set(http::field::authorization, "Bearer " + ep.bearer_token);
    }
    if (verb == http::verb::post) {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
      request.prepare_payload();
    }
    return request;
  }

  void Send(const DrainEndpoint& ep, http::request<http::string_body> request,
            std::chrono::milliseconds timeout, std::function<void(DrainReading)> done) {
    auto exchange =
        std::make_shared<Exchange>(*this, ep, std::move(request), timeout, std::move(done));
    asio::post(io_, [this, exchange] {
      active_.emplace(exchange.get(), exchange);
      exchange->Begin();
    });
  }

  // Never from the I/O thread (it would wait on itself): Start and Cancel
  // are called by the controller's workers.
  DrainReading SendAndWait(const DrainEndpoint& ep, http::request<http::string_body> request) {
    auto promise = std::make_shared<std::promise<DrainReading>>();
    auto future = promise->get_future();
    Send(ep, std::move(request), options_.request_timeout,
         [promise](DrainReading r) { promise->set_value(std::move(r)); });
    return future.get();
  }

  HttpDrainClientOptions options_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
  std::unordered_map<const Exchange*, std::weak_ptr<Exchange>> active_;
  std::thread thread_;  // last: it runs io_, which the members above serve
};

Exchange::Exchange(HttpDrainClient& client, DrainEndpoint ep,
                   http::request<http::string_body> request, std::chrono::milliseconds timeout,
                   std::function<void(DrainReading)> done)
    : client_(client),
      ep_(std::move(ep)),
      request_(std::move(request)),
      done_(std::move(done)),
      deadline_(client.io()),
      timeout_(timeout) {}

void Exchange::Begin() {
  // One deadline for the whole exchange — connect, write, headers, body — so
  // a pod that trickles its answer a byte at a time cannot hold the read
  // open past it.
  deadline_.expires_after(timeout_);
  deadline_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->finished_) return;
    self->timed_out_ = true;
    if (self->connection_) self->connection_->socket.close();
  });
  connection_ = client_.TakeIdle(ep_.Authority());
  reused_ = connection_ != nullptr;
  if (reused_) {
    Write();
  } else {
    Connect();
  }
}

void Exchange::Abort() {
  if (finished_) return;
  deadline_.cancel();
  if (connection_) connection_->socket.close();
  Finish(
      DrainReading::Unknown("the drain client is shutting down", std::chrono::system_clock::now()));
}

void Exchange::Connect() {
  reused_ = false;
  error_code parse_error;
  // Pod IPs are addresses, never names: nothing to resolve, and an IPv6 pod
  // IP ("fd00::7", "::1") is used as it is.
  auto address = asio::ip::make_address(ep_.host, parse_error);
  if (parse_error) return Fail("not an IP address: \"" + ep_.host + "\"");
  connection_ = std::make_unique<Connection>(client_.io());
  connection_->socket.async_connect(tcp::endpoint(address, static_cast<unsigned short>(ep_.port)),
                                    [self = shared_from_this()](const error_code& ec) {
                                      if (ec) return self->Fail("connect: " + ec.message());
                                      self->Write();
                                    });
}

void Exchange::Write() {
  http::async_write(connection_->socket, request_,
                    [self = shared_from_this()](const error_code& ec, std::size_t) {
                      if (ec && self->MayRetryOnFreshConnection(ec)) return self->Connect();
                      if (ec) return self->Fail("write: " + ec.message());
                      self->Read();
                    });
}

void Exchange::Read() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(kMaxAnswerBytes);
  // The header first, then the body: a declared Content-Length above the
  // cap is refused here, before a byte of the body is read. (Beast 1.74's
  // own check of it can be skipped when the header and the start of the
  // body arrive in separate reads: the whole 8 MiB body was then read.)
  http::async_read_header(connection_->socket, connection_->buffer, *parser_,
                          [self = shared_from_this()](const error_code& ec, std::size_t) {
                            if (ec && self->MayRetryOnFreshConnection(ec)) return self->Connect();
                            if (ec) return self->Fail(ec);
                            auto declared = self->parser_->content_length();
                            if (declared && *declared > kMaxAnswerBytes)
                              return self->Fail(http::error::body_limit);
                            self->ReadBody();
                          });
}

void Exchange::ReadBody() {
  http::async_read(
      connection_->socket, connection_->buffer, *parser_,
      [self = shared_from_this()](const error_code& ec, std::size_t) {
        if (ec) return self->Fail(ec);
        auto& response = self->parser_->get();
        if (response.body().size() > kMaxAnswerBytes) {
          return self->Fail(http::error::body_limit);
        }
        auto reading = ParseDrainAnswer(static_cast<int>(response.result_int()), response.body(),
                                        std::chrono::system_clock::now());
        if (self->parser_->keep_alive()) {
          self->client_.ReturnIdle(self->ep_.Authority(), std::move(self->connection_));
        }
        self->Finish(std::move(reading));
      });
}

// A kept-alive connection the pod closed while it sat idle fails at once,
// before a byte of the answer: the request was not served, so it is sent
// again once on a new connection. Anything later is the pod's answer.
bool Exchange::MayRetryOnFreshConnection(const error_code& ec) const {
  if (!reused_ || timed_out_ || finished_) return false;
  if (parser_ && parser_->got_some()) return false;
  return ec == asio::error::eof || ec == http::error::end_of_stream ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

void Exchange::Fail(const error_code& ec) {
  std::string why = "read: " + ec.message();
  if (timed_out_) {
    why = "no complete answer within the timeout";
  } else if (ec == http::error::body_limit) {
    why = "answer larger than " + std::to_string(kMaxAnswerBytes) + " bytes";
  } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    why = "headers larger than " + std::to_string(kMaxHeaderBytes) + " bytes";
  }
  Fail(why);
}

void Exchange::Fail(const std::string& why) {
  Finish(DrainReading::Unknown(timed_out_ ? "no complete answer within the timeout" : why,
                               std::chrono::system_clock::now()));
}

void Exchange::Finish(DrainReading reading) {
  if (finished_) return;
  finished_ = true;
  deadline_.cancel();
  connection_.reset();  // closes it, unless it went back to the idle pool
  client_.Ended(this);
  done_(std::move(reading));
}

}  // namespace

std::unique_ptr<DrainClient> MakeHttpDrainClient(HttpDrainClientOptions options) {
  return std::make_unique<HttpDrainClient>(options);
}

}  // namespace baton::drain
