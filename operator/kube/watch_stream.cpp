#include "kube/watch_stream.h"

#include <cpprest/http_client.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>

#include "kube/api_error.h"
#include "kube/rest_client.h"
#include "kube/transport_error.h"

namespace baton::kube {

using nlohmann::json;

void WatchFrameDecoder::Reset() {
  buffer_.clear();
  depth_ = 0;
  in_string_ = false;
  escaped_ = false;
  failed_ = false;
}

void WatchFrameDecoder::Feed(std::string_view bytes,
                             const std::function<void(std::string_view)>& on_frame) {
  if (failed_) throw WatchFrameError("watch stream decoder used after an error");
  for (std::size_t i = 0; i < bytes.size();) {
    if (depth_ == 0) {
      // Between objects: whitespace, or the '{' that opens the next one.
      const char c = bytes[i];
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        ++i;
        continue;
      }
      if (c != '{') {
        failed_ = true;
        throw WatchFrameError(std::string("watch stream: unexpected byte 0x") +
                              "0123456789abcdef"[(static_cast<unsigned char>(c) >> 4) & 0xf] +
                              "0123456789abcdef"[static_cast<unsigned char>(c) & 0xf] +
                              " between events");
      }
    }
    // Scan as far as this object goes within `bytes`, then copy that run in
    // one piece: byte-by-byte appends would dominate a busy watch.
    const std::size_t run_start = i;
    bool complete = false;
    for (; i < bytes.size(); ++i) {
      const char c = bytes[i];
      if (in_string_) {
        if (escaped_) {
          escaped_ = false;
        } else if (c == '\\') {
          escaped_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
        continue;
      }
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        if (--depth_ == 0) {
          // Brackets are counted, not matched; but an event is an object,
          // so its last closer must be '}' (found by fuzzing: "{]" made a
          // frame that was no object at all).
          if (c != '}') {
            failed_ = true;
            throw WatchFrameError("watch stream: an event closed by ']'");
          }
          ++i;
          complete = true;
          break;
        }
      }
    }
    const std::size_t run = i - run_start;
    if (buffer_.size() + run > max_frame_bytes_) {
      failed_ = true;
      throw WatchFrameError("watch stream: event larger than " + std::to_string(max_frame_bytes_) +
                            " bytes");
    }
    if (complete && buffer_.empty()) {
      // The whole object is inside this chunk: no copy.
      on_frame(bytes.substr(run_start, run));
      continue;
    }
    buffer_.append(bytes.data() + run_start, run);
    if (complete) {
      std::string frame;
      frame.swap(buffer_);
      on_frame(frame);
    }
  }
}

std::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::Added:
      return "ADDED";
    case WatchEventType::Modified:
      return "MODIFIED";
    case WatchEventType::Deleted:
      return "DELETED";
    case WatchEventType::Bookmark:
      return "BOOKMARK";
    case WatchEventType::Error:
      return "ERROR";
  }
  return "UNKNOWN";
}

WatchEvent ParseWatchEvent(std::string_view frame) {
  json doc = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw WatchFrameError("watch event is not a JSON object: " + std::string(frame.substr(0, 200)));
  }
  auto type = doc.find("type");
  auto object = doc.find("object");
  if (type == doc.end() || !type->is_string() || object == doc.end() || !object->is_object()) {
    throw WatchFrameError("watch event without type or object: " +
                          std::string(frame.substr(0, 200)));
  }
  const auto& name = type->get_ref<const std::string&>();
  WatchEvent event;
  if (name == "ADDED") {
    event.type = WatchEventType::Added;
  } else if (name == "MODIFIED") {
    event.type = WatchEventType::Modified;
  } else if (name == "DELETED") {
    event.type = WatchEventType::Deleted;
  } else if (name == "BOOKMARK") {
    event.type = WatchEventType::Bookmark;
  } else if (name == "ERROR") {
    event.type = WatchEventType::Error;
  } else {
    throw WatchFrameError("watch event of unknown type \"" + name + "\"");
  }
  event.object = std::move(*object);
  return event;
}

std::string ResourceVersionOf(const json& object) {
  if (!object.is_object()) return {};
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto rv = meta->find("resourceVersion");
  if (rv == meta->end() || !rv->is_string()) return {};
  return rv->get<std::string>();
}

WatchStream::WatchStream(RestClient& client, Resource resource, std::string ns,
                         WatchOptions options)
    : client_(client),
      resource_(std::move(resource)),
      ns_(std::move(ns)),
      options_(std::move(options)),
      last_rv_(options_.resource_version),
      cancel_(std::make_unique<pplx::cancellation_token_source>()) {
  if (options_.read_timeout.count() <= 0) {
    options_.read_timeout = options_.timeout + std::chrono::seconds(30);
  }
}

WatchStream::~WatchStream() = default;

bool WatchStream::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

void WatchStream::Cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  // Closes the socket of a request in flight, even mid-body.
  cancel_->cancel();
}

namespace {

std::string HeaderOr(const web::http::http_headers& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

}  // namespace

WatchEnd WatchStream::Run(const std::function<void(WatchEvent&&)>& on_event) {
  if (RestClient::OnCpprestPoolThread()) {
    throw std::logic_error("WatchStream::Run called from a cpprestsdk pool thread");
  }
  QueryParams query{{"watch", "true"}};
  if (!options_.label_selector.empty())
    query.emplace_back("labelSelector", options_.label_selector);
  if (!options_.field_selector.empty())
    query.emplace_back("fieldSelector", options_.field_selector);
  if (!last_rv_.empty()) query.emplace_back("resourceVersion", last_rv_);
  if (options_.allow_bookmarks) query.emplace_back("allowWatchBookmarks", "true");
  query.emplace_back("timeoutSeconds", std::to_string(options_.timeout.count()));

  const std::string path = ResourcePath(resource_, ns_);
  const std::string what = "watch " + client_.config().server + path;
  web::http::http_request request(web::http::methods::GET);
  request.set_request_uri(web::uri(RestClient::PathAndQuery(path, query)));
  client_.Authorize(request);
  request.headers().add("Accept", "application/json");

  // One http_client per watch: its timeout is this watch's read timeout, and
  // its connection is never shared with short requests.
  auto http = client_.MakeHttpClient(options_.read_timeout);
  pplx::cancellation_token token = pplx::cancellation_token::none();
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return WatchEnd::Cancelled;
    token = cancel_->get_token();
  }

  web::http::http_response response;
  try {
    response = http.request(request, token).get();
  } catch (const pplx::task_canceled&) {
    return WatchEnd::Cancelled;
  } catch (const web::http::http_exception& e) {
    if (cancelled()) return WatchEnd::Cancelled;
    const auto kind = e.error_code().value() == ECONNREFUSED ? TransportError::Kind::ConnectFailed
                      : e.error_code().value() == ETIMEDOUT  ? TransportError::Kind::Timeout
                                                             : TransportError::Kind::Other;
    throw TransportError(kind, what + ": " + e.what());
  }

  if (response.status_code() >= 400) {
    std::string body;
    try {
      body = response.extract_utf8string(true).get();
    } catch (const std::exception&) {
      // The code alone still classifies the error.
    }
    throw DecodeApiError(response.status_code(), body, HeaderOr(response.headers(), "Retry-After"));
  }

  WatchFrameDecoder decoder;
  auto body = response.body().streambuf();
  std::array<uint8_t, 64 * 1024> buffer{};
  const auto deliver = [&](std::string_view frame) {
    WatchEvent event = ParseWatchEvent(frame);
    if (event.type == WatchEventType::Error) {
      const int code = event.object.value("code", 500);
      throw DecodeApiError(code, event.object.dump());
    }
    std::string rv = ResourceVersionOf(event.object);
    if (!rv.empty()) last_rv_ = std::move(rv);
    on_event(std::move(event));
  };
  for (;;) {
    std::size_t got = 0;
    try {
      // Ask for what has arrived (at least one byte): the body buffer
      // completes a read only when the whole requested count is there, and
      // events are often tiny.
      const std::size_t want = std::clamp<std::size_t>(body.in_avail(), 1, buffer.size());
      got = body.getn(buffer.data(), want).get();
      if (got == 0) break;  // the server ended the response
    } catch (const pplx::task_canceled&) {
      return WatchEnd::Cancelled;
    } catch (const std::exception& e) {
      if (cancelled()) return WatchEnd::Cancelled;
      throw TransportError(TransportError::Kind::Other, what + ": reading events: " + e.what());
    }
    try {
      decoder.Feed(std::string_view(reinterpret_cast<const char*>(buffer.data()), got), deliver);
    } catch (...) {
      // Stop the transfer before leaving: nobody will read the rest.
      std::lock_guard lock(mutex_);
      cancel_->cancel();
      throw;
    }
    if (cancelled()) return WatchEnd::Cancelled;
  }
  if (decoder.buffered() > 0 && !cancelled()) {
    throw TransportError(TransportError::Kind::Other, what + ": response ended inside an event (" +
                                                          std::to_string(decoder.buffered()) +
                                                          " bytes)");
  }
  return cancelled() ? WatchEnd::Cancelled : WatchEnd::ServerClosed;
}

}  // namespace baton::kube
