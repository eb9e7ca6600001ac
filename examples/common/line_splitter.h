#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace baton::examples {

// Turns a byte stream into '\n'-terminated lines. Bounded: a peer that sends
// a line longer than max_line is a protocol error, not a memory leak.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = 4096) : max_line_(max_line) {}

  // Appends bytes; returns false once a line exceeds max_line (sticky).
  bool Append(std::string_view bytes);
  // Next complete line without its terminator ('\r' before '\n' dropped too).
  std::optional<std::string> Next();
  bool overflowed() const { return overflowed_; }
  std::size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  std::size_t max_line_;
  std::string buffer_;
  std::size_t consumed_ = 0;
  bool overflowed_ = false;
};

}  // namespace baton::examples
