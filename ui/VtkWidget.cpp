#include "ui/VtkWidget.h"

#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QSurfaceFormat>
#include <QWheelEvent>

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>

namespace moescope {

void VtkWidget::setDefaultSurfaceFormat() {
    QSurfaceFormat f;
    f.setRenderableType(QSurfaceFormat::OpenGL);
    f.setVersion(3, 2);
    f.setProfile(QSurfaceFormat::CoreProfile);
    f.setDepthBufferSize(24);
    f.setRedBufferSize(8);
    f.setGreenBufferSize(8);
    f.setBlueBufferSize(8);
    f.setAlphaBufferSize(8);
    f.setStencilBufferSize(0);
    QSurfaceFormat::setDefaultFormat(f);
}

VtkWidget::VtkWidget(QWidget* parent) : QOpenGLWidget(parent) {
    window_ = vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New();
    window_->SetReadyForRendering(false); // until initializeGL has a context for it
    window_->SetFrameBlitModeToNoBlit();
    window_->SetOwnContext(false);
    // VTK asks for 8x multisampling by default; in software GL (Mesa llvmpipe under Xvfb) that alone
    // costs most of the frame time.
    window_->SetMultiSamples(0);
    renderer_ = vtkSmartPointer<vtkRenderer>::New();
    window_->AddRenderer(renderer_);
    interactor_ = vtkSmartPointer<vtkGenericRenderWindowInteractor>::New();
    interactor_->SetRenderWindow(window_);
    interactor_->SetInteractorStyle(vtkNew<vtkInteractorStyleTrackballCamera>());
    interactor_->EnableRenderOff(); // Qt decides when to paint
    auto observe = [&](unsigned long event, void (*fn)(vtkObject*, unsigned long, void*, void*)) {
        vtkNew<vtkCallbackCommand> cb;
        cb->SetCallback(fn);
        cb->SetClientData(this);
        window_->AddObserver(event, cb);
    };
    observe(vtkCommand::WindowMakeCurrentEvent, &VtkWidget::onMakeCurrent);
    observe(vtkCommand::WindowIsCurrentEvent, &VtkWidget::onIsCurrent);
    observe(vtkCommand::WindowFrameEvent, &VtkWidget::onFrame);
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
}

VtkWidget::~VtkWidget() {
    makeCurrent();
    window_->Finalize();
    doneCurrent();
}

vtkRenderer* VtkWidget::renderer() const {
    return renderer_;
}
vtkGenericOpenGLRenderWindow* VtkWidget::renderWindow() const {
    return window_;
}
vtkGenericRenderWindowInteractor* VtkWidget::interactor() const {
    return interactor_;
}

// Not QOpenGLWidget::makeCurrent: that rebinds Qt's FBO behind VTK's state cache and leaves a black frame.
void VtkWidget::onMakeCurrent(vtkObject*, unsigned long, void* self, void*) {
    auto* w = static_cast<VtkWidget*>(self);
    if (w->context()) w->context()->makeCurrent(w->context()->surface());
}

void VtkWidget::onIsCurrent(vtkObject*, unsigned long, void* self, void* callData) {
    auto* w = static_cast<VtkWidget*>(self);
    *static_cast<bool*>(callData) = w->context() && QOpenGLContext::currentContext() == w->context();
}

void VtkWidget::onFrame(vtkObject*, unsigned long, void* self, void*) {
    static_cast<VtkWidget*>(self)->update();
}

void VtkWidget::initializeGL() {
    window_->SetReadyForRendering(true);
    window_->OpenGLInitContext();
    const qreal dpr = devicePixelRatioF();
    window_->SetSize(int(width() * dpr), int(height() * dpr));
    interactor_->SetSize(int(width() * dpr), int(height() * dpr));
    interactor_->Initialize();
}

void VtkWidget::resizeGL(int w, int h) {
    const qreal dpr = devicePixelRatioF();
    window_->SetSize(int(w * dpr), int(h * dpr));
    interactor_->SetSize(int(w * dpr), int(h * dpr));
}

void VtkWidget::paintGL() {
    vtkOpenGLState* state = window_->GetState();
    state->Reset();
    state->Push();
    state->vtkglDepthFunc(GL_LEQUAL);
    window_->Render();
    window_->GetState()->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
    window_->BlitDisplayFramebuffer();
    // Qt composes with alpha: make the frame opaque.
    state->vtkglColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
    state->vtkglClearColor(0, 0, 0, 1);
    state->vtkglClear(GL_COLOR_BUFFER_BIT);
    state->vtkglColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    state->Pop();
}

QImage VtkWidget::grabScene() {
    return grabFramebuffer();
}

void VtkWidget::forwardMouse(QMouseEvent* e, unsigned long vtkEvent) {
    const qreal dpr = devicePixelRatioF();
    interactor_->SetEventInformationFlipY(int(e->position().x() * dpr), int(e->position().y() * dpr),
                                          (e->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                          (e->modifiers() & Qt::ShiftModifier) ? 1 : 0);
    interactor_->InvokeEvent(vtkEvent, e);
}

void VtkWidget::mousePressEvent(QMouseEvent* e) {
    const auto event = e->button() == Qt::LeftButton    ? vtkCommand::LeftButtonPressEvent
                       : e->button() == Qt::RightButton ? vtkCommand::RightButtonPressEvent
                                                        : vtkCommand::MiddleButtonPressEvent;
    forwardMouse(e, event);
}

void VtkWidget::mouseReleaseEvent(QMouseEvent* e) {
    const auto event = e->button() == Qt::LeftButton    ? vtkCommand::LeftButtonReleaseEvent
                       : e->button() == Qt::RightButton ? vtkCommand::RightButtonReleaseEvent
                                                        : vtkCommand::MiddleButtonReleaseEvent;
    forwardMouse(e, event);
}

void VtkWidget::mouseMoveEvent(QMouseEvent* e) {
    forwardMouse(e, vtkCommand::MouseMoveEvent);
    update();
}

void VtkWidget::wheelEvent(QWheelEvent* e) {
    const qreal dpr = devicePixelRatioF();
    interactor_->SetEventInformationFlipY(int(e->position().x() * dpr), int(e->position().y() * dpr));
    interactor_->InvokeEvent(e->angleDelta().y() > 0 ? vtkCommand::MouseWheelForwardEvent
                                                     : vtkCommand::MouseWheelBackwardEvent,
                             e);
    update();
}

void VtkWidget::keyPressEvent(QKeyEvent* e) {
    QOpenGLWidget::keyPressEvent(e);
    update();
}

} // namespace moescope
