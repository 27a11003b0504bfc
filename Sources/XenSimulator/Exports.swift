// A test that imports XenSimulator also sees the controller, the model and the XenHost seam it simulates, on any
// machine (XenResumeCore needs no libxen-dev).
@_exported import XenResumeCore
