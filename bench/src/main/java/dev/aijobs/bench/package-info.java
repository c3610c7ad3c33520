/**
 * The benchmark: a load generator driving jobs through the real worker (and a null worker as the
 * broker-bound reference), with latency histograms, CPU and memory of the worker, and a report.
 */
package dev.aijobs.bench;
