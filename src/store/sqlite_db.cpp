#include "store/sqlite_db.hpp"

#include <sqlite3.h>

namespace darkscope {

std::string describe_sqlite_error(int code, const char* detail) {
  std::string cause;
  switch (code & 0xff) {
    case SQLITE_FULL:
      cause = "the disk is full";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      cause = "the database is locked by another process (another ingest?)";
      break;
    case SQLITE_READONLY:
      cause = "the database is read-only";
      break;
    case SQLITE_CANTOPEN:
      cause = "the file cannot be opened";
      break;
    case SQLITE_NOTADB:
      cause = "the file is not an SQLite database";
      break;
    case SQLITE_CORRUPT:
      cause = "the database file is damaged";
      break;
    case SQLITE_IOERR:
      cause = "an I/O error occurred";
      break;
    case SQLITE_PERM:
      cause = "permission denied";
      break;
    default:
      cause = sqlite3_errstr(code);
  }
  if (detail != nullptr && *detail != 0 && cause != detail) cause += std::string(" (") + detail + ")";
  return cause;
}

void throw_sqlite_error(const std::string& path, int code, const char* detail, std::string_view what) {
  throw StoreError(path + ": " + std::string(what) + ": " + describe_sqlite_error(code, detail), code);
}

Statement::Statement(sqlite3* db, std::string_view sql, const std::string* path)
    : db_(db), path_(path) {
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) throw_sqlite_error(*path_, rc, sqlite3_errmsg(db), "preparing a query");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_blob(int i, const void* data, int size) {
  sqlite3_bind_blob(stmt_, i, data, size, SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string detail = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw_sqlite_error(*path_, rc, detail.c_str(), "writing or reading");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::column_double(int i) const { return sqlite3_column_double(stmt_, i); }
std::string Statement::column_text(int i) const {
  const auto* p = sqlite3_column_text(stmt_, i);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}
std::string Statement::column_blob(int i) const {
  const void* p = sqlite3_column_blob(stmt_, i);
  const int n = sqlite3_column_bytes(stmt_, i);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}
bool Statement::column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

Database::Database(const std::string& path, Mode mode, int busy_timeout_ms) : path_(path) {
  const int flags = mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY
                                            : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : "";
    sqlite3_close(db_);
    db_ = nullptr;
    throw_sqlite_error(path, rc, detail.c_str(), "cannot open the database");
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string detail = err != nullptr ? err : "";
    sqlite3_free(err);
    throw_sqlite_error(path_, rc, detail.c_str(), "executing");
  }
}

std::int64_t Database::query_int(std::string_view sql) {
  Statement s = prepare(sql);
  return s.step() ? s.column_int(0) : 0;
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // The transaction is already gone (SQLite rolls back on some errors itself).
    }
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace darkscope
