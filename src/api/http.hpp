// HTTP requests and responses as the router sees them: plain values, no Beast, so that
// routing, auth and handlers are tested without a socket.
#pragma once

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
};

// Each handler answers exactly once, possibly on another thread.
using Respond = std::function<void(HttpResponse)>;

}  // namespace rapport::api
