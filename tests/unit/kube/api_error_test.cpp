#include "kube/api_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace baton::kube {
namespace {

using ::testing::HasSubstr;

// Bodies captured from kube-apiserver v1.33 (scripts/cluster) with curl,
// unless marked otherwise.
constexpr const char* kNotFound = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "configmaps \"nope\" not found", "reason": "NotFound",
  "details": {"name": "nope", "kind": "configmaps"}, "code": 404})";

constexpr const char* kAlreadyExists = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "configmaps \"dup\" already exists", "reason": "AlreadyExists",
  "details": {"name": "dup", "kind": "configmaps"}, "code": 409})";

constexpr const char* kConflict = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Operation cannot be fulfilled on configmaps \"dup\": the object has been modified; please apply your changes to the latest version and try again",
  "reason": "Conflict", "details": {"name": "dup", "kind": "configmaps"}, "code": 409})";

constexpr const char* kUidPrecondition = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Operation cannot be fulfilled on ConfigMap \"dup\": the UID in the precondition (00000000-0000-0000-0000-000000000000) does not match the UID in record (de101e73-997e-49c1-bd36-f56988487eb4). The object might have been deleted and then recreated",
  "reason": "Conflict", "details": {"name": "dup", "kind": "ConfigMap"}, "code": 409})";

constexpr const char* kApplyConflict = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Apply failed with 1 conflict: conflict with \"one\": .data.k", "reason": "Conflict",
  "details": {"causes": [{"reason": "FieldManagerConflict", "message": "conflict with \"one\"", "field": ".data.k"}]},
  "code": 409})";

constexpr const char* kInvalid = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "ConfigMap \"Bad_Name\" is invalid: [metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, ..., metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, ...]",
  "reason": "Invalid",
  "details": {"name": "Bad_Name", "kind": "ConfigMap", "causes": [
    {"reason": "FieldValueInvalid", "message": "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters", "field": "metadata.name"},
    {"reason": "FieldValueInvalid", "message": "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters", "field": "metadata.labels"}]},
  "code": 422})";

constexpr const char* kExpired = R"({
  "kind": "Status", "apiVersion": "v1",
  "metadata": {"continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiYXBcdTAwMDAifQ"},
  "status": "Failure",
  "message": "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.",
  "reason": "Expired", "code": 410})";

constexpr const char* kUnauthorized = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Unauthorized", "reason": "Unauthorized", "code": 401})";

constexpr const char* kForbidden = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "namespaces is forbidden: User \"system:anonymous\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope",
  "reason": "Forbidden", "details": {"kind": "namespaces"}, "code": 403})";

constexpr const char* kBadRequest = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "unable to parse requirement: found '', expected: ',', ')' or identifier",
  "reason": "BadRequest", "code": 400})";

constexpr const char* kMethodNotAllowed = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "the server does not allow this method on the requested resource",
  "reason": "MethodNotAllowed", "details": {}, "code": 405})";

constexpr const char* kEvictionBlocked = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Cannot evict pod as it would violate the pod's disruption budget.",
  "reason": "TooManyRequests",
  "details": {"causes": [{"reason": "DisruptionBudget", "message": "The disruption budget pdb1 needs 1 healthy pods and has 1 currently"}]},
  "code": 429})";

// Not captured (hard to provoke on demand); written from apimachinery's
// NewTooManyRequests / NewServerTimeout / NewTimeoutError /
// NewServiceUnavailable / NewInternalError constructors.
constexpr const char* kFlowControl429 = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Too many requests, please try again later.", "reason": "TooManyRequests",
  "details": {"retryAfterSeconds": 1}, "code": 429})";
constexpr const char* kServerTimeout = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "The list operation against pods could not be completed at this time, please try again.",
  "reason": "ServerTimeout", "details": {"name": "list", "kind": "pods", "retryAfterSeconds": 2},
  "code": 500})";
constexpr const char* kGatewayTimeout = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Timeout: request did not complete within requested timeout - context deadline exceeded",
  "reason": "Timeout", "details": {}, "code": 504})";
constexpr const char* kUnavailable = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "service unavailable", "reason": "ServiceUnavailable", "code": 503})";
constexpr const char* kInternal = R"({
  "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
  "message": "Internal error occurred: etcdserver: request timed out", "reason": "InternalError",
  "details": {"causes": [{"message": "etcdserver: request timed out"}]}, "code": 500})";

TEST(ApiErrorTest, NotFound) {
  const ApiError e = DecodeApiError(404, kNotFound);
  EXPECT_TRUE(IsNotFound(e));
  EXPECT_EQ(e.code(), 404);
  EXPECT_EQ(e.message(), "configmaps \"nope\" not found");
  EXPECT_EQ(e.kind(), "configmaps");
  EXPECT_EQ(e.name(), "nope");
  EXPECT_STREQ(e.what(), "NotFound (HTTP 404): configmaps \"nope\" not found");
  EXPECT_FALSE(IsConflict(e));
}

TEST(ApiErrorTest, AlreadyExistsIsNotConflictDespite409) {
  const ApiError e = DecodeApiError(409, kAlreadyExists);
  EXPECT_TRUE(IsAlreadyExists(e));
  EXPECT_FALSE(IsConflict(e));
}

TEST(ApiErrorTest, ConflictVariants) {
  EXPECT_TRUE(IsConflict(DecodeApiError(409, kConflict)));
  const ApiError uid = DecodeApiError(409, kUidPrecondition);
  EXPECT_TRUE(IsConflict(uid));
  EXPECT_THAT(uid.message(), HasSubstr("UID in the precondition"));
  const ApiError apply = DecodeApiError(409, kApplyConflict);
  EXPECT_TRUE(IsConflict(apply));
  ASSERT_EQ(apply.causes().size(), 1u);
  EXPECT_EQ(apply.causes()[0].reason, "FieldManagerConflict");
  EXPECT_EQ(apply.causes()[0].field, ".data.k");
}

TEST(ApiErrorTest, InvalidCarriesFieldCauses) {
  const ApiError e = DecodeApiError(422, kInvalid);
  EXPECT_TRUE(IsInvalid(e));
  EXPECT_EQ(e.kind(), "ConfigMap");
  ASSERT_EQ(e.causes().size(), 2u);
  EXPECT_EQ(e.causes()[0].field, "metadata.name");
  EXPECT_EQ(e.causes()[0].reason, "FieldValueInvalid");
  EXPECT_THAT(e.causes()[0].message, HasSubstr("RFC 1123"));
  EXPECT_EQ(e.causes()[1].field, "metadata.labels");
}

TEST(ApiErrorTest, ExpiredIsGone) {
  const ApiError e = DecodeApiError(410, kExpired);
  EXPECT_TRUE(IsGone(e));
  EXPECT_EQ(e.status_reason(), "Expired");
}

TEST(ApiErrorTest, AuthErrors) {
  EXPECT_TRUE(IsUnauthorized(DecodeApiError(401, kUnauthorized)));
  const ApiError f = DecodeApiError(403, kForbidden);
  EXPECT_TRUE(IsForbidden(f));
  EXPECT_THAT(f.message(), HasSubstr("system:anonymous"));
}

TEST(ApiErrorTest, RequestErrors) {
  EXPECT_TRUE(IsBadRequest(DecodeApiError(400, kBadRequest)));
  EXPECT_TRUE(IsMethodNotAllowed(DecodeApiError(405, kMethodNotAllowed)));
}

TEST(ApiErrorTest, TooManyRequestsWithAndWithoutRetryAfter) {
  const ApiError eviction = DecodeApiError(429, kEvictionBlocked);
  EXPECT_TRUE(IsTooManyRequests(eviction));
  EXPECT_FALSE(eviction.retry_after().has_value());
  ASSERT_EQ(eviction.causes().size(), 1u);
  EXPECT_EQ(eviction.causes()[0].reason, "DisruptionBudget");
  EXPECT_TRUE(eviction.causes()[0].field.empty());

  const ApiError apf = DecodeApiError(429, kFlowControl429, "1");
  EXPECT_TRUE(IsTooManyRequests(apf));
  EXPECT_EQ(apf.retry_after(), std::chrono::seconds(1));
}

TEST(ApiErrorTest, RetryAfterHeaderWhenDetailsHaveNone) {
  const ApiError e = DecodeApiError(429, kEvictionBlocked, " 7 ");
  EXPECT_EQ(e.retry_after(), std::chrono::seconds(7));
  // HTTP-date form is not honoured (neither does client-go).
  EXPECT_FALSE(DecodeApiError(429, kEvictionBlocked, "Wed, 21 Oct 2015 07:28:00 GMT")
                   .retry_after()
                   .has_value());
}

TEST(ApiErrorTest, ServerSideErrors) {
  const ApiError st = DecodeApiError(500, kServerTimeout);
  EXPECT_TRUE(IsTimeout(st));
  EXPECT_EQ(st.status_reason(), "ServerTimeout");
  EXPECT_EQ(st.retry_after(), std::chrono::seconds(2));
  EXPECT_TRUE(IsTimeout(DecodeApiError(504, kGatewayTimeout)));
  EXPECT_TRUE(IsServiceUnavailable(DecodeApiError(503, kUnavailable)));
  const ApiError internal = DecodeApiError(500, kInternal);
  EXPECT_TRUE(IsServerError(internal));
  ASSERT_EQ(internal.causes().size(), 1u);
  EXPECT_EQ(internal.causes()[0].message, "etcdserver: request timed out");
}

TEST(ApiErrorTest, NonStatusBodiesFallBackToTheHttpCode) {
  const ApiError html = DecodeApiError(503, "<html>upstream connect error</html>");
  EXPECT_TRUE(IsServiceUnavailable(html));
  EXPECT_THAT(html.message(), HasSubstr("HTTP 503"));
  EXPECT_THAT(html.message(), HasSubstr("upstream connect error"));
  EXPECT_TRUE(IsNotFound(DecodeApiError(404, "404 page not found\n")));
  EXPECT_TRUE(IsGone(DecodeApiError(410, "")));
  EXPECT_TRUE(IsInvalid(DecodeApiError(422, "{}")));
  EXPECT_TRUE(IsServerError(DecodeApiError(502, "")));
  EXPECT_EQ(DecodeApiError(418, "teapot").reason(), Reason::Unknown);
  // A long body is cut, not copied whole into the message.
  EXPECT_LT(DecodeApiError(500, std::string(10000, 'x')).message().size(), 400u);
}

TEST(ApiErrorTest, StatusCodeWinsOverHttpCodeAndEmptyReasonUsesCode) {
  const ApiError e =
      DecodeApiError(500, R"({"kind":"Status","status":"Failure","message":"m","code":404})");
  EXPECT_EQ(e.code(), 404);
  EXPECT_TRUE(IsNotFound(e));
}

TEST(ApiErrorTest, ClassifyReasonTable) {
  EXPECT_EQ(ClassifyReason(409, "AlreadyExists"), Reason::AlreadyExists);
  EXPECT_EQ(ClassifyReason(409, ""), Reason::Conflict);
  EXPECT_EQ(ClassifyReason(410, "Gone"), Reason::Gone);
  EXPECT_EQ(ClassifyReason(500, "InternalError"), Reason::ServerError);
  EXPECT_EQ(ClassifyReason(422, "SomethingNew"), Reason::Invalid);
  EXPECT_EQ(ClassifyReason(200, "SomethingNew"), Reason::Unknown);
  EXPECT_EQ(ReasonName(Reason::TooManyRequests), "TooManyRequests");
}

}  // namespace
}  // namespace baton::kube
