/**
 * Other hypercall sub-ops pvkit uses and their argument layouts: SCHEDOP, XENMEM (add_to_physmap), HVMOP parameters, CONSOLEIO, XENVER, VCPUOP, and {@code start_info}.
 */
package io.pvkit.abi.platform;
