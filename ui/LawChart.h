#pragma once
// Abnar et al.'s Figure 6 for the fitted parametric law: predicted vs observed loss, held-out runs marked,
// the y = x line and the metrics; residuals against prediction on demand.
#include "AnalysisRunner.h"

#include <QWidget>

class QChartView;
class QCheckBox;

namespace moescope {

class LawChart : public QWidget {
    Q_OBJECT
public:
    explicit LawChart(QWidget* parent = nullptr);
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot);
    QChartView* view() const { return view_; }
    void setShowResiduals(bool on);

private:
    void redraw();
    QChartView* view_;
    QCheckBox* residuals_;
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
};

} // namespace moescope
