#pragma once
// VTK inside a Qt 6 QOpenGLWidget without VTK's Qt 5 module (ARCHITECTURE.md §6): a
// vtkGenericOpenGLRenderWindow drawn into Qt's framebuffer, with Qt's mouse and keys forwarded to a
// vtkGenericRenderWindowInteractor.
#include <QOpenGLWidget>

#include <vtkNew.h>
#include <vtkSmartPointer.h>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkRenderer;
class vtkObject;

namespace moescope {

class VtkWidget : public QOpenGLWidget {
    Q_OBJECT
public:
    explicit VtkWidget(QWidget* parent = nullptr);
    ~VtkWidget() override;

    vtkRenderer* renderer() const;
    vtkGenericOpenGLRenderWindow* renderWindow() const;
    vtkGenericRenderWindowInteractor* interactor() const;
    // Renders now (inside the widget's context) and returns the frame; what export and tests read.
    QImage grabScene();

    // The surface format VTK needs; set as the default before QApplication exists.
    static void setDefaultSurfaceFormat();

protected:
    void initializeGL() override;
    void paintGL() override;
    void resizeGL(int w, int h) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;

private:
    void forwardMouse(QMouseEvent* e, unsigned long vtkEvent);
    static void onMakeCurrent(vtkObject*, unsigned long, void* self, void*);
    static void onIsCurrent(vtkObject*, unsigned long, void* self, void* callData);
    static void onFrame(vtkObject*, unsigned long, void* self, void*);

    vtkSmartPointer<vtkGenericOpenGLRenderWindow> window_;
    vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor_;
    vtkSmartPointer<vtkRenderer> renderer_;
};

} // namespace moescope
