#pragma once
// Abnar et al.'s Figure 6 for the fitted parametric law: predicted vs observed loss, held-out runs marked,
// the y = x line and the metrics; residuals against prediction on demand.
#include "ui/AnalysisRunner.h"

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
    // The run whose point lies nearest to `chartPoint` (chart coordinates), or −1.
    int runAt(const QPointF& chartPoint) const;

signals:
    // A run's point was clicked (index into the snapshot's runs).
    void runPicked(int runIndex);

private slots:
    void onPointClicked(const QPointF& chartPoint);

private:
    void redraw();
    QChartView* view_;
    QCheckBox* residuals_;
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
};

} // namespace moescope
