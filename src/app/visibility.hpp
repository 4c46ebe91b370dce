// What a caller may see — the vendor rules of the data contract, in one place:
//  - a vendor_agent sees accounts and people without their money (kHiddenFromVendors),
//    every interaction as a summary, but the details of an interaction (kVendorDetail:
//    body, participants, ...) and whole cases, queues, agreements, vendors and users only
//    where they belong to its own vendor;
//  - what it may not see does not exist for it: the same 404 as a missing record, in
//    gets, lists, filters and foreign ids alike.
// Every other role sees everything. Pure functions of the principal and the record.
#pragma once

#include <boost/json.hpp>

#include "app/auth.hpp"
#include "domain/entities.hpp"
#include "domain/json_codec.hpp"
#include "store/store.hpp"

namespace rapport::app {

// Tables whose rows belong to one vendor (by a vendor_id column, or for vendors their
// id): a vendor agent sees only its own vendor's.
inline bool IsVendorOwnedTable(std::string_view table) {
  return table == "cases" || table == "queues" || table == "agreements" || table == "users" ||
         table == "vendors" || table == "agent_sessions";
}

// The column that names a row's vendor in a vendor-owned table.
inline std::string_view VendorColumn(std::string_view table) {
  return table == "vendors" ? "id" : "vendor_id";
}

template <domain::Entity T>
std::optional<Id> OwningVendor(const T& record) {
  if constexpr (std::is_same_v<T, domain::Vendor>) {
    return record.meta.id;
  } else if constexpr (requires { record.vendor_id; }) {
    return record.vendor_id;
  } else {
    return std::nullopt;
  }
}

// Extra list conditions that confine a caller to what it may see.
template <domain::Entity T>
std::vector<store::Condition> ScopeConditions(const Principal& who) {
  if (!who.IsVendorAgent() || !IsVendorOwnedTable(domain::Schema<T>::kTable)) return {};
  return {{VendorColumn(domain::Schema<T>::kTable), store::Condition::Op::kEq, *who.vendor_id}};
}

template <domain::Entity T>
bool CanSee(const Principal& who, const T& record) {
  if (!who.IsVendorAgent() || !IsVendorOwnedTable(domain::Schema<T>::kTable)) return true;
  return OwningVendor(record) == who.vendor_id;
}

// Whether the caller may change `record`: a vendor agent only its own vendor's records
// where records belong to vendors (cases and interactions; in-house ones are not its).
template <domain::Entity T>
bool MayChange(const Principal& who, const T& record) {
  if (!who.IsVendorAgent()) return true;
  if constexpr (requires { record.vendor_id; } || std::is_same_v<T, domain::Vendor>) {
    return OwningVendor(record) == who.vendor_id;
  }
  return true;
}

// Whether the caller may see a field with `flags` of a record belonging to `owner`.
inline bool DetailVisible(const Principal& who, unsigned flags, std::optional<Id> owner) {
  if (!who.IsVendorAgent()) return true;
  if (flags & domain::kHiddenFromVendors) return false;
  if (flags & domain::kVendorDetail) return owner == who.vendor_id;
  return true;
}

// `full` (the record's ToJson) as the caller may see it. REQUIRES: CanSee(who, record).
template <domain::Entity T>
boost::json::value Redacted(const Principal& who, const T& record, boost::json::value full) {
  if (!who.IsVendorAgent()) return full;
  auto& object = full.as_object();
  bool summary = false;
  domain::ForEachField<T>([&](const auto& field) {
    if (!DetailVisible(who, field.flags, OwningVendor(record))) {
      object.erase(field.name);
      summary = summary || (field.flags & domain::kVendorDetail) != 0;
    }
  });
  if (summary) object["visibility"] = "summary";
  return full;
}

// The record as the caller may see it. REQUIRES: CanSee(who, record).
template <domain::Entity T>
boost::json::value Present(const Principal& who, const T& record) {
  return Redacted(who, record, domain::ToJson(record));
}

// Whether the caller may see `event`, an event naming an account (Event::account_id): the
// rule of the account's timeline (timeline.cpp) and of the live stream (live_feed.cpp).
// A vendor agent sees those of the account and its people, of the cases and agreements it
// may see as records (its own vendor's), and the signals of those cases or of no case;
// nothing of other kinds, which may carry what it may not see (money at risk, other
// vendors' cases). Every other role sees them all.
// `visible(table, id)` answers Result<bool>: whether the caller may see that record
// ("cases" or "agreements"); a missing record is not visible.
template <class Visible>
Result<bool> MaySeeAccountEvent(const Principal& who, const domain::Event& event,
                                Visible&& visible) {
  if (!who.IsVendorAgent() || event.entity == "account" || event.entity == "person") return true;
  if (event.entity == "case") return visible("cases", event.entity_id);
  if (event.entity == "agreement") return visible("agreements", event.entity_id);
  if (event.entity == "signal") {
    // As the signal lists show them: those of its own vendor's cases and of no case.
    boost::system::error_code ec;
    const boost::json::value change = boost::json::parse(event.change, ec);
    const boost::json::value* case_id =
        ec || !change.is_object() ? nullptr : change.as_object().if_contains("case_id");
    if (!case_id || case_id->is_null()) return true;
    if (!case_id->is_int64()) return false;
    return visible("cases", case_id->as_int64());
  }
  return false;
}

}  // namespace rapport::app
