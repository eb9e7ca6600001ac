#include "serve/serving_certificate.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace baton::serve {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ChainFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct ExtensionFree {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void Fail(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char reason[256] = {};
  if (code) ERR_error_string_n(code, reason, sizeof(reason));
  ERR_clear_error();
  throw std::runtime_error(what + (code ? std::string(": ") + reason : std::string()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Bio MemoryBio(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) Fail("BIO_new_mem_buf");
  return bio;
}

// What changes when either file is replaced: a new inode (a Secret volume
// swaps its ..data symlink, stat follows it) or a rewrite in place.
std::string Stamp(const std::string& dir) {
  std::string out;
  for (const char* name : {"/tls.crt", "/tls.key"}) {
    struct stat st {};
    if (stat((dir + name).c_str(), &st) != 0) return "";
    out += std::to_string(st.st_ino) + "@" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_size) + ";";
  }
  return out;
}

}  // namespace

struct ServingCertificate::Identity {
  std::unique_ptr<X509, X509Free> cert;
  std::unique_ptr<EVP_PKEY, KeyFree> key;
  std::unique_ptr<STACK_OF(X509), ChainFree> chain;  // intermediates after the leaf
};

ServingCertificate::ServingCertificate(std::shared_ptr<const Identity> identity, std::string dir,
                                       std::string stamp)
    : dir_(std::move(dir)), identity_(std::move(identity)), stamp_(std::move(stamp)) {}

ServingCertificate::~ServingCertificate() = default;

std::shared_ptr<const ServingCertificate::Identity> ServingCertificate::Parse(
    const std::string& cert_pem, const std::string& key_pem) {
  auto identity = std::make_shared<Identity>();
  Bio cert_bio = MemoryBio(cert_pem);
  identity->cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!identity->cert) Fail("tls.crt: no PEM certificate");
  identity->chain.reset(sk_X509_new_null());
  if (!identity->chain) Fail("sk_X509_new_null");
  while (X509* next = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)) {
    sk_X509_push(identity->chain.get(), next);
  }
  ERR_clear_error();  // the end of the PEM stream reads as an error
  Bio key_bio = MemoryBio(key_pem);
  identity->key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!identity->key) Fail("tls.key: no PEM private key");
  if (X509_check_private_key(identity->cert.get(), identity->key.get()) != 1) {
    Fail("tls.key does not belong to tls.crt");
  }
  return identity;
}

std::shared_ptr<ServingCertificate> ServingCertificate::FromDirectory(std::string dir) {
  const std::string stamp = Stamp(dir);  // before reading: a later write is seen later
  auto identity = Parse(ReadFile(dir + "/tls.crt"), ReadFile(dir + "/tls.key"));
  return std::shared_ptr<ServingCertificate>(
      new ServingCertificate(std::move(identity), std::move(dir), stamp));
}

std::shared_ptr<ServingCertificate> ServingCertificate::SelfSigned(
    const std::vector<std::string>& hosts) {
  auto identity = std::make_shared<Identity>();
  identity->key.reset(EVP_EC_gen("P-256"));
  if (!identity->key) Fail("EC key generation");
  identity->cert.reset(X509_new());
  identity->chain.reset(sk_X509_new_null());
  X509* cert = identity->cert.get();
  if (!cert || !identity->chain) Fail("X509_new");
  X509_set_version(cert, 2);  // v3: extensions
  // A random positive 64-bit serial: two self-signed certificates of two
  // replicas must not share issuer and serial.
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
  if (!serial || BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert))) {
    Fail("serial number");
  }
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);  // tolerate clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("baton-operator"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, identity->key.get());
  std::string san;
  for (const std::string& host : hosts) {
    if (host.empty()) continue;  // gethostname() may say nothing
    unsigned char buf[16];
    const bool ip =
        inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
    san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + host;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  const std::pair<int, std::string> extensions[] = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_alt_name, san},
  };
  for (const auto& [nid, value] : extensions) {
    if (value.empty()) continue;
    std::unique_ptr<X509_EXTENSION, ExtensionFree> ext(
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) Fail("certificate extension " + value);
  }
  if (X509_sign(cert, identity->key.get(), EVP_sha256()) == 0) Fail("X509_sign");
  return std::shared_ptr<ServingCertificate>(new ServingCertificate(std::move(identity), "", ""));
}

std::shared_ptr<const ServingCertificate::Identity> ServingCertificate::Current() {
  std::lock_guard lock(mu_);
  if (dir_.empty()) return identity_;
  const std::string stamp = Stamp(dir_);
  if (stamp.empty() || stamp == stamp_) return identity_;
  try {
    identity_ = Parse(ReadFile(dir_ + "/tls.crt"), ReadFile(dir_ + "/tls.key"));
    spdlog::info("serving certificate in {} changed: read again", dir_);
  } catch (const std::exception& e) {
    spdlog::warn("serving certificate in {} changed but cannot be used ({}); keeping the last one",
                 dir_, e.what());
  }
  // Remembered either way: a broken pair is not parsed again on every
  // handshake, only after the next change.
  stamp_ = stamp;
  return identity_;
}

int ServingCertificate::OnHandshake(SSL* ssl, void* self) {
  const auto identity = static_cast<ServingCertificate*>(self)->Current();
  // SSL_use_cert_and_key takes its own references: the identity may be
  // replaced while this connection still uses it.
  return SSL_use_cert_and_key(ssl, identity->cert.get(), identity->key.get(), identity->chain.get(),
                              1) == 1
             ? 1
             : 0;
}

bool ServingCertificate::Configure(SSL_CTX& ctx) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_cert_cb(&ctx, &ServingCertificate::OnHandshake, this);
  return true;
}

std::string ServingCertificate::CertificatePem() {
  const auto identity = Current();
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), identity->cert.get()) != 1) Fail("PEM_write_bio_X509");
  for (int i = 0; i < sk_X509_num(identity->chain.get()); ++i) {
    PEM_write_bio_X509(bio.get(), sk_X509_value(identity->chain.get(), i));
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace baton::serve
