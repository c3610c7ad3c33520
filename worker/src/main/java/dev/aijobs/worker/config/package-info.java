/** Worker configuration: keys, layered sources, validation, provider presets. */
package dev.aijobs.worker.config;
