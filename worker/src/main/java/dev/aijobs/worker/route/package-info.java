/**
 * Routes and their failures: the one failure classifier (proxy layer vs provider vs local), the
 * attempt planner and the retry policy.
 */
package dev.aijobs.worker.route;
