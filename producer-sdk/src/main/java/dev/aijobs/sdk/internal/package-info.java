/** Internals of the producer SDK: publishing with confirms, reply dispatch, pending jobs. */
package dev.aijobs.sdk.internal;
