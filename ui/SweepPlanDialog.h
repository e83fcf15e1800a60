#pragma once
// Trainer › Plan sweep…: the fields of `moescope-cli plan-sweep`, a preview (table, and the planned sizes
// against the runs already swept), the total time and the compute of independent runs against stable runs
// with cooldown branches (--wsd), and Queue, which hands the plan to the trainer dock.
// Planning is core/fit/SweepPlanner.h's; this dialog only edits and shows.
#include "core/fit/Analysis.h"
#include "core/fit/SweepPlanner.h"

#include <QDialog>

#include <memory>

class QChart;
class QChartView;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace moescope {

class SweepPlanDialog : public QDialog {
    Q_OBJECT
public:
    // `snapshot` (may be null) offers its fitted frontiers as the centre and its runs' family as defaults.
    SweepPlanDialog(std::shared_ptr<const AnalysisSnapshot> snapshot, const RunTable& runs,
                    QWidget* parent = nullptr);

    const SweepPlan& plan() const { return plan_; }
    QString error() const; // why there is no plan (empty when there is one)
    QString sweepName() const;
    QTableWidget* table() const { return table_; }
    QChartView* plot() const { return chart_; }
    QLabel* summary() const { return summary_; }
    QSpinBox* vocab() const { return vocab_; }

signals:
    void queueRequested(const moescope::SweepPlan& plan, const QString& name);

private:
    void replan();
    // The planned runs on the fitted law's surface (loss along N per budget and sparsity) when there is a
    // law fit; otherwise their sizes against the runs already swept.
    QString showPlot(); // returns plotOnSurface's note, or why the plot is not on the law
    // Returns what the plot's reader must know (a loss no model of this vocabulary can have), or empty.
    QString plotOnSurface(QChart* chart);
    // Whether the planned family is the fitted runs' (their vocabulary and context): a law fitted on one
    // group says nothing about models of another.
    bool planMatchesFit() const;
    void plotAgainstRuns(QChart* chart);
    SweepOptions options(QString* error) const;

    std::shared_ptr<const AnalysisSnapshot> snapshot_;
    RunTable runs_;
    ArchitectureFamily fitted_; // the family of the runs the snapshot fitted (its run group)
    QLineEdit *budgets_, *sparsities_, *name_;
    QSpinBox *sizes_, *vocab_, *ctx_, *batch_;
    QDoubleSpinBox *spread_, *aspect_;
    QComboBox *device_, *centre_, *schedule_;
    QSpinBox* ladder_;
    QTableWidget* table_;
    QChartView* chart_;
    QLabel* summary_;
    QPushButton* queue_;
    SweepPlan plan_;
    QString error_;
};

} // namespace moescope
