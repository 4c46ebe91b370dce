#include "app/ledger.hpp"

#include <charconv>

#include "app/advocacy.hpp"
#include "app/clocks.hpp"
#include "app/record_cache.hpp"
#include "app/visibility.hpp"
#include "domain/json_codec.hpp"
#include "domain/json_schema.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace {

using domain::Case;
using domain::Interaction;
using store::Session;

// ---- foreign ids --------------------------------------------------------------------

// Whether `id` names a row of `table` that the caller may see.
Result<bool> ReferenceExists(Session& s, const Principal& who, std::string_view table, Id id) {
  if (who.IsVendorAgent() && IsVendorOwnedTable(table)) {
    auto found = s.FindId(table, {"id", VendorColumn(table)}, {id, *who.vendor_id});
    if (!found) return std::unexpected(found.error());
    return found->has_value();
  }
  return s.Exists(table, id);
}

// Calls check(path, table, id) for every foreign id in `value`, recursing into lists
// and nested records.
template <class M, class F>
void ForEachReference(const M& value, std::string_view table, const std::string& path, F& check) {
  if constexpr (std::is_same_v<M, Id>) {
    if (!table.empty()) check(path, table, value);
  } else if constexpr (std::is_same_v<M, std::optional<Id>>) {
    if (!table.empty() && value) check(path, table, *value);
  } else if constexpr (domain::IsVector<M>::value) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      ForEachReference(value[i], table, path + "[" + std::to_string(i) + "]", check);
    }
  } else if constexpr (requires { domain::Schema<M>::kFields; }) {
    domain::ForEachField<M>([&](const auto& field) {
      ForEachReference(value.*field.member, field.references, domain::JoinPath(path, field.name),
                       check);
    });
  }
}

template <domain::Entity T>
Result<void> CheckReferences(Session& s, const Principal& who, const T& record,
                             FieldErrors& errors) {
  std::optional<Error> failure;
  auto check = [&](const std::string& path, std::string_view table, Id id) {
    if (failure) return;
    auto exists = ReferenceExists(s, who, table, id);
    if (!exists) {
      failure = exists.error();
    } else if (!*exists) {
      errors.Add(path, "refers to no " + std::string(table) + " record " + std::to_string(id));
    }
  };
  domain::ForEachField<T>([&](const auto& field) {
    if (field.flags & domain::kReadOnly) return;  // derived by the server
    ForEachReference(record.*field.member, field.references, std::string(field.name), check);
  });
  if (failure) return std::unexpected(*failure);
  return {};
}

// ---- entity-specific rules that need the store ---------------------------------------

// The record `id` names, if there is one the caller may see. Rules run on what this
// returns, so that their messages never describe a record hidden from the caller.
template <class T>
Result<std::optional<T>> Load(Session& s, const Principal& who, std::optional<Id> id) {
  if (!id) return std::optional<T>{};
  auto found = store::Get<T>(s, *id);
  if (found && *found && !CanSee(who, **found)) return std::optional<T>{};
  return found;
}

// The vendor serving a queue: the vendor_id recorded on cases and interactions.
Result<std::optional<Id>> QueueVendor(Session& s, const Principal& who,
                                      std::optional<Id> queue_id) {
  auto queue = Load<domain::Queue>(s, who, queue_id);
  if (!queue) return std::unexpected(queue.error());
  if (!*queue) return std::optional<Id>{};
  return (*queue)->vendor_id;
}

// Default: nothing beyond the field checks. `now` is the write's instant.
template <domain::Entity T>
Result<void> ApplyRules(Session&, const Principal&, T&, const T*, Instant, FieldErrors&) {
  return {};
}

// The advocacy entities' rules (app/advocacy.cpp).
using ::rapport::app::ApplyRules;

Result<void> ApplyRules(Session& s, const Principal& who, Case& kase, const Case* before, Instant now,
                        FieldErrors& errors) {
  auto queue = Load<domain::Queue>(s, who, kase.queue_id);
  if (!queue) return std::unexpected(queue.error());
  kase.vendor_id = *queue ? (*queue)->vendor_id : std::nullopt;
  if (*queue && !kase.channel) kase.channel = (*queue)->channel;
  if (who.IsVendorAgent() && kase.vendor_id != who.vendor_id) {
    errors.Add("queue_id", "must be a queue of your vendor");
  }
  auto requester = Load<domain::Person>(s, who, kase.requester_id);
  if (!requester) return std::unexpected(requester.error());
  if (*requester && (*requester)->account_id != kase.account_id) {
    errors.Add("requester_id", "is a person of another account");
  }
  domain::CaseStatus from = before ? before->status : domain::CaseStatus::kNew;
  if (kase.status != from) {
    if (!domain::IsLegalTransition(from, kase.status)) {
      return Fail(ErrorCode::kConflict,
                  "a case cannot go from " + std::string(domain::Name(from)) + " to " +
                      std::string(domain::Name(kase.status)),
                  {{"status", "illegal transition from " + std::string(domain::Name(from))}});
    }
    domain::ApplyTransitionInstants(kase, from, now);
  }
  return {};
}

Result<void> ApplyRules(Session& s, const Principal& who, Interaction& interaction,
                        const Interaction*, Instant, FieldErrors& errors) {
  auto queue = Load<domain::Queue>(s, who, interaction.queue_id);
  if (!queue) return std::unexpected(queue.error());
  interaction.vendor_id = *queue ? (*queue)->vendor_id : std::nullopt;
  if (*queue && (*queue)->channel != interaction.channel) {
    errors.Add("queue_id", "is a " + std::string(domain::Name((*queue)->channel)) + " queue, not " +
                               std::string(domain::Name(interaction.channel)));
  }
  if (who.IsVendorAgent() && interaction.vendor_id != who.vendor_id) {
    errors.Add("queue_id", "must be a queue of your vendor");
  }
  // The account follows from the person or the case when it is not given.
  auto person = Load<domain::Person>(s, who, interaction.person_id);
  if (!person) return std::unexpected(person.error());
  auto kase = Load<Case>(s, who, interaction.case_id);
  if (!kase) return std::unexpected(kase.error());
  for (const auto& [field, account] :
       {std::pair{"person_id", *person ? std::optional((*person)->account_id) : std::nullopt},
        std::pair{"case_id", *kase ? std::optional((*kase)->account_id) : std::nullopt}}) {
    if (!account) continue;
    if (!interaction.account_id) interaction.account_id = account;
    if (interaction.account_id != account) errors.Add(field, "belongs to another account");
  }
  return {};
}

Result<void> ApplyRules(Session& s, const Principal& who, domain::AgentSession& session,
                        const domain::AgentSession*, Instant, FieldErrors& errors) {
  auto agent = Load<domain::User>(s, who, session.agent_id);
  if (!agent) return std::unexpected(agent.error());
  if (*agent) {
    session.vendor_id = (*agent)->vendor_id;
    if (!(*agent)->is_agent) errors.Add("agent_id", "is not an agent");
  }
  auto queue = Load<domain::Queue>(s, who, session.queue_id);
  if (!queue) return std::unexpected(queue.error());
  if (*queue && (*queue)->vendor_id != session.vendor_id) {
    errors.Add("queue_id", "is not a queue of the agent's vendor");
  }
  if (who.IsVendorAgent() && session.vendor_id != who.vendor_id) {
    errors.Add("agent_id", "must be an agent of your vendor");
  }
  return {};
}

template <domain::Entity T>
std::string_view TimeField() {
  if constexpr (std::is_same_v<T, Interaction>) {
    return "arrived_at";
  } else if constexpr (std::is_same_v<T, domain::AgentSession>) {
    return "started_at";
  } else {
    return "created_at";
  }
}

Error WithPrefix(Error error, const std::string& prefix) {
  for (auto& f : error.fields) f.field = f.field.empty() ? prefix : prefix + "." + f.field;
  if (error.fields.empty()) error.fields.push_back({prefix, error.message});
  return error;
}

template <class T>
struct Unwrapped {
  using type = T;
};
template <class T>
struct Unwrapped<std::optional<T>> {
  using type = T;
};

// Lists filter on scalar fields: not on lists, nor on nested records.
template <class M>
constexpr bool kFilterable = !domain::IsVector<M>::value &&
                             !requires { domain::Schema<typename Unwrapped<M>::type>::kFields; };

// Reads a filter's text as the field's type, through the same codec as a JSON body.
template <class M>
std::optional<store::SqlValue> FilterValue(std::string_view text) {
  using Base = typename Unwrapped<M>::type;
  boost::json::value as_json;
  if constexpr (std::is_same_v<Base, std::int64_t>) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    as_json = n;
  } else if constexpr (std::is_same_v<Base, bool>) {
    if (text != "true" && text != "false") return std::nullopt;
    as_json = text == "true";
  } else {
    as_json = boost::json::string(text);
  }
  Base value{};
  FieldErrors errors;
  domain::FromJson(as_json, value, "", errors);
  if (!errors.empty()) return std::nullopt;
  return store::detail::ToSql(value);
}

template <domain::Entity T>
class CollectionImpl final : public Collection {
 public:
  CollectionImpl(store::Store& store, const Clocks* clocks) : store_(store), clocks_(clocks) {}

  std::string_view name() const override { return domain::Schema<T>::kTable; }
  std::string_view entity() const override { return domain::Schema<T>::kEntity; }
  std::string_view time_field() const override { return TimeField<T>(); }

  std::vector<std::string_view> filter_fields() const override {
    std::vector<std::string_view> out;
    domain::ForEachField<T>([&](const auto& field) {
      using M = typename std::decay_t<decltype(field)>::Member;
      if constexpr (kFilterable<M>) out.push_back(field.name);
    });
    return out;
  }

  json::object json_schema() const override { return domain::JsonSchemaOf<T>(); }

  Result<Page> List(const Principal& who, const ListParams& params) override {
    store::Query query;
    query.limit = params.limit + 1;  // one more tells whether there is a next page
    query.after_id = params.cursor;
    query.where = ScopeConditions<T>(who);
    FieldErrors bad;
    std::vector<std::pair<std::string_view, Id>> referenced;  // must be visible
    for (std::size_t i = 0; i < params.filters.size(); ++i) {
      const auto& [name, text] = params.filters[i];
      bool repeated = false;
      for (std::size_t j = 0; j < i; ++j) repeated = repeated || params.filters[j].first == name;
      if (repeated) {
        bad.Add(name, "is given more than once");
        continue;
      }
      if (name == "from" || name == "to") {
        auto at = ParseRfc3339(text);
        if (!at) {
          bad.Add(name, "must be an RFC 3339 instant");
          continue;
        }
        query.where.push_back(
            {TimeField<T>(), name == "from" ? store::Condition::Op::kGe : store::Condition::Op::kLt,
             at->ms});
        continue;
      }
      bool known = false;
      domain::ForEachField<T>([&](const auto& field) {
        using M = typename std::decay_t<decltype(field)>::Member;
        if constexpr (kFilterable<M>) {
          if (field.name != name) return;
          known = true;
          // A filter on a field a vendor agent may not always see would let it probe the
          // hidden values, even on records whose details it may see.
          if (who.IsVendorAgent() &&
              (field.flags & (domain::kHiddenFromVendors | domain::kVendorDetail))) {
            bad.Add(name, "is not a filter you may use");
            return;
          }
          auto value = FilterValue<M>(text);
          if (!value) {
            bad.Add(name, "is not a valid " + std::string(field.name) + " value");
            return;
          }
          if (!field.references.empty()) {
            referenced.emplace_back(field.references, std::get<std::int64_t>(*value));
          }
          query.where.push_back({field.name, store::Condition::Op::kEq, std::move(*value)});
        }
      });
      if (!known) bad.Add(name, "is not a filter of " + std::string(name_of()));
    }
    if (!bad.empty())
      return std::unexpected(Error{ErrorCode::kBadRequest, "bad query", bad.list()});

    Page page;
    auto read = store_.Read([&](Session& s) -> Result<void> {
      for (const auto& [table, id] : referenced) {
        auto exists = ReferenceExists(s, who, table, id);
        if (!exists) return std::unexpected(exists.error());
        if (!*exists) {
          return Fail(ErrorCode::kNotFound,
                      std::string(table) + " " + std::to_string(id) + " not found");
        }
      }
      auto rows = store::List<T>(s, query);
      if (!rows) return std::unexpected(rows.error());
      std::size_t shown = std::min(rows->size(), static_cast<std::size_t>(params.limit));
      for (std::size_t i = 0; i < shown; ++i) {
        page.items.push_back(WithLiveClocks((*rows)[i].meta.id, Present(who, (*rows)[i])));
      }
      if (rows->size() > shown) page.next_cursor = (*rows)[shown - 1].meta.id;
      return {};
    });
    if (!read) return std::unexpected(read.error());
    return page;
  }

  Result<Record> Get(const Principal& who, Id id) override {
    std::shared_ptr<const Remembered> found = cache_.Find(id);
    if (!found) {
      std::uint64_t generation = cache_.generation();
      auto read = store_.Read([&](Session& s) -> Result<void> {
        auto row = store::Get<T>(s, id);
        if (!row) return std::unexpected(row.error());
        if (*row) found = Remember(std::move(**row));
        return {};
      });
      if (!read) return std::unexpected(read.error());
      if (found) cache_.Remember(id, found, generation);
    }
    if (!found || !CanSee(who, found->record)) return NotFound(id);
    Record answer{id, nullptr, found->record.meta.version, false, nullptr};
    if (who.IsVendorAgent()) {
      answer.body = Present(who, found->record);
    } else {
      answer.text = std::shared_ptr<const std::string>(found, &found->text);
    }
    return WithLiveClocks(id, std::move(answer));
  }

  void Forget(Id id) override { cache_.Forget(id); }

  void Create(const Principal& who, json::value body, Callback<Record> done) override {
    auto parsed = domain::ParseRecord<T>(body);
    if (!parsed) return done(std::unexpected(parsed.error()));
    std::optional<Prepared> prepared;
    auto checked = store_.Read([&](Session& s) -> Result<void> {
      auto p = Prepare(s, who, std::move(*parsed), Now());
      if (!p) return std::unexpected(p.error());
      prepared = std::move(*p);
      return {};
    });
    if (!checked) return done(std::unexpected(checked.error()));
    auto result = std::make_shared<Record>();
    store_.Write(
        [this, who, prepared = std::move(*prepared), result](Session& s) mutable -> Result<void> {
          auto created = CreateIn(s, who, prepared);
          if (!created) return std::unexpected(created.error());
          *result = std::move(*created);
          return {};
        },
        [this, result, done = std::move(done)](Result<void> r) {
          if (!r) return done(std::unexpected(r.error()));
          const Id id = result->id;
          done(WithLiveClocks(id, std::move(*result)));
        });
  }

  void Update(const Principal& who, Id id, std::int64_t expected_version, json::value patch,
              Callback<Record> done) override {
    if (!patch.is_object()) {
      return done(Fail(ErrorCode::kInvalid, "a merge patch must be a JSON object",
                       {{"body", "must be an object"}}));
    }
    auto result = std::make_shared<Record>();
    store_.Write(
        [this, who, id, expected_version, patch = std::move(patch),
         result](Session& s) -> Result<void> {
          auto updated = UpdateIn(s, who, id, expected_version, patch);
          if (!updated) return std::unexpected(updated.error());
          *result = std::move(*updated);
          return {};
        },
        [this, id, result, done = std::move(done)](Result<void> r) {
          if (!r) return done(std::unexpected(r.error()));
          done(WithLiveClocks(id, std::move(*result)));
        });
  }

  // A new record checked and rendered before it reaches the store's one writer, which is
  // left only what must happen inside the transaction. The checks read through a reader
  // snapshot taken just before the write: records are never deleted, so a foreign id
  // found there still exists when the write commits.
  using Prepared = PreparedCreate<T>;

  // kBulk renders neither the event nor the answer (bulk imports answer with counts).
  Result<Prepared> Prepare(Session& s, const Principal& who, T record, Instant now,
                           CreateMode mode = CreateMode::kRecord) {
    FieldErrors errors;
    if (auto r = ApplyRules(s, who, record, static_cast<const T*>(nullptr), now, errors); !r) {
      return std::unexpected(r.error());
    }
    domain::Validate(record, errors);
    if (auto r = CheckReferences(s, who, record, errors); !r) return std::unexpected(r.error());
    if (!errors.empty()) return std::unexpected(errors.ToError());
    record.meta = {0, 1, now, now};
    if (mode == CreateMode::kBulk) return Prepared{std::move(record), mode, {}, {}};
    json::value full = domain::ToJson(record);
    std::string event_text = boost::json::serialize(full);
    json::value answer = who.IsVendorAgent() ? Redacted(who, record, std::move(full)) : nullptr;
    return Prepared{std::move(record), mode, std::move(event_text), std::move(answer)};
  }

  // The create use case inside a write: idempotency, row and event. Idempotency on
  // (source, external_id) rests on the unique index: the insert comes first, and only when
  // the index refuses it (SQLite undoes just that statement) is the stored record looked
  // up and compared, as a repeat. Almost every record is new: no lookup for those.
  Result<Record> CreateIn(Session& s, const Principal& who, Prepared& prepared) {
    T& record = prepared.record;
    if constexpr (std::is_same_v<T, Case> || std::is_same_v<T, Interaction>) {
      // The one judgement of Prepare that a concurrent write can change: whose queue it is
      // (the vendor of cases and interactions; an agent session's is its agent's).
      auto vendor = QueueVendor(s, who, record.queue_id);
      if (!vendor) return std::unexpected(vendor.error());
      if (*vendor != record.vendor_id) {
        return Fail(ErrorCode::kConflict,
                    "the queue changed vendor while this request was being checked; send it "
                    "again",
                    {{"queue_id", "changed vendor during the request"}});
      }
    }
    if constexpr (std::is_same_v<T, domain::Trial>) {
      // Likewise whether its escalation is still open to trials and the caller's to manage.
      if (auto r = RecheckTrialEscalation(s, who, record); !r) return std::unexpected(r.error());
    }
    if (auto r = store::Insert(s, record, record.meta.created_at); !r) {
      if constexpr (requires { record.source; record.external_id; }) {
        if (r.error().code == ErrorCode::kConflict && record.external_id) {
          auto existing = RepeatOf(s, who, record);
          if (!existing) return std::unexpected(existing.error());
          if (*existing) return std::move(**existing);
        }
      }
      return std::unexpected(r.error());
    }
    const Id id = record.meta.id;
    Record answer{id, nullptr, record.meta.version, false, nullptr};
    if (prepared.mode == CreateMode::kBulk) return answer;
    std::string change = domain::WithId(prepared.event_text, id);
    if (prepared.answer.is_null()) {
      answer.text = std::make_shared<const std::string>(change);
    } else {
      answer.body = std::move(prepared.answer);
      answer.body.as_object().at("id") = id;
    }
    domain::Event event{0,
                        record.meta.created_at,
                        who.user_id,
                        std::string(domain::Schema<T>::kEntity),
                        id,
                        "created",
                        std::move(change),
                        domain::AccountOf(record)};
    if (auto r = s.AppendEvent(event); !r) return std::unexpected(r.error());
    return answer;
  }

 private:
  static std::string_view name_of() { return domain::Schema<T>::kTable; }

  static std::unexpected<Error> NotFound(Id id) {
    return Fail(ErrorCode::kNotFound,
                std::string(domain::Schema<T>::kEntity) + " " + std::to_string(id) + " not found");
  }

  Result<T> Visible(Session& s, const Principal& who, Id id) {
    auto found = store::Get<T>(s, id);
    if (!found) return std::unexpected(found.error());
    if (!*found || !CanSee(who, **found)) return NotFound(id);
    return std::move(**found);
  }

  // Ingest is idempotent on (source, external_id): the same content again answers the
  // stored record; different content under the same id is a conflict.
  Result<std::optional<Record>> RepeatOf(Session& s, const Principal& who, const T& record) {
    auto id = s.FindId(name_of(), {"source", "external_id"}, {record.source, *record.external_id});
    if (!id) return std::unexpected(id.error());
    if (!*id) return std::optional<Record>{};
    auto stored = store::Get<T>(s, **id);
    if (!stored) return std::unexpected(stored.error());
    const T& existing = **stored;
    if (domain::EditableJson(existing) != domain::EditableJson(record) ||
        existing.vendor_id != record.vendor_id) {
      return Fail(ErrorCode::kConflict,
                  std::string(domain::Schema<T>::kEntity) + " " + *record.external_id +
                      " of source " + record.source +
                      " was already ingested with different content",
                  {{"external_id", "already used with different content"}});
    }
    return std::optional<Record>{
        Record{existing.meta.id, Present(who, existing), existing.meta.version, true, nullptr}};
  }

  Result<Record> UpdateIn(Session& s, const Principal& who, Id id, std::int64_t expected_version,
                          const json::value& patch) {
    auto current = Visible(s, who, id);
    if (!current) return std::unexpected(current.error());
    // A vendor agent may see another vendor's interactions as summaries, but changes only
    // its own vendor's records: to it, the others are as missing as they look.
    if (!MayChange(who, *current)) return NotFound(id);
    if (current->meta.version != expected_version) {
      return Fail(ErrorCode::kPreconditionFailed,
                  "the record changed: it is at version " + std::to_string(current->meta.version));
    }
    auto merged = domain::MergePatch(domain::EditableJson(*current), patch);
    FieldErrors errors;
    T updated{};
    domain::FromJson(merged, updated, "", errors);
    // Keys the patch may not touch are reported as such, not as "unknown".
    for (const auto& [key, value] : patch.as_object()) {
      if (domain::IsMetaField(key)) errors.Add(std::string(key), "is read-only");
      domain::ForEachField<T>([&](const auto& field) {
        if (field.name == std::string_view(key) && (field.flags & domain::kReadOnly)) {
          errors.Add(std::string(key), "is read-only");
        }
      });
    }
    if (!errors.empty()) return std::unexpected(errors.ToError());
    domain::CopyServerFields(*current, updated);
    const Instant now = Now();
    if (auto r = ApplyRules(s, who, updated, &*current, now, errors); !r) {
      return std::unexpected(r.error());
    }
    domain::Validate(updated, errors);
    if (auto r = CheckReferences(s, who, updated, errors); !r) return std::unexpected(r.error());
    if (!errors.empty()) return std::unexpected(errors.ToError());
    if constexpr (std::is_same_v<T, Case>) {
      if (auto r = KeepClocks(s, *current, updated); !r) return std::unexpected(r.error());
    }
    if (auto r = store::Update(s, updated, now); !r) return std::unexpected(r.error());
    boost::json::object change{{"patch", patch}};
    std::string action = "updated";
    if constexpr (std::is_same_v<T, Case>) {
      if (updated.status != current->status) {
        action = "status_changed";
        change["from"] = domain::Name(current->status);
        change["to"] = domain::Name(updated.status);
      }
    }
    if constexpr (std::is_same_v<T, domain::Escalation>) {
      if (updated.stage != current->stage) {
        action = "stage_changed";
        change["from"] = domain::Name(current->stage);
        change["to"] = domain::Name(updated.stage);
      }
    }
    if constexpr (std::is_same_v<T, Interaction>) {
      // The cases whose history the edit touches, for the change feed's projections.
      for (const auto& [key, value] : {std::pair{"case_id", updated.case_id},
                                       std::pair{"from_case_id", current->case_id}}) {
        if (value) change[key] = *value;
      }
    }
    if constexpr (requires { updated.account_id; }) {
      // The account a record left (the event names the one it is on), for the projections
      // that keep per-account state.
      const std::optional<Id> was = current->account_id, is = updated.account_id;
      if (was && was != is) change["from_account_id"] = *was;
    }
    domain::Event event{0,
                        now,
                        who.user_id,
                        std::string(domain::Schema<T>::kEntity),
                        id,
                        action,
                        boost::json::serialize(change),
                        domain::AccountOf(updated)};
    if (auto r = s.AppendEvent(event); !r) return std::unexpected(r.error());
    return Record{id, Present(who, updated), updated.meta.version, false, nullptr};
  }

  // A resolved case keeps the clocks of its resolution; a reopened one has live clocks.
  Result<void> KeepClocks(Session& s, const Case& before, Case& after) {
    const bool resolving = after.status == domain::CaseStatus::kResolved &&
                           before.status != domain::CaseStatus::kResolved;
    if (resolving && clocks_) {
      auto final_clocks = clocks_->Final(s, after, *after.resolved_at);
      if (!final_clocks) return std::unexpected(final_clocks.error());
      after.clocks = std::move(*final_clocks);
    } else if (after.status != domain::CaseStatus::kResolved &&
               after.status != domain::CaseStatus::kClosed) {
      after.clocks.clear();
    }
    return {};
  }

  // An open case's answer with its clocks as of now (stored answers have an empty list).
  json::value WithLiveClocks(Id id, json::value body) const {
    if constexpr (std::is_same_v<T, Case>) {
      if (!clocks_) return body;
      if (auto live = clocks_->Live(id, Now())) body.as_object()["clocks"] = domain::ToJson(*live);
    }
    return body;
  }

  Record WithLiveClocks(Id id, Record answer) const {
    if constexpr (std::is_same_v<T, Case>) {
      if (!clocks_) return answer;
      auto live = clocks_->Live(id, Now());
      if (!live) return answer;
      if (!answer.text) {
        answer.body = WithLiveClocks(id, std::move(answer.body));
        return answer;
      }
      // An open case's remembered text ends with its empty clocks list (the last field).
      // Anything else is a case resolved this instant: its stored clocks stand.
      constexpr std::string_view kEmptyClocks = "\"clocks\":[]}";
      const std::string& text = *answer.text;
      if (!text.ends_with(kEmptyClocks)) return answer;
      auto spliced = std::make_shared<std::string>(text, 0, text.size() - 3);
      spliced->append(boost::json::serialize(domain::ToJson(*live)));
      spliced->push_back('}');
      answer.text = std::move(spliced);
    }
    return answer;
  }

  // A record as remembered: with its full JSON, which is every in-house role's answer.
  struct Remembered {
    T record;
    std::string text;
  };

  static std::shared_ptr<const Remembered> Remember(T record) {
    std::string text = boost::json::serialize(domain::ToJson(record));
    return std::make_shared<const Remembered>(Remembered{std::move(record), std::move(text)});
  }

  store::Store& store_;
  const Clocks* clocks_;  // cases only: their live and final clocks
  RecordCache<Remembered> cache_{kCachedRecordsPerCollection};
};

}  // namespace

Ledger::Ledger(store::Store& store, const Clocks* clocks) : store_(store) {
  collections_.push_back(std::make_unique<CollectionImpl<domain::User>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::Vendor>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::Queue>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::Account>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::Person>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::Agreement>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<Case>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<Interaction>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::Calendar>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::SlaPolicy>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::AgentSession>>(store, clocks));
  // Customer advocacy (domain/advocacy.hpp).
  collections_.push_back(std::make_unique<CollectionImpl<domain::Escalation>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::RootCauseCategory>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::MitigatingService>>(store, clocks));
  collections_.push_back(std::make_unique<CollectionImpl<domain::Trial>>(store, clocks));
}

Ledger::~Ledger() = default;

Collection* Ledger::Find(std::string_view name) const {
  for (const auto& c : collections_) {
    if (c->name() == name) return c.get();
  }
  return nullptr;
}

void Ledger::CreateInteractions(const Principal& who, json::value body,
                                Callback<std::vector<Record>> done) {
  const auto* object = body.if_object();
  const auto* items =
      object && object->contains("items") ? object->at("items").if_array() : nullptr;
  if (!items || object->size() != 1) {
    return done(Fail(ErrorCode::kInvalid, "a batch is {\"items\": [...]}",
                     {{"items", "must be the only field, an array of interactions"}}));
  }
  if (items->size() > kMaxBatchItems) {
    return done(Fail(ErrorCode::kPayloadTooLarge,
                     "a batch holds at most " + std::to_string(kMaxBatchItems) + " items"));
  }
  std::vector<Interaction> records;
  records.reserve(items->size());
  FieldErrors errors;
  for (std::size_t i = 0; i < items->size(); ++i) {
    Interaction record{};
    domain::FromJson((*items)[i], record, "items[" + std::to_string(i) + "]", errors);
    records.push_back(std::move(record));
  }
  if (!errors.empty()) return done(std::unexpected(errors.ToError("invalid batch")));

  auto* interactions = static_cast<CollectionImpl<Interaction>*>(Find("interactions"));
  using Prepared = CollectionImpl<Interaction>::Prepared;
  // Every item is checked so that the caller learns of every bad one.
  std::vector<Prepared> prepared;
  prepared.reserve(records.size());
  std::vector<FieldError> item_errors;
  Instant now = Now();
  auto checked = store_.Read([&](Session& s) -> Result<void> {
    for (std::size_t i = 0; i < records.size(); ++i) {
      auto p = interactions->Prepare(s, who, std::move(records[i]), now);
      if (p) {
        prepared.push_back(std::move(*p));
      } else if (p.error().code == ErrorCode::kInvalid) {
        auto prefixed = WithPrefix(p.error(), "items[" + std::to_string(i) + "]");
        item_errors.insert(item_errors.end(), prefixed.fields.begin(), prefixed.fields.end());
      } else {
        return std::unexpected(p.error());
      }
    }
    return {};
  });
  if (!checked) return done(std::unexpected(checked.error()));
  if (!item_errors.empty()) {
    return done(std::unexpected(
        Error{ErrorCode::kInvalid, "invalid batch: nothing was stored", std::move(item_errors)}));
  }

  auto results = std::make_shared<std::vector<Record>>();
  store_.Write(
      [who, interactions, prepared = std::move(prepared),
       results](Session& s) mutable -> Result<void> {
        // Any failure fails the batch, and its savepoint takes back the items that landed.
        std::vector<FieldError> conflicts;
        for (std::size_t i = 0; i < prepared.size(); ++i) {
          auto created = interactions->CreateIn(s, who, prepared[i]);
          if (created) {
            results->push_back(std::move(*created));
            continue;
          }
          if (created.error().code != ErrorCode::kConflict) return std::unexpected(created.error());
          auto prefixed = WithPrefix(created.error(), "items[" + std::to_string(i) + "]");
          conflicts.insert(conflicts.end(), prefixed.fields.begin(), prefixed.fields.end());
        }
        if (!conflicts.empty()) {
          return std::unexpected(
              Error{ErrorCode::kConflict, "invalid batch: nothing was stored", conflicts});
        }
        return {};
      },
      [results, done = std::move(done)](Result<void> r) {
        if (!r) return done(std::unexpected(r.error()));
        done(std::move(*results));
      });
}

template <domain::Entity T>
Result<PreparedCreate<T>> Ledger::PrepareCreate(Session& s, const Principal& who, T record,
                                                Instant now, CreateMode mode) const {
  auto* collection = static_cast<CollectionImpl<T>*>(Find(domain::Schema<T>::kTable));
  return collection->Prepare(s, who, std::move(record), now, mode);
}

template <domain::Entity T>
Result<Record> Ledger::CreateIn(Session& s, const Principal& who,
                                PreparedCreate<T>& prepared) const {
  auto* collection = static_cast<CollectionImpl<T>*>(Find(domain::Schema<T>::kTable));
  return collection->CreateIn(s, who, prepared);
}

#define RAPPORT_LEDGER_BULK(T)                                                              \
  template Result<PreparedCreate<T>> Ledger::PrepareCreate<T>(Session&, const Principal&, T, \
                                                              Instant, CreateMode) const;    \
  template Result<Record> Ledger::CreateIn<T>(Session&, const Principal&, PreparedCreate<T>&) \
      const;
RAPPORT_LEDGER_BULK(domain::User)
RAPPORT_LEDGER_BULK(domain::Queue)
RAPPORT_LEDGER_BULK(domain::Interaction)
RAPPORT_LEDGER_BULK(domain::AgentSession)
#undef RAPPORT_LEDGER_BULK

void Ledger::OnCommitted(const store::CommittedBatch& batch) {
  for (const auto& event : batch.events) {
    for (const auto& collection : collections_) {
      if (collection->entity() == event.entity) collection->Forget(event.entity_id);
    }
  }
}

json::object EventJson(const domain::Event& e) {
  boost::system::error_code ec;
  auto change = boost::json::parse(e.change, ec);
  return json::object{{"sequence", e.sequence},
                      {"at", FormatRfc3339(e.at)},
                      {"actor_id", e.actor_id},
                      {"entity", e.entity},
                      {"entity_id", e.entity_id},
                      {"action", e.action},
                      {"account_id", e.account_id ? json::value(*e.account_id) : nullptr},
                      {"change", ec ? json::value(e.change) : change}};
}

Result<json::array> Ledger::Events(std::int64_t after_sequence, std::int64_t limit) {
  json::array out;
  auto read = store_.Read([&](Session& s) -> Result<void> {
    auto events = s.EventsAfter(after_sequence, limit);
    if (!events) return std::unexpected(events.error());
    for (const auto& e : *events) out.push_back(EventJson(e));
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

Result<Record> Ledger::Me(const Principal& who) {
  return Find("users")->Get(Principal{who.user_id, Role::kAdmin, std::nullopt}, who.user_id);
}

domain::Event ImportedEvent(std::string_view entity, const ImportedIds& ids, Id actor, Instant at) {
  json::object change{{"source", ids.source},         {"first_id", ids.first_id},
                      {"last_id", ids.last_id},       {"count", ids.count},
                      {"first_line", ids.first_line}, {"last_line", ids.last_line}};
  // A batch spans many accounts: its rows are in their timelines, the event in none.
  return domain::Event{0, at, actor, std::string(entity), ids.first_id, "imported",
                       boost::json::serialize(change), std::nullopt};
}

std::pair<Id, Id> IdsOf(const domain::Event& event) {
  if (event.action == "imported") {
    boost::system::error_code ec;
    const auto change = boost::json::parse(event.change, ec);
    const auto* object = ec ? nullptr : change.if_object();
    const auto* last = object ? object->if_contains("last_id") : nullptr;
    if (last && last->is_int64()) return {event.entity_id, last->get_int64()};
  }
  return {event.entity_id, event.entity_id};
}

}  // namespace rapport::app
