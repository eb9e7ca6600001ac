// Early validation of PEM material, so a bad kubeconfig fails at load time
// with the field's name instead of as an opaque TLS handshake error later.
#pragma once

#include <optional>
#include <string>

namespace baton::kube {

// Each returns nullopt when the input is fine, else a short reason
// ("no PEM certificate found", ...).
std::optional<std::string> CheckCertificatesPem(const std::string& pem);
std::optional<std::string> CheckPrivateKeyPem(const std::string& pem);
// Assumes both parsed; reports when the key does not belong to the certificate.
std::optional<std::string> CheckKeyMatchesCertificate(const std::string& cert_pem,
                                                      const std::string& key_pem);

}  // namespace baton::kube
