#include "analysis/prometheus_query.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

#include "analysis/prometheus_answer.h"

namespace baton::analysis {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

MetricSample Unknown(std::string why) {
  MetricSample s;
  s.error = std::move(why);
  return s;
}

}  // namespace

std::string PrometheusUrl::Authority() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<PrometheusUrl> ParsePrometheusUrl(const std::string& url, std::string& error) {
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0) {
    error = "https is not supported for the Prometheus URL";
    return std::nullopt;
  }
  if (url.rfind(scheme, 0) != 0) {
    error = "the Prometheus URL must start with http://";
    return std::nullopt;
  }
  std::string rest = url.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  PrometheusUrl out;
  if (slash != std::string::npos) out.prefix = rest.substr(slash);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  if (out.prefix.find_first_of("?# ") != std::string::npos) {
    error = "the Prometheus URL's path must be a plain path";
    return std::nullopt;
  }
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string::npos) {
      error = "unclosed [ in the Prometheus URL";
      return std::nullopt;
    }
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        error = "bad port in the Prometheus URL";
        return std::nullopt;
      }
      port_text = authority.substr(close + 2);
    }
  } else {
    std::size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    error = "no host in the Prometheus URL";
    return std::nullopt;
  }
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      error = "bad port in the Prometheus URL";
      return std::nullopt;
    }
    out.port = port;
  }
  return out;
}

std::string InstantQueryTarget(const std::string& prefix, const std::string& promql) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = prefix + "/api/v1/query?query=";
  for (unsigned char c : promql) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

PrometheusQuery::PrometheusQuery(Options options) : options_(std::move(options)) {
  url_ = ParsePrometheusUrl(options_.base_url, url_error_);
}

MetricSample PrometheusQuery::Query(const std::string& promql) {
  if (!url_) return Unknown(url_error_);
  // One io_context per call, run on the caller's thread until the answer or
  // the deadline: a blocking call with one bound, and no shared state.
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  http::request<http::empty_body> request{http::verb::get, InstantQueryTarget(url_->prefix, promql),
                                          11};
  request.set(http::field::host, url_->Authority());
  request.set(http::field::accept, "application/json");
  request.set(http::field::user_agent, "baton-operator");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(options_.max_body_bytes);
  std::optional<MetricSample> result;
  auto fail = [&](const char* step, const error_code& ec) {
    if (ec == http::error::body_limit) {
      result = Unknown("answer over " + std::to_string(options_.max_body_bytes) + " bytes");
    } else {
      result = Unknown(std::string(step) + ": " + ec.message());
    }
  };

  stream.expires_after(options_.timeout);
  resolver.async_resolve(
      url_->host, std::to_string(url_->port),
      [&](const error_code& resolved, const tcp::resolver::results_type& endpoints) {
        if (resolved) return fail("resolve", resolved);
        stream.async_connect(endpoints, [&](const error_code& connected, const tcp::endpoint&) {
          if (connected) return fail("connect", connected);
          http::async_write(stream, request, [&](const error_code& written, std::size_t) {
            if (written) return fail("write", written);
            http::async_read(stream, buffer, parser, [&](const error_code& got, std::size_t) {
              if (got) return fail("read", got);
              const auto& answer = parser.get();
              result = ParsePrometheusAnswer(answer.result_int(), answer.body());
            });
          });
        });
      });
  io.run_for(options_.timeout);
  if (result) return *result;
  return Unknown("no answer within " + std::to_string(options_.timeout.count()) + " ms");
}

}  // namespace baton::analysis
