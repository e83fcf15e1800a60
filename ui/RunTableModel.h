#pragma once
// The Runs table: canonical fields present in the data, then metrics and labels. Derived values are shown
// in italics with a tooltip; the first column includes or excludes a run from fits. When the analysis has
// scored outliers, an "outlier z" column follows it (|z| > 3.5 highlighted); when the runs fall into more
// than one run group, a "group" column says which.
#include "core/model/Field.h"
#include "core/model/Run.h"

#include <QAbstractTableModel>
#include <vector>

namespace moescope {

class RunTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit RunTableModel(QObject* parent = nullptr);

    void setRuns(RunTable table);
    // One run in or out of the fits: that row changes, not the whole table (a reset re-lays out every row).
    void setExcluded(int row, bool excluded, const std::string& why);
    // Robust leave-one-out z per run (NaN: not scored); an empty vector hides the column.
    void setOutlierScores(std::vector<double> perRun);
    const RunTable& runs() const { return table_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

signals:
    // Requests, not changes: the workspace controller applies them as undoable commands.
    void exclusionRequested(int row, bool excluded);
    void valueEditRequested(int row, moescope::Field field, double value);
    // A typed value the import would refuse (not a number, out of range): nothing changes, this says why.
    void editRefused(const QString& message);

private:
    enum class Kind { Included, Outlier, Group, Field, Metric, Label, Why };
    void rebuildColumns();
    struct Column {
        Kind kind;
        int index;
    };
    RunTable table_;
    std::vector<double> outlierZ_;
    std::vector<std::string> groups_; // per run, when there are several
    std::vector<Column> columns_;
};

} // namespace moescope
