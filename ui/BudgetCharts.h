#pragma once
// Across budgets (Abnar et al. Figs 3, 4): N*, N_a*, L* vs S per budget; S* vs N per budget; the frontier
// law N*(C) per sparsity with its band, continued dashed to a budget past the sweep; and the compute
// multiplier of each sparse level (the dense compute that reaches the same loss, ÷ C).
#include "ui/AnalysisRunner.h"

#include <QWidget>

class QChartView;
class QGridLayout;

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
    QChartView* computeMultiplier() const { return multiplier_; }

protected:
    void resizeEvent(QResizeEvent* e) override;

private:
    // Two columns when the view is wide enough for two charts' legends side by side, else one.
    void arrange(int columns);
    void highlight(double budget);
    void drawFrontier(const AnalysisSnapshot& snapshot, double selected);
    void drawMultipliers(const AnalysisSnapshot& snapshot);
    QChartView *optima_, *losses_, *sStar_, *laws_, *multiplier_;
    QGridLayout* grid_;
    int columns_ = 0;
    double frontierEnd_ = 0; // the budget the N*(C) chart reaches
    std::weak_ptr<const AnalysisSnapshot>
        drawn_; // the snapshot the charts show; a new budget only re-highlights
};

} // namespace moescope
