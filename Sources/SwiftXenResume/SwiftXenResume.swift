// What a dom0 toolstack imports: the controller, the model and the XenHost seam (XenResumeCore) together with
// the real backend, LibxenHost (XenResumeLibxen). Code that must build without libxen-dev, such as tests on a
// laptop, imports XenResumeCore and XenSimulator instead.
@_exported import XenResumeCore
@_exported import XenResumeLibxen
