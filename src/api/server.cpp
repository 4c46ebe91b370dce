// The only translation unit that includes Boost.Beast (it is slow to compile).
#include "api/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/url.hpp>
#include <pthread.h>

#include <mutex>
#include <set>
#include <thread>

namespace rapport::api {

bool AcceptsGzip(std::string_view accept_encoding) {
  // Comma-separated codings, each perhaps with ";q=…": gzip is accepted unless its q is 0.
  std::size_t start = 0;
  while (start <= accept_encoding.size()) {
    std::size_t end = accept_encoding.find(',', start);
    if (end == std::string_view::npos) end = accept_encoding.size();
    std::string item;
    for (char c : accept_encoding.substr(start, end - start)) {
      if (c != ' ' && c != '\t') item.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    const std::string coding = item.substr(0, item.find(';'));
    if (coding == "gzip") {
      const auto q = item.find(";q=");
      if (q == std::string::npos) return true;
      const std::string weight = item.substr(q + 3);
      return weight.find_first_not_of("0.") != std::string::npos;  // "0", "0.0", "0.000": refused
    }
    start = end + 1;
  }
  return false;
}


namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// The meeting point of a connection's coroutine and the router's answer, which comes
// either at once (reads) or later from the store's answer thread (writes).
struct Exchange {
  std::mutex mu;
  std::optional<HttpResponse> response;      // an answer nobody waits for yet
  std::function<void(HttpResponse)> resume;  // set once the coroutine suspended
};

// The router's callback: hands the answer over, or wakes the suspended coroutine.
struct ResponseSink {
  std::shared_ptr<Exchange> exchange;
  void operator()(HttpResponse response) const {
    std::function<void(HttpResponse)> resume;
    {
      std::lock_guard lock(exchange->mu);
      if (!exchange->resume) {
        exchange->response = std::move(response);
        return;
      }
      resume = std::move(exchange->resume);
    }
    resume(std::move(response));
  }
};

// Suspends the coroutine until the answer arrives; resumes it on its own executor. A
// named initiation (not a lambda) keeps GCC 12 clear of its co_await-with-capturing-
// lambda miscompilation.
struct AwaitResponse {
  std::shared_ptr<Exchange> exchange;

  template <class Handler>
  void operator()(Handler&& handler) const {
    auto shared = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
    // Tracked: the io_context must not run out of work while the store is writing.
    auto executor = asio::prefer(asio::get_associated_executor(*shared),
                                 asio::execution::outstanding_work.tracked);
    auto resume = [shared, executor](HttpResponse response) {
      asio::post(executor, [shared, response = std::move(response)]() mutable {
        (*shared)(std::move(response));
      });
    };
    std::unique_lock lock(exchange->mu);
    if (exchange->response) {  // answered between the check and the suspension
      auto response = std::move(*exchange->response);
      lock.unlock();
      resume(std::move(response));
      return;
    }
    exchange->resume = std::move(resume);
  }
};

// REQUIRES: the caller awaits at once (`request` is taken by reference for GCC 12's sake).
asio::awaitable<HttpResponse> Dispatch(Router& router, HttpRequest& request) {
  auto exchange = std::make_shared<Exchange>();
  router.Handle(std::move(request), ResponseSink{exchange});
  std::optional<HttpResponse> ready;
  {
    std::lock_guard lock(exchange->mu);
    ready = std::move(exchange->response);  // answered at once: no suspension
    exchange->response.reset();
  }
  if (!ready) {
    AwaitResponse initiation{exchange};  // named: no temporaries in the co_await (GCC 12)
    ready = co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(HttpResponse)>(
        std::move(initiation), asio::use_awaitable);
  }
  co_return std::move(*ready);
}

std::optional<HttpRequest> Convert(const http::request_header<>& in) {
  auto target = boost::urls::parse_origin_form(in.target());
  if (!target) return std::nullopt;
  HttpRequest out;
  out.method = std::string(in.method_string());
  out.path = target->path();
  for (auto param : target->params()) out.query.emplace_back(param.key, param.value);
  if (auto it = in.find(http::field::authorization); it != in.end()) {
    out.authorization = std::string(it->value());
  }
  if (auto it = in.find(http::field::if_match); it != in.end()) {
    out.if_match = std::string(it->value());
    out.has_if_match = true;
  }
  if (auto it = in.find(http::field::content_type); it != in.end()) {
    out.content_type = std::string(it->value());
  }
  if (auto it = in.find(http::field::cookie); it != in.end()) out.cookie = std::string(it->value());
  if (auto it = in.find("X-CSRF-Token"); it != in.end()) out.csrf_token = std::string(it->value());
  if (auto it = in.find("Last-Event-ID"); it != in.end()) {
    out.last_event_id = std::string(it->value());
  }
  if (auto it = in.find(http::field::accept_encoding); it != in.end()) {
    out.accepts_gzip = AcceptsGzip(it->value());
  }
  if (auto it = in.find("X-Forwarded-Proto"); it != in.end()) {
    out.https = beast::iequals(it->value(), "https");
  }
  return out;
}

http::response<http::string_body> ToBeast(HttpResponse&& in, unsigned version, bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(in.status), version};
  out.set(http::field::server, "rapport");
  out.set(http::field::content_type, in.content_type);
  for (auto& [name, value] : in.headers) out.set(name, value);
  out.body() = in.has_json ? boost::json::serialize(in.json) : std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// What a streaming response's coroutine waits for: its source's wake-up (posted from the
// store's writer thread), the client leaving, or the heartbeat timer.
struct StreamWait {
  explicit StreamWait(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;  // cancelled to wake the coroutine early
  bool woken = false;        // connection thread only
  bool closed = false;       // connection thread only: the client left (or the server stops)
  std::atomic<bool> posted{false};  // a wake-up is on its way: one at a time is enough
};

// The source's `wake`: called on any thread; wakes the coroutine on its own.
struct WakeStream {
  std::shared_ptr<StreamWait> wait;
  asio::any_io_executor executor;
  void operator()() const {
    if (wait->posted.exchange(true)) return;
    asio::post(executor, [wait = wait] {
      wait->posted = false;
      wait->woken = true;
      wait->timer.cancel();
    });
  }
};

}  // namespace

struct Server::Impl {
  Impl(Router& r, ServerOptions o)
      : router(r),
        options(std::move(o)),
        contexts(MakeContexts(options.threads)),
        acceptor(*contexts[0]),
        signals(*contexts[0], SIGINT, SIGTERM) {}

  // One single-threaded io_context per thread: a connection lives on one of them, so its
  // handlers need neither a strand nor the scheduler's lock.
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int threads) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < threads; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }

  Router& router;
  ServerOptions options;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::size_t next_context = 0;  // used only by Accept()
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::atomic<bool> stopping{false};
  std::function<void()> release_idle;  // lets the other contexts end once they are idle

  std::mutex sessions_mu;
  std::set<std::shared_ptr<beast::tcp_stream>> sessions;  // guarded by sessions_mu

  asio::awaitable<void> Accept() {
    for (;;) {
      // Round robin over the contexts. Named: no temporaries in a co_await (GCC 12).
      auto& context = *contexts[next_context++ % contexts.size()];
      auto [ec, socket] =
          co_await acceptor.async_accept(context, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (stopping) break;
        spdlog::warn("accept: {}", ec.message());
        continue;
      }
      auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
      {
        std::lock_guard lock(sessions_mu);
        sessions.insert(stream);
      }
      asio::co_spawn(stream->get_executor(), Serve(stream), [this, stream](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("connection failed: {}", ex.what());
          }
        }
        std::lock_guard lock(sessions_mu);
        sessions.erase(stream);
      });
    }
  }

  asio::awaitable<void> Serve(std::shared_ptr<beast::tcp_stream> stream) {
    beast::flat_buffer buffer(options.header_limit + options.body_limit);
    // Set when a request was refused unread. (No co_return inside the loop: GCC 12 has
    // destroyed coroutine locals twice on such paths.)
    bool linger = false;
    for (;;) {
      // A stop that came while the last response was being written found no read to
      // cancel: look before waiting for another request.
      if (stopping) break;
      // The header first: an upload route streams its body, every other reads it whole.
      http::request_parser<http::empty_body> head;
      head.body_limit(std::max<std::uint64_t>(options.body_limit, options.upload_limit));
      head.header_limit(static_cast<std::uint32_t>(options.header_limit));
      stream->expires_after(options.read_timeout);
      auto [head_ec, head_bytes] = co_await http::async_read_header(
          *stream, buffer, head, asio::as_tuple(asio::use_awaitable));
      (void)head_bytes;
      std::optional<HttpRequest> request;
      bool upload = false;
      if (!head_ec) {
        request = Convert(head.get());
        upload = request && router.IsUpload(request->method, request->path);
      }
      if (!head_ec && upload) {
        bool keep = co_await ServeUpload(*stream, buffer, head, *request, linger);
        if (!keep) break;
        continue;
      }
      http::request_parser<http::string_body> parser(std::move(head));
      parser.body_limit(options.body_limit);
      beast::error_code read_ec = head_ec;
      if (!read_ec && parser.content_length() && *parser.content_length() > options.body_limit) {
        read_ec = http::error::body_limit;
      }
      if (!read_ec && !parser.is_done()) {
        auto [body_ec, bytes] =
            co_await http::async_read(*stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        (void)bytes;
        read_ec = body_ec;
      }
      if (read_ec == http::error::body_limit || read_ec == http::error::buffer_overflow ||
          read_ec == http::error::header_limit) {
        // Built before the co_await: GCC 12 can destroy temporaries of a co_await
        // full-expression twice.
        HttpResponse refusal = Problem(
            {ErrorCode::kPayloadTooLarge, "the request is larger than this server accepts", {}});
        co_await Reply(*stream, refusal, 11, false);
        linger = true;
        break;
      }
      if (read_ec) {
        bool client_error =
            read_ec.category() == beast::error_code(http::error::bad_target).category() &&
            read_ec != http::error::end_of_stream && read_ec != http::error::partial_message;
        if (client_error) {
          HttpResponse refusal = Problem({ErrorCode::kBadRequest, read_ec.message(), {}});
          co_await Reply(*stream, refusal, 11, false);
          linger = true;
        }
        break;
      }
      auto& message = parser.get();
      bool keep_alive = message.keep_alive() && !stopping;
      if (request) request->body = std::move(message.body());
      HttpResponse response;
      if (!request) {
        response = Problem({ErrorCode::kBadRequest, "the request target is not a valid URL", {}});
        keep_alive = false;
      } else {
        response = co_await Dispatch(router, *request);
      }
      if (response.stream) {
        co_await ServeStream(stream, response, message.version());
        break;
      }
      keep_alive = keep_alive && !stopping;
      bool written = co_await Reply(*stream, response, message.version(), keep_alive);
      if (!written || !keep_alive) break;
    }
    if (linger) {
      co_await LingeringClose(*stream);
    } else {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  // An upload route's request, its header read: the router admits it (or refuses it
  // unread), then the body goes to the route's sink a chunk at a time, as it arrives.
  // Answers whether the connection may serve another request; sets `linger` when it
  // stopped reading a body the client may still be sending.
  asio::awaitable<bool> ServeUpload(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    http::request_parser<http::empty_body>& head,
                                    HttpRequest& request, bool& linger) {
    const unsigned version = head.get().version();
    bool keep_alive = head.get().keep_alive();
    auto opened = router.OpenUpload(request);
    std::optional<HttpResponse> answer;
    std::unique_ptr<BodySink> sink;
    if (auto* refusal = std::get_if<HttpResponse>(&opened)) {
      answer = std::move(*refusal);
    } else {
      sink = std::move(std::get<std::unique_ptr<BodySink>>(opened));
    }
    auto length = head.content_length();
    if (sink && length && *length > options.upload_limit) {
      sink->Abort();
      sink.reset();
      answer = Problem({ErrorCode::kPayloadTooLarge,
                        "the upload is larger than this server accepts (" +
                            std::to_string(options.upload_limit) + " bytes, --max-import-bytes)",
                        {}});
    }
    if (answer) {
      // Refused before reading the body: the client may still be sending it.
      linger = !head.is_done();
      co_await Reply(stream, *answer, version, false);
      co_return false;
    }
    auto expect = head.get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, version};
      stream.expires_after(options.write_timeout);
      auto [ec, n] = co_await http::async_write(stream, go_on, asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec) {
        sink->Abort();
        co_return false;
      }
    }
    http::request_parser<http::buffer_body> body(std::move(head));
    body.body_limit(options.upload_limit);
    std::vector<char> chunk(256 * 1024);
    bool failed = false;
    while (!body.is_done()) {
      body.get().body().data = chunk.data();
      body.get().body().size = chunk.size();
      stream.expires_after(options.read_timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, body,
                                               asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec == http::error::need_buffer) ec = {};
      std::size_t got = chunk.size() - body.get().body().size;
      if (got > 0 && !ec) {
        answer = sink->Feed(std::string_view(chunk.data(), got));
        if (answer) {
          linger = !body.is_done();
          keep_alive = false;
          break;
        }
      }
      if (ec) {
        sink->Abort();
        failed = true;
        keep_alive = false;
        if (ec == http::error::body_limit) {
          answer = Problem({ErrorCode::kPayloadTooLarge,
                            "the upload is larger than this server accepts (" +
                                std::to_string(options.upload_limit) +
                                " bytes, --max-import-bytes); batches already committed stay "
                                "(importing the file again skips them)",
                            {}});
          linger = true;
        } else if (ec.category() == beast::error_code(http::error::bad_target).category() &&
                   ec != http::error::end_of_stream && ec != http::error::partial_message) {
          answer = Problem({ErrorCode::kBadRequest, ec.message(), {}});
          linger = true;
        }
        break;
      }
    }
    if (!answer && !failed) answer = sink->Finish();
    sink.reset();
    if (!answer) co_return false;  // the connection is gone: nobody to answer
    keep_alive = keep_alive && !stopping;
    bool written = co_await Reply(stream, *answer, version, keep_alive);
    co_return written && keep_alive;
  }

  // A streaming response: the head, then the source's bytes as it produces them (chunked
  // in HTTP/1.1; in HTTP/1.0 the end of the connection ends the body), until the source,
  // the client or the server ends it. The connection is not used again.
  // Parameters by reference, as for Reply.
  asio::awaitable<void> ServeStream(const std::shared_ptr<beast::tcp_stream>& stream,
                                    HttpResponse& response, unsigned version) {
    std::shared_ptr<BodySource> source = std::move(response.stream);
    const bool chunked = version >= 11;
    http::response<http::empty_body> head{static_cast<http::status>(response.status), version};
    head.set(http::field::server, "rapport");
    head.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) head.set(name, value);
    head.keep_alive(false);
    head.chunked(chunked);
    http::response_serializer<http::empty_body> serializer{head};
    stream->expires_after(options.write_timeout);
    auto [head_ec, head_bytes] = co_await http::async_write_header(
        *stream, serializer, asio::as_tuple(asio::use_awaitable));
    (void)head_bytes;
    bool ok = !head_ec;
    const auto executor = stream->get_executor();
    auto wait = std::make_shared<StreamWait>(executor);
    if (ok) {
      WatchForClose(stream, wait);
      source->Start(WakeStream{wait, stream->get_executor()});
    }
    auto last_write = std::chrono::steady_clock::now();
    while (ok && !wait->closed && !stopping) {
      wait->woken = false;
      std::optional<BodySource::Chunk> chunk = source->Next();
      if (!chunk) break;
      if (!chunk->bytes.empty()) {
        ok = co_await WriteStreamed(*stream, chunk->bytes, chunked);
        last_write = std::chrono::steady_clock::now();
      } else if (chunk->more) {
        // A stretch of events this caller may not see: let the thread's other connections
        // run before reading on.
        co_await asio::post(executor, asio::use_awaitable);
      }
      if (!ok || chunk->more || wait->woken) continue;
      wait->timer.expires_at(last_write + options.heartbeat);
      auto [timer_ec] = co_await wait->timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (timer_ec || wait->woken || wait->closed || stopping) continue;
      std::optional<std::string> beat = source->Heartbeat();
      if (!beat) break;
      ok = co_await WriteStreamed(*stream, *beat, chunked);
      last_write = std::chrono::steady_clock::now();
    }
    source.reset();  // no more wake-ups
    if (ok && chunked && !wait->closed) {
      // The end of the body, so that the client tells an end from a failure.
      auto last = http::make_chunk_last();
      stream->expires_after(options.write_timeout);
      auto [ec, n] = co_await asio::async_write(*stream, last, asio::as_tuple(asio::use_awaitable));
      (void)ec;
      (void)n;
    }
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->socket().close(ignored);
  }

  // A client of a stream sends nothing after its request: a read that completes means it
  // left, unless the server's stop cancelled it. The socket is read directly, outside the
  // stream's timeouts, which its writes set; the handler holds the stream and the buffer
  // until the read completes.
  static void WatchForClose(const std::shared_ptr<beast::tcp_stream>& stream,
                            const std::shared_ptr<StreamWait>& wait) {
    auto scratch = std::make_shared<std::array<char, 512>>();
    stream->socket().async_read_some(
        asio::buffer(*scratch), [stream, wait, scratch](beast::error_code ec, std::size_t) {
          wait->closed = ec != asio::error::operation_aborted;
          wait->timer.cancel();
        });
  }

  // REQUIRES: `bytes` is not empty (an empty chunk would end a chunked body).
  asio::awaitable<bool> WriteStreamed(beast::tcp_stream& stream, const std::string& bytes,
                                      bool chunked) {
    stream.expires_after(options.write_timeout);
    const asio::const_buffer buffer(bytes.data(), bytes.size());
    if (chunked) {
      auto chunk = http::make_chunk(buffer);
      auto [ec, n] = co_await asio::async_write(stream, chunk, asio::as_tuple(asio::use_awaitable));
      (void)n;
      co_return !ec;
    }
    auto [ec, n] = co_await asio::async_write(stream, buffer, asio::as_tuple(asio::use_awaitable));
    (void)n;
    co_return !ec;
  }

  // After refusing a request whose bytes we did not read, closing at once would make the
  // kernel reset the connection and could destroy the refusal before the client reads
  // it: stop sending, then read and discard for a moment before closing.
  asio::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 16 * 1024> scratch;
    std::size_t discarded = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (discarded < options.body_limit) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch),
                                                     asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      discarded += n;
    }
  }

  // Parameters by reference (the caller awaits at once): no by-value parameter objects
  // in a co_await expression, which GCC 12 has destroyed twice.
  asio::awaitable<bool> Reply(beast::tcp_stream& stream, HttpResponse& response, unsigned version,
                              bool keep_alive) {
    auto message = ToBeast(std::move(response), version, keep_alive);
    stream.expires_after(options.write_timeout);
    auto [ec, bytes] =
        co_await http::async_write(stream, message, asio::as_tuple(asio::use_awaitable));
    (void)bytes;
    co_return !ec;
  }

  // Stops accepting and wakes idle connections; requests being served finish first.
  void BeginStop() {
    if (stopping.exchange(true)) return;
    spdlog::info("stopping: finishing requests in flight");
    asio::post(acceptor.get_executor(), [this] {
      beast::error_code ignored;
      acceptor.close(ignored);
      signals.cancel();
      if (release_idle) release_idle();
    });
    std::lock_guard lock(sessions_mu);
    for (const auto& stream : sessions) {
      asio::post(stream->get_executor(), [stream] { stream->socket().cancel(); });
    }
  }
};

Server::Server(Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

Server::~Server() = default;

Result<unsigned short> Server::Listen() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.address, ec);
  if (ec) return Fail(ErrorCode::kInvalid, "bad listen address " + impl_->options.address);
  tcp::endpoint endpoint{address, impl_->options.port};
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(ErrorCode::kUnavailable, "cannot listen on " + impl_->options.address + ":" +
                                             std::to_string(impl_->options.port) + ": " +
                                             ec.message());
  }
  return acceptor.local_endpoint().port();
}

void Server::Run() {
  Impl& impl = *impl_;
  impl.signals.async_wait([&impl](const beast::error_code& ec, int) {
    if (!ec) impl.BeginStop();
  });
  asio::co_spawn(*impl.contexts[0], impl.Accept(), asio::detached);
  // Contexts other than the acceptor's would return at once while they have no
  // connection yet: hold them open until the stop.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> idle_guards;
  for (std::size_t i = 1; i < impl.contexts.size(); ++i) {
    idle_guards.push_back(asio::make_work_guard(*impl.contexts[i]));
  }
  impl.release_idle = [&idle_guards] {
    for (auto& guard : idle_guards) guard.reset();
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl.contexts.size(); ++i) {
    threads.emplace_back([&impl, i] {
      pthread_setname_np(pthread_self(), ("rapport-io-" + std::to_string(i)).c_str());
      impl.contexts[i]->run();
    });
  }
  impl.contexts[0]->run();
  for (auto& t : threads) t.join();
}

void Server::Stop() { impl_->BeginStop(); }

}  // namespace rapport::api
