// The web workspace's built files (web/dist: index.html and content-hashed assets), read
// into memory once at start-up and answered for GET requests outside /api/: an unknown
// path gets index.html so that the workspace's client-side routes load, a missing file
// under /assets/ a 404. Hashed assets may be cached for a year; index.html is revalidated
// on every load so that a new build is picked up. Text files are also kept gzip-compressed
// and answered so to clients that accept it. Every answer carries the workspace's
// Content-Security-Policy (no inline script, nothing from other origins).
// Threads: immutable after Load(); Serve() is safe to call concurrently.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/http.hpp"
#include "core/error.hpp"

namespace rapport::api {

// The Content-Security-Policy of the workspace's pages.
inline constexpr std::string_view kWorkspacePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// The content type of a file, by its extension.
std::string_view ContentTypeOf(std::string_view path);

class StaticSite {
 public:
  // Reads every file under `root` (kNotFound when it holds no index.html).
  static Result<StaticSite> Load(const std::string& root);

  // The answer for a GET of `path`, or nullopt when the path is not the site's (/api/…);
  // gzip-encoded (compressed once, at Load) when the client accepts it and it is smaller.
  std::optional<HttpResponse> Serve(std::string_view path, bool accepts_gzip) const;

  std::size_t files() const { return files_.size(); }
  std::size_t bytes() const;

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::optional<std::string> gzipped;  // text that compresses
  };
  std::map<std::string, File, std::less<>> files_;  // by URL path: "/assets/index-3f2a.js"
};

}  // namespace rapport::api
