/** Implementation of the fault-injecting SOCKS5 server; not a supported API. */
package dev.aijobs.testkit.internal.socks;
