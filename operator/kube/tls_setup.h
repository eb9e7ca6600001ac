// TLS for the apiserver connection, built from in-memory PEM: cpprestsdk
// calls the returned function on each new connection's boost::asio SSL
// context (http_client_config::set_ssl_context_callback). cpprestsdk itself
// turns on peer verification and checks the host name (RFC 2818, IP SANs
// included) whenever validate_certificates() is true.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <functional>

#include "kube/config.h"

namespace baton::kube {

// When config.ca_pem is set, the context trusts that CA only: cpprestsdk
// loads the system roots first, and a cluster CA must not be widened to
// every public CA. The client certificate and key, if any, are installed.
std::function<void(boost::asio::ssl::context&)> MakeTlsSetup(const ClientConfig& config);

// cpprestsdk parses the whole system CA bundle (some 140 certificates) on
// every new TLS connection before MakeTlsSetup replaces the store: 2 to
// 3.5 MiB of heap at peak and most of the operator's allocations with no
// pod at all (heaptrack, bench/RESULTS.md). When every client of the
// process trusts the config's own CA (or verifies nothing), point OpenSSL's
// default paths (SSL_CERT_FILE, SSL_CERT_DIR) at nothing: whatever they
// name would be replaced by the config's CA anyway. Returns whether it did.
// Call before the first connection.
bool SkipUnusedSystemRoots(const ClientConfig& config);

}  // namespace baton::kube
