/* The one header Swift imports from libxen-dev. __XEN_TOOLS__ must come first: xen/domctl.h refuses to be
 * included without it, and a -D from pkg-config or cSettings never reaches the Swift importer. Everything below
 * the includes exists only because Swift cannot import it directly (macros, unions, variadics). */
#ifndef SWIFTXENRESUME_CXEN_SHIM_H
#define SWIFTXENRESUME_CXEN_SHIM_H

#define __XEN_TOOLS__ 1

#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoollog.h>
#include <xen/domctl.h>
#include <xen/foreign/x86_32.h>
#include <xen/foreign/x86_64.h>

#endif
