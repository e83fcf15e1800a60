#pragma once
// The isoFLOP surface's grid as VTK poly data: its quads, the coarser grid a drag draws, and the loss colours
// lit once per surface.
#include <vtkSmartPointer.h>

class vtkCellArray;
class vtkDoubleArray;
class vtkLookupTable;
class vtkPoints;
class vtkPolyData;
class vtkUnsignedCharArray;

namespace moescope {

// Quads over a (cells + 1)² grid of points numbered row by row.
vtkSmartPointer<vtkCellArray> gridQuads(int cells);

// Every stride-th row and column of the (n + 1)² grid `fine` (its last ones too), with all its point data;
// `out` is refilled.
void takeEveryNth(vtkPolyData* fine, int n, int stride, vtkPolyData* out);

// The loss colour of every point of the (n + 1)² grid shaded by a fixed light (array "lit", RGB).
vtkSmartPointer<vtkUnsignedCharArray> litColours(vtkPoints* points, vtkDoubleArray* loss, vtkLookupTable* lut,
                                                 int n);

} // namespace moescope
