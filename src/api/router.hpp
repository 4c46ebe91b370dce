// Routes: every endpoint of the server with its role policy and its OpenAPI entry, and
// the dispatch that authenticates, authorises, parses and calls one use case. Handlers
// are thin; the logic lives in app/. The route table is the single source of the OpenAPI
// document: a route without a policy or a summary cannot be registered.
// Threads: Handle() is safe to call concurrently.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "api/event_stream.hpp"
#include "api/http.hpp"
#include "api/metrics.hpp"
#include "app/advocacy.hpp"
#include "app/application.hpp"
#include "app/sessions.hpp"

namespace rapport::api {

// Which roles may call a route; kPublic routes need no token.
enum RoleBit : unsigned {
  kAdmin = 1u << 0,
  kManager = 1u << 1,
  kAgent = 1u << 2,
  kVendorAgent = 1u << 3,
  kViewer = 1u << 4,
  kEveryRole = kAdmin | kManager | kAgent | kVendorAgent | kViewer,
  kPublic = 1u << 5,
};

struct Call {
  const HttpRequest& request;
  app::Principal who;
  std::vector<std::string> params;  // path parameters, in pattern order
};

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/cases/{id}"
  unsigned roles = 0;
  std::string summary;
  boost::json::object openapi;  // the OpenAPI operation, without summary and security
  std::function<void(const Call&, Respond)> handler;
  std::vector<std::string> segments = {};  // the pattern split at '/', filled by the router
  // Upload routes: the body goes to the sink as it arrives (`handler` is then filled by the
  // router: it feeds an already-read body in one piece).
  std::function<Result<std::unique_ptr<BodySink>>(const Call&)> upload = {};
};

class StaticSite;

// GET /api/v1/stream's open at once for one user (tabs of one person); beyond, 503.
inline constexpr std::size_t kStreamsPerUser = 16;

struct Limits {
  std::size_t max_json_depth = 32;
  std::chrono::seconds session_lifetime = std::chrono::hours(12);  // of a sign-in
  std::size_t max_streams = 512;  // GET /api/v1/stream's open at once; beyond, 503
};

class Router {
 public:
  Router(app::Application& app, Metrics& metrics, Limits limits = {});

  void Handle(HttpRequest request, Respond respond);

  // Serves the web workspace's files for GET requests no route matches outside /api/.
  // REQUIRES: called before the first Handle; `site` outlives the router.
  void ServeSite(const StaticSite* site) { site_ = site; }

  // Whether the request line names an upload route, whose body the server streams.
  bool IsUpload(std::string_view method, std::string_view path) const;
  // For an upload route: authenticates and authorises `head` (its body empty) like Handle,
  // then opens the route's sink — or answers why not (401, 403, 400/422 for bad options).
  std::variant<std::unique_ptr<BodySink>, HttpResponse> OpenUpload(const HttpRequest& head);

  const std::vector<Route>& routes() const { return routes_; }
  const boost::json::value& openapi() const { return openapi_; }

 private:
  // A request body as JSON, within the depth limit, or a 400 naming the fault.
  Result<boost::json::value> ParseBody(const std::string& text) const;
  void Add(Route route);
  void AddCollection(app::Collection& collection, unsigned write_roles,
                     unsigned read_roles = kEveryRole);
  // A GET report: its query parameters go to `report` as they are; it answers JSON.
  using Report = std::function<Result<boost::json::value>(const app::Principal&,
                                                          const app::ReportParams&)>;
  void AddReport(std::string path, unsigned roles, std::string summary,
                 boost::json::array parameters, Report report);
  void AddReports();
  // GET /api/v1/signals, /accounts/{id}/signals, /cases/{id}/signals.
  void AddSignalLists();
  void AddImports();
  // Escalations' own routes beyond their collection, and the management review.
  void AddAdvocacy();
  // Sign-in sessions of the web workspace: POST/GET/DELETE /api/v1/session.
  void AddSessions();
  // The desk's list (GET /api/v1/sla/open-cases) and the live change feed (GET
  // /api/v1/stream).
  void AddLive();
  // The caller a request's credentials name: its bearer token, else the workspace's
  // session cookie.
  Result<app::Principal> Authenticate(const HttpRequest& request);
  // Matches, authenticates and authorises: the route and its caller, or the refusal.
  std::variant<HttpResponse, std::pair<const Route*, Call>> Admit(const HttpRequest& request,
                                                                  std::string& label);
  void BuildOpenApi();

  app::Application& app_;
  app::Ledger& ledger_;
  app::Advocacy advocacy_;
  app::Sessions sessions_;
  const StaticSite* site_ = nullptr;
  Metrics& metrics_;
  Limits limits_;
  StreamSlots streams_;
  std::vector<Route> routes_;
  boost::json::value openapi_;
};

// The name of the sign-in session's cookie.
inline constexpr std::string_view kSessionCookie = "rapport_session";

// The value of cookie `name` in a Cookie header; empty when absent.
std::string_view CookieValue(std::string_view header, std::string_view name);

// The response for an error: application/problem+json (RFC 9457) naming every bad field.
HttpResponse Problem(const Error& error);

// The HTTP status of an error code: the one table.
int HttpStatus(ErrorCode code);

}  // namespace rapport::api
