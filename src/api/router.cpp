#include "api/router.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <cstdio>

#include "api/static_site.hpp"
#include "app/signal_lists.hpp"
#include "app/signal_report.hpp"
#include "app/importer.hpp"
#include "app/timeline.hpp"
#include "domain/json_codec.hpp"

namespace rapport::api {

namespace json = boost::json;

namespace {

unsigned RoleBitOf(domain::Role role) {
  switch (role) {
    case domain::Role::kAdmin:
      return kAdmin;
    case domain::Role::kManager:
      return kManager;
    case domain::Role::kAgent:
      return kAgent;
    case domain::Role::kVendorAgent:
      return kVendorAgent;
    case domain::Role::kViewer:
      return kViewer;
  }
  return 0;
}

json::array RoleNames(unsigned roles) {
  json::array out;
  for (auto role : {domain::Role::kAdmin, domain::Role::kManager, domain::Role::kAgent,
                    domain::Role::kVendorAgent, domain::Role::kViewer}) {
    if (roles & RoleBitOf(role)) out.emplace_back(domain::Name(role));
  }
  return out;
}

HttpResponse Json(int status, json::value body) {
  HttpResponse response{status, "application/json", {}, {}};
  response.json = std::move(body);
  response.has_json = true;
  return response;
}

// A use case's record as a response: its remembered text, or its JSON.
HttpResponse Answer(int status, app::Record record) {
  if (!record.text) return Json(status, std::move(record.body));
  return HttpResponse{status, "application/json", *record.text, {}};
}

app::SessionOptions SessionOptionsOf(const Limits& limits) {
  app::SessionOptions options;
  options.lifetime = limits.session_lifetime;
  return options;
}

// Headers on every answer: no sniffing of types, no framing, no referrer; API answers are
// the caller's own and are not kept by caches (the workspace's files say their own policy).
void AddSecurityHeaders(HttpResponse& response) {
  bool has_policy = false, has_cache = false;
  for (const auto& [name, value] : response.headers) {
    has_policy = has_policy || name == "Content-Security-Policy";
    has_cache = has_cache || name == "Cache-Control";
  }
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (!has_policy) {
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'none'; frame-ancestors 'none'");
  }
  if (!has_cache) response.headers.emplace_back("Cache-Control", "no-store");
}

// An OpenAPI requestBody: a JSON object with these properties, of which `required` must be
// present.
json::object JsonBody(json::object properties, json::array required) {
  return json::object{
      {"required", true},
      {"content",
       {{"application/json",
         {{"schema",
           {{"type", "object"},
            {"properties", std::move(properties)},
            {"required", std::move(required)}}}}}}}};
}

std::string ETag(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

// The version an If-Match names, or nullopt when it names none we could match.
std::optional<std::int64_t> IfMatchVersion(std::string_view header) {
  auto first = header.substr(0, header.find(','));
  while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
  while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
  if (first.size() < 3 || first.front() != '"' || first.back() != '"') return std::nullopt;
  first = first.substr(1, first.size() - 2);
  std::int64_t version = 0;
  auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), version);
  if (ec != std::errc() || end != first.data() + first.size()) return std::nullopt;
  return version;
}

// The OpenAPI schema name of an entity: "sla_policy" → "SlaPolicy".
std::string SchemaName(std::string_view entity) {
  std::string name;
  bool word_start = true;
  for (char c : entity) {
    if (c == '_') {
      word_start = true;
    } else {
      name.push_back(word_start ? static_cast<char>(std::toupper(c)) : c);
      word_start = false;
    }
  }
  return name;
}

std::optional<std::int64_t> ParseId(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Matches path segments against a route's; {name} segments become parameters.
bool Match(const std::vector<std::string>& want, const std::vector<std::string_view>& got,
           std::vector<std::string>& params) {
  if (want.size() != got.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i].starts_with('{')) {
      params.emplace_back(got[i]);
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  return true;
}

json::object Parameter(std::string_view name, std::string_view in, json::object schema,
                       std::string_view description, bool required = false) {
  return json::object{{"name", name},
                      {"in", in},
                      {"required", required},
                      {"schema", schema},
                      {"description", description}};
}

json::object ProblemResponse(std::string_view description) {
  return json::object{
      {"description", description},
      {"content",
       {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

json::object JsonResponse(std::string_view description, json::object schema) {
  return json::object{{"description", description},
                      {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

json::object Ref(std::string_view name) {
  return json::object{{"$ref", "#/components/schemas/" + std::string(name)}};
}

json::object PageOf(std::string_view name) {
  return json::object{{"type", "object"},
                      {"properties",
                       {{"items", {{"type", "array"}, {"items", Ref(name)}}},
                        {"next_cursor", {{"type", "string"}, {"nullable", true}}}}}};
}

const json::object kIdParam = Parameter("id", "path", {{"type", "integer"}}, "record id", true);

// Who reads the event log (GET /api/v1/events) — and so is streamed whole events.
constexpr unsigned kEventLogReaders = kAdmin | kManager;

// An open case as the desk and the at-risk list show it.
json::object CaseSummary(const domain::Case& c) {
  return json::object{
      {"id", c.meta.id},
      {"subject", c.subject},
      {"account_id", c.account_id},
      {"priority", domain::Name(c.priority)},
      {"status", domain::Name(c.status)},
      {"queue_id", c.queue_id ? json::value(*c.queue_id) : json::value(nullptr)},
      {"vendor_id", c.vendor_id ? json::value(*c.vendor_id) : json::value(nullptr)},
      {"assignee_id", c.assignee_id ? json::value(*c.assignee_id) : json::value(nullptr)}};
}

}  // namespace

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPreconditionFailed:
      return 412;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kInvalid:
      return 422;
    case ErrorCode::kPreconditionRequired:
      return 428;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse Problem(const Error& error) {
  int status = HttpStatus(error.code);
  // Server errors carry internals (SQL, paths): the log gets them, the client does not.
  std::string detail = error.message;
  if (status >= 500) {
    spdlog::error("{}: {}", ErrorCodeName(error.code), error.message);
    detail = status == 503 ? "the server is busy or stopping; retry"
                           : "internal error; the server log has the details";
  }
  json::object body{{"type", "urn:rapport:problem:" + std::string(ErrorCodeName(error.code))},
                    {"title", ErrorCodeName(error.code)},
                    {"status", status},
                    {"detail", detail}};
  if (!error.fields.empty()) {
    json::array errors;
    for (const auto& f : error.fields) {
      errors.push_back(json::object{{"field", f.field}, {"message", f.message}});
    }
    body["errors"] = std::move(errors);
  }
  HttpResponse response{status, "application/problem+json", json::serialize(body), {}};
  if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

namespace {

// A 400 naming each bad query parameter.
HttpResponse BadQuery(const FieldErrors& bad) {
  return Problem({ErrorCode::kBadRequest, "bad query", bad.list()});
}

// The vendor whose cases a caller is limited to: a vendor agent's own; nobody else is.
std::optional<domain::Id> OnlyVendorOf(const app::Principal& who) {
  if (who.IsVendorAgent()) return who.vendor_id;
  return std::nullopt;
}

}  // namespace

Router::Router(app::Application& app, Metrics& metrics, Limits limits)
    : app_(app),
      ledger_(app.ledger()),
      advocacy_(app.store()),
      sessions_(app.store(), SessionOptionsOf(limits)),
      metrics_(metrics),
      limits_(limits),
      streams_(limits.max_streams, kStreamsPerUser) {
  Add({"GET",
       "/healthz",
       kPublic,
       "Liveness: answers when the server serves; `signals` is `loading` while the signal "
       "index is read after start-up (its lists answer 503 meanwhile), then `loaded`.",
       {{"responses", {{"200", JsonResponse("serving", {{"type", "object"}})}}}},
       [this](const Call&, Respond respond) {
         respond(Json(200, json::object{{"status", "ok"},
                                        {"signals", app_.signals().loaded() ? "loaded" : "loading"}}));
       }});
  Add({"GET",
       "/metrics",
       kPublic,
       "Prometheus metrics in the text exposition format.",
       {{"responses", {{"200", {{"description", "metrics"}}}}}},
       [this](const Call&, Respond respond) {
         respond(HttpResponse{200,
                              "text/plain; version=0.0.4",
                              metrics_.Render({app_.store().Stats().file_bytes, streams_.open(),
                                               app_.signals().feed_lag(), app_.analytics().feed_lag()}),
                              {}});
       }});
  Add({"GET",
       "/api/v1/openapi.json",
       kPublic,
       "This OpenAPI 3 document.",
       {{"responses", {{"200", JsonResponse("the document", {{"type", "object"}})}}}},
       [this](const Call&, Respond respond) { respond(Json(200, openapi_)); }});
  Add({"GET",
       "/api/v1/me",
       kEveryRole,
       "The calling user.",
       {{"responses", {{"200", JsonResponse("the caller", Ref("User"))}}}},
       [this](const Call& call, Respond respond) {
         auto me = ledger_.Me(call.who);
         respond(me ? Answer(200, std::move(*me)) : Problem(me.error()));
       }});
  Add({"GET",
       "/api/v1/events",
       kEventLogReaders,
       "The event log (audit trail and change feed), oldest first.",
       {{"parameters",
         {Parameter("after", "query", {{"type", "integer"}}, "sequence to start after"),
          Parameter("limit", "query", {{"type", "integer"}}, "at most this many (≤ 500)")}},
        {"responses", {{"200", JsonResponse("events", {{"type", "object"}})}}}},
       [this](const Call& call, Respond respond) {
         std::int64_t after = 0, limit = 100;
         for (const auto& [name, value] : call.request.query) {
           std::int64_t n = 0;
           auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
           bool ok = ec == std::errc() && end == value.data() + value.size() && n >= 0;
           if ((name != "after" && name != "limit") || !ok ||
               (name == "limit" && (n < 1 || n > app::kMaxPageSize))) {
             return respond(Problem(
                 {ErrorCode::kBadRequest, "bad query", {{name, "is not a valid parameter here"}}}));
           }
           (name == "after" ? after : limit) = n;
         }
         auto events = ledger_.Events(after, limit);
         if (!events) return respond(Problem(events.error()));
         json::object body{{"items", *events}};
         body["next_after"] =
             events->empty() ? after : events->back().as_object().at("sequence").as_int64();
         respond(Json(200, std::move(body)));
       }});

  Add({"GET",
       "/api/v1/sla/at-risk",
       kEveryRole,
       "Open cases whose service clock is breached, warned, or due within `within` minutes, by "
       "due instant (a vendor agent sees its own vendor's cases).",
       {{"parameters",
         {Parameter("within", "query", {{"type", "integer"}},
                    "also clocks due within this many minutes (0 to 10080; default 0)"),
          Parameter("limit", "query", {{"type", "integer"}}, "at most this many (1 to 500)")}},
        {"responses",
         {{"200", JsonResponse("clocks at risk", {{"type", "object"}})},
          {"400", ProblemResponse("a bad parameter")}}}},
       [this](const Call& call, Respond respond) {
         std::int64_t within = 0, limit = 100;
         FieldErrors bad;
         for (const auto& [name, value] : call.request.query) {
           std::int64_t parsed = -1;
           auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
           std::optional<std::int64_t> n;
           if (ec == std::errc() && end == value.data() + value.size() && parsed >= 0) n = parsed;
           if (name == "within" && n && *n <= 7 * 24 * 60) {
             within = *n;
           } else if (name == "limit" && n && *n >= 1 && *n <= app::kMaxPageSize) {
             limit = *n;
           } else if (name == "within" || name == "limit") {
             bad.Add(name, "is out of range");
           } else {
             bad.Add(name, "is not a parameter here");
           }
         }
         if (!bad.empty()) return respond(BadQuery(bad));
         const std::optional<domain::Id> only_vendor = OnlyVendorOf(call.who);
         json::array items;
         for (auto& item : app_.clocks().AtRisk(Now(), within, only_vendor,
                                               static_cast<std::size_t>(limit))) {
           items.push_back(json::object{{"case", CaseSummary(item.kase)},
                                        {"clock", domain::ToJson(item.clock)}});
         }
         respond(Json(200, json::object{{"items", std::move(items)}}));
       }});

  AddReports();

  AddSignalLists();

  // The customer 360 (app/timeline.hpp): an account's or a person's whole history.
  for (bool person : {false, true}) {
    const std::string noun = person ? "person" : "account";
    json::array parameters{
        Parameter("id", "path", {{"type", "integer"}}, "the " + noun, true),
        Parameter("limit", "query", {{"type", "integer"}}, "page size, 1 to 200 (default 50)"),
        Parameter("cursor", "query", {{"type", "string"}}, "next_cursor of the previous page"),
        Parameter("kinds", "query", {{"type", "string"}},
                  "only these kinds, comma-separated: interaction and the entities of events "
                  "(case, agreement, account, person, ...)")};
    json::object page{
        {"type", "object"},
        {"properties",
         {{"header", {{"type", "object"}}},
          {"items", {{"type", "array"}, {"items", {{"type", "object"}}}}},
          {"next_cursor", {{"type", "string"}, {"nullable", true}}}}}};
    Add({"GET",
         std::string("/api/v1/") + (person ? "people" : "accounts") + "/{id}/timeline",
         kEveryRole,
         "The " + noun + "'s timeline, newest first: every interaction on every channel merged "
             "with the events of " +
             (person ? "the person and the cases they requested" : "its cases, agreements, "
                                                                   "people and the account") +
             ", cursor-paged, under a header of what an agent needs at a glance (a vendor "
             "agent sees other vendors' interactions as summaries, its own vendor's cases "
             "only, no agreements and no money).",
         {{"parameters", std::move(parameters)},
          {"responses",
           {{"200", JsonResponse("a page: header, items, next_cursor", std::move(page))},
            {"400", ProblemResponse("a bad limit, cursor or kinds, or an unknown parameter")},
            {"404", ProblemResponse("no such " + noun + ", or not visible to the caller")}}}},
         [this, person](const Call& call, Respond respond) {
           auto id = ParseId(call.params[0]);
           if (!id) return respond(Problem({ErrorCode::kNotFound, "no such record", {}}));
           auto params = app::ParseTimelineParams(call.request.query);
           if (!params) return respond(Problem(params.error()));
           auto answer =
               person ? app::PersonTimeline(app_.store(), app_.signals(), call.who, *id, *params)
                      : app::AccountTimeline(app_.store(), app_.signals(), call.who, *id, *params);
           if (!answer) return respond(Problem(answer.error()));
           // Serialised here, so that the request's measured time (metrics, Server-Timing)
           // is the whole of the server's work on it.
           respond(HttpResponse{200, "application/json", json::serialize(*answer), {}});
         }});
  }

  for (const auto& collection : ledger_.collections()) {
    std::string_view name = collection->name();
    unsigned writers = kAdmin | kManager;
    if (name == "users") writers = kAdmin;
    if (name == "accounts") writers = kAdmin | kManager | kAgent;
    if (name == "people" || name == "cases" || name == "interactions") {
      writers = kAdmin | kManager | kAgent | kVendorAgent;
    }
    // Advocacy is in-house work: vendor agents have no access (docs/advocacy.md).
    unsigned readers = kEveryRole;
    if (name == "escalations" || name == "trials" || name == "mitigating_services" ||
        name == "root_cause_categories") {
      readers = kAdmin | kManager | kAgent | kViewer;
      if (name == "escalations" || name == "trials") writers = kAdmin | kManager | kAgent;
      if (name == "root_cause_categories") writers = kAdmin;
    }
    AddCollection(*collection, writers, readers);
  }
  AddAdvocacy();

  Add({"POST",
       "/api/v1/interactions/batch",
       kAdmin | kManager | kAgent | kVendorAgent,
       "Ingest many interactions atomically: all land or none.",
       {{"requestBody",
         JsonBody({{"items", {{"type", "array"}, {"items", Ref("Interaction")}}}}, {"items"})},
        {"responses",
         {{"200", JsonResponse("every item stored (or already stored)", {{"type", "object"}})},
          {"409", ProblemResponse("an external id reused with different content")},
          {"413", ProblemResponse("too many items")},
          {"422", ProblemResponse("bad items, named items[i].field")}}}},
       [this](const Call& call, Respond respond) {
         auto body = ParseBody(call.request.body);
         if (!body) return respond(Problem(body.error()));
         ledger_.CreateInteractions(call.who, std::move(*body),
                                    [respond](Result<std::vector<app::Record>> r) {
                                      if (!r) return respond(Problem(r.error()));
                                      // Each item's answer is mostly its event's text already.
                                      std::string items = "{\"items\":[";
                                      for (const app::Record& rec : *r) {
                                        if (items.back() != '[') items.push_back(',');
                                        items += rec.text ? *rec.text : json::serialize(rec.body);
                                      }
                                      items += "]}";
                                      respond(HttpResponse{200, "application/json",
                                                           std::move(items), {}});
                                    });
       }});
  AddImports();
  AddSessions();
  AddLive();
  BuildOpenApi();
}

namespace {

// An import upload: the body's chunks go to the importer as they arrive; the answer is
// the summary with the first rejects.
class ImportSink final : public BodySink {
 public:
  static constexpr std::size_t kRejectsShown = 100;

  ImportSink(app::ImportKind kind, std::shared_ptr<json::array> rejects,
             std::unique_ptr<app::Importer> importer)
      : kind_(kind), rejects_(std::move(rejects)), importer_(std::move(importer)) {}

  std::optional<HttpResponse> Feed(std::string_view chunk) override {
    auto fed = importer_->Feed(chunk);
    if (fed) return std::nullopt;
    importer_.reset();  // waits for a batch in flight; nothing more is written
    return Problem(fed.error());
  }

  HttpResponse Finish() override {
    auto summary = importer_->Finish();
    importer_.reset();
    if (!summary) return Problem(summary.error());
    json::object body = app::SummaryJson(kind_, *summary);
    body["rejects"] = std::move(*rejects_);
    body["rejects_shown"] = std::min<std::int64_t>(summary->rejected, kRejectsShown);
    HttpResponse response{200, "application/json", {}, {}};
    response.json = std::move(body);
    response.has_json = true;
    return response;
  }

  void Abort() override { importer_.reset(); }

 private:
  app::ImportKind kind_;
  std::shared_ptr<json::array> rejects_;
  std::unique_ptr<app::Importer> importer_;
};

}  // namespace

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
  }
  return {};
}

namespace {

// A problem whose status has no error code of its own (415, 429).
HttpResponse StatusProblem(int status, std::string title, std::string detail) {
  json::object body{{"type", "urn:rapport:problem:" + title},
                    {"title", title},
                    {"status", status},
                    {"detail", std::move(detail)}};
  return HttpResponse{status, "application/problem+json", json::serialize(body), {}};
}

std::string SessionCookie(std::string_view value, std::int64_t max_age, bool secure) {
  // SameSite=Strict: no other site's page makes the browser send it; HttpOnly: no script
  // reads it; Secure when the client reached us over TLS (through the proxy).
  return std::string(kSessionCookie) + "=" + std::string(value) +
         "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

json::object PrincipalJson(const app::Principal& who) {
  json::object out{{"user_id", who.user_id}, {"role", domain::Name(who.role)}};
  out["vendor_id"] = who.vendor_id ? json::value(*who.vendor_id) : json::value(nullptr);
  return out;
}

}  // namespace

void Router::AddSessions() {
  json::object session_schema{
      {"type", "object"},
      {"properties",
       {{"user", Ref("User")},
        {"user_id", {{"type", "integer"}}},
        {"role", {{"type", "string"}}},
        {"vendor_id", {{"type", "integer"}, {"nullable", true}}},
        {"csrf_token", {{"type", "string"}, {"nullable", true}}},
        {"expires_at", {{"type", "string"}, {"format", "date-time"}}}}}};
  Add({"POST",
       "/api/v1/session",
       kPublic,
       "Sign in to the web workspace with email and password: sets the HttpOnly session "
       "cookie and answers the CSRF token that cookie-authenticated writes send as "
       "X-CSRF-Token. A wrong email or password is one 401; repeated failures for an email "
       "answer 429 with Retry-After.",
       {{"requestBody",
         JsonBody({{"email", {{"type", "string"}}}, {"password", {{"type", "string"}}}},
                  {"email", "password"})},
        {"responses",
         {{"200", JsonResponse("signed in; Set-Cookie carries the session", session_schema)},
          {"400", ProblemResponse("not JSON")},
          {"401", ProblemResponse("wrong email or password")},
          {"415", ProblemResponse("the body is not application/json")},
          {"422", ProblemResponse("email or password missing or not strings")},
          {"429", ProblemResponse("too many failed sign-ins for this email; wait Retry-After")}}}},
       [this](const Call& call, Respond respond) {
         // Only JSON: a page on another site cannot send it without our consent (CORS), so
         // it cannot sign a victim's browser in to the attacker's account.
         if (!call.request.content_type.starts_with("application/json")) {
           return respond(StatusProblem(415, "unsupported_media_type",
                                        "the body must be application/json"));
         }
         auto body = ParseBody(call.request.body);
         if (!body) return respond(Problem(body.error()));
         std::vector<FieldError> bad;
         const json::object* fields = body->if_object();
         auto text = [&](std::string_view name) -> std::string {
           const json::value* v = fields ? fields->if_contains(name) : nullptr;
           if (!v || !v->is_string() || v->as_string().empty()) {
             bad.push_back({std::string(name), "required, a non-empty string"});
             return {};
           }
           return std::string(v->as_string());
         };
         std::string email = text("email");
         std::string password = text("password");
         if (!bad.empty()) {
           return respond(Problem({ErrorCode::kInvalid, "sign-in needs email and password",
                                   std::move(bad)}));
         }
         if (auto wait = sessions_.RetryAfter(email)) {
           auto refusal = StatusProblem(429, "too_many_requests",
                                        "too many failed sign-ins for this email; retry in " +
                                            std::to_string(*wait) + " s");
           refusal.headers.emplace_back("Retry-After", std::to_string(*wait));
           return respond(std::move(refusal));
         }
         bool secure = call.request.https;
         auto lifetime = sessions_.options().lifetime.count();
         sessions_.SignIn(email, password, [respond, secure, lifetime](Result<app::SignedIn> r) {
           if (!r) return respond(Problem(r.error()));
           json::object out = PrincipalJson(r->who);
           out["csrf_token"] = r->csrf_token;
           out["expires_at"] = FormatRfc3339(r->expires_at);
           HttpResponse response = Json(200, std::move(out));
           response.headers.emplace_back("Set-Cookie", SessionCookie(r->token, lifetime, secure));
           respond(std::move(response));
         });
       }});
  Add({"GET",
       "/api/v1/session",
       kEveryRole,
       "The caller and, when signed in with the session cookie, its CSRF token (null for a "
       "bearer token, which needs none).",
       {{"responses", {{"200", JsonResponse("the caller", session_schema)}}}},
       [this](const Call& call, Respond respond) {
         auto me = ledger_.Me(call.who);
         if (!me) return respond(Problem(me.error()));
         json::object out = PrincipalJson(call.who);
         out["user"] = me->text ? json::parse(*me->text) : std::move(me->body);
         std::string_view session = CookieValue(call.request.cookie, kSessionCookie);
         bool by_cookie = call.request.authorization.empty() && !session.empty();
         out["csrf_token"] =
             by_cookie ? json::value(app::CsrfTokenFor(session)) : json::value(nullptr);
         respond(Json(200, std::move(out)));
       }});
  Add({"DELETE",
       "/api/v1/session",
       kEveryRole,
       "Sign out: ends the session and clears its cookie (a bearer token stays valid).",
       {{"responses", {{"204", {{"description", "signed out"}}}}}},
       [this](const Call& call, Respond respond) {
         bool secure = call.request.https;
         auto cleared = [respond, secure](Result<void> r) {
           if (!r) return respond(Problem(r.error()));
           HttpResponse response{204, "application/json", {}, {}};
           response.headers.emplace_back("Set-Cookie", SessionCookie("", 0, secure));
           respond(std::move(response));
         };
         std::string_view session = CookieValue(call.request.cookie, kSessionCookie);
         if (!call.request.authorization.empty() || session.empty()) return cleared({});
         sessions_.SignOut(session, std::move(cleared));
       }});
}

namespace {

// The desk's cursor: "<due ms>:<case id>", or "-:<case id>" among the cases with no clock
// running.
std::string FormatOpenCaseCursor(const app::Clocks::OpenCasePosition& at) {
  return (at.due ? std::to_string(at.due->ms) : std::string("-")) + ":" +
         std::to_string(at.case_id);
}

std::optional<app::Clocks::OpenCasePosition> ParseOpenCaseCursor(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto id = ParseId(text.substr(colon + 1));
  if (!id) return std::nullopt;
  std::string_view due = text.substr(0, colon);
  if (due == "-") return app::Clocks::OpenCasePosition{std::nullopt, *id};
  std::int64_t ms = 0;
  auto [end, ec] = std::from_chars(due.data(), due.data() + due.size(), ms);
  if (due.empty() || ec != std::errc() || end != due.data() + due.size()) return std::nullopt;
  return app::Clocks::OpenCasePosition{Instant{ms}, *id};
}

// A sequence of the event log: a non-negative integer.
std::optional<std::int64_t> ParseSequence(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < 0) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

void Router::AddLive() {
  Add({"GET",
       "/api/v1/sla/open-cases",
       kEveryRole,
       "Every open case the caller may see, soonest due first: one row per case with its most "
       "urgent clock (cases with none running — paused, met or under no policy — last, by id) "
       "and its account's name; cursor-paged, with the number of open cases in all (a vendor "
       "agent sees its own vendor's), and `sequence`, the event log's sequence the page "
       "reflects: GET /api/v1/stream?after=<sequence> then tells every change since.",
       {{"parameters",
         {Parameter("limit", "query", {{"type", "integer"}}, "page size, 1 to 500 (default 100)"),
          Parameter("cursor", "query", {{"type", "string"}}, "next_cursor of the previous page")}},
        {"responses",
         {{"200", JsonResponse("a page: items ({case, clock}), total, next_cursor, sequence",
                               {{"type", "object"},
                                {"properties",
                                 {{"items", {{"type", "array"}, {"items", {{"type", "object"}}}}},
                                  {"total", {{"type", "integer"}}},
                                  {"next_cursor", {{"type", "string"}, {"nullable", true}}},
                                  {"sequence", {{"type", "integer"}}}}}})},
          {"400", ProblemResponse("a bad limit or cursor, or an unknown parameter")}}}},
       [this](const Call& call, Respond respond) {
         std::size_t limit = 100;
         std::optional<app::Clocks::OpenCasePosition> after;
         FieldErrors bad;
         for (const auto& [name, value] : call.request.query) {
           if (name == "limit") {
             auto n = ParseId(value);
             if (!n || *n > app::kMaxPageSize) {
               bad.Add("limit",
                       "must be an integer from 1 to " + std::to_string(app::kMaxPageSize));
             } else {
               limit = static_cast<std::size_t>(*n);
             }
           } else if (name == "cursor") {
             after = ParseOpenCaseCursor(value);
             if (!after) bad.Add("cursor", "is not a cursor this server gave");
           } else {
             bad.Add(name, "is not a parameter here");
           }
         }
         if (!bad.empty()) return respond(BadQuery(bad));
         const std::optional<domain::Id> only_vendor = OnlyVendorOf(call.who);
         auto page = app_.clocks().OpenCases(Now(), only_vendor, after, limit);
         json::array items;
         for (auto& item : page.items) {
           json::object kase = CaseSummary(item.kase);
           kase["account_name"] = item.account_name;
           items.push_back(
               json::object{{"case", std::move(kase)}, {"clock", domain::ToJson(item.clock)}});
         }
         json::object body{{"items", std::move(items)},
                           {"total", page.total},
                           {"sequence", page.sequence},
                           {"next_cursor", page.next ? json::value(FormatOpenCaseCursor(*page.next))
                                                     : json::value(nullptr)}};
         respond(Json(200, std::move(body)));
       }});

  Add({"GET",
       "/api/v1/stream",
       kEveryRole,
       "The change feed, live, as server-sent events (text/event-stream): each committed "
       "event the caller may know of, as it commits, with its sequence as the message id. "
       "Admins and managers get whole events, as GET /api/v1/events answers them; everyone "
       "else notices (sequence, at, entity, entity_id, action, account_id) of what the "
       "customer 360 shows them: every interaction, and the events naming an account that "
       "they may see (a vendor agent: not another vendor's cases). Resumes after Last-Event-ID "
       "(or `after`), replaying what was missed, up to 10,000 events. Opened without a "
       "position, or asked for one further back, it starts afresh with an `event: reset` "
       "message naming the sequence it starts after. A `: heartbeat` comment comes after 15 s of "
       "quiet (--heartbeat-seconds). The stream ends when the caller's sign-in does, and when "
       "the server stops; at most --max-streams are open at once.",
       {{"parameters",
         {Parameter("after", "query", {{"type", "integer"}},
                    "start after this sequence (default: now); Last-Event-ID wins"),
          Parameter("Last-Event-ID", "header", {{"type", "integer"}},
                    "the id of the last message received: resume after it")}},
        {"responses",
         {{"200", {{"description", "the stream"},
                   {"content", {{"text/event-stream", {{"schema", {{"type", "string"}}}}}}}}},
          {"400", ProblemResponse("a bad `after` or Last-Event-ID, or an unknown parameter")},
          {"503", ProblemResponse("the server holds as many streams as it may; retry later")}}}},
       [this](const Call& call, Respond respond) {
         std::optional<std::int64_t> after;
         FieldErrors bad;
         for (const auto& [name, value] : call.request.query) {
           if (name != "after") {
             bad.Add(name, "is not a parameter here");
           } else if (!(after = ParseSequence(value))) {
             bad.Add("after", "must be an event sequence (an integer, 0 or more)");
           }
         }
         if (call.request.last_event_id) {
           auto resumed = ParseSequence(*call.request.last_event_id);
           if (!resumed) bad.Add("Last-Event-ID", "is not an event id this server sent");
           after = resumed;
         }
         if (!bad.empty()) return respond(BadQuery(bad));
         auto slot = streams_.Take(call.who.user_id);
         if (!slot) {
           auto busy = StatusProblem(503, "unavailable",
                                     "the server holds as many event streams as it may (" +
                                         std::to_string(limits_.max_streams) +
                                         ", --max-streams; " + std::to_string(kStreamsPerUser) +
                                         " per user); retry later");
           busy.headers.emplace_back("Retry-After", "10");
           return respond(std::move(busy));
         }
         const bool whole = (RoleBitOf(call.who.role) & kEventLogReaders) != 0;
         auto follower = app_.live().Follow(call.who, whole, after);
         if (!follower) return respond(Problem(follower.error()));
         // The stream lasts while the credentials it was opened with name the same caller.
         HttpRequest credentials;
         credentials.authorization = call.request.authorization;
         credentials.cookie = call.request.cookie;
         auto allowed = [this, credentials = std::move(credentials), who = call.who] {
           auto now = Authenticate(credentials);
           return now && now->user_id == who.user_id && now->role == who.role &&
                  now->vendor_id == who.vendor_id;
         };
         HttpResponse response{200, "text/event-stream", {}, {}};
         // Proxies that buffer answers (nginx) pass this one on as it comes.
         response.headers.emplace_back("X-Accel-Buffering", "no");
         response.stream = std::make_shared<EventStream>(std::move(*follower),
                                                         std::move(allowed), std::move(*slot));
         respond(std::move(response));
       }});
}

void Router::AddImports() {
  for (auto [name, kind, extra] :
       {std::tuple{"csv", app::ImportKind::kCsv,
                   "CSV with a header of documented columns (docs/importing.md)"},
        std::tuple{"ndjson", app::ImportKind::kNdjson,
                   "one interaction object per line, as POST /api/v1/interactions takes"},
        std::tuple{"queue-log", app::ImportKind::kQueueLog,
                   "Asterisk queue_log; unknown queues and agents are created under vendor_id"}}) {
    auto text = [](const char* param, const char* description) {
      return Parameter(param, "query", {{"type", "string"}}, description);
    };
    json::array parameters{text("source", "source of the records (default csv, ndjson or asterisk)")};
    if (kind != app::ImportKind::kNdjson) {
      parameters.push_back(text("time_zone", "IANA zone of local times (default UTC)"));
    }
    if (kind == app::ImportKind::kCsv) {
      parameters.push_back(text("map", "header to column, Header=field (repeatable; =- ignores)"));
      parameters.push_back(text("delimiter", "cell delimiter, one character (default ,)"));
    }
    if (kind == app::ImportKind::kQueueLog) {
      parameters.push_back(Parameter("vendor_id", "query", {{"type", "integer"}},
                                     "vendor of the queues and agents created for unknown names"));
    }
    Route route{
        "POST",
        "/api/v1/imports/" + std::string(name),
        kAdmin | kManager,
        "Import interactions" +
            std::string(kind == app::ImportKind::kQueueLog ? " and agent sessions" : "") +
            " from an uploaded file: " + extra +
            ". The body is read as it arrives, written in batches (each one transaction) and "
            "idempotent on (source, external_id); answers the summary and the first 100 rejects.",
        {{"parameters", std::move(parameters)},
         {"requestBody",
          {{"required", true},
           {"content", {{kind == app::ImportKind::kCsv      ? "text/csv"
                          : kind == app::ImportKind::kNdjson ? "application/x-ndjson"
                                                              : "text/plain",
                          {{"schema", {{"type", "string"}}}}}}}}},
         {"responses",
          {{"200", JsonResponse("the summary: lines, imported, duplicates, rejected, rejects",
                                {{"type", "object"}})},
           {"400", ProblemResponse("a bad or unknown query parameter, named")},
           {"413", ProblemResponse("the body is over the server's --max-import-bytes")},
           {"422", ProblemResponse("a bad CSV header or option, named; nothing was written")}}}},
        nullptr};
    route.upload = [this, kind](const Call& call) -> Result<std::unique_ptr<BodySink>> {
      app::ImportOptions options;
      options.kind = kind;
      FieldErrors bad;
      for (const auto& [param, value] : call.request.query) {
        if (param == "source" && !value.empty()) {
          options.source = value;
        } else if (param == "time_zone" && kind != app::ImportKind::kNdjson) {
          options.time_zone = value;
        } else if (param == "map" && kind == app::ImportKind::kCsv) {
          auto eq = value.find('=');
          if (eq == std::string::npos || eq == 0) {
            bad.Add("map", "'" + value + "' is not Header=field");
          } else {
            options.column_map.emplace_back(value.substr(0, eq), value.substr(eq + 1));
          }
        } else if (param == "delimiter" && kind == app::ImportKind::kCsv) {
          if (value == "\\t" || value == "tab") {
            options.delimiter = '\t';
          } else if (value.size() == 1) {
            options.delimiter = value[0];
          } else {
            bad.Add("delimiter", "must be one character");
          }
        } else if (param == "vendor_id" && kind == app::ImportKind::kQueueLog) {
          auto id = ParseId(value);
          if (!id) {
            bad.Add("vendor_id", "must be a positive integer");
          } else {
            options.vendor_id = *id;
          }
        } else {
          bad.Add(param, "is not a parameter of this import");
        }
      }
      if (!bad.empty()) return Fail(ErrorCode::kBadRequest, "bad query", bad.list());
      auto rejects = std::make_shared<json::array>();
      options.on_reject = [rejects](const ingest::Reject& r) {
        if (rejects->size() < ImportSink::kRejectsShown) {
          rejects->push_back(json::object{{"line", r.line}, {"reason", r.reason}});
        }
      };
      auto importer = app::Importer::Start(app_.store(), ledger_, call.who, std::move(options));
      if (!importer) {
        Error error = importer.error();
        if (error.code == ErrorCode::kNotFound) error.code = ErrorCode::kInvalid;  // vendor_id
        for (auto& f : error.fields) {
          if (f.field == "vendor") f.field = "vendor_id";
        }
        return std::unexpected(std::move(error));
      }
      return std::unique_ptr<BodySink>(
          std::make_unique<ImportSink>(kind, std::move(rejects), std::move(*importer)));
    };
    Add(std::move(route));
  }
}

Result<json::value> Router::ParseBody(const std::string& text) const {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = limits_.max_json_depth;
  auto body = json::parse(text, ec, {}, options);
  if (ec) {
    return Fail(ErrorCode::kBadRequest, "malformed JSON: " + ec.message(),
                {{"body", ec.message()}});
  }
  return body;
}

void Router::Add(Route route) {
  // Every route states who may call it and what it does: the OpenAPI test relies on it.
  RAPPORT_CHECK(route.roles != 0);
  RAPPORT_CHECK(!route.summary.empty());
  RAPPORT_CHECK(route.openapi.contains("responses"));
  for (auto segment : Segments(route.pattern)) route.segments.emplace_back(segment);
  if (route.upload) {
    // A body already read whole (tests, or a server that does not stream) in one piece.
    route.handler = [upload = route.upload](const Call& call, Respond respond) {
      auto sink = upload(call);
      if (!sink) return respond(Problem(sink.error()));
      if (auto stop = (*sink)->Feed(call.request.body)) return respond(std::move(*stop));
      respond((*sink)->Finish());
    };
  }
  routes_.push_back(std::move(route));
}

void Router::AddReport(std::string path, unsigned roles, std::string summary,
                       json::array parameters, Report report) {
  Add({"GET",
       std::move(path),
       roles,
       std::move(summary),
       {{"parameters", std::move(parameters)},
        {"responses",
         {{"200", JsonResponse("the report", {{"type", "object"}})},
          {"400", ProblemResponse("a bad or unknown parameter, named")},
          {"404", ProblemResponse("a vendor the caller may not see")}}}},
       [report = std::move(report)](const Call& call, Respond respond) {
         auto answer = report(call.who, call.request.query);
         if (!answer) return respond(Problem(answer.error()));
         respond(Json(200, std::move(*answer)));
       }});
}

// The parameters every report over contacts reads (app/report_params.hpp).
json::array CommonReportParameters() {
  auto text = [](const char* name, const char* description) {
    return Parameter(name, "query", {{"type", "string"}}, description);
  };
  return {text("from", "RFC 3339 instant or date (local midnight); default: the start of last month"),
          text("to", "exclusive end, like from; default: the start of this month"),
          text("time_zone", "IANA zone of dates and period boundaries (default UTC)"),
          text("period", "15m, 30m, 60m, day, week or month (default month)"),
          text("group_by", "comma-separated: vendor, channel, queue, agent, segment, period, hour_of_week"),
          text("vendor_id", "only this vendor (a vendor agent: always its own)"),
          text("queue_id", "only these queues (comma-separated ids)"),
          text("channel", "only this channel"),
          text("agent_id", "only this agent")};
}

void Router::AddSignalLists() {
  const json::array filters{
      Parameter("rule", "query", {{"type", "string"}}, "only this rule"),
      Parameter("severity", "query", {{"type", "string"}}, "only this severity or higher"),
      Parameter("limit", "query", {{"type", "integer"}}, "at most this many (1 to 500)"),
      Parameter("cursor", "query", {{"type", "string"}}, "resume after this item")};
  struct Scope {
    std::string path;
    std::string summary;
    const char* what;  // the path's {id}, if any
  };
  const std::vector<Scope> scopes = {
      {"/api/v1/signals",
       "Every account's live signals (relationships coming apart), each with its evidence and a "
       "suggested action, by account; filters account_id and case_id.",
       nullptr},
      {"/api/v1/accounts/{id}/signals", "The account's live signals.", "account"},
      {"/api/v1/cases/{id}/signals", "The case's live signals.", "case"}};
  for (const Scope& scope : scopes) {
    json::array parameters = filters;
    if (scope.what) {
      parameters.push_back(Parameter("id", "path", {{"type", "integer"}}, std::string("the ") + scope.what));
    } else {
      parameters.push_back(Parameter("account_id", "query", {{"type", "integer"}}, "only this account's"));
      parameters.push_back(Parameter("case_id", "query", {{"type", "integer"}}, "only this case's"));
    }
    const std::string what = scope.what ? scope.what : "";
    Add({"GET",
         scope.path,
         kEveryRole,
         scope.summary + " A vendor agent sees those of its own vendor's cases and of no case.",
         {{"parameters", std::move(parameters)},
          {"responses",
           {{"200", JsonResponse("the signals", {{"type", "object"}})},
            {"400", ProblemResponse("a bad parameter")},
            {"404", ProblemResponse("no such account or case")}}}},
         [this, what](const Call& call, Respond respond) {
           app::SignalScope where;
           if (!what.empty()) {
             auto id = ParseId(call.params[0]);
             if (!id) return respond(Problem({ErrorCode::kNotFound, "no such " + what, {}}));
             (what == "account" ? where.account_id : where.case_id) = *id;
           }
           auto answer = app::ListSignals(app_.signals(), call.who, call.request.query, where);
           if (!answer) return respond(Problem(answer.error()));
           respond(Json(200, std::move(*answer)));
         }});
  }
}

void Router::AddReports() {
  json::array service_level = CommonReportParameters();
  for (const char* name : {"threshold_seconds", "short_abandon_seconds", "fcr_days"}) {
    service_level.push_back(Parameter(name, "query", {{"type", "integer"}},
                                      "see docs/service-analytics.md"));
  }
  service_level.push_back(Parameter("fcr_repeat_by", "query", {{"type", "string"}},
                                    "whose further contacts undo a first-contact resolution: "
                                    "account (default) or person"));
  AddReport("/api/v1/reports/service-level", kEveryRole,
            "Service level (three abandon treatments), abandonment, speed of answer, handle time "
            "and first-contact resolution, grouped as asked (threshold_seconds.<channel> sets one "
            "channel's T).",
            std::move(service_level), [this](const app::Principal& who, const app::ReportParams& p) {
              return app_.analytics().ServiceLevel(who, p, Now());
            });

  auto integer = [](const char* name, const char* description) {
    return Parameter(name, "query", {{"type", "integer"}}, description);
  };
  auto text = [](const char* name, const char* description) {
    return Parameter(name, "query", {{"type", "string"}}, description);
  };
  AddReport("/api/v1/reports/signals", kEveryRole,
            "Signals over time: per period, the signals raised, cleared and live at the "
            "period's end, in all, by rule and by severity, from the recorded history (a vendor "
            "agent counts those of its own vendor's cases and of no case).",
            {text("from", "RFC 3339 instant or date (local midnight); default: 365 days before to"),
             text("to", "exclusive end, like from; default: now"),
             text("time_zone", "IANA zone of dates and periods (default UTC)"),
             text("period", "day, week or month (default month)")},
            [this](const app::Principal& who, const app::ReportParams& p) {
              return app::SignalReport(app_.store(), who, p, Now());
            });

  json::array scorecard = CommonReportParameters();
  scorecard.erase(scorecard.begin() + 3, scorecard.begin() + 5);  // no period, no group_by
  for (auto p : {integer("agreement_id", "one vendor agreement"),
                 text("abandons", "service level's abandons: ignored, against (default) or for"),
                 integer("deep_dive", "entries per dimension of a deep dive (0 to 50, default 5)"),
                 integer("interval_minutes", "15, 30 (default) or 60: intervals of the surplus"),
                 integer("short_abandon_seconds", "default 5"), integer("fcr_days", "default 7"),
                 text("fcr_repeat_by", "account (default) or person")}) {
    scorecard.push_back(std::move(p));
  }
  AddReport("/api/v1/reports/scorecard", kAdmin | kManager | kViewer | kVendorAgent,
            "Vendor scorecards per agreement and month: each contracted target, flagged beyond "
            "its band, the schedule's penalty or credit, a deep-dive list, surplus agent-hours "
            "(a vendor agent sees its own vendor's).",
            std::move(scorecard), [this](const app::Principal& who, const app::ReportParams& p) {
              return app_.analytics().Scorecard(who, p, Now());
            });

  json::array coverage = {integer("agreement_id", "the vendor agreement (required)"),
                          text("from", "RFC 3339 instant or date; default: the start of last month"),
                          text("to", "exclusive end; default: the start of this month"),
                          text("time_zone", "default: the coverage calendar's"),
                          text("queue_id", "only these of the agreement's queues"),
                          text("channel", "only this channel"),
                          text("trim_below", "contacts per week under which an edge hour may go (default 2)"),
                          text("extend_above", "contacts per week outside coverage over which to extend (default 5)"),
                          text("service_level_percent", "target for sizing agent-hours (default the agreement's)"),
                          text("threshold_seconds", "T of that target"),
                          integer("short_abandon_seconds", "default 5")};
  AddReport("/api/v1/reports/coverage", kAdmin | kManager | kViewer | kVendorAgent,
            "Coverage hours of a vendor agreement: contacts by hour of week inside and outside "
            "its coverage calendar, edge hours, and trim or extend recommendations with "
            "agent-hours and money.",
            std::move(coverage), [this](const app::Principal& who, const app::ReportParams& p) {
              return app_.analytics().Coverage(who, p, Now());
            });

  AddReport("/api/v1/reports/deadlines", kAdmin | kManager | kViewer | kVendorAgent,
            "Every agreement's notice deadline (end date minus notice days), days remaining and "
            "alerts at the lead times.",
            {text("time_zone", "what today is (default UTC)"),
             text("lead_days", "alert lead times in days, comma-separated (default 90,60,30,7)"),
             text("kind", "customer or vendor"),
             integer("within_days", "only deadlines at most this many days ahead (passed ones always)")},
            [this](const app::Principal& who, const app::ReportParams& p) {
              return app_.analytics().Deadlines(who, p, Now());
            });

  AddReport("/api/v1/reports/staffing", kEveryRole,
            "Agents required per interval of the coming week from a forecast (same interval of "
            "past weeks), or for one interval with `calls` (Erlang C; Erlang A with "
            "patience_seconds).",
            {text("from", "the planned week's start (default: next Monday 00:00 in the zone)"),
             text("time_zone", "IANA zone (default UTC)"),
             text("period", "15m, 30m (default) or 60m"),
             integer("weeks", "weeks of history (1 to 52, default 4)"),
             text("vendor_id", "only this vendor"), text("queue_id", "only these queues"),
             text("channel", "only this channel"),
             text("calls", "calculator: contacts in one interval"),
             text("interval_minutes", "calculator: the interval's length (default 30)"),
             text("aht_seconds", "mean handle time (default: the history's)"),
             text("service_level_percent", "default 80"), text("threshold_seconds", "default 20"),
             text("max_occupancy_percent", "default 100"), text("shrinkage_percent", "default 0"),
             text("patience_seconds", "mean patience: Erlang A")},
            [this](const app::Principal& who, const app::ReportParams& p) {
              return app_.analytics().Staffing(who, p, Now());
            });
}

// ---- customer advocacy (app/advocacy.hpp, docs/advocacy.md) -------------------------------

void Router::AddAdvocacy() {
  constexpr unsigned kInHouse = kAdmin | kManager | kAgent | kViewer;
  constexpr unsigned kAdvocates = kAdmin | kManager | kAgent;
  const json::object id_param = Parameter("id", "path", {{"type", "integer"}}, "the escalation", true);
  auto escalation_id = [](const Call& call) { return ParseId(call.params[0]); };
  const Error missing{ErrorCode::kNotFound, "no such escalation", {}};

  Add({"POST",
       "/api/v1/escalations/{id}/progress-updates",
       kAdvocates,
       "Log a progress update sent to the customer (by the caller; `at` defaults to now); "
       "answers the escalation. Agents only on escalations they own.",
       {{"parameters", json::array{id_param}},
        {"requestBody",
         JsonBody({{"channel", {{"type", "string"}}},
                      {"summary", {{"type", "string"}}},
                      {"at", {{"type", "string"}, {"format", "date-time"}}}},
                     {"channel", "summary"})},
        {"responses",
         {{"201", JsonResponse("logged; the escalation", Ref("Escalation"))},
          {"403", ProblemResponse("an agent who does not own the escalation")},
          {"404", ProblemResponse("no such escalation")},
          {"409", ProblemResponse("the escalation is reviewed (final)")},
          {"422", ProblemResponse("bad fields, each named")}}}},
       [this, escalation_id, missing](const Call& call, Respond respond) {
         auto id = escalation_id(call);
         if (!id) return respond(Problem(missing));
         auto body = ParseBody(call.request.body);
         if (!body) return respond(Problem(body.error()));
         advocacy_.LogProgressUpdate(call.who, *id, std::move(*body), [respond](Result<app::Record> r) {
           if (!r) return respond(Problem(r.error()));
           HttpResponse response = Json(201, std::move(r->body));
           response.headers.emplace_back("ETag", ETag(r->version));
           respond(std::move(response));
         });
       }});

  Add({"GET",
       "/api/v1/escalations/{id}/contacts",
       kInHouse,
       "Inbound contacts on the account since the escalation's close-out awaiting "
       "classification, each with Rapport's suggestion (same category within 30 days: "
       "related), and the classifications made.",
       {{"parameters", json::array{id_param}},
        {"responses",
         {{"200", JsonResponse("the contacts", {{"type", "object"}})},
          {"404", ProblemResponse("no such escalation")}}}},
       [this, escalation_id, missing](const Call& call, Respond respond) {
         auto id = escalation_id(call);
         if (!id) return respond(Problem(missing));
         auto answer = advocacy_.Contacts(call.who, *id);
         respond(answer ? Json(200, std::move(*answer)) : Problem(answer.error()));
       }});

  Add({"POST",
       "/api/v1/escalations/{id}/classifications",
       kAdvocates,
       "Classify a contact after close-out: related reopens the escalation to verifying; "
       "separate opens a new escalation referencing this one. Records who chose what, when, "
       "and what Rapport suggested.",
       {{"parameters", json::array{id_param}},
        {"requestBody",
         JsonBody({{"interaction_id", {{"type", "integer"}}},
                      {"choice", {{"type", "string"}, {"enum", {"related", "separate"}}}}},
                     {"interaction_id", "choice"})},
        {"responses",
         {{"201", JsonResponse("classified: the classification, the escalation and any new one",
                               {{"type", "object"}})},
          {"403", ProblemResponse("an agent who does not own the escalation")},
          {"404", ProblemResponse("no such escalation")},
          {"409", ProblemResponse("not closed, already classified, or related on a reviewed one")},
          {"422", ProblemResponse("bad fields, or not a contact awaiting classification")}}}},
       [this, escalation_id, missing](const Call& call, Respond respond) {
         auto id = escalation_id(call);
         if (!id) return respond(Problem(missing));
         auto body = ParseBody(call.request.body);
         if (!body) return respond(Problem(body.error()));
         advocacy_.Classify(call.who, *id, std::move(*body), [respond](Result<json::value> r) {
           respond(r ? Json(201, std::move(*r)) : Problem(r.error()));
         });
       }});

  Add({"GET",
       "/api/v1/escalations/{id}/overview",
       kInHouse,
       "The escalation with what follows from it now: the age of the last progress update, "
       "overdue plan actions, unmet criteria, what blocks the next stage, time in each stage, "
       "trials with their return on investment, contacts awaiting classification.",
       {{"parameters", json::array{id_param}},
        {"responses",
         {{"200", JsonResponse("the overview", {{"type", "object"}})},
          {"404", ProblemResponse("no such escalation")}}}},
       [this, escalation_id, missing](const Call& call, Respond respond) {
         auto id = escalation_id(call);
         if (!id) return respond(Problem(missing));
         auto answer = advocacy_.Overview(call.who, *id, Now());
         respond(answer ? Json(200, std::move(*answer)) : Problem(answer.error()));
       }});

  auto text = [](const char* name, const char* description) {
    return Parameter(name, "query", {{"type", "string"}}, description);
  };
  AddReport("/api/v1/reports/review", kAdmin | kManager | kViewer,
            "Management review of escalations opened in the range: by root-cause category, by "
            "owner (party and function) of the contributing factors, by severity, time spent in "
            "each stage, money at risk by currency, and the trend by month.",
            {text("from", "RFC 3339 instant or date (local midnight); default: a year before to"),
             text("to", "exclusive end, like from; default: now"),
             text("time_zone", "IANA zone of dates and months (default UTC)"),
             text("severity", "only this severity: low, medium, high or critical"),
             Parameter("owner_id", "query", {{"type", "integer"}}, "only this owner's escalations"),
             Parameter("account_id", "query", {{"type", "integer"}}, "only this account's")},
            [this](const app::Principal& who, const app::ReportParams& p) {
              return advocacy_.Review(who, p, Now());
            });
}

void Router::AddCollection(app::Collection& collection, unsigned write_roles,
                           unsigned read_roles) {
  std::string base = "/api/v1/" + std::string(collection.name());
  std::string entity(collection.entity());
  std::string schema_name = SchemaName(entity);

  json::array list_params{
      Parameter("limit", "query", {{"type", "integer"}}, "page size, 1 to 500 (default 50)"),
      Parameter("cursor", "query", {{"type", "string"}}, "next_cursor of the previous page"),
      Parameter("from", "query", {{"type", "string"}, {"format", "date-time"}},
                std::string(collection.time_field()) + " at or after"),
      Parameter("to", "query", {{"type", "string"}, {"format", "date-time"}},
                std::string(collection.time_field()) + " before")};
  for (auto field : collection.filter_fields()) {
    list_params.push_back(Parameter(field, "query", {{"type", "string"}}, "equals"));
  }

  Add({"GET",
       base,
       read_roles,
       "List " + std::string(collection.name()) + ", by id.",
       {{"parameters", list_params},
        {"responses",
         {{"200", JsonResponse("a page", PageOf(schema_name))},
          {"400", ProblemResponse("a bad filter or page parameter")},
          {"404", ProblemResponse("a filter names a record that does not exist")}}}},
       [&collection](const Call& call, Respond respond) {
         app::ListParams params;
         FieldErrors bad;
         for (const auto& [name, value] : call.request.query) {
           if (name == "limit") {
             auto n = ParseId(value);
             if (!n || *n > app::kMaxPageSize) {
               bad.Add("limit",
                       "must be an integer from 1 to " + std::to_string(app::kMaxPageSize));
             } else {
               params.limit = *n;
             }
           } else if (name == "cursor") {
             auto n = ParseId(value);
             if (!n) {
               bad.Add("cursor", "is not a cursor this server gave");
             } else {
               params.cursor = *n;
             }
           } else {
             params.filters.emplace_back(name, value);
           }
         }
         if (!bad.empty())
           return respond(Problem({ErrorCode::kBadRequest, "bad query", bad.list()}));
         auto page = collection.List(call.who, params);
         if (!page) return respond(Problem(page.error()));
         json::object body{{"items", std::move(page->items)}};
         body["next_cursor"] = page->next_cursor ? json::value(std::to_string(*page->next_cursor))
                                                 : json::value(nullptr);
         respond(Json(200, std::move(body)));
       }});

  Add({"POST",
       base,
       write_roles,
       "Create a " + entity + ".",
       {{"requestBody",
         {{"required", true}, {"content", {{"application/json", {{"schema", Ref(schema_name)}}}}}}},
        {"responses",
         {{"201", JsonResponse("created", Ref(schema_name))},
          {"200", JsonResponse("an idempotent repeat: the stored record", Ref(schema_name))},
          {"400", ProblemResponse("malformed JSON")},
          {"409", ProblemResponse("conflicts with a stored record")},
          {"413", ProblemResponse("body too large")},
          {"422", ProblemResponse("invalid fields, each named")}}}},
       [this, &collection, base](const Call& call, Respond respond) {
         auto body = ParseBody(call.request.body);
         if (!body) return respond(Problem(body.error()));
         collection.Create(call.who, std::move(*body), [respond, base](Result<app::Record> r) {
           if (!r) return respond(Problem(r.error()));
           const auto id = r->id;
           const auto version = r->version;
           HttpResponse response = Answer(r->already_existed ? 200 : 201, std::move(*r));
           response.headers.emplace_back("ETag", ETag(version));
           response.headers.emplace_back("Location", base + "/" + std::to_string(id));
           respond(std::move(response));
         });
       }});

  Add({"GET",
       base + "/{id}",
       read_roles,
       "Read one " + entity + ".",
       {{"parameters", json::array{kIdParam}},
        {"responses",
         {{"200", JsonResponse("the record; its version is the ETag", Ref(schema_name))},
          {"404", ProblemResponse("no such record, or not visible to the caller")}}}},
       [&collection](const Call& call, Respond respond) {
         auto id = ParseId(call.params[0]);
         if (!id) return respond(Problem({ErrorCode::kNotFound, "no such record", {}}));
         auto record = collection.Get(call.who, *id);
         if (!record) return respond(Problem(record.error()));
         std::string etag = ETag(record->version);
         HttpResponse response = Answer(200, std::move(*record));
         response.headers.emplace_back("ETag", std::move(etag));
         respond(std::move(response));
       }});

  Add({"PATCH",
       base + "/{id}",
       write_roles,
       "Update a " + entity + " with a JSON merge patch (RFC 7386); If-Match required.",
       {{"parameters",
         json::array{kIdParam, Parameter("If-Match", "header", {{"type", "string"}},
                                         "the ETag of the version being changed", true)}},
        {"requestBody",
         {{"required", true},
          {"content", {{"application/merge-patch+json", {{"schema", {{"type", "object"}}}}}}}}},
        {"responses",
         {{"200", JsonResponse("updated", Ref(schema_name))},
          {"404", ProblemResponse("no such record, or not visible to the caller")},
          {"409", ProblemResponse("an illegal status transition")},
          {"412", ProblemResponse("If-Match does not name the current version")},
          {"422", ProblemResponse("invalid fields, each named")},
          {"428", ProblemResponse("If-Match missing")}}}},
       [this, &collection](const Call& call, Respond respond) {
         auto id = ParseId(call.params[0]);
         if (!id) return respond(Problem({ErrorCode::kNotFound, "no such record", {}}));
         if (!call.request.has_if_match) {
           return respond(Problem(
               {ErrorCode::kPreconditionRequired, "send If-Match with the ETag you read", {}}));
         }
         auto version = IfMatchVersion(call.request.if_match);
         auto patch = ParseBody(call.request.body);
         if (!patch) return respond(Problem(patch.error()));
         collection.Update(call.who, *id, version.value_or(-1), std::move(*patch),
                           [respond](Result<app::Record> r) {
                             if (!r) return respond(Problem(r.error()));
                             HttpResponse response = Json(200, std::move(r->body));
                             response.headers.emplace_back("ETag", ETag(r->version));
                             respond(std::move(response));
                           });
       }});
}

std::variant<HttpResponse, std::pair<const Route*, Call>> Router::Admit(
    const HttpRequest& request, std::string& label) {
  const Route* route = nullptr;
  std::vector<std::string> params;
  std::string allowed;
  auto segments = Segments(request.path);
  for (const auto& r : routes_) {
    if (!Match(r.segments, segments, params)) continue;
    if (r.method == request.method) {
      route = &r;
      break;
    }
    allowed += (allowed.empty() ? "" : ", ") + r.method;
  }
  label = route ? route->method + " " + route->pattern : "unmatched";
  if (!route && allowed.empty() && site_ && request.method == "GET") {
    if (auto page = site_->Serve(request.path, request.accepts_gzip)) {
      label = "GET /(workspace)";
      return std::move(*page);
    }
  }
  if (!route) {
    if (allowed.empty()) return Problem({ErrorCode::kNotFound, "no such route", {}});
    return HttpResponse{
        405,
        "application/problem+json",
        json::serialize(json::object{
            {"title", "method not allowed"}, {"status", 405}, {"detail", "allowed: " + allowed}}),
        {{"Allow", allowed}}};
  }
  app::Principal who;
  if (!(route->roles & kPublic)) {
    Result<app::Principal> principal = Authenticate(request);
    if (!principal) return Problem(principal.error());
    std::string_view session = CookieValue(request.cookie, kSessionCookie);
    if (request.authorization.empty() && !session.empty()) {
      // The workspace: a session cookie, which a browser sends with any request to us, so
      // writes must also prove they come from our page (a token only it can read).
      bool safe = request.method == "GET" || request.method == "HEAD";
      if (!safe && !app::CsrfTokenMatches(session, request.csrf_token)) {
        return Problem({ErrorCode::kForbidden,
                        request.csrf_token.empty()
                            ? "a write with the session cookie needs the X-CSRF-Token header "
                              "(csrf_token from /api/v1/session)"
                            : "the X-CSRF-Token header does not belong to this session",
                        {}});
      }
    }
    if (!(route->roles & RoleBitOf(principal->role))) {
      return Problem({ErrorCode::kForbidden,
                      "the " + std::string(domain::Name(principal->role)) + " role may not " +
                          route->method + " " + route->pattern,
                      {}});
    }
    who = *principal;
  }
  return std::pair<const Route*, Call>{route, Call{request, who, std::move(params)}};
}

Result<app::Principal> Router::Authenticate(const HttpRequest& request) {
  std::string_view auth = request.authorization;
  std::string_view session = CookieValue(request.cookie, kSessionCookie);
  if (auth.empty() && !session.empty()) return app_.authenticator().AuthenticateSession(session);
  std::string_view token;
  if (auth.starts_with("Bearer ")) token = auth.substr(7);
  return app_.authenticator().Authenticate(token);
}

void Router::Handle(HttpRequest request, Respond respond) {
  auto started = std::chrono::steady_clock::now();
  std::string label;
  auto admitted = Admit(request, label);
  // Answers at most once: a handler that throws after answering (or after handing its
  // answer to the store's writer) must not produce a second, contradicting answer.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto timed = [this, started, label, answered,
                respond = std::move(respond)](HttpResponse response) {
    if (answered->exchange(true)) return;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.CountRequest(label, response.status, seconds);
    // The server's time on the request (W3C Server Timing), for clients and benchmarks.
    char timing[48];
    std::snprintf(timing, sizeof timing, "app;dur=%.3f", seconds * 1000);
    response.headers.emplace_back("Server-Timing", timing);
    AddSecurityHeaders(response);
    respond(std::move(response));
  };
  if (auto* refusal = std::get_if<HttpResponse>(&admitted)) return timed(std::move(*refusal));
  auto& [route, call] = std::get<std::pair<const Route*, Call>>(admitted);
  try {
    route->handler(call, timed);
  } catch (const std::exception& e) {
    // Handlers queue their write as their last step, so a throw comes before any write;
    // should one come after an answer, `timed` drops this second one.
    timed(Problem({ErrorCode::kInternal, e.what(), {}}));
  }
}

bool Router::IsUpload(std::string_view method, std::string_view path) const {
  auto segments = Segments(path);
  std::vector<std::string> params;
  for (const auto& r : routes_) {
    if (r.upload && r.method == method && Match(r.segments, segments, params)) return true;
  }
  return false;
}

// Counts an upload in the metrics when its answer is made.
class TimedSink final : public BodySink {
 public:
  TimedSink(std::unique_ptr<BodySink> inner, Metrics& metrics, std::string label)
      : inner_(std::move(inner)), metrics_(metrics), label_(std::move(label)) {}
  std::optional<HttpResponse> Feed(std::string_view chunk) override {
    auto answer = inner_->Feed(chunk);
    if (answer) Count(answer->status);
    return answer;
  }
  HttpResponse Finish() override {
    auto answer = inner_->Finish();
    Count(answer.status);
    return answer;
  }
  void Abort() override {
    inner_->Abort();
    Count(499);
  }

 private:
  void Count(int status) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    metrics_.CountRequest(label_, status, seconds);
  }
  std::unique_ptr<BodySink> inner_;
  Metrics& metrics_;
  std::string label_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

std::variant<std::unique_ptr<BodySink>, HttpResponse> Router::OpenUpload(
    const HttpRequest& head) {
  auto started = std::chrono::steady_clock::now();
  std::string label;
  auto refuse = [&](HttpResponse response) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.CountRequest(label, response.status, seconds);
    return response;
  };
  auto admitted = Admit(head, label);
  if (auto* refusal = std::get_if<HttpResponse>(&admitted)) return refuse(std::move(*refusal));
  auto& [route, call] = std::get<std::pair<const Route*, Call>>(admitted);
  if (!route->upload) return refuse(Problem({ErrorCode::kInternal, "not an upload route", {}}));
  try {
    auto sink = route->upload(call);
    if (!sink) return refuse(Problem(sink.error()));
    return std::unique_ptr<BodySink>(
        std::make_unique<TimedSink>(std::move(*sink), metrics_, std::move(label)));
  } catch (const std::exception& e) {
    return refuse(Problem({ErrorCode::kInternal, e.what(), {}}));
  }
}

void Router::BuildOpenApi() {
  json::object schemas;
  for (const auto& collection : ledger_.collections()) {
    schemas[SchemaName(collection->entity())] = collection->json_schema();
  }
  schemas["Problem"] = json::object{
      {"type", "object"},
      {"properties",
       {{"type", {{"type", "string"}}},
        {"title", {{"type", "string"}}},
        {"status", {{"type", "integer"}}},
        {"detail", {{"type", "string"}}},
        {"errors",
         {{"type", "array"},
          {"items",
           {{"type", "object"},
            {"properties",
             {{"field", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}};
  json::object paths;
  for (const auto& route : routes_) {
    json::object operation = route.openapi;
    operation["summary"] = route.summary;
    std::string op_id = route.method + route.pattern;
    for (char& c : op_id) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    operation["operationId"] = op_id;
    if (route.roles & kPublic) {
      operation["security"] = json::array{};
    } else {
      operation["x-roles"] = RoleNames(route.roles);
      auto& responses = operation["responses"].as_object();
      responses["401"] = ProblemResponse("no or unknown bearer token");
      responses["403"] = ProblemResponse("the caller's role may not do this");
    }
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    auto& item = paths[route.pattern];
    if (!item.is_object()) item.emplace_object();
    item.as_object()[method] = std::move(operation);
  }
  openapi_ =
      json::object{{"openapi", "3.0.3"},
                   {"info", {{"title", "Rapport API"}, {"version", "1"}}},
                   {"paths", std::move(paths)},
                   {"components",
                    {{"schemas", std::move(schemas)},
                     {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
                   {"security", json::array{json::object{{"bearer", json::array{}}}}}};
}

}  // namespace rapport::api
