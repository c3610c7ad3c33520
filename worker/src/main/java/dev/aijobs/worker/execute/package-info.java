/**
 * Executing a job: provider calls with AsyncHttpClient, response mapping, failure classification.
 */
package dev.aijobs.worker.execute;
