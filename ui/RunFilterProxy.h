#pragma once
// The Runs dock's filter box: the tool's own expression language (`experts==8 and loss<3`, as --where
// reads it; core/model/RunFilter.h) over the runs' columns, or — for text that is no comparison — a
// substring of any cell, as before. An expression that cannot be evaluated says why (filterError) and
// shows no rows rather than all of them.
#include "core/model/RunFilter.h"

#include <QSortFilterProxyModel>

#include <vector>

namespace moescope {

class RunTableModel;

class RunFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RunFilterProxy(QObject* parent = nullptr);
    void setRunModel(RunTableModel* model);
    void setFilterText(const QString& text);
    // Why the expression typed cannot filter (empty when it can, or when the text is a plain search).
    QString filterError() const { return error_; }

signals:
    void filterErrorChanged(const QString& error);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    void evaluate();
    RunTableModel* runs_ = nullptr;
    QString text_, error_;
    bool expression_ = false;
    RunFilter filter_;
    std::vector<bool> matches_;
};

} // namespace moescope
