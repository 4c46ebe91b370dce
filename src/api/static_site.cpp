#include "api/static_site.hpp"

#include <zlib.h>

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

namespace {

bool Compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
         content_type.starts_with("application/manifest+json") || content_type == "image/svg+xml";
}

// `data` gzip-compressed (zlib, best compression: it is done once, at start-up).
std::optional<std::string> Gzip(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

}  // namespace

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
    File file{std::string(ContentTypeOf(url)), std::move(body).str(), std::nullopt};
    if (Compressible(file.content_type)) {
      if (auto gzipped = Gzip(file.body); gzipped && gzipped->size() < file.body.size()) {
        file.gzipped = std::move(*gzipped);
      }
    }
    site.files_[url] = std::move(file);
  }
  if (ec) return Fail(ErrorCode::kInternal, "cannot list " + root + ": " + ec.message());
  return site;
}

std::size_t StaticSite::bytes() const {
  std::size_t total = 0;
  for (const auto& [path, file] : files_) total += file.body.size();
  return total;
}

std::optional<HttpResponse> StaticSite::Serve(std::string_view path, bool accepts_gzip) const {
  if (path == "/api" || path.starts_with("/api/")) return std::nullopt;
  auto it = files_.find(path);
  bool asset = path.starts_with("/assets/");
  if (it == files_.end() && asset) {
    return HttpResponse{404, "text/plain; charset=utf-8", "not found\n", {}};
  }
  if (it == files_.end() || path == "/") it = files_.find("/index.html");
  const File& file = it->second;
  const bool gzip = accepts_gzip && file.gzipped;
  HttpResponse response{200, file.content_type, gzip ? *file.gzipped : file.body, {}};
  if (gzip) response.headers.emplace_back("Content-Encoding", "gzip");
  if (file.gzipped) response.headers.emplace_back("Vary", "Accept-Encoding");
  // Assets are named by their content's hash: a changed file is a new name.
  response.headers.emplace_back("Cache-Control", asset ? "public, max-age=31536000, immutable"
                                                       : "no-cache");
  response.headers.emplace_back("Content-Security-Policy", std::string(kWorkspacePolicy));
  response.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  return response;
}

}  // namespace rapport::api
