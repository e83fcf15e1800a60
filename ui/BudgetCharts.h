#pragma once
// Across budgets (Abnar et al. Figs 3, 4): N*, N_a*, L* vs S per budget; S* vs N per budget; and the power
// laws N*(C), L*(C) per sparsity.
#include "ui/AnalysisRunner.h"

#include <QWidget>

class QChartView;

namespace moescope {

class BudgetCharts : public QWidget {
    Q_OBJECT
public:
    explicit BudgetCharts(QWidget* parent = nullptr);
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double selectedBudget);
    QChartView* optimaVsSparsity() const { return optima_; }
    QChartView* lossVsSparsity() const { return losses_; }
    QChartView* sparsityVsParams() const { return sStar_; }
    QChartView* powerLaws() const { return laws_; }

private:
    void highlight(double budget);
    QChartView *optima_, *losses_, *sStar_, *laws_;
    std::weak_ptr<const AnalysisSnapshot>
        drawn_; // the snapshot the charts show; a new budget only re-highlights
};

} // namespace moescope
