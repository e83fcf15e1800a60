#pragma once
// The .moescope workspace: one SQLite file holding runs, imports, fits, trainer jobs and view settings.
// WAL journal, one transaction per import: a crash leaves the whole import or none of it.
#include "core/model/Run.h"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

struct sqlite3;

namespace moescope {

struct ImportRecord {
    long long id = 0;
    std::string path;
    std::string sha256;
    std::vector<std::pair<std::string, std::string>> mapping; // field -> column
    std::string importedAt;                                   // ISO 8601 UTC
    int rows = 0;
};

struct FitRecord {
    long long id = 0;
    std::string law;
    double budget = 0; // 0 when the fit spans budgets
    std::string settingsJson;
    std::string resultJson;
    std::string createdAt;
};

struct JobRecord {
    long long id = 0;
    std::string name;
    std::string configJson;
    std::string status; // queued, running, done, failed, cancelled
    std::string outDir;
    std::string resultJson;
};

class Workspace {
public:
    static constexpr int kSchemaVersion = 4;

    Workspace() = default;
    ~Workspace();
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;
    // Moving hands the open connection over, so a file can be opened and checked before it replaces
    // another.
    Workspace(Workspace&& other) noexcept;
    Workspace& operator=(Workspace&& other) noexcept;

    // Deletes a workspace file with its SQLite companions (-wal, -shm, -journal); for files this program
    // made and must not leave half-written.
    static void removeFiles(const std::string& path);

    // Create: opens the file, creating it when missing (imports, Save As). Existing: the file must exist
    // (readers never create one); when it cannot be written to, it is opened read-only, which is enough to
    // read and fit its runs. Either way SQLite's quick_check runs first and a damaged file is refused, and
    // a writable file's schema is brought up to date.
    enum class Mode { Create, Existing };
    // Why the last open failed; the CLI exits 1 for a missing, damaged or unreadable file, 2 for a file
    // that is not a workspace (or a newer one).
    enum class Failure { None, Missing, NotWorkspace, Damaged, Newer, Io };
    bool open(const std::string& path, std::string& error, Mode mode = Mode::Create);
    Failure lastFailure() const { return failure_; }
    bool isReadOnly() const { return readOnly_; }
    // True when the last open made the file (it did not exist before); false when another process made it
    // first, or it was there already.
    bool created() const { return created_; }
    void close();
    bool isOpen() const { return db_ != nullptr; }
    const std::string& path() const { return path_; }
    int schemaVersion() const;

    // Stores the import record and all its runs atomically; returns the import id (0 on failure).
    long long addImport(ImportRecord record, const RunTable& runs, std::string& error);
    std::vector<ImportRecord> imports() const;
    // Every run, with metric/label columns united across imports; false with `error` when the file cannot
    // be read to the end (never a partial table passed off as whole).
    bool readRuns(RunTable& out, std::string& error) const;
    // The same, throwing WorkspaceError on a read failure.
    RunTable runs() const;
    // -1 when the file cannot be read.
    int runCount() const;

    // `why`: the reason a selection gave (RunSelection); empty for the user's own choice.
    bool setExcluded(long long runId, bool excluded, std::string& error, const std::string& why = {});
    bool setValue(long long runId, Field field, double value, std::string& error);
    // Deleting keeps the row, flagged, so an undo can bring it back; runs() leaves flagged rows out.
    bool deleteRun(long long runId, std::string& error) { return setDeleted(runId, true, error); }
    bool setDeleted(long long runId, bool deleted, std::string& error);
    // Takes a whole import out of (or back into) the runs, for undoing and redoing it.
    bool setImportDeleted(long long importId, bool deleted, std::string& error);

    long long addFit(const FitRecord& fit, std::string& error);
    std::vector<FitRecord> fits() const;

    long long addJob(const JobRecord& job, std::string& error);
    bool updateJob(const JobRecord& job, std::string& error);
    std::vector<JobRecord> jobs() const;

    // SQLite's own consistency check of the file (PRAGMA integrity_check).
    bool integrityCheck() const;
    // Folds the write-ahead log into the database file (before copying or renaming it).
    bool checkpoint(std::string& error);

    bool setSetting(const std::string& key, const std::string& value, std::string& error);
    std::string setting(const std::string& key, const std::string& fallback = {}) const;

private:
    bool openConnection(const std::string& path, bool readOnly, std::string& error);
    bool fail(Failure why, const std::string& message, std::string& error);
    bool exec(const char* sql, std::string& error);
    bool migrate(std::string& error);
    // Refuses objects MoEScope did not create (triggers, views, tables) and values of the wrong storage
    // class: a workspace is untrusted input.
    bool checkContents(std::string& error);
    // A new file appears whole: made under a temporary name with its schema, then linked into place, so a
    // concurrent opener sees either no file or a complete empty workspace.
    bool createWhole(const std::string& path, std::string& error);
    std::string lastError() const;

    sqlite3* db_ = nullptr;
    std::string path_;
    bool readOnly_ = false;
    bool created_ = false;
    Failure failure_ = Failure::None;
};

struct WorkspaceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

} // namespace moescope
