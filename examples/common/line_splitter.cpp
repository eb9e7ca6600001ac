#include "line_splitter.h"

namespace baton::examples {

bool LineSplitter::Append(std::string_view bytes) {
  if (overflowed_) return false;
  // Compact lazily so a steady stream of short lines costs no reallocation.
  if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
  std::size_t newline = buffer_.find('\n', consumed_);
  std::size_t pending = (newline == std::string::npos ? buffer_.size() : newline) - consumed_;
  if (pending > max_line_) overflowed_ = true;
  return !overflowed_;
}

std::optional<std::string> LineSplitter::Next() {
  if (overflowed_) return std::nullopt;
  std::size_t newline = buffer_.find('\n', consumed_);
  if (newline == std::string::npos) return std::nullopt;
  std::size_t end = newline;
  if (end > consumed_ && buffer_[end - 1] == '\r') --end;
  std::string line = buffer_.substr(consumed_, end - consumed_);
  consumed_ = newline + 1;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  } else if (buffer_.size() - consumed_ > max_line_ &&
             buffer_.find('\n', consumed_) == std::string::npos) {
    overflowed_ = true;
  }
  return line;
}

}  // namespace baton::examples
