// The numbered schema migrations of each SQL dialect, embedded from src/store/sql/.
#pragma once

#include <string_view>
#include <vector>

namespace rapport::store {

struct Migration {
  std::string_view name;  // "0001_ledger.sql": the number orders them
  std::string_view sql;
};

const std::vector<Migration>& sqlite_migrations();

}  // namespace rapport::store
