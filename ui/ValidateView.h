#pragma once
// The Validate view: how well MoEScope's extrapolation held on this sweep. The backtest of the analysis
// (core/fit/Extrapolation.h; every method fitted on all but the largest budget) is shown as predicted
// against observed L* per held-out budget and sparsity with its 95 % intervals, the table of each law's
// held-out error, the verdict, and the track record the recommendation was chosen by (ui/TrackRecordChart.h).
#include "ui/AnalysisRunner.h"

#include <QWidget>

class QChartView;
class QLabel;
class QTableWidget;

namespace moescope {

class ValidateView : public QWidget {
    Q_OBJECT
public:
    explicit ValidateView(QWidget* parent = nullptr);
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot);
    QLabel* verdict() const { return verdict_; }
    QChartView* chart() const { return chart_; }
    QChartView* trackRecord() const { return record_; }
    QTableWidget* frontierTable() const { return frontier_; }
    QTableWidget* lawTable() const { return laws_; }

private:
    QLabel* verdict_;
    QChartView* chart_;
    QChartView* record_;
    QTableWidget* frontier_;
    QTableWidget* laws_;
};

} // namespace moescope
