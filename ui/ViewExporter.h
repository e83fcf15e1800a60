#pragma once
// Writes any view to PNG, SVG or PDF at a chosen size and DPI (by the file's extension). VTK views are
// rasterised through their framebuffer and embedded; charts are drawn as vectors in SVG and PDF.
#include <QSize>
#include <QString>

class QWidget;

namespace moescope {

// False with `error` set when the extension is unknown or the file cannot be written.
bool exportView(QWidget* view, const QString& path, QSize size, int dpi, QString* error);

} // namespace moescope
