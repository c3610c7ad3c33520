/** The worker's metric catalog, the Prometheus/health endpoint and the periodic latency summary. */
package dev.aijobs.worker.metrics;
