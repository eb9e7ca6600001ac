// Fuzzes the watch-stream framing and event decoding
// (operator/kube/watch_stream.cpp: WatchFrameDecoder, ParseWatchEvent).
// The first byte picks a chunk size: the decoder must produce the same
// frames, in order, however the bytes are split (a proxy may re-chunk the
// stream anywhere), and fail at the same point. A frame must decode to an
// event or throw WatchFrameError; nothing else may escape.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "kube/watch_stream.h"

namespace {

using baton::kube::WatchFrameDecoder;
using baton::kube::WatchFrameError;

struct Outcome {
  std::vector<std::string> frames;
  bool failed = false;
};

// A small frame limit so the limit path is reachable with small inputs.
constexpr std::size_t kMaxFrame = 4096;

Outcome Decode(std::string_view bytes, std::size_t chunk) {
  Outcome out;
  WatchFrameDecoder decoder(kMaxFrame);
  try {
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
      decoder.Feed(bytes.substr(at, chunk),
                   [&](std::string_view frame) { out.frames.emplace_back(frame); });
    }
  } catch (const WatchFrameError&) {
    out.failed = true;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 17;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = Decode(bytes, std::max<std::size_t>(bytes.size(), 1));
  const Outcome split = Decode(bytes, chunk);
  if (whole.frames != split.frames || whole.failed != split.failed) std::abort();
  for (const auto& frame : whole.frames) {
    if (frame.size() > kMaxFrame || frame.front() != '{' || frame.back() != '}') std::abort();
    try {
      auto event = baton::kube::ParseWatchEvent(frame);
      (void)baton::kube::ResourceVersionOf(event.object);
    } catch (const WatchFrameError&) {
    }
  }
  return 0;
}
