#pragma once
#include "RunTableModel.h"

#include <QMainWindow>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace moescope {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Opens a sweep CSV or a .moescope workspace; false with a message box (or `error`) on failure.
    bool openPath(const QString& path, QString* error = nullptr);
    RunTableModel* runModel() const { return model_; }
    QTableView* runView() const { return view_; }

private:
    void buildMenus();
    void buildRunsDock();
    void openDialog();

    RunTableModel* model_;
    QSortFilterProxyModel* proxy_;
    QTableView* view_;
    QLineEdit* filter_;
};

} // namespace moescope
