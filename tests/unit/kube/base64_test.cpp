#include "kube/base64.h"

#include <gtest/gtest.h>

namespace baton::kube {
namespace {

TEST(Base64Test, RoundTripsAllLengths) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(DecodeBase64(EncodeBase64(bytes)), bytes) << "length " << i;
    bytes.push_back(static_cast<char>(i * 37));
  }
}

TEST(Base64Test, KnownVectors) {  // RFC 4648 section 10
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(DecodeBase64("Zm9vYg=="), "foob");
  EXPECT_EQ(DecodeBase64("Zm9v\nYmE=\r\n"), "fooba");  // line breaks are fine
}

TEST(Base64Test, RejectsMalformedInput) {
  EXPECT_FALSE(DecodeBase64("Zm9v!mFy"));  // outside the alphabet
  EXPECT_FALSE(DecodeBase64("Zm9vYmF"));   // truncated group
  EXPECT_FALSE(DecodeBase64("Zg=a"));      // data after padding
  EXPECT_FALSE(DecodeBase64("Z==="));      // too much padding
  EXPECT_FALSE(DecodeBase64("Zh=="));      // non-canonical trailing bits
  EXPECT_FALSE(DecodeBase64("Zm9v_mFy"));  // URL-safe alphabet is not kubeconfig's
  EXPECT_EQ(DecodeBase64(""), "");
}

}  // namespace
}  // namespace baton::kube
