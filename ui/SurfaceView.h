#pragma once
// The fitted isoFLOP surface L(log10 N, S) (or over N_a) at one budget, in VTK: coloured by loss with a
// scalar bar, iso-loss contours, runs as spheres coloured by residual, S*(N) and N*(S) curves, the optimum,
// labelled axes; trackball camera, preset views, and picking a sphere selects its run.
#include "core/fit/Analysis.h"

#include <QWidget>

#include <array>
#include <memory>
#include <vector>

class vtkPolyData;

namespace moescope {

class VtkWidget;

class SurfaceView : public QWidget {
    Q_OBJECT
public:
    explicit SurfaceView(QWidget* parent = nullptr);
    ~SurfaceView() override;

    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double budget);
    void setOverActive(bool overActive);
    void setGridResolution(int n) { grid_ = n; }
    void selectRun(int runIndex);
    void resetView();
    enum class Preset { Perspective, Top, FrontN, SideS };
    void presetView(Preset p);

    VtkWidget* vtk() const { return vtk_; }
    // Display position (widget pixels, y down) of a run's sphere, for tests and hover.
    QPointF runPosition(int runIndex) const;
    int runAt(const QPointF& widgetPos, double radius = 12) const;
    // Display position of the surface point at (params, sparsity); negative when nothing is drawn.
    QPointF surfacePosition(double params, double sparsity) const;
    // Where the surface has its minimum loss colour etc.: the lookup table's colour for a loss.
    QColor colourForLoss(double loss) const;
    double lossMin() const { return lossMin_; }
    double lossMax() const { return lossMax_; }
    QImage render(const QSize& size);
    // The surface's poly data, for tests: the same object for the life of the view.
    vtkPolyData* surfaceMesh() const;

signals:
    void runPicked(int runIndex);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Pipeline;
    void rebuild();
    void placeHighlight();
    struct Mapped {
        double x, y, z;
    };
    Mapped toScene(double logParams, double sparsity, double loss) const;
    QPointF toDisplay(double x, double y, double z) const;

    VtkWidget* vtk_;
    std::unique_ptr<Pipeline> p_;
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
    double budget_ = 0;
    bool overActive_ = false;
    int grid_ = 60;
    int selected_ = -1;
    bool framed_ = false;
    double xMin_ = 0, xMax_ = 1, sMin_ = 0, sMax_ = 1, lossMin_ = 0, lossMax_ = 1;
    std::vector<int> runIndices_;               // runs drawn, in sphere order
    std::vector<std::array<double, 3>> runXyz_; // their scene positions
    QPoint pressPos_;
};

} // namespace moescope
