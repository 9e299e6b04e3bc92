/**
 * The x86_64 Xen hypercall calling convention: callers, argument marshalling into guest memory, and validated reading of arguments by a hypervisor.
 */
package io.pvkit.abi.hypercall;
