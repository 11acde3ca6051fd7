// The database schema: one ordered list of migrations (schema.cpp), versioned in
// PRAGMA user_version and marked as darkscope's by PRAGMA application_id.
#pragma once

#include <cstdint>
#include <span>

#include "store/sqlite_db.hpp"

namespace darkscope {

/// PRAGMA application_id of every darkscope database ("DSCP").
inline constexpr std::int64_t kApplicationId = 0x44534350;

/// One step of the schema. version is its position (1-based) in the list.
struct Migration {
  int version;
  const char* name;
  const char* sql;
};

/// Every migration, in order. The schema version is the last one's number.
[[nodiscard]] std::span<const Migration> migrations() noexcept;
[[nodiscard]] int latest_schema_version() noexcept;

/// The oldest schema a reader reads without migrating: what later versions added
/// (capture_loss) reads as empty until an ingest migrates the file.
inline constexpr int kOldestReadableSchema = 4;

/// Checks that `db` is darkscope's (or empty) and not newer than this build, then
/// (when `migrate`) applies the missing migrations, each in its own transaction.
/// Throws StoreError naming the cause: a foreign file, a newer schema, an old schema
/// (before kOldestReadableSchema) a read-only reader cannot migrate.
void prepare_schema(Database& db, bool migrate);

/// Whether `db` has a table of this name (a reader of an older schema checks for
/// the tables that came later).
[[nodiscard]] bool has_table(Database& db, const char* name);

}  // namespace darkscope
