// Typed access to the store: converts entities to and from rows through their Schema<T>
// and offers Get/List/Insert/Update on top of the generic Session operations.
#pragma once

#include <boost/json.hpp>

#include "domain/json_codec.hpp"
#include "store/store.hpp"

namespace rapport::store {

namespace detail {

inline SqlValue ToSql(const std::string& v) { return v; }
inline SqlValue ToSql(std::int64_t v) { return v; }
inline SqlValue ToSql(double v) { return v; }
inline SqlValue ToSql(bool v) { return std::int64_t{v ? 1 : 0}; }
inline SqlValue ToSql(Instant v) { return v.ms; }
inline SqlValue ToSql(Date v) { return FormatDate(v); }
template <domain::NamedEnum E>
SqlValue ToSql(E v) {
  return std::string(domain::Name(v));
}
// A nested record (not an entity) is stored as JSON text, like lists.
template <class T>
requires(requires { domain::Schema<T>::kFields; } && !domain::Entity<T>)
SqlValue ToSql(const T& v) {
  return boost::json::serialize(domain::ToJson(v));
}
template <class T>
SqlValue ToSql(const std::optional<T>& v) {
  return v ? ToSql(*v) : SqlValue{};
}
template <class T>
SqlValue ToSql(const std::vector<T>& v) {  // lists are stored as JSON text
  return boost::json::serialize(domain::ToJson(v));
}

// Rows come from our own schema, so a value of the wrong shape is a bug (or a damaged
// file): it throws, and the caller's layer edge reports it as kInternal.
[[noreturn]] void BadColumn(std::string_view column);

inline void FromSql(const SqlValue& in, std::string& out, std::string_view column) {
  const auto* s = std::get_if<std::string>(&in);
  if (!s) BadColumn(column);
  out = *s;
}
inline void FromSql(const SqlValue& in, std::int64_t& out, std::string_view column) {
  const auto* i = std::get_if<std::int64_t>(&in);
  if (!i) BadColumn(column);
  out = *i;
}
inline void FromSql(const SqlValue& in, double& out, std::string_view column) {
  if (const auto* d = std::get_if<double>(&in)) {
    out = *d;
  } else if (const auto* i = std::get_if<std::int64_t>(&in)) {
    out = static_cast<double>(*i);
  } else {
    BadColumn(column);
  }
}
inline void FromSql(const SqlValue& in, bool& out, std::string_view column) {
  std::int64_t i = 0;
  FromSql(in, i, column);
  out = i != 0;
}
inline void FromSql(const SqlValue& in, Instant& out, std::string_view column) {
  FromSql(in, out.ms, column);
}
inline void FromSql(const SqlValue& in, Date& out, std::string_view column) {
  std::string text;
  FromSql(in, text, column);
  auto parsed = ParseDate(text);
  if (!parsed) BadColumn(column);
  out = *parsed;
}
template <domain::NamedEnum E>
void FromSql(const SqlValue& in, E& out, std::string_view column) {
  std::string text;
  FromSql(in, text, column);
  auto parsed = domain::EnumFromName<E>(text);
  if (!parsed) BadColumn(column);
  out = *parsed;
}
// A list or a nested record, stored as JSON text.
template <class T>
void FromJsonText(const SqlValue& in, T& out, std::string_view column) {
  std::string text;
  FromSql(in, text, column);
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  FieldErrors errors;
  if (!ec) domain::FromJson(parsed, out, std::string(column), errors);
  if (ec || !errors.empty()) BadColumn(column);
}
template <class T>
requires(requires { domain::Schema<T>::kFields; } && !domain::Entity<T>)
void FromSql(const SqlValue& in, T& out, std::string_view column) {
  FromJsonText(in, out, column);
}
template <class T>
void FromSql(const SqlValue& in, std::optional<T>& out, std::string_view column) {
  if (std::holds_alternative<std::monostate>(in)) {
    out.reset();
    return;
  }
  T value{};
  FromSql(in, value, column);
  out = std::move(value);
}
template <class T>
void FromSql(const SqlValue& in, std::vector<T>& out, std::string_view column) {
  FromJsonText(in, out, column);
}

}  // namespace detail

template <domain::Entity T>
const TableSpec& Spec() {
  static const TableSpec spec = [] {
    TableSpec s{domain::Schema<T>::kTable, {"id", "version", "created_at", "updated_at"}, {}};
    domain::ForEachField<T>([&](const auto& field) { s.columns.push_back(field.name); });
    for (auto column : s.columns) {
      if (!s.column_list.empty()) s.column_list += ',';
      s.column_list += '"' + std::string(column) + '"';
    }
    return s;
  }();
  return spec;
}

template <domain::Entity T>
Row ToRow(const T& record) {
  Row row{record.meta.id, record.meta.version, record.meta.created_at.ms,
          record.meta.updated_at.ms};
  domain::ForEachField<T>(
      [&](const auto& field) { row.push_back(detail::ToSql(record.*field.member)); });
  return row;
}

template <domain::Entity T>
T FromRow(const Row& row) {
  T record{};
  detail::FromSql(row.at(0), record.meta.id, "id");
  detail::FromSql(row.at(1), record.meta.version, "version");
  detail::FromSql(row.at(2), record.meta.created_at, "created_at");
  detail::FromSql(row.at(3), record.meta.updated_at, "updated_at");
  std::size_t i = 4;
  domain::ForEachField<T>(
      [&](const auto& field) { detail::FromSql(row.at(i++), record.*field.member, field.name); });
  return record;
}

template <domain::Entity T>
Result<std::optional<T>> Get(Session& session, Id id) {
  auto row = session.SelectById(Spec<T>(), id);
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<T>{};
  return std::optional<T>{FromRow<T>(**row)};
}

template <domain::Entity T>
Result<std::vector<T>> List(Session& session, const Query& query) {
  auto rows = session.Select(Spec<T>(), query);
  if (!rows) return std::unexpected(rows.error());
  std::vector<T> out;
  out.reserve(rows->size());
  for (const Row& row : *rows) out.push_back(FromRow<T>(row));
  return out;
}

// Every record matching `where`, by ascending id, read a page at a time.
template <domain::Entity T>
Result<std::vector<T>> All(Session& session, std::vector<Condition> where = {}) {
  constexpr std::int64_t kPage = 10'000;
  std::vector<T> out;
  Query query{std::move(where), std::nullopt, kPage};
  while (true) {
    auto page = List<T>(session, query);
    if (!page) return std::unexpected(page.error());
    for (T& record : *page) out.push_back(std::move(record));
    if (static_cast<std::int64_t>(page->size()) < kPage) return out;
    query.after_id = out.back().meta.id;
  }
}

// Stores a new record: sets its id, version 1 and both timestamps to `at`.
template <domain::Entity T>
Result<void> Insert(Session& session, T& record, Instant at) {
  record.meta.version = 1;
  record.meta.created_at = at;
  record.meta.updated_at = at;
  auto id = session.Insert(Spec<T>(), ToRow(record));
  if (!id) return std::unexpected(id.error());
  record.meta.id = *id;
  return {};
}

// Stores a changed record: version + 1 and updated_at = `at`.
template <domain::Entity T>
Result<void> Update(Session& session, T& record, Instant at) {
  record.meta.version += 1;
  record.meta.updated_at = at;
  return session.Update(Spec<T>(), ToRow(record));
}

}  // namespace rapport::store
