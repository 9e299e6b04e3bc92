/**
 * What a hypervisor supplies: the hypercall handler a guest's vCPU calls, and the translation from guest addresses to guest-physical addresses.
 */
package io.pvkit.abi.spi;
