/**
 * One way to run a videolb service: the typed settings reader ({@code io.videolb.runtime.settings}),
 * the service runtime (one Vert.x per process, services as verticles, {@code /health} and
 * {@code /metrics} on one Micrometer Prometheus registry, named threads). It sits beside
 * {@code kafka-support} at the bottom of the module graph and knows nothing of any service.
 */
package io.videolb.runtime;
