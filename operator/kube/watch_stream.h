// One watch request, decoded as it streams: the framing of the apiserver's
// event stream (a sequence of JSON objects, one per line, split across HTTP
// chunks anywhere), the event decoding, and the HTTP request that carries
// them with a read timeout longer than the server's timeoutSeconds and a
// cancellation that closes the connection mid-response.
//
// Resuming, relisting on 410 Gone and backoff live one level up, in
// reflector.h; this file knows a single request.
#pragma once

#include <pplx/pplxtasks.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "kube/resource.h"

namespace baton::kube {

class RestClient;

// The stream's bytes cannot be a sequence of JSON objects (or one is larger
// than the limit): the watch must be abandoned, not resumed mid-stream.
class WatchFrameError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Splits a byte stream into top-level JSON objects. Pure, no I/O; the
// decoder does not trust newlines (a proxy may re-chunk or re-indent) but
// tracks braces outside string literals, so any split point works.
class WatchFrameDecoder {
 public:
  static constexpr std::size_t kDefaultMaxFrameBytes = 64u * 1024u * 1024u;

  explicit WatchFrameDecoder(std::size_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Appends `bytes` and calls on_frame for every object completed by them,
  // in order. The view is valid during the call only. Throws WatchFrameError
  // when a byte between objects is not whitespace or '{', or a frame grows
  // beyond the limit; the decoder then refuses input until Reset().
  void Feed(std::string_view bytes, const std::function<void(std::string_view)>& on_frame);

  // Bytes held for an object not yet complete (0 between objects).
  std::size_t buffered() const { return buffer_.size(); }
  void Reset();

 private:
  std::size_t max_frame_bytes_;
  std::string buffer_;  // the incomplete frame, from its '{'
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  bool failed_ = false;
};

enum class WatchEventType { Added, Modified, Deleted, Bookmark, Error };

std::string_view WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::Added;
  // The object; for Error a metav1.Status; for Bookmark only its
  // metadata.resourceVersion is meaningful.
  nlohmann::json object;
};

// Decodes one frame ({"type": ..., "object": {...}}). Throws WatchFrameError
// when it is not JSON, lacks a type or object, or names an unknown type.
WatchEvent ParseWatchEvent(std::string_view frame);

// metadata.resourceVersion of an object, "" when absent.
std::string ResourceVersionOf(const nlohmann::json& object);

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  // Where to start: "" = now (synthetic ADDED for everything, like a list),
  // otherwise strictly after this version.
  std::string resource_version;
  bool allow_bookmarks = true;
  // The server closes the watch after this long; the reflector reconnects.
  std::chrono::seconds timeout{300};
  // The longest quiet period tolerated on the connection. Must exceed
  // `timeout` (0 = timeout + 30 s) so an idle watch is ended by the server,
  // cleanly, and not cut by the client.
  std::chrono::milliseconds read_timeout{0};
};

enum class WatchEnd {
  ServerClosed,  // the server ended the response (timeoutSeconds, shutdown)
  Cancelled,     // Cancel() was called
};

// One watch request. Run() blocks the calling thread (never a cpprestsdk
// pool thread) until the response ends; Cancel() may be called from any
// thread, before or during Run(), and makes Run() return promptly.
class WatchStream {
 public:
  WatchStream(RestClient& client, Resource resource, std::string ns, WatchOptions options);
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Calls on_event for every ADDED/MODIFIED/DELETED/BOOKMARK event. Throws
  // ApiError for an HTTP error answer and for an ERROR event (a 410 Gone
  // arrives either way: IsGone), TransportError when the connection fails or
  // stays quiet beyond read_timeout, WatchFrameError for a garbled stream.
  // Exceptions thrown by on_event propagate (after the connection is closed).
  WatchEnd Run(const std::function<void(WatchEvent&&)>& on_event);

  void Cancel();

  // The resourceVersion of the last event delivered (bookmarks included),
  // or options.resource_version when none was.
  const std::string& last_resource_version() const { return last_rv_; }

 private:
  bool cancelled() const;

  RestClient& client_;
  Resource resource_;
  std::string ns_;
  WatchOptions options_;
  std::string last_rv_;
  mutable std::mutex mutex_;
  bool cancelled_ = false;
  std::unique_ptr<pplx::cancellation_token_source> cancel_;
};

}  // namespace baton::kube
