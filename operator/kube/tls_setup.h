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

}  // namespace baton::kube
