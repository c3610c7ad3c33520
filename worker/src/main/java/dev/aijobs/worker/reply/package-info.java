/** Publishing results, chunks and dead letters with publisher confirms, and acking after them. */
package dev.aijobs.worker.reply;
