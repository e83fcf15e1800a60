#pragma once
// Abnar et al.'s Figure 2 at the chosen budget: L vs S at several N, L vs N and L vs N_a at several S,
// each fitted curve with its 95 % bootstrap band and optimum marker, the runs over them.
#include "ui/AnalysisRunner.h"

#include <QWidget>

class QChartView;

namespace moescope {

class SliceCharts : public QWidget {
    Q_OBJECT
public:
    explicit SliceCharts(QWidget* parent = nullptr);
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double budget);
    QChartView* lossVsSparsity() const { return bySparsity_; }
    QChartView* lossVsParams() const { return byParams_; }
    QChartView* lossVsActive() const { return byActive_; }
    // The run of this budget nearest to a clicked chart point (x: S, N or N_a by chart), or −1.
    int runAt(QChartView* chart, const QPointF& p) const;

signals:
    void runPicked(int runIndex);

private slots:
    void onPointClicked(const QPointF& p);

private:
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
    double budget_ = 0;
    QChartView *bySparsity_, *byParams_, *byActive_;
};

} // namespace moescope
