/**
 * Command-line tools of pv-rings (not exported): the ring peer that lets a non-JVM implementation
 * test itself against pvkit over a shared file.
 */
package io.pvkit.rings.tools;
