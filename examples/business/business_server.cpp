#include "business_server.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "exclusive_port.h"

namespace baton::examples::business {
namespace {

constexpr const char* kRoomPath = "/rooms/([A-Za-z0-9._-]{1,200})/messages";
constexpr long kMaxDelayMs = 60000;

void Reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// An optional non-negative integer query parameter; nullopt when malformed.
std::optional<long> QueryLong(const httplib::Request& req, const char* name, long fallback) {
  if (!req.has_param(name)) return fallback;
  std::string text = req.get_param_value(name);
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

BusinessServer::BusinessServer(BusinessOptions options, DrainState& drain)
    : options_(std::move(options)), drain_(drain), gate_(drain) {}

BusinessServer::~BusinessServer() {
  if (thread_.joinable()) {
    server_.stop();
    thread_.join();
  }
}

template <typename Handle>
void BusinessServer::Admitted(const httplib::Request& req, httplib::Response& res, Handle handle) {
  auto ticket = gate_.Enter();
  if (!ticket) {
    res.set_header("Retry-After", "1");
    res.set_header("Connection", "close");
    Reply(res, 503, {{"error", "draining"}});
    return;
  }
  auto delay = QueryLong(req, "delayMs", 0);
  if (!delay || *delay > kMaxDelayMs) {
    Reply(res, 400, {{"error", "delayMs must be an integer in 0..60000"}});
    return;
  }
  if (*delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(*delay));
  handle();
}

void BusinessServer::Route() {
  server_.Post(kRoomPath, [this](const httplib::Request& req, httplib::Response& res) {
    Admitted(req, res, [&] {
      auto body = nlohmann::json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("from") || !body["from"].is_string() ||
          !body.contains("text") || !body["text"].is_string()) {
        Reply(res, 400, {{"error", "body must be {\"from\": \"...\", \"text\": \"...\"}"}});
        return;
      }
      std::string room = req.matches[1];
      auto seq = store_.Append(room, body["from"], body["text"]);
      Reply(res, 201, {{"room", room}, {"seq", seq}});
    });
  });
  server_.Get(kRoomPath, [this](const httplib::Request& req, httplib::Response& res) {
    Admitted(req, res, [&] {
      auto after = QueryLong(req, "after", 0);
      auto limit = QueryLong(req, "limit", 100);
      if (!after || !limit) {
        Reply(res, 400, {{"error", "after and limit must be non-negative integers"}});
        return;
      }
      std::string room = req.matches[1];
      nlohmann::json messages = nlohmann::json::array();
      for (const auto& m : store_.Since(room, static_cast<std::uint64_t>(*after),
                                        static_cast<std::size_t>(*limit))) {
        messages.push_back({{"seq", m.seq}, {"from", m.from}, {"text", m.text}});
      }
      Reply(res, 200, {{"room", room}, {"messages", messages}});
    });
  });
  server_.Get("/rooms", [this](const httplib::Request& req, httplib::Response& res) {
    Admitted(req, res, [&] { Reply(res, 200, {{"rooms", store_.Rooms()}}); });
  });
}

int BusinessServer::Listen() {
  int threads = options_.threads;
  // httplib takes ownership of the queue it is handed (and deletes it).
  server_.new_task_queue = [threads] {
    return std::make_unique<httplib::ThreadPool>(threads).release();
  };
  // Keep clients' connections: httplib's default closes one every 5 requests,
  // and a load run would fill loopback's port range with TIME_WAIT.
  server_.set_keep_alive_max_count(1000000);
  server_.set_tcp_nodelay(true);  // else Nagle + delayed ACK: 40 ms per answer
  Route();
  ListenExclusively(server_);
  int port = options_.port == 0
                 ? server_.bind_to_any_port(options_.host)
                 : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0) {
    error_ = "cannot bind on " + options_.host + ":" + std::to_string(options_.port);
    return -1;
  }
  return port;
}

void BusinessServer::Start() {
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

long BusinessServer::Stop(std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (gate_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  long cut = gate_.in_flight();
  // httplib's stop() waits for every running handler: with requests still
  // running the caller exits the process instead.
  if (cut > 0) return cut;
  if (thread_.joinable()) {
    for (int i = 0; i < 1000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    server_.stop();
    thread_.join();
  }
  return 0;
}

}  // namespace baton::examples::business
