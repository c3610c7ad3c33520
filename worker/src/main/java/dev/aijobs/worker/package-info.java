/** The worker: consume, execute, reply, measure. */
package dev.aijobs.worker;
