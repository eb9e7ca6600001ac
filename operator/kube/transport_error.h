// Failures below HTTP: connect refused/reset, TLS handshake (including a
// server certificate that does not verify), client-side timeout. Kept apart
// from ApiError because the server never answered, so nothing is known about
// whether a write happened.
#pragma once

#include <stdexcept>
#include <string>

namespace baton::kube {

class TransportError : public std::runtime_error {
 public:
  enum class Kind {
    ConnectFailed,  // no connection was made (refused, unreachable): nothing was sent
    Tls,            // TLS handshake failed: untrusted or misnamed certificate, ...
    Timeout,        // no answer within the request timeout
    Other,          // reset, EOF, protocol error, ...
  };

  TransportError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace baton::kube
