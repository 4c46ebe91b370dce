#include <gtest/gtest.h>

#include <filesystem>

#include "api/router.hpp"
#include "store/store.hpp"

namespace rapport::api {
namespace {

TEST(ErrorStatus, OneTableClientCodesBeforeServerCodes) {
  EXPECT_EQ(HttpStatus(ErrorCode::kBadRequest), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatus(ErrorCode::kPreconditionFailed), 412);
  EXPECT_EQ(HttpStatus(ErrorCode::kPreconditionRequired), 428);
  EXPECT_EQ(HttpStatus(ErrorCode::kInvalid), 422);
  EXPECT_EQ(HttpStatus(ErrorCode::kInternal), 500);
}

TEST(ProblemJson, NamesEveryField) {
  auto response = Problem({ErrorCode::kInvalid, "bad", {{"a", "x"}, {"b.c", "y"}}});
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("errors").as_array().size(), 2u);
  EXPECT_EQ(body.at("errors").as_array()[1].as_object().at("field").as_string(), "b.c");
}

HttpRequest Request(std::string method, std::string path, std::string authorization = "") {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.authorization = std::move(authorization);
  return request;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("rapport-router-test-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path_);
    store_ = std::move(*store::OpenSqlite({.path = path_.string()}));
    app_ = std::make_unique<app::Application>(*store_);
    router_ = std::make_unique<Router>(*app_, metrics_);
  }
  void TearDown() override {
    router_.reset();
    app_.reset();
    store_.reset();
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }
  std::filesystem::path path_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::Application> app_;
  Metrics metrics_;
  std::unique_ptr<Router> router_;
};

// A route registered without an OpenAPI entry or a role policy fails this test.
TEST_F(RouterTest, EveryRouteHasAnOpenApiEntryAndARolePolicy) {
  const auto& paths = router_->openapi().as_object().at("paths").as_object();
  for (const auto& route : router_->routes()) {
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    ASSERT_TRUE(paths.contains(route.pattern)) << route.pattern;
    const auto& item = paths.at(route.pattern).as_object();
    ASSERT_TRUE(item.contains(method)) << route.method << " " << route.pattern;
    const auto& op = item.at(method).as_object();
    EXPECT_TRUE(op.contains("summary"));
    EXPECT_TRUE(op.contains("responses"));
    bool is_public = (route.roles & kPublic) != 0;
    EXPECT_TRUE(is_public || op.contains("x-roles")) << route.pattern;
    EXPECT_NE(route.roles, 0u);
  }
  std::size_t operations = 0;
  for (const auto& [path, item] : paths) operations += item.as_object().size();
  EXPECT_EQ(operations, router_->routes().size());
}

TEST_F(RouterTest, UnknownRouteIs404AndWrongMethodIs405) {
  HttpResponse got;
  router_->Handle(Request("GET", "/api/v1/nothing"), [&](HttpResponse r) { got = r; });
  EXPECT_EQ(got.status, 404);
  router_->Handle(Request("DELETE", "/api/v1/cases"), [&](HttpResponse r) { got = r; });
  EXPECT_EQ(got.status, 405);
}

TEST_F(RouterTest, ApiRoutesNeedAToken) {
  HttpResponse got;
  router_->Handle(Request("GET", "/api/v1/cases"), [&](HttpResponse r) { got = r; });
  EXPECT_EQ(got.status, 401);
  router_->Handle(Request("GET", "/api/v1/cases", "Bearer nope"), [&](HttpResponse r) { got = r; });
  EXPECT_EQ(got.status, 401);
  router_->Handle(Request("GET", "/healthz"), [&](HttpResponse r) { got = r; });
  EXPECT_EQ(got.status, 200);
}

}  // namespace
}  // namespace rapport::api
