#include "core/store/Workspace.h"

#include "core/io/Json.h"
#include "core/io/PrintableText.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <thread>
#include <utility>

namespace moescope {

namespace {

// Each entry takes the schema from version i to i + 1. Never edit a shipped entry: append a new one.
const std::vector<const char*>& migrations() {
    static const std::vector<const char*> steps = {
        R"sql(
        CREATE TABLE imports(id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL,
                             mapping TEXT NOT NULL, imported_at TEXT NOT NULL, rows INTEGER NOT NULL);
        CREATE TABLE runs(id INTEGER PRIMARY KEY, import_id INTEGER REFERENCES imports(id) ON DELETE CASCADE,
                          source_line INTEGER, params REAL, active_params REAL, sparsity REAL, experts REAL,
                          active_experts REAL, granularity REAL, d_model REAL, n_layers REAL, n_heads REAL,
                          ctx REAL, vocab REAL, tokens REAL, flops REAL, loss REAL, budget REAL,
                          derived_mask INTEGER NOT NULL DEFAULT 0, excluded INTEGER NOT NULL DEFAULT 0,
                          metrics TEXT NOT NULL DEFAULT '{}', labels TEXT NOT NULL DEFAULT '{}');
        CREATE INDEX runs_budget ON runs(budget);
        CREATE TABLE fits(id INTEGER PRIMARY KEY, law TEXT NOT NULL, budget REAL, settings TEXT NOT NULL,
                          result TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE jobs(id INTEGER PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL,
                          out_dir TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '{}',
                          created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        )sql",
        // 2: deletions become reversible (undo), nothing is thrown away.
        R"sql(
        ALTER TABLE runs ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
        )sql",
        // 3: why the import excluded a run ("no loss"), so the reason survives a reopen.
        R"sql(
        ALTER TABLE runs ADD COLUMN excluded_why TEXT NOT NULL DEFAULT '';
        )sql",
        // 4: the curve a checkpoint belongs to (bootstrap resamples whole curves) and the group a mean-per
        // run averages, so both survive a reopen.
        R"sql(
        ALTER TABLE runs ADD COLUMN curve TEXT NOT NULL DEFAULT '';
        ALTER TABLE runs ADD COLUMN mean_of TEXT NOT NULL DEFAULT '';
        )sql",
    };
    return steps;
}

std::string nowUtc() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// RAII statement: prepare, bind, step, finalize.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
    ~Statement() { sqlite3_finalize(stmt_); }
    bool ok() const { return stmt_ != nullptr; }
    Statement& bind(int i, double v) {
        if (v != v)
            sqlite3_bind_null(stmt_, i);
        else
            sqlite3_bind_double(stmt_, i, v);
        return *this;
    }
    Statement& bind(int i, long long v) {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    Statement& bind(int i, const std::string& v) {
        sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    int step() { return sqlite3_step(stmt_); }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    double real(int c) const {
        return sqlite3_column_type(stmt_, c) == SQLITE_NULL ? std::nan("") : sqlite3_column_double(stmt_, c);
    }
    long long integer(int c) const { return sqlite3_column_int64(stmt_, c); }
    std::string text(int c) const {
        const auto* t = sqlite3_column_text(stmt_, c);
        return t ? reinterpret_cast<const char*>(t) : "";
    }

private:
    sqlite3_stmt* stmt_ = nullptr;
};

std::string fieldColumns() {
    std::string s;
    for (Field f : allFields())
        s += ", " + std::string(fieldName(f));
    return s;
}

Json namedValues(const std::vector<std::string>& names, const std::vector<double>& values) {
    Json j = Json::object();
    for (size_t i = 0; i < names.size() && i < values.size(); ++i)
        if (values[i] == values[i]) j.set(names[i], values[i]);
    return j;
}

Json namedTexts(const std::vector<std::string>& names, const std::vector<std::string>& values) {
    Json j = Json::object();
    for (size_t i = 0; i < names.size() && i < values.size(); ++i)
        j.set(names[i], values[i]);
    return j;
}

// Test hook for the crash-safety test: stall inside the import transaction so a test can kill the process
// at a known point. Unset in normal use.
long long stallAfterRows() {
    const char* v = std::getenv("MOESCOPE_FAULT_STALL_IMPORT_AFTER");
    return v ? std::atoll(v) : -1;
}

} // namespace

Workspace::~Workspace() {
    close();
}

Workspace::Workspace(Workspace&& other) noexcept {
    *this = std::move(other);
}

Workspace& Workspace::operator=(Workspace&& other) noexcept {
    if (this != &other) {
        close();
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
        readOnly_ = other.readOnly_;
        created_ = other.created_;
        failure_ = other.failure_;
    }
    return *this;
}

void Workspace::removeFiles(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::remove((path + suffix).c_str());
}

void Workspace::close() {
    // close_v2: a statement still alive in the caller's scope (a failed check, say) does not keep the
    // connection open; it closes when that statement is finalized.
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
}

std::string Workspace::lastError() const {
    return db_ ? sqlite3_errmsg(db_) : "workspace not open";
}

bool Workspace::exec(const char* sql, std::string& error) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        error = path_ + ": " + (msg ? msg : "SQLite error");
        sqlite3_free(msg);
        return false;
    }
    return true;
}

namespace {

// SQLite URI filenames: everything but unreserved characters and '/' percent-encoded.
std::string uriPath(const std::string& path) {
    std::string out = "file:";
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

} // namespace

bool Workspace::fail(Failure why, const std::string& message, std::string& error) {
    failure_ = why;
    error = message;
    close();
    return false;
}

bool Workspace::openConnection(const std::string& path, bool readOnly, std::string& error) {
    const int flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db_, 5000);
        // A read-only WAL database needs its -shm file; where that cannot be made (a read-only folder), read
        // the file as immutable: no one can be writing it there.
        if (!readOnly ||
            sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) == SQLITE_OK)
            return true;
    }
    close();
    if (readOnly && sqlite3_open_v2((uriPath(path) + "?immutable=1").c_str(), &db_,
                                    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK)
        return true;
    error = path + ": cannot open workspace: " + lastError();
    close();
    return false;
}

bool Workspace::open(const std::string& path, std::string& error, Mode mode) {
    close();
    path_ = path;
    failure_ = Failure::None;
    readOnly_ = false;
    created_ = false;
    bool exists = ::access(path.c_str(), F_OK) == 0;
    if (!exists && mode == Mode::Existing) return fail(Failure::Missing, path + ": no such workspace", error);
    if (!exists) {
        if (!createWhole(path, error)) return fail(Failure::Io, error, error);
        exists = true;
    }
    if (exists && ::access(path.c_str(), R_OK) != 0)
        return fail(Failure::Io, path + ": cannot read workspace: " + std::strerror(errno), error);
    readOnly_ = exists && mode == Mode::Existing && ::access(path.c_str(), W_OK) != 0;
    if (!openConnection(path, readOnly_, error)) return fail(Failure::Io, error, error);
    // journal_mode fails with "file is not a database" on foreign files: the first place we can tell.
    const char* setup = readOnly_
                            ? "PRAGMA foreign_keys=ON;"
                            : "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";
    if (!exec(setup, error)) {
        if (sqlite3_errcode(db_) == SQLITE_READONLY && mode == Mode::Existing) {
            // Writable by permissions but not in fact (a read-only mount): read it as such.
            close();
            readOnly_ = true;
            if (!openConnection(path, true, error)) return fail(Failure::Io, error, error);
        } else {
            const bool notDb = sqlite3_errcode(db_) == SQLITE_NOTADB;
            return fail(notDb ? Failure::NotWorkspace : Failure::Io,
                        path + (notDb ? ": not a MoEScope workspace (" : ": cannot open workspace (") +
                            lastError() + ")",
                        error);
        }
    }
    {
        // Refuse a damaged file up front rather than read part of it.
        Statement check(db_, "PRAGMA quick_check");
        const int rc = check.step();
        if (rc == SQLITE_NOTADB)
            return fail(Failure::NotWorkspace, path + ": not a MoEScope workspace (" + lastError() + ")",
                        error);
        if (rc != SQLITE_ROW || check.text(0) != "ok")
            return fail(Failure::Damaged,
                        path + ": the workspace is damaged (SQLite quick_check: " +
                            (rc == SQLITE_ROW ? check.text(0) : lastError()) + "); restore it from a copy",
                        error);
    }
    if (readOnly_) {
        const int version = schemaVersion();
        if (version < 0)
            return fail(Failure::Damaged,
                        path + ": not a MoEScope workspace (schema " + std::to_string(version) + ")", error);
        if (version == 0)
            return fail(Failure::NotWorkspace, path + ": an SQLite file, but not a MoEScope workspace",
                        error);
        if (version > kSchemaVersion)
            return fail(Failure::Newer,
                        path + ": workspace schema " + std::to_string(version) +
                            " is newer than this MoEScope (" + std::to_string(kSchemaVersion) + ")",
                        error);
        if (version < kSchemaVersion)
            return fail(Failure::Io,
                        path + ": read-only, and its schema " + std::to_string(version) +
                            " needs an upgrade this MoEScope cannot write; open a writable copy",
                        error);
        if (!checkContents(error)) return fail(Failure::NotWorkspace, error, error);
        return true;
    }
    if (!migrate(error)) {
        const int version = schemaVersion();
        return fail(version > kSchemaVersion ? Failure::Newer
                    : version < 0            ? Failure::Damaged
                                             : Failure::NotWorkspace,
                    error, error);
    }
    if (!checkContents(error)) return fail(Failure::NotWorkspace, error, error);
    return true;
}

bool Workspace::createWhole(const std::string& path, std::string& error) {
    char suffix[64];
    std::snprintf(suffix, sizeof suffix, ".new-%ld-%p", static_cast<long>(::getpid()),
                  static_cast<void*>(this));
    const std::string temp = path + suffix;
    {
        Workspace fresh;
        fresh.path_ = temp;
        std::string why;
        if (!fresh.openConnection(temp, false, why) ||
            !fresh.exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", why) || !fresh.migrate(why)) {
            fresh.close();
            removeFiles(temp);
            return error = path + ": cannot create the workspace: " + why, false;
        }
    } // closed: the log is folded into the file before it is linked
    const int rc = ::link(temp.c_str(), path.c_str());
    const int linkErrno = errno;
    if (rc == 0 || linkErrno == EEXIST) removeFiles(temp);
    if (rc == 0) return created_ = true;
    if (linkErrno == EEXIST) return true;                // another process made it first: open theirs
    if (linkErrno == EPERM || linkErrno == EOPNOTSUPP) { // a file system without hard links
        if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0)
            return created_ = true;
        if (errno == EEXIST) return removeFiles(temp), true;
    }
    removeFiles(temp);
    return error = path + ": cannot create the workspace: " + std::strerror(linkErrno), false;
}

int Workspace::schemaVersion() const {
    Statement s(db_, "PRAGMA user_version");
    return s.step() == SQLITE_ROW ? static_cast<int>(s.integer(0)) : -1;
}

bool Workspace::migrate(std::string& error) {
    // The version is read inside the write transaction: two processes creating or upgrading one file
    // take turns, and the second finds the schema the first wrote instead of running the steps again.
    if (!exec("BEGIN IMMEDIATE", error)) return false;
    auto abort = [&](const std::string& why) {
        error = why;
        std::string ignored;
        exec("ROLLBACK", ignored);
        return false;
    };
    int version = schemaVersion();
    if (version > kSchemaVersion)
        return abort(path_ + ": workspace schema " + std::to_string(version) +
                     " is newer than this MoEScope (" + std::to_string(kSchemaVersion) + ")");
    if (version < 0)
        return abort(path_ + ": not a MoEScope workspace (schema " + std::to_string(version) + ")");
    if (version == 0) {
        // A non-empty SQLite file without our version is someone else's database.
        Statement s(db_, "SELECT count(*) FROM sqlite_master");
        if (s.step() == SQLITE_ROW && s.integer(0) > 0)
            return abort(path_ + ": an SQLite file, but not a MoEScope workspace");
    }
    for (; version < kSchemaVersion; ++version) {
        const std::string bump = "PRAGMA user_version=" + std::to_string(version + 1);
        std::string why;
        if (!exec(migrations()[static_cast<size_t>(version)], why) || !exec(bump.c_str(), why))
            return abort(why);
    }
    return exec("COMMIT", error);
}

namespace {

// The tables and indexes the migrations create; anything else in a file is not ours.
bool ourObject(const std::string& type, const std::string& name) {
    static const char* tables[] = {"imports", "runs", "fits", "jobs", "settings"};
    if (type == "table")
        for (const char* t : tables)
            if (name == t) return true;
    if (type == "index") return name == "runs_budget" || name.rfind("sqlite_autoindex_", 0) == 0;
    return false;
}

} // namespace

bool Workspace::checkContents(std::string& error) {
    // A workspace is data a colleague hands over, never code: a trigger or view would run (or answer) in
    // place of our statements.
    {
        Statement s(db_,
                    "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid");
        while (s.step() == SQLITE_ROW)
            if (!ourObject(s.text(0), s.text(1)))
                return error = path_ + ": not a MoEScope workspace: it holds a " + s.text(0) + " '" +
                               printable(s.text(1)) + "' that MoEScope did not create",
                       false;
    }
    // Values of the wrong storage class (text in a number column) would be read as 0 and fitted.
    std::string sql = "SELECT id, CASE";
    for (Field f : allFields()) {
        const std::string c(fieldName(f));
        sql += " WHEN typeof(" + c + ") NOT IN ('real','integer','null') THEN '" + c + "'";
    }
    for (const char* c : {"source_line", "derived_mask", "excluded", "deleted", "import_id"})
        sql += " WHEN typeof(" + std::string(c) + ") NOT IN ('integer','null') THEN '" + c + "'";
    for (const char* c : {"metrics", "labels", "excluded_why", "curve", "mean_of"})
        sql += " WHEN typeof(" + std::string(c) + ") != 'text' THEN '" + c + "'";
    // And numbers outside what an import accepts (parseFieldValue): a sparsity outside [0, 1), a size, count
    // or loss that is not positive, an infinity.
    for (Field f : allFields()) {
        const std::string c(fieldName(f));
        sql += " WHEN " + c +
               (fieldMustBePositive(f) ? " <= 0 OR " + c + " > 1e308" : " < 0 OR " + c + " >= 1") +
               " THEN '" + c + " range'";
    }
    sql += " END AS bad FROM runs WHERE bad IS NOT NULL LIMIT 1";
    Statement s(db_, sql.c_str());
    if (!s.ok()) return error = path_ + ": not a MoEScope workspace (" + lastError() + ")", false;
    if (s.step() == SQLITE_ROW) {
        std::string column = s.text(1);
        const bool range = column.size() > 6 && column.compare(column.size() - 6, 6, " range") == 0;
        if (range) column.resize(column.size() - 6);
        return error = path_ + ": run " + std::to_string(s.integer(0)) + ": column '" + column + "' holds " +
                       (range ? "a value outside the range an import accepts" : "a value of the wrong type") +
                       "; the workspace is damaged or was edited by hand",
               false;
    }
    return true;
}

long long Workspace::addImport(ImportRecord record, const RunTable& table, std::string& error) {
    if (!db_) return error = "workspace not open", 0;
    if (!exec("BEGIN IMMEDIATE", error)) return 0;
    auto rollback = [&](const std::string& why) {
        error = path_ + ": " + why;
        std::string ignored;
        exec("ROLLBACK", ignored);
        return 0LL;
    };
    Json mapping = Json::object();
    for (const auto& [field, column] : record.mapping)
        mapping.set(field, column);
    if (record.importedAt.empty()) record.importedAt = nowUtc();
    Statement ins(db_, "INSERT INTO imports(path, sha256, mapping, imported_at, rows) VALUES(?,?,?,?,?)");
    ins.bind(1, record.path).bind(2, record.sha256).bind(3, mapping.dump()).bind(4, record.importedAt);
    ins.bind(5, static_cast<long long>(table.runs.size()));
    if (ins.step() != SQLITE_DONE) return rollback(lastError());
    const long long importId = sqlite3_last_insert_rowid(db_);

    std::string sql = "INSERT INTO runs(import_id, source_line" + fieldColumns() +
                      ", derived_mask, excluded, excluded_why, curve, mean_of, metrics, labels) VALUES(?,?";
    for (int i = 0; i < kFieldCount; ++i)
        sql += ",?";
    sql += ",?,?,?,?,?,?,?)";
    Statement run(db_, sql.c_str());
    if (!run.ok()) return rollback(lastError());
    const long long stall = stallAfterRows();
    long long inserted = 0;
    for (const Run& r : table.runs) {
        run.reset();
        int c = 1;
        run.bind(c++, importId);
        run.bind(c++, static_cast<long long>(r.sourceLine));
        for (Field f : allFields())
            run.bind(c++, r.get(f));
        run.bind(c++, static_cast<long long>(r.derivedMask));
        run.bind(c++, static_cast<long long>(r.excluded));
        run.bind(c++, r.excludedWhy);
        run.bind(c++, r.curve);
        run.bind(c++, r.meanOf);
        run.bind(c++, namedValues(table.metricNames, r.metrics).dump());
        run.bind(c++, namedTexts(table.labelNames, r.labels).dump());
        if (run.step() != SQLITE_DONE) return rollback(lastError());
        if (++inserted == stall) {
            std::fprintf(stderr, "MOESCOPE_FAULT: stalled after %lld rows\n", inserted);
            std::fflush(stderr);
            std::this_thread::sleep_for(std::chrono::hours(1));
        }
    }
    if (!exec("COMMIT", error)) return rollback(lastError());
    return importId;
}

std::vector<ImportRecord> Workspace::imports() const {
    std::vector<ImportRecord> out;
    Statement s(db_, "SELECT id, path, sha256, mapping, imported_at, rows FROM imports ORDER BY id");
    while (s.step() == SQLITE_ROW) {
        ImportRecord r;
        r.id = s.integer(0);
        r.path = s.text(1);
        r.sha256 = s.text(2);
        Json mapping;
        std::string ignored;
        if (Json::parse(s.text(3), mapping, ignored))
            for (const auto& [field, column] : mapping.members())
                r.mapping.emplace_back(field, column.string());
        r.importedAt = s.text(4);
        r.rows = static_cast<int>(s.integer(5));
        out.push_back(std::move(r));
    }
    return out;
}

bool Workspace::readRuns(RunTable& out, std::string& error) const {
    if (!db_) return error = "workspace not open", false;
    RunTable table;
    const std::string sql = "SELECT id, source_line" + fieldColumns() +
                            ", derived_mask, excluded, excluded_why, curve, mean_of, metrics, labels FROM "
                            "runs WHERE deleted=0 ORDER BY id";
    Statement s(db_, sql.c_str());
    if (!s.ok()) return error = path_ + ": cannot read the runs: " + lastError(), false;
    std::vector<std::pair<Json, Json>> extras;
    int rc = SQLITE_ROW;
    while ((rc = s.step()) == SQLITE_ROW) {
        Run r;
        int c = 0;
        r.id = s.integer(c++);
        r.sourceLine = static_cast<int>(s.integer(c++));
        for (Field f : allFields())
            r.values[static_cast<int>(f)] = s.real(c++);
        r.derivedMask = static_cast<uint32_t>(s.integer(c++));
        r.excluded = s.integer(c++) != 0;
        r.excludedWhy = s.text(c++);
        r.curve = s.text(c++);
        r.meanOf = s.text(c++);
        Json metrics, labels;
        std::string why;
        if (!Json::parse(s.text(c++), metrics, why) || !Json::parse(s.text(c++), labels, why))
            return error = path_ + ": run " + std::to_string(r.id) + " is damaged: " + why, false;
        for (const auto& m : metrics.members())
            if (table.metricIndex(m.first) < 0) table.metricNames.push_back(m.first);
        for (const auto& l : labels.members())
            if (table.labelIndex(l.first) < 0) table.labelNames.push_back(l.first);
        extras.emplace_back(std::move(metrics), std::move(labels));
        table.runs.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE)
        return error = path_ + ": the runs could not be read to the end (" + lastError() + ")", false;
    for (size_t i = 0; i < table.runs.size(); ++i) {
        Run& r = table.runs[i];
        for (const auto& name : table.metricNames)
            r.metrics.push_back(extras[i].first[name].number(std::nan("")));
        for (const auto& name : table.labelNames)
            r.labels.push_back(extras[i].second[name].string());
    }
    out = std::move(table);
    return true;
}

RunTable Workspace::runs() const {
    RunTable table;
    std::string error;
    if (!readRuns(table, error)) throw WorkspaceError(error);
    return table;
}

int Workspace::runCount() const {
    Statement s(db_, "SELECT count(*) FROM runs WHERE deleted=0");
    return s.step() == SQLITE_ROW ? static_cast<int>(s.integer(0)) : -1;
}

bool Workspace::setExcluded(long long runId, bool excluded, std::string& error, const std::string& why) {
    Statement s(db_, "UPDATE runs SET excluded=?, excluded_why=? WHERE id=?");
    s.bind(1, static_cast<long long>(excluded)).bind(2, why).bind(3, runId);
    if (s.step() != SQLITE_DONE) return error = lastError(), false;
    return true;
}

bool Workspace::setValue(long long runId, Field field, double value, std::string& error) {
    // The column name comes from our own field table, never from user text.
    const std::string sql = "UPDATE runs SET " + std::string(fieldName(field)) +
                            "=?, derived_mask = derived_mask & ~? WHERE id=?";
    Statement s(db_, sql.c_str());
    s.bind(1, value).bind(2, static_cast<long long>(1u << static_cast<int>(field))).bind(3, runId);
    if (s.step() != SQLITE_DONE) return error = lastError(), false;
    return true;
}

bool Workspace::setDeleted(long long runId, bool deleted, std::string& error) {
    Statement s(db_, "UPDATE runs SET deleted=? WHERE id=?");
    s.bind(1, static_cast<long long>(deleted)).bind(2, runId);
    if (s.step() != SQLITE_DONE) return error = lastError(), false;
    return true;
}

bool Workspace::setImportDeleted(long long importId, bool deleted, std::string& error) {
    Statement s(db_, "UPDATE runs SET deleted=? WHERE import_id=?");
    s.bind(1, static_cast<long long>(deleted)).bind(2, importId);
    if (s.step() != SQLITE_DONE) return error = lastError(), false;
    return true;
}

long long Workspace::addFit(const FitRecord& fit, std::string& error) {
    Statement s(db_, "INSERT INTO fits(law, budget, settings, result, created_at) VALUES(?,?,?,?,?)");
    s.bind(1, fit.law)
        .bind(2, fit.budget)
        .bind(3, fit.settingsJson)
        .bind(4, fit.resultJson)
        .bind(5, fit.createdAt.empty() ? nowUtc() : fit.createdAt); // a copied record keeps its time
    if (s.step() != SQLITE_DONE) return error = lastError(), 0;
    return sqlite3_last_insert_rowid(db_);
}

std::vector<FitRecord> Workspace::fits() const {
    std::vector<FitRecord> out;
    Statement s(db_, "SELECT id, law, budget, settings, result, created_at FROM fits ORDER BY id");
    while (s.step() == SQLITE_ROW)
        out.push_back({s.integer(0), s.text(1), s.real(2), s.text(3), s.text(4), s.text(5)});
    return out;
}

long long Workspace::addJob(const JobRecord& job, std::string& error) {
    Statement s(db_, "INSERT INTO jobs(name, config, status, out_dir, result, created_at, updated_at) "
                     "VALUES(?,?,?,?,?,?,?)");
    const std::string now = nowUtc();
    s.bind(1, job.name).bind(2, job.configJson).bind(3, job.status).bind(4, job.outDir);
    s.bind(5, job.resultJson.empty() ? std::string("{}") : job.resultJson).bind(6, now).bind(7, now);
    if (s.step() != SQLITE_DONE) return error = lastError(), 0;
    return sqlite3_last_insert_rowid(db_);
}

bool Workspace::updateJob(const JobRecord& job, std::string& error) {
    Statement s(db_, "UPDATE jobs SET status=?, out_dir=?, result=?, updated_at=? WHERE id=?");
    s.bind(1, job.status)
        .bind(2, job.outDir)
        .bind(3, job.resultJson.empty() ? std::string("{}") : job.resultJson);
    s.bind(4, nowUtc()).bind(5, job.id);
    if (s.step() != SQLITE_DONE) return error = lastError(), false;
    return true;
}

std::vector<JobRecord> Workspace::jobs() const {
    std::vector<JobRecord> out;
    Statement s(db_, "SELECT id, name, config, status, out_dir, result FROM jobs ORDER BY id");
    while (s.step() == SQLITE_ROW)
        out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)});
    return out;
}

bool Workspace::integrityCheck() const {
    Statement s(db_, "PRAGMA integrity_check");
    return s.step() == SQLITE_ROW && s.text(0) == "ok";
}

bool Workspace::checkpoint(std::string& error) {
    if (!db_) return error = "workspace not open", false;
    if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) != SQLITE_OK)
        return error = path_ + ": cannot write the workspace: " + lastError(), false;
    return true;
}

bool Workspace::setSetting(const std::string& key, const std::string& value, std::string& error) {
    Statement s(
        db_,
        "INSERT INTO settings(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value");
    s.bind(1, key).bind(2, value);
    if (s.step() != SQLITE_DONE) return error = lastError(), false;
    return true;
}

std::string Workspace::setting(const std::string& key, const std::string& fallback) const {
    Statement s(db_, "SELECT value FROM settings WHERE key=?");
    s.bind(1, key);
    return s.step() == SQLITE_ROW ? s.text(0) : fallback;
}

} // namespace moescope
