#pragma once
// A sweep of one sparsity level (dense only, or one MoE level) has no surface over S to draw: a 3D surface
// would invent an S axis (0 … 0.001 for a dense sweep). It is drawn as what it is — L(N) per budget: each
// budget's fitted isoFLOP curve at that level over the sizes it ran, its runs, its optimum starred, the
// chosen budget drawn bold. The Surface tab shows this instead of the VTK surface for such sweeps, and for
// runs with no budget at all, to say why there is no surface.
#include "core/fit/Analysis.h"

#include <QWidget>

#include <memory>

class QChartView;

namespace moescope {

class LossCurvesView : public QWidget {
    Q_OBJECT
public:
    explicit LossCurvesView(QWidget* parent = nullptr);
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double budget);
    QChartView* chart() const { return view_; }

    // True when the snapshot's runs hold one sparsity level: its surface is a curve per budget.
    static bool wanted(const AnalysisSnapshot& snapshot);
    // The series names: "C=1e+20" for a budget's fitted curve, "runs C=1e+20", "optimum".
    static QString curveName(double budget);

private:
    QChartView* view_;
};

} // namespace moescope
