#include "ui/SurfaceGrid.h"

#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
#include <vtkLookupTable.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace moescope {

// The loss colour of every grid point shaded by a fixed light from above and in front (ambient 0.35, diffuse
// 0.65, both faces), normals from the grid's neighbours. Baked once per surface instead of lit per fragment:
// on a software renderer the lit mesh was most of a rotating frame (bench_explorer), and a light fixed to the
// surface keeps its relief readable from every side rather than swinging with the camera.
vtkSmartPointer<vtkUnsignedCharArray> litColours(vtkPoints* points, vtkDoubleArray* loss, vtkLookupTable* lut,
                                                 int n) {
    auto colours = vtkSmartPointer<vtkUnsignedCharArray>::New();
    colours->SetName("lit");
    colours->SetNumberOfComponents(3);
    colours->SetNumberOfTuples(points->GetNumberOfPoints());
    const double norm = std::sqrt(0.3 * 0.3 + 0.5 * 0.5 + 1.0);
    const double light[3] = {0.3 / norm, -0.5 / norm, 1.0 / norm};
    auto at = [&](int i, int j, double out[3]) {
        points->GetPoint(std::clamp(i, 0, n) * (n + 1) + std::clamp(j, 0, n), out);
    };
    for (int i = 0; i <= n; ++i)
        for (int j = 0; j <= n; ++j) {
            double a[3], b[3], c[3], d[3];
            at(i + 1, j, a), at(i - 1, j, b), at(i, j + 1, c), at(i, j - 1, d);
            const double du[3] = {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
            const double dv[3] = {c[0] - d[0], c[1] - d[1], c[2] - d[2]};
            const double nx = du[1] * dv[2] - du[2] * dv[1], ny = du[2] * dv[0] - du[0] * dv[2],
                         nz = du[0] * dv[1] - du[1] * dv[0];
            const double len = std::sqrt(nx * nx + ny * ny + nz * nz);
            const double facing =
                len > 0 ? std::abs(nx * light[0] + ny * light[1] + nz * light[2]) / len : 1.0;
            const double shade = 0.35 + 0.65 * facing;
            const vtkIdType id = i * (n + 1) + j;
            double rgb[3];
            lut->GetColor(loss->GetValue(id), rgb);
            for (int k = 0; k < 3; ++k)
                colours->SetComponent(id, k, std::round(255.0 * std::min(1.0, rgb[k] * shade)));
        }
    return colours;
}

// Quads over a (cells + 1)² grid of points numbered row by row.
vtkSmartPointer<vtkCellArray> gridQuads(int cells) {
    auto quads = vtkSmartPointer<vtkCellArray>::New();
    for (int i = 0; i < cells; ++i)
        for (int j = 0; j < cells; ++j) {
            const vtkIdType ids[4] = {i * (cells + 1) + j, (i + 1) * (cells + 1) + j,
                                      (i + 1) * (cells + 1) + j + 1, i * (cells + 1) + j + 1};
            quads->InsertNextCell(4, ids);
        }
    return quads;
}

// Every stride-th row and column of the (n + 1)² grid `fine` (its last ones too), with all its point data.
void takeEveryNth(vtkPolyData* fine, int n, int stride, vtkPolyData* out) {
    std::vector<int> keep;
    for (int i = 0; i < n; i += stride)
        keep.push_back(i);
    keep.push_back(n);
    const auto m = static_cast<vtkIdType>(keep.size());
    vtkNew<vtkPoints> points;
    points->SetNumberOfPoints(m * m);
    vtkPointData* from = fine->GetPointData();
    vtkPointData* to = out->GetPointData();
    to->Initialize();
    to->CopyAllocate(from, m * m);
    vtkIdType k = 0;
    for (const int i : keep)
        for (const int j : keep) {
            const vtkIdType id = i * (n + 1) + j;
            points->SetPoint(k, fine->GetPoint(id));
            to->CopyData(from, id, k++);
        }
    to->SetActiveScalars(from->GetScalars()->GetName()); // the clip cuts by the active scalars
    out->SetPoints(points);
    out->SetPolys(gridQuads(int(m) - 1));
}

} // namespace moescope
