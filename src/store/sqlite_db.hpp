// A thin RAII layer over the SQLite C API: a connection, prepared statements,
// transactions, and errors that name their cause (disk full, locked, not ours).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace darkscope {

/// A database error. The message names the file and the cause in words an
/// operator acts on ("the disk is full", "locked by another process", ...).
class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& message, int sqlite_code = 0)
      : std::runtime_error(message), code_(sqlite_code) {}
  [[nodiscard]] int sqlite_code() const noexcept { return code_; }

 private:
  int code_;
};

/// A prepared statement. bind_* take 1-based indexes; step() returns true while rows come.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, const std::string* path);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_), path_(o.path_) { o.stmt_ = nullptr; }

  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view v);
  Statement& bind_blob(int i, const void* data, int size);
  Statement& bind_null(int i);
  bool step();
  /// step() until done, then reset for reuse.
  void run();
  void reset();

  [[nodiscard]] std::int64_t column_int(int i) const;
  [[nodiscard]] double column_double(int i) const;
  [[nodiscard]] std::string column_text(int i) const;
  [[nodiscard]] std::string column_blob(int i) const;
  [[nodiscard]] bool column_is_null(int i) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string* path_;
};

/// One SQLite connection.
class Database {
 public:
  enum class Mode { kReadOnly, kReadWrite };
  /// Opens (ReadWrite: creates) `path`, WAL mode, busy timeout. Throws StoreError.
  Database(const std::string& path, Mode mode, int busy_timeout_ms = 5000);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Runs one or more statements without results.
  void exec(std::string_view sql);
  [[nodiscard]] Statement prepare(std::string_view sql) { return Statement(db_, sql, &path_); }
  /// The single integer a query returns (e.g. a PRAGMA).
  [[nodiscard]] std::int64_t query_int(std::string_view sql);
  [[nodiscard]] sqlite3* handle() noexcept { return db_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

/// Turns an SQLite result code into the words of a StoreError message.
[[nodiscard]] std::string describe_sqlite_error(int code, const char* detail);
/// Throws StoreError for `code` on database `path` while doing `what`.
[[noreturn]] void throw_sqlite_error(const std::string& path, int code, const char* detail,
                                     std::string_view what);

}  // namespace darkscope
