// The `rapport` command: serve, token create, user create/password, backup, demo, import,
// sla explain, staff, report, signals.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <unistd.h>

#ifdef RAPPORT_TCMALLOC
#include <gperftools/malloc_extension_c.h>
#endif

#include "api/server.hpp"
#include "api/static_site.hpp"
#include "app/advocacy.hpp"
#include "app/application.hpp"
#include "app/clocks.hpp"
#include "app/demo.hpp"
#include "app/sessions.hpp"
#include "app/tokens.hpp"
#include "cli/data_lock.hpp"
#include "cli/import_command.hpp"
#include "cli/report_command.hpp"
#include "cli/signals_command.hpp"
#include "cli/staff_command.hpp"
#include "core/log.hpp"
#include "store/store.hpp"

namespace {

using namespace rapport;

std::string DatabasePath(const std::string& data_dir) {
  std::filesystem::create_directories(data_dir);
  return (std::filesystem::path(data_dir) / "rapport.db").string();
}

int Failed(const Error& error) {
  std::cerr << "rapport: " << error.message << "\n";
  for (const auto& f : error.fields) std::cerr << "  " << f.field << ": " << f.message << "\n";
  return 1;
}

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir,
                                                store::SqliteOptions options = {}) {
  options.path = DatabasePath(data_dir);
  return store::OpenSqlite(options);
}

// Loading the projections reads every row through short-lived objects: what the allocator
// kept of them once they are built goes back to the system (bench/memory_bench, 10,000,000
// interactions: 1,590 MB resident before, 1,088 MB after).
void ReturnFreeMemory() {
#ifdef RAPPORT_TCMALLOC
  MallocExtension_ReleaseFreeMemory();
#endif
}

int Serve(const std::string& data_dir, const store::SqliteOptions& store_options,
          api::ServerOptions options, std::chrono::seconds signals_every,
          const std::string& signals_config, std::chrono::seconds trial_check,
          const std::string& web_root, bool web_required, const api::Limits& limits) {
  signals::SignalConfig thresholds;
  if (!signals_config.empty()) {
    auto loaded = cli::LoadSignalConfig(signals_config);
    if (!loaded) return Failed(loaded.error());
    thresholds = std::move(*loaded);
  }
  auto lock = cli::DataLock::Acquire(data_dir);
  if (!lock) return Failed(lock.error());
  auto site = api::StaticSite::Load(web_root);
  if (!site && web_required) return Failed(site.error());
  if (!site) spdlog::warn("no web workspace: {}", site.error().message);
  auto store = OpenStore(data_dir, store_options);
  if (!store) return Failed(store.error());
  api::Metrics metrics;
  app::Application app(**store, std::move(thresholds));
  app.AddObserver(
      [&metrics](const store::CommittedBatch& batch) { metrics.CountBatch(batch.requests); });
  if (auto r = app.LoadProjections(app::Application::SignalLoading::kInBackground, ReturnFreeMemory); !r) {
    return Failed(r.error());
  }
  app::AddAdvocacyJobs(app.periodic(), **store, trial_check);
  app.StartBackgroundJobs(signals_every);
  api::Router router(app, metrics, limits);
  if (site) router.ServeSite(&*site);
  api::Server server(router, options);
  auto port = server.Listen();
  if (!port) return Failed(port.error());
  std::cout << "rapport serving on http://" << options.address << ":" << *port << "/" << std::endl;
  server.Run();
  (*store)->Close();  // every acknowledged write is already durable; this drains the rest
  spdlog::info("stopped");
  return 0;
}

int CreateToken(const std::string& data_dir, const app::TokenGrant& grant) {
  auto store = OpenStore(data_dir);
  if (!store) return Failed(store.error());
  app::Ledger ledger(**store);
  auto granted = app::GrantToken(ledger, **store, grant);
  if (!granted) return Failed(granted.error());
  std::cout << granted->token << std::endl;
  return 0;
}

// A password from $RAPPORT_PASSWORD, else the first line of standard input: never from
// the command line, which other users of the machine can read.
std::string ReadPassword() {
  if (const char* env = std::getenv("RAPPORT_PASSWORD")) return env;
  if (isatty(STDIN_FILENO)) std::cerr << "password: " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// `user create` (fails when the email is taken) and `user password`.
int SetUserPassword(const std::string& data_dir, const app::TokenGrant& user, bool create) {
  std::string password = ReadPassword();
  if (auto hash = app::HashPassword(password); !hash) return Failed(hash.error());
  auto store = OpenStore(data_dir);
  if (!store) return Failed(store.error());
  if (create) {
    app::Ledger ledger(**store);
    auto found = app::FindOrCreateUser(ledger, **store, user.email, user.create_name,
                                       user.create_role, user.create_vendor_id);
    if (!found) return Failed(found.error());
    if (!found->created) {
      return Failed({ErrorCode::kConflict,
                     "a user has the email " + user.email + " (set its password with "
                     "`rapport user password --email " + user.email + "`)",
                     {}});
    }
    std::cout << "created user " << found->user_id << std::endl;
  }
  if (auto r = app::SetPassword(**store, user.email, password); !r) return Failed(r.error());
  std::cout << "password set for " << user.email << std::endl;
  return 0;
}

int Backup(const std::string& data_dir, const std::string& target) {
  if (std::filesystem::exists(target)) {
    return Failed({ErrorCode::kConflict, target + " exists; choose a new file", {}});
  }
  auto store = OpenStore(data_dir);
  if (!store) return Failed(store.error());
  if (auto r = (*store)->Backup(target); !r) return Failed(r.error());
  std::cout << "backed up to " << target << std::endl;
  return 0;
}

int ExplainClocks(const std::string& data_dir, domain::Id case_id, const std::string& at) {
  Instant now = Now();
  if (!at.empty()) {
    auto parsed = ParseRfc3339(at);
    if (!parsed) return Failed({ErrorCode::kInvalid, "--at must be an RFC 3339 instant", {}});
    now = *parsed;
  }
  auto store = OpenStore(data_dir);
  if (!store) return Failed(store.error());
  auto text = app::ExplainCase(**store, case_id, now);
  if (!text) return Failed(text.error());
  std::cout << *text;
  return 0;
}

int Report(const std::string& data_dir, const cli::ReportOptions& options) {
  auto store = OpenStore(data_dir);
  if (!store) return Failed(store.error());
  return cli::RunReportCommand(options, **store, std::cout, std::cerr);
}

int Signals(const std::string& data_dir, const cli::SignalsOptions& options) {
  auto store = OpenStore(data_dir);
  if (!store) return Failed(store.error());
  return cli::RunSignalsCommand(options, **store, std::cout, std::cerr);
}

int Demo(const std::string& data_dir, app::DemoOptions options) {
  auto lock = cli::DataLock::Acquire(data_dir);
  if (!lock) return Failed(lock.error());
  // A bulk load: a 1 GiB page cache keeps the growing indexes in memory.
  store::SqliteOptions bulk;
  bulk.cache_mib = 1024;
  auto store = OpenStore(data_dir, bulk);
  if (!store) return Failed(store.error());
  if (isatty(STDERR_FILENO)) {
    options.progress = [](std::string_view line) { std::cerr << "\r" << line << std::flush; };
  }
  auto summary = app::GenerateDemo(**store, options);
  if (options.progress) std::cerr << "\n";
  if (!summary) return Failed(summary.error());
  std::cout << "demo company: " << summary->accounts << " accounts, " << summary->people
            << " people, " << summary->vendors << " vendors, " << summary->queues << " queues, "
            << summary->users << " users, " << summary->agreements << " agreements, "
            << summary->calendars << " calendars, " << summary->sla_policies << " SLA policies, "
            << summary->cases << " cases, " << summary->interactions << " interactions, "
            << summary->agent_sessions << " agent sessions, " << summary->escalations
            << " escalations, " << summary->trials << " trials\nadministrator: " << app::kDemoAdminEmail << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Rapport: customer service and advocacy server"};
  cli.require_subcommand(1);
  std::string data_dir = "data";
  std::string log_level = "info";
  cli.add_option("--data", data_dir, "data directory (holds rapport.db)");
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");

  api::ServerOptions server_options;
  server_options.threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  auto* serve = cli.add_subcommand("serve", "serve the HTTP API");
  serve->add_option("--address", server_options.address, "listen address");
  serve->add_option("--port", server_options.port, "listen port (0: any free port)");
  serve->add_option("--threads", server_options.threads, "I/O threads")->check(CLI::Range(1, 256));
  int read_timeout_seconds = static_cast<int>(server_options.read_timeout.count());
  serve
      ->add_option("--read-timeout", read_timeout_seconds,
                   "seconds a connection may take to send a request (and idle between them)")
      ->check(CLI::Range(1, 3600));
  serve
      ->add_option("--max-import-bytes", server_options.upload_limit,
                   "largest upload to POST /api/v1/imports/* (bytes; default 1 GiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  store::SqliteOptions store_options;
  serve
      ->add_option("--max-batch", store_options.max_batch,
                   "most writes per group commit (1: a transaction per write)")
      ->check(CLI::Range(1, 100000));
  serve->add_option("--readers", store_options.readers, "reader connections")
      ->check(CLI::Range(1, 256));
  int signals_every = 60;
  serve
      ->add_option("--signals-every", signals_every,
                   "seconds between evaluations of every account's signals (the rules time "
                   "alone changes)")
      ->check(CLI::Range(1, 86400));
  std::string signals_config;
  serve->add_option("--signals-config", signals_config,
                    "the signal rules' thresholds, a JSON file (docs/signals.md)");
  int trial_check_seconds = 3600;
  serve
      ->add_option("--trial-check-seconds", trial_check_seconds,
                   "how often trials' reminders and end dates are checked (seconds)")
      ->check(CLI::Range(1, 86400));

#ifdef RAPPORT_WEB_DIR
  std::string web_root = RAPPORT_WEB_DIR;
#else
  std::string web_root = "web/dist";
#endif
  api::Limits limits;
  int session_seconds = static_cast<int>(limits.session_lifetime.count());
  serve
      ->add_option("--session-seconds", session_seconds,
                   "how long a web sign-in lasts (seconds; default 12 hours)")
      ->check(CLI::Range(1, 30 * 86400));
  serve
      ->add_option("--max-streams", limits.max_streams,
                   "event streams (GET /api/v1/stream) open at once; beyond, 503 (default 512)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  int heartbeat_seconds = static_cast<int>(server_options.heartbeat.count());
  serve
      ->add_option("--heartbeat-seconds", heartbeat_seconds,
                   "seconds of quiet after which an event stream gets a heartbeat (default 15)")
      ->check(CLI::Range(1, 3600));
  auto* web_option = serve->add_option(
      "--web", web_root, "the built web workspace to serve at / (default: the build's)");

  app::TokenGrant grant;
  std::string role_name = "agent";
  domain::Id vendor_id = 0;
  bool create_user = false;
  std::string user_name;
  auto* token = cli.add_subcommand("token", "API tokens");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "print a new token for a user");
  token_create->add_option("--user", grant.email, "the user's email")->required();
  token_create->add_option("--label", grant.label, "what the token is for");
  token_create->add_flag("--create", create_user, "create the user when missing");
  token_create->add_option("--name", user_name, "name of a created user");
  token_create->add_option("--role", role_name, "role of a created user")
      ->check(CLI::IsMember({"admin", "manager", "agent", "vendor_agent", "viewer"}));
  token_create->add_option("--vendor", vendor_id, "vendor of a created vendor_agent");

  app::TokenGrant new_user;
  std::string new_user_name;
  std::string new_user_role = "agent";
  domain::Id new_user_vendor = 0;
  auto* user = cli.add_subcommand("user", "users of the web workspace");
  user->require_subcommand(1);
  auto* user_create = user->add_subcommand(
      "create", "create a user with a password ($RAPPORT_PASSWORD, else the first line of stdin)");
  user_create->add_option("--email", new_user.email, "the user's email")->required();
  user_create->add_option("--name", new_user_name, "the user's name")->required();
  user_create->add_option("--role", new_user_role, "role")
      ->check(CLI::IsMember({"admin", "manager", "agent", "vendor_agent", "viewer"}));
  user_create->add_option("--vendor", new_user_vendor, "vendor of a vendor_agent");
  auto* user_password = user->add_subcommand(
      "password", "set a user's password ($RAPPORT_PASSWORD, else the first line of stdin)");
  user_password->add_option("--email", new_user.email, "the user's email")->required();

  std::string backup_target;
  auto* backup = cli.add_subcommand("backup", "consistent online copy of the store");
  backup->add_option("file", backup_target, "new file to write")->required();

  app::DemoOptions demo_options;
  auto* demo = cli.add_subcommand("demo", "generate the demo company into an empty store");
  demo->add_option("--scale", demo_options.scale, "1: ~500,000 interactions")
      ->check(CLI::Range(0.0001, 100.0));
  demo->add_option("--seed", demo_options.seed, "random seed (same seed, same company)");

  domain::Id explain_case = 0;
  std::string explain_at;
  auto* sla = cli.add_subcommand("sla", "service clocks");
  sla->require_subcommand(1);
  auto* explain = sla->add_subcommand("explain", "explain a case's clocks step by step");
  explain->add_option("case", explain_case, "the case's id")->required()->check(CLI::PositiveNumber);
  explain->add_option("--at", explain_at, "as of this RFC 3339 instant (default: now)");

  cli::StaffOptions staff_options;
  auto* staff = cli::AddStaffCommand(cli, staff_options);
  cli::ReportOptions report_options;
  auto* report = cli::AddReportCommand(cli, report_options);
  cli::ImportArgs import_args;
  auto* import = cli::RegisterImport(cli, import_args);
  cli::SignalsOptions signals_options;
  auto* signals = cli::AddSignalsCommand(cli, signals_options);

  CLI11_PARSE(cli, argc, argv);
  SetUpLogging(log_level);

  try {
    if (serve->parsed()) {
      server_options.read_timeout = std::chrono::seconds(read_timeout_seconds);
      server_options.heartbeat = std::chrono::seconds(heartbeat_seconds);
      limits.session_lifetime = std::chrono::seconds(session_seconds);
      return Serve(data_dir, store_options, server_options, std::chrono::seconds(signals_every),
                   signals_config, std::chrono::seconds(trial_check_seconds), web_root,
                   web_option->count() > 0, limits);
    }
    if (token_create->parsed()) {
      if (create_user) {
        grant.create_name = user_name.empty() ? grant.email : user_name;
        grant.create_role = *domain::EnumFromName<domain::Role>(role_name);
        if (vendor_id > 0) grant.create_vendor_id = vendor_id;
      }
      return CreateToken(data_dir, grant);
    }
    if (user_create->parsed()) {
      new_user.create_name = new_user_name;
      new_user.create_role = *domain::EnumFromName<domain::Role>(new_user_role);
      if (new_user_vendor > 0) new_user.create_vendor_id = new_user_vendor;
      return SetUserPassword(data_dir, new_user, true);
    }
    if (user_password->parsed()) return SetUserPassword(data_dir, new_user, false);
    if (backup->parsed()) return Backup(data_dir, backup_target);
    if (demo->parsed()) return Demo(data_dir, demo_options);
    if (import->parsed()) return cli::RunImport(data_dir, import_args);
    if (explain->parsed()) return ExplainClocks(data_dir, explain_case, explain_at);
    if (staff->parsed()) return cli::RunStaffCommand(staff_options, std::cout, std::cerr);
    if (report->parsed()) return Report(data_dir, report_options);
    if (signals->parsed()) return Signals(data_dir, signals_options);
  } catch (const std::exception& e) {
    std::cerr << "rapport: internal error: " << e.what() << "\n";
    return 2;
  }
  return 1;
}
