#include "ui/WorkspaceController.h"

#include <QUndoCommand>

#include <map>
#include <set>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace moescope {

namespace {

// Each command keeps what it needs to undo itself; run ids identify rows in a file, row numbers in memory.
class ExcludeCommand : public QUndoCommand {
public:
    ExcludeCommand(WorkspaceController* c, int row, bool excluded)
        : QUndoCommand(excluded ? QObject::tr("Exclude run %1").arg(row + 1)
                                : QObject::tr("Include run %1").arg(row + 1)),
          c_(c), row_(row), id_(c->model()->runs().runs[row].id), excluded_(excluded),
          oldWhy_(c->model()->runs().runs[row].excludedWhy) {}
    // The user's choice has no reason to show; undo brings back the one an import or selection gave.
    void redo() override { apply(excluded_, {}); }
    void undo() override { apply(!excluded_, oldWhy_); }

private:
    void apply(bool excluded, const std::string& why) {
        std::string error;
        if (c_->isOpen() && !c_->workspace().setExcluded(id_, excluded, error, why))
            return c_->refuse(this, error);
        c_->model()->setExcluded(row_, excluded, why);
        c_->changed();
    }
    WorkspaceController* c_;
    int row_;
    long long id_;
    bool excluded_;
    std::string oldWhy_;
};

class EditValueCommand : public QUndoCommand {
public:
    EditValueCommand(WorkspaceController* c, int row, Field f, double value)
        : QUndoCommand(
              QObject::tr("Set %1 of run %2").arg(QString::fromUtf8(fieldName(f).data())).arg(row + 1)),
          c_(c), row_(row), field_(f), old_(c->model()->runs().runs[row].get(f)),
          wasDerived_(c->model()->runs().runs[row].isDerived(f)), new_(value) {}
    void redo() override { apply(new_, false); }
    void undo() override { apply(old_, wasDerived_); }

private:
    void apply(double v, bool derived) {
        std::string error;
        if (c_->isOpen() && !c_->workspace().setValue(c_->model()->runs().runs[row_].id, field_, v, error))
            return c_->refuse(this, error);
        RunTable t = c_->model()->runs();
        derived ? t.runs[row_].setDerived(field_, v) : t.runs[row_].set(field_, v);
        c_->model()->setRuns(std::move(t));
        c_->changed();
    }
    WorkspaceController* c_;
    int row_;
    Field field_;
    double old_;
    bool wasDerived_;
    double new_;
};

class DeleteCommand : public QUndoCommand {
public:
    DeleteCommand(WorkspaceController* c, int row)
        : QUndoCommand(QObject::tr("Delete run %1").arg(row + 1)), c_(c), row_(row),
          run_(c->model()->runs().runs[row]) {}
    void redo() override {
        std::string error;
        if (c_->isOpen() && !c_->workspace().setDeleted(run_.id, true, error)) return c_->refuse(this, error);
        RunTable t = c_->model()->runs();
        t.runs.erase(t.runs.begin() + row_);
        c_->model()->setRuns(std::move(t));
        c_->changed();
    }
    void undo() override {
        std::string error;
        if (c_->isOpen() && !c_->workspace().setDeleted(run_.id, false, error))
            return c_->refuse(this, error);
        RunTable t = c_->model()->runs();
        t.runs.insert(t.runs.begin() + row_, run_);
        c_->model()->setRuns(std::move(t));
        c_->changed();
    }

private:
    WorkspaceController* c_;
    int row_;
    Run run_;
};

class ImportCommand : public QUndoCommand {
public:
    ImportCommand(WorkspaceController* c, RunTable runs, ImportRecord record)
        : QUndoCommand(QObject::tr("Import %n run(s)", nullptr, int(runs.runs.size()))), c_(c),
          runs_(std::move(runs)), record_(std::move(record)) {}
    void redo() override {
        if (c_->isOpen()) {
            std::string error;
            const bool ok = importId_ == 0
                                ? (importId_ = c_->workspace().addImport(record_, runs_, error)) != 0
                                : c_->workspace().setImportDeleted(importId_, false, error);
            if (!ok) return c_->refuse(this, error);
            if (!c_->reloadFromWorkspace()) return;
        } else {
            RunTable t = c_->model()->runs();
            before_ = t.runs.size();
            appendRuns(t, runs_);
            c_->model()->setRuns(std::move(t));
        }
        c_->changed();
    }
    void undo() override {
        if (c_->isOpen()) {
            std::string error;
            if (!c_->workspace().setImportDeleted(importId_, true, error)) return c_->refuse(this, error);
            if (!c_->reloadFromWorkspace()) return;
        } else {
            RunTable t = c_->model()->runs();
            t.runs.resize(before_);
            c_->model()->setRuns(std::move(t));
        }
        c_->changed();
    }

private:
    WorkspaceController* c_;
    RunTable runs_;
    ImportRecord record_;
    long long importId_ = 0;
    size_t before_ = 0;
};

// Best-per/mean-per over the runs in view: exclusions change (with their reasons), mean runs come and go.
// Both directions write the difference between the runs in view and the wanted ones, matched by run id.
class GroupSelectionCommand : public QUndoCommand {
public:
    GroupSelectionCommand(WorkspaceController* c, RunTable before, RunTable after, const QString& text)
        : QUndoCommand(text), c_(c), before_(std::move(before)), after_(std::move(after)) {}
    void redo() override { become(after_); }
    void undo() override { become(before_); }

private:
    void become(const RunTable& target) {
        if (!c_->isOpen()) {
            c_->model()->setRuns(target);
            return c_->changed();
        }
        Workspace& ws = c_->workspace();
        std::string error;
        std::map<long long, const Run*> wanted;
        RunTable added;
        added.metricNames = target.metricNames;
        added.labelNames = target.labelNames;
        for (const Run& r : target.runs)
            r.id ? (void)(wanted[r.id] = &r) : added.runs.push_back(r);
        std::set<long long> present;
        for (const Run& r : c_->model()->runs().runs) {
            present.insert(r.id);
            const auto it = wanted.find(r.id);
            const bool ok =
                it == wanted.end()
                    ? ws.setDeleted(r.id, true, error)
                    : (it->second->excluded == r.excluded && it->second->excludedWhy == r.excludedWhy) ||
                          ws.setExcluded(r.id, it->second->excluded, error, it->second->excludedWhy);
            if (!ok) return c_->refuse(this, error);
        }
        for (const auto& [id, run] : wanted)
            if (!present.count(id) && !ws.setDeleted(id, false, error)) return c_->refuse(this, error);
        ImportRecord record;
        record.path = "(mean per group)";
        if (!added.runs.empty() && ws.addImport(record, added, error) == 0) return c_->refuse(this, error);
        if (c_->reloadFromWorkspace()) c_->changed();
    }
    WorkspaceController* c_;
    RunTable before_, after_;
};

} // namespace

WorkspaceController::WorkspaceController(RunTableModel* model, QObject* parent)
    : QObject(parent), model_(model) {}

void WorkspaceController::changed() {
    emit runsChanged();
}

bool WorkspaceController::reloadFromWorkspace() {
    RunTable runs;
    std::string error;
    if (!workspace_.readRuns(runs, error)) {
        emit failed(QString::fromStdString(error));
        return false;
    }
    model_->setRuns(std::move(runs));
    return true;
}

void WorkspaceController::refuse(QUndoCommand* command, const std::string& error) {
    // The file said no: the view keeps what the file holds, the command leaves the undo stack, and the user
    // is told why.
    command->setObsolete(true);
    emit failed(tr("The change was not saved, and is undone: %1").arg(QString::fromStdString(error)));
}

bool WorkspaceController::open(const QString& path, QString* error) {
    std::string e;
    Workspace fresh;
    RunTable runs;
    if (!fresh.open(path.toStdString(), e, Workspace::Mode::Existing) || !fresh.readRuns(runs, e)) {
        if (error) *error = QString::fromStdString(e);
        return false;
    }
    // Checked whole before it replaces the open one: a file that fails leaves the window as it was.
    workspace_ = std::move(fresh);
    undo_.clear();
    model_->setRuns(std::move(runs));
    changed();
    return true;
}

bool WorkspaceController::saveAs(const QString& path, QString* error) {
    const std::string target = path.toStdString();
    const std::string tmp = target + ".saving";
    Workspace::removeFiles(tmp);
    {
        Workspace out;
        std::string e;
        ImportRecord record;
        record.path = isOpen() ? workspace_.path() : "(runs in the window)";
        record.sha256 = "";
        RunTable runs = model_->runs();
        for (Run& r : runs.runs)
            r.id = 0;
        bool ok = out.open(tmp, e) && (runs.runs.empty() || out.addImport(record, runs, e));
        if (ok && isOpen())
            for (const char* key : {"view", "budget", "law"})
                ok = ok && out.setSetting(key, workspace_.setting(key), e);
        // The fits the workspace was shown with go along: nothing recorded is lost by saving elsewhere.
        if (ok && isOpen())
            for (const FitRecord& fit : workspace_.fits())
                ok = ok && out.addFit(fit, e) > 0;
        // Fold the WAL into the main file so the rename moves one complete database.
        if (ok) ok = out.checkpoint(e);
        if (!ok) {
            out.close();
            Workspace::removeFiles(tmp);
            if (error) *error = QString::fromStdString(e);
            return false;
        }
    }
    // rename() replaces the target in one step: until it succeeds the old file is untouched.
    if (std::rename(tmp.c_str(), target.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        Workspace::removeFiles(tmp);
        if (error) *error = tr("cannot write '%1': %2").arg(path, QString::fromStdString(why));
        return false;
    }
    Workspace::removeFiles(tmp);
    if (!open(path, error)) return false;
    emit saved(path);
    return true;
}

void WorkspaceController::newWorkspace() {
    workspace_.close();
    undo_.clear();
    model_->setRuns({});
    changed();
}

bool WorkspaceController::keepPerGroup(const RunSelection& selection, QString* error) {
    RunTable before = model_->runs(), after = before;
    clearGroupSelection(after);
    std::string e;
    if (!applySelection(after, selection, e)) {
        if (error) *error = QString::fromStdString(e);
        return false;
    }
    QString columns;
    for (const auto& c : selection.groupColumns)
        columns += (columns.isEmpty() ? "" : ", ") + QString::fromStdString(c);
    const QString text =
        selection.per == RunSelection::Per::Best   ? tr("Keep the lowest loss per %1").arg(columns)
        : selection.per == RunSelection::Per::Mean ? tr("Keep the mean loss per %1").arg(columns)
                                                   : tr("Keep every row");
    undo_.push(new GroupSelectionCommand(this, std::move(before), std::move(after), text));
    return true;
}

void WorkspaceController::setExcluded(int row, bool excluded) {
    undo_.push(new ExcludeCommand(this, row, excluded));
}
void WorkspaceController::deleteRun(int row) {
    undo_.push(new DeleteCommand(this, row));
}
void WorkspaceController::setValue(int row, Field field, double value) {
    undo_.push(new EditValueCommand(this, row, field, value));
}
void WorkspaceController::importRuns(const RunTable& runs, const ImportRecord& record) {
    undo_.push(new ImportCommand(this, runs, record));
}

void WorkspaceController::setSetting(const QString& key, const QString& value) {
    std::string e;
    if (isOpen() && !workspace_.isReadOnly() &&
        !workspace_.setSetting(key.toStdString(), value.toStdString(), e))
        emit failed(tr("The view setting '%1' was not saved: %2").arg(key, QString::fromStdString(e)));
}

QString WorkspaceController::setting(const QString& key, const QString& fallback) const {
    return isOpen() ? QString::fromStdString(workspace_.setting(key.toStdString(), fallback.toStdString()))
                    : fallback;
}

} // namespace moescope
