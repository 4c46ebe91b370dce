// HTTP requests and responses as the router sees them: plain values, no Beast, so that
// routing, auth and handlers are tested without a socket.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rapport::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path, no query: "/api/v1/cases/7"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string authorization;
  std::string if_match;
  bool has_if_match = false;
  std::string content_type;  // of the body
  std::string cookie;       // the Cookie header as sent
  std::string csrf_token;   // X-CSRF-Token: required on cookie-authenticated writes
  bool https = false;       // X-Forwarded-Proto: https (TLS ends at a reverse proxy)
  std::optional<std::string> last_event_id;  // Last-Event-ID: a resumed event stream
  bool accepts_gzip = false;  // Accept-Encoding names gzip (without q=0)
  std::string body;
};

class BodySource;

// Whether an Accept-Encoding header's value accepts gzip (named, and not with q=0).
bool AcceptsGzip(std::string_view accept_encoding);

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this value serialised — done by the server on the connection's
  // own thread, so that answers completed on the store's answer thread cost it nothing.
  boost::json::value json = nullptr;
  bool has_json = false;
  // Set on a streaming response (server-sent events): the server writes the head, then the
  // body as the source produces it, until it ends; the connection then closes.
  std::shared_ptr<BodySource> stream = {};
};

// Each handler answers exactly once, possibly on another thread.
using Respond = std::function<void(HttpResponse)>;

// The body of an upload route, taken as it arrives rather than read whole first: the server
// calls Feed for each chunk, then Finish at the end of the body — or Abort when the body
// cannot be read to its end (over the upload limit, connection lost, a timeout). Feed
// answers a response to stop reading early (e.g. a bad CSV header), else nullopt.
// Calls come from one thread at a time and may block while the store writes.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual std::optional<HttpResponse> Feed(std::string_view chunk) = 0;
  virtual HttpResponse Finish() = 0;
  virtual void Abort() = 0;
};

// The body of a streaming response, produced as things happen (GET /api/v1/stream). The
// server writes the head and calls Start once; then, on the connection's thread, it writes
// what Next answers, calling again at once while `more` is set, else when `wake` is called
// (from any thread: something new may be ready) or, when nothing was written for the
// heartbeat interval, writes what Heartbeat answers (so that proxies keep an idle
// connection open). An absent answer ends the stream; so do the client leaving and the
// server stopping.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual void Start(std::function<void()> wake) = 0;
  struct Chunk {
    std::string bytes;
    bool more = false;
  };
  virtual std::optional<Chunk> Next() = 0;
  virtual std::optional<std::string> Heartbeat() = 0;
};

}  // namespace rapport::api
