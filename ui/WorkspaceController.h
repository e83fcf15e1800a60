#pragma once
// The window's workspace: which .moescope file is open, and every user edit (exclude, edit a value, delete,
// import) as an undoable command that is written through to the file at once — the file is always saved,
// and one SQLite statement or transaction per edit means a crash never leaves it half-written. Without a
// file the same edits act on the runs in memory until Save As.
#include "core/model/RunSelection.h"
#include "core/store/Workspace.h"
#include "ui/RunTableModel.h"

#include <QObject>
#include <QUndoStack>

class QUndoCommand;

namespace moescope {

class WorkspaceController : public QObject {
    Q_OBJECT
public:
    explicit WorkspaceController(RunTableModel* model, QObject* parent = nullptr);

    bool open(const QString& path, QString* error);
    // Writes the runs in view to a new workspace (temporary file, then rename) and continues in it.
    bool saveAs(const QString& path, QString* error);
    void newWorkspace();
    QString path() const { return QString::fromStdString(workspace_.path()); }
    bool isOpen() const { return workspace_.isOpen(); }
    QUndoStack* undoStack() { return &undo_; }

    void setExcluded(int row, bool excluded);
    void deleteRun(int row);
    void setValue(int row, Field field, double value);
    void importRuns(const RunTable& runs, const ImportRecord& record);
    // One run per group (best or mean per the selection's columns, or every row for Per::None), replacing
    // an earlier such choice; undoable. False with `error` (nothing changes) for an unknown column.
    bool keepPerGroup(const RunSelection& selection, QString* error);

    void setSetting(const QString& key, const QString& value);
    QString setting(const QString& key, const QString& fallback = {}) const;

    // Used by the commands: applies a change to the file (when open) and the table, then tells the window.
    Workspace& workspace() { return workspace_; }
    RunTableModel* model() const { return model_; }
    // False (and `failed` emitted) when the file cannot be read back.
    bool reloadFromWorkspace();
    void changed();
    // A command whose write the file refused: it is dropped from the undo stack and `failed` says why.
    void refuse(QUndoCommand* command, const std::string& error);

signals:
    void runsChanged();
    // A new file now holds the runs (Save As): the window writes its view settings into it.
    void saved(const QString& path);
    void failed(const QString& message);

private:
    RunTableModel* model_;
    Workspace workspace_;
    QUndoStack undo_;
};

} // namespace moescope
