/** libc downcalls and Linux constants; the only package of pv-process that calls restricted FFM methods. */
package io.pvkit.process.internal;
