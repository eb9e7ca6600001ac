#include "kube/watch_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace baton::kube {
namespace {

std::vector<std::string> FeedAll(WatchFrameDecoder& decoder,
                                 const std::vector<std::string>& chunks) {
  std::vector<std::string> frames;
  for (const auto& chunk : chunks) {
    decoder.Feed(chunk, [&](std::string_view f) { frames.emplace_back(f); });
  }
  return frames;
}

const std::string kTwoEvents =
    R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"10"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"metadata":{"name":"b","resourceVersion":"11"},"data":{"k":"}{\"\\"}}})"
    "\n";

TEST(WatchFrameDecoder, SplitsNewlineDelimitedObjects) {
  WatchFrameDecoder d;
  auto frames = FeedAll(d, {kTwoEvents});
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(ParseWatchEvent(frames[0]).type, WatchEventType::Added);
  EXPECT_EQ(ParseWatchEvent(frames[1]).object["data"]["k"], "}{\"\\");
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(WatchFrameDecoder, EverySplitPointGivesTheSameFrames) {
  for (std::size_t cut = 0; cut <= kTwoEvents.size(); ++cut) {
    WatchFrameDecoder d;
    auto frames = FeedAll(d, {kTwoEvents.substr(0, cut), kTwoEvents.substr(cut)});
    ASSERT_EQ(frames.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(ParseWatchEvent(frames[1]).object["metadata"]["name"], "b") << "cut at " << cut;
  }
}

TEST(WatchFrameDecoder, ByteByByteAndRandomChunks) {
  std::string stream;
  for (int i = 0; i < 200; ++i) {
    stream += R"({"type":"ADDED","object":{"metadata":{"name":"cm-)" + std::to_string(i) +
              R"(","resourceVersion":")" + std::to_string(1000 + i) +
              R"("},"data":{"s":"a \" { [ \\ ] }"}}})" + "\n";
  }
  WatchFrameDecoder one;
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  auto frames = FeedAll(one, bytes);
  ASSERT_EQ(frames.size(), 200u);
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> chunks;
    for (std::size_t pos = 0; pos < stream.size();) {
      std::size_t n = std::uniform_int_distribution<std::size_t>(1, 300)(rng);
      chunks.push_back(stream.substr(pos, n));
      pos += n;
    }
    WatchFrameDecoder d;
    auto got = FeedAll(d, chunks);
    ASSERT_EQ(got, frames);
  }
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(ResourceVersionOf(ParseWatchEvent(frames[static_cast<std::size_t>(i)]).object),
              std::to_string(1000 + i));
  }
}

TEST(WatchFrameDecoder, ObjectsWithoutNewlinesAndWithCrLf) {
  WatchFrameDecoder d;
  auto frames = FeedAll(d, {R"({"a":1}{"b":[1,{"c":2}]}  )", "\r\n\t{\"d\":3}"});
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[1], R"({"b":[1,{"c":2}]})");
}

TEST(WatchFrameDecoder, KeepsAnIncompleteObject) {
  WatchFrameDecoder d;
  auto frames = FeedAll(d, {R"({"type":"ADDED","object":{"metadata":)"});
  EXPECT_TRUE(frames.empty());
  EXPECT_GT(d.buffered(), 0u);
}

TEST(WatchFrameDecoder, RejectsGarbageBetweenObjects) {
  WatchFrameDecoder d;
  EXPECT_THROW(FeedAll(d, {"{\"a\":1}\nHTTP/1.1 500"}), WatchFrameError);
  // Unusable until reset.
  EXPECT_THROW(FeedAll(d, {"{\"a\":1}"}), WatchFrameError);
  d.Reset();
  EXPECT_EQ(FeedAll(d, {"{\"a\":1}"}).size(), 1u);
}

TEST(WatchFrameDecoder, RejectsAnEventClosedByABracket) {
  // Found by fuzz_watch_frames: "{ ... ]" was handed on as a frame.
  WatchFrameDecoder d;
  EXPECT_THROW(FeedAll(d, {"{\"a\":[1]]"}), WatchFrameError);
  WatchFrameDecoder split;
  EXPECT_THROW(FeedAll(split, {"{\"a\":[1", "]]"}), WatchFrameError);
  WatchFrameDecoder nested;  // a ']' inside the object is fine
  EXPECT_EQ(FeedAll(nested, {"{\"a\":[1]}"}).size(), 1u);
}

TEST(WatchFrameDecoder, RejectsAFrameAboveTheLimit) {
  WatchFrameDecoder d(64);
  EXPECT_THROW(FeedAll(d, {"{\"k\":\"" + std::string(100, 'x') + "\"}"}), WatchFrameError);
  WatchFrameDecoder split(64);
  EXPECT_THROW(FeedAll(split, {"{\"k\":\"" + std::string(40, 'x'), std::string(40, 'x') + "\"}"}),
               WatchFrameError);
}

TEST(ParseWatchEvent, DecodesEveryType) {
  EXPECT_EQ(ParseWatchEvent(R"({"type":"DELETED","object":{}})").type, WatchEventType::Deleted);
  EXPECT_EQ(
      ParseWatchEvent(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}})").type,
      WatchEventType::Bookmark);
  auto error = ParseWatchEvent(
      R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})");
  EXPECT_EQ(error.type, WatchEventType::Error);
  EXPECT_EQ(error.object["code"], 410);
}

TEST(ParseWatchEvent, RejectsMalformedEvents) {
  EXPECT_THROW(ParseWatchEvent("{"), WatchFrameError);
  EXPECT_THROW(ParseWatchEvent(R"({"object":{}})"), WatchFrameError);
  EXPECT_THROW(ParseWatchEvent(R"({"type":"ADDED"})"), WatchFrameError);
  EXPECT_THROW(ParseWatchEvent(R"({"type":"ADDED","object":"x"})"), WatchFrameError);
  EXPECT_THROW(ParseWatchEvent(R"({"type":"RENAMED","object":{}})"), WatchFrameError);
}

TEST(ResourceVersionOf, ReadsMetadataOrEmpty) {
  EXPECT_EQ(ResourceVersionOf(nlohmann::json::parse(R"({"metadata":{"resourceVersion":"5"}})")),
            "5");
  EXPECT_EQ(ResourceVersionOf(nlohmann::json::parse(R"({"metadata":{}})")), "");
  EXPECT_EQ(ResourceVersionOf(nlohmann::json::parse(R"([1])")), "");
}

}  // namespace
}  // namespace baton::kube
