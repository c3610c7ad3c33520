/** Implementation details of the testkit fixtures; not a supported API, may change at any time. */
package dev.aijobs.testkit.internal;
