/** Reusable test fixtures: mock upstream, fault-injecting SOCKS5 server, test broker resolution. */
package dev.aijobs.testkit;
