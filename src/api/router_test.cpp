#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api/router.hpp"
#include "api/static_site.hpp"
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

namespace rapport::api {
namespace {

TEST(Cookies, FindsOneCookieAmongOthers) {
  EXPECT_EQ(CookieValue("rapport_session=abc", "rapport_session"), "abc");
  EXPECT_EQ(CookieValue("a=1; rapport_session=abc; b=2", "rapport_session"), "abc");
  EXPECT_EQ(CookieValue("a=1;rapport_session=abc", "rapport_session"), "abc");
  EXPECT_EQ(CookieValue("xrapport_session=abc", "rapport_session"), "");
  EXPECT_EQ(CookieValue("rapport_sessionx=abc", "rapport_session"), "");
  EXPECT_EQ(CookieValue("", "rapport_session"), "");
}

TEST(EventStreamTest, MessagesAreServerSentEvents) {
  EXPECT_EQ(SseMessage({}, 42, "{\"a\":1}"), "id: 42\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(SseMessage("reset", 7, "{}"), "event: reset\nid: 7\ndata: {}\n\n");
}

TEST(EventStreamTest, SlotsAreCappedAndFreedWhenTheirStreamEnds) {
  StreamSlots slots(2, 2);
  auto a = slots.Take(1);
  auto b = slots.Take(2);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(slots.open(), 2u);
  EXPECT_FALSE(slots.Take(3));
  EXPECT_EQ(slots.open(), 2u);  // a refusal holds nothing
  a.reset();
  EXPECT_EQ(slots.open(), 1u);
  auto c = slots.Take(3);
  EXPECT_TRUE(c);
  EXPECT_FALSE(slots.Take(1));
}

TEST(EventStreamTest, OneUserCannotTakeEverySlot) {
  StreamSlots slots(10, 2);
  auto a = slots.Take(7);
  auto b = slots.Take(7);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(slots.Take(7));  // its third
  EXPECT_TRUE(slots.Take(8));   // another user's first (freed at once)
  b.reset();
  EXPECT_TRUE(slots.Take(7));
}

TEST(Csrf, TokenBelongsToItsSessionOnly) {
  std::string session = app::NewToken(), other = app::NewToken();
  EXPECT_TRUE(app::CsrfTokenMatches(session, app::CsrfTokenFor(session)));
  EXPECT_FALSE(app::CsrfTokenMatches(session, app::CsrfTokenFor(other)));
  EXPECT_FALSE(app::CsrfTokenMatches(session, ""));
  EXPECT_NE(app::CsrfTokenFor(session), app::HashToken(session));  // not what the store keeps
}

TEST(StaticSiteTest, ServesFilesIndexForRoutesAndNothingUnderApi) {
  auto root = std::filesystem::temp_directory_path() /
              ("rapport-site-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "assets");
  EXPECT_FALSE(StaticSite::Load(root.string()).has_value());  // no index.html yet
  std::ofstream(root / "index.html") << "<!doctype html>";
  std::ofstream(root / "assets" / "app-1234.js") << "run()";
  auto site = StaticSite::Load(root.string());
  ASSERT_TRUE(site.has_value());
  EXPECT_EQ(site->files(), 2u);
  for (const char* path : {"/", "/cases/7", "/index.html"}) {
    auto page = site->Serve(path, false);
    ASSERT_TRUE(page.has_value()) << path;
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
    EXPECT_EQ(page->body, "<!doctype html>");
  }
  auto asset = site->Serve("/assets/app-1234.js", false);
  ASSERT_TRUE(asset.has_value());
  EXPECT_EQ(asset->content_type, "text/javascript; charset=utf-8");
  bool immutable = false;
  for (const auto& [name, value] : asset->headers) {
    immutable = immutable || (name == "Cache-Control" && value.find("immutable") != std::string::npos);
  }
  EXPECT_TRUE(immutable);
  EXPECT_EQ(site->Serve("/assets/gone.js", false)->status, 404);
  EXPECT_FALSE(site->Serve("/api/v1/cases", false).has_value());
  EXPECT_FALSE(site->Serve("/api", false).has_value());
  std::filesystem::remove_all(root);
}

// Text that compresses is answered gzip-encoded to clients that accept it, and says that
// the answer varies with Accept-Encoding; what gzip would not make smaller never is.
TEST(StaticSiteTest, AnswersGzipToClientsThatAcceptIt) {
  auto root = std::filesystem::temp_directory_path() /
              ("rapport-site-gzip-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "assets");
  std::ofstream(root / "index.html") << "<!doctype html>";
  std::string script;
  for (int i = 0; i < 200; ++i) script += "console.log('the same line again');\n";
  std::ofstream(root / "assets" / "app-1234.js") << script;
  auto site = StaticSite::Load(root.string());
  ASSERT_TRUE(site.has_value());
  auto header = [](const HttpResponse& r, std::string_view name) -> std::string {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  };
  auto gzipped = site->Serve("/assets/app-1234.js", true);
  ASSERT_TRUE(gzipped.has_value());
  EXPECT_EQ(header(*gzipped, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(*gzipped, "Vary"), "Accept-Encoding");
  ASSERT_GE(gzipped->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gzipped->body[0]), 0x1f);  // gzip's magic
  EXPECT_EQ(static_cast<unsigned char>(gzipped->body[1]), 0x8b);
  EXPECT_LT(gzipped->body.size(), script.size() / 10);
  auto plain = site->Serve("/assets/app-1234.js", false);
  EXPECT_EQ(plain->body, script);
  EXPECT_EQ(header(*plain, "Content-Encoding"), "");
  EXPECT_EQ(header(*plain, "Vary"), "Accept-Encoding");
  auto tiny = site->Serve("/index.html", true);  // gzip would make it larger
  EXPECT_EQ(tiny->body, "<!doctype html>");
  EXPECT_EQ(header(*tiny, "Content-Encoding"), "");
  std::filesystem::remove_all(root);
}

TEST(AcceptsGzip, ReadsTheCodingsAndTheirWeights) {
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("deflate,gzip"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("x-gzip-not"));
  EXPECT_FALSE(AcceptsGzip(""));
}

}  // namespace
}  // namespace rapport::api
