/**
 * Not API: the memory controller's file names and constants, the one-file readers and the fast hierarchy walk.
 */
package dev.hostkit.cgroups.internal;
