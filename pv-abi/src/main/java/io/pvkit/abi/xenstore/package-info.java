/**
 * Xenstore wire protocol and xenbus: the {@code xsd_sockmsg} header, message types, error names, xenbus states and the shared {@code xenstore_domain_interface} ring page.
 */
package io.pvkit.abi.xenstore;
