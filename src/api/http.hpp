// HTTP requests and responses as the router sees them: plain values, no Beast, so that
// routing, auth and handlers are tested without a socket.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
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
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this value serialised — done by the server on the connection's
  // own thread, so that answers completed on the store's writer thread cost it nothing.
  boost::json::value json = nullptr;
  bool has_json = false;
};

// Each handler answers exactly once, possibly on another thread.
using Respond = std::function<void(HttpResponse)>;

}  // namespace rapport::api
