#include "api/static_site.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rapport::api {

namespace fs = std::filesystem;

std::string_view ContentTypeOf(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  for (auto [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

Result<StaticSite> StaticSite::Load(const std::string& root) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(root) / "index.html", ec)) {
    return Fail(ErrorCode::kNotFound, root + " holds no index.html (build the workspace: "
                                             "cmake --build build --target web)");
  }
  StaticSite site;
  for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) return Fail(ErrorCode::kInternal, "cannot read " + entry.path().string());
    std::string url = "/" + fs::relative(entry.path(), root).generic_string();
    site.files_[url] = File{std::string(ContentTypeOf(url)), std::move(body).str()};
  }
  if (ec) return Fail(ErrorCode::kInternal, "cannot list " + root + ": " + ec.message());
  return site;
}

std::size_t StaticSite::bytes() const {
  std::size_t total = 0;
  for (const auto& [path, file] : files_) total += file.body.size();
  return total;
}

std::optional<HttpResponse> StaticSite::Serve(std::string_view path) const {
  if (path == "/api" || path.starts_with("/api/")) return std::nullopt;
  auto it = files_.find(path);
  bool asset = path.starts_with("/assets/");
  if (it == files_.end() && asset) {
    return HttpResponse{404, "text/plain; charset=utf-8", "not found\n", {}};
  }
  if (it == files_.end() || path == "/") it = files_.find("/index.html");
  HttpResponse response{200, it->second.content_type, it->second.body, {}};
  // Assets are named by their content's hash: a changed file is a new name.
  response.headers.emplace_back("Cache-Control", asset ? "public, max-age=31536000, immutable"
                                                       : "no-cache");
  response.headers.emplace_back("Content-Security-Policy", std::string(kWorkspacePolicy));
  response.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  return response;
}

}  // namespace rapport::api
